/* Entities and jobs through the C ABI: creation on one and several schedulers, set_priority,
   set_schedulers, error(), job create/submit/abort, the fences of a job, dependencies (explicit
   and from prepare_job), the driver's run_job return values, and credits. */
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

/* One driver with a running ring, one scheduler and one entity: the common set-up. */
struct rig {
    struct tdrv d;
    gs_entity *e;
};

static void rig_up(struct rig *r, uint32_t credits, int ring) {
    tdrv_init(&r->d, "ring", credits);
    if (ring)
        tdrv_start_ring(&r->d);
    CHECK_EQ(tdrv_sched(&r->d, "gfx", -1, GS_POLICY_FIFO), 0);
    r->e = entity_on(r->d.sched, GS_PRIORITY_NORMAL);
}

static void rig_down(struct rig *r) {
    if (r->e != NULL)
        CHECK(gs_entity_destroy(r->e, 0) >= 0);
    gs_sched_destroy(r->d.sched);
    CHECK_EQ(atomic_load(&r->d.free_errors), 0);
    tdrv_fini(&r->d);
}

/* ------------------------------------------------------------------ jobs and their fences */

static void submit_without_outs_runs_and_frees_the_job(void) {
    struct rig r;
    rig_up(&r, 2, 1);
    struct tjob *j = tjobs_new(&r.d, 1);
    gs_job *job;
    CHECK_EQ(gs_job_create(r.e, 1, &j[0], &job), 0);
    CHECK_EQ(gs_job_submit(job, NULL, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    CHECK_EQ(atomic_load(&j[0].runs), 1);
    CHECK_EQ(atomic_load(&j[0].finished_before_free), 1);
    rig_down(&r);
    tjobs_free(j, 1);
}

static void submit_returns_the_scheduled_and_finished_fences(void) {
    struct rig r;
    rig_up(&r, 2, 1);
    struct tjob *j = tjobs_new(&r.d, 2);
    j[0].manual = 1;
    gs_job *job;
    gs_fence *sched = NULL, *fin = NULL;
    CHECK_EQ(gs_job_create(r.e, 1, &j[0], &job), 0);
    CHECK_EQ(gs_job_submit(job, &sched, &fin), 0);
    CHECK(sched != NULL && fin != NULL && sched != fin);
    CHECK_EQ(gs_fence_seqno(sched), 1);
    CHECK_EQ(gs_fence_seqno(fin), 1);
    CHECK(gs_fence_context(sched) != gs_fence_context(fin));
    CHECK_EQ(gs_fence_signal(fin, 0), -EPERM); /* only the scheduler signals them */
    CHECK_EQ(gs_fence_signal(sched, 0), -EPERM);
    CHECK_EQ(gs_fence_wait(sched, T_WAIT_NS), 0); /* handed to the hardware */
    CHECK_EQ(gs_fence_is_signaled(fin), 0);       /* but not finished */
    CHECK_EQ(gs_fence_signal(j[0].hw, 0), 0);
    CHECK_EQ(gs_fence_wait(fin, T_WAIT_NS), 0);
    CHECK(gs_fence_timestamp_ns(fin) >= gs_fence_timestamp_ns(sched));
    CHECK(gs_fence_timestamp_ns(fin) >= gs_fence_timestamp_ns(j[0].hw));
    char fname[64], sname[80];
    int fl = gs_fence_timeline_name(fin, fname, sizeof fname);
    int sl = gs_fence_timeline_name(sched, sname, sizeof sname);
    CHECK(fl > 0 && sl == fl + 10);
    CHECK_EQ(strncmp(sname, fname, (size_t)fl), 0); /* "<entity>" and "<entity>/scheduled" */
    CHECK_EQ(strcmp(sname + fl, "/scheduled"), 0);
    /* the next job of the entity: seqno 2 on both timelines */
    gs_fence *sched2 = NULL;
    CHECK_EQ(gs_job_create(r.e, 1, &j[1], &job), 0);
    CHECK_EQ(gs_job_submit(job, &sched2, &j[1].finished), 0);
    CHECK_EQ(gs_fence_seqno(sched2), 2);
    CHECK_EQ(gs_fence_seqno(j[1].finished), 2);
    CHECK_EQ(gs_fence_context(sched2), gs_fence_context(sched));
    CHECK_EQ(gs_fence_context(j[1].finished), gs_fence_context(fin));
    finishes_with(&j[1], 0);
    gs_fence_put(sched);
    gs_fence_put(sched2);
    gs_fence_put(fin);
    rig_down(&r);
    tjobs_free(j, 2);
}

static void finished_fence_is_null_before_submit_and_a_new_reference_after(void) {
    struct rig r;
    rig_up(&r, 1, 0);
    struct tjob *j = tjobs_new(&r.d, 1);
    j[0].manual = 1;
    gs_job *job;
    CHECK_EQ(gs_job_create(r.e, 1, &j[0], &job), 0);
    CHECK(gs_job_finished_fence(job) == NULL);
    CHECK_EQ(gs_job_submit(job, NULL, &j[0].finished), 0);
    gs_fence *f = gs_job_finished_fence(job); /* valid: the job is on the hardware or queued */
    CHECK(f != NULL);
    CHECK_EQ(gs_fence_context(f), gs_fence_context(j[0].finished));
    CHECK_EQ(gs_fence_seqno(f), gs_fence_seqno(j[0].finished));
    gs_fence_put(f);
    CHECK_EQ(gs_fence_is_signaled(f), -EBADF); /* its own reference, now dropped */
    CHECK_EQ(gs_fence_is_signaled(j[0].finished), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].runs) == 1));
    gs_fence_signal(j[0].hw, 0);
    finishes_with(&j[0], 0);
    rig_down(&r);
    tjobs_free(j, 1);
}

static void abort_drops_an_unsubmitted_job_without_calling_free_job(void) {
    struct rig r;
    rig_up(&r, 1, 1);
    struct tjob *j = tjobs_new(&r.d, 2);
    gs_job *job;
    gs_fence *dep;
    CHECK_EQ(gs_fence_create(r.d.tl, &dep), 0);
    CHECK_EQ(gs_job_create(r.e, 1, &j[0], &job), 0);
    CHECK_EQ(gs_job_add_dependency(job, dep), 0);
    gs_job_abort(job);
    CHECK_EQ(gs_job_submit(job, NULL, NULL), -EBADF); /* the handle is stale */
    gs_job_abort(job);                                /* ignored */
    CHECK_EQ(tjob_submit(&j[1], r.e, NULL), 0);       /* the entity goes on */
    finishes_with(&j[1], 0);
    CHECK_EQ(gs_fence_seqno(j[1].finished), 1);       /* the aborted job took no seqno */
    CHECK(WAIT_UNTIL(atomic_load(&r.d.frees) == 1));
    rig_down(&r);
    CHECK_EQ(atomic_load(&j[0].frees), 0);
    CHECK_EQ(atomic_load(&j[0].runs), 0);
    gs_fence_signal(dep, 0);
    gs_fence_put(dep);
    tjobs_free(j, 2);
}

static void second_submit_returns_einval_and_the_job_runs_once(void) {
    struct rig r;
    rig_up(&r, 1, 1);
    CHECK_EQ(gs_sched_stop(r.d.sched), 0); /* keeps the job alive while we poke it */
    struct tjob *j = tjobs_new(&r.d, 1);
    gs_fence *dep;
    CHECK_EQ(gs_fence_create(r.d.tl, &dep), 0);
    CHECK_EQ(tjob_submit(&j[0], r.e, NULL), 0);
    gs_fence *again = NULL;
    CHECK_EQ(gs_job_submit(j[0].handle, NULL, &again), -EINVAL);
    CHECK(again == NULL);
    CHECK_EQ(gs_job_add_dependency(j[0].handle, dep), -EINVAL); /* too late */
    gs_job_abort(j[0].handle);                                 /* ignored: submitted */
    CHECK_EQ(gs_sched_start(r.d.sched, 0), 0);
    finishes_with(&j[0], 0); /* did not wait for dep */
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    CHECK_EQ(atomic_load(&j[0].runs), 1);
    CHECK_EQ(gs_job_submit(j[0].handle, NULL, NULL), -EBADF); /* stale once freed */
    CHECK(gs_job_finished_fence(j[0].handle) == NULL);
    rig_down(&r);
    gs_fence_signal(dep, 0);
    gs_fence_put(dep);
    tjobs_free(j, 1);
}

static void job_handle_is_valid_in_every_callback_until_free_job_returns(void);

/* ------------------------------------------------------------------ dependencies */

static void job_waits_for_a_driver_fence_dependency(void) {
    struct rig r;
    rig_up(&r, 2, 1);
    struct tjob *j = tjobs_new(&r.d, 1);
    gs_fence *dep;
    CHECK_EQ(gs_fence_create(r.d.tl, &dep), 0);
    j[0].dep_check = dep;
    CHECK_EQ(tjob_submit(&j[0], r.e, dep), 0);
    t_sleep_ns(20 * MS);
    CHECK_EQ(atomic_load(&j[0].runs), 0);
    CHECK_EQ(gs_fence_signal(dep, -EIO), 0); /* an error in a dependency does not fail the job */
    finishes_with(&j[0], 0);
    CHECK_EQ(atomic_load(&r.d.dep_errors), 0);
    rig_down(&r);
    gs_fence_put(dep);
    tjobs_free(j, 1);
}

static void dependency_holds_its_own_reference(void) {
    struct rig r;
    rig_up(&r, 2, 1);
    struct tdrv other;
    tdrv_init(&other, "other-ring", 1);
    CHECK_EQ(tdrv_sched(&other, "copy", -1, GS_POLICY_FIFO), 0);
    gs_entity *oe = entity_on(other.sched, GS_PRIORITY_NORMAL);
    struct tjob *producer = tjobs_new(&other, 1);
    producer[0].manual = 1;
    CHECK_EQ(tjob_submit(&producer[0], oe, NULL), 0);
    struct tjob *j = tjobs_new(&r.d, 1);
    j[0].dep_check = gs_job_finished_fence(producer[0].handle);
    gs_job *job;
    CHECK_EQ(gs_job_create(r.e, 1, &j[0], &job), 0);
    gs_fence *dep = gs_job_finished_fence(producer[0].handle);
    CHECK_EQ(gs_job_add_dependency(job, dep), 0);
    gs_fence_put(dep); /* the job keeps its own */
    CHECK_EQ(gs_job_submit(job, NULL, &j[0].finished), 0);
    CHECK(WAIT_UNTIL(atomic_load(&producer[0].runs) == 1));
    t_sleep_ns(10 * MS);
    CHECK_EQ(atomic_load(&j[0].runs), 0);
    CHECK_EQ(gs_fence_signal(producer[0].hw, 0), 0);
    finishes_with(&j[0], 0);
    CHECK_EQ(atomic_load(&r.d.dep_errors), 0); /* the producer had finished when it ran */
    gs_fence_put(j[0].dep_check);
    gs_entity_destroy(oe, 0);
    gs_sched_destroy(other.sched);
    tdrv_fini(&other);
    rig_down(&r);
    tjobs_free(producer, 1);
    tjobs_free(j, 1);
}

static void of_several_dependencies_on_one_timeline_the_latest_is_kept(void) {
    struct rig r;
    rig_up(&r, 1, 1);
    gs_timeline *t;
    CHECK_EQ(gs_timeline_create("deps", &t), 0);
    gs_fence *f1, *f2;
    CHECK_EQ(gs_fence_create(t, &f1), 0);
    CHECK_EQ(gs_fence_create(t, &f2), 0);
    struct tjob *j = tjobs_new(&r.d, 1);
    gs_job *job;
    CHECK_EQ(gs_job_create(r.e, 1, &j[0], &job), 0);
    CHECK_EQ(gs_job_add_dependency(job, f1), 0);
    CHECK_EQ(gs_job_add_dependency(job, f2), 0);
    CHECK_EQ(gs_job_submit(job, NULL, &j[0].finished), 0);
    CHECK_EQ(gs_fence_signal(f2, 0), 0); /* a timeline's later fence implies the earlier */
    finishes_with(&j[0], 0);
    CHECK_EQ(gs_fence_is_signaled(f1), 0);
    rig_down(&r);
    gs_fence_signal(f1, 0);
    gs_fence_put(f1);
    gs_fence_put(f2);
    gs_timeline_put(t);
    tjobs_free(j, 1);
}

static void dependency_on_a_job_of_another_scheduler_waits_for_its_finished_fence(void) {
    struct tdrv a, b;
    tdrv_init(&a, "ring-a", 4);
    tdrv_init(&b, "ring-b", 4);
    tdrv_start_ring(&a);
    tdrv_start_ring(&b);
    CHECK_EQ(tdrv_sched(&a, "a", -1, GS_POLICY_FIFO), 0);
    CHECK_EQ(tdrv_sched(&b, "b", -1, GS_POLICY_FIFO), 0);
    gs_entity *ea = entity_on(a.sched, GS_PRIORITY_NORMAL), *eb = entity_on(b.sched, GS_PRIORITY_NORMAL);
    enum { N = 30 };
    struct tjob *ja = tjobs_new(&a, N), *jb = tjobs_new(&b, N);
    for (int i = 0; i < N; i++) {
        ja[i].duration_ns = 200000;
        ja[i].seq = jb[i].seq = i + 1;
        CHECK_EQ(tjob_submit(&ja[i], ea, NULL), 0);
        jb[i].dep_check = ja[i].finished;
        CHECK_EQ(tjob_submit(&jb[i], eb, ja[i].finished), 0);
    }
    for (int i = 0; i < N; i++)
        finishes_with(&jb[i], 0);
    CHECK_EQ(atomic_load(&b.dep_errors), 0);
    CHECK_EQ(atomic_load(&b.order_errors), 0);
    gs_entity_destroy(ea, 0);
    gs_entity_destroy(eb, 0);
    gs_sched_destroy(a.sched);
    gs_sched_destroy(b.sched);
    tdrv_fini(&a);
    tdrv_fini(&b);
    tjobs_free(ja, N);
    tjobs_free(jb, N);
}

static void prepare_job_dependency_is_honoured_and_prepare_is_asked_again(void) {
    struct rig r;
    rig_up(&r, 1, 1);
    struct tjob *j = tjobs_new(&r.d, 1);
    gs_fence *dep;
    CHECK_EQ(gs_fence_create(r.d.tl, &dep), 0);
    j[0].prep = gs_fence_get(dep); /* this reference passes to the scheduler */
    j[0].dep_check = dep;
    CHECK_EQ(tjob_submit(&j[0], r.e, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].prepares) == 1));
    t_sleep_ns(20 * MS);
    CHECK_EQ(atomic_load(&j[0].runs), 0);
    CHECK_EQ(atomic_load(&j[0].prepares), 1);
    CHECK_EQ(gs_fence_signal(dep, 0), 0);
    finishes_with(&j[0], 0);
    CHECK_EQ(atomic_load(&j[0].prepares), 2); /* asked again after the fence signalled; NULL then */
    CHECK_EQ(atomic_load(&r.d.dep_errors), 0);
    rig_down(&r);
    gs_fence_put(dep);
    CHECK_EQ(gs_fence_is_signaled(dep), -EBADF); /* the scheduler dropped the reference it got */
    tjobs_free(j, 1);
}

static int prepare_fails(gs_job *job, void *jd, void *sd, gs_fence **dep_out) {
    struct tjob *t = jd;
    atomic_fetch_add(&t->prepares, 1);
    return -ENOMEM;
}

static void prepare_job_error_fails_the_job_without_running_it(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    tdrv_start_ring(&d);
    struct gs_sched_ops ops = tdrv_ops();
    ops.prepare_job = prepare_fails;
    struct gs_sched_args args = tdrv_args(&d, "prep", -1, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 1);
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK_EQ(gs_fence_wait(j[0].finished, T_WAIT_NS), 0);
    CHECK(gs_fence_get_error(j[0].finished) < 0);
    CHECK_EQ(atomic_load(&j[0].prepares), 1);
    CHECK_EQ(atomic_load(&j[0].runs), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 1);
}

/* ------------------------------------------------------------------ run_job's return value */

static void run_job_returning_a_negative_error_ends_the_job_with_it(void) {
    struct rig r;
    rig_up(&r, 1, 1);
    struct tjob *j = tjobs_new(&r.d, 2);
    j[0].run_ret = -EFAULT;
    j[0].seq = 1;
    j[1].seq = 2;
    CHECK_EQ(tjob_submit(&j[0], r.e, NULL), 0);
    CHECK_EQ(tjob_submit(&j[1], r.e, NULL), 0);
    finishes_with(&j[0], -EFAULT);
    finishes_with(&j[1], 0); /* the next job is not affected */
    CHECK(WAIT_UNTIL(atomic_load(&r.d.frees) == 2));
    CHECK_EQ(atomic_load(&j[0].runs), 1);
    CHECK_EQ(atomic_load(&r.d.finish_order_errors), 0);
    rig_down(&r);
    tjobs_free(j, 2);
}

static void run_job_returning_a_positive_value_counts_as_eio(void) {
    struct rig r;
    rig_up(&r, 1, 1);
    struct tjob *j = tjobs_new(&r.d, 1);
    j[0].run_ret = 3;
    CHECK_EQ(tjob_submit(&j[0], r.e, NULL), 0);
    finishes_with(&j[0], -EIO);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    CHECK_EQ(gs_entity_error(r.e), -EIO);
    rig_down(&r);
    tjobs_free(j, 1);
}

static void run_job_returning_zero_without_a_fence_completes_at_once(void) {
    struct rig r;
    rig_up(&r, 1, 0); /* no ring: nothing else could complete it */
    struct tjob *j = tjobs_new(&r.d, 3);
    for (int i = 0; i < 3; i++) {
        j[i].run_null = 1;
        CHECK_EQ(tjob_submit(&j[i], r.e, NULL), 0);
    }
    for (int i = 0; i < 3; i++)
        finishes_with(&j[i], 0);
    CHECK(WAIT_UNTIL(atomic_load(&r.d.frees) == 3));
    rig_down(&r);
    tjobs_free(j, 3);
}

/* run_job hands over a fence and fails anyway: the scheduler owns that reference and must drop
   it (else the handle leaks). */
static gs_fence *handed_over;
static int handed_ret;

static int run_with_fence_and_fail(gs_job *job, void *jd, void *sd, gs_fence **hw_out) {
    struct tdrv *d = sd;
    struct tjob *t = jd;
    gs_fence_create(d->tl, &handed_over);
    *hw_out = handed_over;
    atomic_fetch_add(&t->runs, 1);
    return handed_ret;
}

static void run_job_failing_with_a_fence(int ret, int expected) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    struct gs_sched_ops ops = tdrv_ops();
    ops.run_job = run_with_fence_and_fail;
    struct gs_sched_args args = tdrv_args(&d, "leaky", -1, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 1);
    handed_ret = ret;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    finishes_with(&j[0], expected);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    CHECK_EQ(gs_fence_is_signaled(handed_over), -EBADF); /* its reference was dropped */
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 1);
}

static void run_job_error_drops_the_fence_it_handed_over(void) {
    run_job_failing_with_a_fence(-ENOSPC, -ENOSPC);
}

static void run_job_positive_return_drops_the_fence_it_handed_over(void) {
    run_job_failing_with_a_fence(1, -EIO);
}

static void run_job_hardware_error_ends_the_job_with_it(void) {
    struct rig r;
    rig_up(&r, 2, 1);
    struct tjob *j = tjobs_new(&r.d, 2);
    j[0].hw_error = -EPROTO;
    CHECK_EQ(tjob_submit(&j[0], r.e, NULL), 0);
    finishes_with(&j[0], -EPROTO);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    CHECK_EQ(gs_entity_error(r.e), -EPROTO);
    CHECK_EQ(tjob_submit(&j[1], r.e, NULL), 0);
    finishes_with(&j[1], 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[1].frees) == 1));
    CHECK_EQ(gs_entity_error(r.e), 0); /* the error of the last finished job */
    rig_down(&r);
    tjobs_free(j, 2);
}

/* ------------------------------------------------------------------ entities */

static void entity_error_is_zero_before_any_job(void) {
    struct rig r;
    rig_up(&r, 1, 0);
    CHECK_EQ(gs_entity_error(r.e), 0);
    rig_down(&r);
}

static void entity_create_copies_the_scheduler_array(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "copied", -1, GS_POLICY_FIFO), 0);
    gs_sched *arr[1] = {d.sched};
    gs_entity *e;
    CHECK_EQ(gs_entity_create(arr, 1, GS_PRIORITY_NORMAL, &e), 0);
    arr[0] = NULL; /* the library must not read it again */
    struct tjob *j = tjobs_new(&d, 1);
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    finishes_with(&j[0], 0);
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 1);
}

static void entities_over_several_schedulers_spread_by_load(void) {
    struct tdrv a, b;
    tdrv_init(&a, "ring-a", 1);
    tdrv_init(&b, "ring-b", 1);
    tdrv_start_ring(&a);
    tdrv_start_ring(&b);
    CHECK_EQ(tdrv_sched(&a, "a", -1, GS_POLICY_FIFO), 0);
    CHECK_EQ(tdrv_sched(&b, "b", -1, GS_POLICY_FIFO), 0);
    gs_sched *both[2] = {a.sched, b.sched};
    gs_entity *e1, *e2;
    CHECK_EQ(gs_entity_create(both, 2, GS_PRIORITY_NORMAL, &e1), 0); /* both empty: the first */
    CHECK_EQ(gs_entity_create(both, 2, GS_PRIORITY_NORMAL, &e2), 0); /* a has e1: the second */
    struct tjob *ja = tjobs_new(&a, 1);
    CHECK_EQ(tjob_submit(&ja[0], e1, NULL), 0);
    finishes_with(&ja[0], 0);
    CHECK_EQ(atomic_load(&a.runs), 1);
    struct tjob *jb = tjobs_new(&b, 1);
    CHECK_EQ(tjob_submit(&jb[0], e2, NULL), 0);
    finishes_with(&jb[0], 0);
    CHECK_EQ(atomic_load(&b.runs), 1);
    CHECK_EQ(atomic_load(&a.runs), 1);
    gs_entity_destroy(e1, 0);
    gs_entity_destroy(e2, 0);
    gs_sched_destroy(a.sched);
    gs_sched_destroy(b.sched);
    tdrv_fini(&a);
    tdrv_fini(&b);
    tjobs_free(ja, 1);
    tjobs_free(jb, 1);
}

/* job_data of a job that may run on either of two drivers: the driver that runs it counts it */
static void entity_over_several_schedulers_keeps_its_order(void) {
    struct tdrv a, b;
    tdrv_init(&a, "ring-a", 2);
    tdrv_init(&b, "ring-b", 2);
    tdrv_start_ring(&a);
    tdrv_start_ring(&b);
    CHECK_EQ(tdrv_sched(&a, "a", -1, GS_POLICY_FAIR), 0);
    CHECK_EQ(tdrv_sched(&b, "b", -1, GS_POLICY_FAIR), 0);
    gs_sched *both[2] = {a.sched, b.sched};
    gs_entity *e;
    CHECK_EQ(gs_entity_create(both, 2, GS_PRIORITY_NORMAL, &e), 0);
    enum { N = 60 };
    struct tjob *j = tjobs_new(&a, N);
    for (int i = 0; i < N; i++) {
        j[i].seq = i + 1;
        j[i].duration_ns = 50000;
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
        if (i % 20 == 19) /* let it go idle now and then, so that it may move */
            CHECK_EQ(gs_fence_wait(j[i].finished, T_WAIT_NS), 0);
    }
    for (int i = 0; i < N; i++)
        finishes_with(&j[i], 0);
    CHECK(WAIT_UNTIL(atomic_load(&a.frees) + atomic_load(&b.frees) == N));
    CHECK_EQ(atomic_load(&a.runs) + atomic_load(&b.runs), N);
    CHECK_EQ(atomic_load(&a.finish_order_errors), 0); /* ranks are counted on the job's own driver */
    for (int i = 0; i < N; i++)
        CHECK_EQ(atomic_load(&j[i].finish_rank), i + 1);
    gs_entity_destroy(e, 0);
    gs_sched_destroy(a.sched);
    gs_sched_destroy(b.sched);
    tdrv_fini(&a);
    tdrv_fini(&b);
    tjobs_free(j, N);
}

static void set_schedulers_moves_an_idle_entity_at_its_next_submission(void) {
    struct tdrv a, b;
    tdrv_init(&a, "ring-a", 1);
    tdrv_init(&b, "ring-b", 1);
    tdrv_start_ring(&a);
    tdrv_start_ring(&b);
    CHECK_EQ(tdrv_sched(&a, "a", -1, GS_POLICY_FIFO), 0);
    CHECK_EQ(tdrv_sched(&b, "b", -1, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(a.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&a, 2);
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    finishes_with(&j[0], 0);
    CHECK_EQ(atomic_load(&a.runs), 1);
    gs_sched *only_b[1] = {b.sched};
    CHECK_EQ(gs_entity_set_schedulers(e, only_b, 1), 0);
    only_b[0] = NULL; /* copied */
    j[1].drv = &b;
    CHECK_EQ(tjob_submit(&j[1], e, NULL), 0);
    finishes_with(&j[1], 0);
    CHECK_EQ(atomic_load(&b.runs), 1);
    CHECK_EQ(atomic_load(&a.runs), 1);
    gs_entity_destroy(e, 0);
    gs_sched_destroy(a.sched);
    gs_sched_destroy(b.sched);
    tdrv_fini(&a);
    tdrv_fini(&b);
    tjobs_free(j, 2);
}

static void entity_on_a_destroyed_scheduler_moves_to_another_of_its_list(void) {
    struct tdrv a, b;
    tdrv_init(&a, "ring-a", 1);
    tdrv_init(&b, "ring-b", 1);
    tdrv_start_ring(&a);
    tdrv_start_ring(&b);
    CHECK_EQ(tdrv_sched(&a, "a", -1, GS_POLICY_FIFO), 0);
    CHECK_EQ(tdrv_sched(&b, "b", -1, GS_POLICY_FIFO), 0);
    gs_sched *both[2] = {a.sched, b.sched};
    gs_entity *e;
    CHECK_EQ(gs_entity_create(both, 2, GS_PRIORITY_NORMAL, &e), 0);
    gs_sched_destroy(a.sched);
    struct tjob *j = tjobs_new(&b, 1);
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    finishes_with(&j[0], 0);
    CHECK_EQ(atomic_load(&b.runs), 1);
    CHECK_EQ(atomic_load(&a.runs), 0);
    gs_entity_destroy(e, 0);
    gs_sched_destroy(b.sched);
    tdrv_fini(&a);
    tdrv_fini(&b);
    tjobs_free(j, 1);
}

/* ------------------------------------------------------------------ credits */

static void credit_limit_bounds_the_credits_between_run_job_and_the_hw_signal(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 4);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "credits", -1, GS_POLICY_FAIR), 0);
    gs_entity *e[3];
    for (int i = 0; i < 3; i++)
        e[i] = entity_on(d.sched, (enum gs_priority)(i + 1));
    enum { N = 300 };
    struct tjob *j = tjobs_new(&d, N);
    uint64_t x = 0x2545f4914f6cdd1dull; /* seeded: the same jobs every run */
    int seq[3] = {0};
    for (int i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        j[i].entity = (int)(x % 3);
        j[i].seq = ++seq[j[i].entity];
        j[i].credits = 1 + (uint32_t)((x >> 8) % 4);
        j[i].duration_ns = 20000 + (int64_t)((x >> 16) % 30000);
        CHECK_EQ(tjob_submit(&j[i], e[j[i].entity], NULL), 0);
    }
    for (int i = 0; i < N; i++)
        finishes_with(&j[i], 0);
    CHECK(WAIT_UNTIL(atomic_load(&d.frees) == N));
    CHECK(atomic_load(&d.max_inflight) <= 4);
    CHECK(atomic_load(&d.max_inflight) >= 1);
    CHECK_EQ(atomic_load(&d.order_errors), 0);
    CHECK_EQ(atomic_load(&d.finish_order_errors), 0);
    for (int i = 0; i < 3; i++)
        gs_entity_destroy(e[i], 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, N);
}

static void scheduler_fills_its_credits_then_waits_for_completions(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 4);
    tdrv_start_ring(&d);
    tdrv_gate(&d, 1); /* the ring completes nothing yet */
    CHECK_EQ(tdrv_sched(&d, "credits", -1, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    const uint32_t credits[6] = {2, 1, 1, 3, 1, 4};
    struct tjob *j = tjobs_new(&d, 6);
    for (int i = 0; i < 6; i++) {
        j[i].credits = credits[i];
        j[i].seq = i + 1;
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
    }
    CHECK(WAIT_UNTIL(atomic_load(&d.runs) == 3)); /* 2 + 1 + 1 = 4 */
    t_sleep_ns(20 * MS);
    CHECK_EQ(atomic_load(&d.runs), 3); /* the 3-credit job waits; nothing skips it */
    CHECK_EQ(atomic_load(&d.inflight), 4);
    tdrv_gate(&d, 0);
    for (int i = 0; i < 6; i++)
        finishes_with(&j[i], 0);
    CHECK(atomic_load(&d.max_inflight) <= 4);
    CHECK_EQ(atomic_load(&d.order_errors), 0);
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 6);
}

static void oversize_job_is_clamped_and_runs_alone(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 4);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "credits", -1, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 4);
    const uint32_t credits[4] = {1, 10, UINT32_MAX, 1};
    for (int i = 0; i < 4; i++) {
        j[i].credits = credits[i];
        j[i].duration_ns = 2 * MS;
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
    }
    for (int i = 0; i < 4; i++)
        finishes_with(&j[i], 0);
    CHECK_EQ(atomic_load(&j[1].inflight_at_run), 0); /* alone on the ring */
    CHECK_EQ(atomic_load(&j[2].inflight_at_run), 0);
    CHECK_EQ(atomic_load(&j[3].inflight_at_run), 0); /* and nothing joined it */
    CHECK(atomic_load(&d.max_inflight) <= 4);
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 4);
}

/* ------------------------------------------------------------------ handles inside callbacks */

struct handle_use {
    atomic_int in_run_ok, in_free_ok, in_free_after;
};
static struct handle_use hu;
static gs_job *last_freed;

static int run_checks_handle(gs_job *job, void *jd, void *sd, gs_fence **out) {
    gs_fence *f = gs_job_finished_fence(job);
    if (f != NULL && gs_fence_is_signaled(f) == 0 && gs_job_submit(job, NULL, NULL) == -EINVAL)
        atomic_fetch_add(&hu.in_run_ok, 1);
    gs_fence_put(f);
    return 0;
}

static void free_checks_handle(gs_job *job, void *jd, void *sd) {
    gs_fence *f = gs_job_finished_fence(job);
    if (f != NULL && gs_fence_is_signaled(f) == 1)
        atomic_fetch_add(&hu.in_free_ok, 1);
    gs_fence_put(f);
    last_freed = job;
    struct tjob *t = jd;
    atomic_fetch_add(&t->frees, 1);
}

static void job_handle_is_valid_in_every_callback_until_free_job_returns(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    struct gs_sched_ops ops = tdrv_ops();
    ops.run_job = run_checks_handle;
    ops.free_job = free_checks_handle;
    struct gs_sched_args args = tdrv_args(&d, "handles", -1, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 1);
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    CHECK_EQ(atomic_load(&hu.in_run_ok), 1);
    CHECK_EQ(atomic_load(&hu.in_free_ok), 1);
    CHECK(last_freed == j[0].handle);
    CHECK(gs_job_finished_fence(j[0].handle) == NULL); /* stale after free_job returned */
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 1);
}

/* The gs_fence * given to a fence callback is borrowed for the call: usable even when the
   caller dropped its own reference before the fence signalled. */
static atomic_int borrowed_error = 1;
static gs_fence *kept;

static void read_borrowed(gs_fence *f, void *data) {
    kept = gs_fence_get(f); /* a reference of its own outlives the call */
    atomic_store(&borrowed_error, gs_fence_get_error(f));
}

static void fence_callback_handle_is_usable_during_the_call_after_the_last_put(void) {
    struct rig r;
    rig_up(&r, 1, 0);
    struct tjob *j = tjobs_new(&r.d, 1);
    j[0].manual = 1;
    j[0].hw_error = 0;
    gs_job *job;
    gs_fence *fin;
    CHECK_EQ(gs_job_create(r.e, 1, &j[0], &job), 0);
    CHECK_EQ(gs_job_submit(job, NULL, &fin), 0);
    CHECK_EQ(gs_fence_add_callback(fin, read_borrowed, NULL), 0);
    gs_fence_put(fin); /* our last reference; the callback stays registered */
    CHECK(WAIT_UNTIL(atomic_load(&j[0].runs) == 1));
    CHECK_EQ(gs_fence_signal(j[0].hw, -EXDEV), 0);
    CHECK(WAIT_UNTIL(atomic_load(&borrowed_error) != 1));
    CHECK_EQ(atomic_load(&borrowed_error), -EXDEV);
    CHECK(kept != NULL);
    CHECK_EQ(gs_fence_get_error(kept), -EXDEV);
    gs_fence_put(kept);
    CHECK_EQ(gs_fence_is_signaled(kept), -EBADF);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    rig_down(&r);
    tjobs_free(j, 1);
}

static void set_deadline_on_a_running_jobs_finished_fence_is_accepted(void) {
    struct rig r;
    rig_up(&r, 1, 0);
    struct tjob *j = tjobs_new(&r.d, 1);
    j[0].manual = 1;
    CHECK_EQ(tjob_submit(&j[0], r.e, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].runs) == 1));
    CHECK_EQ(gs_fence_set_deadline(j[0].finished, t_now_ns() + 1 * MS), 0);
    CHECK_EQ(gs_fence_set_deadline(j[0].hw, t_now_ns() + 2 * MS), 0);
    t_sleep_ns(5 * MS);
    CHECK_EQ(gs_fence_is_signaled(j[0].finished), 0); /* a hint: the outcome is the hardware's */
    CHECK_EQ(gs_fence_signal(j[0].hw, 0), 0);
    finishes_with(&j[0], 0);
    CHECK_EQ(gs_fence_set_deadline(j[0].finished, 0), 0); /* after the signal: accepted, ignored */
    rig_down(&r);
    tjobs_free(j, 1);
}

int main(void) {
    CHECK_EQ(gs_init(NULL), 0);
    RUN(submit_without_outs_runs_and_frees_the_job);
    RUN(submit_returns_the_scheduled_and_finished_fences);
    RUN(finished_fence_is_null_before_submit_and_a_new_reference_after);
    RUN(abort_drops_an_unsubmitted_job_without_calling_free_job);
    RUN(second_submit_returns_einval_and_the_job_runs_once);
    RUN(job_handle_is_valid_in_every_callback_until_free_job_returns);
    RUN(job_waits_for_a_driver_fence_dependency);
    RUN(dependency_holds_its_own_reference);
    RUN(of_several_dependencies_on_one_timeline_the_latest_is_kept);
    RUN(dependency_on_a_job_of_another_scheduler_waits_for_its_finished_fence);
    RUN(prepare_job_dependency_is_honoured_and_prepare_is_asked_again);
    RUN(prepare_job_error_fails_the_job_without_running_it);
    RUN(run_job_returning_a_negative_error_ends_the_job_with_it);
    RUN(run_job_returning_a_positive_value_counts_as_eio);
    RUN(run_job_returning_zero_without_a_fence_completes_at_once);
    RUN(run_job_error_drops_the_fence_it_handed_over);
    RUN(run_job_positive_return_drops_the_fence_it_handed_over);
    RUN(run_job_hardware_error_ends_the_job_with_it);
    RUN(entity_error_is_zero_before_any_job);
    RUN(entity_create_copies_the_scheduler_array);
    RUN(entities_over_several_schedulers_spread_by_load);
    RUN(entity_over_several_schedulers_keeps_its_order);
    RUN(set_schedulers_moves_an_idle_entity_at_its_next_submission);
    RUN(entity_on_a_destroyed_scheduler_moves_to_another_of_its_list);
    RUN(credit_limit_bounds_the_credits_between_run_job_and_the_hw_signal);
    RUN(scheduler_fills_its_credits_then_waits_for_completions);
    RUN(oversize_job_is_clamped_and_runs_alone);
    RUN(fence_callback_handle_is_usable_during_the_call_after_the_last_put);
    RUN(set_deadline_on_a_running_jobs_finished_fence_is_accepted);
    CHECK_EXIT();
}
