package org.gpusched.sim.check;

import java.util.ArrayList;
import java.util.List;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;

/**
 * Everything observed about one planned job: its submission, the backend calls and observer
 * events it caused, and its fences' signals. Written by the checker only; read by the rules.
 */
final class JobRecord {
    /** The job's scheduled fence, known from its SUBMITTED event (before the handle is). */
    org.gpusched.fence.Fence scheduledFence;


    /** A dependency as submitted: the fence, and the job that produces it (null for a driver fence). */
    record DepFence(Dependency dep, Fence fence, JobRecord producer) {
    }

    final JobPlan plan;
    final SimJob sim;
    final List<DepFence> deps;
    final EntityTrack entity;

    SubmittedJob<SimJob> handle;
    boolean rejected;
    SchedulerTrack sched;
    long seqno;
    long submitTime;

    // backend calls (counted before the call, so a throwing call counts too)
    int prepareCalls;
    int runCalls;
    int timedOutCalls;
    int cancelCalls;
    int freeCalls;
    final List<Fence> prepareFences = new ArrayList<>(1);

    // injected faults that fired, and the failure reports they should cause
    int faultsFired;
    boolean prepareFaultFired;
    boolean runFaultFired;
    final List<String> expectedReports = new ArrayList<>(1);

    // observer events
    int submittedEvents;
    int runEvents;
    int hwDoneEvents;
    int timedOutEvents;
    int canceledEvents;
    int killedEvents;
    int finishedEvents;
    int freedEvents;
    int charged;
    long runTime = -1;
    /** When it left the hardware (HW_DONE) or was killed (KILLED). */
    long endTime = -1;
    long watchStart = -1;
    boolean hwDoneWhileClosing;
    boolean hwDoneWhileDeviceGone;
    boolean killedWhileClosed;
    boolean killedWhileDeviceGone;

    // fence signals, seen through callbacks
    int scheduledSignals;
    int finishedSignals;
    FenceError finishedErrorSeen;

    JobRecord(JobPlan plan, SimJob sim, List<DepFence> deps, EntityTrack entity) {
        this.plan = plan;
        this.sim = sim;
        this.deps = deps;
        this.entity = entity;
    }

    /** "job 17 (e3#5 on s1)": the plan index, the entity's seqno and the scheduler. */
    String name() {
        StringBuilder b = new StringBuilder("job ").append(plan.index()).append(" (").append(entity.name);
        if (seqno > 0) {
            b.append('#').append(seqno);
        }
        if (sched != null) {
            b.append(" on ").append(sched.plan.name());
        }
        return b.append(')').toString();
    }
}
