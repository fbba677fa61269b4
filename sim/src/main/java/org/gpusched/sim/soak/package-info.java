/**
 * The realtime fault-injection soak: {@link org.gpusched.sim.soak.ChaosSoak} runs rounds of
 * random schedulers with misbehaving backends on real threads, and
 * {@link org.gpusched.sim.soak.SoakChecker} checks the scheduler's invariants while they run and
 * after each round. The virtual-time counterpart is {@code org.gpusched.sim.check}.
 */
package org.gpusched.sim.soak;
