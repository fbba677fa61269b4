package org.gpusched.kunit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.kunit.KunitHarness.HZ;
import static org.gpusched.kunit.KunitHarness.MAX_SCHEDULE_TIMEOUT;
import static org.gpusched.kunit.KunitHarness.MOCK_NAME;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Port of the kernel suite {@code drm_sched_basic_tests} (tests_basic.c): one scheduler without
 * a timeout and with unlimited credits, on virtual time.
 *
 * <p>Where we differ on purpose: waits are exact in virtual time, so besides the kernel's
 * "within one second" we assert the zero-overhead completion times (job 99 at exactly 100 ms).
 * Our scheduler pipelines a dependency on a job of the same ring (it waits for that job's
 * scheduled fence only, as the kernel does), so dependent jobs are checked by hardware order,
 * not by "finished before scheduled". In entity_cleanup the jobs still on the hardware when the
 * scheduler closes are cancelled, as in the kernel since {@code cancel_job} exists.
 */
class DrmSchedBasicTests {

    private static final int QUEUE_DEPTH = 100;
    private static final long JOB_US = 1000;

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

    @Test
    void drm_sched_basic_submit() {
        Entity<SimJob> e = h.newEntity(s, Priority.NORMAL);
        SubmittedJob<SimJob> j = h.submit(e, SimJob.manual());

        assertThat(h.waitScheduled(j, HZ)).isTrue();
        assertThat(j.scheduled().timestampNanos()).as("zero scheduling latency").isZero();
        assertThat(h.waitFinished(j, HZ.dividedBy(2))).isFalse();
        assertThat(h.now()).isEqualTo(Duration.ofMillis(500).toNanos());
        assertThat(s.advance(1)).isEqualTo(1);
        assertThat(h.waitFinished(j, HZ)).isTrue();
        assertThat(h.now()).isEqualTo(Duration.ofMillis(500).toNanos());

        // Implied: the finished fence carries no error, the credit is back, the job is freed.
        h.settle();
        assertThat(j.finished().isSignaled()).isTrue();
        assertThat(j.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(j.finished().timestampNanos()).isEqualTo(Duration.ofMillis(500).toNanos());
        h.assertCreditsReturned();
        assertThat(j.payload().freeCount()).isEqualTo(1);
        assertThat(s.backend.callsFor(j.payload()))
                .containsExactly(RecordingBackend.Kind.RUN, RecordingBackend.Kind.FREE);

        e.close();
    }

    static Stream<Arguments> drm_sched_basic_test() {
        return Stream.of(
                Arguments.of("A queue of jobs in a single entity", 1, false),
                // The kernel's description says "multiple entities" but the parameter has one.
                Arguments.of("A chain of dependent jobs across multiple entities", 1, true),
                Arguments.of("Multiple independent job queues", 4, false),
                Arguments.of("Multiple inter-dependent job queues", 4, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void drm_sched_basic_test(String description, int numEntities, boolean depChain) {
        List<Entity<SimJob>> entities = new ArrayList<>();
        for (int i = 0; i < numEntities; i++) {
            entities.add(h.newEntity(s, Priority.NORMAL));
        }
        List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
        SubmittedJob<SimJob> prev = null;
        for (int i = 0; i < QUEUE_DEPTH; i++) {
            Fence[] deps = depChain && prev != null ? new Fence[] {prev.finished()} : new Fence[0];
            prev = h.submit(entities.get(i % numEntities), SimJob.ofMicros(JOB_US), deps);
            jobs.add(prev);
        }
        SubmittedJob<SimJob> last = jobs.get(QUEUE_DEPTH - 1);

        assertThat(h.waitFinished(last, HZ)).isTrue();
        // Zero overhead: the ring never idles, so 100 jobs of 1 ms end at exactly 100 ms.
        assertThat(h.now()).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(jobs).allMatch(j -> j.payload().isDone());
        h.assertEntityOrderOnHardware();
        if (depChain) {
            for (int i = 1; i < QUEUE_DEPTH; i++) {
                SimJob a = jobs.get(i - 1).payload();
                SimJob b = jobs.get(i).payload();
                assertThat(b.hardwareFence().seqno()).as("job %d runs after the job it depends on", i)
                        .isGreaterThan(a.hardwareFence().seqno());
                assertThat(b.hwStartNanos()).isGreaterThanOrEqualTo(a.hwEndNanos());
            }
        }
        h.settle();
        assertThat(jobs).allMatch(j -> j.finished().error().equals(FenceError.NONE));
        h.assertCreditsReturned();

        for (Entity<SimJob> e : entities) {
            e.close();
        }
    }

    @Test
    void drm_sched_basic_entity_cleanup() {
        List<Entity<SimJob>> entities = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            entities.add(h.newEntity(s, Priority.NORMAL));
        }
        List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
        SubmittedJob<SimJob> prev = null;
        for (int i = 0; i < QUEUE_DEPTH; i++) {
            Fence[] deps = prev != null ? new Fence[] {prev.finished()} : new Fence[0];
            prev = h.submit(entities.get(i % 4), SimJob.ofMicros(JOB_US), deps);
            jobs.add(prev);
        }
        SubmittedJob<SimJob> mid = jobs.get(QUEUE_DEPTH / 2);

        assertThat(h.waitFinished(mid, HZ)).isTrue();
        assertThat(h.now()).isEqualTo(Duration.ofMillis(51).toNanos());

        // Free the entities with half of the queue still to execute: the flush finds every job
        // on the hardware already (unlimited credits), so it returns at once and kills nothing.
        long before = h.now();
        for (Entity<SimJob> e : entities) {
            assertThat(e.close()).as("jobs killed by closing %s", e.name()).isZero();
        }
        assertThat(h.now()).isEqualTo(before);
        // The suite's exit: the scheduler cancels what is still on the hardware, newest first.
        s.fini();

        for (int i = 0; i < QUEUE_DEPTH; i++) {
            SubmittedJob<SimJob> j = jobs.get(i);
            FenceError expected = i <= QUEUE_DEPTH / 2 ? FenceError.NONE : FenceError.CANCELED;
            assertThat(j.finished().isSignaled()).as("job %d finished", i).isTrue();
            assertThat(j.finished().error()).as("job %d", i).isEqualTo(expected);
            assertThat(j.payload().freeCount()).as("job %d freed once", i).isEqualTo(1);
        }
        List<SimJob> cancelled = s.backend.calls(RecordingBackend.Kind.CANCEL).stream()
                .map(RecordingBackend.Call::job).toList();
        List<SimJob> expectedOrder = new ArrayList<>();
        for (int i = QUEUE_DEPTH - 1; i > QUEUE_DEPTH / 2; i--) {
            expectedOrder.add(jobs.get(i).payload());
        }
        assertThat(cancelled).as("in-flight jobs cancelled in reverse run order").containsExactlyElementsOf(expectedOrder);
    }
}
