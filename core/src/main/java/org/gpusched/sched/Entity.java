package org.gpusched.sched;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.gpusched.exec.Clock;
import org.gpusched.exec.Dispatcher;
import org.gpusched.exec.NonBlocking;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceCallback;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceOrigin;
import org.gpusched.fence.Timeline;

/**
 * A submission context (the kernel's {@code drm_sched_entity}): one client's queue of jobs,
 * which run in submission order on one of the entity's schedulers.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Jobs run, and their finished fences signal, in submission order, also when some are
 *       killed or fail: a job's finished fence signals after its predecessor's.</li>
 *   <li>Each job gets two fences with the same seqno: {@code scheduled} on this entity's
 *       "scheduled" timeline and {@code finished} on its "finished" timeline.</li>
 *   <li>An entity bound to several schedulers moves to the least loaded one (smallest score)
 *       only when it is idle: nothing queued and its last job finished, so order holds across
 *       rings.</li>
 *   <li>{@link #setPriority} and {@link #setSchedulers} take effect (the kernel loses
 *       priority changes of single-scheduler entities): the priority at the lane's next look,
 *       the scheduler list at the next submission that finds the entity idle.</li>
 *   <li>Closing is defined at any time: queued jobs end with {@link FenceError#KILLED} in
 *       order, jobs on the hardware finish normally.</li>
 * </ul>
 *
 * <p>Thread-safety: all public methods may be called from any thread; submissions from many
 * threads are serialized by the entity's lock (a short critical section: seqno, fences, queue
 * link). Fields are grouped below by what guards them.
 *
 * @param <P> the payload type
 */
public final class Entity<P> extends EntitySubmitSide.Padded<P> {

    private static final long CLOSED_BIT = Long.MIN_VALUE;
    private static final VarHandle SUBMITTED;
    private static final VarHandle LEFT_QUEUE;
    private static final VarHandle RUNTIME;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SUBMITTED = l.findVarHandle(EntitySubmitSide.class, "submittedCount", long.class);
            LEFT_QUEUE = l.findVarHandle(Entity.class, "leftQueue", long.class);
            RUNTIME = l.findVarHandle(Entity.class, "runtime", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private volatile Priority priority;

    // ---- the lane's take of the queue and the count of jobs that left it
    /** Head of the jobs the lane has taken from {@link #inHead} and not yet popped; lane-confined. */
    private Job<P> laneHead;
    /**
     * Jobs that left the queue (run or killed), with {@link #CLOSED_BIT} set once the entity is
     * closed. The lane claims each job it runs with a CAS that fails once the bit is set, so a
     * job is either counted as killed by {@link #close} or run, never both. Written by the lane
     * (CAS) and once by {@code close} (under this lock); read anywhere.
     */
    private volatile long leftQueue;

    // ---- confined to the lane of the current scheduler
    /** The entity's id in its scheduler's run queue while it is in it, else -1. */
    int rqId = -1;
    long key;
    long keySeq;
    int rqIndex;
    boolean inRunQueue;
    boolean ready;
    long rrTs;
    Fence blockedOn;
    Job<P> orderHead;
    Job<P> orderTail;
    long prevRuntime;
    long vruntime;
    final Ewma avgJobUs = new Ewma();

    // ---- written by the lane, read anywhere
    private volatile long runtime;
    private volatile FenceError lastError = FenceError.NONE;

    // ---- scheduler inbox (lock-free)
    final AtomicBoolean inInbox = new AtomicBoolean();
    Entity<P> inboxNext;

    /** Registered on the fence the head job waits for; wakes the lane when it signals. */
    final FenceCallback dependencyCallback = new FenceCallback() {
        @Override
        protected void onSignaled(Fence fence) {
            wakeScheduler();
        }
    };

    private Entity(String name, Priority priority, List<Scheduler<P>> schedulers, Timeline scheduled, Timeline finished) {
        super(schedulers, scheduled, finished);
        this.name = name;
        this.priority = priority;
        Scheduler<P> first = pickScheduler(schedulers, null);
        this.current = first;
        first.attach(this);
    }

    /**
     * Creates an entity that is load-balanced over {@code schedulers} (all on one dispatcher);
     * with one scheduler this is {@link Scheduler#newEntity(String, Priority)}.
     *
     * @throws IllegalArgumentException if the list is empty or mixes dispatchers
     * @throws SchedulerClosedException if every scheduler is closed
     */
    public static <P> Entity<P> create(String name, Priority priority, List<Scheduler<P>> schedulers) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(priority, "priority");
        List<Scheduler<P>> checked = checkSchedulers(schedulers);
        // The timelines first: their seqno counters, which every submission increments, then
        // lie before the entity in memory, next to its submitters' fields rather than its lane's.
        Clock clock = checked.get(0).dispatcher().clock();
        Timeline scheduled = Timeline.create(name + "/scheduled", clock);
        Timeline finished = Timeline.create(name, clock);
        return new Entity<>(name, priority, checked, scheduled, finished);
    }

    private static <P> List<Scheduler<P>> checkSchedulers(List<Scheduler<P>> schedulers) {
        Objects.requireNonNull(schedulers, "schedulers");
        List<Scheduler<P>> copy = List.copyOf(schedulers);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("an entity needs at least one scheduler");
        }
        Dispatcher d = copy.get(0).dispatcher();
        for (Scheduler<P> s : copy) {
            if (s.dispatcher() != d) {
                throw new IllegalArgumentException("all schedulers of an entity must share one dispatcher: "
                        + copy.get(0).name() + " and " + s.name() + " do not");
            }
        }
        return copy;
    }

    // ------------------------------------------------------------------ public API

    /** The entity's name (also the name of its finished fences' timeline). */
    public String name() {
        return name;
    }

    /** Starts building a job with {@code payload}; nothing is queued until {@code submit()}. */
    public JobBuilder<P> job(P payload) {
        return new Job<>(this, payload);
    }

    /** The current priority. */
    public Priority priority() {
        return priority;
    }

    /** Changes the priority; the scheduler applies it at its next look at this entity. */
    public void setPriority(Priority p) {
        Objects.requireNonNull(p, "priority");
        priority = p;
        wakeScheduler();
    }

    /** The schedulers this entity may run on. */
    public synchronized List<Scheduler<P>> schedulers() {
        return candidates;
    }

    /** The scheduler the entity is bound to now. */
    public Scheduler<P> scheduler() {
        return current;
    }

    /**
     * Replaces the schedulers this entity may run on (the list is copied). The entity moves at
     * the next submission that finds it idle; jobs already submitted stay where they are.
     *
     * @throws IllegalArgumentException if the list is empty or uses another dispatcher
     */
    public void setSchedulers(List<Scheduler<P>> schedulers) {
        List<Scheduler<P>> copy = checkSchedulers(schedulers);
        if (copy.get(0).dispatcher() != dispatcher) {
            throw new IllegalArgumentException("schedulers must use the entity's dispatcher");
        }
        synchronized (this) {
            candidates = copy;
        }
    }

    /** Jobs submitted but not yet handed to the hardware (the kernel's entity queue count). */
    public int queueDepth() {
        return (int) ((long) SUBMITTED.getAcquire(this) - (leftQueue & ~CLOSED_BIT));
    }

    /** The error of the entity's most recently finished job, {@link FenceError#NONE} if none. */
    public FenceError error() {
        return lastError;
    }

    /** Total GPU time of the entity's finished jobs, in nanoseconds of the scheduler clock. */
    public long gpuTimeNanos() {
        return runtime;
    }

    /** True once {@link #close} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Waits until every job submitted so far has been handed to the hardware (or killed), at
     * most {@code timeout} (of the dispatcher's time: virtual time on a virtual dispatcher).
     *
     * @return true if the queue drained
     * @throws IllegalStateException inside a callback, where waiting would deadlock
     */
    public boolean flush(Duration timeout) {
        Job<P> last;
        synchronized (this) {
            last = lastSubmitted;
        }
        return last == null || Waits.await(dispatcher, last.scheduled(), timeout.toNanos());
    }

    /**
     * Closes the entity: waits up to {@code flushTimeout} for queued jobs to reach the
     * hardware, then kills the rest. Killed jobs' finished fences signal with
     * {@link FenceError#KILLED}, in submission order, each after its predecessor's and after its
     * own dependencies; they are freed without running. Jobs on the hardware finish normally.
     * Later submissions throw. Idempotent.
     *
     * @param flushTimeout how long to let queued jobs drain; zero kills them at once; negative
     *                     waits without bound
     * @return the number of jobs killed (0 if it was closed already)
     * @throws IllegalStateException inside a callback with a non-zero flush timeout
     */
    public int close(Duration flushTimeout) {
        long t = flushTimeout.toNanos();
        if (t != 0) {
            NonBlocking.checkMayBlock("Entity.close");
            Job<P> last;
            synchronized (this) {
                last = lastSubmitted;
            }
            if (last != null) {
                Waits.await(dispatcher, last.scheduled(), t);
            }
        }
        int killed;
        synchronized (this) {
            if (closed) {
                return 0;
            }
            closed = true;
            long left = (long) LEFT_QUEUE.getAndBitwiseOr(this, CLOSED_BIT);
            killed = (int) (submittedCount - left); // submitters are held off by this lock
        }
        wakeScheduler();
        return killed;
    }

    /**
     * {@link #close(Duration)} with the kernel's default flush of one second
     * ({@code MAX_WAIT_SCHED_ENTITY_Q_EMPTY}).
     */
    public int close() {
        return close(Duration.ofSeconds(1));
    }

    @Override
    public String toString() {
        return "Entity[" + name + " " + priority + " on " + current.name() + ", queued=" + queueDepth() + "]";
    }

    // ------------------------------------------------------------------ submission

    void submit(Job<P> job) {
        Scheduler<P> s;
        boolean first;
        for (;;) {
            synchronized (this) {
                if (job.state != Job.BUILDING) {
                    throw new IllegalStateException("job was already submitted");
                }
                if (closed) {
                    throw new IllegalStateException("entity " + name + " is closed");
                }
                s = bindForSubmit();
                if (s != null) {
                    job.sched = s;
                    job.scheduledSrc = scheduledTimeline.newFence();
                    job.finishedSrc = finishedTimeline.newFence(new FenceOrigin(s.ringToken(), job.scheduledSrc.fence()));
                    job.seqno = job.finishedSrc.fence().seqno(); // equal on both timelines: only this lock creates their fences
                    job.submitTime = dispatcher.clock().nanoTime();
                    job.state = Job.QUEUED;
                    if (inHead == null) {
                        inHead = job;
                    } else {
                        inTail.queueNext = job;
                    }
                    inTail = job;
                    SUBMITTED.setRelease(this, submittedCount + 1);
                    first = laneWaiting;
                    laneWaiting = false;
                    lastSubmitted = job;
                    s.jobSubmitted();
                    break;
                }
            }
            // The closing scheduler's lane is in this idle entity for a moment (a post); the
            // entity can move once it is out.
            Thread.onSpinWait();
        }
        s.observe(JobEvent.SUBMITTED, job);
        if (first) {
            s.submitted(this);
        }
    }

    /**
     * Chooses the scheduler for the next job: the current one unless the entity is idle, in
     * which case the least loaded open candidate (the kernel's select_rq at arm time). Null if
     * the entity must leave its closing scheduler but that scheduler's lane is in it on another
     * thread (the caller retries once the lock was released).
     */
    private Scheduler<P> bindForSubmit() {
        Scheduler<P> cur = current;
        if (candidates.size() == 1 && candidates.get(0) == cur) { // the common 1:1 case: nowhere to move
            if (cur.isClosing()) {
                throw new SchedulerClosedException("scheduler " + cur.name() + " of entity " + name + " is closed");
            }
            return cur;
        }
        boolean idle = lastSubmitted == null || lastSubmitted.finished().isSignaled(); // so nothing is queued either
        if (!idle) {
            if (cur.isClosing()) {
                throw new SchedulerClosedException("scheduler " + cur.name() + " of entity " + name + " is closed");
            }
            return cur;
        }
        if (inLane) {
            if (!cur.isClosing()) {
                return cur; // balancing is a preference: staying is always correct
            }
            if (!cur.inLane()) {
                return null;
            }
            // Called back from that very lane while it works on this entity: it cannot wait.
            throw new SchedulerClosedException("scheduler " + cur.name() + " of entity " + name + " is closed");
        }
        Scheduler<P> best = pickScheduler(candidates, cur);
        if (best != cur) {
            cur.detach(this);
            best.attach(this);
            current = best;
            laneWaiting = true; // the new lane has never seen this entity
        }
        return best;
    }

    /**
     * Least score among open, live schedulers, not counting this entity's own attachment to
     * {@code current} (else an idle entity would always look heavier where it is); ties keep
     * {@code current}, then go to the first. Dead schedulers only as a last resort.
     */
    private static <P> Scheduler<P> pickScheduler(List<Scheduler<P>> list, Scheduler<P> current) {
        Scheduler<P> best = null;
        long bestScore = Long.MAX_VALUE;
        Scheduler<P> dead = null;
        for (Scheduler<P> s : list) {
            if (s.isClosing()) {
                continue;
            }
            if (s.isDeviceGone()) {
                if (dead == null) {
                    dead = s;
                }
                continue;
            }
            long score = s == current ? s.score() - 1 : s.score();
            if (best == null || score < bestScore || (score == bestScore && s == current)) {
                best = s;
                bestScore = score;
            }
        }
        if (best != null) {
            return best;
        }
        if (dead != null) {
            return dead; // its lane ends the job with DEVICE_GONE
        }
        StringBuilder names = new StringBuilder();
        for (Scheduler<P> s : list) {
            names.append(names.isEmpty() ? "" : ", ").append(s.name());
        }
        throw new SchedulerClosedException("every scheduler of the entity is closed: " + names);
    }

    // ------------------------------------------------------------------ lane side (package)

    /** Posts this entity to its current scheduler's lane. */
    void wakeScheduler() {
        current.post(this);
    }

    /**
     * The next job of this entity for the lane, or null if none is queued (the lane then waits
     * for a post). Only the lane removes jobs, so a job it reads here stays the head until it
     * pops it.
     */
    Job<P> head() {
        Job<P> h = laneHead;
        return h != null ? h : takeSubmitted();
    }

    private synchronized Job<P> takeSubmitted() {
        Job<P> h = inHead;
        if (h == null) {
            laneWaiting = true;
            return null;
        }
        inHead = inTail = null;
        laneHead = h;
        return h;
    }

    /**
     * True once the entity is closed, as the lane sees it: read from {@link #leftQueue}, on the
     * lane's own cache line, not from {@code closed}, which sits among the fields every
     * submission writes (close() sets both under the lock).
     */
    boolean closedForLane() {
        return (leftQueue & CLOSED_BIT) != 0;
    }

    /**
     * Pops {@code expected}, the head job, unless the entity was closed meanwhile (then its
     * queued jobs are to be killed, not run). Lock-free: the CAS on {@link #leftQueue} is the
     * point where the job stops counting as queued.
     *
     * @return false if the entity is closed and nothing was popped
     */
    boolean tryPop(Job<P> expected) {
        if (laneHead != expected) {
            throw new IllegalStateException("entity queue head changed under the lane: " + expected);
        }
        long left = leftQueue;
        if ((left & CLOSED_BIT) != 0 || !LEFT_QUEUE.compareAndSet(this, left, left + 1)) {
            return false; // only close() changes it besides the lane
        }
        laneHead = expected.queueNext;
        expected.queueNext = null;
        return true;
    }

    /** The finished fence of the last submitted job, or null if none was submitted. */
    synchronized Fence lastSubmittedFinished() {
        return lastSubmitted == null ? null : lastSubmitted.finished();
    }

    /**
     * The lane of {@code s} starts working on this entity's lane state: true if the entity is
     * bound to {@code s}, which it then stays until {@link #exitLane()}. The check and the mark
     * are one step under the entity's lock, where a submission moves an idle entity: a check
     * alone let a closing scheduler miss a job bound to it at the last moment, or work on an
     * entity another lane had just taken over.
     */
    synchronized boolean enterLane(Scheduler<P> s) {
        if (current != s) {
            return false;
        }
        inLane = true;
        return true;
    }

    /** The lane is done with this entity's lane state (pairs with a successful {@link #enterLane}). */
    synchronized void exitLane() {
        inLane = false;
    }

    /** Takes every queued job (for killing); returns the first, linked by {@code queueNext}. */
    synchronized Job<P> takeAll() {
        Job<P> all = laneHead;
        if (all == null) {
            all = inHead;
        } else {
            Job<P> t = all;
            while (t.queueNext != null) {
                t = t.queueNext;
            }
            t.queueNext = inHead;
        }
        laneHead = inHead = inTail = null;
        laneWaiting = true;
        LEFT_QUEUE.getAndAdd(this, (long) queueDepth()); // everything taken here left the queue
        return all;
    }

    /** True if a kill must happen: closed with jobs still queued. */
    boolean closedWithQueue() {
        return closed && queueDepth() > 0;
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    long fenceContextScheduled() {
        return scheduledTimeline.context();
    }

    long fenceContextFinished() {
        return finishedTimeline.context();
    }

    void addRuntime(long nanos) {
        if (nanos != 0) {
            RUNTIME.setRelease(this, runtime + nanos); // single writer, the lane: no fence needed
        }
    }

    long runtimeNanos() {
        return runtime;
    }

    void setLastError(FenceError e) {
        if (lastError != e) {
            lastError = e; // mostly NONE after NONE: skip the volatile write
        }
    }
}
