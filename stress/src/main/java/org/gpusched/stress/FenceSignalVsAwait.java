package org.gpusched.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
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
 * A fence signalling with an error while another thread waits for it with a short timeout.
 * An await that returns true implies the fence is signalled and its error is visible; an
 * await that times out may see the signal arrive only afterwards. Results: (await's answer,
 * isSignaled() after it, error() after that).
 */
@JCStressTest
@Outcome(id = "true, true, EPROTO", expect = ACCEPTABLE, desc = "woken by the signal: signalled, error visible")
@Outcome(id = "false, false, OK", expect = ACCEPTABLE, desc = "timed out before the signal")
@Outcome(id = "false, true, EPROTO", expect = ACCEPTABLE_INTERESTING, desc = "timed out; the signal came right after")
@Outcome(id = "false, false, EPROTO", expect = ACCEPTABLE_INTERESTING, desc = "timed out; the signal came between the two reads")
@Outcome(expect = FORBIDDEN, desc = "await true while unsignalled, or signalled without its error")
@State
public class FenceSignalVsAwait {

    private static final Timeline TIMELINE = Timeline.create("stress-await");
    private static final FenceError ERROR = FenceError.of(-71);
    /** Short enough that both sides of the race are common. */
    private static final long TIMEOUT_NANOS = 20_000;

    private final FenceSource source = TIMELINE.newFence();
    private final Fence fence = source.fence();

    /** Signals with an error. */
    @Actor
    public void signaller() {
        source.signal(ERROR);
    }

    /** Waits briefly, then looks at the fence. */
    @Actor
    public void waiter(LLL_Result r) {
        boolean woke;
        try {
            woke = fence.awaitNanos(TIMEOUT_NANOS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r.r1 = "interrupted";
            return;
        }
        r.r1 = woke;
        r.r2 = fence.isSignaled();
        r.r3 = fence.error().name();
    }
}
