package org.gpusched.fence;

/**
 * Completes a fence's {@link Fence#toCompletionStage() completion stage} exceptionally when the
 * fence signalled with an error.
 */
public final class FenceFailedException extends RuntimeException {

    private final transient Fence fence;

    /** Creates the exception for a fence that signalled with an error. */
    public FenceFailedException(Fence fence) {
        super(fence + " signalled with " + fence.error() + " (" + fence.error().description() + ")", null, false, false);
        this.fence = fence;
    }

    /** The fence that failed. */
    public Fence fence() {
        return fence;
    }

    /** The error it signalled with. */
    public FenceError error() {
        return fence.error();
    }
}
