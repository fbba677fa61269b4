package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.engine.Harness.MS;
import static org.gpusched.engine.Harness.ms;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceSource;
import org.gpusched.sched.Backend;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobEvent;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sched.TimeoutVerdict;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.Test;

/** Deadlines forwarded to the hardware fence; timestamps and GPU time in exact virtual time. */
class DeadlineAndTimeTests {
    final Harness h = new Harness();

    @Test
    void aDeadlineSetBeforeTheJobRunsReachesItsHardwareFence() {
        Scheduler<SimJob> s = h.sched(1);
        FenceSource gate = h.driverFence();
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(ms(1)).dependsOn(gate.fence()).submit();
        j.finished().setDeadline(123 * MS);
        h.at(2 * MS, gate::signal);
        h.schedule(j);
        assertThat(j.payload().hardwareFence().deadlineNanos()).isEqualTo(123 * MS);
    }

    @Test
    void aDeadlineSetWhileTheJobRunsReachesItsHardwareFenceAndTheEarliestWins() {
        Scheduler<SimJob> s = h.sched(1);
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(SimJob.manual()).submit();
        h.schedule(j);
        Fence hw = j.payload().hardwareFence();
        assertThat(hw.deadlineNanos()).isEqualTo(Fence.NO_DEADLINE);
        j.finished().setDeadline(50 * MS);
        assertThat(hw.deadlineNanos()).isEqualTo(50 * MS);
        j.finished().setDeadline(80 * MS);
        assertThat(hw.deadlineNanos()).isEqualTo(50 * MS);
        j.finished().setDeadline(30 * MS);
        assertThat(hw.deadlineNanos()).isEqualTo(30 * MS);
        assertThat(j.finished().deadlineNanos()).isEqualTo(30 * MS);
    }

    @Test
    void aDeadlineOnAQueuedJobDoesNotChangeTheOrder() {
        Scheduler<SimJob> s = h.sched(1);
        Entity<SimJob> a = s.newEntity("a", Priority.NORMAL);
        Entity<SimJob> b = s.newEntity("b", Priority.NORMAL);
        SubmittedJob<SimJob> a1 = a.job(ms(1)).submit();
        SubmittedJob<SimJob> b1 = b.job(ms(1)).submit();
        b1.finished().setDeadline(0);
        h.finish(b1);
        assertThat(h.backend.jobs("run")).containsExactly("a#1", "b#1");
        assertThat(a1.finished().timestampNanos()).isEqualTo(1 * MS);
        assertThat(b1.payload().hardwareFence().deadlineNanos()).isZero();
    }

    @Test
    void timestampsAreTheVirtualTimesOfRunAndCompletion() {
        List<Long> submitTimes = new ArrayList<>();
        Backend<SimJob> b = new Backend<>() {
            @Override
            public Fence run(JobView<SimJob> job) {
                submitTimes.add(job.submitTimeNanos());
                return h.ring.run(job);
            }

            @Override
            public TimeoutVerdict timedOut(JobView<SimJob> job) {
                return h.ring.timedOut(job);
            }
        };
        Scheduler<SimJob> s = Scheduler.builder(b).name("gpu").dispatcher(h.d).observer(h.log).build();
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        FenceSource gate = h.driverFence();
        h.runTo(1 * MS);
        SubmittedJob<SimJob> j = e.job(ms(4)).dependsOn(gate.fence()).submit();
        h.at(3 * MS, gate::signal);
        h.finish(j);
        assertThat(submitTimes).containsExactly(1 * MS);
        assertThat(j.scheduled().timestampNanos()).isEqualTo(3 * MS);
        assertThat(j.finished().timestampNanos()).isEqualTo(7 * MS);
        assertThat(j.payload().hwStartNanos()).isEqualTo(3 * MS);
        assertThat(j.payload().hwEndNanos()).isEqualTo(7 * MS);
        assertThat(h.log.times(JobEvent.SUBMITTED, "e#1")).containsExactly(1 * MS);
        assertThat(h.log.times(JobEvent.RUNNABLE, "e#1")).containsExactly(3 * MS);
        assertThat(h.log.times(JobEvent.RUN, "e#1")).containsExactly(3 * MS);
        assertThat(h.log.times(JobEvent.HW_DONE, "e#1")).containsExactly(7 * MS);
        assertThat(h.log.times(JobEvent.FINISHED, "e#1")).containsExactly(7 * MS);
        assertThat(h.log.times(JobEvent.FREED, "e#1")).containsExactly(7 * MS);
    }

    @Test
    void theEventsOfAJobComeInLifecycleOrder() {
        Scheduler<SimJob> s = h.sched(1);
        SubmittedJob<SimJob> j = s.newEntity("e", Priority.NORMAL).job(ms(1)).submit();
        h.finish(j);
        h.runTo(2 * MS);
        assertThat(h.log.events().stream().filter(ev -> ev.job().equals("e#1")).map(EventLog.Event::event).toList())
                .containsExactly(JobEvent.SUBMITTED, JobEvent.RUNNABLE, JobEvent.RUN, JobEvent.HW_DONE,
                        JobEvent.FINISHED, JobEvent.FREED);
    }

    @Test
    void gpuTimeCountsBackToBackJobsFromThePredecessorsEnd() {
        Scheduler<SimJob> s = h.sched(2);
        Entity<SimJob> a = s.newEntity("a", Priority.NORMAL);
        Entity<SimJob> b = s.newEntity("b", Priority.NORMAL);
        SubmittedJob<SimJob> a1 = a.job(ms(5)).submit();
        SubmittedJob<SimJob> b1 = b.job(ms(3)).submit(); // on the ring at 0, executes 5..8
        h.finish(b1);
        assertThat(b1.scheduled().timestampNanos()).isZero();
        assertThat(b1.payload().hwStartNanos()).isEqualTo(5 * MS);
        assertThat(a.gpuTimeNanos()).isEqualTo(5 * MS);
        assertThat(b.gpuTimeNanos()).isEqualTo(3 * MS);
        h.runTo(20 * MS);
        SubmittedJob<SimJob> a2 = a.job(ms(2)).submit();
        h.finish(a2);
        assertThat(a.gpuTimeNanos()).isEqualTo(7 * MS);
        long ringTime = 0;
        for (SubmittedJob<SimJob> j : List.of(a1, b1, a2)) {
            ringTime += j.payload().hwEndNanos() - j.payload().hwStartNanos();
        }
        assertThat(a.gpuTimeNanos() + b.gpuTimeNanos()).isEqualTo(ringTime).isEqualTo(h.ring.busyNanos());
    }

    @Test
    void gpuTimeOfOneEntitysBackToBackJobsIsTheirExecutionTime() {
        Scheduler<SimJob> s = h.sched(4);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        e.job(ms(5)).submit();
        e.job(ms(3)).submit();
        SubmittedJob<SimJob> last = e.job(ms(2)).submit();
        h.runTo(6 * MS);
        assertThat(e.gpuTimeNanos()).as("only finished jobs count").isEqualTo(5 * MS);
        h.finish(last);
        assertThat(e.gpuTimeNanos()).isEqualTo(10 * MS);
    }

    @Test
    void killedJobsTakeNoGpuTime() {
        Scheduler<SimJob> s = h.sched(1);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        e.job(ms(2)).submit();
        SubmittedJob<SimJob> killed = e.job(ms(2)).submit();
        h.runTo(1 * MS);
        e.close(Duration.ZERO);
        h.finish(killed);
        assertThat(e.gpuTimeNanos()).isEqualTo(2 * MS);
    }
}
