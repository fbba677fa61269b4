package org.gpusched.sim.check;

import java.util.List;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Policy;

/**
 * The checker's model of what is on each scheduler's hardware, fed by the job events: which
 * head jobs are runnable, which jobs run and in what order, their credits, which job the
 * timeout watches and since when. Checks the policy's choices, the credit limit, the timeout's
 * timing, prompt completions and that no scheduler idles while runnable work fits.
 */
final class HardwareRules {

    private final Findings findings;
    private final VirtualDispatcher dispatcher;
    private final List<EntityTrack> entities;

    HardwareRules(Findings findings, VirtualDispatcher dispatcher, List<EntityTrack> entities) {
        this.findings = findings;
        this.dispatcher = dispatcher;
        this.entities = entities;
    }

    void runnable(SchedulerTrack t, JobRecord r) {
        for (JobRecord.DepFence d : r.deps) {
            String why = unmetDependency(r, t, d);
            if (why != null) {
                findings.violation(r, "a job is runnable only after its dependencies", d.dep() + " " + why);
            }
        }
        r.entity.runnableHead = r;
        scheduleWorkCheck(t, dispatcher.nanoTime());
    }

    /**
     * Work conservation, checked at the end of an instant (after every other event of it): a
     * scheduler that is neither closing nor dead must not sit with runnable head jobs that all
     * fit in its free credits. Whichever the policy picks fits, so something should have run;
     * if nothing did, a wakeup was lost.
     */
    private void scheduleWorkCheck(SchedulerTrack t, long now) {
        if (t.workCheckAt == now) {
            return;
        }
        t.workCheckAt = now;
        dispatcher.scheduleLate(now, () -> checkWorkConserving(t));
    }

    private void checkWorkConserving(SchedulerTrack t) {
        if (t.closing || t.scheduler.isDeviceGone()) {
            return;
        }
        JobRecord waiting = null;
        for (EntityTrack e : entities) {
            JobRecord h = e.runnableHead;
            if (h == null || h.sched != t) {
                continue;
            }
            if (t.inFlightCredits + Math.min(h.plan.credits(), t.plan.creditLimit()) > t.plan.creditLimit()) {
                findings.path("path.waitedForCredits");
                return; // one that does not fit may be the policy's choice: then waiting is right
            }
            waiting = h;
        }
        if (waiting != null) {
            findings.violation(waiting, "a scheduler does not idle while a runnable job fits", "runnable since an event at or before "
                    + dispatcher.nanoTime() + "ns, " + t.inFlightCredits + " of " + t.plan.creditLimit()
                    + " credits in use");
        }
    }

    /**
     * FIFO and RR: priorities are strict, and FIFO takes the oldest head job of a priority. So
     * when {@code r} runs, no other entity of its scheduler may have a runnable head job of a
     * higher priority, nor (FIFO) an older one of the same priority.
     */
    private void checkPolicyChoice(SchedulerTrack t, JobRecord r) {
        if (t.plan.policy() == Policy.FAIR) {
            return;
        }
        int prio = r.entity.entity.priority().ordinal();
        for (EntityTrack e : entities) {
            JobRecord other = e.runnableHead;
            if (e == r.entity || other == null || other.sched != t) {
                continue;
            }
            int p = e.entity.priority().ordinal();
            if (p < prio) {
                findings.violation(r, "priorities are strict under " + t.plan.policy(), "ran at " + r.entity.entity.priority()
                        + " while " + other.name() + " was runnable at " + e.entity.priority());
                findings.path("path.priorityViolationSeen");
            } else if (p == prio && t.plan.policy() == Policy.FIFO && other.handle != null
                    && other.submitTime < r.submitTime) {
                findings.violation(r, "FIFO runs the oldest runnable head job of a priority", "submitted at " + r.submitTime
                        + "ns, while " + other.name() + " submitted at " + other.submitTime + "ns was runnable");
            } else if (p > prio) {
                findings.path("path.lowerPriorityWaited");
            } else if (t.plan.policy() == Policy.FIFO) {
                findings.path("path.fifoYoungerWaited");
            }
        }
    }

    void run(SchedulerTrack t, JobRecord r, JobView<?> view, long now) {
        checkPolicyChoice(t, r);
        if (r.entity.runnableHead == r) {
            r.entity.runnableHead = null;
        } else {
            findings.violation(r, "a job runs only after it was reported RUNNABLE", "");
        }
        r.runEvents++;
        r.runTime = now;
        r.charged = view.credits();
        t.inFlightCredits += r.charged;
        t.maxInFlightCredits = Math.max(t.maxInFlightCredits, t.inFlightCredits);
        if (t.inFlightCredits > t.plan.creditLimit()) {
            findings.violation(r, "credits on the hardware never exceed the limit", t.inFlightCredits + " > "
                    + t.plan.creditLimit());
        }
        if (t.onHardware.isEmpty()) {
            r.watchStart = now;
        }
        t.onHardware.addLast(r);
        if (t.inFlightCredits == t.plan.creditLimit()) {
            findings.path("path.creditsFull");
        }
    }

    void hwDone(SchedulerTrack t, JobRecord r, long now) {
        r.hwDoneEvents++;
        r.hwDoneWhileClosing = t.closing;
        r.hwDoneWhileDeviceGone = t.ringLost || t.scheduler.isDeviceGone();
        r.endTime = now;
        Fence hw = r.sim.hardwareFence();
        if (hw != null && hw.isSignaled() && hw.timestampNanos() < now && r.runCalls == 1 && !r.runFaultFired) {
            findings.violation(r, "a completion is noticed at once", "hardware fence signalled at " + hw.timestampNanos()
                    + "ns, HW_DONE at " + now + "ns");
        }
        scheduleWorkCheck(t, now);
        if (r.runEvents == 0) {
            if (r.entity.runnableHead == r) {
                r.entity.runnableHead = null; // popped without a run
            }
            checkScheduledAtEnd(r, now);
            if (!r.prepareFaultFired) {
                findings.violation(r, "HW_DONE follows RUN", "no RUN event and prepare did not fail");
            }
            return; // a failed prepare skips run: it never was on the hardware
        }
        t.inFlightCredits -= r.charged;
        boolean head = t.onHardware.peekFirst() == r;
        if (head && t.plan.hasTimeout() && now > r.watchStart + t.plan.timeoutNanos()) {
            findings.violation(r, "the timeout fires when the oldest job has been the oldest for the timeout",
                    "left the hardware at " + now + "ns, watched since " + r.watchStart + "ns, timeout "
                            + t.plan.timeoutNanos() + "ns, and no timeout fired");
        }
        if (!t.onHardware.remove(r)) {
            findings.violation(r, "HW_DONE once per job on the hardware", "not on the hardware");
        }
        JobRecord next = t.onHardware.peekFirst();
        if (head && next != null) {
            next.watchStart = now;
        }
    }

    /** A job that never ran (killed, or failed in prepare) has its scheduled fence signalled when it ends. */
    void checkScheduledAtEnd(JobRecord r, long now) {
        Fence s = r.handle == null ? null : r.handle.scheduled();
        if (s != null && (!s.isSignaled() || s.timestampNanos() != now)) {
            findings.violation(r, "the scheduled fence of a job that never ran signals when it ends", s.isSignaled()
                    ? "signalled at " + s.timestampNanos() + "ns, ended at " + now + "ns" : "not signalled at its end");
        }
    }

    void timedOut(SchedulerTrack t, JobRecord r, long now) {
        r.timedOutEvents++;
        if (!t.plan.hasTimeout()) {
            findings.violation(r, "no timeout without a timeout configured", "");
            return;
        }
        if (t.onHardware.peekFirst() != r) {
            findings.violation(r, "the timeout watches the oldest job on the hardware", "oldest is "
                    + (t.onHardware.isEmpty() ? "none" : t.onHardware.peekFirst().name()));
            return;
        }
        findings.path(r.plan.dontReset() ? "path.timeoutNoHang" : "path.timeout");
        long due = r.watchStart + t.plan.timeoutNanos();
        if (now != due) {
            findings.violation(r, "the timeout fires exactly when due", "fired at " + now + "ns, due at " + due + "ns");
        }
        r.watchStart = now; // NO_HANG starts a new period; RESET ends the job now anyway
    }


    /** Why dependency {@code d} does not allow {@code r} to run now, or null if it does. */
    static String unmetDependency(JobRecord r, SchedulerTrack t, JobRecord.DepFence d) {
        if (d.fence().isSignaled()) {
            return null;
        }
        JobRecord producer = d.producer();
        if (producer == null) {
            return "has not signalled";
        }
        if (producer.entity == r.entity) {
            return null; // the entity's own order covers it
        }
        if (d.dep().kind() == Dependency.Kind.FINISHED && producer.sched == t) {
            // same ring: in-order execution makes "scheduled" enough (pipelining)
            return producer.handle.scheduled().isSignaled() ? null : "is on this ring but not scheduled yet";
        }
        return "has not signalled (producer " + producer.name() + ")";
    }

    /** A queued job was killed: it leaves the runnable set, its scheduled fence signals now. */
    void killed(SchedulerTrack t, JobRecord r, long now) {
        r.killedEvents++;
        if (r.entity.runnableHead == r) {
            r.entity.runnableHead = null;
        }
        r.killedWhileClosed = r.entity.entity.isClosed() || t.scheduler.isClosing();
        r.killedWhileDeviceGone = t.scheduler.isDeviceGone();
        r.endTime = now;
        checkScheduledAtEnd(r, now);
        for (JobRecord.DepFence d : r.deps) {
            if (!d.fence().isSignaled()) {
                findings.path("path.killedWithPendingDependency");
                break;
            }
        }
        if (r.runEvents > 0 || r.runCalls > 0) {
            findings.violation(r, "only queued jobs are killed", "it ran");
        }
    }
}
