/* A minimal test harness for the C tests: each CHECK that fails prints "not ok"; each test
   function prints one "ok - name" or "not ok - name" line, which run-tests counts. */
#ifndef GS_CHECK_H
#define GS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failed_in_test;
static int check_total_failed;

#define CHECK(cond)                                                                              \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);           \
            check_failed_in_test = 1;                                                            \
        }                                                                                        \
    } while (0)

#define CHECK_EQ(actual, expected)                                                               \
    do {                                                                                         \
        long long check_a_ = (long long)(actual), check_e_ = (long long)(expected);              \
        if (check_a_ != check_e_) {                                                              \
            fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__,     \
                    #actual, check_a_, #expected, check_e_);                                     \
            check_failed_in_test = 1;                                                            \
        }                                                                                        \
    } while (0)

#define RUN(test)                                                                                \
    do {                                                                                         \
        check_failed_in_test = 0;                                                                \
        test();                                                                                  \
        printf("%s - %s\n", check_failed_in_test ? "not ok" : "ok", #test);                      \
        fflush(stdout);                                                                          \
        check_total_failed += check_failed_in_test;                                              \
    } while (0)

#define CHECK_EXIT() return check_total_failed ? 1 : 0

#endif
