package org.gpusched.sched;

/**
 * Thrown when a job is submitted to an entity whose schedulers are all closed (the C ABI's
 * {@code -ENODEV}).
 */
public final class SchedulerClosedException extends IllegalStateException {

    /** Creates the exception with a message naming what was closed. */
    public SchedulerClosedException(String message) {
        super(message);
    }
}
