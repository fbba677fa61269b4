package org.gpusched.sim.soak;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceCallback;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Backend;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SchedulerObserver;
import org.gpusched.sched.SubmittedJob;

/**
 * Checks the scheduler's invariants on real threads, for one round of jobs: it sees every job
 * through a {@link #observer observer} and a {@link #wrap wrapping backend} per scheduler and
 * through callbacks on the job's fences, checks what can be checked at the moment it happens,
 * and the rest at {@link #endOfRound()}.
 *
 * <p>Checked at the moment: backend callbacks of one scheduler never overlap and none comes
 * after that scheduler's {@code close()} returned; the credits of the jobs between their RUN and
 * HW_DONE events never exceed the limit; jobs of an entity run in submission order, at most once,
 * never after they were killed or their device was lost, and only once their dependencies (and
 * the fences prepare returned) signalled; a job leaves the hardware only when its hardware fence
 * signalled or it timed out, was cancelled or its device was lost; a scheduled fence has not
 * signalled when the job is run; a finished fence signals only after the job ended, after its
 * predecessor's and (for a killed job) after its dependencies; a job is freed once, after its
 * finished fence signalled (killed jobs: when killed). Checked at the end: every fence handed out
 * signalled exactly once, every job was freed once and ended once, finished and scheduled fences
 * of each entity carry non-decreasing timestamps in seqno order, every error is one that the
 * job's history allows, refused submissions left no trace, and what schedulers and entities
 * report about themselves agrees.
 *
 * <p>Thread-safe. Violations go to a sink, each with the seed, the round and the job.
 */
public final class SoakChecker {

    private final long seed;
    private final int round;
    private final Consumer<Violation> sink;
    private final AtomicLong violations = new AtomicLong();
    private final ConcurrentHashMap<String, SchedulerTrack> schedulers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, EntityTrack> entities = new ConcurrentHashMap<>();
    private final Queue<SoakJob> jobs = new ConcurrentLinkedQueue<>();
    private final AtomicInteger outstanding = new AtomicInteger();

    /**
     * A checker for round {@code round} of the soak with {@code seed}, reporting to {@code sink}
     * (called from any thread; it must be thread-safe).
     */
    public SoakChecker(long seed, int round, Consumer<Violation> sink) {
        this.seed = seed;
        this.round = round;
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    // ================================================================== set-up

    /**
     * Registers scheduler {@code name} and returns {@code backend} wrapped in the checks. Give
     * the wrapper to the scheduler's builder, with {@link #observer(String)}.
     *
     * @param pipelining whether the scheduler pipelines same-ring dependencies (its builder's setting)
     * @throws IllegalArgumentException if the name is taken
     */
    public Backend<SoakJob> wrap(String name, int creditLimit, boolean pipelining, Backend<SoakJob> backend) {
        SchedulerTrack t = new SchedulerTrack(name, creditLimit, pipelining);
        if (schedulers.putIfAbsent(name, t) != null) {
            throw new IllegalArgumentException("scheduler " + name + " is registered already");
        }
        return new CheckingBackend(this, t, Objects.requireNonNull(backend, "backend"));
    }

    /** The observer of scheduler {@code name} (registered with {@link #wrap}). */
    public SchedulerObserver observer(String name) {
        return new CheckingObserver(this, track(name));
    }

    /** Lets the end-of-round checks compare what {@code s} reports about itself. */
    public void attach(Scheduler<SoakJob> s) {
        track(s.name()).scheduler = s;
    }

    /** Lets the end-of-round checks compare what {@code e} reports about itself. */
    public void attach(Entity<SoakJob> e) {
        entity(e.name()).entity = e;
    }

    // ================================================================== what the driver does

    /** Creates the payload of a job about to be built and submitted. */
    public SoakJob newJob(JobPlan plan, int credits) {
        SoakJob j = new SoakJob(plan, credits);
        jobs.add(j);
        return j;
    }

    /** The submission of {@code j} returned {@code handle}. */
    public void accepted(SoakJob j, SubmittedJob<SoakJob> handle) {
        j.handleFinished = handle.finished();
        j.accepted = true;
        if (handle.payload() != j) {
            violation(j.name(), "a submitted job carries its payload", "handle payload " + handle.payload());
        }
    }

    /** The submission of {@code j} was refused (the entity or its schedulers are closed). */
    public void rejected(SoakJob j) {
        j.rejected = true;
    }

    /** About to close entity {@code name}: from now on its queued jobs may be killed. */
    public void entityClosing(String name) {
        entity(name).closeRequested = true;
    }

    /** About to close scheduler {@code name}: from now on its jobs may be killed or cancelled. */
    public void schedulerClosing(String name) {
        track(name).closeRequested = true;
    }

    /** {@code close()} of scheduler {@code name} returned: no backend callback may come any more. */
    public void schedulerClosed(String name) {
        track(name).closeReturned = true;
    }

    /** Jobs whose first event was seen and whose finished fence has not signalled yet. */
    public int outstanding() {
        return outstanding.get();
    }

    /** Violations reported so far. */
    public long violations() {
        return violations.get();
    }

    /** Reports a violation found by the caller (an unexpected exception, a hang). */
    public void violation(String who, String rule, String detail) {
        violations.incrementAndGet();
        sink.accept(new Violation(seed, round, who, rule, detail));
    }

    /**
     * Waits (polling) until the finished fence of every accepted job has signalled, at most
     * {@code maxNanos}, and, within the same time, until the scheduler has reported each of them
     * FINISHED and FREED (which it does on its lane just after the signal).
     *
     * @return true if all the fences signalled
     */
    public boolean awaitAllFinished(long maxNanos) {
        long deadline = System.nanoTime() + maxNanos;
        for (SoakJob j : jobs) {
            if (!j.accepted) {
                continue;
            }
            Fence f = j.handleFinished;
            while (!f.isSignaled()) {
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
                LockSupport.parkNanos(200_000);
            }
            // The lane reports FINISHED (and then frees) right after the signal, on its own
            // thread: seeing the fence signalled here does not mean it has got that far. Give it
            // the same deadline; if the events never come, endOfRound reports exactly that.
            while ((j.finishedEvents.get() == 0 || j.freedEvents.get() == 0) && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(200_000);
            }
        }
        return true;
    }

    /** Jobs created in this round (accepted or not). */
    List<SoakJob> jobs() {
        return new ArrayList<>(jobs);
    }

    // ================================================================== records

    SchedulerTrack track(String name) {
        SchedulerTrack t = schedulers.get(name);
        if (t == null) {
            throw new IllegalArgumentException("scheduler " + name + " was not registered with wrap()");
        }
        return t;
    }

    EntityTrack entity(String name) {
        return entities.computeIfAbsent(name, EntityTrack::new);
    }

    void violation(SoakJob j, String rule, String detail) {
        violation(j.name(), rule, detail);
    }

    /** The payload of {@code view} as a soak job, or null (reported) if it is something else. */
    SoakJob payload(JobView<?> view, SchedulerTrack t) {
        Object p = view.payload();
        if (p instanceof SoakJob j) {
            see(j, view, t);
            return j;
        }
        violation(t.toString(), "every job carries its submitted payload", "payload " + p);
        return null;
    }

    /**
     * Learns the job's identity at the first event or callback that shows it, and registers the
     * callbacks on its fences there: the earliest moment, since a job may be run (and even
     * finish) on the scheduler's lane before its submitting thread reports SUBMITTED.
     */
    private void see(SoakJob j, JobView<?> view, SchedulerTrack t) {
        if (!j.known) {
            synchronized (j) {
                if (!j.known) {
                    learn(j, view, t);
                    j.known = true;
                }
            }
        }
        if (j.sched != t) {
            violation(j, "a job's events and callbacks come from the scheduler it was submitted to",
                    "from " + t.name + ", submitted to " + j.sched.name);
        }
        if (!t.name.equals(view.schedulerName())) {
            violation(j, "a job's events and callbacks come from the scheduler it was submitted to",
                    "from " + t.name + ", the job says " + view.schedulerName());
        }
    }

    private void learn(SoakJob j, JobView<?> view, SchedulerTrack t) {
        EntityTrack e = entity(view.entityName());
        j.sched = t;
        j.seqno = view.seqno();
        j.scheduledFence = view.scheduled();
        j.finishedFence = view.finished();
        j.entity = e;
        if (e.bySeqno.putIfAbsent(j.seqno, j) != null) {
            violation(j, "seqnos are unique within an entity", "seqno " + j.seqno + " seen twice");
        }
        outstanding.incrementAndGet();
        FenceCallback onScheduled = new FenceCallback() {
            @Override
            protected void onSignaled(Fence fence) {
                scheduledSignalled(j);
            }
        };
        if (!j.scheduledFence.addCallback(onScheduled)) {
            scheduledSignalled(j);
        }
        FenceCallback onFinished = new FenceCallback() {
            @Override
            protected void onSignaled(Fence fence) {
                finishedSignalled(j, fence);
            }
        };
        if (!j.finishedFence.addCallback(onFinished)) {
            finishedSignalled(j, j.finishedFence);
        }
    }

    private void scheduledSignalled(SoakJob j) {
        if (j.scheduledSignals.incrementAndGet() != 1) {
            violation(j, "every handed-out fence signals exactly once", "scheduled fence callback ran again");
        }
    }

    /**
     * A finished fence signalled: its predecessor in the entity must have signalled before. The
     * predecessor is known by then if the scheduler is right, since it must have ended (an event)
     * before it could finish.
     */
    private void finishedSignalled(SoakJob j, Fence f) {
        if (j.finishedSignals.incrementAndGet() != 1) {
            violation(j, "every handed-out fence signals exactly once", "finished fence callback ran again");
        }
        j.finishedErrorSeen = f.error();
        if (j.hwDoneEvents.get() + j.killedEvents.get() == 0) {
            violation(j, "a finished fence signals only after the job ended (HW_DONE or KILLED)", "signalled " + f.error()
                    + " first");
        }
        if (j.killedEvents.get() != 0) {
            for (SoakJob.Dep d : j.deps) {
                if (!d.fence().isSignaled()) {
                    violation(j, "a killed job's finished fence signals after its dependencies", "dependency " + d.fence()
                            + (d.source() == null ? "" : " of " + d.source().name()) + " has not signalled");
                }
            }
        }
        EntityTrack e = j.entity;
        e.finishedCallbacks.incrementAndGet();
        outstanding.decrementAndGet();
        if (j.seqno > 1) {
            SoakJob prev = e.bySeqno.get(j.seqno - 1);
            if (prev == null || !prev.finishedFence.isSignaled()) {
                violation(j, "finished fences of an entity signal in submission order",
                        "signalled " + f.error() + " while #" + (j.seqno - 1)
                                + (prev == null ? " had not even ended" : " had not signalled"));
            }
        }
    }

    // ================================================================== checks made by the observer and wrapper

    /** A RUN event: credits go on the hardware. */
    void onRun(SoakJob j, JobView<?> view, SchedulerTrack t) {
        if (j.runEvents.incrementAndGet() != 1) {
            violation(j, "a job is run at most once", j.runEvents.get() + " RUN events");
        }
        if (j.killedEvents.get() != 0) {
            violation(j, "killed jobs never run", "RUN after KILLED");
        }
        int c = view.credits();
        int expected = Math.min(j.requestedCredits, t.creditLimit);
        if (c != expected) {
            violation(j, "a job occupies its credits, clamped to the limit", c + " charged, " + j.requestedCredits
                    + " asked with limit " + t.creditLimit);
        }
        j.chargedCredits = c;
        int now = t.inFlight.addAndGet(c);
        if (now > t.creditLimit) {
            violation(j, "in-flight credits never exceed the limit", now + " in flight on " + t.name + " (limit "
                    + t.creditLimit + ") when it ran with " + c);
        }
    }

    /** A HW_DONE event: the job left the hardware and gives its credits back. */
    void onHwDone(SoakJob j, SchedulerTrack t) {
        if (j.hwDoneEvents.incrementAndGet() != 1) {
            violation(j, "a job ends exactly once", j.hwDoneEvents.get() + " HW_DONE events");
        }
        if (j.killedEvents.get() != 0) {
            violation(j, "a job ends exactly once", "HW_DONE after KILLED");
        }
        if (j.runEvents.get() != 0) {
            int now = t.inFlight.addAndGet(-j.chargedCredits);
            if (now < 0) {
                violation(j, "credits given back were taken", now + " in flight on " + t.name);
            }
        }
        Fence hw = j.hwFence;
        if (j.runCalls.get() > 0 && !j.runFailed && hw != null && !hw.isSignaled()
                && j.timedOutEvents.get() == 0 && j.canceledEvents.get() == 0 && !t.deviceGone) {
            violation(j, "a job leaves the hardware only when its fence signalled, it timed out, was cancelled or the device was lost",
                    "its hardware fence has not signalled");
        }
    }

    /** A KILLED event. */
    void onKilled(SoakJob j, SchedulerTrack t) {
        if (j.killedEvents.incrementAndGet() != 1) {
            violation(j, "a job ends exactly once", j.killedEvents.get() + " KILLED events");
        }
        if (j.runEvents.get() != 0 || j.runCalls.get() != 0) {
            violation(j, "killed jobs never ran", "KILLED after it was run");
        }
        if (j.hwDoneEvents.get() != 0) {
            violation(j, "a job ends exactly once", "KILLED after HW_DONE");
        }
        j.killedWhileClosing = t.closeRequested || j.entity.closeRequested;
        j.killedWhileDeviceGone = t.deviceGone;
    }

    /** True if {@code j} is between its RUN and its HW_DONE. */
    static boolean onHardware(SoakJob j) {
        return j.runEvents.get() == 1 && j.hwDoneEvents.get() == 0;
    }

    /** Entry of every backend callback. */
    void enter(SchedulerTrack t, SoakJob j, String callback) {
        int n = t.activeCallbacks.incrementAndGet();
        if (n != 1) {
            violation(j == null ? t.toString() : j.name(), "backend callbacks of one scheduler never overlap",
                    callback + " entered while " + (n - 1) + " other callback(s) of " + t.name + " ran");
        }
        if (t.closeReturned) {
            violation(j == null ? t.toString() : j.name(), "no backend callback after close() returned",
                    callback + " called after " + t.name + " closed");
        }
    }

    /** Exit of every backend callback. */
    void exit(SchedulerTrack t, SoakJob j, String callback) {
        if (t.closeReturned) {
            violation(j == null ? t.toString() : j.name(), "no backend callback after close() returned",
                    callback + " still ran when close() of " + t.name + " returned");
        }
        t.activeCallbacks.decrementAndGet();
    }

    /** Checks at {@code run}: order, dependencies, run once, not killed. */
    void checkRun(SoakJob j, SchedulerTrack t) {
        if (j.runCalls.incrementAndGet() != 1) {
            violation(j, "a job is run at most once", j.runCalls.get() + " run calls");
        }
        if (j.runEvents.get() != 1) {
            violation(j, "every run is observed (RUN event before run)", j.runEvents.get() + " RUN events");
        }
        if (j.killedEvents.get() != 0) {
            violation(j, "killed jobs never run", "run called after KILLED");
        }
        if (j.prepareFailed) {
            violation(j, "a job whose prepare failed does not run", "run called");
        }
        if (t.deviceGone) {
            violation(j, "nothing runs after the device is lost", "run called on " + t.name);
        }
        if (j.scheduledFence.isSignaled()) {
            violation(j, "a scheduled fence signals once the job was handed to the hardware (or killed)",
                    "signalled before run was called");
        }
        long prev = j.entity.lastRun.getAndAccumulate(j.seqno, Math::max);
        if (prev >= j.seqno) {
            violation(j, "jobs of an entity run in submission order", "run after #" + prev);
        }
        for (SoakJob.Dep d : j.deps) {
            checkDependency(j, t, d.fence(), d.source(), "dependency");
        }
        for (Fence f : j.prepareFences) {
            checkDependency(j, t, f, null, "fence from prepare");
        }
    }

    private void checkDependency(SoakJob j, SchedulerTrack t, Fence f, SoakJob src, String what) {
        if (f.isSignaled()) {
            return;
        }
        if (src != null) {
            if (src.entity == j.entity) {
                return; // the entity's own jobs are ordered by submission, not waited for
            }
            if (f == src.finishedFence && src.sched == t && t.pipelining && src.scheduledFence.isSignaled()) {
                return; // same in-order ring: waiting until it is on the ring is enough
            }
        }
        violation(j, "a job runs only after its dependencies signalled", what + " " + f
                + (src == null ? "" : " of " + src.name()) + " has not signalled");
    }

    // ================================================================== end of round

    /**
     * The checks that need the whole round: call once every scheduler is closed and
     * {@link #awaitAllFinished} returned (unsignalled fences are reported here).
     */
    public void endOfRound() {
        List<SoakJob> all = jobs();
        for (SoakJob j : all) {
            checkJob(j);
        }
        for (EntityTrack e : entities.values()) {
            checkEntity(e);
        }
        for (SchedulerTrack t : schedulers.values()) {
            checkScheduler(t, all);
        }
    }

    private void checkJob(SoakJob j) {
        String who = j.name() + " [" + j.plan + ", credits " + j.requestedCredits + "]";
        if (j.rejected) {
            int trace = j.submittedEvents.get() + j.runEvents.get() + j.killedEvents.get() + j.runCalls.get()
                    + j.freeCalls.get() + j.prepareCalls.get();
            if (trace != 0 || j.known || j.accepted) {
                violation(who, "a refused submission leaves no trace", "seen by the scheduler after it refused it");
            }
            return;
        }
        if (!j.accepted) {
            violation(who, "a submission returns or is refused", "submit neither returned nor threw");
            return;
        }
        if (!j.known || j.submittedEvents.get() != 1) {
            violation(who, "every submission is observed once", j.submittedEvents.get() + " SUBMITTED events");
            if (!j.known) {
                return;
            }
        }
        Fence scheduled = j.scheduledFence;
        Fence finished = j.finishedFence;
        if (finished != j.handleFinished) {
            violation(who, "the handle and the backend see the same fences", "two finished fences");
        }
        if (!scheduled.isSignaled() || j.scheduledSignals.get() != 1) {
            violation(who, "every handed-out fence signals exactly once", "scheduled fence signalled "
                    + scheduled.isSignaled() + ", callbacks " + j.scheduledSignals.get());
        }
        if (!finished.isSignaled() || j.finishedSignals.get() != 1) {
            violation(who, "every handed-out fence signals exactly once", "finished fence signalled "
                    + finished.isSignaled() + ", callbacks " + j.finishedSignals.get());
        }
        if (j.freeCalls.get() != 1 || j.freedEvents.get() != 1) {
            violation(who, "every job is freed exactly once", "free calls " + j.freeCalls.get() + ", FREED events "
                    + j.freedEvents.get());
        }
        if (j.finishedEvents.get() != 1) {
            violation(who, "every finish is observed once", j.finishedEvents.get() + " FINISHED events");
        }
        if (j.runCalls.get() > 1 || j.runEvents.get() != j.runCalls.get()) {
            violation(who, "a job is run at most once, and observed", j.runCalls.get() + " run calls, "
                    + j.runEvents.get() + " RUN events");
        }
        if (j.killedEvents.get() + j.hwDoneEvents.get() != 1) {
            violation(who, "a job ends exactly once (HW_DONE or KILLED)", "HW_DONE " + j.hwDoneEvents.get()
                    + ", KILLED " + j.killedEvents.get());
        }
        if (j.timedOutEvents.get() != j.timedOutCalls.get()) {
            violation(who, "every timeout is observed", j.timedOutEvents.get() + " TIMED_OUT events, "
                    + j.timedOutCalls.get() + " timedOut calls");
        }
        if (!scheduled.isSignaled() || !finished.isSignaled()) {
            return;
        }
        if (scheduled.timestampNanos() > finished.timestampNanos()) {
            violation(who, "a job is scheduled before it finishes", "scheduled at " + scheduled.timestampNanos()
                    + ", finished at " + finished.timestampNanos());
        }
        FenceError e = finished.error();
        FenceError seen = j.finishedErrorSeen;
        if (seen != null && !seen.equals(e)) {
            violation(who, "a fence's error is set before it signals", "callback saw " + seen + ", now " + e);
        }
        String why = disallowed(j, e);
        if (why != null) {
            violation(who, "a job ends only with an error its history allows", "ended " + e + ": " + why);
        }
    }

    /** Why {@code j} may not end with {@code e}, or null if its history allows it. */
    static String disallowed(SoakJob j, FenceError e) {
        if (j.killedEvents.get() > 0) {
            if (j.runCalls.get() > 0) {
                return "it was killed after it ran";
            }
            if (e.equals(FenceError.KILLED)) {
                return j.killedWhileClosing ? null : "KILLED while neither its entity nor its scheduler was closing";
            }
            if (e.equals(FenceError.DEVICE_GONE)) {
                return j.killedWhileDeviceGone ? null : "killed with ENODEV while its device was not lost";
            }
            return "a killed job ends ESRCH or ENODEV";
        }
        if (j.runCalls.get() == 0) {
            if (j.prepareFailed) {
                return e.equals(FenceError.BACKEND_FAILED) ? null : "prepare threw, so it ends EIO";
            }
            return "it was neither run nor killed, and prepare did not fail";
        }
        if (j.runFailed) {
            return e.equals(FenceError.BACKEND_FAILED) ? null : "run failed, so it ends EIO";
        }
        Fence hw = j.hwFence;
        if (hw != null && hw.isSignaled() && hw.error().equals(e)) {
            return null;
        }
        if (e.equals(FenceError.TIMED_OUT) && j.timedOutEvents.get() > 0) {
            return null;
        }
        if (e.equals(FenceError.DEVICE_GONE) && j.sched.deviceGone) {
            return null;
        }
        if (e.equals(FenceError.CANCELED) && j.canceledEvents.get() > 0) {
            return null;
        }
        return "its hardware fence " + (hw == null ? "is unknown" : hw.isSignaled() ? "signalled " + hw.error()
                : "never signalled") + ", timeouts " + j.timedOutEvents.get() + ", cancelled " + j.canceledEvents.get()
                + ", device lost " + j.sched.deviceGone;
    }

    private void checkEntity(EntityTrack e) {
        List<SoakJob> mine = new ArrayList<>(e.bySeqno.values());
        mine.sort(Comparator.comparingLong(j -> j.seqno));
        for (int i = 0; i < mine.size(); i++) {
            SoakJob j = mine.get(i);
            if (j.seqno != i + 1) {
                violation(e.toString(), "seqnos of an entity are 1, 2, 3, ...", "#" + j.seqno + " at position " + (i + 1));
                return;
            }
            if (i == 0) {
                continue;
            }
            SoakJob p = mine.get(i - 1);
            if (p.finishedFence.isSignaled() && j.finishedFence.isSignaled()
                    && p.finishedFence.timestampNanos() > j.finishedFence.timestampNanos()) {
                violation(j, "finished fences of an entity signal in submission order", "stamped "
                        + j.finishedFence.timestampNanos() + ", before #" + p.seqno + " at " + p.finishedFence.timestampNanos());
            }
            if (p.scheduledFence.isSignaled() && j.scheduledFence.isSignaled()
                    && p.scheduledFence.timestampNanos() > j.scheduledFence.timestampNanos()) {
                violation(j, "scheduled fences of an entity signal in submission order", "stamped "
                        + j.scheduledFence.timestampNanos() + ", before #" + p.seqno + " at " + p.scheduledFence.timestampNanos());
            }
        }
        if (e.finishedCallbacks.get() != mine.size()) {
            violation(e.toString(), "every finished fence of the entity signalled once", e.finishedCallbacks.get()
                    + " callbacks for " + mine.size() + " jobs");
        }
        Entity<SoakJob> entity = e.entity;
        if (entity != null && entity.queueDepth() != 0) {
            violation(e.toString(), "nothing is queued after the round", "queueDepth() = " + entity.queueDepth());
        }
        if (entity != null && !mine.isEmpty()) {
            Fence last = mine.get(mine.size() - 1).finishedFence;
            if (last.isSignaled() && !entity.error().equals(last.error())) {
                violation(e.toString(), "error() is the error of the entity's last finished job", entity.error()
                        + ", but the last job ended " + last.error());
            }
        }
    }

    private void checkScheduler(SchedulerTrack t, List<SoakJob> all) {
        if (t.activeCallbacks.get() != 0) {
            violation(t.toString(), "backend callbacks of one scheduler never overlap", t.activeCallbacks.get()
                    + " callbacks still inside at the end");
        }
        if (!t.closeReturned) {
            return;
        }
        if (t.inFlight.get() != 0) {
            violation(t.toString(), "nothing is left on the hardware after close", t.inFlight.get() + " credits");
        }
        Scheduler<SoakJob> s = t.scheduler;
        if (s == null) {
            return;
        }
        if (!s.isClosed()) {
            violation(t.toString(), "a scheduler whose close() returned is closed", "isClosed() = false");
        }
        if (s.inFlightCredits() != 0) {
            violation(t.toString(), "a closed scheduler has no credits in flight", "inFlightCredits() = " + s.inFlightCredits());
        }
        long finished = 0;
        for (SoakJob j : all) {
            if (j.known && j.sched == t && j.finishedFence.isSignaled()) {
                finished++;
            }
        }
        if (s.jobsFinished() != finished) {
            violation(t.toString(), "jobsFinished() counts the finished fences it signalled", s.jobsFinished()
                    + " reported, " + finished + " signalled");
        }
    }
}
