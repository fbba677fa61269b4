package org.gpusched.sim.scenario;

import java.util.List;

/**
 * Everything a scenario run measured (the JSON result of DESIGN section 6 plus extras). Times
 * are whole microseconds of scenario time (virtual or wall clock, per {@link #mode()}).
 * Immutable.
 *
 * @param scenario     scenario name
 * @param policy       policy used (fifo, rr, fair)
 * @param mode         "virtual" or "realtime"
 * @param makespanUs   when the last job's finished fence signalled
 * @param durationUs   the scenario's submit window
 * @param schedulers   per ring
 * @param clients      per client, in file order
 * @param fairness     fairness metrics
 * @param turnaroundUs realtime only: hardware fence signalled to the next job's run call
 *                     (null in virtual mode, where it is zero by construction)
 * @param completed    whether every client finished within the run's time bound
 * @param spans        every job, for traces and plots (not part of the JSON result)
 */
public record ScenarioResult(String scenario, String policy, String mode, long makespanUs, long durationUs,
                             List<SchedulerResult> schedulers, List<ClientResult> clients, Fairness fairness,
                             Stats turnaroundUs, boolean completed, List<JobSpan> spans) {

    /** Copies the lists. */
    public ScenarioResult {
        schedulers = List.copyOf(schedulers);
        clients = List.copyOf(clients);
        spans = List.copyOf(spans);
    }

    /**
     * One ring.
     *
     * @param name        scheduler name
     * @param creditLimit its credit limit
     * @param busyUs      time the ring had a job executing
     * @param jobs        jobs that ran on it
     */
    public record SchedulerResult(String name, int creditLimit, long busyUs, long jobs) {
    }

    /**
     * One client.
     *
     * @param name            client name
     * @param priority        its priority (kernel, high, normal, low)
     * @param sync            whether it waits for each cycle
     * @param cyclesPlanned   cycles it planned
     * @param cyclesCompleted cycles it completed (a count)
     * @param jobsCompleted   jobs whose finished fence signalled without error
     * @param jobsFailed      jobs that ended with an error
     * @param elapsedUs       from its start to its last job's finished fence (or the end of the run)
     * @param idealUs         planned cycles times the period
     * @param gpuTimeUs       time its jobs occupied a ring
     * @param gpuShare        its part of all clients' GPU time (0..1)
     * @param cycleTimeUs     over completed cycles
     * @param latencyUs       cycle time minus the cycle's GPU work, floor 0
     * @param jobWaitUs       submit to run, per job
     * @param progress        samples every 100 ms
     * @param starvedUs       longest time it had runnable work but none of its jobs started
     * @param verdict         one line for people
     * @param done            whether its last job finished
     */
    public record ClientResult(String name, String priority, boolean sync, long cyclesPlanned, long cyclesCompleted,
                               long jobsCompleted, long jobsFailed, long elapsedUs, long idealUs, long gpuTimeUs,
                               double gpuShare, Stats cycleTimeUs, Stats latencyUs, Stats jobWaitUs,
                               List<ProgressSample> progress, long starvedUs, String verdict, boolean done) {
        /** Copies the list. */
        public ClientResult {
            progress = List.copyOf(progress);
        }
    }

    /**
     * A progress sample.
     *
     * @param tUs        scenario time
     * @param cycles     cycles completed so far
     * @param queueDepth jobs submitted but not yet on the hardware
     */
    public record ProgressSample(long tUs, long cycles, long queueDepth) {
    }

    /**
     * Fairness.
     *
     * @param jainIndex          Jain's index of the clients' GPU time within the first duration
     * @param avgMaxMinDeltaX100 the kernel's many-clients metric (lower is fairer)
     */
    public record Fairness(double jainIndex, long avgMaxMinDeltaX100) {
    }

    /**
     * One job's timeline (nanoseconds of scenario time, -1 where it did not happen).
     *
     * @param client      client name
     * @param index       1-based job number within the client
     * @param cycle       0-based cycle
     * @param scheduler   ring it ran on, or null
     * @param submitNs    submitted
     * @param runnableNs  dependencies satisfied
     * @param runNs       handed to the ring
     * @param hwStartNs   started executing on the ring
     * @param hwEndNs     left the ring
     * @param finishedNs  finished fence signalled
     * @param error       outcome (OK or an errno name)
     */
    public record JobSpan(String client, int index, int cycle, String scheduler, long submitNs, long runnableNs,
                          long runNs, long hwStartNs, long hwEndNs, long finishedNs, String error) {
    }
}
