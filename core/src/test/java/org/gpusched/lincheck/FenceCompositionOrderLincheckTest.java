package org.gpusched.lincheck;

import java.util.List;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * The composites' documented choice of error against the order in which their inputs signal,
 * as a third thread observes it.
 *
 * <p>{@link Fence#all} promises "the error of the first of them (in signalling order) that
 * failed", {@link Fence#any} "the error of" the input that signals first. Two threads signal
 * one input each while a third reads both inputs ({@code inputs()}): when it sees A signalled
 * and B not yet, A signalled first, and once both have signalled {@link #validate()} requires
 * {@code any} to carry A's error, and {@code all} to carry A's error if A failed. The
 * operations themselves are checked for linearizability against {@link Spec} (two plain
 * once-only fences); the composites are read only in {@link #validate()}, when every thread is
 * done, because they may lag behind their inputs while signals are in progress.
 *
 * <p>Budget: {@value #ITERATIONS} random scenarios of three threads plus the hand-written one
 * (A and B fail at once while a third thread reads them), {@value #INVOCATIONS} interleavings
 * each in model checking; a longer check is described in {@link LincheckBudget}.
 */
@Param(name = "err", gen = IntGen.class, conf = "0:2")
public class FenceCompositionOrderLincheckTest {

    static final int ITERATIONS = 4;
    static final int INVOCATIONS = 200;

    private final Timeline timeline = Timeline.create("in", () -> 0L);
    private final FenceSource a = timeline.newFence();
    private final FenceSource b = timeline.newFence();
    private final Fence all = Fence.all(a.fence(), b.fence());
    private final Fence any = Fence.any(a.fence(), b.fence());
    /** "A" once a reader saw A signalled while B was not. */
    private volatile String firstSeen;

    @Operation(nonParallelGroup = "a")
    public boolean signalA(@Param(name = "err") int err) {
        return a.signal(FenceLincheckTest.errorOf(err));
    }

    @Operation(nonParallelGroup = "b")
    public boolean signalB(@Param(name = "err") int err) {
        return b.signal(FenceLincheckTest.errorOf(err));
    }

    /**
     * Reads A, then B: "A" if only A has signalled, "B" if only B, "AB" if both, "-" if none.
     * "A" proves that A signalled before B (a fence never unsignals, and B was still pending
     * after A was seen signalled), so it is recorded; "B" proves nothing about the order (A may
     * have signalled between the two reads, before B).
     */
    @Operation
    public String inputs() {
        boolean sa = a.isSignaled();
        boolean sb = b.isSignaled();
        if (sa && !sb) {
            firstSeen = "A";
            return "A";
        }
        return sa ? "AB" : sb ? "B" : "-";
    }

    /** With both inputs signalled and A seen first: the composites took A's error as documented. */
    @Validate
    public void validate() {
        if (!a.isSignaled() || !b.isSignaled()) {
            return;
        }
        if (!all.isSignaled() || !any.isSignaled()) {
            throw new AssertionError("inputs signalled, composites not: all=" + all + " any=" + any);
        }
        if (!"A".equals(firstSeen)) {
            return;
        }
        FenceError ea = a.fence().error();
        if (!any.error().equals(ea)) {
            throw new AssertionError("A was seen signalled before B, yet any() took " + any.error()
                    + " instead of A's " + ea + " (B: " + b.fence().error() + ")");
        }
        if (ea.isError() && !all.error().equals(ea)) {
            throw new AssertionError("A failed first (" + ea + "), yet all() took " + all.error()
                    + " (B: " + b.fence().error() + ")");
        }
    }

    /** The sequential specification: two once-only fences read together. */
    public static class Spec {
        private boolean aSignaled;
        private boolean bSignaled;

        public boolean signalA(int err) {
            boolean first = !aSignaled;
            aSignaled = true;
            return first;
        }

        public boolean signalB(int err) {
            boolean first = !bSignaled;
            bSignaled = true;
            return first;
        }

        public String inputs() {
            return aSignaled && !bSignaled ? "A" : aSignaled ? "AB" : bSignaled ? "B" : "-";
        }
    }

    @Test
    void compositesTakeTheErrorOfTheInputSeenToSignalFirst() {
        new ModelCheckingOptions()
                .iterations(LincheckBudget.iterations(ITERATIONS))
                .invocationsPerIteration(LincheckBudget.invocations(INVOCATIONS))
                .threads(3)
                .actorsPerThread(2)
                .actorsBefore(0)
                .actorsAfter(1)
                .sequentialSpecification(Spec.class)
                .addCustomScenario(Scenarios.scenario(getClass(), List.of(), List.of(
                        List.of(Scenarios.op(getClass(), "signalA", 1)),
                        List.of(Scenarios.op(getClass(), "signalB", 2)),
                        List.of(Scenarios.op(getClass(), "inputs"))), List.of()))
                .check(getClass());
    }
}
