package org.gpusched.sim.scenario;

import org.gpusched.fence.FenceError;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;

/**
 * What the lab records about one job. Written by the client (submission) and by the
 * scheduler's observer (the rest); each field has one writer at a time and is read after the
 * run, or as a volatile snapshot by the progress sampler.
 */
final class JobRecord {
    final ClientDriver client;
    final int index;      // 1-based within the client
    final int cycle;      // 0-based
    final SimJob sim;
    volatile SubmittedJob<SimJob> job;
    volatile long submitNanos = -1;
    volatile long runnableNanos = -1;
    volatile long runNanos = -1;
    volatile long finishedNanos = -1;
    volatile FenceError error;
    volatile String scheduler;

    JobRecord(ClientDriver client, int index, int cycle, SimJob sim) {
        this.client = client;
        this.index = index;
        this.cycle = cycle;
        this.sim = sim;
    }

    boolean ran() {
        return sim.hwStartNanos() >= 0 && sim.hwEndNanos() >= 0;
    }

    long gpuNanos() {
        return ran() ? Math.max(0, sim.hwEndNanos() - sim.hwStartNanos()) : 0;
    }
}
