package org.gpusched.exec;

/**
 * Where the library's asynchronous work runs and where its time comes from.
 *
 * <p>Two implementations exist: {@link RealtimeDispatcher} (platform threads, wall-clock timers)
 * and {@link VirtualDispatcher} (one thread, discrete events, virtual time, deterministic). The
 * scheduler engine is written against this interface only, so the same code runs on both.
 *
 * <p>Thread-safety: implementations document it; the realtime one is fully thread-safe, the
 * virtual one is confined to the thread that drives it.
 */
public interface Dispatcher extends AutoCloseable {

    /** The clock that every timestamp and timeout of work on this dispatcher uses. */
    Clock clock();

    /**
     * Creates a serial lane whose work function is {@code work}.
     *
     * @param name diagnostic name
     * @param work the function to run on each signal; must not block and must not throw
     *             (a throw is reported and swallowed)
     */
    Lane newLane(String name, Runnable work);

    /**
     * Runs {@code task} once at or after {@code deadlineNanos} on a dispatcher thread. The task
     * is not serialized with any lane; it must be short and must not block.
     */
    Cancellable schedule(long deadlineNanos, Runnable task);

    /** True for a deterministic virtual-time dispatcher. */
    boolean isVirtual();

    /** Releases threads this dispatcher owns. Lanes created on it stop running. Idempotent. */
    @Override
    void close();
}
