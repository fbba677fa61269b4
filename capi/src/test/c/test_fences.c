/* Timelines and fences through the C ABI: every function's success behaviour and its answer to
   bad input (NULL, stale, foreign and wrong-type handles, bad arguments). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "check.h"
#include "gpusched.h"
#include "tdriver.h"

/* ------------------------------------------------------------------ library */

static void init_is_idempotent_and_later_options_are_ignored(void) {
    CHECK_EQ(gs_init(NULL), 0);
    CHECK_EQ(gs_init("-Xthis-option-does-not-exist"), 0); /* only the first call's options count */
    CHECK_EQ(gs_abi_version(), GS_ABI_VERSION);
}

static void strerror_describes_every_documented_code(void) {
    const int codes[] = {0, -EINVAL, -EBADF, -ENOMEM, -EALREADY, -EPERM, -ETIMEDOUT, -ENOENT,
                         -EBUSY, -EDEADLK, -ECANCELED, -ESRCH, -ENODEV, -EIO};
    const char *unknown = gs_strerror(-4000);
    CHECK(unknown != NULL);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *s = gs_strerror(codes[i]);
        CHECK(s != NULL && s[0] != '\0');
        CHECK(s != NULL && strcmp(s, unknown) != 0);
        for (size_t k = 0; k < i; k++)
            CHECK(strcmp(s, gs_strerror(codes[k])) != 0); /* each code its own text */
    }
    CHECK(gs_strerror(5) != NULL && strcmp(gs_strerror(5), unknown) != 0); /* "not an error code" */
}

/* ------------------------------------------------------------------ timelines */

static void timeline_put_makes_its_handle_stale(void) {
    gs_timeline *tl;
    CHECK_EQ(gs_timeline_create("tl", &tl), 0);
    gs_fence *f;
    CHECK_EQ(gs_fence_create(tl, &f), 0);
    gs_timeline_put(tl);
    gs_fence *g = (gs_fence *)0x1;
    CHECK_EQ(gs_fence_create(tl, &g), -EBADF);
    CHECK(g == (gs_fence *)0x1); /* out untouched on failure */
    gs_timeline_put(tl);         /* a second put is ignored */
    gs_fence_put(f);
}

static void fences_outlive_their_timeline_handle(void) {
    gs_timeline *tl;
    CHECK_EQ(gs_timeline_create("short-lived", &tl), 0);
    gs_fence *f;
    CHECK_EQ(gs_fence_create(tl, &f), 0);
    gs_timeline_put(tl);
    char name[32];
    CHECK_EQ(gs_fence_timeline_name(f, name, sizeof name), 11);
    CHECK_EQ(strcmp(name, "short-lived"), 0);
    CHECK_EQ(gs_fence_signal(f, 0), 0);
    CHECK_EQ(gs_fence_is_signaled(f), 1);
    gs_fence_put(f);
}

static void fences_of_a_timeline_share_its_context_and_count_seqnos_from_one(void) {
    gs_timeline *a, *b;
    CHECK_EQ(gs_timeline_create("a", &a), 0);
    CHECK_EQ(gs_timeline_create("b", &b), 0);
    gs_fence *a1, *a2, *a3, *b1;
    CHECK_EQ(gs_fence_create(a, &a1), 0);
    CHECK_EQ(gs_fence_create(a, &a2), 0);
    CHECK_EQ(gs_fence_create(b, &b1), 0);
    CHECK_EQ(gs_fence_create(a, &a3), 0);
    CHECK(gs_fence_context(a1) >= 1);
    CHECK_EQ(gs_fence_context(a1), gs_fence_context(a2));
    CHECK_EQ(gs_fence_context(a1), gs_fence_context(a3));
    CHECK(gs_fence_context(b1) >= 1 && gs_fence_context(b1) != gs_fence_context(a1));
    CHECK_EQ(gs_fence_seqno(a1), 1);
    CHECK_EQ(gs_fence_seqno(a2), 2);
    CHECK_EQ(gs_fence_seqno(a3), 3);
    CHECK_EQ(gs_fence_seqno(b1), 1);
    gs_fence_put(a1);
    gs_fence_put(a2);
    gs_fence_put(a3);
    gs_fence_put(b1);
    gs_timeline_put(a);
    gs_timeline_put(b);
}

/* ------------------------------------------------------------------ signal, get, put, query */

static gs_timeline *tl;

static gs_fence *new_fence(void) {
    gs_fence *f = NULL;
    CHECK_EQ(gs_fence_create(tl, &f), 0);
    return f;
}

static void signal_with_zero_signals_without_error(void) {
    gs_fence *f = new_fence();
    CHECK_EQ(gs_fence_is_signaled(f), 0);
    CHECK_EQ(gs_fence_get_error(f), 0);
    CHECK_EQ(gs_fence_signal(f, 0), 0);
    CHECK_EQ(gs_fence_is_signaled(f), 1);
    CHECK_EQ(gs_fence_get_error(f), 0);
    gs_fence_put(f);
}

static void signal_with_an_error_is_reported_by_get_error(void) {
    gs_fence *f = new_fence();
    CHECK_EQ(gs_fence_signal(f, -EFAULT), 0);
    CHECK_EQ(gs_fence_is_signaled(f), 1);
    CHECK_EQ(gs_fence_get_error(f), -EFAULT);
    gs_fence *g = new_fence();
    CHECK_EQ(gs_fence_signal(g, -4095), 0); /* the most negative errno accepted */
    CHECK_EQ(gs_fence_get_error(g), -4095);
    gs_fence_put(f);
    gs_fence_put(g);
}

static void second_signal_returns_ealready_and_keeps_the_first_outcome(void) {
    gs_fence *f = new_fence();
    CHECK_EQ(gs_fence_signal(f, -EIO), 0);
    int64_t ts = gs_fence_timestamp_ns(f);
    CHECK_EQ(gs_fence_signal(f, 0), -EALREADY);
    CHECK_EQ(gs_fence_signal(f, -ENOMEM), -EALREADY);
    CHECK_EQ(gs_fence_get_error(f), -EIO);
    CHECK_EQ(gs_fence_timestamp_ns(f), ts);
    gs_fence_put(f);
}

static void signal_rejects_errors_outside_the_errno_range(void) {
    gs_fence *f = new_fence();
    CHECK_EQ(gs_fence_signal(f, 1), -EINVAL);
    CHECK_EQ(gs_fence_signal(f, 22), -EINVAL);
    CHECK_EQ(gs_fence_signal(f, -4096), -EINVAL);
    CHECK_EQ(gs_fence_signal(f, -2147483647 - 1), -EINVAL);
    CHECK_EQ(gs_fence_is_signaled(f), 0); /* a rejected signal does not signal */
    CHECK_EQ(gs_fence_signal(f, 0), 0);
    gs_fence_put(f);
}

static void fence_get_returns_the_same_pointer_and_adds_a_reference(void) {
    gs_fence *f = new_fence();
    gs_fence *g = gs_fence_get(f);
    CHECK(g == f);
    CHECK(gs_fence_get(g) == f);
    gs_fence_put(f);
    gs_fence_put(f);
    CHECK_EQ(gs_fence_is_signaled(f), 0); /* one reference left */
    CHECK_EQ(gs_fence_signal(f, 0), 0);
    gs_fence_put(f);
    CHECK_EQ(gs_fence_is_signaled(f), -EBADF); /* the last put made it stale */
    CHECK(gs_fence_get(f) == NULL);
}

static void stale_handle_does_not_reach_the_fence_that_reuses_its_slot(void) {
    gs_fence *old = new_fence();
    gs_fence_put(old);
    gs_fence *fresh[8];
    for (int i = 0; i < 8; i++)
        fresh[i] = new_fence(); /* one of them very likely takes the freed slot */
    for (int i = 0; i < 8; i++)
        CHECK(fresh[i] != old);
    CHECK_EQ(gs_fence_signal(old, -EIO), -EBADF);
    gs_fence_put(old);
    gs_fence_put(old);
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(gs_fence_is_signaled(fresh[i]), 0);
        CHECK_EQ(gs_fence_signal(fresh[i], 0), 0);
        CHECK_EQ(gs_fence_get_error(fresh[i]), 0);
        gs_fence_put(fresh[i]);
    }
}

/* ------------------------------------------------------------------ wait */

static void wait_times_out_on_an_unsignalled_fence(void) {
    gs_fence *f = new_fence();
    CHECK_EQ(gs_fence_wait(f, 0), -ETIMEDOUT);
    int64_t before = t_now_ns();
    CHECK_EQ(gs_fence_wait(f, 2000000), -ETIMEDOUT);
    CHECK(t_now_ns() - before >= 2000000); /* it did wait the time it was given */
    CHECK_EQ(gs_fence_is_signaled(f), 0);
    gs_fence_put(f);
}

static void wait_on_a_signalled_fence_returns_zero_at_once(void) {
    gs_fence *f = new_fence();
    CHECK_EQ(gs_fence_signal(f, -EIO), 0);
    CHECK_EQ(gs_fence_wait(f, 0), 0);
    CHECK_EQ(gs_fence_wait(f, -1), 0);
    gs_fence_put(f);
}

struct delayed {
    gs_fence *f;
    int error;
    int64_t delay_ns;
};

static void *signal_later(void *arg) {
    struct delayed *d = arg;
    t_sleep_ns(d->delay_ns);
    gs_fence_signal(d->f, d->error);
    return NULL;
}

static void wait_forever_returns_when_another_thread_signals(void) {
    gs_fence *f = new_fence();
    struct delayed d = {f, -ENOSPC, 20000000};
    pthread_t t;
    pthread_create(&t, NULL, signal_later, &d);
    CHECK_EQ(gs_fence_wait(f, -1), 0);
    CHECK_EQ(gs_fence_is_signaled(f), 1);
    CHECK_EQ(gs_fence_get_error(f), -ENOSPC);
    pthread_join(t, NULL);
    gs_fence_put(f);
}

static void wait_with_a_timeout_returns_when_another_thread_signals(void) {
    gs_fence *f = new_fence();
    struct delayed d = {f, 0, 5000000};
    pthread_t t;
    pthread_create(&t, NULL, signal_later, &d);
    CHECK_EQ(gs_fence_wait(f, T_WAIT_NS), 0);
    pthread_join(t, NULL);
    gs_fence_put(f);
}

/* ------------------------------------------------------------------ callbacks */

static void other_cb(gs_fence *f, void *data) {
}

struct cb_rec {
    atomic_int calls;
    pthread_t thread;
    gs_fence *seen;
    int error_seen;
    int signaled_seen;
    int order;
    atomic_int *order_counter;
};

static void record_cb(gs_fence *f, void *data) {
    struct cb_rec *r = data;
    r->thread = pthread_self();
    r->seen = f;
    r->error_seen = gs_fence_get_error(f);
    r->signaled_seen = gs_fence_is_signaled(f);
    if (r->order_counter != NULL)
        r->order = atomic_fetch_add(r->order_counter, 1) + 1;
    atomic_fetch_add(&r->calls, 1);
}

struct signaller {
    gs_fence *f;
    pthread_t self;
};

static void *signal_now(void *arg) {
    struct signaller *s = arg;
    s->self = pthread_self();
    gs_fence_signal(s->f, -EPIPE);
    gs_fence_signal(s->f, 0); /* -EALREADY: must not run the callback again */
    return NULL;
}

static void callback_runs_once_on_the_signalling_thread(void) {
    gs_fence *f = new_fence();
    struct cb_rec r = {0};
    CHECK_EQ(gs_fence_add_callback(f, record_cb, &r), 0);
    CHECK_EQ(atomic_load(&r.calls), 0);
    struct signaller s = {f, 0};
    pthread_t t;
    pthread_create(&t, NULL, signal_now, &s);
    pthread_join(t, NULL);
    CHECK_EQ(atomic_load(&r.calls), 1);
    CHECK(pthread_equal(r.thread, s.self));
    CHECK(r.seen == f);               /* the handle it was registered through */
    CHECK_EQ(r.signaled_seen, 1);     /* signalled before callbacks run */
    CHECK_EQ(r.error_seen, -EPIPE);   /* error set before callbacks run */
    gs_fence_put(f);
    CHECK_EQ(atomic_load(&r.calls), 1);
}

static void add_callback_after_signal_returns_enoent_and_never_calls(void) {
    gs_fence *f = new_fence();
    CHECK_EQ(gs_fence_signal(f, 0), 0);
    struct cb_rec r = {0};
    CHECK_EQ(gs_fence_add_callback(f, record_cb, &r), -ENOENT);
    CHECK_EQ(gs_fence_signal(f, 0), -EALREADY);
    CHECK_EQ(atomic_load(&r.calls), 0);
    gs_fence_put(f);
    CHECK_EQ(atomic_load(&r.calls), 0);
}

static void callbacks_run_in_registration_order(void) {
    gs_fence *f = new_fence();
    atomic_int counter = 0;
    struct cb_rec r[5] = {0};
    for (int i = 0; i < 5; i++) {
        r[i].order_counter = &counter;
        CHECK_EQ(gs_fence_add_callback(f, record_cb, &r[i]), 0);
    }
    CHECK_EQ(gs_fence_signal(f, 0), 0);
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(atomic_load(&r[i].calls), 1);
        CHECK_EQ(r[i].order, i + 1);
    }
    gs_fence_put(f);
}

static void remove_callback_before_signal_returns_zero_and_it_never_runs(void) {
    gs_fence *f = new_fence();
    struct cb_rec r = {0}, other = {0};
    CHECK_EQ(gs_fence_add_callback(f, record_cb, &r), 0);
    CHECK_EQ(gs_fence_add_callback(f, record_cb, &other), 0);
    CHECK_EQ(gs_fence_remove_callback(f, record_cb, &r), 0);
    CHECK_EQ(gs_fence_remove_callback(f, record_cb, &r), -ENOENT); /* gone already */
    CHECK_EQ(gs_fence_signal(f, 0), 0);
    CHECK_EQ(atomic_load(&r.calls), 0);
    CHECK_EQ(atomic_load(&other.calls), 1); /* only the matching one was removed */
    gs_fence_put(f);
}

static void remove_callback_after_it_ran_returns_enoent(void) {
    gs_fence *f = new_fence();
    struct cb_rec r = {0};
    CHECK_EQ(gs_fence_add_callback(f, record_cb, &r), 0);
    CHECK_EQ(gs_fence_signal(f, 0), 0);
    CHECK_EQ(atomic_load(&r.calls), 1);
    CHECK_EQ(gs_fence_remove_callback(f, record_cb, &r), -ENOENT);
    gs_fence_put(f);
}

static void remove_callback_needs_the_same_function_data_and_handle(void) {
    gs_fence *f = new_fence();
    gs_fence *g = gs_fence_get(f); /* same handle value: gs_fence_get returns f */
    struct cb_rec r = {0}, s = {0};
    CHECK_EQ(gs_fence_add_callback(f, record_cb, &r), 0);
    CHECK_EQ(gs_fence_remove_callback(f, record_cb, &s), -ENOENT); /* other data */
    CHECK_EQ(gs_fence_remove_callback(f, other_cb, &r), -ENOENT); /* other function */
    CHECK_EQ(gs_fence_remove_callback(g, record_cb, &r), 0);
    CHECK_EQ(gs_fence_signal(f, 0), 0);
    CHECK_EQ(atomic_load(&r.calls), 0);
    gs_fence_put(g);
    gs_fence_put(f);
}

static void same_callback_added_twice_runs_twice_and_is_removed_once_per_call(void) {
    gs_fence *f = new_fence();
    struct cb_rec r = {0};
    CHECK_EQ(gs_fence_add_callback(f, record_cb, &r), 0);
    CHECK_EQ(gs_fence_add_callback(f, record_cb, &r), 0);
    CHECK_EQ(gs_fence_add_callback(f, record_cb, &r), 0);
    CHECK_EQ(gs_fence_remove_callback(f, record_cb, &r), 0);
    CHECK_EQ(gs_fence_signal(f, 0), 0);
    CHECK_EQ(atomic_load(&r.calls), 2);
    gs_fence_put(f);
}

/* A callback that uses the library: creates, signals, queries and puts fences, and tries to
   block. */
struct nested {
    gs_fence *next;   /* signalled from inside the callback */
    int create_r, signal_r, next_error, wait_r, wait_signalled_r;
    atomic_int calls;
};

static void nested_cb(gs_fence *f, void *data) {
    struct nested *n = data;
    gs_fence *tmp;
    n->create_r = gs_fence_create(tl, &tmp);
    if (n->create_r == 0) {
        n->wait_r = gs_fence_wait(tmp, 1000000000LL); /* would block: refused */
        gs_fence_signal(tmp, 0);
        n->wait_signalled_r = gs_fence_wait(tmp, -1); /* signalled: does not block */
        gs_fence_put(tmp);
    }
    n->signal_r = gs_fence_signal(n->next, -EAGAIN);
    n->next_error = gs_fence_get_error(n->next);
    atomic_fetch_add(&n->calls, 1);
}

static void callback_may_create_signal_and_query_fences_but_not_wait(void) {
    gs_fence *f = new_fence();
    struct nested n = {0};
    n.next = new_fence();
    struct cb_rec r = {0};
    CHECK_EQ(gs_fence_add_callback(n.next, record_cb, &r), 0);
    CHECK_EQ(gs_fence_add_callback(f, nested_cb, &n), 0);
    CHECK_EQ(gs_fence_signal(f, 0), 0);
    CHECK_EQ(atomic_load(&n.calls), 1);
    CHECK_EQ(n.create_r, 0);
    CHECK_EQ(n.wait_r, -EDEADLK);
    CHECK_EQ(n.wait_signalled_r, 0);
    CHECK_EQ(n.signal_r, 0);
    CHECK_EQ(n.next_error, -EAGAIN);
    CHECK_EQ(atomic_load(&r.calls), 1); /* the nested signal ran its callback */
    CHECK_EQ(gs_fence_wait(f, 0), 0);    /* outside a callback waiting is allowed again */
    gs_fence_put(n.next);
    gs_fence_put(f);
}

/* ------------------------------------------------------------------ timestamps, deadlines, names */

static void timestamp_is_ebusy_before_the_signal(void) {
    gs_fence *f = new_fence();
    CHECK_EQ(gs_fence_timestamp_ns(f), -EBUSY);
    gs_fence_put(f);
}

static void timestamp_is_the_clock_monotonic_time_of_the_signal(void) {
    gs_fence *f = new_fence();
    int64_t before = t_now_ns();
    CHECK_EQ(gs_fence_signal(f, 0), 0);
    int64_t after = t_now_ns();
    int64_t ts = gs_fence_timestamp_ns(f);
    CHECK(ts >= before);
    CHECK(ts <= after);
    t_sleep_ns(1000000);
    CHECK_EQ(gs_fence_timestamp_ns(f), ts); /* fixed once signalled */
    gs_fence_put(f);
}

static void set_deadline_is_accepted_before_and_after_the_signal(void) {
    gs_fence *f = new_fence();
    int64_t now = t_now_ns();
    CHECK_EQ(gs_fence_set_deadline(f, now + 1000000), 0);
    CHECK_EQ(gs_fence_set_deadline(f, now + 5000000), 0); /* later: the earliest is kept */
    CHECK_EQ(gs_fence_set_deadline(f, 0), 0);
    CHECK_EQ(gs_fence_set_deadline(f, -5), 0);
    CHECK_EQ(gs_fence_is_signaled(f), 0); /* a hint: it signals nothing */
    CHECK_EQ(gs_fence_signal(f, 0), 0);
    CHECK_EQ(gs_fence_get_error(f), 0);
    CHECK_EQ(gs_fence_set_deadline(f, now), 0);
    gs_fence_put(f);
}

static void timeline_name_truncates_terminates_and_returns_the_full_length(void) {
    gs_timeline *t;
    CHECK_EQ(gs_timeline_create("compute-ring", &t), 0); /* 12 bytes */
    gs_fence *f;
    CHECK_EQ(gs_fence_create(t, &f), 0);
    char buf[32];
    memset(buf, 'x', sizeof buf);
    CHECK_EQ(gs_fence_timeline_name(f, buf, sizeof buf), 12);
    CHECK_EQ(strcmp(buf, "compute-ring"), 0);
    memset(buf, 'x', sizeof buf);
    CHECK_EQ(gs_fence_timeline_name(f, buf, 5), 12);
    CHECK_EQ(strcmp(buf, "comp"), 0);
    CHECK_EQ(buf[5], 'x'); /* nothing written past len */
    memset(buf, 'x', sizeof buf);
    CHECK_EQ(gs_fence_timeline_name(f, buf, 1), 12);
    CHECK_EQ(buf[0], '\0');
    CHECK_EQ(buf[1], 'x');
    memset(buf, 'x', sizeof buf);
    CHECK_EQ(gs_fence_timeline_name(f, buf, 12), 12); /* one short: loses the last byte */
    CHECK_EQ(strcmp(buf, "compute-rin"), 0);
    CHECK_EQ(gs_fence_timeline_name(f, buf, 13), 12);
    CHECK_EQ(strcmp(buf, "compute-ring"), 0);
    CHECK_EQ(gs_fence_timeline_name(f, NULL, 0), 12);
    memset(buf, 'x', sizeof buf);
    CHECK_EQ(gs_fence_timeline_name(f, buf, 0), 12);
    CHECK_EQ(buf[0], 'x'); /* len 0 writes nothing */
    gs_fence_put(f);
    gs_timeline_put(t);
}

static void timeline_name_is_copied_and_counted_in_utf8_bytes(void) {
    char name[] = "n\xc3\xa9" "e-ring"; /* "née-ring": 9 bytes */
    gs_timeline *t;
    CHECK_EQ(gs_timeline_create(name, &t), 0);
    name[0] = 'X'; /* the library copied it */
    gs_fence *f;
    CHECK_EQ(gs_fence_create(t, &f), 0);
    char buf[32];
    CHECK_EQ(gs_fence_timeline_name(f, buf, sizeof buf), 9);
    CHECK_EQ(strcmp(buf, "n\xc3\xa9" "e-ring"), 0);
    gs_fence *empty_f;
    gs_timeline *empty;
    CHECK_EQ(gs_timeline_create("", &empty), 0);
    CHECK_EQ(gs_fence_create(empty, &empty_f), 0);
    buf[0] = 'x';
    CHECK_EQ(gs_fence_timeline_name(empty_f, buf, sizeof buf), 0);
    CHECK_EQ(buf[0], '\0');
    gs_fence_put(empty_f);
    gs_timeline_put(empty);
    gs_fence_put(f);
    gs_timeline_put(t);
}

/* ------------------------------------------------------------------ bad input */

static void never_cb(gs_fence *f, void *data) {
    atomic_fetch_add((atomic_int *)data, 1);
}

/* Every fence function must reject `bad` with its documented error value. */
static int fence_rejected(gs_fence *bad, int line) {
    int before = check_failed_in_test;
    check_failed_in_test = 0;
    atomic_int calls = 0;
    char buf[8] = "xxxxxxx";
    CHECK_EQ(gs_fence_signal(bad, 0), -EBADF);
    CHECK_EQ(gs_fence_signal(bad, -EIO), -EBADF);
    CHECK(gs_fence_get(bad) == NULL);
    CHECK_EQ(gs_fence_is_signaled(bad), -EBADF);
    CHECK_EQ(gs_fence_get_error(bad), -EBADF);
    CHECK_EQ(gs_fence_wait(bad, 0), -EBADF);
    CHECK_EQ(gs_fence_wait(bad, -1), -EBADF); /* must not block either */
    CHECK_EQ(gs_fence_add_callback(bad, never_cb, &calls), -EBADF);
    CHECK_EQ(gs_fence_remove_callback(bad, never_cb, &calls), -EBADF);
    CHECK_EQ(gs_fence_timestamp_ns(bad), -EBADF);
    CHECK_EQ(gs_fence_set_deadline(bad, 0), -EBADF);
    CHECK_EQ(gs_fence_timeline_name(bad, buf, sizeof buf), -EBADF);
    CHECK_EQ(buf[0], 'x');
    CHECK_EQ(gs_fence_context(bad), 0);
    CHECK_EQ(gs_fence_seqno(bad), 0);
    gs_fence_put(bad);
    CHECK_EQ(atomic_load(&calls), 0);
    int failed = check_failed_in_test;
    if (failed)
        fprintf(stderr, "  (for the handle %p of line %d)\n", (void *)bad, line);
    check_failed_in_test = before || failed;
    return !failed;
}
#define FENCE_REJECTED(bad) fence_rejected((gs_fence *)(bad), __LINE__)

static void fence_functions_reject_null(void) {
    FENCE_REJECTED(NULL);
}

static void fence_functions_reject_a_fence_after_its_last_put(void) {
    gs_fence *f = new_fence();
    gs_fence_get(f);
    gs_fence_put(f);
    gs_fence_put(f);
    FENCE_REJECTED(f);
    gs_fence *signalled = new_fence();
    gs_fence_signal(signalled, 0);
    gs_fence_put(signalled);
    FENCE_REJECTED(signalled);
}

static void fence_functions_reject_foreign_values(void) {
    int local = 0;
    long array[4] = {0};
    FENCE_REJECTED(&local);
    FENCE_REJECTED(&array[1]);
    FENCE_REJECTED(&fence_rejected);
    FENCE_REJECTED((uintptr_t)tl + 1); /* the timeline's slot and generation with the fence tag */
    FENCE_REJECTED((uintptr_t)-1);
    FENCE_REJECTED((uintptr_t)-16 | 2); /* fence tag, out-of-range slot */
    /* random values with each possible low nibble: a seeded generator, so a failure replays */
    uint64_t seed = 0x9e3779b97f4a7c15ull, x = seed;
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (!FENCE_REJECTED(x)) {
            fprintf(stderr, "  (seed 0x%llx, value %d)\n", (unsigned long long)seed, i);
            break;
        }
    }
    /* valid-looking handle values: a real fence's slot with other generations */
    gs_fence *f = new_fence();
    uintptr_t v = (uintptr_t)f;
    for (uint64_t g = 1; g < 64; g++)
        if ((g << 32) != (v & ~(uintptr_t)0xffffffff))
            FENCE_REJECTED((v & 0xffffffff) | (g << 32));
    FENCE_REJECTED(v & 0xffffffff);          /* generation 0: never issued */
    CHECK_EQ(gs_fence_is_signaled(f), 0);    /* none of it touched the real fence */
    gs_fence_put(f);
}

static void fence_functions_reject_handles_of_other_types(void) {
    gs_timeline *t;
    CHECK_EQ(gs_timeline_create("typed", &t), 0);
    FENCE_REJECTED(t);
    gs_fence *f;
    CHECK_EQ(gs_fence_create(t, &f), 0);
    FENCE_REJECTED(f ? (uintptr_t)f + 1 : 0); /* the same slot and generation with another tag */
    gs_timeline_put((gs_timeline *)f);         /* a fence is not a timeline: ignored */
    CHECK_EQ(gs_fence_is_signaled(f), 0);      /* still alive */
    gs_fence *g;
    CHECK_EQ(gs_fence_create(t, &g), 0);       /* the timeline is still alive too */
    gs_fence_put((gs_fence *)t);               /* a timeline is not a fence: ignored */
    CHECK_EQ(gs_fence_create(t, &g), 0);
    gs_fence_put(g);
    gs_fence_put(g);
    gs_fence_put(f);
    gs_timeline_put(t);
}

static void timeline_functions_reject_bad_handles(void) {
    int local = 0;
    gs_fence *f = new_fence();
    gs_sched *not_a_timeline[] = {NULL, (gs_sched *)&local, (gs_sched *)f, (gs_sched *)0x7fffffff1,
                                  (gs_sched *)((uintptr_t)tl + 2), (gs_sched *)((uintptr_t)tl + ((uintptr_t)1 << 32))};
    for (size_t i = 0; i < sizeof not_a_timeline / sizeof not_a_timeline[0]; i++) {
        gs_fence *out = (gs_fence *)0x1;
        CHECK_EQ(gs_fence_create((gs_timeline *)not_a_timeline[i], &out), -EBADF);
        CHECK(out == (gs_fence *)0x1);
        gs_timeline_put((gs_timeline *)not_a_timeline[i]); /* ignored */
    }
    CHECK_EQ(gs_fence_is_signaled(f), 0); /* the fence survived being put as a timeline */
    gs_fence_put(f);
    gs_fence *g = new_fence(); /* and the real timeline is still there */
    CHECK(g != NULL);
    gs_fence_put(g);
}

static void timeline_create_rejects_null_name_or_out(void) {
    gs_timeline *t = (gs_timeline *)0x1;
    CHECK_EQ(gs_timeline_create(NULL, &t), -EINVAL);
    CHECK(t == (gs_timeline *)0x1);
    CHECK_EQ(gs_timeline_create("x", NULL), -EINVAL);
}

static void fence_create_rejects_null_out(void) {
    CHECK_EQ(gs_fence_create(tl, NULL), -EINVAL);
    gs_fence *f = new_fence();
    CHECK_EQ(gs_fence_seqno(f) > 0, 1);
    gs_fence_put(f);
}

static void add_callback_rejects_a_null_function(void) {
    gs_fence *f = new_fence();
    CHECK_EQ(gs_fence_add_callback(f, NULL, NULL), -EINVAL);
    CHECK_EQ(gs_fence_remove_callback(f, NULL, NULL), -ENOENT);
    CHECK_EQ(gs_fence_signal(f, 0), 0);
    gs_fence_put(f);
}

static void timeline_name_rejects_a_null_buffer_with_a_length(void) {
    gs_fence *f = new_fence();
    CHECK_EQ(gs_fence_timeline_name(f, NULL, 8), -EINVAL);
    gs_fence_put(f);
}

int main(void) {
    RUN(init_is_idempotent_and_later_options_are_ignored);
    CHECK_EQ(gs_timeline_create("test-ring", &tl), 0);
    RUN(strerror_describes_every_documented_code);
    RUN(timeline_put_makes_its_handle_stale);
    RUN(fences_outlive_their_timeline_handle);
    RUN(fences_of_a_timeline_share_its_context_and_count_seqnos_from_one);
    RUN(signal_with_zero_signals_without_error);
    RUN(signal_with_an_error_is_reported_by_get_error);
    RUN(second_signal_returns_ealready_and_keeps_the_first_outcome);
    RUN(signal_rejects_errors_outside_the_errno_range);
    RUN(fence_get_returns_the_same_pointer_and_adds_a_reference);
    RUN(stale_handle_does_not_reach_the_fence_that_reuses_its_slot);
    RUN(wait_times_out_on_an_unsignalled_fence);
    RUN(wait_on_a_signalled_fence_returns_zero_at_once);
    RUN(wait_forever_returns_when_another_thread_signals);
    RUN(wait_with_a_timeout_returns_when_another_thread_signals);
    RUN(callback_runs_once_on_the_signalling_thread);
    RUN(add_callback_after_signal_returns_enoent_and_never_calls);
    RUN(callbacks_run_in_registration_order);
    RUN(remove_callback_before_signal_returns_zero_and_it_never_runs);
    RUN(remove_callback_after_it_ran_returns_enoent);
    RUN(remove_callback_needs_the_same_function_data_and_handle);
    RUN(same_callback_added_twice_runs_twice_and_is_removed_once_per_call);
    RUN(callback_may_create_signal_and_query_fences_but_not_wait);
    RUN(timestamp_is_ebusy_before_the_signal);
    RUN(timestamp_is_the_clock_monotonic_time_of_the_signal);
    RUN(set_deadline_is_accepted_before_and_after_the_signal);
    RUN(timeline_name_truncates_terminates_and_returns_the_full_length);
    RUN(timeline_name_is_copied_and_counted_in_utf8_bytes);
    RUN(fence_functions_reject_null);
    RUN(fence_functions_reject_a_fence_after_its_last_put);
    RUN(fence_functions_reject_foreign_values);
    RUN(fence_functions_reject_handles_of_other_types);
    RUN(timeline_functions_reject_bad_handles);
    RUN(timeline_create_rejects_null_name_or_out);
    RUN(fence_create_rejects_null_out);
    RUN(add_callback_rejects_a_null_function);
    RUN(timeline_name_rejects_a_null_buffer_with_a_length);
    gs_timeline_put(tl);
    CHECK_EXIT();
}
