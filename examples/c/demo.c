/*
 * kafkabridge demo: a producer/consumer round trip through the C API.
 *
 *   - Uses the brokers in KAFKA_BROKERS, or starts librdkafka's embedded mock cluster.
 *   - Opens a persistent producer (bridge.persistent.name=demo), produces keyed messages
 *     fire-and-forget and one synchronously, and drains the delivery reports in batches.
 *   - Frees the handle, opens a second one with the same configuration and shows, with
 *     kb_producer_get_info(), that it reused the same live client (no new connections).
 *   - Reads every message back with a manually assigned consumer.
 *
 * Every call is checked: a failure prints kb_err_name() and kb_last_error() and exits 1.
 * Every wait is bounded by a deadline.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kafkabridge.h"

#define PARTITIONS 3 /* for the topic created on a real broker; the mock auto-creates 4 */
#define ASYNC_MESSAGES 3
#define WAIT_MS 15000 /* upper bound for every wait below */

/* ---- error handling --------------------------------------------------------------------- */

static void die(const char *what, kb_err err) {
    char msg[1024];
    kb_last_error(msg, sizeof msg);
    fprintf(stderr, "\ndemo: %s failed: %d %s: %s\n", what, (int)err, kb_err_name(err), msg);
    exit(1);
}

/* Runs a kafkabridge call and stops the demo with the error's name and message if it fails. */
#define TRY(call)                                                                        \
    do {                                                                                 \
        kb_err try_err_ = (call);                                                        \
        if (try_err_ != KB_OK) die(#call, try_err_);                                    \
    } while (0)

static void fail(const char *fmt, const char *detail) {
    fprintf(stderr, "\ndemo: ");
    fprintf(stderr, fmt, detail);
    fprintf(stderr, "\n");
    exit(1);
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Prints binary data readably: printable ASCII as is, anything else as \xNN. */
static void print_bytes(const uint8_t *p, size_t len) {
    if (!p) {
        printf("(null)");
        return;
    }
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\') putchar(p[i]);
        else printf("\\x%02x", p[i]);
    }
    putchar('"');
}

static void print_info(const char *label, kb_producer *p, kb_producer_info *info) {
    TRY(kb_producer_get_info(p, info));
    printf("  %s: persistent=%d reused=%d client_id=%" PRIu64 " sessions_served=%" PRIu64
           " age=%" PRIu64 "ms in_flight=%" PRId64 " queued_events=%" PRIu64 "\n",
           label, info->persistent, info->reused, info->client_id, info->sessions_served, info->age_ms,
           info->in_flight, info->queued_events);
}

/* Creates the topic on a real broker and waits, bounded, until its metadata shows every
 * partition with a leader. (The mock cluster does not implement CreateTopics; it creates topics
 * on first use instead.) */
static void create_topic(const kb_config *conf, const char *topic) {
    kb_admin *admin = NULL;
    TRY(kb_admin_new(conf, &admin));
    TRY(kb_admin_create_topic(admin, topic, PARTITIONS, 1, NULL, NULL, 0, WAIT_MS));
    int64_t deadline = now_ms() + WAIT_MS;
    for (;;) {
        kb_metadata *md = NULL;
        kb_metadata_view v;
        int ready = 0;
        kb_err err = kb_metadata_fetch(admin, topic, 2000, &md);
        if (err == KB_OK) {
            TRY(kb_metadata_get_view(md, &v));
            if (v.topic_count == 1 && v.topics[0].err == 0 && v.topics[0].partition_count == PARTITIONS) {
                ready = 1;
                for (size_t i = 0; i < v.topics[0].partition_count; i++)
                    if (v.topics[0].partitions[i].leader < 0) ready = 0;
            }
            TRY(kb_metadata_free(md));
        }
        if (ready) break;
        if (now_ms() >= deadline) {
            if (err != KB_OK) die("kb_metadata_fetch (waiting for the new topic)", err);
            fail("topic %s did not get leaders for all its partitions in time", topic);
        }
        struct timespec pause = {0, 100 * 1000 * 1000}; /* re-poll the metadata, bounded above */
        nanosleep(&pause, NULL);
    }
    TRY(kb_admin_free(admin));
}

/* Drains delivery reports until every id in `ids` has one, or the deadline passes. */
static void poll_delivery_reports(kb_producer *p, const uint64_t *ids, size_t count) {
    size_t reported = 0;
    int64_t deadline = now_ms() + WAIT_MS;
    while (reported < count) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            fprintf(stderr, "\ndemo: only %zu of %zu delivery reports arrived within %d ms\n", reported, count, WAIT_MS);
            exit(1);
        }
        kb_event_batch *batch = NULL;
        TRY(kb_producer_poll_batch(p, (int32_t)(left < 500 ? left : 500), 64, &batch));
        const kb_event_view *views = NULL;
        size_t n = kb_event_batch_count(batch);
        if (n > 0) TRY(kb_event_batch_views(batch, &views));
        for (size_t i = 0; i < n; i++) {
            const kb_event_view *e = &views[i];
            switch (e->kind) {
            case KB_EVENT_DELIVERY:
                printf("  delivery report: id=%" PRIu64 " topic=%s partition=%d offset=%" PRId64 " -> %s\n",
                       e->message_id, e->topic ? e->topic : "?", e->partition, e->offset,
                       e->err ? kb_err_name(e->err) : "delivered");
                for (size_t j = 0; j < count; j++)
                    if (ids[j] == e->message_id) reported++;
                if (e->err) {
                    fprintf(stderr, "\ndemo: message %" PRIu64 " failed: %s: %s\n", e->message_id, kb_err_name(e->err),
                            e->text ? e->text : "");
                    exit(1);
                }
                break;
            case KB_EVENT_ERROR:
                printf("  client error event: %s: %s%s\n", kb_err_name(e->err), e->text ? e->text : "",
                       e->fatal ? " (fatal)" : "");
                break;
            default: /* logs and statistics are not interesting here */
                break;
            }
        }
        TRY(kb_event_batch_free(batch));
    }
}

/* Reads back `expected` messages from every partition of `topic`, starting at the beginning. */
static void consume_back(const char *servers, const char *topic, size_t expected) {
    kb_config *conf = NULL;
    kb_consumer *c = NULL;
    TRY(kb_config_new(&conf));
    TRY(kb_config_set(conf, "bootstrap.servers", servers));
    TRY(kb_consumer_new(conf, &c)); /* no group.id: manual assignment only */
    TRY(kb_config_free(conf));

    /* Assign every partition the topic has, as the metadata tells. */
    kb_metadata *md = NULL;
    kb_metadata_view mv;
    TRY(kb_metadata_fetch(c, topic, WAIT_MS, &md));
    TRY(kb_metadata_get_view(md, &mv));
    if (mv.topic_count != 1 || mv.topics[0].err != 0 || mv.topics[0].partition_count == 0) {
        fprintf(stderr, "\ndemo: no metadata for %s: %s\n", topic,
                mv.topic_count == 1 ? kb_err_name(mv.topics[0].err) : "topic missing");
        exit(1);
    }
    size_t nparts = mv.topics[0].partition_count;
    TRY(kb_metadata_free(md));
    kb_topic_partition *parts = calloc(nparts, sizeof *parts);
    if (!parts) fail("%s", "out of memory");
    for (size_t i = 0; i < nparts; i++) {
        kb_topic_partition tp = {topic, (int32_t)i, KB_OFFSET_BEGINNING, NULL, 0, 0};
        parts[i] = tp;
    }
    TRY(kb_consumer_assign(c, parts, nparts));
    free(parts);
    printf("  assigned all %zu partitions of %s from the beginning\n", nparts, topic);

    size_t got = 0;
    int64_t deadline = now_ms() + WAIT_MS;
    while (got < expected) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            fprintf(stderr, "\ndemo: read back only %zu of %zu messages within %d ms\n", got, expected, WAIT_MS);
            exit(1);
        }
        kb_message_batch *batch = NULL;
        TRY(kb_consumer_poll_batch(c, (int32_t)(left < 500 ? left : 500), 16, &batch));
        const kb_message_view *views = NULL;
        size_t n = kb_message_batch_count(batch);
        if (n > 0) TRY(kb_message_batch_views(batch, &views));
        for (size_t i = 0; i < n; i++) {
            const kb_message_view *m = &views[i];
            if (m->err) { /* consumer errors arrive as messages with err set */
                printf("  consumer error: %s: %s\n", kb_err_name(m->err), m->error_text ? m->error_text : "");
                continue;
            }
            got++;
            printf("  consumed partition=%d offset=%" PRId64 " key=", m->partition, m->offset);
            print_bytes(m->key, m->key_len);
            printf(" value=");
            print_bytes(m->value, m->value_len);
            for (size_t h = 0; h < m->header_count; h++) {
                printf(" header %s=", m->headers[h].name);
                print_bytes(m->headers[h].value, m->headers[h].value_len);
            }
            printf("\n");
        }
        TRY(kb_message_batch_free(batch));
    }
    TRY(kb_consumer_free(c));
    printf("  read back all %zu messages\n", got);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("kafkabridge %s (librdkafka %s) demo\n\n", kb_version(), kb_librdkafka_version());

    /* 1. Where to connect. */
    kb_mock_cluster *mock = NULL;
    char servers[512];
    const char *env = getenv("KAFKA_BROKERS");
    if (env && *env) {
        if (strlen(env) >= sizeof servers) fail("KAFKA_BROKERS is too long: %s", env);
        strcpy(servers, env);
        printf("1. Using the Kafka brokers in KAFKA_BROKERS: %s\n", servers);
    } else {
        size_t len = 0;
        TRY(kb_mock_cluster_new(1, &mock));
        TRY(kb_mock_cluster_bootstrap_servers(mock, servers, sizeof servers, &len));
        if (len >= sizeof servers) fail("mock bootstrap list too long: %s", servers);
        printf("1. KAFKA_BROKERS is not set: started librdkafka's embedded mock cluster (1 broker) at %s\n"
           "   (set KAFKA_BROKERS=host:port to run against a real Kafka)\n", servers);
    }

    char topic[128];
    snprintf(topic, sizeof topic, "kafkabridge-demo-%d-%lld", (int)getpid(), (long long)time(NULL));

    kb_config *conf = NULL;
    TRY(kb_config_new(&conf));
    TRY(kb_config_set(conf, "bootstrap.servers", servers));
    TRY(kb_config_set(conf, "linger.ms", "5"));
    TRY(kb_config_set(conf, "bridge.persistent.name", "demo"));

    if (mock) {
        printf("\n2. Topic %s: the mock cluster creates it on first use (with 4 partitions)\n", topic);
    } else {
        printf("\n2. Creating topic %s with %d partitions (kb_admin_create_topic)\n", topic, PARTITIONS);
        create_topic(conf, topic);
        printf("  topic is ready: every partition has a leader\n");
    }

    /* 3. First session on the persistent producer "demo". */
    printf("\n3. Opening persistent producer \"demo\" (first session) and producing\n");
    kb_producer *p = NULL;
    TRY(kb_producer_new(conf, &p));

    static const char *keys[ASYNC_MESSAGES] = {"user-1", "user-2", "user-3"};
    static const char *values[ASYNC_MESSAGES] = {"signed up", "added item", "checked out"};
    uint64_t ids[ASYNC_MESSAGES];
    kb_header header = {"source", (const uint8_t *)"demo.c", 6};
    for (int i = 0; i < ASYNC_MESSAGES; i++) {
        TRY(kb_producer_produce(p, topic, KB_PARTITION_UA, (const uint8_t *)keys[i], strlen(keys[i]),
                                (const uint8_t *)values[i], strlen(values[i]), &header, 1, 0, &ids[i]));
        printf("  queued (fire-and-forget) key=%s value=\"%s\" -> message id %" PRIu64 "\n", keys[i], values[i], ids[i]);
    }

    kb_delivery d;
    const char *sync_value = "synchronous hello";
    int64_t t0 = now_ms();
    TRY(kb_producer_produce_sync(p, topic, KB_PARTITION_UA, (const uint8_t *)"sync-1", 6, (const uint8_t *)sync_value,
                                 strlen(sync_value), &header, 1, 0, WAIT_MS, &d));
    printf("  produced synchronously key=sync-1 -> id %" PRIu64 " partition %d offset %" PRId64 " (%lld ms)\n",
           d.message_id, d.partition, d.offset, (long long)(now_ms() - t0));

    printf("  polling delivery reports for the fire-and-forget messages (kb_producer_poll_batch):\n");
    poll_delivery_reports(p, ids, ASYNC_MESSAGES);

    kb_producer_info first;
    print_info("first session", p, &first);
    if (!first.persistent || first.reused || first.sessions_served != 1)
        fail("%s", "kb_producer_get_info: expected persistent=1 reused=0 sessions_served=1 for the first session");
    TRY(kb_producer_free(p));
    p = NULL;
    printf("  freed the handle; the client \"demo\" stays connected for the next session\n");

    /* 4. Second session: same name, same configuration -> the same live client. */
    printf("\n4. Opening the producer again with the same configuration (second session)\n");
    TRY(kb_producer_new(conf, &p));
    kb_producer_info second;
    print_info("second session", p, &second);
    if (!second.reused || second.client_id != first.client_id || second.sessions_served != 2)
        fail("%s", "kb_producer_get_info: expected reused=1, the same client_id and sessions_served=2");
    printf("  => reused=1, same client_id %" PRIu64 ", sessions_served=2: no new connection was made\n",
           second.client_id);
    const char *warm_value = "second session, warm connection";
    t0 = now_ms();
    TRY(kb_producer_produce_sync(p, topic, KB_PARTITION_UA, (const uint8_t *)"sync-2", 6, (const uint8_t *)warm_value,
                                 strlen(warm_value), NULL, 0, 0, WAIT_MS, &d));
    printf("  produced synchronously key=sync-2 -> id %" PRIu64 " partition %d offset %" PRId64 " (%lld ms)\n",
           d.message_id, d.partition, d.offset, (long long)(now_ms() - t0));
    TRY(kb_producer_free(p));
    p = NULL;

    /* 5. Read everything back. */
    printf("\n5. Consuming the messages back (manual assignment from KB_OFFSET_BEGINNING)\n");
    consume_back(servers, topic, ASYNC_MESSAGES + 2);

    /* 6. Clean up. */
    printf("\n6. Cleaning up\n");
    if (!mock) {
        kb_admin *admin = NULL;
        TRY(kb_admin_new(conf, &admin));
        kb_err err = kb_admin_delete_topic(admin, topic, WAIT_MS);
        if (err != KB_OK) {
            char msg[512];
            kb_last_error(msg, sizeof msg);
            printf("  note: could not delete topic %s: %s: %s\n", topic, kb_err_name(err), msg);
        } else {
            printf("  deleted topic %s\n", topic);
        }
        TRY(kb_admin_free(admin));
    }
    TRY(kb_config_free(conf));
    TRY(kb_shutdown()); /* flushes and closes the persistent client "demo" */
    printf("  kb_shutdown(): persistent clients flushed and closed\n");
    if (mock) {
        TRY(kb_mock_cluster_free(mock));
        printf("  mock cluster stopped\n");
    }
    printf("\ndemo finished OK\n");
    return 0;
}
