package org.gpusched.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.gpusched.fence.Fence;
import org.gpusched.fence.Timeline;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Lanes of the virtual dispatcher: coalescing, exclusivity, wake-ups, non-blocking marker. */
class VirtualLaneTest {

    private final VirtualDispatcher d = new VirtualDispatcher();
    /** Virtual times at which the work function ran. */
    private final List<Long> runs = new ArrayList<>();
    private Runnable extraWork = () -> { };
    private final Lane lane = d.newLane("lane", () -> {
        runs.add(d.nanoTime());
        extraWork.run();
    });

    @AfterEach
    void noNonBlockingSectionLeaks() {
        assertThat(NonBlocking.active()).isFalse();
    }

    @Test
    void laneKeepsItsName() {
        assertThat(lane.name()).isEqualTo("lane");
    }

    @Test
    void signalNeverRunsWorkInline() {
        lane.signal();
        assertThat(runs).isEmpty();
        d.runUntilIdle(-1);
        assertThat(runs).containsExactly(0L);
    }

    @Test
    void manySignalsBeforeTheRunCoalesceIntoOneRun() {
        for (int i = 0; i < 10; i++) {
            lane.signal();
        }
        assertThat(d.pendingEvents()).isEqualTo(1);
        d.runUntilIdle(-1);
        assertThat(runs).containsExactly(0L);
    }

    @Test
    void signalAfterARunRunsTheWorkAgain() {
        lane.signal();
        d.runFor(10);
        lane.signal();
        lane.signal();
        d.runUntilIdle(-1);
        assertThat(runs).containsExactly(0L, 10L);
    }

    @Test
    void signalFromInsideTheWorkRunsItOnceMoreAtTheSameInstant() {
        int[] budget = {3};
        extraWork = () -> {
            if (--budget[0] > 0) {
                lane.signal();
                lane.signal();
            }
        };
        lane.signal();
        d.runUntilIdle(-1);
        assertThat(runs).containsExactly(0L, 0L, 0L);
    }

    @Test
    void signalFromAnotherEventRunsTheWorkAtThatEventsTime() {
        d.schedule(25, lane::signal);
        d.runUntilIdle(-1);
        assertThat(runs).containsExactly(25L);
    }

    @Test
    void workRunsInsideTheLaneAndANonBlockingSection() {
        List<Boolean> seen = new ArrayList<>();
        extraWork = () -> {
            seen.add(lane.inLane());
            seen.add(NonBlocking.active());
        };
        assertThat(lane.inLane()).isFalse();
        lane.signal();
        d.runUntilIdle(-1);
        assertThat(seen).containsExactly(true, true);
        assertThat(lane.inLane()).isFalse();
        assertThat(NonBlocking.active()).isFalse();
    }

    @Test
    void otherLanesAreNotInLaneDuringThisLanesWork() {
        Lane other = d.newLane("other", () -> { });
        List<Boolean> seen = new ArrayList<>();
        extraWork = () -> seen.add(other.inLane());
        lane.signal();
        d.runUntilIdle(-1);
        assertThat(seen).containsExactly(false);
    }

    @Test
    void blockingFenceWaitInsideWorkThrows() {
        Fence pending = Timeline.create("never", d.clock()).newFence().fence();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        extraWork = () -> {
            try {
                pending.await();
            } catch (Throwable t) {
                thrown.set(t);
            }
        };
        lane.signal();
        d.runUntilIdle(-1);
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void runExclusiveRunsInlineInsideTheLaneThenSignals() {
        List<Boolean> seen = new ArrayList<>();
        d.runFor(40);
        lane.runExclusive(() -> {
            seen.add(lane.inLane());
            seen.add(NonBlocking.active());
        });
        assertThat(seen).as("ran on the calling thread before returning").containsExactly(true, true);
        assertThat(lane.inLane()).isFalse();
        assertThat(NonBlocking.active()).isFalse();
        assertThat(runs).isEmpty();
        d.runUntilIdle(-1);
        assertThat(runs).containsExactly(40L);
    }

    @Test
    void runExclusiveInsideTheWorkRunsAtOnce() {
        List<String> order = new ArrayList<>();
        int[] first = {1};
        extraWork = () -> {
            if (first[0]-- > 0) {
                order.add("work-before");
                lane.runExclusive(() -> order.add("exclusive:" + lane.inLane()));
                order.add("work-after");
            }
        };
        lane.signal();
        d.runUntilIdle(-1);
        assertThat(order).containsExactly("work-before", "exclusive:true", "work-after");
    }

    @Test
    void runExclusiveNestsInsideAnotherExclusiveAction() {
        List<String> order = new ArrayList<>();
        lane.runExclusive(() -> {
            order.add("outer");
            lane.runExclusive(() -> order.add("inner:" + NonBlocking.active()));
            order.add("outer-end");
        });
        assertThat(order).containsExactly("outer", "inner:true", "outer-end");
        d.runUntilIdle(-1);
        assertThat(runs).isNotEmpty();
    }

    @Test
    void throwingExclusiveActionLeavesTheLaneUsable() {
        assertThatThrownBy(() -> lane.runExclusive(() -> {
            throw new IllegalStateException("action failure (expected by the test)");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(lane.inLane()).isFalse();
        assertThat(NonBlocking.active()).isFalse();
        List<Boolean> seen = new ArrayList<>();
        lane.runExclusive(() -> seen.add(lane.inLane()));
        assertThat(seen).containsExactly(true);
    }

    @Test
    void wakeAtRunsTheWorkAtThatTime() {
        lane.wakeAt(500);
        d.runFor(499);
        assertThat(runs).isEmpty();
        d.runFor(1);
        assertThat(runs).containsExactly(500L);
    }

    @Test
    void earlierWakeUpWins() {
        lane.wakeAt(1_000);
        lane.wakeAt(300);
        assertThat(d.runUntil(() -> !runs.isEmpty(), 10_000)).isTrue();
        assertThat(runs.get(0)).isEqualTo(300L);
    }

    @Test
    void laterWakeUpDoesNotPostponeAPendingEarlierOne() {
        lane.wakeAt(300);
        lane.wakeAt(1_000);
        assertThat(d.runUntil(() -> !runs.isEmpty(), 10_000)).isTrue();
        assertThat(runs.get(0)).isEqualTo(300L);
    }

    @Test
    void wakeAtInThePastRunsTheWorkNow() {
        d.runFor(100);
        lane.wakeAt(20);
        d.runFor(0);
        assertThat(runs).containsExactly(100L);
    }

    @Test
    void workThatReArmsItsWakeUpRunsPeriodically() {
        extraWork = () -> lane.wakeAt(d.nanoTime() + 10);
        lane.wakeAt(10);
        d.runFor(100);
        assertThat(runs).contains(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L);
        assertThat(runs).allSatisfy(t -> assertThat(t).isGreaterThanOrEqualTo(10L));
    }

    @Test
    void wakeUpAfterAnEarlierOneFiredIsHonoured() {
        lane.wakeAt(50);
        d.runFor(60);
        lane.wakeAt(80);
        d.runFor(40);
        assertThat(runs).contains(50L, 80L);
    }

    @Test
    void throwingWorkFunctionIsSwallowedAndTheLaneKeepsWorking() {
        // Dispatcher.newLane: work "must not throw (a throw is reported and swallowed)".
        int[] calls = {0};
        extraWork = () -> {
            if (calls[0]++ == 0) {
                throw new IllegalStateException("work failure (expected by the test)");
            }
        };
        lane.signal();
        try {
            assertThatCode(() -> d.runUntilIdle(-1)).doesNotThrowAnyException();
        } finally {
            assertThat(NonBlocking.active()).isFalse();
            assertThat(lane.inLane()).isFalse();
        }
        lane.signal();
        d.runUntilIdle(-1);
        assertThat(runs).hasSize(2);
    }

    @Test
    void lanesStopRunningAfterClose() {
        lane.signal();
        d.close();
        lane.signal();
        lane.wakeAt(10);
        d.runFor(100);
        assertThat(runs).isEmpty();
    }
}
