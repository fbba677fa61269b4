package org.gpusched.stress;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.gpusched.fence.Fence;
import org.gpusched.sched.Scheduler;

/**
 * Bounded waits for arbiters and state set-up. A jcstress test must never hang: when the
 * library loses a completion, the wait gives up and the test records the loss as an outcome
 * (which is then FORBIDDEN) instead of blocking the fork forever.
 */
final class Bounded {

    /** Far longer than any legal completion takes, even on a loaded two-core machine. */
    static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private Bounded() {
    }

    /** Waits for {@code fence} at most {@link #WAIT_NANOS}; true if it signalled. */
    static boolean await(Fence fence) {
        if (fence.isSignaled()) {
            return true;
        }
        try {
            return fence.awaitNanos(WAIT_NANOS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fence.isSignaled();
        }
    }

    /**
     * Spins, then yields, then parks briefly until {@code condition} holds, at most
     * {@link #WAIT_NANOS}; true if it held.
     */
    static boolean until(BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        for (int i = 0; ; i++) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return condition.getAsBoolean();
            }
            if (i < 100) {
                Thread.onSpinWait();
            } else if (i < 200) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(10_000);
            }
        }
    }

    /**
     * Returns once the work that was running on {@code scheduler}'s lane has returned: a
     * finished fence signals inside that work, just before the job is freed, so after
     * waiting for the fence and then for this, the free has happened.
     */
    static void quiesce(Scheduler<?> scheduler) {
        scheduler.isStopped(); // takes the lane exclusively, so it waits for running work
    }

    /** The fence's outcome as an error name ({@code OK} for success), or {@code PENDING}. */
    static String outcome(Fence fence) {
        return fence.isSignaled() ? fence.error().name() : "PENDING";
    }
}
