package org.gpusched.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.gpusched.sched.Backend;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobEvent;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SchedulerObserver;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sched.TimeoutVerdict;
import org.gpusched.sim.soak.JobPlan;
import org.gpusched.sim.soak.SoakChecker;
import org.gpusched.sim.soak.SoakJob;
import org.gpusched.sim.soak.Violation;
import org.junit.jupiter.api.Test;

/**
 * The soak's checker cannot pass silently: fed events that break an invariant (or a real
 * scheduler behind a deliberately broken layer), it reports the violation with the seed, round
 * and job; fed a correct run, it reports nothing.
 */
class SoakCheckerTest {

    private static final long SEED = 77;
    private static final int ROUND = 3;

    private final List<Violation> found = new CopyOnWriteArrayList<>();
    private final SoakChecker checker = new SoakChecker(SEED, ROUND, found::add);

    /** A backend that does nothing (the fake events stand for the scheduler). */
    private static class Idle implements Backend<SoakJob> {
        @Override
        public Fence run(JobView<SoakJob> job) {
            return Fence.signaled();
        }

        @Override
        public TimeoutVerdict timedOut(JobView<SoakJob> job) {
            return TimeoutVerdict.RESET;
        }
    }

    /** A job as a scheduler would show it, with fences the test signals itself. */
    private static final class FakeJob implements JobView<SoakJob> {
        final SoakJob payload;
        final String entity;
        final String scheduler;
        final long seqno;
        final FenceSource scheduled;
        final FenceSource finished;
        final int credits;

        FakeJob(SoakChecker checker, String entity, String scheduler, Timeline sched, Timeline fin, int credits) {
            this.payload = checker.newJob(JobPlan.plain(1000), credits);
            this.entity = entity;
            this.scheduler = scheduler;
            this.scheduled = sched.newFence();
            this.finished = fin.newFence();
            this.seqno = finished.fence().seqno();
            this.credits = credits;
        }

        @Override
        public SoakJob payload() {
            return payload;
        }

        @Override
        public int credits() {
            return credits;
        }

        @Override
        public String entityName() {
            return entity;
        }

        @Override
        public String schedulerName() {
            return scheduler;
        }

        @Override
        public long seqno() {
            return seqno;
        }

        @Override
        public Fence scheduled() {
            return scheduled.fence();
        }

        @Override
        public Fence finished() {
            return finished.fence();
        }

        @Override
        public java.util.List<Fence> dependencies() {
            return java.util.List.of();
        }

        @Override
        public Fence hardwareFence() {
            return null;
        }

        @Override
        public long submitTimeNanos() {
            return 0;
        }

        /** The submitter's view of it. */
        SubmittedJob<SoakJob> handle() {
            FakeJob self = this;
            return new SubmittedJob<>() {
                @Override
                public SoakJob payload() {
                    return self.payload;
                }

                @Override
                public long seqno() {
                    return self.seqno;
                }

                @Override
                public Fence scheduled() {
                    return self.scheduled();
                }

                @Override
                public Fence finished() {
                    return self.finished();
                }
            };
        }
    }

    private final Timeline eSched = Timeline.create("e/scheduled");
    private final Timeline eFin = Timeline.create("e");

    private FakeJob job(int credits) {
        return new FakeJob(checker, "e", "s", eSched, eFin, credits);
    }

    private List<String> rules() {
        return found.stream().map(Violation::rule).toList();
    }

    private void assertReported(String rule, FakeJob about) {
        assertThat(rules()).as("%s", found).contains(rule);
        Violation v = found.stream().filter(x -> x.rule().equals(rule)).findFirst().orElseThrow();
        assertThat(v.seed()).isEqualTo(SEED);
        assertThat(v.round()).isEqualTo(ROUND);
        if (about != null) {
            assertThat(v.job()).contains("e#" + about.seqno);
        }
        assertThat(checker.violations()).isEqualTo(found.size());
    }

    /** SUBMITTED and acceptance, as a submission would produce them. */
    private void submit(SchedulerObserver obs, FakeJob j) {
        obs.onJobEvent(JobEvent.SUBMITTED, j, 0);
        checker.accepted(j.payload, j.handle());
    }

    // ------------------------------------------------------------------ fake events

    @Test
    void creditsAboveTheLimitAreReported() {
        checker.wrap("s", 2, false, new Idle());
        SchedulerObserver obs = checker.observer("s");
        FakeJob a = job(2);
        FakeJob b = job(1);
        submit(obs, a);
        submit(obs, b);
        obs.onJobEvent(JobEvent.RUN, a, 0);
        assertThat(found).isEmpty();
        obs.onJobEvent(JobEvent.RUN, b, 0); // 3 credits on a limit of 2
        assertReported("in-flight credits never exceed the limit", b);
    }

    @Test
    void creditsGivenBackAtHwDoneMakeRoomAgain() {
        checker.wrap("s", 2, false, new Idle());
        SchedulerObserver obs = checker.observer("s");
        FakeJob a = job(2);
        FakeJob b = job(2);
        submit(obs, a);
        submit(obs, b);
        obs.onJobEvent(JobEvent.RUN, a, 0);
        obs.onJobEvent(JobEvent.HW_DONE, a, 0);
        obs.onJobEvent(JobEvent.RUN, b, 0);
        assertThat(found).isEmpty();
    }

    @Test
    void finishedFencesSignalledOutOfSubmissionOrderAreReported() {
        checker.wrap("s", 4, false, new Idle());
        SchedulerObserver obs = checker.observer("s");
        FakeJob first = job(1);
        FakeJob second = job(1);
        submit(obs, first);
        submit(obs, second);
        checker.entityClosing("e");
        obs.onJobEvent(JobEvent.KILLED, first, 0);
        obs.onJobEvent(JobEvent.KILLED, second, 0);
        second.finished.signal(FenceError.KILLED);
        assertReported("finished fences of an entity signal in submission order", second);
        first.finished.signal(FenceError.KILLED);
        assertThat(found).hasSize(1); // the first one was in order
    }

    @Test
    void overlappingBackendCallbacksAreReported() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Backend<SoakJob> blocking = new Idle() {
            @Override
            public Fence run(JobView<SoakJob> job) {
                inside.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Fence.signaled();
            }
        };
        Backend<SoakJob> wrapped = checker.wrap("s", 8, false, blocking);
        SchedulerObserver obs = checker.observer("s");
        FakeJob a = job(1);
        FakeJob b = job(1);
        submit(obs, a);
        submit(obs, b);
        obs.onJobEvent(JobEvent.RUN, a, 0);
        obs.onJobEvent(JobEvent.RUN, b, 0);
        Thread t = new Thread(() -> wrapped.run(a));
        t.start();
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        wrapped.free(b); // a second callback while run is still inside
        release.countDown();
        t.join(10_000);
        assertReported("backend callbacks of one scheduler never overlap", b);
    }

    @Test
    void aCallbackAfterCloseReturnedIsReported() {
        Backend<SoakJob> wrapped = checker.wrap("s", 1, false, new Idle());
        SchedulerObserver obs = checker.observer("s");
        FakeJob a = job(1);
        submit(obs, a);
        checker.schedulerClosing("s");
        obs.onJobEvent(JobEvent.KILLED, a, 0);
        a.finished.signal(FenceError.KILLED);
        checker.schedulerClosed("s");
        wrapped.free(a);
        assertReported("no backend callback after close() returned", a);
    }

    @Test
    void aKilledJobThatRunsIsReported() {
        Backend<SoakJob> wrapped = checker.wrap("s", 1, false, new Idle());
        SchedulerObserver obs = checker.observer("s");
        FakeJob a = job(1);
        submit(obs, a);
        checker.entityClosing("e");
        obs.onJobEvent(JobEvent.KILLED, a, 0);
        wrapped.run(a);
        assertReported("killed jobs never run", a);
    }

    @Test
    void jobsRunOutOfSubmissionOrderAreReported() {
        Backend<SoakJob> wrapped = checker.wrap("s", 4, false, new Idle());
        SchedulerObserver obs = checker.observer("s");
        FakeJob first = job(1);
        FakeJob second = job(1);
        submit(obs, first);
        submit(obs, second);
        obs.onJobEvent(JobEvent.RUN, second, 0);
        wrapped.run(second);
        obs.onJobEvent(JobEvent.RUN, first, 0);
        wrapped.run(first);
        assertReported("jobs of an entity run in submission order", first);
    }

    @Test
    void aJobRunBeforeItsDependencySignalledIsReported() {
        Backend<SoakJob> wrapped = checker.wrap("s", 4, false, new Idle());
        SchedulerObserver obs = checker.observer("s");
        FakeJob a = job(1);
        FenceSource driver = Timeline.create("driver").newFence();
        a.payload.addDependency(driver.fence(), null);
        submit(obs, a);
        obs.onJobEvent(JobEvent.RUN, a, 0);
        wrapped.run(a);
        assertReported("a job runs only after its dependencies signalled", a);
    }

    @Test
    void anErrorTheJobsHistoryDoesNotExplainIsReportedAtTheEndOfTheRound() {
        Backend<SoakJob> wrapped = checker.wrap("s", 1, false, new Idle());
        SchedulerObserver obs = checker.observer("s");
        FakeJob a = job(1);
        submit(obs, a);
        obs.onJobEvent(JobEvent.RUN, a, 0);
        wrapped.run(a); // the hardware fence it returns has signalled OK
        a.scheduled.signal();
        obs.onJobEvent(JobEvent.HW_DONE, a, 0);
        a.finished.signal(FenceError.TIMED_OUT); // but no timeout ever happened
        obs.onJobEvent(JobEvent.FINISHED, a, 0);
        wrapped.free(a);
        obs.onJobEvent(JobEvent.FREED, a, 0);
        assertThat(found).isEmpty();
        checker.endOfRound();
        assertReported("a job ends only with an error its history allows", a);
        assertThat(found).hasSize(1);
    }

    @Test
    void aFinishedFenceThatSignalsBeforeItsJobEndedIsReported() {
        Backend<SoakJob> wrapped = checker.wrap("s", 1, false, new Idle());
        SchedulerObserver obs = checker.observer("s");
        FakeJob a = job(1);
        submit(obs, a);
        obs.onJobEvent(JobEvent.RUN, a, 0);
        wrapped.run(a);
        a.finished.signal(); // no HW_DONE yet
        assertReported("a finished fence signals only after the job ended (HW_DONE or KILLED)", a);
    }

    @Test
    void aKilledJobWhoseFenceSignalsBeforeItsDependenciesIsReported() {
        checker.wrap("s", 1, false, new Idle());
        SchedulerObserver obs = checker.observer("s");
        FakeJob a = job(1);
        FenceSource producer = Timeline.create("producer").newFence();
        a.payload.addDependency(producer.fence(), null);
        submit(obs, a);
        checker.entityClosing("e");
        obs.onJobEvent(JobEvent.KILLED, a, 0);
        a.finished.signal(FenceError.KILLED);
        assertReported("a killed job's finished fence signals after its dependencies", a);
    }

    @Test
    void aFenceThatNeverSignalsIsReportedAtTheEndOfTheRound() {
        checker.wrap("s", 1, false, new Idle());
        SchedulerObserver obs = checker.observer("s");
        FakeJob a = job(1);
        submit(obs, a);
        assertThat(checker.awaitAllFinished(1_000_000)).isFalse();
        checker.endOfRound();
        assertReported("every handed-out fence signals exactly once", a);
    }

    @Test
    void aRefusedSubmissionThatTheSchedulerShowsAnywayIsReported() {
        checker.wrap("s", 1, false, new Idle());
        SchedulerObserver obs = checker.observer("s");
        FakeJob a = job(1);
        checker.rejected(a.payload);
        obs.onJobEvent(JobEvent.SUBMITTED, a, 0);
        checker.endOfRound();
        assertReported("a refused submission leaves no trace", null);
    }

    // ------------------------------------------------------------------ a real scheduler

    /** Completes each job 100 us after run, on the virtual dispatcher. */
    private static final class TimedRing implements Backend<SoakJob> {
        private final VirtualDispatcher d;
        private final Timeline tl = Timeline.create("ring");

        TimedRing(VirtualDispatcher d) {
            this.d = d;
        }

        @Override
        public Fence run(JobView<SoakJob> job) {
            FenceSource hw = tl.newFence();
            d.schedule(d.nanoTime() + 100_000, hw::signal);
            return hw.fence();
        }

        @Override
        public TimeoutVerdict timedOut(JobView<SoakJob> job) {
            return TimeoutVerdict.RESET;
        }
    }

    /** Submits {@code n} jobs on each of two entities (the second depending on the first's), then closes all. */
    private void runRealRound(VirtualDispatcher d, Backend<SoakJob> backend, int n) {
        Scheduler<SoakJob> s = Scheduler.builder(backend).name("s").creditLimit(2).dispatcher(d)
                .observer(checker.observer("s")).build();
        checker.attach(s);
        Entity<SoakJob> e1 = s.newEntity("e1", Priority.NORMAL);
        Entity<SoakJob> e2 = s.newEntity("e2", Priority.HIGH);
        checker.attach(e1);
        checker.attach(e2);
        for (int i = 0; i < n; i++) {
            SoakJob a = checker.newJob(JobPlan.plain(100_000), 1 + i % 3);
            SubmittedJob<SoakJob> ha = e1.job(a).credits(a.requestedCredits()).submit();
            checker.accepted(a, ha);
            SoakJob b = checker.newJob(JobPlan.plain(100_000), 1);
            b.addDependency(ha.finished(), a);
            SubmittedJob<SoakJob> hb = e2.job(b).dependsOn(ha.finished()).submit();
            checker.accepted(b, hb);
        }
        d.runFor(Duration.ofMillis(1));
        checker.entityClosing("e1");
        e1.close(Duration.ZERO); // kills what is still queued
        checker.schedulerClosing("s");
        s.close();
        checker.schedulerClosed("s");
        checker.entityClosing("e2");
        e2.close(Duration.ZERO);
        d.runUntilIdle(Duration.ofSeconds(10).toNanos());
        assertThat(checker.awaitAllFinished(0)).isTrue();
        checker.endOfRound();
    }

    @Test
    void aCorrectRoundOnARealSchedulerReportsNothing() {
        VirtualDispatcher d = new VirtualDispatcher();
        runRealRound(d, checker.wrap("s", 2, true, new TimedRing(d)), 40);
        assertThat(found).isEmpty();
        assertThat(checker.outstanding()).isZero();
    }

    @Test
    void aBrokenLayerThatFreesTwiceIsReported() {
        VirtualDispatcher d = new VirtualDispatcher();
        Backend<SoakJob> checked = checker.wrap("s", 2, true, new TimedRing(d));
        Backend<SoakJob> doubleFree = new Backend<>() {
            @Override
            public Fence run(JobView<SoakJob> job) {
                return checked.run(job);
            }

            @Override
            public TimeoutVerdict timedOut(JobView<SoakJob> job) {
                return checked.timedOut(job);
            }

            @Override
            public void free(JobView<SoakJob> job) {
                checked.free(job);
                if (job.seqno() == 2) {
                    checked.free(job);
                }
            }
        };
        runRealRound(d, doubleFree, 5);
        assertThat(rules()).contains("every job is freed exactly once");
        assertThat(found).allSatisfy(v -> assertThat(v.job()).contains("#2"));
    }

    @Test
    void aBrokenLayerThatLosesAFreeIsReportedAtTheEndOfTheRound() {
        VirtualDispatcher d = new VirtualDispatcher();
        Backend<SoakJob> checked = checker.wrap("s", 2, true, new TimedRing(d));
        Backend<SoakJob> lostFree = new Backend<>() {
            @Override
            public Fence run(JobView<SoakJob> job) {
                return checked.run(job);
            }

            @Override
            public TimeoutVerdict timedOut(JobView<SoakJob> job) {
                return checked.timedOut(job);
            }

            @Override
            public void free(JobView<SoakJob> job) {
                if (!(job.entityName().equals("e2") && job.seqno() == 3)) {
                    checked.free(job);
                }
            }
        };
        runRealRound(d, lostFree, 5);
        assertThat(rules()).containsExactly("every job is freed exactly once");
        assertThat(found.get(0).job()).contains("e2#3");
    }
}
