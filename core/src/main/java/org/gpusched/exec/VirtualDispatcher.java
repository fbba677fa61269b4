package org.gpusched.exec;

import java.time.Duration;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * A deterministic discrete-event dispatcher with a virtual clock.
 *
 * <p>Every lane run, timer and posted task is an event at a virtual time; events run one at a
 * time on the thread that drives the dispatcher ({@link #runUntil}, {@link #runFor},
 * {@link #runUntilIdle}), in time order and, at equal times, in the order they were posted
 * (late events, see {@link #scheduleLate}, after all others of their instant). Nothing
 * depends on the wall clock or on thread timing, so the same program produces the same
 * sequence of events, bit for bit, on every run.
 *
 * <p>Virtual time advances only between events: code that runs inside an event sees a fixed
 * {@link #clock() clock}. Work takes no virtual time.
 *
 * <p>Thread confinement: the dispatcher belongs to the thread that created it. Calling it from
 * another thread throws {@link IllegalStateException}; that is how a realtime-only use (such
 * as a hardware fence signalled from a foreign thread) is caught instead of silently racing.
 */
public final class VirtualDispatcher implements Dispatcher {

    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private final Thread owner;
    private final Clock clock = this::now;
    private long now;
    private long seq;
    private boolean inEvent;
    private long eventsRun;
    private boolean closed;

    /** Creates a dispatcher at virtual time 0, owned by the calling thread. */
    public VirtualDispatcher() {
        this.owner = Thread.currentThread();
    }

    private long now() {
        return now;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    /** The current virtual time in nanoseconds. */
    public long nanoTime() {
        checkThread();
        return now;
    }

    /** Number of events run so far (a cheap fingerprint of a run, for determinism checks). */
    public long eventsRun() {
        return eventsRun;
    }

    /** Number of events waiting to run. */
    public int pendingEvents() {
        return events.size();
    }

    @Override
    public Lane newLane(String name, Runnable work) {
        return new VirtualLane(Objects.requireNonNull(name, "name"), Objects.requireNonNull(work, "work"));
    }

    @Override
    public Cancellable schedule(long deadlineNanos, Runnable task) {
        return post(Math.max(deadlineNanos, now), false, Objects.requireNonNull(task, "task"));
    }

    /** Runs {@code task} at the current virtual time, after the events already posted for it. */
    public Cancellable post(Runnable task) {
        return post(now, false, Objects.requireNonNull(task, "task"));
    }

    /**
     * Runs {@code task} at {@code deadlineNanos} after every ordinary event of that instant,
     * including those posted later. Used for sampling: a sample sees the instant's final state.
     */
    public Cancellable scheduleLate(long deadlineNanos, Runnable task) {
        return post(Math.max(deadlineNanos, now), true, Objects.requireNonNull(task, "task"));
    }

    private Event post(long time, boolean late, Runnable task) {
        checkThread();
        Event e = new Event(time, late, seq++, task);
        if (!closed) {
            events.add(e);
        }
        return e;
    }

    /**
     * Runs events until {@code condition} holds (checked before each event) or the virtual time
     * would pass {@code now + maxNanos}. On a timeout the clock is left at exactly
     * {@code now + maxNanos}, as if the caller had waited the whole time.
     *
     * @param maxNanos negative for no bound (then it returns false only when no event is left)
     * @return whether the condition holds
     */
    public boolean runUntil(BooleanSupplier condition, long maxNanos) {
        checkDriver();
        long deadline = maxNanos < 0 ? Long.MAX_VALUE : saturatedAdd(now, maxNanos);
        while (!condition.getAsBoolean()) {
            Event next = events.peek();
            if (next == null || next.time > deadline) {
                if (deadline != Long.MAX_VALUE) {
                    now = deadline;
                }
                return condition.getAsBoolean();
            }
            runOne(events.poll());
        }
        return true;
    }

    /** {@link #runUntil(BooleanSupplier, long)} with a {@link Duration}. */
    public boolean runUntil(BooleanSupplier condition, Duration max) {
        return runUntil(condition, max.toNanos());
    }

    /** Runs every event up to and including {@code now + d}, then sets the clock to {@code now + d}. */
    public void runFor(Duration d) {
        runFor(d.toNanos());
    }

    /** Nanosecond form of {@link #runFor(Duration)}. */
    public void runFor(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("negative duration: " + nanos);
        }
        runUntil(() -> false, nanos);
    }

    /**
     * Runs events until none is left or the clock would pass {@code now + maxNanos}.
     *
     * @return true if no event is left
     */
    public boolean runUntilIdle(long maxNanos) {
        return runUntil(events::isEmpty, maxNanos);
    }

    private void runOne(Event e) {
        if (e.cancelled) {
            return;
        }
        now = e.time;
        inEvent = true;
        eventsRun++;
        try {
            e.task.run();
        } finally {
            inEvent = false;
        }
    }

    private void checkThread() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("VirtualDispatcher is confined to thread " + owner.getName()
                    + "; called from " + Thread.currentThread().getName());
        }
    }

    private void checkDriver() {
        checkThread();
        if (inEvent) {
            throw new IllegalStateException("cannot drive the VirtualDispatcher from inside one of its events "
                    + "(a blocking wait inside a callback would deadlock)");
        }
    }

    /** True while an event is running (the caller is inside scheduler or timer work). */
    public boolean inEvent() {
        return inEvent;
    }

    @Override
    public boolean isVirtual() {
        return true;
    }

    /** Drops all pending events; lanes stop running. */
    @Override
    public void close() {
        checkThread();
        closed = true;
        events.clear();
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    @Override
    public String toString() {
        return "VirtualDispatcher[t=" + now + "ns, pending=" + events.size() + "]";
    }

    private static final class Event implements Comparable<Event>, Cancellable {
        final long time;
        final boolean late;
        final long seq;
        final Runnable task;
        boolean cancelled;

        Event(long time, boolean late, long seq, Runnable task) {
            this.time = time;
            this.late = late;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(Event o) {
            int c = Long.compare(time, o.time);
            if (c != 0) {
                return c;
            }
            c = Boolean.compare(late, o.late);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    /**
     * A lane in virtual time: a signal posts one run event at the current instant unless one is
     * already pending. Exclusive actions run inline (there is only one thread).
     */
    private final class VirtualLane implements Lane {
        private final String name;
        private final Runnable work;
        private boolean runPending;
        private int depth;
        private long pendingWake = Long.MAX_VALUE;

        VirtualLane(String name, Runnable work) {
            this.name = name;
            this.work = work;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void signal() {
            checkThread();
            if (!runPending) {
                runPending = true;
                post(now, false, this::runWork);
            }
        }

        private void runWork() {
            runPending = false;
            enter();
            try {
                work.run();
            } catch (RuntimeException | Error t) {
                // The Lane contract: a throwing work function is reported and swallowed.
                System.getLogger(VirtualDispatcher.class.getName()).log(System.Logger.Level.ERROR,
                        "lane " + name + ": work function threw", t);
            } finally {
                leave();
            }
        }

        @Override
        public void wakeAt(long deadlineNanos) {
            checkThread();
            if (pendingWake <= deadlineNanos && pendingWake >= now) {
                return;
            }
            pendingWake = deadlineNanos;
            post(Math.max(deadlineNanos, now), false, () -> {
                if (pendingWake == deadlineNanos) {
                    pendingWake = Long.MAX_VALUE;
                }
                signal();
            });
        }

        @Override
        public void runExclusive(Runnable action) {
            checkThread();
            if (depth > 0) {
                action.run();
                signal(); // the action may have left work for the lane, as from outside
                return;
            }
            enter();
            try {
                action.run();
            } finally {
                leave();
            }
            signal();
        }

        @Override
        public boolean tryRunExclusive(Runnable action) {
            checkThread();
            if (depth > 0) {
                return false;
            }
            enter();
            try {
                action.run();
            } finally {
                leave();
            }
            return true;
        }

        private void enter() {
            depth++;
            NonBlocking.enter();
        }

        private void leave() {
            NonBlocking.exit();
            depth--;
        }

        @Override
        public boolean inLane() {
            return depth > 0;
        }

        @Override
        public String toString() {
            return "VirtualLane[" + name + "]";
        }
    }
}
