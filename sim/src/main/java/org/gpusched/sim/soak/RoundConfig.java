package org.gpusched.sim.soak;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Priority;

/**
 * The random configuration of one soak round, drawn from the round's seed: schedulers (policy,
 * credit limit, timeout, ring kind, when it is closed or loses its device) and entities (priority,
 * the schedulers it is balanced over).
 *
 * @param seed          the round's seed
 * @param round         the round's number (0, 1, ...)
 * @param submitNanos   how long the submitting threads run
 * @param poolThreads   threads of the round's dispatcher
 * @param schedulers    the schedulers
 * @param entities      the entities at the start (chaos replaces closed ones)
 */
record RoundConfig(long seed, int round, long submitNanos, int poolThreads, List<SchedulerSpec> schedulers,
                   List<EntitySpec> entities) {

    /**
     * One scheduler and its ring.
     *
     * @param closeAtNanos      when chaos closes it, from the round's start (-1: only at the end)
     * @param loseDeviceAtNanos when its device is lost, from the round's start (-1: never)
     */
    record SchedulerSpec(String name, Policy policy, int creditLimit, Duration timeout, boolean inOrderRing,
                         boolean pipelining, boolean directRun, Duration teardown, long closeAtNanos,
                         long loseDeviceAtNanos) {
        @Override
        public String toString() {
            return name + "{" + policy + ", credits " + creditLimit + ", timeout "
                    + (timeout == null ? "none" : timeout.toNanos() / 1000 + "us")
                    + (inOrderRing ? ", in-order ring" : ", out-of-order ring") + (pipelining ? ", pipelining" : "")
                    + (directRun ? ", direct run" : "") + ", teardown " + teardown.toMillis() + "ms"
                    + (closeAtNanos >= 0 ? ", closed at " + closeAtNanos / 1_000_000 + "ms" : "")
                    + (loseDeviceAtNanos >= 0 ? ", device lost at " + loseDeviceAtNanos / 1_000_000 + "ms" : "") + "}";
        }
    }

    /** One entity, balanced over the schedulers at {@code schedulers} (indexes). */
    record EntitySpec(String name, Priority priority, List<Integer> schedulers) {
        @Override
        public String toString() {
            return name + "{" + priority + " on " + schedulers + "}";
        }
    }

    /** Draws round {@code round}'s configuration from {@code seed}; at most {@code maxNanos} of submitting. */
    static RoundConfig draw(long seed, int round, long maxNanos) {
        SplittableRandom r = new SplittableRandom(seed);
        long submit = Math.min(maxNanos, r.nextLong(300_000_000L, 1_500_000_000L));
        int n = 1 + r.nextInt(4);
        List<SchedulerSpec> scheds = new ArrayList<>();
        int[] limits = {1, 1, 2, 3, 4, 8, 16};
        for (int i = 0; i < n; i++) {
            boolean inOrder = r.nextBoolean();
            Duration timeout = r.nextInt(3) == 0 ? null : Duration.ofNanos(r.nextLong(1_000_000, 8_000_000));
            long closeAt = r.nextInt(3) == 0 ? r.nextLong(submit / 4, submit) : -1;
            scheds.add(new SchedulerSpec("r" + round + ".s" + i, Policy.values()[r.nextInt(3)], limits[r.nextInt(limits.length)],
                    timeout, inOrder, inOrder && r.nextInt(4) != 0, r.nextInt(4) == 0,
                    Duration.ofMillis(r.nextLong(2, 30)), closeAt, -1));
        }
        if (r.nextBoolean()) { // lose one device during the round
            int i = r.nextInt(n);
            SchedulerSpec s = scheds.get(i);
            scheds.set(i, new SchedulerSpec(s.name(), s.policy(), s.creditLimit(), s.timeout(), s.inOrderRing(),
                    s.pipelining(), s.directRun(), s.teardown(), s.closeAtNanos(), r.nextLong(submit / 10, submit * 3 / 4)));
        }
        List<EntitySpec> ents = new ArrayList<>();
        int m = 3 + r.nextInt(10);
        for (int k = 0; k < m; k++) {
            ents.add(randomEntity(r, "r" + round + ".e" + k, n));
        }
        return new RoundConfig(seed, round, submit, 1 + r.nextInt(4), scheds, ents);
    }

    /** An entity of a random priority on one scheduler, or (one in three) balanced over several. */
    static EntitySpec randomEntity(SplittableRandom r, String name, int schedulers) {
        List<Integer> on = new ArrayList<>();
        if (schedulers > 1 && r.nextInt(3) == 0) {
            for (int i = 0; i < schedulers; i++) {
                if (r.nextBoolean()) {
                    on.add(i);
                }
            }
            while (on.size() < 2) {
                int i = r.nextInt(schedulers);
                if (!on.contains(i)) {
                    on.add(i);
                }
            }
        } else {
            on.add(r.nextInt(schedulers));
        }
        return new EntitySpec(name, Priority.values()[r.nextInt(Priority.values().length)], List.copyOf(on));
    }

    /** A readable description, for reports of failing rounds. */
    String describe() {
        return "round " + round + " (seed " + seed + "): " + submitNanos / 1_000_000 + "ms, " + poolThreads
                + " pool threads, schedulers " + schedulers + ", entities " + entities;
    }
}
