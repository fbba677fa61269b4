package org.gpusched.sched;

import java.time.Duration;
import java.util.Objects;
import org.gpusched.exec.Dispatcher;
import org.gpusched.fence.FenceError;

/**
 * A job queue for one firmware queue (the 1:1 use: one entity per scheduler, as Xe, Panthor,
 * PowerVR, Nouveau and Asahi use the kernel scheduler): dependency tracking, credits, timeout,
 * in-order completion and clean teardown, without run queues or priorities to think about.
 *
 * <p>It is a {@link Scheduler} with exactly one {@link Entity}, so it has every guarantee of
 * both and costs what they cost: no thread of its own (thousands of queues share one
 * {@link Dispatcher}), one lane turn per batch of jobs.
 *
 * <p>Thread-safe.
 *
 * @param <P> the payload type
 */
public final class JobQueue<P> implements AutoCloseable {

    private final Scheduler<P> scheduler;
    private final Entity<P> entity;

    private JobQueue(Scheduler<P> scheduler) {
        this.scheduler = scheduler;
        this.entity = scheduler.newEntity(scheduler.name(), Priority.NORMAL);
    }

    /**
     * Creates a queue.
     *
     * @param name        queue name (also the name of its fences' timeline)
     * @param backend     the firmware queue's backend
     * @param creditLimit capacity of the firmware ring, in credits
     * @param timeout     job timeout, or null for none
     * @param dispatcher  where it runs
     */
    public static <P> JobQueue<P> create(String name, Backend<P> backend, int creditLimit, Duration timeout,
                                         Dispatcher dispatcher) {
        Objects.requireNonNull(dispatcher, "dispatcher");
        return new JobQueue<>(Scheduler.builder(backend).name(name).creditLimit(creditLimit).timeout(timeout)
                .dispatcher(dispatcher).build());
    }

    /** Starts building a job; see {@link Entity#job}. */
    public JobBuilder<P> job(P payload) {
        return entity.job(payload);
    }

    /** The scheduler underneath, for recovery ({@code stop}, {@code start}, timeouts). */
    public Scheduler<P> scheduler() {
        return scheduler;
    }

    /** Jobs submitted but not yet on the hardware. */
    public int queueDepth() {
        return entity.queueDepth();
    }

    /** Error of the most recently finished job. */
    public FenceError error() {
        return entity.error();
    }

    /**
     * Closes the queue: queued jobs are killed, jobs on the hardware cancelled, everything
     * freed; no callback runs after this returns.
     */
    @Override
    public void close() {
        entity.close(Duration.ZERO);
        scheduler.close();
    }

    @Override
    public String toString() {
        return "JobQueue[" + scheduler + "]";
    }
}
