package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gpusched.engine.Harness.MS;
import static org.gpusched.engine.Harness.ms;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobEvent;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SchedulerClosedException;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.Test;

/** Entity flush and close, scheduler close: kills, cancels, frees, order, and nothing afterwards. */
class TeardownTests {
    final Harness h = new Harness();

    /** Records the order in which finished fences signal, as "timeline#seqno". */
    private static List<String> signalOrder(List<? extends SubmittedJob<?>> jobs) {
        List<String> order = new ArrayList<>();
        for (SubmittedJob<?> j : jobs) {
            if (j.finished().onSignal(f -> order.add(f.timelineName() + "#" + f.seqno())) == null) {
                order.add(j.finished().timelineName() + "#" + j.finished().seqno());
            }
        }
        return order;
    }

    private static List<SubmittedJob<SimJob>> submit(Entity<SimJob> e, int n, long millis) {
        List<SubmittedJob<SimJob>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(e.job(millis == 0 ? SimJob.manual() : ms(millis)).submit());
        }
        return out;
    }

    // ------------------------------------------------------------------ Entity.flush / close

    @Test
    void flushWaitsUntilEveryQueuedJobIsOnTheHardware() {
        Scheduler<SimJob> s = h.sched(1);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        List<SubmittedJob<SimJob>> jobs = submit(e, 3, 1);
        assertThat(e.flush(Duration.ofMillis(10))).isTrue();
        assertThat(h.now()).isEqualTo(2 * MS);
        assertThat(jobs.get(2).scheduled().isSignaled()).isTrue();
        assertThat(e.queueDepth()).isZero();
        assertThat(e.isClosed()).isFalse();
    }

    @Test
    void flushGivesUpAfterItsTimeout() {
        Scheduler<SimJob> s = h.sched(1);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        submit(e, 2, 0);
        assertThat(e.flush(Duration.ofMillis(5))).isFalse();
        assertThat(h.now()).isEqualTo(5 * MS);
        assertThat(e.queueDepth()).isEqualTo(1);
    }

    @Test
    void flushOfAnEntityWithoutJobsReturnsAtOnce() {
        Entity<SimJob> e = h.sched(1).newEntity("e", Priority.NORMAL);
        assertThat(e.flush(Duration.ofSeconds(1))).isTrue();
        assertThat(h.now()).isZero();
    }

    @Test
    void closeKillsOnlyWhatDidNotDrainInOrderAfterThePredecessorOnTheHardware() {
        Scheduler<SimJob> s = h.sched(1);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        List<SubmittedJob<SimJob>> jobs = submit(e, 5, 2);
        List<String> order = signalOrder(jobs);
        assertThat(e.close(Duration.ofMillis(3))).isEqualTo(3);
        assertThat(h.now()).isEqualTo(3 * MS);
        h.runTo(3 * MS + 1);
        // killed jobs are freed at once, but their fences wait for e#2, still on the hardware
        for (SubmittedJob<SimJob> j : jobs.subList(2, 5)) {
            assertThat(j.payload().freeCount()).isEqualTo(1);
            assertThat(j.scheduled().isSignaled()).isTrue();
            assertThat(j.finished().isSignaled()).isFalse();
        }
        h.finish(jobs.get(4));
        assertThat(order).containsExactly("e#1", "e#2", "e#3", "e#4", "e#5");
        assertThat(jobs.get(0).finished().error()).isEqualTo(FenceError.NONE);
        assertThat(jobs.get(1).finished().error()).isEqualTo(FenceError.NONE);
        assertThat(jobs.get(1).finished().timestampNanos()).isEqualTo(4 * MS);
        for (SubmittedJob<SimJob> j : jobs.subList(2, 5)) {
            assertThat(j.finished().error()).isEqualTo(FenceError.KILLED);
            assertThat(j.finished().timestampNanos()).isEqualTo(4 * MS);
            assertThat(j.payload().runCount()).isZero();
        }
        h.runTo(10 * MS);
        assertThat(jobs).allSatisfy(j -> assertThat(j.payload().freeCount()).isEqualTo(1));
        assertThat(h.log.jobs(JobEvent.KILLED)).containsExactly("e#3", "e#4", "e#5");
        assertThat(h.log.times(JobEvent.FREED, "e#3")).containsExactly(3 * MS);
        assertThat(e.error()).isEqualTo(FenceError.KILLED);
    }

    @Test
    void closeWithZeroKillsEveryQueuedJobAtOnce() {
        Scheduler<SimJob> s = h.sched(1);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        List<SubmittedJob<SimJob>> jobs = submit(e, 3, 1);
        assertThat(e.close(Duration.ZERO)).isEqualTo(3);
        h.runUntil(() -> jobs.get(2).finished().isSignaled());
        assertThat(jobs).allSatisfy(j -> {
            assertThat(j.finished().error()).isEqualTo(FenceError.KILLED);
            assertThat(j.finished().timestampNanos()).isZero();
        });
        assertThat(h.backend.count("run")).isZero();
        assertThat(h.backend.jobs("free")).containsExactly("e#1", "e#2", "e#3");
    }

    @Test
    void closeWithANegativeTimeoutWaitsForTheQueueToDrain() {
        Scheduler<SimJob> s = h.sched(1);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        List<SubmittedJob<SimJob>> jobs = submit(e, 4, 5);
        assertThat(e.close(Duration.ofNanos(-1))).isZero();
        assertThat(h.now()).isEqualTo(15 * MS);
        h.finish(jobs.get(3));
        assertThat(jobs).allSatisfy(j -> assertThat(j.finished().error()).isEqualTo(FenceError.NONE));
    }

    @Test
    void killedJobsSignalOnlyAfterTheirOwnDependencies() {
        Scheduler<SimJob> s = h.sched(1);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        FenceSource gate = h.driverFence();
        SubmittedJob<SimJob> first = e.job(ms(2)).submit();
        SubmittedJob<SimJob> waiting = e.job(ms(1)).dependsOn(gate.fence()).submit();
        SubmittedJob<SimJob> last = e.job(ms(1)).submit();
        h.schedule(first);
        assertThat(e.close(Duration.ZERO)).isEqualTo(2);
        h.at(10 * MS, gate::signal);
        h.finish(last);
        assertThat(first.finished().timestampNanos()).isEqualTo(2 * MS);
        assertThat(waiting.finished().error()).isEqualTo(FenceError.KILLED);
        assertThat(waiting.finished().timestampNanos()).as("after its dependency").isEqualTo(10 * MS);
        assertThat(last.finished().timestampNanos()).as("after its predecessor").isEqualTo(10 * MS);
        assertThat(waiting.payload().freeCount()).isEqualTo(1);
        assertThat(last.payload().freeCount()).isEqualTo(1);
    }

    @Test
    void aKilledJobWaitsForTheProducerToFinishNotJustToBeScheduled() {
        Scheduler<SimJob> s = h.sched(4);
        SubmittedJob<SimJob> producer = s.newEntity("p", Priority.NORMAL).job(ms(6)).submit();
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        FenceSource gate = h.driverFence();
        // the consumer's head is held by a driver fence, so it is still queued when killed
        SubmittedJob<SimJob> consumer = e.job(ms(1)).dependsOn(gate.fence()).dependsOn(producer.finished()).submit();
        h.schedule(producer);
        gate.signal();
        e.close(Duration.ZERO);
        h.finish(consumer);
        assertThat(consumer.finished().error()).isEqualTo(FenceError.KILLED);
        assertThat(consumer.finished().timestampNanos()).isEqualTo(6 * MS);
    }

    @Test
    void submittingToAClosedEntityThrowsAndCloseIsIdempotent() {
        Entity<SimJob> e = h.sched(1).newEntity("ctx-7", Priority.NORMAL);
        var builder = e.job(ms(1));
        e.job(SimJob.manual()).submit();
        e.job(SimJob.manual()).submit();
        assertThat(e.close(Duration.ZERO)).isEqualTo(2);
        assertThat(e.isClosed()).isTrue();
        assertThat(e.close(Duration.ZERO)).isZero();
        assertThat(e.close()).isZero();
        assertThatThrownBy(builder::submit).isInstanceOf(IllegalStateException.class).hasMessageContaining("ctx-7")
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> e.job(ms(1)).submit()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ctx-7");
    }

    // ------------------------------------------------------------------ Scheduler.close

    @Test
    void schedulerCloseKillsQueuedCancelsInFlightNewestFirstAndFreesEverythingOnce() {
        Scheduler<SimJob> s = h.sched(2);
        Entity<SimJob> a = s.newEntity("a", Priority.NORMAL);
        Entity<SimJob> b = s.newEntity("b", Priority.LOW); // a's first two take the ring
        List<SubmittedJob<SimJob>> as = submit(a, 3, 0);
        List<SubmittedJob<SimJob>> bs = submit(b, 2, 0);
        List<String> aOrder = signalOrder(as);
        List<String> bOrder = signalOrder(bs);
        h.schedule(as.get(1));
        h.runTo(1 * MS);
        s.close();
        assertThat(s.isClosed()).isTrue();
        assertThat(h.now()).as("cancelled fences signalled at once: no wait").isEqualTo(1 * MS);
        assertThat(h.backend.jobs("cancel")).containsExactly("a#2", "a#1");
        assertThat(as.get(0).finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(as.get(1).finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(as.get(2).finished().error()).isEqualTo(FenceError.KILLED);
        assertThat(bs).allSatisfy(j -> assertThat(j.finished().error()).isEqualTo(FenceError.KILLED));
        assertThat(aOrder).containsExactly("a#1", "a#2", "a#3");
        assertThat(bOrder).containsExactly("b#1", "b#2");
        assertThat(h.backend.jobs("free")).containsExactlyInAnyOrder("a#1", "a#2", "a#3", "b#1", "b#2");
        assertThat(h.log.jobs(JobEvent.KILLED)).containsExactlyInAnyOrder("a#3", "b#1", "b#2");
    }

    @Test
    void everyJobCancelledByCloseIsReportedWithACanceledEvent() {
        // one job the backend cancels (its fence signals CANCELED at once), one it cannot
        FaultyRing faulty = new FaultyRing(h.ring);
        Scheduler<SimJob> s = Scheduler.builder(faulty).name("gpu").creditLimit(2).dispatcher(h.d)
                .observer(h.log).build();
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> cancellable = e.job(SimJob.manual()).submit();
        SimJob stubborn = SimJob.manual();
        faulty.cannotCancel.add(stubborn);
        SubmittedJob<SimJob> other = e.job(stubborn).submit();
        h.schedule(other);
        s.close();
        assertThat(cancellable.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(other.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(h.log.jobs(JobEvent.CANCELED)).containsExactlyInAnyOrder("e#1", "e#2");
    }

    @Test
    void noBackendCallbackRunsAfterCloseReturns() {
        Scheduler<SimJob> s = h.builder().creditLimit(2).timeout(Duration.ofMillis(10)).build();
        Entity<SimJob> a = s.newEntity("a", Priority.NORMAL);
        FenceSource gate = h.driverFence();
        List<SubmittedJob<SimJob>> jobs = new ArrayList<>(submit(a, 2, 0));
        jobs.add(s.newEntity("b", Priority.NORMAL).job(ms(1)).dependsOn(gate.fence()).submit());
        h.schedule(jobs.get(1));
        s.close();
        int calls = h.backend.calls().size();
        gate.signal();
        h.ring.advance(5);
        s.fault();
        s.setTimeout(Duration.ZERO);
        a.setPriority(Priority.HIGH);
        h.runTo(1000 * MS);
        assertThat(h.backend.calls()).hasSize(calls);
        assertThatThrownBy(() -> a.job(ms(1)).submit()).isInstanceOf(SchedulerClosedException.class)
                .hasMessageContaining("gpu");
        assertThat(jobs).allSatisfy(j -> assertThat(j.payload().freeCount()).isEqualTo(1));
    }

    @Test
    void aBackendThatCannotCancelStillGetsEverythingFreedWithCanceled() {
        ManualBackend<String> mb = new ManualBackend<>("m", h.d.clock());
        mb.cancelSignals = false;
        mb.cancelAnswer = false;
        RecordingBackend<String> rec = new RecordingBackend<>(mb, h.d.clock());
        Scheduler<String> s = Scheduler.builder(rec).name("gpu").creditLimit(2).dispatcher(h.d).build();
        Entity<String> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<String> a = e.job("a").submit();
        SubmittedJob<String> b = e.job("b").submit();
        SubmittedJob<String> c = e.job("c").submit();
        h.schedule(b);
        s.close();
        assertThat(h.now()).as("no wait for a fence that will not signal").isZero();
        assertThat(a.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(b.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(c.finished().error()).isEqualTo(FenceError.KILLED);
        assertThat(rec.jobs("cancel")).containsExactly("e#2", "e#1");
        assertThat(rec.jobs("free")).containsExactlyInAnyOrder("e#1", "e#2", "e#3");
        int calls = rec.calls().size();
        mb.complete("e#1", FenceError.NONE);
        mb.complete("e#2", FenceError.NONE);
        h.runTo(100 * MS);
        assertThat(rec.calls()).hasSize(calls);
        assertThat(a.finished().error()).isEqualTo(FenceError.CANCELED);
    }

    @Test
    void closeWaitsAtMostTheTeardownTimeoutForACancelledFence() {
        ManualBackend<String> mb = new ManualBackend<>("m", h.d.clock());
        mb.cancelSignals = false; // promises to signal, never does
        Scheduler<String> s = Scheduler.builder(mb).name("gpu").dispatcher(h.d)
                .teardownTimeout(Duration.ofMillis(250)).build();
        SubmittedJob<String> a = s.newEntity("e", Priority.NORMAL).job("a").submit();
        h.schedule(a);
        h.runTo(1 * MS);
        s.close();
        assertThat(h.now()).isEqualTo(251 * MS);
        assertThat(a.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(a.finished().timestampNanos()).isEqualTo(251 * MS);
    }

    @Test
    void closeWaitsForACancelledFenceThatSignalsLater() {
        ManualBackend<String> mb = new ManualBackend<>("m", h.d.clock());
        mb.cancelSignals = false;
        Scheduler<String> s = Scheduler.builder(mb).name("gpu").dispatcher(h.d).build();
        SubmittedJob<String> a = s.newEntity("e", Priority.NORMAL).job("a").submit();
        h.schedule(a);
        h.at(7 * MS, () -> mb.complete("e#1", FenceError.of(-125)));
        s.close();
        assertThat(h.now()).isEqualTo(7 * MS);
        assertThat(a.finished().error()).isEqualTo(FenceError.of(-125));
    }

    @Test
    void schedulerCloseIsIdempotent() {
        Scheduler<SimJob> s = h.sched(1);
        SubmittedJob<SimJob> a = s.newEntity("e", Priority.NORMAL).job(SimJob.manual()).submit();
        h.schedule(a);
        s.close();
        int calls = h.backend.calls().size();
        s.close();
        s.close();
        assertThat(h.backend.calls()).hasSize(calls);
        assertThat(s.isClosing()).isTrue();
        assertThat(s.isClosed()).isTrue();
        assertThat(a.payload().freeCount()).isEqualTo(1);
    }

    @Test
    void fencesStayReadableAfterClose() {
        Scheduler<SimJob> s = h.sched(1);
        Entity<SimJob> e = s.newEntity("ctx", Priority.NORMAL);
        SubmittedJob<SimJob> a = e.job(ms(1)).submit();
        SubmittedJob<SimJob> b = e.job(SimJob.manual()).submit();
        SubmittedJob<SimJob> c = e.job(SimJob.manual()).submit();
        h.finish(a);
        h.schedule(b);
        e.close(Duration.ZERO);
        s.close();
        Fence[] fs = {a.finished(), b.finished(), c.finished()};
        FenceError[] errors = {FenceError.NONE, FenceError.CANCELED, FenceError.KILLED};
        for (int i = 0; i < 3; i++) {
            assertThat(fs[i].isSignaled()).isTrue();
            assertThat(fs[i].timelineName()).isEqualTo("ctx");
            assertThat(fs[i].seqno()).isEqualTo(i + 1);
            assertThat(fs[i].error()).isEqualTo(errors[i]);
            assertThat(fs[i].context()).isEqualTo(a.finished().context());
        }
        assertThat(a.finished().timestampNanos()).isEqualTo(1 * MS);
        assertThat(c.finished().timestampNanos()).isEqualTo(1 * MS);
        assertThat(c.scheduled().timelineName()).isEqualTo("ctx/scheduled");
        assertThat(c.scheduled().seqno()).isEqualTo(3);
        assertThat(c.scheduled().context()).isNotEqualTo(c.finished().context());
        assertThat(c.payload().runCount()).isZero();
    }

    @Test
    void closingAnEntityLetsItsJobsOnTheHardwareFinishNormally() {
        Scheduler<SimJob> s = h.sched(2);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        List<SubmittedJob<SimJob>> jobs = submit(e, 2, 5);
        h.schedule(jobs.get(1));
        assertThat(e.close(Duration.ZERO)).isZero();
        h.finish(jobs.get(1));
        assertThat(jobs).allSatisfy(j -> assertThat(j.finished().error()).isEqualTo(FenceError.NONE));
        assertThat(jobs.get(1).finished().timestampNanos()).isEqualTo(10 * MS);
        assertThat(s.score()).isZero();
    }

    @Test
    void drainWaitsUntilEveryJobHasFinished() {
        Scheduler<SimJob> s = h.sched(1);
        List<SubmittedJob<SimJob>> jobs = new ArrayList<>(submit(s.newEntity("a", Priority.NORMAL), 2, 3));
        jobs.addAll(submit(s.newEntity("b", Priority.NORMAL), 1, 4));
        assertThat(s.drain(Duration.ofMillis(5))).isFalse();
        assertThat(h.now()).isEqualTo(5 * MS);
        assertThat(s.drain(Duration.ofSeconds(1))).isTrue();
        assertThat(h.now()).isEqualTo(10 * MS);
        assertThat(jobs).allSatisfy(j -> assertThat(j.finished().isSignaled()).isTrue());
    }
}
