/* Schedulers through the C ABI: policies and priorities, fault, stop/start recovery,
   for_each_pending, suspend/resume of the timeout, and the timeout verdicts (RESET, NO_HANG,
   ENODEV). The driver is tdriver.h's: a ring thread, or jobs whose hardware fence the test
   signals itself ("manual"). */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "gpusched.h"
#include "tdriver.h"

#define MS 1000000LL

static gs_entity *entity_on(gs_sched *s, enum gs_priority prio) {
    gs_entity *e = NULL;
    CHECK_EQ(gs_entity_create(&s, 1, prio, &e), 0);
    return e;
}

static void finishes_with(struct tjob *t, int error) {
    CHECK_EQ(gs_fence_wait(t->finished, T_WAIT_NS), 0);
    CHECK_EQ(gs_fence_get_error(t->finished), error);
}

/* ------------------------------------------------------------------ policies and priorities */

static void run_two_entities_with_policy(enum gs_policy policy) {
    struct tdrv d;
    tdrv_init(&d, "ring", 3);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "gfx", -1, policy), 0);
    gs_entity *e[2] = {entity_on(d.sched, GS_PRIORITY_NORMAL), entity_on(d.sched, GS_PRIORITY_LOW)};
    enum { N = 40 };
    struct tjob *j = tjobs_new(&d, N);
    for (int i = 0; i < N; i++) {
        j[i].entity = i % 2;
        j[i].seq = i / 2 + 1;
        j[i].credits = 1 + (uint32_t)(i % 3);
        j[i].duration_ns = 20000;
        CHECK_EQ(tjob_submit(&j[i], e[i % 2], NULL), 0);
    }
    for (int i = 0; i < N; i++)
        finishes_with(&j[i], 0);
    CHECK(WAIT_UNTIL(atomic_load(&d.frees) == N));
    for (int i = 0; i < N; i++) {
        CHECK_EQ(atomic_load(&j[i].runs), 1);
        CHECK_EQ(atomic_load(&j[i].frees), 1);
        CHECK_EQ(atomic_load(&j[i].finished_before_free), 1);
    }
    CHECK_EQ(atomic_load(&d.order_errors), 0);
    CHECK_EQ(atomic_load(&d.finish_order_errors), 0);
    CHECK(atomic_load(&d.max_inflight) <= 3);
    CHECK_EQ(gs_entity_destroy(e[0], 0), 0);
    CHECK_EQ(gs_entity_destroy(e[1], 0), 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, N);
}

static void rr_scheduler_runs_every_job_once_in_entity_order(void) {
    run_two_entities_with_policy(GS_POLICY_RR);
}

static void fifo_scheduler_runs_every_job_once_in_entity_order(void) {
    run_two_entities_with_policy(GS_POLICY_FIFO);
}

static void fair_scheduler_runs_every_job_once_in_entity_order(void) {
    run_two_entities_with_policy(GS_POLICY_FAIR);
}

/* Four entities, one job each, submitted lowest priority first while the scheduler is stopped:
   after start, FIFO and RR run them highest priority first. */
static void strict_priorities(enum gs_policy policy) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "prio", -1, policy), 0);
    CHECK_EQ(gs_sched_stop(d.sched), 0);
    enum gs_priority prios[4] = {GS_PRIORITY_LOW, GS_PRIORITY_NORMAL, GS_PRIORITY_HIGH, GS_PRIORITY_KERNEL};
    gs_entity *e[4];
    struct tjob *j = tjobs_new(&d, 4);
    for (int i = 0; i < 4; i++) {
        e[i] = entity_on(d.sched, prios[i]);
        j[i].entity = i;
        j[i].seq = 1;
        CHECK_EQ(tjob_submit(&j[i], e[i], NULL), 0);
    }
    CHECK_EQ(gs_sched_start(d.sched, 0), 0);
    for (int i = 0; i < 4; i++)
        finishes_with(&j[i], 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(j[i].run_rank, 4 - i); /* KERNEL first, LOW last */
    for (int i = 0; i < 4; i++)
        gs_entity_destroy(e[i], 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 4);
}

static void fifo_runs_higher_priorities_first(void) {
    strict_priorities(GS_POLICY_FIFO);
}

static void rr_runs_higher_priorities_first(void) {
    strict_priorities(GS_POLICY_RR);
}

static void set_priority_reorders_waiting_entities(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "prio", -1, GS_POLICY_FIFO), 0);
    CHECK_EQ(gs_sched_stop(d.sched), 0);
    gs_entity *a = entity_on(d.sched, GS_PRIORITY_NORMAL), *b = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 2);
    j[0].entity = 0;
    j[1].entity = 1;
    CHECK_EQ(tjob_submit(&j[0], a, NULL), 0); /* submitted first: FIFO would run it first */
    CHECK_EQ(tjob_submit(&j[1], b, NULL), 0);
    CHECK_EQ(gs_entity_set_priority(b, GS_PRIORITY_HIGH), 0);
    CHECK_EQ(gs_entity_set_priority(a, GS_PRIORITY_LOW), 0);
    CHECK_EQ(gs_sched_start(d.sched, 0), 0);
    finishes_with(&j[0], 0);
    finishes_with(&j[1], 0);
    CHECK_EQ(j[1].run_rank, 1);
    CHECK_EQ(j[0].run_rank, 2);
    gs_entity_destroy(a, 0);
    gs_entity_destroy(b, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 2);
}

/* ------------------------------------------------------------------ fault */

static void fault_runs_the_timeout_handler_once_for_the_running_job(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 2);
    CHECK_EQ(tdrv_sched(&d, "faulty", -1, GS_POLICY_FIFO), 0); /* no timeout of its own */
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 2);
    j[0].manual = j[1].manual = 1;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK_EQ(tjob_submit(&j[1], e, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[1].runs) == 1));
    CHECK_EQ(gs_sched_fault(d.sched), 0);
    finishes_with(&j[0], -ETIMEDOUT); /* the oldest job was the one handled */
    CHECK_EQ(atomic_load(&j[0].timeouts), 1);
    CHECK_EQ(atomic_load(&j[1].timeouts), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    CHECK_EQ(gs_fence_is_signaled(j[0].hw), 0); /* freed although its hardware fence never signalled */
    CHECK_EQ(gs_fence_signal(j[1].hw, 0), 0);
    finishes_with(&j[1], 0);
    CHECK_EQ(atomic_load(&d.timeouts), 1);
    CHECK(WAIT_UNTIL(atomic_load(&d.frees) == 2));
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 2);
}

static void fault_without_a_running_job_does_nothing(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 2);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "idle", -1, GS_POLICY_FIFO), 0);
    CHECK_EQ(gs_sched_fault(d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 1);
    j[0].duration_ns = 2 * MS;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    finishes_with(&j[0], 0); /* the earlier fault did not stay pending for it */
    CHECK_EQ(atomic_load(&d.timeouts), 0);
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 1);
}

static void fault_without_a_timeout_handler_resets_the_job(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    struct gs_sched_ops ops = tdrv_ops();
    ops.timedout_job = NULL; /* allowed without a timeout */
    struct gs_sched_args args = tdrv_args(&d, "no-handler", -1, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 1);
    j[0].manual = 1;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].runs) == 1));
    CHECK_EQ(gs_sched_fault(d.sched), 0);
    finishes_with(&j[0], -ETIMEDOUT);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 1);
}

/* ------------------------------------------------------------------ stop, start, for_each_pending */

static void stop_holds_queued_jobs_back_until_start(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 4);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "stopped", -1, GS_POLICY_FIFO), 0);
    CHECK_EQ(gs_sched_stop(d.sched), 0);
    CHECK_EQ(gs_sched_stop(d.sched), 0); /* idempotent */
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 3);
    for (int i = 0; i < 3; i++) {
        j[i].seq = i + 1;
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
    }
    t_sleep_ns(20 * MS); /* room for a wrong run_job to happen */
    CHECK_EQ(atomic_load(&d.runs), 0);
    CHECK_EQ(gs_fence_is_signaled(j[2].finished), 0);
    CHECK_EQ(gs_sched_start(d.sched, 0), 0);
    for (int i = 0; i < 3; i++)
        finishes_with(&j[i], 0);
    CHECK_EQ(atomic_load(&d.order_errors), 0);
    CHECK_EQ(gs_sched_start(d.sched, -EIO), 0); /* not stopped: nothing to do */
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 3);
}

static void stopped_scheduler_ignores_completions_until_start(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 2);
    CHECK_EQ(tdrv_sched(&d, "stopped", -1, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 1);
    j[0].manual = 1;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].runs) == 1));
    CHECK_EQ(gs_sched_stop(d.sched), 0);
    CHECK_EQ(gs_fence_signal(j[0].hw, -EFAULT), 0);
    t_sleep_ns(20 * MS);
    CHECK_EQ(gs_fence_is_signaled(j[0].finished), 0);
    CHECK_EQ(gs_sched_start(d.sched, -EIO), 0);
    finishes_with(&j[0], -EFAULT); /* its hardware fence had signalled: its own error, not start's */
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 1);
}

static void start_with_an_error_ends_the_unsignalled_pending_jobs_with_it(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 3);
    CHECK_EQ(tdrv_sched(&d, "recover", -1, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 3);
    for (int i = 0; i < 3; i++) {
        j[i].manual = 1;
        j[i].seq = i + 1;
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
    }
    CHECK(WAIT_UNTIL(atomic_load(&d.runs) == 3));
    CHECK_EQ(gs_sched_stop(d.sched), 0);
    CHECK_EQ(gs_fence_signal(j[0].hw, 0), 0);
    CHECK_EQ(gs_sched_start(d.sched, -EIO), 0);
    finishes_with(&j[0], 0);
    finishes_with(&j[1], -EIO);
    finishes_with(&j[2], -EIO);
    CHECK(WAIT_UNTIL(atomic_load(&d.frees) == 3));
    CHECK_EQ(gs_fence_signal(j[1].hw, 0), 0); /* too late: changes nothing */
    CHECK_EQ(gs_fence_get_error(j[1].finished), -EIO);
    CHECK_EQ(atomic_load(&d.finish_order_errors), 0);
    CHECK_EQ(gs_entity_error(e), -EIO);
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    CHECK_EQ(atomic_load(&d.free_errors), 0);
    tdrv_fini(&d);
    tjobs_free(j, 3);
}

static void start_with_zero_keeps_unsignalled_jobs_on_the_hardware(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 2);
    CHECK_EQ(tdrv_sched(&d, "recover", -1, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 1);
    j[0].manual = 1;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].runs) == 1));
    CHECK_EQ(gs_sched_stop(d.sched), 0);
    CHECK_EQ(gs_sched_start(d.sched, 0), 0);
    t_sleep_ns(10 * MS);
    CHECK_EQ(gs_fence_is_signaled(j[0].finished), 0); /* still on the hardware */
    CHECK_EQ(gs_fence_signal(j[0].hw, 0), 0);
    finishes_with(&j[0], 0);
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 1);
}

struct visits {
    int n;
    gs_job *jobs[8];
    void *data[8];
};

static void visit(gs_job *job, void *job_data, void *data) {
    struct visits *v = data;
    if (v->n < 8) {
        v->jobs[v->n] = job;
        v->data[v->n] = job_data;
    }
    v->n++;
}

static void for_each_pending_lists_jobs_on_the_hardware_oldest_first_only_while_stopped(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 3);
    CHECK_EQ(tdrv_sched(&d, "pending", -1, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 5);
    for (int i = 0; i < 5; i++) {
        j[i].manual = 1;
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0); /* 3 run (credits), 2 stay queued */
    }
    CHECK(WAIT_UNTIL(atomic_load(&d.runs) == 3));
    struct visits v = {0};
    CHECK_EQ(gs_sched_for_each_pending(d.sched, visit, &v), -EBUSY);
    CHECK_EQ(v.n, 0);
    CHECK_EQ(gs_sched_stop(d.sched), 0);
    CHECK_EQ(gs_fence_signal(j[1].hw, 0), 0); /* signalled but not processed: still pending */
    CHECK_EQ(gs_sched_for_each_pending(d.sched, visit, &v), 0);
    CHECK_EQ(v.n, 3);
    for (int i = 0; i < 3 && i < v.n; i++) {
        CHECK(v.jobs[i] == j[i].handle);
        CHECK(v.data[i] == &j[i]);
    }
    CHECK_EQ(gs_sched_start(d.sched, 0), 0);
    CHECK_EQ(gs_sched_for_each_pending(d.sched, visit, &v), -EBUSY);
    CHECK_EQ(v.n, 3);
    for (int i = 0; i < 5; i++) {
        CHECK(WAIT_UNTIL(atomic_load(&j[i].runs) == 1));
        gs_fence_signal(j[i].hw, 0);
    }
    for (int i = 0; i < 5; i++)
        finishes_with(&j[i], 0);
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 5);
}

/* The kernel's recovery sequence from inside timedout_job: stop, look at the pending jobs,
   start with an error. The guilty job ends as the verdict says (RESET: -ETIMEDOUT), the other
   jobs on the hardware with start's error. */
static atomic_int recovery_visited;
static int recovery_rs[3];

static void count_visit(gs_job *job, void *job_data, void *data) {
    atomic_fetch_add(&recovery_visited, 1);
}

static enum gs_timeout_status recover_in_handler(gs_job *job, void *jd, void *sd) {
    struct tdrv *d = sd;
    atomic_fetch_add(&d->timeouts, 1);
    recovery_rs[0] = gs_sched_stop(d->sched);
    recovery_rs[1] = gs_sched_for_each_pending(d->sched, count_visit, NULL);
    recovery_rs[2] = gs_sched_start(d->sched, -ECANCELED);
    return GS_TIMEOUT_RESET;
}

static void recovery_inside_timedout_job_ends_the_other_pending_jobs_with_the_start_error(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 2);
    struct gs_sched_ops ops = tdrv_ops();
    ops.timedout_job = recover_in_handler;
    struct gs_sched_args args = tdrv_args(&d, "recover", 10 * MS, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 3);
    j[0].manual = j[1].manual = 1;
    j[2].duration_ns = 0;
    tdrv_start_ring(&d);
    CHECK_EQ(gs_sched_stop(d.sched), 0); /* both manual jobs start in one go at start */
    for (int i = 0; i < 3; i++)
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
    CHECK_EQ(gs_sched_start(d.sched, 0), 0);
    finishes_with(&j[0], -ETIMEDOUT);
    finishes_with(&j[1], -ECANCELED);
    finishes_with(&j[2], 0); /* the scheduler runs again after the recovery */
    CHECK_EQ(recovery_rs[0], 0);
    CHECK_EQ(recovery_rs[1], 0);
    CHECK_EQ(recovery_rs[2], 0);
    CHECK_EQ(atomic_load(&recovery_visited), 2);
    CHECK_EQ(atomic_load(&d.timeouts), 1);
    CHECK(WAIT_UNTIL(atomic_load(&d.frees) == 3));
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 3);
}

/* ------------------------------------------------------------------ suspend / resume */

static void suspend_timeout_without_a_timeout_returns_int64_max(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    CHECK_EQ(tdrv_sched(&d, "untimed", -1, GS_POLICY_FIFO), 0);
    CHECK_EQ(gs_sched_suspend_timeout(d.sched), INT64_MAX);
    CHECK_EQ(gs_sched_resume_timeout(d.sched, INT64_MAX), 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
}

static void suspend_timeout_without_a_job_returns_the_full_timeout(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    CHECK_EQ(tdrv_sched(&d, "timed", 1234567890LL, GS_POLICY_FIFO), 0);
    CHECK_EQ(gs_sched_suspend_timeout(d.sched), 1234567890LL);
    CHECK_EQ(gs_sched_resume_timeout(d.sched, 1234567890LL), 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
}

static void suspend_returns_the_time_left_and_resume_gives_the_job_that_much(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    const int64_t timeout = 60000 * MS;
    CHECK_EQ(tdrv_sched(&d, "firmware", timeout, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 1);
    j[0].manual = 1;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].runs) == 1));
    int64_t left = gs_sched_suspend_timeout(d.sched);
    CHECK(left > 0);
    CHECK(left <= timeout);
    CHECK_EQ(atomic_load(&d.timeouts), 0);
    CHECK_EQ(gs_sched_resume_timeout(d.sched, 0), 0); /* no time left: it times out now */
    finishes_with(&j[0], -ETIMEDOUT);
    CHECK_EQ(atomic_load(&d.timeouts), 1);
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 1);
}

/* ------------------------------------------------------------------ timeout verdicts */

static void timeout_reset_ends_the_job_with_etimedout_and_frees_it_without_a_hw_signal(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 2);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "hang", 10 * MS, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 2);
    j[0].hang = 1; /* the ring never completes it */
    j[0].seq = 1;
    j[1].seq = 2;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK_EQ(tjob_submit(&j[1], e, NULL), 0);
    finishes_with(&j[0], -ETIMEDOUT);
    finishes_with(&j[1], 0);
    CHECK(WAIT_UNTIL(atomic_load(&d.frees) == 2));
    CHECK_EQ(atomic_load(&j[0].timeouts), 1);
    CHECK_EQ(atomic_load(&j[0].frees), 1);
    CHECK_EQ(atomic_load(&j[0].finished_before_free), 1);
    CHECK_EQ(gs_fence_is_signaled(j[0].hw), 0);
    CHECK_EQ(gs_entity_error(e), 0); /* the last finished job succeeded */
    CHECK_EQ(atomic_load(&d.finish_order_errors), 0);
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    CHECK_EQ(atomic_load(&d.free_errors), 0);
    tdrv_fini(&d);
    tjobs_free(j, 2);
}

static enum gs_timeout_status reset_after_hw_error(gs_job *job, void *jd, void *sd) {
    struct tjob *t = jd;
    atomic_fetch_add(&t->timeouts, 1);
    gs_fence_signal(t->hw, -EFAULT); /* the reset found the job faulted */
    return GS_TIMEOUT_RESET;
}

static void timeout_reset_keeps_the_error_the_driver_signalled(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    struct gs_sched_ops ops = tdrv_ops();
    ops.timedout_job = reset_after_hw_error;
    struct gs_sched_args args = tdrv_args(&d, "faulted", 5 * MS, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 1);
    j[0].manual = 1;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    finishes_with(&j[0], -EFAULT);
    CHECK_EQ(atomic_load(&j[0].timeouts), 1);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 1);
}

/* NO_HANG the first time; the second time the job completes (its fence signalled from the
   handler) and the handler says NO_HANG again. */
static enum gs_timeout_status no_hang_then_complete(gs_job *job, void *jd, void *sd) {
    struct tjob *t = jd;
    if (atomic_fetch_add(&t->timeouts, 1) + 1 >= 2)
        gs_fence_signal(t->hw, 0);
    return GS_TIMEOUT_NO_HANG;
}

static void timeout_no_hang_rearms_and_the_job_then_completes_normally(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    struct gs_sched_ops ops = tdrv_ops();
    ops.timedout_job = no_hang_then_complete;
    struct gs_sched_args args = tdrv_args(&d, "slow", 5 * MS, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 1);
    j[0].manual = 1;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    finishes_with(&j[0], 0);
    CHECK_EQ(atomic_load(&j[0].timeouts), 2);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    CHECK_EQ(atomic_load(&j[0].timeouts), 2); /* not called again after it completed */
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 1);
}

static void timeout_enodev_stops_the_scheduler_for_good(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    tdrv_start_ring(&d);
    d.verdict = GS_TIMEOUT_ENODEV;
    CHECK_EQ(tdrv_sched(&d, "lost", 10 * MS, GS_POLICY_FIFO), 0);
    gs_entity *a = entity_on(d.sched, GS_PRIORITY_NORMAL), *b = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 5);
    j[0].hang = 1;
    j[0].entity = 0;
    j[1].entity = 0;
    j[2].entity = 1;
    CHECK_EQ(tjob_submit(&j[0], a, NULL), 0);
    CHECK_EQ(tjob_submit(&j[1], a, NULL), 0); /* queued behind it (credit limit 1) */
    CHECK_EQ(tjob_submit(&j[2], b, NULL), 0); /* queued on another entity */
    finishes_with(&j[0], -ENODEV);
    finishes_with(&j[1], -ENODEV);
    finishes_with(&j[2], -ENODEV);
    CHECK_EQ(gs_entity_error(a), -ENODEV);
    /* later submissions, on an old and on a new entity, end with -ENODEV too */
    gs_entity *c = entity_on(d.sched, GS_PRIORITY_HIGH);
    gs_entity *es[2] = {b, c};
    for (int i = 3; i < 5; i++) {
        j[i].entity = i - 2;
        int r = tjob_submit(&j[i], es[i - 3], NULL);
        if (r == 0) {
            finishes_with(&j[i], -ENODEV);
        } else {
            CHECK_EQ(r, -ENODEV);
            gs_job_abort(j[i].handle);
            atomic_fetch_add(&j[i].frees, 1); /* never submitted: nothing to free */
            atomic_fetch_add(&d.frees, 1);
        }
    }
    CHECK(WAIT_UNTIL(atomic_load(&d.frees) == 5));
    CHECK_EQ(atomic_load(&d.runs), 1); /* run_job never again after the verdict */
    CHECK_EQ(atomic_load(&d.timeouts), 1);
    for (int i = 0; i < 5; i++)
        CHECK_EQ(atomic_load(&j[i].frees), 1);
    gs_entity_destroy(a, 0);
    gs_entity_destroy(b, 0);
    gs_entity_destroy(c, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 5);
}

static enum gs_timeout_status unknown_verdict(gs_job *job, void *jd, void *sd) {
    struct tjob *t = jd;
    atomic_fetch_add(&t->timeouts, 1);
    return (enum gs_timeout_status)42;
}

static void unknown_timeout_verdict_counts_as_reset(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    struct gs_sched_ops ops = tdrv_ops();
    ops.timedout_job = unknown_verdict;
    struct gs_sched_args args = tdrv_args(&d, "odd", 5 * MS, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 1);
    j[0].manual = 1;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    finishes_with(&j[0], -ETIMEDOUT);
    CHECK_EQ(atomic_load(&j[0].timeouts), 1);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 1);
}

/* The timeout watches the oldest job from when it became the oldest: a job behind a slow one
   is not blamed for the time it spent waiting behind it. */
static void timeout_watches_only_the_oldest_job_on_the_hardware(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 4);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "watched", 1000 * MS, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 4);
    for (int i = 0; i < 4; i++) {
        j[i].duration_ns = 300 * MS; /* 1.2 s in all, each well within the timeout */
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
    }
    for (int i = 0; i < 4; i++)
        finishes_with(&j[i], 0);
    CHECK_EQ(atomic_load(&d.timeouts), 0);
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 4);
}

/* The largest timeouts mean "practically never": the deadline (start + timeout) must not overflow
   into the past, where the next wake-up of the scheduler (any submission or completion) would
   time the running job out at once. */
static void huge_timeouts_do_not_fire_when_the_scheduler_wakes_for_other_work(void) {
    const int64_t huge[2] = {INT64_MAX, INT64_MAX / 2 + 1};
    for (int k = 0; k < 2; k++) {
        struct tdrv d;
        tdrv_init(&d, "ring", 2);
        CHECK_EQ(tdrv_sched(&d, "patient", huge[k], GS_POLICY_FIFO), 0);
        gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
        struct tjob *j = tjobs_new(&d, 3);
        for (int i = 0; i < 3; i++) {
            j[i].manual = 1; /* the scheduler looks at the timeout whenever something happens */
            CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
            CHECK(i == 2 || WAIT_UNTIL(atomic_load(&j[i].runs) == 1));
            t_sleep_ns(10 * MS);
        }
        CHECK_EQ(atomic_load(&d.timeouts), 0);
        for (int i = 0; i < 3; i++) {
            CHECK(WAIT_UNTIL(atomic_load(&j[i].runs) == 1));
            gs_fence_signal(j[i].hw, 0);
            finishes_with(&j[i], 0);
        }
        CHECK_EQ(gs_sched_resume_timeout(d.sched, INT64_MAX), 0);
        gs_entity_destroy(e, 0);
        gs_sched_destroy(d.sched);
        tdrv_fini(&d);
        tjobs_free(j, 3);
    }
}

static void resume_timeout_with_a_huge_remainder_does_not_fire_when_the_scheduler_wakes(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 2);
    CHECK_EQ(tdrv_sched(&d, "resident", 60000 * MS, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 3);
    j[0].manual = j[1].manual = j[2].manual = 1;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].runs) == 1));
    CHECK(gs_sched_suspend_timeout(d.sched) > 0);
    CHECK_EQ(gs_sched_resume_timeout(d.sched, INT64_MAX - 1), 0);
    CHECK_EQ(tjob_submit(&j[1], e, NULL), 0); /* wakes the scheduler */
    CHECK(WAIT_UNTIL(atomic_load(&j[1].runs) == 1));
    CHECK_EQ(tjob_submit(&j[2], e, NULL), 0);
    t_sleep_ns(10 * MS);
    CHECK_EQ(atomic_load(&d.timeouts), 0);
    for (int i = 0; i < 3; i++) {
        CHECK(WAIT_UNTIL(atomic_load(&j[i].runs) == 1));
        gs_fence_signal(j[i].hw, 0);
        finishes_with(&j[i], 0);
    }
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 3);
}

int main(void) {
    CHECK_EQ(gs_init(NULL), 0);
    RUN(rr_scheduler_runs_every_job_once_in_entity_order);
    RUN(fifo_scheduler_runs_every_job_once_in_entity_order);
    RUN(fair_scheduler_runs_every_job_once_in_entity_order);
    RUN(fifo_runs_higher_priorities_first);
    RUN(rr_runs_higher_priorities_first);
    RUN(set_priority_reorders_waiting_entities);
    RUN(fault_runs_the_timeout_handler_once_for_the_running_job);
    RUN(fault_without_a_running_job_does_nothing);
    RUN(fault_without_a_timeout_handler_resets_the_job);
    RUN(stop_holds_queued_jobs_back_until_start);
    RUN(stopped_scheduler_ignores_completions_until_start);
    RUN(start_with_an_error_ends_the_unsignalled_pending_jobs_with_it);
    RUN(start_with_zero_keeps_unsignalled_jobs_on_the_hardware);
    RUN(for_each_pending_lists_jobs_on_the_hardware_oldest_first_only_while_stopped);
    RUN(recovery_inside_timedout_job_ends_the_other_pending_jobs_with_the_start_error);
    RUN(suspend_timeout_without_a_timeout_returns_int64_max);
    RUN(suspend_timeout_without_a_job_returns_the_full_timeout);
    RUN(suspend_returns_the_time_left_and_resume_gives_the_job_that_much);
    RUN(timeout_reset_ends_the_job_with_etimedout_and_frees_it_without_a_hw_signal);
    RUN(timeout_reset_keeps_the_error_the_driver_signalled);
    RUN(timeout_no_hang_rearms_and_the_job_then_completes_normally);
    RUN(timeout_enodev_stops_the_scheduler_for_good);
    RUN(unknown_timeout_verdict_counts_as_reset);
    RUN(timeout_watches_only_the_oldest_job_on_the_hardware);
    RUN(huge_timeouts_do_not_fire_when_the_scheduler_wakes_for_other_work);
    RUN(resume_timeout_with_a_huge_remainder_does_not_fire_when_the_scheduler_wakes);
    CHECK_EXIT();
}
