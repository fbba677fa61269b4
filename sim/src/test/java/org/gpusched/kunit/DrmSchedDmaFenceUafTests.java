package org.gpusched.kunit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.kunit.KunitHarness.HZ;
import static org.gpusched.kunit.KunitHarness.MAX_SCHEDULE_TIMEOUT;
import static org.gpusched.kunit.KunitHarness.MOCK_NAME;

import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Port of {@code drm_sched_dma_fence_uaf_tests}, a case proposed for the kernel but not merged
 * (tests_integration.c): a finished fence held by a user outlives its entity and scheduler.
 *
 * <p>In the kernel this guards a use-after-free of the timeline name; in Java the memory cannot
 * dangle, so the case guards against the scheduler nulling or recycling what a fence reports
 * (timeline name, signalled state, error, timestamp) once it is closed.
 */
class DrmSchedDmaFenceUafTests {

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
    void drm_sched_dma_fence_uaf() {
        MockScheduler s = h.newScheduler(MOCK_NAME, MAX_SCHEDULE_TIMEOUT);
        Entity<SimJob> e = h.newEntity(s, Priority.NORMAL);
        String entityName = e.name();
        SubmittedJob<SimJob> j = h.submit(e, SimJob.manual());
        Fence finished = j.finished(); // like a user holding a sync_file
        Fence scheduled = j.scheduled();

        assertThat(h.waitScheduled(j, HZ)).isTrue();
        Fence hw = j.payload().hardwareFence();
        assertThat(s.advance(1)).isEqualTo(1);
        assertThat(h.waitFinished(j, HZ)).isTrue();
        h.settle();
        long signalledAt = finished.timestampNanos();

        e.close();
        s.fini();
        h.virtual().runFor(HZ);

        assertThat(finished.timelineName()).isEqualTo(entityName);
        assertThat(finished.isSignaled()).isTrue();
        assertThat(finished.error()).isEqualTo(FenceError.NONE);
        assertThat(finished.timestampNanos()).isEqualTo(signalledAt);
        assertThat(finished.seqno()).isEqualTo(1);
        assertThat(finished.context()).isPositive();
        assertThat(scheduled.isSignaled()).isTrue();
        assertThat(scheduled.timelineName()).isNotBlank();
        assertThat(scheduled.context()).isNotEqualTo(finished.context());
        assertThat(hw.timelineName()).isEqualTo(MOCK_NAME + "/hw");
        assertThat(hw.isSignaled()).isTrue();
        assertThat(hw.error()).isEqualTo(FenceError.NONE);
    }
}
