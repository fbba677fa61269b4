package org.gpusched.lincheck;

import java.util.ArrayList;
import java.util.List;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceCallback;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * One fence as a concurrent object, checked for linearizability by Lincheck: several threads
 * signal it, read it, and register and remove callbacks on it at the same time.
 *
 * <p>What is linearizable, and what is not. Signalling sets the error and the timestamp and
 * takes the callback list in one step under the fence's lock; the callbacks then run on the
 * signalling thread after that step, with no lock held. So the fence's own state (signalled,
 * error, timestamp, which nodes are registered) changes atomically, but a callback's side
 * effect is visible to other threads only some time after the fence is. The operations are
 * chosen to observe only the atomic part: the callbacks that ran are reported by the
 * {@code signal} call that ran them (in the order they ran), and per-node run counters and
 * registration flags, which legitimately lag, are checked by {@link #validate()} once every
 * thread is done. Blocking waits are left out: they are not operations on the state.
 *
 * <p>The sequential specification is {@link Spec}, written independently of the fence.
 *
 * <p>Budget: {@value #ITERATIONS} random scenarios of three threads with three operations each
 * (plus two before and two after), {@value #INVOCATIONS} interleavings per scenario in model
 * checking and {@value #STRESS_INVOCATIONS} runs per scenario in stress mode; a longer check
 * is described in {@link LincheckBudget}.
 */
@Param(name = "err", gen = IntGen.class, conf = "0:2")
@Param(name = "ts", gen = IntGen.class, conf = "0:2")
@Param(name = "node", gen = IntGen.class, conf = "0:1")
public class FenceLincheckTest {

    static final int ITERATIONS = 6;
    static final int INVOCATIONS = 300;
    static final int STRESS_INVOCATIONS = 1000;

    /** The clock reading a fence signalled without an explicit timestamp gets. */
    static final long CLOCK_NOW = 100;

    /** The errors a scenario signals with, by parameter value. */
    static FenceError errorOf(int err) {
        return switch (err) {
            case 0 -> FenceError.NONE;
            case 1 -> FenceError.BACKEND_FAILED;
            default -> FenceError.TIMED_OUT;
        };
    }

    /** Pre-allocated node: counts its runs and logs its label, as the kernel's dma_fence_cb users do. */
    private final class Node extends FenceCallback {
        final String label;
        int runs;

        Node(String label) {
            this.label = label;
        }

        @Override
        protected void onSignaled(Fence f) {
            runs++;
            ran.add(label);
        }
    }

    private final FenceSource source = Timeline.create("lincheck", () -> CLOCK_NOW).newFence();
    private final Fence fence = source.fence();
    private final Node[] nodes = {new Node("n0"), new Node("n1")};
    private final int[] onSignalRuns = new int[2];
    /** Labels of the callbacks that ran; written only by the one signal call that succeeds. */
    private final List<String> ran = new ArrayList<>();
    /** What the successful signal call reported, for {@link #validate()}. */
    private volatile List<String> reported;

    /**
     * Signals with {@code error(err)}, stamped {@code ts * 10}, or with the clock's reading when
     * {@code ts} is 0.
     *
     * @return "false" if the fence had signalled already, else "true" and the labels of the
     *         callbacks this call ran, in the order they ran
     */
    @Operation
    public String signal(@Param(name = "err") int err, @Param(name = "ts") int ts) {
        boolean won = ts == 0 ? source.signal(errorOf(err)) : source.signal(errorOf(err), ts * 10L);
        if (!won) {
            return "false";
        }
        List<String> mine = List.copyOf(ran);
        reported = mine;
        return "true" + mine;
    }

    @Operation
    public boolean isSignaled() {
        return fence.isSignaled();
    }

    @Operation
    public FenceError error() {
        return fence.error();
    }

    /** The timestamp, or -1 while unsignalled (the fence throws then). */
    @Operation
    public long timestamp() {
        try {
            return fence.timestampNanos();
        } catch (IllegalStateException notYet) {
            return -1;
        }
    }

    /** @return "added", "signaled" (refused: the fence has signalled) or "busy" (node registered) */
    @Operation
    public String addCallback(@Param(name = "node") int node) {
        try {
            return fence.addCallback(nodes[node]) ? "added" : "signaled";
        } catch (IllegalStateException registered) {
            return "busy";
        }
    }

    @Operation
    public boolean removeCallback(@Param(name = "node") int node) {
        return fence.removeCallback(nodes[node]);
    }

    /** Registers a fresh action labelled "s" + tag; false if the fence had signalled. */
    @Operation
    public boolean onSignal(@Param(name = "node") int tag) {
        String label = "s" + tag;
        return fence.onSignal(f -> {
            onSignalRuns[tag]++;
            ran.add(label);
        }) != null;
    }

    /**
     * Once every thread is done: each callback ran exactly as often as the successful signal
     * reported it, and no node is left registered on a signalled fence.
     */
    @Validate
    public void validate() {
        List<String> rep = reported;
        if (fence.isSignaled() != (rep != null)) {
            throw new AssertionError("signalled=" + fence.isSignaled() + " but reported=" + rep);
        }
        if (rep == null) {
            if (!ran.isEmpty()) {
                throw new AssertionError("callbacks ran on an unsignalled fence: " + ran);
            }
            return;
        }
        if (!ran.equals(rep)) {
            throw new AssertionError("callbacks ran after signal returned: reported " + rep + ", ran " + ran);
        }
        for (int i = 0; i < nodes.length; i++) {
            long expected = rep.stream().filter(nodes[i].label::equals).count();
            if (nodes[i].runs != expected || nodes[i].isRegistered()) {
                throw new AssertionError(nodes[i].label + " ran " + nodes[i].runs + " times (expected " + expected
                        + "), registered=" + nodes[i].isRegistered());
            }
            String s = "s" + i;
            long expectedS = rep.stream().filter(s::equals).count();
            if (onSignalRuns[i] != expectedS) {
                throw new AssertionError(s + " ran " + onSignalRuns[i] + " times, expected " + expectedS);
            }
        }
    }

    /**
     * The sequential specification: a fence that signals atomically, running its callbacks in
     * registration order as part of the signal.
     */
    public static class Spec {
        private boolean signaled;
        private FenceError error = FenceError.NONE;
        private long timestamp = -1;
        private final List<String> registered = new ArrayList<>();

        public String signal(int err, int ts) {
            if (signaled) {
                return "false";
            }
            signaled = true;
            error = errorOf(err);
            timestamp = ts == 0 ? CLOCK_NOW : ts * 10L;
            List<String> ran = List.copyOf(registered);
            registered.clear();
            return "true" + ran;
        }

        public boolean isSignaled() {
            return signaled;
        }

        public FenceError error() {
            return error;
        }

        public long timestamp() {
            return timestamp;
        }

        public String addCallback(int node) {
            if (signaled) {
                return "signaled";
            }
            if (registered.contains("n" + node)) {
                return "busy";
            }
            registered.add("n" + node);
            return "added";
        }

        public boolean removeCallback(int node) {
            return registered.remove("n" + node);
        }

        public boolean onSignal(int tag) {
            if (signaled) {
                return false;
            }
            registered.add("s" + tag);
            return true;
        }
    }

    @Test
    void fenceIsLinearizableUnderModelChecking() {
        new ModelCheckingOptions()
                .iterations(LincheckBudget.iterations(ITERATIONS))
                .invocationsPerIteration(LincheckBudget.invocations(INVOCATIONS))
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(2)
                .sequentialSpecification(Spec.class)
                .check(getClass());
    }

    @Test
    void fenceIsLinearizableUnderStress() {
        new StressOptions()
                .iterations(LincheckBudget.iterations(ITERATIONS))
                .invocationsPerIteration(LincheckBudget.invocations(STRESS_INVOCATIONS))
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(2)
                .sequentialSpecification(Spec.class)
                .check(getClass());
    }
}
