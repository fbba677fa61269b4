package org.gpusched.sim.soak;

import java.util.concurrent.atomic.AtomicInteger;
import org.gpusched.sched.Scheduler;

/** What the checker knows of one scheduler; thread-safe. */
final class SchedulerTrack {
    final String name;
    final int creditLimit;
    final boolean pipelining;
    /** Backend callbacks running now (more than one is an overlap). */
    final AtomicInteger activeCallbacks = new AtomicInteger();
    /** Credits of the jobs between their RUN and HW_DONE events. */
    final AtomicInteger inFlight = new AtomicInteger();
    volatile boolean closeRequested;
    volatile boolean closeReturned;
    /** Set before a DEVICE_GONE verdict goes back to the scheduler. */
    volatile boolean deviceGone;
    volatile Scheduler<SoakJob> scheduler;

    SchedulerTrack(String name, int creditLimit, boolean pipelining) {
        this.name = name;
        this.creditLimit = creditLimit;
        this.pipelining = pipelining;
    }

    @Override
    public String toString() {
        return "scheduler " + name;
    }
}
