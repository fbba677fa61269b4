package org.gpusched.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceCallback;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A fence signalling while a registered callback is being removed: either the removal wins
 * (it returns true and the callback never runs) or the signal wins (removal returns false and
 * the callback runs once). Either way the node is free again afterwards. Results: (removed,
 * times run, node still registered).
 */
@JCStressTest
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "removed before the signal: never ran")
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "signalled first: not removed, ran once")
@Outcome(expect = FORBIDDEN, desc = "ran although removed, lost, ran twice, or the node stayed registered")
@State
public class FenceSignalVsRemoveCallback {

    private static final Timeline TIMELINE = Timeline.create("stress-remove");

    private final FenceSource source = TIMELINE.newFence();
    private final Fence fence = source.fence();
    private final AtomicInteger runs = new AtomicInteger();

    private final FenceCallback callback = new FenceCallback() {
        @Override
        protected void onSignaled(Fence f) {
            runs.incrementAndGet();
        }
    };

    /** Registers the callback before the race. */
    public FenceSignalVsRemoveCallback() {
        if (!fence.addCallback(callback)) {
            throw new IllegalStateException("a fresh fence refused a callback");
        }
    }

    /** Signals the fence. */
    @Actor
    public void signaller() {
        source.signal();
    }

    /** Takes the callback back. */
    @Actor
    public void remover(III_Result r) {
        r.r1 = fence.removeCallback(callback) ? 1 : 0;
    }

    /** The signal has returned, so a callback that was going to run has run. */
    @Arbiter
    public void arbiter(III_Result r) {
        r.r2 = runs.get();
        r.r3 = callback.isRegistered() ? 1 : 0;
    }
}
