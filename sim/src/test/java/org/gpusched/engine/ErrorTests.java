package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.engine.Harness.MS;
import static org.gpusched.engine.Harness.ms;

import java.time.Duration;
import java.util.List;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Backend;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobEvent;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SchedulerObserver;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sched.TimeoutVerdict;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.Test;

/** How failures end jobs: hardware errors, and backends that throw or return garbage. */
class ErrorTests {
    final Harness h = new Harness();
    final FaultyRing faulty = new FaultyRing(h.ring);
    final RecordingBackend<SimJob> rec = new RecordingBackend<>(faulty, h.d.clock());

    Scheduler<SimJob> sched(int credits, Duration timeout) {
        return Scheduler.builder(rec).name("gpu").creditLimit(credits).timeout(timeout).dispatcher(h.d)
                .observer(h.log).build();
    }

    /** Two other entities keep submitting around the failing job; all their jobs must succeed. */
    private List<SubmittedJob<SimJob>> bystanders(Scheduler<SimJob> s) {
        Entity<SimJob> a = s.newEntity("a", Priority.NORMAL);
        Entity<SimJob> b = s.newEntity("b", Priority.HIGH);
        return List.of(a.job(ms(1)).submit(), b.job(ms(1)).submit(), a.job(ms(2)).submit(), b.job(ms(1)).submit());
    }

    private void assertServed(List<SubmittedJob<SimJob>> jobs) {
        for (SubmittedJob<SimJob> j : jobs) {
            h.finish(j);
            assertThat(j.finished().error()).as("bystander %s", j.finished()).isEqualTo(FenceError.NONE);
            assertThat(j.payload().runCount()).isEqualTo(1);
        }
        h.runTo(h.now() + MS);
        for (SubmittedJob<SimJob> j : jobs) {
            assertThat(j.payload().freeCount()).isEqualTo(1);
        }
    }

    @Test
    void aHardwareFenceErrorBecomesTheFinishedFencesError() {
        Scheduler<SimJob> s = sched(1, null);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> j = e.job(ms(3).failWith(FenceError.of(-71))).submit();
        h.finish(j);
        assertThat(j.finished().error()).isEqualTo(FenceError.of(-71));
        assertThat(j.finished().error().name()).isEqualTo("EPROTO");
        assertThat(j.finished().timestampNanos()).isEqualTo(3 * MS);
        assertThat(j.scheduled().error()).isEqualTo(FenceError.NONE);
        assertThat(e.error()).isEqualTo(FenceError.of(-71));
        assertThat(j.payload().freeCount()).isEqualTo(1);
    }

    @Test
    void aJobAfterAFailedOneOfTheSameEntityRunsNormally() {
        Scheduler<SimJob> s = sched(1, null);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> bad = e.job(ms(1).failWith(FenceError.of(-71))).submit();
        SubmittedJob<SimJob> good = e.job(ms(1)).submit();
        h.finish(bad);
        assertThat(e.error()).isEqualTo(FenceError.of(-71));
        h.finish(good);
        assertThat(good.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(e.error()).as("error of the most recently finished job").isEqualTo(FenceError.NONE);
    }

    @Test
    void entityErrorIsNoneBeforeAnyJobFinished() {
        Entity<SimJob> e = sched(1, null).newEntity("e", Priority.NORMAL);
        assertThat(e.error()).isEqualTo(FenceError.NONE);
        e.job(SimJob.manual()).submit();
        h.runTo(MS);
        assertThat(e.error()).isEqualTo(FenceError.NONE);
    }

    @Test
    void runThrowingFailsOnlyThatJobAndIsReported() {
        Scheduler<SimJob> s = sched(1, null);
        SimJob p = ms(1);
        faulty.runThrows.add(p);
        List<SubmittedJob<SimJob>> others = bystanders(s);
        SubmittedJob<SimJob> j = s.newEntity("bad", Priority.NORMAL).job(p).submit();
        assertServed(others);
        h.finish(j);
        assertThat(j.finished().error()).isEqualTo(FenceError.BACKEND_FAILED);
        assertThat(j.scheduled().isSignaled()).isTrue();
        assertThat(rec.jobs("free")).containsOnlyOnce("bad#1");
        assertThat(h.log.failures()).singleElement().satisfies(f -> {
            assertThat(f.scheduler()).isEqualTo("gpu");
            assertThat(f.callback()).isEqualTo("run");
            assertThat(f.job()).isEqualTo("bad#1");
            assertThat(f.failure()).hasMessage("injected run failure");
        });
    }

    @Test
    void runReturningNullFailsTheJobAndIsReported() {
        Scheduler<SimJob> s = sched(1, null);
        SimJob p = ms(1);
        faulty.runReturnsNull.add(p);
        List<SubmittedJob<SimJob>> others = bystanders(s);
        SubmittedJob<SimJob> j = s.newEntity("bad", Priority.NORMAL).job(p).submit();
        assertServed(others);
        h.finish(j);
        assertThat(j.finished().error()).isEqualTo(FenceError.BACKEND_FAILED);
        assertThat(rec.jobs("free")).containsOnlyOnce("bad#1");
        assertThat(h.log.failures()).singleElement().satisfies(f -> {
            assertThat(f.callback()).isEqualTo("run");
            assertThat(f.job()).isEqualTo("bad#1");
            assertThat(f.failure()).isInstanceOf(IllegalStateException.class).hasMessageContaining("null");
        });
    }

    @Test
    void prepareThrowingFailsTheJobWithoutRunningIt() {
        Scheduler<SimJob> s = sched(1, null);
        SimJob p = ms(1);
        faulty.prepareThrows.add(p);
        List<SubmittedJob<SimJob>> others = bystanders(s);
        SubmittedJob<SimJob> j = s.newEntity("bad", Priority.NORMAL).job(p).submit();
        assertServed(others);
        h.finish(j);
        assertThat(j.finished().error()).isEqualTo(FenceError.BACKEND_FAILED);
        assertThat(rec.jobs("run")).doesNotContain("bad#1");
        assertThat(p.runCount()).isZero();
        assertThat(p.freeCount()).isEqualTo(1);
        assertThat(h.log.failures()).singleElement().satisfies(f -> {
            assertThat(f.callback()).isEqualTo("prepare");
            assertThat(f.job()).isEqualTo("bad#1");
        });
    }

    @Test
    void freeThrowingBreaksNothing() {
        Scheduler<SimJob> s = sched(1, null);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SimJob p = ms(1);
        faulty.freeThrows.add(p);
        SubmittedJob<SimJob> j = e.job(p).submit();
        SubmittedJob<SimJob> next = e.job(ms(1)).submit();
        List<SubmittedJob<SimJob>> others = bystanders(s);
        assertServed(others);
        h.finish(next);
        assertThat(j.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(next.finished().error()).isEqualTo(FenceError.NONE);
        h.runTo(h.now() + MS);
        assertThat(p.freeCount()).isEqualTo(1);
        assertThat(next.payload().freeCount()).isEqualTo(1);
        assertThat(h.log.failures()).singleElement().satisfies(f -> {
            assertThat(f.callback()).isEqualTo("free");
            assertThat(f.job()).isEqualTo("e#1");
        });
    }

    @Test
    void timedOutThrowingCountsAsReset() {
        Scheduler<SimJob> s = sched(1, Duration.ofMillis(10));
        SimJob p = SimJob.manual();
        faulty.timedOutThrows.add(p);
        SubmittedJob<SimJob> j = s.newEntity("bad", Priority.NORMAL).job(p).submit();
        h.finish(j);
        assertThat(j.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(j.finished().timestampNanos()).isEqualTo(10 * MS);
        assertThat(p.freeCount()).isEqualTo(1);
        assertThat(rec.count("timedOut")).isEqualTo(1);
        assertThat(h.log.failures()).singleElement().satisfies(f -> assertThat(f.callback()).isEqualTo("timedOut"));
        assertThat(h.log.times(JobEvent.TIMED_OUT, "bad#1")).containsExactly(10 * MS);
    }

    @Test
    void timedOutReturningNullCountsAsReset() {
        Scheduler<SimJob> s = sched(1, Duration.ofMillis(10));
        SimJob p = SimJob.manual();
        faulty.timedOutReturnsNull.add(p);
        SubmittedJob<SimJob> j = s.newEntity("bad", Priority.NORMAL).job(p).submit();
        SubmittedJob<SimJob> next = s.newEntity("next", Priority.NORMAL).job(ms(1)).submit();
        h.schedule(next);
        assertThat(j.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(next.scheduled().timestampNanos()).isEqualTo(10 * MS);
        assertThat(h.log.failures()).singleElement().satisfies(f -> {
            assertThat(f.callback()).isEqualTo("timedOut");
            assertThat(f.failure()).hasMessageContaining("null");
        });
    }

    @Test
    void cancelThrowingDuringCloseStillEndsAndFreesTheJob() {
        Scheduler<SimJob> s = sched(2, null);
        SimJob p = SimJob.manual();
        faulty.cancelThrows.add(p);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> j = e.job(p).submit();
        SubmittedJob<SimJob> other = e.job(SimJob.manual()).submit();
        h.schedule(other);
        s.close();
        assertThat(j.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(other.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(p.freeCount()).isEqualTo(1);
        assertThat(other.payload().freeCount()).isEqualTo(1);
        assertThat(h.log.failures()).singleElement().satisfies(f -> assertThat(f.callback()).isEqualTo("cancel"));
    }

    @Test
    void anObserverThatThrowsDoesNotBreakScheduling() {
        Scheduler<SimJob> s = Scheduler.builder(rec).name("gpu").dispatcher(h.d)
                .observer(new SchedulerObserver() {
                    @Override
                    public void onJobEvent(JobEvent event, JobView<?> job, long timeNanos) {
                        throw new IllegalStateException("observer bug");
                    }
                }).build();
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> a = e.job(ms(1)).submit();
        SubmittedJob<SimJob> b = e.job(ms(1)).submit();
        h.finish(b);
        assertThat(a.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(b.finished().timestampNanos()).isEqualTo(2 * MS);
    }

    @Test
    void aJobThatCompletedAtOnceFinishesWhenItRan() {
        Scheduler<SimJob> s = Scheduler.builder(new Backend<SimJob>() {
            @Override
            public Fence run(JobView<SimJob> job) {
                return Fence.signaled();
            }

            @Override
            public TimeoutVerdict timedOut(JobView<SimJob> job) {
                return TimeoutVerdict.RESET;
            }
        }).name("gpu").dispatcher(h.d).build();
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        h.runTo(3 * MS);
        SubmittedJob<SimJob> j = e.job(null).submit();
        h.finish(j);
        assertThat(j.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(j.finished().timestampNanos()).isEqualTo(3 * MS);
        assertThat(j.scheduled().timestampNanos()).isEqualTo(3 * MS);
    }
}
