package org.gpusched.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.gpusched.sched.JobEvent;
import org.gpusched.sched.JobView;
import org.gpusched.sched.SchedulerObserver;

/**
 * An observer that keeps every job event and backend failure, and tracks the credits of the
 * jobs on the hardware from the RUN and HW_DONE events (with the largest sum ever seen).
 */
final class EventLog implements SchedulerObserver {

    /** One job event. */
    record Event(JobEvent event, String job, long timeNanos, int credits) {
    }

    /** One reported backend failure. */
    record Failure(String scheduler, String callback, String job, Throwable failure) {
    }

    private final List<Event> events = new ArrayList<>();
    private final List<Failure> failures = new ArrayList<>();
    private final Set<String> onHardware = new HashSet<>();
    private int credits;
    private int maxCredits;

    @Override
    public synchronized void onJobEvent(JobEvent event, JobView<?> job, long timeNanos) {
        String label = Harness.label(job);
        events.add(new Event(event, label, timeNanos, job.credits()));
        if (event == JobEvent.RUN && onHardware.add(label)) {
            credits += job.credits();
            maxCredits = Math.max(maxCredits, credits);
        } else if (event == JobEvent.HW_DONE && onHardware.remove(label)) {
            credits -= job.credits();
        }
    }

    @Override
    public synchronized void onBackendFailure(String scheduler, String callback, JobView<?> job, Throwable failure) {
        failures.add(new Failure(scheduler, callback, job == null ? null : Harness.label(job), failure));
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** Labels of the jobs that had {@code event}, in order. */
    synchronized List<String> jobs(JobEvent event) {
        return events.stream().filter(e -> e.event() == event).map(Event::job).toList();
    }

    /** Times of {@code event} for {@code job}. */
    synchronized List<Long> times(JobEvent event, String job) {
        return events.stream().filter(e -> e.event() == event && e.job().equals(job)).map(Event::timeNanos).toList();
    }

    synchronized List<Failure> failures() {
        return List.copyOf(failures);
    }

    /** Credits of the jobs that were run and have not had HW_DONE yet. */
    synchronized int credits() {
        return credits;
    }

    /** The largest {@link #credits()} ever seen. */
    synchronized int maxCredits() {
        return maxCredits;
    }
}
