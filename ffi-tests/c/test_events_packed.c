/* kb_event_batch_packed() against the real broker: every event of a batch (delivery reports,
 * successful and failed, and log lines) reads back from the packed table and data exactly as
 * from its kb_event_view. */
#include <stdint.h>
#include "kbtest.h"

#define WAIT_MS 30000
#define N 8

static int64_t i64_at(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return (int64_t)v;
}

/* Whether `len` bytes at `*at` (advancing it) equal the NUL-terminated `s` (NULL: absent, -1). */
static int bytes_are(const uint8_t **at, int64_t len, const char *s) {
    if (s == NULL) return len == -1;
    if (len != (int64_t)strlen(s) || memcmp(*at, s, (size_t)len) != 0) return 0;
    *at += len;
    return 1;
}

/* Checks every packed row and its data against the batch's views; counts the reports seen. */
static void check_batch(kb_event_batch *batch, int *reports, int *failed) {
    const kb_event_view *views = NULL;
    const uint8_t *data = NULL;
    size_t len = 0, n = kb_event_batch_count(batch);
    CHECK_OK(kb_event_batch_views(batch, &views));
    CHECK_OK(kb_event_batch_packed(batch, &data, &len));
    CHECK(len >= n * 80);
    const uint8_t *at = data + n * 80;
    for (size_t i = 0; i < n; i++) {
        const kb_event_view *v = &views[i];
        const uint8_t *row = data + i * 80;
        int64_t f[10];
        for (int j = 0; j < 10; j++) f[j] = i64_at(row + 8 * j);
        CHECK_EQ_INT(f[0], v->kind);
        CHECK_EQ_INT(f[1], v->err);
        CHECK(f[2] == (int64_t)v->message_id);
        CHECK_EQ_INT(f[3], v->partition);
        CHECK_EQ_INT(f[4], v->offset);
        CHECK_EQ_INT(f[5], v->timestamp_ms);
        CHECK_EQ_INT(f[6], v->kind == KB_EVENT_LOG ? v->log_level : v->fatal);
        CHECK(bytes_are(&at, f[7], v->kind == KB_EVENT_LOG ? v->facility : v->topic));
        CHECK(bytes_are(&at, f[8], v->text));
        CHECK_EQ_INT(f[9], (int64_t)v->partition_count);
        CHECK_EQ_INT(v->partition_count, 0); /* a producer reports no partition lists */
        if (v->kind == KB_EVENT_DELIVERY) {
            (*reports)++;
            if (v->err != 0) (*failed)++;
        }
    }
    CHECK(at == data + len);
    /* A second call hands out the same bytes. */
    const uint8_t *again = NULL;
    size_t again_len = 0;
    CHECK_OK(kb_event_batch_packed(batch, &again, &again_len));
    CHECK(again == data && again_len == len);
}

static void packed_events_read_as_the_views(void) {
    const char *topic = kbt_topic("events-packed");
    CHECK_OK(kbt_create_topic(topic, 1));
    /* debug=msg adds log lines (facility, level, text) to the batches. */
    kb_config *conf = kbt_config("linger.ms", "5", "debug", "msg", NULL);
    kb_producer *p = NULL;
    CHECK_OK(kb_producer_new(conf, &p));
    kb_config_free(conf);
    for (int i = 0; i < N; i++) {
        char value[16];
        int len = snprintf(value, sizeof value, "v-%d", i);
        uint64_t id = 0;
        CHECK_OK(kb_producer_produce(p, topic, 0, (const uint8_t *)"k", 1, (const uint8_t *)value, (size_t)len, NULL, 0, 1700000000000 + i, &id));
    }
    CHECK_OK(kb_producer_flush(p, WAIT_MS));
    int reports = 0, failed = 0;
    long long deadline = kbt_now_ms() + WAIT_MS;
    while (reports < N && kbt_now_ms() < deadline) {
        kb_event_batch *batch = NULL;
        CHECK_OK(kb_producer_poll_batch(p, 100, 64, &batch));
        check_batch(batch, &reports, &failed);
        CHECK_OK(kb_event_batch_free(batch));
    }
    CHECK_EQ_INT(reports, N);
    CHECK_EQ_INT(failed, 0);
    CHECK_OK(kb_producer_free(p));
}

TEST_MAIN_BEGIN
    RUN(packed_events_read_as_the_views);
TEST_MAIN_END
