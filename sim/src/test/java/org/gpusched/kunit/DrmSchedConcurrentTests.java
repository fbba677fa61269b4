package org.gpusched.kunit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.kunit.KunitHarness.HZ;
import static org.gpusched.kunit.KunitHarness.MAX_SCHEDULE_TIMEOUT;
import static org.gpusched.kunit.KunitHarness.MOCK_NAME;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.gpusched.exec.Cancellable;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Port of the kernel suite {@code drm_sched_concurrent_tests} (tests_basic.c): many submitters
 * feeding one scheduler at once.
 *
 * <p>Each case runs twice. On virtual time the kernel's worker threads become actors: all start
 * at the same instant (the start barrier) and their submissions interleave event by event with
 * the scheduler's lane and the ring's completions, which makes the timing exact (every job
 * scheduled at t = 0; the interleaved makespan is exactly the 995.3 ms of GPU work). The
 * {@code _realtime} variants use real threads on a {@code RealtimeDispatcher} and assert only
 * outcomes; their timeouts are generous and only keep a broken run from hanging.
 */
class DrmSchedConcurrentTests {

    /** Generous bound for a wait on real threads: only there to turn a hang into a failure. */
    private static final Duration REALTIME_WAIT = Duration.ofSeconds(10);

    // ---- "Parallel submission of multiple jobs per worker"
    private static final int PARALLEL_NUM_JOBS = 8;
    private static final int PARALLEL_NUM_WORKERS = 16;

    // ---- "Interleaved submission of multiple jobs per worker"
    private static final int TEST_DURATION_MS = 1000;
    private static final int JOB_BASE_DURATION_US = 100;
    private static final int INTERLEAVED_NUM_WORKERS = 16;
    private static final int NUM_IN_FLIGHT_JOBS = 8;
    /** The worker's per-job wait in the kernel: {@code msecs_to_jiffies(2 * test_duration_ms)}. */
    private static final Duration WORKER_WAIT = Duration.ofMillis(2L * TEST_DURATION_MS);

    // ================================================================ parallel, virtual time

    @Test
    void drm_sched_parallel_submit_test() {
        assertThat(PARALLEL_NUM_WORKERS).isPositive();
        assertThat(PARALLEL_NUM_JOBS).isPositive();
        try (KunitHarness h = KunitHarness.onVirtualTime()) {
            MockScheduler s = h.newScheduler(MOCK_NAME, MAX_SCHEDULE_TIMEOUT);
            VirtualDispatcher d = h.virtual();
            List<Entity<SimJob>> entities = new ArrayList<>();
            List<List<SubmittedJob<SimJob>>> jobs = new ArrayList<>();
            for (int w = 0; w < PARALLEL_NUM_WORKERS; w++) {
                entities.add(h.newEntity(s, Priority.NORMAL));
                jobs.add(new ArrayList<>());
            }
            // Start barrier: every worker becomes runnable at the same instant. Each submits one
            // job per event, so the workers' submissions interleave with one another and with
            // the scheduler's lane, which runs between them.
            for (int w = 0; w < PARALLEL_NUM_WORKERS; w++) {
                int worker = w;
                d.post(new Runnable() {
                    @Override
                    public void run() {
                        jobs.get(worker).add(h.submit(entities.get(worker), SimJob.manual()));
                        if (jobs.get(worker).size() < PARALLEL_NUM_JOBS) {
                            d.post(this);
                        }
                    }
                });
            }
            // flush_workqueue
            assertThat(d.runUntil(() -> jobs.stream().allMatch(l -> l.size() == PARALLEL_NUM_JOBS), HZ)).isTrue();

            List<SubmittedJob<SimJob>> all = jobs.stream().flatMap(List::stream).toList();
            for (SubmittedJob<SimJob> j : all) {
                assertThat(h.waitScheduled(j, HZ)).isTrue();
            }
            assertThat(h.now()).as("all 128 jobs reach the ring at t = 0").isZero();
            assertThat(s.advance(PARALLEL_NUM_WORKERS * PARALLEL_NUM_JOBS))
                    .isEqualTo(PARALLEL_NUM_WORKERS * PARALLEL_NUM_JOBS);
            for (SubmittedJob<SimJob> j : all) {
                assertThat(h.waitFinished(j, HZ)).isTrue();
            }
            h.settle();
            assertThat(all).allMatch(j -> j.finished().error().equals(FenceError.NONE));
            assertThat(s.backend.maxOnHardware()).isEqualTo(PARALLEL_NUM_WORKERS * PARALLEL_NUM_JOBS);
            h.assertEntityOrderOnHardware();
            h.assertCreditsReturned();
        }
    }

    // ================================================================ parallel, real threads

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void drm_sched_parallel_submit_test_realtime() throws Exception {
        try (KunitHarness h = KunitHarness.onRealThreads(4)) {
            MockScheduler s = h.newScheduler(MOCK_NAME, MAX_SCHEDULE_TIMEOUT);
            List<Entity<SimJob>> entities = new ArrayList<>();
            List<List<SimJob>> payloads = new ArrayList<>();
            for (int w = 0; w < PARALLEL_NUM_WORKERS; w++) {
                entities.add(h.newEntity(s, Priority.NORMAL));
                List<SimJob> mine = new ArrayList<>();
                for (int i = 0; i < PARALLEL_NUM_JOBS; i++) {
                    mine.add(SimJob.manual()); // pre-allocated, as the kernel does
                }
                payloads.add(mine);
            }
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService workers = Executors.newFixedThreadPool(PARALLEL_NUM_WORKERS);
            List<Future<List<SubmittedJob<SimJob>>>> results = new ArrayList<>();
            try {
                for (int w = 0; w < PARALLEL_NUM_WORKERS; w++) {
                    int worker = w;
                    results.add(workers.submit(() -> {
                        go.await();
                        List<SubmittedJob<SimJob>> mine = new ArrayList<>();
                        for (SimJob p : payloads.get(worker)) {
                            mine.add(h.submit(entities.get(worker), p));
                        }
                        return mine;
                    }));
                }
                go.countDown();
                List<SubmittedJob<SimJob>> all = new ArrayList<>();
                for (Future<List<SubmittedJob<SimJob>>> f : results) {
                    all.addAll(f.get(REALTIME_WAIT.toSeconds(), TimeUnit.SECONDS));
                }
                assertThat(all).hasSize(PARALLEL_NUM_WORKERS * PARALLEL_NUM_JOBS);

                for (SubmittedJob<SimJob> j : all) {
                    assertThat(h.waitScheduled(j, REALTIME_WAIT)).isTrue();
                }
                // Scheduled means handed to the ring, so all 128 are there to complete.
                assertThat(s.advance(PARALLEL_NUM_WORKERS * PARALLEL_NUM_JOBS))
                        .isEqualTo(PARALLEL_NUM_WORKERS * PARALLEL_NUM_JOBS);
                for (SubmittedJob<SimJob> j : all) {
                    assertThat(h.waitFinished(j, REALTIME_WAIT)).isTrue();
                    assertThat(j.finished().error()).isEqualTo(FenceError.NONE);
                }
                assertThat(all).allMatch(j -> j.payload().runCount() == 1);
                h.assertEntityOrderOnHardware();
            } finally {
                workers.shutdownNow();
            }
        }
    }

    // ================================================================ interleaved

    /** Worker {@code w}'s job duration in microseconds: {@code base * (w + 1)}. */
    private static int jobDurationUs(int w) {
        return JOB_BASE_DURATION_US * (w + 1);
    }

    /** Worker {@code w}'s job count: its equal share of the test duration, at least one job. */
    private static int jobCount(int w) {
        int workerShareUs = TEST_DURATION_MS * 1000 / INTERLEAVED_NUM_WORKERS;
        return Math.max(1, workerShareUs / jobDurationUs(w));
    }

    @Test
    void drm_sched_interleaved_submit_test() {
        assertThat(INTERLEAVED_NUM_WORKERS).isPositive();
        assertThat(JOB_BASE_DURATION_US).isPositive();
        long totalJobs = 0;
        long totalUs = 0;
        for (int w = 0; w < INTERLEAVED_NUM_WORKERS; w++) {
            totalJobs += jobCount(w);
            totalUs += (long) jobCount(w) * jobDurationUs(w);
        }
        assertThat(totalJobs).as("the kernel's job table").isEqualTo(2108);
        assertThat(totalUs).as("the kernel's GPU time").isEqualTo(995_300);

        try (KunitHarness h = KunitHarness.onVirtualTime()) {
            MockScheduler s = h.newScheduler(MOCK_NAME, MAX_SCHEDULE_TIMEOUT);
            List<VirtualWorker> workers = new ArrayList<>();
            for (int w = 0; w < INTERLEAVED_NUM_WORKERS; w++) {
                workers.add(new VirtualWorker(h, h.newEntity(s, Priority.NORMAL), w));
            }
            for (VirtualWorker w : workers) {
                h.virtual().post(w::start); // start barrier: all at the same instant
            }
            // flush_workqueue: every worker went through its whole sliding window.
            assertThat(h.virtual().runUntil(() -> workers.stream().allMatch(w -> w.done), Duration.ofSeconds(60)))
                    .isTrue();

            List<SubmittedJob<SimJob>> all = h.jobs();
            assertThat(all).hasSize(2108);
            assertThat(all).allMatch(j -> j.payload().isDone());
            assertThat(workers).allMatch(w -> w.timedOutWaits == 0);
            // The 16 queues are never all empty, so the serial ring never idles.
            long makespan = all.stream().mapToLong(j -> j.payload().hwEndNanos()).max().orElseThrow();
            assertThat(makespan).isEqualTo(Duration.ofNanos(totalUs * 1000).toNanos());
            assertThat(s.ring.busyNanos()).isEqualTo(totalUs * 1000);
            h.assertEntityOrderOnHardware();
            h.assertCreditsReturned();
        }
    }

    /**
     * The kernel's interleaved worker as a virtual-time actor: submit the first eight jobs; then,
     * each time the oldest job it waits for is DONE (or its two-second wait runs out), submit the
     * job eight places further and wait for the next one.
     */
    private static final class VirtualWorker {
        private final KunitHarness h;
        private final Entity<SimJob> entity;
        private final int worker;
        private final List<SimJob> payloads = new ArrayList<>();
        private final List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
        private Cancellable waitTimer;
        private int waitingFor = -1;
        boolean done;
        int timedOutWaits;

        VirtualWorker(KunitHarness h, Entity<SimJob> entity, int worker) {
            this.h = h;
            this.entity = entity;
            this.worker = worker;
            for (int i = 0; i < jobCount(worker); i++) {
                payloads.add(SimJob.ofMicros(jobDurationUs(worker)));
            }
        }

        void start() {
            for (int i = 0; i < Math.min(payloads.size(), NUM_IN_FLIGHT_JOBS); i++) {
                submitNext();
            }
            waitFor(0);
        }

        private void submitNext() {
            jobs.add(h.submit(entity, payloads.get(jobs.size())));
        }

        private void waitFor(int i) {
            if (i == payloads.size()) {
                done = true;
                return;
            }
            waitingFor = i;
            SubmittedJob<SimJob> j = jobs.get(i);
            if (j.payload().isDone()) {
                proceed(i);
                return;
            }
            VirtualDispatcher d = h.virtual();
            waitTimer = d.schedule(d.nanoTime() + WORKER_WAIT.toNanos(), () -> proceed(i));
            // DONE is set before the ring signals the hardware fence, so the finished fence
            // signals at the same instant; the worker resumes in its own event, not in the callback.
            j.finished().onSignal(f -> d.post(() -> proceed(i)));
        }

        private void proceed(int i) {
            if (waitingFor != i) {
                return; // the other of the two wake-ups came first
            }
            waitingFor = -1;
            if (waitTimer != null) {
                waitTimer.cancel();
                waitTimer = null;
            }
            if (!jobs.get(i).payload().isDone()) {
                timedOutWaits++; // the kernel only logs "Job %u of worker %u timed out"
                System.out.println("Job " + i + " of worker " + worker + " timed out");
            }
            if (i + NUM_IN_FLIGHT_JOBS < payloads.size()) {
                submitNext();
            }
            waitFor(i + 1);
        }
    }

    /**
     * On real threads the job durations are halved (50..800 us; the job counts stay the
     * kernel's), so the case takes about half a second of GPU time instead of one: enough to
     * interleave 16 submitters with the ring's timer thread, and cheap on a loaded machine.
     */
    private static final int REALTIME_DURATION_DIVISOR = 2;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void drm_sched_interleaved_submit_test_realtime() throws Exception {
        try (KunitHarness h = KunitHarness.onRealThreads(4)) {
            MockScheduler s = h.newScheduler(MOCK_NAME, MAX_SCHEDULE_TIMEOUT);
            List<Entity<SimJob>> entities = new ArrayList<>();
            List<List<SimJob>> payloads = new ArrayList<>();
            for (int w = 0; w < INTERLEAVED_NUM_WORKERS; w++) {
                entities.add(h.newEntity(s, Priority.NORMAL));
                List<SimJob> mine = new ArrayList<>();
                for (int i = 0; i < jobCount(w); i++) {
                    mine.add(SimJob.ofMicros(jobDurationUs(w) / REALTIME_DURATION_DIVISOR));
                }
                payloads.add(mine);
            }
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService workers = Executors.newFixedThreadPool(INTERLEAVED_NUM_WORKERS);
            List<Future<Integer>> results = new ArrayList<>();
            try {
                for (int w = 0; w < INTERLEAVED_NUM_WORKERS; w++) {
                    int worker = w;
                    results.add(workers.submit(() -> {
                        go.await();
                        List<SimJob> mine = payloads.get(worker);
                        List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
                        for (int i = 0; i < Math.min(mine.size(), NUM_IN_FLIGHT_JOBS); i++) {
                            jobs.add(h.submit(entities.get(worker), mine.get(i)));
                        }
                        int timedOut = 0;
                        for (int i = 0; i < mine.size(); i++) {
                            if (!h.waitFinished(jobs.get(i), REALTIME_WAIT)) {
                                timedOut++; // the kernel logs and carries on
                            }
                            if (i + NUM_IN_FLIGHT_JOBS < mine.size()) {
                                jobs.add(h.submit(entities.get(worker), mine.get(i + NUM_IN_FLIGHT_JOBS)));
                            }
                        }
                        return timedOut;
                    }));
                }
                go.countDown();
                for (Future<Integer> f : results) {
                    assertThat(f.get(100, TimeUnit.SECONDS)).as("waits that timed out").isZero();
                }
                List<SubmittedJob<SimJob>> all = h.jobs();
                assertThat(all).hasSize(2108);
                assertThat(all).allMatch(j -> j.payload().isDone());
                assertThat(all).allMatch(j -> j.finished().error().equals(FenceError.NONE));
                h.assertEntityOrderOnHardware();
            } finally {
                workers.shutdownNow();
            }
        }
    }
}
