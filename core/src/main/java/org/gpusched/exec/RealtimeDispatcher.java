package org.gpusched.exec;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A dispatcher on real threads: lanes run on a pool of platform threads (its own, or an
 * {@link Executor} the caller supplies and owns), timers on one timer thread, time from
 * {@link Clock#SYSTEM}.
 *
 * <p>Any number of lanes share the pool; a lane holds a thread only while its work runs, so
 * thousands of schedulers (one per firmware queue) need no thread each. A lane that keeps
 * being signalled runs a few rounds in a row, then goes to the back of the pool's queue so
 * that other lanes get their turn.
 *
 * <p>Thread-safe.
 */
public final class RealtimeDispatcher implements Dispatcher {

    /** Rounds a lane runs back to back before yielding its pool thread. */
    private static final int ROUNDS_BEFORE_YIELD = 8;

    private static final System.Logger LOG = System.getLogger(RealtimeDispatcher.class.getName());

    private static volatile RealtimeDispatcher shared;

    private final Executor pool;
    private final ExecutorService ownedPool;
    private final ScheduledThreadPoolExecutor timer;
    private volatile boolean closed;

    /**
     * Creates a dispatcher with its own pool of {@code threads} daemon threads.
     *
     * @param name    prefix of the thread names
     * @param threads pool size, at least 1
     */
    public RealtimeDispatcher(String name, int threads) {
        Objects.requireNonNull(name, "name");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.ownedPool = Executors.newFixedThreadPool(threads, daemonThreads(name + "-worker"));
        this.pool = ownedPool;
        this.timer = newTimer(name);
    }

    /**
     * Creates a dispatcher whose lanes run on {@code executor}. The caller owns the executor:
     * {@link #close()} does not shut it down.
     */
    public RealtimeDispatcher(String name, Executor executor) {
        Objects.requireNonNull(name, "name");
        this.pool = Objects.requireNonNull(executor, "executor");
        this.ownedPool = null;
        this.timer = newTimer(name);
    }

    /**
     * A process-wide dispatcher with one daemon thread per available processor, created on
     * first use and never closed: the default for schedulers that are not given one.
     */
    public static RealtimeDispatcher shared() {
        RealtimeDispatcher d = shared;
        if (d == null) {
            synchronized (RealtimeDispatcher.class) {
                d = shared;
                if (d == null) {
                    d = new RealtimeDispatcher("gpusched", Runtime.getRuntime().availableProcessors());
                    shared = d;
                }
            }
        }
        return d;
    }

    private static ScheduledThreadPoolExecutor newTimer(String name) {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemonThreads(name + "-timer"));
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public Clock clock() {
        return Clock.SYSTEM;
    }

    @Override
    public Lane newLane(String name, Runnable work) {
        return new PoolLane(Objects.requireNonNull(name, "name"), Objects.requireNonNull(work, "work"));
    }

    @Override
    public Cancellable schedule(long deadlineNanos, Runnable task) {
        Objects.requireNonNull(task, "task");
        long delay = Math.max(0, deadlineNanos - System.nanoTime());
        try {
            ScheduledFuture<?> f = timer.schedule(task, delay, TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            if (!closed) {
                throw e;
            }
            return () -> { };
        }
    }

    @Override
    public boolean isVirtual() {
        return false;
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        if (ownedPool != null) {
            ownedPool.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "RealtimeDispatcher" + (closed ? "[closed]" : "");
    }

    /**
     * A lane on the shared pool.
     *
     * <p>State machine (field {@code state}): IDLE -signal-> QUEUED -pool picks it-> RUNNING
     * -work returns-> IDLE, or RUNNING -signal-> RUNNING_SIGNALLED -work returns-> RUNNING
     * again (or QUEUED when it yields its thread). At most one pool task per lane exists, so a
     * lane never runs on two threads; {@code lock} additionally excludes exclusive actions of
     * other threads.
     */
    private final class PoolLane implements Lane, Runnable {
        private static final int IDLE = 0;
        private static final int QUEUED = 1;
        private static final int RUNNING = 2;
        private static final int RUNNING_SIGNALLED = 3;

        private final String name;
        private final Runnable work;
        private final AtomicInteger state = new AtomicInteger(IDLE);
        private final ReentrantLock lock = new ReentrantLock();
        /** Deadline of the pending wake-up timer, or Long.MAX_VALUE when none is pending. */
        private final AtomicLong pendingWake = new AtomicLong(Long.MAX_VALUE);

        PoolLane(String name, Runnable work) {
            this.name = name;
            this.work = work;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void signal() {
            for (;;) {
                int s = state.get();
                switch (s) {
                    case IDLE -> {
                        if (state.compareAndSet(IDLE, QUEUED)) {
                            submit();
                            return;
                        }
                    }
                    case RUNNING -> {
                        if (state.compareAndSet(RUNNING, RUNNING_SIGNALLED)) {
                            return;
                        }
                    }
                    default -> {
                        return; // QUEUED or RUNNING_SIGNALLED: a run is already due
                    }
                }
            }
        }

        private void submit() {
            if (closed) {
                state.set(IDLE);
                return;
            }
            try {
                pool.execute(this);
            } catch (RejectedExecutionException e) {
                state.set(IDLE);
                if (!closed) {
                    LOG.log(System.Logger.Level.ERROR, "lane " + name + ": executor rejected its work", e);
                }
            }
        }

        @Override
        public void run() {
            state.set(RUNNING);
            for (int round = 0; ; round++) {
                runWorkLocked();
                if (state.compareAndSet(RUNNING, IDLE)) {
                    return;
                }
                // Signalled while running: run again, or yield the thread to other lanes.
                if (round + 1 >= ROUNDS_BEFORE_YIELD) {
                    state.set(QUEUED);
                    submit();
                    return;
                }
                state.set(RUNNING);
            }
        }

        private void runWorkLocked() {
            lock.lock();
            NonBlocking.enter();
            try {
                work.run();
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "lane " + name + ": work function threw", t);
            } finally {
                NonBlocking.exit();
                lock.unlock();
            }
        }

        @Override
        public void wakeAt(long deadlineNanos) {
            for (;;) {
                long pending = pendingWake.get();
                if (pending <= deadlineNanos) {
                    return; // an earlier (or equal) wake-up is already due; work re-arms after it
                }
                if (pendingWake.compareAndSet(pending, deadlineNanos)) {
                    break;
                }
            }
            schedule(deadlineNanos, () -> {
                pendingWake.compareAndSet(deadlineNanos, Long.MAX_VALUE);
                signal();
            });
        }

        @Override
        public void runExclusive(Runnable action) {
            if (lock.isHeldByCurrentThread()) {
                action.run();
                signal(); // the action may have left work for the lane, as from any other thread
                return;
            }
            lock.lock();
            NonBlocking.enter();
            try {
                action.run();
            } finally {
                NonBlocking.exit();
                lock.unlock();
            }
            signal();
        }

        @Override
        public boolean tryRunExclusive(Runnable action) {
            if (lock.isHeldByCurrentThread() || !lock.tryLock()) {
                return false;
            }
            NonBlocking.enter();
            try {
                action.run();
            } finally {
                NonBlocking.exit();
                lock.unlock();
            }
            return true;
        }

        @Override
        public boolean inLane() {
            return lock.isHeldByCurrentThread();
        }

        @Override
        public String toString() {
            return "Lane[" + name + "]";
        }
    }
}
