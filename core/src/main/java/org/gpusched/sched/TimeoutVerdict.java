package org.gpusched.sched;

/**
 * What a backend's {@link Backend#timedOut} decided about a job that exceeded the timeout.
 */
public enum TimeoutVerdict {
    /**
     * The job hung and the hardware was reset: the job ends with
     * {@link org.gpusched.fence.FenceError#TIMED_OUT} (or with the error the backend signalled
     * its hardware fence with) and is freed, also if the hardware fence never signals.
     */
    RESET,
    /** False alarm: the job is still making progress; its timeout starts again. */
    NO_HANG,
    /**
     * The device is gone: the scheduler stops for good. Every job on it ends with
     * {@link org.gpusched.fence.FenceError#DEVICE_GONE}, and so do later submissions.
     */
    DEVICE_GONE
}
