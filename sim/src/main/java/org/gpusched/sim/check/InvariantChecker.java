package org.gpusched.sim.check;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobEvent;
import org.gpusched.sched.JobView;
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
 *       without error and before the finished one, each as soon as it is due;</li>
 *   <li>every submitted job is freed exactly once (by the backend and in the ring's count), and
 *       only after its finished fence signalled unless it was killed;</li>
 *   <li>the jobs of an entity run in submission order, its scheduled and finished fences signal
 *       in submission order with non-decreasing timestamps, and it moves to another scheduler
 *       only when idle;</li>
 *   <li>a job runs only after its dependencies signalled (or, for a job of the same ring, were
 *       scheduled) and after the fences {@code prepare} returned; a killed job finishes only
 *       after its dependencies;</li>
 *   <li>the credits on the hardware never exceed the limit, and oversize jobs are clamped;
 *       under FIFO and RR priorities are strict and FIFO takes the oldest head job; no
 *       scheduler idles while runnable work fits;</li>
 *   <li>the timeout fires for the oldest job on the hardware exactly when it has been the
 *       oldest for the timeout; completions are noticed at once;</li>
 *   <li>backend callbacks of one scheduler never overlap, none runs after its
 *       {@code close()} returned, and no job runs on a closing or dead scheduler;</li>
 *   <li>each job ends with an error that its history allows (a job that never ran can only be
 *       KILLED, DEVICE_GONE, or BACKEND_FAILED from {@code prepare}; CANCELED only on a closing
 *       scheduler; and so on), backend failures are reported for exactly the injected faults,
 *       and submissions are refused only by closed entities and schedulers;</li>
 *   <li>at the end, what schedulers and entities report about themselves agrees with what
 *       happened.</li>
 * </ul>
 * The rules live in {@link CallRules} (backend calls), {@link HardwareRules} (job events),
 * {@link FenceOrderRules} (fence signals), {@link OutcomeRules} and {@link EndRules} (the end);
 * this class records, routes and reports. It also folds every observation with its virtual
 * time into a {@link #fingerprint()}, so that two runs of one seed can be compared.
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
    private final Findings findings;
    private final HardwareRules hardware;
    private final FenceOrderRules fenceOrder;
    private final CallRules calls;
    private final Trace trace;
    private final List<SchedulerTrack> schedulers = new ArrayList<>();
    private final List<EntityTrack> entities = new ArrayList<>();
    private final JobRecord[] jobs;
    private final Map<SimJob, JobRecord> byPayload = new IdentityHashMap<>();
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
        this.findings = new Findings(scenario.seed());
        this.trace = new Trace(keepTrace);
        for (int i = 0; i < scenario.schedulers().size(); i++) {
            schedulers.add(new SchedulerTrack(i, scenario.schedulers().get(i)));
        }
        for (int i = 0; i < scenario.entities().size(); i++) {
            entities.add(new EntityTrack(i, scenario.entities().get(i).name()));
        }
        this.jobs = new JobRecord[scenario.jobs().size()];
        this.hardware = new HardwareRules(findings, dispatcher, entities);
        this.fenceOrder = new FenceOrderRules(findings);
        this.calls = new CallRules(findings);
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
        // The fence callbacks were registered when the SUBMITTED event came (before any work on
        // the job could start): in direct-run mode the submitting thread may run, and even
        // finish, the job before submit returns.
        if (!directRun(h) && (r.scheduledSignals > 0 || r.finishedSignals > 0)) {
            violation(r, "fences signal only after submit returns (unless direct-run)", "scheduled "
                    + r.scheduledSignals + ", finished " + r.finishedSignals);
        }
    }

    private boolean directRun(SubmittedJob<SimJob> h) {
        if (!(h instanceof org.gpusched.sched.JobView<?> v)) {
            return false;
        }
        for (SchedulerTrack t : schedulers) {
            if (t.plan.name().equals(v.schedulerName())) {
                return t.plan.directRun();
            }
        }
        return false;
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
            // refused only if no candidate is open, or if the entity cannot move (not idle) and
            // its current scheduler is closing
            boolean allClosing = true;
            for (var s : e.schedulers()) {
                allClosing &= s.isClosing();
            }
            EntityTrack t = r.entity;
            boolean idle = e.queueDepth() == 0 && t.lastFinishedSeqno == t.lastSubmittedSeqno;
            if (!allClosing && (idle || !e.scheduler().isClosing())) {
                violation(r, "submissions are refused only by closed schedulers", ex + " (entity "
                        + (idle ? "idle" : "busy") + " on " + e.scheduler().name() + ", may run on "
                        + e.schedulers().stream().map(s -> s.name() + (s.isClosing() ? " (closing)" : "")).toList() + ")");
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
        findings.violation("run", "the library throws only where documented", what + " threw " + describe(failure));
    }

    /** The checker itself failed (a bug here, or state it did not expect). */
    void internalError(String what, Throwable failure) {
        findings.violation("checker", "internal error", what + ": " + describe(failure));
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
        if (r != null) {
            calls.prepared(t, r, f);
        }
    }

    void running(SchedulerTrack t, JobRecord r, JobView<SimJob> view) {
        if (r != null) {
            calls.running(t, r, view);
        }
    }

    void timingOut(SchedulerTrack t, JobRecord r) {
        if (r != null) {
            calls.timingOut(t, r);
        }
    }

    void cancelling(SchedulerTrack t, JobRecord r) {
        if (r != null) {
            calls.cancelling(t, r);
        }
    }

    void freeing(SchedulerTrack t, JobRecord r, org.gpusched.fence.Fence finished) {
        if (r != null) {
            calls.freeing(t, r, finished);
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
            case RUNNABLE -> hardware.runnable(t, r);
            case RUN -> hardware.run(t, r, view, now);
            case HW_DONE -> hardware.hwDone(t, r, now);
            case TIMED_OUT -> hardware.timedOut(t, r, now);
            case CANCELED -> {
                r.canceledEvents++;
                path("path.canceledWithoutHardware");
                if (!t.closing) {
                    violation(r, "jobs are cancelled only by close()", "");
                }
            }
            case KILLED -> hardware.killed(t, r, now);
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
        r.entity.lastSubmittedSeqno = Math.max(r.entity.lastSubmittedSeqno, r.seqno);
        if (r.entity.lastScheduler != null && r.entity.lastScheduler != t) {
            path("path.entityMoved");
            if (r.entity.lastFinishedSeqno != r.seqno - 1) {
                violation(r, "an entity moves to another scheduler only when idle", "moved from "
                        + r.entity.lastScheduler.plan.name() + " while #" + (r.entity.lastFinishedSeqno + 1)
                        + " had not finished");
            }
        }
        r.submitTime = view.submitTimeNanos();
        r.scheduledFence = view.scheduled();
        if (view.scheduled().onSignal(f -> scheduledSignalled(r, f)) == null
                | view.finished().onSignal(f -> finishedSignalled(r, f)) == null) {
            violation(r, "fences are unsignalled when the job is queued", "");
        }
        r.entity.lastScheduler = t;
        if (!t.plan.name().equals(view.schedulerName())) {
            violation(r, "the job view names its scheduler", view.schedulerName());
        }
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
        trace.add(ts, T_SCHEDULED, r.plan.index(), f.error().errno());
        if (trace.keepsLines()) {
            trace.line(ts, "scheduled " + r.name() + (f.error().isError() ? " " + f.error() : ""));
        }
        fenceOrder.scheduledSignalled(r, f);
    }

    private void finishedSignalled(JobRecord r, Fence f) {
        long ts = f.timestampNanos();
        unfinished--;
        trace.add(ts, T_FINISHED, r.plan.index(), f.error().errno());
        if (trace.keepsLines()) {
            trace.line(ts, "finished " + r.name() + " " + f.error());
        }
        fenceOrder.finishedSignalled(r, f);
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
            findings.violation("run", "after every close, the dispatcher runs dry", dispatcher.pendingEvents()
                    + " events still pending at " + dispatcher.nanoTime() + "ns");
        }
        if (attempted != jobs.length) {
            findings.violation("run", "every planned submission was attempted", attempted + " of " + jobs.length);
        }
        EndRules.check(schedulers, entities, jobs, findings);
        for (JobRecord r : jobs) {
            if (r != null) {
                OutcomeRules.check(r, findings);
                for (String cb : r.expectedReports) {
                    violation(r, "every injected backend failure is reported", cb + " was not reported");
                }
            }
        }
        fingerprint = trace.fingerprint(dispatcher.eventsRun(), dispatcher.nanoTime());
    }

    // ================================================================== results

    /** The violations found, readable, each naming the seed, the subject and the rule. */
    public List<String> violations() {
        return findings.violations();
    }

    /**
     * How the jobs ended ({@code end.OK}, {@code end.ESRCH}, ..., {@code end.refused}) and how often
     * the run took paths worth covering ({@code path.timeout}, {@code path.pipelined}, ...).
     */
    public Map<String, Integer> counts() {
        Map<String, Integer> m = new TreeMap<>(findings.paths());
        for (JobRecord r : jobs) {
            if (r == null) {
                continue;
            }
            String k = r.rejected ? "refused" : r.handle == null ? "unsubmitted"
                    : r.handle.finished().isSignaled() ? r.handle.finished().error().name() : "pending";
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
        findings.path(name);
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
        findings.violation(r, rule, detail);
    }

    private void violation(SchedulerTrack t, String rule, String detail) {
        findings.violation(t, rule, detail);
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
