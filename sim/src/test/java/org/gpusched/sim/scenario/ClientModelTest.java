package org.gpusched.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.sim.scenario.Lab.client;
import static org.gpusched.sim.scenario.Lab.spans;

import java.util.List;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Policy;
import org.gpusched.sim.scenario.ScenarioResult.ClientResult;
import org.gpusched.sim.scenario.ScenarioResult.JobSpan;
import org.gpusched.sim.scenario.ScenarioResult.ProgressSample;
import org.gpusched.sim.scenario.ScenarioResult.SchedulerResult;
import org.junit.jupiter.api.Test;

/**
 * The client model of docs/scenarios.md in virtual time, checked against figures computed by
 * hand from the file: planned cycles, cycle times and latencies, elapsed and ideal times, job
 * waits, progress samples, faults, manual first jobs, dependencies, load balancing and the
 * fairness metrics.
 */
class ClientModelTest {

    private static final long MS = 1_000_000L;

    private static Stats stats(long min, long avg, long max, long p50, long p99, int count) {
        return new Stats(count, min, avg, max, p50, p99);
    }

    @Test
    void plannedCyclesAreTheCeilingOfDurationOverPeriod() {
        ScenarioResult r = Lab.run("""
                name: cycles
                duration: 100ms
                clients:
                  - name: uneven
                    jobs_per_cycle: 3
                    job_duration: 7ms
                    wait: 2ms
                    sync: true
                  - name: even
                    job_duration: 20ms
                    wait: 5ms
                    sync: true
                  - name: own-window
                    job_duration: 3ms
                    duration: 10ms
                """);
        // ceil(100 / (3*7 + 2)) = 5, 100 / (20 + 5) = 4, ceil(10 / 3) = 4
        assertThat(r.clients()).extracting(ClientResult::cyclesPlanned).containsExactly(5L, 4L, 4L);
        assertThat(r.clients()).extracting(ClientResult::cyclesCompleted).containsExactly(5L, 4L, 4L);
        // ideal = planned cycles x period
        assertThat(r.clients()).extracting(ClientResult::idealUs).containsExactly(115_000L, 100_000L, 12_000L);
        assertThat(r.clients()).extracting(ClientResult::jobsCompleted).containsExactly(15L, 4L, 4L);
    }

    @Test
    void syncClientAloneCyclesAtItsWorkWithoutLatency() {
        ScenarioResult r = Lab.run("""
                name: solo
                duration: 50ms
                clients:
                  - name: a
                    jobs_per_cycle: 2
                    job_duration: 3ms
                    sync: true
                    wait: 4ms
                """);
        ClientResult a = client(r, "a");
        // period 2*3 + 4 = 10 ms, 5 cycles; each cycle is its two jobs back to back: 6 ms.
        assertThat(a.cyclesPlanned()).isEqualTo(5);
        assertThat(a.cyclesCompleted()).isEqualTo(5);
        assertThat(a.jobsCompleted()).isEqualTo(10);
        assertThat(a.jobsFailed()).isZero();
        assertThat(a.cycleTimeUs()).isEqualTo(stats(6000, 6000, 6000, 6000, 6000, 5));
        assertThat(a.latencyUs()).isEqualTo(stats(0, 0, 0, 0, 0, 5));
        // The think time after the last cycle is not part of elapsed: after its planned cycles
        // the client only waits for its last job (ClientDriver.cycleDone goes to DRAIN), so
        // elapsed = cycles * period - wait = 50 - 4 ms, while ideal = cycles * period.
        assertThat(a.elapsedUs()).isEqualTo(46_000);
        assertThat(a.idealUs()).isEqualTo(50_000);
        assertThat(a.gpuTimeUs()).isEqualTo(30_000);
        assertThat(a.gpuShare()).isEqualTo(1.0);
        // The first job of a cycle starts at once, the second waits 3 ms for the first (credit
        // limit 1); nearest-rank p50 of five 0s and five 3000s is 0.
        assertThat(a.jobWaitUs()).isEqualTo(stats(0, 1500, 3000, 0, 3000, 10));
        // Waiting behind its own job on the ring counts as "no job of it started".
        assertThat(a.starvedUs()).isEqualTo(3000);
        assertThat(a.verdict()).isEqualTo("kept pace: 46 ms vs ideal 50 ms, latency p99 0.0 ms");
        assertThat(a.done()).isTrue();
        // The sample at 0 comes after the first cycle was submitted: one job on the ring (credit
        // limit 1), one queued.
        assertThat(a.progress()).containsExactly(new ProgressSample(0, 0, 1), new ProgressSample(100_000, 5, 0));
        assertThat(r.makespanUs()).isEqualTo(46_000);
        assertThat(r.durationUs()).isEqualTo(50_000);
        assertThat(r.schedulers()).containsExactly(new SchedulerResult("gpu", 1, 30_000, 10));
        assertThat(r.fairness().jainIndex()).isEqualTo(1.0);
        assertThat(r.fairness().avgMaxMinDeltaX100()).isZero();
        assertThat(r.turnaroundUs()).isNull();
        assertThat(r.mode()).isEqualTo("virtual");
        assertThat(r.policy()).isEqualTo("fair");
        // The jobs of cycle k run back to back from k * period.
        List<JobSpan> jobs = spans(r, "a");
        for (int i = 0; i < jobs.size(); i++) {
            JobSpan j = jobs.get(i);
            long start = (i / 2) * 10 * MS + (i % 2) * 3 * MS;
            assertThat(j.index()).isEqualTo(i + 1);
            assertThat(j.cycle()).isEqualTo(i / 2);
            assertThat(j.submitNs()).isEqualTo((i / 2) * 10 * MS);
            assertThat(j.hwStartNs()).isEqualTo(start);
            assertThat(j.hwEndNs()).isEqualTo(start + 3 * MS);
            assertThat(j.finishedNs()).isEqualTo(start + 3 * MS);
            assertThat(j.error()).isEqualTo("OK");
            assertThat(j.scheduler()).isEqualTo("gpu");
        }
    }

    @Test
    void asyncClientCompletesEveryCycleAtSubmission() {
        ScenarioResult r = Lab.run("""
                name: async
                duration: 250ms
                clients:
                  - name: a
                    job_duration: 5ms
                """);
        ClientResult a = client(r, "a");
        // 50 jobs queued at time 0; the ring runs one every 5 ms.
        assertThat(a.cyclesCompleted()).isEqualTo(50);
        assertThat(a.cycleTimeUs()).isEqualTo(stats(0, 0, 0, 0, 0, 50));
        assertThat(a.latencyUs()).isEqualTo(stats(0, 0, 0, 0, 0, 50));
        assertThat(a.elapsedUs()).isEqualTo(250_000);
        assertThat(a.jobWaitUs()).isEqualTo(stats(0, 122_500, 245_000, 120_000, 245_000, 50));
        assertThat(spans(r, "a")).allSatisfy(j -> assertThat(j.submitNs()).isZero());
        // Every cycle is complete from the first sample on (samples come after every other event
        // of their instant, so the one at 0 sees all 50 submitted and the first on the ring);
        // the queue drains by one job per 5 ms: at 100 ms job 21 has just been handed to the
        // ring, so 29 wait.
        assertThat(a.progress()).containsExactly(new ProgressSample(0, 50, 49), new ProgressSample(100_000, 50, 29),
                new ProgressSample(200_000, 50, 9), new ProgressSample(300_000, 50, 0));
        assertThat(a.starvedUs()).isEqualTo(5000);
    }

    @Test
    void progressIsSampledEvery100msFromZeroUntilEveryClientIsDone() {
        ScenarioResult r = Lab.run(Lab.example("kernel/two-clients/credit1-09-heavy-and-interactive.yaml"), Policy.FAIR);
        int n = r.clients().getFirst().progress().size();
        long lastDone = r.clients().stream().mapToLong(ClientResult::elapsedUs).max().orElseThrow();
        // The series stops at the first sample that sees every client done.
        assertThat((n - 1) * 100_000L).isGreaterThanOrEqualTo(lastDone).isLessThan(lastDone + 100_000);
        for (ClientResult c : r.clients()) {
            List<ProgressSample> p = c.progress();
            assertThat(p).hasSize(n);
            for (int k = 0; k < n; k++) {
                assertThat(p.get(k).tUs()).isEqualTo(k * 100_000L);
                if (k > 0) {
                    assertThat(p.get(k).cycles()).isGreaterThanOrEqualTo(p.get(k - 1).cycles());
                }
            }
            assertThat(p.getFirst().cycles()).isZero();
            assertThat(p.getLast().cycles()).isEqualTo(c.cyclesPlanned());
            assertThat(p.getLast().queueDepth()).isZero();
        }
    }

    @Test
    void theFirstSampleSeesTheStateAfterEveryEventAtTimeZero() {
        ScenarioResult r = Lab.run(Lab.example("kernel/two-clients/credit1-09-heavy-and-interactive.yaml"), Policy.FAIR);
        // At time 0 heavy submitted 3 jobs and interactive 1; the ring (credit limit 1) took one.
        assertThat(r.clients().stream().mapToLong(c -> c.progress().getFirst().queueDepth()).sum()).isEqualTo(3);
    }

    @Test
    void jainIndexAndMaxMinDeltaMatchAHandComputation() {
        ScenarioResult r = Lab.run("""
                name: jain
                duration: 300ms
                policy: fifo
                clients:
                  - name: a
                    job_duration: 10ms
                    sync: true
                  - name: b
                    job_duration: 10ms
                    sync: true
                    duration: 100ms
                """);
        // Both start at 0; FIFO alternates them: a's k-th job ends at 20k-10 ms, b's at 20k ms
        // (k <= 10). b is done at 200 ms; a then runs alone, its 30th job ends at 400 ms.
        ClientResult a = client(r, "a");
        ClientResult b = client(r, "b");
        assertThat(a.cyclesPlanned()).isEqualTo(30);
        assertThat(b.cyclesPlanned()).isEqualTo(10);
        assertThat(a.elapsedUs()).isEqualTo(400_000);
        assertThat(b.elapsedUs()).isEqualTo(200_000);
        assertThat(r.makespanUs()).isEqualTo(400_000);
        // a's cycles: the first 10 ms, then ten of 20 ms (through its 11th, which waited for
        // b's last job), then nineteen of 10 ms: 400 ms / 30 cycles.
        assertThat(a.cycleTimeUs()).isEqualTo(stats(10_000, 13_333, 20_000, 10_000, 20_000, 30));
        assertThat(a.latencyUs()).isEqualTo(stats(0, 3_333, 10_000, 0, 10_000, 30));
        assertThat(b.cycleTimeUs()).isEqualTo(stats(20_000, 20_000, 20_000, 20_000, 20_000, 10));
        assertThat(b.latencyUs()).isEqualTo(stats(10_000, 10_000, 10_000, 10_000, 10_000, 10));
        assertThat(a.gpuTimeUs()).isEqualTo(300_000);
        assertThat(b.gpuTimeUs()).isEqualTo(100_000);
        assertThat(a.gpuShare()).isEqualTo(0.75);
        assertThat(b.gpuShare()).isEqualTo(0.25);
        // Within the first 300 ms: a 200 ms, b 100 ms of GPU time.
        // Jain = (200 + 100)^2 / (2 * (200^2 + 100^2)) = 0.9
        assertThat(r.fairness().jainIndex()).isEqualTo(0.9);
        // Samples at 0, 100, 200, 300, 400 ms: a 0 5 10 20 30, b 0 5 10 10 10.
        assertThat(a.progress()).extracting(ProgressSample::cycles).containsExactly(0L, 5L, 10L, 20L, 30L);
        assertThat(b.progress()).extracting(ProgressSample::cycles).containsExactly(0L, 5L, 10L, 10L, 10L);
        // Deltas 0 0 0 10 20: mean 6, x100 = 600.
        assertThat(r.fairness().avgMaxMinDeltaX100()).isEqualTo(600);
    }

    @Test
    void maxMinDeltaRoundsUp() {
        ScenarioResult r = Lab.run("""
                name: rounding
                duration: 100ms
                policy: fifo
                clients:
                  - name: a
                    job_duration: 10ms
                    sync: true
                  - name: b
                    job_duration: 10ms
                    sync: true
                    duration: 30ms
                """);
        // a: 10 cycles, b: 3. The jobs alternate a b a b a b until 60 ms, then a runs alone
        // and its 7th job ends at 100 ms, its 10th at 130 ms. Samples at 0, 100 and 200 ms:
        // a 0 7 10, b 0 3 3.
        ClientResult a = client(r, "a");
        ClientResult b = client(r, "b");
        assertThat(a.progress()).extracting(ProgressSample::cycles).containsExactly(0L, 7L, 10L);
        assertThat(b.progress()).extracting(ProgressSample::cycles).containsExactly(0L, 3L, 3L);
        // deltas 0, 4, 7: 11 * 100 / 3 = 366.67, rounded up to 367
        assertThat(r.fairness().avgMaxMinDeltaX100()).isEqualTo(367);
    }

    @Test
    void chainedClientRunsItsJobsInOrderWithoutGaps() {
        ScenarioResult r = Lab.run("""
                name: chain
                duration: 20ms
                schedulers:
                  - name: gpu
                    credit_limit: 4
                clients:
                  - name: a
                    job_duration: 2ms
                    chain: true
                """);
        List<JobSpan> jobs = spans(r, "a");
        assertThat(jobs).hasSize(10);
        for (int i = 1; i < jobs.size(); i++) {
            JobSpan prev = jobs.get(i - 1);
            JobSpan j = jobs.get(i);
            // A dependency on a job of the same ring only waits until that job is scheduled
            // (the kernel's pipelining: the ring executes in order), so each job becomes
            // runnable when the previous one was handed to the ring and executes right after it.
            assertThat(j.runnableNs()).isEqualTo(prev.runNs());
            assertThat(j.runNs()).isGreaterThanOrEqualTo(prev.runNs());
            assertThat(j.hwStartNs()).isEqualTo(prev.hwEndNs());
            assertThat(j.finishedNs()).isEqualTo(j.hwStartNs() + 2 * MS);
        }
        assertThat(r.makespanUs()).isEqualTo(20_000);
    }

    @Test
    void pingPongAlternatesTheClientsAndEndsAt1010ms() {
        for (Policy p : Policy.values()) {
            ScenarioResult r = Lab.run(Lab.example("kernel/overhead/ping-pong.yaml"), p);
            // 1 blocking job until 10 ms, then 1000 jobs of 1 ms back to back.
            assertThat(r.makespanUs()).as("%s", p).isEqualTo(1_010_000);
            List<JobSpan> hw = Lab.onHardware(r);
            assertThat(hw).hasSize(1001);
            assertThat(hw.getFirst().client()).isEqualTo("ping");
            assertThat(hw.getFirst().hwStartNs()).isZero();
            assertThat(hw.getFirst().hwEndNs()).isEqualTo(10 * MS);
            for (int i = 1; i < hw.size(); i++) {
                JobSpan prev = hw.get(i - 1);
                JobSpan j = hw.get(i);
                assertThat(j.client()).as("%s job %d", p, i).isNotEqualTo(prev.client());
                assertThat(j.hwStartNs()).isEqualTo(prev.hwEndNs());
                assertThat(j.hwEndNs()).isEqualTo(j.hwStartNs() + MS);
                // It depends on the other client's previous job; on the same ring that
                // dependency is met once that job is scheduled (pipelining), and the credit
                // limit of 1 then holds it until that job is done.
                assertThat(j.runnableNs()).isEqualTo(prev.runNs());
                assertThat(j.runNs()).isEqualTo(prev.finishedNs());
            }
            assertThat(client(r, "ping").cyclesCompleted()).isEqualTo(501);
            assertThat(client(r, "pong").cyclesCompleted()).isEqualTo(500);
        }
    }

    @Test
    void queueOverheadDrainsTheDeepQueueBehindTheManualJob() {
        ScenarioResult r = Lab.run(Lab.parse(Lab.example("kernel/overhead/queue-overhead.yaml")));
        assertThat(r.makespanUs()).isEqualTo(1_010_000);
        ClientResult q = client(r, "queue");
        assertThat(q.cyclesPlanned()).isEqualTo(1001);
        assertThat(q.jobsCompleted()).isEqualTo(1001);
        List<JobSpan> jobs = spans(r, "queue");
        assertThat(jobs.get(0).hwEndNs()).isEqualTo(10 * MS);
        assertThat(jobs.get(1).runNs()).isEqualTo(10 * MS);
        assertThat(jobs.getLast().finishedNs()).isEqualTo(1010 * MS);
        // At 100 ms the manual job and 90 jobs of 1 ms are done and job 92 was just handed to
        // the ring: 1001 - 92 jobs wait.
        assertThat(q.progress().get(1)).isEqualTo(new ProgressSample(100_000, 1001, 909));
        assertThat(r.schedulers().getFirst().jobs()).isEqualTo(1001);
        assertThat(r.schedulers().getFirst().busyUs()).isEqualTo(1_010_000);
    }

    @Test
    void manualFirstJobHoldsTheRingUntilReleaseAt() {
        ScenarioResult r = Lab.run("""
                name: release
                release_at: 30ms
                policy: fifo
                clients:
                  - name: blocker
                    priority: high
                    job_duration: 1ms
                    duration: 1ms
                    first_job: manual
                  - name: other
                    priority: low
                    job_duration: 2ms
                    duration: 2ms
                    sync: true
                """);
        JobSpan blocker = spans(r, "blocker").getFirst();
        JobSpan other = spans(r, "other").getFirst();
        assertThat(blocker.hwStartNs()).isZero();
        assertThat(blocker.hwEndNs()).isEqualTo(30 * MS);
        assertThat(other.submitNs()).isZero();
        assertThat(other.runNs()).isEqualTo(30 * MS);
        assertThat(other.hwEndNs()).isEqualTo(32 * MS);
        assertThat(client(r, "blocker").gpuTimeUs()).isEqualTo(30_000);
        assertThat(client(r, "other").jobWaitUs().max()).isEqualTo(30_000);
        assertThat(client(r, "other").latencyUs().max()).isEqualTo(30_000);
        assertThat(r.makespanUs()).isEqualTo(32_000);
    }

    @Test
    void hungJobsEndWithEtimedoutAfterTheTimeout() {
        ScenarioResult r = Lab.run("""
                name: hangs
                duration: 10ms
                schedulers:
                  - name: gpu
                    timeout: 20ms
                clients:
                  - name: flaky
                    job_duration: 2ms
                    sync: true
                    faults: {hang_every: 2}
                """);
        ClientResult flaky = client(r, "flaky");
        // Jobs 2 and 4 hang; the timeout resets each 20 ms after it started.
        List<JobSpan> jobs = spans(r, "flaky");
        assertThat(jobs).extracting(JobSpan::error).containsExactly("OK", "ETIMEDOUT", "OK", "ETIMEDOUT", "OK");
        assertThat(jobs).extracting(JobSpan::hwStartNs).containsExactly(0L, 2 * MS, 22 * MS, 24 * MS, 44 * MS);
        assertThat(jobs).extracting(JobSpan::finishedNs).containsExactly(2 * MS, 22 * MS, 24 * MS, 44 * MS, 46 * MS);
        assertThat(flaky.jobsCompleted()).isEqualTo(3);
        assertThat(flaky.jobsFailed()).isEqualTo(2);
        // A failed job still ends its cycle.
        assertThat(flaky.cyclesCompleted()).isEqualTo(5);
        assertThat(flaky.cycleTimeUs()).isEqualTo(stats(2000, 9200, 20_000, 2000, 20_000, 5));
        assertThat(flaky.latencyUs().max()).isEqualTo(18_000);
        assertThat(flaky.elapsedUs()).isEqualTo(46_000);
        assertThat(flaky.gpuTimeUs()).isEqualTo(46_000);
        assertThat(flaky.verdict()).endsWith("; 2 jobs failed");
    }

    @Test
    void failingJobsEndWithAPageFault() {
        ScenarioResult r = Lab.run("""
                name: fails
                duration: 10ms
                clients:
                  - name: faulty
                    job_duration: 1ms
                    sync: true
                    faults: {fail_every: 3}
                """);
        assertThat(ClientDriver.GPU_FAULT.errno()).as("EFAULT").isEqualTo(-14);
        String efault = ClientDriver.GPU_FAULT.name();
        List<JobSpan> jobs = spans(r, "faulty");
        assertThat(jobs).hasSize(10);
        for (JobSpan j : jobs) {
            assertThat(j.error()).as("job %d", j.index()).isEqualTo(j.index() % 3 == 0 ? efault : "OK");
            // A faulting job still occupies the ring for its duration.
            assertThat(j.hwEndNs() - j.hwStartNs()).isEqualTo(MS);
        }
        ClientResult faulty = client(r, "faulty");
        assertThat(faulty.jobsFailed()).isEqualTo(3);
        assertThat(faulty.jobsCompleted()).isEqualTo(7);
        assertThat(faulty.cyclesCompleted()).isEqualTo(10);
        assertThat(faulty.verdict()).endsWith("; 3 jobs failed");
        assertThat(r.makespanUs()).isEqualTo(10_000);
    }

    @Test
    void hangWinsWhenAJobIsDueToHangAndToFail() {
        ScenarioResult r = Lab.run("""
                name: both
                duration: 4ms
                schedulers:
                  - name: gpu
                    timeout: 5ms
                clients:
                  - name: c
                    job_duration: 1ms
                    sync: true
                    faults: {hang_every: 2, fail_every: 2}
                """);
        assertThat(spans(r, "c")).extracting(JobSpan::error).containsExactly("OK", "ETIMEDOUT", "OK", "ETIMEDOUT");
    }

    /**
     * A job run behind a hanging one on the in-order ring must complete once the hung job is
     * reset: it is not hanging itself.
     */
    @Test
    void aJobBehindAHungJobCompletesWhenTheHungJobIsReset() {
        ScenarioResult r = Lab.run("""
                name: behind-a-hang
                duration: 1ms
                policy: fifo
                schedulers:
                  - name: gpu
                    credit_limit: 2
                    timeout: 20ms
                clients:
                  - name: hangs
                    priority: high
                    job_duration: 1ms
                    sync: true
                    faults: {hang_every: 1}
                  - name: innocent
                    priority: low
                    job_duration: 2ms
                    sync: true
                """);
        JobSpan hung = spans(r, "hangs").getFirst();
        JobSpan innocent = spans(r, "innocent").getFirst();
        assertThat(hung.error()).isEqualTo("ETIMEDOUT");
        assertThat(hung.hwStartNs()).isZero();
        assertThat(hung.finishedNs()).isEqualTo(20 * MS);
        // Both were handed to the ring at 0 (credit limit 2); the innocent job runs after the
        // hung one in ring order, so it ends by 20 + 2 ms, without an error.
        assertThat(innocent.runNs()).isZero();
        assertThat(innocent.error()).isEqualTo("OK");
        assertThat(innocent.finishedNs()).isLessThanOrEqualTo(22 * MS);
        assertThat(client(r, "innocent").jobsFailed()).isZero();
    }

    @Test
    void loadBalancedClientsUseBothRings() {
        ScenarioResult r = Lab.run("""
                name: balance
                duration: 10ms
                schedulers:
                  - name: r0
                  - name: r1
                clients:
                  - name: a
                    job_duration: 10ms
                    sync: true
                  - name: b
                    job_duration: 10ms
                    sync: true
                """);
        // One job each: on two rings they run side by side.
        assertThat(r.schedulers()).containsExactly(new SchedulerResult("r0", 1, 10_000, 1),
                new SchedulerResult("r1", 1, 10_000, 1));
        assertThat(r.makespanUs()).isEqualTo(10_000);
        assertThat(spans(r, "a").getFirst().scheduler()).isNotEqualTo(spans(r, "b").getFirst().scheduler());
    }

    @Test
    void loadBalancedExampleSpreadsTheWorkAndKeepsEachClientInOrder() {
        ScenarioResult r = Lab.run(Lab.parse(Lab.example("load-balanced-rings.yaml")));
        long jobs = r.clients().stream().mapToLong(c -> c.jobsCompleted() + c.jobsFailed()).sum();
        assertThat(r.schedulers()).hasSize(2).allSatisfy(s -> assertThat(s.jobs()).isPositive());
        assertThat(r.schedulers().stream().mapToLong(SchedulerResult::jobs).sum()).isEqualTo(jobs);
        long busy0 = r.schedulers().get(0).busyUs();
        long busy1 = r.schedulers().get(1).busyUs();
        // "about evenly": neither ring does more than twice the other's work.
        assertThat(Math.max(busy0, busy1)).isLessThanOrEqualTo(2 * Math.min(busy0, busy1));
        // Each ring serves several clients, and some clients move between the rings (which
        // ones depends on the timing: here a, b, d and e do, c and f stay put).
        for (SchedulerResult s : r.schedulers()) {
            assertThat(r.spans().stream().filter(j -> s.name().equals(j.scheduler())).map(JobSpan::client).distinct())
                    .as(s.name()).hasSizeGreaterThanOrEqualTo(2);
        }
        assertThat(r.clients().stream().filter(c -> spans(r, c.name()).stream().map(JobSpan::scheduler).distinct()
                .count() == 2)).isNotEmpty();
        for (ClientResult c : r.clients()) {
            List<JobSpan> jobsOfC = spans(r, c.name());
            for (int i = 1; i < jobsOfC.size(); i++) {
                JobSpan prev = jobsOfC.get(i - 1);
                JobSpan j = jobsOfC.get(i);
                assertThat(j.finishedNs()).isGreaterThanOrEqualTo(prev.finishedNs());
                if (!j.scheduler().equals(prev.scheduler())) {
                    // The entity moved: only while it was idle.
                    assertThat(j.runNs()).as("%s #%d", c.name(), j.index()).isGreaterThanOrEqualTo(prev.finishedNs());
                }
            }
        }
    }

    @Test
    void faultsExampleFailsExactlyTheInjectedJobs() {
        ScenarioResult r = Lab.run(Lab.parse(Lab.example("faults-and-timeout.yaml")));
        String efault = FenceError.of(-14).name();
        for (JobSpan j : spans(r, "flaky")) {
            assertThat(j.error()).as("flaky #%d", j.index()).isEqualTo(j.index() % 25 == 0 ? "ETIMEDOUT" : "OK");
        }
        for (JobSpan j : spans(r, "faulty")) {
            assertThat(j.error()).as("faulty #%d", j.index()).isEqualTo(j.index() % 10 == 0 ? efault : "OK");
        }
        assertThat(client(r, "steady").jobsFailed()).isZero();
        assertThat(client(r, "flaky").jobsFailed()).isEqualTo(client(r, "flaky").cyclesPlanned() / 25);
        assertThat(client(r, "faulty").jobsFailed()).isEqualTo(client(r, "faulty").cyclesPlanned() / 10);
    }
}
