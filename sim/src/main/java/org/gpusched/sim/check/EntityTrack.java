package org.gpusched.sim.check;

import org.gpusched.sched.Entity;
import org.gpusched.sim.SimJob;

/**
 * The checker's model of one entity: its order (the last seqno that ran, and the last seqnos
 * and times whose scheduled and finished fences signalled; seqnos of accepted submissions are
 * 1, 2, 3, ... so each fence must be the next one), the scheduler of its last job, and its
 * runnable head job, if any.
 */
final class EntityTrack {

    final int index;
    final String name;
    Entity<SimJob> entity;
    SchedulerTrack lastScheduler;
    /** The head job the scheduler reported RUNNABLE and has not run, killed or blocked since. */
    JobRecord runnableHead;

    long lastSubmittedSeqno;
    long lastRunSeqno;
    long lastScheduledSeqno;
    long lastScheduledTime = Long.MIN_VALUE;
    long lastFinishedSeqno;
    long lastFinishedTime = Long.MIN_VALUE;

    EntityTrack(int index, String name) {
        this.index = index;
        this.name = name;
    }
}
