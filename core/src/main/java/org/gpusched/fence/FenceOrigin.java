package org.gpusched.fence;

import java.util.Objects;

/**
 * What the producer of a job fence records about it, for consumers' dependency optimisations:
 * an opaque token naming the hardware ring that executes the job, and the job's
 * {@code scheduled} fence. A consumer that runs on the same ring may wait for
 * {@code scheduled} instead of the finished fence, because the ring executes in order.
 *
 * <p>The token is an identity object owned by the producer; it holds no reference back to the
 * producer, so a fence never keeps a scheduler alive (and never dangles).
 *
 * @param ring      identity of the executing ring, compared with {@code ==}
 * @param scheduled the job's scheduled fence
 */
public record FenceOrigin(Object ring, Fence scheduled) {

    /** Validates the components. */
    public FenceOrigin {
        Objects.requireNonNull(ring, "ring");
        Objects.requireNonNull(scheduled, "scheduled");
    }
}
