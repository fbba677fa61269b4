package org.gpusched.vulkan;

import java.time.Duration;
import java.util.Locale;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;

/**
 * How long the built-in {@code spin} shader takes per round on one device, measured at start,
 * so that a job's intended duration becomes real GPU time: {@link #roundsFor(long)}.
 *
 * <p>Measured with GPU timestamps where the queue has them (else with host round trips, which
 * include the submission and completion overheads): a short and a long spin, each a few times,
 * the fastest of each; the rate is their difference, so fixed costs cancel out.
 *
 * @param nanosPerRound GPU time of one round (256 dependent steps)
 * @param fixedNanos    GPU time of a spin job of zero rounds (dispatch overhead)
 * @param maxRounds     the most rounds one job can spin: 65535 on a device of type {@code cpu}
 *                      (lavapipe ends a shader's loops after 65535 iterations), else 2^32 - 1
 * @param method        {@code gpu-timestamps} or {@code host-round-trip}
 */
public record SpinCalibration(double nanosPerRound, long fixedNanos, long maxRounds, String method) {

    private static final int SHORT = 100;
    private static final int LONG = 1100;
    private static final int REPEATS = 3;

    /**
     * Calibrates the spin shader on {@code device} (a few hundred milliseconds, most of it the
     * first compilation of the shader).
     */
    public static SpinCalibration measure(VulkanDevice device) {
        ComputeProgram spin = device.builtin("spin");
        try (JobLog log = new JobLog(device, 1);
             VulkanRing ring = device.ring("spin-calibration").depth(1).timestamps(true).build()) {
            long set = spin.bind(log.buffer());
            try (Scheduler<VulkanJob> s = ring.schedulerBuilder().build()) {
                Entity<VulkanJob> e = s.newEntity("calibration", Priority.NORMAL);
                time(e, spin, set, 1, ring.timestamps()); // compiles the shader
                long tShort = Long.MAX_VALUE;
                long tLong = Long.MAX_VALUE;
                for (int i = 0; i < REPEATS; i++) {
                    tShort = Math.min(tShort, time(e, spin, set, SHORT, ring.timestamps()));
                    tLong = Math.min(tLong, time(e, spin, set, LONG, ring.timestamps()));
                }
                double perRound = Math.max(1.0, (double) (tLong - tShort) / (LONG - SHORT));
                long fixed = Math.max(0, Math.round(tShort - SHORT * perRound));
                long max = device.info().type().equals("cpu") ? 65_535 : 0xFFFF_FFFFL;
                return new SpinCalibration(perRound, fixed, max, ring.timestamps() ? "gpu-timestamps" : "host-round-trip");
            }
        }
    }

    private static long time(Entity<VulkanJob> e, ComputeProgram spin, long set, int rounds, boolean gpu) {
        VulkanJob job = spin.dispatch(set, 1, 1, 1).pushConstants(0, 0, rounds);
        long t0 = System.nanoTime();
        Fence f = e.job(job).submit().finished();
        try {
            if (!f.await(Duration.ofSeconds(30)) || f.error() != FenceError.NONE) {
                throw new IllegalStateException("calibration spin did not complete: " + f);
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calibrating", ex);
        }
        return gpu && job.gpuNanos() >= 0 ? job.gpuNanos() : System.nanoTime() - t0;
    }

    /** The rounds that take about {@code nanos} of GPU time (at least 0, at most {@link #maxRounds()}). */
    public long roundsFor(long nanos) {
        long r = Math.round((nanos - fixedNanos) / nanosPerRound);
        return Math.max(0, Math.min(maxRounds, r));
    }

    /** The GPU time {@code rounds} rounds should take. */
    public long nanosFor(long rounds) {
        return fixedNanos + Math.round(rounds * nanosPerRound);
    }

    /** The longest job one spin can be. */
    public long maxNanos() {
        return nanosFor(maxRounds);
    }

    /** One line for reports. */
    public String describe() {
        return String.format(Locale.ROOT, "spin calibrated by %s: %.2f us per round of 256 steps, %.1f us fixed, "
                + "at most %.0f ms per job", method, nanosPerRound / 1000, fixedNanos / 1000.0, maxNanos() / 1e6);
    }
}
