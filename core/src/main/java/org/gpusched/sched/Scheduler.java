package org.gpusched.sched;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.gpusched.exec.Clock;
import org.gpusched.exec.Dispatcher;
import org.gpusched.exec.Lane;
import org.gpusched.exec.NonBlocking;
import org.gpusched.exec.RealtimeDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceCallback;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;

/**
 * A GPU job scheduler for one hardware ring or firmware queue (the kernel's
 * {@code drm_gpu_scheduler}): it takes jobs from its {@link Entity entities}, waits for their
 * dependencies, picks the next one by {@link Policy}, keeps the jobs on the hardware within the
 * credit limit, watches them with a timeout, and tears down cleanly.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Every fence it hands out signals exactly once, error first; every submitted job is
 *       {@link Backend#free freed} exactly once, whatever path it took (also after a RESET
 *       timeout).</li>
 *   <li>Finished fences of one entity signal in submission order, also when jobs are killed,
 *       cancelled or time out.</li>
 *   <li>The credits of jobs on the hardware never exceed {@link #creditLimit()}; a job larger
 *       than the limit is clamped to it; a head job that does not fit makes the scheduler wait
 *       (nothing skips ahead of it).</li>
 *   <li>Backend callbacks are serialized (one at a time per scheduler), run on the scheduler's
 *       {@link Lane}, never inside a call the backend made into the library (except
 *       {@code cancel}/{@code free} during {@link #close()}, and with the opt-in
 *       {@link Builder#directRun direct-run} mode), and none runs after {@link #close()}
 *       returns.</li>
 *   <li>A backend that throws or returns garbage fails the job concerned
 *       ({@link FenceError#BACKEND_FAILED}) and nothing else.</li>
 *   <li>No time is read but through the dispatcher's {@link Clock}, and no thread of its own is
 *       needed: thousands of schedulers share one {@link Dispatcher}'s pool.</li>
 * </ul>
 *
 * <h2>Timeouts</h2>
 * The timeout watches the oldest job on the hardware: it expires when that job has been the
 * oldest for longer than the timeout (on an in-order ring, that is its own execution time). The
 * backend's {@link Backend#timedOut verdict} decides; NO_HANG restarts the period. A timeout can
 * be {@link #suspendTimeout() suspended} and resumed with the time that was left, and
 * {@link #fault()} runs the handler at once.
 *
 * <h2>Recovery</h2>
 * {@link #stop()} stops running jobs and stops noticing completions; while stopped,
 * {@link #forEachPending} lists the jobs on the hardware; {@link #start(FenceError)} resumes,
 * ending the jobs whose hardware fence has not signalled with the given error (or, with
 * {@link FenceError#NONE}, keeping them).
 *
 * <h2>Thread-safety</h2>
 * All public methods may be called from any thread. Internally, everything but submission (the
 * entity lock) and completion notification (a lock-free stack) is confined to the lane; the
 * fields below are grouped by what guards them.
 *
 * @param <P> the job payload type
 */
public final class Scheduler<P> extends SchedulerLaneSide.Padded<P> implements AutoCloseable {

    private static final String[] STATE_NAMES = Arrays.stream(JobEvent.values())
            .map(e -> e.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);

    /** Jobs run per lane turn before the lane yields to other lanes of a shared pool. */
    private static final int RUN_BATCH = 64;

    // ---- immutable configuration
    private final String name;
    private final Backend<P> backend;
    private final Dispatcher dispatcher;
    private final Clock clock;
    private final Policy policy;
    private final int creditLimit;
    private final boolean pipelining;
    /** The backend overrides {@link Backend#waitsOnHardware} (else dependencies skip that step). */
    private final boolean hardwareWaits;
    private final boolean directRun;
    private final long teardownTimeoutNanos;
    private final SchedulerObserver observer;
    private final Object ringToken;
    private final Runnable work;
    private final Lane lane;

    // ---- cross-thread
    /**
     * Written by submitters (one increment per job) and the lane (one subtraction per flush of
     * finished fences): an adder, so that they do not bounce a cache line per job.
     */
    private final LongAdder score = new LongAdder();
    private final AtomicReference<Job<P>> completions = new AtomicReference<>();
    private final AtomicReference<Entity<P>> inbox = new AtomicReference<>();
    private volatile long timeoutNanos;
    private volatile boolean faultRequested;
    private volatile boolean deviceGone;

    // ---- guarded by stateLock
    private final Object stateLock = new Object();
    private final Set<Entity<P>> entities = new LinkedHashSet<>();
    private volatile boolean closing;
    private volatile boolean closed;
    /** Signals when close() has finished, so that concurrent closers can wait for it. */
    private final FenceSource closedSignal;

    // ---- lane-confined
    private final RunQueue runQueue;
    private final Ewma avgJobUs = new Ewma();
    private final ArrayDeque<Job<P>> forcedEnds = new ArrayDeque<>();
    private final ArrayDeque<Job<P>> toSignal = new ArrayDeque<>();
    private boolean stopped;
    private boolean suspended;
    private boolean finalized;

    private Scheduler(Builder<P> b) {
        this.name = b.name;
        this.backend = b.backend;
        this.dispatcher = b.dispatcher != null ? b.dispatcher : RealtimeDispatcher.shared();
        this.clock = dispatcher.clock();
        this.policy = b.policy;
        this.creditLimit = b.creditLimit;
        this.pipelining = b.pipelining;
        this.hardwareWaits = overridesWaitsOnHardware(backend);
        this.directRun = b.directRun;
        this.teardownTimeoutNanos = b.teardownTimeout.toNanos();
        this.observer = b.observer;
        this.timeoutNanos = b.timeout == null ? -1 : b.timeout.toNanos();
        this.runQueue = new RunQueue(policy);
        this.ringToken = new RingToken(name);
        this.work = this::work;
        this.lane = dispatcher.newLane(name, work);
        this.closedSignal = Timeline.create(name + "/closed", clock).newFence();
    }

    /** Starts configuring a scheduler for {@code backend}. */
    public static <P> Builder<P> builder(Backend<P> backend) {
        return new Builder<>(backend);
    }

    // ================================================================== public API

    /** The scheduler's name. */
    public String name() {
        return name;
    }

    /** The policy that picks the next entity. */
    public Policy policy() {
        return policy;
    }

    /** The most credits the jobs on the hardware may occupy together. */
    public int creditLimit() {
        return creditLimit;
    }

    /** Credits of the jobs on the hardware now (a snapshot). */
    public int inFlightCredits() {
        return publishedCredits;
    }

    /** The dispatcher the scheduler runs on. */
    public Dispatcher dispatcher() {
        return dispatcher;
    }

    /**
     * The load-balancing score: attached entities plus jobs queued or on the hardware. An
     * entity bound to several schedulers moves to the one with the least score.
     */
    public long score() {
        return score.sum();
    }

    /** Number of jobs whose finished fence this scheduler signalled. */
    public long jobsFinished() {
        return jobsFinished;
    }

    /** The timeout, or null if the scheduler has none. */
    public Duration timeout() {
        long t = timeoutNanos;
        return t < 0 ? null : Duration.ofNanos(t);
    }

    /** True once {@link #close()} has begun. */
    public boolean isClosing() {
        return closing;
    }

    /** True once {@link #close()} has returned. */
    public boolean isClosed() {
        return closed;
    }

    /** True once a timeout verdict said the device is gone. */
    public boolean isDeviceGone() {
        return deviceGone;
    }

    /** Creates an entity bound to this scheduler. */
    public Entity<P> newEntity(String entityName, Priority priority) {
        return Entity.create(entityName, priority, List.of(this));
    }

    /** Creates an entity with a generated name. */
    public Entity<P> newEntity(Priority priority) {
        return newEntity(name + ".e" + ENTITY_IDS.incrementAndGet(), priority);
    }

    private static final AtomicLong ENTITY_IDS = new AtomicLong();

    /**
     * Changes the timeout (null: none). The job being watched keeps the time it has already
     * been watched for.
     */
    public void setTimeout(Duration timeout) {
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        long t = timeout == null ? -1 : timeout.toNanos();
        lane.runExclusive(() -> {
            timeoutNanos = t;
            if (pendHead != null) {
                pendHead.deadline = deadlineFrom(pendHead.timeoutStart);
            }
        });
    }

    /** Runs the timeout handler for the oldest job on the hardware now, once (if there is one). */
    public void fault() {
        faultRequested = true;
        lane.signal();
    }

    /**
     * Pauses the timeout (a firmware queue that is not resident must not age).
     *
     * @return the time that was left for the watched job in nanoseconds, the full timeout if no
     *         job was watched or it had expired, or {@link Long#MAX_VALUE} without a timeout
     */
    public long suspendTimeout() {
        long[] left = new long[1];
        lane.runExclusive(() -> {
            long t = timeoutNanos;
            if (t < 0) {
                left[0] = Long.MAX_VALUE;
            } else if (pendHead == null) {
                left[0] = t;
            } else {
                long rem = pendHead.deadline - clock.nanoTime();
                left[0] = rem > 0 ? rem : t;
            }
            suspended = true;
        });
        return left[0];
    }

    /**
     * Resumes a suspended timeout: the watched job (if any) gets {@code remainingNanos} more.
     */
    public void resumeTimeout(long remainingNanos) {
        if (remainingNanos < 0) {
            throw new IllegalArgumentException("remaining time must not be negative: " + remainingNanos);
        }
        lane.runExclusive(() -> {
            suspended = false;
            if (pendHead != null) {
                long now = clock.nanoTime();
                pendHead.timeoutStart = now;
                pendHead.deadline = saturatedAdd(now, remainingNanos);
            }
        });
    }

    /**
     * Stops the scheduler for recovery: no job is run and no completion is processed until
     * {@link #start}. Jobs on the hardware stay pending; {@link #forEachPending} lists them.
     * Returns at once when called from a backend callback; otherwise waits until no callback of
     * this scheduler is running. Idempotent.
     */
    public void stop() {
        lane.runExclusive(() -> stopped = true);
    }

    /**
     * Resumes a stopped scheduler. Pending jobs whose hardware fence has signalled complete with
     * its error; the others end with {@code error}, or, with {@link FenceError#NONE}, stay on
     * the hardware and are watched again. Does nothing if not stopped.
     */
    public void start(FenceError error) {
        Objects.requireNonNull(error, "error");
        lane.runExclusive(() -> {
            if (!stopped) {
                return;
            }
            stopped = false;
            if (error.isError()) {
                for (Job<P> j = pendHead; j != null; j = j.pendNext) {
                    Fence hw = j.hwFence;
                    if (hw != null && !hw.isSignaled() && hw.removeCallback(j.hwDone)) {
                        j.endError = error;
                        forcedEnds.add(j);
                    }
                }
            }
            if (pendHead != null) {
                pendHead.timeoutStart = clock.nanoTime();
                pendHead.deadline = deadlineFrom(pendHead.timeoutStart);
            }
        });
    }

    /** True while stopped for recovery. */
    public boolean isStopped() {
        boolean[] s = new boolean[1];
        lane.runExclusive(() -> s[0] = stopped);
        return s[0];
    }

    /**
     * Visits the jobs on the hardware, oldest first. Only while {@link #stop() stopped} (the
     * sanctioned replacement for reaching into the kernel's pending list).
     *
     * @throws IllegalStateException if the scheduler is not stopped
     */
    public void forEachPending(Consumer<? super JobView<P>> visitor) {
        Objects.requireNonNull(visitor, "visitor");
        lane.runExclusive(() -> {
            if (!stopped) {
                throw new IllegalStateException("scheduler " + name + " is not stopped; stop() it first");
            }
            for (Job<P> j = pendHead; j != null; j = j.pendNext) {
                if (j.state == Job.RUNNING) {
                    visitor.accept(j);
                }
            }
        });
    }

    /**
     * Waits until every job submitted to this scheduler so far has finished, at most
     * {@code timeout} of the dispatcher's time.
     *
     * @return true if all finished
     */
    public boolean drain(Duration timeout) {
        long deadline = clock.nanoTime() + timeout.toNanos();
        for (Entity<P> e : snapshotEntities()) {
            Fence last = e.lastSubmittedFinished();
            if (last != null && !Waits.await(dispatcher, last, Math.max(0, deadline - clock.nanoTime()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Closes the scheduler. Queued jobs of its entities end with {@link FenceError#KILLED};
     * jobs on the hardware are {@link Backend#cancel cancelled} (newest first) and end with
     * their hardware fence's error, or {@link FenceError#CANCELED} if it does not signal within
     * the teardown timeout; every job is freed. When this returns, no backend callback runs any
     * more. Entities bound to it answer later submissions with {@link SchedulerClosedException}
     * (or move, if they have other schedulers and are idle). Idempotent; concurrent callers
     * wait for the first.
     *
     * @throws IllegalStateException inside a callback (it would deadlock)
     */
    @Override
    public void close() {
        NonBlocking.checkMayBlock("Scheduler.close");
        boolean first;
        synchronized (stateLock) {
            first = !closing;
            closing = true;
        }
        if (!first) {
            Waits.await(dispatcher, closedSignal.fence(), -1);
            return;
        }
        List<Entity<P>> attached = snapshotEntities();
        List<Fence> cancelled = new ArrayList<>();
        lane.runExclusive(() -> {
            for (Entity<P> e : attached) {
                killQueuedIfBound(e, FenceError.KILLED);
            }
            for (Job<P> j = pendTail; j != null; j = j.pendPrev) {
                Fence hw = j.hwFence;
                if (j.state == Job.RUNNING && hw != null && !hw.isSignaled()) {
                    observe(JobEvent.CANCELED, j);
                    if (cancel(j)) {
                        cancelled.add(hw);
                    }
                }
            }
            signalFinished();
        });
        long deadline = clock.nanoTime() + teardownTimeoutNanos;
        for (Fence hw : cancelled) {
            Waits.await(dispatcher, hw, Math.max(0, deadline - clock.nanoTime()));
        }
        lane.runExclusive(() -> {
            processCompletions();
            processForcedEnds();
            while (pendHead != null) {
                Job<P> j = pendHead;
                Fence hw = j.hwFence;
                if (hw != null) {
                    hw.removeCallback(j.hwDone);
                }
                FenceError e = hw != null && hw.isSignaled() ? hw.error() : FenceError.CANCELED;
                if (!j.cancelRequested) {
                    observe(JobEvent.CANCELED, j); // on the hardware but not asked to cancel (stopped, or new)
                }
                endRunning(j, e);
            }
            signalFinished();
            finalized = true;
            publishedCredits = inFlightCredits;
        });
        closed = true;
        closedSignal.signal();
    }

    @Override
    public String toString() {
        return "Scheduler[" + name + " " + policy + " credits " + publishedCredits + "/" + creditLimit
                + (closed ? " closed" : closing ? " closing" : "") + (deviceGone ? " device-gone" : "") + "]";
    }

    // ================================================================== entity plumbing (package)

    Object ringToken() {
        return ringToken;
    }

    void attach(Entity<P> e) {
        synchronized (stateLock) {
            if (closing) {
                throw new SchedulerClosedException("scheduler " + name + " is closed");
            }
            if (entities.add(e)) {
                score.increment();
            }
        }
    }

    void detach(Entity<P> e) {
        synchronized (stateLock) {
            if (entities.remove(e)) {
                score.decrement();
            }
        }
    }

    private List<Entity<P>> snapshotEntities() {
        synchronized (stateLock) {
            return new ArrayList<>(entities);
        }
    }

    /** True if the calling thread is running this scheduler's lane. */
    boolean inLane() {
        return lane.inLane();
    }

    void jobSubmitted() {
        score.increment();
    }

    /** Queues {@code e} for the lane to look at (new work, dependency signalled, priority, close). */
    void post(Entity<P> e) {
        if (enqueue(e)) {
            lane.signal();
        }
    }

    /**
     * A submission made {@code e} busy. With direct-run on, the submitting thread runs the lane's
     * work itself when the lane is free (no thread hand-off); otherwise the lane is signalled.
     */
    void submitted(Entity<P> e) {
        if (enqueue(e) && !(directRun && lane.tryRunExclusive(work))) {
            lane.signal();
        }
    }

    private boolean enqueue(Entity<P> e) {
        if (!e.inInbox.compareAndSet(false, true)) {
            return false;
        }
        Entity<P> h;
        do {
            h = inbox.get();
            e.inboxNext = h;
        } while (!inbox.compareAndSet(h, e));
        return true;
    }

    /**
     * Hardware fence callback, on the signalling thread: queues the job; with direct-run on, also
     * processes it there when the lane is free.
     */
    void hardwareDone(Job<P> j) {
        Job<P> h;
        do {
            h = completions.get();
            j.completionNext = h;
        } while (!completions.compareAndSet(h, j));
        if (!(directRun && lane.tryRunExclusive(work))) {
            lane.signal();
        }
    }

    void observe(JobEvent event, Job<P> j) {
        JobStateEvent jfr = new JobStateEvent(); // not allocated when JFR is off (escape analysis)
        if (jfr.isEnabled()) {
            jfr.clockNanos = clock.nanoTime();
            jfr.state = STATE_NAMES[event.ordinal()];
            jfr.scheduler = name;
            jfr.entity = j.entity.name();
            jfr.context = j.finishedSrc.fence().context();
            jfr.seqno = j.seqno;
            jfr.credits = j.credits();
            jfr.error = event == JobEvent.FINISHED ? j.finished().error().name() : null;
            jfr.commit();
        }
        if (observer != SchedulerObserver.NONE) {
            try {
                observer.onJobEvent(event, j, clock.nanoTime());
            } catch (Throwable ignored) {
                // An observer must not break scheduling.
            }
        }
    }

    private void backendFailed(String callback, Job<P> j, Throwable t) {
        try {
            observer.onBackendFailure(name, callback, j, t);
        } catch (Throwable ignored) {
            // Reporting must not break scheduling either.
        }
    }

    // ================================================================== the lane

    /** The lane's work: drain inputs, handle the timeout, run what can run. Idempotent. */
    private void work() {
        if (finalized) {
            processInbox(); // killed jobs may still wait for dependencies; no backend calls remain
            signalFinished();
            return;
        }
        processForcedEnds();
        if (!stopped) {
            processCompletions();
        }
        processInbox();
        checkTimeout();
        runJobs();
        armTimer();
        if (publishedCredits != inFlightCredits) {
            publishedCredits = inFlightCredits; // a volatile write only when it changed
        }
        signalFinished();
    }

    private void processForcedEnds() {
        Job<P> j;
        while ((j = forcedEnds.poll()) != null) {
            if (j.state == Job.RUNNING) {
                endRunning(j, j.endError);
            }
        }
    }

    private void processCompletions() {
        // Read first: an empty stack stays unwritten, so its cache line is not taken from the
        // threads that push onto it (every lane turn would otherwise write it).
        Job<P> list = completions.get() == null ? null : completions.getAndSet(null);
        if (list == null) {
            return;
        }
        Job<P> fifo = null;
        while (list != null) { // the stack is newest first; restore arrival order
            Job<P> next = list.completionNext;
            list.completionNext = fifo;
            fifo = list;
            list = next;
        }
        while (fifo != null) {
            Job<P> j = fifo;
            fifo = j.completionNext;
            j.completionNext = null;
            if (j.state == Job.RUNNING) {
                endRunning(j, j.hwFence.error());
            }
        }
    }

    private void processInbox() {
        Entity<P> list = inbox.get() == null ? null : inbox.getAndSet(null); // as for completions
        Entity<P> fifo = null;
        while (list != null) {
            Entity<P> next = list.inboxNext;
            list.inboxNext = fifo;
            fifo = list;
            list = next;
        }
        while (fifo != null) {
            Entity<P> e = fifo;
            fifo = e.inboxNext;
            e.inboxNext = null;
            e.inInbox.set(false);
            refresh(e);
        }
    }

    /** Brings the lane's view of {@code e} up to date, if {@code e} is still bound here. */
    private void refresh(Entity<P> e) {
        if (!e.enterLane(this)) {
            e.wakeScheduler(); // it moved: its new scheduler owns it now
            return;
        }
        try {
            refreshBound(e);
        } finally {
            e.exitLane();
        }
    }

    private void refreshBound(Entity<P> e) {
        finishInOrder(e);
        if (finalized) {
            return;
        }
        if (deviceGone) {
            killQueued(e, FenceError.DEVICE_GONE);
            return;
        }
        if (e.closedWithQueue()) {
            killQueued(e, FenceError.KILLED);
            return;
        }
        if (e.closedForLane()) {
            detach(e);
        }
        runQueue.priorityChanged(e);
        Job<P> head = e.head();
        if (head == null) {
            return;
        }
        if (!e.inRunQueue) {
            runQueue.add(e, head, avgJobUs.read());
        }
        if (!e.ready) {
            resolve(e, head);
        }
    }

    /**
     * Checks the head job's explicit dependencies from where it left off. Own-entity fences are
     * satisfied by order; a finished fence of a job on this same ring is replaced by that job's
     * scheduled fence (pipelining: the ring executes in order). Registers the entity's callback
     * on the first unsignalled fence.
     */
    private void resolve(Entity<P> e, Job<P> head) {
        Fence blocked = e.blockedOn;
        if (blocked != null) {
            if (!blocked.isSignaled()) {
                return; // its callback is still registered and will post us again
            }
            e.blockedOn = null;
        }
        while (head.depIndex < head.depCount) {
            Fence dep = head.deps[head.depIndex];
            Fence step = hardwareWaitStep(e, dep);
            if (step != null) {
                // Its job is not on its ring yet: wait for that, then look at it again.
                if (block(e, step)) {
                    return;
                }
                continue;
            }
            Fence f = waitTarget(e, head, dep);
            if (f != null && block(e, f)) {
                return;
            }
            head.depIndex++;
        }
        runQueue.setReady(e, true);
        observe(JobEvent.RUNNABLE, head);
    }

    /**
     * The fence to actually wait for instead of {@code f}, or null if none is needed. For an
     * explicit dependency of {@code head} (null for a prepare fence) on another scheduler's job,
     * the backend may take the wait onto the hardware.
     */
    private Fence waitTarget(Entity<P> e, Job<P> head, Fence f) {
        if (f.isSignaled() || isOwn(e, f)) {
            return null; // the entity's own jobs are ordered already
        }
        var origin = f.origin();
        if (origin == null) {
            return f;
        }
        if (origin.ring() == ringToken) {
            return pipelining ? origin.scheduled() : f;
        }
        if (head != null && backendWaitsOnHardware(f)) {
            head.hardwareDeps = true; // its finished fence waits for f again (dependenciesDone)
            return null;
        }
        return f;
    }

    private static boolean isOwn(Entity<?> e, Fence f) {
        long ctx = f.context();
        return ctx == e.fenceContextScheduled() || ctx == e.fenceContextFinished();
    }

    /**
     * For an unsignalled dependency on another scheduler's job, when the backend may take such
     * waits onto the hardware: that job's scheduled fence while it is unsignalled (the backend
     * is asked only once the job is on its ring), else null.
     */
    private Fence hardwareWaitStep(Entity<P> e, Fence f) {
        if (!hardwareWaits || f.isSignaled() || isOwn(e, f)) {
            return null;
        }
        var origin = f.origin();
        if (origin == null || origin.ring() == ringToken) {
            return null;
        }
        Fence scheduled = origin.scheduled();
        return scheduled.isSignaled() ? null : scheduled;
    }

    private static boolean overridesWaitsOnHardware(Backend<?> backend) {
        try {
            return backend.getClass().getMethod("waitsOnHardware", Fence.class).getDeclaringClass() != Backend.class;
        } catch (NoSuchMethodException e) {
            throw new AssertionError("Backend.waitsOnHardware exists", e);
        }
    }

    private boolean backendWaitsOnHardware(Fence f) {
        if (!hardwareWaits) {
            return false;
        }
        try {
            return backend.waitsOnHardware(f);
        } catch (Throwable t) {
            backendFailed("waitsOnHardware", null, t);
            return false;
        }
    }

    /** Registers the entity's dependency callback on {@code f}; false if {@code f} has signalled. */
    private boolean block(Entity<P> e, Fence f) {
        if (f.addCallback(e.dependencyCallback)) {
            e.blockedOn = f;
            return true;
        }
        return false;
    }

    private void runJobs() {
        int budget = RUN_BATCH;
        while (!stopped && !deviceGone && !closing) {
            @SuppressWarnings("unchecked")
            Entity<P> e = (Entity<P>) runQueue.peekReady();
            if (e == null) {
                return;
            }
            Job<P> j = e.head();
            if (j == null || e.closedForLane()) {
                runQueue.remove(e);
                refresh(e);
                continue;
            }
            int c = Math.min(j.credits, creditLimit);
            if (inFlightCredits + c > creditLimit) {
                return; // the head of the best entity waits for credits; nobody skips ahead
            }
            if (!j.prepared && !prepare(e, j)) {
                continue;
            }
            if (!e.tryPop(j)) {
                refresh(e); // closed meanwhile: its queue is killed, not run
                continue;
            }
            Job<P> next = e.head();
            runQueue.afterPop(e, next);
            appendOrder(e, j);
            run(j, c);
            if (next != null) {
                resolve(e, next);
            }
            if (--budget == 0) {
                lane.signal(); // let other lanes of a shared pool have a turn
                return;
            }
        }
    }

    /**
     * Asks the backend for extra dependencies until it has none.
     *
     * @return true if the job may run now; false if the entity now waits on a prepare fence
     */
    private boolean prepare(Entity<P> e, Job<P> j) {
        for (;;) {
            Fence f;
            try {
                f = backend.prepare(j);
            } catch (Throwable t) {
                backendFailed("prepare", j, t);
                j.prepared = true; // run() is skipped below: it ends at once with the failure
                j.endError = FenceError.BACKEND_FAILED;
                return true;
            }
            if (f == null) {
                j.prepared = true;
                return true;
            }
            Fence target = waitTarget(e, null, f); // a fence the backend asked for: never back to it
            if (target != null && block(e, target)) {
                runQueue.setReady(e, false);
                return false;
            }
        }
    }

    private void appendOrder(Entity<P> e, Job<P> j) {
        if (e.orderTail == null) {
            e.orderHead = j;
        } else {
            e.orderTail.orderNext = j;
        }
        e.orderTail = j;
    }

    /** Hands {@code j} to the backend with {@code c} credits charged. */
    private void run(Job<P> j, int c) {
        long now = clock.nanoTime();
        inFlightCredits += c;
        j.charged = c;
        j.state = Job.RUNNING;
        j.ran = true;
        j.runTime = now;
        if (j.hardwareDeps) {
            j.depIndex = 0; // its finished fence waits for them again (dependenciesDone)
        }
        appendPending(j, now);
        Fence hw = null;
        FenceError failure = j.endError;
        if (failure == null) {
            observe(JobEvent.RUN, j);
            try {
                hw = backend.run(j);
                if (hw == null) {
                    backendFailed("run", j, new IllegalStateException(
                            "Backend.run returned null; return Fence.signaled() for a job that completed at once"));
                    failure = FenceError.BACKEND_FAILED;
                }
            } catch (Throwable t) {
                backendFailed("run", j, t);
                failure = FenceError.BACKEND_FAILED;
            }
        }
        j.scheduledSrc.signal(FenceError.NONE, now);
        if (hw == null) {
            endRunning(j, failure, now);
            return;
        }
        Job.HW_FENCE.setRelease(j, hw);
        if (hw.isSignaled() || !hw.addCallback(j.hwDone)) {
            endRunning(j, hw.error(), now); // completed already: no hand-off, no deadline to pass on
            return;
        }
        j.finishedSrc.onDeadline(j.hwDone);
    }

    // ------------------------------------------------------------------ pending list, timeout

    private void appendPending(Job<P> j, long now) {
        j.pendPrev = pendTail;
        j.pendNext = null;
        if (pendTail == null) {
            pendHead = j;
            j.timeoutStart = now;
            j.deadline = deadlineFrom(now);
        } else {
            pendTail.pendNext = j;
        }
        pendTail = j;
    }

    private void removePending(Job<P> j, long now) {
        boolean wasHead = j == pendHead;
        if (j.pendPrev == null) {
            pendHead = j.pendNext;
        } else {
            j.pendPrev.pendNext = j.pendNext;
        }
        if (j.pendNext == null) {
            pendTail = j.pendPrev;
        } else {
            j.pendNext.pendPrev = j.pendPrev;
        }
        j.pendPrev = j.pendNext = null;
        if (wasHead && pendHead != null) {
            pendHead.timeoutStart = now; // the next oldest job is watched from now on
            pendHead.deadline = deadlineFrom(now);
        }
    }

    private long deadlineFrom(long start) {
        long t = timeoutNanos;
        return t < 0 ? Long.MAX_VALUE : saturatedAdd(start, t);
    }

    /** {@code a + b} for a non-negative {@code b}, capped at {@link Long#MAX_VALUE} (a huge timeout never fires). */
    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return r < a ? Long.MAX_VALUE : r;
    }

    private void checkTimeout() {
        boolean fault = faultRequested;
        Job<P> h = pendHead;
        if (h == null) {
            faultRequested = false;
            return;
        }
        if (stopped || (suspended && !fault)) {
            return;
        }
        if (!fault && (timeoutNanos < 0 || clock.nanoTime() < h.deadline)) {
            return;
        }
        faultRequested = false;
        timedOut(h);
    }

    private void timedOut(Job<P> j) {
        observe(JobEvent.TIMED_OUT, j);
        TimeoutVerdict v;
        try {
            v = backend.timedOut(j);
            if (v == null) {
                backendFailed("timedOut", j, new IllegalStateException("Backend.timedOut returned null; treated as RESET"));
                v = TimeoutVerdict.RESET;
            }
        } catch (Throwable t) {
            backendFailed("timedOut", j, t);
            v = TimeoutVerdict.RESET;
        }
        if (v == TimeoutVerdict.DEVICE_GONE) {
            loseDevice();
            return;
        }
        if (j.state != Job.RUNNING) {
            return; // ended while the backend looked at it (recovery inside the callback)
        }
        if (v == TimeoutVerdict.NO_HANG) {
            long now = clock.nanoTime();
            j.timeoutStart = now;
            j.deadline = deadlineFrom(now);
            return;
        }
        Fence hw = j.hwFence;
        if (hw != null) {
            hw.removeCallback(j.hwDone);
        }
        FenceError e = hw != null && hw.isSignaled() && hw.error().isError() ? hw.error() : FenceError.TIMED_OUT;
        endRunning(j, e);
    }

    /** DEVICE_GONE: end everything on the hardware and in the queues; stop for good. */
    private void loseDevice() {
        deviceGone = true;
        while (pendHead != null) {
            Job<P> j = pendHead;
            Fence hw = j.hwFence;
            if (hw != null) {
                hw.removeCallback(j.hwDone);
            }
            endRunning(j, FenceError.DEVICE_GONE);
        }
        for (Entity<P> e : snapshotEntities()) {
            killQueuedIfBound(e, FenceError.DEVICE_GONE);
        }
    }

    private void armTimer() {
        Job<P> h = pendHead;
        if (h != null && !stopped && !suspended && h.deadline != Long.MAX_VALUE) {
            lane.wakeAt(h.deadline);
        }
    }

    // ------------------------------------------------------------------ ending and finishing

    /** A job left the hardware with outcome {@code error}: return its credits, then finish in order. */
    private void endRunning(Job<P> j, FenceError error) {
        endRunning(j, error, clock.nanoTime());
    }

    private void endRunning(Job<P> j, FenceError error, long now) {
        removePending(j, now);
        inFlightCredits -= j.charged;
        j.gpuStart = Math.max(j.runTime, lastEndTime);
        j.endTime = now;
        lastEndTime = now;
        j.endError = error;
        j.state = Job.ENDED;
        observe(JobEvent.HW_DONE, j);
        finishInOrder(j.entity);
    }

    /**
     * Signals the finished fences of {@code e}'s ended jobs that are at the front of its order,
     * so that they signal in submission order.
     */
    private void finishInOrder(Entity<P> e) {
        Job<P> j;
        while ((j = e.orderHead) != null && j.state == Job.ENDED) {
            if ((j.killed || j.hardwareDeps) && !dependenciesDone(j)) {
                return;
            }
            e.orderHead = j.orderNext;
            if (e.orderHead == null) {
                e.orderTail = null;
            }
            j.orderNext = null;
            finish(j);
        }
    }

    private void finish(Job<P> j) {
        Entity<P> e = j.entity;
        if (j.ran) {
            long d = Math.max(0, j.endTime - j.gpuStart);
            e.addRuntime(d);
            e.avgJobUs.add(d / 1000);
            avgJobUs.add(d / 1000);
        }
        e.setLastError(j.endError);
        JOBS_FINISHED.setRelease(this, jobsFinished + 1); // single writer: no atomic add
        j.state = Job.FINISHED;
        toSignal.add(j);
    }

    /**
     * Signals the finished fences of the jobs finished so far, in order, and frees them. Done
     * only where the lane no longer touches any entity in the current step: a finished fence's
     * callbacks run arbitrary code at once (a submission that moves the now idle entity to
     * another scheduler, for one), so the lane must be done with the entity before it signals.
     */
    private void signalFinished() {
        if (toSignal.isEmpty()) {
            return;
        }
        score.add(-toSignal.size()); // once per flush rather than once per job
        long now = clock.nanoTime(); // one reading for the whole flush: they signal now
        Job<P> j;
        while ((j = toSignal.poll()) != null) {
            j.finishedSrc.signal(j.endError, now);
            observe(JobEvent.FINISHED, j);
            if (!j.freed && !finalized) {
                free(j);
            } else {
                j.deps = null; // killed: freed earlier, dependencies kept until now to order its fence
            }
        }
    }

    private void free(Job<P> j) {
        j.freed = true;
        try {
            backend.free(j);
        } catch (Throwable t) {
            backendFailed("free", j, t);
        }
        observe(JobEvent.FREED, j);
        if (j.state == Job.FINISHED) {
            j.deps = null; // let dependencies go; the job itself may be held by the submitter
        }
    }

    private boolean cancel(Job<P> j) {
        j.cancelRequested = true;
        try {
            return backend.cancel(j);
        } catch (Throwable t) {
            backendFailed("cancel", j, t);
            return false;
        }
    }

    /**
     * Kills every queued job of {@code e} with {@code error}: scheduled fences signal now (in
     * order), the jobs are freed now (they never ran), and their finished fences signal in order
     * after their predecessors' and their own dependencies. The lane must hold {@code e}
     * ({@link Entity#enterLane}).
     */
    private void killQueued(Entity<P> e, FenceError error) {
        Job<P> j = e.takeAll();
        runQueue.remove(e);
        if (e.blockedOn != null) {
            e.blockedOn.removeCallback(e.dependencyCallback);
            e.blockedOn = null;
        }
        while (j != null) {
            Job<P> next = j.queueNext;
            j.queueNext = null;
            j.killed = true;
            j.depIndex = 0;
            j.endError = error;
            j.state = Job.ENDED;
            appendOrder(e, j);
            j.scheduledSrc.signal();
            observe(JobEvent.KILLED, j);
            free(j);
            j = next;
        }
        if (e.closedForLane()) {
            detach(e);
        }
        finishInOrder(e);
    }

    /** {@link #killQueued} from a sweep over the attached entities: only those still bound here. */
    private void killQueuedIfBound(Entity<P> e, FenceError error) {
        if (e.enterLane(this)) {
            try {
                killQueued(e, error);
            } finally {
                e.exitLane();
            }
        }
    }

    /**
     * A killed job signals only after all its dependencies did (the kernel's "wait for all
     * dependencies to avoid data corruption"): a consumer of its finished fence must not run
     * while a producer it depended on is still writing. So does a job whose backend took a
     * dependency onto the hardware ({@link Backend#waitsOnHardware}): the hardware waited, but
     * the producer's finished fence, signalled by another scheduler, may come later. Registers a
     * callback on the first pending one.
     */
    private boolean dependenciesDone(Job<P> j) {
        if (j.depDoneCallback != null && j.depDoneCallback.isRegistered()) {
            return false; // still waiting; the callback posts the entity again
        }
        Fence[] deps = j.deps;
        while (deps != null && j.depIndex < j.depCount) {
            Fence f = deps[j.depIndex];
            if (!f.isSignaled()) {
                if (j.depDoneCallback == null) {
                    Entity<P> e = j.entity;
                    j.depDoneCallback = new FenceCallback() {
                        @Override
                        protected void onSignaled(Fence fence) {
                            e.wakeScheduler();
                        }
                    };
                }
                if (f.addCallback(j.depDoneCallback)) {
                    return false;
                }
            }
            j.depIndex++;
        }
        return true;
    }

    // ================================================================== builder

    /** An identity token for this ring, recorded in finished fences; holds only the name. */
    private record RingToken(String name) {
        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    /**
     * Configures a {@link Scheduler}. Not thread-safe; {@link #build()} may be called more than
     * once to make several schedulers with one configuration (give each a different name).
     *
     * @param <P> the payload type
     */
    public static final class Builder<P> {
        private static final AtomicLong IDS = new AtomicLong();

        private final Backend<P> backend;
        private String name;
        private int creditLimit = 1;
        private Duration timeout;
        private Policy policy = Policy.FIFO;
        private Dispatcher dispatcher;
        private SchedulerObserver observer = SchedulerObserver.NONE;
        private boolean pipelining = true;
        private boolean directRun;
        private Duration teardownTimeout = Duration.ofSeconds(5);

        private Builder(Backend<P> backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
        }

        /** The scheduler's name (default {@code sched-N}). */
        public Builder<P> name(String n) {
            this.name = Objects.requireNonNull(n, "name");
            return this;
        }

        /**
         * The most credits the jobs on the hardware may occupy together (default 1).
         *
         * @throws IllegalArgumentException if {@code limit < 1}
         */
        public Builder<P> creditLimit(int limit) {
            if (limit < 1) {
                throw new IllegalArgumentException("credit limit must be >= 1, got " + limit);
            }
            this.creditLimit = limit;
            return this;
        }

        /**
         * The timeout for the oldest job on the hardware; null (the default) for none.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder<P> timeout(Duration t) {
            if (t != null && t.isNegative()) {
                throw new IllegalArgumentException("timeout must not be negative: " + t);
            }
            this.timeout = t;
            return this;
        }

        /** The policy (default {@link Policy#FIFO}, the kernel's default). */
        public Builder<P> policy(Policy p) {
            this.policy = Objects.requireNonNull(p, "policy");
            return this;
        }

        /** Where the scheduler runs (default: {@link RealtimeDispatcher#shared()}). */
        public Builder<P> dispatcher(Dispatcher d) {
            this.dispatcher = Objects.requireNonNull(d, "dispatcher");
            return this;
        }

        /** Receives job events and backend failures (default: logs failures only). */
        public Builder<P> observer(SchedulerObserver o) {
            this.observer = Objects.requireNonNull(o, "observer");
            return this;
        }

        /**
         * Whether a job that depends on another job of this same ring waits only until that job
         * is on the ring (default true, as the kernel; turn off for a backend whose ring does not
         * execute in order).
         */
        public Builder<P> pipelining(boolean on) {
            this.pipelining = on;
            return this;
        }

        /**
         * Opt-in latency mode (default off): a thread that submits a job to an idle entity, or
         * signals a hardware fence, runs the scheduler's work itself when no other thread is
         * running it, instead of handing it to the dispatcher; so {@code run} and {@code free}
         * can then be called inside a call the backend made into the library (a submission or a
         * fence signal). Every other rule holds: callbacks stay serialized and ordered. Only for
         * Java backends that take no lock of their own around such calls; the C ABI never sets
         * it.
         */
        public Builder<P> directRun(boolean on) {
            this.directRun = on;
            return this;
        }

        /** How long {@link Scheduler#close()} waits for cancelled jobs' hardware fences (default 5 s). */
        public Builder<P> teardownTimeout(Duration t) {
            if (t.isNegative()) {
                throw new IllegalArgumentException("teardown timeout must not be negative: " + t);
            }
            this.teardownTimeout = t;
            return this;
        }

        /** Creates the scheduler. */
        public Scheduler<P> build() {
            Builder<P> b = this;
            if (b.name == null) {
                b = copy();
                b.name = "sched-" + IDS.incrementAndGet();
            }
            return new Scheduler<>(b);
        }

        private Builder<P> copy() {
            Builder<P> c = new Builder<>(backend);
            c.creditLimit = creditLimit;
            c.timeout = timeout;
            c.policy = policy;
            c.dispatcher = dispatcher;
            c.observer = observer;
            c.pipelining = pipelining;
            c.directRun = directRun;
            c.teardownTimeout = teardownTimeout;
            return c;
        }
    }
}
