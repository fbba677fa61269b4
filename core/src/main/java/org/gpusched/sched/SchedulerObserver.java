package org.gpusched.sched;

/**
 * Receives a scheduler's job events and backend failures, for metrics, tracing and tests.
 *
 * <p>Called synchronously from the scheduler's lane ({@link JobEvent#SUBMITTED} from the
 * submitting thread): implementations must be thread-safe, fast, and must not block or call
 * back into the scheduler. An observer that throws is ignored for that event.
 */
public interface SchedulerObserver {

    /** An observer that does nothing but log backend failures. */
    SchedulerObserver NONE = new SchedulerObserver() { };

    /**
     * A job changed state.
     *
     * @param event      what happened
     * @param job        the job
     * @param timeNanos  scheduler clock time of the event
     */
    default void onJobEvent(JobEvent event, JobView<?> job, long timeNanos) {
    }

    /**
     * A backend callback threw or returned garbage; the job (if any) ends with
     * {@link org.gpusched.fence.FenceError#BACKEND_FAILED}. The default logs it.
     *
     * @param scheduler the scheduler's name
     * @param callback  which backend method failed
     * @param job       the job concerned, or null
     * @param failure   what was thrown, or an {@link IllegalStateException} describing the
     *                  garbage returned
     */
    default void onBackendFailure(String scheduler, String callback, JobView<?> job, Throwable failure) {
        System.getLogger("org.gpusched.sched").log(System.Logger.Level.WARNING,
                "scheduler " + scheduler + ": backend " + callback + " failed"
                        + (job == null ? "" : " for job " + job.entityName() + "#" + job.seqno()), failure);
    }
}
