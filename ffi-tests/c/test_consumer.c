/* The consumer against the real broker: group subscribe round trip with byte-exact payloads,
 * group partition splitting and rebalance events, commits that survive a restart, manual
 * assignment with seek/position/pause/resume, partition EOF, and a bounded close when the
 * broker is unreachable. */
#include <pthread.h>
#include <stdint.h>
#include "kbtest.h"

#define WAIT_MS 30000 /* generous bound for group joins and deliveries (valgrind is slow) */

/* ---------------------------------------------------------------- helpers */

static kb_producer *new_producer(void) {
    kb_config *conf = kbt_config("enable.idempotence", "true", "linger.ms", "5", NULL);
    kb_producer *p = NULL;
    if (!conf || kb_producer_new(conf, &p) != 0) fprintf(stderr, "  producer: %s\n", kbt_last_error());
    kb_config_free(conf);
    return p;
}

/* A consumer in `group` (NULL: no group.id, manual assignment only) reading from the start,
 * without auto commit, plus extra key/value pairs (NULL-terminated). */
static kb_consumer *new_consumer(const char *group, const char *k1, const char *v1, const char *k2, const char *v2) {
    kb_config *conf = kbt_config("auto.offset.reset", "earliest", "enable.auto.commit", "false", NULL);
    kb_consumer *c = NULL;
    if (!conf) return NULL;
    if ((group && kb_config_set(conf, "group.id", group) != 0) || (k1 && kb_config_set(conf, k1, v1) != 0) ||
        (k2 && kb_config_set(conf, k2, v2) != 0) || kb_consumer_new(conf, &c) != 0)
        fprintf(stderr, "  consumer: %s\n", kbt_last_error());
    kb_config_free(conf);
    return c;
}

/* Produces `n` values "<prefix>-<i>" to one partition and waits for every delivery report. */
static int produce_values(kb_producer *p, const char *topic, int32_t partition, const char *prefix, int first, int n) {
    uint64_t ids[64];
    if (n > 64) return -1;
    for (int i = 0; i < n; i++) {
        char value[64];
        int len = snprintf(value, sizeof value, "%s-%d", prefix, first + i);
        if (kb_producer_produce(p, topic, partition, NULL, 0, (const uint8_t *)value, (size_t)len, NULL, 0, 0, &ids[i]) != 0) {
            fprintf(stderr, "  produce: %s\n", kbt_last_error());
            return -1;
        }
    }
    if (kb_producer_flush(p, WAIT_MS) != 0) fprintf(stderr, "  flush: %s\n", kbt_last_error());
    return kbt_await_deliveries(p, ids, (size_t)n, NULL, WAIT_MS);
}

/* Looks up (topic, partition) in a partition list; returns its offset, or `missing`. */
static int64_t list_offset(kb_partition_list *list, const char *topic, int32_t partition, int64_t missing) {
    const kb_topic_partition *tp = NULL;
    size_t n = kb_partition_list_count(list);
    if (kb_partition_list_entries(list, &tp) != 0) return missing;
    for (size_t i = 0; i < n; i++)
        if (tp[i].partition == partition && strcmp(tp[i].topic, topic) == 0) return tp[i].offset;
    return missing;
}

/* The partitions of `topic` in the consumer's current assignment, as a bit mask (-1 on error). */
static int assignment_mask(kb_consumer *c, const char *topic) {
    kb_partition_list *list = NULL;
    const kb_topic_partition *tp = NULL;
    if (kb_consumer_assignment(c, &list) != 0 || kb_partition_list_entries(list, &tp) != 0) {
        fprintf(stderr, "  assignment: %s\n", kbt_last_error());
        kb_partition_list_free(list);
        return -1;
    }
    int mask = 0;
    for (size_t i = 0; i < kb_partition_list_count(list); i++)
        if (strcmp(tp[i].topic, topic) == 0) mask |= 1 << tp[i].partition;
        else mask = -1000; /* a partition of another topic: wrong */
    kb_partition_list_free(list);
    return mask;
}

/* What the rebalance events of one consumer said so far. */
typedef struct {
    int mask;    /* partitions owned according to the events: assign adds, revoke removes */
    int assigns; /* KB_EVENT_REBALANCE events with __ASSIGN_PARTITIONS */
    int revokes; /* ... with __REVOKE_PARTITIONS */
    int bad;     /* events that make no sense (other topic, other error code) */
} rebalance_log;

/* Drains the consumer's queued events in batches and applies the rebalance ones to `log`. */
static void drain_rebalances(kb_consumer *c, const char *topic, rebalance_log *log) {
    for (;;) {
        kb_event_batch *batch = NULL;
        const kb_event_view *views = NULL;
        if (kb_consumer_poll_events(c, 0, 16, &batch) != 0 || kb_event_batch_views(batch, &views) != 0) {
            fprintf(stderr, "  poll_events: %s\n", kbt_last_error());
            log->bad++;
            kb_event_batch_free(batch);
            return;
        }
        size_t n = kb_event_batch_count(batch);
        for (size_t i = 0; i < n; i++) {
            const kb_event_view *v = &views[i];
            if (v->kind != KB_EVENT_REBALANCE) continue;
            int bits = 0;
            for (size_t j = 0; j < v->partition_count; j++) {
                if (strcmp(v->partitions[j].topic, topic) != 0) log->bad++;
                bits |= 1 << v->partitions[j].partition;
            }
            if (v->err == -175) { /* RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS */
                log->assigns++;
                log->mask |= bits;
            } else if (v->err == -174) { /* RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS */
                log->revokes++;
                log->mask &= ~bits;
            } else {
                fprintf(stderr, "  rebalance event with err %d\n", v->err);
                log->bad++;
            }
        }
        kb_event_batch_free(batch);
        if (n == 0) return;
    }
}

/* One short kb_consumer_poll: group work (joins, rebalances, commit callbacks) happens in it. */
static int poll_once(kb_consumer *c, int timeout_ms) {
    kb_message *m = NULL;
    kb_err e = kb_consumer_poll(c, timeout_ms, &m);
    if (e != 0) fprintf(stderr, "  kb_consumer_poll: %s\n", kbt_last_error());
    kb_message_free(m);
    return e;
}

/* ---------------------------------------------------------------- 1. round trip */

#define RT_N 20

/* Round trip through a subscribed group consumer: keys, binary values with NUL bytes, absent and
 * empty keys/values, headers (one with a NULL value, one empty) and explicit timestamps arrive
 * byte for byte; every message id gets exactly one successful delivery report. */
static void group_round_trip_is_byte_exact(void) {
    const char *topic = kbt_topic("roundtrip");
    CHECK_OK(kbt_create_topic(topic, 2));
    kb_producer *p = new_producer();
    CHECK(p != NULL);

    uint8_t keys[RT_N][8], values[RT_N][16];
    size_t value_lens[RT_N];
    int64_t stamps[RT_N], offsets[RT_N];
    uint64_t ids[RT_N];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t base_ts = (int64_t)now.tv_sec * 1000 - 600000; /* ten minutes ago: a valid create time */

    for (int i = 0; i < RT_N; i++) {
        memcpy(keys[i], (uint8_t[]){'k', 0, (uint8_t)i, 0xff, 'x', 0, 0, (uint8_t)(i * 7)}, 8);
        value_lens[i] = 3 + (size_t)(i % 13);
        for (size_t b = 0; b < value_lens[i]; b++) values[i][b] = (uint8_t)((b % 3 == 1) ? 0 : (i * 31 + b));
        stamps[i] = base_ts + i * 1000;
        offsets[i] = -1;
        const uint8_t hval[] = {'h', 0, (uint8_t)i};
        kb_header headers[3] = {
            {"h-bin", hval, sizeof hval},
            {"h-null", NULL, 0},                 /* a header whose value is null */
            {"h-empty", (const uint8_t *)"", 0}, /* a header whose value is empty */
        };
        /* Message 3 has no key, message 4 an empty value, message 5 no value (a tombstone). */
        const uint8_t *key = i == 3 ? NULL : keys[i];
        size_t key_len = i == 3 ? 0 : sizeof keys[i];
        const uint8_t *value = i == 5 ? NULL : i == 4 ? (const uint8_t *)"" : values[i];
        size_t value_len = (i == 4 || i == 5) ? 0 : value_lens[i];
        CHECK_OK(kb_producer_produce(p, topic, i % 2, key, key_len, value, value_len, headers, 3, stamps[i], &ids[i]));
    }
    CHECK_OK(kb_producer_flush(p, WAIT_MS));
    CHECK_EQ_INT(kbt_await_deliveries(p, ids, RT_N, offsets, WAIT_MS), 0);
    CHECK_OK(kb_producer_free(p));

    /* Consume everything back through a group subscription. */
    const char *group = kbt_topic("rt-group");
    kb_consumer *c = new_consumer(group, NULL, NULL, NULL, NULL);
    CHECK(c != NULL);
    CHECK_OK(kb_consumer_subscribe(c, &topic, 1));
    int seen[RT_N] = {0};
    int got = 0;
    long long deadline = kbt_now_ms() + WAIT_MS;
    while (got < RT_N && kbt_now_ms() < deadline) {
        kb_message_batch *batch = NULL;
        const kb_message_view *views = NULL;
        CHECK_OK(kb_consumer_poll_batch(c, 500, RT_N, &batch));
        CHECK_OK(kb_message_batch_views(batch, &views));
        for (size_t j = 0; j < kb_message_batch_count(batch); j++) {
            const kb_message_view *v = &views[j];
            if (v->err) FAIL("consumer error %d: %s", v->err, v->error_text ? v->error_text : "");
            /* Which produced message is this? The one delivered to this partition and offset. */
            int i = 0;
            while (i < RT_N && !(i % 2 == v->partition && offsets[i] == v->offset)) i++;
            if (i == RT_N) FAIL("unexpected message at partition %d offset %lld", v->partition, (long long)v->offset);
            CHECK(seen[i]++ == 0);
            got++;
            CHECK(strcmp(v->topic, topic) == 0);
            if (i == 3) CHECK(v->key == NULL && v->key_len == 0);
            else CHECK(v->key != NULL && v->key_len == sizeof keys[i] && memcmp(v->key, keys[i], sizeof keys[i]) == 0);
            if (i == 5) CHECK(v->value == NULL && v->value_len == 0);
            else if (i == 4) CHECK(v->value != NULL && v->value_len == 0);
            else CHECK(v->value != NULL && v->value_len == value_lens[i] && memcmp(v->value, values[i], value_lens[i]) == 0);
            CHECK_EQ_INT(v->timestamp_ms, stamps[i]);
            CHECK_EQ_INT(v->timestamp_type, 1); /* create time */
            CHECK_EQ_INT(v->header_count, 3);
            const uint8_t hval[] = {'h', 0, (uint8_t)i};
            CHECK(strcmp(v->headers[0].name, "h-bin") == 0);
            CHECK(v->headers[0].value_len == 3 && memcmp(v->headers[0].value, hval, 3) == 0);
            CHECK(strcmp(v->headers[1].name, "h-null") == 0);
            CHECK(v->headers[1].value == NULL && v->headers[1].value_len == 0);
            CHECK(strcmp(v->headers[2].name, "h-empty") == 0);
            CHECK(v->headers[2].value != NULL && v->headers[2].value_len == 0);
        }
        CHECK_OK(kb_message_batch_free(batch));
    }
    CHECK_EQ_INT(got, RT_N);
    CHECK_OK(kb_consumer_close(c));
    CHECK_OK(kb_consumer_free(c));
}

/* ---------------------------------------------------------------- 2. group splits partitions */

/* Two consumers of one group share a 4-partition topic: each owns some, together all, none
 * twice, as both kb_consumer_assignment() and the rebalance events say. When one closes, the
 * other is rebalanced to all four. */
static void group_splits_partitions_and_rebalances_on_close(void) {
    const char *topic = kbt_topic("split");
    const char *group = kbt_topic("split-group");
    CHECK_OK(kbt_create_topic(topic, 4));
    kb_consumer *a = new_consumer(group, NULL, NULL, NULL, NULL);
    kb_consumer *b = new_consumer(group, NULL, NULL, NULL, NULL);
    CHECK(a && b);
    CHECK_OK(kb_consumer_subscribe(a, &topic, 1));
    CHECK_OK(kb_consumer_subscribe(b, &topic, 1));

    kb_partition_list *sub = NULL;
    CHECK_OK(kb_consumer_subscription(a, &sub));
    CHECK_EQ_INT(kb_partition_list_count(sub), 1);
    CHECK(list_offset(sub, topic, -1, 12345) != 12345); /* partition -1 stands for the whole topic */
    CHECK_OK(kb_partition_list_free(sub));

    /* The group settles while both are polled. */
    rebalance_log la = {0}, lb = {0};
    int ma = 0, mb = 0;
    long long deadline = kbt_now_ms() + WAIT_MS;
    while (kbt_now_ms() < deadline) {
        CHECK_OK(poll_once(a, 100));
        CHECK_OK(poll_once(b, 100));
        drain_rebalances(a, topic, &la);
        drain_rebalances(b, topic, &lb);
        ma = assignment_mask(a, topic);
        mb = assignment_mask(b, topic);
        if (ma > 0 && mb > 0 && (ma | mb) == 0xf && (ma & mb) == 0 && la.mask == ma && lb.mask == mb) break;
    }
    if (!(ma > 0 && mb > 0)) FAIL("assignments a=%#x b=%#x: each consumer should own some partitions", ma, mb);
    CHECK_EQ_INT(ma | mb, 0xf);
    CHECK_EQ_INT(ma & mb, 0);
    CHECK(la.assigns >= 1 && lb.assigns >= 1);
    CHECK_EQ_INT(la.bad + lb.bad, 0);
    CHECK_EQ_INT(la.mask, ma); /* the events tell the same story as kb_consumer_assignment() */
    CHECK_EQ_INT(lb.mask, mb);

    /* b leaves: a ends up with all four. */
    CHECK_OK(kb_consumer_close(b));
    drain_rebalances(b, topic, &lb); /* close revokes b's partitions */
    CHECK_EQ_INT(lb.mask, 0);
    int assigns_before = la.assigns;
    deadline = kbt_now_ms() + WAIT_MS;
    while (kbt_now_ms() < deadline) {
        CHECK_OK(poll_once(a, 100));
        drain_rebalances(a, topic, &la);
        ma = assignment_mask(a, topic);
        if (ma == 0xf && la.mask == 0xf) break;
    }
    CHECK_EQ_INT(ma, 0xf);
    CHECK_EQ_INT(la.mask, 0xf);
    CHECK(la.assigns > assigns_before);
    CHECK_EQ_INT(la.bad, 0);

    CHECK_OK(kb_consumer_close(a));
    CHECK_OK(kb_consumer_free(a));
    CHECK_OK(kb_consumer_free(b));
}

/* ---------------------------------------------------------------- 3. commits */

/* Waits (polling the consumer, which serves commit callbacks) for a successful KB_EVENT_COMMIT
 * that names (topic, 0) at `offset`. Returns 1 if seen. */
static int await_commit_event(kb_consumer *c, const char *topic, int64_t offset) {
    long long deadline = kbt_now_ms() + WAIT_MS;
    while (kbt_now_ms() < deadline) {
        if (poll_once(c, 100) != 0) return 0;
        kb_event *ev = NULL;
        while (kb_consumer_poll_event(c, 0, &ev) == 0 && ev) {
            kb_event_view v;
            int match = 0;
            if (kb_event_get_view(ev, &v) == 0 && v.kind == KB_EVENT_COMMIT) {
                if (v.err != 0) fprintf(stderr, "  commit event err %d %s\n", v.err, v.text ? v.text : "");
                for (size_t i = 0; i < v.partition_count; i++)
                    if (v.err == 0 && strcmp(v.partitions[i].topic, topic) == 0 && v.partitions[i].partition == 0 &&
                        v.partitions[i].offset == offset)
                        match = 1;
            }
            kb_event_free(ev);
            if (match) return 1;
        }
    }
    return 0;
}

/* Offsets committed with kb_consumer_commit(NULL, 0) (the position), kb_consumer_commit_message()
 * and an explicit async commit show in kb_consumer_committed(), the async one as a KB_EVENT_COMMIT;
 * a new consumer of the group resumes right after the last commit. */
static void commits_survive_a_restart(void) {
    const char *topic = kbt_topic("commit");
    const char *group = kbt_topic("commit-group");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_producer *p = new_producer();
    CHECK(p != NULL);
    CHECK_EQ_INT(produce_values(p, topic, 0, "m", 0, 10), 0);
    CHECK_OK(kb_producer_free(p));

    kb_consumer *c = new_consumer(group, NULL, NULL, NULL, NULL);
    CHECK(c != NULL);
    CHECK_OK(kb_consumer_subscribe(c, &topic, 1));
    kbt_msg got[10];
    CHECK_EQ_INT(kbt_consume(c, got, 4, WAIT_MS), 4);
    for (int i = 0; i < 4; i++) CHECK_EQ_INT(got[i].offset, i);

    /* Sync commit of the current position: offset 4, the next one to read. */
    CHECK_OK(kb_consumer_commit(c, NULL, 0, 0));
    kb_partition_list *committed = NULL;
    CHECK_OK(kb_consumer_committed(c, NULL, 0, WAIT_MS, &committed)); /* NULL/0: the assignment */
    CHECK_EQ_INT(list_offset(committed, topic, 0, -9), 4);
    CHECK_OK(kb_partition_list_free(committed));

    /* Commit one message: its offset + 1. */
    kb_message *m = NULL;
    long long deadline = kbt_now_ms() + WAIT_MS;
    while (!m && kbt_now_ms() < deadline) CHECK_OK(kb_consumer_poll(c, 100, &m));
    CHECK(m != NULL);
    kb_message_view mv;
    CHECK_OK(kb_message_get_view(m, &mv));
    CHECK_EQ_INT(mv.err, 0);
    CHECK_EQ_INT(mv.offset, 4);
    CHECK_OK(kb_consumer_commit_message(c, m, 0));
    CHECK_OK(kb_message_free(m));
    kb_topic_partition tp = {topic, 0, 0, NULL, 0, 0};
    CHECK_OK(kb_consumer_committed(c, &tp, 1, WAIT_MS, &committed));
    CHECK_EQ_INT(list_offset(committed, topic, 0, -9), 5);
    CHECK_OK(kb_partition_list_free(committed));

    /* Async commit of an explicit offset: returns at once, lands shortly after (polled). */
    kb_topic_partition six = {topic, 0, 6, NULL, 0, 0};
    CHECK_OK(kb_consumer_commit(c, &six, 1, 1));
    int64_t now_committed = -9;
    deadline = kbt_now_ms() + WAIT_MS;
    while (now_committed != 6 && kbt_now_ms() < deadline) {
        CHECK_OK(poll_once(c, 100));
        CHECK_OK(kb_consumer_committed(c, &tp, 1, WAIT_MS, &committed));
        now_committed = list_offset(committed, topic, 0, -9);
        CHECK_OK(kb_partition_list_free(committed));
    }
    CHECK_EQ_INT(now_committed, 6);

    CHECK_OK(kb_consumer_close(c));
    CHECK_ERR(kb_consumer_commit(c, NULL, 0, 0), KB_ERR_INVALID_STATE); /* closed */
    CHECK_OK(kb_consumer_free(c));

    /* A new member of the group resumes exactly at the committed offset. */
    kb_consumer *c2 = new_consumer(group, NULL, NULL, NULL, NULL);
    CHECK(c2 != NULL);
    CHECK_OK(kb_consumer_subscribe(c2, &topic, 1));
    CHECK_ERR(kb_consumer_commit(c2, NULL, 0, 0), -168); /* __NO_OFFSET: nothing consumed yet */
    CHECK_EQ_INT(kbt_consume(c2, got, 4, WAIT_MS), 4);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(got[i].offset, 6 + i);
        char want[16];
        snprintf(want, sizeof want, "m-%d", 6 + i);
        CHECK(strcmp(got[i].value, want) == 0);
    }
    CHECK_OK(kb_consumer_free(c2)); /* free closes too */
}

/* An async commit's result arrives as a KB_EVENT_COMMIT event (err 0, the committed offsets),
 * both for the position (NULL/0) and for explicit offsets. */
static void async_commit_result_arrives_as_event(void) {
    const char *topic = kbt_topic("asynccommit");
    const char *group = kbt_topic("asynccommit-group");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_producer *p = new_producer();
    CHECK(p != NULL);
    /* Exactly 2 messages: an async commit of the position resolves the offsets when librdkafka
     * processes it, so a message polled meanwhile would move it. */
    CHECK_EQ_INT(produce_values(p, topic, 0, "a", 0, 2), 0);
    CHECK_OK(kb_producer_free(p));

    kb_consumer *c = new_consumer(group, NULL, NULL, NULL, NULL);
    CHECK(c != NULL);
    CHECK_OK(kb_consumer_subscribe(c, &topic, 1));
    kbt_msg got[2];
    CHECK_EQ_INT(kbt_consume(c, got, 2, WAIT_MS), 2);
    CHECK_OK(kb_consumer_commit(c, NULL, 0, 1)); /* the position: offset 2 */
    CHECK(await_commit_event(c, topic, 2));
    kb_topic_partition three = {topic, 0, 3, NULL, 0, 0};
    CHECK_OK(kb_consumer_commit(c, &three, 1, 1));
    CHECK(await_commit_event(c, topic, 3));
    CHECK_OK(kb_consumer_free(c));
}

/* ---------------------------------------------------------------- 4. manual assignment */

/* Polls for up to `window_ms` and counts the messages of `partition` that arrive. */
static int count_arrivals(kb_consumer *c, int32_t partition, int window_ms) {
    int n = 0;
    long long deadline = kbt_now_ms() + window_ms;
    while (kbt_now_ms() < deadline) {
        kb_message *m = NULL;
        if (kb_consumer_poll(c, 100, &m) != 0) return -1;
        kb_message_view v;
        if (m && kb_message_get_view(m, &v) == 0 && v.err == 0 && v.partition == partition) n++;
        kb_message_free(m);
    }
    return n;
}

/* Without group.id: assign from the beginning, position, seek, pause/resume, incremental
 * assign/unassign; subscribe and commit are refused with KB_ERR_INVALID_STATE. */
static void manual_assignment_seek_position_pause(void) {
    const char *topic = kbt_topic("manual");
    CHECK_OK(kbt_create_topic(topic, 2));
    kb_producer *p = new_producer();
    CHECK(p != NULL);
    CHECK_EQ_INT(produce_values(p, topic, 0, "p0", 0, 5), 0);
    CHECK_EQ_INT(produce_values(p, topic, 1, "p1", 0, 5), 0);

    kb_consumer *c = new_consumer(NULL, NULL, NULL, NULL, NULL);
    CHECK(c != NULL);
    CHECK_ERR(kb_consumer_subscribe(c, &topic, 1), KB_ERR_INVALID_STATE);
    CHECK(strstr(kbt_last_error(), "group.id") != NULL);

    kb_topic_partition p0 = {topic, 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
    kb_topic_partition p1 = {topic, 1, KB_OFFSET_BEGINNING, NULL, 0, 0};
    CHECK_OK(kb_consumer_assign(c, &p0, 1));
    CHECK_EQ_INT(assignment_mask(c, topic), 0x1);
    kbt_msg got[8];
    CHECK_EQ_INT(kbt_consume(c, got, 5, WAIT_MS), 5);
    for (int i = 0; i < 5; i++) {
        CHECK_EQ_INT(got[i].partition, 0);
        CHECK_EQ_INT(got[i].offset, i);
    }
    kb_partition_list *pos = NULL;
    CHECK_OK(kb_consumer_position(c, &pos));
    CHECK_EQ_INT(list_offset(pos, topic, 0, -9), 5);
    CHECK_OK(kb_partition_list_free(pos));

    /* Commits need a group. */
    CHECK_ERR(kb_consumer_commit(c, NULL, 0, 0), KB_ERR_INVALID_STATE);
    kb_topic_partition at3 = {topic, 0, 3, NULL, 0, 0};
    CHECK_ERR(kb_consumer_commit(c, &at3, 1, 0), KB_ERR_INVALID_STATE);

    /* Seek back: the next message is the one at that offset. */
    CHECK_OK(kb_consumer_seek(c, topic, 0, 2, WAIT_MS));
    CHECK_EQ_INT(kbt_consume(c, got, 1, WAIT_MS), 1);
    CHECK_EQ_INT(got[0].offset, 2);
    CHECK(strcmp(got[0].value, "p0-2") == 0);
    CHECK_OK(kb_consumer_position(c, &pos));
    CHECK_EQ_INT(list_offset(pos, topic, 0, -9), 3);
    CHECK_OK(kb_partition_list_free(pos));

    /* Paused: nothing of partition 0 arrives, though offsets 3..4 are left and 5..7 are new. */
    CHECK_OK(kb_consumer_pause(c, &p0, 1));
    CHECK_EQ_INT(produce_values(p, topic, 0, "p0", 5, 3), 0);
    CHECK_EQ_INT(count_arrivals(c, 0, 3000), 0);
    /* Resumed: they all arrive, in order, from where consumption stopped. */
    CHECK_OK(kb_consumer_resume(c, &p0, 1));
    CHECK_EQ_INT(kbt_consume(c, got, 5, WAIT_MS), 5);
    for (int i = 0; i < 5; i++) CHECK_EQ_INT(got[i].offset, 3 + i);

    /* Incremental assign adds partition 1 next to 0 ... */
    CHECK_OK(kb_consumer_incremental_assign(c, &p1, 1));
    CHECK_EQ_INT(assignment_mask(c, topic), 0x3);
    CHECK_EQ_INT(kbt_consume(c, got, 5, WAIT_MS), 5);
    for (int i = 0; i < 5; i++) {
        CHECK_EQ_INT(got[i].partition, 1);
        CHECK_EQ_INT(got[i].offset, i);
    }
    /* ... and incremental unassign removes it again: new messages there are not fetched. */
    CHECK_OK(kb_consumer_incremental_unassign(c, &p1, 1));
    CHECK_EQ_INT(assignment_mask(c, topic), 0x1);
    CHECK_EQ_INT(produce_values(p, topic, 1, "p1", 5, 2), 0);
    CHECK_EQ_INT(count_arrivals(c, 1, 2000), 0);

    /* NULL/0 unassigns everything. */
    CHECK_OK(kb_consumer_assign(c, NULL, 0));
    CHECK_EQ_INT(assignment_mask(c, topic), 0);

    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_consumer_free(c));
}

/* Seeking a partition that is not assigned fails with the documented RD_KAFKA_RESP_ERR__STATE
 * (-172), not a generic failure, so callers can tell it from other errors. */
static void seek_unassigned_partition_is_state_error(void) {
    const char *topic = kbt_topic("seekstate");
    CHECK_OK(kbt_create_topic(topic, 2));
    kb_consumer *c = new_consumer(NULL, NULL, NULL, NULL, NULL);
    CHECK(c != NULL);
    kb_topic_partition p0 = {topic, 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
    CHECK_OK(kb_consumer_assign(c, &p0, 1));
    CHECK_OK(poll_once(c, 100));
    kb_err e = kb_consumer_seek(c, topic, 1, 0, 5000); /* partition 1 is not assigned */
    char text[512];
    snprintf(text, sizeof text, "%s", kbt_last_error());
    CHECK_OK(kb_consumer_free(c));
    if (e != -172) FAIL("seek of an unassigned partition returned %d %s (\"%s\"), expected -172 _STATE", e, kb_err_name(e), text);
}

/* ---------------------------------------------------------------- 5. partition EOF */

/* Reads `topic` partition 0 from the start with enable.partition.eof=true; returns the first
 * error message after `want` ordinary messages (NULL if none came), checking the ordinary ones. */
static kb_message *read_to_eof(const char *topic, int want, kb_consumer **out) {
    kb_consumer *c = new_consumer(NULL, "enable.partition.eof", "true", NULL, NULL);
    *out = c;
    kb_topic_partition p0 = {topic, 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
    if (!c || kb_consumer_assign(c, &p0, 1) != 0) return NULL;
    int seen = 0;
    long long deadline = kbt_now_ms() + WAIT_MS;
    while (kbt_now_ms() < deadline) {
        kb_message *m = NULL;
        kb_message_view v;
        if (kb_consumer_poll(c, 100, &m) != 0) return NULL;
        if (!m) continue;
        if (kb_message_get_view(m, &v) == 0 && v.err != 0) {
            if (seen != want) fprintf(stderr, "  error %d after %d of %d messages\n", v.err, seen, want);
            return m;
        }
        if (v.offset != seen) fprintf(stderr, "  message at offset %lld, expected %d\n", (long long)v.offset, seen);
        seen++;
        kb_message_free(m);
    }
    return NULL;
}

static void partition_eof_is_reported(void) {
    const char *topic = kbt_topic("eof");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_producer *p = new_producer();
    CHECK(p != NULL);
    CHECK_EQ_INT(produce_values(p, topic, 0, "e", 0, 2), 0);
    CHECK_OK(kb_producer_free(p));

    kb_consumer *c = NULL;
    kb_message *m = read_to_eof(topic, 2, &c);
    CHECK(m != NULL);
    kb_message_view v;
    CHECK_OK(kb_message_get_view(m, &v));
    CHECK_EQ_INT(v.err, -191); /* RD_KAFKA_RESP_ERR__PARTITION_EOF */
    CHECK_EQ_INT(v.partition, 0);
    CHECK(v.error_text != NULL && strlen(v.error_text) > 0);
    CHECK_OK(kb_message_free(m));
    /* The EOF is that entry only, not also an error event (librdkafka's consumer calls do not
     * send it to the error callback either). The events were queued before the entry. */
    kb_event *ev = NULL;
    while (kb_consumer_poll_event(c, 0, &ev) == 0 && ev) {
        kb_event_view e;
        CHECK_OK(kb_event_get_view(ev, &e));
        CHECK(!(e.kind == KB_EVENT_ERROR && e.err == -191));
        kb_event_free(ev);
    }
    CHECK_OK(kb_consumer_free(c));
}

/* The EOF message says which topic reached its end and at which offset: librdkafka knows both
 * (the header promises "the other fields filled where known"), and without the topic a consumer
 * of several topics cannot tell which one is at its end. */
static void partition_eof_names_topic_and_offset(void) {
    const char *topic = kbt_topic("eof2");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_producer *p = new_producer();
    CHECK(p != NULL);
    CHECK_EQ_INT(produce_values(p, topic, 0, "e", 0, 2), 0);
    CHECK_OK(kb_producer_free(p));

    kb_consumer *c = NULL;
    kb_message *m = read_to_eof(topic, 2, &c);
    CHECK(m != NULL);
    kb_message_view v;
    CHECK_OK(kb_message_get_view(m, &v));
    CHECK_EQ_INT(v.err, -191);
    /* The end offset is where the next message will be written: 2. */
    int ok = v.topic && strcmp(v.topic, topic) == 0 && v.offset == 2;
    char seen[300];
    snprintf(seen, sizeof seen, "topic \"%s\" offset %lld", v.topic ? v.topic : "(null)", (long long)v.offset);
    CHECK_OK(kb_message_free(m));
    CHECK_OK(kb_consumer_free(c));
    if (!ok) FAIL("EOF message has %s, expected topic \"%s\" offset 2", seen, topic);
}

/* Two one-partition topics holding 3 and 1 messages, both assigned at `from` (the beginning or
 * the end) to one consumer with enable.partition.eof: each EOF comes once, after all of its
 * topic's messages that were read, and names its own topic and end offset (the same partition
 * number in both, so the assignment alone cannot tell). */
static void eofs_name_their_topics(const char *topics[2], int64_t from) {
    const int counts[2] = {3, 1};
    kb_producer *p = new_producer();
    CHECK(p != NULL);
    for (int t = 0; t < 2; t++) {
        CHECK_OK(kbt_create_topic(topics[t], 1));
        CHECK_EQ_INT(produce_values(p, topics[t], 0, "e", 0, counts[t]), 0);
    }
    CHECK_OK(kb_producer_free(p));

    kb_consumer *c = new_consumer(NULL, "enable.partition.eof", "true", NULL, NULL);
    CHECK(c != NULL);
    kb_topic_partition parts[2] = {{topics[0], 0, from, NULL, 0, 0}, {topics[1], 0, from, NULL, 0, 0}};
    CHECK_OK(kb_consumer_assign(c, parts, 2));
    int read[2] = {0, 0}, eof[2] = {0, 0};
    long long deadline = kbt_now_ms() + WAIT_MS;
    while (!(eof[0] && eof[1]) && kbt_now_ms() < deadline) {
        kb_message *m = NULL;
        kb_message_view v;
        CHECK_OK(kb_consumer_poll(c, 100, &m));
        if (!m) continue;
        CHECK_OK(kb_message_get_view(m, &v));
        int t = v.topic && strcmp(v.topic, topics[0]) == 0 ? 0 : v.topic && strcmp(v.topic, topics[1]) == 0 ? 1 : -1;
        if (t < 0) FAIL("entry err %d without one of the topics (topic \"%s\")", v.err, v.topic ? v.topic : "(null)");
        if (v.err == 0) {
            read[t]++;
        } else {
            CHECK_EQ_INT(v.err, -191);
            CHECK_EQ_INT(read[t], from == KB_OFFSET_END ? 0 : counts[t]); /* after all its messages */
            CHECK_EQ_INT(v.offset, counts[t]);
            eof[t]++;
        }
        kb_message_free(m);
    }
    CHECK(eof[0] == 1 && eof[1] == 1);
    CHECK_OK(kb_consumer_free(c));
}

static void partition_eof_names_the_topic_among_several(void) {
    const char *topics[2] = {kbt_topic("eofa"), kbt_topic("eofb")};
    eofs_name_their_topics(topics, KB_OFFSET_BEGINNING);
}

/* Assigned at the end nothing is read, so no position tells the two apart. */
static void partition_eof_at_the_end_names_topic_and_offset(void) {
    const char *topics[2] = {kbt_topic("eofc"), kbt_topic("eofd")};
    eofs_name_their_topics(topics, KB_OFFSET_END);
}

/* ---------------------------------------------------------------- 6. bounded close */

static void *close_in_thread(void *arg) {
    static kb_err result;
    result = kb_consumer_close((kb_consumer *)arg);
    return &result;
}

/* With the broker unreachable, kb_consumer_close() returns (within bridge.close.timeout.ms, not
 * asserted: a watchdog far above it only catches a hang), with 0 or __TIMED_OUT. */
static void close_is_bounded_when_broker_unreachable(void) {
    kb_config *conf = kbt_config("bootstrap.servers", "127.0.0.1:1", "group.id", kbt_topic("unreachable-group"),
                                 "bridge.close.timeout.ms", "2000", NULL);
    CHECK(conf != NULL);
    kb_consumer *c = NULL;
    CHECK_OK(kb_consumer_new(conf, &c));
    CHECK_OK(kb_config_free(conf));
    const char *topic = kbt_topic("nowhere");
    CHECK_OK(kb_consumer_subscribe(c, &topic, 1));
    for (int i = 0; i < 5; i++) CHECK_OK(poll_once(c, 100));

    pthread_t t;
    CHECK(pthread_create(&t, NULL, close_in_thread, c) == 0);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 60;
    void *ret = NULL;
    if (pthread_timedjoin_np(t, &ret, &until) != 0) FAIL("kb_consumer_close did not return within 60 s (bound 2 s)");
    kb_err e = *(kb_err *)ret;
    if (e != 0 && e != -185) FAIL("kb_consumer_close returned %d %s", e, kb_err_name(e));
    kb_message *m = NULL;
    CHECK_ERR(kb_consumer_poll(c, 0, &m), KB_ERR_INVALID_STATE); /* closed */
    CHECK_OK(kb_consumer_close(c));                              /* a second close is a no-op */
    CHECK_OK(kb_consumer_free(c));
}

TEST_MAIN_BEGIN
    RUN(group_round_trip_is_byte_exact);
    RUN(group_splits_partitions_and_rebalances_on_close);
    RUN(commits_survive_a_restart);
    RUN(async_commit_result_arrives_as_event);
    RUN(manual_assignment_seek_position_pause);
    RUN(seek_unassigned_partition_is_state_error);
    RUN(partition_eof_is_reported);
    RUN(partition_eof_names_topic_and_offset);
    RUN(partition_eof_names_the_topic_among_several);
    RUN(partition_eof_at_the_end_names_topic_and_offset);
    RUN(close_is_bounded_when_broker_unreachable);
TEST_MAIN_END
