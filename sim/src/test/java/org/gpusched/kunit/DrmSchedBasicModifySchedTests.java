package org.gpusched.kunit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.kunit.KunitHarness.HZ;
import static org.gpusched.kunit.KunitHarness.MAX_SCHEDULE_TIMEOUT;
import static org.gpusched.kunit.KunitHarness.MOCK_NAME;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
 * Port of the kernel suite {@code drm_sched_basic_modify_sched_tests} (tests_basic.c): three
 * schedulers, each on its own simulated ring, and thirteen entities whose scheduler list is
 * changed while their jobs run (the kernel's {@code drm_sched_entity_modify_sched} is our
 * {@link Entity#setSchedulers}).
 *
 * <p>Where we differ on purpose: a virtual-time actor changes one entity's scheduler every
 * 350 us instead of sleeping 200..500 us. The kernel asserts only termination; we also assert
 * what it implies: every job runs on the scheduler its entity had when the job was submitted,
 * an entity moves only when it is idle, and every job is DONE (the kernel tears down as soon as
 * job 999 is DONE and cancels what is left; we drain the rings first).
 */
class DrmSchedBasicModifySchedTests {

    private static final int NUM_SCHEDULERS = 3;
    private static final int NUM_ENTITIES = 13;
    private static final int NUM_JOBS = 1000;
    private static final long JOB_US = 1000;
    private static final Duration MODIFY_PERIOD = Duration.ofNanos(350_000);

    private KunitHarness h;

    @BeforeEach
    void init() {
        h = KunitHarness.onVirtualTime();
    }

    @AfterEach
    void exit() {
        h.close();
    }

    @Test
    void drm_sched_test_modify_sched() {
        List<MockScheduler> scheds = new ArrayList<>();
        for (int i = 0; i < NUM_SCHEDULERS; i++) {
            scheds.add(h.newScheduler(MOCK_NAME + "-" + i, MAX_SCHEDULE_TIMEOUT));
        }
        List<Entity<SimJob>> entities = new ArrayList<>();
        for (int i = 0; i < NUM_ENTITIES; i++) {
            entities.add(h.newEntity(scheds.get(i % NUM_SCHEDULERS), Priority.NORMAL));
        }
        List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
        Map<SimJob, String> submittedTo = new IdentityHashMap<>();
        for (int i = 0; i < NUM_JOBS; i++) {
            Entity<SimJob> e = entities.get(i % NUM_ENTITIES);
            SubmittedJob<SimJob> j = h.submit(e, SimJob.ofMicros(JOB_US));
            submittedTo.put(j.payload(), e.scheduler().name());
            jobs.add(j);
        }
        SubmittedJob<SimJob> last = jobs.get(NUM_JOBS - 1);
        VirtualDispatcher d = h.virtual();

        // The kernel's loop: while job 999 is not DONE, sleep, then move the next entity to the
        // next scheduler.
        int[] modifications = {0};
        Runnable modify = new Runnable() {
            private int curEnt;
            private int curSched;

            @Override
            public void run() {
                curEnt = (curEnt + 1) % NUM_ENTITIES;
                curSched = (curSched + 1) % NUM_SCHEDULERS;
                entities.get(curEnt).setSchedulers(List.of(scheds.get(curSched).sched));
                modifications[0]++;
                if (!last.payload().isDone()) {
                    d.schedule(d.nanoTime() + MODIFY_PERIOD.toNanos(), this);
                }
            }
        };
        d.schedule(d.nanoTime() + MODIFY_PERIOD.toNanos(), modify);

        assertThat(d.runUntil(() -> last.payload().isDone(), Duration.ofSeconds(10))).isTrue();
        assertThat(modifications[0]).isPositive();
        assertThat(d.runUntil(() -> jobs.stream().allMatch(j -> j.payload().isDone()), HZ)).isTrue();
        h.settle();

        // Every job ran, once, on the scheduler it was submitted to: no entity was idle while
        // its jobs were queued, so none moved.
        for (SubmittedJob<SimJob> j : jobs) {
            String expected = submittedTo.get(j.payload());
            MockScheduler ranOn = scheds.stream()
                    .filter(s -> s.backend.callsFor(j.payload()).contains(RecordingBackend.Kind.RUN))
                    .reduce((a, b) -> {
                        throw new AssertionError(j.payload() + " ran on " + a + " and " + b);
                    })
                    .orElseThrow(() -> new AssertionError(j.payload() + " never ran"));
            assertThat(ranOn.name).isEqualTo(expected);
            assertThat(j.finished().error()).isEqualTo(FenceError.NONE);
        }
        h.assertEntityOrderOnHardware();
        // Each ring ran its share back to back, without idling.
        for (int i = 0; i < NUM_SCHEDULERS; i++) {
            MockScheduler s = scheds.get(i);
            long count = jobs.stream().filter(j -> submittedTo.get(j.payload()).equals(s.name)).count();
            long lastEnd = jobs.stream().filter(j -> submittedTo.get(j.payload()).equals(s.name))
                    .mapToLong(j -> j.payload().hwEndNanos()).max().orElseThrow();
            assertThat(lastEnd).as("last job on %s", s.name).isEqualTo(count * JOB_US * 1000);
            assertThat(s.ring.busyNanos()).isEqualTo(count * JOB_US * 1000);
        }
        h.assertCreditsReturned();
        int modificationsWhileRunning = modifications[0];
        d.runFor(HZ);
        assertThat(modifications[0]).as("the actor stopped once job 999 was DONE").isEqualTo(modificationsWhileRunning);

        h.destroyEntities();
        h.finiAll();
    }

    @Test
    void entityMovesToItsNewSchedulerOnlyOnceIdle() {
        MockScheduler s0 = h.newScheduler(MOCK_NAME + "-0", MAX_SCHEDULE_TIMEOUT);
        MockScheduler s1 = h.newScheduler(MOCK_NAME + "-1", MAX_SCHEDULE_TIMEOUT);
        Entity<SimJob> e = h.newEntity(s0, Priority.NORMAL);
        SubmittedJob<SimJob> first = h.submit(e, SimJob.manual());
        assertThat(h.waitScheduled(first, HZ)).isTrue();

        e.setSchedulers(List.of(s1.sched));
        // Busy (its last job is on the hardware): the next job stays on the old scheduler.
        SubmittedJob<SimJob> second = h.submit(e, SimJob.manual());
        assertThat(e.scheduler()).isSameAs(s0.sched);
        assertThat(h.waitScheduled(second, HZ)).isTrue();
        assertThat(s0.backend.callsFor(second.payload())).contains(RecordingBackend.Kind.RUN);

        assertThat(s0.advance(1)).isEqualTo(1);
        h.settle();
        // Still busy: the second job has not finished.
        SubmittedJob<SimJob> third = h.submit(e, SimJob.manual());
        assertThat(h.waitScheduled(third, HZ)).isTrue();
        assertThat(s0.backend.callsFor(third.payload())).contains(RecordingBackend.Kind.RUN);

        assertThat(s0.advance(2)).isEqualTo(2);
        h.settle();
        assertThat(third.finished().isSignaled()).isTrue();
        // Idle now: the next submission moves the entity.
        SubmittedJob<SimJob> fourth = h.submit(e, SimJob.manual());
        assertThat(e.scheduler()).isSameAs(s1.sched);
        assertThat(h.waitScheduled(fourth, HZ)).isTrue();
        assertThat(s1.backend.callsFor(fourth.payload())).containsExactly(RecordingBackend.Kind.RUN);
        assertThat(s0.backend.callsFor(fourth.payload())).isEmpty();
        assertThat(s1.advance(1)).isEqualTo(1);
        assertThat(h.waitFinished(fourth, HZ)).isTrue();
        h.assertEntityOrderOnHardware();
    }
}
