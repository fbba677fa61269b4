package org.gpusched.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The CompletionStage adapter: completion follows the fence, never the other way round. */
class FenceCompletionStageTest {

    private final Timeline timeline = Timeline.create("cs", new FakeClock(0));

    @Test
    void completesNormallyWithTheFenceOnSuccess() {
        FenceSource s = timeline.newFence();
        CompletionStage<Fence> stage = s.fence().toCompletionStage();
        AtomicReference<Fence> got = new AtomicReference<>();
        stage.thenAccept(got::set);
        assertThat(got.get()).isNull();
        s.signal();
        assertThat(got).hasValue(s.fence());
        assertThat(stage.toCompletableFuture().join()).isSameAs(s.fence());
    }

    @Test
    void completesExceptionallyWithFenceFailedExceptionOnError() {
        FenceSource s = timeline.newFence();
        CompletionStage<Fence> stage = s.fence().toCompletionStage();
        AtomicReference<Throwable> got = new AtomicReference<>();
        stage.whenComplete((f, t) -> got.set(t));
        s.signal(FenceError.TIMED_OUT);
        // A dependent stage relays a failure wrapped in CompletionException (the JDK's rule for
        // dependent stages); the failure itself must be the FenceFailedException.
        Throwable failure = got.get() instanceof CompletionException ce ? ce.getCause() : got.get();
        assertThat(failure).isInstanceOf(FenceFailedException.class);
        FenceFailedException e = (FenceFailedException) failure;
        assertThat(e.fence()).isSameAs(s.fence());
        assertThat(e.error()).isEqualTo(FenceError.TIMED_OUT);
        assertThatThrownBy(() -> stage.toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(FenceFailedException.class);
    }

    @Test
    void stageOfAnAlreadySignalledFenceIsComplete() {
        FenceSource ok = timeline.newFence();
        ok.signal();
        assertThat(ok.fence().toCompletionStage().toCompletableFuture().join()).isSameAs(ok.fence());
        FenceSource bad = timeline.newFence();
        bad.signal(FenceError.KILLED);
        assertThat(bad.fence().toCompletionStage().toCompletableFuture())
                .isCompletedExceptionally();
        assertThat(Fence.signaled().toCompletionStage().toCompletableFuture().join()).isSameAs(Fence.signaled());
    }

    @Test
    void completingACopyDoesNotAffectTheFenceOrTheStage() {
        FenceSource s = timeline.newFence();
        CompletionStage<Fence> stage = s.fence().toCompletionStage();
        CompletableFuture<Fence> copy = stage.toCompletableFuture();
        copy.complete(null);
        stage.toCompletableFuture().completeExceptionally(new RuntimeException("not the fence's outcome"));
        assertThat(s.fence().isSignaled()).isFalse();
        assertThat(s.fence().error()).isEqualTo(FenceError.NONE);
        AtomicReference<Fence> got = new AtomicReference<>();
        stage.thenAccept(got::set);
        assertThat(got.get()).as("the stage itself is still pending").isNull();
        s.signal();
        assertThat(got).hasValue(s.fence());
        assertThat(s.fence().error()).isEqualTo(FenceError.NONE);
    }

    @Test
    void completingTheStageObjectItselfCannotCompleteTheFence() {
        FenceSource s = timeline.newFence();
        CompletionStage<Fence> stage = s.fence().toCompletionStage();
        if (stage instanceof CompletableFuture<Fence> cf) {
            // Whether refused or accepted, the fence must not be affected.
            try {
                cf.complete(null);
            } catch (UnsupportedOperationException refused) {
                // refused: fine
            }
            try {
                cf.completeExceptionally(new RuntimeException("forged"));
            } catch (UnsupportedOperationException refused) {
                // refused: fine
            }
        }
        assertThat(s.fence().isSignaled()).isFalse();
        s.signal(FenceError.CANCELED);
        assertThat(s.fence().error()).isEqualTo(FenceError.CANCELED);
    }
}
