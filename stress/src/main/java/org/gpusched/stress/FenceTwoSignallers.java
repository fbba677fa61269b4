package org.gpusched.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLLL_Result;

/**
 * Two threads signalling one fence with different errors and timestamps: exactly one wins,
 * and the fence (and its callback, which runs once) shows the winner's error and timestamp,
 * never a mix. Results: (first won, second won, error, timestamp, callback runs, error the
 * callback saw).
 */
@JCStressTest
@Outcome(id = "true, false, EPROTO, 1000, 1, EPROTO", expect = ACCEPTABLE, desc = "the first signaller won")
@Outcome(id = "false, true, EIO, 2000, 1, EIO", expect = ACCEPTABLE, desc = "the second signaller won")
@Outcome(expect = FORBIDDEN, desc = "both or neither won, a mixed outcome, or the callback ran other than once")
@State
public class FenceTwoSignallers {

    private static final Timeline TIMELINE = Timeline.create("stress-two");
    private static final FenceError FIRST = FenceError.of(-71);
    private static final FenceError SECOND = FenceError.BACKEND_FAILED;

    private final FenceSource source = TIMELINE.newFence();
    private final Fence fence = source.fence();
    private final AtomicInteger runs = new AtomicInteger();
    private String callbackSaw = "-";

    /** Registers the callback before the race. */
    public FenceTwoSignallers() {
        fence.onSignal(f -> {
            runs.incrementAndGet();
            callbackSaw = f.error().name();
        });
    }

    /** Signals EPROTO at time 1000. */
    @Actor
    public void first(LLLLLL_Result r) {
        r.r1 = source.signal(FIRST, 1000);
    }

    /** Signals EIO at time 2000. */
    @Actor
    public void second(LLLLLL_Result r) {
        r.r2 = source.signal(SECOND, 2000);
    }

    /** Both signals have returned; the winner's callbacks have run. */
    @Arbiter
    public void arbiter(LLLLLL_Result r) {
        r.r3 = Bounded.outcome(fence);
        r.r4 = fence.isSignaled() ? Long.toString(fence.timestampNanos()) : "-";
        r.r5 = runs.get();
        r.r6 = callbackSaw;
    }
}
