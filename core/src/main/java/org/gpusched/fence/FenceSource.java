package org.gpusched.fence;

import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * The right to signal one fence: whoever created the fence (through {@link Timeline#newFence()})
 * holds this object and hands out only the read-only {@link #fence()}.
 *
 * <p>Signalling is once-only: the first {@code signal} sets the error and the timestamp,
 * publishes the fence as signalled and runs its callbacks on the calling thread; later calls
 * return {@code false} and change nothing. Thread-safe.
 */
public final class FenceSource {

    private final Fence fence;

    FenceSource(Fence fence) {
        this.fence = fence;
    }

    /** The read-only fence that consumers see. */
    public Fence fence() {
        return fence;
    }

    /**
     * Signals the fence successfully.
     *
     * @return true if this call signalled it, false if it had already signalled
     */
    public boolean signal() {
        return fence.signal(FenceError.NONE);
    }

    /**
     * Signals the fence with {@code error} ({@link FenceError#NONE} for success). The error is
     * visible before the fence is observably signalled.
     *
     * @return true if this call signalled it, false if it had already signalled
     */
    public boolean signal(FenceError error) {
        return fence.signal(Objects.requireNonNull(error, "error"));
    }

    /**
     * Signals the fence with {@code error}, stamped {@code timestampNanos} instead of a fresh
     * reading of the timeline's clock: for an emitter that has just read that clock (the
     * kernel's {@code dma_fence_signal_timestamp}). The timestamp must come from the timeline's
     * clock and not be earlier than the moment the work behind the fence ended.
     *
     * @return true if this call signalled it, false if it had already signalled
     */
    public boolean signal(FenceError error, long timestampNanos) {
        return fence.signal(Objects.requireNonNull(error, "error"), timestampNanos);
    }

    /** True once the fence has signalled. */
    public boolean isSignaled() {
        return fence.isSignaled();
    }

    /**
     * Sets the emitter's deadline hook: called with the new earliest deadline whenever a
     * consumer asks for an earlier one (and at once if a deadline is already set). It runs on
     * the consumer's thread and must not block. Replaces any previous hook.
     */
    public void onDeadline(LongConsumer hook) {
        fence.setDeadlineHook(Objects.requireNonNull(hook, "hook"));
    }

    @Override
    public String toString() {
        return "FenceSource[" + fence + "]";
    }
}
