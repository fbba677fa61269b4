package org.gpusched.sim.check;

import org.gpusched.sched.Entity;
import org.gpusched.sim.SimJob;

/**
 * The checker's model of one entity's order: the last seqno that ran, and the last seqnos (and
 * times) whose scheduled and finished fences signalled. Seqnos of accepted submissions are
 * 1, 2, 3, ... so each fence must be the next one.
 */
final class EntityTrack {

    final int index;
    final String name;
    Entity<SimJob> entity;
    SchedulerTrack lastScheduler;

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
