package org.gpusched.sim.check;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobEvent;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Policy;
import org.gpusched.sched.SchedulerObserver;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;

/**
 * Watches one run of a {@link RandomScenario} from three sides — the backend calls (through a
 * recording backend it wraps around each ring), the scheduler's job events (through a
 * {@link SchedulerObserver}) and the fences' signals (through fence callbacks) — and checks the
 * scheduler's guarantees as they happen and once more at the end:
 * <ul>
 *   <li>every handed-out fence (scheduled and finished) signals exactly once, the scheduled one
 *       without error and before the finished one;</li>
 *   <li>every submitted job is freed exactly once (by the backend and in the ring's count), and
 *       only after its finished fence signalled unless it was killed;</li>
 *   <li>the jobs of an entity run in submission order, and its scheduled and finished fences
 *       signal in submission order with non-decreasing timestamps;</li>
 *   <li>a job runs only after its dependencies signalled (or, for a job of the same ring, were
 *       scheduled), and a killed job finishes only after its dependencies;</li>
 *   <li>the credits on the hardware never exceed the limit, and oversize jobs are clamped;</li>
 *   <li>the timeout fires for the oldest job on the hardware, exactly when it has been the
 *       oldest for the timeout, never early and never late;</li>
 *   <li>backend callbacks of one scheduler never overlap, none runs after its
 *       {@code close()} returned, and no job runs on a closing or dead scheduler;</li>
 *   <li>each job ends with an error that its history allows (a job that never ran can only be
 *       KILLED, DEVICE_GONE, or BACKEND_FAILED from {@code prepare}; CANCELED only on a closing
 *       scheduler; and so on), and backend failures are reported for exactly the injected
 *       faults.</li>
 * </ul>
 * It also folds every observation with its virtual time into a {@link #fingerprint()}, so that
 * two runs of one seed can be compared for determinism.
 *
 * <p>Single-threaded, like the {@link VirtualDispatcher} it runs on.
 */
public final class InvariantChecker implements FaultInjectingBackend.Listener {

    // trace kinds besides the job events (which use their ordinal)
    private static final int T_SUBMIT = 100;
    private static final int T_REJECT = 101;
    private static final int T_CALL = 102;
    private static final int T_SCHEDULED = 103;
    private static final int T_FINISHED = 104;
    private static final int T_ACTION = 105;
    private static final int T_FAULT = 106;
    private static final int T_REPORT = 107;

    private final RandomScenario scenario;
    private final VirtualDispatcher dispatcher;
    private final Violations violations;
    private final Trace trace;
    private final List<SchedulerTrack> schedulers = new ArrayList<>();
    private final List<EntityTrack> entities = new ArrayList<>();
    private final JobRecord[] jobs;
    private final Map<SimJob, JobRecord> byPayload = new IdentityHashMap<>();
    private final Map<String, Integer> paths = new TreeMap<>();
    private int attempted;
    private int submitted;
    private int rejected;
    private int unfinished;
    private int faultsFired;
    private boolean finished;
    private long fingerprint;

    InvariantChecker(RandomScenario scenario, VirtualDispatcher dispatcher, boolean keepTrace) {
        this.scenario = scenario;
        this.dispatcher = dispatcher;
        this.violations = new Violations(scenario.seed());
        this.trace = new Trace(keepTrace);
        for (int i = 0; i < scenario.schedulers().size(); i++) {
            schedulers.add(new SchedulerTrack(i, scenario.schedulers().get(i)));
        }
        for (int i = 0; i < scenario.entities().size(); i++) {
            entities.add(new EntityTrack(i, scenario.entities().get(i).name()));
        }
        this.jobs = new JobRecord[scenario.jobs().size()];
    }

    // ================================================================== set-up (the runner)

    SchedulerTrack scheduler(int index) {
        return schedulers.get(index);
    }

    EntityTrack entity(int index) {
        return entities.get(index);
    }

    /** The outermost backend of scheduler {@code t}: records every call, then passes it on. */
    Backend<SimJob> wrap(SchedulerTrack t, Backend<SimJob> inner) {
        return new RecordingBackend(this, t, inner);
    }

    SchedulerObserver observer(SchedulerTrack t) {
        return new CheckingObserver(this, t);
    }

    /** The plan of a payload, for the fault injector; null for a payload the checker never saw. */
    JobPlan planOf(SimJob job) {
        JobRecord r = byPayload.get(job);
        return r == null ? null : r.plan;
    }

    /** The record of a job whose submission was attempted, or null. */
    JobRecord record(int index) {
        return jobs[index];
    }

    // ================================================================== submissions

    JobRecord beforeSubmit(JobPlan p, SimJob sim, List<JobRecord.DepFence> deps) {
        JobRecord r = new JobRecord(p, sim, deps, entities.get(p.entity()));
        jobs[p.index()] = r;
        byPayload.put(sim, r);
        attempted++;
        return r;
    }

    void submitted(JobRecord r, SubmittedJob<SimJob> h) {
        long now = dispatcher.nanoTime();
        r.handle = h;
        submitted++;
        unfinished++;
        if (r.submittedEvents != 1) {
            violation(r, "every submission is observed once", r.submittedEvents + " SUBMITTED events");
        }
        if (r.seqno != h.seqno()) {
            violation(r, "the observer sees the job's seqno", "observer " + r.seqno + ", handle " + h.seqno());
            r.seqno = h.seqno();
        }
        trace.add(now, T_SUBMIT, r.plan.index(), h.seqno());
        if (trace.keepsLines()) {
            trace.line(now, "submit " + r.name() + " " + r.plan.describe());
        }
        if (h.scheduled().onSignal(f -> scheduledSignalled(r, f)) == null) {
            violation(r, "fences signal only after submit returns", "scheduled fence was already signalled");
            r.scheduledSignals++;
        }
        if (h.finished().onSignal(f -> finishedSignalled(r, f)) == null) {
            violation(r, "fences signal only after submit returns", "finished fence was already signalled");
            r.finishedSignals++;
            unfinished--;
        }
    }

    void rejected(JobRecord r, RuntimeException ex) {
        long now = dispatcher.nanoTime();
        r.rejected = true;
        rejected++;
        trace.add(now, T_REJECT, r.plan.index(), ex instanceof org.gpusched.sched.SchedulerClosedException ? 1 : 0);
        if (trace.keepsLines()) {
            trace.line(now, "rejected " + r.name() + ": " + ex);
        }
        var e = r.entity.entity;
        if (ex instanceof org.gpusched.sched.SchedulerClosedException) {
            boolean anyClosing = false;
            for (var s : e.schedulers()) {
                anyClosing |= s.isClosing();
            }
            if (!anyClosing) {
                violation(r, "submissions are refused only by closed schedulers", ex.toString());
            }
        } else if (!e.isClosed()) {
            violation(r, "submissions are refused only by closed entities", ex.toString());
        }
    }

    // ================================================================== runner notes

    /** Records a scenario action (for the fingerprint and the trace). */
    void action(String what, int kind, long subject) {
        long now = dispatcher.nanoTime();
        trace.add(now, T_ACTION + 16L * kind, subject, 0);
        if (trace.keepsLines()) {
            trace.line(now, what);
        }
    }

    void ringLost(SchedulerTrack t) {
        t.ringLost = true;
    }

    void schedulerClosing(SchedulerTrack t) {
        t.closing = true;
        if (!t.onHardware.isEmpty()) {
            path("path.closeWithJobsOnHardware");
        }
    }

    void schedulerClosed(SchedulerTrack t) {
        t.closeReturned = true;
        if (!t.scheduler.isClosed()) {
            violation(t, "close() returns closed", "isClosed() is false");
        }
    }

    /** Something the runner did failed in a way the library does not allow. */
    void runnerFailure(String what, Throwable failure) {
        violations.add("run", "the library throws only where documented", what + " threw " + describe(failure));
    }

    /** The checker itself failed (a bug here, or state it did not expect). */
    void internalError(String what, Throwable failure) {
        violations.add("checker", "internal error", what + ": " + describe(failure));
    }

    /** True once every job's submission was attempted and every accepted job finished. */
    boolean allSettled() {
        return attempted == jobs.length && unfinished == 0;
    }

    // ================================================================== backend calls

    JobRecord enterCallback(SchedulerTrack t, String callback, JobView<SimJob> view) {
        long now = dispatcher.nanoTime();
        JobRecord r = byPayload.get(view.payload());
        String who = r == null ? view.entityName() + "#" + view.seqno() : r.name();
        if (t.closeReturned) {
            violation(t, "no backend callback after close() returned", callback + " for " + who);
        }
        if (t.callDepth > 0) {
            violation(t, "backend callbacks of one scheduler never overlap", callback + " for " + who
                    + " while another callback runs");
        }
        t.callDepth++;
        trace.add(now, T_CALL + 16L * callback.hashCode(), r == null ? -1 : r.plan.index(), t.index);
        if (trace.keepsLines()) {
            trace.line(now, t.plan.name() + "." + callback + "(" + who + ")");
        }
        if (r == null) {
            violation(t, "callbacks concern submitted jobs", callback + " for unknown job " + who);
            return null;
        }
        if (r.sched != t) {
            violation(r, "a job's callbacks come from the scheduler it was submitted to", callback + " from " + t.plan.name());
        }
        switch (callback) {
            case "prepare" -> r.prepareCalls++;
            case "run" -> r.runCalls++;
            case "timedOut" -> r.timedOutCalls++;
            case "cancel" -> r.cancelCalls++;
            default -> r.freeCalls++;
        }
        return r;
    }

    void exitCallback(SchedulerTrack t) {
        t.callDepth--;
    }

    void prepared(SchedulerTrack t, JobRecord r, Fence f) {
        if (r == null) {
            return;
        }
        if (r.runCalls > 0) {
            violation(r, "prepare is asked only before run", "prepare after run");
        }
        if (f != null) {
            r.prepareFences.add(f);
            path("path.prepareFence");
            if (!f.isSignaled() && r.entity.runnableHead == r) {
                r.entity.runnableHead = null; // blocked on the prepare fence until RUNNABLE again
            }
        }
    }

    void running(SchedulerTrack t, JobRecord r, JobView<SimJob> view) {
        if (r == null) {
            return;
        }
        if (r.runCalls > 1) {
            violation(r, "run is called at most once per job", r.runCalls + " calls");
        }
        if (r.killedEvents > 0) {
            violation(r, "a killed job never runs", "");
        }
        if (r.runEvents != 1) {
            violation(r, "every run is observed (RUN event)", r.runEvents + " RUN events");
        }
        if (t.closing) {
            violation(r, "no job runs on a closing scheduler", "");
        }
        if (t.scheduler.isDeviceGone()) {
            violation(r, "no job runs after a DEVICE_GONE verdict", "");
        }
        EntityTrack e = r.entity;
        if (r.seqno <= e.lastRunSeqno) {
            violation(r, "jobs of an entity run in submission order", "ran after #" + e.lastRunSeqno);
        }
        e.lastRunSeqno = Math.max(e.lastRunSeqno, r.seqno);
        int expect = Math.min(r.plan.credits(), t.plan.creditLimit());
        if (view.credits() != expect) {
            violation(r, "credits are clamped to the limit", "asked " + r.plan.credits() + ", limit "
                    + t.plan.creditLimit() + ", charged " + view.credits());
        }
        for (JobRecord.DepFence d : r.deps) {
            String why = unmetDependency(r, t, d);
            if (why != null) {
                violation(r, "a job runs only after its dependencies", d.dep() + " " + why);
            } else if (!d.fence().isSignaled()) {
                path(d.producer().entity == r.entity ? "path.ownEntityDependency" : "path.pipelined");
            }
        }
        if (r.plan.credits() > t.plan.creditLimit()) {
            path("path.clamped");
        }
        for (Fence f : r.prepareFences) {
            if (!f.isSignaled()) {
                violation(r, "a job runs only after the fences prepare returned", f + " is pending");
            }
        }
    }

    /** Why dependency {@code d} does not allow {@code r} to run now, or null if it does. */
    private static String unmetDependency(JobRecord r, SchedulerTrack t, JobRecord.DepFence d) {
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

    void timingOut(SchedulerTrack t, JobRecord r) {
        if (r == null) {
            return;
        }
        if (r.timedOutEvents != r.timedOutCalls) {
            violation(r, "every timeout is observed (TIMED_OUT event)", r.timedOutEvents + " events, "
                    + r.timedOutCalls + " calls");
        }
    }

    void cancelling(SchedulerTrack t, JobRecord r) {
        if (r == null) {
            return;
        }
        if (!t.closing) {
            violation(r, "cancel is called only by close()", "");
        }
        if (!t.onHardware.contains(r)) {
            violation(r, "cancel is called only for jobs on the hardware", "");
        }
        path("path.cancel");
        if (r.cancelCalls > 1) {
            violation(r, "cancel is called at most once per job", r.cancelCalls + " calls");
        }
    }

    void freeing(SchedulerTrack t, JobRecord r) {
        if (r == null) {
            return;
        }
        if (r.freeCalls > 1) {
            violation(r, "every job is freed exactly once", "freed " + r.freeCalls + " times");
        }
        if (r.killedEvents == 0 && !r.handle.finished().isSignaled()) {
            violation(r, "a job that was not killed is freed after its finished fence signalled", "");
        }
    }

    // ================================================================== observer

    void jobEvent(SchedulerTrack t, JobEvent event, JobView<?> view, long now) {
        JobRecord r = view.payload() instanceof SimJob sj ? byPayload.get(sj) : null;
        trace.add(now, event.ordinal(), r == null ? -1 : r.plan.index(), t.index);
        if (trace.keepsLines()) {
            trace.line(now, t.plan.name() + " " + event + " " + (r == null ? view.entityName() + "#" + view.seqno() : r.name()));
        }
        if (r == null) {
            violation(t, "events concern submitted jobs", event + " for unknown " + view.entityName() + "#" + view.seqno());
            return;
        }
        if (event != JobEvent.SUBMITTED && r.sched != t) {
            violation(r, "a job's events come from the scheduler it was submitted to", event + " from " + t.plan.name());
        }
        switch (event) {
            case SUBMITTED -> submittedEvent(t, r, view);
            case RUNNABLE -> runnableEvent(t, r);
            case RUN -> runEvent(t, r, view, now);
            case HW_DONE -> hwDoneEvent(t, r, now);
            case TIMED_OUT -> timedOutEvent(t, r, now);
            case CANCELED -> {
                r.canceledEvents++;
                path("path.canceledWithoutHardware");
                if (!t.closing) {
                    violation(r, "jobs are cancelled only by close()", "");
                }
            }
            case KILLED -> {
                r.killedEvents++;
                if (r.entity.runnableHead == r) {
                    r.entity.runnableHead = null;
                }
                r.killedWhileClosed = r.entity.entity.isClosed() || t.scheduler.isClosing();
                r.killedWhileDeviceGone = t.scheduler.isDeviceGone();
                for (JobRecord.DepFence d : r.deps) {
                    if (!d.fence().isSignaled()) {
                        path("path.killedWithPendingDependency");
                        break;
                    }
                }
                if (r.runEvents > 0 || r.runCalls > 0) {
                    violation(r, "only queued jobs are killed", "it ran");
                }
            }
            case FINISHED -> {
                r.finishedEvents++;
                if (!view.finished().isSignaled()) {
                    violation(r, "FINISHED is observed after the finished fence signalled", "");
                }
            }
            case FREED -> {
                r.freedEvents++;
                if (r.freeCalls == 0) {
                    violation(r, "FREED is observed after backend free", "");
                }
            }
        }
    }

    private void submittedEvent(SchedulerTrack t, JobRecord r, JobView<?> view) {
        r.submittedEvents++;
        if (r.sched != null) {
            violation(r, "every submission is observed once", "second SUBMITTED from " + t.plan.name());
        }
        r.sched = t;
        r.seqno = view.seqno();
        if (r.entity.lastScheduler != null && r.entity.lastScheduler != t) {
            path("path.entityMoved");
            if (r.entity.lastFinishedSeqno != r.seqno - 1) {
                violation(r, "an entity moves to another scheduler only when idle", "moved from "
                        + r.entity.lastScheduler.plan.name() + " while #" + (r.entity.lastFinishedSeqno + 1)
                        + " had not finished");
            }
        }
        r.submitTime = view.submitTimeNanos();
        r.entity.lastScheduler = t;
        if (!t.plan.name().equals(view.schedulerName())) {
            violation(r, "the job view names its scheduler", view.schedulerName());
        }
    }

    private void runnableEvent(SchedulerTrack t, JobRecord r) {
        for (JobRecord.DepFence d : r.deps) {
            String why = unmetDependency(r, t, d);
            if (why != null) {
                violation(r, "a job is runnable only after its dependencies", d.dep() + " " + why);
            }
        }
        r.entity.runnableHead = r;
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
                violation(r, "priorities are strict under " + t.plan.policy(), "ran at " + r.entity.entity.priority()
                        + " while " + other.name() + " was runnable at " + e.entity.priority());
                path("path.priorityViolationSeen");
            } else if (p == prio && t.plan.policy() == Policy.FIFO && other.handle != null
                    && other.submitTime < r.submitTime) {
                violation(r, "FIFO runs the oldest runnable head job of a priority", "submitted at " + r.submitTime
                        + "ns, while " + other.name() + " submitted at " + other.submitTime + "ns was runnable");
            } else if (p > prio) {
                path("path.lowerPriorityWaited");
            } else if (t.plan.policy() == Policy.FIFO) {
                path("path.fifoYoungerWaited");
            }
        }
    }

    private void runEvent(SchedulerTrack t, JobRecord r, JobView<?> view, long now) {
        checkPolicyChoice(t, r);
        if (r.entity.runnableHead == r) {
            r.entity.runnableHead = null;
        } else {
            violation(r, "a job runs only after it was reported RUNNABLE", "");
        }
        r.runEvents++;
        r.runTime = now;
        r.charged = view.credits();
        t.inFlightCredits += r.charged;
        t.maxInFlightCredits = Math.max(t.maxInFlightCredits, t.inFlightCredits);
        if (t.inFlightCredits > t.plan.creditLimit()) {
            violation(r, "credits on the hardware never exceed the limit", t.inFlightCredits + " > "
                    + t.plan.creditLimit());
        }
        if (t.onHardware.isEmpty()) {
            r.watchStart = now;
        }
        t.onHardware.addLast(r);
        if (t.inFlightCredits == t.plan.creditLimit()) {
            path("path.creditsFull");
        }
    }

    private void hwDoneEvent(SchedulerTrack t, JobRecord r, long now) {
        r.hwDoneEvents++;
        r.hwDoneWhileClosing = t.closing;
        r.hwDoneWhileDeviceGone = t.ringLost || t.scheduler.isDeviceGone();
        if (r.runEvents == 0) {
            if (r.entity.runnableHead == r) {
                r.entity.runnableHead = null; // popped without a run
            }
            if (!r.prepareFaultFired) {
                violation(r, "HW_DONE follows RUN", "no RUN event and prepare did not fail");
            }
            return; // a failed prepare skips run: it never was on the hardware
        }
        t.inFlightCredits -= r.charged;
        boolean head = t.onHardware.peekFirst() == r;
        if (head && t.plan.hasTimeout() && now > r.watchStart + t.plan.timeoutNanos()) {
            violation(r, "the timeout fires when the oldest job has been the oldest for the timeout",
                    "left the hardware at " + now + "ns, watched since " + r.watchStart + "ns, timeout "
                            + t.plan.timeoutNanos() + "ns, and no timeout fired");
        }
        if (!t.onHardware.remove(r)) {
            violation(r, "HW_DONE once per job on the hardware", "not on the hardware");
        }
        JobRecord next = t.onHardware.peekFirst();
        if (head && next != null) {
            next.watchStart = now;
        }
    }

    private void timedOutEvent(SchedulerTrack t, JobRecord r, long now) {
        r.timedOutEvents++;
        if (!t.plan.hasTimeout()) {
            violation(r, "no timeout without a timeout configured", "");
            return;
        }
        if (t.onHardware.peekFirst() != r) {
            violation(r, "the timeout watches the oldest job on the hardware", "oldest is "
                    + (t.onHardware.isEmpty() ? "none" : t.onHardware.peekFirst().name()));
            return;
        }
        path(r.plan.dontReset() ? "path.timeoutNoHang" : "path.timeout");
        long due = r.watchStart + t.plan.timeoutNanos();
        if (now != due) {
            violation(r, "the timeout fires exactly when due", "fired at " + now + "ns, due at " + due + "ns");
        }
        r.watchStart = now; // NO_HANG starts a new period; RESET ends the job now anyway
    }

    void backendFailure(SchedulerTrack t, String callback, JobView<?> view, Throwable failure) {
        long now = dispatcher.nanoTime();
        JobRecord r = view != null && view.payload() instanceof SimJob sj ? byPayload.get(sj) : null;
        trace.add(now, T_REPORT + 16L * callback.hashCode(), r == null ? -1 : r.plan.index(), t.index);
        if (r == null) {
            violation(t, "failure reports concern submitted jobs", callback + ": " + describe(failure));
            return;
        }
        if (!r.expectedReports.remove(callback)) {
            violation(r, "backend failures are reported only for injected faults", callback + ": " + describe(failure));
            return;
        }
        boolean nullReturn = failure instanceof IllegalStateException && String.valueOf(failure.getMessage()).contains("returned null");
        if (!(failure instanceof FaultInjectingBackend.InjectedFault) && !nullReturn) {
            violation(r, "the reported failure is the injected one", callback + ": " + describe(failure));
        }
    }

    // ================================================================== faults

    @Override
    public void faultFired(SimJob job, String callback, boolean reportable) {
        long now = dispatcher.nanoTime();
        JobRecord r = byPayload.get(job);
        faultsFired++;
        trace.add(now, T_FAULT + 16L * callback.hashCode(), r == null ? -1 : r.plan.index(), reportable ? 1 : 0);
        if (trace.keepsLines()) {
            trace.line(now, "fault " + callback + " for " + (r == null ? job : r.name()));
        }
        if (r == null) {
            return;
        }
        r.faultsFired++;
        if (reportable) {
            r.expectedReports.add(callback);
            if (callback.equals("prepare")) {
                r.prepareFaultFired = true;
            } else if (callback.equals("run")) {
                r.runFaultFired = true;
            }
        }
    }

    /** Counts a fault the runner injected itself (a lost device). */
    void faultInjected() {
        faultsFired++;
    }

    // ================================================================== fence callbacks

    private void scheduledSignalled(JobRecord r, Fence f) {
        long ts = f.timestampNanos();
        r.scheduledSignals++;
        trace.add(ts, T_SCHEDULED, r.plan.index(), f.error().errno());
        if (trace.keepsLines()) {
            trace.line(ts, "scheduled " + r.name() + (f.error().isError() ? " " + f.error() : ""));
        }
        if (r.scheduledSignals > 1) {
            violation(r, "a fence signals exactly once", "scheduled callback ran twice");
        }
        if (f.error().isError()) {
            violation(r, "scheduled fences signal without error", f.error().toString());
        }
        EntityTrack e = r.entity;
        if (r.seqno != e.lastScheduledSeqno + 1) {
            violation(r, "scheduled fences of an entity signal in submission order", "after #" + e.lastScheduledSeqno);
        }
        if (ts < e.lastScheduledTime) {
            violation(r, "scheduled fences of an entity have non-decreasing timestamps", ts + " < " + e.lastScheduledTime);
        }
        e.lastScheduledSeqno = Math.max(e.lastScheduledSeqno, r.seqno);
        e.lastScheduledTime = Math.max(e.lastScheduledTime, ts);
    }

    private void finishedSignalled(JobRecord r, Fence f) {
        long ts = f.timestampNanos();
        r.finishedSignals++;
        unfinished--;
        r.finishedErrorSeen = f.error();
        trace.add(ts, T_FINISHED, r.plan.index(), f.error().errno());
        if (trace.keepsLines()) {
            trace.line(ts, "finished " + r.name() + " " + f.error());
        }
        if (r.finishedSignals > 1) {
            violation(r, "a fence signals exactly once", "finished callback ran twice");
        }
        Fence sched = r.handle.scheduled();
        if (!sched.isSignaled() || r.scheduledSignals == 0) {
            violation(r, "the scheduled fence signals before the finished fence", "");
        } else if (sched.timestampNanos() > ts) {
            violation(r, "the scheduled fence signals before the finished fence", "timestamps "
                    + sched.timestampNanos() + " > " + ts);
        }
        EntityTrack e = r.entity;
        if (r.seqno != e.lastFinishedSeqno + 1) {
            violation(r, "finished fences of an entity signal in submission order", "after #" + e.lastFinishedSeqno);
        }
        if (ts < e.lastFinishedTime) {
            violation(r, "finished fences of an entity have non-decreasing timestamps", ts + " < " + e.lastFinishedTime);
        }
        e.lastFinishedSeqno = Math.max(e.lastFinishedSeqno, r.seqno);
        e.lastFinishedTime = Math.max(e.lastFinishedTime, ts);
        if (r.killedEvents > 0) {
            for (JobRecord.DepFence d : r.deps) {
                if (!d.fence().isSignaled()) {
                    violation(r, "a killed job finishes only after its dependencies", d.dep() + " is pending");
                }
            }
        }
    }

    // ================================================================== the end

    /**
     * Runs the checks that need the whole run and computes the fingerprint.
     *
     * @param idle whether the dispatcher ran out of events after everything was closed
     */
    void finish(boolean idle) {
        if (finished) {
            return;
        }
        finished = true;
        if (!idle) {
            violations.add("run", "after every close, the dispatcher runs dry", dispatcher.pendingEvents()
                    + " events still pending at " + dispatcher.nanoTime() + "ns");
        }
        if (attempted != jobs.length) {
            violations.add("run", "every planned submission was attempted", attempted + " of " + jobs.length);
        }
        for (SchedulerTrack t : schedulers) {
            if (!t.closeReturned || !t.scheduler.isClosed()) {
                violation(t, "every scheduler ends closed", "");
            }
            if (t.inFlightCredits != 0 || !t.onHardware.isEmpty()) {
                violation(t, "nothing is left on the hardware after close", t.onHardware.size() + " jobs, "
                        + t.inFlightCredits + " credits");
            }
        }
        checkCounters();
        for (JobRecord r : jobs) {
            if (r != null) {
                OutcomeRules.check(r, violations);
                for (String cb : r.expectedReports) {
                    violation(r, "every injected backend failure is reported", cb + " was not reported");
                }
            }
        }
        fingerprint = trace.fingerprint(dispatcher.eventsRun(), dispatcher.nanoTime());
    }

    /** What schedulers and entities report about themselves at the end agrees with what happened. */
    private void checkCounters() {
        long[] finishedBy = new long[schedulers.size()];
        JobRecord[] lastOf = new JobRecord[entities.size()];
        for (JobRecord r : jobs) {
            if (r == null || r.rejected || r.sched == null) {
                continue;
            }
            if (r.handle.finished().isSignaled()) {
                finishedBy[r.sched.index]++;
            }
            JobRecord last = lastOf[r.entity.index];
            if (last == null || r.seqno > last.seqno) {
                lastOf[r.entity.index] = r;
            }
        }
        for (SchedulerTrack t : schedulers) {
            if (t.scheduler.jobsFinished() != finishedBy[t.index]) {
                violation(t, "jobsFinished() counts the finished fences it signalled", t.scheduler.jobsFinished()
                        + " reported, " + finishedBy[t.index] + " signalled");
            }
            if (t.scheduler.inFlightCredits() != 0) {
                violation(t, "a closed scheduler has no credits in flight", "inFlightCredits() = "
                        + t.scheduler.inFlightCredits());
            }
        }
        for (EntityTrack e : entities) {
            if (e.entity.queueDepth() != 0) {
                violations.add("entity " + e.name, "nothing is queued after close", "queueDepth() = " + e.entity.queueDepth());
            }
            JobRecord last = lastOf[e.index];
            if (last != null && last.handle.finished().isSignaled()
                    && !e.entity.error().equals(last.handle.finished().error())) {
                violations.add("entity " + e.name, "error() is the error of the last finished job", e.entity.error()
                        + ", but " + last.name() + " ended " + last.handle.finished().error());
            }
        }
    }

    // ================================================================== results

    /** The violations found, readable, each naming the seed, the subject and the rule. */
    public List<String> violations() {
        return violations.list();
    }

    /**
     * How the jobs ended ({@code end.OK}, {@code end.ESRCH}, ..., {@code end.refused}) and how often
     * the run took paths worth covering ({@code path.timeout}, {@code path.pipelined}, ...).
     */
    public Map<String, Integer> counts() {
        Map<String, Integer> m = new TreeMap<>(paths);
        for (JobRecord r : jobs) {
            if (r == null) {
                continue;
            }
            String k = r.rejected ? "refused" : r.handle.finished().isSignaled() ? r.handle.finished().error().name() : "pending";
            m.merge("end." + k, 1, Integer::sum);
        }
        for (SchedulerTrack t : schedulers) {
            if (t.scheduler != null && t.scheduler.isDeviceGone()) {
                m.merge("path.deviceGoneVerdict", 1, Integer::sum);
            }
        }
        return m;
    }

    private void path(String name) {
        paths.merge(name, 1, Integer::sum);
    }

    /** The run's fingerprint (valid after the run ended). */
    public long fingerprint() {
        return fingerprint;
    }

    /** Number of faults that fired (backend faults and lost devices). */
    public int faultsFired() {
        return faultsFired;
    }

    /** Number of jobs accepted by {@code submit}. */
    public int submittedJobs() {
        return submitted;
    }

    /** Number of submissions refused (closed entity or scheduler). */
    public int rejectedJobs() {
        return rejected;
    }

    /** The last lines of the readable trace, if it was kept. */
    public List<String> traceTail() {
        return trace.tail();
    }

    /** The scenario under check. */
    public RandomScenario scenario() {
        return scenario;
    }

    // ================================================================== helpers

    private void violation(JobRecord r, String rule, String detail) {
        violations.add(r.name() + " " + r.plan.describe(), rule, detail);
    }

    private void violation(SchedulerTrack t, String rule, String detail) {
        violations.add(t.name(), rule, detail);
    }

    static String describe(Throwable t) {
        StringBuilder b = new StringBuilder(t.toString());
        StackTraceElement[] st = t.getStackTrace();
        for (int i = 0; i < Math.min(4, st.length); i++) {
            b.append(" at ").append(st[i]);
        }
        return b.toString();
    }
}
