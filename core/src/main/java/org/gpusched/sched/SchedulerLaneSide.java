package org.gpusched.sched;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The fields of a {@link Scheduler} that its lane writes on every job, kept off the cache
 * lines of the fields that submitting threads read on every submission (the closing flag, the
 * observer, the ring token, the counters), for the reason given in {@link EntitySubmitSide}:
 * the JVM lays out a superclass's fields first, and {@link Padded} puts 128 bytes after them.
 *
 * <p>All lane-confined except {@code publishedCredits} and {@code jobsFinished}, which the lane
 * writes and anyone reads.
 *
 * @param <P> the payload type
 */
abstract class SchedulerLaneSide<P> {

    int inFlightCredits;
    /** Jobs on the hardware, oldest first (the kernel's pending list); its head is the one timed. */
    Job<P> pendHead;
    Job<P> pendTail;
    /** When the last job left the hardware: a job's GPU time starts no earlier (they run in order). */
    long lastEndTime = Long.MIN_VALUE;
    /** {@code inFlightCredits} as last published for other threads. */
    volatile int publishedCredits;
    /** Finished fences signalled; written by the lane only (release), read anywhere. */
    volatile long jobsFinished;

    static final VarHandle JOBS_FINISHED;

    static {
        try {
            JOBS_FINISHED = MethodHandles.lookup().findVarHandle(SchedulerLaneSide.class, "jobsFinished", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 128 bytes (and any gap above filled) between the lane's fields and the scheduler's own. */
    abstract static class Padded<P> extends SchedulerLaneSide<P> {
        byte g0, g1, g2, g3, g4, g5, g6;
        long p0, p1, p2, p3, p4, p5, p6, p7;
        long q0, q1, q2, q3, q4, q5, q6, q7;
    }
}
