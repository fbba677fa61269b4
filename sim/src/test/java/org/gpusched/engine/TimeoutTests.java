package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.engine.Harness.MS;
import static org.gpusched.engine.Harness.ms;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobEvent;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sched.TimeoutVerdict;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.Test;

/** The timeout: RESET, NO_HANG, DEVICE_GONE, what is watched and from when, fault, changes, suspension. */
class TimeoutTests {
    final Harness h = new Harness();

    Scheduler<SimJob> sched(int credits, long timeoutMs) {
        return h.builder().creditLimit(credits).timeout(Duration.ofMillis(timeoutMs)).build();
    }

    @Test
    void resetEndsTheJobWithTimedOutExactlyAtStartPlusTimeoutAndFreesIt() {
        Scheduler<SimJob> s = sched(1, 10);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        var gate = h.driverFence();
        SubmittedJob<SimJob> j = e.job(SimJob.manual()).dependsOn(gate.fence()).submit();
        SubmittedJob<SimJob> next = e.job(ms(1)).submit();
        h.at(2 * MS, gate::signal);
        h.finish(next);
        assertThat(j.scheduled().timestampNanos()).isEqualTo(2 * MS);
        assertThat(j.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(j.finished().timestampNanos()).isEqualTo(12 * MS);
        assertThat(h.backend.times("timedOut")).containsExactly(12 * MS);
        assertThat(j.payload().has(SimJob.TIMEDOUT)).isTrue();
        assertThat(j.payload().freeCount()).isEqualTo(1);
        assertThat(next.scheduled().timestampNanos()).isEqualTo(12 * MS);
        assertThat(next.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(e.error()).isEqualTo(FenceError.NONE);
    }

    @Test
    void resetFreesTheJobEvenIfTheBackendNeverSignalsItsHardwareFence() {
        ManualBackend<String> mb = new ManualBackend<>("m", h.d.clock());
        RecordingBackend<String> rec = new RecordingBackend<>(mb, h.d.clock());
        Scheduler<String> s = Scheduler.builder(rec).name("gpu").timeout(Duration.ofMillis(5)).dispatcher(h.d).build();
        SubmittedJob<String> j = s.newEntity("e", Priority.NORMAL).job("x").submit();
        h.finish(j);
        assertThat(j.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(j.finished().timestampNanos()).isEqualTo(5 * MS);
        assertThat(mb.hardwareFence("e#1").isSignaled()).isFalse();
        assertThat(rec.jobs("free")).containsExactly("e#1");
        mb.complete("e#1", FenceError.NONE); // late: changes nothing, no callback
        h.runTo(10 * MS);
        assertThat(rec.count("free")).isEqualTo(1);
        assertThat(j.finished().error()).isEqualTo(FenceError.TIMED_OUT);
    }

    @Test
    void resetKeepsTheErrorTheBackendSignalledTheHardwareFenceWith() {
        ManualBackend<String> mb = new ManualBackend<>("m", h.d.clock());
        mb.onTimeout = j -> {
            mb.complete(Harness.label(j), FenceError.of(-62));
            return TimeoutVerdict.RESET;
        };
        Scheduler<String> s = Scheduler.builder(mb).name("gpu").timeout(Duration.ofMillis(5)).dispatcher(h.d).build();
        SubmittedJob<String> j = s.newEntity("e", Priority.NORMAL).job("x").submit();
        h.finish(j);
        assertThat(j.finished().error()).isEqualTo(FenceError.of(-62));
        assertThat(j.finished().timestampNanos()).isEqualTo(5 * MS);
    }

    @Test
    void noHangRearmsTheTimeoutEveryPeriod() {
        Scheduler<SimJob> s = sched(1, 10);
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(SimJob.manual().dontReset()).submit();
        h.at(35 * MS, () -> h.ring.advance(1));
        h.finish(j);
        assertThat(h.backend.times("timedOut")).containsExactly(10 * MS, 20 * MS, 30 * MS);
        assertThat(j.payload().has(SimJob.RESET_SKIPPED)).isTrue();
        assertThat(j.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(j.finished().timestampNanos()).isEqualTo(35 * MS);
        assertThat(j.payload().freeCount()).isEqualTo(1);
    }

    @Test
    void deviceGoneEndsEverythingInOrderAndLaterSubmissionsToo() {
        Scheduler<SimJob> s = sched(1, 10);
        Entity<SimJob> a = s.newEntity("a", Priority.NORMAL);
        Entity<SimJob> b = s.newEntity("b", Priority.NORMAL);
        List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
        jobs.add(a.job(SimJob.manual()).submit());
        jobs.add(a.job(ms(1)).submit());
        jobs.add(b.job(ms(1)).submit());
        jobs.add(a.job(ms(1)).submit());
        jobs.add(b.job(ms(1)).submit());
        List<String> signalOrder = new ArrayList<>();
        for (SubmittedJob<SimJob> j : jobs) {
            j.finished().onSignal(f -> signalOrder.add(f.timelineName() + "#" + f.seqno()));
        }
        h.schedule(jobs.get(0));
        h.at(5 * MS, h.ring::loseDevice);
        h.runUntil(() -> jobs.stream().allMatch(j -> j.finished().isSignaled()));
        assertThat(s.isDeviceGone()).isTrue();
        for (SubmittedJob<SimJob> j : jobs) {
            assertThat(j.finished().error()).isEqualTo(FenceError.DEVICE_GONE);
            assertThat(j.finished().timestampNanos()).isEqualTo(10 * MS);
            assertThat(j.scheduled().isSignaled()).isTrue();
            assertThat(j.payload().freeCount()).isEqualTo(1);
        }
        assertThat(signalOrder.stream().filter(l -> l.startsWith("a#")).toList()).containsExactly("a#1", "a#2", "a#3");
        assertThat(signalOrder.stream().filter(l -> l.startsWith("b#")).toList()).containsExactly("b#1", "b#2");
        assertThat(h.backend.jobs("run")).containsExactly("a#1");
        assertThat(a.error()).isEqualTo(FenceError.DEVICE_GONE);

        SubmittedJob<SimJob> late = b.job(ms(1)).submit();
        SubmittedJob<SimJob> lateNew = s.newEntity("c", Priority.NORMAL).job(ms(1)).submit();
        h.finish(late);
        h.finish(lateNew);
        assertThat(late.finished().error()).isEqualTo(FenceError.DEVICE_GONE);
        assertThat(lateNew.finished().error()).isEqualTo(FenceError.DEVICE_GONE);
        assertThat(late.finished().timestampNanos()).isEqualTo(10 * MS);
        assertThat(h.backend.jobs("run")).containsExactly("a#1");
        assertThat(late.payload().freeCount()).isEqualTo(1);
    }

    @Test
    void deviceGoneEndsEveryJobOnTheHardware() {
        Scheduler<SimJob> s = sched(3, 10);
        Entity<SimJob> a = s.newEntity("a", Priority.NORMAL);
        List<SubmittedJob<SimJob>> jobs = List.of(a.job(SimJob.manual()).submit(), a.job(SimJob.manual()).submit(),
                a.job(SimJob.manual()).submit());
        h.schedule(jobs.get(2));
        h.ring.loseDevice();
        h.finish(jobs.get(2));
        assertThat(jobs).allSatisfy(j -> {
            assertThat(j.finished().error()).isEqualTo(FenceError.DEVICE_GONE);
            assertThat(j.finished().timestampNanos()).isEqualTo(10 * MS);
        });
        assertThat(h.backend.count("timedOut")).isEqualTo(1);
    }

    @Test
    void aJobBehindALongOneIsWatchedFromWhenItBecomesTheOldest() {
        Scheduler<SimJob> s = sched(2, 10);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> first = e.job(ms(8)).submit();
        SubmittedJob<SimJob> second = e.job(ms(8)).submit();
        h.finish(second);
        assertThat(second.scheduled().timestampNanos()).isZero();
        assertThat(first.finished().timestampNanos()).isEqualTo(8 * MS);
        assertThat(second.finished().timestampNanos()).isEqualTo(16 * MS);
        assertThat(second.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(h.backend.count("timedOut")).isZero();
    }

    @Test
    void aHungJobBehindALongOneTimesOutATimeoutAfterItBecameTheOldest() {
        Scheduler<SimJob> s = sched(2, 10);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        e.job(ms(8)).submit();
        SubmittedJob<SimJob> hung = e.job(SimJob.manual()).submit();
        h.finish(hung);
        assertThat(hung.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(hung.finished().timestampNanos()).isEqualTo(18 * MS);
    }

    @Test
    void afterAResetTheNextJobIsWatchedFromThen() {
        Scheduler<SimJob> s = sched(2, 10);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> a = e.job(SimJob.manual()).submit();
        SubmittedJob<SimJob> b = e.job(SimJob.manual()).submit();
        h.finish(b);
        assertThat(a.finished().timestampNanos()).isEqualTo(10 * MS);
        assertThat(b.finished().timestampNanos()).isEqualTo(20 * MS);
        assertThat(h.backend.jobs("timedOut")).containsExactly("e#1", "e#2");
    }

    @Test
    void newWorkDoesNotPushTheTimeoutOfAHungJobAway() {
        Scheduler<SimJob> s = sched(8, 10);
        SubmittedJob<SimJob> hung = s.newEntity("hung", Priority.NORMAL).job(SimJob.manual()).submit();
        Entity<SimJob> other = s.newEntity("other", Priority.NORMAL);
        for (long t = 3; t < 10; t += 3) {
            h.at(t * MS, () -> other.job(ms(1)).submit());
        }
        h.finish(hung);
        assertThat(hung.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(hung.finished().timestampNanos()).isEqualTo(10 * MS);
    }

    @Test
    void faultRunsTheHandlerAtOnceEvenWithoutATimeout() {
        Scheduler<SimJob> s = h.sched(1);
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(SimJob.manual()).submit();
        h.at(3 * MS, s::fault);
        h.finish(j);
        assertThat(h.backend.times("timedOut")).containsExactly(3 * MS);
        assertThat(j.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(j.finished().timestampNanos()).isEqualTo(3 * MS);
        h.runTo(100 * MS);
        assertThat(h.backend.count("timedOut")).as("once").isEqualTo(1);
    }

    @Test
    void faultWithNothingOnTheHardwareDoesNothingAndIsNotRemembered() {
        Scheduler<SimJob> s = sched(1, 50);
        s.fault();
        h.runTo(1 * MS);
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(ms(5)).submit();
        h.finish(j);
        assertThat(j.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(h.backend.count("timedOut")).isZero();
    }

    @Test
    void faultOnADontResetJobAsksOnceAndKeepsTheRegularPeriod() {
        Scheduler<SimJob> s = sched(1, 10);
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(SimJob.manual().dontReset()).submit();
        h.at(4 * MS, s::fault);
        h.at(25 * MS, () -> h.ring.advance(1));
        h.finish(j);
        // NO_HANG at 4 restarts the period: 14, 24
        assertThat(h.backend.times("timedOut")).containsExactly(4 * MS, 14 * MS, 24 * MS);
    }

    @Test
    void settingATimeoutCountsTheTimeTheJobWasAlreadyWatched() {
        Scheduler<SimJob> s = h.sched(1);
        assertThat(s.timeout()).isNull();
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(SimJob.manual()).submit();
        h.at(5 * MS, () -> s.setTimeout(Duration.ofMillis(10)));
        h.finish(j);
        assertThat(s.timeout()).isEqualTo(Duration.ofMillis(10));
        assertThat(j.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(j.finished().timestampNanos()).isEqualTo(10 * MS);
    }

    @Test
    void shorteningTheTimeoutPastTheElapsedTimeFiresAtOnce() {
        Scheduler<SimJob> s = sched(1, 100);
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(SimJob.manual()).submit();
        h.at(5 * MS, () -> s.setTimeout(Duration.ofMillis(2)));
        h.finish(j);
        assertThat(j.finished().timestampNanos()).isEqualTo(5 * MS);
    }

    @Test
    void aZeroTimeoutFiresForEveryJobAndCanBeUndone() {
        Scheduler<SimJob> s = sched(1, 100);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        s.setTimeout(Duration.ZERO);
        SubmittedJob<SimJob> a = e.job(SimJob.manual()).submit();
        h.finish(a);
        assertThat(a.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(a.finished().timestampNanos()).isZero();
        s.setTimeout(Duration.ofMillis(100));
        SubmittedJob<SimJob> b = e.job(ms(5)).submit();
        h.finish(b);
        assertThat(b.finished().error()).isEqualTo(FenceError.NONE);
    }

    @Test
    void removingTheTimeoutStopsWatching() {
        Scheduler<SimJob> s = sched(1, 10);
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(SimJob.manual()).submit();
        h.at(5 * MS, () -> s.setTimeout(null));
        h.runTo(500 * MS);
        assertThat(j.finished().isSignaled()).isFalse();
        assertThat(h.backend.count("timedOut")).isZero();
        assertThat(s.timeout()).isNull();
    }

    @Test
    void suspendReturnsTheTimeLeftAndStopsTheClockResumeRestartsIt() {
        Scheduler<SimJob> s = sched(1, 10);
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(SimJob.manual()).submit();
        h.schedule(j);
        h.runTo(4 * MS);
        long left = s.suspendTimeout();
        assertThat(left).isEqualTo(6 * MS);
        h.runTo(50 * MS);
        assertThat(j.finished().isSignaled()).isFalse();
        assertThat(h.backend.count("timedOut")).isZero();
        s.resumeTimeout(left);
        h.finish(j);
        assertThat(j.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(j.finished().timestampNanos()).isEqualTo(56 * MS);
    }

    @Test
    void suspendWithoutAWatchedJobReturnsTheFullTimeoutAndWithoutATimeoutMaxValue() {
        assertThat(sched(1, 10).suspendTimeout()).isEqualTo(10 * MS);
        assertThat(h.sched(1).suspendTimeout()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aJobThatStartsWhileSuspendedIsNotTimedOutUntilResumed() {
        Scheduler<SimJob> s = sched(1, 10);
        s.suspendTimeout();
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(SimJob.manual()).submit();
        h.runTo(40 * MS);
        assertThat(j.finished().isSignaled()).isFalse();
        s.resumeTimeout(3 * MS);
        h.finish(j);
        assertThat(j.finished().timestampNanos()).isEqualTo(43 * MS);
    }

    @Test
    void theTimedOutEventComesAtTheDeadline() {
        Scheduler<SimJob> s = sched(1, 7);
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(SimJob.manual()).submit();
        h.finish(j);
        assertThat(h.log.times(JobEvent.TIMED_OUT, "e#1")).containsExactly(7 * MS);
        assertThat(h.log.times(JobEvent.FREED, "e#1")).containsExactly(7 * MS);
    }
}
