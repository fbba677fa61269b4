package org.gpusched.sched;

import org.gpusched.exec.Dispatcher;
import org.gpusched.exec.NonBlocking;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.Fence;

/**
 * The one place where the engine blocks: waiting for a fence in the time of the scheduler's
 * dispatcher. On a virtual dispatcher, waiting means running its events until the fence
 * signals (virtual time advances); on a realtime one, parking the thread.
 */
final class Waits {
    private Waits() {
    }

    /**
     * @param timeoutNanos negative waits without bound
     * @return whether the fence signalled
     * @throws IllegalStateException inside a callback (non-blocking section)
     */
    static boolean await(Dispatcher dispatcher, Fence fence, long timeoutNanos) {
        if (fence.isSignaled()) {
            return true;
        }
        NonBlocking.checkMayBlock("waiting for " + fence);
        if (dispatcher instanceof VirtualDispatcher v) {
            return v.runUntil(fence::isSignaled, timeoutNanos);
        }
        try {
            return fence.awaitNanos(timeoutNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fence.isSignaled();
        }
    }
}
