package org.gpusched.sched;

import org.gpusched.fence.Fence;

/**
 * The submitter's handle on a job after {@link JobBuilder#submit()}: read-only, valid forever
 * (it keeps nothing of the scheduler alive but the job's fences and payload). It cannot be
 * submitted again: this type has no way to do so.
 *
 * <p>Thread-safe.
 *
 * @param <P> the payload type
 */
public interface SubmittedJob<P> {

    /** The payload given at submission. */
    P payload();

    /** Sequence number of the job in its entity; equal to both fences' seqno. */
    long seqno();

    /** Signals when the job has been handed to the hardware (or was killed before). */
    Fence scheduled();

    /** Signals when the job is done; its error tells how it ended. */
    Fence finished();
}
