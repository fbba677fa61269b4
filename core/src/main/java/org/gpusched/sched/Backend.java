package org.gpusched.sched;

import org.gpusched.fence.Fence;

/**
 * The driver's side of a scheduler (the kernel's {@code drm_sched_backend_ops}): it puts jobs on
 * the hardware and answers for them when they time out or when the scheduler goes away.
 *
 * <p>Threading: every method is called on the scheduler's lane, one call at a time per
 * scheduler (never concurrently with another method of the same scheduler's backend), and
 * never inside a call that the backend itself made into the library, except {@link #cancel}
 * and {@link #free} during {@link Scheduler#close()}, which run on the closing thread. Methods
 * must not block: they are on the path that signals fences.
 *
 * <p>Failures: a method that throws (or {@code run} returning {@code null}) makes the job end
 * with {@link org.gpusched.fence.FenceError#BACKEND_FAILED}; the scheduler reports it to its
 * {@link SchedulerObserver} and keeps serving everyone else.
 *
 * @param <P> the job payload type
 */
public interface Backend<P> {

    /**
     * Returns one more fence the job must wait for before it runs, or null when it has none
     * left. Called when the job is about to run (after its explicit dependencies signalled and
     * its credits are free), again after each returned fence signals, until it returns null.
     */
    default Fence prepare(JobView<P> job) {
        return null;
    }

    /**
     * Whether the hardware will wait for {@code dependency} by itself, so the scheduler need not
     * wait for it on the CPU. Asked for an explicit dependency that is the finished fence of a
     * job of another scheduler ({@link Fence#origin()} is set), only once that job's
     * {@code scheduled} fence has signalled (it is on its ring, or was killed): if this returns
     * true the dependency counts as met and {@link #run} must make the hardware wait for it
     * (for example a semaphore wait in the submission; {@link JobView#dependencies()} lists
     * them); if false the scheduler waits for the fence itself. Every other ordering rule still
     * holds, as the scheduler still knows the dependency (a killed job's finished fence still
     * waits for it). The default, false, keeps every dependency on the CPU, the kernel's rule
     * between schedulers.
     */
    default boolean waitsOnHardware(Fence dependency) {
        return false;
    }

    /**
     * Puts the job on the hardware and returns its hardware fence, which the backend signals
     * when the hardware is done with the job (with an error if it failed). Return
     * {@link Fence#signaled()} for a job that completed at once. Called exactly once per job
     * that reaches the hardware.
     */
    Fence run(JobView<P> job);

    /**
     * The job has been the oldest on the hardware for longer than the timeout. Decide what
     * happened; see {@link TimeoutVerdict}. Inside this call the backend may
     * {@link Scheduler#stop() stop} the scheduler and walk its pending jobs. Never called for a
     * scheduler without a timeout (unless {@link Scheduler#fault()} is used).
     */
    TimeoutVerdict timedOut(JobView<P> job);

    /**
     * The scheduler is closing while the job is on the hardware: make its hardware fence
     * signal (typically with {@link org.gpusched.fence.FenceError#CANCELED}), now or soon.
     *
     * @return true if the hardware fence will signal; the scheduler then waits for it (bounded
     *         by the teardown timeout) before freeing the job. False (the default) if the job
     *         cannot be cancelled: it ends with CANCELED at once, is freed, and the backend must
     *         keep the job's hardware resources alive until its hardware fence signals.
     */
    default boolean cancel(JobView<P> job) {
        return false;
    }

    /**
     * The scheduler is done with the job: release what the backend holds for it. Called exactly
     * once for every submitted job, whatever path it took (ran, failed, timed out, killed,
     * cancelled), after its finished fence signalled (killed jobs: when they are killed).
     */
    default void free(JobView<P> job) {
    }
}
