/* A tiny test harness for the C suites: CHECK macros that report kafkabridge's error name and
 * message, unique topic names, and helpers that talk to the broker named by KAFKA_BROKERS. */
#ifndef KBTEST_H
#define KBTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include "kafkabridge.h"

static int kbt_failed_checks;
static const char *kbt_current;

static const char *kbt_last_error(void) {
    static char buf[1024];
    kb_last_error(buf, sizeof buf);
    return buf;
}

#define FAIL(...)                                                                    \
    do {                                                                             \
        fprintf(stderr, "  FAIL %s:%d in %s: ", __FILE__, __LINE__, kbt_current);    \
        fprintf(stderr, __VA_ARGS__);                                                \
        fprintf(stderr, "\n");                                                       \
        kbt_failed_checks++;                                                         \
        return;                                                                      \
    } while (0)

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) FAIL("check failed: %s", #cond);                                \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                           \
    do {                                                                             \
        long long _a = (long long)(a), _b = (long long)(b);                          \
        if (_a != _b) FAIL("%s == %lld, expected %s == %lld", #a, _a, #b, _b);       \
    } while (0)

#define CHECK_OK(call)                                                               \
    do {                                                                             \
        kb_err _e = (call);                                                          \
        if (_e != 0) FAIL("%s returned %d %s: %s", #call, _e, kb_err_name(_e), kbt_last_error()); \
    } while (0)

#define CHECK_ERR(call, code)                                                        \
    do {                                                                             \
        kb_err _e = (call);                                                          \
        if (_e != (code)) FAIL("%s returned %d %s (%s), expected %d %s", #call, _e, kb_err_name(_e), kbt_last_error(), (code), kb_err_name(code)); \
    } while (0)

typedef void (*kbt_fn)(void);

/* Runs one test and counts it; a test fails if any of its checks failed. */
__attribute__((unused)) static void kbt_run(const char *name, kbt_fn fn, int *passed, int *failed) {
    int before = kbt_failed_checks;
    kbt_current = name;
    fn();
    if (kbt_failed_checks == before) {
        (*passed)++;
        printf("ok   %s\n", name);
    } else {
        (*failed)++;
        printf("FAIL %s\n", name);
    }
    fflush(stdout);
}

#define RUN(fn) kbt_run(#fn, fn, &passed, &failed)
#define TEST_MAIN_BEGIN int main(void) { int passed = 0, failed = 0; setvbuf(stdout, NULL, _IOLBF, 0);
#define TEST_MAIN_END printf("%d passed, %d failed\n", passed, failed); kb_shutdown(); return failed ? 1 : 0; }

/* The real broker; tests that need it refuse to run without it rather than pass vacuously. */
static const char *kbt_brokers(void) {
    const char *b = getenv("KAFKA_BROKERS");
    if (!b || !*b) {
        fprintf(stderr, "KAFKA_BROKERS is not set: start the broker with harness/kafka/start.sh\n");
        exit(2);
    }
    return b;
}

/* A topic name no other test or run uses. */
__attribute__((unused)) static const char *kbt_topic(const char *prefix) {
    static char names[64][128];
    static int n;
    char *name = names[n++ % 64];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(name, 128, "kbt-%s-%d-%ld%06ld-%d", prefix, (int)getpid(), (long)ts.tv_sec, ts.tv_nsec / 1000, n);
    return name;
}

/* A config with bootstrap.servers set, plus key/value pairs (NULL-terminated). */
static kb_config *kbt_config(const char *first_key, ...);
#include <stdarg.h>
__attribute__((unused)) static kb_config *kbt_config(const char *first_key, ...) {
    kb_config *conf = NULL;
    if (kb_config_new(&conf) != 0) return NULL;
    if (kb_config_set(conf, "bootstrap.servers", kbt_brokers()) != 0) return NULL;
    va_list ap;
    va_start(ap, first_key);
    for (const char *k = first_key; k; k = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        if (kb_config_set(conf, k, v) != 0) {
            fprintf(stderr, "  config %s=%s: %s\n", k, v, kbt_last_error());
            va_end(ap);
            kb_config_free(conf);
            return NULL;
        }
    }
    va_end(ap);
    return conf;
}

/* Milliseconds on a monotonic clock, for the deadlines of bounded polling loops. */
__attribute__((unused)) static long long kbt_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The pause between two attempts of a bounded polling loop (never a stand-in for synchronisation). */
__attribute__((unused)) static void kbt_pause_ms(int ms) {
    struct timespec pause = {ms / 1000, (long)(ms % 1000) * 1000 * 1000};
    nanosleep(&pause, NULL);
}

/* Creates a topic with topic-level configs (parallel name/value arrays) on the real broker and
 * waits until its metadata shows every partition led. */
__attribute__((unused)) static int kbt_create_topic_with(const char *topic, int partitions, const char *const *names,
                                                         const char *const *values, size_t count) {
    kb_config *conf = kbt_config(NULL);
    kb_admin *admin = NULL;
    int rc = kb_admin_new(conf, &admin);
    kb_config_free(conf);
    if (rc) return rc;
    rc = kb_admin_create_topic(admin, topic, partitions, 1, names, values, count, 30000);
    for (int attempt = 0; rc == 0 && attempt < 200; attempt++) {
        kb_metadata *md = NULL;
        kb_metadata_view v;
        int ready = 0;
        if (kb_metadata_fetch(admin, topic, 5000, &md) == 0 && kb_metadata_get_view(md, &v) == 0 &&
            v.topic_count == 1 && v.topics[0].err == 0 && (int)v.topics[0].partition_count == partitions) {
            ready = 1;
            for (size_t p = 0; p < v.topics[0].partition_count; p++)
                if (v.topics[0].partitions[p].leader < 0) ready = 0;
        }
        kb_metadata_free(md);
        if (ready) break;
        kbt_pause_ms(50); /* metadata propagation, polled not assumed */
    }
    kb_admin_free(admin);
    return rc;
}

/* Creates a topic on the real broker and waits until its metadata shows every partition led. */
__attribute__((unused)) static int kbt_create_topic(const char *topic, int partitions) {
    return kbt_create_topic_with(topic, partitions, NULL, NULL, 0);
}

/* Drains a producer's delivery reports until each of the `n` ids got one (bounded by
 * `timeout_ms`). Returns the number of problems (missing, duplicate, failed or foreign reports),
 * each described on stderr; writes each report's offset to offsets_out[i] if not NULL. */
__attribute__((unused)) static int kbt_await_deliveries(kb_producer *p, const uint64_t *ids, size_t n,
                                                        int64_t *offsets_out, int timeout_ms) {
    int problems = 0;
    size_t seen_total = 0;
    int *seen = calloc(n ? n : 1, sizeof *seen);
    long long deadline = kbt_now_ms() + timeout_ms;
    while (seen_total < n && kbt_now_ms() < deadline) {
        kb_event *ev = NULL;
        if (kb_producer_poll(p, 100, &ev) != 0) {
            fprintf(stderr, "  kb_producer_poll: %s\n", kbt_last_error());
            problems++;
            break;
        }
        if (!ev) continue;
        kb_event_view v;
        if (kb_event_get_view(ev, &v) == 0 && v.kind == KB_EVENT_DELIVERY) {
            size_t i = 0;
            while (i < n && ids[i] != v.message_id) i++;
            if (i == n) {
                fprintf(stderr, "  delivery report for unknown message id %llu\n", (unsigned long long)v.message_id);
                problems++;
            } else if (seen[i]++) {
                fprintf(stderr, "  second delivery report for message id %llu\n", (unsigned long long)v.message_id);
                problems++;
            } else {
                seen_total++;
                if (v.err != 0 || v.offset < 0) {
                    fprintf(stderr, "  message id %llu: err %d %s, offset %lld\n", (unsigned long long)v.message_id,
                            v.err, v.text ? v.text : "", (long long)v.offset);
                    problems++;
                }
                if (offsets_out) offsets_out[i] = v.offset;
            }
        }
        kb_event_free(ev);
    }
    if (seen_total < n) {
        fprintf(stderr, "  only %zu of %zu delivery reports arrived within %d ms\n", seen_total, n, timeout_ms);
        problems++;
    }
    free(seen);
    return problems;
}

/* A consumed message reduced to what most tests compare (value truncated and NUL-terminated). */
typedef struct {
    int32_t partition;
    int64_t offset;
    char value[128];
    size_t value_len;
} kbt_msg;

/* Polls `c` until `want` messages (err == 0) arrived or `timeout_ms` passed; consumer errors are
 * reported on stderr and skipped. Returns how many were stored in out[]. */
__attribute__((unused)) static size_t kbt_consume(kb_consumer *c, kbt_msg *out, size_t want, int timeout_ms) {
    size_t got = 0;
    long long deadline = kbt_now_ms() + timeout_ms;
    while (got < want && kbt_now_ms() < deadline) {
        kb_message *m = NULL;
        if (kb_consumer_poll(c, 100, &m) != 0) {
            fprintf(stderr, "  kb_consumer_poll: %s\n", kbt_last_error());
            break;
        }
        if (!m) continue;
        kb_message_view v;
        if (kb_message_get_view(m, &v) == 0) {
            if (v.err != 0) {
                fprintf(stderr, "  consumer error %d %s: %s\n", v.err, kb_err_name(v.err), v.error_text ? v.error_text : "");
            } else {
                kbt_msg *o = &out[got++];
                o->partition = v.partition;
                o->offset = v.offset;
                o->value_len = v.value_len;
                size_t len = v.value_len < sizeof o->value - 1 ? v.value_len : sizeof o->value - 1;
                if (len) memcpy(o->value, v.value, len);
                o->value[len] = 0;
            }
        }
        kb_message_free(m);
    }
    return got;
}

/* The path of a helper program built next to the running test. */
__attribute__((unused)) static const char *kbt_helper_path(const char *helper) {
    static char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n < 0) return helper;
    path[n] = 0;
    char *slash = strrchr(path, '/');
    snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "%s", helper);
    return path;
}

/* Ends a forked child with `code` without running its leak check: under valgrind, memory that
 * belonged to the parent's threads (which do not exist in a child) would be reported as lost.
 * Exec'ing a shell that exits with the code hands the status to the parent just the same. */
__attribute__((unused, noreturn)) static void kbt_child_exit(int code) {
    char cmd[32];
    snprintf(cmd, sizeof cmd, "exit %d", code);
    fflush(NULL);
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(code);
}

#endif
