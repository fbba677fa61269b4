package org.gpusched.sim.check;

import org.gpusched.sched.Policy;

/**
 * One planned scheduler, each with a {@link org.gpusched.sim.SimRing} of its own.
 *
 * @param name          scheduler and ring name
 * @param creditLimit   the credit limit
 * @param policy        the policy
 * @param timeoutNanos  the job timeout, or a negative value for none
 * @param tickNanos     period of the ring's completion tick: every period, if the ring has jobs,
 *                      it is advanced by one seqno (this is what completes manual and hanging
 *                      jobs, and completes other jobs early); 0 for none
 * @param directRun     whether the scheduler runs in the opt-in direct-run mode
 */
public record SchedulerPlan(String name, int creditLimit, Policy policy, long timeoutNanos, long tickNanos,
                            boolean directRun) {

    /** True if the scheduler has a timeout. */
    public boolean hasTimeout() {
        return timeoutNanos >= 0;
    }

    @Override
    public String toString() {
        return name + "(limit " + creditLimit + ", " + policy + ", timeout "
                + (hasTimeout() ? timeoutNanos / 1000 + "us" : "none") + ", tick " + (tickNanos == 0 ? "none" : tickNanos / 1000 + "us") + (directRun ? ", direct-run" : "") + ")";
    }
}
