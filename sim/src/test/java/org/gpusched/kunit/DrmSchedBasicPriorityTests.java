package org.gpusched.kunit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.kunit.KunitHarness.HZ;
import static org.gpusched.kunit.KunitHarness.MAX_SCHEDULE_TIMEOUT;
import static org.gpusched.kunit.KunitHarness.MOCK_NAME;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Port of the kernel suite {@code drm_sched_basic_priority_tests} (tests_basic.c): one entity
 * per priority on one scheduler with unlimited credits, on virtual time.
 *
 * <p>Where we differ on purpose: {@code drm_sched_change_priority} sleeps 200..500 us between
 * priority changes in the kernel; here a virtual-time actor changes a priority every 350 us
 * exactly, so the run is deterministic. The kernel case asserts nothing but termination; we
 * also assert that every job is DONE (draining the ring before the teardown, where the kernel
 * would cancel what is left) and that each entity's jobs kept their order. Like upstream, no
 * cross-priority ordering is asserted: that is policy, tested elsewhere. As in the kernel
 * (credit limit U32_MAX), every job reaches the ring within the first instant, so the changes
 * race with submission, selection and completion rather than reorder the ring.
 */
class DrmSchedBasicPriorityTests {

    private static final long JOB_US = 1000;
    private static final Duration CHANGE_PERIOD = Duration.ofNanos(350_000);

    private KunitHarness h;
    private MockScheduler s;

    @BeforeEach
    void init() {
        h = KunitHarness.onVirtualTime();
        s = h.newScheduler(MOCK_NAME, MAX_SCHEDULE_TIMEOUT);
    }

    @AfterEach
    void exit() {
        h.close();
    }

    /** One entity per priority, {@code entity[p]} for p = KERNEL .. LOW. */
    private List<Entity<SimJob>> entityPerPriority() {
        assertThat(Priority.KERNEL.ordinal()).isLessThan(Priority.LOW.ordinal());
        assertThat(Priority.values()).hasSize(4);
        List<Entity<SimJob>> entities = new ArrayList<>();
        for (Priority p : Priority.values()) {
            entities.add(h.newEntity(s, p));
        }
        return entities;
    }

    private List<SubmittedJob<SimJob>> submitRoundRobin(List<Entity<SimJob>> entities, int count) {
        List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            jobs.add(h.submit(entities.get(i % entities.size()), SimJob.ofMicros(JOB_US)));
        }
        return jobs;
    }

    @Test
    void drm_sched_priorities() {
        List<Entity<SimJob>> entities = entityPerPriority();
        List<SubmittedJob<SimJob>> jobs = submitRoundRobin(entities, 100);
        SubmittedJob<SimJob> last = jobs.get(99);

        assertThat(h.waitFinished(last, HZ)).isTrue();
        // Zero overhead: all 100 jobs of 1 ms are done by exactly 100 ms.
        assertThat(h.now()).isLessThanOrEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(h.virtual().runUntil(() -> jobs.stream().allMatch(j -> j.payload().isDone()), HZ)).isTrue();
        assertThat(h.now()).isEqualTo(Duration.ofMillis(100).toNanos());
        h.settle();
        assertThat(jobs).allMatch(j -> j.finished().error().equals(FenceError.NONE));
        h.assertEntityOrderOnHardware();
        h.assertCreditsReturned();

        for (Entity<SimJob> e : entities) {
            e.close();
        }
    }

    @Test
    void drm_sched_change_priority() {
        List<Entity<SimJob>> entities = entityPerPriority();
        List<SubmittedJob<SimJob>> jobs = submitRoundRobin(entities, 1000);
        SubmittedJob<SimJob> last = jobs.get(999);
        VirtualDispatcher d = h.virtual();

        // The kernel's loop: while job 999 is not DONE, cycle one entity's priority and sleep.
        int[] changes = {0};
        d.post(new Runnable() {
            private int cur;

            @Override
            public void run() {
                if (last.payload().isDone()) {
                    return;
                }
                Entity<SimJob> e = entities.get(cur);
                e.setPriority(Priority.ofValue((e.priority().ordinal() + 1) % Priority.values().length));
                cur = (cur + 1) % entities.size();
                changes[0]++;
                d.schedule(d.nanoTime() + CHANGE_PERIOD.toNanos(), this);
            }
        });

        // The kernel relies on its ~300 s per-test timeout; one second of GPU work needs far less.
        assertThat(d.runUntil(() -> last.payload().isDone(), Duration.ofSeconds(10))).isTrue();
        long lastDoneAt = h.now();
        System.out.println("job 999 DONE at " + lastDoneAt + " ns after " + changes[0] + " priority changes");
        // One change at t = 0 and one per period before job 999 was DONE; then the actor stops.
        assertThat(changes[0]).isGreaterThanOrEqualTo((int) (lastDoneAt / CHANGE_PERIOD.toNanos()));
        assertThat(changes[0]).isLessThanOrEqualTo((int) (lastDoneAt / CHANGE_PERIOD.toNanos()) + 1);
        assertThat(d.runUntil(() -> jobs.stream().allMatch(j -> j.payload().isDone()), HZ)).isTrue();
        int changesWhileRunning = changes[0];
        // All 1000 jobs reached the ring at once (unlimited credits) and it never idled.
        assertThat(h.now()).isEqualTo(Duration.ofMillis(1000).toNanos());
        assertThat(s.ring.busyNanos()).isEqualTo(Duration.ofMillis(1000).toNanos());
        h.settle();
        assertThat(jobs).allMatch(j -> j.finished().error().equals(FenceError.NONE));
        h.assertEntityOrderOnHardware();
        h.assertCreditsReturned();
        d.runFor(HZ);
        assertThat(changes[0]).as("the actor stopped once job 999 was DONE").isEqualTo(changesWhileRunning);

        for (Entity<SimJob> e : entities) {
            e.close();
        }
    }
}
