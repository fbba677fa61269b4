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
 * A fence signalling while a callback is being registered on it: the callback runs exactly once
 * (and sees the fence signalled), or {@code addCallback} reports "already signalled" and the
 * callback never runs. Results: (registered, times run, fence seen signalled by the callback).
 */
@JCStressTest
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "registered before the signal: ran once, saw the fence signalled")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "signalled first: not registered, never ran")
@Outcome(expect = FORBIDDEN, desc = "a lost, duplicated or premature callback")
@State
public class FenceSignalVsAddCallback {

    private static final Timeline TIMELINE = Timeline.create("stress-add");

    private final FenceSource source = TIMELINE.newFence();
    private final Fence fence = source.fence();
    private final AtomicInteger runs = new AtomicInteger();
    private int sawSignaled;

    private final FenceCallback callback = new FenceCallback() {
        @Override
        protected void onSignaled(Fence f) {
            runs.incrementAndGet();
            sawSignaled = f.isSignaled() ? 1 : 0;
        }
    };

    /** Signals the fence. */
    @Actor
    public void signaller() {
        source.signal();
    }

    /** Registers the callback. */
    @Actor
    public void registrar(III_Result r) {
        r.r1 = fence.addCallback(callback) ? 1 : 0;
    }

    /** Both actors have returned, so any callback has run (on the signalling thread). */
    @Arbiter
    public void arbiter(III_Result r) {
        r.r2 = runs.get();
        r.r3 = sawSignaled;
    }
}
