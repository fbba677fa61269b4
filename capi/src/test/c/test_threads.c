/* Real threads through the C ABI: eight submitting pthreads with dependencies across their
   entities, eight threads sharing one entity, ring threads completing hardware fences after each
   job's duration, and races between signal, callbacks, references and waits. Outcomes only: no
   assertion depends on how the threads happen to interleave. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "gpusched.h"
#include "tdriver.h"

#define MS 1000000LL
#define THREADS 8

static gs_entity *entity_on(gs_sched *s, enum gs_priority prio) {
    gs_entity *e = NULL;
    CHECK_EQ(gs_entity_create(&s, 1, prio, &e), 0);
    return e;
}

/* ------------------------------------------------------------------ eight submitters */

enum { PER = 250 };

struct submitter {
    int id;
    gs_entity *e;
    struct tjob *jobs;               /* PER jobs of this thread */
    struct submitter *next;          /* the thread whose jobs ours depend on */
    atomic_int published;            /* how many of jobs[] have their finished fence set */
    int errors;
    uint64_t seed;
};

static void *submit_loop(void *arg) {
    struct submitter *s = arg;
    uint64_t x = s->seed;
    for (int k = 0; k < PER; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        struct tjob *t = &s->jobs[k];
        t->entity = s->id;
        t->seq = k + 1;
        t->credits = 1 + (uint32_t)(x % 3);
        t->duration_ns = (int64_t)((x >> 8) % 30000);
        /* the latest job the neighbour has published, from before ours: a real cross-thread edge */
        int avail = atomic_load(&s->next->published);
        gs_fence *dep = NULL;
        if (avail > 0) {
            dep = s->next->jobs[avail - 1].finished;
            t->dep_check = dep;
        }
        if (tjob_submit(t, s->e, dep) != 0)
            s->errors++;
        atomic_store(&s->published, k + 1);
        if ((x >> 20) % 50 == 0 && gs_fence_wait(t->finished, T_WAIT_NS) != 0)
            s->errors++; /* now and then the client waits for its own work */
    }
    return NULL;
}

static void eight_threads_submit_with_dependencies_across_their_entities(void) {
    struct tdrv d[2];
    tdrv_init(&d[0], "ring0", 4);
    tdrv_init(&d[1], "ring1", 4);
    for (int i = 0; i < 2; i++) {
        tdrv_start_ring(&d[i]);
        CHECK_EQ(tdrv_sched(&d[i], i ? "compute" : "gfx", -1, i ? GS_POLICY_FAIR : GS_POLICY_RR), 0);
    }
    struct submitter s[THREADS];
    memset(s, 0, sizeof s);
    for (int i = 0; i < THREADS; i++) {
        s[i].id = i;
        s[i].seed = 0x853c49e6748fea9bull + (uint64_t)i * 0x9e3779b97f4a7c15ull;
        /* even threads on one ring, odd on the other: each dependency crosses rings */
        s[i].jobs = tjobs_new(&d[i % 2], PER);
        s[i].e = entity_on(d[i % 2].sched, (enum gs_priority)(i % 4));
        s[i].next = &s[(i + 1) % THREADS];
    }
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, submit_loop, &s[i]);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        CHECK_EQ(s[i].errors, 0);
        for (int k = 0; k < PER; k++) {
            CHECK_EQ(gs_fence_wait(s[i].jobs[k].finished, T_WAIT_NS), 0);
            CHECK_EQ(gs_fence_get_error(s[i].jobs[k].finished), 0);
        }
    }
    CHECK(WAIT_UNTIL(atomic_load(&d[0].frees) + atomic_load(&d[1].frees) == THREADS * PER));
    int bad = 0;
    for (int i = 0; i < THREADS; i++)
        for (int k = 0; k < PER; k++) {
            struct tjob *t = &s[i].jobs[k];
            bad += atomic_load(&t->runs) != 1 || atomic_load(&t->frees) != 1
                   || atomic_load(&t->finished_before_free) != 1 || atomic_load(&t->finish_rank) != k + 1;
        }
    CHECK_EQ(bad, 0);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(atomic_load(&d[i].runs), THREADS / 2 * PER);
        CHECK_EQ(atomic_load(&d[i].order_errors), 0);
        CHECK_EQ(atomic_load(&d[i].dep_errors), 0);
        CHECK_EQ(atomic_load(&d[i].finish_order_errors), 0);
        CHECK_EQ(atomic_load(&d[i].free_errors), 0);
        CHECK(atomic_load(&d[i].max_inflight) <= 4);
    }
    for (int i = 0; i < THREADS; i++)
        CHECK_EQ(gs_entity_destroy(s[i].e, -1), 0);
    for (int i = 0; i < 2; i++) {
        gs_sched_destroy(d[i].sched);
        tdrv_fini(&d[i]);
    }
    for (int i = 0; i < THREADS; i++)
        tjobs_free(s[i].jobs, PER);
}

/* ------------------------------------------------------------------ one entity, eight threads */

enum { SHARED_PER = 100 };
static atomic_ulong last_run_seqno;
static atomic_int seqno_order_errors;
static atomic_ulong finish_counter;
static atomic_int finish_seqno_errors;

static int run_in_seqno_order(gs_job *job, void *jd, void *sd, gs_fence **out) {
    gs_fence *f = gs_job_finished_fence(job);
    unsigned long seqno = (unsigned long)gs_fence_seqno(f);
    gs_fence_put(f);
    if (seqno != atomic_load(&last_run_seqno) + 1)
        atomic_fetch_add(&seqno_order_errors, 1);
    atomic_store(&last_run_seqno, seqno);
    return tdrv_run(job, jd, sd, out);
}

/* Callbacks registered too late are skipped (-ENOENT), so only the direction is checked. */
static void finished_in_seqno_order(gs_fence *f, void *data) {
    unsigned long seqno = (unsigned long)gs_fence_seqno(f);
    if (atomic_exchange(&finish_counter, seqno) >= seqno)
        atomic_fetch_add(&finish_seqno_errors, 1);
}

struct shared_submitter {
    gs_entity *e;
    struct tjob *jobs;
    int errors;
};

static void *submit_shared(void *arg) {
    struct shared_submitter *s = arg;
    for (int k = 0; k < SHARED_PER; k++) {
        struct tjob *t = &s->jobs[k];
        t->duration_ns = 10000;
        gs_job *job;
        if (gs_job_create(s->e, 1, t, &job) != 0 || gs_job_submit(job, NULL, &t->finished) != 0) {
            s->errors++;
            continue;
        }
        int r = gs_fence_add_callback(t->finished, finished_in_seqno_order, NULL);
        if (r == -ENOENT)
            s->errors += 0; /* finished already: its order was checked by the ranks of the others */
        else if (r != 0)
            s->errors++;
    }
    return NULL;
}

static void eight_threads_sharing_one_entity_get_distinct_seqnos_in_queue_order(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 3);
    tdrv_start_ring(&d);
    struct gs_sched_ops ops = tdrv_ops();
    ops.run_job = run_in_seqno_order;
    struct gs_sched_args args = tdrv_args(&d, "shared", -1, GS_POLICY_FIFO);
    CHECK_EQ(gs_sched_create(&args, &ops, &d.sched), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    struct shared_submitter s[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        s[i].e = e;
        s[i].errors = 0;
        s[i].jobs = tjobs_new(&d, SHARED_PER);
        for (int k = 0; k < SHARED_PER; k++)
            s[i].jobs[k].entity = -1; /* the driver's per-entity order check does not apply */
        pthread_create(&th[i], NULL, submit_shared, &s[i]);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    static char seen[THREADS * SHARED_PER + 1];
    static int64_t stamp[THREADS * SHARED_PER + 1];
    memset(seen, 0, sizeof seen);
    int dup = 0;
    for (int i = 0; i < THREADS; i++) {
        CHECK_EQ(s[i].errors, 0);
        for (int k = 0; k < SHARED_PER; k++) {
            gs_fence *f = s[i].jobs[k].finished;
            CHECK_EQ(gs_fence_wait(f, T_WAIT_NS), 0);
            uint64_t n = gs_fence_seqno(f);
            if (n >= 1 && n <= THREADS * SHARED_PER) {
                dup += seen[n]++;
                stamp[n] = gs_fence_timestamp_ns(f);
            } else {
                dup++;
            }
        }
    }
    CHECK_EQ(dup, 0); /* seqnos 1..N, each once */
    int late = 0;
    for (int n = 2; n <= THREADS * SHARED_PER; n++)
        late += stamp[n] < stamp[n - 1];
    CHECK_EQ(late, 0); /* finished in seqno order */
    CHECK(WAIT_UNTIL(atomic_load(&d.frees) == THREADS * SHARED_PER));
    CHECK_EQ(atomic_load(&last_run_seqno), THREADS * SHARED_PER);
    CHECK_EQ(atomic_load(&seqno_order_errors), 0);
    CHECK_EQ(atomic_load(&finish_seqno_errors), 0);
    CHECK_EQ(gs_entity_destroy(e, 0), 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    for (int i = 0; i < THREADS; i++)
        tjobs_free(s[i].jobs, SHARED_PER);
}

/* ------------------------------------------------------------------ the ring thread pattern */

static void ring_thread_completes_each_job_after_its_duration_in_order(void) {
    struct tdrv d;
    tdrv_init(&d, "ring", 2);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "timed", 5000 * MS, GS_POLICY_FIFO), 0);
    gs_entity *e = entity_on(d.sched, GS_PRIORITY_NORMAL);
    enum { N = 12 };
    struct tjob *j = tjobs_new(&d, N);
    for (int i = 0; i < N; i++) {
        j[i].seq = i + 1;
        j[i].duration_ns = (1 + i % 3) * MS;
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
    }
    for (int i = 0; i < N; i++)
        CHECK_EQ(gs_fence_wait(j[i].finished, T_WAIT_NS), 0);
    for (int i = 0; i < N; i++) {
        int64_t hw = gs_fence_timestamp_ns(j[i].hw), fin = gs_fence_timestamp_ns(j[i].finished);
        CHECK(hw - j[i].run_at_ns >= j[i].duration_ns); /* the ring ran it for its duration */
        CHECK(fin >= hw);                               /* finished after the hardware */
        if (i > 0) {
            CHECK(hw >= gs_fence_timestamp_ns(j[i - 1].hw)); /* the ring executes in order */
            CHECK(fin >= gs_fence_timestamp_ns(j[i - 1].finished));
        }
        CHECK_EQ(gs_fence_get_error(j[i].finished), 0);
    }
    CHECK_EQ(atomic_load(&d.timeouts), 0);
    CHECK(WAIT_UNTIL(atomic_load(&d.frees) == N));
    CHECK_EQ(gs_entity_destroy(e, 0), 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    tjobs_free(j, N);
}

/* ------------------------------------------------------------------ races on one fence */

struct racer {
    gs_fence *f;
    pthread_barrier_t *go;
    atomic_int calls;
    int removed;
};

static void count_call(gs_fence *f, void *data) {
    atomic_fetch_add(&((struct racer *)data)->calls, 1);
}

static void *add_then_remove(void *arg) {
    struct racer *r = arg;
    int added = gs_fence_add_callback(r->f, count_call, r) == 0;
    pthread_barrier_wait(r->go);
    r->removed = added && gs_fence_remove_callback(r->f, count_call, r) == 0;
    if (!added)
        atomic_fetch_add(&r->calls, 1000); /* must not happen: added before the signal */
    return NULL;
}

static void callback_removal_racing_the_signal_either_removes_it_or_lets_it_run_once(void) {
    gs_timeline *tl;
    CHECK_EQ(gs_timeline_create("race", &tl), 0);
    int removed = 0, ran = 0;
    for (int round = 0; round < 100; round++) {
        gs_fence *f;
        CHECK_EQ(gs_fence_create(tl, &f), 0);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, THREADS + 1);
        struct racer r[THREADS];
        pthread_t th[THREADS];
        for (int i = 0; i < THREADS; i++) {
            r[i].f = f;
            r[i].go = &go;
            atomic_init(&r[i].calls, 0);
            r[i].removed = 0;
            pthread_create(&th[i], NULL, add_then_remove, &r[i]);
        }
        pthread_barrier_wait(&go);
        CHECK_EQ(gs_fence_signal(f, 0), 0);
        for (int i = 0; i < THREADS; i++)
            pthread_join(th[i], NULL);
        for (int i = 0; i < THREADS; i++) {
            CHECK_EQ(atomic_load(&r[i].calls), r[i].removed ? 0 : 1);
            removed += r[i].removed;
            ran += !r[i].removed;
        }
        pthread_barrier_destroy(&go);
        gs_fence_put(f);
    }
    CHECK_EQ(removed + ran, 100 * THREADS);
    gs_timeline_put(tl);
}

struct refs {
    gs_fence *f;
    int bad;
};

static void *get_and_put(void *arg) {
    struct refs *r = arg;
    for (int i = 0; i < 2000; i++) {
        if (gs_fence_get(r->f) != r->f)
            r->bad++;
        if (gs_fence_is_signaled(r->f) < 0)
            r->bad++;
        gs_fence_put(r->f);
    }
    return NULL;
}

static void references_taken_and_dropped_from_many_threads_balance(void) {
    gs_timeline *tl;
    CHECK_EQ(gs_timeline_create("refs", &tl), 0);
    gs_fence *f;
    CHECK_EQ(gs_fence_create(tl, &f), 0);
    struct refs r[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        r[i].f = f;
        r[i].bad = 0;
        pthread_create(&th[i], NULL, get_and_put, &r[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ(r[i].bad, 0);
    }
    CHECK_EQ(gs_fence_is_signaled(f), 0); /* our reference is still the one left */
    gs_fence_put(f);
    CHECK_EQ(gs_fence_is_signaled(f), -EBADF);
    gs_timeline_put(tl);
}

struct waiter {
    gs_fence *f;
    int r;
};

static void *wait_forever(void *arg) {
    struct waiter *w = arg;
    w->r = gs_fence_wait(w->f, -1);
    return NULL;
}

static void every_waiting_thread_wakes_when_the_fence_signals(void) {
    gs_timeline *tl;
    CHECK_EQ(gs_timeline_create("waits", &tl), 0);
    gs_fence *f;
    CHECK_EQ(gs_fence_create(tl, &f), 0);
    struct waiter w[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i].f = f;
        w[i].r = 1;
        pthread_create(&th[i], NULL, wait_forever, &w[i]);
    }
    t_sleep_ns(10 * MS); /* most of them are blocked by now; the outcome is the same either way */
    CHECK_EQ(gs_fence_signal(f, -EINTR), 0);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ(w[i].r, 0);
    }
    gs_fence_put(f);
    gs_timeline_put(tl);
}

int main(void) {
    CHECK_EQ(gs_init(NULL), 0);
    RUN(eight_threads_submit_with_dependencies_across_their_entities);
    RUN(eight_threads_sharing_one_entity_get_distinct_seqnos_in_queue_order);
    RUN(ring_thread_completes_each_job_after_its_duration_in_order);
    RUN(callback_removal_racing_the_signal_either_removes_it_or_lets_it_run_once);
    RUN(references_taken_and_dropped_from_many_threads_balance);
    RUN(every_waiting_thread_wakes_when_the_fence_signals);
    CHECK_EXIT();
}
