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
static void kbt_run(const char *name, kbt_fn fn, int *passed, int *failed) {
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
        fprintf(stderr, "KAFKA_BROKERS is not set: start the broker with ffi-tests/kafka/start.sh\n");
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

/* Creates a topic on the real broker and waits until its metadata shows every partition led. */
__attribute__((unused)) static int kbt_create_topic(const char *topic, int partitions) {
    kb_config *conf = kbt_config(NULL);
    kb_admin *admin = NULL;
    int rc = kb_admin_new(conf, &admin);
    kb_config_free(conf);
    if (rc) return rc;
    rc = kb_admin_create_topic(admin, topic, partitions, 1, NULL, NULL, 0, 30000);
    for (int attempt = 0; rc == 0 && attempt < 200; attempt++) {
        kb_metadata *md = NULL;
        kb_metadata_view v;
        int ready = 0;
        if (kb_metadata_fetch(KB_CLIENT_ADMIN, admin, topic, 5000, &md) == 0 && kb_metadata_get_view(md, &v) == 0 &&
            v.topic_count == 1 && v.topics[0].err == 0 && (int)v.topics[0].partition_count == partitions) {
            ready = 1;
            for (size_t p = 0; p < v.topics[0].partition_count; p++)
                if (v.topics[0].partitions[p].leader < 0) ready = 0;
        }
        kb_metadata_free(md);
        if (ready) break;
        struct timespec pause = {0, 50 * 1000 * 1000}; /* metadata propagation, polled not assumed */
        nanosleep(&pause, NULL);
    }
    kb_admin_free(admin);
    return rc;
}

#endif
