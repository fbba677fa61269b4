package org.gpusched.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * Publication of a fence's outcome without waiting: a reader that sees the fence signalled
 * also sees the error and the timestamp it signalled with, never the defaults. Results:
 * (isSignaled(), error(), timestampNanos() or "-" while unsignalled).
 */
@JCStressTest
@Outcome(id = "false, OK, -", expect = ACCEPTABLE, desc = "read before the signal")
@Outcome(id = "true, EPROTO, 42", expect = ACCEPTABLE, desc = "read after the signal: its error and timestamp")
@Outcome(expect = FORBIDDEN, desc = "signalled but the error or timestamp not (yet) visible")
@State
public class FenceSignalVsIsSignaled {

    private static final Timeline TIMELINE = Timeline.create("stress-publish");
    private static final FenceError ERROR = FenceError.of(-71);

    private final FenceSource source = TIMELINE.newFence();
    private final Fence fence = source.fence();

    /** Signals with an error and an explicit timestamp. */
    @Actor
    public void signaller() {
        source.signal(ERROR, 42);
    }

    /** Reads the outcome if the fence says it has one. */
    @Actor
    public void reader(LLL_Result r) {
        boolean s = fence.isSignaled();
        r.r1 = s;
        r.r2 = s ? fence.error().name() : "OK";
        r.r3 = s ? Long.toString(fence.timestampNanos()) : "-";
    }
}
