package org.gpusched.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-thread non-blocking marker. */
class NonBlockingTest {

    @AfterEach
    void leaveAnySectionATestLeftOpen() {
        // Keeps one failing test from leaking the marker into the next on this thread.
        while (NonBlocking.active()) {
            NonBlocking.exit();
        }
    }

    @Test
    void inactiveOutsideAnySection() {
        assertThat(NonBlocking.active()).isFalse();
        assertThatCode(() -> NonBlocking.checkMayBlock("test")).doesNotThrowAnyException();
    }

    @Test
    void enterActivatesAndExitDeactivates() {
        NonBlocking.enter();
        try {
            assertThat(NonBlocking.active()).isTrue();
        } finally {
            NonBlocking.exit();
        }
        assertThat(NonBlocking.active()).isFalse();
    }

    @Test
    void sectionsNestAndStayActiveUntilTheOutermostExits() {
        NonBlocking.enter();
        NonBlocking.enter();
        NonBlocking.enter();
        NonBlocking.exit();
        assertThat(NonBlocking.active()).isTrue();
        NonBlocking.exit();
        assertThat(NonBlocking.active()).isTrue();
        NonBlocking.exit();
        assertThat(NonBlocking.active()).isFalse();
    }

    @Test
    void exitWithoutEnterThrowsAndLeavesTheMarkerUsable() {
        assertThatThrownBy(NonBlocking::exit).isInstanceOf(IllegalStateException.class);
        assertThat(NonBlocking.active()).isFalse();
        // The failed exit must not have driven the depth negative.
        NonBlocking.enter();
        assertThat(NonBlocking.active()).isTrue();
        NonBlocking.exit();
        assertThat(NonBlocking.active()).isFalse();
    }

    @Test
    void checkMayBlockThrowsInsideASectionNamingTheOperation() {
        NonBlocking.enter();
        try {
            assertThatThrownBy(() -> NonBlocking.checkMayBlock("Frobnicate.await"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Frobnicate.await");
        } finally {
            NonBlocking.exit();
        }
        assertThatCode(() -> NonBlocking.checkMayBlock("Frobnicate.await")).doesNotThrowAnyException();
    }

    @Test
    void markerIsPerThread() throws Exception {
        NonBlocking.enter();
        try {
            AtomicReference<Boolean> otherActive = new AtomicReference<>();
            AtomicReference<Throwable> otherCheck = new AtomicReference<>();
            Thread t = new Thread(() -> {
                otherActive.set(NonBlocking.active());
                try {
                    NonBlocking.checkMayBlock("other");
                } catch (Throwable e) {
                    otherCheck.set(e);
                }
            });
            t.start();
            t.join(10_000);
            assertThat(t.isAlive()).isFalse();
            assertThat(otherActive).hasValue(false);
            assertThat(otherCheck.get()).isNull();
        } finally {
            NonBlocking.exit();
        }
    }
}
