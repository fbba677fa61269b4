package org.gpusched.fence;

/**
 * A callback node that can be registered on one fence at a time (the {@code dma_fence_cb}
 * model): the owner allocates it once and reuses it, so registering costs no allocation.
 *
 * <p>{@link #onSignaled(Fence)} runs once per registration, on the thread that signals the
 * fence, after the fence is observably signalled and with no lock held. It must be short and
 * must not block (it runs inside {@link org.gpusched.exec.NonBlocking}); typical callbacks only
 * post work. A callback that throws is reported and does not stop the other callbacks.
 *
 * <p>Registration state is guarded by the fence it is registered on; a node is free again once
 * its callback has started or it was removed.
 */
public abstract class FenceCallback {

    /** The fence this node is registered on, or null. Guarded by that fence's lock. */
    Fence owner;
    FenceCallback prev;
    FenceCallback next;

    /** Subclasses are created by the owner of the node. */
    protected FenceCallback() {
    }

    /**
     * Called once the fence has signalled.
     *
     * @param fence the fence that signalled
     */
    protected abstract void onSignaled(Fence fence);

    /** True while this node is registered on a fence that has not signalled yet. */
    public final boolean isRegistered() {
        Fence f = owner;
        if (f == null) {
            return false;
        }
        synchronized (f) {
            return owner != null;
        }
    }
}
