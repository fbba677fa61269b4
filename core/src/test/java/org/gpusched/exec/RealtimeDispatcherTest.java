package org.gpusched.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Lanes and timers on real threads. Every wait is bounded by a generous guard that only turns a
 * hang into a failure; assertions are about outcomes, never about how long something took.
 */
class RealtimeDispatcherTest {

    private static final long GUARD_SECONDS = 20;

    /** Polls until {@code condition} holds; false if the hang guard ran out first. */
    private static boolean eventually(BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        return true;
    }

    /** Detects two overlapping entries into a section that must be exclusive. */
    private static final class OverlapDetector {
        final AtomicInteger inside = new AtomicInteger();
        final AtomicBoolean overlapped = new AtomicBoolean();

        void section() {
            if (inside.incrementAndGet() != 1) {
                overlapped.set(true);
            }
            // Widen the window so that an overlap, if possible, actually happens.
            for (int i = 0; i < 200; i++) {
                Thread.onSpinWait();
            }
            inside.decrementAndGet();
        }
    }

    @Test
    void basicPropertiesAndArguments() {
        try (RealtimeDispatcher d = new RealtimeDispatcher("props", 1)) {
            assertThat(d.isVirtual()).isFalse();
            assertThat(d.clock()).isSameAs(Clock.SYSTEM);
            assertThat(d.newLane("named", () -> { }).name()).isEqualTo("named");
            assertThatThrownBy(() -> d.newLane(null, () -> { })).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> d.newLane("x", null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> d.schedule(0, null)).isInstanceOf(NullPointerException.class);
        }
        assertThatThrownBy(() -> new RealtimeDispatcher("bad", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sharedReturnsOneLiveInstance() throws Exception {
        RealtimeDispatcher a = RealtimeDispatcher.shared();
        RealtimeDispatcher b = RealtimeDispatcher.shared();
        assertThat(a).isSameAs(b);
        CountDownLatch ran = new CountDownLatch(1);
        a.newLane("on-shared", ran::countDown).signal();
        assertThat(ran.await(GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void sharedIsOneInstanceEvenWhenFirstRequestedConcurrently() throws Exception {
        int n = 8;
        CyclicBarrier barrier = new CyclicBarrier(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<RealtimeDispatcher>> got = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                got.add(pool.submit(() -> {
                    barrier.await(GUARD_SECONDS, TimeUnit.SECONDS);
                    return RealtimeDispatcher.shared();
                }));
            }
            RealtimeDispatcher first = got.get(0).get(GUARD_SECONDS, TimeUnit.SECONDS);
            for (Future<RealtimeDispatcher> f : got) {
                assertThat(f.get(GUARD_SECONDS, TimeUnit.SECONDS)).isSameAs(first);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void workRunsOnAPoolThreadInsideTheLaneAndANonBlockingSection() throws Exception {
        try (RealtimeDispatcher d = new RealtimeDispatcher("nb", 2)) {
            AtomicReference<Lane> self = new AtomicReference<>();
            AtomicReference<String> seen = new AtomicReference<>();
            CountDownLatch ran = new CountDownLatch(1);
            Lane lane = d.newLane("nb-lane", () -> {
                seen.set(self.get().inLane() + "/" + NonBlocking.active() + "/" + Thread.currentThread().getName());
                ran.countDown();
            });
            self.set(lane);
            assertThat(lane.inLane()).isFalse();
            lane.signal();
            assertThat(ran.await(GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(seen.get()).startsWith("true/true/nb-worker-");
            assertThat(lane.inLane()).isFalse();
        }
    }

    @Test
    void runExclusiveRunsOnTheCallingThreadInsideTheLaneThenSignals() throws Exception {
        try (RealtimeDispatcher d = new RealtimeDispatcher("excl", 2)) {
            CountDownLatch workRan = new CountDownLatch(1);
            Lane lane = d.newLane("excl-lane", workRan::countDown);
            List<Object> seen = new ArrayList<>();
            lane.runExclusive(() -> {
                seen.add(Thread.currentThread());
                seen.add(lane.inLane());
                seen.add(NonBlocking.active());
            });
            assertThat(seen).containsExactly(Thread.currentThread(), true, true);
            assertThat(lane.inLane()).isFalse();
            assertThat(NonBlocking.active()).isFalse();
            assertThat(workRan.await(GUARD_SECONDS, TimeUnit.SECONDS)).as("work ran after the action").isTrue();
        }
    }

    @Test
    void runExclusiveIsReEntrantFromInsideTheWork() throws Exception {
        try (RealtimeDispatcher d = new RealtimeDispatcher("reentrant", 2)) {
            AtomicReference<Lane> self = new AtomicReference<>();
            List<String> order = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(1);
            AtomicBoolean first = new AtomicBoolean(true);
            Lane lane = d.newLane("reentrant-lane", () -> {
                if (first.getAndSet(false)) {
                    order.add("work-before");
                    self.get().runExclusive(() -> {
                        order.add("exclusive:" + self.get().inLane());
                        self.get().runExclusive(() -> order.add("nested"));
                    });
                    order.add("work-after");
                    done.countDown();
                }
            });
            self.set(lane);
            lane.signal();
            assertThat(done.await(GUARD_SECONDS, TimeUnit.SECONDS)).as("no self-deadlock").isTrue();
            assertThat(order).containsExactly("work-before", "exclusive:true", "nested", "work-after");
        }
    }

    @Test
    void workNeverOverlapsItselfOrExclusiveActions() throws Exception {
        int threads = 8;
        int perThread = 3_000;
        try (RealtimeDispatcher d = new RealtimeDispatcher("overlap", 4)) {
            OverlapDetector detector = new OverlapDetector();
            AtomicInteger workRuns = new AtomicInteger();
            AtomicInteger exclusiveRuns = new AtomicInteger();
            AtomicReference<Lane> self = new AtomicReference<>();
            Lane lane = d.newLane("overlap-lane", () -> {
                detector.section();
                // Sometimes keep itself busy, so that back-to-back rounds and yields happen.
                if (workRuns.incrementAndGet() % 3 == 0) {
                    self.get().signal();
                }
            });
            self.set(lane);
            CyclicBarrier start = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    fs.add(pool.submit(() -> {
                        start.await(GUARD_SECONDS, TimeUnit.SECONDS);
                        for (int i = 0; i < perThread; i++) {
                            if (i % 4 == 0) {
                                lane.runExclusive(() -> {
                                    detector.section();
                                    exclusiveRuns.incrementAndGet();
                                });
                            } else {
                                lane.signal();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get(GUARD_SECONDS * 2, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(detector.overlapped).as("work or an exclusive action overlapped another").isFalse();
            assertThat(exclusiveRuns).hasValue(threads * perThread / 4);
            assertThat(workRuns.get()).isPositive();
        }
    }

    @Test
    void noSignalIsLostUnderHeavyConcurrentSignalling() throws Exception {
        int threads = 8;
        int perThread = 5_000;
        int checkEvery = 50;
        try (RealtimeDispatcher d = new RealtimeDispatcher("wakeups", 2)) {
            // The signallers publish a number before each signal; a run reads it at its start.
            // If a signal were lost, no run would start after it and its number would never be
            // served.
            AtomicLong requested = new AtomicLong();
            AtomicLong served = new AtomicLong();
            Lane lane = d.newLane("wakeups-lane", () -> {
                long seen = requested.get();
                served.accumulateAndGet(seen, Math::max);
            });
            CyclicBarrier start = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<String>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    fs.add(pool.submit(() -> {
                        start.await(GUARD_SECONDS, TimeUnit.SECONDS);
                        for (int i = 1; i <= perThread; i++) {
                            long mine = requested.incrementAndGet();
                            lane.signal();
                            if (i % checkEvery == 0 && !eventually(() -> served.get() >= mine)) {
                                return "signal " + mine + " was never followed by a run (served " + served.get() + ")";
                            }
                        }
                        return null;
                    }));
                }
                for (Future<String> f : fs) {
                    assertThat(f.get(GUARD_SECONDS * 3, TimeUnit.SECONDS)).isNull();
                }
            } finally {
                pool.shutdownNow();
            }
            long total = (long) threads * perThread;
            assertThat(requested).hasValue(total);
            assertThat(eventually(() -> served.get() == total)).as("the last signals were served").isTrue();
        }
    }

    @Test
    void noSignalIsLostWhenConcurrentBurstsEndTogether() throws Exception {
        // Free-running signallers can hide a lost signal behind a later one; here every round
        // ends with all signallers waiting, so a lost last signal of a round is never masked.
        int threads = 8;
        int rounds = 3_000;
        try (RealtimeDispatcher d = new RealtimeDispatcher("bursts", 2)) {
            AtomicLong requested = new AtomicLong();
            AtomicLong served = new AtomicLong();
            Lane lane = d.newLane("bursts-lane", () -> served.accumulateAndGet(requested.get(), Math::max));
            CyclicBarrier barrier = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<String>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    fs.add(pool.submit(() -> {
                        for (int r = 0; r < rounds; r++) {
                            barrier.await(GUARD_SECONDS, TimeUnit.SECONDS);
                            for (int k = 0; k <= (r + id) % 3; k++) {
                                requested.incrementAndGet();
                                lane.signal();
                            }
                            barrier.await(GUARD_SECONDS, TimeUnit.SECONDS);
                            long target = requested.get();
                            if (!eventually(() -> served.get() >= target)) {
                                return "round " + r + ": signal " + target + " was never followed by a run";
                            }
                        }
                        return null;
                    }));
                }
                for (Future<String> f : fs) {
                    assertThat(f.get(GUARD_SECONDS * 3, TimeUnit.SECONDS)).isNull();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void signalFromInsideTheWorkRunsItAgain() throws Exception {
        try (RealtimeDispatcher d = new RealtimeDispatcher("self", 1)) {
            AtomicInteger runs = new AtomicInteger();
            AtomicReference<Lane> self = new AtomicReference<>();
            Lane lane = d.newLane("self-lane", () -> {
                // More than the rounds a lane runs back to back, so the yield path is used too.
                if (runs.incrementAndGet() < 50) {
                    self.get().signal();
                }
            });
            self.set(lane);
            lane.signal();
            assertThat(eventually(() -> runs.get() == 50)).isTrue();
        }
    }

    @Test
    void aLaneThatKeepsSignallingItselfDoesNotStarveOthersOnOneThread() throws Exception {
        try (RealtimeDispatcher d = new RealtimeDispatcher("fair", 1)) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Lane> busySelf = new AtomicReference<>();
            AtomicLong busyRuns = new AtomicLong();
            Lane busy = d.newLane("busy", () -> {
                busyRuns.incrementAndGet();
                if (!stop.get()) {
                    busySelf.get().signal();
                }
            });
            busySelf.set(busy);
            CountDownLatch otherRan = new CountDownLatch(1);
            Lane other = d.newLane("other", otherRan::countDown);
            busy.signal();
            assertThat(eventually(() -> busyRuns.get() > 100)).isTrue();
            other.signal();
            boolean ran = otherRan.await(GUARD_SECONDS, TimeUnit.SECONDS);
            stop.set(true);
            assertThat(ran).as("the other lane got the only thread").isTrue();
        }
    }

    @Test
    void thousandsOfLanesOnATwoThreadPoolAllRun() throws Exception {
        int lanes = 5_000;
        try (RealtimeDispatcher d = new RealtimeDispatcher("many", 2)) {
            AtomicIntegerArray runs = new AtomicIntegerArray(lanes);
            CountDownLatch allRan = new CountDownLatch(lanes);
            List<Lane> list = new ArrayList<>(lanes);
            for (int i = 0; i < lanes; i++) {
                int k = i;
                list.add(d.newLane("lane-" + i, () -> {
                    if (runs.getAndIncrement(k) == 0) {
                        allRan.countDown();
                    }
                }));
            }
            for (int round = 0; round < 3; round++) {
                for (Lane l : list) {
                    l.signal();
                }
            }
            assertThat(allRan.await(GUARD_SECONDS, TimeUnit.SECONDS)).as("%d lanes never ran", allRan.getCount()).isTrue();
            for (int i = 0; i < lanes; i++) {
                assertThat(runs.get(i)).isPositive();
            }
        }
    }

    @Test
    void wakeAtRunsTheWorkNotBeforeTheDeadline() throws Exception {
        try (RealtimeDispatcher d = new RealtimeDispatcher("wake", 1)) {
            AtomicLong ranAt = new AtomicLong();
            CountDownLatch ran = new CountDownLatch(1);
            Lane lane = d.newLane("wake-lane", () -> {
                ranAt.set(System.nanoTime());
                ran.countDown();
            });
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            lane.wakeAt(deadline);
            assertThat(ran.await(GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
            // "At or after": an ordering fact about the clock, not a duration bound.
            assertThat(ranAt.get() - deadline).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void earlierWakeUpWinsOverAPendingLaterOne() throws Exception {
        try (RealtimeDispatcher d = new RealtimeDispatcher("wake2", 1)) {
            CountDownLatch ran = new CountDownLatch(1);
            Lane lane = d.newLane("wake2-lane", ran::countDown);
            lane.wakeAt(System.nanoTime() + TimeUnit.HOURS.toNanos(1));
            lane.wakeAt(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5));
            assertThat(ran.await(GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void wakeAtInThePastRunsTheWorkSoon() throws Exception {
        try (RealtimeDispatcher d = new RealtimeDispatcher("wake3", 1)) {
            CountDownLatch ran = new CountDownLatch(1);
            Lane lane = d.newLane("wake3-lane", ran::countDown);
            lane.wakeAt(System.nanoTime() - TimeUnit.SECONDS.toNanos(1));
            assertThat(ran.await(GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void workReArmingItsWakeUpKeepsRunning() throws Exception {
        try (RealtimeDispatcher d = new RealtimeDispatcher("periodic", 1)) {
            AtomicInteger runs = new AtomicInteger();
            AtomicReference<Lane> self = new AtomicReference<>();
            Lane lane = d.newLane("periodic-lane", () -> {
                if (runs.incrementAndGet() < 5) {
                    self.get().wakeAt(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2));
                }
            });
            self.set(lane);
            lane.wakeAt(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2));
            assertThat(eventually(() -> runs.get() >= 5)).isTrue();
        }
    }

    @Test
    void throwingWorkFunctionDoesNotKillTheLane() throws Exception {
        try (RealtimeDispatcher d = new RealtimeDispatcher("throw", 1)) {
            AtomicInteger runs = new AtomicInteger();
            Lane lane = d.newLane("throw-lane", () -> {
                if (runs.incrementAndGet() == 1) {
                    throw new IllegalStateException("work failure (expected by the test)");
                }
            });
            lane.signal();
            assertThat(eventually(() -> runs.get() == 1)).isTrue();
            // The failed run must have released the lane (lock, state, marker).
            List<Boolean> inside = new ArrayList<>();
            lane.runExclusive(() -> inside.add(NonBlocking.active()));
            assertThat(inside).containsExactly(true);
            lane.signal();
            assertThat(eventually(() -> runs.get() >= 2)).isTrue();
        }
    }

    @Test
    void throwingExclusiveActionPropagatesAndReleasesTheLane() throws Exception {
        try (RealtimeDispatcher d = new RealtimeDispatcher("throw2", 1)) {
            CountDownLatch ran = new CountDownLatch(1);
            Lane lane = d.newLane("throw2-lane", ran::countDown);
            assertThatThrownBy(() -> lane.runExclusive(() -> {
                throw new IllegalStateException("action failure (expected by the test)");
            })).isInstanceOf(IllegalStateException.class);
            assertThat(lane.inLane()).isFalse();
            assertThat(NonBlocking.active()).isFalse();
            lane.signal();
            assertThat(ran.await(GUARD_SECONDS, TimeUnit.SECONDS)).as("pool thread can take the lane").isTrue();
        }
    }

    @Test
    void scheduledTimerRunsAndACancelledOneDoesNot() throws Exception {
        try (RealtimeDispatcher d = new RealtimeDispatcher("timer", 1)) {
            AtomicBoolean cancelledRan = new AtomicBoolean();
            CountDownLatch laterRan = new CountDownLatch(1);
            long now = System.nanoTime();
            Cancellable c = d.schedule(now + TimeUnit.MILLISECONDS.toNanos(30), () -> cancelledRan.set(true));
            // One timer thread runs timers in deadline order: once the later one has run, the
            // cancelled one would have run before it.
            d.schedule(now + TimeUnit.MILLISECONDS.toNanos(60), laterRan::countDown);
            c.cancel();
            c.cancel();
            long cancelledBy = System.nanoTime();
            assertThat(laterRan.await(GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
            // A timer never fires before its deadline, so if the cancel completed before it, the
            // cancelled timer cannot have started. A thread stalled past it proves nothing.
            assumeTrue(cancelledBy - (now + TimeUnit.MILLISECONDS.toNanos(30)) < 0, "test thread stalled");
            assertThat(cancelledRan).isFalse();
        }
    }

    @Test
    void scheduledTimerRunsOnADispatcherThreadNotBeforeItsDeadline() throws Exception {
        try (RealtimeDispatcher d = new RealtimeDispatcher("timer2", 1)) {
            AtomicReference<String> thread = new AtomicReference<>();
            AtomicLong ranAt = new AtomicLong();
            CountDownLatch ran = new CountDownLatch(1);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
            d.schedule(deadline, () -> {
                ranAt.set(System.nanoTime());
                thread.set(Thread.currentThread().getName());
                ran.countDown();
            });
            assertThat(ran.await(GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(thread.get()).startsWith("timer2-");
            assertThat(ranAt.get() - deadline).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void closeStopsLanesOnACallerSuppliedExecutorWithoutShuttingItDown() throws Exception {
        AtomicInteger submitted = new AtomicInteger();
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try {
            RealtimeDispatcher d = new RealtimeDispatcher("owned-by-caller", runnable -> {
                submitted.incrementAndGet();
                exec.execute(runnable);
            });
            CountDownLatch ran = new CountDownLatch(1);
            AtomicInteger runs = new AtomicInteger();
            Lane lane = d.newLane("l", () -> {
                runs.incrementAndGet();
                ran.countDown();
            });
            lane.signal();
            assertThat(ran.await(GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
            // The executor has one thread and runs its queue in order: once this no-op has run, the
            // lane's run has returned and the lane is idle, so a signal would have to submit.
            exec.submit(() -> { }).get(GUARD_SECONDS, TimeUnit.SECONDS);
            int before = submitted.get();
            int runsBefore = runs.get();
            d.close();
            d.close();
            lane.signal();
            lane.wakeAt(System.nanoTime());
            assertThatCode(() -> d.schedule(System.nanoTime(), () -> { }).cancel()).doesNotThrowAnyException();
            // Drain the caller's executor: anything submitted before close has run by now.
            exec.submit(() -> { }).get(GUARD_SECONDS, TimeUnit.SECONDS);
            assertThat(submitted.get()).as("no lane work submitted after close").isEqualTo(before);
            assertThat(runs.get()).isEqualTo(runsBefore);
            assertThat(exec.isShutdown()).isFalse();
        } finally {
            exec.shutdownNow();
        }
    }

    @Test
    void closedDispatcherAcceptsCallsWithoutThrowing() {
        RealtimeDispatcher d = new RealtimeDispatcher("closed", 1);
        Lane lane = d.newLane("l", () -> { });
        d.close();
        assertThatCode(() -> {
            lane.signal();
            lane.wakeAt(System.nanoTime() + 1_000);
            d.schedule(System.nanoTime(), () -> { }).cancel();
            d.close();
        }).doesNotThrowAnyException();
        assertThat(d.toString()).contains("closed");
    }
}
