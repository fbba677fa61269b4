package org.gpusched.exec;

/**
 * A source of monotonic time in nanoseconds.
 *
 * <p>Every time the library reads (submit timestamps, fence timestamps, timeouts, GPU time)
 * comes from a {@code Clock}, never from {@link System#nanoTime()} directly, so that the
 * same engine runs in real time and in the virtual time of {@link VirtualDispatcher}.
 *
 * <p>Implementations must be thread-safe and never go backwards.
 */
@FunctionalInterface
public interface Clock {

    /** The system's monotonic clock ({@link System#nanoTime()}). */
    Clock SYSTEM = System::nanoTime;

    /** Returns the current time in nanoseconds; only differences between readings are meaningful. */
    long nanoTime();
}
