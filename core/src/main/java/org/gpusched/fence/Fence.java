package org.gpusched.fence;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.gpusched.exec.Clock;
import org.gpusched.exec.NonBlocking;

/**
 * A read-only view of a one-shot completion signal (the {@code dma_fence} model).
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Identity never dangles.</b> {@link #timelineName()}, {@link #context()},
 *       {@link #seqno()}, the error and the timestamp stay readable for as long as anyone holds
 *       the fence; the fence references nothing of its emitter but an immutable
 *       {@link Timeline}.</li>
 *   <li><b>Signals once.</b> Only the holder of the {@link FenceSource} can signal; the error
 *       and timestamp are set before the fence is observably signalled, and never change.</li>
 *   <li><b>Happens-before.</b> Everything the signaller did before signalling is visible to
 *       every callback and to every thread that observes the fence as signalled.</li>
 *   <li><b>Callbacks</b> run once, in registration order, on the signalling thread, with no
 *       lock held. Registering on a signalled fence reports "already signalled" instead of
 *       running the callback ({@link #addCallback} returns false), so a callback never runs on
 *       the registering thread by surprise.</li>
 * </ul>
 * Thread-safe. Blocking waits throw {@link IllegalStateException} inside a
 * {@link NonBlocking} section (a callback), where they would deadlock.
 */
public final class Fence {

    /** Deadline value meaning "no deadline requested". */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    private static final VarHandle STATE;
    private static final Fence SIGNALED;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Fence.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        FenceSource s = Timeline.create("signaled", () -> 0L).newFence();
        s.signal();
        SIGNALED = s.fence();
    }

    private final Timeline timeline;
    private final long seqno;
    private final FenceOrigin origin;

    /*
     * Signalling state machine ({@link #state}):
     *
     *   OPEN --signal (CAS, no lock)--> SIGNALLING --error, timestamp written--> SIGNALED
     *   OPEN --first callback or deadline hook (CAS, under this)--> HOOKED
     *   HOOKED --signal (under this)--> SIGNALED, callbacks run after the lock is released
     *
     * A fence that nobody registered on (the common case: most job fences are only polled, or
     * waited on through another fence) signals with one CAS and no monitor. Once a callback or
     * hook is registered, signal takes the monitor so that it hands the list off atomically.
     */
    private static final int OPEN = 0;
    private static final int SIGNALLING = 1;
    private static final int SIGNALED_STATE = 2;
    private static final int HOOKED = 3;
    // (STATE is initialised in the first static block: the SIGNALED fence needs it.)

    /** Written once, before the release of {@link #state} to SIGNALED publishes it. */
    private FenceError error = FenceError.NONE;
    private long timestamp;
    private volatile int state;

    // Guarded by this.
    private FenceCallback head;
    private FenceCallback tail;
    private long deadline = NO_DEADLINE;
    private LongConsumer deadlineHook;

    Fence(Timeline timeline, long seqno, FenceOrigin origin) {
        this.timeline = timeline;
        this.seqno = seqno;
        this.origin = origin;
    }

    /** A fence that is already signalled without error (timestamp 0), for "completed at once". */
    public static Fence signaled() {
        return SIGNALED;
    }

    /** The timeline (fence context) this fence belongs to. */
    public Timeline timeline() {
        return timeline;
    }

    /** The timeline's name. Never dangles: it is the name given when the timeline was created. */
    public String timelineName() {
        return timeline.name();
    }

    /** The fence context id (at least 1). */
    public long context() {
        return timeline.context();
    }

    /** The sequence number within the context (at least 1). */
    public long seqno() {
        return seqno;
    }

    /** What the scheduler recorded about the job behind this fence, or null for other fences. */
    public FenceOrigin origin() {
        return origin;
    }

    /** True once the fence has signalled. */
    public boolean isSignaled() {
        return state == SIGNALED_STATE;
    }

    /** The error it signalled with; {@link FenceError#NONE} while unsignalled or on success. */
    public FenceError error() {
        return isSignaled() ? error : FenceError.NONE;
    }

    /**
     * The clock time at which the fence signalled (its timeline's clock).
     *
     * @throws IllegalStateException if it has not signalled yet
     */
    public long timestampNanos() {
        if (!isSignaled()) {
            throw new IllegalStateException(this + " has not signalled yet");
        }
        return timestamp;
    }

    /**
     * True if this fence is later than {@code other} on the same timeline (so that waiting for
     * this one implies the other).
     *
     * @throws IllegalArgumentException if they belong to different timelines
     */
    public boolean isLaterThan(Fence other) {
        if (other.timeline != timeline) {
            throw new IllegalArgumentException("fences of different timelines are not ordered: " + this + ", " + other);
        }
        return seqno > other.seqno;
    }

    // ---------------------------------------------------------------- signalling (package)

    boolean signal(FenceError err) {
        return signal(err, Long.MIN_VALUE);
    }

    /** Signals; {@code ts == Long.MIN_VALUE} means "read the timeline's clock now". */
    boolean signal(FenceError err, long ts) {
        if (state == OPEN) {
            long stamp = ts == Long.MIN_VALUE ? timeline.clock().nanoTime() : ts;
            if (STATE.compareAndSet(this, OPEN, SIGNALLING)) {
                // Nobody registered anything, and from now on nobody can: no lock, no list.
                error = err;
                timestamp = stamp;
                STATE.setRelease(this, SIGNALED_STATE);
                return true;
            }
        }
        FenceCallback list;
        synchronized (this) {
            if (state != HOOKED) {
                return false; // signalled (or being signalled) by another caller
            }
            error = err;
            timestamp = ts == Long.MIN_VALUE ? timeline.clock().nanoTime() : ts;
            state = SIGNALED_STATE;
            list = head;
            head = tail = null;
            deadlineHook = null;
            for (FenceCallback c = list; c != null; c = c.next) {
                c.owner = FenceCallback.QUEUED; // not free until its callback starts
            }
        }
        if (list != null) {
            runCallbacks(list);
        }
        return true;
    }

    private void runCallbacks(FenceCallback list) {
        NonBlocking.enter();
        try {
            FenceCallback c = list;
            while (c != null) {
                FenceCallback next = c.next;
                c.next = c.prev = null;
                c.owner = null; // free from here on: the callback may re-register its own node
                try {
                    c.onSignaled(this);
                } catch (Throwable t) {
                    System.getLogger(Fence.class.getName()).log(System.Logger.Level.ERROR,
                            "fence callback threw on " + this, t);
                }
                c = next;
            }
        } finally {
            NonBlocking.exit();
        }
    }

    // ---------------------------------------------------------------- callbacks

    /**
     * Registers {@code callback} to run when this fence signals.
     *
     * @return true if registered; false if the fence has already signalled (the callback is
     *         not registered and not run: the caller handles completion itself)
     * @throws IllegalStateException if the node is registered on a fence already
     */
    public boolean addCallback(FenceCallback callback) {
        Objects.requireNonNull(callback, "callback");
        if (isSignaled()) {
            return false;
        }
        synchronized (this) {
            if (!hook()) {
                return false;
            }
            if (callback.owner != null) {
                throw new IllegalStateException("callback is already registered on a fence (or queued to run)");
            }
            callback.owner = this;
            callback.prev = tail;
            if (tail == null) {
                head = callback;
            } else {
                tail.next = callback;
            }
            tail = callback;
            return true;
        }
    }

    /**
     * Moves an open fence to HOOKED so that its signal takes this lock; the caller holds it.
     *
     * @return false if the fence has signalled (waiting out a lock-free signal in progress, so
     *         that its error and timestamp are readable when this returns)
     */
    private boolean hook() {
        int s = state;
        if (s == OPEN && STATE.compareAndSet(this, OPEN, HOOKED)) {
            return true;
        }
        while ((s = state) == SIGNALLING) {
            Thread.onSpinWait(); // two field writes away from SIGNALED
        }
        return s == HOOKED;
    }

    /**
     * Removes a callback registered on this fence.
     *
     * @return true if it was still pending and will now never run; false if it already ran, is
     *         running or is about to run (the fence has signalled), or was not registered here
     */
    public boolean removeCallback(FenceCallback callback) {
        Objects.requireNonNull(callback, "callback");
        synchronized (this) {
            if (callback.owner != this) {
                return false;
            }
            if (callback.prev == null) {
                head = callback.next;
            } else {
                callback.prev.next = callback.next;
            }
            if (callback.next == null) {
                tail = callback.prev;
            } else {
                callback.next.prev = callback.prev;
            }
            callback.owner = null;
            callback.prev = callback.next = null;
            return true;
        }
    }

    /**
     * Convenience form of {@link #addCallback}: runs {@code action} when the fence signals.
     *
     * @return the registered node (removable with {@link #removeCallback}), or null if the fence
     *         had already signalled (then {@code action} is not run)
     */
    public FenceCallback onSignal(Consumer<? super Fence> action) {
        Objects.requireNonNull(action, "action");
        FenceCallback cb = new FenceCallback() {
            @Override
            protected void onSignaled(Fence fence) {
                action.accept(fence);
            }
        };
        return addCallback(cb) ? cb : null;
    }

    // ---------------------------------------------------------------- waiting

    /**
     * Blocks until the fence signals.
     *
     * @throws InterruptedException  if interrupted while waiting
     * @throws IllegalStateException inside a callback (it would deadlock)
     */
    public void await() throws InterruptedException {
        awaitNanos(-1);
    }

    /**
     * Blocks until the fence signals or {@code timeout} passes (real time).
     *
     * @return true if it signalled
     */
    public boolean await(Duration timeout) throws InterruptedException {
        return awaitNanos(Math.max(0, timeout.toNanos()));
    }

    /**
     * Blocks until the fence signals or {@code timeoutNanos} of real time pass.
     *
     * @param timeoutNanos negative to wait without bound
     * @return true if it signalled
     */
    public boolean awaitNanos(long timeoutNanos) throws InterruptedException {
        if (isSignaled()) {
            return true;
        }
        NonBlocking.checkMayBlock("Fence.await");
        Waiter w = new Waiter(Thread.currentThread());
        if (!addCallback(w)) {
            return true;
        }
        try {
            long deadline = timeoutNanos < 0 ? 0 : System.nanoTime() + timeoutNanos;
            while (!isSignaled()) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                if (timeoutNanos < 0) {
                    LockSupport.park(this);
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return isSignaled();
                    }
                    LockSupport.parkNanos(this, left);
                }
            }
            return true;
        } finally {
            removeCallback(w);
        }
    }

    private static final class Waiter extends FenceCallback {
        private final Thread thread;

        Waiter(Thread thread) {
            this.thread = thread;
        }

        @Override
        protected void onSignaled(Fence fence) {
            LockSupport.unpark(thread);
        }
    }

    // ---------------------------------------------------------------- deadlines

    /**
     * Asks the emitter to signal by {@code deadlineNanos} (clock time of the fence's timeline).
     * A hint: the earliest deadline requested is kept and passed to the emitter's hook; it
     * never changes the fence's outcome. Ignored once signalled.
     */
    public void setDeadline(long deadlineNanos) {
        LongConsumer hook;
        synchronized (this) {
            int s = state;
            if (s == SIGNALLING || s == SIGNALED_STATE || deadlineNanos >= deadline) {
                return;
            }
            deadline = deadlineNanos;
            hook = deadlineHook;
        }
        if (hook != null) {
            hook.accept(deadlineNanos);
        }
    }

    /** The earliest deadline requested so far, or {@link #NO_DEADLINE}. */
    public synchronized long deadlineNanos() {
        return deadline;
    }

    void setDeadlineHook(LongConsumer hook) {
        long current;
        synchronized (this) {
            if (!hook()) {
                return;
            }
            deadlineHook = hook;
            current = deadline;
        }
        if (current != NO_DEADLINE) {
            hook.accept(current);
        }
    }

    // ---------------------------------------------------------------- adapters and composites

    /**
     * A {@link CompletionStage} that completes when this fence signals: normally with the fence
     * on success, exceptionally with a {@link FenceFailedException} (not wrapped) on error. It is
     * read-only: every attempt to complete, cancel or overwrite it, or its
     * {@code toCompletableFuture()}, throws {@link UnsupportedOperationException}; the fence is
     * never affected.
     */
    public CompletionStage<Fence> toCompletionStage() {
        ReadOnlyFuture f = new ReadOnlyFuture();
        if (onSignal(f::settle) == null) {
            f.settle(this);
        }
        return f;
    }

    /**
     * The future behind {@link #toCompletionStage()}: completed only by the fence. Every public
     * way to complete, cancel or overwrite it throws, so neither the stage nor its
     * {@code toCompletableFuture()} (which is itself) can alter it. Dependent stages are plain
     * futures.
     */
    private static final class ReadOnlyFuture extends CompletableFuture<Fence> {
        void settle(Fence fence) {
            if (fence.error().isError()) {
                super.completeExceptionally(new FenceFailedException(fence));
            } else {
                super.complete(fence);
            }
        }

        private static UnsupportedOperationException readOnly() {
            return new UnsupportedOperationException("a fence's completion stage is completed only by the fence");
        }

        @Override
        public boolean complete(Fence value) {
            throw readOnly();
        }

        @Override
        public boolean completeExceptionally(Throwable ex) {
            throw readOnly();
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            throw readOnly();
        }

        @Override
        public void obtrudeValue(Fence value) {
            throw readOnly();
        }

        @Override
        public void obtrudeException(Throwable ex) {
            throw readOnly();
        }

        @Override
        public CompletableFuture<Fence> completeAsync(java.util.function.Supplier<? extends Fence> supplier,
                                                      java.util.concurrent.Executor executor) {
            throw readOnly();
        }

        @Override
        public CompletableFuture<Fence> completeOnTimeout(Fence value, long timeout, java.util.concurrent.TimeUnit unit) {
            throw readOnly();
        }

        @Override
        public CompletableFuture<Fence> orTimeout(long timeout, java.util.concurrent.TimeUnit unit) {
            throw readOnly();
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new CompletableFuture<>();
        }
    }

    /**
     * A fence that signals when all of {@code fences} have signalled, with the error of the
     * first of them that failed, or none. It gets a timeline of its own; a deadline set on it is
     * passed on to every input.
     *
     * <p>"First" is the order in which the inputs' signals reached this composite (through their
     * callbacks, which run after an input is observably signalled). It is the signalling order
     * whenever one input's {@code signal} returned before another's began. When inputs signal
     * concurrently, the order is this composite's own: a thread may see input A signalled while
     * B is not and the composite still take B's error, and two composites over the same inputs
     * (an {@code all} and an {@code any}) may pick different inputs. Knowing a global order of
     * concurrent signals would cost every signal a shared counter, and no caller needs it.
     */
    public static Fence all(Fence... fences) {
        return all(List.of(fences));
    }

    /** Collection form of {@link #all(Fence...)}. */
    public static Fence all(Collection<Fence> fences) {
        List<Fence> in = List.copyOf(fences);
        FenceSource out = compositeTimeline("all", in).newFence();
        forwardDeadlines(out, in);
        if (in.isEmpty()) {
            out.signal();
            return out.fence();
        }
        AtomicInteger remaining = new AtomicInteger(in.size());
        AtomicReference<FenceError> firstError = new AtomicReference<>();
        Consumer<Fence> arrive = f -> {
            if (f.error().isError()) {
                firstError.compareAndSet(null, f.error());
            }
            if (remaining.decrementAndGet() == 0) {
                FenceError e = firstError.get();
                out.signal(e == null ? FenceError.NONE : e);
            }
        };
        for (Fence f : in) {
            if (f.onSignal(arrive) == null) {
                arrive.accept(f);
            }
        }
        return out.fence();
    }

    /**
     * A fence that signals as soon as any of {@code fences} signals, with that fence's error.
     * Which input is first when several signal concurrently is decided as for {@link #all}: by
     * the order their signals reach this composite.
     *
     * @throws IllegalArgumentException if {@code fences} is empty (it could never signal)
     */
    public static Fence any(Fence... fences) {
        return any(List.of(fences));
    }

    /** Collection form of {@link #any(Fence...)}. */
    public static Fence any(Collection<Fence> fences) {
        List<Fence> in = List.copyOf(fences);
        if (in.isEmpty()) {
            throw new IllegalArgumentException("Fence.any of no fences would never signal");
        }
        FenceSource out = compositeTimeline("any", in).newFence();
        forwardDeadlines(out, in);
        FenceCallback[] nodes = new FenceCallback[in.size()];
        // The first input to signal wins; the nodes on the others are removed so that an input
        // that never signals does not collect one node per any() call.
        Consumer<Fence> first = f -> {
            if (out.signal(f.error())) {
                for (int i = 0; i < nodes.length; i++) {
                    FenceCallback n = nodes[i];
                    if (n != null) {
                        in.get(i).removeCallback(n);
                    }
                }
            }
        };
        for (int i = 0; i < in.size(); i++) {
            FenceCallback n = in.get(i).onSignal(first);
            if (n == null) {
                first.accept(in.get(i));
                break;
            }
            nodes[i] = n;
            if (out.isSignaled()) {
                in.get(i).removeCallback(n);
                break;
            }
        }
        return out.fence();
    }

    private static Timeline compositeTimeline(String kind, List<Fence> in) {
        Clock clock = in.isEmpty() ? Clock.SYSTEM : in.get(0).timeline.clock();
        return Timeline.create(kind + "(" + in.size() + ")", clock);
    }

    private static void forwardDeadlines(FenceSource out, List<Fence> in) {
        out.onDeadline(d -> {
            for (Fence f : in) {
                f.setDeadline(d);
            }
        });
    }

    @Override
    public String toString() {
        String shown = !isSignaled() ? "pending" : error.isError() ? error.toString() : "signaled";
        return "Fence[" + timeline.name() + " " + timeline.context() + ":" + seqno + " " + shown + "]";
    }
}
