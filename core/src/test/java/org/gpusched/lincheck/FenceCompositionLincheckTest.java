package org.gpusched.lincheck;

import java.util.ArrayList;
import java.util.List;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * {@link Fence#all} and {@link Fence#any} of two inputs as concurrent objects, checked for
 * linearizability by Lincheck: two threads signal the inputs while others read the composites.
 *
 * <p>A composite changes in a callback of its inputs, which runs inside the call that signals
 * the input, after the input is observably signalled. So a composite lags behind its inputs,
 * as the contract allows, and a scenario that read an input and a composite side by side would
 * report that lag. These scenarios therefore read only the composites, and give each input one
 * signalling thread ({@code nonParallelGroup}): the input's callbacks then run inside that
 * thread's signal call. The order of signals as the inputs themselves show it is checked by
 * {@link FenceCompositionOrderLincheckTest}.
 *
 * <p>The sequential specification is {@link Spec}: {@code all} signals when both inputs have,
 * with the first error in signalling order; {@code any} signals with the first input's error.
 * Each composite is checked on its own ({@link AllOf}, {@link AnyOf}). Two composites over the
 * same inputs are not checked together, because they are not one object: each takes the first
 * input whose callback reached it, and when two inputs signal at once, their callbacks may
 * reach an {@code all} and an {@code any} in different orders (the {@link Fence#all} contract
 * says so; an early version of this test found it).
 *
 * <p>Budget: {@value #ITERATIONS} random scenarios of three threads per check plus the
 * hand-written one, {@value #INVOCATIONS} interleavings each in model checking; a longer check is
 * described in {@link LincheckBudget}.
 */
public class FenceCompositionLincheckTest {

    static final int ITERATIONS = 4;
    static final int INVOCATIONS = 200;

    static String state(Fence f) {
        return f.isSignaled() ? f.error().toString() : "pending";
    }

    /** {@code all} over two inputs. */
    @Param(name = "err", gen = IntGen.class, conf = "0:2")
    public static class AllOf {
        private final Timeline timeline = Timeline.create("in", () -> 0L);
        private final FenceSource a = timeline.newFence();
        private final FenceSource b = timeline.newFence();
        private final Fence all = Fence.all(a.fence(), b.fence());

        @Operation(nonParallelGroup = "a")
        public boolean signalA(@Param(name = "err") int err) {
            return a.signal(FenceLincheckTest.errorOf(err));
        }

        @Operation(nonParallelGroup = "b")
        public boolean signalB(@Param(name = "err") int err) {
            return b.signal(FenceLincheckTest.errorOf(err));
        }

        /** "pending", or the error {@code all} signalled with ("OK" for none). */
        @Operation
        public String allState() {
            return state(all);
        }
    }

    /** {@code any} over two inputs. */
    @Param(name = "err", gen = IntGen.class, conf = "0:2")
    public static class AnyOf {
        private final Timeline timeline = Timeline.create("in", () -> 0L);
        private final FenceSource a = timeline.newFence();
        private final FenceSource b = timeline.newFence();
        private final Fence any = Fence.any(a.fence(), b.fence());

        @Operation(nonParallelGroup = "a")
        public boolean signalA(@Param(name = "err") int err) {
            return a.signal(FenceLincheckTest.errorOf(err));
        }

        @Operation(nonParallelGroup = "b")
        public boolean signalB(@Param(name = "err") int err) {
            return b.signal(FenceLincheckTest.errorOf(err));
        }

        /** "pending", or the error {@code any} signalled with ("OK" for none). */
        @Operation
        public String anyState() {
            return state(any);
        }
    }

    /**
     * The sequential specification of the composites over two inputs (each target uses the
     * operations it has).
     */
    public static class Spec {
        private boolean aSignaled;
        private boolean bSignaled;
        private FenceError firstError;
        private String all = "pending";
        private String any = "pending";

        private boolean arrive(int err) {
            FenceError e = FenceLincheckTest.errorOf(err);
            if (firstError == null && e.isError()) {
                firstError = e;
            }
            if (aSignaled && bSignaled) {
                all = (firstError == null ? FenceError.NONE : firstError).toString();
            }
            if (any.equals("pending")) {
                any = e.toString();
            }
            return true;
        }

        public boolean signalA(int err) {
            if (aSignaled) {
                return false;
            }
            aSignaled = true;
            return arrive(err);
        }

        public boolean signalB(int err) {
            if (bSignaled) {
                return false;
            }
            bSignaled = true;
            return arrive(err);
        }

        public String allState() {
            return all;
        }

        public String anyState() {
            return any;
        }
    }

    private static ModelCheckingOptions options() {
        return new ModelCheckingOptions()
                .iterations(LincheckBudget.iterations(ITERATIONS))
                .invocationsPerIteration(LincheckBudget.invocations(INVOCATIONS))
                .threads(3)
                .actorsPerThread(2)
                .actorsBefore(1)
                .actorsAfter(2)
                .sequentialSpecification(Spec.class);
    }

    /** Both inputs fail at once, each in its own thread; the composites are read afterwards. */
    private static ExecutionScenario bothFailAtOnce(Class<?> target, String... reads) {
        List<Actor> post = new ArrayList<>();
        for (String r : reads) {
            post.add(Scenarios.op(target, r));
        }
        return Scenarios.scenario(target, List.of(),
                List.of(List.of(Scenarios.op(target, "signalA", 1)), List.of(Scenarios.op(target, "signalB", 2))),
                post);
    }

    @Test
    void allIsLinearizable() {
        options().addCustomScenario(bothFailAtOnce(AllOf.class, "allState")).check(AllOf.class);
    }

    @Test
    void anyIsLinearizable() {
        options().addCustomScenario(bothFailAtOnce(AnyOf.class, "anyState")).check(AnyOf.class);
    }
}
