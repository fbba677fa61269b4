package org.gpusched.sim.check;

import org.gpusched.fence.Fence;

/**
 * Checks each job fence as it signals: once, the scheduled one without error and before the
 * finished one, in submission order within the entity with non-decreasing timestamps, as soon
 * as it is due (no lost wakeups), and for killed jobs only after their dependencies.
 */
final class FenceOrderRules {

    private final Findings findings;

    FenceOrderRules(Findings findings) {
        this.findings = findings;
    }

    void scheduledSignalled(JobRecord r, Fence f) {
        long ts = f.timestampNanos();
        r.scheduledSignals++;
        if (r.scheduledSignals > 1) {
            findings.violation(r, "a fence signals exactly once", "scheduled callback ran twice");
        }
        if (f.error().isError()) {
            findings.violation(r, "scheduled fences signal without error", f.error().toString());
        }
        if (r.runEvents > 0 && ts != r.runTime) { // killed and prepare-failed jobs: checked at their event
            findings.violation(r, "the scheduled fence signals when the job is handed to the hardware",
                    "signalled at " + ts + "ns, run at " + r.runTime + "ns");
        }
        EntityTrack e = r.entity;
        if (r.seqno != e.lastScheduledSeqno + 1) {
            findings.violation(r, "scheduled fences of an entity signal in submission order", "after #" + e.lastScheduledSeqno);
        }
        if (ts < e.lastScheduledTime) {
            findings.violation(r, "scheduled fences of an entity have non-decreasing timestamps", ts + " < " + e.lastScheduledTime);
        }
        e.lastScheduledSeqno = Math.max(e.lastScheduledSeqno, r.seqno);
        e.lastScheduledTime = Math.max(e.lastScheduledTime, ts);
    }

    void finishedSignalled(JobRecord r, Fence f) {
        long ts = f.timestampNanos();
        r.finishedSignals++;
        r.finishedErrorSeen = f.error();
        if (r.finishedSignals > 1) {
            findings.violation(r, "a fence signals exactly once", "finished callback ran twice");
        }
        Fence sched = r.scheduledFence;
        if (!sched.isSignaled() || r.scheduledSignals == 0) {
            findings.violation(r, "the scheduled fence signals before the finished fence", "");
        } else if (sched.timestampNanos() > ts) {
            findings.violation(r, "the scheduled fence signals before the finished fence", "timestamps "
                    + sched.timestampNanos() + " > " + ts);
        }
        EntityTrack e = r.entity;
        if (r.seqno != e.lastFinishedSeqno + 1) {
            findings.violation(r, "finished fences of an entity signal in submission order", "after #" + e.lastFinishedSeqno);
        }
        if (ts < e.lastFinishedTime) {
            findings.violation(r, "finished fences of an entity have non-decreasing timestamps", ts + " < " + e.lastFinishedTime);
        }
        long due = Math.max(r.endTime, e.lastFinishedTime);
        if (r.killedEvents > 0) {
            for (JobRecord.DepFence d : r.deps) {
                if (d.fence().isSignaled()) {
                    due = Math.max(due, d.fence().timestampNanos());
                }
            }
        }
        if (ts > due && r.endTime >= 0) {
            findings.violation(r, "a finished fence signals as soon as its job ended and its predecessor finished",
                    "signalled at " + ts + "ns, due at " + due + "ns");
        }
        e.lastFinishedSeqno = Math.max(e.lastFinishedSeqno, r.seqno);
        e.lastFinishedTime = Math.max(e.lastFinishedTime, ts);
        if (r.killedEvents > 0) {
            for (JobRecord.DepFence d : r.deps) {
                if (!d.fence().isSignaled()) {
                    findings.violation(r, "a killed job finishes only after its dependencies", d.dep() + " is pending");
                }
            }
        }
    }

}
