package org.gpusched.sim.check;

import org.gpusched.sched.Priority;

/**
 * Something that happens to a scenario at a virtual time besides submissions. Actions that
 * block ({@link #blocking()}) are made by the driving thread between runs of the dispatcher;
 * the others run as dispatcher events.
 */
public sealed interface ScenarioAction {

    /** Virtual time of the action; for the final closes, the order of the list decides. */
    long atNanos();

    /** True if the action waits (in virtual time) and must be made from the driving thread. */
    default boolean blocking() {
        return false;
    }

    /**
     * Changes an entity's priority.
     *
     * @param atNanos  when
     * @param entity   which entity
     * @param priority the new priority
     */
    record SetPriority(long atNanos, int entity, Priority priority) implements ScenarioAction {
    }

    /**
     * Replaces the schedulers an entity may run on (it moves at its next idle submission).
     *
     * @param atNanos    when
     * @param entity     which entity
     * @param schedulers the new scheduler indices
     */
    record SetSchedulers(long atNanos, int entity, java.util.List<Integer> schedulers) implements ScenarioAction {
        /** Copies the list. */
        public SetSchedulers {
            schedulers = java.util.List.copyOf(schedulers);
        }
    }

    /**
     * Completes ring jobs by seqno ({@link org.gpusched.sim.SimRing#advance}).
     *
     * @param atNanos   when
     * @param scheduler whose ring
     * @param count     how many seqnos to advance
     */
    record Advance(long atNanos, int scheduler, int count) implements ScenarioAction {
    }

    /**
     * Loses a ring's device ({@link org.gpusched.sim.SimRing#loseDevice}).
     *
     * @param atNanos   when
     * @param scheduler whose ring
     */
    record LoseDevice(long atNanos, int scheduler) implements ScenarioAction {
    }

    /**
     * Closes an entity, flushing for up to {@code flushNanos} first.
     *
     * @param atNanos    when
     * @param entity     which entity
     * @param flushNanos the flush timeout; 0 kills queued jobs at once (and does not block)
     */
    record CloseEntity(long atNanos, int entity, long flushNanos) implements ScenarioAction {
        @Override
        public boolean blocking() {
            return flushNanos != 0;
        }
    }

    /**
     * Closes a scheduler.
     *
     * @param atNanos   when
     * @param scheduler which scheduler
     */
    record CloseScheduler(long atNanos, int scheduler) implements ScenarioAction {
        @Override
        public boolean blocking() {
            return true;
        }
    }
}
