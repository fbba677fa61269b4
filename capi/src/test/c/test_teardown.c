/* Teardown through the C ABI with work queued and in flight: gs_sched_destroy (with and
   without cancel_job, with a ring still running) and gs_entity_destroy (flush 0, > 0, < 0).
   Every finished fence signals, queued jobs with -ESRCH in submission order, jobs on the
   hardware per cancel_job (or -ECANCELED), every job is freed exactly once, and no callback
   runs after gs_sched_destroy returned. */
#include <errno.h>
#include <pthread.h>
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

/* After gs_sched_destroy returned: marks it, gives a wrong late callback room to happen. */
static void destroyed(struct tdrv *d) {
    atomic_store(&d->destroyed, 1);
}

static void no_callback_after_destroy(struct tdrv *d) {
    t_sleep_ns(20 * MS);
    CHECK_EQ(atomic_load(&d->after_destroy), 0);
}

static void sched_destroy_kills_queued_jobs_and_cancels_the_ones_on_the_hardware(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 2);
    CHECK_EQ(tdrv_sched(&d, "doomed", -1, GS_POLICY_FIFO), 0);
    gs_entity *a = entity_on(d.sched, GS_PRIORITY_NORMAL), *b = entity_on(d.sched, GS_PRIORITY_NORMAL);
    enum { NA = 5, N = 7 };
    struct tjob *j = tjobs_new(&d, N);
    for (int i = 0; i < N; i++) {
        j[i].manual = 1;
        j[i].entity = i < NA ? 0 : 1;
        j[i].seq = i < NA ? i + 1 : i - NA + 1;
        CHECK_EQ(tjob_submit(&j[i], i < NA ? a : b, NULL), 0);
    }
    CHECK(WAIT_UNTIL(atomic_load(&d.runs) == 2)); /* a1 and a2 on the hardware, the rest queued */
    gs_sched_destroy(d.sched);
    destroyed(&d);
    for (int i = 0; i < N; i++) {
        CHECK_EQ(gs_fence_is_signaled(j[i].finished), 1); /* all of it before destroy returned */
        CHECK_EQ(atomic_load(&j[i].frees), 1);
        if (i < 2) /* jobs that ran are freed after their finished fence; killed ones when killed */
            CHECK_EQ(atomic_load(&j[i].finished_before_free), 1);
        CHECK_EQ(gs_fence_get_error(j[i].finished), i < 2 ? -ECANCELED : -ESRCH);
        CHECK_EQ(atomic_load(&j[i].runs), i < 2 ? 1 : 0);
        CHECK_EQ(atomic_load(&j[i].cancels), i < 2 ? 1 : 0);
    }
    CHECK_EQ(j[1].cancel_rank, 1); /* newest first */
    CHECK_EQ(j[0].cancel_rank, 2);
    CHECK_EQ(atomic_load(&d.finish_order_errors), 0);
    CHECK_EQ(atomic_load(&d.free_errors), 0);
    /* the entities outlive it: they answer -ENODEV and are destroyed as usual */
    gs_job *late;
    CHECK_EQ(gs_job_create(a, 1, NULL, &late), 0);
    CHECK_EQ(gs_job_submit(late, NULL, NULL), -ENODEV);
    gs_job_abort(late);
    CHECK_EQ(gs_entity_destroy(a, 0), 0);
    CHECK_EQ(gs_entity_destroy(b, -1), 0);
    CHECK_EQ(gs_entity_error(a), -EBADF);
    no_callback_after_destroy(&d);
    tdrv_fini(&d);
    tjobs_free(j, N);
}

static void cancel_with_eio(gs_job *job, void *jd, void *sd) {
    struct tjob *t = jd;
    tdrv_note(sd);
    atomic_fetch_add(&t->cancels, 1);
    gs_fence_signal(t->hw, -EIO);
}

static void sched_destroy_ends_cancelled_jobs_with_the_error_cancel_job_gave(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    struct gs_sched_ops ops = tdrv_ops();
    ops.cancel_job = cancel_with_eio;
    struct gs_sched_args args = tdrv_args(&d, "doomed", -1, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 2);
    j[0].manual = j[1].manual = 1;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK_EQ(tjob_submit(&j[1], e, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].runs) == 1));
    gs_sched_destroy(d.sched);
    destroyed(&d);
    CHECK_EQ(gs_fence_get_error(j[0].finished), -EIO);
    CHECK_EQ(gs_fence_get_error(j[1].finished), -ESRCH);
    CHECK_EQ(atomic_load(&j[0].cancels), 1);
    CHECK_EQ(atomic_load(&d.frees), 2);
    CHECK_EQ(gs_entity_destroy(e, 0), 0);
    no_callback_after_destroy(&d);
    tdrv_fini(&d);
    tjobs_free(j, 2);
}

static void sched_destroy_without_cancel_job_ends_jobs_on_the_hardware_with_ecanceled(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 2);
    struct gs_sched_ops ops = tdrv_ops();
    ops.cancel_job = NULL;
    struct gs_sched_args args = tdrv_args(&d, "doomed", -1, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 3);
    for (int i = 0; i < 3; i++) {
        j[i].manual = 1;
        j[i].seq = i + 1;
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
    }
    CHECK(WAIT_UNTIL(atomic_load(&d.runs) == 2));
    int64_t before = t_now_ns();
    gs_sched_destroy(d.sched);
    destroyed(&d);
    CHECK(t_now_ns() - before < 4000 * MS); /* did not wait out the teardown timeout */
    CHECK_EQ(gs_fence_get_error(j[0].finished), -ECANCELED);
    CHECK_EQ(gs_fence_get_error(j[1].finished), -ECANCELED);
    CHECK_EQ(gs_fence_get_error(j[2].finished), -ESRCH);
    CHECK_EQ(atomic_load(&d.frees), 3);
    CHECK_EQ(gs_fence_is_signaled(j[0].hw), 0); /* the driver's hardware is still at it */
    CHECK_EQ(gs_fence_signal(j[0].hw, 0), 0);   /* and finishes later: nobody listens */
    CHECK_EQ(gs_fence_signal(j[1].hw, -EIO), 0);
    CHECK_EQ(gs_fence_get_error(j[0].finished), -ECANCELED);
    CHECK_EQ(atomic_load(&d.finish_order_errors), 0);
    CHECK_EQ(gs_entity_destroy(e, 0), 0);
    no_callback_after_destroy(&d);
    tdrv_fini(&d);
    tjobs_free(j, 3);
}

/* A driver whose cancel_job only asks the ring to drop the job: the ring signals the fence
   later, from its own thread; gs_sched_destroy waits for it. */
static void cancel_through_the_ring(gs_job *job, void *jd, void *sd) {
    struct tdrv *d = sd;
    struct tjob *t = jd;
    tdrv_note(d);
    atomic_fetch_add(&t->cancels, 1);
    t->hang = 0;
    t->hw_error = -ECANCELED;
    t->duration_ns = 5 * MS;
    t->charged = 0;
    tdrv_push(d, t, gs_fence_get(t->hw));
}

static void sched_destroy_waits_for_hw_fences_that_cancel_job_signals_later(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 2);
    tdrv_start_ring(&d);
    struct gs_sched_ops ops = tdrv_ops();
    ops.cancel_job = cancel_through_the_ring;
    struct gs_sched_args args = tdrv_args(&d, "doomed", -1, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 2);
    j[0].hang = j[1].hang = 1;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK_EQ(tjob_submit(&j[1], e, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&d.runs) == 2));
    gs_sched_destroy(d.sched);
    destroyed(&d);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(gs_fence_is_signaled(j[i].hw), 1); /* it waited for the hardware */
        CHECK_EQ(gs_fence_get_error(j[i].finished), -ECANCELED);
        CHECK_EQ(atomic_load(&j[i].frees), 1);
        CHECK_EQ(atomic_load(&j[i].cancels), 1);
    }
    CHECK(gs_fence_timestamp_ns(j[0].finished) >= gs_fence_timestamp_ns(j[0].hw));
    CHECK_EQ(gs_entity_destroy(e, 0), 0);
    no_callback_after_destroy(&d);
    tdrv_fini(&d);
    tjobs_free(j, 2);
}

static void sched_destroy_with_the_ring_running_leaves_nothing_behind(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 3);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "busy", -1, GS_POLICY_FAIR), 0);
    enum { E = 4, PER = 50, N = E * PER };
    gs_entity *e[E];
    for (int i = 0; i < E; i++)
        e[i] = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, N);
    for (int i = 0; i < N; i++) {
        j[i].entity = i % E;
        j[i].seq = i / E + 1;
        j[i].credits = 1 + (uint32_t)(i % 2);
        j[i].duration_ns = 100000;
        CHECK_EQ(tjob_submit(&j[i], e[i % E], NULL), 0);
    }
    CHECK(WAIT_UNTIL(atomic_load(&d.frees) >= 20));
    gs_sched_destroy(d.sched);
    destroyed(&d);
    int killed = 0, cancelled = 0, done = 0;
    for (int ent = 0; ent < E; ent++) {
        int phase = 0; /* 0: finished normally, 1: cancelled, 2: killed; never backwards */
        for (int k = 0; k < PER; k++) {
            struct tjob *t = &j[k * E + ent];
            CHECK_EQ(gs_fence_is_signaled(t->finished), 1);
            CHECK_EQ(atomic_load(&t->frees), 1);
            int err = gs_fence_get_error(t->finished);
            int p = err == 0 ? 0 : err == -ECANCELED ? 1 : err == -ESRCH ? 2 : -1;
            CHECK(p >= 0);
            if (p == 0 && phase == 1)
                p = 1; /* a job on the hardware may finish normally before its cancel */
            CHECK(p >= phase);
            phase = p > phase ? p : phase;
            CHECK_EQ(atomic_load(&t->runs), err == -ESRCH ? 0 : 1);
            killed += err == -ESRCH;
            cancelled += err == -ECANCELED;
            done += err == 0;
        }
    }
    CHECK(done >= 20);
    CHECK(killed > 0);
    CHECK_EQ(killed + cancelled + done, N);
    CHECK_EQ(atomic_load(&d.frees), N);
    CHECK_EQ(atomic_load(&d.free_errors), 0);
    CHECK_EQ(atomic_load(&d.finish_order_errors), 0);
    for (int i = 0; i < E; i++)
        CHECK_EQ(gs_entity_destroy(e[i], 0), 0);
    tdrv_fini(&d); /* the ring completes what it still holds: nobody may hear of it */
    CHECK_EQ(atomic_load(&d.after_destroy), 0);
    tjobs_free(j, N);
}

struct destroyer {
    gs_sched *s;
    pthread_barrier_t *go;
};

static void *destroy_now(void *arg) {
    struct destroyer *x = arg;
    pthread_barrier_wait(x->go);
    gs_sched_destroy(x->s);
    return NULL;
}

static void concurrent_sched_destroys_tear_down_once(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 2);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "contested", -1, GS_POLICY_RR), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    enum { N = 40, T = 4 };
    struct tjob *j = tjobs_new(&d, N);
    for (int i = 0; i < N; i++) {
        j[i].seq = i + 1;
        j[i].duration_ns = 200000;
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
    }
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, T);
    pthread_t th[T];
    struct destroyer x = {d.sched, &go};
    for (int i = 0; i < T; i++)
        pthread_create(&th[i], NULL, destroy_now, &x);
    for (int i = 0; i < T; i++)
        pthread_join(th[i], NULL);
    destroyed(&d);
    pthread_barrier_destroy(&go);
    for (int i = 0; i < N; i++) {
        CHECK_EQ(gs_fence_is_signaled(j[i].finished), 1); /* every destroyer returned after the first finished */
        CHECK_EQ(atomic_load(&j[i].frees), 1);
    }
    CHECK_EQ(atomic_load(&d.free_errors), 0);
    CHECK_EQ(atomic_load(&d.finish_order_errors), 0);
    CHECK_EQ(gs_sched_fault(d.sched), -EBADF);
    CHECK_EQ(gs_entity_destroy(e, 0), 0);
    tdrv_fini(&d);
    CHECK_EQ(atomic_load(&d.after_destroy), 0);
    tjobs_free(j, N);
}

/* ------------------------------------------------------------------ gs_entity_destroy */

static void entity_destroy_without_flush_kills_the_queued_jobs_after_the_running_one(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    CHECK_EQ(tdrv_sched(&d, "gfx", -1, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 3);
    for (int i = 0; i < 3; i++) {
        j[i].manual = 1;
        j[i].seq = i + 1;
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
    }
    CHECK(WAIT_UNTIL(atomic_load(&j[0].runs) == 1));
    CHECK_EQ(gs_entity_destroy(e, 0), 2);
    CHECK_EQ(gs_entity_error(e), -EBADF); /* the handle is stale at once */
    CHECK(WAIT_UNTIL(atomic_load(&j[1].frees) == 1 && atomic_load(&j[2].frees) == 1)); /* freed when killed */
    CHECK_EQ(gs_fence_is_signaled(j[1].finished), 0); /* but signalled only after their predecessor */
    CHECK_EQ(gs_fence_is_signaled(j[2].finished), 0);
    CHECK_EQ(atomic_load(&j[0].frees), 0);
    CHECK_EQ(gs_fence_signal(j[0].hw, 0), 0); /* the job on the hardware finishes normally */
    CHECK_EQ(gs_fence_wait(j[2].finished, T_WAIT_NS), 0);
    CHECK_EQ(gs_fence_get_error(j[0].finished), 0);
    CHECK_EQ(gs_fence_get_error(j[1].finished), -ESRCH);
    CHECK_EQ(gs_fence_get_error(j[2].finished), -ESRCH);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].frees) == 1));
    CHECK_EQ(atomic_load(&j[1].runs) + atomic_load(&j[2].runs), 0);
    CHECK_EQ(atomic_load(&d.finish_order_errors), 0);
    gs_sched_destroy(d.sched);
    CHECK_EQ(atomic_load(&d.frees), 3);
    CHECK_EQ(atomic_load(&d.free_errors), 0);
    tdrv_fini(&d);
    tjobs_free(j, 3);
}

static void entity_destroy_with_a_flush_timeout_kills_what_did_not_reach_the_hardware(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 4);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "gfx", -1, GS_POLICY_FIFO), 0);
    CHECK_EQ(gs_sched_stop(d.sched), 0); /* nothing reaches the hardware */
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 3);
    for (int i = 0; i < 3; i++) {
        j[i].seq = i + 1;
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
    }
    int64_t before = t_now_ns();
    CHECK_EQ(gs_entity_destroy(e, 20 * MS), 3);
    CHECK(t_now_ns() - before >= 20 * MS); /* it gave them the time */
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(gs_fence_wait(j[i].finished, T_WAIT_NS), 0);
        CHECK_EQ(gs_fence_get_error(j[i].finished), -ESRCH);
    }
    CHECK(WAIT_UNTIL(atomic_load(&d.frees) == 3));
    CHECK_EQ(atomic_load(&d.runs), 0);
    CHECK_EQ(atomic_load(&d.finish_order_errors), 0);
    CHECK_EQ(gs_sched_start(d.sched, 0), 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 3);
}

struct opener {
    struct tdrv *d;
    int64_t after_ns;
};

static void *open_gate_later(void *arg) {
    struct opener *o = arg;
    t_sleep_ns(o->after_ns);
    tdrv_gate(o->d, 0);
    return NULL;
}

static void entity_destroy_flush(int64_t flush_ns) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    tdrv_start_ring(&d);
    tdrv_gate(&d, 1);
    CHECK_EQ(tdrv_sched(&d, "gfx", -1, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 4);
    for (int i = 0; i < 4; i++) {
        j[i].seq = i + 1;
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
    }
    CHECK(WAIT_UNTIL(atomic_load(&d.runs) == 1)); /* one on the ring, three waiting for credits */
    struct opener o = {&d, 10 * MS};
    pthread_t t;
    pthread_create(&t, NULL, open_gate_later, &o);
    CHECK_EQ(gs_entity_destroy(e, flush_ns), 0); /* all reached the hardware in time */
    CHECK(atomic_load(&d.runs) >= 4);
    pthread_join(t, NULL);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(gs_fence_wait(j[i].finished, T_WAIT_NS), 0);
        CHECK_EQ(gs_fence_get_error(j[i].finished), 0);
    }
    CHECK(WAIT_UNTIL(atomic_load(&d.frees) == 4));
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, 4);
}

static void entity_destroy_with_a_flush_timeout_kills_nothing_that_reaches_the_hardware_in_time(void) {
    entity_destroy_flush(T_WAIT_NS);
}

static void entity_destroy_with_a_negative_flush_waits_without_bound(void) {
    entity_destroy_flush(-1);
}

static void entity_destroy_then_sched_destroy_cancels_what_is_still_on_the_hardware(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    CHECK_EQ(tdrv_sched(&d, "gfx", -1, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 2);
    j[0].manual = j[1].manual = 1;
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK_EQ(tjob_submit(&j[1], e, NULL), 0);
    CHECK(WAIT_UNTIL(atomic_load(&j[0].runs) == 1));
    CHECK_EQ(gs_entity_destroy(e, 0), 1);
    gs_sched_destroy(d.sched);
    destroyed(&d);
    CHECK_EQ(gs_fence_get_error(j[0].finished), -ECANCELED);
    CHECK_EQ(gs_fence_get_error(j[1].finished), -ESRCH);
    CHECK_EQ(atomic_load(&j[0].cancels), 1);
    CHECK_EQ(atomic_load(&d.frees), 2);
    CHECK_EQ(atomic_load(&d.free_errors), 0);
    no_callback_after_destroy(&d);
    tdrv_fini(&d);
    tjobs_free(j, 2);
}

static void fences_stay_readable_after_their_scheduler_and_entity_are_gone(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 1);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "gone", -1, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct tjob *j = tjobs_new(&d, 1);
    CHECK_EQ(tjob_submit(&j[0], e, NULL), 0);
    CHECK_EQ(gs_fence_wait(j[0].finished, T_WAIT_NS), 0);
    char before[64], after[64];
    int len = gs_fence_timeline_name(j[0].finished, before, sizeof before);
    uint64_t ctx = gs_fence_context(j[0].finished);
    int64_t ts = gs_fence_timestamp_ns(j[0].finished);
    gs_entity_destroy(e, 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    CHECK_EQ(gs_fence_timeline_name(j[0].finished, after, sizeof after), len);
    CHECK_EQ(strcmp(before, after), 0);
    CHECK_EQ(gs_fence_context(j[0].finished), ctx);
    CHECK_EQ(gs_fence_seqno(j[0].finished), 1);
    CHECK_EQ(gs_fence_timestamp_ns(j[0].finished), ts);
    CHECK_EQ(gs_fence_is_signaled(j[0].finished), 1);
    CHECK_EQ(gs_fence_get_error(j[0].finished), 0);
    CHECK_EQ(gs_fence_wait(j[0].finished, -1), 0);
    tjobs_free(j, 1);
}

int main(void) {
    CHECK_EQ(gs_init(NULL), 0);
    RUN(sched_destroy_kills_queued_jobs_and_cancels_the_ones_on_the_hardware);
    RUN(sched_destroy_ends_cancelled_jobs_with_the_error_cancel_job_gave);
    RUN(sched_destroy_without_cancel_job_ends_jobs_on_the_hardware_with_ecanceled);
    RUN(sched_destroy_waits_for_hw_fences_that_cancel_job_signals_later);
    RUN(sched_destroy_with_the_ring_running_leaves_nothing_behind);
    RUN(concurrent_sched_destroys_tear_down_once);
    RUN(entity_destroy_without_flush_kills_the_queued_jobs_after_the_running_one);
    RUN(entity_destroy_with_a_flush_timeout_kills_what_did_not_reach_the_hardware);
    RUN(entity_destroy_with_a_flush_timeout_kills_nothing_that_reaches_the_hardware_in_time);
    RUN(entity_destroy_with_a_negative_flush_waits_without_bound);
    RUN(entity_destroy_then_sched_destroy_cancels_what_is_still_on_the_hardware);
    RUN(fences_stay_readable_after_their_scheduler_and_entity_are_gone);
    CHECK_EXIT();
}
