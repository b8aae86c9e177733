/*
 * bench_c: the benchmark operations of bench/README.md on kafkabridge's C ABI (include/kafkabridge.h).
 *
 *   bench_c produce|consume|crossing|sync --brokers=HOST:PORT --topic=NAME --messages=N
 *           --size=BYTES [--mode=single|batch] [--batch=1000]
 *
 * Prints one JSON line on stdout; any failure exits non-zero with a message on stderr.
 * `single` uses one call per message (kb_producer_produce, kb_consumer_poll), `batch` the batch
 * calls (kb_producer_produce_batch, kb_consumer_poll_batch). `sync` has one mode
 * (kb_producer_produce_sync on a persistent producer).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kafkabridge.h"

#define IMPL "c"
/* crossing: produce calls are timed per chunk of this many messages. */
#define CHUNK 10000
/* produce: drain the delivery reports that are ready every this many messages. */
#define DRAIN_EVERY 10000
/* Most events taken by one kb_producer_poll_batch() call. */
#define EVENTS_PER_POLL 10000
/* sync: untimed sends before the measured ones. */
#define SYNC_WARMUP 100
#define SYNC_TIMEOUT_MS 30000
/* consume: give up when no message arrived for this long (the topic holds fewer than N). */
#define IDLE_LIMIT_NS (30 * 1000000000ULL)
/* Bound of the untimed flushes; a healthy broker needs far less. */
#define FLUSH_TIMEOUT_MS 60000

#define USAGE                                                                                      \
    "usage: bench_c produce|consume|crossing|sync --brokers=HOST:PORT --topic=NAME --messages=N " \
    "--size=BYTES [--mode=single|batch] [--batch=1000]"

static void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_c: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* Fails with the library's own message for this thread's last failure. */
static void check(kb_err err, const char *what) {
    if (err == KB_OK)
        return;
    char msg[1024];
    kb_last_error(msg, sizeof msg);
    fail("%s: %s (%d): %s", what, kb_err_name(err), (int)err, msg);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct args {
    const char *op;
    const char *brokers;
    const char *topic;
    uint64_t messages;
    size_t size;
    int batch_mode;
    size_t batch;
};

static uint64_t number(const char *key, const char *value) {
    char *end;
    errno = 0;
    unsigned long long n = strtoull(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || value[0] == '-')
        fail("--%s needs a non-negative integer, got \"%s\"", key, value);
    return (uint64_t)n;
}

static struct args parse_args(int argc, char **argv) {
    struct args a = {0};
    int have_messages = 0, have_size = 0;
    a.batch = 1000;
    if (argc < 2)
        fail(USAGE);
    a.op = argv[1];
    if (strcmp(a.op, "produce") && strcmp(a.op, "consume") && strcmp(a.op, "crossing") && strcmp(a.op, "sync"))
        fail("unknown operation \"%s\"\n" USAGE, a.op);
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        if (strncmp(arg, "--", 2) != 0 || eq == NULL)
            fail("bad argument \"%s\" (expected --key=value)\n" USAGE, arg);
        size_t klen = (size_t)(eq - arg - 2);
        const char *key = arg + 2, *value = eq + 1;
#define IS(name) (klen == strlen(name) && strncmp(key, name, klen) == 0)
        if (IS("brokers"))
            a.brokers = value;
        else if (IS("topic"))
            a.topic = value;
        else if (IS("messages"))
            a.messages = number("messages", value), have_messages = 1;
        else if (IS("size"))
            a.size = (size_t)number("size", value), have_size = 1;
        else if (IS("batch"))
            a.batch = (size_t)number("batch", value);
        else if (IS("mode")) {
            if (strcmp(value, "single") == 0)
                a.batch_mode = 0;
            else if (strcmp(value, "batch") == 0)
                a.batch_mode = 1;
            else
                fail("--mode must be single or batch, got \"%s\"", value);
        } else
            fail("unknown argument \"%s\"\n" USAGE, arg);
#undef IS
    }
    if (!have_messages || a.messages == 0)
        fail("--messages=N (at least 1) is required");
    if (!have_size)
        fail("--size is required");
    if (a.batch == 0)
        fail("--batch must be at least 1");
    /* The mock cluster of `crossing` needs no brokers and any topic name will do. */
    if (strcmp(a.op, "crossing") == 0) {
        if (a.topic == NULL)
            a.topic = "bench-crossing";
    } else {
        if (a.brokers == NULL)
            fail("--brokers is required");
        if (a.topic == NULL)
            fail("--topic is required");
    }
    if (a.batch_mode && strcmp(a.op, "sync") == 0)
        fail("sync has no batch form: run it with --mode=single");
    return a;
}

static kb_config *config(const char *const *pairs) {
    kb_config *conf;
    check(kb_config_new(&conf), "kb_config_new");
    for (; pairs[0] != NULL; pairs += 2) {
        char what[256];
        snprintf(what, sizeof what, "setting %s=%s", pairs[0], pairs[1]);
        check(kb_config_set(conf, pairs[0], pairs[1]), what);
    }
    return conf;
}

static kb_producer *producer(const char *const *pairs) {
    kb_config *conf = config(pairs);
    kb_producer *p;
    check(kb_producer_new(conf, &p), "kb_producer_new");
    kb_config_free(conf);
    return p;
}

static void print_json(const struct args *a, double seconds, const char *extra) {
    printf("{\"impl\":\"" IMPL "\",\"op\":\"%s\",\"mode\":\"%s\",\"size\":%zu,\"messages\":%" PRIu64
           ",\"seconds\":%.6f,\"rate\":%.1f%s}\n",
           a->op, a->batch_mode ? "batch" : "single", a->size, a->messages, seconds,
           (double)a->messages / seconds, extra);
}

/* ---- delivery reports ---- */

static uint64_t delivered; /* successful reports taken so far; a failed one ends the run */

/* Takes the ready events (waiting up to timeout_ms for the first); returns how many came. */
static size_t serve(kb_producer *p, int32_t timeout_ms) {
    kb_event_batch *batch;
    const kb_event_view *views;
    check(kb_producer_poll_batch(p, timeout_ms, EVENTS_PER_POLL, &batch), "kb_producer_poll_batch");
    size_t n = kb_event_batch_count(batch);
    if (n > 0)
        check(kb_event_batch_views(batch, &views), "kb_event_batch_views");
    for (size_t i = 0; i < n; i++) {
        const kb_event_view *ev = &views[i];
        if (ev->kind == KB_EVENT_DELIVERY) {
            if (ev->err != KB_OK)
                fail("message %" PRIu64 " failed delivery: %s (%d): %s", ev->message_id, kb_err_name(ev->err),
                     (int)ev->err, ev->text ? ev->text : "");
            delivered++;
        } else if (ev->kind == KB_EVENT_ERROR) {
            if (ev->fatal)
                fail("fatal client error: %s (%d): %s", kb_err_name(ev->err), (int)ev->err, ev->text ? ev->text : "");
            fprintf(stderr, "bench_c: client error: %s (%d): %s\n", kb_err_name(ev->err), (int)ev->err,
                    ev->text ? ev->text : "");
        }
    }
    kb_event_batch_free(batch);
    return n;
}

static void serve_ready(kb_producer *p) {
    while (serve(p, 0) == EVENTS_PER_POLL) {
    }
}

static void wait_reports(kb_producer *p, uint64_t target) {
    while (delivered < target)
        serve(p, 1000);
}

/* Either queue full: librdkafka's (-184) or undrained reports (KB_ERR_EVENT_QUEUE_FULL). */
static int queue_full(kb_err err) {
    return err == -184 || err == KB_ERR_EVENT_QUEUE_FULL;
}

/* One message; on a full queue takes a report and retries the same message. */
static void send_one(kb_producer *p, const char *topic, const uint8_t *value, size_t size) {
    for (;;) {
        kb_err err = kb_producer_produce(p, topic, KB_PARTITION_UA, NULL, 0, value, size, NULL, 0, 0, NULL);
        if (err == KB_OK)
            return;
        if (!queue_full(err))
            check(err, "kb_producer_produce");
        wait_reports(p, delivered + 1);
    }
}

/* `count` records with one call; on a full queue takes a report and retries from the refused one. */
static void send_batch(kb_producer *p, const kb_record *records, size_t count) {
    size_t done = 0;
    while (done < count) {
        size_t accepted = 0;
        kb_err err = kb_producer_produce_batch(p, records + done, count - done, NULL, &accepted);
        done += accepted;
        if (err == KB_OK)
            break;
        if (!queue_full(err))
            check(err, "kb_producer_produce_batch");
        wait_reports(p, delivered + 1);
    }
    if (done != count)
        fail("kb_producer_produce_batch accepted %zu of %zu records and reported success", done, count);
}

/* crossing: sends `count` messages in the requested mode. */
static void send_many(kb_producer *p, const struct args *a, const kb_record *records, const uint8_t *value,
                      uint64_t count) {
    if (!a->batch_mode) {
        for (uint64_t i = 0; i < count; i++)
            send_one(p, a->topic, value, a->size);
        return;
    }
    for (uint64_t i = 0; i < count; i += a->batch) {
        uint64_t left = count - i;
        send_batch(p, records, left < a->batch ? (size_t)left : a->batch);
    }
}

static void flush(kb_producer *p) {
    check(kb_producer_flush(p, FLUSH_TIMEOUT_MS), "kb_producer_flush");
}

/* The same record --batch times, built once: it is the caller's data, not the library's work. */
static kb_record *records_for(const struct args *a, const uint8_t *value) {
    kb_record *records = calloc(a->batch, sizeof *records);
    if (records == NULL)
        fail("out of memory");
    for (size_t i = 0; i < a->batch; i++) {
        records[i].topic = a->topic;
        records[i].partition = KB_PARTITION_UA;
        records[i].value = value;
        records[i].value_len = a->size;
    }
    return records;
}

static uint8_t *payload(size_t size) {
    uint8_t *value = malloc(size ? size : 1);
    if (value == NULL)
        fail("out of memory");
    memset(value, 'x', size);
    return value;
}

/* ---- the operations ---- */

static void op_produce(const struct args *a) {
    const char *settings[] = {"bootstrap.servers", a->brokers, "acks", "all", "linger.ms", "5",
                              "compression.type", "none", "queue.buffering.max.messages", "1000000",
                              "queue.buffering.max.kbytes", "1048576", "bridge.event.queue.size", "2000000",
                              NULL};
    kb_producer *p = producer(settings);
    uint8_t *value = payload(a->size);
    kb_record *records = records_for(a, value);

    send_one(p, a->topic, value, a->size); /* warm-up, untimed */
    flush(p);
    wait_reports(p, 1);

    uint64_t start = now_ns(), sent = 0, since_drain = 0;
    while (sent < a->messages) {
        uint64_t left = a->messages - sent, step = 1;
        if (a->batch_mode) {
            step = left < a->batch ? left : a->batch;
            send_batch(p, records, (size_t)step);
        } else {
            send_one(p, a->topic, value, a->size);
        }
        sent += step;
        since_drain += step;
        if (since_drain >= DRAIN_EVERY) {
            serve_ready(p);
            since_drain = 0;
        }
    }
    wait_reports(p, 1 + a->messages);
    double seconds = (double)(now_ns() - start) / 1e9;

    check(kb_producer_free(p), "kb_producer_free");
    print_json(a, seconds, "");
    free(records);
    free(value);
}

static void op_crossing(const struct args *a) {
    const char *settings[] = {"test.mock.num.brokers", "1", "linger.ms", "100",
                              "queue.buffering.max.messages", "1000000", "queue.buffering.max.kbytes", "1048576",
                              "bridge.event.queue.size", "2000000", NULL};
    kb_producer *p = producer(settings);
    uint8_t *value = payload(a->size);
    kb_record *records = records_for(a, value);

    uint64_t timed = 0, sent = 0;
    while (sent < a->messages) {
        uint64_t left = a->messages - sent, chunk = left < CHUNK ? left : CHUNK;
        uint64_t start = now_ns();
        send_many(p, a, records, value, chunk);
        timed += now_ns() - start;
        sent += chunk;
        flush(p);
        wait_reports(p, sent);
    }
    double seconds = (double)timed / 1e9;

    check(kb_producer_free(p), "kb_producer_free");
    char extra[64];
    snprintf(extra, sizeof extra, ",\"ns_per_msg\":%.1f", (double)timed / (double)a->messages);
    print_json(a, seconds, extra);
    free(records);
    free(value);
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Nearest-rank percentile of sorted figures. */
static double percentile(const double *sorted, uint64_t n, double p) {
    uint64_t rank = (uint64_t)((p / 100.0) * (double)n + 0.999999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static void op_sync(const struct args *a) {
    const char *settings[] = {"bootstrap.servers", a->brokers, "acks", "all", "linger.ms", "0",
                              "bridge.persistent.name", "bench-c-sync", NULL};
    kb_producer *p = producer(settings);
    uint8_t *value = payload(a->size);
    double *micros = malloc(a->messages * sizeof *micros);
    if (micros == NULL)
        fail("out of memory");
    kb_delivery d;

    for (int i = 0; i < SYNC_WARMUP; i++)
        check(kb_producer_produce_sync(p, a->topic, KB_PARTITION_UA, NULL, 0, value, a->size, NULL, 0, 0,
                                       SYNC_TIMEOUT_MS, &d),
              "kb_producer_produce_sync (warm-up)");
    uint64_t start = now_ns();
    for (uint64_t i = 0; i < a->messages; i++) {
        uint64_t t0 = now_ns();
        check(kb_producer_produce_sync(p, a->topic, KB_PARTITION_UA, NULL, 0, value, a->size, NULL, 0, 0,
                                       SYNC_TIMEOUT_MS, &d),
              "kb_producer_produce_sync");
        micros[i] = (double)(now_ns() - t0) / 1e3;
    }
    double seconds = (double)(now_ns() - start) / 1e9;

    check(kb_producer_free(p), "kb_producer_free");
    check(kb_shutdown(), "kb_shutdown");
    double sum = 0;
    for (uint64_t i = 0; i < a->messages; i++)
        sum += micros[i];
    qsort(micros, a->messages, sizeof *micros, cmp_double);
    char extra[128];
    snprintf(extra, sizeof extra, ",\"p50_us\":%.1f,\"p99_us\":%.1f,\"mean_us\":%.1f",
             percentile(micros, a->messages, 50), percentile(micros, a->messages, 99), sum / (double)a->messages);
    print_json(a, seconds, extra);
    free(micros);
    free(value);
}

/* Adds one consumed message; a consumer error ends the run. */
static void take_message(const kb_message_view *m, uint64_t got, uint64_t *bytes) {
    if (m->err != KB_OK)
        fail("consumer error after %" PRIu64 " messages: %s (%d): %s", got, kb_err_name(m->err), (int)m->err,
             m->error_text ? m->error_text : "");
    *bytes += m->value_len;
}

static void op_consume(const struct args *a) {
    char group[128];
    snprintf(group, sizeof group, "bench-" IMPL "-%ld-%ld", (long)getpid(), (long)time(NULL));
    const char *settings[] = {"bootstrap.servers", a->brokers, "group.id", group, "auto.offset.reset", "earliest",
                              "enable.auto.commit", "false", "fetch.queue.backoff.ms", "10", NULL};
    kb_config *conf = config(settings);
    kb_consumer *c;
    check(kb_consumer_new(conf, &c), "kb_consumer_new");
    kb_config_free(conf);
    const char *topics[] = {a->topic};
    check(kb_consumer_subscribe(c, topics, 1), "kb_consumer_subscribe");

    uint64_t got = 0, bytes = 0, start = 0, end = 0, last = now_ns();
    while (got < a->messages) {
        size_t n = 0;
        if (!a->batch_mode) {
            kb_message *msg;
            kb_message_view view;
            check(kb_consumer_poll(c, 1000, &msg), "kb_consumer_poll");
            if (msg != NULL) {
                check(kb_message_get_view(msg, &view), "kb_message_get_view");
                take_message(&view, got, &bytes);
                kb_message_free(msg);
                n = 1;
            }
        } else {
            /* Never ask for more than N in total: the batch call waits for `max` or the timeout. */
            uint64_t left = a->messages - got;
            kb_message_batch *batch;
            const kb_message_view *views;
            check(kb_consumer_poll_batch(c, 1000, left < a->batch ? (size_t)left : a->batch, &batch),
                  "kb_consumer_poll_batch");
            n = kb_message_batch_count(batch);
            if (n > 0)
                check(kb_message_batch_views(batch, &views), "kb_message_batch_views");
            for (size_t i = 0; i < n; i++)
                take_message(&views[i], got + i, &bytes);
            kb_message_batch_free(batch);
        }
        uint64_t now = now_ns();
        if (n == 0) {
            if (now - last > IDLE_LIMIT_NS)
                fail("no message for 30 s after %" PRIu64 " of %" PRIu64 " (does \"%s\" hold enough?)", got,
                     a->messages, a->topic);
            continue;
        }
        if (got == 0)
            start = now;
        got += n;
        last = end = now;
    }
    double seconds = (double)(end - start) / 1e9;

    check(kb_consumer_free(c), "kb_consumer_free");
    uint64_t expected = a->messages * (uint64_t)a->size;
    if (bytes != expected)
        fail("value lengths sum to %" PRIu64 " bytes, expected %" PRIu64 " (%" PRIu64 " x %zu)", bytes, expected,
             a->messages, a->size);
    print_json(a, seconds, "");
}

int main(int argc, char **argv) {
    struct args a = parse_args(argc, argv);
    if (strcmp(a.op, "produce") == 0)
        op_produce(&a);
    else if (strcmp(a.op, "crossing") == 0)
        op_crossing(&a);
    else if (strcmp(a.op, "sync") == 0)
        op_sync(&a);
    else
        op_consume(&a);
    return 0;
}
