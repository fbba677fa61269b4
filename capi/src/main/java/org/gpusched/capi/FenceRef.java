package org.gpusched.capi;

import java.util.ArrayList;
import java.util.List;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceCallback;
import org.gpusched.fence.FenceSource;

/**
 * What a {@code gs_fence *} handle stands for: the fence, the right to signal it (only for
 * fences the driver created with {@code gs_fence_create}; null for scheduler fences, which C
 * cannot signal), and the C callbacks registered through this handle. {@code callbacks} is
 * guarded by this object.
 */
final class FenceRef {
    final Fence fence;
    final FenceSource source;
    final List<CCallback> callbacks = new ArrayList<>();

    FenceRef(Fence fence, FenceSource source) {
        this.fence = fence;
        this.source = source;
    }

    /** A C fence callback registration: {@code cb(handle, data)} when the fence signals. */
    static final class CCallback extends FenceCallback {
        final long cb;
        final long data;
        final long handle;
        final FenceRef owner;

        CCallback(FenceRef owner, long handle, long cb, long data) {
            this.owner = owner;
            this.handle = handle;
            this.cb = cb;
            this.data = data;
        }

        /**
         * Calls the C function with a handle that is valid for the whole call, as the ABI
         * promises ("borrowed for the call"): the handle it was registered through, held by an
         * extra reference so that a concurrent put cannot make it stale mid-call, or, if C has
         * dropped its last reference meanwhile, a temporary handle released after the call.
         */
        @Override
        protected void onSignaled(Fence fence) {
            synchronized (owner) {
                owner.callbacks.remove(this);
            }
            Handles handles = GsApi.HANDLES;
            long borrowed = handles.retain(handle, Handles.FENCE) ? handle : handles.add(Handles.FENCE, owner);
            try {
                Downcalls.fenceCallback(cb, borrowed, data);
            } finally {
                handles.release(borrowed, Handles.FENCE); // a gs_fence_get inside the call keeps it live
            }
        }
    }
}
