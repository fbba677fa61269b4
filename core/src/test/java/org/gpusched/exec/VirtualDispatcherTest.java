package org.gpusched.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Event order, virtual time, driving methods, cancellation and thread confinement. */
class VirtualDispatcherTest {

    private final VirtualDispatcher d = new VirtualDispatcher();
    private final List<String> trace = new ArrayList<>();

    /** An event that records its label and the virtual time it ran at. */
    private Runnable mark(String label) {
        return () -> trace.add(label + "@" + d.nanoTime());
    }

    @Test
    void startsAtTimeZeroWithNothingPending() {
        assertThat(d.nanoTime()).isZero();
        assertThat(d.clock().nanoTime()).isZero();
        assertThat(d.pendingEvents()).isZero();
        assertThat(d.eventsRun()).isZero();
        assertThat(d.isVirtual()).isTrue();
        assertThat(d.inEvent()).isFalse();
    }

    @Test
    void eventsRunInTimeOrderThenInPostingOrder() {
        d.schedule(30, mark("a"));
        d.schedule(10, mark("b"));
        d.schedule(20, mark("c"));
        d.schedule(10, mark("d"));
        d.schedule(20, mark("e"));
        d.schedule(10, mark("f"));
        d.runUntilIdle(-1);
        assertThat(trace).containsExactly("b@10", "d@10", "f@10", "c@20", "e@20", "a@30");
    }

    @Test
    void deadlinesInThePastRunNowInPostingOrder() {
        d.runFor(100);
        d.post(mark("posted"));
        d.schedule(5, mark("past"));
        d.schedule(100, mark("now"));
        d.runUntilIdle(-1);
        assertThat(trace).containsExactly("posted@100", "past@100", "now@100");
    }

    @Test
    void postRunsAtTheCurrentInstantAfterEventsAlreadyPostedForIt() {
        d.schedule(10, () -> {
            trace.add("first@" + d.nanoTime());
            d.post(mark("posted-by-first"));
        });
        d.schedule(10, mark("second"));
        d.schedule(11, mark("later"));
        d.runUntilIdle(-1);
        assertThat(trace).containsExactly("first@10", "second@10", "posted-by-first@10", "later@11");
    }

    @Test
    void lateEventRunsAfterEveryOrdinaryEventOfItsInstantEvenThosePostedLater() {
        d.schedule(9, mark("before"));
        d.scheduleLate(10, mark("late"));
        d.schedule(11, mark("after"));
        d.schedule(10, () -> {
            trace.add("ordinary@" + d.nanoTime());
            d.post(mark("posted-inside"));
            d.schedule(10, mark("scheduled-inside"));
        });
        d.runUntilIdle(-1);
        assertThat(trace).containsExactly("before@9", "ordinary@10", "posted-inside@10", "scheduled-inside@10",
                "late@10", "after@11");
    }

    @Test
    void lateEventsOfOneInstantRunInPostingOrder() {
        d.scheduleLate(10, mark("late1"));
        d.schedule(10, mark("ordinary"));
        d.scheduleLate(10, mark("late2"));
        d.runUntilIdle(-1);
        assertThat(trace).containsExactly("ordinary@10", "late1@10", "late2@10");
    }

    @Test
    void lateEventInThePastRunsNowAfterTheOrdinaryOnes() {
        d.runFor(50);
        d.scheduleLate(0, mark("late"));
        d.post(mark("ordinary"));
        d.runUntilIdle(-1);
        assertThat(trace).containsExactly("ordinary@50", "late@50");
    }

    @Test
    void clockIsFixedInsideAnEvent() {
        List<Long> seen = new ArrayList<>();
        d.schedule(42, () -> {
            seen.add(d.clock().nanoTime());
            seen.add(d.nanoTime());
            assertThat(d.inEvent()).isTrue();
            seen.add(d.clock().nanoTime());
        });
        d.runUntilIdle(-1);
        assertThat(seen).containsExactly(42L, 42L, 42L);
        assertThat(d.inEvent()).isFalse();
    }

    @Test
    void runUntilStopsAtTheTimeOfTheEventThatMadeTheConditionTrue() {
        boolean[] flag = {false};
        d.schedule(10, mark("a"));
        d.schedule(20, () -> flag[0] = true);
        d.schedule(20, mark("same-instant"));
        d.schedule(30, mark("c"));
        assertThat(d.runUntil(() -> flag[0], 1_000)).isTrue();
        assertThat(d.nanoTime()).isEqualTo(20);
        // The condition is checked before each event: nothing after the one that set it ran.
        assertThat(trace).containsExactly("a@10");
        assertThat(d.pendingEvents()).isEqualTo(2);
    }

    @Test
    void runUntilReturnsAtOnceWhenTheConditionAlreadyHolds() {
        d.schedule(10, mark("a"));
        assertThat(d.runUntil(() -> true, 1_000)).isTrue();
        assertThat(d.nanoTime()).isZero();
        assertThat(d.eventsRun()).isZero();
        assertThat(trace).isEmpty();
    }

    @Test
    void runUntilTimeoutLeavesTheClockAtExactlyNowPlusMax() {
        d.runFor(1_000);
        d.schedule(1_040, mark("inside"));
        d.schedule(1_051, mark("beyond"));
        assertThat(d.runUntil(() -> false, 50)).isFalse();
        assertThat(d.nanoTime()).isEqualTo(1_050);
        assertThat(trace).containsExactly("inside@1040");
        assertThat(d.pendingEvents()).isEqualTo(1);
    }

    @Test
    void runUntilTimeoutWithNoEventsAdvancesTheClockToTheBound() {
        assertThat(d.runUntil(() -> false, 77)).isFalse();
        assertThat(d.nanoTime()).isEqualTo(77);
    }

    @Test
    void runUntilRunsAnEventExactlyAtTheBound() {
        d.schedule(50, mark("edge"));
        assertThat(d.runUntil(() -> false, 50)).isFalse();
        assertThat(trace).containsExactly("edge@50");
        assertThat(d.nanoTime()).isEqualTo(50);
    }

    @Test
    void runUntilSeesAConditionMadeTrueByTheLastEventBeforeTheBound() {
        boolean[] flag = {false};
        d.schedule(50, () -> flag[0] = true);
        assertThat(d.runUntil(() -> flag[0], 50)).isTrue();
        assertThat(d.nanoTime()).isEqualTo(50);
    }

    @Test
    void unboundedRunUntilReturnsFalseOnlyWhenNoEventIsLeft() {
        d.schedule(5, mark("a"));
        d.schedule(1_000_000, mark("b"));
        assertThat(d.runUntil(() -> false, -1)).isFalse();
        assertThat(trace).containsExactly("a@5", "b@1000000");
        // No bound, so the clock stays where the last event left it.
        assertThat(d.nanoTime()).isEqualTo(1_000_000);
    }

    @Test
    void runUntilDurationFormUsesNanoseconds() {
        d.schedule(Duration.ofMillis(3).toNanos(), mark("a"));
        assertThat(d.runUntil(() -> false, Duration.ofMillis(2))).isFalse();
        assertThat(d.nanoTime()).isEqualTo(Duration.ofMillis(2).toNanos());
        assertThat(trace).isEmpty();
    }

    @Test
    void runForRunsEventsUpToAndIncludingTheEndThenSetsTheClock() {
        d.schedule(10, mark("a"));
        d.schedule(100, mark("end"));
        d.schedule(101, mark("after"));
        d.runFor(100);
        assertThat(trace).containsExactly("a@10", "end@100");
        assertThat(d.nanoTime()).isEqualTo(100);
        d.runFor(Duration.ofNanos(1));
        assertThat(trace).containsExactly("a@10", "end@100", "after@101");
        assertThat(d.nanoTime()).isEqualTo(101);
    }

    @Test
    void runForZeroRunsTheEventsOfTheCurrentInstantOnly() {
        d.post(mark("now"));
        d.schedule(1, mark("next"));
        d.runFor(0);
        assertThat(trace).containsExactly("now@0");
        assertThat(d.nanoTime()).isZero();
    }

    @Test
    void runForRejectsANegativeDuration() {
        assertThatThrownBy(() -> d.runFor(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.runFor(Duration.ofNanos(-5))).isInstanceOf(IllegalArgumentException.class);
        assertThat(d.nanoTime()).isZero();
    }

    @Test
    void runUntilIdleReportsWhetherEveryEventRan() {
        d.schedule(10, mark("a"));
        d.schedule(500, mark("b"));
        assertThat(d.runUntilIdle(100)).isFalse();
        assertThat(d.nanoTime()).isEqualTo(100);
        assertThat(trace).containsExactly("a@10");
        assertThat(d.runUntilIdle(1_000)).isTrue();
        assertThat(trace).containsExactly("a@10", "b@500");
        // Idle is reached at the last event; the clock is not pushed on to the bound.
        assertThat(d.nanoTime()).isEqualTo(500);
        assertThat(d.pendingEvents()).isZero();
    }

    @Test
    void runUntilIdleFollowsEventsThatPostMoreEvents() {
        int[] left = {5};
        Runnable[] chain = new Runnable[1];
        chain[0] = () -> {
            trace.add("tick@" + d.nanoTime());
            if (--left[0] > 0) {
                d.schedule(d.nanoTime() + 7, chain[0]);
            }
        };
        d.post(chain[0]);
        assertThat(d.runUntilIdle(-1)).isTrue();
        assertThat(trace).containsExactly("tick@0", "tick@7", "tick@14", "tick@21", "tick@28");
    }

    @Test
    void cancelledEventsDoNotRun() {
        Cancellable a = d.schedule(10, mark("a"));
        d.schedule(20, mark("b"));
        Cancellable c = d.scheduleLate(20, mark("c"));
        Cancellable p = d.post(mark("p"));
        a.cancel();
        a.cancel();
        c.cancel();
        p.cancel();
        d.runUntilIdle(-1);
        assertThat(trace).containsExactly("b@20");
        assertThat(d.eventsRun()).isEqualTo(1);
    }

    @Test
    void eventCanCancelALaterEventOfTheSameInstant() {
        AtomicReference<Cancellable> victim = new AtomicReference<>();
        d.schedule(10, () -> {
            trace.add("killer@" + d.nanoTime());
            victim.get().cancel();
        });
        victim.set(d.schedule(10, mark("victim")));
        d.schedule(10, mark("survivor"));
        d.runUntilIdle(-1);
        assertThat(trace).containsExactly("killer@10", "survivor@10");
    }

    @Test
    void cancellingAnEventThatAlreadyRanChangesNothing() {
        Cancellable a = d.schedule(10, mark("a"));
        d.runFor(10);
        a.cancel();
        assertThat(trace).containsExactly("a@10");
        assertThat(d.eventsRun()).isEqualTo(1);
    }

    @Test
    void eventsRunCountsExecutedEvents() {
        for (int i = 0; i < 5; i++) {
            d.schedule(i, mark("e" + i));
        }
        assertThat(d.pendingEvents()).isEqualTo(5);
        d.runFor(2);
        assertThat(d.eventsRun()).isEqualTo(3);
        assertThat(d.pendingEvents()).isEqualTo(2);
    }

    @Test
    void drivingFromInsideAnEventThrows() {
        List<Throwable> thrown = new ArrayList<>();
        d.post(() -> {
            Consumer<Runnable> expectThrow = r -> {
                try {
                    r.run();
                    thrown.add(null);
                } catch (Throwable t) {
                    thrown.add(t);
                }
            };
            expectThrow.accept(() -> d.runFor(10));
            expectThrow.accept(() -> d.runUntil(() -> true, 10));
            expectThrow.accept(() -> d.runUntilIdle(10));
        });
        d.runUntilIdle(-1);
        assertThat(thrown).hasSize(3).allSatisfy(t -> assertThat(t).isInstanceOf(IllegalStateException.class));
    }

    @Test
    void postingFromInsideAnEventIsAllowed() {
        d.post(() -> d.schedule(d.nanoTime() + 5, mark("child")));
        d.runUntilIdle(-1);
        assertThat(trace).containsExactly("child@5");
    }

    @Test
    void callsFromAnotherThreadThrow() throws Exception {
        Lane lane = d.newLane("confined", () -> { });
        List<Runnable> calls = List.of(
                d::nanoTime,
                () -> d.post(() -> { }),
                () -> d.schedule(10, () -> { }),
                () -> d.scheduleLate(10, () -> { }),
                () -> d.runFor(10),
                () -> d.runUntil(() -> false, 10),
                () -> d.runUntilIdle(10),
                lane::signal,
                () -> lane.wakeAt(10),
                () -> lane.runExclusive(() -> { }));
        List<Throwable> thrown = new ArrayList<>();
        Thread other = new Thread(() -> {
            for (Runnable call : calls) {
                try {
                    call.run();
                    thrown.add(null);
                } catch (Throwable t) {
                    thrown.add(t);
                }
            }
        }, "intruder");
        other.start();
        other.join(10_000);
        assertThat(other.isAlive()).isFalse();
        assertThat(thrown).hasSize(calls.size())
                .allSatisfy(t -> assertThat(t).isInstanceOf(IllegalStateException.class));
        // Nothing the intruder tried got through.
        assertThat(d.pendingEvents()).isZero();
        assertThat(d.nanoTime()).isZero();
    }

    @Test
    void closeDropsPendingEventsAndIgnoresNewOnes() {
        d.schedule(10, mark("a"));
        d.close();
        assertThat(d.pendingEvents()).isZero();
        d.schedule(20, mark("b"));
        d.post(mark("c"));
        assertThat(d.runUntilIdle(1_000)).isTrue();
        assertThat(trace).isEmpty();
        d.close();
    }

    @Test
    void sameProgramGivesTheSameTraceEveryTime() {
        List<String> first = runRandomProgram(1234);
        List<String> second = runRandomProgram(1234);
        assertThat(first).isNotEmpty().isEqualTo(second);
    }

    /** A seeded random mix of schedules, posts, late events and cancels, recorded as a trace. */
    private static List<String> runRandomProgram(long seed) {
        VirtualDispatcher vd = new VirtualDispatcher();
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> out = new ArrayList<>();
        List<Cancellable> handles = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            int id = i;
            Runnable event = () -> {
                out.add(id + "@" + vd.nanoTime());
                if (id % 7 == 0) {
                    vd.post(() -> out.add(id + "+post@" + vd.nanoTime()));
                }
            };
            long t = rnd.nextLong(100);
            handles.add(rnd.nextInt(5) == 0 ? vd.scheduleLate(t, event) : vd.schedule(t, event));
        }
        for (int i = 0; i < 30; i++) {
            handles.get(rnd.nextInt(handles.size())).cancel();
        }
        vd.runUntilIdle(-1);
        out.add("events=" + vd.eventsRun());
        return out;
    }
}
