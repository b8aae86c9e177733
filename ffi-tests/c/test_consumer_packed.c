/* kb_consumer_poll_packed() against the real broker: the packed records decode byte for byte
 * (keys, values and headers with NUL bytes, absent and empty ones, the EOF entry), the count and
 * byte bounds hold, and with enable.auto.offset.store=false the messages fetched before a
 * rebalance revoked their partition are left out of the batch (kept with the default). */
#include <pthread.h>
#include <stdint.h>
#include "kbtest.h"

#define WAIT_MS 30000

/* ---------------------------------------------------------------- a decoder of the format */

typedef struct {
    int64_t err, partition, offset, timestamp_ms, timestamp_type;
    int64_t topic_len, key_len, value_len, header_count, error_text_len; /* -1: absent */
    const uint8_t *topic, *key, *value, *error_text;
    const uint8_t *headers; /* header_count x (i32 name_len, name, i32 value_len, value) */
} packed_record;

static int64_t i64_at(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return (int64_t)v;
}
static int32_t i32_at(const uint8_t *p) { return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}
static size_t field_len(int64_t len) { return len < 0 ? 0 : (size_t)len; }

/* A packed batch being read: the table of `count` rows of ten i64, then the data. */
typedef struct {
    const uint8_t *rows, *at, *end;
    size_t count, next;
} packed_reader;

static packed_reader reader(const uint8_t *data, size_t len, size_t count) {
    packed_reader r = {data, data + count * 80, data + len, count, 0};
    return r;
}

/* Reads the next record; 0 when there is none or it runs past the end. */
static int next_record(packed_reader *rd, packed_record *r) {
    if (rd->next == rd->count || rd->at > rd->end) return 0;
    int64_t *fields[] = {&r->err, &r->partition, &r->offset, &r->timestamp_ms, &r->timestamp_type,
                         &r->topic_len, &r->key_len, &r->value_len, &r->header_count, &r->error_text_len};
    const uint8_t *row = rd->rows + rd->next++ * 80;
    for (int i = 0; i < 10; i++) *fields[i] = i64_at(row + 8 * i);
    const uint8_t *p = rd->at;
    const uint8_t **bytes[] = {&r->topic, &r->key, &r->value, &r->error_text};
    int64_t lens[] = {r->topic_len, r->key_len, r->value_len, r->error_text_len};
    for (int i = 0; i < 4; i++) {
        *bytes[i] = lens[i] < 0 ? NULL : p;
        if ((size_t)(rd->end - p) < field_len(lens[i])) return 0;
        p += field_len(lens[i]);
    }
    r->headers = p;
    for (int64_t h = 0; h < r->header_count; h++)
        for (int part = 0; part < 2; part++) {
            if (rd->end - p < 4) return 0;
            size_t len = field_len(i32_at(p));
            p += 4;
            if ((size_t)(rd->end - p) < len) return 0;
            p += len;
        }
    rd->at = p;
    return 1;
}

/* Whether header `index` of `r` is `name` with `value` (NULL: a null value). */
static int header_is(const packed_record *r, int index, const char *name, const uint8_t *value, size_t value_len) {
    const uint8_t *p = r->headers;
    for (int h = 0;; h++) {
        size_t name_len = (size_t)i32_at(p);
        const uint8_t *n = p + 4;
        int32_t vlen = i32_at(n + name_len);
        const uint8_t *v = n + name_len + 4;
        if (h == index) {
            if (name_len != strlen(name) || memcmp(n, name, name_len) != 0) return 0;
            if (value == NULL) return vlen == -1;
            return (size_t)vlen == value_len && memcmp(v, value, value_len) == 0;
        }
        p = v + field_len(vlen);
    }
}

/* ---------------------------------------------------------------- helpers */

static kb_consumer *new_consumer(const char *group, const char *k1, const char *v1) {
    kb_config *conf = kbt_config("auto.offset.reset", "earliest", "enable.auto.commit", "false", NULL);
    kb_consumer *c = NULL;
    if (!conf) return NULL;
    if ((group && kb_config_set(conf, "group.id", group) != 0) || (k1 && kb_config_set(conf, k1, v1) != 0) || kb_consumer_new(conf, &c) != 0)
        fprintf(stderr, "  consumer: %s\n", kbt_last_error());
    kb_config_free(conf);
    return c;
}

/* Produces `n` values "v-<i>" to partition 0 and waits for every delivery report. */
static int produce_values(const char *topic, int n) {
    kb_config *conf = kbt_config("linger.ms", "5", NULL);
    kb_producer *p = NULL;
    uint64_t ids[64];
    int rc = -1;
    if (!conf || kb_producer_new(conf, &p) != 0 || n > 64) goto out;
    for (int i = 0; i < n; i++) {
        char value[32];
        int len = snprintf(value, sizeof value, "v-%d", i);
        if (kb_producer_produce(p, topic, 0, NULL, 0, (const uint8_t *)value, (size_t)len, NULL, 0, 0, &ids[i]) != 0) goto out;
    }
    rc = kbt_await_deliveries(p, ids, (size_t)n, NULL, WAIT_MS);
out:
    if (rc != 0) fprintf(stderr, "  produce: %s\n", kbt_last_error());
    kb_producer_free(p);
    kb_config_free(conf);
    return rc;
}

/* One packed poll; returns the record count (-1 on error) and the bytes through `data`/`len`. */
static long poll_packed(kb_consumer *c, int timeout_ms, size_t min, size_t max, size_t max_bytes, kb_packed_messages **batch,
                        const uint8_t **data, size_t *len) {
    size_t count = 0;
    if (kb_consumer_poll_packed(c, timeout_ms, min, max, max_bytes, batch) != 0 || kb_packed_messages_data(*batch, data, len, &count) != 0) {
        fprintf(stderr, "  poll_packed: %s\n", kbt_last_error());
        return -1;
    }
    return (long)count;
}

/* ---------------------------------------------------------------- tests */

#define N 6

/* Every field survives the packing: binary keys and values, no key, an empty value, no value (a
 * tombstone), headers with NUL bytes / a null value / an empty value, explicit timestamps; then
 * the EOF entry, with its topic, end offset and error text. */
static void records_decode_byte_exact_then_eof(void) {
    const char *topic = kbt_topic("packed");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_config *pconf = kbt_config("linger.ms", "5", NULL);
    kb_producer *p = NULL;
    CHECK_OK(kb_producer_new(pconf, &p));
    kb_config_free(pconf);
    const int64_t base_ts = 1700000000000;
    uint64_t ids[N];
    for (int i = 0; i < N; i++) {
        const uint8_t key[] = {'k', 0, (uint8_t)i};
        const uint8_t value[] = {0, 'v', 0, (uint8_t)i, 0xff};
        const uint8_t hval[] = {'h', 0, (uint8_t)i};
        kb_header headers[3] = {{"h-bin", hval, sizeof hval}, {"h-null", NULL, 0}, {"h-empty", (const uint8_t *)"", 0}};
        /* Message 1 has no key, message 2 an empty value, message 3 no value. */
        CHECK_OK(kb_producer_produce(p, topic, 0, i == 1 ? NULL : key, i == 1 ? 0 : sizeof key, i == 3 ? NULL : i == 2 ? (const uint8_t *)"" : value,
                                     (i == 2 || i == 3) ? 0 : sizeof value, headers, 3, base_ts + i, &ids[i]));
    }
    CHECK_EQ_INT(kbt_await_deliveries(p, ids, N, NULL, WAIT_MS), 0);
    CHECK_OK(kb_producer_free(p));

    kb_consumer *c = new_consumer(NULL, "enable.partition.eof", "true");
    CHECK(c != NULL);
    kb_topic_partition p0 = {topic, 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
    CHECK_OK(kb_consumer_assign(c, &p0, 1));
    int got = 0, eof = 0;
    long long deadline = kbt_now_ms() + WAIT_MS;
    while (!eof && kbt_now_ms() < deadline) {
        kb_packed_messages *batch = NULL;
        const uint8_t *data = NULL;
        size_t len = 0;
        long count = poll_packed(c, 1000, 1, 100, 0, &batch, &data, &len);
        CHECK(count >= 0);
        packed_reader rd = reader(data, len, (size_t)count);
        packed_record r;
        for (long i = 0; i < count; i++) {
            CHECK(next_record(&rd, &r));
            CHECK((size_t)r.topic_len == strlen(topic) && memcmp(r.topic, topic, strlen(topic)) == 0);
            CHECK_EQ_INT(r.partition, 0);
            if (r.err == -191) { /* RD_KAFKA_RESP_ERR__PARTITION_EOF */
                CHECK_EQ_INT(r.offset, N);
                CHECK(r.error_text != NULL && r.error_text_len > 0);
                eof = 1;
                continue;
            }
            CHECK_EQ_INT(r.err, 0);
            CHECK(r.error_text == NULL && r.error_text_len == -1);
            int k = (int)r.offset;
            CHECK_EQ_INT(k, got);
            const uint8_t key[] = {'k', 0, (uint8_t)k};
            const uint8_t value[] = {0, 'v', 0, (uint8_t)k, 0xff};
            if (k == 1) CHECK(r.key == NULL && r.key_len == -1);
            else CHECK(r.key_len == (int64_t)sizeof key && memcmp(r.key, key, sizeof key) == 0);
            if (k == 2) CHECK(r.value != NULL && r.value_len == 0);
            else if (k == 3) CHECK(r.value == NULL && r.value_len == -1);
            else CHECK(r.value_len == (int64_t)sizeof value && memcmp(r.value, value, sizeof value) == 0);
            CHECK_EQ_INT(r.timestamp_ms, base_ts + k);
            CHECK_EQ_INT(r.timestamp_type, 1); /* create time */
            CHECK_EQ_INT(r.header_count, 3);
            const uint8_t hval[] = {'h', 0, (uint8_t)k};
            CHECK(header_is(&r, 0, "h-bin", hval, sizeof hval));
            CHECK(header_is(&r, 1, "h-null", NULL, 0));
            CHECK(header_is(&r, 2, "h-empty", (const uint8_t *)"", 0));
            got++;
        }
        CHECK(rd.at == rd.end); /* no trailing bytes */
        CHECK_OK(kb_packed_messages_free(batch));
    }
    CHECK_EQ_INT(got, N);
    CHECK(eof);
    CHECK_OK(kb_consumer_free(c));
}

/* A batch holds at most `max` records, and stops growing once it holds `max_bytes` (a record is
 * never split: a 1-byte bound gives one whole record). */
static void count_and_byte_bounds_hold(void) {
    const char *topic = kbt_topic("packed-bounds");
    CHECK_OK(kbt_create_topic(topic, 1));
    CHECK_EQ_INT(produce_values(topic, N), 0);
    kb_consumer *c = new_consumer(NULL, NULL, NULL);
    CHECK(c != NULL);
    kb_topic_partition p0 = {topic, 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
    CHECK_OK(kb_consumer_assign(c, &p0, 1));
    int64_t next = 0;
    long long deadline = kbt_now_ms() + WAIT_MS;
    int round = 0;
    while (next < N && kbt_now_ms() < deadline) {
        kb_packed_messages *batch = NULL;
        const uint8_t *data = NULL;
        size_t len = 0;
        int by_bytes = round++ % 2 == 0;
        long count = poll_packed(c, 1000, 1, by_bytes ? 100 : 2, by_bytes ? 1 : 0, &batch, &data, &len);
        CHECK(count >= 0);
        CHECK(count <= (by_bytes ? 1 : 2));
        packed_reader rd = reader(data, len, (size_t)count);
        packed_record r;
        for (long i = 0; i < count; i++) {
            CHECK(next_record(&rd, &r));
            CHECK_EQ_INT(r.offset, next); /* in order, none skipped */
            next++;
        }
        CHECK(rd.at == rd.end);
        CHECK_OK(kb_packed_messages_free(batch));
    }
    CHECK_EQ_INT(next, N);
    CHECK_OK(kb_consumer_free(c));
}

typedef struct {
    kb_consumer *c;
    long held;
} packed_poll;

/* Waits for 100 messages: more than there are, so the call is still collecting when the
 * revocation comes, and the batch ends there (not after WAIT_MS). */
static void *poll_for_100(void *arg) {
    packed_poll *pp = arg;
    kb_packed_messages *batch = NULL;
    const uint8_t *data = NULL;
    size_t len = 0;
    pp->held = poll_packed(pp->c, WAIT_MS, 100, 100, 0, &batch, &data, &len);
    kb_packed_messages_free(batch);
    return NULL;
}

/* The position of partition 0 of `topic` (after the last message taken), or -1. */
static int64_t position(kb_consumer *c, const char *topic) {
    kb_partition_list *list = NULL;
    const kb_topic_partition *tp = NULL;
    int64_t at = -1;
    if (kb_consumer_position(c, &list) == 0 && kb_partition_list_entries(list, &tp) == 0)
        for (size_t i = 0; i < kb_partition_list_count(list); i++)
            if (strcmp(tp[i].topic, topic) == 0 && tp[i].partition == 0) at = tp[i].offset;
    kb_partition_list_free(list);
    return at;
}

/* Reads one message of `topic` through a group subscription; then, while a packed poll on
 * another thread has taken the other N - 1 and waits for more, unsubscribes. Returns how many
 * messages that batch held. */
static long batch_across_a_revoke(const char *topic, const char *auto_store) {
    kb_consumer *c = new_consumer(kbt_topic("packed-revoke"), "enable.auto.offset.store", auto_store);
    long held = -1;
    if (!c || kb_consumer_subscribe(c, &topic, 1) != 0) goto out;
    long first = 0;
    long long deadline = kbt_now_ms() + WAIT_MS;
    while (first == 0 && kbt_now_ms() < deadline) {
        kb_packed_messages *batch = NULL;
        const uint8_t *data = NULL;
        size_t len = 0;
        first = poll_packed(c, 1000, 1, 1, 0, &batch, &data, &len);
        kb_packed_messages_free(batch);
    }
    if (first != 1) goto out;
    packed_poll pp = {c, -1};
    pthread_t t;
    if (pthread_create(&t, NULL, poll_for_100, &pp) != 0) goto out;
    /* The position moves as the poll takes each message: at N it holds all the others. */
    while (position(c, topic) < N && kbt_now_ms() < deadline) kbt_pause_ms(10);
    if (kb_consumer_unsubscribe(c) != 0) fprintf(stderr, "  unsubscribe: %s\n", kbt_last_error());
    pthread_join(t, NULL);
    held = pp.held;
out:
    kb_consumer_free(c);
    return held;
}

static void revoked_messages_are_left_out_without_auto_store(void) {
    const char *topic = kbt_topic("packed-revoke");
    CHECK_OK(kbt_create_topic(topic, 1));
    CHECK_EQ_INT(produce_values(topic, N), 0);
    /* The default stores each offset as the message is taken: the batch keeps them. */
    CHECK_EQ_INT(batch_across_a_revoke(topic, "true"), N - 1);
    /* Without auto store none of them was stored: left out, for the partition's next owner. */
    CHECK_EQ_INT(batch_across_a_revoke(topic, "false"), 0);
}

TEST_MAIN_BEGIN
    RUN(records_decode_byte_exact_then_eof);
    RUN(count_and_byte_bounds_hold);
    RUN(revoked_messages_are_left_out_without_auto_store);
TEST_MAIN_END
