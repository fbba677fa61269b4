package org.gpusched.sim.check;

import org.gpusched.sched.JobEvent;
import org.gpusched.sched.JobView;
import org.gpusched.sched.SchedulerObserver;

/** Passes one scheduler's job events and backend failure reports to the {@link InvariantChecker}. */
final class CheckingObserver implements SchedulerObserver {

    private final InvariantChecker checker;
    private final SchedulerTrack track;

    CheckingObserver(InvariantChecker checker, SchedulerTrack track) {
        this.checker = checker;
        this.track = track;
    }

    @Override
    public void onJobEvent(JobEvent event, JobView<?> job, long timeNanos) {
        try {
            checker.jobEvent(track, event, job, timeNanos);
        } catch (RuntimeException e) {
            checker.internalError("observing " + event, e); // the scheduler would swallow it
        }
    }

    @Override
    public void onBackendFailure(String scheduler, String callback, JobView<?> job, Throwable failure) {
        try {
            checker.backendFailure(track, callback, job, failure);
        } catch (RuntimeException e) {
            checker.internalError("observing a " + callback + " failure", e);
        }
    }
}
