package org.gpusched.sim.soak;

import java.util.Objects;
import java.util.SplittableRandom;
import org.gpusched.fence.FenceError;

/**
 * What the chaos backend will do with one job, drawn by the submitting thread: how long it runs
 * on the ring and which faults it suffers.
 *
 * @param durationNanos  time on the ring from {@code run} to its hardware fence
 * @param instant        {@code run} returns a fence that has signalled already
 * @param hang           the job never completes by itself (a timeout RESET or close must end it)
 * @param hwError        the error its hardware fence signals with ({@link FenceError#NONE}: success)
 * @param run            how {@code run} misbehaves
 * @param prepareThrows  {@code prepare} throws on its first call
 * @param prepareExtras  extra fences {@code prepare} returns before it answers null
 * @param timedOutThrows {@code timedOut} throws on its first call
 * @param freeThrows     {@code free} throws
 * @param cancel         what {@code cancel} does
 */
public record JobPlan(long durationNanos, boolean instant, boolean hang, FenceError hwError, RunFault run,
                      boolean prepareThrows, int prepareExtras, boolean timedOutThrows, boolean freeThrows,
                      CancelMode cancel) {

    /** How {@code run} misbehaves. */
    public enum RunFault {
        /** It behaves. */
        NONE,
        /** It throws without putting the job on the ring. */
        THROW_BEFORE,
        /** It puts the job on the ring, then throws (the ring still executes it). */
        THROW_AFTER,
        /** It returns null. */
        RETURN_NULL
    }

    /** What {@code cancel} does. */
    public enum CancelMode {
        /** Returns true; the ring signals CANCELED a little later. */
        SIGNAL_LATER,
        /** Signals CANCELED inside the call and returns true. */
        SIGNAL_NOW,
        /** Returns false: the job keeps running on the ring. */
        REFUSE,
        /** Throws. */
        THROW,
        /** Returns true but does not signal (the teardown timeout must end the wait). */
        IGNORE
    }

    /** Validates. */
    public JobPlan {
        Objects.requireNonNull(hwError, "hwError");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(cancel, "cancel");
        if (durationNanos < 0 || prepareExtras < 0) {
            throw new IllegalArgumentException("negative duration or extras");
        }
    }

    /** A well-behaved job that takes {@code durationNanos} on the ring. */
    public static JobPlan plain(long durationNanos) {
        return new JobPlan(durationNanos, false, false, FenceError.NONE, RunFault.NONE, false, 0, false, false,
                CancelMode.SIGNAL_LATER);
    }

    /** Driver errors a hardware fence may carry (none of them one the scheduler produces itself). */
    static final FenceError[] HW_ERRORS = {FenceError.of(-71), FenceError.of(-14), FenceError.of(-62), FenceError.of(-12)};

    /** Draws a plan: mostly well-behaved jobs of 20 us to 3 ms (a few of 10 to 40 ms), with a few percent of each fault. */
    static JobPlan draw(SplittableRandom r) {
        long duration = r.nextInt(100) < 3 ? r.nextLong(10_000_000, 40_000_000) // a long job: likely on the ring at a close
                : (long) Math.exp(r.nextDouble(Math.log(20_000), Math.log(3_000_000)));
        double p = r.nextDouble();
        RunFault run = p < 0.015 ? RunFault.THROW_BEFORE : p < 0.025 ? RunFault.THROW_AFTER
                : p < 0.04 ? RunFault.RETURN_NULL : RunFault.NONE;
        double c = r.nextDouble();
        // Cancellation is rare (only jobs on the ring when a scheduler closes), so its faults are frequent.
        CancelMode cancel = c < 0.30 ? CancelMode.SIGNAL_LATER : c < 0.40 ? CancelMode.SIGNAL_NOW
                : c < 0.65 ? CancelMode.REFUSE : c < 0.85 ? CancelMode.THROW : CancelMode.IGNORE;
        return new JobPlan(duration,
                r.nextDouble() < 0.04,
                r.nextDouble() < 0.025,
                r.nextDouble() < 0.05 ? HW_ERRORS[r.nextInt(HW_ERRORS.length)] : FenceError.NONE,
                run,
                r.nextDouble() < 0.015,
                r.nextDouble() < 0.05 ? 1 + r.nextInt(2) : 0,
                r.nextDouble() < 0.03,
                r.nextDouble() < 0.02,
                cancel);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        b.append(durationNanos / 1000).append("us");
        if (instant) {
            b.append(" instant");
        }
        if (hang) {
            b.append(" hang");
        }
        if (hwError.isError()) {
            b.append(" hw=").append(hwError.name());
        }
        if (run != RunFault.NONE) {
            b.append(" run=").append(run);
        }
        if (prepareThrows) {
            b.append(" prepare=THROW");
        }
        if (prepareExtras > 0) {
            b.append(" prepareExtras=").append(prepareExtras);
        }
        if (timedOutThrows) {
            b.append(" timedOut=THROW");
        }
        if (freeThrows) {
            b.append(" free=THROW");
        }
        b.append(" cancel=").append(cancel);
        return b.toString();
    }
}
