package org.gpusched.stress;

import java.util.concurrent.atomic.AtomicInteger;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;

/**
 * The payload of a stress job: it records what the scheduler and the backend did to the job,
 * so that an arbiter can check it after the race.
 */
final class Probe {

    /** Recorded into {@link #log} when the job runs (its submitter's name, say "1" or "2"). */
    final char tag;
    /** Shared by the jobs of one test state: the order in which they ran. */
    final RunLog log;
    /**
     * The job's hardware fence, signalled by the test or by the backend's timeout and cancel
     * handling; null for a job that completes at once.
     */
    final FenceSource hardware;

    final AtomicInteger runs = new AtomicInteger();
    final AtomicInteger frees = new AtomicInteger();
    final AtomicInteger cancels = new AtomicInteger();
    final AtomicInteger timeouts = new AtomicInteger();
    /** HW_DONE events seen by {@link EndCounter}: how often the job ended. */
    final AtomicInteger ends = new AtomicInteger();
    /** Label of the backend (so of the scheduler) that ran the job; '-' until it runs. */
    volatile char ranOn = '-';
    /** Name of the scheduler the job was bound to at submission, as its backend saw it at run. */
    volatile String boundTo = "-";

    /** A job that completes as soon as it runs. */
    Probe(char tag, RunLog log) {
        this.tag = tag;
        this.log = log;
        this.hardware = null;
    }

    /** A job that stays on the hardware until {@link #hardware} signals. */
    Probe(char tag, RunLog log, Timeline hardwareTimeline) {
        this.tag = tag;
        this.log = log;
        this.hardware = hardwareTimeline.newFence();
    }
}
