package org.gpusched.sim.check;

import java.util.ArrayDeque;
import org.gpusched.sched.Scheduler;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.SimRing;

/**
 * The checker's model of one scheduler: the jobs it has on the hardware (in run order, so the
 * first is the one its timeout watches), their credits, whether a backend callback is running,
 * and where it is in its life (closing, closed, ring lost).
 */
final class SchedulerTrack {

    final int index;
    final SchedulerPlan plan;
    Scheduler<SimJob> scheduler;
    SimRing ring;

    final ArrayDeque<JobRecord> onHardware = new ArrayDeque<>();
    int inFlightCredits;
    int maxInFlightCredits;
    int callDepth;
    boolean closing;
    boolean closeReturned;
    boolean ringLost;
    /** The instant a work-conservation check is scheduled for (one per instant). */
    long workCheckAt = -1;

    SchedulerTrack(int index, SchedulerPlan plan) {
        this.index = index;
        this.plan = plan;
    }

    String name() {
        return "scheduler " + plan.name();
    }
}
