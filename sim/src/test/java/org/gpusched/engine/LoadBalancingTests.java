package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gpusched.engine.Harness.MS;
import static org.gpusched.engine.Harness.ms;

import java.time.Duration;
import java.util.List;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SchedulerClosedException;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.SimRing;
import org.junit.jupiter.api.Test;

/** Entities over several schedulers: choice by score, migration only when idle, closed schedulers. */
class LoadBalancingTests {
    final Harness h = new Harness();
    final SimRing ring1 = new SimRing("ring1", h.d);
    final SimRing ring2 = new SimRing("ring2", h.d);
    final SimRing ring3 = new SimRing("ring3", h.d);
    final Scheduler<SimJob> s1 = sched("s1", ring1);
    final Scheduler<SimJob> s2 = sched("s2", ring2);
    final Scheduler<SimJob> s3 = sched("s3", ring3);

    private Scheduler<SimJob> sched(String name, SimRing ring) {
        return Scheduler.builder(ring).name(name).creditLimit(1).dispatcher(h.d).build();
    }

    /** The ring a job ran on. */
    private static String ringOf(SubmittedJob<SimJob> j) {
        return j.payload().hardwareFence().timelineName();
    }

    private void drain(SimRing ring, SubmittedJob<?> last) {
        h.runUntil(() -> {
            ring.advance(1);
            return last.finished().isSignaled();
        });
    }

    @Test
    void scoreCountsAttachedEntitiesAndJobsQueuedOrOnTheHardware() {
        Entity<SimJob> e = s1.newEntity("e", Priority.NORMAL);
        assertThat(s1.score()).isEqualTo(1);
        SubmittedJob<SimJob> a = e.job(SimJob.manual()).submit();
        SubmittedJob<SimJob> b = e.job(ms(1)).submit();
        assertThat(s1.score()).isEqualTo(3);
        h.schedule(a);
        assertThat(s1.score()).isEqualTo(3);
        ring1.advance(1);
        h.finish(b);
        assertThat(s1.score()).isEqualTo(1);
        e.job(SimJob.manual()).submit();
        e.job(ms(1)).submit();
        h.runTo(h.now() + MS);
        assertThat(e.close(Duration.ZERO)).isEqualTo(1);
        ring1.advance(1);
        h.runTo(h.now() + MS);
        assertThat(s1.score()).as("closed entity detached, every job ended").isZero();
    }

    @Test
    void createPicksTheSchedulerWithTheLeastScore() {
        s1.newEntity("x1", Priority.NORMAL);
        s1.newEntity("x2", Priority.NORMAL);
        s2.newEntity("y1", Priority.NORMAL);
        s3.newEntity("z1", Priority.NORMAL).job(SimJob.manual()).submit();
        assertThat(List.of(s1.score(), s2.score(), s3.score())).containsExactly(2L, 1L, 2L);
        Entity<SimJob> e = Entity.create("e", Priority.NORMAL, List.of(s1, s2, s3));
        assertThat(e.scheduler()).isSameAs(s2);
        assertThat(e.schedulers()).containsExactly(s1, s2, s3);
        assertThat(s2.score()).isEqualTo(2);
    }

    @Test
    void theFirstJobOfANewEntityRunsOnTheLeastLoadedScheduler() {
        // s1 carries two other entities, s2 one, s3 one plus a job: s2 is the least loaded,
        // and creating the entity there must not make s1 look as good as s2 at its first job
        s1.newEntity("x1", Priority.NORMAL);
        s1.newEntity("x2", Priority.NORMAL);
        s2.newEntity("y1", Priority.NORMAL);
        s3.newEntity("z1", Priority.NORMAL).job(SimJob.manual()).submit();
        Entity<SimJob> e = Entity.create("e", Priority.NORMAL, List.of(s1, s2, s3));
        SubmittedJob<SimJob> j = e.job(ms(1)).submit();
        h.finish(j);
        assertThat(ringOf(j)).isEqualTo("ring2/hw");
        assertThat(e.scheduler()).isSameAs(s2);
    }

    @Test
    void tiesGoToTheFirstSchedulerInTheList() {
        Entity<SimJob> e = Entity.create("e", Priority.NORMAL, List.of(s3, s1, s2));
        assertThat(e.scheduler()).isSameAs(s3);
    }

    /** e over s1 and s2 bound to s1 with one manual job running; s1 then loaded with f's jobs. */
    private Entity<SimJob> boundToS1WithWork(List<SubmittedJob<SimJob>> first) {
        Entity<SimJob> e = Entity.create("e", Priority.NORMAL, List.of(s1, s2));
        s2.newEntity("f2", Priority.NORMAL); // equal scores: e stays on the first
        first.add(e.job(SimJob.manual()).submit());
        assertThat(e.scheduler()).isSameAs(s1);
        Entity<SimJob> f1 = s1.newEntity("f1", Priority.NORMAL);
        for (int i = 0; i < 3; i++) {
            f1.job(SimJob.manual()).submit();
        }
        assertThat(s1.score()).isGreaterThan(s2.score() + 3);
        return e;
    }

    @Test
    void anEntityWhoseLastJobIsStillRunningDoesNotMove() {
        List<SubmittedJob<SimJob>> first = new java.util.ArrayList<>();
        Entity<SimJob> e = boundToS1WithWork(first);
        h.schedule(first.get(0));
        assertThat(e.queueDepth()).isZero();
        SubmittedJob<SimJob> second = e.job(SimJob.manual()).submit();
        assertThat(e.scheduler()).isSameAs(s1);
        drain(ring1, second);
        assertThat(ringOf(second)).isEqualTo("ring1/hw");
    }

    @Test
    void anEntityWithQueuedWorkDoesNotMove() {
        Entity<SimJob> e = Entity.create("e", Priority.NORMAL, List.of(s1, s2));
        s2.newEntity("f2", Priority.NORMAL);
        FenceSource gate = h.driverFence();
        SubmittedJob<SimJob> first = e.job(ms(1)).dependsOn(gate.fence()).submit();
        Entity<SimJob> f1 = s1.newEntity("f1", Priority.NORMAL);
        for (int i = 0; i < 3; i++) {
            f1.job(ms(1)).submit();
        }
        h.runTo(5 * MS);
        assertThat(e.queueDepth()).isEqualTo(1);
        SubmittedJob<SimJob> second = e.job(ms(1)).submit();
        assertThat(e.scheduler()).isSameAs(s1);
        gate.signal();
        h.finish(second);
        assertThat(ringOf(first)).isEqualTo("ring1/hw");
        assertThat(ringOf(second)).isEqualTo("ring1/hw");
    }

    @Test
    void anIdleEntityMovesToTheLeastLoadedSchedulerAtItsNextSubmission() {
        List<SubmittedJob<SimJob>> first = new java.util.ArrayList<>();
        Entity<SimJob> e = boundToS1WithWork(first);
        SubmittedJob<SimJob> second = e.job(SimJob.manual()).submit(); // not idle: stays
        // keep s1 loaded after e's jobs are done
        Entity<SimJob> f3 = s1.newEntity("f3", Priority.NORMAL);
        f3.job(SimJob.manual()).dependsOn(h.driverFence().fence()).submit();
        drain(ring1, second);
        assertThat(ringOf(second)).isEqualTo("ring1/hw");
        assertThat(s1.score()).isGreaterThan(s2.score());
        SubmittedJob<SimJob> third = e.job(ms(1)).submit();
        assertThat(e.scheduler()).isSameAs(s2);
        h.finish(third);
        assertThat(ringOf(third)).isEqualTo("ring2/hw");
        // the seqnos continue on the entity's own timeline across rings
        assertThat(third.seqno()).isEqualTo(3);
        assertThat(third.finished().timelineName()).isEqualTo("e");
    }

    @Test
    void setSchedulersTakesEffectAtTheNextIdleSubmission() {
        Entity<SimJob> e = s1.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> a = e.job(SimJob.manual()).submit();
        h.schedule(a);
        e.setSchedulers(List.of(s2));
        assertThat(e.schedulers()).containsExactly(s2);
        SubmittedJob<SimJob> b = e.job(ms(1)).submit();
        assertThat(e.scheduler()).as("busy: stays").isSameAs(s1);
        ring1.advance(1);
        h.finish(b);
        SubmittedJob<SimJob> c = e.job(ms(1)).submit();
        assertThat(e.scheduler()).isSameAs(s2);
        h.finish(c);
        assertThat(List.of(ringOf(a), ringOf(b), ringOf(c))).containsExactly("ring1/hw", "ring1/hw", "ring2/hw");
        assertThat(s1.score()).as("e detached from s1").isZero();
    }

    @Test
    void closedSchedulersAreSkipped() {
        s2.newEntity("y1", Priority.NORMAL);
        s2.newEntity("y2", Priority.NORMAL);
        s1.close();
        Entity<SimJob> e = Entity.create("e", Priority.NORMAL, List.of(s1, s2));
        assertThat(e.scheduler()).isSameAs(s2);
        SubmittedJob<SimJob> j = e.job(ms(1)).submit();
        h.finish(j);
        assertThat(ringOf(j)).isEqualTo("ring2/hw");
    }

    @Test
    void anIdleEntityLeavesASchedulerThatClosed() {
        Entity<SimJob> e = Entity.create("e", Priority.NORMAL, List.of(s1, s2));
        s2.newEntity("y1", Priority.NORMAL);
        s2.newEntity("y2", Priority.NORMAL);
        SubmittedJob<SimJob> running = e.job(SimJob.manual()).submit();
        SubmittedJob<SimJob> queued = e.job(SimJob.manual()).submit();
        h.schedule(running);
        assertThat(e.scheduler()).isSameAs(s1);
        s1.close();
        assertThat(running.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(queued.finished().error()).isEqualTo(FenceError.KILLED);
        SubmittedJob<SimJob> next = e.job(ms(1)).submit();
        assertThat(e.scheduler()).isSameAs(s2);
        h.finish(next);
        assertThat(next.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(ringOf(next)).isEqualTo("ring2/hw");
    }

    @Test
    void whenEverySchedulerIsClosedCreateAndSubmitThrowSchedulerClosedException() {
        Entity<SimJob> e = Entity.create("e", Priority.NORMAL, List.of(s1, s2));
        s1.close();
        s2.close();
        assertThatThrownBy(() -> Entity.create("late", Priority.NORMAL, List.of(s1, s2)))
                .isInstanceOf(SchedulerClosedException.class).hasMessageContaining("s1").hasMessageContaining("s2");
        assertThatThrownBy(() -> e.job(ms(1)).submit())
                .isInstanceOf(SchedulerClosedException.class).hasMessageContaining("s1").hasMessageContaining("s2");
    }

    @Test
    void aBusyEntityOnAClosingSchedulerGetsSchedulerClosedException() {
        Entity<SimJob> e = Entity.create("e", Priority.NORMAL, List.of(s1, s2));
        Entity<SimJob> y1 = s2.newEntity("y1", Priority.NORMAL); // keeps e on s1 at its first job
        FenceSource never = h.driverFence();
        SubmittedJob<SimJob> stuck = e.job(ms(1)).dependsOn(never.fence()).submit();
        s1.close();
        // killed, but its finished fence waits for its dependency: the entity is not idle
        assertThat(stuck.finished().isSignaled()).isFalse();
        assertThatThrownBy(() -> e.job(ms(1)).submit())
                .isInstanceOf(SchedulerClosedException.class).hasMessageContaining("s1").hasMessageContaining("e");
        assertThat(stuck.payload().hardwareFence()).as("never ran").isNull();
        never.signal();
        h.finish(stuck);
        assertThat(stuck.finished().error()).isEqualTo(FenceError.KILLED);
        y1.close(Duration.ZERO);
        SubmittedJob<SimJob> later = e.job(ms(1)).submit();
        h.finish(later);
        assertThat(ringOf(later)).isEqualTo("ring2/hw");
    }

    @Test
    void aSchedulerWhoseDeviceIsGoneIsUsedOnlyAsALastResort() {
        Scheduler<SimJob> dead = Scheduler.builder(ring3).name("dead").creditLimit(1).dispatcher(h.d)
                .timeout(Duration.ofMillis(1)).build();
        SubmittedJob<SimJob> hung = dead.newEntity("h", Priority.NORMAL).job(SimJob.manual()).submit();
        h.schedule(hung);
        ring3.loseDevice();
        h.finish(hung);
        assertThat(dead.isDeviceGone()).isTrue();
        s2.newEntity("y1", Priority.NORMAL);
        s2.newEntity("y2", Priority.NORMAL);
        Entity<SimJob> e = Entity.create("e", Priority.NORMAL, List.of(dead, s2));
        assertThat(e.scheduler()).isSameAs(s2);
        s2.close();
        SubmittedJob<SimJob> j = e.job(ms(1)).submit();
        assertThat(e.scheduler()).isSameAs(dead);
        h.finish(j);
        assertThat(j.finished().error()).isEqualTo(FenceError.DEVICE_GONE);
        assertThat(j.payload().runCount()).isZero();
        assertThat(j.payload().freeCount()).isEqualTo(1);
    }
}
