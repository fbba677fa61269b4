/* Bad input to the scheduler, entity and job functions of the C ABI: NULL, stale (after
   destroy, free_job, abort), foreign (random values, pointers to locals) and wrong-type
   handles, bad enums and sizes, missing callbacks, double submit and destroy, signalling a
   scheduler fence, bad fences handed back by the driver, and blocking calls inside callbacks.
   Each answer is the exact error value the header documents. (Fence and timeline functions:
   test_fences.c.) */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "gpusched.h"
#include "tdriver.h"

#define MS 1000000LL

static struct tdrv good;     /* a live scheduler for the checks that need one */
static gs_entity *good_e;
static gs_fence *good_f;     /* a live driver fence */

static gs_entity *entity_on(gs_sched *s, enum gs_priority prio) {
    gs_entity *e = NULL;
    CHECK_EQ(gs_entity_create(&s, 1, prio, &e), 0);
    return e;
}

static void visit_nothing(gs_job *job, void *jd, void *data) {
    atomic_fetch_add((atomic_int *)data, 1);
}

/* Every scheduler function must reject `bad`. */
static void sched_rejected(gs_sched *bad, int line) {
    int before = check_failed_in_test;
    check_failed_in_test = 0;
    atomic_int visits = 0;
    gs_entity *e = (gs_entity *)0x1;
    CHECK_EQ(gs_sched_fault(bad), -EBADF);
    CHECK_EQ(gs_sched_stop(bad), -EBADF);
    CHECK_EQ(gs_sched_start(bad, 0), -EBADF);
    CHECK_EQ(gs_sched_start(bad, -EIO), -EBADF);
    CHECK_EQ(gs_sched_for_each_pending(bad, visit_nothing, &visits), -EBADF);
    CHECK_EQ(gs_sched_suspend_timeout(bad), -EBADF);
    CHECK_EQ(gs_sched_resume_timeout(bad, 0), -EBADF);
    CHECK_EQ(gs_entity_create(&bad, 1, GS_PRIORITY_NORMAL, &e), -EBADF);
    CHECK(e == (gs_entity *)0x1);
    gs_sched *mixed[2] = {good.sched, bad};
    CHECK_EQ(gs_entity_create(mixed, 2, GS_PRIORITY_NORMAL, &e), -EBADF);
    CHECK_EQ(gs_entity_set_schedulers(good_e, &bad, 1), -EBADF);
    CHECK_EQ(gs_entity_set_schedulers(good_e, mixed, 2), -EBADF);
    gs_sched_destroy(bad); /* ignored */
    CHECK_EQ(atomic_load(&visits), 0);
    if (check_failed_in_test)
        fprintf(stderr, "  (for the scheduler handle %p of line %d)\n", (void *)bad, line);
    check_failed_in_test |= before;
}
#define SCHED_REJECTED(bad) sched_rejected((gs_sched *)(bad), __LINE__)

/* Every entity function must reject `bad`. */
static void entity_rejected(gs_entity *bad, int line) {
    int before = check_failed_in_test;
    check_failed_in_test = 0;
    gs_job *j = (gs_job *)0x1;
    CHECK_EQ(gs_entity_set_priority(bad, GS_PRIORITY_HIGH), -EBADF);
    CHECK_EQ(gs_entity_set_schedulers(bad, &good.sched, 1), -EBADF);
    CHECK_EQ(gs_entity_error(bad), -EBADF);
    CHECK_EQ(gs_entity_destroy(bad, 0), -EBADF);
    CHECK_EQ(gs_entity_destroy(bad, -1), -EBADF); /* and does not block */
    CHECK_EQ(gs_job_create(bad, 1, NULL, &j), -EBADF);
    CHECK(j == (gs_job *)0x1);
    if (check_failed_in_test)
        fprintf(stderr, "  (for the entity handle %p of line %d)\n", (void *)bad, line);
    check_failed_in_test |= before;
}
#define ENTITY_REJECTED(bad) entity_rejected((gs_entity *)(bad), __LINE__)

/* Every job function must reject `bad`. */
static void job_rejected(gs_job *bad, int line) {
    int before = check_failed_in_test;
    check_failed_in_test = 0;
    gs_fence *s = (gs_fence *)0x1, *f = (gs_fence *)0x1;
    CHECK_EQ(gs_job_add_dependency(bad, good_f), -EBADF);
    CHECK_EQ(gs_job_submit(bad, &s, &f), -EBADF);
    CHECK(s == (gs_fence *)0x1 && f == (gs_fence *)0x1);
    CHECK(gs_job_finished_fence(bad) == NULL);
    gs_job_abort(bad); /* ignored */
    if (check_failed_in_test)
        fprintf(stderr, "  (for the job handle %p of line %d)\n", (void *)bad, line);
    check_failed_in_test |= before;
}
#define JOB_REJECTED(bad) job_rejected((gs_job *)(bad), __LINE__)

/* After all that, the real objects still work. */
static void good_objects_still_work(void) {
    struct tjob *j = tjobs_new(&good, 1);
    CHECK_EQ(tjob_submit(&j[0], good_e, NULL), 0);
    CHECK_EQ(gs_fence_wait(j[0].finished, T_WAIT_NS), 0);
    CHECK_EQ(gs_fence_get_error(j[0].finished), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    tjobs_free(j, 1);
    CHECK_EQ(gs_fence_is_signaled(good_f), 0);
}

/* ------------------------------------------------------------------ NULL, foreign, wrong type */

static void every_function_rejects_null_handles(void) {
    SCHED_REJECTED(NULL);
    ENTITY_REJECTED(NULL);
    JOB_REJECTED(NULL);
    CHECK_EQ(gs_job_add_dependency(NULL, NULL), -EBADF);
    good_objects_still_work();
}

static void every_function_rejects_foreign_values(void) {
    int local = 0;
    char buf[64];
    void *foreign[] = {&local, buf, buf + 3, &good, (void *)&every_function_rejects_foreign_values,
                       (void *)1, (void *)(uintptr_t)-1, (void *)0xdeadbeef, (void *)0x7fffffffffffull};
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
        SCHED_REJECTED(foreign[i]);
        ENTITY_REJECTED(foreign[i]);
        JOB_REJECTED(foreign[i]);
    }
    uint64_t seed = 0xd1b54a32d192ed03ull, x = seed; /* seeded: a failure replays */
    for (int i = 0; i < 500; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int failed = check_failed_in_test;
        SCHED_REJECTED(x);
        ENTITY_REJECTED(x);
        JOB_REJECTED(x);
        if (check_failed_in_test && !failed)
            fprintf(stderr, "  (seed 0x%llx, value %d)\n", (unsigned long long)seed, i);
    }
    /* the live handles' slots with other generations */
    uintptr_t live[3] = {(uintptr_t)good.sched, (uintptr_t)good_e, (uintptr_t)good_f};
    for (int k = 0; k < 3; k++)
        for (uint64_t g = 1; g < 32; g++) {
            uintptr_t v = (live[k] & 0xffffffffu) | (uintptr_t)(g << 32);
            if (v == live[k])
                continue;
            SCHED_REJECTED(v);
            ENTITY_REJECTED(v);
            JOB_REJECTED(v);
        }
    good_objects_still_work();
}

static void every_function_rejects_handles_of_another_type(void) {
    gs_timeline *tl = good.tl;
    struct tjob *j = tjobs_new(&good, 1);
    gs_job *job;
    CHECK_EQ(gs_job_create(good_e, 1, &j[0], &job), 0);
    /* a fence, a timeline, an entity and a job passed as a scheduler, and so on */
    SCHED_REJECTED(good_f);
    SCHED_REJECTED(tl);
    SCHED_REJECTED(good_e);
    SCHED_REJECTED(job);
    ENTITY_REJECTED(good.sched);
    ENTITY_REJECTED(good_f);
    ENTITY_REJECTED(job);
    JOB_REJECTED(good.sched);
    JOB_REJECTED(good_e);
    JOB_REJECTED(good_f);
    JOB_REJECTED(tl);
    CHECK_EQ(gs_job_add_dependency(job, (gs_fence *)job), -EBADF);
    CHECK_EQ(gs_job_add_dependency(job, (gs_fence *)good_e), -EBADF);
    CHECK_EQ(gs_job_add_dependency(job, (gs_fence *)tl), -EBADF);
    CHECK_EQ(gs_fence_signal((gs_fence *)job, 0), -EBADF);
    CHECK_EQ(gs_fence_is_signaled((gs_fence *)good.sched), -EBADF);
    CHECK_EQ(gs_fence_create((gs_timeline *)good_f, &j[0].hw), -EBADF);
    gs_fence_put((gs_fence *)good_e);     /* ignored: not a fence */
    gs_timeline_put((gs_timeline *)job);  /* ignored: not a timeline */
    /* the same slot and generation with another type tag */
    for (uintptr_t tag = 0; tag < 16; tag++) {
        uintptr_t base[3] = {(uintptr_t)good.sched & ~(uintptr_t)15, (uintptr_t)good_e & ~(uintptr_t)15,
                             (uintptr_t)job & ~(uintptr_t)15};
        if ((base[0] | tag) != (uintptr_t)good.sched)
            SCHED_REJECTED(base[0] | tag);
        if ((base[1] | tag) != (uintptr_t)good_e)
            ENTITY_REJECTED(base[1] | tag);
        if ((base[2] | tag) != (uintptr_t)job)
            JOB_REJECTED(base[2] | tag);
    }
    CHECK_EQ(gs_job_submit(job, NULL, &j[0].finished), 0); /* the job survived all of it */
    CHECK_EQ(gs_fence_wait(j[0].finished, T_WAIT_NS), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    tjobs_free(j, 1);
    good_objects_still_work();
}

/* ------------------------------------------------------------------ stale handles */

static void scheduler_functions_reject_a_destroyed_scheduler(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    CHECK_EQ(tdrv_sched(&d, "short-lived", 1000 * MS, GS_POLICY_FIFO), 0);
    gs_sched *s = d.sched;
    gs_sched_destroy(s);
    SCHED_REJECTED(s);
    gs_sched_destroy(s); /* a second destroy is ignored */
    tdrv_fini(&d);
    good_objects_still_work();
}

static void entity_functions_reject_a_destroyed_entity(void) {
    gs_entity *e = entity_on(good.sched, GS_PRIORITY_LOW);
    CHECK_EQ(gs_entity_destroy(e, 0), 0);
    ENTITY_REJECTED(e);
    CHECK_EQ(gs_entity_destroy(e, 0), -EBADF); /* double destroy */
    good_objects_still_work();
}

static void job_functions_reject_an_aborted_or_freed_job(void) {
    gs_job *aborted;
    CHECK_EQ(gs_job_create(good_e, 1, NULL, &aborted), 0);
    gs_job_abort(aborted);
    JOB_REJECTED(aborted);
    struct tjob *j = tjobs_new(&good, 1);
    CHECK_EQ(tjob_submit(&j[0], good_e, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    JOB_REJECTED(j[0].handle);
    tjobs_free(j, 1);
    good_objects_still_work();
}

static void jobs_of_a_destroyed_entity_cannot_be_submitted(void) {
    gs_entity *e = entity_on(good.sched, GS_PRIORITY_NORMAL);
    gs_job *job;
    CHECK_EQ(gs_job_create(e, 1, NULL, &job), 0);
    CHECK_EQ(gs_entity_destroy(e, 0), 0);
    CHECK_EQ(gs_job_submit(job, NULL, NULL), -ENODEV); /* then abort it */
    gs_job_abort(job);
    JOB_REJECTED(job);
    good_objects_still_work();
}

static void entity_create_on_a_destroyed_scheduler_is_rejected(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    CHECK_EQ(tdrv_sched(&d, "gone", -1, GS_POLICY_FIFO), 0);
    gs_sched *s = d.sched;
    gs_sched_destroy(s);
    gs_entity *e = (gs_entity *)0x1;
    CHECK_EQ(gs_entity_create(&s, 1, GS_PRIORITY_NORMAL, &e), -EBADF); /* the handle is stale */
    CHECK(e == (gs_entity *)0x1);
    tdrv_fini(&d);
}

/* ------------------------------------------------------------------ bad arguments */

static void sched_create_rejects_null_pointers(void) {
    struct gs_sched_ops ops = tdrv_ops();
    struct gs_sched_args args = tdrv_args(&good, "x", -1, GS_POLICY_FIFO);
    gs_sched *s = (gs_sched *)0x1;
    CHECK_EQ(gs_sched_create(NULL, &ops, &s), -EINVAL);
    CHECK_EQ(gs_sched_create(&args, NULL, &s), -EINVAL);
    CHECK_EQ(gs_sched_create(&args, &ops, NULL), -EINVAL);
    args.name = NULL;
    CHECK_EQ(gs_sched_create(&args, &ops, &s), -EINVAL);
    CHECK(s == (gs_sched *)0x1);
}

static void sched_create_rejects_wrong_struct_sizes(void) {
    const size_t bad[] = {0, 1, sizeof(struct gs_sched_args) - 8, sizeof(struct gs_sched_args) - 1,
                          sizeof(struct gs_sched_args) + 1, sizeof(struct gs_sched_args) + 8, (size_t)1 << 40,
                          SIZE_MAX};
    gs_sched *s = (gs_sched *)0x1;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct gs_sched_ops ops = tdrv_ops();
        struct gs_sched_args args = tdrv_args(&good, "x", -1, GS_POLICY_FIFO);
        args.size = bad[i];
        CHECK_EQ(gs_sched_create(&args, &ops, &s), -EINVAL);
        args.size = sizeof args;
        ops.size = bad[i];
        CHECK_EQ(gs_sched_create(&args, &ops, &s), -EINVAL);
    }
    CHECK(s == (gs_sched *)0x1);
}

static void sched_create_rejects_credit_limit_zero(void) {
    struct gs_sched_ops ops = tdrv_ops();
    struct gs_sched_args args = tdrv_args(&good, "x", -1, GS_POLICY_FIFO);
    args.credit_limit = 0;
    gs_sched *s = (gs_sched *)0x1;
    CHECK_EQ(gs_sched_create(&args, &ops, &s), -EINVAL);
    CHECK(s == (gs_sched *)0x1);
    args.credit_limit = UINT32_MAX; /* huge is fine */
    CHECK_EQ(gs_sched_create(&args, &ops, &s), 0);
    gs_sched_destroy(s);
}

static void sched_create_rejects_unknown_policies(void) {
    struct gs_sched_ops ops = tdrv_ops();
    struct gs_sched_args args = tdrv_args(&good, "x", -1, GS_POLICY_FIFO);
    const int bad[] = {3, 9, -1, 1000, INT32_MIN};
    gs_sched *s = (gs_sched *)0x1;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        args.policy = (enum gs_policy)bad[i];
        CHECK_EQ(gs_sched_create(&args, &ops, &s), -EINVAL);
    }
    CHECK(s == (gs_sched *)0x1);
}

static void sched_create_requires_run_job(void) {
    struct gs_sched_ops ops = tdrv_ops();
    ops.run_job = NULL;
    struct gs_sched_args args = tdrv_args(&good, "x", -1, GS_POLICY_FIFO);
    gs_sched *s = (gs_sched *)0x1;
    CHECK_EQ(gs_sched_create(&args, &ops, &s), -EINVAL);
    CHECK(s == (gs_sched *)0x1);
}

static void sched_create_requires_timedout_job_with_a_timeout(void) {
    struct gs_sched_ops ops = tdrv_ops();
    ops.timedout_job = NULL;
    struct gs_sched_args args = tdrv_args(&good, "x", 0, GS_POLICY_FIFO);
    gs_sched *s = (gs_sched *)0x1;
    CHECK_EQ(gs_sched_create(&args, &ops, &s), -EINVAL); /* 0 is a timeout too */
    args.timeout_ns = 1000 * MS;
    CHECK_EQ(gs_sched_create(&args, &ops, &s), -EINVAL);
    CHECK(s == (gs_sched *)0x1);
    args.timeout_ns = INT64_MIN; /* no timeout: no handler needed */
    CHECK_EQ(gs_sched_create(&args, &ops, &s), 0);
    gs_sched_destroy(s);
    struct gs_sched_ops minimal = {.size = sizeof minimal, .run_job = tdrv_run}; /* every optional one left out */
    args.timeout_ns = -1;
    CHECK_EQ(gs_sched_create(&args, &minimal, &s), 0);
    gs_sched_destroy(s);
}

static void sched_start_rejects_errors_outside_the_errno_range(void) {
    CHECK_EQ(gs_sched_stop(good.sched), 0);
    CHECK_EQ(gs_sched_start(good.sched, 1), -EINVAL);
    CHECK_EQ(gs_sched_start(good.sched, -4096), -EINVAL);
    CHECK_EQ(gs_sched_start(good.sched, INT32_MIN), -EINVAL);
    atomic_int visits = 0;
    CHECK_EQ(gs_sched_for_each_pending(good.sched, visit_nothing, &visits), 0); /* still stopped */
    CHECK_EQ(gs_sched_start(good.sched, -4095), 0);
    CHECK_EQ(gs_sched_for_each_pending(good.sched, visit_nothing, &visits), -EBUSY);
    good_objects_still_work();
}

static void for_each_pending_rejects_a_null_visitor(void) {
    CHECK_EQ(gs_sched_stop(good.sched), 0);
    CHECK_EQ(gs_sched_for_each_pending(good.sched, NULL, NULL), -EINVAL);
    CHECK_EQ(gs_sched_start(good.sched, 0), 0);
}

static void resume_timeout_rejects_a_negative_time(void) {
    CHECK_EQ(gs_sched_resume_timeout(good.sched, -1), -EINVAL);
    CHECK_EQ(gs_sched_resume_timeout(good.sched, INT64_MIN), -EINVAL);
    CHECK_EQ(gs_sched_resume_timeout(good.sched, 0), 0);
}

static void entity_create_rejects_bad_arguments(void) {
    gs_entity *e = (gs_entity *)0x1;
    gs_sched *s = good.sched;
    CHECK_EQ(gs_entity_create(NULL, 1, GS_PRIORITY_NORMAL, &e), -EINVAL);
    CHECK_EQ(gs_entity_create(&s, 0, GS_PRIORITY_NORMAL, &e), -EINVAL);
    CHECK_EQ(gs_entity_create(&s, 1, GS_PRIORITY_NORMAL, NULL), -EINVAL);
    const int prios[] = {4, 7, -1, 255, INT32_MIN};
    for (size_t i = 0; i < sizeof prios / sizeof prios[0]; i++)
        CHECK_EQ(gs_entity_create(&s, 1, (enum gs_priority)prios[i], &e), -EINVAL);
    CHECK(e == (gs_entity *)0x1);
}

static void set_priority_rejects_unknown_priorities(void) {
    const int prios[] = {4, 7, -1, INT32_MAX};
    for (size_t i = 0; i < sizeof prios / sizeof prios[0]; i++)
        CHECK_EQ(gs_entity_set_priority(good_e, (enum gs_priority)prios[i]), -EINVAL);
    CHECK_EQ(gs_entity_set_priority(good_e, GS_PRIORITY_KERNEL), 0);
    CHECK_EQ(gs_entity_set_priority(good_e, GS_PRIORITY_NORMAL), 0);
    good_objects_still_work();
}

static void set_schedulers_rejects_null_or_an_empty_list(void) {
    CHECK_EQ(gs_entity_set_schedulers(good_e, NULL, 1), -EINVAL);
    CHECK_EQ(gs_entity_set_schedulers(good_e, &good.sched, 0), -EINVAL);
    CHECK_EQ(gs_entity_set_schedulers(good_e, NULL, 0), -EINVAL);
    good_objects_still_work();
}

static void job_create_rejects_zero_credits_or_a_null_out(void) {
    gs_job *j = (gs_job *)0x1;
    CHECK_EQ(gs_job_create(good_e, 0, NULL, &j), -EINVAL);
    CHECK(j == (gs_job *)0x1);
    CHECK_EQ(gs_job_create(good_e, 1, NULL, NULL), -EINVAL);
    good_objects_still_work();
}

static void add_dependency_rejects_bad_fences(void) {
    gs_job *job;
    CHECK_EQ(gs_job_create(good_e, 1, NULL, &job), 0);
    int local;
    CHECK_EQ(gs_job_add_dependency(job, NULL), -EBADF);
    CHECK_EQ(gs_job_add_dependency(job, (gs_fence *)&local), -EBADF);
    gs_fence *stale;
    CHECK_EQ(gs_fence_create(good.tl, &stale), 0);
    gs_fence_put(stale);
    CHECK_EQ(gs_job_add_dependency(job, stale), -EBADF);
    gs_job_abort(job);
    good_objects_still_work();
}

static void scheduler_fences_cannot_be_signalled_by_the_driver(void) {
    struct tjob *j = tjobs_new(&good, 1);
    j[0].manual = 1; /* alive until we signal its hardware fence */
    gs_job *job;
    gs_fence *sched, *fin;
    CHECK_EQ(gs_job_create(good_e, 1, &j[0], &job), 0);
    CHECK_EQ(gs_job_submit(job, &sched, &fin), 0);
    gs_fence *again = gs_job_finished_fence(job);
    CHECK_EQ(gs_fence_signal(sched, 0), -EPERM);
    CHECK_EQ(gs_fence_signal(fin, -EIO), -EPERM);
    CHECK_EQ(gs_fence_signal(again, 1), -EPERM); /* the permission is checked first */
    CHECK(WAIT_UNTIL(atomic_load(&j[0].runs) == 1));
    CHECK_EQ(gs_fence_is_signaled(fin), 0); /* none of it signalled anything */
    CHECK_EQ(gs_fence_signal(j[0].hw, 0), 0);
    CHECK_EQ(gs_fence_wait(fin, T_WAIT_NS), 0);
    CHECK_EQ(gs_fence_signal(fin, 0), -EPERM);    /* also once signalled */
    CHECK_EQ(gs_fence_get_error(fin), 0);
    gs_fence_put(again);
    gs_fence_put(sched);
    gs_fence_put(fin);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    tjobs_free(j, 1);
}

/* ------------------------------------------------------------------ bad fences from the driver */

static gs_fence *bad_out;

static int run_returns_bad_fence(gs_job *job, void *jd, void *sd, gs_fence **out) {
    atomic_fetch_add(&((struct tjob *)jd)->runs, 1);
    *out = bad_out;
    return 0;
}

static int prepare_returns_bad_fence(gs_job *job, void *jd, void *sd, gs_fence **out) {
    struct tjob *t = jd;
    if (atomic_fetch_add(&t->prepares, 1) == 0)
        *out = bad_out;
    return 0;
}

static void driver_handing_back_a_bad_fence(int in_prepare) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    tdrv_start_ring(&d);
    struct gs_sched_ops ops = tdrv_ops();
    if (in_prepare)
        ops.prepare_job = prepare_returns_bad_fence;
    else
        ops.run_job = run_returns_bad_fence;
    struct gs_sched_args args = tdrv_args(&d, "sloppy", -1, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    gs_fence *stale;
    CHECK_EQ(gs_fence_create(d.tl, &stale), 0);
    gs_fence_put(stale);
    int local;
    gs_fence *bads[] = {(gs_fence *)&local, (gs_fence *)0x12345, stale, (gs_fence *)e, (gs_fence *)d.tl};
    enum { NB = sizeof bads / sizeof bads[0] };
    struct tjob *j = tjobs_new(&d, NB);
    for (int i = 0; i < NB; i++) {
        bad_out = bads[i];
        j[i].seq = i + 1;
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
        CHECK_EQ(gs_fence_wait(j[i].finished, T_WAIT_NS), 0);
        CHECK_EQ(gs_fence_get_error(j[i].finished), -EIO); /* the job fails, nothing else */
        CHECK(WAIT_UNTIL(atomic_load(&j[i].frees) == 1));
    }
    CHECK_EQ(gs_entity_destroy(e, 0), 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, NB);
}

static void run_job_handing_back_a_bad_fence_fails_only_that_job(void) {
    driver_handing_back_a_bad_fence(0);
}

static void prepare_job_handing_back_a_bad_fence_fails_only_that_job(void) {
    driver_handing_back_a_bad_fence(1);
}

static gs_fence *prep_handed;

static int prepare_fails_with_a_fence(gs_job *job, void *jd, void *sd, gs_fence **out) {
    struct tdrv *d = sd;
    gs_fence_create(d->tl, &prep_handed);
    *out = prep_handed;
    return -ENOMEM;
}

static void prepare_job_error_drops_the_fence_it_handed_over(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    struct gs_sched_ops ops = tdrv_ops();
    ops.prepare_job = prepare_fails_with_a_fence;
    struct gs_sched_args args = tdrv_args(&d, "prep", -1, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 1);
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK_EQ(gs_fence_wait(j[0].finished, T_WAIT_NS), 0);
    CHECK(gs_fence_get_error(j[0].finished) < 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    CHECK_EQ(gs_fence_is_signaled(prep_handed), -EBADF); /* the scheduler dropped its reference */
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 1);
}

/* ------------------------------------------------------------------ blocking inside callbacks */

struct inside {
    gs_fence *pending;      /* a driver fence nobody signals during the test */
    gs_entity *victim;      /* an entity the callback tries to destroy */
    gs_sched *sched;        /* the scheduler the callback tries to destroy */
    gs_sched *other_sched;
    int wait_r, wait_forever_r, edestroy_r, edestroy_forever_r, own_destroy_r;
    int submit_r;           /* a job submitted from inside the callback */
    gs_entity *submit_to;
    struct tjob *submitted;
    atomic_int calls;
};

static struct inside in_run, in_free, in_timeout, in_fence;

static void try_blocking(struct inside *x, gs_entity *own) {
    x->wait_r = gs_fence_wait(x->pending, 100 * MS);
    x->wait_forever_r = gs_fence_wait(x->pending, -1);
    x->edestroy_r = gs_entity_destroy(x->victim, 0);
    x->edestroy_forever_r = gs_entity_destroy(x->victim, -1);
    if (own != NULL)
        x->own_destroy_r = gs_entity_destroy(own, 0);
    gs_sched_destroy(x->sched);       /* ignored in a callback */
    gs_sched_destroy(x->other_sched); /* also another scheduler's */
    if (x->submit_to != NULL && x->submitted != NULL)
        x->submit_r = tjob_submit(x->submitted, x->submit_to, NULL);
    atomic_fetch_add(&x->calls, 1);
}

static gs_entity *cb_entity;

static int run_tries_blocking(gs_job *job, void *jd, void *sd, gs_fence **out) {
    if (atomic_load(&in_run.calls) == 0)
        try_blocking(&in_run, cb_entity);
    return tdrv_run(job, jd, sd, out);
}

static void free_tries_blocking(gs_job *job, void *jd, void *sd) {
    if (atomic_load(&in_free.calls) == 0)
        try_blocking(&in_free, cb_entity);
    tdrv_free(job, jd, sd);
}

static enum gs_timeout_status timeout_tries_blocking(gs_job *job, void *jd, void *sd) {
    if (atomic_load(&in_timeout.calls) == 0)
        try_blocking(&in_timeout, cb_entity);
    struct tjob *t = jd;
    gs_fence_signal(t->hw, 0);
    return GS_TIMEOUT_NO_HANG;
}

static void fence_cb_tries_blocking(gs_fence *f, void *data) {
    try_blocking(&in_fence, cb_entity);
}

static void check_refused(struct inside *x, const char *where) {
    int before = check_failed_in_test;
    check_failed_in_test = 0;
    CHECK_EQ(atomic_load(&x->calls), 1);
    CHECK_EQ(x->wait_r, -EDEADLK);
    CHECK_EQ(x->wait_forever_r, -EDEADLK);
    CHECK_EQ(x->edestroy_r, -EDEADLK);
    CHECK_EQ(x->edestroy_forever_r, -EDEADLK);
    CHECK_EQ(x->own_destroy_r, -EDEADLK);
    CHECK_EQ(x->submit_r, 0);
    if (check_failed_in_test)
        fprintf(stderr, "  (inside %s)\n", where);
    check_failed_in_test |= before;
}

static void blocking_calls_inside_callbacks_are_refused_and_submitting_is_allowed(void) {
    struct tdrv d, other;
    tdrv_init(&d, "ring", 1);
    tdrv_init(&other, "other-ring", 1);
    tdrv_start_ring(&d);
    tdrv_start_ring(&other);
    CHECK_EQ(tdrv_sched(&other, "other", -1, GS_POLICY_FIFO), 0);
    struct gs_sched_ops ops = tdrv_ops();
    ops.run_job = run_tries_blocking;
    ops.free_job = free_tries_blocking;
    ops.timedout_job = timeout_tries_blocking;
    struct gs_sched_args args = tdrv_args(&d, "reentrant", 20 * MS, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    cb_entity = entity_on(d.sched, GS_PRIORITY_NORMAL);
    gs_entity *victim = entity_on(other.sched, GS_PRIORITY_NORMAL);
    gs_entity *target = entity_on(other.sched, GS_PRIORITY_NORMAL);
    gs_fence *pending;
    CHECK_EQ(gs_fence_create(d.tl, &pending), 0);
    struct tjob *sub = tjobs_new(&other, 4);
    struct inside *all[4] = {&in_run, &in_free, &in_timeout, &in_fence};
    for (int i = 0; i < 4; i++) {
        all[i]->pending = pending;
        all[i]->victim = victim;
        all[i]->sched = d.sched;
        all[i]->other_sched = other.sched;
        all[i]->submit_to = target;
        all[i]->submitted = &sub[i];
        sub[i].entity = 1;
        sub[i].seq = 0;
    }
    struct tjob *j = tjobs_new(&d, 2);
    j[0].manual = 1; /* completed by the timeout handler: exercises timedout_job */
    CHECK_EQ(tjob_submit(&j[0], cb_entity, NULL), 0);
    CHECK_EQ(gs_fence_add_callback(j[0].finished, fence_cb_tries_blocking, NULL), 0);
    CHECK_EQ(gs_fence_wait(j[0].finished, T_WAIT_NS), 0);
    CHECK(WAIT_UNTIL(atomic_load(&in_free.calls) == 1 && atomic_load(&in_fence.calls) == 1));
    check_refused(&in_run, "run_job");
    check_refused(&in_timeout, "timedout_job");
    check_refused(&in_free, "free_job");
    check_refused(&in_fence, "a fence callback");
    /* nothing was destroyed: the scheduler, the entities and the fence all still work */
    CHECK_EQ(tjob_submit(&j[1], cb_entity, NULL), 0);
    CHECK_EQ(gs_fence_wait(j[1].finished, T_WAIT_NS), 0);
    CHECK_EQ(gs_fence_get_error(j[1].finished), 0);
    CHECK_EQ(gs_entity_error(victim), 0);
    CHECK_EQ(gs_fence_is_signaled(pending), 0);
    for (int i = 0; i < 4; i++) { /* the jobs submitted from inside the callbacks ran */
        CHECK_EQ(gs_fence_wait(sub[i].finished, T_WAIT_NS), 0);
        CHECK_EQ(gs_fence_get_error(sub[i].finished), 0);
    }
    CHECK(WAIT_UNTIL(atomic_load(&d.frees) == 2 && atomic_load(&other.frees) == 4));
    CHECK_EQ(gs_sched_fault(d.sched), 0);
    CHECK_EQ(gs_sched_fault(other.sched), 0);
    CHECK_EQ(gs_entity_destroy(victim, 0), 0);
    CHECK_EQ(gs_entity_destroy(target, 0), 0);
    CHECK_EQ(gs_entity_destroy(cb_entity, 0), 0);
    gs_sched_destroy(d.sched);
    gs_sched_destroy(other.sched);
    gs_fence_signal(pending, 0);
    gs_fence_put(pending);
    tdrv_fini(&d);
    tdrv_fini(&other);
    tjobs_free(j, 2);
    tjobs_free(sub, 4);
}

/* gs_sched_destroy runs cancel_job and free_job on the destroying thread: blocking calls are
   refused there too (they would wait for the teardown that is calling them). */
static struct inside in_cancel;
static int cancel_wait_r = 1;

static void cancel_tries_waiting(gs_job *job, void *jd, void *sd) {
    cancel_wait_r = gs_fence_wait(in_cancel.pending, -1);
    tdrv_cancel(job, jd, sd);
}

static void blocking_calls_inside_teardown_callbacks_are_refused(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    struct gs_sched_ops ops = tdrv_ops();
    ops.cancel_job = cancel_tries_waiting;
    struct gs_sched_args args = tdrv_args(&d, "teardown", -1, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    CHECK_EQ(gs_fence_create(d.tl, &in_cancel.pending), 0);
    struct tjob *j = tjobs_new(&d, 1);
    j[0].manual = 1;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].runs) == 1));
    gs_sched_destroy(d.sched);
    CHECK_EQ(cancel_wait_r, -EDEADLK);
    CHECK_EQ(gs_fence_get_error(j[0].finished), -ECANCELED);
    CHECK_EQ(atomic_load(&j[0].frees), 1);
    gs_entity_destroy(e, 0);
    gs_fence_put(in_cancel.pending);
    tdrv_fini(&d);
    tjobs_free(j, 1);
}

int main(void) {
    CHECK_EQ(gs_init(NULL), 0);
    tdrv_init(&good, "good-ring", 2);
    tdrv_start_ring(&good);
    CHECK_EQ(tdrv_sched(&good, "good", 10000 * MS, GS_POLICY_FAIR), 0);
    good_e = entity_on(good.sched, GS_PRIORITY_NORMAL);
    CHECK_EQ(gs_fence_create(good.tl, &good_f), 0);

    RUN(every_function_rejects_null_handles);
    RUN(every_function_rejects_foreign_values);
    RUN(every_function_rejects_handles_of_another_type);
    RUN(scheduler_functions_reject_a_destroyed_scheduler);
    RUN(entity_functions_reject_a_destroyed_entity);
    RUN(job_functions_reject_an_aborted_or_freed_job);
    RUN(jobs_of_a_destroyed_entity_cannot_be_submitted);
    RUN(entity_create_on_a_destroyed_scheduler_is_rejected);
    RUN(sched_create_rejects_null_pointers);
    RUN(sched_create_rejects_wrong_struct_sizes);
    RUN(sched_create_rejects_credit_limit_zero);
    RUN(sched_create_rejects_unknown_policies);
    RUN(sched_create_requires_run_job);
    RUN(sched_create_requires_timedout_job_with_a_timeout);
    RUN(sched_start_rejects_errors_outside_the_errno_range);
    RUN(for_each_pending_rejects_a_null_visitor);
    RUN(resume_timeout_rejects_a_negative_time);
    RUN(entity_create_rejects_bad_arguments);
    RUN(set_priority_rejects_unknown_priorities);
    RUN(set_schedulers_rejects_null_or_an_empty_list);
    RUN(job_create_rejects_zero_credits_or_a_null_out);
    RUN(add_dependency_rejects_bad_fences);
    RUN(scheduler_fences_cannot_be_signalled_by_the_driver);
    RUN(run_job_handing_back_a_bad_fence_fails_only_that_job);
    RUN(prepare_job_handing_back_a_bad_fence_fails_only_that_job);
    RUN(prepare_job_error_drops_the_fence_it_handed_over);
    RUN(blocking_calls_inside_callbacks_are_refused_and_submitting_is_allowed);
    RUN(blocking_calls_inside_teardown_callbacks_are_refused);

    CHECK_EQ(gs_entity_destroy(good_e, 0), 0);
    gs_sched_destroy(good.sched);
    gs_fence_put(good_f);
    tdrv_fini(&good);
    CHECK_EXIT();
}
