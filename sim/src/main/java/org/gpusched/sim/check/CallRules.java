package org.gpusched.sim.check;

import org.gpusched.fence.Fence;
import org.gpusched.sched.JobView;
import org.gpusched.sim.SimJob;

/**
 * Checks each backend call as it is made: prepare only before run, run at most once, in the
 * entity's order, never for a killed job nor on a closing or dead scheduler, only after the
 * job's dependencies and prepare fences, with clamped credits; cancel only during close and
 * only for jobs on the hardware; free once, and after the finished fence unless killed.
 */
final class CallRules {

    private final Findings findings;

    CallRules(Findings findings) {
        this.findings = findings;
    }

    void prepared(SchedulerTrack t, JobRecord r, Fence f) {
        if (r.runCalls > 0) {
            findings.violation(r, "prepare is asked only before run", "prepare after run");
        }
        if (f != null) {
            r.prepareFences.add(f);
            findings.path("path.prepareFence");
            if (!f.isSignaled() && r.entity.runnableHead == r) {
                r.entity.runnableHead = null; // blocked on the prepare fence until RUNNABLE again
            }
        }
    }

    void running(SchedulerTrack t, JobRecord r, JobView<SimJob> view) {
        if (r.runCalls > 1) {
            findings.violation(r, "run is called at most once per job", r.runCalls + " calls");
        }
        if (r.killedEvents > 0) {
            findings.violation(r, "a killed job never runs", "");
        }
        if (r.runEvents != 1) {
            findings.violation(r, "every run is observed (RUN event)", r.runEvents + " RUN events");
        }
        if (t.closing) {
            findings.violation(r, "no job runs on a closing scheduler", "");
        }
        if (t.scheduler.isDeviceGone()) {
            findings.violation(r, "no job runs after a DEVICE_GONE verdict", "");
        }
        EntityTrack e = r.entity;
        if (r.seqno <= e.lastRunSeqno) {
            findings.violation(r, "jobs of an entity run in submission order", "ran after #" + e.lastRunSeqno);
        }
        e.lastRunSeqno = Math.max(e.lastRunSeqno, r.seqno);
        int expect = Math.min(r.plan.credits(), t.plan.creditLimit());
        if (view.credits() != expect) {
            findings.violation(r, "credits are clamped to the limit", "asked " + r.plan.credits() + ", limit "
                    + t.plan.creditLimit() + ", charged " + view.credits());
        }
        for (JobRecord.DepFence d : r.deps) {
            String why = HardwareRules.unmetDependency(r, t, d);
            if (why != null) {
                findings.violation(r, "a job runs only after its dependencies", d.dep() + " " + why);
            } else if (!d.fence().isSignaled()) {
                findings.path(d.producer().entity == r.entity ? "path.ownEntityDependency" : "path.pipelined");
            }
        }
        if (r.plan.credits() > t.plan.creditLimit()) {
            findings.path("path.clamped");
        }
        for (Fence f : r.prepareFences) {
            if (!f.isSignaled()) {
                findings.violation(r, "a job runs only after the fences prepare returned", f + " is pending");
            }
        }
    }

    void timingOut(SchedulerTrack t, JobRecord r) {
        if (r.timedOutEvents != r.timedOutCalls) {
            findings.violation(r, "every timeout is observed (TIMED_OUT event)", r.timedOutEvents + " events, "
                    + r.timedOutCalls + " calls");
        }
    }

    void cancelling(SchedulerTrack t, JobRecord r) {
        if (!t.closing) {
            findings.violation(r, "cancel is called only by close()", "");
        }
        if (!t.onHardware.contains(r)) {
            findings.violation(r, "cancel is called only for jobs on the hardware", "");
        }
        findings.path("path.cancel");
        if (r.cancelCalls > 1) {
            findings.violation(r, "cancel is called at most once per job", r.cancelCalls + " calls");
        }
    }

    /** {@code finished} is the job's finished fence (the handle may not be back yet: direct-run). */
    void freeing(SchedulerTrack t, JobRecord r, org.gpusched.fence.Fence finished) {
        if (r.freeCalls > 1) {
            findings.violation(r, "every job is freed exactly once", "freed " + r.freeCalls + " times");
        }
        if (r.killedEvents == 0 && !finished.isSignaled()) {
            findings.violation(r, "a job that was not killed is freed after its finished fence signalled", "");
        }
    }
}
