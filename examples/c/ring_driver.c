/*
 * ring_driver.c: a small userspace "GPU driver" on top of gpusched's C ABI.
 *
 * The "hardware" is a ring thread: it executes the jobs handed to it in order, each for its
 * duration, and then signals the job's hardware fence, as a GPU's interrupt handler would.
 * Three clients (entities) share one scheduler: a game renders frames, a compositor shows each
 * frame once it is rendered (a dependency on the game's finished fence), and a compute client
 * waits for an upload (a driver fence signalled by "the copy engine"). One compute job hangs the
 * ring: the scheduler's timeout fires and the driver recovers the way a kernel driver does
 * (stop the scheduler, reset the ring, look at the pending jobs, start again with an error).
 * Teardown destroys the entities and the scheduler with nothing leaked.
 *
 * It prints what happens and checks the outcome: every job's finished fence signalled, every
 * job freed exactly once, the hung job ended with -ETIMEDOUT and the jobs lost in the reset
 * with -ECANCELED. Exit status 0 when all of that holds.
 *
 * Build: cc -std=c11 ring_driver.c $(pkg-config --cflags --libs gpusched) -lpthread
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gpusched.h>

#define MS 1000000LL
#define RING_SLOTS 64

/* ------------------------------------------------------------------ time and printing */

static int64_t start_ns;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ns(int64_t ns) {
    struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

#define say(...)                                                                                 \
    do {                                                                                         \
        pthread_mutex_lock(&print_lock);                                                         \
        printf("%8.3f ms  ", (double)(now_ns() - start_ns) / 1e6);                               \
        printf(__VA_ARGS__);                                                                     \
        putchar('\n');                                                                           \
        fflush(stdout);                                                                          \
        pthread_mutex_unlock(&print_lock);                                                       \
    } while (0)

/* ------------------------------------------------------------------ jobs */

struct job {
    char name[32];
    int64_t duration_ns;
    uint32_t credits;
    int hangs;            /* the ring stalls on it until a reset */
    gs_fence *hw;         /* the driver's own reference to the job's hardware fence */
    gs_fence *finished;   /* the client's reference */
    atomic_int frees;
    atomic_int finished_seen;
    int lost_in_reset;    /* listed by gs_sched_for_each_pending during the recovery */
};

/* ------------------------------------------------------------------ the ring ("hardware") */

struct ring {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct slot {
        struct job *job;
        gs_fence *fence; /* the ring's reference */
    } q[RING_SLOTS];
    int head, count, quit;
    int stalled;          /* the ring waits on a hung job at its head */
    gs_timeline *timeline;
    gs_sched *sched;
    atomic_int resets;
};

static void *ring_main(void *arg) {
    struct ring *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        /* In order, like a GPU ring: a hung job at the head stalls everything behind it. */
        while (!r->quit && (r->count == 0 || r->q[r->head].job->hangs)) {
            r->stalled = r->count > 0;
            pthread_cond_wait(&r->cond, &r->lock);
        }
        r->stalled = 0;
        if (r->quit)
            break;
        struct slot s = r->q[r->head];
        r->head = (r->head + 1) % RING_SLOTS;
        r->count--;
        pthread_mutex_unlock(&r->lock);
        sleep_ns(s.job->duration_ns);
        gs_fence_signal(s.fence, 0); /* the "interrupt": the job is done */
        gs_fence_put(s.fence);
        pthread_mutex_lock(&r->lock);
    }
    /* Whatever is left was cancelled by gs_sched_destroy; drop our references. */
    while (r->count > 0) {
        gs_fence_put(r->q[r->head].fence);
        r->head = (r->head + 1) % RING_SLOTS;
        r->count--;
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static int ring_push(struct ring *r, struct job *j, gs_fence *fence) {
    pthread_mutex_lock(&r->lock);
    int ok = r->count < RING_SLOTS;
    if (ok) {
        r->q[(r->head + r->count) % RING_SLOTS] = (struct slot){j, fence};
        r->count++;
        pthread_cond_signal(&r->cond);
    }
    pthread_mutex_unlock(&r->lock);
    return ok;
}

/* A hardware reset: everything still queued on the ring is lost; its fences never signal. */
static void ring_reset(struct ring *r) {
    pthread_mutex_lock(&r->lock);
    while (r->count > 0) {
        struct slot s = r->q[r->head];
        say("  ring reset drops %s", s.job->name);
        gs_fence_put(s.fence);
        r->head = (r->head + 1) % RING_SLOTS;
        r->count--;
    }
    r->stalled = 0;
    atomic_fetch_add(&r->resets, 1);
    pthread_mutex_unlock(&r->lock);
}

/* ------------------------------------------------------------------ the scheduler's callbacks */

static int run_job(gs_job *job, void *job_data, void *sched_data, gs_fence **hw_out) {
    struct job *j = job_data;
    struct ring *r = sched_data;
    gs_fence *hw;
    int err = gs_fence_create(r->timeline, &hw);
    if (err != 0)
        return err;
    j->hw = gs_fence_get(hw);
    if (!ring_push(r, j, gs_fence_get(hw))) {
        gs_fence_put(hw); /* the ring's reference */
        gs_fence_put(j->hw);
        j->hw = NULL;
        gs_fence_put(hw);
        return -ENOSPC;
    }
    say("run     %-12s %4.1f ms, %u credit%s%s", j->name, (double)j->duration_ns / 1e6, j->credits,
        j->credits == 1 ? "" : "s", j->hangs ? " (will hang)" : "");
    *hw_out = hw; /* this reference passes to the scheduler */
    return 0;
}

static void list_pending(gs_job *job, void *job_data, void *data) {
    struct job *j = job_data;
    j->lost_in_reset = 1;
    say("  pending on the hardware: %s", j->name);
}

static enum gs_timeout_status timedout_job(gs_job *job, void *job_data, void *sched_data) {
    struct job *j = job_data;
    struct ring *r = sched_data;
    /* Like a kernel driver, look at the hardware first: a ring that is still executing (a slow
       job, a busy machine) is not hung. */
    pthread_mutex_lock(&r->lock);
    int stalled = r->stalled;
    pthread_mutex_unlock(&r->lock);
    if (!stalled) {
        say("timeout %-12s the ring is still running: not a hang", j->name);
        return GS_TIMEOUT_NO_HANG;
    }
    say("timeout %-12s the ring is stuck: recovering", j->name);
    /* The kernel's sequence: stop, reset the hardware, see what was lost, start again. From
       inside this callback stop and start take effect at once. */
    gs_sched_stop(r->sched);
    ring_reset(r);
    gs_sched_for_each_pending(r->sched, list_pending, NULL);
    gs_sched_start(r->sched, -ECANCELED); /* the jobs lost in the reset end with -ECANCELED */
    say("  recovered; %s ends with -ETIMEDOUT", j->name);
    return GS_TIMEOUT_RESET;
}

static void cancel_job(gs_job *job, void *job_data, void *sched_data) {
    struct job *j = job_data;
    say("cancel  %s", j->name);
    if (j->hw != NULL)
        gs_fence_signal(j->hw, -ECANCELED); /* -EALREADY if the ring got there first */
}

static void free_job(gs_job *job, void *job_data, void *sched_data) {
    struct job *j = job_data;
    gs_fence_put(j->hw);
    j->hw = NULL;
    atomic_fetch_add(&j->frees, 1);
}

/* A fence callback: runs on the signalling thread; it only records. */
static void on_finished(gs_fence *f, void *data) {
    struct job *j = data;
    atomic_store(&j->finished_seen, 1);
}

/* ------------------------------------------------------------------ clients */

static int submit(gs_entity *e, struct job *j, gs_fence *dep) {
    gs_job *job;
    int err = gs_job_create(e, j->credits, j, &job);
    if (err != 0)
        return err;
    if (dep != NULL && (err = gs_job_add_dependency(job, dep)) != 0) {
        gs_job_abort(job);
        return err;
    }
    if ((err = gs_job_submit(job, NULL, &j->finished)) != 0) {
        gs_job_abort(job);
        return err;
    }
    err = gs_fence_add_callback(j->finished, on_finished, j);
    if (err == -ENOENT) /* finished already */
        on_finished(j->finished, j);
    return 0;
}

static const char *errname(int err) {
    switch (err) {
    case 0: return "ok";
    case -ETIMEDOUT: return "-ETIMEDOUT";
    case -ECANCELED: return "-ECANCELED";
    case -ESRCH: return "-ESRCH";
    default: return "error";
    }
}

enum { FRAMES = 8, COMPUTE = 4, HUNG = 2 };

int main(void) {
    start_ns = now_ns();
    if (gs_init(NULL) != 0) {
        fprintf(stderr, "ring_driver: the library did not start\n");
        return 2;
    }
    say("gpusched ABI %u started", gs_abi_version());

    struct ring ring = {.head = 0};
    pthread_mutex_init(&ring.lock, NULL);
    pthread_cond_init(&ring.cond, NULL);
    gs_timeline_create("gfx-ring", &ring.timeline);
    pthread_create(&ring.thread, NULL, ring_main, &ring);

    struct gs_sched_ops ops = {.size = sizeof ops,
                               .run_job = run_job,
                               .timedout_job = timedout_job,
                               .cancel_job = cancel_job,
                               .free_job = free_job};
    struct gs_sched_args args = {.size = sizeof args,
                                 .name = "gfx",
                                 .credit_limit = 4,
                                 .timeout_ns = 60 * MS,
                                 .policy = GS_POLICY_FAIR,
                                 .sched_data = &ring};
    int err = gs_sched_create(&args, &ops, &ring.sched);
    if (err != 0) {
        fprintf(stderr, "ring_driver: gs_sched_create: %s\n", gs_strerror(err));
        return 2;
    }
    gs_entity *game, *compositor, *compute;
    gs_entity_create(&ring.sched, 1, GS_PRIORITY_NORMAL, &game);
    gs_entity_create(&ring.sched, 1, GS_PRIORITY_HIGH, &compositor);
    gs_entity_create(&ring.sched, 1, GS_PRIORITY_LOW, &compute);

    /* the upload the compute client waits for: a fence of another engine */
    gs_timeline *copy_engine;
    gs_fence *upload;
    gs_timeline_create("copy-engine", &copy_engine);
    gs_fence_create(copy_engine, &upload);

    static struct job frames[FRAMES], shown[FRAMES], work[COMPUTE];
    int failures = 0;
    for (int i = 0; i < COMPUTE; i++) {
        snprintf(work[i].name, sizeof work[i].name, "compute#%d", i);
        work[i].duration_ns = 3 * MS;
        work[i].credits = 2;
        work[i].hangs = i == HUNG;
        failures += submit(compute, &work[i], i == 0 ? upload : NULL) != 0;
    }
    for (int i = 0; i < FRAMES; i++) {
        snprintf(frames[i].name, sizeof frames[i].name, "game#%d", i);
        frames[i].duration_ns = 2 * MS;
        frames[i].credits = 1;
        failures += submit(game, &frames[i], NULL) != 0;
        snprintf(shown[i].name, sizeof shown[i].name, "compose#%d", i);
        shown[i].duration_ns = MS / 2;
        shown[i].credits = 1;
        failures += submit(compositor, &shown[i], frames[i].finished) != 0; /* shows frame i once rendered */
    }
    say("submitted %d jobs from 3 clients; compute#0 waits for the upload", 2 * FRAMES + COMPUTE);
    sleep_ns(10 * MS);
    say("copy engine: upload done");
    gs_fence_signal(upload, 0);

    /* wait for everything, then look at the outcome */
    struct job *all[2 * FRAMES + COMPUTE];
    int n = 0;
    for (int i = 0; i < FRAMES; i++) {
        all[n++] = &frames[i];
        all[n++] = &shown[i];
    }
    for (int i = 0; i < COMPUTE; i++)
        all[n++] = &work[i];
    for (int i = 0; i < n; i++) {
        if (gs_fence_wait(all[i]->finished, 10000 * MS) != 0) {
            say("%s did not finish", all[i]->name);
            failures++;
        }
    }
    int cancelled = 0;
    for (int i = 0; i < n; i++) {
        int e = gs_fence_get_error(all[i]->finished);
        int expected_ok = all[i] == &work[HUNG] ? e == -ETIMEDOUT
                          : all[i]->lost_in_reset ? e == -ECANCELED || e == 0
                                                  : e == 0;
        cancelled += e == -ECANCELED;
        if (!expected_ok) {
            say("unexpected outcome for %s: %s", all[i]->name, gs_strerror(e));
            failures++;
        }
    }
    say("all %d jobs finished: %d ok, 1 timed out, %d cancelled by the reset (%d ring reset%s)", n,
        n - 1 - cancelled, cancelled, atomic_load(&ring.resets), atomic_load(&ring.resets) == 1 ? "" : "s");
    for (int i = 0; i < n; i++)
        if (gs_fence_get_error(all[i]->finished) != 0)
            say("  %-12s %s", all[i]->name, errname(gs_fence_get_error(all[i]->finished)));
    if (atomic_load(&ring.resets) != 1)
        failures++;

    /* teardown: entities first (nothing is queued any more), then the scheduler, then the ring */
    int killed = gs_entity_destroy(game, 1000 * MS) + gs_entity_destroy(compositor, 1000 * MS)
                 + gs_entity_destroy(compute, 1000 * MS);
    gs_sched_destroy(ring.sched);
    pthread_mutex_lock(&ring.lock);
    ring.quit = 1;
    pthread_cond_broadcast(&ring.cond);
    pthread_mutex_unlock(&ring.lock);
    pthread_join(ring.thread, NULL);
    for (int i = 0; i < n; i++) {
        if (atomic_load(&all[i]->frees) != 1 || !atomic_load(&all[i]->finished_seen)) {
            say("%s: freed %d times, finished callback %s", all[i]->name, atomic_load(&all[i]->frees),
                atomic_load(&all[i]->finished_seen) ? "seen" : "missing");
            failures++;
        }
        gs_fence_put(all[i]->finished);
    }
    say("teardown: %d queued jobs killed, every job freed exactly once", killed);
    failures += killed != 0;
    gs_fence_put(upload);
    gs_timeline_put(copy_engine);
    gs_timeline_put(ring.timeline);
    if (failures != 0) {
        say("FAILED: %d problem%s", failures, failures == 1 ? "" : "s");
        return 1;
    }
    say("done");
    return 0;
}
