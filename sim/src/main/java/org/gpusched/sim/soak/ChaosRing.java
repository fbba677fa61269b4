package org.gpusched.sim.soak;

import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.gpusched.exec.Clock;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;

/**
 * A simulated hardware ring on a real thread: it signals each job's hardware fence when the
 * job's time on the ring is up, with the job's error.
 *
 * <p>An in-order ring finishes jobs back to back in the order they were started (each at
 * {@code max(previous finish, now) + duration}), like a command ring; an out-of-order ring
 * finishes each job {@code duration} after it started, whatever came before, like firmware that
 * runs several queues at once. Fences of an out-of-order ring each get a timeline of their own,
 * since they do not signal in any order. The same thread also signals fences on request after a
 * delay (cancellation, driver fences), always without holding its lock, so signalling may run
 * scheduler work on this thread.
 *
 * <p>Thread-safe.
 */
final class ChaosRing implements AutoCloseable {

    private record Entry(long due, long order, FenceSource fence, FenceError error, long runIndex) {
    }

    private final String name;
    private final boolean inOrder;
    private final Timeline timeline;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PriorityQueue<Entry> queue = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due, b.due) : Long.compare(a.order, b.order));
    private final Queue<FenceSource> issued = new ConcurrentLinkedQueue<>();
    private final AtomicLong outOfOrder = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final Thread thread;
    private long lastDue;
    private long order;
    private long runIndex;
    private long highestCompleted;
    private boolean stopping;

    ChaosRing(String name, boolean inOrder) {
        this.name = name;
        this.inOrder = inOrder;
        this.timeline = Timeline.create(name, Clock.SYSTEM);
        this.thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** True if the ring finishes jobs in the order they started. */
    boolean inOrder() {
        return inOrder;
    }

    /** Jobs that finished before a job that was started earlier on this ring. */
    long outOfOrderCompletions() {
        return outOfOrder.get();
    }

    /** Jobs the ring finished by itself. */
    long completions() {
        return completed.get();
    }

    /**
     * Starts a job: its fence signals with {@code error} after {@code durationNanos} (after the
     * jobs before it on an in-order ring), or never if it {@code hangs}, or at once if
     * {@code instant}.
     */
    FenceSource start(long durationNanos, boolean hangs, boolean instant, FenceError error) {
        FenceSource src = inOrder ? timeline.newFence() : Timeline.create(name, Clock.SYSTEM).newFence();
        issued.add(src);
        if (instant) {
            src.signal(error);
            return src;
        }
        lock.lock();
        try {
            long index = ++runIndex;
            if (!hangs) {
                long now = System.nanoTime();
                long due = inOrder ? Math.max(lastDue, now) + durationNanos : now + durationNanos;
                if (inOrder) {
                    lastDue = due;
                }
                add(new Entry(due, ++order, src, error, index));
            }
        } finally {
            lock.unlock();
        }
        return src;
    }

    /** Signals {@code fence} with {@code error} after {@code delayNanos} (if nothing signalled it before). */
    void signalLater(FenceSource fence, long delayNanos, FenceError error) {
        issued.add(fence);
        lock.lock();
        try {
            add(new Entry(System.nanoTime() + delayNanos, ++order, fence, error, 0));
        } finally {
            lock.unlock();
        }
    }

    /** A driver fence of its own timeline that this ring signals with {@code error} after {@code delayNanos}. */
    Fence driverFence(long delayNanos, FenceError error) {
        FenceSource src = Timeline.create(name + "/driver", Clock.SYSTEM).newFence();
        signalLater(src, delayNanos, error);
        return src.fence();
    }

    private void add(Entry e) {
        boolean first = queue.isEmpty() || queue.peek().due > e.due;
        queue.add(e);
        if (first) {
            changed.signal();
        }
    }

    private void loop() {
        for (;;) {
            Entry e;
            lock.lock();
            try {
                for (;;) {
                    if (stopping) {
                        return;
                    }
                    Entry head = queue.peek();
                    long now = System.nanoTime();
                    if (head != null && head.due - now <= 0) {
                        e = queue.poll();
                        break;
                    }
                    try {
                        if (head == null) {
                            changed.await();
                        } else {
                            changed.awaitNanos(head.due - now);
                        }
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            } finally {
                lock.unlock();
            }
            boolean signalled = e.fence.signal(e.error); // no lock held: scheduler work may run here
            if (signalled && e.runIndex > 0) {
                completed.incrementAndGet();
                if (e.runIndex < highestCompleted) {
                    outOfOrder.incrementAndGet();
                } else {
                    highestCompleted = e.runIndex;
                }
            }
        }
    }

    /**
     * Stops the thread and signals every fence it handed out that has not signalled (with
     * CANCELED): called once nothing is left to run on the ring.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            stopping = true;
            changed.signal();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        FenceSource f;
        while ((f = issued.poll()) != null) {
            f.signal(FenceError.CANCELED);
        }
    }

    @Override
    public String toString() {
        return "ChaosRing[" + name + (inOrder ? " in order" : " out of order") + "]";
    }
}
