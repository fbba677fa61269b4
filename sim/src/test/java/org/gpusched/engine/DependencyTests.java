package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.engine.Harness.MS;
import static org.gpusched.engine.Harness.ms;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.sched.Backend;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sched.TimeoutVerdict;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.SimRing;
import org.junit.jupiter.api.Test;

/** Dependencies: dedup, own-entity fences, pipelining, prepare fences, driver fences, errors. */
class DependencyTests {
    final Harness h = new Harness();

    @Test
    void ofTwoFencesOfOneTimelineOnlyTheLaterIsKeptWhicheverIsAddedFirst() {
        Scheduler<SimJob> s = h.sched(4);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        FenceSource early = h.driverFence();
        FenceSource late = h.driverFence();
        SubmittedJob<SimJob> a = e.job(ms(1)).dependsOn(early.fence()).dependsOn(late.fence()).submit();
        Entity<SimJob> e2 = s.newEntity("e2", Priority.NORMAL);
        SubmittedJob<SimJob> b = e2.job(ms(1)).dependsOn(late.fence()).dependsOn(early.fence()).submit();
        h.at(2 * MS, late::signal); // the driver breaks its own order: only the kept fence matters
        h.runUntil(() -> a.scheduled().isSignaled() && b.scheduled().isSignaled());
        assertThat(a.scheduled().timestampNanos()).isEqualTo(2 * MS);
        assertThat(b.scheduled().timestampNanos()).isEqualTo(2 * MS);
        assertThat(early.isSignaled()).isFalse();
    }

    @Test
    void theEarlierFenceOfATimelineIsDroppedSoSignallingItAloneDoesNotReleaseTheJob() {
        Scheduler<SimJob> s = h.sched(4);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        FenceSource early = h.driverFence();
        FenceSource late = h.driverFence();
        SubmittedJob<SimJob> a = e.job(ms(1)).dependsOn(late.fence()).dependsOn(early.fence()).submit();
        h.at(1 * MS, early::signal);
        h.at(5 * MS, late::signal);
        h.schedule(a);
        assertThat(a.scheduled().timestampNanos()).isEqualTo(5 * MS);
    }

    @Test
    void fencesOfDifferentTimelinesAreAllWaitedFor() {
        Scheduler<SimJob> s = h.sched(4);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        FenceSource x = h.driverFence();
        FenceSource y = org.gpusched.fence.Timeline.create("other", h.d.clock()).newFence();
        SubmittedJob<SimJob> a = e.job(ms(1)).dependsOn(x.fence()).dependsOn(y.fence()).submit();
        h.at(1 * MS, y::signal);
        h.at(3 * MS, x::signal);
        h.schedule(a);
        assertThat(a.scheduled().timestampNanos()).isEqualTo(3 * MS);
    }

    @Test
    void aDependencyOnTheSameEntitysFencesCostsNoWait() {
        // pipelining off: only the own-entity rule can let the second job start early
        Scheduler<SimJob> s = h.builder().creditLimit(4).pipelining(false).build();
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> a = e.job(SimJob.manual()).submit();
        SubmittedJob<SimJob> b = e.job(ms(1)).dependsOn(a.finished()).dependsOn(a.scheduled()).submit();
        h.schedule(b);
        assertThat(b.scheduled().timestampNanos()).isZero();
        assertThat(a.finished().isSignaled()).isFalse();
        assertThat(h.backend.jobs("run")).containsExactly("e#1", "e#2");
    }

    @Test
    void aConsumerOnTheSameSchedulerRunsAsSoonAsItsProducerIsOnTheRing() {
        Scheduler<SimJob> s = h.sched(4);
        Entity<SimJob> producer = s.newEntity("p", Priority.NORMAL);
        Entity<SimJob> consumer = s.newEntity("c", Priority.NORMAL);
        FenceSource gate = h.driverFence();
        SubmittedJob<SimJob> p = producer.job(ms(5)).dependsOn(gate.fence()).submit();
        SubmittedJob<SimJob> c = consumer.job(ms(1)).dependsOn(p.finished()).submit();
        h.at(3 * MS, gate::signal);
        h.schedule(c);
        assertThat(p.scheduled().timestampNanos()).isEqualTo(3 * MS);
        assertThat(c.scheduled().timestampNanos()).isEqualTo(3 * MS);
        assertThat(p.finished().isSignaled()).isFalse();
        h.finish(c);
        // the ring is in order: the consumer still executes after the producer
        assertThat(p.payload().hwEndNanos()).isEqualTo(8 * MS);
        assertThat(c.payload().hwStartNanos()).isEqualTo(8 * MS);
        assertThat(c.finished().timestampNanos()).isEqualTo(9 * MS);
    }

    @Test
    void aConsumerOnAnotherSchedulerWaitsForTheProducerToFinish() {
        Scheduler<SimJob> s1 = h.sched(4);
        SimRing ring2 = new SimRing("ring2", h.d);
        Scheduler<SimJob> s2 = Scheduler.builder(ring2).name("gpu2").creditLimit(4).dispatcher(h.d).build();
        SubmittedJob<SimJob> p = s1.newEntity("p", Priority.NORMAL).job(ms(5)).submit();
        SubmittedJob<SimJob> c = s2.newEntity("c", Priority.NORMAL).job(ms(1)).dependsOn(p.finished()).submit();
        h.finish(c);
        assertThat(p.finished().timestampNanos()).isEqualTo(5 * MS);
        assertThat(c.scheduled().timestampNanos()).isEqualTo(5 * MS);
        assertThat(c.finished().timestampNanos()).isEqualTo(6 * MS);
    }

    @Test
    void withPipeliningOffAConsumerOnTheSameSchedulerWaitsForTheProducerToFinish() {
        Scheduler<SimJob> s = h.builder().creditLimit(4).pipelining(false).build();
        SubmittedJob<SimJob> p = s.newEntity("p", Priority.NORMAL).job(ms(5)).submit();
        SubmittedJob<SimJob> c = s.newEntity("c", Priority.NORMAL).job(ms(1)).dependsOn(p.finished()).submit();
        h.finish(c);
        assertThat(c.scheduled().timestampNanos()).isEqualTo(5 * MS);
        assertThat(c.finished().timestampNanos()).isEqualTo(6 * MS);
    }

    /** A SimRing whose prepare hands out the fences a test queued for each job. */
    static final class PreparingRing implements Backend<SimJob> {
        final SimRing ring;
        final Map<SimJob, ArrayDeque<Fence>> fences = new HashMap<>();

        PreparingRing(SimRing ring) {
            this.ring = ring;
        }

        void add(SimJob job, Fence... fs) {
            fences.computeIfAbsent(job, k -> new ArrayDeque<>()).addAll(List.of(fs));
        }

        @Override
        public Fence prepare(JobView<SimJob> job) {
            ArrayDeque<Fence> q = fences.get(job.payload());
            return q == null ? null : q.poll();
        }

        @Override
        public Fence run(JobView<SimJob> job) {
            return ring.run(job);
        }

        @Override
        public TimeoutVerdict timedOut(JobView<SimJob> job) {
            return ring.timedOut(job);
        }
    }

    @Test
    void prepareIsAskedUntilItReturnsNullAndAgainAfterEachFenceSignals() {
        PreparingRing pr = new PreparingRing(h.ring);
        RecordingBackend<SimJob> rec = new RecordingBackend<>(pr, h.d.clock());
        Scheduler<SimJob> s = Scheduler.builder(rec).name("gpu").creditLimit(4).dispatcher(h.d).build();
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        FenceSource f1 = h.driverFence();
        FenceSource f2 = h.driverFence();
        FenceSource done = h.driverFence();
        done.signal();
        SimJob payload = ms(1);
        pr.add(payload, f1.fence(), done.fence(), f2.fence());
        SubmittedJob<SimJob> j = e.job(payload).submit();
        h.at(2 * MS, f1::signal);
        h.at(5 * MS, f2::signal);
        h.finish(j);
        // t=0: f1 (waits); t=2: already-signalled fence, then f2 (waits); t=5: null
        assertThat(rec.times("prepare")).containsExactly(0L, 2 * MS, 2 * MS, 5 * MS);
        assertThat(rec.times("run")).containsExactly(5 * MS);
        assertThat(j.scheduled().timestampNanos()).isEqualTo(5 * MS);
    }

    @Test
    void prepareIsAskedOnlyAfterTheExplicitDependenciesAndWhenCreditsAreFree() {
        PreparingRing pr = new PreparingRing(h.ring);
        RecordingBackend<SimJob> rec = new RecordingBackend<>(pr, h.d.clock());
        Scheduler<SimJob> s = Scheduler.builder(rec).name("gpu").creditLimit(1).dispatcher(h.d).build();
        SubmittedJob<SimJob> blocker = s.newEntity("b", Priority.NORMAL).job(ms(4)).submit();
        FenceSource dep = h.driverFence();
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(ms(1)).dependsOn(dep.fence()).submit();
        h.at(2 * MS, dep::signal);
        h.finish(j);
        assertThat(rec.jobs("prepare")).containsExactly("b#1", "e#1");
        assertThat(rec.times("prepare")).containsExactly(0L, 4 * MS);
        assertThat(blocker.finished().timestampNanos()).isEqualTo(4 * MS);
        assertThat(j.scheduled().timestampNanos()).isEqualTo(4 * MS);
    }

    @Test
    void aPrepareFenceOfTheSameEntityIsSatisfiedByOrder() {
        PreparingRing pr = new PreparingRing(h.ring);
        Scheduler<SimJob> s = Scheduler.builder(pr).name("gpu").creditLimit(4).dispatcher(h.d).build();
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> a = e.job(SimJob.manual()).submit();
        SimJob second = ms(1);
        pr.add(second, a.finished());
        SubmittedJob<SimJob> b = e.job(second).submit();
        h.schedule(b);
        assertThat(b.scheduled().timestampNanos()).isZero();
        assertThat(a.finished().isSignaled()).isFalse();
    }

    @Test
    void aDependencyOnADriverFenceHoldsTheJobUntilItSignals() {
        Scheduler<SimJob> s = h.sched(4);
        FenceSource f = h.driverFence();
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(ms(2)).dependsOn(f.fence()).submit();
        h.runTo(7 * MS);
        assertThat(j.scheduled().isSignaled()).isFalse();
        assertThat(h.backend.count("run")).isZero();
        h.at(7 * MS + 1, f::signal);
        h.finish(j);
        assertThat(j.scheduled().timestampNanos()).isEqualTo(7 * MS + 1);
        assertThat(j.finished().timestampNanos()).isEqualTo(9 * MS + 1);
    }

    @Test
    void onlyTheHeadJobWaitsAndLaterJobsOfTheEntityFollowInOrder() {
        Scheduler<SimJob> s = h.sched(4);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        FenceSource f = h.driverFence();
        SubmittedJob<SimJob> a = e.job(ms(1)).dependsOn(f.fence()).submit();
        SubmittedJob<SimJob> b = e.job(ms(1)).submit(); // no dependency of its own, but behind a
        h.at(3 * MS, f::signal);
        h.finish(b);
        assertThat(a.scheduled().timestampNanos()).isEqualTo(3 * MS);
        assertThat(b.scheduled().timestampNanos()).isEqualTo(3 * MS);
        assertThat(h.backend.jobs("run")).containsExactly("e#1", "e#2");
    }

    @Test
    void aDependencyThatSignalledWithAnErrorDoesNotFailTheDependentJob() {
        Scheduler<SimJob> s = h.sched(4);
        FenceSource f = h.driverFence();
        SubmittedJob<SimJob> failing = s.newEntity("p", Priority.NORMAL)
                .job(ms(2).failWith(FenceError.of(-71))).submit();
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(ms(1))
                .dependsOn(f.fence()).dependsOn(failing.finished()).submit();
        h.at(1 * MS, () -> f.signal(FenceError.of(-22)));
        h.finish(j);
        assertThat(failing.finished().error()).isEqualTo(FenceError.of(-71));
        assertThat(j.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(j.payload().runCount()).isEqualTo(1);
    }

    @Test
    void aDependencyOnAFailedJobOfAnotherSchedulerStillLetsTheJobRun() {
        Scheduler<SimJob> s1 = h.sched(4);
        SimRing ring2 = new SimRing("ring2", h.d);
        Scheduler<SimJob> s2 = Scheduler.builder(ring2).name("gpu2").creditLimit(4).dispatcher(h.d).build();
        SubmittedJob<SimJob> p = s1.newEntity("p", Priority.NORMAL).job(ms(3).failWith(FenceError.of(-5))).submit();
        SubmittedJob<SimJob> c = s2.newEntity("c", Priority.NORMAL).job(ms(1)).dependsOn(p.finished()).submit();
        h.finish(c);
        assertThat(p.finished().error()).isEqualTo(FenceError.of(-5));
        assertThat(c.scheduled().timestampNanos()).isEqualTo(3 * MS);
        assertThat(c.finished().error()).isEqualTo(FenceError.NONE);
    }

    @Test
    void aChainAcrossEntitiesOfOneSchedulerPipelinesEveryLink() {
        Scheduler<SimJob> s = h.sched(8);
        List<Entity<SimJob>> es = List.of(s.newEntity("a", Priority.NORMAL), s.newEntity("b", Priority.NORMAL));
        List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
        SubmittedJob<SimJob> prev = null;
        for (int i = 0; i < 6; i++) {
            var b = es.get(i % 2).job(ms(1));
            if (prev != null) {
                b.dependsOn(prev.finished());
            }
            prev = b.submit();
            jobs.add(prev);
        }
        h.finish(prev);
        for (int i = 0; i < 6; i++) {
            assertThat(jobs.get(i).scheduled().timestampNanos()).as("job %d on the ring at once", i).isZero();
            assertThat(jobs.get(i).finished().timestampNanos()).isEqualTo((i + 1) * MS);
        }
    }
}
