package org.gpusched.exec;

/**
 * A serial execution context: the owner's work function runs on one thread at a time, in
 * response to {@link #signal()}s, and {@link #runExclusive(Runnable) exclusive actions} of
 * other threads never overlap it.
 *
 * <p>A scheduler owns one lane; every callback into its backend runs inside it, which is how
 * "the callbacks of one scheduler are serialized" holds without a thread per scheduler.
 *
 * <p>Contract:
 * <ul>
 *   <li>After {@code signal()} returns, the work function runs at least once more, starting
 *       after the signal (signals that arrive while it is queued or running are coalesced into
 *       one more run). Work must therefore be idempotent: it drains whatever is pending.</li>
 *   <li>{@code wakeAt(t)} makes the work run at or after clock time {@code t}; earlier wake-ups
 *       and spurious runs are allowed.</li>
 *   <li>Work and exclusive actions run with {@link NonBlocking} active: they must not block.</li>
 * </ul>
 * All methods are thread-safe.
 */
public interface Lane {

    /** The lane's name, for diagnostics and thread names. */
    String name();

    /** Requests one more run of the work function. Never blocks, never runs work inline. */
    void signal();

    /** Requests a run of the work function at or after {@code deadlineNanos} of the dispatcher's clock. */
    void wakeAt(long deadlineNanos);

    /**
     * Runs {@code action} on the calling thread, mutually exclusive with the work function and
     * with other exclusive actions, then signals the lane. Re-entrant: called from inside the
     * work function (or another exclusive action of this lane) it runs at once, and the
     * signal makes the work run once more afterwards.
     *
     * <p>May block until a running work function returns, so it must not be called while
     * holding a lock that the work function needs.
     */
    void runExclusive(Runnable action);

    /**
     * Runs {@code action} on the calling thread if the lane is free right now (no work function
     * or exclusive action running, and the caller is not inside one), exclusive like
     * {@link #runExclusive}; never waits. Unlike {@code runExclusive} it does not signal the lane
     * afterwards: the caller runs the work function itself as the action.
     *
     * @return true if the action ran; false if the lane was busy (the caller then signals it)
     */
    boolean tryRunExclusive(Runnable action);

    /** True if the calling thread is currently running this lane's work or an exclusive action. */
    boolean inLane();
}
