/* Runs the C example (examples/c/ring_driver.c, built next to this program by the Makefile) and
   checks that it exits 0 having shown what it is about: a timeout, the recovery, teardown. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char output[1 << 16];
static int status = -1;

static void run_example(void) {
    char self[PATH_MAX], cmd[PATH_MAX + 16];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash == NULL)
        return;
    *slash = '\0';
    snprintf(cmd, sizeof cmd, "'%s/ring_driver'", self);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return;
    size_t len = fread(output, 1, sizeof output - 1, p);
    output[len] = '\0';
    status = pclose(p);
}

static int printed(const char *text) {
    return strstr(output, text) != NULL;
}

static void ring_driver_example_exits_zero(void) {
    CHECK(status != -1);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    CHECK(printed("done\n"));
    if (check_failed_in_test)
        fprintf(stderr, "%s", output);
}

static void ring_driver_example_recovers_from_the_hung_job(void) {
    CHECK(printed("timeout compute#2"));
    CHECK(printed("pending on the hardware: compute#2"));
    CHECK(printed("recovered; compute#2 ends with -ETIMEDOUT"));
    CHECK(printed("compute#2    -ETIMEDOUT"));
    CHECK(printed("(1 ring reset)"));
}

static void ring_driver_example_tears_down_with_every_job_freed_once(void) {
    CHECK(printed("all 20 jobs finished"));
    CHECK(printed("every job freed exactly once"));
    CHECK(!printed("FAILED"));
}

int main(void) {
    run_example();
    RUN(ring_driver_example_exits_zero);
    RUN(ring_driver_example_recovers_from_the_hung_job);
    RUN(ring_driver_example_tears_down_with_every_job_freed_once);
    CHECK_EXIT();
}
