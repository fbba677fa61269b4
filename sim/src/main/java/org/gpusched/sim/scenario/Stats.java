package org.gpusched.sim.scenario;

import java.util.Arrays;

/**
 * Summary of a set of durations in whole microseconds: min, average, max and two percentiles
 * (nearest-rank). All zero for an empty set. Immutable.
 *
 * @param count number of samples
 * @param min   smallest
 * @param avg   mean, rounded down
 * @param max   largest
 * @param p50   median (nearest rank)
 * @param p99   99th percentile (nearest rank)
 */
public record Stats(int count, long min, long avg, long max, long p50, long p99) {

    /** No samples. */
    public static final Stats EMPTY = new Stats(0, 0, 0, 0, 0, 0);

    /** Summarizes {@code nanos} (converted to microseconds, rounded down). */
    public static Stats ofNanos(long[] nanos, int n) {
        if (n == 0) {
            return EMPTY;
        }
        long[] us = new long[n];
        long sum = 0;
        for (int i = 0; i < n; i++) {
            us[i] = nanos[i] / 1000;
            sum += us[i];
        }
        Arrays.sort(us);
        return new Stats(n, us[0], sum / n, us[n - 1], rank(us, 0.50), rank(us, 0.99));
    }

    private static long rank(long[] sorted, double q) {
        int idx = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }
}
