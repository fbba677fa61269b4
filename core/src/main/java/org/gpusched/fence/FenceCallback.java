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

    /** Marks a node whose fence has signalled but whose callback has not started yet. */
    static final Object QUEUED = new Object();

    /**
     * The fence this node is registered on, {@link #QUEUED} once that fence has signalled and
     * the callback waits its turn to run, or null when the node is free. Written under the
     * owning fence's lock, except the final QUEUED to null step, done by the signalling thread
     * just before the callback starts.
     */
    volatile Object owner;
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

    /**
     * True while this node is registered on a fence, or its fence has signalled and the callback
     * has not started yet. A node can be registered again only when this is false.
     */
    public final boolean isRegistered() {
        return owner != null;
    }
}
