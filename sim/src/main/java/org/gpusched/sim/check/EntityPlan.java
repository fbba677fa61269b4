package org.gpusched.sim.check;

import java.util.List;
import org.gpusched.sched.Priority;

/**
 * One planned entity.
 *
 * @param name        entity name
 * @param priority    initial priority
 * @param schedulers  indices of the schedulers it may run on (more than one: load-balanced)
 */
public record EntityPlan(String name, Priority priority, List<Integer> schedulers) {

    /** Copies the list. */
    public EntityPlan {
        schedulers = List.copyOf(schedulers);
    }

    @Override
    public String toString() {
        return name + "(" + priority + " on " + schedulers + ")";
    }
}
