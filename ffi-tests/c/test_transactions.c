/* Transactions against the real broker: committed messages are visible to read_committed
 * consumers, aborted ones never are; transactional calls out of order fail clearly; and
 * consume-transform-produce commits the consumer group's offsets inside the transaction. */
#include <stdint.h>
#include "kbtest.h"

#define WAIT_MS 30000

/* ---------------------------------------------------------------- helpers */

/* A producer with transactional.id `txn_id` (NULL: not transactional). */
static kb_producer *new_producer(const char *txn_id) {
    kb_config *conf = kbt_config(NULL);
    kb_producer *p = NULL;
    if (!conf) return NULL;
    if ((txn_id && kb_config_set(conf, "transactional.id", txn_id) != 0) || kb_producer_new(conf, &p) != 0)
        fprintf(stderr, "  producer: %s\n", kbt_last_error());
    kb_config_free(conf);
    return p;
}

/* A consumer reading from the start with the given isolation level; with `group` it joins that
 * group (no auto commit), without it only manual assignment is used. */
static kb_consumer *new_consumer(const char *group, const char *isolation) {
    kb_config *conf = kbt_config("auto.offset.reset", "earliest", "enable.auto.commit", "false", "isolation.level", isolation, NULL);
    kb_consumer *c = NULL;
    if (!conf) return NULL;
    if ((group && kb_config_set(conf, "group.id", group) != 0) || kb_consumer_new(conf, &c) != 0)
        fprintf(stderr, "  consumer: %s\n", kbt_last_error());
    kb_config_free(conf);
    return c;
}

/* Produces values "<prefix>-<i>" for i in [0, n) to partition 0; stores the ids. */
static int produce_values(kb_producer *p, const char *topic, const char *prefix, int n, uint64_t *ids) {
    for (int i = 0; i < n; i++) {
        char value[64];
        int len = snprintf(value, sizeof value, "%s-%d", prefix, i);
        if (kb_producer_produce(p, topic, 0, NULL, 0, (const uint8_t *)value, (size_t)len, NULL, 0, 0, &ids[i]) != 0) {
            fprintf(stderr, "  produce %s: %s\n", value, kbt_last_error());
            return -1;
        }
    }
    return 0;
}

/* Reads partition 0 of `topic` from the start with a fresh manually assigned consumer of the
 * given isolation level until the message "marker" arrives; stores up to `cap` values before it
 * in out[] and returns their count, or -1 if the marker never came. */
static int read_until_marker(const char *topic, const char *isolation, kbt_msg *out, int cap) {
    kb_consumer *c = new_consumer(NULL, isolation);
    kb_topic_partition p0 = {topic, 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
    if (!c || kb_consumer_assign(c, &p0, 1) != 0) {
        kb_consumer_free(c);
        return -1;
    }
    int n = 0;
    long long deadline = kbt_now_ms() + WAIT_MS;
    while (kbt_now_ms() < deadline) {
        kbt_msg m;
        if (kbt_consume(c, &m, 1, 500) != 1) continue;
        if (strcmp(m.value, "marker") == 0) {
            kb_consumer_free(c);
            return n;
        }
        if (n < cap) out[n++] = m;
    }
    kb_consumer_free(c);
    return -1;
}

/* ---------------------------------------------------------------- 9. commit and abort */

/* Committed messages reach read_committed consumers; messages of an aborted transaction do not,
 * although they were written (a read_uncommitted consumer sees them). */
static void committed_visible_aborted_never(void) {
    const char *topic = kbt_topic("txn");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_producer *p = new_producer(kbt_topic("txn-id"));
    CHECK(p != NULL);
    CHECK_OK(kb_producer_init_transactions(p, WAIT_MS));

    /* Transaction 1: committed. */
    uint64_t ids[3];
    CHECK_OK(kb_producer_begin_transaction(p));
    CHECK_EQ_INT(produce_values(p, topic, "committed", 3, ids), 0);
    CHECK_OK(kb_producer_commit_transaction(p, WAIT_MS));
    CHECK_EQ_INT(kbt_await_deliveries(p, ids, 3, NULL, WAIT_MS), 0);

    /* Transaction 2: written to the log (flushed, delivered), then aborted. */
    CHECK_OK(kb_producer_begin_transaction(p));
    CHECK_EQ_INT(produce_values(p, topic, "aborted", 3, ids), 0);
    CHECK_OK(kb_producer_flush(p, WAIT_MS));
    CHECK_EQ_INT(kbt_await_deliveries(p, ids, 3, NULL, WAIT_MS), 0);
    CHECK_OK(kb_producer_abort_transaction(p, WAIT_MS));
    CHECK_ERR(kb_producer_commit_transaction(p, WAIT_MS), -172); /* __STATE: no transaction open */

    /* Transaction 3: a committed marker after the aborted batch. */
    CHECK_OK(kb_producer_begin_transaction(p));
    CHECK_OK(kb_producer_produce(p, topic, 0, NULL, 0, (const uint8_t *)"marker", 6, NULL, 0, 0, &ids[0]));
    CHECK_OK(kb_producer_commit_transaction(p, WAIT_MS));
    CHECK_EQ_INT(kbt_await_deliveries(p, ids, 1, NULL, WAIT_MS), 0);
    CHECK_OK(kb_producer_free(p));

    /* read_committed: the committed three, then the marker; nothing aborted. */
    kbt_msg got[16];
    int n = read_until_marker(topic, "read_committed", got, 16);
    CHECK_EQ_INT(n, 3);
    for (int i = 0; i < n; i++) {
        char want[32];
        snprintf(want, sizeof want, "committed-%d", i);
        if (strcmp(got[i].value, want) != 0) FAIL("read_committed message %d is \"%s\", expected \"%s\"", i, got[i].value, want);
    }

    /* read_uncommitted sees the aborted ones too: they really were in the log. */
    n = read_until_marker(topic, "read_uncommitted", got, 16);
    CHECK_EQ_INT(n, 6);
    CHECK(strcmp(got[3].value, "aborted-0") == 0 && strcmp(got[5].value, "aborted-2") == 0);
}

/* A message the broker refuses inside a transaction makes the transaction abortable: the commit
 * fails with librdkafka's txn-requires-abort flag (read from its rd_kafka_error_t, not guessed
 * from the code), and the abort then succeeds. */
static void failed_message_requires_abort(void) {
    const char *topic = kbt_topic("txn-abortable");
    const char *names[] = {"max.message.bytes"};
    const char *values[] = {"1000"};
    CHECK_OK(kbt_create_topic_with(topic, 1, names, values, 1));
    kb_producer *p = new_producer(kbt_topic("txn-abortable-id"));
    CHECK(p != NULL);
    CHECK_OK(kb_producer_init_transactions(p, WAIT_MS));

    static uint8_t big[5000];
    memset(big, 'x', sizeof big);
    uint64_t id;
    CHECK_OK(kb_producer_begin_transaction(p));
    CHECK_OK(kb_producer_produce(p, topic, 0, NULL, 0, big, sizeof big, NULL, 0, 0, &id)); /* over the topic's limit */
    kb_err e = kb_producer_commit_transaction(p, WAIT_MS);
    CHECK(e != 0);
    uint32_t flags = kb_last_error_flags();
    if (!(flags & KB_ERROR_FLAG_TXN_REQUIRES_ABORT) || (flags & KB_ERROR_FLAG_FATAL))
        FAIL("commit failed with %d %s (%s), flags %u: expected txn-requires-abort, not fatal", e, kb_err_name(e), kbt_last_error(), flags);
    CHECK_OK(kb_producer_abort_transaction(p, WAIT_MS));
    CHECK_OK(kb_producer_free(p));
}

/* Transactional calls out of order fail with librdkafka's clear errors. */
static void transaction_calls_out_of_order_fail(void) {
    /* Transactional, but not initialised. */
    kb_producer *p = new_producer(kbt_topic("txn-noinit"));
    CHECK(p != NULL);
    CHECK_ERR(kb_producer_begin_transaction(p), -172); /* __STATE */
    CHECK(strlen(kbt_last_error()) > 0);
    CHECK_EQ_INT(kb_last_error_flags(), 0); /* librdkafka's flags: neither retriable nor fatal */
    CHECK_ERR(kb_producer_commit_transaction(p, 1000), -172);
    CHECK_OK(kb_producer_free(p));

    /* Not transactional at all. */
    p = new_producer(NULL);
    CHECK(p != NULL);
    CHECK_ERR(kb_producer_init_transactions(p, 1000), -145); /* __NOT_CONFIGURED */
    CHECK(strstr(kbt_last_error(), "transactional.id") != NULL);
    CHECK(kb_producer_begin_transaction(p) != 0);
    CHECK_ERR(kb_producer_init_transactions(p, -1), KB_ERR_INVALID_ARGUMENT);
    CHECK_OK(kb_producer_free(p));
}

/* ---------------------------------------------------------------- 10. send offsets */

/* Consume-transform-produce: the group's input offsets are committed by the transaction that
 * writes the output, and only if it commits. */
static void send_offsets_commits_group_offsets(void) {
    const char *in = kbt_topic("ctp-in");
    const char *out = kbt_topic("ctp-out");
    const char *group = kbt_topic("ctp-group");
    CHECK_OK(kbt_create_topic(in, 1));
    CHECK_OK(kbt_create_topic(out, 1));

    /* Input: 5 plain messages. */
    kb_producer *plain = new_producer(NULL);
    CHECK(plain != NULL);
    uint64_t ids[5];
    CHECK_EQ_INT(produce_values(plain, in, "in", 5, ids), 0);
    CHECK_OK(kb_producer_flush(plain, WAIT_MS));
    CHECK_EQ_INT(kbt_await_deliveries(plain, ids, 5, NULL, WAIT_MS), 0);
    CHECK_OK(kb_producer_free(plain));

    kb_consumer *c = new_consumer(group, "read_committed");
    CHECK(c != NULL);
    CHECK_OK(kb_consumer_subscribe(c, &in, 1));
    kb_producer *p = new_producer(kbt_topic("ctp-id"));
    CHECK(p != NULL);
    CHECK_OK(kb_producer_init_transactions(p, WAIT_MS));

    /* Round 1 (committed): read 3, write 3 transformed, commit offset 3 within the transaction. */
    kbt_msg got[5];
    CHECK_EQ_INT(kbt_consume(c, got, 3, WAIT_MS), 3);
    CHECK_OK(kb_producer_begin_transaction(p));
    for (int i = 0; i < 3; i++) {
        char value[160];
        int len = snprintf(value, sizeof value, "out(%s)", got[i].value);
        CHECK_OK(kb_producer_produce(p, out, 0, NULL, 0, (const uint8_t *)value, (size_t)len, NULL, 0, 0, &ids[i]));
    }
    kb_topic_partition next = {in, 0, got[2].offset + 1, NULL, 0, 0};
    CHECK_EQ_INT(next.offset, 3);
    CHECK_OK(kb_producer_send_offsets_to_transaction(p, c, &next, 1, WAIT_MS));
    CHECK_OK(kb_producer_commit_transaction(p, WAIT_MS));
    CHECK_EQ_INT(kbt_await_deliveries(p, ids, 3, NULL, WAIT_MS), 0);

    kb_topic_partition q = {in, 0, 0, NULL, 0, 0};
    kb_partition_list *committed = NULL;
    const kb_topic_partition *tp = NULL;
    CHECK_OK(kb_consumer_committed(c, &q, 1, WAIT_MS, &committed));
    CHECK_OK(kb_partition_list_entries(committed, &tp));
    CHECK_EQ_INT(kb_partition_list_count(committed), 1);
    CHECK_EQ_INT(tp[0].offset, 3);
    CHECK_OK(kb_partition_list_free(committed));

    /* Round 2 (aborted): read the other 2, send offset 5, abort: the commit stays at 3. */
    CHECK_EQ_INT(kbt_consume(c, got, 2, WAIT_MS), 2);
    CHECK_EQ_INT(got[1].offset, 4);
    CHECK_OK(kb_producer_begin_transaction(p));
    next.offset = 5;
    CHECK_OK(kb_producer_send_offsets_to_transaction(p, c, &next, 1, WAIT_MS));
    CHECK_OK(kb_producer_abort_transaction(p, WAIT_MS));
    CHECK_OK(kb_consumer_committed(c, &q, 1, WAIT_MS, &committed));
    CHECK_OK(kb_partition_list_entries(committed, &tp));
    CHECK_EQ_INT(tp[0].offset, 3);
    CHECK_OK(kb_partition_list_free(committed));

    /* The output holds the transformed messages for read_committed readers. */
    kb_consumer *reader = new_consumer(NULL, "read_committed");
    kb_topic_partition o0 = {out, 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
    CHECK(reader != NULL);
    CHECK_OK(kb_consumer_assign(reader, &o0, 1));
    CHECK_EQ_INT(kbt_consume(reader, got, 3, WAIT_MS), 3);
    for (int i = 0; i < 3; i++) {
        char want[32];
        snprintf(want, sizeof want, "out(in-%d)", i);
        CHECK(strcmp(got[i].value, want) == 0);
    }
    CHECK_OK(kb_consumer_free(reader));
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_consumer_free(c));
}

/* A consumer created without group.id has no group whose offsets a transaction could commit:
 * sending its offsets is refused (KB_ERR_INVALID_STATE, "set group.id"), as subscribe and commit
 * are, rather than committing them for some other group. */
static void send_offsets_needs_a_group_consumer(void) {
    const char *in = kbt_topic("ctp-lone");
    CHECK_OK(kbt_create_topic(in, 1));
    kb_consumer *lone = new_consumer(NULL, "read_committed");
    CHECK(lone != NULL);
    kb_topic_partition p0 = {in, 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
    CHECK_OK(kb_consumer_assign(lone, &p0, 1));
    kb_producer *p = new_producer(kbt_topic("ctp-lone-id"));
    CHECK(p != NULL);
    CHECK_OK(kb_producer_init_transactions(p, WAIT_MS));
    CHECK_OK(kb_producer_begin_transaction(p));
    kb_topic_partition next = {in, 0, 1, NULL, 0, 0};
    kb_err e = kb_producer_send_offsets_to_transaction(p, lone, &next, 1, WAIT_MS);
    CHECK_OK(kb_producer_abort_transaction(p, WAIT_MS)); /* whatever happened, nothing is committed */
    CHECK_OK(kb_producer_free(p));
    CHECK_OK(kb_consumer_free(lone));
    if (e != KB_ERR_INVALID_STATE) FAIL("send_offsets_to_transaction with a group-less consumer returned %d %s, expected KB_ERR_INVALID_STATE", e, kb_err_name(e));
}

TEST_MAIN_BEGIN
    RUN(committed_visible_aborted_never);
    RUN(transaction_calls_out_of_order_fail);
    RUN(failed_message_requires_abort);
    RUN(send_offsets_commits_group_offsets);
    RUN(send_offsets_needs_a_group_consumer);
TEST_MAIN_END
