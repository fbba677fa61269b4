package org.gpusched.stress;

import org.gpusched.sched.JobEvent;
import org.gpusched.sched.JobView;
import org.gpusched.sched.SchedulerObserver;

/**
 * Counts how often each job ends ({@link JobEvent#HW_DONE}) in its {@link Probe}: a job must
 * leave the hardware exactly once, whichever of completion, timeout and cancellation wins.
 */
final class EndCounter implements SchedulerObserver {

    static final EndCounter INSTANCE = new EndCounter();

    private EndCounter() {
    }

    @Override
    public void onJobEvent(JobEvent event, JobView<?> job, long timeNanos) {
        if (event == JobEvent.HW_DONE && job.payload() instanceof Probe p) {
            p.ends.incrementAndGet();
        }
    }
}
