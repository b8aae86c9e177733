/* Topic administration and metadata against the real broker: create (with configs) / delete,
 * metadata through admin, producer and consumer handles, watermarks and offsets-for-times. */
#include <stdint.h>
#include "kbtest.h"

#define WAIT_MS 30000

/* ---------------------------------------------------------------- helpers */

static kb_admin *new_admin(void) {
    kb_config *conf = kbt_config(NULL);
    kb_admin *a = NULL;
    if (!conf || kb_admin_new(conf, &a) != 0) fprintf(stderr, "  admin: %s\n", kbt_last_error());
    kb_config_free(conf);
    return a;
}

static kb_producer *new_producer(void) {
    kb_config *conf = kbt_config("enable.idempotence", "true", "message.timeout.ms", "20000", NULL);
    kb_producer *p = NULL;
    if (!conf || kb_producer_new(conf, &p) != 0) fprintf(stderr, "  producer: %s\n", kbt_last_error());
    kb_config_free(conf);
    return p;
}

/* A consumer without group.id: it only serves metadata/watermark queries here. Consumers ask
 * the broker not to auto-create topics (allow.auto.create.topics=false by default), so asking
 * about a deleted topic does not bring it back. */
static kb_consumer *new_consumer(void) {
    kb_config *conf = kbt_config(NULL);
    kb_consumer *c = NULL;
    if (!conf || kb_consumer_new(conf, &c) != 0) fprintf(stderr, "  consumer: %s\n", kbt_last_error());
    kb_config_free(conf);
    return c;
}

/* The port of the first broker in KAFKA_BROKERS ("host:port[,...]"). */
static int expected_port(void) {
    const char *b = kbt_brokers();
    const char *comma = strchr(b, ',');
    size_t len = comma ? (size_t)(comma - b) : strlen(b);
    for (size_t i = len; i > 0; i--)
        if (b[i - 1] == ':') return atoi(b + i);
    return -1;
}

/* The index of `topic` in a snapshot, or -1. */
static int find_topic(const kb_metadata_view *v, const char *topic) {
    for (size_t i = 0; i < v->topic_count; i++)
        if (v->topics[i].name && strcmp(v->topics[i].name, topic) == 0) return (int)i;
    return -1;
}

/* 1 if the snapshot shows `topic` without error and with `partitions` partitions 0..n-1, each
 * led by a broker of the snapshot's broker list. */
static int topic_is_ready(const kb_metadata_view *v, const char *topic, int partitions) {
    int t = find_topic(v, topic);
    if (t < 0 || v->topics[t].err != 0 || (int)v->topics[t].partition_count != partitions) return 0;
    int seen = 0;
    for (size_t p = 0; p < v->topics[t].partition_count; p++) {
        const kb_partition_metadata *pm = &v->topics[t].partitions[p];
        int led = 0;
        for (size_t b = 0; b < v->broker_count; b++)
            if (pm->leader >= 0 && v->brokers[b].id == pm->leader) led = 1;
        if (!led || pm->err != 0 || pm->replica_count != 1 || pm->isr_count != 1 || pm->replicas[0] != pm->leader) return 0;
        seen |= 1 << pm->id;
    }
    return seen == (1 << partitions) - 1;
}

/* Fetches metadata (of `topic`, or all topics for NULL) through a handle until `ready` says yes
 * or the bound passes. Returns 1 if it did. */
static int await_metadata(const void *handle, const char *query, const char *topic, int partitions) {
    long long deadline = kbt_now_ms() + WAIT_MS;
    while (kbt_now_ms() < deadline) {
        kb_metadata *md = NULL;
        kb_metadata_view v;
        int ok = 0;
        kb_err e = kb_metadata_fetch(handle, query, 5000, &md);
        if (e == 0 && kb_metadata_get_view(md, &v) == 0) ok = topic_is_ready(&v, topic, partitions);
        else fprintf(stderr, "  metadata: %d %s\n", e, kbt_last_error());
        kb_metadata_free(md);
        if (ok) return 1;
        kbt_pause_ms(100);
    }
    return 0;
}

/* ---------------------------------------------------------------- 7. create, metadata, delete */

static void create_describe_and_delete_topic(void) {
    const char *topic = kbt_topic("admin");
    const char *names[] = {"cleanup.policy"};
    const char *values[] = {"compact"};
    kb_admin *a = new_admin();
    CHECK(a != NULL);
    CHECK_OK(kb_admin_create_topic(a, topic, 3, 1, names, values, 1, WAIT_MS));
    CHECK_ERR(kb_admin_create_topic(a, topic, 3, 1, NULL, NULL, 0, WAIT_MS), 36); /* TOPIC_ALREADY_EXISTS */
    CHECK(strstr(kbt_last_error(), topic) != NULL);

    /* A bad config value is the broker's INVALID_CONFIG; the topic is not created. */
    const char *bad_values[] = {"banana"};
    CHECK_ERR(kb_admin_create_topic(a, kbt_topic("admin-bad"), 1, 1, names, bad_values, 1, WAIT_MS), 40);

    /* Metadata of that topic: 3 partitions, each led; one broker, on the port we connect to. */
    CHECK(await_metadata(a, topic, topic, 3));
    kb_metadata *md = NULL;
    kb_metadata_view v;
    CHECK_OK(kb_metadata_fetch(a, topic, WAIT_MS, &md));
    CHECK_OK(kb_metadata_get_view(md, &v));
    CHECK_EQ_INT(v.topic_count, 1);
    CHECK(topic_is_ready(&v, topic, 3));
    CHECK_EQ_INT(v.broker_count, 1);
    CHECK_EQ_INT(v.brokers[0].port, expected_port());
    CHECK(v.brokers[0].host != NULL && strlen(v.brokers[0].host) > 0);
    CHECK(v.brokers[0].id >= 0);
    CHECK(v.orig_broker_name != NULL && strlen(v.orig_broker_name) > 0);
    CHECK_OK(kb_metadata_free(md));

    /* All topics (NULL) include it. */
    CHECK(await_metadata(a, NULL, topic, 3));

    /* The same through a producer and a consumer handle. */
    kb_producer *p = new_producer();
    kb_consumer *c = new_consumer();
    CHECK(p && c);
    CHECK(await_metadata(p, topic, topic, 3));
    CHECK(await_metadata(c, topic, topic, 3));
    CHECK(await_metadata(c, NULL, topic, 3));
    /* The handle says what it is: one that is not a client, a freed one and a made-up one are
     * refused, not misread. */
    kb_config *not_a_client = NULL;
    CHECK_OK(kb_config_new(&not_a_client));
    CHECK_ERR(kb_metadata_fetch(not_a_client, topic, 1000, &md), KB_ERR_INVALID_HANDLE);
    kb_config_free(not_a_client);
    CHECK_ERR(kb_metadata_fetch(not_a_client, topic, 1000, &md), KB_ERR_INVALID_HANDLE);
    CHECK_ERR(kb_watermarks((const void *)(uintptr_t)0x1234, topic, 0, 1000, &(int64_t){0}, &(int64_t){0}), KB_ERR_INVALID_HANDLE);
    CHECK_ERR(kb_group_list_fetch(NULL, NULL, 1000, &(kb_group_list *){NULL}), KB_ERR_NULL_ARGUMENT);

    /* cleanup.policy=compact took effect: the broker refuses a message without a key. */
    kb_delivery d;
    CHECK_OK(kb_producer_produce_sync(p, topic, 0, (const uint8_t *)"k", 1, (const uint8_t *)"v", 1, NULL, 0, 0, WAIT_MS, &d));
    kb_err e;
    CHECK_ERR(kb_producer_produce_sync(p, topic, 0, NULL, 0, (const uint8_t *)"v", 1, NULL, 0, 0, WAIT_MS, &d), 87); /* INVALID_RECORD */
    CHECK_OK(kb_producer_free(p)); /* no producer may ask about the topic once it is deleted */

    /* Delete: then it disappears from the metadata (bounded wait for propagation). */
    CHECK_OK(kb_admin_delete_topic(a, topic, WAIT_MS));
    int gone = 0;
    long long deadline = kbt_now_ms() + WAIT_MS;
    while (!gone && kbt_now_ms() < deadline) {
        kb_metadata *all = NULL, *one = NULL;
        kb_metadata_view va, vo;
        CHECK_OK(kb_metadata_fetch(a, NULL, 5000, &all));
        CHECK_OK(kb_metadata_get_view(all, &va));
        e = kb_metadata_fetch(c, topic, 5000, &one);
        int absent_from_all = find_topic(&va, topic) < 0;
        int unknown_alone = e == 0 && kb_metadata_get_view(one, &vo) == 0 &&
                            (vo.topic_count == 0 || (vo.topic_count == 1 && vo.topics[0].err == 3));
        gone = absent_from_all && unknown_alone;
        kb_metadata_free(all);
        kb_metadata_free(one);
        if (!gone) kbt_pause_ms(100);
    }
    CHECK(gone);

    /* Deleting a topic that does not exist. */
    CHECK_ERR(kb_admin_delete_topic(a, kbt_topic("never-created"), WAIT_MS), 3); /* UNKNOWN_TOPIC_OR_PART */
    CHECK_OK(kb_consumer_free(c));
    CHECK_OK(kb_admin_free(a));
}

/* ---------------------------------------------------------------- 8. watermarks, offsets for times */

#define WM_N 5

/* Looks up one timestamp through a handle; returns the offset found, or -9999 on failure. */
static int64_t offset_for_time(const void *handle, const char *topic, int64_t ts) {
    kb_topic_partition q = {topic, 0, ts, NULL, 0, 0};
    kb_partition_list *res = NULL;
    const kb_topic_partition *tp = NULL;
    int64_t offset = -9999;
    kb_err e = kb_offsets_for_times(handle, &q, 1, WAIT_MS, &res);
    if (e != 0) fprintf(stderr, "  offsets_for_times(%lld): %d %s\n", (long long)ts, e, kbt_last_error());
    else if (kb_partition_list_count(res) == 1 && kb_partition_list_entries(res, &tp) == 0 && tp[0].err == 0 &&
             tp[0].partition == 0 && strcmp(tp[0].topic, topic) == 0)
        offset = tp[0].offset;
    kb_partition_list_free(res);
    return offset;
}

/* After N messages to a partition with create times 1000, 2000, ... ms, the watermarks are 0 and
 * N on every kind of handle, and offsets-for-times finds the first message at or after a time. */
static void watermarks_and_offsets_for_times(void) {
    const char *topic = kbt_topic("times");
    /* Timestamps from 1970 are older than any retention: keep them (retention.ms=-1). */
    const char *names[] = {"retention.ms"};
    const char *values[] = {"-1"};
    CHECK_OK(kbt_create_topic_with(topic, 1, names, values, 1));

    kb_producer *p = new_producer();
    CHECK(p != NULL);
    uint64_t ids[WM_N];
    int64_t offsets[WM_N];
    for (int i = 0; i < WM_N; i++) {
        char value[16];
        int len = snprintf(value, sizeof value, "t%d", i);
        CHECK_OK(kb_producer_produce(p, topic, 0, NULL, 0, (const uint8_t *)value, (size_t)len, NULL, 0, 1000 * (i + 1), &ids[i]));
    }
    CHECK_OK(kb_producer_flush(p, WAIT_MS));
    CHECK_EQ_INT(kbt_await_deliveries(p, ids, WM_N, offsets, WAIT_MS), 0);
    for (int i = 0; i < WM_N; i++) CHECK_EQ_INT(offsets[i], i);

    kb_consumer *c = new_consumer();
    kb_admin *a = new_admin();
    CHECK(c && a);
    const void *clients[] = {p, c, a};
    for (size_t k = 0; k < sizeof clients / sizeof clients[0]; k++) {
        int64_t low = -9, high = -9;
        CHECK_OK(kb_watermarks(clients[k], topic, 0, WAIT_MS, &low, &high));
        CHECK_EQ_INT(low, 0);
        CHECK_EQ_INT(high, WM_N);
    }
    /* Every client knows the controller: one of the brokers of the metadata (the test broker). */
    kb_metadata *md = NULL;
    kb_metadata_view view;
    CHECK_OK(kb_metadata_fetch(p, topic, WAIT_MS, &md));
    CHECK_OK(kb_metadata_get_view(md, &view));
    for (size_t k = 0; k < sizeof clients / sizeof clients[0]; k++) {
        int32_t controller = -9;
        CHECK_OK(kb_controller_id(clients[k], WAIT_MS, &controller));
        int known = 0;
        for (size_t b = 0; b < view.broker_count; b++) known |= view.brokers[b].id == controller;
        CHECK(known);
    }
    kb_metadata_free(md);
    CHECK_ERR(kb_controller_id((const void *)(uintptr_t)0x1234, 100, &(int32_t){0}), KB_ERR_INVALID_HANDLE);

    /* Out-parameters are left alone on failure: an unknown partition. */
    int64_t low = -9, high = -9;
    CHECK(kb_watermarks(c, topic, 7, 5000, &low, &high) != 0);
    CHECK(low == -9 && high == -9);

    for (size_t k = 0; k < 2; k++) { /* producer and consumer handles */
        CHECK_EQ_INT(offset_for_time(clients[k], topic, 2000), 1); /* exact */
        CHECK_EQ_INT(offset_for_time(clients[k], topic, 2500), 2); /* between */
        CHECK_EQ_INT(offset_for_time(clients[k], topic, 1), 0);    /* before all */
        CHECK_EQ_INT(offset_for_time(clients[k], topic, 9000), KB_OFFSET_END); /* after all */
    }

    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_consumer_free(c));
    CHECK_OK(kb_admin_free(a));
}

TEST_MAIN_BEGIN
    RUN(create_describe_and_delete_topic);
    RUN(watermarks_and_offsets_for_times);
TEST_MAIN_END
