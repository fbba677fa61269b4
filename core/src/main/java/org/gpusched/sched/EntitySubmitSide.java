package org.gpusched.sched;

import java.util.List;
import org.gpusched.exec.Dispatcher;
import org.gpusched.fence.Timeline;

/**
 * The part of an {@link Entity} that submitting threads write and read on every submission,
 * kept apart from the part its lane writes on every job.
 *
 * <p>Why a superclass: the JVM lays out a superclass's fields before its subclass's, so these
 * fields sit next to the entity's lock word (which every submission writes too), and
 * {@link Padded}'s 128 bytes keep them off the cache lines of the lane's fields, which
 * {@code Entity} declares. Without the separation each submission invalidated the line the
 * lane was working in and the other way round (false sharing): measured on a 2-vCPU VM, one
 * submitter and one lane ran about a quarter slower.
 *
 * <p>Only {@code Entity} uses these fields; the comments say what guards each. The lock is the
 * entity object's monitor.
 *
 * @param <P> the payload type
 */
abstract class EntitySubmitSide<P> {

    // ---- immutable, read by submitters on every submission
    final Dispatcher dispatcher;
    final Timeline scheduledTimeline;
    final Timeline finishedTimeline;

    // ---- written under the entity lock; the volatile ones are also read without it
    List<Scheduler<P>> candidates;
    volatile Scheduler<P> current;
    /**
     * Submitted jobs the lane has not taken yet, linked by {@code queueNext}. Submitters append
     * here; the lane takes the whole list at once when its own list runs dry, so that a busy
     * entity costs the lane one lock per batch instead of one per job.
     */
    Job<P> inHead;
    Job<P> inTail;
    /**
     * The lane found this entity empty (both lists) and will not look at it again unless it is
     * posted: the next submission posts it. Cleared by that submission, set only by the lane
     * (and at binding), both under the lock, so a job is never queued without a post pending
     * or the lane still holding the entity's earlier work.
     */
    boolean laneWaiting = true;
    /** Jobs ever queued here; written under the lock, read anywhere (queue depth). */
    long submittedCount;
    volatile boolean closed;
    Job<P> lastSubmitted;
    /**
     * True while the lane of {@code current} works on the entity's lane state. An idle entity
     * moves to another scheduler only while this is false: the lane state belongs to one lane
     * at a time, and a move while the old lane is still in it would hand it to two.
     */
    boolean inLane;

    EntitySubmitSide(List<Scheduler<P>> schedulers, Timeline scheduled, Timeline finished) {
        this.candidates = schedulers;
        this.dispatcher = schedulers.get(0).dispatcher();
        this.scheduledTimeline = scheduled;
        this.finishedTimeline = finished;
    }

    /**
     * 128 bytes between the submitters' fields above and the lane's fields in {@code Entity}:
     * two cache lines, because the adjacent-line prefetcher moves lines in aligned pairs (the
     * JDK's own {@code @Contended} pads by 128 for the same reason). The bytes fill any gap the
     * fields above leave (the JVM places a subclass's small fields in a superclass's gaps, which
     * would put a lane field next to the lock word).
     */
    abstract static class Padded<P> extends EntitySubmitSide<P> {
        byte g0, g1, g2, g3, g4, g5, g6;
        long p0, p1, p2, p3, p4, p5, p6, p7;
        long q0, q1, q2, q3, q4, q5, q6, q7;

        Padded(List<Scheduler<P>> schedulers, Timeline scheduled, Timeline finished) {
            super(schedulers, scheduled, finished);
        }
    }
}
