package org.gpusched.sim.soak;

/**
 * The kinds of misbehaviour the chaos backend injects; the soak counts each time one fires.
 */
public enum FaultKind {
    /** {@code run} threw (before or after putting the job on the ring). */
    RUN_THROWS,
    /** {@code run} returned null. */
    RUN_RETURNS_NULL,
    /** The hardware fence signalled with a driver error. */
    HW_ERROR,
    /** {@code prepare} threw. */
    PREPARE_THROWS,
    /** {@code prepare} returned an extra fence to wait for. */
    PREPARE_EXTRA_FENCE,
    /** The job hung on the ring: its hardware fence never signals by itself. */
    HANG,
    /** {@code timedOut} answered NO_HANG. */
    NO_HANG,
    /** {@code timedOut} threw. */
    TIMEDOUT_THROWS,
    /** {@code timedOut} answered DEVICE_GONE: the device was lost. */
    DEVICE_GONE,
    /** {@code cancel} refused (returned false) and left the job running on the ring. */
    CANCEL_REFUSED,
    /** {@code cancel} threw. */
    CANCEL_THROWS,
    /** {@code cancel} promised a signal (returned true) that does not come before the teardown timeout. */
    CANCEL_IGNORED,
    /** {@code free} threw. */
    FREE_THROWS
}
