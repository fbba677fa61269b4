package org.gpusched.sim.check;

import java.util.List;

/**
 * The checks that need the whole run, once everything is closed and the dispatcher ran dry:
 * every scheduler closed with nothing left on its hardware, and what schedulers and entities
 * report about themselves (finished count, credits, queue depth, last error) agrees with what
 * happened. The per-job end checks are {@link OutcomeRules}.
 */
final class EndRules {

    private EndRules() {
    }

    static void check(List<SchedulerTrack> schedulers, List<EntityTrack> entities, JobRecord[] jobs, Findings findings) {
        for (SchedulerTrack t : schedulers) {
            if (!t.closeReturned || !t.scheduler.isClosed()) {
                findings.violation(t, "every scheduler ends closed", "");
            }
            if (t.inFlightCredits != 0 || !t.onHardware.isEmpty()) {
                findings.violation(t, "nothing is left on the hardware after close", t.onHardware.size() + " jobs, "
                        + t.inFlightCredits + " credits");
            }
        }
        checkCounters(schedulers, entities, jobs, findings);
    }

    /** What schedulers and entities report about themselves at the end agrees with what happened. */
    private static void checkCounters(List<SchedulerTrack> schedulers, List<EntityTrack> entities, JobRecord[] jobs,
                                      Findings findings) {
        long[] finishedBy = new long[schedulers.size()];
        JobRecord[] lastOf = new JobRecord[entities.size()];
        for (JobRecord r : jobs) {
            if (r == null || r.rejected || r.sched == null || r.handle == null) {
                continue;
            }
            if (r.handle.finished().isSignaled()) {
                finishedBy[r.sched.index]++;
            }
            JobRecord last = lastOf[r.entity.index];
            if (last == null || r.seqno > last.seqno) {
                lastOf[r.entity.index] = r;
            }
        }
        for (SchedulerTrack t : schedulers) {
            if (t.scheduler.jobsFinished() != finishedBy[t.index]) {
                findings.violation(t, "jobsFinished() counts the finished fences it signalled", t.scheduler.jobsFinished()
                        + " reported, " + finishedBy[t.index] + " signalled");
            }
            if (t.scheduler.inFlightCredits() != 0) {
                findings.violation(t, "a closed scheduler has no credits in flight", "inFlightCredits() = "
                        + t.scheduler.inFlightCredits());
            }
        }
        for (EntityTrack e : entities) {
            if (e.entity.queueDepth() != 0) {
                findings.violation("entity " + e.name, "nothing is queued after close", "queueDepth() = " + e.entity.queueDepth());
            }
            JobRecord last = lastOf[e.index];
            if (last != null && last.handle.finished().isSignaled()
                    && !e.entity.error().equals(last.handle.finished().error())) {
                findings.violation("entity " + e.name, "error() is the error of the last finished job", e.entity.error()
                        + ", but " + last.name() + " ended " + last.handle.finished().error());
            }
        }
    }
}
