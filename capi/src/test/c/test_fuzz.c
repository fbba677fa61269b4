/* Seeded fuzzing of the whole C ABI from six threads. Each thread mixes valid use (timelines,
   driver fences, entities on shared schedulers with a small ring driver, jobs with dependencies,
   fence callbacks, recovery, schedulers destroyed and re-created under the others' feet) with
   calls that pass garbage: NULL, small integers, random 64-bit values, pointers to stack, heap,
   freed heap and static memory, stale handles, live handles of another type, live handles of
   other threads (which may die at any moment) and handles with flipped bits; and random scalars
   (errors, timeouts, credits, priorities, policies, sizes, counts). The driver's callbacks abuse
   the library too. Nothing may crash or hang, and every answer must be one that gpusched.h
   documents for that function: exactly -EBADF for a handle that cannot be valid, the documented
   set where a live handle may die during the call. Afterwards every submitted job has been freed
   once, every fence callback ran once unless removed, and no scheduler callback ran after its
   scheduler was destroyed.

   Pointers that the ABI reads or writes as data (names, structs, out parameters, arrays, buffers)
   always point at real memory of the right size: garbage there is a caller bug that no C library
   survives. Handles and scalars are fair game.

   GS_FUZZ_SEED=n replays a seed (printed at the start); GS_FUZZ_ITERS=n sets the steps per
   thread, GS_FUZZ_ITERS=ns runs for n seconds. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
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
#define NTHREADS 6
#define DEFAULT_STEPS 6000
#define HANG_NS (60 * 1000 * MS) /* no progress this long counts as a hang */

/* ------------------------------------------------------------------ randomness */

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdull;
    z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ull;
    return z ^ (z >> 33);
}

/* Callbacks run on library threads: they draw from one shared stream. */
static _Atomic uint64_t shared_stream;
static uint64_t shared_rnd(void) {
    return mix64(atomic_fetch_add(&shared_stream, 0x9e3779b97f4a7c15ull));
}

/* ------------------------------------------------------------------ every handle ever issued */

/* A Bloom filter of every handle value the library gave out (no false negatives): a garbage
   value it has never seen cannot be a live handle, so it must get exactly -EBADF; one it may
   have seen is only used with calls that cannot harm another thread's objects. */
#define BLOOM_BITS (1u << 24)
static _Atomic uint64_t bloom[BLOOM_BITS / 64];

static void issued(const void *h) {
    if (h == NULL)
        return;
    uint64_t m = mix64((uintptr_t)h);
    uint32_t a = (uint32_t)m & (BLOOM_BITS - 1), b = (uint32_t)(m >> 32) & (BLOOM_BITS - 1);
    atomic_fetch_or(&bloom[a / 64], 1ull << (a % 64));
    atomic_fetch_or(&bloom[b / 64], 1ull << (b % 64));
}

static int maybe_issued(uintptr_t h) {
    uint64_t m = mix64(h);
    uint32_t a = (uint32_t)m & (BLOOM_BITS - 1), b = (uint32_t)(m >> 32) & (BLOOM_BITS - 1);
    return (atomic_load(&bloom[a / 64]) >> (a % 64) & 1) && (atomic_load(&bloom[b / 64]) >> (b % 64) & 1);
}

/* ------------------------------------------------------------------ checking answers */

enum {
    R_0 = 1 << 0,
    R_1 = 1 << 1,
    R_POS = 1 << 2,   /* a count, a length, a time */
    R_ERRNO = 1 << 3, /* any error a fence can carry, [-4095, -1] */
    R_EINVAL = 1 << 4,
    R_EBADF = 1 << 5,
    R_EALREADY = 1 << 6,
    R_EPERM = 1 << 7,
    R_ETIMEDOUT = 1 << 8,
    R_ENOENT = 1 << 9,
    R_EBUSY = 1 << 10,
    R_EDEADLK = 1 << 11,
    R_ENODEV = 1 << 12,
};

static const struct {
    unsigned bit;
    int err;
    const char *name;
} errbits[] = {{R_EINVAL, EINVAL, "-EINVAL"},       {R_EBADF, EBADF, "-EBADF"},   {R_EALREADY, EALREADY, "-EALREADY"},
               {R_EPERM, EPERM, "-EPERM"},          {R_ETIMEDOUT, ETIMEDOUT, "-ETIMEDOUT"},
               {R_ENOENT, ENOENT, "-ENOENT"},       {R_EBUSY, EBUSY, "-EBUSY"}, {R_EDEADLK, EDEADLK, "-EDEADLK"},
               {R_ENODEV, ENODEV, "-ENODEV"}};

static int allowed(long long r, unsigned m) {
    if (r == 0)
        return (m & R_0) != 0;
    if (r == 1 && (m & R_1))
        return 1;
    if (r > 0)
        return (m & R_POS) != 0;
    if ((m & R_ERRNO) && r >= -4095)
        return 1;
    for (size_t i = 0; i < sizeof errbits / sizeof errbits[0]; i++)
        if (r == -errbits[i].err)
            return (m & errbits[i].bit) != 0;
    return 0;
}

static void mask_str(unsigned m, char *buf, size_t len) {
    buf[0] = '\0';
    const char *names[] = {"0", "1", ">0", "an errno"};
    for (int i = 0; i < 4; i++)
        if (m & (1u << i))
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? " or " : "", names[i]);
    for (size_t i = 0; i < sizeof errbits / sizeof errbits[0]; i++)
        if (m & errbits[i].bit)
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? " or " : "", errbits[i].name);
}

static uint64_t seed;
static atomic_long failures;
static atomic_ullong cb_calls; /* calls made from callbacks on library threads */

/* Which fuzz thread and step (for reports); -1 on library threads. */
static _Thread_local int tl_id = -1;
static _Thread_local uint64_t tl_step;
static _Thread_local uint64_t tl_calls;
static _Thread_local const char *tl_op = "callback";

static void note_call(void) {
    if (tl_id >= 0)
        tl_calls++;
    else
        atomic_fetch_add_explicit(&cb_calls, 1, memory_order_relaxed);
}

static void report(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(int line, const char *fmt, ...) {
    if (atomic_fetch_add(&failures, 1) >= 40)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "  test_fuzz.c:%d: thread %d, step %llu, in %s: %s (seed %llu)\n", line, tl_id,
            (unsigned long long)tl_step, tl_op, msg, (unsigned long long)seed);
}

static long long expect_(const char *call, long long r, unsigned mask, int line) {
    note_call();
    if (!allowed(r, mask)) {
        char m[256];
        mask_str(mask, m, sizeof m);
        report(line, "%s returned %lld, expected %s", call, r, m);
    }
    return r;
}
#define EXPECT(call, mask) expect_(#call, (long long)(call), (mask), __LINE__)
#define FAIL(...) report(__LINE__, __VA_ARGS__)
/* A call whose answer is checked by hand (void, pointer and uint64_t results). */
#define G(call) (note_call(), (call))

/* Full documented sets, for calls on handles that may be of anyone. */
#define A_FENCE_CREATE (R_0 | R_EBADF | R_EINVAL)
#define A_SIGNAL (R_0 | R_EALREADY | R_EPERM | R_EINVAL | R_EBADF)
#define A_IS_SIG (R_0 | R_1 | R_EBADF)
#define A_GET_ERR (R_0 | R_ERRNO)
#define A_WAIT (R_0 | R_ETIMEDOUT | R_EBADF)
#define A_ADD_CB (R_0 | R_ENOENT | R_EINVAL | R_EBADF)
#define A_RM_CB (R_0 | R_ENOENT | R_EBADF)
#define A_TS (R_POS | R_EBUSY | R_EBADF)
#define A_NAME (R_0 | R_POS | R_EINVAL | R_EBADF)
#define A_SUSPEND (R_0 | R_POS | R_EBADF)
#define A_ENT_CREATE (R_0 | R_EINVAL | R_EBADF | R_ENODEV)
#define A_ENT_DESTROY (R_0 | R_POS | R_EBADF)
#define A_JOB_CREATE (R_0 | R_EINVAL | R_EBADF)
#define A_SUBMIT (R_0 | R_EINVAL | R_ENODEV | R_EBADF)

#define SENTINEL ((void *)(uintptr_t)0x5e47)

/* ------------------------------------------------------------------ shared handle pools */

enum kind { K_TL, K_DFENCE, K_SFENCE, K_SCHED, K_ENT, K_JOB, NKINDS };

/* Live handles other threads may use (they may die at any moment: their owner, or another
   thread, destroys them). Values are never written by others except to clear them. */
#define NPUB 64
static _Atomic uintptr_t pub[NKINDS][NPUB];
/* Handles known to be stale for good (freed, destroyed, aborted, put, or answered -EBADF). */
#define NDEAD 256
static _Atomic uintptr_t dead[NKINDS][NDEAD];

static void publish(enum kind k, const void *h, uint64_t r) {
    atomic_store(&pub[k][r % NPUB], (uintptr_t)h);
}

static void unpublish(enum kind k, const void *h) {
    for (int i = 0; i < NPUB; i++) {
        uintptr_t v = (uintptr_t)h;
        atomic_compare_exchange_strong(&pub[k][i], &v, 0);
    }
}

static void bury(enum kind k, const void *h, uint64_t r) {
    if (h != NULL && h != SENTINEL)
        atomic_store(&dead[k][r % NDEAD], (uintptr_t)h);
}

/* ------------------------------------------------------------------ the driver */

#define FJOB_MAGIC 0x6675a2b1u
#define FJOB_DEAD 0xdeadf00du

/* A job as the fuzz driver sees it (job_data): what run_job and the others should do. */
struct fjob {
    uint32_t magic;
    int hang;         /* the ring never completes it (on a scheduler with a timeout) */
    int null_run;     /* run_job returns 0 without a fence */
    int fail_ret;     /* run_job returns this */
    int bad_out;      /* run_job hands back a bad fence handle */
    int bad_prep;     /* prepare_job hands back a bad fence handle */
    int prep_dep;     /* prepare_job hands over one more fence */
    int junk_verdict; /* timedout_job answers a value outside the enum */
    int enodev;       /* timedout_job answers ENODEV (only on a scheduler that is thrown away) */
    int abuse;        /* the callbacks call the library with garbage */
    int from_cb;      /* submitted from inside a callback: spawns no more */
    int hw_err;
    gs_fence *hw;     /* the job's reference to its hardware fence */
    atomic_int frees;
};

struct ritem {
    gs_fence *f;
    int err;
    struct ritem *next;
};

/* One scheduler's driver (its sched_data): a ring thread completes hardware fences in order. */
struct fdrv {
    gs_timeline *tl;
    gs_sched *sched;
    int has_timeout, throwaway;
    pthread_t ring;
    int ring_started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct ritem *head, *tail;
    int quit;
    atomic_int destroyed;     /* set once gs_sched_destroy returned */
    atomic_int after_destroy; /* callbacks seen after that */
    atomic_long runs;
};

static atomic_long jobs_submitted, jobs_freed, jobs_double_freed;
static atomic_long cb_added, cb_removed, cb_ran;
static gs_fence *never_fence;      /* signalled only at the very end */
static gs_fence *signalled_fence;  /* signalled at the start */
static _Atomic uintptr_t cb_entity; /* an entity jobs are submitted to from inside callbacks */

static void *ring_main(void *arg) {
    struct fdrv *d = arg;
    for (;;) {
        pthread_mutex_lock(&d->lock);
        while (!d->quit && d->head == NULL)
            pthread_cond_wait(&d->cond, &d->lock);
        struct ritem *it = d->head;
        if (it == NULL) {
            pthread_mutex_unlock(&d->lock);
            break;
        }
        d->head = it->next;
        if (d->head == NULL)
            d->tail = NULL;
        pthread_mutex_unlock(&d->lock);
        /* -EALREADY when cancel_job or free_job was first */
        EXPECT(gs_fence_signal(it->f, it->err), R_0 | R_EALREADY);
        G(gs_fence_put(it->f));
        free(it);
    }
    return NULL;
}

static void ring_push(struct fdrv *d, gs_fence *f, int err) {
    struct ritem *it = calloc(1, sizeof *it);
    it->f = f;
    it->err = err;
    pthread_mutex_lock(&d->lock);
    if (d->tail == NULL)
        d->head = it;
    else
        d->tail->next = it;
    d->tail = it;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

static void drv_note(struct fdrv *d) {
    if (atomic_load(&d->destroyed))
        atomic_fetch_add(&d->after_destroy, 1);
}

static struct fjob *fjob_check(void *jd, const char *cb) {
    struct fjob *t = jd;
    if (t == NULL || t->magic != FJOB_MAGIC) {
        FAIL("%s got job_data %p that is not a live job (magic %#x)", cb, jd, t ? t->magic : 0);
        return NULL;
    }
    return t;
}

/* A handle value that cannot be valid, for the driver to hand back or pass around. */
static uintptr_t never_valid(uint64_t x) {
    switch (x % 3) {
    case 0: return 1 + (x >> 8) % 4096;                       /* a small integer */
    case 1: return (uintptr_t)&jobs_submitted + (x >> 8) % 64; /* static memory */
    default: {
        uintptr_t v = atomic_load(&dead[K_DFENCE][(x >> 8) % NDEAD]);
        return v ? v : 3;
    }
    }
}

static void fz_fence_cb(gs_fence *f, void *data);
static int cb_tokens[4];

static void submit_from_callback(struct fdrv *d) {
    gs_entity *e = (gs_entity *)atomic_load(&cb_entity);
    if (e == NULL)
        return;
    struct fjob *t = calloc(1, sizeof *t);
    t->magic = FJOB_MAGIC;
    t->from_cb = 1;
    gs_job *j = SENTINEL;
    /* the entity is destroyed at the very end, maybe while this runs */
    if (EXPECT(gs_job_create(e, 1 + shared_rnd() % 3, t, &j), R_0 | R_EBADF) != 0) {
        free(t);
        return;
    }
    issued(j);
    gs_fence *fin = SENTINEL;
    long long r = EXPECT(gs_job_submit(j, NULL, &fin), R_0 | R_ENODEV);
    if (r != 0) {
        G(gs_job_abort(j));
        free(t);
        return;
    }
    atomic_fetch_add(&jobs_submitted, 1);
    issued(fin);
    if (shared_rnd() % 2 && EXPECT(gs_fence_add_callback(fin, fz_fence_cb, &cb_tokens[0]), R_0 | R_ENOENT) == 0)
        atomic_fetch_add(&cb_added, 1);
    G(gs_fence_put(fin));
}

/* Calls a library function from inside a scheduler callback, where blocking is refused. */
static void cb_abuse(struct fdrv *d, gs_job *job, struct fjob *t, int may_submit) {
    uint64_t x = shared_rnd();
    switch (x % 9) {
    case 0:
        EXPECT(gs_fence_wait(never_fence, (x >> 8) % 2 ? -1 : 1 * MS), R_EDEADLK);
        break;
    case 1:
        EXPECT(gs_entity_destroy((gs_entity *)never_valid(x >> 8), -1), R_EBADF);
        break;
    case 2: {
        gs_entity *e = (gs_entity *)atomic_load(&cb_entity);
        if (e != NULL)
            EXPECT(gs_entity_destroy(e, (x >> 8) % 2 ? -1 : 0), R_EDEADLK | R_EBADF);
        break;
    }
    case 3:
        G(gs_sched_destroy(d->sched)); /* ignored inside a callback */
        EXPECT(gs_sched_resume_timeout(d->sched, -1), R_EINVAL); /* still live */
        break;
    case 4: {
        gs_fence *f = G(gs_job_finished_fence(job));
        if (f == NULL) {
            FAIL("gs_job_finished_fence of the job a callback is running for returned NULL");
            break;
        }
        issued(f);
        EXPECT(gs_fence_signal(f, 0), R_EPERM);
        EXPECT(gs_fence_wait(f, 0), R_0 | R_ETIMEDOUT | R_EDEADLK);
        G(gs_fence_put(f));
        break;
    }
    case 5:
        EXPECT(gs_job_submit(job, NULL, NULL), R_EINVAL);
        EXPECT(gs_job_add_dependency(job, signalled_fence), R_EINVAL);
        G(gs_job_abort(job)); /* ignored: submitted */
        break;
    case 6:
        if (may_submit && !t->from_cb)
            submit_from_callback(d);
        break;
    case 7:
        if (G(gs_fence_get((gs_fence *)never_valid(x >> 8))) != NULL)
            FAIL("gs_fence_get of a value never issued returned non-NULL");
        EXPECT(gs_fence_is_signaled((gs_fence *)d->tl), R_EBADF);
        break;
    default: {
        gs_fence *f = SENTINEL;
        if (EXPECT(gs_fence_create(d->tl, &f), R_0) == 0) {
            issued(f);
            EXPECT(gs_fence_signal(f, -(int)(1 + (x >> 8) % 4095)), R_0);
            G(gs_fence_put(f));
        }
        break;
    }
    }
}

static int fz_prepare(gs_job *job, void *jd, void *sd, gs_fence **dep_out) {
    struct fdrv *d = sd;
    drv_note(d);
    struct fjob *t = fjob_check(jd, "prepare_job");
    if (t == NULL)
        return 0;
    if (t->abuse)
        cb_abuse(d, job, t, 1);
    if (t->prep_dep) {
        t->prep_dep = 0;
        gs_fence *f = SENTINEL;
        if (EXPECT(gs_fence_create(d->tl, &f), R_0) == 0) {
            issued(f);
            ring_push(d, G(gs_fence_get(f)), 0);
            *dep_out = f; /* this reference passes to the scheduler */
        }
    } else if (t->bad_prep) {
        t->bad_prep = 0;
        *dep_out = (gs_fence *)never_valid(shared_rnd());
    }
    return 0;
}

static int fz_run(gs_job *job, void *jd, void *sd, gs_fence **hw_out) {
    struct fdrv *d = sd;
    drv_note(d);
    atomic_fetch_add(&d->runs, 1);
    struct fjob *t = fjob_check(jd, "run_job");
    if (t == NULL)
        return -EINVAL;
    if (t->abuse)
        cb_abuse(d, job, t, 1);
    if (t->fail_ret)
        return t->fail_ret;
    if (t->null_run)
        return 0;
    if (t->bad_out) {
        *hw_out = (gs_fence *)(t->bad_out == 1 ? (uintptr_t)d->tl : never_valid(shared_rnd()));
        return 0;
    }
    gs_fence *hw = SENTINEL;
    if (EXPECT(gs_fence_create(d->tl, &hw), R_0) != 0)
        return -ENOMEM;
    issued(hw);
    t->hw = G(gs_fence_get(hw));
    if (!(t->hang && d->has_timeout))
        ring_push(d, G(gs_fence_get(hw)), t->hw_err);
    *hw_out = hw; /* this reference passes to the scheduler */
    return 0;
}

static enum gs_timeout_status fz_timedout(gs_job *job, void *jd, void *sd) {
    struct fdrv *d = sd;
    drv_note(d);
    struct fjob *t = fjob_check(jd, "timedout_job");
    if (t == NULL)
        return GS_TIMEOUT_NO_HANG;
    if (t->abuse)
        cb_abuse(d, job, t, 0);
    if (!(t->hang && d->has_timeout))
        return GS_TIMEOUT_NO_HANG; /* the ring will complete it: slow, not hung */
    if (t->enodev && d->throwaway)
        return GS_TIMEOUT_ENODEV;
    return t->junk_verdict ? (enum gs_timeout_status)(77 + (int)(shared_rnd() % 1000)) : GS_TIMEOUT_RESET;
}

static void fz_cancel(gs_job *job, void *jd, void *sd) {
    struct fdrv *d = sd;
    drv_note(d);
    struct fjob *t = fjob_check(jd, "cancel_job");
    if (t == NULL)
        return;
    if (t->abuse)
        cb_abuse(d, job, t, 0);
    if (t->hw != NULL)
        EXPECT(gs_fence_signal(t->hw, -ECANCELED), R_0 | R_EALREADY);
}

static void fz_free(gs_job *job, void *jd, void *sd) {
    struct fdrv *d = sd;
    drv_note(d);
    struct fjob *t = jd;
    if (t == NULL || t->magic != FJOB_MAGIC) {
        if (t != NULL && t->magic == FJOB_DEAD)
            atomic_fetch_add(&jobs_double_freed, 1);
        FAIL("free_job got job_data %p that is not a live job", jd);
        return;
    }
    if (atomic_fetch_add(&t->frees, 1) != 0)
        atomic_fetch_add(&jobs_double_freed, 1);
    if (t->abuse)
        cb_abuse(d, job, t, 0);
    gs_fence *f = G(gs_job_finished_fence(job));
    if (f == NULL)
        FAIL("gs_job_finished_fence inside free_job returned NULL");
    issued(f);
    G(gs_fence_put(f));
    if (t->hw != NULL) {
        /* a hung job's hardware fence: the driver lets go of it now */
        EXPECT(gs_fence_signal(t->hw, -ECANCELED), R_0 | R_EALREADY);
        G(gs_fence_put(t->hw));
    }
    t->magic = FJOB_DEAD;
    free(t);
    atomic_fetch_add(&jobs_freed, 1);
}

static void fz_visit(gs_job *job, void *jd, void *data) {
    atomic_fetch_add((atomic_int *)data, 1);
    if (fjob_check(jd, "gs_sched_for_each_pending's visit") == NULL)
        return;
    gs_fence *f = G(gs_job_finished_fence(job));
    if (f == NULL)
        FAIL("gs_job_finished_fence of a pending job returned NULL");
    issued(f);
    G(gs_fence_put(f));
}

static void fz_fence_cb(gs_fence *f, void *data) {
    atomic_fetch_add(&cb_ran, 1);
    issued(f);
    if (data < (void *)&cb_tokens[0] || data > (void *)&cb_tokens[3])
        FAIL("fence callback got data %p it was not registered with", data);
    EXPECT(gs_fence_is_signaled(f), R_1); /* borrowed for the call, and signalled */
    uint64_t x = shared_rnd();
    if (x % 16 == 0)
        EXPECT(gs_fence_wait(never_fence, (x >> 8) % 2 ? -1 : 1 * MS), R_EDEADLK);
    if (x % 16 == 1) {
        if (G(gs_fence_get(f)) != f)
            FAIL("gs_fence_get of the fence a callback got did not return it");
        G(gs_fence_put(f));
    }
}

static struct gs_sched_ops fz_ops(void) {
    struct gs_sched_ops ops = {.size = sizeof ops,
                               .prepare_job = fz_prepare,
                               .run_job = fz_run,
                               .timedout_job = fz_timedout,
                               .cancel_job = fz_cancel,
                               .free_job = fz_free};
    return ops;
}

#define MAX_DRIVERS 65536
static struct fdrv *drivers[MAX_DRIVERS];
static int ndrivers;
static pthread_mutex_t drivers_lock = PTHREAD_MUTEX_INITIALIZER;

static struct fdrv *drv_new(int throwaway) {
    struct fdrv *d = calloc(1, sizeof *d);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->cond, NULL);
    d->throwaway = throwaway;
    EXPECT(gs_timeline_create("fuzz-ring", &d->tl), R_0);
    issued(d->tl);
    pthread_create(&d->ring, NULL, ring_main, d);
    d->ring_started = 1;
    pthread_mutex_lock(&drivers_lock);
    if (ndrivers < MAX_DRIVERS)
        drivers[ndrivers++] = d;
    pthread_mutex_unlock(&drivers_lock);
    return d;
}

/* After its scheduler is destroyed: no callback may come any more. */
static void drv_retire(struct fdrv *d) {
    atomic_store(&d->destroyed, 1);
    pthread_mutex_lock(&d->lock);
    d->quit = 1;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->lock);
    if (d->ring_started)
        pthread_join(d->ring, NULL);
    d->ring_started = 0;
    G(gs_timeline_put(d->tl));
    bury(K_TL, d->tl, (uintptr_t)d);
}

static int drv_sched(struct fdrv *d, const char *name, uint32_t credits, int64_t timeout_ns, enum gs_policy policy) {
    struct gs_sched_ops ops = fz_ops();
    struct gs_sched_args a = {.size = sizeof a,
                              .name = name,
                              .credit_limit = credits,
                              .timeout_ns = timeout_ns,
                              .policy = policy,
                              .sched_data = d};
    d->has_timeout = timeout_ns >= 0;
    gs_sched *s = SENTINEL;
    int r = (int)EXPECT(gs_sched_create(&a, &ops, &s), R_0);
    if (r == 0) {
        issued(s);
        d->sched = s;
    }
    return r;
}

/* ------------------------------------------------------------------ shared schedulers */

#define NSLOTS 4
#define NSTABLE 2 /* slots 0 and 1 live for the whole run; 2 and 3 are thrown away and replaced */
struct slot {
    pthread_mutex_t lock;
    _Atomic uintptr_t sched;
    struct fdrv *drv;
};
static struct slot slots[NSLOTS];
static atomic_long churns;

static gs_sched *slot_sched(int i) {
    return (gs_sched *)atomic_load(&slots[i].sched);
}

static void slot_fill(int i, uint64_t x) {
    struct fdrv *d = drv_new(i >= NSTABLE);
    int64_t timeout = i == 0 ? 30 * MS : i == 1 ? -1 : (x % 2 ? -1 : (int64_t)(5 + x % 40) * MS);
    enum gs_policy policy = i == 0 ? GS_POLICY_FAIR : i == 1 ? GS_POLICY_RR : (enum gs_policy)((x >> 8) % 3);
    char name[32];
    snprintf(name, sizeof name, "fuzz-%d", i);
    drv_sched(d, name, i == 0 ? 4 : i == 1 ? 2 : 1 + (uint32_t)((x >> 16) % 8), timeout, policy);
    slots[i].drv = d;
    atomic_store(&slots[i].sched, (uintptr_t)d->sched);
}

static void slot_empty(int i) {
    struct fdrv *d = slots[i].drv;
    gs_sched *s = slot_sched(i);
    G(gs_sched_destroy(s));
    drv_retire(d);
    bury(K_SCHED, s, (uintptr_t)s >> 4);
    /* the stale value stays in the slot a little: the others keep hitting it */
}

/* ------------------------------------------------------------------ a fuzz thread */

#define MAX_TL 2
#define MAX_DF 16
#define MAX_FIN 48
#define MAX_ENT 3
#define MAX_JOBS 4
#define MAX_SUB 16

struct otl {
    gs_timeline *tl;
    char name[300];
    int utf8; /* the name reads back as given */
};
struct odf {
    gs_fence *f;
    int refs, signalled, err, published, tl_idx; /* tl_idx: index into names, -1 if not ours */
    char name[300];
    int name_known;
};
struct ofin {
    gs_fence *f;
    int published;
    int cbs; /* callbacks were added through it: one may still be running (and hold it) */
};
struct oent {
    gs_entity *e;
    int published, churny;
};
struct ojob {
    gs_job *j;
    struct fjob *t;
    gs_entity *e; /* its entity */
    int own;      /* of ours (else another thread's) */
    int deps;
};

struct fz {
    int id;
    uint64_t rng;
    struct otl tl[MAX_TL];
    int ntl;
    struct odf df[MAX_DF];
    int ndf;
    struct ofin fin[MAX_FIN];
    int nfin;
    struct oent ent[MAX_ENT];
    int nent;
    struct ojob job[MAX_JOBS];
    int njob;
    gs_job *sub[MAX_SUB];
    int nsub;
    uint64_t calls;
    char stack_junk[64];
    void *heap_junk, *freed_junk;
};

static atomic_ullong progress;
static _Atomic(const char *) thread_op[NTHREADS];
static uint64_t steps_per_thread;
static int64_t run_until_ns;
static pthread_barrier_t done_barrier;
static atomic_ullong total_calls, total_steps;

static uint64_t rnd(struct fz *z) {
    return splitmix(&z->rng);
}
static uint64_t rn(struct fz *z, uint64_t n) {
    return rnd(z) % n;
}
static int chance(struct fz *z, int one_in) {
    return rn(z, (uint64_t)one_in) == 0;
}

static void set_op(struct fz *z, const char *op) {
    tl_op = op;
    atomic_store_explicit(&thread_op[z->id], op, memory_order_relaxed);
}

/* Scalars that make good trouble. */
static int junk_int(struct fz *z) {
    static const int v[] = {0, 1, -1, 2, 3, 4, -4095, -4096, 4096, INT_MAX, INT_MIN, -EINVAL, -ENOMEM, 77, 1000000};
    return rn(z, 3) ? v[rn(z, sizeof v / sizeof v[0])] : (int)(uint32_t)rnd(z);
}
static int64_t junk_i64(struct fz *z) {
    static const int64_t v[] = {0, 1, -1, INT64_MAX, INT64_MIN, 1000, -1000, 1 * MS, INT64_MAX - 1, INT64_MIN + 1};
    return rn(z, 3) ? v[rn(z, sizeof v / sizeof v[0])] : (int64_t)rnd(z);
}
static int valid_error(struct fz *z) {
    return rn(z, 2) ? 0 : -(int)(1 + rn(z, 4095));
}
static int invalid_prio(struct fz *z) {
    static const int v[] = {4, 5, -1, 22, 4096, INT_MIN, INT_MAX};
    return v[rn(z, sizeof v / sizeof v[0])];
}
static int invalid_error(struct fz *z) {
    static const int v[] = {1, 4096, -4096, INT_MIN, INT_MAX, 22};
    return v[rn(z, sizeof v / sizeof v[0])];
}

/* ------------------------------------------------------------------ garbage handle values */

struct junk {
    uintptr_t v;
    int exact; /* cannot be a live handle of the parameter's type: exactly -EBADF */
    const char *what;
};

/* A value for a handle parameter of type `want` (a kind; K_DFENCE stands for any fence). */
static struct junk make_junk(struct fz *z, enum kind want) {
    struct junk j = {0, 1, "NULL"};
    switch (rn(z, 10)) {
    case 0:
        break;
    case 1:
        j.v = 1 + rn(z, 1u << 16);
        j.what = "a small integer";
        break;
    case 2:
        j.v = (uintptr_t)rnd(z);
        j.what = "a random value";
        break;
    case 3:
        j.v = (uintptr_t)&z->stack_junk[rn(z, sizeof z->stack_junk)];
        j.what = "a pointer to the stack";
        break;
    case 4:
        j.v = (uintptr_t)(rn(z, 2) ? z->heap_junk : z->freed_junk) + rn(z, 64);
        j.what = "a pointer to heap or freed memory";
        break;
    case 5:
        j.v = rn(z, 2) ? (uintptr_t)&failures + rn(z, 16) : (uintptr_t)(void *)fz_run;
        j.what = "a pointer to static data or code";
        break;
    case 6: { /* stale for good, of any type */
        enum kind k = (enum kind)rn(z, NKINDS);
        j.v = atomic_load(&dead[k][rn(z, NDEAD)]);
        j.what = j.v ? "a stale handle" : "NULL";
        return j;
    }
    case 7: { /* live (or since dead) handle of another type */
        enum kind k;
        do {
            k = (enum kind)rn(z, NKINDS);
        } while (k == want || (want == K_DFENCE && k == K_SFENCE));
        j.v = k == K_SCHED ? (uintptr_t)slot_sched((int)rn(z, NSLOTS)) : atomic_load(&pub[k][rn(z, NPUB)]);
        j.what = j.v ? "a handle of another type" : "NULL";
        return j;
    }
    default: { /* a live handle of the right type with a flipped bit or an offset */
        enum kind k = want == K_DFENCE && rn(z, 2) ? K_SFENCE : want;
        uintptr_t h = k == K_SCHED ? (uintptr_t)slot_sched((int)rn(z, NSLOTS)) : atomic_load(&pub[k][rn(z, NPUB)]);
        if (h == 0)
            return j;
        j.v = rn(z, 2) ? h ^ ((uintptr_t)1 << rn(z, 64)) : h + 1 + rn(z, 32);
        j.what = "a handle with a flipped bit or an offset";
        /* it may name a slot that is issued again at any moment: maybe live */
        j.exact = 0;
        return j;
    }
    }
    j.exact = !maybe_issued(j.v);
    return j;
}

/* The functions that take a handle, and whether a call could harm the object behind a live
   value (those only get values that cannot be live). Adding a callback counts: while it runs,
   the handle it was added through stays live, so its owner could not tell when it goes stale. */
enum fn {
    F_TL_PUT, F_FENCE_CREATE, F_SIGNAL, F_GET, F_PUT, F_IS_SIG, F_GET_ERR, F_WAIT, F_ADD_CB, F_RM_CB, F_TS,
    F_DEADLINE, F_TL_NAME, F_CTX, F_SEQNO, F_S_DESTROY, F_S_FAULT, F_S_STOP, F_S_START, F_S_EACH, F_S_SUSPEND,
    F_S_RESUME, F_E_CREATE, F_E_SETPRIO, F_E_SETSCHEDS_E, F_E_SETSCHEDS_S, F_E_ERROR, F_E_DESTROY, F_J_CREATE,
    F_J_ADDDEP_J, F_J_ADDDEP_F, F_J_SUBMIT, F_J_FIN, F_J_ABORT, NFN
};
static const struct {
    enum kind kind;
    int harmful;
} fns[NFN] = {
    [F_TL_PUT] = {K_TL, 1},        [F_FENCE_CREATE] = {K_TL, 0},   [F_SIGNAL] = {K_DFENCE, 1},
    [F_GET] = {K_DFENCE, 1},       [F_PUT] = {K_DFENCE, 1},        [F_IS_SIG] = {K_DFENCE, 0},
    [F_GET_ERR] = {K_DFENCE, 0},   [F_WAIT] = {K_DFENCE, 0},       [F_ADD_CB] = {K_DFENCE, 1},
    [F_RM_CB] = {K_DFENCE, 0},     [F_TS] = {K_DFENCE, 0},         [F_DEADLINE] = {K_DFENCE, 0},
    [F_TL_NAME] = {K_DFENCE, 0},   [F_CTX] = {K_DFENCE, 0},        [F_SEQNO] = {K_DFENCE, 0},
    [F_S_DESTROY] = {K_SCHED, 1},  [F_S_FAULT] = {K_SCHED, 0},     [F_S_STOP] = {K_SCHED, 1},
    [F_S_START] = {K_SCHED, 1},    [F_S_EACH] = {K_SCHED, 0},      [F_S_SUSPEND] = {K_SCHED, 1},
    [F_S_RESUME] = {K_SCHED, 1},   [F_E_CREATE] = {K_SCHED, 0},    [F_E_SETPRIO] = {K_ENT, 0},
    [F_E_SETSCHEDS_E] = {K_ENT, 1}, [F_E_SETSCHEDS_S] = {K_SCHED, 0}, [F_E_ERROR] = {K_ENT, 0},
    [F_E_DESTROY] = {K_ENT, 1},    [F_J_CREATE] = {K_ENT, 0},      [F_J_ADDDEP_J] = {K_JOB, 1},
    [F_J_ADDDEP_F] = {K_DFENCE, 1}, /* a live fence might never signal */ [F_J_SUBMIT] = {K_JOB, 1},     [F_J_FIN] = {K_JOB, 0},
    [F_J_ABORT] = {K_JOB, 1},
};

static struct ojob *any_unsubmitted(struct fz *z) {
    return z->njob ? &z->job[rn(z, (uint64_t)z->njob)] : NULL;
}

/* One call with a garbage value `j` for the handle parameter of function `f`. */
static void call_with_junk(struct fz *z, enum fn f, struct junk j) {
    void *p = (void *)j.v;
    int ex = j.exact;
    char buf[48];
    switch (f) {
    case F_TL_PUT:
        G(gs_timeline_put(p));
        break;
    case F_FENCE_CREATE: {
        int null_out = chance(z, 8);
        gs_fence *out = SENTINEL;
        long long r = EXPECT(gs_fence_create(p, null_out ? NULL : &out),
                             ex ? R_EBADF | (null_out ? R_EINVAL : 0) : A_FENCE_CREATE);
        if (r == 0) { /* a live timeline after all: the fence is ours to signal */
            issued(out);
            EXPECT(gs_fence_signal(out, 0), R_0);
            G(gs_fence_put(out));
        } else if (out != SENTINEL) {
            FAIL("gs_fence_create wrote *out although it failed");
        }
        break;
    }
    case F_SIGNAL: {
        int bad_err = chance(z, 4);
        EXPECT(gs_fence_signal(p, bad_err ? invalid_error(z) : valid_error(z)), R_EBADF | (bad_err ? R_EINVAL : 0));
        break;
    }
    case F_GET:
        if (G(gs_fence_get(p)) != NULL)
            FAIL("gs_fence_get(%s %#lx) did not return NULL", j.what, (unsigned long)j.v);
        break;
    case F_PUT:
        G(gs_fence_put(p));
        break;
    case F_IS_SIG:
        EXPECT(gs_fence_is_signaled(p), ex ? R_EBADF : A_IS_SIG);
        break;
    case F_GET_ERR: {
        long long r = EXPECT(gs_fence_get_error(p), ex ? R_ERRNO : A_GET_ERR);
        if (ex && r != -EBADF)
            FAIL("gs_fence_get_error(%s %#lx) returned %lld, expected -EBADF", j.what, (unsigned long)j.v, r);
        break;
    }
    case F_WAIT:
        EXPECT(gs_fence_wait(p, ex ? junk_i64(z) : (int64_t)rn(z, 1000)), ex ? R_EBADF : A_WAIT);
        break;
    case F_ADD_CB: {
        int null_cb = chance(z, 8);
        long long r = EXPECT(gs_fence_add_callback(p, null_cb ? NULL : fz_fence_cb, &cb_tokens[rn(z, 4)]),
                             ex ? R_EBADF | (null_cb ? R_EINVAL : 0) : A_ADD_CB);
        if (r == 0)
            atomic_fetch_add(&cb_added, 1);
        break;
    }
    case F_RM_CB: {
        long long r = EXPECT(gs_fence_remove_callback(p, rn(z, 4) ? fz_fence_cb : NULL, &cb_tokens[rn(z, 4)]),
                             ex ? R_EBADF : A_RM_CB);
        if (r == 0)
            atomic_fetch_add(&cb_removed, 1);
        break;
    }
    case F_TS: {
        long long r = EXPECT(gs_fence_timestamp_ns(p), ex ? R_EBADF : A_TS);
        if (r > t_now_ns())
            FAIL("gs_fence_timestamp_ns returned %lld, later than now", r);
        break;
    }
    case F_DEADLINE:
        EXPECT(gs_fence_set_deadline(p, junk_i64(z)), ex ? R_EBADF : R_0 | R_EBADF);
        break;
    case F_TL_NAME: {
        memset(buf, 0x5a, sizeof buf);
        size_t len = rn(z, 3) ? rn(z, sizeof buf + 1) : 0;
        int null_buf = chance(z, 4);
        if (null_buf && chance(z, 2))
            len = (size_t)rnd(z);
        long long r = EXPECT(gs_fence_timeline_name(p, null_buf ? NULL : buf, len),
                             ex ? R_EBADF | (null_buf && len ? R_EINVAL : 0) : A_NAME);
        if (r < 0 && !null_buf && buf[0] != 0x5a)
            FAIL("gs_fence_timeline_name wrote the buffer although it failed");
        if (r >= 0 && !null_buf && len > 0 && memchr(buf, 0, len) == NULL)
            FAIL("gs_fence_timeline_name left the buffer unterminated");
        break;
    }
    case F_CTX:
        if (G(gs_fence_context(p)) != 0 && ex)
            FAIL("gs_fence_context(%s %#lx) was not 0", j.what, (unsigned long)j.v);
        break;
    case F_SEQNO:
        if (G(gs_fence_seqno(p)) != 0 && ex)
            FAIL("gs_fence_seqno(%s %#lx) was not 0", j.what, (unsigned long)j.v);
        break;
    case F_S_DESTROY:
        G(gs_sched_destroy(p));
        break;
    case F_S_FAULT:
        EXPECT(gs_sched_fault(p), ex ? R_EBADF : R_0 | R_EBADF);
        break;
    case F_S_STOP:
        EXPECT(gs_sched_stop(p), R_EBADF);
        break;
    case F_S_START: {
        int bad_err = chance(z, 4);
        EXPECT(gs_sched_start(p, bad_err ? invalid_error(z) : valid_error(z)), R_EBADF | (bad_err ? R_EINVAL : 0));
        break;
    }
    case F_S_EACH: {
        atomic_int visits = 0;
        int null_visit = chance(z, 8);
        EXPECT(gs_sched_for_each_pending(p, null_visit ? NULL : fz_visit, &visits),
               ex ? R_EBADF | (null_visit ? R_EINVAL : 0) : R_0 | R_EBUSY | R_EINVAL | R_EBADF);
        if (ex && atomic_load(&visits) != 0)
            FAIL("gs_sched_for_each_pending visited jobs of a bad handle");
        break;
    }
    case F_S_SUSPEND:
        EXPECT(gs_sched_suspend_timeout(p), R_EBADF);
        break;
    case F_S_RESUME: {
        int64_t rem = junk_i64(z);
        EXPECT(gs_sched_resume_timeout(p, rem), R_EBADF | (rem < 0 ? R_EINVAL : 0));
        break;
    }
    case F_E_CREATE: { /* the bad value among live schedulers */
        gs_sched *arr[4];
        uint32_t n = 1 + (uint32_t)rn(z, 4);
        for (uint32_t i = 0; i < n; i++)
            arr[i] = slot_sched((int)rn(z, NSTABLE));
        arr[rn(z, n)] = p;
        int prio = rn(z, 4) ? (int)rn(z, 4) : junk_int(z);
        int bad_prio = prio < 0 || prio > 3;
        gs_entity *out = SENTINEL;
        long long r = EXPECT(gs_entity_create(arr, n, (enum gs_priority)prio, &out),
                             ex ? R_EBADF | (bad_prio ? R_EINVAL : 0) : A_ENT_CREATE);
        if (r == 0) {
            issued(out);
            EXPECT(gs_entity_destroy(out, 0), R_0);
        } else if (out != SENTINEL) {
            FAIL("gs_entity_create wrote *out although it failed");
        }
        break;
    }
    case F_E_SETPRIO: {
        int prio = rn(z, 2) ? (int)rn(z, 4) : junk_int(z);
        EXPECT(gs_entity_set_priority(p, (enum gs_priority)prio),
               ex ? R_EBADF | (prio < 0 || prio > 3 ? R_EINVAL : 0) : R_0 | R_EINVAL | R_EBADF);
        break;
    }
    case F_E_SETSCHEDS_E: {
        gs_sched *s = slot_sched((int)rn(z, NSTABLE));
        int null_arr = chance(z, 8);
        uint32_t n = chance(z, 8) ? 0 : 1;
        EXPECT(gs_entity_set_schedulers(p, null_arr ? NULL : &s, n), R_EBADF | (null_arr || n == 0 ? R_EINVAL : 0));
        break;
    }
    case F_E_SETSCHEDS_S: { /* a bad scheduler for a live entity of ours */
        if (z->nent == 0)
            break;
        struct oent *e = &z->ent[rn(z, (uint64_t)z->nent)];
        gs_sched *arr[3] = {slot_sched(0), slot_sched(1), slot_sched(0)};
        uint32_t n = 1 + (uint32_t)rn(z, 3);
        arr[rn(z, n)] = p;
        long long r = EXPECT(gs_entity_set_schedulers(e->e, arr, n),
                             ex ? R_EBADF : R_0 | R_EBADF);
        if (r == 0)
            e->churny = 1; /* it may now use a scheduler that goes away */
        break;
    }
    case F_E_ERROR: {
        long long r = EXPECT(gs_entity_error(p), R_0 | R_ERRNO);
        if (ex && r != -EBADF)
            FAIL("gs_entity_error(%s %#lx) returned %lld, expected -EBADF", j.what, (unsigned long)j.v, r);
        break;
    }
    case F_E_DESTROY:
        EXPECT(gs_entity_destroy(p, junk_i64(z)), R_EBADF);
        break;
    case F_J_CREATE: {
        int null_out = chance(z, 8);
        uint32_t credits = rn(z, 4) ? (uint32_t)rnd(z) : 0;
        gs_job *out = SENTINEL;
        /* job_data is never used: the job is aborted at once */
        long long r = EXPECT(gs_job_create(p, credits, (void *)(uintptr_t)rnd(z), null_out ? NULL : &out),
                             ex ? R_EBADF | (null_out || credits == 0 ? R_EINVAL : 0) : A_JOB_CREATE);
        if (r == 0) {
            issued(out);
            G(gs_job_abort(out));
        } else if (out != SENTINEL) {
            FAIL("gs_job_create wrote *out although it failed");
        }
        break;
    }
    case F_J_ADDDEP_J:
        EXPECT(gs_job_add_dependency(p, signalled_fence), R_EBADF);
        break;
    case F_J_ADDDEP_F: { /* a bad fence for a live job of ours */
        struct ojob *oj = any_unsubmitted(z);
        if (oj == NULL)
            break;
        long long r = EXPECT(gs_job_add_dependency(oj->j, p), ex ? R_EBADF : R_0 | R_EBADF);
        if (r == 0)
            oj->deps++;
        break;
    }
    case F_J_SUBMIT: {
        gs_fence *s = SENTINEL, *fin = SENTINEL;
        EXPECT(gs_job_submit(p, rn(z, 2) ? &s : NULL, rn(z, 2) ? &fin : NULL), R_EBADF);
        if (s != SENTINEL || fin != SENTINEL)
            FAIL("gs_job_submit wrote an out parameter although it failed");
        break;
    }
    case F_J_FIN: {
        gs_fence *r = G(gs_job_finished_fence(p));
        if (r != NULL) {
            if (ex)
                FAIL("gs_job_finished_fence(%s %#lx) did not return NULL", j.what, (unsigned long)j.v);
            issued(r);
            G(gs_fence_put(r));
        }
        break;
    }
    case F_J_ABORT:
        G(gs_job_abort(p));
        break;
    case NFN:
        break;
    }
}

static void op_junk(struct fz *z) {
    set_op(z, "a garbage handle");
    enum fn f = (enum fn)rn(z, NFN);
    struct junk j = make_junk(z, fns[f].kind);
    if (!j.exact && fns[f].harmful)
        return; /* could be someone's live object */
    long before = atomic_load(&failures);
    call_with_junk(z, f, j);
    if (atomic_load(&failures) != before)
        FAIL("  (the handle was %s: %#llx, %s)", j.what, (unsigned long long)j.v,
             maybe_issued(j.v) ? "a value the library has issued" : "a value the library never issued");
}

/* ------------------------------------------------------------------ our own objects */

static void df_remove(struct fz *z, int i) {
    z->df[i] = z->df[--z->ndf];
}

/* Signals every driver fence we hold: before anything that waits without a short bound, so
   that no two threads can wait on each other. */
static void signal_all_own(struct fz *z) {
    for (int i = 0; i < z->ndf; i++) {
        struct odf *d = &z->df[i];
        if (!d->signalled) {
            int e = valid_error(z);
            EXPECT(gs_fence_signal(d->f, e), d->published ? R_0 | R_EALREADY : R_0);
            d->signalled = 1;
            d->err = e;
        }
    }
}

static void df_drop(struct fz *z, int i) {
    struct odf *d = &z->df[i];
    if (!d->signalled) {
        EXPECT(gs_fence_signal(d->f, 0), d->published ? R_0 | R_EALREADY : R_0);
        d->signalled = 1;
        d->err = 0;
    }
    while (d->refs-- > 0)
        G(gs_fence_put(d->f));
    if (!d->published) {
        /* nobody else holds a reference: the handle is stale now and for good */
        EXPECT(gs_fence_is_signaled(d->f), R_EBADF);
        bury(K_DFENCE, d->f, rnd(z));
    }
    df_remove(z, i);
}

static void op_timeline(struct fz *z) {
    set_op(z, "timelines");
    if (z->ntl < MAX_TL && rn(z, 3)) {
        struct otl *t = &z->tl[z->ntl];
        switch (rn(z, 5)) {
        case 0: strcpy(t->name, ""); t->utf8 = 1; break;
        case 1: memset(t->name, 'n', sizeof t->name - 1); t->name[sizeof t->name - 1] = '\0'; t->utf8 = 1; break;
        case 2: strcpy(t->name, "ring-\xc3\xa9t\xc3\xa9"); t->utf8 = 1; break;
        case 3: strcpy(t->name, "bad-\xff\xfe-utf8"); t->utf8 = 0; break;
        default: snprintf(t->name, sizeof t->name, "tl-%d-%llu", z->id, (unsigned long long)rn(z, 1000)); t->utf8 = 1; break;
        }
        gs_timeline *out = SENTINEL;
        if (chance(z, 8)) {
            EXPECT(gs_timeline_create(NULL, &out), R_EINVAL);
            EXPECT(gs_timeline_create(t->name, NULL), R_EINVAL);
            if (out != SENTINEL)
                FAIL("gs_timeline_create wrote *out although it failed");
        }
        if (EXPECT(gs_timeline_create(t->name, &out), R_0) != 0)
            return;
        issued(out);
        t->tl = out;
        z->ntl++;
        if (chance(z, 2))
            publish(K_TL, out, rnd(z));
    } else if (z->ntl > 0) {
        int i = (int)rn(z, (uint64_t)z->ntl);
        gs_timeline *tl = z->tl[i].tl;
        G(gs_timeline_put(tl));
        unpublish(K_TL, tl);
        bury(K_TL, tl, rnd(z));
        for (int k = 0; k < z->ndf; k++)
            if (z->df[k].tl_idx == i)
                z->df[k].tl_idx = -1; /* its fences keep the name */
            else if (z->df[k].tl_idx == z->ntl - 1)
                z->df[k].tl_idx = i;
        z->tl[i] = z->tl[--z->ntl];
        EXPECT(gs_fence_create(tl, &(gs_fence *){NULL}), R_EBADF);
    }
}

static void op_fence_new(struct fz *z) {
    set_op(z, "creating driver fences");
    if (z->ndf == MAX_DF) {
        df_drop(z, (int)rn(z, MAX_DF));
        return;
    }
    struct odf *d = &z->df[z->ndf];
    memset(d, 0, sizeof *d);
    gs_fence *out = SENTINEL;
    if (z->ntl > 0 && rn(z, 4)) {
        int i = (int)rn(z, (uint64_t)z->ntl);
        if (EXPECT(gs_fence_create(z->tl[i].tl, &out), R_0) != 0)
            return;
        d->tl_idx = i;
        d->name_known = z->tl[i].utf8;
        strcpy(d->name, z->tl[i].name);
    } else {
        gs_timeline *tl = (gs_timeline *)atomic_load(&pub[K_TL][rn(z, NPUB)]);
        if (tl == NULL)
            return;
        if (EXPECT(gs_fence_create(tl, &out), R_0 | R_EBADF) != 0) {
            unpublish(K_TL, tl);
            bury(K_TL, tl, rnd(z));
            return;
        }
        d->tl_idx = -1;
    }
    issued(out);
    d->f = out;
    d->refs = 1;
    if (chance(z, 3)) {
        d->published = 1;
        publish(K_DFENCE, out, rnd(z));
    }
    z->ndf++;
}

static void check_fence_name(struct fz *z, gs_fence *f, const char *name, int known, unsigned extra) {
    char buf[320];
    size_t len = rn(z, 2) ? sizeof buf : rn(z, 8);
    memset(buf, 0x5a, sizeof buf);
    long long r = EXPECT(gs_fence_timeline_name(f, len ? buf : NULL, len), R_0 | R_POS | extra);
    if (r < 0)
        return;
    if (len > 0 && memchr(buf, 0, len) == NULL)
        FAIL("gs_fence_timeline_name left the buffer unterminated");
    if (known && (r != (long long)strlen(name) || (len > 0 && strncmp(buf, name, len - 1) != 0)))
        FAIL("gs_fence_timeline_name gave \"%.40s\" (%lld), expected \"%.40s\"", buf, r, name);
}

static void op_fence_use(struct fz *z) {
    set_op(z, "using driver fences");
    if (z->ndf == 0)
        return;
    int i = (int)rn(z, (uint64_t)z->ndf);
    struct odf *d = &z->df[i];
    int pubd = d->published;
    switch (rn(z, 12)) {
    case 0:
    case 1:
        if (!d->signalled) {
            if (chance(z, 4))
                EXPECT(gs_fence_signal(d->f, invalid_error(z)), R_EINVAL);
            int e = valid_error(z);
            EXPECT(gs_fence_signal(d->f, e), pubd ? R_0 | R_EALREADY : R_0);
            d->signalled = 1;
            d->err = e;
        } else {
            EXPECT(gs_fence_signal(d->f, valid_error(z)), R_EALREADY);
        }
        break;
    case 2: {
        long long e = EXPECT(gs_fence_get_error(d->f), R_0 | R_ERRNO);
        long long r = EXPECT(gs_fence_is_signaled(d->f), pubd ? R_0 | R_1 : d->signalled ? R_1 : R_0);
        if (!pubd && d->signalled && e != d->err)
            FAIL("gs_fence_get_error gave %lld, the fence was signalled with %d", e, d->err);
        if (r == 0 && e != 0 && !pubd)
            FAIL("gs_fence_get_error gave %lld for an unsignalled fence", e);
        break;
    }
    case 3: {
        long long r = EXPECT(gs_fence_timestamp_ns(d->f), pubd ? R_POS | R_EBUSY : d->signalled ? R_POS : R_EBUSY);
        if (r > t_now_ns())
            FAIL("gs_fence_timestamp_ns is later than now");
        break;
    }
    case 4:
        if (G(gs_fence_context(d->f)) == 0 || G(gs_fence_seqno(d->f)) == 0)
            FAIL("a live fence has context or seqno 0");
        EXPECT(gs_fence_set_deadline(d->f, junk_i64(z)), R_0);
        break;
    case 5:
        check_fence_name(z, d->f, d->name, d->name_known, 0);
        break;
    case 6:
        EXPECT(gs_fence_wait(d->f, (int64_t)rn(z, 200000)), pubd ? R_0 | R_ETIMEDOUT : d->signalled ? R_0 : R_ETIMEDOUT);
        break;
    case 7:
        if (d->refs < 4) {
            if (G(gs_fence_get(d->f)) != d->f)
                FAIL("gs_fence_get of a live fence did not return it");
            d->refs++;
        } else {
            G(gs_fence_put(d->f));
            d->refs--;
        }
        break;
    case 8: {
        long long r = EXPECT(gs_fence_add_callback(d->f, fz_fence_cb, &cb_tokens[rn(z, 4)]),
                             pubd ? R_0 | R_ENOENT : d->signalled ? R_ENOENT : R_0);
        if (r == 0)
            atomic_fetch_add(&cb_added, 1);
        if (chance(z, 4))
            EXPECT(gs_fence_add_callback(d->f, NULL, NULL), R_EINVAL);
        break;
    }
    case 9: {
        long long r = EXPECT(gs_fence_remove_callback(d->f, fz_fence_cb, &cb_tokens[rn(z, 4)]), R_0 | R_ENOENT);
        if (r == 0)
            atomic_fetch_add(&cb_removed, 1);
        break;
    }
    default:
        if (d->signalled || chance(z, 4))
            df_drop(z, i);
        break;
    }
}

static void fin_remove(struct fz *z, int i) {
    struct ofin *f = &z->fin[i];
    G(gs_fence_put(f->f));
    if (!f->published && !f->cbs) {
        EXPECT(gs_fence_is_signaled(f->f), R_EBADF);
        bury(K_SFENCE, f->f, rnd(z));
    }
    z->fin[i] = z->fin[--z->nfin];
}

static void op_fin_use(struct fz *z) {
    set_op(z, "using finished fences");
    if (z->nfin == 0)
        return;
    int i = (int)rn(z, (uint64_t)z->nfin);
    struct ofin *f = &z->fin[i];
    switch (rn(z, 8)) {
    case 0: {
        long long e = EXPECT(gs_fence_get_error(f->f), R_0 | R_ERRNO);
        long long s = EXPECT(gs_fence_is_signaled(f->f), R_0 | R_1);
        if (s == 0 && e != 0)
            FAIL("an unsignalled finished fence had error %lld", e);
        EXPECT(gs_fence_timestamp_ns(f->f), s ? R_POS : R_POS | R_EBUSY);
        break;
    }
    case 1:
        EXPECT(gs_fence_signal(f->f, valid_error(z)), R_EPERM);
        EXPECT(gs_fence_signal(f->f, invalid_error(z)), R_EPERM | R_EINVAL);
        break;
    case 2: {
        long long r = EXPECT(gs_fence_add_callback(f->f, fz_fence_cb, &cb_tokens[rn(z, 4)]), R_0 | R_ENOENT);
        if (r == 0)
            atomic_fetch_add(&cb_added, 1);
        f->cbs = 1;
        break;
    }
    case 3: {
        long long r = EXPECT(gs_fence_remove_callback(f->f, fz_fence_cb, &cb_tokens[rn(z, 4)]), R_0 | R_ENOENT);
        if (r == 0)
            atomic_fetch_add(&cb_removed, 1);
        break;
    }
    case 4:
        check_fence_name(z, f->f, "", 0, 0);
        EXPECT(gs_fence_set_deadline(f->f, t_now_ns() + (int64_t)rn(z, 1000000)), R_0);
        break;
    default:
        if (EXPECT(gs_fence_wait(f->f, (int64_t)rn(z, 300000)), R_0 | R_ETIMEDOUT) == 0 || chance(z, 8))
            fin_remove(z, i);
        break;
    }
}

/* Waits for something that must happen. After one such wait timed out (a bug: the test fails
   anyway), the others are short, so that a stuck scheduler fails the run quickly. */
static _Atomic int64_t long_wait_ns = T_WAIT_NS;
static int long_wait(gs_fence *f) {
    int r = gs_fence_wait(f, atomic_load(&long_wait_ns));
    if (r == -ETIMEDOUT)
        atomic_store(&long_wait_ns, 100 * MS);
    return r;
}

/* Keeps the finished-fence list bounded: waits for the oldest ones, after signalling our own
   fences so that nothing can wait on us. */
static void fin_make_room(struct fz *z) {
    signal_all_own(z);
    for (int k = 0; k < 8 && z->nfin > 0; k++) {
        EXPECT(long_wait(z->fin[0].f), R_0);
        fin_remove(z, 0);
    }
}

static void add_fin(struct fz *z, gs_fence *f) {
    if (z->nfin == MAX_FIN)
        fin_make_room(z);
    z->fin[z->nfin].f = f;
    z->fin[z->nfin].published = 0;
    z->fin[z->nfin].cbs = 0;
    if (chance(z, 3)) {
        z->fin[z->nfin].published = 1;
        publish(K_SFENCE, f, rnd(z));
    }
    z->nfin++;
}

/* An array of scheduler handles from the slots; *churny if any may be thrown away. */
static uint32_t pick_scheds(struct fz *z, gs_sched **arr, int *churny) {
    uint32_t n = 1 + (uint32_t)rn(z, 3);
    *churny = 0;
    for (uint32_t i = 0; i < n; i++) {
        int s = rn(z, 3) ? (int)rn(z, NSTABLE) : (int)rn(z, NSLOTS);
        *churny |= s >= NSTABLE;
        arr[i] = slot_sched(s);
    }
    return n;
}

static void ent_forget(struct fz *z, int i) {
    unpublish(K_ENT, z->ent[i].e);
    bury(K_ENT, z->ent[i].e, rnd(z));
    z->ent[i] = z->ent[--z->nent];
}

static void op_entity(struct fz *z) {
    set_op(z, "entities");
    if (z->nent < MAX_ENT && (z->nent == 0 || chance(z, 3))) {
        gs_sched *arr[3];
        int churny;
        uint32_t n = pick_scheds(z, arr, &churny);
        int prio = (int)rn(z, 4);
        gs_entity *out = SENTINEL;
        switch (rn(z, 10)) {
        case 0: EXPECT(gs_entity_create(arr, n, (enum gs_priority)invalid_prio(z), &out), R_EINVAL); break;
        case 1: EXPECT(gs_entity_create(arr, 0, (enum gs_priority)prio, &out), R_EINVAL); break;
        case 2: EXPECT(gs_entity_create(NULL, n, (enum gs_priority)prio, &out), R_EINVAL); break;
        case 3: EXPECT(gs_entity_create(arr, n, (enum gs_priority)prio, NULL), R_EINVAL); break;
        default: break;
        }
        if (out != SENTINEL)
            FAIL("gs_entity_create wrote *out although it failed");
        if (EXPECT(gs_entity_create(arr, n, (enum gs_priority)prio, &out), churny ? R_0 | R_EBADF | R_ENODEV : R_0) != 0)
            return;
        issued(out);
        struct oent *e = &z->ent[z->nent++];
        e->e = out;
        e->churny = churny;
        e->published = 0;
        if (chance(z, 3)) {
            e->published = 1;
            publish(K_ENT, out, rnd(z));
        }
        return;
    }
    if (z->nent == 0)
        return;
    int i = (int)rn(z, (uint64_t)z->nent);
    struct oent *e = &z->ent[i];
    unsigned gone = e->published ? R_EBADF : 0; /* another thread may have destroyed it */
    long long r = 0;
    switch (rn(z, 6)) {
    case 0:
        r = EXPECT(gs_entity_set_priority(e->e, (enum gs_priority)rn(z, 4)), R_0 | gone);
        if (r == 0)
            r = EXPECT(gs_entity_set_priority(e->e, (enum gs_priority)invalid_prio(z)), R_EINVAL | gone);
        break;
    case 1:
        EXPECT(gs_entity_error(e->e), R_0 | R_ERRNO); /* a job's error may be -EBADF's value */
        break;
    case 2: {
        gs_sched *arr[3];
        int churny;
        uint32_t n = pick_scheds(z, arr, &churny);
        if (chance(z, 6))
            r = EXPECT(gs_entity_set_schedulers(e->e, chance(z, 2) ? NULL : arr, 0), R_EINVAL | gone);
        else if (chance(z, 6))
            r = EXPECT(gs_entity_set_schedulers(e->e, NULL, n), R_EINVAL | gone);
        else if ((r = EXPECT(gs_entity_set_schedulers(e->e, arr, n), R_0 | gone | (churny ? R_EBADF : 0))) == 0)
            e->churny |= churny;
        else if (r == -EBADF) /* a stale scheduler, or the entity itself? */
            r = EXPECT(gs_entity_set_priority(e->e, (enum gs_priority)invalid_prio(z)), R_EINVAL | gone);
        break;
    }
    default: {
        int64_t flush = 0;
        switch (rn(z, 4)) {
        case 0: flush = (int64_t)rn(z, 2 * MS); break;
        case 1:
            if (chance(z, 4)) {
                signal_all_own(z); /* nothing of ours may hold its queue up */
                flush = rn(z, 2) ? -1 : INT64_MAX;
            }
            break;
        default: break;
        }
        r = EXPECT(gs_entity_destroy(e->e, flush), R_0 | R_POS | gone);
        ent_forget(z, i);
        return;
    }
    }
    if (r == -EBADF)
        ent_forget(z, i);
}

static struct fjob *fjob_new(struct fz *z) {
    struct fjob *t = calloc(1, sizeof *t);
    t->magic = FJOB_MAGIC;
    uint64_t x = rnd(z);
    switch (x % 64) {
    case 0: t->hang = 1; break;
    case 1: t->null_run = 1; break;
    case 2: t->fail_ret = -(int)(1 + (x >> 8) % 4095); break;
    case 3: t->fail_ret = 1 + (int)((x >> 8) % 100); break;
    case 4: t->bad_out = (x >> 8) % 16 == 0 ? 1 + (int)((x >> 12) % 2) : 0; break;
    case 5: t->prep_dep = 1; break;
    case 6: t->bad_prep = (x >> 8) % 16 == 0; break;
    case 7: t->hw_err = -(int)(1 + (x >> 8) % 4095); break;
    case 8: t->hang = 1; t->junk_verdict = 1; break;
    case 9: t->hang = 1; t->enodev = (x >> 8) % 8 == 0; break;
    default: break;
    }
    t->abuse = (x >> 32) % 8 == 0;
    return t;
}

static void job_forget(struct fz *z, int i, int free_data) {
    if (free_data) {
        z->job[i].t->magic = FJOB_DEAD;
        free(z->job[i].t);
    }
    z->job[i] = z->job[--z->njob];
}

static void sub_add(struct fz *z, gs_job *j) {
    if (z->nsub == MAX_SUB)
        z->sub[rn(z, MAX_SUB)] = j;
    else
        z->sub[z->nsub++] = j;
}

static void op_job(struct fz *z) {
    set_op(z, "jobs");
    if (z->njob < MAX_JOBS && (z->njob == 0 || chance(z, 2))) {
        gs_entity *e;
        unsigned create_mask;
        struct oent *own = NULL;
        if (z->nent > 0 && rn(z, 4)) {
            own = &z->ent[rn(z, (uint64_t)z->nent)];
            e = own->e;
            create_mask = R_0 | (own->published ? R_EBADF : 0);
        } else {
            e = (gs_entity *)atomic_load(&pub[K_ENT][rn(z, NPUB)]);
            if (e == NULL)
                return;
            create_mask = R_0 | R_EBADF;
        }
        gs_job *out = SENTINEL;
        if (chance(z, 10)) {
            EXPECT(gs_job_create(e, 0, NULL, &out), R_EINVAL | (create_mask & R_EBADF));
            EXPECT(gs_job_create(e, 1, NULL, NULL), R_EINVAL | (create_mask & R_EBADF));
            if (out != SENTINEL)
                FAIL("gs_job_create wrote *out although it failed");
        }
        struct fjob *t = fjob_new(z);
        uint32_t credits = rn(z, 8) ? 1 + (uint32_t)rn(z, 6) : (uint32_t)rnd(z) | 1u;
        long long r = EXPECT(gs_job_create(e, credits, t, &out), create_mask);
        if (r != 0) {
            free(t);
            if (own != NULL)
                ent_forget(z, (int)(own - z->ent));
            else {
                unpublish(K_ENT, e);
                bury(K_ENT, e, rnd(z));
            }
            return;
        }
        issued(out);
        struct ojob *oj = &z->job[z->njob++];
        oj->j = out;
        oj->t = t;
        oj->e = e;
        oj->own = own != NULL;
        oj->deps = 0;
        if (chance(z, 4))
            publish(K_JOB, out, rnd(z));
        return;
    }
    if (z->njob == 0)
        return;
    int i = (int)rn(z, (uint64_t)z->njob);
    struct ojob *oj = &z->job[i];
    switch (rn(z, 5)) {
    case 0:
    case 1: { /* a dependency */
        if (oj->deps >= 4)
            break;
        gs_fence *f = NULL;
        unsigned mask = R_0;
        switch (rn(z, 4)) {
        case 0: f = z->ndf ? z->df[rn(z, (uint64_t)z->ndf)].f : NULL; break;
        case 1: f = z->nfin ? z->fin[rn(z, (uint64_t)z->nfin)].f : NULL; break;
        case 2:
            f = (gs_fence *)atomic_load(&pub[rn(z, 2) ? K_DFENCE : K_SFENCE][rn(z, NPUB)]);
            mask |= R_EBADF;
            break;
        default: f = signalled_fence; break;
        }
        if (f != NULL && EXPECT(gs_job_add_dependency(oj->j, f), mask) == 0)
            oj->deps++;
        break;
    }
    case 2:
        if (chance(z, 3)) {
            G(gs_job_abort(oj->j));
            unpublish(K_JOB, oj->j);
            EXPECT(gs_job_submit(oj->j, NULL, NULL), R_EBADF);
            bury(K_JOB, oj->j, rnd(z));
            job_forget(z, i, 1);
            break;
        }
        /* fall through */
    default: { /* submit */
        gs_fence *s = SENTINEL, *fin = SENTINEL;
        int want_s = chance(z, 4), want_f = rn(z, 4) != 0;
        /* -ENODEV: its entity, or every scheduler it may use, was destroyed */
        unsigned mask = R_0 | R_ENODEV;
        if (oj->own) {
            mask = R_ENODEV; /* we destroyed it, or another thread did */
            for (int k = 0; k < z->nent; k++)
                if (z->ent[k].e == oj->e)
                    mask = R_0 | (z->ent[k].published || z->ent[k].churny ? R_ENODEV : 0);
        }
        long long r = EXPECT(gs_job_submit(oj->j, want_s ? &s : NULL, want_f ? &fin : NULL), mask);
        if (r != 0) {
            if (s != SENTINEL || fin != SENTINEL)
                FAIL("gs_job_submit wrote an out parameter although it failed");
            G(gs_job_abort(oj->j));
            unpublish(K_JOB, oj->j);
            bury(K_JOB, oj->j, rnd(z));
            job_forget(z, i, 1);
            break;
        }
        atomic_fetch_add(&jobs_submitted, 1);
        gs_job *j = oj->j;
        job_forget(z, i, 0); /* job_data is the library's now: free_job frees it */
        EXPECT(gs_job_submit(j, NULL, NULL), R_EINVAL | R_EBADF);
        if (want_s) {
            issued(s);
            EXPECT(gs_fence_signal(s, 0), R_EPERM);
            EXPECT(gs_fence_wait(s, (int64_t)rn(z, 100000)), R_0 | R_ETIMEDOUT);
            G(gs_fence_put(s));
            bury(K_SFENCE, s, rnd(z));
        }
        if (!want_f) {
            fin = G(gs_job_finished_fence(j)); /* NULL if it has been freed already */
        }
        if (fin != NULL) {
            issued(fin);
            add_fin(z, fin);
        }
        sub_add(z, j);
        break;
    }
    }
}

/* Submitted jobs' handles: valid until free_job, stale for good after. */
static void op_sub_probe(struct fz *z) {
    set_op(z, "submitted jobs' handles");
    if (z->nsub == 0)
        return;
    int i = (int)rn(z, (uint64_t)z->nsub);
    gs_job *j = z->sub[i];
    long long r;
    switch (rn(z, 4)) {
    case 0: r = EXPECT(gs_job_submit(j, NULL, NULL), R_EINVAL | R_EBADF); break;
    case 1: r = EXPECT(gs_job_add_dependency(j, signalled_fence), R_EINVAL | R_EBADF); break;
    case 2: {
        gs_fence *f = G(gs_job_finished_fence(j));
        if (f != NULL) {
            issued(f);
            EXPECT(gs_fence_is_signaled(f), R_0 | R_1);
            G(gs_fence_put(f));
        }
        r = f == NULL ? -EBADF : 0;
        break;
    }
    default:
        G(gs_job_abort(j)); /* ignored: submitted or stale */
        r = 0;
        break;
    }
    if (r == -EBADF) {
        unpublish(K_JOB, j);
        bury(K_JOB, j, rnd(z));
        z->sub[i] = z->sub[--z->nsub];
    }
}

/* ------------------------------------------------------------------ shared schedulers */

static void op_sched(struct fz *z) {
    set_op(z, "scheduler recovery and timeouts");
    int si = (int)rn(z, NSLOTS);
    gs_sched *s = slot_sched(si);
    unsigned gone = si >= NSTABLE ? R_EBADF : 0;
    switch (rn(z, 5)) {
    case 0:
        EXPECT(gs_sched_fault(s), R_0 | gone);
        break;
    case 1: {
        if (EXPECT(gs_sched_stop(s), R_0 | gone) != 0)
            break;
        atomic_int visits = 0;
        /* another thread may start it meanwhile */
        EXPECT(gs_sched_for_each_pending(s, fz_visit, &visits), R_0 | R_EBUSY | gone);
        if (chance(z, 4))
            EXPECT(gs_sched_for_each_pending(s, NULL, NULL), R_EINVAL | gone);
        if (chance(z, 3))
            EXPECT(gs_sched_fault(s), R_0 | gone);
        if (chance(z, 4))
            EXPECT(gs_sched_start(s, invalid_error(z)), R_EINVAL | gone);
        EXPECT(gs_sched_start(s, rn(z, 3) ? 0 : valid_error(z)), R_0 | gone);
        break;
    }
    case 2: {
        atomic_int visits = 0;
        EXPECT(gs_sched_for_each_pending(s, fz_visit, &visits), R_0 | R_EBUSY | gone);
        break;
    }
    case 3: {
        long long rem = EXPECT(gs_sched_suspend_timeout(s), R_0 | R_POS | gone);
        if (rem < 0)
            break;
        if (chance(z, 4))
            EXPECT(gs_sched_resume_timeout(s, -1 - (int64_t)rn(z, 1000)), R_EINVAL | gone);
        EXPECT(gs_sched_resume_timeout(s, rn(z, 4) ? rem : (int64_t)rn(z, 50 * MS)), R_0 | gone);
        break;
    }
    default:
        EXPECT(gs_sched_start(s, 0), R_0 | gone); /* not stopped: nothing happens */
        break;
    }
}

/* Throws a scheduler away under everyone's feet and puts a new one in its slot. */
static void op_churn(struct fz *z) {
    set_op(z, "destroying and re-creating a shared scheduler");
    int i = NSTABLE + (int)rn(z, NSLOTS - NSTABLE);
    if (rn(z, 3) == 0) {
        /* a destroy from a thread that does not own the slot: the owner's later destroy is
           then ignored, and both return after the teardown */
        G(gs_sched_destroy(slot_sched(i)));
        return;
    }
    if (pthread_mutex_trylock(&slots[i].lock) != 0)
        return;
    slot_empty(i);
    slot_fill(i, rnd(z));
    atomic_fetch_add(&churns, 1);
    pthread_mutex_unlock(&slots[i].lock);
}

/* gs_sched_create with random arguments; a scheduler it creates gets a few jobs, then goes. */
static void op_sched_create(struct fz *z) {
    set_op(z, "gs_sched_create with random arguments");
    struct fdrv *d = drv_new(1);
    struct gs_sched_ops ops = fz_ops();
    struct gs_sched_args a = {.size = sizeof a,
                              .name = "fuzz-new",
                              .credit_limit = 1 + (uint32_t)rn(z, 4),
                              .timeout_ns = rn(z, 2) ? -1 : (int64_t)(1 + rn(z, 20)) * MS,
                              .policy = (enum gs_policy)rn(z, 3),
                              .sched_data = d};
    int null_ptr = 0;
    if (rn(z, 4) == 0)
        a.credit_limit = (uint32_t)rnd(z) | 1u; /* huge: clamped */
    for (int k = 0, n = (int)rn(z, 3); k < n; k++) {
        switch (rn(z, 9)) {
        case 0: a.size = sizeof a + (rn(z, 2) ? 8 : (size_t)-8); break;
        case 1: ops.size = rn(z, 2) ? 0 : sizeof ops + 8; break;
        case 2: a.name = NULL; break;
        case 3: a.credit_limit = 0; break;
        case 4: a.policy = (enum gs_policy)(rn(z, 2) ? -1 - (int)rn(z, 5) : 3 + (int)rn(z, 1000)); break;
        case 5: ops.run_job = NULL; break;
        case 6: ops.timedout_job = NULL; break;
        case 7: ops.prepare_job = NULL; ops.cancel_job = NULL; ops.free_job = NULL; break;
        default: null_ptr = 1 + (int)rn(z, 3); break;
        }
    }
    int bad = null_ptr || a.size != sizeof a || ops.size != sizeof ops || a.name == NULL || a.credit_limit == 0 ||
              (int)a.policy < 0 || (int)a.policy > 2 || ops.run_job == NULL ||
              (a.timeout_ns >= 0 && ops.timedout_job == NULL);
    d->has_timeout = a.timeout_ns >= 0;
    gs_sched *s = SENTINEL;
    long long r = EXPECT(gs_sched_create(null_ptr == 1 ? NULL : &a, null_ptr == 2 ? NULL : &ops, null_ptr == 3 ? NULL : &s),
                         bad ? R_EINVAL : R_0);
    if (!allowed(r, bad ? R_EINVAL : R_0))
        FAIL("  (args: size %zu of %zu, name %s, credit_limit %u, timeout %lld, policy %d; ops: size %zu of %zu, "
             "run_job %s, timedout_job %s; NULL pointer %d)",
             a.size, sizeof a, a.name ? "set" : "NULL", a.credit_limit, (long long)a.timeout_ns, (int)a.policy,
             ops.size, sizeof ops, ops.run_job ? "set" : "NULL", ops.timedout_job ? "set" : "NULL", null_ptr);
    if (r != 0) {
        if (s != SENTINEL)
            FAIL("gs_sched_create wrote *out although it failed");
        drv_retire(d);
        return;
    }
    issued(s);
    d->sched = s;
    gs_entity *e = SENTINEL;
    if (EXPECT(gs_entity_create(&s, 1, (enum gs_priority)rn(z, 4), &e), R_0) == 0) {
        issued(e);
        int n = (int)rn(z, 4);
        for (int k = 0; k < n; k++) {
            struct fjob *t = fjob_new(z);
            t->enodev = 0;
            if (ops.free_job == NULL) {
                t->hang = 0; /* without free_job nobody would let go of its fence */
                t->prep_dep = 0;
            }
            gs_job *j = SENTINEL;
            if (EXPECT(gs_job_create(e, 1 + (uint32_t)rn(z, 3), t, &j), R_0) != 0) {
                free(t);
                continue;
            }
            issued(j);
            gs_fence *fin = SENTINEL;
            if (EXPECT(gs_job_submit(j, NULL, &fin), R_0) != 0) {
                G(gs_job_abort(j));
                free(t);
                continue;
            }
            if (ops.free_job != NULL)
                atomic_fetch_add(&jobs_submitted, 1); /* else t is leaked: nothing frees it */
            issued(fin);
            if (chance(z, 2))
                EXPECT(gs_fence_wait(fin, (int64_t)rn(z, 2 * MS)), R_0 | R_ETIMEDOUT);
            G(gs_fence_put(fin));
        }
    }
    G(gs_sched_destroy(s));
    drv_retire(d);
    if (e != SENTINEL) {
        gs_job *j = SENTINEL; /* the entity is still a live handle, but cannot take jobs */
        if (EXPECT(gs_job_create(e, 1, NULL, &j), R_0) == 0) {
            EXPECT(gs_job_submit(j, NULL, NULL), R_ENODEV);
            G(gs_job_abort(j));
        }
        EXPECT(gs_entity_destroy(e, rn(z, 2) ? 0 : -1), R_0 | R_POS);
        bury(K_ENT, e, rnd(z));
    }
    EXPECT(gs_sched_fault(s), R_EBADF);
    bury(K_SCHED, s, rnd(z));
}

/* ------------------------------------------------------------------ other threads' handles */

static void op_cross(struct fz *z) {
    set_op(z, "other threads' live handles");
    enum kind k = (enum kind)rn(z, NKINDS);
    if (k == K_SCHED)
        k = K_DFENCE;
    void *h = (void *)atomic_load(&pub[k][rn(z, NPUB)]);
    if (h == NULL)
        return;
    long long r = 0;
    switch (k) {
    case K_TL: {
        gs_fence *f = SENTINEL;
        r = EXPECT(gs_fence_create(h, &f), R_0 | R_EBADF);
        if (r == 0) {
            issued(f);
            EXPECT(gs_fence_signal(f, valid_error(z)), R_0);
            G(gs_fence_put(f));
        }
        break;
    }
    case K_DFENCE:
    case K_SFENCE: {
        int sched_fence = k == K_SFENCE;
        switch (rn(z, 10)) {
        case 0: r = EXPECT(gs_fence_is_signaled(h), A_IS_SIG); break;
        case 1:
            r = EXPECT(gs_fence_signal(h, valid_error(z)), sched_fence ? R_EPERM | R_EBADF : R_0 | R_EALREADY | R_EBADF);
            break;
        case 2: r = EXPECT(gs_fence_wait(h, (int64_t)rn(z, 100000)), A_WAIT); break;
        case 3:
            r = EXPECT(gs_fence_add_callback(h, fz_fence_cb, &cb_tokens[rn(z, 4)]), R_0 | R_ENOENT | R_EBADF);
            if (r == 0)
                atomic_fetch_add(&cb_added, 1);
            break;
        case 4:
            r = EXPECT(gs_fence_remove_callback(h, fz_fence_cb, &cb_tokens[rn(z, 4)]), A_RM_CB);
            if (r == 0)
                atomic_fetch_add(&cb_removed, 1);
            break;
        case 5: {
            gs_fence *g = G(gs_fence_get(h));
            if (g != NULL && g != h)
                FAIL("gs_fence_get returned another pointer");
            if (g != NULL) {
                EXPECT(gs_fence_is_signaled(g), R_0 | R_1); /* our reference keeps it live */
                G(gs_fence_put(g));
            }
            r = g == NULL ? -EBADF : 0;
            break;
        }
        case 6: r = EXPECT(gs_fence_timestamp_ns(h), A_TS); break;
        case 7: check_fence_name(z, h, "", 0, R_EBADF); break;
        case 8: r = EXPECT(gs_fence_set_deadline(h, junk_i64(z)), R_0 | R_EBADF); break;
        default: EXPECT(gs_fence_get_error(h), A_GET_ERR); break; /* -EBADF or an error -9 */
        }
        break;
    }
    case K_ENT:
        switch (rn(z, 8)) {
        case 0: EXPECT(gs_entity_error(h), R_0 | R_ERRNO); break; /* -EBADF or a job's error -9 */
        case 1: r = EXPECT(gs_entity_set_priority(h, (enum gs_priority)rn(z, 4)), R_0 | R_EBADF); break;
        case 2:
            if (chance(z, 8)) { /* destroy someone else's entity: a valid race */
                r = EXPECT(gs_entity_destroy(h, 0), A_ENT_DESTROY);
                if (r >= 0) {
                    unpublish(K_ENT, h);
                    bury(K_ENT, h, rnd(z));
                }
            }
            break;
        default: /* jobs on someone else's entity: op_job does that */
            break;
        }
        break;
    case K_JOB:
        if (rn(z, 2)) {
            gs_fence *f = G(gs_job_finished_fence(h)); /* NULL if unsubmitted or stale */
            if (f != NULL) {
                issued(f);
                G(gs_fence_put(f));
            }
        } else {
            r = EXPECT(gs_job_add_dependency(h, signalled_fence), R_0 | R_EINVAL | R_EBADF);
        }
        break;
    default:
        break;
    }
    if (r == -EBADF) { /* proven stale: stale for good */
        unpublish(k, h);
        bury(k, h, rnd(z));
    }
}

static void op_misc(struct fz *z) {
    set_op(z, "gs_init, gs_abi_version, gs_strerror");
    switch (rn(z, 3)) {
    case 0:
        EXPECT(gs_init(rn(z, 2) ? NULL : "-Xmx1m --no-such-option"), R_0); /* started: options ignored */
        break;
    case 1:
        if (G(gs_abi_version()) != GS_ABI_VERSION)
            FAIL("gs_abi_version changed");
        break;
    default: {
        const char *s = G(gs_strerror(junk_int(z)));
        if (s == NULL || s[0] == '\0')
            FAIL("gs_strerror returned an empty description");
        break;
    }
    }
}

/* ------------------------------------------------------------------ the threads */

static int done(struct fz *z, uint64_t step) {
    return steps_per_thread ? step >= steps_per_thread : t_now_ns() >= run_until_ns;
}

static void fz_cleanup(struct fz *z) {
    set_op(z, "cleaning up");
    signal_all_own(z);
    pthread_barrier_wait(&done_barrier); /* nothing will be submitted or left unsignalled now */
    for (int i = z->njob - 1; i >= 0; i--) {
        G(gs_job_abort(z->job[i].j));
        job_forget(z, i, 1);
    }
    while (z->nfin > 0) {
        EXPECT(long_wait(z->fin[0].f), R_0);
        fin_remove(z, 0);
        atomic_fetch_add(&progress, 1);
    }
    while (z->ndf > 0)
        df_drop(z, z->ndf - 1);
    while (z->nent > 0) {
        EXPECT(gs_entity_destroy(z->ent[0].e, 0), R_0 | R_POS | (z->ent[0].published ? R_EBADF : 0));
        ent_forget(z, 0);
    }
    while (z->ntl > 0) {
        G(gs_timeline_put(z->tl[z->ntl - 1].tl));
        bury(K_TL, z->tl[z->ntl - 1].tl, rnd(z));
        z->ntl--;
    }
}

static void *fz_main(void *arg) {
    struct fz *z = arg;
    tl_id = z->id;
    z->heap_junk = malloc(64);
    z->freed_junk = malloc(64);
    free(z->freed_junk);
    uint64_t step = 0;
    for (; !done(z, step); step++) {
        tl_step = step;
        uint64_t w = rn(z, 1000);
        if (w < 60) op_timeline(z);
        else if (w < 160) op_fence_new(z);
        else if (w < 300) op_fence_use(z);
        else if (w < 380) op_fin_use(z);
        else if (w < 430) op_entity(z);
        else if (w < 560) op_job(z);
        else if (w < 600) op_sub_probe(z);
        else if (w < 630) op_sched(z);
        else if (w < 870) op_junk(z);
        else if (w < 970) op_cross(z);
        else if (w < 990) op_misc(z);
        else if (w < 992) op_sched_create(z);
        else if (w == 992 && chance(z, 4)) op_churn(z);
        if (z->nfin == MAX_FIN)
            fin_make_room(z);
        atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
    }
    fz_cleanup(z);
    free(z->heap_junk);
    atomic_fetch_add(&total_calls, tl_calls);
    atomic_fetch_add(&total_steps, step);
    set_op(z, "finished");
    return NULL;
}

static atomic_int watchdog_quit;

static void *watchdog(void *arg) {
    (void)arg;
    uint64_t last = atomic_load(&progress);
    int64_t last_change = t_now_ns();
    while (!atomic_load(&watchdog_quit)) {
        t_sleep_ns(200 * MS);
        uint64_t now = atomic_load(&progress);
        if (now != last) {
            last = now;
            last_change = t_now_ns();
        } else if (t_now_ns() - last_change > HANG_NS) {
            printf("not ok - random_calls_from_six_threads_get_only_documented_answers (no progress for 60 s, seed %llu)\n",
                   (unsigned long long)seed);
            for (int i = 0; i < NTHREADS; i++)
                fprintf(stderr, "  thread %d: %s\n", i, atomic_load(&thread_op[i]));
            fflush(stdout);
            fflush(stderr);
            _exit(2);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ the tests */

static double fuzz_seconds;

static void random_calls_from_six_threads_get_only_documented_answers(void) {
    for (int i = 0; i < NSLOTS; i++) {
        pthread_mutex_init(&slots[i].lock, NULL);
        slot_fill(i, splitmix(&(uint64_t){seed + (uint64_t)i}));
    }
    gs_timeline *tl;
    CHECK_EQ(gs_timeline_create("fuzz-main", &tl), 0);
    CHECK_EQ(gs_fence_create(tl, &never_fence), 0);
    CHECK_EQ(gs_fence_create(tl, &signalled_fence), 0);
    CHECK_EQ(gs_fence_signal(signalled_fence, 0), 0);
    issued(tl);
    issued(never_fence);
    issued(signalled_fence);
    gs_sched *s0 = slot_sched(0);
    gs_entity *ce;
    CHECK_EQ(gs_entity_create(&s0, 1, GS_PRIORITY_LOW, &ce), 0);
    issued(ce);
    atomic_store(&cb_entity, (uintptr_t)ce);
    atomic_store(&shared_stream, seed ^ 0x5bd1e995u);

    pthread_barrier_init(&done_barrier, NULL, NTHREADS);
    static struct fz z[NTHREADS];
    pthread_t th[NTHREADS], wd;
    pthread_create(&wd, NULL, watchdog, NULL);
    int64_t t0 = t_now_ns();
    for (int i = 0; i < NTHREADS; i++) {
        z[i].id = i;
        z[i].rng = seed + (uint64_t)i * 0x632be59bd9b4e019ull;
        atomic_store(&thread_op[i], "starting");
        pthread_create(&th[i], NULL, fz_main, &z[i]);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    fuzz_seconds = (double)(t_now_ns() - t0) / 1e9;

    atomic_store(&cb_entity, 0);
    CHECK(gs_entity_destroy(ce, -1) >= 0);
    for (int i = 0; i < NSLOTS; i++)
        slot_empty(i);
    CHECK_EQ(gs_fence_signal(never_fence, 0), 0);
    gs_fence_put(never_fence);
    gs_fence_put(signalled_fence);
    gs_timeline_put(tl);
    atomic_store(&watchdog_quit, 1);
    pthread_join(wd, NULL);
    pthread_barrier_destroy(&done_barrier);
    CHECK_EQ(atomic_load(&failures), 0);
}

static void every_submitted_job_is_freed_exactly_once(void) {
    CHECK(atomic_load(&jobs_submitted) > 0);
    CHECK_EQ(atomic_load(&jobs_double_freed), 0);
    CHECK_EQ(atomic_load(&jobs_freed), atomic_load(&jobs_submitted));
}

static void every_fence_callback_runs_once_unless_removed(void) {
    CHECK(atomic_load(&cb_added) > 0);
    CHECK(WAIT_UNTIL(atomic_load(&cb_ran) >= atomic_load(&cb_added) - atomic_load(&cb_removed)));
    CHECK_EQ(atomic_load(&cb_ran), atomic_load(&cb_added) - atomic_load(&cb_removed));
}

static void no_scheduler_callback_runs_after_its_scheduler_is_destroyed(void) {
    long after = 0, runs = 0;
    for (int i = 0; i < ndrivers; i++) {
        after += atomic_load(&drivers[i]->after_destroy);
        runs += atomic_load(&drivers[i]->runs);
    }
    CHECK(runs > 0);
    CHECK_EQ(after, 0);
}

static void the_library_still_works_after_the_fuzz(void) {
    struct tdrv d;
    tdrv_init(&d, "after-fuzz", 2);
    tdrv_start_ring(&d);
    CHECK_EQ(tdrv_sched(&d, "after-fuzz", -1, GS_POLICY_FIFO), 0);
    gs_entity *e;
    CHECK_EQ(gs_entity_create(&d.sched, 1, GS_PRIORITY_NORMAL, &e), 0);
    struct tjob *j = tjobs_new(&d, 8);
    for (int i = 0; i < 8; i++) {
        j[i].seq = i + 1;
        CHECK_EQ(tjob_submit(&j[i], e, NULL), 0);
    }
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(gs_fence_wait(j[i].finished, T_WAIT_NS), 0);
        CHECK_EQ(gs_fence_get_error(j[i].finished), 0);
    }
    CHECK_EQ(gs_entity_destroy(e, 0), 0);
    gs_sched_destroy(d.sched);
    tdrv_fini(&d);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(atomic_load(&j[i].frees), 1);
    tjobs_free(j, 8);
}

int main(void) {
    const char *s = getenv("GS_FUZZ_SEED");
    seed = s && *s ? strtoull(s, NULL, 0) : (uint64_t)t_now_ns() ^ ((uint64_t)getpid() << 32);
    const char *it = getenv("GS_FUZZ_ITERS");
    steps_per_thread = DEFAULT_STEPS;
    if (it && *it) {
        char *end;
        unsigned long long v = strtoull(it, &end, 0);
        if (*end == 's') {
            steps_per_thread = 0;
            run_until_ns = t_now_ns() + (int64_t)v * 1000 * MS;
        } else {
            steps_per_thread = v;
        }
    }
    if (steps_per_thread)
        printf("# fuzz: seed %llu (GS_FUZZ_SEED), %d threads x %llu steps (GS_FUZZ_ITERS)\n",
               (unsigned long long)seed, NTHREADS, (unsigned long long)steps_per_thread);
    else
        printf("# fuzz: seed %llu (GS_FUZZ_SEED), %d threads for %s (GS_FUZZ_ITERS)\n", (unsigned long long)seed,
               NTHREADS, it);
    fflush(stdout);
    if (gs_init(NULL) != 0) {
        printf("not ok - random_calls_from_six_threads_get_only_documented_answers (the library did not start)\n");
        return 1;
    }
    RUN(random_calls_from_six_threads_get_only_documented_answers);
    unsigned long long calls = atomic_load(&total_calls) + atomic_load(&cb_calls);
    printf("# fuzz: %llu calls (%llu of them on library and ring threads) in %llu steps, %.1f s, %.0f calls/s; %ld jobs, %ld fence "
           "callbacks, %ld schedulers replaced, %ld failures\n",
           calls, (unsigned long long)atomic_load(&cb_calls), (unsigned long long)atomic_load(&total_steps),
           fuzz_seconds, calls / fuzz_seconds, atomic_load(&jobs_submitted), atomic_load(&cb_ran),
           atomic_load(&churns), atomic_load(&failures));
    RUN(every_submitted_job_is_freed_exactly_once);
    RUN(every_fence_callback_runs_once_unless_removed);
    RUN(no_scheduler_callback_runs_after_its_scheduler_is_destroyed);
    RUN(the_library_still_works_after_the_fuzz);
    CHECK_EXIT();
}
