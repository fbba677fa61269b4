package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.engine.Harness.MS;
import static org.gpusched.engine.Harness.ms;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Backend;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobEvent;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sched.TimeoutVerdict;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.Test;

/** Credit-based flow control: the limit, clamping, head-of-line blocking, credits returned. */
class CreditTests {
    final Harness h = new Harness();

    @Test
    void theCreditsOnTheHardwareNeverExceedTheLimit() {
        for (long seed : new long[] {1, 2, 3, 0x5eed}) {
            Harness x = new Harness();
            SplittableRandom rnd = new SplittableRandom(seed);
            Policy policy = Policy.values()[rnd.nextInt(Policy.values().length)];
            Scheduler<SimJob> s = x.builder().creditLimit(4).policy(policy).build();
            List<Entity<SimJob>> es = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                es.add(s.newEntity("e" + i, Priority.values()[rnd.nextInt(4)]));
            }
            List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                Entity<SimJob> e = es.get(rnd.nextInt(es.size()));
                int credits = 1 + rnd.nextInt(5); // 5 is clamped to 4
                long at = rnd.nextLong(100 * MS);
                SimJob p = SimJob.ofMicros(100 + rnd.nextInt(3000));
                x.at(at, () -> jobs.add(e.job(p).credits(credits).submit()));
            }
            // sample the published snapshot after every instant as well
            int[] maxSnapshot = new int[1];
            for (long t = 0; t < 1000 * MS; t += 50_000) {
                x.d.scheduleLate(t, () -> maxSnapshot[0] = Math.max(maxSnapshot[0], s.inFlightCredits()));
            }
            x.runUntil(() -> jobs.size() == 200 && jobs.stream().allMatch(j -> j.finished().isSignaled()));
            assertThat(x.log.maxCredits()).as("seed %d (%s)", seed, policy).isEqualTo(4);
            assertThat(maxSnapshot[0]).as("seed %d (%s)", seed, policy).isBetween(1, 4);
            assertThat(x.log.credits()).as("seed %d: all credits returned", seed).isZero();
            assertThat(x.log.jobs(JobEvent.RUN)).as("seed %d", seed).hasSize(200);
        }
    }

    @Test
    void creditLimitOfTwoKeepsAtMostTwoUnitJobsOnTheRing() {
        Scheduler<SimJob> s = h.sched(2);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            jobs.add(e.job(ms(1)).submit());
        }
        h.finish(jobs.get(5));
        // two on the ring at a time; each starts when the one two places ahead finishes
        assertThat(jobs.stream().map(j -> j.scheduled().timestampNanos()).toList())
                .containsExactly(0L, 0L, 1 * MS, 2 * MS, 3 * MS, 4 * MS);
        assertThat(h.log.maxCredits()).isEqualTo(2);
    }

    @Test
    void anOversizeJobIsClampedToTheLimitAndRunsAlone() {
        Scheduler<SimJob> s = h.sched(3);
        SubmittedJob<SimJob> a = s.newEntity("a", Priority.NORMAL).job(ms(2)).submit();
        h.runTo(1 * MS);
        SubmittedJob<SimJob> big = s.newEntity("b", Priority.NORMAL).job(ms(3)).credits(10).submit();
        h.runTo(1 * MS + 1);
        SubmittedJob<SimJob> c = s.newEntity("c", Priority.NORMAL).job(ms(1)).submit();
        h.runTo(3 * MS);
        assertThat(s.inFlightCredits()).isEqualTo(3);
        h.finish(c);
        assertThat(a.finished().timestampNanos()).isEqualTo(2 * MS);
        assertThat(big.scheduled().timestampNanos()).isEqualTo(2 * MS);
        assertThat(big.finished().timestampNanos()).isEqualTo(5 * MS);
        assertThat(c.scheduled().timestampNanos()).isEqualTo(5 * MS);
        assertThat(h.log.events().stream().filter(ev -> ev.event() == JobEvent.RUN && ev.job().equals("b#1"))
                .map(EventLog.Event::credits).toList()).containsExactly(3);
        assertThat(h.log.maxCredits()).isEqualTo(3);
    }

    @Test
    void anOversizeJobOnAnIdleSchedulerRunsAtOnce() {
        Scheduler<SimJob> s = h.sched(2);
        SubmittedJob<SimJob> big = s.newEntity("b", Priority.NORMAL).job(ms(1)).credits(Integer.MAX_VALUE).submit();
        h.finish(big);
        assertThat(big.scheduled().timestampNanos()).isZero();
        assertThat(big.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(h.log.maxCredits()).isEqualTo(2);
    }

    @Test
    void aHeadJobThatDoesNotFitBlocksTheSchedulerAndNothingSkipsAhead() {
        Scheduler<SimJob> s = h.sched(4);
        SubmittedJob<SimJob> a = s.newEntity("a", Priority.NORMAL).job(SimJob.manual()).credits(3).submit();
        h.runTo(1 * MS);
        SubmittedJob<SimJob> b = s.newEntity("b", Priority.NORMAL).job(ms(1)).credits(2).submit();
        h.runTo(2 * MS);
        SubmittedJob<SimJob> c = s.newEntity("c", Priority.NORMAL).job(ms(1)).credits(1).submit();
        h.runTo(5 * MS);
        assertThat(c.scheduled().isSignaled()).as("c fits but must not pass b").isFalse();
        assertThat(b.scheduled().isSignaled()).isFalse();
        h.ring.advance(1);
        h.finish(c);
        assertThat(a.finished().timestampNanos()).isEqualTo(5 * MS);
        assertThat(b.scheduled().timestampNanos()).isEqualTo(5 * MS);
        assertThat(c.scheduled().timestampNanos()).isEqualTo(5 * MS);
        assertThat(h.backend.jobs("run")).containsExactly("a#1", "b#1", "c#1");
    }

    @Test
    void aLowerPriorityJobThatFitsDoesNotPassAHigherPriorityHeadThatDoesNot() {
        for (Policy p : List.of(Policy.FIFO, Policy.RR)) {
            Harness x = new Harness();
            Scheduler<SimJob> s = x.sched(4, p);
            SubmittedJob<SimJob> a = s.newEntity("a", Priority.NORMAL).job(SimJob.manual()).credits(3).submit();
            x.runTo(1 * MS);
            SubmittedJob<SimJob> low = s.newEntity("low", Priority.LOW).job(ms(1)).credits(1).submit();
            SubmittedJob<SimJob> high = s.newEntity("high", Priority.HIGH).job(ms(1)).credits(2).submit();
            x.runTo(5 * MS);
            assertThat(low.scheduled().isSignaled()).as("%s", p).isFalse();
            x.ring.advance(1);
            x.finish(low);
            assertThat(x.backend.jobs("run")).as("%s", p).containsExactly("a#1", "high#1", "low#1");
            assertThat(high.scheduled().timestampNanos()).isEqualTo(5 * MS);
            assertThat(a.finished().isSignaled()).isTrue();
        }
    }

    /**
     * After {@code first} (2 credits of 2) took some end path, a 2-credit job starts exactly when
     * it ended. (Only its start is awaited: after recovery the simulated ring still holds a
     * manual job, and the ring completes in order.)
     */
    private void creditsComeBack(Harness x, Scheduler<SimJob> s, SubmittedJob<SimJob> first, long expectedEnd,
                                 FenceError expectedError) {
        SubmittedJob<SimJob> next = s.newEntity("next", Priority.NORMAL).job(ms(1)).credits(2).submit();
        x.schedule(next);
        assertThat(first.finished().error()).isEqualTo(expectedError);
        assertThat(first.finished().timestampNanos()).isEqualTo(expectedEnd);
        assertThat(next.scheduled().timestampNanos()).isEqualTo(expectedEnd);
        assertThat(x.log.credits()).as("only the next job's credits are in use").isEqualTo(2);
        assertThat(first.payload().freeCount()).isEqualTo(1);
    }

    @Test
    void creditsComeBackWhenTheHardwareFenceFails() {
        Scheduler<SimJob> s = h.sched(2);
        SubmittedJob<SimJob> x = s.newEntity("x", Priority.NORMAL).job(ms(3).failWith(FenceError.of(-71)))
                .credits(2).submit();
        creditsComeBack(h, s, x, 3 * MS, FenceError.of(-71));
    }

    @Test
    void creditsComeBackWhenTheJobTimesOut() {
        Scheduler<SimJob> s = h.builder().creditLimit(2).timeout(Duration.ofMillis(5)).build();
        SubmittedJob<SimJob> x = s.newEntity("x", Priority.NORMAL).job(SimJob.manual()).credits(2).submit();
        creditsComeBack(h, s, x, 5 * MS, FenceError.TIMED_OUT);
    }

    @Test
    void creditsComeBackWhenRunThrowsReturnsNullOrPrepareThrows() {
        for (int mode = 0; mode < 3; mode++) {
            Harness x = new Harness();
            FaultyRing faulty = new FaultyRing(x.ring);
            Scheduler<SimJob> s = Scheduler.builder(faulty).name("gpu").creditLimit(2).dispatcher(x.d)
                    .observer(x.log).build();
            SimJob p = ms(3);
            (mode == 0 ? faulty.runThrows : mode == 1 ? faulty.runReturnsNull : faulty.prepareThrows).add(p);
            SubmittedJob<SimJob> j = s.newEntity("x", Priority.NORMAL).job(p).credits(2).submit();
            creditsComeBack(x, s, j, 0, FenceError.BACKEND_FAILED);
        }
    }

    @Test
    void creditsComeBackWhenRecoveryEndsTheJob() {
        Scheduler<SimJob> s = h.sched(2);
        SubmittedJob<SimJob> x = s.newEntity("x", Priority.NORMAL).job(SimJob.manual()).credits(2).submit();
        h.schedule(x);
        h.runTo(2 * MS);
        s.stop();
        s.start(FenceError.of(-62));
        creditsComeBack(h, s, x, 2 * MS, FenceError.of(-62));
    }

    @Test
    void creditsComeBackWhenTheSchedulerClosesWithJobsOnTheHardware() {
        Scheduler<SimJob> s = h.sched(3);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> a = e.job(SimJob.manual()).credits(2).submit();
        SubmittedJob<SimJob> b = e.job(SimJob.manual()).credits(1).submit();
        h.schedule(b);
        assertThat(h.log.credits()).isEqualTo(3);
        s.close();
        assertThat(a.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(b.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(h.log.credits()).isZero();
        assertThat(s.inFlightCredits()).as("published snapshot after close").isZero();
    }

    @Test
    void creditsComeBackWhenTheDeviceIsLost() {
        Scheduler<SimJob> s = h.builder().creditLimit(2).timeout(Duration.ofMillis(4)).build();
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> a = e.job(SimJob.manual()).credits(2).submit();
        h.schedule(a);
        h.ring.loseDevice();
        h.finish(a);
        assertThat(a.finished().error()).isEqualTo(FenceError.DEVICE_GONE);
        assertThat(a.finished().timestampNanos()).isEqualTo(4 * MS);
        assertThat(h.log.credits()).isZero();
        h.runTo(5 * MS);
        assertThat(s.inFlightCredits()).isZero();
    }

    @Test
    void everyCallbackSeesTheClampedCreditsOfAnOversizeJob() {
        List<String> seen = new ArrayList<>();
        Backend<SimJob> b = new Backend<>() {
            @Override
            public Fence prepare(JobView<SimJob> job) {
                seen.add("prepare=" + job.credits());
                return null;
            }

            @Override
            public Fence run(JobView<SimJob> job) {
                seen.add("run=" + job.credits());
                return h.ring.run(job);
            }

            @Override
            public TimeoutVerdict timedOut(JobView<SimJob> job) {
                return h.ring.timedOut(job);
            }

            @Override
            public void free(JobView<SimJob> job) {
                seen.add("free=" + job.credits());
            }
        };
        Scheduler<SimJob> s = Scheduler.builder(b).name("gpu").creditLimit(3).dispatcher(h.d).build();
        SubmittedJob<SimJob> big = s.newEntity("b", Priority.NORMAL).job(ms(1)).credits(10).submit();
        h.finish(big);
        assertThat(seen).containsExactly("prepare=3", "run=3", "free=3");
    }
}
