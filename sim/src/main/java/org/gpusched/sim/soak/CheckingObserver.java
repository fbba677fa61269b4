package org.gpusched.sim.soak;

import org.gpusched.sched.JobEvent;
import org.gpusched.sched.JobView;
import org.gpusched.sched.SchedulerObserver;

/**
 * The observer half of the {@link SoakChecker} for one scheduler: counts every event per job and
 * keeps the credits between RUN and HW_DONE, the moments at which the scheduler itself takes and
 * gives back credits.
 */
final class CheckingObserver implements SchedulerObserver {

    private final SoakChecker checker;
    private final SchedulerTrack track;

    CheckingObserver(SoakChecker checker, SchedulerTrack track) {
        this.checker = checker;
        this.track = track;
    }

    @Override
    public void onJobEvent(JobEvent event, JobView<?> view, long timeNanos) {
        SoakJob j = checker.payload(view, track);
        if (j == null) {
            return;
        }
        switch (event) {
            case SUBMITTED -> j.submittedEvents.incrementAndGet();
            case RUNNABLE -> {
                if (j.runEvents.get() != 0 || j.killedEvents.get() != 0) {
                    checker.violation(j, "a job becomes runnable only while queued", "RUNNABLE after it ran or was killed");
                }
            }
            case RUN -> checker.onRun(j, view, track);
            case HW_DONE -> checker.onHwDone(j, track);
            case TIMED_OUT -> {
                j.timedOutEvents.incrementAndGet();
                if (!SoakChecker.onHardware(j)) {
                    checker.violation(j, "only a job on the hardware times out", "TIMED_OUT while not on the hardware");
                }
            }
            case CANCELED -> {
                j.canceledEvents.incrementAndGet();
                if (!SoakChecker.onHardware(j) || !track.closeRequested) {
                    checker.violation(j, "only a job on the hardware of a closing scheduler is cancelled",
                            "CANCELED " + (track.closeRequested ? "while not on the hardware" : "before close was called"));
                }
            }
            case KILLED -> checker.onKilled(j, track);
            case FINISHED -> {
                j.finishedEvents.incrementAndGet();
                if (!view.finished().isSignaled()) {
                    checker.violation(j, "FINISHED is reported once the finished fence signalled", "not signalled");
                }
            }
            case FREED -> j.freedEvents.incrementAndGet();
        }
    }

    @Override
    public void onBackendFailure(String scheduler, String callback, JobView<?> job, Throwable failure) {
        // Injected failures are expected; the wrapper records what each job suffered.
    }
}
