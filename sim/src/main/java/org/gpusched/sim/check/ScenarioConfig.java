package org.gpusched.sim.check;

/**
 * The size knobs of a {@link RandomScenario}: upper bounds that the generator draws within.
 * Probabilities of faults and shapes are fixed in {@link ScenarioGenerator}; only the size of a
 * scenario is configurable, so that a soak run can trade scenario size for count.
 *
 * @param maxSchedulers      at most this many schedulers (at least 1)
 * @param maxEntities        at most this many entities (at least 1)
 * @param minJobs            at least this many jobs
 * @param maxJobs            at most this many jobs
 * @param submitWindowNanos  jobs are submitted at virtual times in {@code [0, submitWindowNanos]}
 */
public record ScenarioConfig(int maxSchedulers, int maxEntities, int minJobs, int maxJobs, long submitWindowNanos) {

    /** Validates the bounds. */
    public ScenarioConfig {
        if (maxSchedulers < 1 || maxEntities < 1 || minJobs < 1 || maxJobs < minJobs || submitWindowNanos < 1) {
            throw new IllegalArgumentException("bad scenario bounds: schedulers " + maxSchedulers + ", entities "
                    + maxEntities + ", jobs " + minJobs + ".." + maxJobs + ", window " + submitWindowNanos + "ns");
        }
    }

    /** 1-4 schedulers, 1-12 entities, 20-300 jobs submitted within 20 ms of virtual time. */
    public static ScenarioConfig defaults() {
        return new ScenarioConfig(4, 12, 20, 300, 20_000_000L);
    }

    /** 1-8 schedulers, 1-40 entities, 200-1500 jobs submitted within 60 ms of virtual time. */
    public static ScenarioConfig large() {
        return new ScenarioConfig(8, 40, 200, 1500, 60_000_000L);
    }
}
