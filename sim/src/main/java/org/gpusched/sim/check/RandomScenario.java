package org.gpusched.sim.check;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A randomized scheduler scenario, generated from a seed: schedulers (each on a simulated ring of
 * its own), entities (some load-balanced over several schedulers), jobs with random credits,
 * durations, dependencies and backend faults, driver fences, and actions at virtual times
 * (priority changes, ring advances, lost devices, entity and scheduler closes), followed by
 * closing everything.
 *
 * <p>The scenario is a plan, fixed by its seed and {@link ScenarioConfig}: {@link #run()} plays
 * it on a fresh {@link org.gpusched.exec.VirtualDispatcher} under an {@link InvariantChecker},
 * and playing it again gives the same run, event for event.
 */
public final class RandomScenario {

    private final long seed;
    private final ScenarioConfig config;
    private final List<SchedulerPlan> schedulers;
    private final List<EntityPlan> entities;
    private final int driverTimelines;
    private final List<DriverFencePlan> driverFences;
    private final List<JobPlan> jobs;
    private final List<ScenarioAction> actions;
    private final List<ScenarioAction> finalCloses;
    private final long drainUntilNanos;

    RandomScenario(long seed, ScenarioConfig config, List<SchedulerPlan> schedulers, List<EntityPlan> entities,
                   int driverTimelines, List<DriverFencePlan> driverFences, List<JobPlan> jobs,
                   List<ScenarioAction> actions, List<ScenarioAction> finalCloses, long drainUntilNanos) {
        this.seed = seed;
        this.config = config;
        this.schedulers = List.copyOf(schedulers);
        this.entities = List.copyOf(entities);
        this.driverTimelines = driverTimelines;
        this.driverFences = List.copyOf(driverFences);
        this.jobs = List.copyOf(jobs);
        this.actions = List.copyOf(actions);
        this.finalCloses = List.copyOf(finalCloses);
        this.drainUntilNanos = drainUntilNanos;
    }

    /** Generates the scenario of {@code seed} with the default sizes. */
    public static RandomScenario generate(long seed) {
        return generate(seed, ScenarioConfig.defaults());
    }

    /** Generates the scenario of {@code seed} (through a {@link SplittableRandom} seeded with it). */
    public static RandomScenario generate(long seed, ScenarioConfig config) {
        return new ScenarioGenerator(seed, config).generate();
    }

    /** Plays the scenario under an {@link InvariantChecker}. */
    public RunResult run() {
        return run(false);
    }

    /**
     * Plays the scenario under an {@link InvariantChecker}.
     *
     * @param keepTrace keep the last lines of a readable trace in the result (slower; for
     *                  diagnosing a failing seed)
     */
    public RunResult run(boolean keepTrace) {
        return new ScenarioPlayer(this, keepTrace).run();
    }

    /** The seed. */
    public long seed() {
        return seed;
    }

    /** The size bounds it was generated with. */
    public ScenarioConfig config() {
        return config;
    }

    /** The schedulers, by index. */
    public List<SchedulerPlan> schedulers() {
        return schedulers;
    }

    /** The entities, by index. */
    public List<EntityPlan> entities() {
        return entities;
    }

    /** Number of driver timelines. */
    public int driverTimelines() {
        return driverTimelines;
    }

    /** The driver fences, by index; within a timeline in signal order. */
    public List<DriverFencePlan> driverFences() {
        return driverFences;
    }

    /** The jobs, in submission order. */
    public List<JobPlan> jobs() {
        return jobs;
    }

    /** The actions during the run, by time. */
    public List<ScenarioAction> actions() {
        return actions;
    }

    /** The closes at the end, in order: every entity and every scheduler. */
    public List<ScenarioAction> finalCloses() {
        return finalCloses;
    }

    /** The run goes on until this virtual time at most before the final closes (it stops early when all jobs finished). */
    public long drainUntilNanos() {
        return drainUntilNanos;
    }

    /** Number of jobs with a planned backend fault. */
    public int plannedFaultyJobs() {
        int n = 0;
        for (JobPlan j : jobs) {
            if (j.faults().any()) {
                n++;
            }
        }
        return n;
    }

    /** A one-line summary. */
    @Override
    public String toString() {
        return "RandomScenario[seed " + seed + ": " + schedulers + ", " + entities.size() + " entities, " + jobs.size()
                + " jobs (" + plannedFaultyJobs() + " with faults), " + driverFences.size() + " driver fences, "
                + actions.size() + " actions]";
    }
}
