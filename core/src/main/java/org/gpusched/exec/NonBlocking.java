package org.gpusched.exec;

/**
 * Marks the calling thread as being inside code that must not block: a lane's work function,
 * an exclusive action, or a fence callback.
 *
 * <p>Blocking calls of the library ({@code Fence.await}, {@code Entity.close},
 * {@code Scheduler.close}) check {@link #active()} and throw {@link IllegalStateException}
 * instead of deadlocking (the C ABI turns that into {@code -EDEADLK}).
 *
 * <p>The marker is per thread and nests; {@link #enter()} and {@link #exit()} must be paired
 * in a {@code try/finally}. This class is meant for executors and bridges, not for drivers.
 */
public final class NonBlocking {

    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private NonBlocking() {
    }

    /** True if the calling thread is inside a non-blocking section. */
    public static boolean active() {
        return DEPTH.get()[0] > 0;
    }

    /** Enters a non-blocking section on the calling thread. */
    public static void enter() {
        DEPTH.get()[0]++;
    }

    /** Leaves the innermost non-blocking section of the calling thread. */
    public static void exit() {
        int[] depth = DEPTH.get();
        if (depth[0] <= 0) {
            throw new IllegalStateException("NonBlocking.exit() without enter()");
        }
        depth[0]--;
    }

    /**
     * Throws if the calling thread is inside a non-blocking section.
     *
     * @param operation what the caller was about to do, for the message
     */
    public static void checkMayBlock(String operation) {
        if (active()) {
            throw new IllegalStateException(operation
                    + " would block inside a scheduler or fence callback (deadlock); post the work instead");
        }
    }
}
