package org.gpusched.sched;

/**
 * The kernel's {@code DECLARE_EWMA(drm_sched_avgtime, 6, 4)}: an exponentially weighted moving
 * average of job durations in microseconds with 6 fractional bits and weight 1/4; the first
 * sample seeds it. Used by the FAIR policy's "favour shorter jobs" rule, so it is ported bit for
 * bit.
 *
 * <p>Not thread-safe: owned by one scheduler lane.
 */
final class Ewma {
    private static final int PRECISION = 6;
    private static final int WEIGHT_SHIFT = 2; // ilog2(4)

    private long internal;

    void add(long sampleUs) {
        long v = Math.max(0, sampleUs);
        internal = internal != 0
                ? (((internal << WEIGHT_SHIFT) - internal) + (v << PRECISION)) >>> WEIGHT_SHIFT
                : v << PRECISION;
    }

    long read() {
        return internal >>> PRECISION;
    }
}
