package org.gpusched.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Deadline hints: earliest kept, emitter hook, and nothing after the signal. */
class FenceDeadlineTest {

    private final Timeline timeline = Timeline.create("dl", new FakeClock(0));

    @Test
    void noDeadlineUntilOneIsRequested() {
        Fence f = timeline.newFence().fence();
        assertThat(f.deadlineNanos()).isEqualTo(Fence.NO_DEADLINE);
    }

    @Test
    void earliestDeadlineIsKept() {
        Fence f = timeline.newFence().fence();
        f.setDeadline(500);
        assertThat(f.deadlineNanos()).isEqualTo(500);
        f.setDeadline(800);
        assertThat(f.deadlineNanos()).isEqualTo(500);
        f.setDeadline(200);
        assertThat(f.deadlineNanos()).isEqualTo(200);
        f.setDeadline(200);
        assertThat(f.deadlineNanos()).isEqualTo(200);
    }

    @Test
    void hookIsCalledWithEachEarlierDeadlineOnly() {
        FenceSource s = timeline.newFence();
        List<Long> hook = new ArrayList<>();
        s.onDeadline(hook::add);
        assertThat(hook).isEmpty();
        s.fence().setDeadline(500);
        s.fence().setDeadline(800);
        s.fence().setDeadline(300);
        s.fence().setDeadline(300);
        s.fence().setDeadline(400);
        assertThat(hook).containsExactly(500L, 300L);
    }

    @Test
    void hookInstalledAfterADeadlineIsCalledAtOnceWithIt() {
        FenceSource s = timeline.newFence();
        s.fence().setDeadline(700);
        s.fence().setDeadline(600);
        List<Long> hook = new ArrayList<>();
        s.onDeadline(hook::add);
        assertThat(hook).containsExactly(600L);
        s.fence().setDeadline(100);
        assertThat(hook).containsExactly(600L, 100L);
    }

    @Test
    void newHookReplacesTheOldOne() {
        FenceSource s = timeline.newFence();
        List<Long> first = new ArrayList<>();
        List<Long> second = new ArrayList<>();
        s.onDeadline(first::add);
        s.fence().setDeadline(900);
        s.onDeadline(second::add);
        s.fence().setDeadline(100);
        assertThat(first).containsExactly(900L);
        assertThat(second).containsExactly(900L, 100L);
    }

    @Test
    void deadlinesAreIgnoredAfterSignal() {
        FenceSource s = timeline.newFence();
        List<Long> hook = new ArrayList<>();
        s.onDeadline(hook::add);
        s.fence().setDeadline(500);
        s.signal();
        s.fence().setDeadline(100);
        assertThat(hook).containsExactly(500L);
        assertThat(s.fence().deadlineNanos()).isEqualTo(500);
    }

    @Test
    void hookInstalledAfterSignalIsNotCalled() {
        FenceSource s = timeline.newFence();
        s.fence().setDeadline(500);
        s.signal();
        List<Long> hook = new ArrayList<>();
        s.onDeadline(hook::add);
        s.fence().setDeadline(1);
        assertThat(hook).isEmpty();
    }

    @Test
    void deadlineNeverChangesTheOutcome() {
        FenceSource s = timeline.newFence();
        s.onDeadline(d -> { });
        s.fence().setDeadline(0);
        assertThat(s.fence().isSignaled()).isFalse();
        s.signal(FenceError.KILLED);
        assertThat(s.fence().error()).isEqualTo(FenceError.KILLED);
    }

    @Test
    void nullHookIsRejected() {
        FenceSource s = timeline.newFence();
        assertThatThrownBy(() -> s.onDeadline(null)).isInstanceOf(NullPointerException.class);
    }
}
