package org.gpusched.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.junit.jupiter.api.Test;

class SmokeTest {
    final VirtualDispatcher d = new VirtualDispatcher();
    final SimRing ring = new SimRing("ring", d);

    Scheduler<SimJob> sched(int credits, Duration timeout, Policy p) {
        return Scheduler.builder(ring).name("s").creditLimit(credits).timeout(timeout).policy(p).dispatcher(d).build();
    }

    @Test
    void hundredJobsOfOneMillisecondFinishAtExactlyOneHundredMilliseconds() {
        Scheduler<SimJob> s = sched(Integer.MAX_VALUE, null, Policy.FIFO);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> last = null;
        for (int i = 0; i < 100; i++) {
            last = e.job(SimJob.of(Duration.ofMillis(1))).submit();
        }
        SubmittedJob<SimJob> l = last;
        assertThat(d.runUntil(() -> l.finished().isSignaled(), Duration.ofSeconds(1))).isTrue();
        assertThat(d.nanoTime()).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(l.finished().error()).isEqualTo(FenceError.NONE);
        d.runFor(Duration.ofMillis(1));
        assertThat(l.payload().freeCount()).isEqualTo(1);
        e.close();
        s.close();
    }

    @Test
    void timeoutResetsAHungJobAtExactlyTheTimeout() {
        Scheduler<SimJob> s = sched(10, Duration.ofMillis(200), Policy.FIFO);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> j = e.job(SimJob.manual()).submit();
        assertThat(d.runUntil(() -> j.scheduled().isSignaled(), Duration.ofSeconds(1))).isTrue();
        long t0 = d.nanoTime();
        assertThat(d.runUntil(() -> j.finished().isSignaled(), Duration.ofSeconds(1))).isTrue();
        assertThat(d.nanoTime() - t0).isEqualTo(Duration.ofMillis(200).toNanos());
        assertThat(j.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(j.payload().has(SimJob.TIMEDOUT)).isTrue();
        assertThat(j.payload().freeCount()).isEqualTo(1);
        s.close();
    }

    @Test
    void creditLimitOneRunsOneJobAtATime() {
        Scheduler<SimJob> s = sched(1, null, Policy.FIFO);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> a = e.job(SimJob.manual()).submit();
        SubmittedJob<SimJob> b = e.job(SimJob.manual()).submit();
        assertThat(d.runUntil(() -> a.scheduled().isSignaled(), Duration.ofSeconds(1))).isTrue();
        assertThat(d.runUntil(() -> b.scheduled().isSignaled(), Duration.ofSeconds(1))).isFalse();
        assertThat(ring.advance(1)).isEqualTo(1);
        assertThat(d.runUntil(() -> b.scheduled().isSignaled(), Duration.ofSeconds(1))).isTrue();
        assertThat(ring.advance(1)).isEqualTo(1);
        assertThat(d.runUntil(() -> b.finished().isSignaled(), Duration.ofSeconds(1))).isTrue();
        s.close();
    }

    @Test
    void closingAnEntityKillsQueuedJobsInOrderAndSchedulerCloseCancelsTheRest() {
        Scheduler<SimJob> s = sched(1, null, Policy.FIFO);
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            jobs.add(e.job(SimJob.manual()).submit());
        }
        assertThat(d.runUntil(() -> jobs.get(0).scheduled().isSignaled(), Duration.ofSeconds(1))).isTrue();
        assertThat(e.close(Duration.ZERO)).isEqualTo(4);
        d.runFor(Duration.ofMillis(1));
        assertThat(jobs.get(4).finished().isSignaled()).isFalse(); // waits for job 0
        s.close();
        assertThat(jobs.get(0).finished().error()).isEqualTo(FenceError.CANCELED);
        for (int i = 1; i < 5; i++) {
            assertThat(jobs.get(i).finished().error()).isEqualTo(FenceError.KILLED);
            assertThat(jobs.get(i).finished().timestampNanos()).isGreaterThanOrEqualTo(jobs.get(i - 1).finished().timestampNanos());
        }
        for (SubmittedJob<SimJob> j : jobs) {
            assertThat(j.payload().freeCount()).isEqualTo(1);
        }
    }

    @Test
    void crossEntityDependencyChainRunsInOrder() {
        Scheduler<SimJob> s = sched(Integer.MAX_VALUE, null, Policy.FAIR);
        List<Entity<SimJob>> es = List.of(s.newEntity("a", Priority.NORMAL), s.newEntity("b", Priority.NORMAL));
        SubmittedJob<SimJob> prev = null;
        List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            var b = es.get(i % 2).job(SimJob.of(Duration.ofMillis(1)));
            if (prev != null) {
                b.dependsOn(prev.finished());
            }
            prev = b.submit();
            jobs.add(prev);
        }
        SubmittedJob<SimJob> l = prev;
        assertThat(d.runUntil(() -> l.finished().isSignaled(), Duration.ofSeconds(1))).isTrue();
        assertThat(d.nanoTime()).isEqualTo(Duration.ofMillis(100).toNanos());
        for (int i = 1; i < 100; i++) {
            assertThat(jobs.get(i).payload().hwStartNanos()).isGreaterThanOrEqualTo(jobs.get(i - 1).payload().hwEndNanos());
        }
        s.close();
    }
}
