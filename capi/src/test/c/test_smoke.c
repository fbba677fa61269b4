/* End to end through libgpusched: a scheduler, an entity, a thousand jobs. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "gpusched.h"

static gs_timeline *ring;
static int runs, frees;

static int run_now(gs_job *job, void *job_data, void *sched_data, gs_fence **out) {
    runs++;
    gs_fence *hw;
    int r = gs_fence_create(ring, &hw);
    if (r != 0)
        return r;
    gs_fence_signal(hw, 0); /* the hardware finished at once */
    *out = hw;              /* our reference passes to the scheduler */
    return 0;
}

static enum gs_timeout_status timed_out(gs_job *job, void *jd, void *sd) {
    return GS_TIMEOUT_RESET;
}

static void free_job(gs_job *job, void *jd, void *sd) {
    frees++;
}

static void thousand_jobs_run_finish_and_are_freed_once(void) {
    CHECK_EQ(gs_init(NULL), 0);
    CHECK_EQ(gs_abi_version(), GS_ABI_VERSION);
    CHECK_EQ(gs_timeline_create("ring", &ring), 0);
    struct gs_sched_ops ops = {.size = sizeof ops, .run_job = run_now, .timedout_job = timed_out, .free_job = free_job};
    struct gs_sched_args args = {.size = sizeof args, .name = "gfx", .credit_limit = 4, .timeout_ns = -1,
                                 .policy = GS_POLICY_FAIR};
    gs_sched *s;
    CHECK_EQ(gs_sched_create(&args, &ops, &s), 0);
    gs_entity *e;
    CHECK_EQ(gs_entity_create(&s, 1, GS_PRIORITY_NORMAL, &e), 0);
    gs_fence *last = NULL;
    for (int i = 0; i < 1000; i++) {
        gs_job *j;
        CHECK_EQ(gs_job_create(e, 1, NULL, &j), 0);
        if (last != NULL)
            gs_fence_put(last);
        CHECK_EQ(gs_job_submit(j, NULL, &last), 0);
    }
    CHECK_EQ(gs_fence_wait(last, 5000000000LL), 0);
    CHECK_EQ(gs_fence_get_error(last), 0);
    CHECK_EQ(gs_fence_seqno(last), 1000);
    char name[64];
    CHECK(gs_fence_timeline_name(last, name, sizeof name) > 0);
    CHECK_EQ(gs_fence_signal(last, 0), -EPERM);
    CHECK_EQ(gs_entity_destroy(e, 0), 0);
    gs_sched_destroy(s);
    CHECK_EQ(runs, 1000);
    CHECK_EQ(frees, 1000);
    CHECK_EQ(gs_fence_is_signaled(last), 1); /* fences outlive their scheduler */
    gs_fence_put(last);
    gs_timeline_put(ring);
}

int main(void) {
    RUN(thousand_jobs_run_finish_and_are_freed_once);
    CHECK_EXIT();
}
