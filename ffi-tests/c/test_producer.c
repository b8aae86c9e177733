/* The producer against the real broker: delivery reports, synchronous produce, batches (record
 * arrays and packed buffers), persistent clients and their sessions, fork(), the flush at exit,
 * purge and backpressure. */
#include <sys/wait.h>
#include "kbtest.h"

#define MAX_IDS 512

/* Reads `topic` partition 0 from the beginning and returns how many messages it has, stopping
 * once `want` arrived or after a bounded number of empty polls. */
static int count_messages(const char *topic, int want) {
    kb_config *c = kbt_config(NULL);
    kb_consumer *cons = NULL;
    int n = 0;
    if (kb_consumer_new(c, &cons) == 0) {
        kb_topic_partition tp = {topic, 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
        kb_consumer_assign(cons, &tp, 1);
        for (int idle = 0; idle < 50 && n < want;) {
            kb_message_batch *b = NULL;
            if (kb_consumer_poll_batch(cons, 200, 100, &b) != 0) break;
            const kb_message_view *v = NULL;
            size_t count = kb_message_batch_count(b);
            kb_message_batch_views(b, &v);
            for (size_t i = 0; i < count; i++)
                if (v[i].err == 0) n++;
            idle = count ? 0 : idle + 1;
            kb_message_batch_free(b);
        }
    }
    kb_consumer_free(cons);
    kb_config_free(c);
    return n;
}

/* Polls delivery reports until `want` arrived (bounded); stores their ids and errors. */
static int collect_reports(kb_producer *p, int want, uint64_t *ids, kb_err *errs) {
    int got = 0;
    for (int idle = 0; got < want && idle < 100;) {
        kb_event_batch *b = NULL;
        if (kb_producer_poll_batch(p, 100, 64, &b) != 0) return -1;
        const kb_event_view *v = NULL;
        size_t n = kb_event_batch_count(b);
        kb_event_batch_views(b, &v);
        for (size_t i = 0; i < n; i++) {
            if (v[i].kind != KB_EVENT_DELIVERY || got >= MAX_IDS) continue;
            ids[got] = v[i].message_id;
            if (errs) errs[got] = v[i].err;
            got++;
        }
        idle = n ? 0 : idle + 1;
        kb_event_batch_free(b);
    }
    return got;
}

static int contains(const uint64_t *ids, int n, uint64_t id) {
    for (int i = 0; i < n; i++)
        if (ids[i] == id) return 1;
    return 0;
}

static void delivery_reports_carry_the_produced_ids(void) {
    const char *topic = kbt_topic("dr");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_config *c = kbt_config("linger.ms", "5", NULL);
    kb_producer *p = NULL;
    CHECK_OK(kb_producer_new(c, &p));
    uint64_t sent[20], got[MAX_IDS];
    kb_err errs[MAX_IDS];
    for (int i = 0; i < 20; i++) {
        char value[16];
        int len = snprintf(value, sizeof value, "m%d", i);
        CHECK_OK(kb_producer_produce(p, topic, 0, NULL, 0, (const uint8_t *)value, (size_t)len, NULL, 0, 0, &sent[i]));
    }
    CHECK_OK(kb_producer_flush(p, 15000));
    CHECK_EQ_INT(collect_reports(p, 20, got, errs), 20);
    for (int i = 0; i < 20; i++) {
        CHECK(contains(got, 20, sent[i]));
        CHECK_EQ_INT(errs[i], 0);
    }
    kb_event *none = (kb_event *)1;
    CHECK_OK(kb_producer_poll(p, 0, &none));
    CHECK(none == NULL); /* exactly one report per message */
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_config_free(c));
    CHECK_EQ_INT(count_messages(topic, 20), 20);
}

static void sync_produce_returns_offset_without_waiting_out_linger(void) {
    const char *topic = kbt_topic("sync");
    CHECK_OK(kbt_create_topic(topic, 1));
    /* linger.ms far beyond the sync timeout: success proves the linger was not sat out. */
    kb_config *c = kbt_config("linger.ms", "60000", NULL);
    kb_producer *p = NULL;
    CHECK_OK(kb_producer_new(c, &p));
    kb_delivery d1, d2;
    CHECK_OK(kb_producer_produce_sync(p, topic, KB_PARTITION_UA, (const uint8_t *)"k", 1, (const uint8_t *)"one", 3, NULL, 0, 0, 20000, &d1));
    CHECK_OK(kb_producer_produce_sync(p, topic, 0, NULL, 0, (const uint8_t *)"two", 3, NULL, 0, 1700000000123LL, 20000, &d2));
    CHECK_EQ_INT(d1.partition, 0);
    CHECK_EQ_INT(d1.offset, 0);
    CHECK_EQ_INT(d2.offset, 1);
    CHECK_EQ_INT(d2.timestamp_ms, 1700000000123LL);
    CHECK(d2.message_id > d1.message_id);
    /* A synchronous report is returned, not queued a second time. */
    kb_event *ev = (kb_event *)1;
    CHECK_OK(kb_producer_poll(p, 0, &ev));
    CHECK(ev == NULL);
    /* A failed delivery comes back as the call's error. */
    CHECK_ERR(kb_producer_produce_sync(p, topic, 7, NULL, 0, (const uint8_t *)"x", 1, NULL, 0, 0, 20000, &d1), -190); /* __UNKNOWN_PARTITION */
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_config_free(c));
}

static void empty_and_null_values_stay_distinct(void) {
    const char *topic = kbt_topic("empty");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_config *c = kbt_config(NULL);
    kb_producer *p = NULL;
    kb_delivery d;
    CHECK_OK(kb_producer_new(c, &p));
    const uint8_t empty[1] = {0};
    CHECK_OK(kb_producer_produce_sync(p, topic, 0, empty, 0, empty, 0, NULL, 0, 0, 15000, &d)); /* empty key and value */
    CHECK_OK(kb_producer_produce_sync(p, topic, 0, NULL, 0, NULL, 0, NULL, 0, 0, 15000, &d));   /* no key, tombstone */
    CHECK_OK(kb_producer_free(p));

    kb_consumer *cons = NULL;
    CHECK_OK(kb_consumer_new(c, &cons));
    kb_topic_partition tp = {topic, 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
    CHECK_OK(kb_consumer_assign(cons, &tp, 1));
    kb_message_view seen[2];
    kb_message *msgs[2] = {NULL, NULL};
    int n = 0;
    for (int i = 0; i < 100 && n < 2; i++) {
        CHECK_OK(kb_consumer_poll(cons, 100, &msgs[n]));
        if (!msgs[n]) continue;
        CHECK_OK(kb_message_get_view(msgs[n], &seen[n]));
        n++;
    }
    CHECK_EQ_INT(n, 2);
    CHECK(seen[0].key != NULL && seen[0].key_len == 0);
    CHECK(seen[0].value != NULL && seen[0].value_len == 0);
    CHECK(seen[1].key == NULL && seen[1].value == NULL);
    CHECK_OK(kb_message_free(msgs[0]));
    CHECK_OK(kb_message_free(msgs[1]));
    CHECK_OK(kb_consumer_free(cons));
    CHECK_OK(kb_config_free(c));
}

static void batch_produce_enqueues_in_order(void) {
    const char *topic = kbt_topic("batch");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_config *c = kbt_config(NULL);
    kb_producer *p = NULL;
    CHECK_OK(kb_producer_new(c, &p));
    enum { N = 100 };
    kb_record recs[N + 1];
    char values[N][16];
    for (int i = 0; i < N; i++) {
        int len = snprintf(values[i], sizeof values[i], "b%03d", i);
        recs[i] = (kb_record){topic, 0, NULL, 0, (const uint8_t *)values[i], (size_t)len, NULL, 0, 0};
    }
    uint64_t ids[N + 1];
    size_t accepted = 99;
    CHECK_OK(kb_producer_produce_batch(p, recs, N, ids, &accepted));
    CHECK_EQ_INT(accepted, N);
    for (int i = 1; i < N; i++) CHECK(ids[i] > ids[i - 1]);
    /* A bad record stops the batch there and says which one. */
    recs[0].topic = "bad topic";
    CHECK_ERR(kb_producer_produce_batch(p, recs, 2, ids, &accepted), 17);
    CHECK_EQ_INT(accepted, 0);
    CHECK(strstr(kbt_last_error(), "record 0") != NULL);
    CHECK_OK(kb_producer_flush(p, 15000));
    uint64_t got[MAX_IDS];
    CHECK_EQ_INT(collect_reports(p, N, got, NULL), N);
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_config_free(c));
    CHECK_EQ_INT(count_messages(topic, N), N);
}

/* Appends one field of a kb_producer_produce_packed() buffer at `at`: its little-endian length
 * (KB_PACKED_ABSENT for NULL), then its bytes. Returns the offset after it. */
static size_t pack_field(uint8_t *buf, size_t at, const void *data, size_t len) {
    uint32_t n = data ? (uint32_t)len : KB_PACKED_ABSENT;
    for (int i = 0; i < 4; i++) buf[at + i] = (uint8_t)(n >> (8 * i));
    if (data) memcpy(buf + at + 4, data, len);
    return at + 4 + (data ? len : 0);
}

/* A field of a consumed message equals what was packed (NULL stays NULL, empty stays empty). */
static int same_field(const uint8_t *got, size_t got_len, const void *want, size_t want_len) {
    if (!want) return got == NULL;
    return got != NULL && got_len == want_len && memcmp(got, want, want_len) == 0;
}

static void packed_batch_round_trip(void) {
    const char *topic = kbt_topic("packed");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_config *c = kbt_config("linger.ms", "5", NULL);
    kb_producer *p = NULL;
    CHECK_OK(kb_producer_new(c, &p));
    static const uint8_t binary[] = {0, 0xff, 'b', 0, 0xfe, 0xff, 0xff, 0xff, 0xff};
    enum { N = 6 };
    const struct {
        const void *key;
        size_t key_len;
        const void *value;
        size_t value_len;
    } recs[N] = {
        {NULL, 0, "v0", 2},                 /* no key */
        {"k1", 2, "", 0},                   /* empty value */
        {binary, 2, binary, sizeof binary}, /* NUL and 0xff bytes, an "absent" marker inside */
        {"k3", 2, NULL, 0},                 /* tombstone */
        {"", 0, "v4", 2},                   /* empty key */
        {NULL, 0, NULL, 0},
    };
    uint8_t buf[256];
    size_t len = 0;
    for (int i = 0; i < N; i++) {
        len = pack_field(buf, len, recs[i].key, recs[i].key_len);
        len = pack_field(buf, len, recs[i].value, recs[i].value_len);
    }
    uint64_t ids[N];
    size_t accepted = 99;
    CHECK_OK(kb_producer_produce_packed(p, topic, 0, buf, len, ids, N, &accepted));
    CHECK_EQ_INT(accepted, N);
    for (int i = 1; i < N; i++) CHECK(ids[i] > ids[i - 1]);
    /* ids_out may be NULL (ids_cap is then no limit); an empty buffer enqueues nothing. */
    CHECK_OK(kb_producer_produce_packed(p, topic, 0, buf, len, NULL, 0, &accepted));
    CHECK_EQ_INT(accepted, N);
    CHECK_OK(kb_producer_produce_packed(p, topic, 0, NULL, 0, ids, N, &accepted));
    CHECK_EQ_INT(accepted, 0);
    CHECK_OK(kb_producer_flush(p, 15000));

    /* Every report carries one of the returned ids, in order on the one partition. */
    int reports = 0, matched = 0;
    for (int idle = 0; reports < 2 * N && idle < 100;) {
        kb_event_batch *b = NULL;
        CHECK_OK(kb_producer_poll_batch(p, 100, 64, &b));
        const kb_event_view *v = NULL;
        size_t n = kb_event_batch_count(b);
        kb_event_batch_views(b, &v);
        for (size_t i = 0; i < n; i++) {
            if (v[i].kind != KB_EVENT_DELIVERY) continue;
            reports++;
            CHECK_EQ_INT(v[i].err, 0);
            for (int r = 0; r < N; r++)
                if (v[i].message_id == ids[r]) {
                    CHECK_EQ_INT(v[i].offset, r);
                    matched++;
                }
        }
        idle = n ? 0 : idle + 1;
        kb_event_batch_free(b);
    }
    CHECK_EQ_INT(reports, 2 * N);
    CHECK_EQ_INT(matched, N);
    CHECK_OK(kb_producer_free(p));

    /* The broker holds each record as packed, twice over. */
    kb_consumer *cons = NULL;
    CHECK_OK(kb_consumer_new(c, &cons));
    kb_topic_partition tp = {topic, 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
    CHECK_OK(kb_consumer_assign(cons, &tp, 1));
    int seen = 0;
    for (int idle = 0; seen < 2 * N && idle < 50;) {
        kb_message_batch *b = NULL;
        CHECK_OK(kb_consumer_poll_batch(cons, 200, 100, &b));
        const kb_message_view *v = NULL;
        size_t n = kb_message_batch_count(b);
        kb_message_batch_views(b, &v);
        for (size_t i = 0; i < n; i++) {
            if (v[i].err != 0) continue;
            int r = (int)(v[i].offset % N);
            CHECK_EQ_INT(v[i].offset, seen);
            CHECK(same_field(v[i].key, v[i].key_len, recs[r].key, recs[r].key_len));
            CHECK(same_field(v[i].value, v[i].value_len, recs[r].value, recs[r].value_len));
            seen++;
        }
        idle = n ? 0 : idle + 1;
        kb_message_batch_free(b);
    }
    CHECK_EQ_INT(seen, 2 * N);
    CHECK_OK(kb_consumer_free(cons));
    CHECK_OK(kb_config_free(c));
}

static void packed_batch_rejects_malformed_buffers_before_enqueuing(void) {
    kb_config *c = kbt_config("linger.ms", "60000", NULL);
    kb_producer *p = NULL;
    CHECK_OK(kb_producer_new(c, &p));
    const char *topic = kbt_topic("packed-bad");
    uint8_t buf[64];
    /* Record 0 spans bytes 0..10 (no key, "abc"), record 1 bytes 11..21 ("k", "vv"). */
    size_t len = pack_field(buf, 0, NULL, 0);
    len = pack_field(buf, len, "abc", 3);
    len = pack_field(buf, len, "k", 1);
    len = pack_field(buf, len, "vv", 2);
    CHECK_EQ_INT(len, 22);
    buf[22] = 1;
    buf[23] = 0;
    const struct {
        size_t len, cap;
        const char *says;
    } bad[] = {
        {21, 4, "record 1's value at byte offset 16: length 2 runs past"}, /* cut inside the bytes */
        {18, 4, "record 1's value at byte offset 16: 2 byte(s) left"},     /* cut inside a length */
        {24, 4, "record 2's key at byte offset 22"},                        /* trailing bytes */
        {22, 1, "more records than ids_cap (1): record 1 starts at byte offset 11"},
    };
    uint64_t ids[4];
    size_t accepted;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        accepted = 99;
        CHECK_ERR(kb_producer_produce_packed(p, topic, 0, buf, bad[i].len, ids, bad[i].cap, &accepted), KB_ERR_INVALID_ARGUMENT);
        CHECK_EQ_INT(accepted, 0);
        if (!strstr(kbt_last_error(), bad[i].says)) FAIL("case %zu: \"%s\" does not say \"%s\"", i, kbt_last_error(), bad[i].says);
    }
    CHECK_ERR(kb_producer_produce_packed(p, topic, 0, NULL, 5, ids, 4, &accepted), KB_ERR_NULL_ARGUMENT);
    CHECK_ERR(kb_producer_produce_packed(p, NULL, 0, buf, len, ids, 4, &accepted), KB_ERR_NULL_ARGUMENT);
    CHECK_ERR(kb_producer_produce_packed(p, topic, 0, buf, len, ids, 4, NULL), KB_ERR_NULL_ARGUMENT);
    CHECK_ERR(kb_producer_produce_packed(NULL, topic, 0, buf, len, ids, 4, &accepted), KB_ERR_NULL_ARGUMENT);
    /* A record refused by the producer names its position; nothing before it, nothing sent. */
    CHECK_ERR(kb_producer_produce_packed(p, "bad topic", 0, buf, len, ids, 4, &accepted), 17);
    CHECK_EQ_INT(accepted, 0);
    CHECK(strstr(kbt_last_error(), "record 0") != NULL);
    int64_t qlen = -1;
    CHECK_OK(kb_producer_queue_len(p, &qlen));
    CHECK_EQ_INT(qlen, 0);
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_config_free(c));
}

static void packed_batch_stops_at_a_full_queue(void) {
    const char *topic = kbt_topic("packed-full");
    CHECK_OK(kbt_create_topic(topic, 1));
    /* librdkafka holds at most 3 messages; the long linger keeps them queued during the call. */
    kb_config *c = kbt_config("linger.ms", "60000", "queue.buffering.max.messages", "3", NULL);
    kb_producer *p = NULL;
    CHECK_OK(kb_producer_new(c, &p));
    enum { N = 5 };
    uint8_t buf[64];
    size_t len = 0, starts[N];
    for (int i = 0; i < N; i++) {
        char value[4];
        snprintf(value, sizeof value, "q%d", i);
        starts[i] = len;
        len = pack_field(buf, len, NULL, 0);
        len = pack_field(buf, len, value, 2);
    }
    uint64_t ids[N], got[MAX_IDS];
    size_t accepted = 99;
    CHECK_ERR(kb_producer_produce_packed(p, topic, 0, buf, len, ids, N, &accepted), -184); /* __QUEUE_FULL */
    CHECK_EQ_INT(accepted, 3);
    CHECK(strstr(kbt_last_error(), "record 3") != NULL);
    CHECK_EQ_INT(kb_err_is_retriable(-184), 1);
    CHECK_OK(kb_producer_flush(p, 15000));
    CHECK_EQ_INT(collect_reports(p, 3, got, NULL), 3);
    for (int i = 0; i < 3; i++) CHECK(contains(got, 3, ids[i]));
    /* Retry from the refused record. */
    CHECK_OK(kb_producer_produce_packed(p, topic, 0, buf + starts[3], len - starts[3], ids + 3, N - 3, &accepted));
    CHECK_EQ_INT(accepted, 2);
    CHECK_OK(kb_producer_flush(p, 15000));
    CHECK_EQ_INT(collect_reports(p, 2, got, NULL), 2);
    CHECK(contains(got, 2, ids[3]) && contains(got, 2, ids[4]));
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_config_free(c));
    CHECK_EQ_INT(count_messages(topic, N), N);

    /* Undrained reports refuse the first record: nothing is enqueued. */
    c = kbt_config("bridge.event.queue.size", "2", NULL);
    CHECK_OK(kb_producer_new(c, &p));
    CHECK_OK(kb_producer_produce_packed(p, topic, 0, buf, starts[2], ids, N, &accepted));
    CHECK_OK(kb_producer_flush(p, 15000));
    CHECK_ERR(kb_producer_produce_packed(p, topic, 0, buf, len, ids, N, &accepted), KB_ERR_EVENT_QUEUE_FULL);
    CHECK_EQ_INT(accepted, 0);
    CHECK_EQ_INT(collect_reports(p, 2, got, NULL), 2);
    CHECK_OK(kb_producer_produce_packed(p, topic, 0, buf, starts[2], ids, N, &accepted));
    CHECK_EQ_INT(accepted, 2);
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_config_free(c));
}

static void persistent_client_is_reused_and_conflicts_are_named(void) {
    const char *name = kbt_topic("persist-name");
    kb_config *c = kbt_config("bridge.persistent.name", name, "linger.ms", "2", NULL);
    kb_producer *p1 = NULL, *p2 = NULL, *p3 = NULL;
    kb_producer_info i1, i2;
    CHECK_OK(kb_producer_new(c, &p1));
    CHECK_OK(kb_producer_get_info(p1, &i1));
    CHECK_EQ_INT(i1.persistent, 1);
    CHECK_EQ_INT(i1.reused, 0);
    CHECK_EQ_INT(i1.sessions_served, 1);
    CHECK_EQ_INT(i1.creator_pid, getpid());
    CHECK_OK(kb_producer_free(p1));

    CHECK_OK(kb_producer_new(c, &p2));
    CHECK_OK(kb_producer_get_info(p2, &i2));
    CHECK_EQ_INT(i2.reused, 1);
    CHECK_EQ_INT(i2.client_id, i1.client_id);
    CHECK_EQ_INT(i2.sessions_served, 2);

    kb_config *other = kbt_config("bridge.persistent.name", name, "linger.ms", "3", "acks", "1", NULL);
    CHECK_ERR(kb_producer_new(other, &p3), KB_ERR_CONFIG_CONFLICT);
    CHECK(strstr(kbt_last_error(), "acks, linger.ms") != NULL);
    CHECK_OK(kb_producer_free(p2));
    CHECK_OK(kb_config_free(other));

    /* After kb_shutdown() the next open makes a new client. */
    CHECK_OK(kb_shutdown());
    CHECK_OK(kb_producer_new(c, &p3));
    CHECK_OK(kb_producer_get_info(p3, &i2));
    CHECK_EQ_INT(i2.reused, 0);
    CHECK(i2.client_id != i1.client_id);
    CHECK_OK(kb_producer_free(p3));
    CHECK_OK(kb_config_free(c));
}

static void reports_go_to_the_session_that_produced(void) {
    const char *topic = kbt_topic("sessions");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_config *c = kbt_config("bridge.persistent.name", topic, NULL);
    kb_producer *a = NULL, *b = NULL;
    CHECK_OK(kb_producer_new(c, &a));
    CHECK_OK(kb_producer_new(c, &b));
    uint64_t ida[5], idb[5], got[MAX_IDS];
    for (int i = 0; i < 5; i++) {
        CHECK_OK(kb_producer_produce(a, topic, 0, NULL, 0, (const uint8_t *)"a", 1, NULL, 0, 0, &ida[i]));
        CHECK_OK(kb_producer_produce(b, topic, 0, NULL, 0, (const uint8_t *)"b", 1, NULL, 0, 0, &idb[i]));
    }
    CHECK_OK(kb_producer_flush(a, 15000));
    CHECK_EQ_INT(collect_reports(a, 5, got, NULL), 5);
    for (int i = 0; i < 5; i++) CHECK(contains(got, 5, ida[i]) && !contains(got, 5, idb[i]));
    CHECK_EQ_INT(collect_reports(b, 5, got, NULL), 5);
    for (int i = 0; i < 5; i++) CHECK(contains(got, 5, idb[i]));

    /* Reports for a session that ended before delivery are counted, not lost. */
    kb_producer_info before, after;
    CHECK_OK(kb_producer_get_info(b, &before));
    kb_producer *gone = NULL;
    CHECK_OK(kb_producer_new(c, &gone));
    CHECK_OK(kb_producer_produce(gone, topic, 0, NULL, 0, (const uint8_t *)"orphan", 6, NULL, 0, 0, NULL));
    CHECK_OK(kb_producer_free(gone));
    CHECK_OK(kb_producer_flush(b, 15000));
    CHECK_OK(kb_producer_get_info(b, &after));
    CHECK_EQ_INT(after.orphans_delivered + after.orphans_failed, before.orphans_delivered + before.orphans_failed + 1);
    CHECK_EQ_INT(after.orphans_failed, before.orphans_failed);
    CHECK_OK(kb_producer_free(a));
    CHECK_OK(kb_producer_free(b));
    CHECK_OK(kb_config_free(c));
}

static void flush_sends_at_once_despite_linger(void) {
    const char *topic = kbt_topic("flush");
    CHECK_OK(kbt_create_topic(topic, 1));
    /* linger.ms far beyond the flush timeout: success proves flush did not wait it out. */
    kb_config *c = kbt_config("linger.ms", "60000", NULL);
    kb_producer *p = NULL;
    CHECK_OK(kb_producer_new(c, &p));
    kb_delivery d;
    CHECK_OK(kb_producer_produce_sync(p, topic, 0, NULL, 0, (const uint8_t *)"warm", 4, NULL, 0, 0, 20000, &d));
    for (int i = 0; i < 5; i++) CHECK_OK(kb_producer_produce(p, topic, 0, NULL, 0, (const uint8_t *)"f", 1, NULL, 0, 0, NULL));
    CHECK_OK(kb_producer_flush(p, 20000));
    int64_t qlen = -1;
    CHECK_OK(kb_producer_queue_len(p, &qlen));
    CHECK_EQ_INT(qlen, 5); /* nothing in flight, the 5 reports wait to be polled */
    uint64_t ids[MAX_IDS];
    kb_err errs[MAX_IDS];
    CHECK_EQ_INT(collect_reports(p, 5, ids, errs), 5);
    for (int i = 0; i < 5; i++) CHECK_EQ_INT(errs[i], 0);
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_config_free(c));
}

static void private_free_flushes_before_teardown(void) {
    const char *topic = kbt_topic("teardown");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_config *c = kbt_config("linger.ms", "1000", NULL);
    kb_producer *p = NULL;
    CHECK_OK(kb_producer_new(c, &p));
    for (int i = 0; i < 10; i++) CHECK_OK(kb_producer_produce(p, topic, 0, NULL, 0, (const uint8_t *)"t", 1, NULL, 0, 0, NULL));
    int64_t qlen = 0;
    CHECK_OK(kb_producer_queue_len(p, &qlen));
    CHECK(qlen >= 10);
    CHECK_OK(kb_producer_free(p)); /* nothing polled, nothing flushed by the caller */
    CHECK_OK(kb_config_free(c));
    CHECK_EQ_INT(count_messages(topic, 10), 10);
}

static void purge_reports_each_purged_message(void) {
    kb_config *c = kbt_config("linger.ms", "60000", NULL);
    kb_producer *p = NULL;
    CHECK_OK(kb_producer_new(c, &p));
    const char *topic = kbt_topic("purge");
    for (int i = 0; i < 3; i++) CHECK_OK(kb_producer_produce(p, topic, KB_PARTITION_UA, NULL, 0, (const uint8_t *)"p", 1, NULL, 0, 0, NULL));
    CHECK_OK(kb_producer_purge(p, KB_PURGE_QUEUE));
    uint64_t ids[MAX_IDS];
    kb_err errs[MAX_IDS];
    CHECK_EQ_INT(collect_reports(p, 3, ids, errs), 3);
    for (int i = 0; i < 3; i++) CHECK_EQ_INT(errs[i], -152); /* RD_KAFKA_RESP_ERR__PURGE_QUEUE */
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_config_free(c));
}

static void undrained_reports_apply_backpressure(void) {
    const char *topic = kbt_topic("backpressure");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_config *c = kbt_config("bridge.event.queue.size", "5", NULL);
    kb_producer *p = NULL;
    CHECK_OK(kb_producer_new(c, &p));
    for (int i = 0; i < 5; i++) CHECK_OK(kb_producer_produce(p, topic, 0, NULL, 0, (const uint8_t *)"q", 1, NULL, 0, 0, NULL));
    CHECK_OK(kb_producer_flush(p, 15000));
    CHECK_ERR(kb_producer_produce(p, topic, 0, NULL, 0, (const uint8_t *)"q", 1, NULL, 0, 0, NULL), KB_ERR_EVENT_QUEUE_FULL);
    CHECK_EQ_INT(kb_err_is_retriable(KB_ERR_EVENT_QUEUE_FULL), 1);
    uint64_t ids[MAX_IDS];
    CHECK_EQ_INT(collect_reports(p, 5, ids, NULL), 5);
    CHECK_OK(kb_producer_produce(p, topic, 0, NULL, 0, (const uint8_t *)"q", 1, NULL, 0, 0, NULL));
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_config_free(c));
}

/* Polls until an event of `kind` arrives (bounded); returns 1 if it did. */
static int wait_event(kb_producer *p, kb_event_type kind, char *text, size_t cap) {
    for (int i = 0; i < 200; i++) {
        kb_event *ev = NULL;
        if (kb_producer_poll(p, 50, &ev) != 0) return 0;
        if (!ev) continue;
        kb_event_view v;
        kb_event_get_view(ev, &v);
        int hit = v.kind == kind;
        if (hit && text) snprintf(text, cap, "%s", v.text ? v.text : "");
        kb_event_free(ev);
        if (hit) return 1;
    }
    return 0;
}

static void statistics_logs_and_client_errors_become_events(void) {
    char text[4096];
    kb_config *c = kbt_config("statistics.interval.ms", "100", "debug", "broker", NULL);
    kb_producer *p = NULL;
    CHECK_OK(kb_producer_new(c, &p));
    /* Both kinds arrive, in either order: the debug lines of the connection may all come before
     * the first statistics report, or around it. */
    int stats = 0, logs = 0;
    for (int i = 0; i < 200 && !(stats && logs); i++) {
        kb_event *ev = NULL;
        CHECK_OK(kb_producer_poll(p, 50, &ev));
        if (!ev) continue;
        kb_event_view v;
        CHECK_OK(kb_event_get_view(ev, &v));
        if (v.kind == KB_EVENT_STATS && !stats) {
            stats = 1;
            CHECK(v.text != NULL && strstr(v.text, "\"client_id\"") != NULL);
        }
        logs |= v.kind == KB_EVENT_LOG;
        kb_event_free(ev);
    }
    CHECK(stats);
    CHECK(logs);
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_config_free(c));

    kb_config *down = NULL;
    CHECK_OK(kb_config_new(&down));
    CHECK_OK(kb_config_set(down, "bootstrap.servers", "127.0.0.1:1"));
    CHECK_OK(kb_producer_new(down, &p));
    CHECK(wait_event(p, KB_EVENT_ERROR, text, sizeof text));
    CHECK(strlen(text) > 0);
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_config_free(down));
}

/* Whether a producer made from these settings is idempotent, as librdkafka's own statistics say
 * (they carry an "eos" section only for idempotent producers). -1 if no statistics came. */
static int is_idempotent(const char *k1, const char *v1) {
    static char text[1 << 16];
    kb_config *c = kbt_config("statistics.interval.ms", "100", k1, v1, NULL);
    kb_producer *p = NULL;
    if (!c || kb_producer_new(c, &p) != 0) {
        fprintf(stderr, "  producer with %s=%s: %s\n", k1 ? k1 : "-", v1 ? v1 : "-", kbt_last_error());
        kb_config_free(c);
        return -1;
    }
    int got = wait_event(p, KB_EVENT_STATS, text, sizeof text);
    kb_producer_free(p);
    kb_config_free(c);
    return got ? strstr(text, "\"idemp_state\"") != NULL : -1;
}

/* Safe by default: a producer made with nothing but bootstrap.servers is idempotent (no
 * duplicates or reordering when a broker restarts); the user's explicit choice, or a setting
 * idempotence cannot work with, leaves it off instead of failing. */
static void producers_are_idempotent_by_default(void) {
    CHECK_EQ_INT(is_idempotent(NULL, NULL), 1);
    CHECK_EQ_INT(is_idempotent("enable.idempotence", "false"), 0);
    CHECK_EQ_INT(is_idempotent("acks", "1"), 0);
}

/* librdkafka warns about deprecated settings while the client is created, before any handle is
 * attached: the warning still reaches the handle that opened the client. */
static void warnings_at_creation_reach_the_first_handle(void) {
    for (int round = 0; round < 5; round++) {
        kb_config *c = kbt_config("socket.blocking.max.ms", "1", NULL);
        kb_producer *p = NULL;
        CHECK_OK(kb_producer_new(c, &p));
        int seen = 0;
        for (int i = 0; i < 100 && !seen; i++) {
            kb_event *ev = NULL;
            CHECK_OK(kb_producer_poll(p, 20, &ev));
            if (!ev) continue;
            kb_event_view v;
            CHECK_OK(kb_event_get_view(ev, &v));
            seen = v.kind == KB_EVENT_LOG && v.facility && strcmp(v.facility, "CONFWARN") == 0 &&
                   strstr(v.text, "socket.blocking.max.ms") != NULL;
            CHECK_OK(kb_event_free(ev));
        }
        CHECK(seen);
        CHECK_OK(kb_producer_free(p));
        CHECK_OK(kb_config_free(c));
    }
}

static void fork_abandons_inherited_client_and_child_gets_a_fresh_one(void) {
    const char *topic = kbt_topic("fork");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_config *c = kbt_config("bridge.persistent.name", topic, NULL);
    kb_producer *p = NULL;
    kb_delivery d;
    kb_producer_info parent_info;
    CHECK_OK(kb_producer_new(c, &p));
    CHECK_OK(kb_producer_produce_sync(p, topic, 0, NULL, 0, (const uint8_t *)"parent", 6, NULL, 0, 0, 15000, &d));
    CHECK_OK(kb_producer_get_info(p, &parent_info));
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        /* Exit codes say which step failed. */
        kb_producer_info info;
        if (kb_producer_flush(p, 0) != KB_ERR_INVALID_HANDLE) kbt_child_exit(10);
        kb_producer *fresh = NULL;
        if (kb_producer_new(c, &fresh) != 0) kbt_child_exit(11);
        if (kb_producer_get_info(fresh, &info) != 0) kbt_child_exit(12);
        if (info.reused != 0 || info.creator_pid != (uint32_t)getpid()) kbt_child_exit(13);
        if (kb_producer_produce_sync(fresh, topic, 0, NULL, 0, (const uint8_t *)"child", 5, NULL, 0, 0, 15000, &d) != 0) kbt_child_exit(14);
        if (kb_producer_free(fresh) != 0) kbt_child_exit(15);
        kbt_child_exit(0);
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK_EQ_INT(WEXITSTATUS(status), 0);
    /* The parent's client is untouched by the child. */
    CHECK_OK(kb_producer_produce_sync(p, topic, 0, NULL, 0, (const uint8_t *)"parent2", 7, NULL, 0, 0, 15000, &d));
    CHECK_EQ_INT(count_messages(topic, 3), 3);
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_config_free(c));
}

static void exit_flushes_messages_produced_just_before(void) {
    const char *topic = kbt_topic("exit");
    CHECK_OK(kbt_create_topic(topic, 1));
    /* A fresh process (like a CLI script) produces with a long linger and exits at once. */
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        execl(kbt_helper_path("helper_exit_producer"), "helper_exit_producer", topic, "50", (char *)NULL);
        kbt_child_exit(127);
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK_EQ_INT(WEXITSTATUS(status), 0);
    CHECK_EQ_INT(count_messages(topic, 50), 50);
}

TEST_MAIN_BEGIN
    RUN(delivery_reports_carry_the_produced_ids);
    RUN(sync_produce_returns_offset_without_waiting_out_linger);
    RUN(empty_and_null_values_stay_distinct);
    RUN(batch_produce_enqueues_in_order);
    RUN(packed_batch_round_trip);
    RUN(packed_batch_rejects_malformed_buffers_before_enqueuing);
    RUN(packed_batch_stops_at_a_full_queue);
    RUN(persistent_client_is_reused_and_conflicts_are_named);
    RUN(reports_go_to_the_session_that_produced);
    RUN(flush_sends_at_once_despite_linger);
    RUN(private_free_flushes_before_teardown);
    RUN(purge_reports_each_purged_message);
    RUN(undrained_reports_apply_backpressure);
    RUN(statistics_logs_and_client_errors_become_events);
    RUN(producers_are_idempotent_by_default);
    RUN(warnings_at_creation_reach_the_first_handle);
    RUN(fork_abandons_inherited_client_and_child_gets_a_fresh_one);
    RUN(exit_flushes_messages_produced_just_before);
TEST_MAIN_END
