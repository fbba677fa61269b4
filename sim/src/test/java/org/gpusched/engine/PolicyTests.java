package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.engine.Harness.MS;
import static org.gpusched.engine.Harness.US;
import static org.gpusched.engine.Harness.ms;
import static org.gpusched.engine.Harness.us;

import java.util.ArrayList;
import java.util.List;
import org.gpusched.fence.FenceSource;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.Test;

/**
 * Which entity runs next: FIFO and RR with strict priorities, and FAIR as the kernel's
 * virtual-runtime policy. The FAIR run orders below were worked out by hand from the kernel's
 * algorithm (shifts 1/2/4/7, vruntime updated at pop from the GPU time of finished jobs, saved
 * relative to the queue's minimum on going idle, head-priority placement on rejoining, the
 * EWMA(6, 4) "shorter jobs first" rule); each test's comment carries the derivation.
 */
class PolicyTests {
    final Harness h = new Harness();

    private static void submit(Entity<SimJob> e, int n, SimJob... payloads) {
        for (int i = 0; i < n; i++) {
            e.job(payloads.length == 0 ? ms(1) : payloads[i]).submit();
        }
    }

    private static List<SubmittedJob<SimJob>> submitAll(Entity<SimJob> e, int n, long micros) {
        List<SubmittedJob<SimJob>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(e.job(us(micros)).submit());
        }
        return out;
    }

    // ------------------------------------------------------------------ FIFO and RR

    /** Blocker on the ring till 10 ms; A1@1, B1@2, A2@3, C1@4, B2@5 (all 1 ms). */
    private List<String> staggered(Policy policy) {
        Scheduler<SimJob> s = h.sched(1, policy);
        Entity<SimJob> x = s.newEntity("x", Priority.NORMAL);
        Entity<SimJob> a = s.newEntity("a", Priority.NORMAL);
        Entity<SimJob> b = s.newEntity("b", Priority.NORMAL);
        Entity<SimJob> c = s.newEntity("c", Priority.NORMAL);
        x.job(ms(10)).submit();
        h.at(1 * MS, () -> a.job(ms(1)).submit());
        h.at(2 * MS, () -> b.job(ms(1)).submit());
        h.at(3 * MS, () -> a.job(ms(1)).submit());
        h.at(4 * MS, () -> c.job(ms(1)).submit());
        h.at(5 * MS, () -> b.job(ms(1)).submit());
        h.runUntil(() -> h.backend.count("free") == 6);
        return h.backend.jobs("run");
    }

    @Test
    void fifoRunsHeadJobsInOrderOfSubmissionAcrossEntities() {
        assertThat(staggered(Policy.FIFO)).containsExactly("x#1", "a#1", "b#1", "a#2", "c#1", "b#2");
    }

    @Test
    void rrSendsAnEntityBehindTheOthersEachTimeItRuns() {
        // keys: a, b, c join with rr_ts 0 in that order; each run moves the entity behind all
        assertThat(staggered(Policy.RR)).containsExactly("x#1", "a#1", "b#1", "c#1", "a#2", "b#2");
    }

    @Test
    void rrAlternatesBetweenBusyEntitiesWhereFifoDoesNot() {
        for (Policy p : List.of(Policy.RR, Policy.FIFO)) {
            Harness x = new Harness();
            Scheduler<SimJob> s = x.sched(1, p);
            submit(s.newEntity("a", Priority.NORMAL), 3);
            Entity<SimJob> b = s.newEntity("b", Priority.NORMAL);
            x.at(1 * US, () -> submit(b, 3)); // FIFO ties on equal submit times: keep them apart
            x.runUntil(() -> x.backend.count("free") == 6);
            if (p == Policy.RR) {
                assertThat(x.backend.jobs("run")).containsExactly("a#1", "b#1", "a#2", "b#2", "a#3", "b#3");
            } else {
                assertThat(x.backend.jobs("run")).containsExactly("a#1", "a#2", "a#3", "b#1", "b#2", "b#3");
            }
        }
    }

    @Test
    void fifoKeepsInsertionOrderBetweenEqualSubmitTimes() {
        // a2 and b1 were both submitted at 0: b was keyed when it joined, a when a1 was popped
        Scheduler<SimJob> s = h.sched(1, Policy.FIFO);
        submit(s.newEntity("a", Priority.NORMAL), 2);
        submit(s.newEntity("b", Priority.NORMAL), 2);
        h.runUntil(() -> h.backend.count("free") == 4);
        assertThat(h.backend.jobs("run")).containsExactly("a#1", "b#1", "a#2", "b#2");
    }

    @Test
    void strictPrioritiesUnderFifoAndRr() {
        for (Policy p : List.of(Policy.FIFO, Policy.RR)) {
            Harness x = new Harness();
            Scheduler<SimJob> s = x.sched(1, p);
            s.newEntity("blocker", Priority.NORMAL).job(ms(5)).submit();
            Entity<SimJob> low = s.newEntity("low", Priority.LOW);
            Entity<SimJob> normal = s.newEntity("normal", Priority.NORMAL);
            Entity<SimJob> high = s.newEntity("high", Priority.HIGH);
            Entity<SimJob> kernel = s.newEntity("kernel", Priority.KERNEL);
            x.at(1 * MS, () -> low.job(ms(1)).submit());
            x.at(2 * MS, () -> normal.job(ms(1)).submit());
            x.at(3 * MS, () -> high.job(ms(1)).submit());
            x.at(4 * MS, () -> kernel.job(ms(1)).submit());
            x.runUntil(() -> x.backend.count("free") == 5);
            assertThat(x.backend.jobs("run")).as("%s", p)
                    .containsExactly("blocker#1", "kernel#1", "high#1", "normal#1", "low#1");
        }
    }

    @Test
    void underFifoAndRrABusyHighPriorityEntityStarvesALowOne() {
        for (Policy p : List.of(Policy.FIFO, Policy.RR)) {
            Harness x = new Harness();
            Scheduler<SimJob> s = x.sched(1, p);
            SubmittedJob<SimJob> low = s.newEntity("low", Priority.LOW).job(ms(1)).submit(); // submitted first
            List<SubmittedJob<SimJob>> high = submitAll(s.newEntity("high", Priority.HIGH), 100, 1000);
            x.finish(low);
            assertThat(low.scheduled().timestampNanos()).as("%s", p).isEqualTo(100 * MS);
            assertThat(high.get(99).finished().timestampNanos()).isEqualTo(100 * MS);
        }
    }

    @Test
    void setPriorityMovesAnEntityToAHigherQueueUnderFifoAndRr() {
        for (Policy p : List.of(Policy.FIFO, Policy.RR)) {
            Harness x = new Harness();
            Scheduler<SimJob> s = x.sched(1, p);
            s.newEntity("blocker", Priority.NORMAL).job(ms(5)).submit();
            Entity<SimJob> a = s.newEntity("a", Priority.LOW);
            Entity<SimJob> b = s.newEntity("b", Priority.NORMAL);
            x.at(1 * MS, () -> a.job(ms(1)).submit());
            x.at(2 * MS, () -> b.job(ms(1)).submit());
            x.at(3 * MS, () -> a.setPriority(Priority.HIGH));
            x.runUntil(() -> x.backend.count("free") == 3);
            assertThat(x.backend.jobs("run")).as("%s", p).containsExactly("blocker#1", "a#1", "b#1");
            assertThat(a.priority()).isEqualTo(Priority.HIGH);
        }
    }

    @Test
    void setPriorityMovesAnEntityToALowerQueueUnderFifoAndRr() {
        for (Policy p : List.of(Policy.FIFO, Policy.RR)) {
            Harness x = new Harness();
            Scheduler<SimJob> s = x.sched(1, p);
            s.newEntity("blocker", Priority.NORMAL).job(ms(5)).submit();
            Entity<SimJob> a = s.newEntity("a", Priority.NORMAL);
            Entity<SimJob> b = s.newEntity("b", Priority.NORMAL);
            x.at(1 * MS, () -> a.job(ms(1)).submit());
            x.at(2 * MS, () -> b.job(ms(1)).submit());
            x.at(3 * MS, () -> a.setPriority(Priority.LOW));
            x.runUntil(() -> x.backend.count("free") == 3);
            assertThat(x.backend.jobs("run")).as("%s", p).containsExactly("blocker#1", "b#1", "a#1");
        }
    }

    @Test
    void setPriorityOfAnIdleEntityAppliesToItsNextJob() {
        Scheduler<SimJob> s = h.sched(1, Policy.FIFO);
        s.newEntity("blocker", Priority.NORMAL).job(ms(5)).submit();
        Entity<SimJob> a = s.newEntity("a", Priority.NORMAL);
        Entity<SimJob> b = s.newEntity("b", Priority.NORMAL);
        a.setPriority(Priority.LOW);
        h.at(1 * MS, () -> a.job(ms(1)).submit());
        h.at(2 * MS, () -> b.job(ms(1)).submit());
        h.runUntil(() -> h.backend.count("free") == 3);
        assertThat(h.backend.jobs("run")).containsExactly("blocker#1", "b#1", "a#1");
    }

    // ------------------------------------------------------------------ FAIR, exact orders

    @Test
    void fairEqualPrioritiesNewcomerGoesFirstAndVruntimeLagsBehindRunningWork() {
        // a joins an empty queue: v=0. b joins with head NORMAL, equal priority, avg(b)=0 <=
        // avg(sched)=0: v = min - 1 = -1, so b is first. Pops (runtime = finished jobs only):
        // t0 b1 (v_b=-1, nothing finished); t1 b2 (v_b = -1 + 1ms<<4 = 15999999);
        // t2 a1 (v_a=0); t3 a2 (v_a = 16e6); t4 b3 (15999999 < 16e6; b leaves, saved 0);
        // t5 a3.
        Scheduler<SimJob> s = h.sched(1, Policy.FAIR);
        submit(s.newEntity("a", Priority.NORMAL), 3);
        submit(s.newEntity("b", Priority.NORMAL), 3);
        h.runUntil(() -> h.backend.count("free") == 6);
        assertThat(h.backend.jobs("run")).containsExactly("b#1", "b#2", "a#1", "a#2", "b#3", "a#3");
        assertThat(h.backend.times("run")).containsExactly(0L, 1 * MS, 2 * MS, 3 * MS, 4 * MS, 5 * MS);
    }

    @Test
    void fairLowPriorityJoinsBehindTheHeadByItsShiftedAverages() {
        // a (NORMAL) has 16 jobs of 4us back to back; pop of a_k sets v_a = (k-1) * (4000<<4)
        // = (k-1) * 64000. At 5us only a1 has finished: avg(sched) = 4us, avg(low) = 0, so low
        // joins at min + ((1 + 0 + 4) << 7) us = 64000 + 640000 = 704000 = v_a after a12's pop.
        // Equal keys keep insertion order: low (keyed at 5us) runs when a12 ends (48us). Its
        // pop keeps v_low (no finished job) but re-keys it behind a; a13 runs (v_a = 768000),
        // then low2 (704000 < 768000), then a14..a16.
        Scheduler<SimJob> s = h.sched(1, Policy.FAIR);
        submitAll(s.newEntity("a", Priority.NORMAL), 16, 4);
        Entity<SimJob> low = s.newEntity("low", Priority.LOW);
        h.at(5 * US, () -> submitAll(low, 2, 4));
        h.runUntil(() -> h.backend.count("free") == 18);
        List<String> expected = new ArrayList<>();
        for (int k = 1; k <= 12; k++) {
            expected.add("a#" + k);
        }
        expected.addAll(List.of("low#1", "a#13", "low#2", "a#14", "a#15", "a#16"));
        assertThat(h.backend.jobs("run")).containsExactlyElementsOf(expected);
        assertThat(h.backend.calls("run").get(12).timeNanos()).isEqualTo(48 * US);
    }

    @Test
    void fairLowPriorityPlacementUsesShiftSevenFromAnEmptyHistory() {
        // a (NORMAL, 4us jobs): v_a = 0, 0, 64000, 128000, 192000 at the pops of a1..a5.
        // low joins at 1us: nothing finished, so min + ((1 + 0 + 0) << 7) us = 128000. a3's pop
        // ties it (128000) but low was keyed first, so low1 runs at 12us; its pop re-keys it
        // (still 128000) behind a, a4 runs (192000), then low2, then a5 and a6.
        Scheduler<SimJob> s = h.sched(1, Policy.FAIR);
        submitAll(s.newEntity("a", Priority.NORMAL), 6, 4);
        Entity<SimJob> low = s.newEntity("low", Priority.LOW);
        h.at(1 * US, () -> submitAll(low, 2, 4));
        h.runUntil(() -> h.backend.count("free") == 8);
        assertThat(h.backend.jobs("run")).containsExactly("a#1", "a#2", "a#3", "low#1", "a#4", "low#2", "a#5", "a#6");
        assertThat(h.backend.times("run")).containsExactly(0L, 4 * US, 8 * US, 12 * US, 16 * US, 20 * US, 24 * US,
                28 * US);
    }

    @Test
    void fairHigherPriorityJoinsAheadOfTheHead() {
        // a (NORMAL) is at v=0 with a1 on the ring; high joins at 0.5ms: head NORMAL > HIGH, so
        // v = min - (NORMAL - HIGH) = -1 and both its jobs go before a2.
        Scheduler<SimJob> s = h.sched(1, Policy.FAIR);
        submit(s.newEntity("a", Priority.NORMAL), 4);
        Entity<SimJob> high = s.newEntity("high", Priority.HIGH);
        h.at(500 * US, () -> submit(high, 2));
        h.runUntil(() -> h.backend.count("free") == 6);
        assertThat(h.backend.jobs("run")).containsExactly("a#1", "high#1", "high#2", "a#2", "a#3", "a#4");
    }

    @Test
    void fairAtEqualPriorityTheEntityWithShorterJobsRejoinsFirst() {
        // t0: s joins first (v=0); x joins at min-1 (nothing measured yet), so x1 (3ms) runs,
        // then s1 (1ms). EWMA(6,4): sched = 3000us, then (3*3000 + 1000)/4 = 2500us.
        // t5: a (NORMAL, 2ms jobs) joins an empty queue at v=0; a1 runs.
        // t6: s rejoins: avg(s)=1000 <= 2500 -> min - 1 = -1; x rejoins: avg(x)=3000 > 2500 ->
        // min + 1 = -1 + 1 = 0, a tie with a, which was keyed first.
        // t7: s2; t8: a2 (v_a = 2ms<<4); t10: x2; then a3, a4.
        Scheduler<SimJob> s = h.sched(1, Policy.FAIR);
        Entity<SimJob> shortJobs = s.newEntity("s", Priority.NORMAL);
        Entity<SimJob> longJobs = s.newEntity("x", Priority.NORMAL);
        Entity<SimJob> a = s.newEntity("a", Priority.NORMAL);
        shortJobs.job(ms(1)).submit();
        longJobs.job(ms(3)).submit();
        h.at(5 * MS, () -> submit(a, 4, ms(2), ms(2), ms(2), ms(2)));
        h.at(6 * MS, () -> {
            shortJobs.job(ms(1)).submit();
            longJobs.job(ms(3)).submit();
        });
        h.runUntil(() -> h.backend.count("free") == 8);
        assertThat(h.backend.jobs("run")).containsExactly("x#1", "s#1", "a#1", "s#2", "a#2", "x#2", "a#3", "a#4");
        assertThat(h.backend.times("run")).containsExactly(0L, 3 * MS, 5 * MS, 7 * MS, 8 * MS, 10 * MS, 13 * MS,
                15 * MS);
    }

    @Test
    void fairAnIdleEntityKeepsItsPositionRelativeToTheHead() {
        // c: c1, c2, then c3 waits for a driver fence (t10), c4..c6. After c2's pop v_c = 16e6
        // and c stays queued (blocked) at the head. a joins at t3 at 16e6 - 1, runs a1..a3;
        // its last pop leaves it at v_a = 32e6 - 1, saved as 32e6 - 1 - 16e6 = 16e6 - 1.
        // t10: c3 runs (v_c = 32e6). t10.5: a rejoins at min + saved = 32e6 + 16e6 - 1.
        // t11: c4 (v_c = 48e6); t12: a4 (48e6 - 1 < 48e6; v_a += 2ms<<4); t13: c5; t14: c6; t15: a5.
        // Without the relative save a would have rejoined ahead of c4.
        Scheduler<SimJob> s = h.sched(1, Policy.FAIR);
        Entity<SimJob> c = s.newEntity("c", Priority.NORMAL);
        Entity<SimJob> a = s.newEntity("a", Priority.NORMAL);
        FenceSource gate = h.driverFence();
        c.job(ms(1)).submit();
        c.job(ms(1)).submit();
        c.job(ms(1)).dependsOn(gate.fence()).submit();
        submit(c, 3);
        h.at(3 * MS, () -> submit(a, 3));
        h.at(10 * MS, gate::signal);
        h.at(10 * MS + 500 * US, () -> submit(a, 2));
        h.runUntil(() -> h.backend.count("free") == 11);
        assertThat(h.backend.jobs("run")).containsExactly("c#1", "c#2", "a#1", "a#2", "a#3", "c#3", "c#4", "a#4",
                "c#5", "c#6", "a#5");
        assertThat(h.backend.times("run")).containsExactly(0L, 1 * MS, 3 * MS, 4 * MS, 5 * MS, 10 * MS, 11 * MS,
                12 * MS, 13 * MS, 14 * MS, 15 * MS);
    }

    // ------------------------------------------------------------------ FAIR, shares

    @Test
    void fairGivesALowEntityGpuTimeWhileANormalOneIsBusy() {
        // low joins at min + (1 << 7) us = 128000 behind normal (v=0); after normal2's pop
        // (v = 16e6) low is the least: it runs third, at 2 ms.
        Scheduler<SimJob> s = h.sched(1, Policy.FAIR);
        List<SubmittedJob<SimJob>> normal = submitAll(s.newEntity("normal", Priority.NORMAL), 100, 1000);
        SubmittedJob<SimJob> low = s.newEntity("low", Priority.LOW).job(ms(1)).submit();
        h.finish(low);
        assertThat(low.scheduled().timestampNanos()).isEqualTo(2 * MS);
        assertThat(normal.get(99).finished().isSignaled()).isFalse();
    }

    @Test
    void fairDoesNotStarveLowWhereFifoWould() {
        Scheduler<SimJob> s = h.sched(1, Policy.FAIR);
        SubmittedJob<SimJob> low = s.newEntity("low", Priority.LOW).job(ms(1)).submit();
        submitAll(s.newEntity("high", Priority.HIGH), 100, 1000);
        h.finish(low);
        // high joins at min - (LOW - HIGH) = -2 and runs first; its second pop puts it at
        // 4e6 - 2, behind low (0)
        assertThat(low.scheduled().timestampNanos()).isEqualTo(2 * MS);
    }

    /** GPU time of a over b when both stay busy for {@code windowMs} under FAIR. */
    private static double share(Priority pa, Priority pb, long windowMs) {
        Harness x = new Harness();
        Scheduler<SimJob> s = x.sched(1, Policy.FAIR);
        Entity<SimJob> a = s.newEntity("a", pa);
        Entity<SimJob> b = s.newEntity("b", pb);
        submitAll(a, (int) windowMs + 10, 1000);
        submitAll(b, (int) windowMs + 10, 1000);
        x.runTo(windowMs * MS);
        assertThat(b.gpuTimeNanos()).as("%s got GPU time", pb).isPositive();
        return (double) a.gpuTimeNanos() / b.gpuTimeNanos();
    }

    @Test
    void fairGivesNormalAboutEightTimesTheGpuTimeOfLow() {
        assertThat(share(Priority.NORMAL, Priority.LOW, 450)).isBetween(7.0, 9.0);
    }

    @Test
    void fairGivesHighAboutFourTimesTheGpuTimeOfNormal() {
        assertThat(share(Priority.HIGH, Priority.NORMAL, 450)).isBetween(3.5, 4.5);
    }

    @Test
    void fairGivesKernelAboutTwiceTheGpuTimeOfHigh() {
        assertThat(share(Priority.KERNEL, Priority.HIGH, 450)).isBetween(1.75, 2.25);
    }

    @Test
    void fairGivesEqualPrioritiesEqualShares() {
        assertThat(share(Priority.LOW, Priority.LOW, 450)).isBetween(0.9, 1.1);
    }

    @Test
    void setPriorityTakesEffectUnderFair() {
        Scheduler<SimJob> s = h.sched(1, Policy.FAIR);
        Entity<SimJob> a = s.newEntity("a", Priority.NORMAL);
        Entity<SimJob> b = s.newEntity("b", Priority.NORMAL);
        submitAll(a, 1000, 1000);
        submitAll(b, 1000, 1000);
        h.runTo(200 * MS);
        long a0 = a.gpuTimeNanos();
        long b0 = b.gpuTimeNanos();
        assertThat((double) a0 / b0).isBetween(0.9, 1.1);
        b.setPriority(Priority.LOW);
        h.runTo(650 * MS);
        double ratio = (double) (a.gpuTimeNanos() - a0) / (b.gpuTimeNanos() - b0);
        assertThat(ratio).isBetween(7.0, 9.0);
    }
}
