/*
 * Measures the C ABI on this machine: JVM start-up on first use, the cost of one C call into
 * the library, and jobs per second submitted from C. Not a test: it prints what it measured.
 * Build and run: make -C capi/src/bench/c run (after the Maven build).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gpusched.h"

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static gs_timeline *ring;

static int run_done(gs_job *job, void *job_data, void *sched_data, gs_fence **out) {
    *out = NULL; /* completed at once, without error */
    return 0;
}

static enum gs_timeout_status timed_out(gs_job *job, void *jd, void *sd) {
    return GS_TIMEOUT_RESET;
}

static double submit_rate(int jobs, int credits) {
    struct gs_sched_ops ops = {.size = sizeof ops, .run_job = run_done, .timedout_job = timed_out};
    struct gs_sched_args args = {.size = sizeof args, .name = "bench", .credit_limit = (uint32_t)credits,
                                 .timeout_ns = -1, .policy = GS_POLICY_FIFO};
    gs_sched *s;
    gs_entity *e;
    if (gs_sched_create(&args, &ops, &s) != 0 || gs_entity_create(&s, 1, GS_PRIORITY_NORMAL, &e) != 0) {
        fprintf(stderr, "cannot create the scheduler\n");
        exit(1);
    }
    /* Batches of 10,000 with a wait after each, as the JMH benchmark does, so that the backlog
       (and the heap it needs) stays bounded whatever the ratio of submit and run speeds. */
    const int batch = 10000;
    int64_t t0 = now_ns();
    for (int i = 0; i < jobs; i += batch) {
        gs_fence *last = NULL;
        for (int k = 0; k < batch; k++) {
            gs_job *j;
            int r = gs_job_create(e, 1, NULL, &j);
            if (r == 0)
                r = gs_job_submit(j, NULL, k == batch - 1 ? &last : NULL);
            if (r != 0) {
                fprintf(stderr, "job %d: %s (%d)\n", i + k, gs_strerror(r), r);
                exit(1);
            }
        }
        gs_fence_wait(last, -1);
        gs_fence_put(last);
    }
    int64_t t1 = now_ns();
    gs_entity_destroy(e, 0);
    gs_sched_destroy(s);
    return jobs / ((t1 - t0) / 1e9);
}

int main(int argc, char **argv) {
    int jobs = argc > 1 ? atoi(argv[1]) : 1000000;
    int64_t t0 = now_ns();
    if (gs_init(NULL) != 0) {
        fprintf(stderr, "the library did not start\n");
        return 1;
    }
    int64_t t1 = now_ns();
    printf("JVM start-up on first use (gs_init): %.1f ms\n", (t1 - t0) / 1e6);

    gs_timeline_create("bench", &ring);
    gs_fence *f;
    gs_fence_create(ring, &f);
    const int calls = 10000000;
    volatile int sink = 0;
    for (int round = 0; round < 2; round++) { /* the first round warms the JIT up */
        int64_t a = now_ns();
        for (int i = 0; i < calls; i++)
            sink += gs_fence_is_signaled(f);
        int64_t b = now_ns();
        if (round == 1)
            printf("one C call into the library (gs_fence_is_signaled): %.1f ns\n", (double)(b - a) / calls);
    }
    int64_t a = now_ns();
    for (int i = 0; i < calls; i++)
        sink += (int)gs_abi_version();
    int64_t b = now_ns();
    printf("a call that stays in C (gs_abi_version), for comparison: %.1f ns\n", (double)(b - a) / calls);
    gs_fence_put(f);

    for (int round = 0; round < 5; round++) { /* the first rounds include JIT warm-up */
        double r = submit_rate(jobs, 64);
        printf("jobs from one C thread (create + submit in batches of 10,000, completed at once), run %d: "
               "%.0f jobs/s (%.2f us per job end to end)\n", round + 1, r, 1e6 / r);
    }
    gs_timeline_put(ring);
    return sink == -1;
}
