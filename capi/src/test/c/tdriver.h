/* A small userspace driver for the C tests: a "ring" thread that completes hardware fences in
   order after each job's duration (as a GPU ring would), per-job records of every callback, and
   the bookkeeping the tests check (credits in flight, per-entity order, callbacks after
   destroy). Tests take the ops below as they are or replace single callbacks. */
#ifndef GS_TDRIVER_H
#define GS_TDRIVER_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpusched.h"

/* How long a test waits for something that must happen: long enough never to fail on a slow
   machine, short enough that a bug shows up as a failure rather than a hung run. */
#define T_WAIT_NS 10000000000LL
#define T_MAX_ENTITIES 64

static inline void t_sleep_ns(int64_t ns) {
    struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static inline int64_t t_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Polls cond until it holds or T_WAIT_NS pass; evaluates to whether it held. */
#define WAIT_UNTIL(cond)                                                                         \
    ({                                                                                           \
        int64_t wait_end_ = t_now_ns() + T_WAIT_NS;                                              \
        while (!(cond) && t_now_ns() < wait_end_)                                                \
            t_sleep_ns(100000);                                                                  \
        (cond) ? 1 : 0;                                                                          \
    })

struct tdrv;

/* One job as the driver sees it (its job_data). */
struct tjob {
    struct tdrv *drv;
    int id;               /* index in the test's array */
    int entity;           /* index of its entity, for order checks */
    int seq;              /* 1-based submission position within its entity */
    uint32_t credits;
    int64_t duration_ns;  /* time on the ring */
    int hw_error;         /* error the ring signals the hardware fence with */
    int hang;             /* the ring never signals the hardware fence */
    int manual;           /* the test signals the hardware fence itself (through hw) */
    int run_ret;          /* run_job returns this without a fence, if not 0 */
    int run_null;         /* run_job returns 0 without a fence */
    int charged;          /* credits the driver counts in flight for it */
    gs_fence *dep_check;  /* must be signalled when run_job is called */
    gs_fence *prep;       /* prepare_job hands this over (the test's reference moves) */
    gs_fence *hw;         /* the job's own reference to its hardware fence */
    gs_fence *finished;   /* the test's reference */
    gs_fence *scheduled;  /* the test's reference, when asked for */
    gs_job *handle;
    int64_t run_at_ns;    /* CLOCK_MONOTONIC when run_job was called */
    int run_rank;         /* 1-based position among all run_job calls of its driver */
    int cancel_rank;      /* 1-based position among all cancel_job calls of its driver */
    atomic_int runs, frees, cancels, timeouts, prepares;
    atomic_int finish_rank; /* 1-based position among its entity's finished fences */
    atomic_int finished_before_free; /* 1: its finished fence had signalled when free_job ran */
    atomic_int inflight_at_run;      /* driver credits in flight when run_job was called */
};

/* What the ring needs of a job, copied at run_job: a job cancelled by a scheduler's destroy is
   freed (and its test may free its tjob) while its item may still be on the ring, as on a real
   ring, where submitted work outlives the job that submitted it. */
struct tring_item {
    int64_t duration_ns;
    int charged;
    int hw_error;
    gs_fence *fence; /* the ring's reference */
    struct tring_item *next;
};

/* The driver: one per scheduler (its sched_data). */
struct tdrv {
    gs_timeline *tl;
    gs_sched *sched;
    uint32_t credit_limit;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct tring_item *head, *tail, *hung;
    int quit, gate_closed, ring_started;
    atomic_int runs, frees, cancels, timeouts, prepares;
    atomic_int run_counter, cancel_counter;
    atomic_int inflight, max_inflight;
    atomic_int order_errors, dep_errors, free_errors;
    atomic_int last_seq[T_MAX_ENTITIES];
    atomic_int finish_count[T_MAX_ENTITIES];
    atomic_int finish_order_errors;
    atomic_int destroyed;         /* set by the test once gs_sched_destroy returned */
    atomic_int after_destroy;     /* callbacks seen after that */
    enum gs_timeout_status verdict; /* what timedout_job answers */
};

static inline void tdrv_note(struct tdrv *d) {
    if (atomic_load(&d->destroyed))
        atomic_fetch_add(&d->after_destroy, 1);
}

static inline void *tring_main(void *arg) {
    struct tdrv *d = arg;
    for (;;) {
        pthread_mutex_lock(&d->lock);
        while (!d->quit && (d->head == NULL || d->gate_closed))
            pthread_cond_wait(&d->cond, &d->lock);
        struct tring_item *it = d->head;
        if (it == NULL) {
            pthread_mutex_unlock(&d->lock);
            break; /* quit with nothing left */
        }
        d->head = it->next;
        if (d->head == NULL)
            d->tail = NULL;
        pthread_mutex_unlock(&d->lock);
        if (it->duration_ns > 0)
            t_sleep_ns(it->duration_ns);
        /* Credits are given back before the signal, so the driver never counts fewer than the
           scheduler does. */
        atomic_fetch_sub(&d->inflight, it->charged);
        gs_fence_signal(it->fence, it->hw_error);
        gs_fence_put(it->fence);
        free(it);
    }
    return NULL;
}

/* Opens (or closes) the ring's gate: while closed, the ring completes nothing. */
static inline void tdrv_gate(struct tdrv *d, int closed) {
    pthread_mutex_lock(&d->lock);
    d->gate_closed = closed;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

static inline void tdrv_init(struct tdrv *d, const char *ring_name, uint32_t credit_limit) {
    memset(d, 0, sizeof *d);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->cond, NULL);
    d->credit_limit = credit_limit;
    d->verdict = GS_TIMEOUT_RESET;
    gs_timeline_create(ring_name, &d->tl);
}

static inline void tdrv_start_ring(struct tdrv *d) {
    pthread_create(&d->thread, NULL, tring_main, d);
    d->ring_started = 1;
}

/* Stops the ring after it completed what it holds; drops the fences of hung jobs unsignalled. */
static inline void tdrv_fini(struct tdrv *d) {
    pthread_mutex_lock(&d->lock);
    d->quit = 1;
    d->gate_closed = 0;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    if (d->ring_started)
        pthread_join(d->thread, NULL);
    for (struct tring_item *it = d->hung, *next; it != NULL; it = next) {
        next = it->next;
        gs_fence_put(it->fence);
        free(it);
    }
    d->hung = NULL;
    gs_timeline_put(d->tl);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->cond);
}

static inline void tdrv_push(struct tdrv *d, struct tjob *t, gs_fence *ring_ref) {
    struct tring_item *it = calloc(1, sizeof *it);
    it->duration_ns = t->duration_ns;
    it->charged = t->charged;
    it->hw_error = t->hw_error;
    it->fence = ring_ref;
    pthread_mutex_lock(&d->lock);
    if (t->hang) {
        it->next = d->hung;
        d->hung = it;
    } else {
        if (d->tail == NULL)
            d->head = it;
        else
            d->tail->next = it;
        d->tail = it;
        pthread_cond_broadcast(&d->cond);
    }
    pthread_mutex_unlock(&d->lock);
}

static inline int tdrv_prepare(gs_job *job, void *jd, void *sd, gs_fence **dep_out) {
    struct tdrv *d = sd;
    struct tjob *t = jd;
    tdrv_note(d);
    atomic_fetch_add(&d->prepares, 1);
    atomic_fetch_add(&t->prepares, 1);
    if (t->prep != NULL) {
        *dep_out = t->prep; /* the test's reference passes to the scheduler */
        t->prep = NULL;
    }
    return 0;
}

static inline int tdrv_run(gs_job *job, void *jd, void *sd, gs_fence **hw_out) {
    struct tdrv *d = sd;
    struct tjob *t = jd;
    tdrv_note(d);
    t->run_at_ns = t_now_ns();
    t->run_rank = atomic_fetch_add(&d->run_counter, 1) + 1;
    if (t->entity >= 0 && t->entity < T_MAX_ENTITIES) {
        int last = atomic_exchange(&d->last_seq[t->entity], t->seq);
        if (t->seq != 0 && t->seq != last + 1)
            atomic_fetch_add(&d->order_errors, 1);
    }
    if (t->dep_check != NULL && gs_fence_is_signaled(t->dep_check) != 1)
        atomic_fetch_add(&d->dep_errors, 1);
    atomic_fetch_add(&d->runs, 1);
    int ret = 0;
    if (t->run_ret != 0) {
        ret = t->run_ret;
    } else if (!t->run_null) {
        uint32_t c = t->credits < d->credit_limit ? t->credits : d->credit_limit;
        t->charged = (int)c;
        atomic_store(&t->inflight_at_run, atomic_load(&d->inflight));
        int now = atomic_fetch_add(&d->inflight, t->charged) + t->charged;
        int max = atomic_load(&d->max_inflight);
        while (now > max && !atomic_compare_exchange_weak(&d->max_inflight, &max, now)) {
        }
        gs_fence *hw;
        if (gs_fence_create(d->tl, &hw) != 0) {
            ret = -ENOMEM;
        } else {
            t->hw = gs_fence_get(hw);
            if (!t->manual)
                tdrv_push(d, t, gs_fence_get(hw));
            *hw_out = hw; /* this reference passes to the scheduler */
        }
    }
    atomic_fetch_add(&t->runs, 1); /* last: a test that sees runs > 0 also sees hw */
    return ret;
}

static inline enum gs_timeout_status tdrv_timedout(gs_job *job, void *jd, void *sd) {
    struct tdrv *d = sd;
    struct tjob *t = jd;
    tdrv_note(d);
    atomic_fetch_add(&d->timeouts, 1);
    atomic_fetch_add(&t->timeouts, 1);
    /* A job the ring will complete is slow, not hung (a loaded machine): a real driver sees the
       ring progressing and says so. Only hung and test-driven jobs get the test's verdict. */
    return t->hang || t->manual ? d->verdict : GS_TIMEOUT_NO_HANG;
}

/* Like a real driver: asks the hardware to drop the job, whose fence then signals -ECANCELED. */
static inline void tdrv_cancel(gs_job *job, void *jd, void *sd) {
    struct tdrv *d = sd;
    struct tjob *t = jd;
    tdrv_note(d);
    atomic_fetch_add(&d->cancels, 1);
    atomic_fetch_add(&t->cancels, 1);
    t->cancel_rank = atomic_fetch_add(&d->cancel_counter, 1) + 1;
    if (t->hw != NULL)
        gs_fence_signal(t->hw, -ECANCELED); /* -EALREADY if the ring was first: fine */
}

static inline void tdrv_free(gs_job *job, void *jd, void *sd) {
    struct tdrv *d = sd;
    struct tjob *t = jd;
    tdrv_note(d);
    gs_fence *f = gs_job_finished_fence(job);
    atomic_store(&t->finished_before_free, f != NULL && gs_fence_is_signaled(f) == 1);
    gs_fence_put(f);
    if (atomic_fetch_add(&t->frees, 1) != 0)
        atomic_fetch_add(&d->free_errors, 1);
    atomic_fetch_add(&d->frees, 1);
}

static inline struct gs_sched_ops tdrv_ops(void) {
    struct gs_sched_ops ops = {.size = sizeof ops,
                               .prepare_job = tdrv_prepare,
                               .run_job = tdrv_run,
                               .timedout_job = tdrv_timedout,
                               .cancel_job = tdrv_cancel,
                               .free_job = tdrv_free};
    return ops;
}

static inline struct gs_sched_args tdrv_args(struct tdrv *d, const char *name, int64_t timeout_ns, enum gs_policy policy) {
    struct gs_sched_args a = {.size = sizeof a,
                              .name = name,
                              .credit_limit = d->credit_limit,
                              .timeout_ns = timeout_ns,
                              .policy = policy,
                              .sched_data = d};
    return a;
}

/* Creates the driver's scheduler with the default ops; 0 or the error. */
static inline int tdrv_sched(struct tdrv *d, const char *name, int64_t timeout_ns, enum gs_policy policy) {
    struct gs_sched_ops ops = tdrv_ops();
    struct gs_sched_args a = tdrv_args(d, name, timeout_ns, policy);
    return gs_sched_create(&a, &ops, &d->sched);
}

/* Records the finish rank of a job within its entity (a fence callback). */
static inline void tjob_on_finished(gs_fence *f, void *data) {
    struct tjob *t = data;
    tdrv_note(t->drv);
    int rank = atomic_fetch_add(&t->drv->finish_count[t->entity], 1) + 1;
    atomic_store(&t->finish_rank, rank);
    if (t->seq != 0 && rank != t->seq)
        atomic_fetch_add(&t->drv->finish_order_errors, 1);
}

/* Creates and submits t on entity e (finished fence kept in t->finished and watched for its
   rank); 0 or the error of the failing call. */
static inline int tjob_submit(struct tjob *t, gs_entity *e, gs_fence *dep) {
    int r = gs_job_create(e, t->credits ? t->credits : 1, t, &t->handle);
    if (r != 0)
        return r;
    if (dep != NULL && (r = gs_job_add_dependency(t->handle, dep)) != 0)
        return r;
    r = gs_job_submit(t->handle, NULL, &t->finished);
    if (r != 0)
        return r;
    r = gs_fence_add_callback(t->finished, tjob_on_finished, t);
    if (r == -ENOENT)
        tjob_on_finished(t->finished, t); /* finished already */
    return r == -ENOENT ? 0 : r;
}

/* An array of n jobs of driver d, seq numbered per entity as given. */
static inline struct tjob *tjobs_new(struct tdrv *d, int n) {
    struct tjob *j = calloc((size_t)n, sizeof *j);
    for (int i = 0; i < n; i++) {
        j[i].drv = d;
        j[i].id = i;
        j[i].credits = 1;
    }
    return j;
}

/* Drops the test's and the jobs' fence references and frees the array. */
static inline void tjobs_free(struct tjob *j, int n) {
    for (int i = 0; i < n; i++) {
        gs_fence_put(j[i].finished);
        gs_fence_put(j[i].scheduled);
        gs_fence_put(j[i].hw);
    }
    free(j);
}

#endif
