package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.engine.Harness.MS;
import static org.gpusched.engine.Harness.US;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobBuilder;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.Test;

/**
 * Seeded random mixes of submissions, dependencies, failures, hangs, priority changes,
 * recovery, faults and entity closes, ending in a scheduler close; after each, the engine's
 * invariants must hold: every job freed exactly once and run at most once, every finished fence
 * signalled, per entity in submission order, credits within the limit, and no backend callback
 * after close.
 */
class RandomizedInvariantTests {

    @Test
    void invariantsHoldUnderRandomMixes() {
        Set<FenceError> outcomes = new HashSet<>();
        for (long seed = 1; seed <= 40; seed++) {
            try {
                runMix(seed, outcomes);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
            }
        }
        // the mixes are not vacuous: every way of ending was taken somewhere
        assertThat(outcomes).contains(FenceError.NONE, FenceError.KILLED, FenceError.TIMED_OUT, FenceError.CANCELED,
                FenceError.of(-62), FenceError.of(-71));
    }

    private static void runMix(long seed, Set<FenceError> outcomes) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Harness h = new Harness();
        int limit = 1 + rnd.nextInt(4);
        Policy policy = Policy.values()[rnd.nextInt(3)];
        Scheduler<SimJob> s = h.builder().creditLimit(limit).policy(policy).timeout(Duration.ofMillis(20)).build();
        List<Entity<SimJob>> entities = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            entities.add(s.newEntity("e" + i, Priority.values()[rnd.nextInt(4)]));
        }
        List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
        List<FenceSource> driverFences = new ArrayList<>();
        Map<Long, List<Long>> signalled = new HashMap<>();
        boolean stopped = false;
        for (int step = 0; step < 150; step++) {
            h.d.runFor(rnd.nextLong(2 * MS));
            int action = rnd.nextInt(100);
            Entity<SimJob> e = entities.get(rnd.nextInt(entities.size()));
            if (action < 60) {
                if (e.isClosed()) {
                    continue;
                }
                int kind = rnd.nextInt(20);
                SimJob p = kind == 0 ? SimJob.ofMicros(50).hang()
                        : kind == 1 ? SimJob.ofMicros(50 + rnd.nextInt(2000)).failWith(FenceError.of(-71))
                        : SimJob.ofMicros(50 + rnd.nextInt(2000));
                JobBuilder<SimJob> b = e.job(p).credits(1 + rnd.nextInt(limit + 1));
                if (!jobs.isEmpty() && rnd.nextInt(3) == 0) {
                    b.dependsOn(jobs.get(rnd.nextInt(jobs.size())).finished());
                }
                if (rnd.nextInt(6) == 0) {
                    FenceSource f = h.driverFence();
                    driverFences.add(f);
                    b.dependsOn(f.fence());
                }
                SubmittedJob<SimJob> j = b.submit();
                j.finished().onSignal(f -> signalled.computeIfAbsent(f.context(), k -> new ArrayList<>()).add(f.seqno()));
                jobs.add(j);
            } else if (action < 72 && !driverFences.isEmpty()) {
                FenceSource f = driverFences.remove(rnd.nextInt(driverFences.size()));
                f.signal(rnd.nextBoolean() ? FenceError.NONE : FenceError.of(-22));
            } else if (action < 80) {
                e.setPriority(Priority.values()[rnd.nextInt(4)]);
            } else if (action < 86) {
                if (!stopped) {
                    s.stop();
                } else {
                    s.start(rnd.nextBoolean() ? FenceError.NONE : FenceError.of(-62));
                }
                stopped = !stopped;
            } else if (action < 90) {
                s.fault();
            } else if (action < 93 && !e.isClosed()) {
                e.close(Duration.ofNanos(rnd.nextLong(3 * MS)));
                entities.remove(e);
                entities.add(s.newEntity("e" + (100 + step), Priority.NORMAL));
            } else {
                h.ring.advance(1);
            }
        }
        if (stopped) {
            s.start(FenceError.NONE);
        }
        for (FenceSource f : driverFences) {
            f.signal();
        }
        h.d.runFor(500 * US);
        s.close();
        int calls = h.backend.calls().size();
        h.d.runFor(1000 * MS);

        assertThat(h.backend.calls()).as("no callback after close").hasSize(calls);
        assertThat(h.log.maxCredits()).isLessThanOrEqualTo(limit);
        for (SubmittedJob<SimJob> j : jobs) {
            assertThat(j.finished().isSignaled()).as("%s signalled", j.finished()).isTrue();
            outcomes.add(j.finished().error());
            assertThat(j.scheduled().isSignaled()).isTrue();
            assertThat(j.payload().freeCount()).as("%s freed once", j.finished()).isEqualTo(1);
            assertThat(j.payload().runCount()).isLessThanOrEqualTo(1);
            if (j.finished().error().equals(FenceError.KILLED)) {
                assertThat(j.payload().runCount()).isZero();
            }
        }
        for (var entry : signalled.entrySet()) {
            assertThat(entry.getValue()).as("finish order of %s", entry.getKey()).isSorted().doesNotHaveDuplicates();
        }
        Map<Long, Long> lastTs = new HashMap<>();
        for (SubmittedJob<SimJob> j : jobs) { // jobs are in submission order
            long tl = j.finished().context();
            long ts = j.finished().timestampNanos();
            assertThat(ts).as("%s not before its predecessor", j.finished())
                    .isGreaterThanOrEqualTo(lastTs.getOrDefault(tl, Long.MIN_VALUE));
            lastTs.put(tl, ts);
        }
    }
}
