package org.gpusched.sim.check;

import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;

/**
 * The end-of-run rules for one job: its fences signalled once, it was freed once, it ended
 * exactly once, and the error it ended with is one its history allows.
 */
final class OutcomeRules {

    private OutcomeRules() {
    }

    static void check(JobRecord r, Findings v) {
        String who = r.name() + " " + r.plan.describe();
        if (r.rejected) {
            if (r.sim.runCount() != 0 || r.sim.freeCount() != 0 || r.submittedEvents != 0 || r.runCalls != 0
                    || r.freeCalls != 0) {
                v.violation(who, "a refused submission leaves no trace", "runs " + r.sim.runCount() + ", frees "
                        + r.sim.freeCount() + ", events " + r.submittedEvents);
            }
            return;
        }
        if (r.handle == null) {
            v.violation(who, "a submission is accepted or refused", "submit neither returned nor refused");
            return;
        }
        Fence scheduled = r.handle.scheduled();
        Fence finished = r.handle.finished();
        if (!scheduled.isSignaled() || r.scheduledSignals != 1) {
            v.violation(who, "every handed-out fence signals exactly once", "scheduled fence: signalled "
                    + scheduled.isSignaled() + ", callbacks " + r.scheduledSignals);
        }
        if (!finished.isSignaled() || r.finishedSignals != 1) {
            v.violation(who, "every handed-out fence signals exactly once", "finished fence: signalled "
                    + finished.isSignaled() + ", callbacks " + r.finishedSignals);
        }
        if (r.freeCalls != 1 || r.sim.freeCount() != 1 || r.freedEvents != 1) {
            v.violation(who, "every job is freed exactly once", "backend free calls " + r.freeCalls + ", ring count "
                    + r.sim.freeCount() + ", FREED events " + r.freedEvents);
        }
        if (r.finishedEvents != 1) {
            v.violation(who, "every finish is observed once", r.finishedEvents + " FINISHED events");
        }
        if (r.runCalls > 1 || r.sim.runCount() > 1) {
            v.violation(who, "run is called at most once per job", "backend " + r.runCalls + ", ring " + r.sim.runCount());
        }
        if (r.killedEvents + r.hwDoneEvents != 1) {
            v.violation(who, "a job ends exactly once (HW_DONE or KILLED)", "HW_DONE " + r.hwDoneEvents + ", KILLED "
                    + r.killedEvents);
        }
        if (r.timedOutEvents != r.timedOutCalls) {
            v.violation(who, "every timeout is observed", r.timedOutEvents + " TIMED_OUT events, " + r.timedOutCalls
                    + " timedOut calls");
        }
        if (!finished.isSignaled()) {
            return;
        }
        FenceError e = finished.error();
        if (r.finishedErrorSeen != null && !r.finishedErrorSeen.equals(e)) {
            v.violation(who, "a fence's error is set before it signals", "callback saw " + r.finishedErrorSeen + ", now " + e);
        }
        String why = disallowed(r, e);
        if (why != null) {
            v.violation(who, "a job ends only with an error its history allows", "ended " + e + ": " + why);
        }
    }

    /** Why {@code r} may not end with {@code e}, or null if it may. */
    static String disallowed(JobRecord r, FenceError e) {
        boolean ran = r.runCalls > 0;
        if (r.killedEvents > 0) {
            if (ran) {
                return "it was killed after it ran";
            }
            if (e.equals(FenceError.KILLED)) {
                return r.killedWhileClosed ? null : "KILLED while neither its entity nor its scheduler was closed";
            }
            if (e.equals(FenceError.DEVICE_GONE)) {
                return r.killedWhileDeviceGone ? null : "killed with DEVICE_GONE while the device was not gone";
            }
            return "a killed job ends KILLED or DEVICE_GONE";
        }
        if (!ran) {
            if (r.prepareFaultFired) {
                return e.equals(FenceError.BACKEND_FAILED) ? null : "prepare threw, so it ends BACKEND_FAILED";
            }
            return "it was neither run nor killed, and prepare did not fail";
        }
        if (r.runFaultFired) {
            return e.equals(FenceError.BACKEND_FAILED) ? null : "run failed, so it ends BACKEND_FAILED";
        }
        FenceError planned = r.plan.failWith();
        if (e.equals(planned)) { // NONE for a job planned to succeed
            return r.sim.isDone() ? null : "the ring never completed it";
        }
        if (e.equals(FenceError.NONE)) {
            return "the ring completes it with " + planned;
        }
        if (e.equals(FenceError.TIMED_OUT)) {
            return r.timedOutCalls > 0 ? null : "no timeout was handled for it";
        }
        if (e.equals(FenceError.CANCELED)) {
            return r.hwDoneWhileClosing ? null : "its scheduler was not closing";
        }
        if (e.equals(FenceError.DEVICE_GONE)) {
            return r.hwDoneWhileDeviceGone ? null : "its ring was not lost and no DEVICE_GONE verdict was given";
        }
        if (e.equals(FenceError.BACKEND_FAILED)) {
            return "no prepare or run fault fired for it";
        }
        return "nothing in its history produces this error";
    }
}
