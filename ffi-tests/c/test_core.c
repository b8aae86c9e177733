/* Errors, versions, configuration, handle validation and bad input, and the embedded mock
 * cluster: everything that needs no real broker. */
#include <pthread.h>
#include <sched.h>
#include "kbtest.h"

static void errors_have_names_descriptions_and_predicates(void) {
    CHECK(strcmp(kb_err_name(0), "NO_ERROR") == 0);
    CHECK(strcmp(kb_err_name(-185), "_TIMED_OUT") == 0);
    CHECK(strcmp(kb_err_name(3), "UNKNOWN_TOPIC_OR_PART") == 0);
    CHECK(strcmp(kb_err_name(KB_ERR_INVALID_HANDLE), "KB_ERR_INVALID_HANDLE") == 0);
    CHECK(strcmp(kb_err_name(123456), "UNKNOWN") == 0);
    CHECK(strstr(kb_err_description(-185), "Timed out") != NULL);
    CHECK(strlen(kb_err_description(KB_ERR_NULL_ARGUMENT)) > 0);
    CHECK(kb_err_is_retriable(-185) == 1);
    CHECK(kb_err_is_retriable(KB_ERR_BAD_UTF8) == 0);
    CHECK(kb_err_is_fatal(-150) == 1); /* RD_KAFKA_RESP_ERR__FATAL */
    CHECK(kb_err_is_fatal(-185) == 0);
    CHECK(strcmp(kb_version(), "0.2.0") == 0);
    CHECK(strncmp(kb_librdkafka_version(), "2.", 2) == 0);
}

static void last_error_is_copied_and_sized(void) {
    kb_config *c = NULL;
    CHECK_OK(kb_config_new(&c));
    CHECK_ERR(kb_config_set(c, "no.such.property", "1"), KB_ERR_UNKNOWN_CONFIG);
    size_t full = kb_last_error(NULL, 0);
    CHECK(full > 10);
    char small[8];
    CHECK_EQ_INT(kb_last_error(small, sizeof small), full);
    CHECK_EQ_INT(strlen(small), sizeof small - 1);
    char big[512];
    kb_last_error(big, sizeof big);
    CHECK(strstr(big, "no.such.property") != NULL);
    CHECK_OK(kb_config_free(c));
}

static void config_validates_gets_dumps_and_copies(void) {
    kb_config *c = NULL, *copy = NULL;
    CHECK_OK(kb_config_new(&c));
    CHECK_OK(kb_config_set(c, "linger.ms", "25"));
    CHECK_OK(kb_config_set(c, "message.timeout.ms", "3000")); /* topic-level key, same object */
    CHECK_OK(kb_config_set(c, "sasl.password", "hunter2"));
    CHECK_OK(kb_config_set(c, "bridge.event.queue.size", "10"));
    CHECK_OK(kb_config_set(c, "socket.blocking.max.ms", "1"));      /* deprecated, still accepted */
    CHECK_OK(kb_config_set(c, "broker.version.fallback", "0.10.0")); /* legacy, accepted */
    CHECK_ERR(kb_config_set(c, "acks", "banana"), -186);            /* __INVALID_ARG */
    CHECK(strstr(kbt_last_error(), "acks") != NULL);
    CHECK_ERR(kb_config_set(c, "bridge.close.timeout.ms", "soon"), -186);
    CHECK_ERR(kb_config_set(c, "bridge.nope", "1"), KB_ERR_UNKNOWN_CONFIG);

    char buf[256];
    size_t len = 0;
    CHECK_OK(kb_config_get(c, "linger.ms", buf, sizeof buf, &len));
    CHECK(strcmp(buf, "25") == 0 && len == 2);
    CHECK_OK(kb_config_get(c, "batch.num.messages", buf, sizeof buf, &len)); /* librdkafka default */
    CHECK(atoi(buf) > 0);
    CHECK_OK(kb_config_get(c, "bridge.close.timeout.ms", buf, sizeof buf, &len));
    CHECK(strcmp(buf, "5000") == 0);
    CHECK_ERR(kb_config_get(c, "nope.nope", buf, sizeof buf, &len), -156); /* __NOENT */

    char dump[2048];
    size_t dlen = kb_config_dump(c, dump, sizeof dump);
    CHECK(dlen > 0 && dlen < sizeof dump);
    CHECK(strstr(dump, "linger.ms=25\n") != NULL);
    CHECK(strstr(dump, "hunter2") == NULL);
    CHECK(strstr(dump, "sasl.password=[redacted]\n") != NULL);

    CHECK_OK(kb_config_copy(c, &copy));
    CHECK_OK(kb_config_set(c, "linger.ms", "99"));
    CHECK_OK(kb_config_get(copy, "linger.ms", buf, sizeof buf, &len));
    CHECK(strcmp(buf, "25") == 0);
    CHECK_OK(kb_config_free(copy));
    CHECK_OK(kb_config_free(c));
}

static void bad_handles_are_refused_not_crashed(void) {
    kb_config *c = NULL;
    CHECK_OK(kb_config_new(&c));
    CHECK_OK(kb_config_free(c));
    CHECK_ERR(kb_config_free(c), KB_ERR_INVALID_HANDLE);                 /* double free */
    CHECK_ERR(kb_config_set(c, "linger.ms", "1"), KB_ERR_INVALID_HANDLE); /* use after free */
    CHECK_OK(kb_config_free(NULL));
    CHECK_OK(kb_producer_free(NULL));
    CHECK_OK(kb_consumer_free(NULL));
    CHECK_OK(kb_event_free(NULL));
    CHECK_OK(kb_message_free(NULL));

    kb_producer *made_up = (kb_producer *)(uintptr_t)0xdeadbeef;
    CHECK_ERR(kb_producer_flush(made_up, 0), KB_ERR_INVALID_HANDLE);
    CHECK_ERR(kb_producer_free(made_up), KB_ERR_INVALID_HANDLE);

    kb_config *live = NULL;
    CHECK_OK(kb_config_new(&live));
    CHECK_ERR(kb_producer_flush((kb_producer *)live, 0), KB_ERR_INVALID_HANDLE); /* wrong type */
    CHECK_ERR(kb_consumer_poll((kb_consumer *)live, 0, NULL), KB_ERR_NULL_ARGUMENT);
    kb_message *m = NULL;
    CHECK_ERR(kb_consumer_poll((kb_consumer *)live, 0, &m), KB_ERR_INVALID_HANDLE);
    CHECK_OK(kb_config_free(live));

    CHECK_ERR(kb_config_new(NULL), KB_ERR_NULL_ARGUMENT);
    CHECK(strstr(kbt_last_error(), "out") != NULL);
}

static void bad_arguments_get_clear_errors(void) {
    kb_config *c = NULL;
    kb_producer *p = NULL;
    CHECK_OK(kb_config_new(&c));
    CHECK_OK(kb_config_set(c, "bootstrap.servers", "127.0.0.1:1"));
    CHECK_OK(kb_producer_new(c, &p));
    CHECK_OK(kb_config_free(c));

    const char bad_utf8[] = {'t', (char)0xff, 'x', 0};
    CHECK_ERR(kb_config_new(NULL), KB_ERR_NULL_ARGUMENT);
    CHECK_ERR(kb_producer_produce(p, bad_utf8, -1, NULL, 0, NULL, 0, NULL, 0, 0, NULL), KB_ERR_BAD_UTF8);
    CHECK_ERR(kb_producer_produce(p, NULL, -1, NULL, 0, NULL, 0, NULL, 0, 0, NULL), KB_ERR_NULL_ARGUMENT);
    CHECK_ERR(kb_producer_produce(p, "", -1, NULL, 0, NULL, 0, NULL, 0, 0, NULL), 17);       /* TOPIC_EXCEPTION */
    CHECK_ERR(kb_producer_produce(p, "a b", -1, NULL, 0, NULL, 0, NULL, 0, 0, NULL), 17);
    CHECK(strstr(kbt_last_error(), "a-z") != NULL);
    CHECK_ERR(kb_producer_produce(p, "t", -5, NULL, 0, NULL, 0, NULL, 0, 0, NULL), KB_ERR_INVALID_ARGUMENT);
    CHECK_ERR(kb_producer_produce(p, "t", -1, NULL, 3, NULL, 0, NULL, 0, 0, NULL), KB_ERR_INVALID_ARGUMENT);
    CHECK_ERR(kb_producer_produce(p, "t", -1, NULL, 0, NULL, 0, NULL, 2, 0, NULL), KB_ERR_NULL_ARGUMENT);
    CHECK_ERR(kb_producer_produce(p, "t", -1, NULL, 0, NULL, 0, NULL, 0, -7, NULL), KB_ERR_INVALID_ARGUMENT);
    kb_header bad_header = {bad_utf8, (const uint8_t *)"v", 1};
    CHECK_ERR(kb_producer_produce(p, "t", -1, NULL, 0, NULL, 0, &bad_header, 1, 0, NULL), KB_ERR_BAD_UTF8);

    /* Oversized: librdkafka's own limit, reported at produce time. */
    size_t big = 2 * 1024 * 1024;
    uint8_t *huge = calloc(1, big);
    CHECK_ERR(kb_producer_produce(p, "t", -1, NULL, 0, huge, big, NULL, 0, 0, NULL), 10); /* MSG_SIZE_TOO_LARGE */
    free(huge);

    kb_event *ev = NULL;
    CHECK_ERR(kb_producer_poll(p, -1, &ev), KB_ERR_INVALID_ARGUMENT);
    CHECK(strstr(kbt_last_error(), "timeout_ms") != NULL);
    CHECK_ERR(kb_producer_flush(p, -3), KB_ERR_INVALID_ARGUMENT);
    CHECK_ERR(kb_producer_purge(p, 64), KB_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(kb_last_error_flags(), 0);

    /* Unreachable broker: a bounded failure, no hang. */
    kb_delivery d;
    CHECK_OK(kb_producer_purge(p, KB_PURGE_QUEUE | KB_PURGE_INFLIGHT));
    CHECK_ERR(kb_producer_produce_sync(p, "t", -1, NULL, 0, (const uint8_t *)"x", 1, NULL, 0, 0, 300, &d), -185);
    CHECK_EQ_INT(kb_last_error_flags(), KB_ERROR_FLAG_RETRIABLE);
    kb_metadata *md = NULL;
    kb_err e = kb_metadata_fetch(p, NULL, 300, &md);
    CHECK(e == -185 || e == -195); /* __TIMED_OUT or __TRANSPORT */
    CHECK(md == NULL);
    CHECK_OK(kb_producer_purge(p, KB_PURGE_QUEUE | KB_PURGE_INFLIGHT));
    CHECK_OK(kb_producer_free(p));
}

static void mock_cluster_round_trip(void) {
    kb_mock_cluster *mock = NULL;
    CHECK_ERR(kb_mock_cluster_new(0, &mock), KB_ERR_INVALID_ARGUMENT);
    CHECK_OK(kb_mock_cluster_new(1, &mock));
    char servers[256];
    size_t len = 0;
    CHECK_OK(kb_mock_cluster_bootstrap_servers(mock, servers, sizeof servers, &len));
    CHECK(len > 0 && strchr(servers, ':') != NULL);

    kb_config *c = NULL;
    kb_producer *p = NULL;
    CHECK_OK(kb_config_new(&c));
    CHECK_OK(kb_config_set(c, "bootstrap.servers", servers));
    CHECK_OK(kb_producer_new(c, &p));
    kb_delivery d;
    CHECK_OK(kb_producer_produce_sync(p, "mocktopic", 0, (const uint8_t *)"k", 1, (const uint8_t *)"hello", 5, NULL, 0, 0, 10000, &d));
    CHECK_EQ_INT(d.partition, 0);
    CHECK_EQ_INT(d.offset, 0);
    CHECK_OK(kb_producer_free(p));

    kb_consumer *cons = NULL;
    CHECK_OK(kb_consumer_new(c, &cons));
    kb_topic_partition tp = {"mocktopic", 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
    CHECK_OK(kb_consumer_assign(cons, &tp, 1));
    kb_message *m = NULL;
    for (int i = 0; i < 100 && !m; i++) CHECK_OK(kb_consumer_poll(cons, 100, &m));
    CHECK(m != NULL);
    kb_message_view v;
    CHECK_OK(kb_message_get_view(m, &v));
    CHECK_EQ_INT(v.err, 0);
    CHECK(v.value_len == 5 && memcmp(v.value, "hello", 5) == 0);
    CHECK_OK(kb_message_free(m));
    CHECK_OK(kb_consumer_free(cons));
    CHECK_OK(kb_config_free(c));
    CHECK_OK(kb_mock_cluster_free(mock));
}

/* A fresh one-broker mock cluster in *mock and a configuration for it with group.id `group`
 * (NULL on failure). */
static kb_config *mock_group_config(const char *group, kb_mock_cluster **mock) {
    char servers[256];
    size_t len = 0;
    kb_config *c = NULL;
    if (kb_mock_cluster_new(1, mock) != 0 || kb_mock_cluster_bootstrap_servers(*mock, servers, sizeof servers, &len) != 0 ||
        kb_config_new(&c) != 0 || kb_config_set(c, "bootstrap.servers", servers) != 0 || kb_config_set(c, "group.id", group) != 0) {
        fprintf(stderr, "  mock config: %s\n", kbt_last_error());
        kb_config_free(c);
        return NULL;
    }
    return c;
}

/* Lengths and values that once crashed the process are refused at the boundary with a clear
 * error: topic names over Kafka's 249 bytes (513 bytes segfaulted an assignment, 10 MB overflowed
 * the mock cluster's stack, and metadata panicked), a 64 KiB client.id (a heap overflow inside
 * librdkafka's statistics), and a handle that is not a client where a client is expected. */
static void oversized_names_and_values_are_refused(void) {
    kb_mock_cluster *mock = NULL;
    kb_config *c = mock_group_config("oversized", &mock);
    CHECK(c != NULL);

    size_t huge_len = 10u << 20;
    char *huge = malloc(huge_len + 1);
    memset(huge, 'a', huge_len);
    huge[huge_len] = 0;
    char long_name[514];
    memset(long_name, 'a', 513);
    long_name[513] = 0;
    const char *names[] = {long_name, huge};

    CHECK_ERR(kb_config_set(c, "client.id", huge + huge_len - 65536), KB_ERR_INVALID_ARGUMENT);
    CHECK(strstr(kbt_last_error(), "client.id") != NULL);
    CHECK_OK(kb_config_set(c, "client.id", "oversized-test"));

    kb_consumer *cons = NULL;
    kb_producer *p = NULL;
    CHECK_OK(kb_consumer_new(c, &cons));
    CHECK_OK(kb_producer_new(c, &p));
    for (size_t i = 0; i < 2; i++) {
        kb_topic_partition tp = {names[i], 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
        CHECK_ERR(kb_consumer_assign(cons, &tp, 1), 17); /* TOPIC_EXCEPTION */
        CHECK(strstr(kbt_last_error(), "partitions[0].topic") != NULL);
        CHECK(strlen(kbt_last_error()) < 400); /* names a prefix, not 10 MB */
        CHECK_ERR(kb_consumer_incremental_assign(cons, &tp, 1), 17);
        CHECK_ERR(kb_consumer_subscribe(cons, &names[i], 1), 17);
        CHECK_ERR(kb_consumer_seek(cons, names[i], 0, 0, 100), 17);
        kb_metadata *md = NULL;
        CHECK_ERR(kb_metadata_fetch(cons, names[i], 1000, &md), 17);
        CHECK_ERR(kb_metadata_fetch(p, names[i], 1000, &md), 17);
        int64_t lo, hi;
        CHECK_ERR(kb_watermarks(p, names[i], 0, 1000, &lo, &hi), 17);
        CHECK_ERR(kb_producer_produce(p, names[i], 0, NULL, 0, (const uint8_t *)"x", 1, NULL, 0, 0, NULL), 17);
    }
    /* A 249-byte name is Kafka's limit and is accepted. */
    long_name[249] = 0;
    kb_topic_partition ok = {long_name, 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
    CHECK_OK(kb_consumer_assign(cons, &ok, 1));

    free(huge);
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_consumer_free(cons));
    CHECK_OK(kb_config_free(c));
    CHECK_OK(kb_mock_cluster_free(mock));
}

struct commit_call {
    kb_consumer *c;
    kb_err err;
    int started, done;
};

static void *commit_in_thread(void *arg) {
    struct commit_call *call = arg;
    kb_topic_partition tp = {"gone", 0, 1, NULL, 0, 0};
    __atomic_store_n(&call->started, 1, __ATOMIC_SEQ_CST);
    call->err = kb_consumer_commit(call->c, &tp, 1, 0);
    __atomic_store_n(&call->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* With the cluster gone, a synchronous commit gives up after bridge.commit.timeout.ms instead of
 * waiting on librdkafka's unbounded one (45 s), and freeing a consumer while another thread is in
 * such a commit does not wait behind it. */
static void commit_and_close_are_bounded_when_the_cluster_is_gone(void) {
    kb_mock_cluster *mock = NULL;
    kb_config *conf = mock_group_config("bounded", &mock);
    CHECK(conf != NULL);
    CHECK_OK(kb_config_set(conf, "bridge.commit.timeout.ms", "1000"));
    CHECK_OK(kb_config_set(conf, "bridge.close.timeout.ms", "1000"));
    kb_consumer *c = NULL;
    CHECK_OK(kb_consumer_new(conf, &c));
    CHECK_OK(kb_mock_cluster_free(mock));

    kb_topic_partition tp = {"gone", 0, 1, NULL, 0, 0};
    CHECK_ERR(kb_consumer_commit(c, &tp, 1, 0), -185); /* __TIMED_OUT */
    CHECK(strstr(kbt_last_error(), "bridge.commit.timeout.ms") != NULL);
    kb_err freed = kb_consumer_free(c); /* leaving the group cannot finish: bounded too */
    CHECK(freed == KB_OK || freed == -185);

    /* A commit allowed 60 s; the free on this thread (close bound 1 s) returns while it waits.
     * A run where the free came before the commit found the handle does not count: retried. */
    CHECK_OK(kb_config_set(conf, "bridge.commit.timeout.ms", "60000"));
    int counted = 0;
    for (int attempt = 0; attempt < 20 && !counted; attempt++) {
        CHECK_OK(kb_consumer_new(conf, &c));
        struct commit_call call = {c, 0, 0, 0};
        pthread_t t;
        CHECK(pthread_create(&t, NULL, commit_in_thread, &call) == 0);
        while (!__atomic_load_n(&call.started, __ATOMIC_SEQ_CST)) sched_yield();
        freed = kb_consumer_free(c);
        int commit_still_waiting = !__atomic_load_n(&call.done, __ATOMIC_SEQ_CST);
        pthread_join(t, NULL);
        if (call.err == KB_ERR_INVALID_HANDLE || call.err == KB_ERR_INVALID_STATE) continue; /* never waited */
        CHECK(freed == KB_OK || freed == -185);
        if (!commit_still_waiting) FAIL("the free waited for the commit (%d %s)", call.err, kb_err_name(call.err));
        CHECK(call.err != 0);
        counted = 1;
    }
    CHECK(counted);
    CHECK_OK(kb_config_free(conf));
}

TEST_MAIN_BEGIN
    RUN(errors_have_names_descriptions_and_predicates);
    RUN(last_error_is_copied_and_sized);
    RUN(config_validates_gets_dumps_and_copies);
    RUN(bad_handles_are_refused_not_crashed);
    RUN(bad_arguments_get_clear_errors);
    RUN(mock_cluster_round_trip);
    RUN(oversized_names_and_values_are_refused);
    RUN(commit_and_close_are_bounded_when_the_cluster_is_gone);
TEST_MAIN_END
