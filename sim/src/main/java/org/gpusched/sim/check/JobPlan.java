package org.gpusched.sim.check;

import java.time.Duration;
import java.util.List;
import org.gpusched.fence.FenceError;
import org.gpusched.sim.SimJob;

/**
 * One planned job: when and where it is submitted, how the simulated ring treats it, what it
 * depends on and how the backend misbehaves for it.
 *
 * @param index          position in the plan (dependencies and triggers point at smaller indices)
 * @param entity         the entity's index
 * @param submitAtNanos  virtual time of the submission, for {@link Trigger#AT_TIME}
 * @param trigger        what submits the job
 * @param triggerJob     the earlier job whose fence triggers the submission, or -1
 * @param credits        requested credits (may exceed the credit limit)
 * @param durationNanos  GPU time; 0 for a manual job, completed only by ring advances
 * @param hang           never completes by itself
 * @param dontReset      the ring answers NO_HANG to its timeouts
 * @param failWith       error its hardware fence signals with when it completes
 * @param deps           its dependencies
 * @param faults         backend faults planned for it
 */
public record JobPlan(int index, int entity, long submitAtNanos, Trigger trigger, int triggerJob, int credits,
                      long durationNanos, boolean hang, boolean dontReset, FenceError failWith, List<Dependency> deps,
                      JobFaults faults) {

    /** What submits a job. */
    public enum Trigger {
        /** A dispatcher event at {@link #submitAtNanos()}. */
        AT_TIME,
        /**
         * A callback on the finished fence of {@link #triggerJob()}: the submission happens on
         * whatever thread signals it, inside scheduler work or inside a close. If the trigger job
         * was refused, at once.
         */
        ON_FINISHED,
        /**
         * A callback on the scheduled fence of {@link #triggerJob()}: the submission happens
         * inside the scheduler's own run step. If the trigger job was refused, at once.
         */
        ON_SCHEDULED
    }

    /** Copies the list. */
    public JobPlan {
        deps = List.copyOf(deps);
    }

    /** A fresh payload for one submission of this job. */
    public SimJob newSimJob() {
        SimJob j = durationNanos == 0 ? SimJob.manual() : SimJob.of(Duration.ofNanos(durationNanos));
        if (hang) {
            j.hang();
        }
        if (dontReset) {
            j.dontReset();
        }
        if (failWith.isError()) {
            j.failWith(failWith);
        }
        return j;
    }

    @Override
    public String toString() {
        return "job " + index + " " + describe();
    }

    /** The plan without the job's index: entity, trigger, credits, shape, dependencies, faults. */
    public String describe() {
        String when = switch (trigger) {
            case AT_TIME -> "at " + submitAtNanos + "ns";
            case ON_FINISHED -> "when job " + triggerJob + " finishes";
            case ON_SCHEDULED -> "when job " + triggerJob + " is scheduled";
        };
        return "[entity " + entity + ", " + when + ", " + credits + " credits, "
                + (durationNanos == 0 ? "manual" : durationNanos / 1000 + "us") + (hang ? ", hang" : "")
                + (dontReset ? ", dont-reset" : "") + (failWith.isError() ? ", fails " + failWith : "")
                + (deps.isEmpty() ? "" : ", deps " + deps) + (faults.any() ? ", " + faults : "") + "]";
    }
}
