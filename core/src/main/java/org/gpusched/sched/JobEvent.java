package org.gpusched.sched;

/**
 * A state change of a job, reported to the scheduler's {@link SchedulerObserver}.
 */
public enum JobEvent {
    /** Queued on its entity (submitting thread). */
    SUBMITTED,
    /** All its dependencies signalled; it waits only for its turn and for credits. */
    RUNNABLE,
    /** Handed to the backend's {@code run}. */
    RUN,
    /** The hardware is done with it (its hardware fence signalled). */
    HW_DONE,
    /** Its timeout expired; the backend's {@code timedOut} is about to be asked. */
    TIMED_OUT,
    /** Cancelled on the hardware because the scheduler closed. */
    CANCELED,
    /** Killed before it reached the hardware (entity or scheduler closed, device gone). */
    KILLED,
    /** Its finished fence signalled. */
    FINISHED,
    /** The backend's {@code free} was called for it. */
    FREED
}
