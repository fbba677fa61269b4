package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.gpusched.exec.Clock;
import org.gpusched.exec.RealtimeDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.gpusched.sched.Backend;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobQueue;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sched.TimeoutVerdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real threads on the {@link RealtimeDispatcher}. These assert outcomes only (no timing); the
 * waits are generous bounds that exist only to turn a hang into a failure.
 */
class ThreadingTests {
    static final Duration BOUND = Duration.ofSeconds(60);

    final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(toClose);
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private RealtimeDispatcher dispatcher(int threads) {
        RealtimeDispatcher d = new RealtimeDispatcher("test", threads);
        toClose.add(d);
        return d;
    }

    private ExecutorService pool(int threads) {
        ExecutorService e = Executors.newFixedThreadPool(threads);
        toClose.add(e::shutdownNow);
        return e;
    }

    /** A backend whose hardware fences are signalled by a separate pool of "GPU" threads. */
    static final class AsyncHardware implements Backend<Integer> {
        private final Timeline hw = Timeline.create("async/hw", Clock.SYSTEM);
        private final ExecutorService gpu;
        private final java.util.Set<JobView<Integer>> prepared = ConcurrentHashMap.newKeySet();

        AsyncHardware(ExecutorService gpu) {
            this.gpu = gpu;
        }

        @Override
        public Fence prepare(JobView<Integer> job) {
            if (job.payload() % 7 != 0 || !prepared.add(job)) {
                return null; // every 7th job gets one prepare fence (every 14th an unsignalled one)
            }
            FenceSource f = hw.newFence();
            gpu.execute(f::signal);
            return job.payload() % 14 == 0 ? f.fence() : null;
        }

        @Override
        public Fence run(JobView<Integer> job) {
            FenceSource f = hw.newFence();
            gpu.execute(f::signal);
            return f.fence();
        }

        @Override
        public TimeoutVerdict timedOut(JobView<Integer> job) {
            return TimeoutVerdict.NO_HANG;
        }
    }

    private static void awaitAll(List<? extends SubmittedJob<?>> jobs) throws InterruptedException {
        for (SubmittedJob<?> j : jobs) {
            assertThat(j.finished().await(BOUND)).as("%s finished", j.finished()).isTrue();
        }
    }

    @Test
    void callbacksOfOneSchedulerNeverOverlap() throws Exception {
        RealtimeDispatcher d = dispatcher(4);
        ExecutorService gpu = pool(3);
        RecordingBackend<Integer> rec = new RecordingBackend<>(new AsyncHardware(gpu), Clock.SYSTEM);
        Scheduler<Integer> s = Scheduler.builder(rec).name("gpu").creditLimit(4).dispatcher(d)
                .timeout(Duration.ofMillis(1)).build();
        toClose.add(s);
        ExecutorService submitters = pool(4);
        List<Future<List<SubmittedJob<Integer>>>> futures = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < 4; t++) {
            Entity<Integer> e = s.newEntity("e" + t, Priority.values()[t]);
            futures.add(submitters.submit(() -> {
                go.await();
                List<SubmittedJob<Integer>> mine = new ArrayList<>();
                for (int i = 1; i <= 400; i++) {
                    mine.add(e.job(i).submit());
                }
                return mine;
            }));
        }
        go.countDown();
        List<SubmittedJob<Integer>> all = new ArrayList<>();
        for (var f : futures) {
            all.addAll(f.get(BOUND.toSeconds(), TimeUnit.SECONDS));
        }
        awaitAll(all);
        s.close();
        assertThat(rec.overlaps()).isZero();
        assertThat(rec.nested()).isZero();
        assertThat(all).allSatisfy(j -> assertThat(j.finished().error()).isEqualTo(FenceError.NONE));
        Map<String, Integer> frees = new HashMap<>();
        for (String label : rec.jobs("free")) {
            frees.merge(label, 1, Integer::sum);
        }
        assertThat(frees).hasSize(1600).allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo(1));
        assertThat(rec.jobs("run")).hasSize(1600).doesNotHaveDuplicates();
    }

    @Test
    void callbacksNeverRunInsideALibraryCallMadeFromACallback() throws Exception {
        RealtimeDispatcher d = dispatcher(2);
        AtomicReference<Entity<Integer>> entity = new AtomicReference<>();
        AtomicReference<Scheduler<Integer>> sched = new AtomicReference<>();
        Timeline hw = Timeline.create("reentrant/hw", Clock.SYSTEM);
        Map<Integer, FenceSource> fences = new ConcurrentHashMap<>();
        List<SubmittedJob<Integer>> submittedInside = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch lastRan = new CountDownLatch(1);
        Backend<Integer> driver = new Backend<>() {
            @Override
            public Fence run(JobView<Integer> job) {
                int n = job.payload();
                FenceSource previous = fences.get(n - 1);
                if (previous != null) {
                    previous.signal(); // runs the scheduler's fence callback on this thread
                }
                if (n < 200) {
                    submittedInside.add(entity.get().job(n + 1).submit()); // a library call from run
                    entity.get().setPriority(n % 2 == 0 ? Priority.HIGH : Priority.NORMAL);
                }
                sched.get().suspendTimeout();
                sched.get().resumeTimeout(Duration.ofSeconds(30).toNanos());
                FenceSource f = hw.newFence();
                fences.put(n, f);
                if (n == 200) {
                    lastRan.countDown();
                }
                return f.fence();
            }

            @Override
            public TimeoutVerdict timedOut(JobView<Integer> job) {
                return TimeoutVerdict.NO_HANG;
            }

            @Override
            public void free(JobView<Integer> job) {
                entity.get().queueDepth();
                job.finished().isSignaled();
            }
        };
        RecordingBackend<Integer> rec = new RecordingBackend<>(driver, Clock.SYSTEM);
        Scheduler<Integer> s = Scheduler.builder(rec).name("gpu").creditLimit(2).dispatcher(d)
                .timeout(Duration.ofSeconds(30)).build();
        toClose.add(s);
        sched.set(s);
        Entity<Integer> e = s.newEntity("e", Priority.NORMAL);
        entity.set(e);
        SubmittedJob<Integer> first = e.job(1).submit();
        assertThat(first.scheduled().await(BOUND)).isTrue();
        // the chain of submissions made from inside run() reaches its end
        assertThat(lastRan.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
        fences.get(200).signal();
        awaitAll(submittedInside);
        assertThat(first.finished().isSignaled()).isTrue();
        assertThat(rec.nested()).as("callbacks nested inside a callback on one thread").isZero();
        assertThat(rec.overlaps()).isZero();
        List<Integer> seqnos = submittedInside.stream().map(j -> (int) j.seqno()).toList();
        assertThat(seqnos).hasSize(199).isSorted();
        assertThat(rec.jobs("run")).hasSize(200).doesNotHaveDuplicates();
    }

    @Test
    void aDriverHoldingItsOwnLockWhileSubmittingDoesNotDeadlockAgainstRun() throws Exception {
        RealtimeDispatcher d = dispatcher(2);
        Object ringLock = new Object();
        Timeline hw = Timeline.create("locked/hw", Clock.SYSTEM);
        Backend<Integer> driver = new Backend<>() {
            @Override
            public Fence run(JobView<Integer> job) {
                synchronized (ringLock) { // the driver's ring lock, also held around submission
                    FenceSource f = hw.newFence();
                    f.signal();
                    return f.fence();
                }
            }

            @Override
            public TimeoutVerdict timedOut(JobView<Integer> job) {
                return TimeoutVerdict.RESET;
            }
        };
        Scheduler<Integer> s = Scheduler.builder(driver).name("gpu").creditLimit(8).dispatcher(d).build();
        toClose.add(s);
        Entity<Integer> e = s.newEntity("e", Priority.NORMAL);
        ExecutorService submitter = pool(1);
        Future<List<SubmittedJob<Integer>>> f = submitter.submit(() -> {
            List<SubmittedJob<Integer>> jobs = new ArrayList<>();
            for (int round = 0; round < 50; round++) {
                synchronized (ringLock) {
                    for (int i = 0; i < 20; i++) {
                        jobs.add(e.job(i).submit());
                    }
                    e.queueDepth();
                    e.setPriority(Priority.HIGH);
                }
            }
            return jobs;
        });
        List<SubmittedJob<Integer>> jobs = f.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        awaitAll(jobs);
        assertThat(jobs).hasSize(1000).allSatisfy(j -> assertThat(j.finished().error()).isEqualTo(FenceError.NONE));
    }

    @Test
    void twoThousandQueuesShareTwoThreadsAndAllCompleteTheirJobs() throws Exception {
        RealtimeDispatcher d = dispatcher(2);
        ExecutorService gpu = pool(2);
        AsyncHardware hw = new AsyncHardware(gpu);
        AtomicInteger frees = new AtomicInteger();
        Backend<Integer> counting = new Backend<>() {
            @Override
            public Fence prepare(JobView<Integer> job) {
                return hw.prepare(job);
            }

            @Override
            public Fence run(JobView<Integer> job) {
                return hw.run(job);
            }

            @Override
            public TimeoutVerdict timedOut(JobView<Integer> job) {
                return hw.timedOut(job);
            }

            @Override
            public void free(JobView<Integer> job) {
                frees.incrementAndGet();
            }
        };
        List<JobQueue<Integer>> queues = new ArrayList<>();
        List<SubmittedJob<Integer>> jobs = new ArrayList<>();
        SubmittedJob<Integer> previousQueuesLast = null;
        for (int q = 0; q < 2000; q++) {
            JobQueue<Integer> queue = JobQueue.create("q" + q, counting, 2, Duration.ofSeconds(30), d);
            queues.add(queue);
            SubmittedJob<Integer> j = null;
            for (int i = 1; i <= 5; i++) {
                var b = queue.job(q * 5 + i);
                if (i == 1 && previousQueuesLast != null && q % 10 != 0) {
                    b.dependsOn(previousQueuesLast.finished()); // chains of ten queues
                }
                j = b.submit();
                jobs.add(j);
            }
            previousQueuesLast = j;
        }
        awaitAll(jobs);
        assertThat(jobs).allSatisfy(j -> assertThat(j.finished().error()).isEqualTo(FenceError.NONE));
        for (JobQueue<Integer> q : queues) {
            q.close();
        }
        assertThat(frees.get()).isEqualTo(10_000);
    }

    @Test
    void eightThreadsSubmittingToOneEntityKeepSeqnoOrderEqualToRunOrder() throws Exception {
        RealtimeDispatcher d = dispatcher(2);
        ExecutorService gpu = pool(2);
        List<Long> runOrder = Collections.synchronizedList(new ArrayList<>());
        AsyncHardware hw = new AsyncHardware(gpu);
        Backend<Integer> b = new Backend<>() {
            @Override
            public Fence run(JobView<Integer> job) {
                runOrder.add(job.seqno());
                return hw.run(job);
            }

            @Override
            public TimeoutVerdict timedOut(JobView<Integer> job) {
                return TimeoutVerdict.NO_HANG;
            }
        };
        Scheduler<Integer> s = Scheduler.builder(b).name("gpu").creditLimit(3).dispatcher(d).build();
        toClose.add(s);
        Entity<Integer> e = s.newEntity("e", Priority.NORMAL);
        List<Long> finishOrder = Collections.synchronizedList(new ArrayList<>());
        ExecutorService submitters = pool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<SubmittedJob<Integer>>>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            futures.add(submitters.submit(() -> {
                go.await();
                List<SubmittedJob<Integer>> mine = new ArrayList<>();
                for (int i = 0; i < 250; i++) {
                    SubmittedJob<Integer> j = e.job(i).submit();
                    j.finished().onSignal(f -> finishOrder.add(f.seqno()));
                    mine.add(j);
                }
                return mine;
            }));
        }
        go.countDown();
        List<SubmittedJob<Integer>> all = new ArrayList<>();
        for (var f : futures) {
            List<SubmittedJob<Integer>> mine = f.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            assertThat(mine.stream().map(SubmittedJob::seqno).toList()).as("one thread's seqnos").isSorted();
            all.addAll(mine);
        }
        awaitAll(all);
        List<Long> expected = new ArrayList<>();
        for (long i = 1; i <= 2000; i++) {
            expected.add(i);
        }
        assertThat(runOrder).containsExactlyElementsOf(expected);
        // callbacks registered after a fence signalled are not run, so check what was recorded
        assertThat(finishOrder).isSorted().doesNotHaveDuplicates();
        assertThat(all.stream().map(SubmittedJob::seqno).distinct().count()).isEqualTo(2000);
    }

    /**
     * Idle entities move between a stable scheduler and one that is closed and re-created over
     * and over, while other threads keep posting them to their lanes (priority changes). Every
     * accepted job must end (run, or killed or cancelled by the close) and be freed once; a
     * refusal may only say the schedulers were closing. Regression: the closing scheduler's
     * sweep looked at the entity's binding before taking its queue, so a job bound at the last
     * moment was stranded; and a lane still working on an entity that had just moved shared its
     * run-queue state with the new lane (found by the C ABI race test under AddressSanitizer).
     */
    @Test
    void idleEntitiesMovingWhileTheirSchedulerClosesNeverLoseAJob() throws Exception {
        RealtimeDispatcher d = dispatcher(3);
        ExecutorService gpu = pool(2);
        Map<Integer, AtomicInteger> frees = new ConcurrentHashMap<>();
        Backend<Integer> hw = new Backend<>() {
            private final Timeline tl = Timeline.create("move/hw", Clock.SYSTEM);

            @Override
            public Fence run(JobView<Integer> job) {
                if (job.payload() % 2 == 0) {
                    return Fence.signaled();
                }
                FenceSource f = tl.newFence();
                gpu.execute(f::signal);
                return f.fence();
            }

            @Override
            public TimeoutVerdict timedOut(JobView<Integer> job) {
                return TimeoutVerdict.NO_HANG;
            }

            @Override
            public void free(JobView<Integer> job) {
                frees.computeIfAbsent(job.payload(), k -> new AtomicInteger()).incrementAndGet();
            }
        };
        List<Scheduler<Integer>> stable = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Scheduler<Integer> s = Scheduler.builder(hw).name("stable" + i).creditLimit(2).dispatcher(d).build();
            toClose.add(s);
            stable.add(s);
        }
        AtomicReference<Scheduler<Integer>> churn = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean quit = new java.util.concurrent.atomic.AtomicBoolean();
        ExecutorService threads = pool(1 + 2 * 4);
        Future<Integer> churner = threads.submit(() -> {
            int rounds = 0;
            while (!quit.get()) {
                Scheduler<Integer> s = Scheduler.builder(hw).name("churn").creditLimit(2).dispatcher(d).build();
                churn.set(s);
                Thread.sleep(0, 200_000);
                s.close();
                rounds++;
            }
            return rounds;
        });
        List<Future<List<SubmittedJob<Integer>>>> movers = new ArrayList<>();
        for (int m = 0; m < 4; m++) {
            int base = m * 100_000;
            Entity<Integer> e = Entity.create("mover" + m, Priority.NORMAL, stable);
            threads.submit(() -> {
                while (!quit.get()) {
                    e.setPriority(Priority.NORMAL); // posts the entity to its lane
                }
            });
            movers.add(threads.submit(() -> {
                List<SubmittedJob<Integer>> mine = new ArrayList<>();
                for (int k = 0; k < 1500; k++) {
                    Scheduler<Integer> c = churn.get();
                    if (c != null) {
                        e.setSchedulers(List.of(c, stable.get(k % 2)));
                    }
                    SubmittedJob<Integer> j;
                    try {
                        j = e.job(base + k).submit();
                    } catch (org.gpusched.sched.SchedulerClosedException refused) {
                        continue; // only its closing scheduler was left to it
                    }
                    mine.add(j);
                    assertThat(j.finished().await(BOUND)).as("%s ended", j.finished()).isTrue();
                }
                return mine;
            }));
        }
        List<SubmittedJob<Integer>> all = new ArrayList<>();
        try {
            for (var f : movers) {
                all.addAll(f.get(BOUND.toSeconds(), TimeUnit.SECONDS));
            }
        } finally {
            quit.set(true);
        }
        assertThat(churner.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isPositive();
        assertThat(all).hasSizeGreaterThan(1000).allSatisfy(j -> assertThat(j.finished().error())
                .isIn(FenceError.NONE, FenceError.KILLED, FenceError.CANCELED));
        for (Scheduler<Integer> s : stable) { // both still run new work
            assertThat(s.newEntity("after", Priority.NORMAL).job(-2).submit().finished().await(BOUND)).isTrue();
        }
        for (SubmittedJob<Integer> j : all) {
            assertThat(frees.get(j.payload())).as("frees of %s", j.finished()).hasValue(1);
        }
    }
}
