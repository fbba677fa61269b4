package org.gpusched.sim.scenario;

import java.util.List;
import java.util.Objects;
import org.gpusched.sched.Policy;

/**
 * A scheduling experiment: competing clients on one or more simulated GPU rings (the contract
 * of the scenario file format, DESIGN section 6). Immutable; build one with
 * {@link ScenarioParser} or directly.
 *
 * @param name           scenario name
 * @param durationNanos  default submit window of every client
 * @param policy         scheduling policy of every scheduler
 * @param schedulers     the rings, in file order
 * @param clients        the clients, in file order (they start in this order at time 0)
 * @param releaseAtNanos when {@code first_job: manual} jobs complete, or -1 if none
 */
public record Scenario(String name, long durationNanos, Policy policy, List<SchedulerSpec> schedulers,
                       List<ClientSpec> clients, long releaseAtNanos) {

    /** Validates and copies. */
    public Scenario {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(policy, "policy");
        schedulers = List.copyOf(schedulers);
        clients = List.copyOf(clients);
        if (schedulers.isEmpty()) {
            throw new IllegalArgumentException("a scenario needs at least one scheduler");
        }
        if (clients.isEmpty()) {
            throw new IllegalArgumentException("a scenario needs at least one client");
        }
    }

    /** The same scenario under another policy. */
    public Scenario withPolicy(Policy p) {
        return new Scenario(name, durationNanos, p, schedulers, clients, releaseAtNanos);
    }

    /** The scheduler spec with {@code schedulerName}, or null. */
    public SchedulerSpec scheduler(String schedulerName) {
        for (SchedulerSpec s : schedulers) {
            if (s.name().equals(schedulerName)) {
                return s;
            }
        }
        return null;
    }

    /** The submit window of {@code c}: its own duration if set, else the scenario's. */
    public long durationOf(ClientSpec c) {
        return c.durationNanos() >= 0 ? c.durationNanos() : durationNanos;
    }

    /**
     * Cycles a client plans: {@code ceil(duration / (jobs_per_cycle * job_duration + wait))}.
     */
    public long cyclesOf(ClientSpec c) {
        long period = c.periodNanos();
        long d = durationOf(c);
        return period <= 0 ? 0 : (d + period - 1) / period;
    }

    /**
     * One simulated ring and its scheduler.
     *
     * @param name         unique name
     * @param creditLimit  credits the ring holds
     * @param timeoutNanos job timeout, or -1 for none
     */
    public record SchedulerSpec(String name, int creditLimit, long timeoutNanos) {
        /** Validates. */
        public SchedulerSpec {
            Objects.requireNonNull(name, "name");
            if (creditLimit < 1) {
                throw new IllegalArgumentException("credit_limit must be >= 1");
            }
        }
    }

    /**
     * Faults a client's jobs suffer: every {@code hangEvery}-th job hangs until the timeout,
     * every {@code failEvery}-th fails with an error (0 = never).
     */
    public record Faults(int hangEvery, int failEvery) {
        /** No faults. */
        public static final Faults NONE = new Faults(0, 0);

        /** True if any fault is configured. */
        public boolean any() {
            return hangEvery > 0 || failEvery > 0;
        }
    }

    /**
     * One client: the kernel's scheduling-quality client (kunit.md section 3.1).
     *
     * @param name             unique name
     * @param priority         entity priority
     * @param schedulers       names of the rings it may use (more than one: load-balanced)
     * @param jobsPerCycle     jobs submitted per cycle
     * @param jobDurationNanos GPU time of each job
     * @param credits          credits of each job
     * @param sync             wait for each cycle's last job before the next cycle
     * @param waitNanos        think time after each cycle
     * @param durationNanos    own submit window, or -1 for the scenario's
     * @param chain            each job depends on the client's previous job
     * @param dependsOn        each cycle's first job depends on these clients' latest job
     * @param firstJobManual   the first job completes only at the scenario's release time
     * @param faults           injected faults
     */
    public record ClientSpec(String name, org.gpusched.sched.Priority priority, List<String> schedulers,
                             int jobsPerCycle, long jobDurationNanos, int credits, boolean sync, long waitNanos,
                             long durationNanos, boolean chain, List<String> dependsOn, boolean firstJobManual,
                             Faults faults) {
        /** Validates and copies. */
        public ClientSpec {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(priority, "priority");
            schedulers = List.copyOf(schedulers);
            dependsOn = List.copyOf(dependsOn);
            Objects.requireNonNull(faults, "faults");
        }

        /** GPU work per cycle. */
        public long workNanos() {
            return jobsPerCycle * jobDurationNanos;
        }

        /** One cycle's planned length: its GPU work plus the think time. */
        public long periodNanos() {
            return workNanos() + waitNanos;
        }
    }
}
