package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gpusched.engine.Harness.MS;
import static org.gpusched.engine.Harness.US;
import static org.gpusched.engine.Harness.ms;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Backend;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sched.TimeoutVerdict;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.Test;

/** Recovery: stop, forEachPending, start(NONE / error), and all of it from inside timedOut. */
class RecoveryTests {
    final Harness h = new Harness();

    @Test
    void stopHoldsNewJobsAndCompletionsUntilStart() {
        Scheduler<SimJob> s = h.sched(2);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> a = e.job(ms(2)).submit();
        h.schedule(a);
        s.stop();
        assertThat(s.isStopped()).isTrue();
        SubmittedJob<SimJob> b = s.newEntity("f", Priority.NORMAL).job(ms(1)).submit();
        h.runTo(5 * MS);
        assertThat(a.payload().isDone()).as("the hardware finished it").isTrue();
        assertThat(a.finished().isSignaled()).as("but the scheduler did not look").isFalse();
        assertThat(b.scheduled().isSignaled()).isFalse();
        assertThat(h.backend.jobs("run")).containsExactly("e#1");
        s.start(FenceError.NONE);
        assertThat(s.isStopped()).isFalse();
        h.finish(b);
        assertThat(a.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(a.finished().timestampNanos()).isEqualTo(5 * MS);
        assertThat(b.scheduled().timestampNanos()).isEqualTo(5 * MS);
        assertThat(b.finished().timestampNanos()).isEqualTo(6 * MS);
    }

    @Test
    void stopAndStartAreIdempotent() {
        Scheduler<SimJob> s = h.sched(1);
        s.start(FenceError.of(-5)); // not stopped: nothing happens
        SubmittedJob<SimJob> a = s.newEntity("e", Priority.NORMAL).job(SimJob.manual()).submit();
        h.schedule(a);
        s.start(FenceError.of(-5));
        h.runTo(MS);
        assertThat(a.finished().isSignaled()).isFalse();
        s.stop();
        s.stop();
        assertThat(s.isStopped()).isTrue();
        s.start(FenceError.NONE);
        s.start(FenceError.of(-5));
        h.ring.advance(1);
        h.finish(a);
        assertThat(a.finished().error()).isEqualTo(FenceError.NONE);
    }

    @Test
    void forEachPendingThrowsUnlessStopped() {
        Scheduler<SimJob> s = h.sched(1);
        assertThatThrownBy(() -> s.forEachPending(v -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("gpu").hasMessageContaining("stop");
        s.stop();
        s.forEachPending(v -> { });
        s.start(FenceError.NONE);
        assertThatThrownBy(() -> s.forEachPending(v -> { })).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void forEachPendingListsTheJobsOnTheHardwareOldestFirst() {
        Scheduler<SimJob> s = h.sched(3);
        Entity<SimJob> a = s.newEntity("a", Priority.NORMAL);
        Entity<SimJob> b = s.newEntity("b", Priority.NORMAL);
        SubmittedJob<SimJob> first = a.job(SimJob.manual()).submit();
        h.at(1 * US, () -> b.job(SimJob.manual()).submit());
        h.at(2 * US, () -> a.job(SimJob.manual()).submit());
        h.at(3 * US, () -> a.job(SimJob.manual()).submit()); // over the limit: queued, not pending
        h.runTo(1 * MS);
        s.stop();
        List<String> pending = new ArrayList<>();
        List<Fence> hw = new ArrayList<>();
        s.forEachPending(v -> {
            pending.add(Harness.label(v));
            hw.add(v.hardwareFence());
        });
        assertThat(pending).containsExactly("a#1", "b#1", "a#2");
        assertThat(hw).doesNotContainNull();
        assertThat(hw.get(0)).isSameAs(first.payload().hardwareFence());
    }

    @Test
    void startWithNoneKeepsUnsignalledJobsAndCompletesSignalledOnes() {
        Scheduler<SimJob> s = h.builder().creditLimit(3).timeout(Duration.ofMillis(10)).build();
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> a = e.job(SimJob.manual().failWith(FenceError.of(-71))).submit();
        SubmittedJob<SimJob> b = e.job(SimJob.manual()).submit();
        h.schedule(b);
        h.runTo(1 * MS);
        s.stop();
        h.runTo(2 * MS);
        h.ring.advance(1);
        h.runTo(3 * MS);
        assertThat(a.finished().isSignaled()).isFalse();
        s.start(FenceError.NONE);
        h.finish(a);
        assertThat(a.finished().error()).isEqualTo(FenceError.of(-71));
        assertThat(a.finished().timestampNanos()).isEqualTo(3 * MS);
        // b stays on the hardware and is watched again from the restart
        h.finish(b);
        assertThat(b.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(b.finished().timestampNanos()).isEqualTo(13 * MS);
    }

    @Test
    void startWithNoneLetsAKeptJobCompleteNormally() {
        Scheduler<SimJob> s = h.sched(2);
        SubmittedJob<SimJob> a = s.newEntity("e", Priority.NORMAL).job(SimJob.manual()).submit();
        h.schedule(a);
        s.stop();
        s.start(FenceError.NONE);
        h.at(4 * MS, () -> h.ring.advance(1));
        h.finish(a);
        assertThat(a.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(a.finished().timestampNanos()).isEqualTo(4 * MS);
        assertThat(a.payload().freeCount()).isEqualTo(1);
    }

    @Test
    void startWithAnErrorEndsTheUnsignalledJobsWithIt() {
        Scheduler<SimJob> s = h.sched(3);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> a = e.job(SimJob.manual()).submit();
        SubmittedJob<SimJob> b = e.job(SimJob.manual()).submit();
        SubmittedJob<SimJob> c = e.job(SimJob.manual()).submit();
        SubmittedJob<SimJob> queued = e.job(SimJob.manual()).submit();
        h.schedule(c);
        s.stop();
        h.ring.advance(1);
        h.runTo(2 * MS);
        s.start(FenceError.of(-62));
        h.schedule(queued);
        assertThat(a.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(b.finished().error()).isEqualTo(FenceError.of(-62));
        assertThat(c.finished().error()).isEqualTo(FenceError.of(-62));
        assertThat(List.of(a, b, c)).allSatisfy(j -> {
            assertThat(j.finished().timestampNanos()).isEqualTo(2 * MS);
            assertThat(j.payload().freeCount()).isEqualTo(1);
        });
        assertThat(queued.scheduled().timestampNanos()).as("credits came back").isEqualTo(2 * MS);
        assertThat(h.log.credits()).isEqualTo(1);
    }

    @Test
    void timeoutsDoNotFireWhileStopped() {
        Scheduler<SimJob> s = h.builder().creditLimit(1).timeout(Duration.ofMillis(10)).build();
        SubmittedJob<SimJob> a = s.newEntity("e", Priority.NORMAL).job(SimJob.manual()).submit();
        h.schedule(a);
        h.runTo(1 * MS);
        s.stop();
        h.runTo(50 * MS);
        assertThat(h.backend.count("timedOut")).isZero();
        s.start(FenceError.NONE);
        h.finish(a);
        assertThat(a.finished().timestampNanos()).isEqualTo(60 * MS);
    }

    @Test
    void recoveryInsideTimedOutResetsTheRingAndTheSchedulerCarriesOn() {
        AtomicReference<Scheduler<SimJob>> self = new AtomicReference<>();
        List<String> seen = new ArrayList<>();
        Backend<SimJob> driver = new Backend<>() {
            @Override
            public Fence run(JobView<SimJob> job) {
                return h.ring.run(job);
            }

            @Override
            public TimeoutVerdict timedOut(JobView<SimJob> guilty) {
                Scheduler<SimJob> s = self.get();
                s.stop();
                List<JobView<SimJob>> pending = new ArrayList<>();
                s.forEachPending(pending::add);
                for (JobView<SimJob> v : pending) {
                    seen.add(Harness.label(v));
                    if (v != guilty) {
                        h.ring.cancel(v); // innocent: taken off the ring
                    }
                }
                h.ring.timedOut(guilty); // the hung one: reset
                s.start(FenceError.NONE);
                return TimeoutVerdict.RESET;
            }

            @Override
            public void free(JobView<SimJob> job) {
                h.ring.free(job);
            }
        };
        Scheduler<SimJob> s = Scheduler.builder(driver).name("gpu").creditLimit(3).timeout(Duration.ofMillis(10))
                .dispatcher(h.d).build();
        self.set(s);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        Entity<SimJob> f = s.newEntity("f", Priority.NORMAL);
        SubmittedJob<SimJob> hung = e.job(SimJob.manual()).submit();
        SubmittedJob<SimJob> innocent1 = f.job(ms(50)).submit();
        SubmittedJob<SimJob> innocent2 = e.job(ms(50)).submit();
        h.finish(innocent2);
        assertThat(seen).containsExactly("e#1", "f#1", "e#2");
        assertThat(hung.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(innocent1.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(innocent2.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(List.of(hung, innocent1, innocent2)).allSatisfy(j -> {
            assertThat(j.finished().timestampNanos()).isEqualTo(10 * MS);
            assertThat(j.payload().freeCount()).isEqualTo(1);
        });
        assertThat(s.isStopped()).isFalse();
        assertThat(h.ring.inflightCount()).isZero();
        SubmittedJob<SimJob> after = f.job(ms(1)).submit();
        h.finish(after);
        assertThat(after.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(after.finished().timestampNanos()).isEqualTo(11 * MS);
    }

    @Test
    void recoveryInsideTimedOutCanEndTheOtherJobsWithAnError() {
        ManualBackend<String> mb = new ManualBackend<>("m", h.d.clock());
        AtomicReference<Scheduler<String>> self = new AtomicReference<>();
        mb.onTimeout = guilty -> {
            Scheduler<String> s = self.get();
            s.stop();
            s.start(FenceError.of(-125));
            return TimeoutVerdict.RESET;
        };
        RecordingBackend<String> rec = new RecordingBackend<>(mb, h.d.clock());
        Scheduler<String> s = Scheduler.builder(rec).name("gpu").creditLimit(3).timeout(Duration.ofMillis(10))
                .dispatcher(h.d).build();
        self.set(s);
        Entity<String> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<String> a = e.job("a").submit();
        SubmittedJob<String> b = e.job("b").submit();
        h.finish(b);
        assertThat(a.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(b.finished().error()).isEqualTo(FenceError.of(-125));
        assertThat(b.finished().timestampNanos()).isEqualTo(10 * MS);
        h.runTo(11 * MS);
        assertThat(rec.jobs("free")).containsExactly("e#1", "e#2");
        assertThat(rec.count("timedOut")).isEqualTo(1);
    }

    @Test
    void startWithAnErrorFromInsideAFaultHandlerEndsTheOtherJobsAtOnce() {
        // no timeout and nothing else going on: only start() itself can get the jobs ended
        ManualBackend<String> mb = new ManualBackend<>("m", h.d.clock());
        AtomicReference<Scheduler<String>> self = new AtomicReference<>();
        mb.onTimeout = guilty -> {
            self.get().stop();
            self.get().start(FenceError.of(-125));
            return TimeoutVerdict.RESET;
        };
        Scheduler<String> s = Scheduler.builder(mb).name("gpu").creditLimit(3).dispatcher(h.d).build();
        self.set(s);
        Entity<String> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<String> a = e.job("a").submit();
        SubmittedJob<String> b = e.job("b").submit();
        h.schedule(b);
        h.at(5 * MS, s::fault);
        h.runTo(6 * MS);
        assertThat(a.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(b.finished().isSignaled()).as("b ended by start(error) at 5 ms").isTrue();
        assertThat(b.finished().error()).isEqualTo(FenceError.of(-125));
        assertThat(b.finished().timestampNanos()).isEqualTo(5 * MS);
    }
}
