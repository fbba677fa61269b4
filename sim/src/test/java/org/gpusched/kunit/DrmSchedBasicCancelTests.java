package org.gpusched.kunit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.kunit.KunitHarness.HZ;
import static org.gpusched.kunit.KunitHarness.MAX_SCHEDULE_TIMEOUT;
import static org.gpusched.kunit.KunitHarness.MOCK_NAME;

import java.util.ArrayList;
import java.util.List;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Port of the kernel suite {@code drm_sched_basic_cancel_tests} (tests_basic.c): closing a
 * scheduler cancels what is still on the hardware through the backend's {@code cancel}.
 *
 * <p>As in the kernel, the suite's init and exit make and close a scheduler the case does not
 * use; the case builds its own. Ours also checks what the kernel only implies: cancel comes
 * before free, each exactly once, the finished fence carries CANCELED, and several jobs on the
 * hardware are cancelled newest first.
 */
class DrmSchedBasicCancelTests {

    private KunitHarness h;

    @BeforeEach
    void init() {
        h = KunitHarness.onVirtualTime();
        h.newScheduler(MOCK_NAME, MAX_SCHEDULE_TIMEOUT); // the suite's own, unused by the case
    }

    @AfterEach
    void exit() {
        h.close();
    }

    @Test
    void drm_sched_basic_cancel() {
        MockScheduler own = h.newScheduler(MOCK_NAME + "-cancel", MAX_SCHEDULE_TIMEOUT);
        Entity<SimJob> e = h.newEntity(own, Priority.NORMAL);
        SubmittedJob<SimJob> j = h.submit(e, SimJob.manual());

        assertThat(h.waitScheduled(j, HZ)).isTrue();
        long before = h.now();
        assertThat(e.close()).as("nothing queued to kill").isZero();
        assertThat(h.now()).as("the flush returns at once: the queue is empty").isEqualTo(before);
        own.fini();

        assertThat(j.payload().hardwareFence().error()).isEqualTo(FenceError.CANCELED);
        assertThat(j.finished().isSignaled()).isTrue();
        assertThat(j.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(j.payload().isDone()).isFalse();
        assertThat(j.payload().cancelCount()).isEqualTo(1);
        assertThat(j.payload().freeCount()).isEqualTo(1);
        assertThat(own.backend.callsFor(j.payload())).containsExactly(
                RecordingBackend.Kind.RUN, RecordingBackend.Kind.CANCEL, RecordingBackend.Kind.FREE);
    }

    @Test
    void jobsOnTheHardwareAreCancelledNewestFirstThenFreed() {
        MockScheduler own = h.newScheduler(MOCK_NAME + "-cancel", MAX_SCHEDULE_TIMEOUT);
        Entity<SimJob> a = h.newEntity(own, Priority.NORMAL);
        Entity<SimJob> b = h.newEntity(own, Priority.NORMAL);
        List<SubmittedJob<SimJob>> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            jobs.add(h.submit(i % 2 == 0 ? a : b, SimJob.manual()));
        }
        for (SubmittedJob<SimJob> j : jobs) {
            assertThat(h.waitScheduled(j, HZ)).isTrue();
        }
        List<SimJob> runOrder = own.backend.calls(RecordingBackend.Kind.RUN).stream().map(RecordingBackend.Call::job).toList();
        a.close();
        b.close();
        own.fini();

        List<SimJob> cancelOrder = own.backend.calls(RecordingBackend.Kind.CANCEL).stream().map(RecordingBackend.Call::job).toList();
        assertThat(cancelOrder).containsExactlyElementsOf(runOrder.reversed());
        for (SubmittedJob<SimJob> j : jobs) {
            assertThat(j.finished().error()).isEqualTo(FenceError.CANCELED);
            assertThat(own.backend.callsFor(j.payload())).containsExactly(
                    RecordingBackend.Kind.RUN, RecordingBackend.Kind.CANCEL, RecordingBackend.Kind.FREE);
        }
    }
}
