package org.gpusched.sched;

/**
 * An entity's priority, highest first (the kernel's {@code drm_sched_priority}; the ordinal is
 * the kernel's value and the C ABI's {@code gs_priority}).
 *
 * <p>Under {@link Policy#FIFO} and {@link Policy#RR} priorities are strict: a ready entity of a
 * higher priority always goes first. Under {@link Policy#FAIR} they scale virtual GPU time
 * (KERNEL about 2x HIGH, HIGH about 4x NORMAL, NORMAL about 8x LOW) and nobody starves.
 */
public enum Priority {
    /** Kernel-internal work (page moves, clears): the highest. */
    KERNEL,
    /** Latency-sensitive clients, such as a compositor. */
    HIGH,
    /** Default for clients. */
    NORMAL,
    /** Background work. */
    LOW;

    private static final Priority[] VALUES = values();

    /**
     * The priority with the kernel's numeric value.
     *
     * @throws IllegalArgumentException if {@code value} is not 0..3
     */
    public static Priority ofValue(int value) {
        if (value < 0 || value >= VALUES.length) {
            throw new IllegalArgumentException("priority must be 0 (KERNEL) .. 3 (LOW), got " + value);
        }
        return VALUES[value];
    }
}
