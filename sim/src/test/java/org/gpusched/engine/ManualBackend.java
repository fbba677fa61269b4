package org.gpusched.engine;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.gpusched.exec.Clock;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobView;
import org.gpusched.sched.TimeoutVerdict;

/**
 * A backend whose hardware fences the test signals by hand (by job label), with a settable
 * timeout verdict and cancel behaviour. Works with any payload.
 *
 * @param <P> the payload type
 */
final class ManualBackend<P> implements Backend<P> {
    private final Timeline hw;
    private final Map<String, FenceSource> fences = new ConcurrentHashMap<>();
    /** What {@code timedOut} answers (default RESET without touching the hardware fence). */
    volatile Function<JobView<P>, TimeoutVerdict> onTimeout = j -> TimeoutVerdict.RESET;
    /** Whether {@code cancel} signals the hardware fence with CANCELED. */
    volatile boolean cancelSignals = true;
    /** What {@code cancel} answers (whether the hardware fence will signal). */
    volatile boolean cancelAnswer = true;

    ManualBackend(String name, Clock clock) {
        this.hw = Timeline.create(name + "/hw", clock);
    }

    @Override
    public Fence run(JobView<P> job) {
        FenceSource f = hw.newFence();
        fences.put(Harness.label(job), f);
        return f.fence();
    }

    @Override
    public TimeoutVerdict timedOut(JobView<P> job) {
        return onTimeout.apply(job);
    }

    @Override
    public boolean cancel(JobView<P> job) {
        if (cancelSignals) {
            fences.get(Harness.label(job)).signal(FenceError.CANCELED);
        }
        return cancelAnswer;
    }

    /** Signals the hardware fence of the job labelled {@code label}. */
    void complete(String label, FenceError error) {
        fences.get(label).signal(error);
    }

    /** The hardware fence of the job labelled {@code label}, or null if it did not run. */
    Fence hardwareFence(String label) {
        FenceSource f = fences.get(label);
        return f == null ? null : f.fence();
    }
}
