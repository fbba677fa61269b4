/* Starting the library when it cannot start: a missing jar, bad JVM options. gs_init reports
   -EIO (with the reason once on stderr) and every other function then answers its error value
   without crashing; gs_abi_version and gs_strerror never need the JVM. (Each case needs a fresh
   process: the library starts once per process. The options case runs in a child forked before
   any call into the library.) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "gpusched.h"

static int child_status = -1;

/* In a child: the JVM refuses an unknown option; exit 0 if the library said so. */
static void bad_options_child(void) {
    pid_t pid = fork();
    if (pid == 0) {
        int r = gs_init("-XX:+ThisOptionDoesNotExist");
        int again = gs_init(NULL);
        gs_timeline *tl = NULL;
        int create = gs_timeline_create("x", &tl);
        _exit(r == -EIO && again == -EIO && create == -EIO && tl == NULL ? 0 : 1);
    }
    if (pid > 0)
        waitpid(pid, &child_status, 0);
}

static void jvm_options_it_refuses_make_init_fail_with_eio(void) {
    CHECK(child_status != -1);
    CHECK(WIFEXITED(child_status));
    CHECK_EQ(WEXITSTATUS(child_status), 0);
}

static void init_fails_with_eio_when_the_jar_is_missing(void) {
    CHECK_EQ(gs_init(NULL), -EIO);
    CHECK_EQ(gs_init(NULL), -EIO); /* and stays failed */
}

static void abi_version_and_strerror_work_without_the_jvm(void) {
    CHECK_EQ(gs_abi_version(), GS_ABI_VERSION);
    CHECK(strlen(gs_strerror(-EIO)) > 0);
}

static void cb(gs_fence *f, void *data) {
}

static void visit(gs_job *j, void *jd, void *data) {
}

static void every_function_answers_its_error_value_when_the_library_did_not_start(void) {
    gs_timeline *tl = NULL;
    gs_fence *f = NULL;
    gs_sched *s = NULL;
    gs_entity *e = NULL;
    gs_job *j = NULL;
    char buf[8];
    CHECK_EQ(gs_timeline_create("x", &tl), -EIO);
    gs_timeline_put(tl);
    CHECK_EQ(gs_fence_create(tl, &f), -EIO);
    CHECK_EQ(gs_fence_signal(f, 0), -EIO);
    CHECK(gs_fence_get(f) == NULL);
    gs_fence_put(f);
    CHECK_EQ(gs_fence_is_signaled(f), -EIO);
    CHECK_EQ(gs_fence_get_error(f), -EIO);
    CHECK_EQ(gs_fence_wait(f, -1), -EIO);
    CHECK_EQ(gs_fence_add_callback(f, cb, NULL), -EIO);
    CHECK_EQ(gs_fence_remove_callback(f, cb, NULL), -EIO);
    CHECK_EQ(gs_fence_timestamp_ns(f), -EIO);
    CHECK_EQ(gs_fence_set_deadline(f, 0), -EIO);
    CHECK_EQ(gs_fence_timeline_name(f, buf, sizeof buf), -EIO);
    CHECK_EQ(gs_fence_context(f), 0);
    CHECK_EQ(gs_fence_seqno(f), 0);
    struct gs_sched_ops ops = {.size = sizeof ops};
    struct gs_sched_args args = {.size = sizeof args, .name = "x", .credit_limit = 1, .timeout_ns = -1};
    CHECK_EQ(gs_sched_create(&args, &ops, &s), -EIO);
    gs_sched_destroy(s);
    CHECK_EQ(gs_sched_fault(s), -EIO);
    CHECK_EQ(gs_sched_stop(s), -EIO);
    CHECK_EQ(gs_sched_start(s, 0), -EIO);
    CHECK_EQ(gs_sched_for_each_pending(s, visit, NULL), -EIO);
    CHECK_EQ(gs_sched_suspend_timeout(s), -EIO);
    CHECK_EQ(gs_sched_resume_timeout(s, 0), -EIO);
    CHECK_EQ(gs_entity_create(&s, 1, GS_PRIORITY_NORMAL, &e), -EIO);
    CHECK_EQ(gs_entity_set_priority(e, GS_PRIORITY_LOW), -EIO);
    CHECK_EQ(gs_entity_set_schedulers(e, &s, 1), -EIO);
    CHECK_EQ(gs_entity_error(e), -EIO);
    CHECK_EQ(gs_entity_destroy(e, -1), -EIO);
    CHECK_EQ(gs_job_create(e, 1, NULL, &j), -EIO);
    CHECK_EQ(gs_job_add_dependency(j, f), -EIO);
    CHECK_EQ(gs_job_submit(j, NULL, NULL), -EIO);
    CHECK(gs_job_finished_fence(j) == NULL);
    gs_job_abort(j);
}

int main(void) {
    bad_options_child(); /* before the first call of this process */
    setenv("GPUSCHED_JAR", "/nonexistent/gpusched-capi.jar", 1);
    RUN(jvm_options_it_refuses_make_init_fail_with_eio);
    RUN(init_fails_with_eio_when_the_jar_is_missing);
    RUN(abi_version_and_strerror_work_without_the_jvm);
    RUN(every_function_answers_its_error_value_when_the_library_did_not_start);
    CHECK_EXIT();
}
