/* Races between submissions and scheduler teardown or load balancing, focused from what the C
   ABI fuzzer (test_fuzz.c) ran into: a job whose gs_job_submit succeeded must end (its finished
   fence signals) and be freed exactly once, before gs_sched_destroy of its scheduler returns,
   however the submission and the destroy interleave; and an entity that moves between
   schedulers must never lose or strand a job. Outcomes only: no assertion depends on how the
   threads happen to interleave. GS_RACE_ROUNDS scales the rounds. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "gpusched.h"
#include "tdriver.h"

#define MS 1000000LL

static int rounds_scale = 1;
static uint64_t seed;

static uint64_t next(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* After one job did not end in time, the others get a short wait: the test fails either way,
   and quickly. */
static int64_t wait_budget = T_WAIT_NS;
static int waited_ok(gs_fence *f) {
    int r = gs_fence_wait(f, wait_budget);
    if (r != 0)
        wait_budget = 100 * MS;
    return r == 0;
}

/* ------------------------------------------------------------------ submit vs destroy */

enum { SUBMITTERS = 3, PER_ROUND = 300 };

struct submitter {
    gs_entity *e;
    struct tjob *jobs;
    int submitted; /* jobs[0 .. submitted) were submitted successfully */
    int errors;
};

static void *submit_until_refused(void *arg) {
    struct submitter *s = arg;
    for (int k = 0; k < PER_ROUND; k++) {
        struct tjob *t = &s->jobs[k];
        t->run_null = k % 2; /* half complete at once, half go through the ring */
        gs_job *j;
        if (gs_job_create(s->e, 1, t, &j) != 0) {
            s->errors++;
            break;
        }
        int r = gs_job_submit(j, NULL, &t->finished);
        if (r == -ENODEV) { /* the scheduler is going: refused, as documented */
            gs_job_abort(j);
            break;
        }
        if (r != 0) {
            s->errors++;
            break;
        }
        s->submitted = k + 1;
    }
    return NULL;
}

static void jobs_submitted_while_their_scheduler_is_destroyed_all_end_before_it_returns(void) {
    uint64_t x = seed;
    int lost = 0, not_freed = 0, after = 0, errors = 0, total = 0;
    for (int round = 0; round < 150 * rounds_scale && lost + not_freed == 0; round++) {
        struct tdrv d;
        tdrv_init(&d, "ring", 2);
        tdrv_start_ring(&d);
        CHECK_EQ(tdrv_sched(&d, "doomed", -1, GS_POLICY_FIFO), 0);
        struct submitter s[SUBMITTERS];
        pthread_t th[SUBMITTERS];
        for (int i = 0; i < SUBMITTERS; i++) {
            memset(&s[i], 0, sizeof s[i]);
            s[i].jobs = tjobs_new(&d, PER_ROUND);
            CHECK_EQ(gs_entity_create(&d.sched, 1, GS_PRIORITY_NORMAL, &s[i].e), 0);
            pthread_create(&th[i], NULL, submit_until_refused, &s[i]);
        }
        t_sleep_ns((int64_t)(next(&x) % 400000));
        gs_sched_destroy(d.sched);
        atomic_store(&d.destroyed, 1);
        for (int i = 0; i < SUBMITTERS; i++)
            pthread_join(th[i], NULL);
        for (int i = 0; i < SUBMITTERS; i++) {
            errors += s[i].errors;
            total += s[i].submitted;
            for (int k = 0; k < s[i].submitted; k++) {
                struct tjob *t = &s[i].jobs[k];
                if (!waited_ok(t->finished)) {
                    if (lost++ == 0)
                        fprintf(stderr, "  round %d: job %d of entity %d was submitted (0) but never ended\n", round,
                                k, i);
                } else if (atomic_load(&t->frees) != 1) {
                    if (not_freed++ == 0)
                        fprintf(stderr, "  round %d: job %d of entity %d ended but was freed %d times\n", round, k,
                                i, atomic_load(&t->frees));
                }
            }
            gs_entity_destroy(s[i].e, 0);
        }
        after += atomic_load(&d.after_destroy);
        tdrv_fini(&d);
        for (int i = 0; i < SUBMITTERS; i++)
            tjobs_free(s[i].jobs, PER_ROUND);
    }
    CHECK(total > 0);
    CHECK_EQ(errors, 0);
    CHECK_EQ(lost, 0);
    CHECK_EQ(not_freed, 0);
    CHECK_EQ(after, 0);
}

/* ------------------------------------------------------------------ moving entities */

/* Entities balanced over a stable scheduler and one that is destroyed and re-created again and
   again; they go idle after every job (so they may move at each submission), other load on the
   stable ones comes and goes, and priority changes keep waking the scheduler they are on. */
enum { MOVERS = 4 };

static struct tdrv stable[2];
static _Atomic uintptr_t churn_sched;
static atomic_int quit, mover_errors, mover_lost;
static atomic_long moves;
static atomic_long mover_jobs;

struct mover {
    gs_entity *e;
    uint64_t x;
};
static struct mover movers[MOVERS];
static _Atomic(void *) ran_on[MOVERS + 1]; /* the driver of each mover's last run_job */

/* run_job records which scheduler ran the job (to count moves); tjob.id is the mover, or
   MOVERS for other jobs. */
static int recording_run(gs_job *job, void *jd, void *sd, gs_fence **out) {
    struct tjob *t = jd;
    if (t->id >= 0 && t->id <= MOVERS)
        atomic_store(&ran_on[t->id], sd);
    return tdrv_run(job, jd, sd, out);
}

static struct gs_sched_ops recording_ops(void) {
    struct gs_sched_ops ops = tdrv_ops();
    ops.run_job = recording_run;
    return ops;
}

static int recording_sched(struct tdrv *d, const char *name) {
    struct gs_sched_ops ops = recording_ops();
    struct gs_sched_args a = tdrv_args(d, name, -1, GS_POLICY_FIFO);
    return gs_sched_create(&a, &ops, &d->sched);
}

static void *churner(void *arg) {
    (void)arg;
    while (!atomic_load(&quit)) {
        struct tdrv d;
        tdrv_init(&d, "churn", 2);
        tdrv_start_ring(&d);
        if (recording_sched(&d, "churn") != 0) {
            atomic_fetch_add(&mover_errors, 1);
            tdrv_fini(&d);
            break;
        }
        atomic_store(&churn_sched, (uintptr_t)d.sched);
        t_sleep_ns(200000);
        gs_sched_destroy(d.sched);
        atomic_store(&d.destroyed, 1);
        if (atomic_load(&d.after_destroy) != 0)
            atomic_fetch_add(&mover_errors, 1);
        tdrv_fini(&d);
    }
    return NULL;
}

/* Bursts of jobs on one stable scheduler only. */
static void *ballast(void *arg) {
    struct tdrv *d = arg;
    gs_entity *e;
    uint64_t x = seed ^ (uintptr_t)arg;
    if (gs_entity_create(&d->sched, 1, GS_PRIORITY_NORMAL, &e) != 0) {
        atomic_fetch_add(&mover_errors, 1);
        return NULL;
    }
    while (!atomic_load(&quit)) {
        int n = (int)(next(&x) % 5);
        struct tjob *j = tjobs_new(d, n ? n : 1);
        for (int k = 0; k < n; k++)
            j[k].id = MOVERS;
        for (int k = 0; k < n; k++)
            if (tjob_submit(&j[k], e, NULL) != 0)
                atomic_fetch_add(&mover_errors, 1);
        for (int k = 0; k < n; k++)
            if (j[k].finished != NULL && !waited_ok(j[k].finished) && atomic_fetch_add(&mover_lost, 1) == 0)
                fprintf(stderr, "  a job on stable scheduler %d (entity on it alone) never ended\n", (int)(d - stable));
        for (int k = 0; k < n; k++)
            WAIT_UNTIL(atomic_load(&j[k].frees) == 1);
        tjobs_free(j, n ? n : 1);
    }
    gs_entity_destroy(e, 0);
    return NULL;
}

/* Keeps waking the scheduler the entity is on. */
static void *waker(void *arg) {
    struct mover *m = arg;
    while (!atomic_load(&quit))
        gs_entity_set_priority(m->e, GS_PRIORITY_NORMAL);
    return NULL;
}

static int mover_steps = 3000;

static void *mover(void *arg) {
    struct mover *m = arg;
    int id = (int)(m - movers);
    void *last = NULL;
    for (int k = 0; k < mover_steps && atomic_load(&mover_lost) == 0; k++) {
        gs_sched *c[2] = {(gs_sched *)atomic_load(&churn_sched), stable[k % 2].sched};
        if (c[0] != NULL)
            gs_entity_set_schedulers(m->e, c, 2); /* -EBADF when that one is gone already */
        struct tjob *t = tjobs_new(&stable[0], 1);
        t->run_null = next(&m->x) % 2;
        t->id = id;
        gs_job *j;
        if (gs_job_create(m->e, 1, t, &j) != 0) {
            atomic_fetch_add(&mover_errors, 1);
            free(t);
            break;
        }
        int r = gs_job_submit(j, NULL, &t->finished);
        if (r == -ENODEV) { /* every scheduler it may use was going */
            gs_job_abort(j);
            free(t);
            continue;
        }
        if (r != 0) {
            atomic_fetch_add(&mover_errors, 1);
            free(t);
            break;
        }
        atomic_fetch_add(&mover_jobs, 1);
        /* it ends normally, or killed or cancelled by the destroy of the scheduler it went to */
        int e = waited_ok(t->finished) ? gs_fence_get_error(t->finished) : 1;
        if (e == 1) {
            if (atomic_fetch_add(&mover_lost, 1) == 0)
                fprintf(stderr, "  job %d of a moving entity was submitted (0) but never ended\n", k);
        } else if (e != 0 && e != -ESRCH && e != -ECANCELED) {
            atomic_fetch_add(&mover_errors, 1);
        } else if (!WAIT_UNTIL(atomic_load(&t->frees) == 1)) {
            if (atomic_fetch_add(&mover_lost, 1) == 0)
                fprintf(stderr, "  job %d of a moving entity ended but was never freed\n", k);
        }
        void *now = atomic_load(&ran_on[id]);
        if (last != NULL && now != NULL && now != last)
            atomic_fetch_add(&moves, 1);
        last = now;
        gs_fence_put(t->finished);
        t->finished = NULL;
        if (atomic_load(&t->frees) == 1)
            tjobs_free(t, 1); /* else leaked: the library may still call back with it */
    }
    return NULL;
}

static void entities_moving_between_schedulers_never_lose_a_job(void) {
    for (int i = 0; i < 2; i++) {
        tdrv_init(&stable[i], "stable", 2);
        tdrv_start_ring(&stable[i]);
        CHECK_EQ(recording_sched(&stable[i], "stable"), 0);
    }
    mover_steps *= rounds_scale;
    pthread_t mv[MOVERS], wk[MOVERS], bl[2], ch;
    struct mover *m = movers;
    pthread_create(&ch, NULL, churner, NULL);
    for (int i = 0; i < 2; i++)
        pthread_create(&bl[i], NULL, ballast, &stable[i]);
    gs_sched *both[2] = {stable[0].sched, stable[1].sched};
    for (int i = 0; i < MOVERS; i++) {
        m[i].x = seed + (uint64_t)i * 0x632be59bd9b4e019ull;
        CHECK_EQ(gs_entity_create(both, 2, GS_PRIORITY_NORMAL, &m[i].e), 0);
        pthread_create(&mv[i], NULL, mover, &m[i]);
        pthread_create(&wk[i], NULL, waker, &m[i]);
    }
    for (int i = 0; i < MOVERS; i++)
        pthread_join(mv[i], NULL);
    atomic_store(&quit, 1);
    for (int i = 0; i < MOVERS; i++)
        pthread_join(wk[i], NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(bl[i], NULL);
    pthread_join(ch, NULL);
    for (int i = 0; i < MOVERS; i++)
        CHECK(gs_entity_destroy(m[i].e, 0) >= 0);
    /* whether the stable schedulers still run new work */
    for (int i = 0; i < 2; i++) {
        gs_entity *e;
        CHECK_EQ(gs_entity_create(&stable[i].sched, 1, GS_PRIORITY_HIGH, &e), 0);
        struct tjob *j = tjobs_new(&stable[i], 1);
        j->id = MOVERS;
        CHECK_EQ(tjob_submit(j, e, NULL), 0);
        if (!waited_ok(j->finished))
            fprintf(stderr, "  stable scheduler %d no longer runs new jobs\n", i);
        CHECK(gs_entity_destroy(e, 0) >= 0);
    }
    for (int i = 0; i < 2; i++) {
        gs_sched_destroy(stable[i].sched);
        atomic_store(&stable[i].destroyed, 1);
        CHECK_EQ(atomic_load(&stable[i].after_destroy), 0);
        tdrv_fini(&stable[i]);
    }
    printf("# %ld jobs of moving entities, %ld moves\n", atomic_load(&mover_jobs), atomic_load(&moves));
    CHECK(atomic_load(&mover_jobs) > 0);
    CHECK_EQ(atomic_load(&mover_errors), 0);
    CHECK_EQ(atomic_load(&mover_lost), 0);
}

/* A test that hangs (a scheduler lane spinning or stuck) fails instead of hanging the run. */
static _Atomic(const char *) current_test;
static _Atomic int64_t deadline_ns;

static void *watchdog(void *arg) {
    (void)arg;
    for (;;) {
        t_sleep_ns(100 * MS);
        int64_t d = atomic_load(&deadline_ns);
        if (d != 0 && t_now_ns() > d) {
            printf("not ok - %s (did not finish within its time limit: hung; seed %llu)\n", atomic_load(&current_test),
                   (unsigned long long)seed);
            fflush(stdout);
            _exit(3);
        }
    }
    return NULL;
}

#define RUN_WITHIN(test, seconds)                                                                \
    do {                                                                                         \
        atomic_store(&current_test, #test);                                                      \
        atomic_store(&deadline_ns, t_now_ns() + (int64_t)(seconds) * 1000 * MS * rounds_scale);  \
        RUN(test);                                                                               \
        atomic_store(&deadline_ns, 0);                                                           \
    } while (0)

int main(void) {
    const char *s = getenv("GS_FUZZ_SEED");
    seed = s && *s ? strtoull(s, NULL, 0) : (uint64_t)t_now_ns();
    const char *r = getenv("GS_RACE_ROUNDS");
    if (r && *r)
        rounds_scale = atoi(r) > 0 ? atoi(r) : 1;
    printf("# races: seed %llu (GS_FUZZ_SEED), rounds x%d (GS_RACE_ROUNDS)\n", (unsigned long long)seed, rounds_scale);
    fflush(stdout);
    pthread_t wd;
    pthread_create(&wd, NULL, watchdog, NULL);
    RUN_WITHIN(jobs_submitted_while_their_scheduler_is_destroyed_all_end_before_it_returns, 120);
    RUN_WITHIN(entities_moving_between_schedulers_never_lose_a_job, 120);
    CHECK_EXIT();
}
