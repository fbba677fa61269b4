package org.gpusched.sched;

import org.gpusched.fence.Fence;

/**
 * A job being put together, before submission (the kernel's init + add_dependency; arm and push
 * happen together in {@link #submit()}, atomically, so queue order always equals seqno order).
 *
 * <p>Not thread-safe: one thread builds a job. Single use: after {@link #submit()} or
 * {@link #abort()} every method throws {@link IllegalStateException}.
 *
 * @param <P> the payload type
 */
public interface JobBuilder<P> {

    /**
     * Sets the credits the job occupies on the hardware while it runs (default 1). A job larger
     * than the scheduler's credit limit is clamped to it, so it still runs (alone).
     *
     * @throws IllegalArgumentException if {@code credits < 1}
     */
    JobBuilder<P> credits(int credits);

    /**
     * Adds a fence the job must wait for. Of several fences on one timeline only the latest is
     * kept. Fences of the job's own entity are satisfied by order already and cost nothing.
     *
     * @throws NullPointerException if {@code fence} is null
     */
    JobBuilder<P> dependsOn(Fence fence);

    /**
     * Submits the job: assigns its seqno and fences and queues it on its entity, in one atomic
     * step. The returned handle is the only way to reach the job afterwards.
     *
     * @throws IllegalStateException      if the job was already submitted or aborted, or the
     *                                    entity is closed
     * @throws SchedulerClosedException   if none of the entity's schedulers can take the job
     */
    SubmittedJob<P> submit();

    /** Drops the job without submitting it. No callback runs for it. */
    void abort();
}
