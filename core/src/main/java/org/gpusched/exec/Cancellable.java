package org.gpusched.exec;

/**
 * A handle to a scheduled timer task.
 *
 * <p>Thread-safe. Cancelling is idempotent and best effort: a task that has already started
 * runs to completion.
 */
@FunctionalInterface
public interface Cancellable {

    /** Cancels the task if it has not started yet. */
    void cancel();
}
