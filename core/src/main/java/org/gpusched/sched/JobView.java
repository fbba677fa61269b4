package org.gpusched.sched;

import java.util.List;
import org.gpusched.fence.Fence;

/**
 * What a {@link Backend} sees of a job: borrowed for the duration of a callback (it stays
 * readable afterwards, but the job belongs to the scheduler until {@link Backend#free}).
 *
 * <p>All methods are safe to call from any thread.
 *
 * @param <P> the payload type
 */
public interface JobView<P> {

    /** The driver's payload, as given at submission. */
    P payload();

    /** Credits the job occupies on the hardware (clamped to the scheduler's credit limit). */
    int credits();

    /** Name of the entity the job was submitted to. */
    String entityName();

    /** Name of the scheduler the job was submitted to (chosen at submission). */
    String schedulerName();

    /** Sequence number of the job in its entity (1, 2, ...), shared by both its fences. */
    long seqno();

    /** Signals when the job has been handed to the hardware (or was killed before). */
    Fence scheduled();

    /** Signals when the job is done, with its outcome as the error. */
    Fence finished();

    /**
     * The job's explicit dependencies ({@link JobBuilder#dependsOn}), one per timeline, in the
     * order they were given; empty once the job was freed. Those a backend accepted in
     * {@link Backend#waitsOnHardware} may still be unsignalled in {@link Backend#run}.
     */
    List<Fence> dependencies();

    /** The fence {@link Backend#run} returned, or null before that (or if run failed). */
    Fence hardwareFence();

    /** Scheduler clock time of the submission. */
    long submitTimeNanos();
}
