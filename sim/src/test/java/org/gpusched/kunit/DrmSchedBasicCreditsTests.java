package org.gpusched.kunit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.kunit.KunitHarness.HZ;
import static org.gpusched.kunit.KunitHarness.MAX_SCHEDULE_TIMEOUT;
import static org.gpusched.kunit.KunitHarness.MOCK_NAME;

import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Port of the kernel suite {@code drm_sched_basic_credits_tests} (tests_basic.c): the credit
 * limit bounds what is on the hardware, and returned credits unblock the next job at once.
 *
 * <p>Where we differ on purpose: the kernel overwrites {@code credit_limit} after creating the
 * scheduler; ours is fixed at construction, so the case builds its scheduler with limit 1.
 * Virtual time makes "at once" exact (zero latency). Two extra cases cover what the kernel
 * does not test: a limit of two keeps exactly two jobs on the hardware, and a job larger than
 * the limit is clamped to it and still runs.
 */
class DrmSchedBasicCreditsTests {

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
    void drm_sched_test_credits() {
        MockScheduler s = h.newScheduler(MOCK_NAME, MAX_SCHEDULE_TIMEOUT, 1);
        Entity<SimJob> e = h.newEntity(s, Priority.NORMAL);
        SubmittedJob<SimJob> job0 = h.submit(e, SimJob.manual());
        SubmittedJob<SimJob> job1 = h.submit(e, SimJob.manual());

        assertThat(h.waitScheduled(job0, HZ)).isTrue();
        assertThat(h.waitScheduled(job1, HZ)).isFalse();
        assertThat(h.now()).isEqualTo(HZ.toNanos());
        assertThat(s.advance(1)).isEqualTo(1);
        assertThat(h.waitScheduled(job1, HZ)).isTrue();
        assertThat(job1.scheduled().timestampNanos()).as("the credit is back at once").isEqualTo(HZ.toNanos());
        assertThat(s.advance(1)).isEqualTo(1);
        assertThat(h.waitFinished(job1, HZ)).isTrue();

        assertThat(s.backend.maxOnHardware()).isEqualTo(1);
        h.settle();
        assertThat(job0.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(job1.finished().error()).isEqualTo(FenceError.NONE);
        h.assertCreditsReturned();

        e.close();
        s.fini();
    }

    @Test
    void creditLimitOfTwoKeepsExactlyTwoJobsOnTheHardware() {
        MockScheduler s = h.newScheduler(MOCK_NAME, MAX_SCHEDULE_TIMEOUT, 2);
        Entity<SimJob> e = h.newEntity(s, Priority.NORMAL);
        SubmittedJob<SimJob> a = h.submit(e, SimJob.manual());
        SubmittedJob<SimJob> b = h.submit(e, SimJob.manual());
        SubmittedJob<SimJob> c = h.submit(e, SimJob.manual());

        assertThat(h.waitScheduled(a, HZ)).isTrue();
        assertThat(h.waitScheduled(b, HZ)).isTrue();
        assertThat(h.waitScheduled(c, HZ)).isFalse();
        assertThat(s.ring.inflightCount()).isEqualTo(2);
        assertThat(s.sched.inFlightCredits()).isEqualTo(2);
        assertThat(s.advance(1)).isEqualTo(1);
        assertThat(h.waitScheduled(c, HZ)).isTrue();
        assertThat(c.scheduled().timestampNanos()).isEqualTo(HZ.toNanos());
        assertThat(s.advance(2)).isEqualTo(2);
        assertThat(h.waitFinished(c, HZ)).isTrue();
        assertThat(s.backend.maxOnHardware()).isEqualTo(2);
        h.assertCreditsReturned();
    }

    @Test
    void jobLargerThanTheCreditLimitIsClampedAndRunsAlone() {
        MockScheduler s = h.newScheduler(MOCK_NAME, MAX_SCHEDULE_TIMEOUT, 2);
        Entity<SimJob> e = h.newEntity(s, Priority.NORMAL);
        SubmittedJob<SimJob> big = h.submit(e, SimJob.manual(), 5);
        SubmittedJob<SimJob> small = h.submit(e, SimJob.manual());

        assertThat(h.waitScheduled(big, HZ)).isTrue();
        assertThat(s.sched.inFlightCredits()).as("clamped to the limit").isEqualTo(2);
        assertThat(h.waitScheduled(small, HZ)).as("no credit left beside the clamped job").isFalse();
        assertThat(s.advance(1)).isEqualTo(1);
        assertThat(h.waitScheduled(small, HZ)).isTrue();
        assertThat(s.advance(1)).isEqualTo(1);
        assertThat(h.waitFinished(small, HZ)).isTrue();
        assertThat(s.backend.maxOnHardware()).isEqualTo(1);
        h.settle();
        assertThat(big.finished().error()).isEqualTo(FenceError.NONE);
        h.assertCreditsReturned();
    }
}
