package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gpusched.engine.Harness.MS;
import static org.gpusched.engine.Harness.ms;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.sched.JobQueue;
import org.gpusched.sched.SchedulerClosedException;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.Test;

/** The 1:1 facade: one scheduler with one entity, end to end. */
class JobQueueTests {
    final Harness h = new Harness();
    final JobQueue<SimJob> q = JobQueue.create("fwq", h.backend, 2, Duration.ofMillis(10), h.d);

    @Test
    void dependenciesCreditsTimeoutAndCloseWorkEndToEnd() {
        FenceSource upload = h.driverFence();
        SubmittedJob<SimJob> j1 = q.job(ms(2)).submit();
        SubmittedJob<SimJob> j2 = q.job(ms(1)).credits(2).submit(); // needs the whole ring
        SubmittedJob<SimJob> j3 = q.job(ms(1)).dependsOn(upload.fence()).submit();
        SubmittedJob<SimJob> j4 = q.job(SimJob.manual()).submit(); // hangs
        SubmittedJob<SimJob> j5 = q.job(SimJob.manual()).submit();
        SubmittedJob<SimJob> j6 = q.job(SimJob.manual()).submit();
        SubmittedJob<SimJob> j7 = q.job(SimJob.manual()).submit();
        List<String> order = new ArrayList<>();
        for (SubmittedJob<SimJob> j : List.of(j1, j2, j3, j4, j5, j6, j7)) {
            j.finished().onSignal(f -> order.add("#" + f.seqno()));
        }
        h.at(5 * MS, upload::signal);

        h.finish(j3);
        assertThat(j1.finished().timestampNanos()).isEqualTo(2 * MS);
        assertThat(j2.scheduled().timestampNanos()).isEqualTo(2 * MS);
        assertThat(j2.finished().timestampNanos()).isEqualTo(3 * MS);
        assertThat(j3.scheduled().timestampNanos()).isEqualTo(5 * MS);
        assertThat(j3.finished().timestampNanos()).isEqualTo(6 * MS);

        h.finish(j4);
        // j4 and j5 went on the ring at 5 ms (behind j3); j4 became the oldest at 6 ms
        assertThat(j4.scheduled().timestampNanos()).isEqualTo(5 * MS);
        assertThat(j4.finished().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(j4.finished().timestampNanos()).isEqualTo(16 * MS);
        assertThat(q.error()).isEqualTo(FenceError.TIMED_OUT);
        h.schedule(j6);
        assertThat(q.queueDepth()).isEqualTo(1);

        q.close();
        assertThat(j5.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(j6.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(j7.finished().error()).isEqualTo(FenceError.KILLED);
        assertThat(order).containsExactly("#1", "#2", "#3", "#4", "#5", "#6", "#7");
        assertThat(h.backend.jobs("free")).containsExactlyInAnyOrder("fwq#1", "fwq#2", "fwq#3", "fwq#4", "fwq#5",
                "fwq#6", "fwq#7");
        assertThat(h.backend.jobs("cancel")).containsExactly("fwq#6", "fwq#5");
        int calls = h.backend.calls().size();
        h.runTo(h.now() + 100 * MS);
        assertThat(h.backend.calls()).hasSize(calls);
        assertThat(q.scheduler().isClosed()).isTrue();
        assertThat(j1.finished().timelineName()).isEqualTo("fwq");
        assertThatThrownBy(() -> q.job(ms(1)).submit()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fwq");
        q.close(); // idempotent
    }

    @Test
    void theQueueIsASchedulerWithItsNameAndSettings() {
        assertThat(q.scheduler().name()).isEqualTo("fwq");
        assertThat(q.scheduler().creditLimit()).isEqualTo(2);
        assertThat(q.scheduler().timeout()).isEqualTo(Duration.ofMillis(10));
        assertThat(q.queueDepth()).isZero();
        assertThat(q.error()).isEqualTo(FenceError.NONE);
        assertThat(q.scheduler().score()).isEqualTo(1);
        q.close();
        assertThatThrownBy(() -> q.job(ms(1)).submit()).isInstanceOf(IllegalStateException.class)
                .isNotInstanceOf(SchedulerClosedException.class);
    }

    @Test
    void aQueueWithoutATimeoutNeverTimesOutAndCompletesInOrder() {
        JobQueue<SimJob> noTimeout = JobQueue.create("nt", h.ring, 4, null, h.d);
        List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            jobs.add(noTimeout.job(SimJob.manual()).submit());
        }
        h.runTo(10_000 * MS);
        assertThat(jobs).noneMatch(j -> j.finished().isSignaled());
        assertThat(noTimeout.queueDepth()).isEqualTo(2);
        assertThat(h.ring.advance(6)).isEqualTo(4);
        h.runUntil(() -> {
            h.ring.advance(1); // one more job done on the ring each time the queue is looked at
            return jobs.get(5).finished().isSignaled();
        });
        assertThat(jobs).allSatisfy(j -> assertThat(j.finished().error()).isEqualTo(FenceError.NONE));
        noTimeout.close();
    }

    @Test
    void recoveryWorksThroughTheSchedulerUnderneath() {
        SubmittedJob<SimJob> a = q.job(SimJob.manual()).submit();
        SubmittedJob<SimJob> b = q.job(SimJob.manual()).submit();
        h.schedule(b);
        q.scheduler().stop();
        List<String> pending = new ArrayList<>();
        q.scheduler().forEachPending(v -> pending.add(Harness.label(v)));
        q.scheduler().start(FenceError.of(-125));
        h.finish(b);
        assertThat(pending).containsExactly("fwq#1", "fwq#2");
        assertThat(a.finished().error()).isEqualTo(FenceError.of(-125));
        assertThat(b.finished().error()).isEqualTo(FenceError.of(-125));
        q.close();
    }
}
