/**
 * Randomized checking of the scheduler's invariants on the simulated GPU.
 *
 * <p>A {@link org.gpusched.sim.check.RandomScenario} is drawn from a seed: schedulers on
 * simulated rings, entities, jobs with dependency DAGs and backend faults, closes and lost
 * devices at virtual times. Playing it on a fresh
 * {@link org.gpusched.exec.VirtualDispatcher} under an
 * {@link org.gpusched.sim.check.InvariantChecker} yields a
 * {@link org.gpusched.sim.check.RunResult}: the violations found, each naming the seed, the job
 * and the rule, and a fingerprint of the run, equal for every run of the seed.
 *
 * <p>Entry points: {@link org.gpusched.sim.check.InvariantRun#run(long)} for one seed,
 * {@link org.gpusched.sim.check.InvariantRun#diagnose} to replay a failing seed with a trace,
 * and {@link org.gpusched.sim.check.Soak} for many seeds, up to a count or a wall-clock budget.
 */
package org.gpusched.sim.check;
