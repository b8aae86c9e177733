/*
 * kbcat: the kafkabridge side of the kcat cross-check (ffi-tests/kcat/crosscheck.sh).
 * Talks to the brokers in KAFKA_BROKERS; binary data moves through files only, so nothing is
 * lost to quoting or delimiters.
 *
 *   kbcat create  <topic> <partitions>
 *       Creates the topic (kb_admin_create_topic) and waits until every partition has a leader.
 *   kbcat delete  <topic>
 *       Deletes the topic.
 *   kbcat produce <topic> <partition> <keyfile|-> <valuefile|-> [<header-name> <header-file|->]...
 *       Produces one message synchronously; "-" means absent (NULL key, NULL value = tombstone,
 *       NULL header value), an empty file an empty (non-NULL) one. Prints "<partition> <offset>".
 *   kbcat consume <topic> <partition> <expected-count> <outdir>
 *       Reads the partition from the beginning to its end (partition EOF) and writes, for each
 *       message at offset O: O.key or O.key.null, O.value or O.value.null, O.headers (the count
 *       as text) and per header j: O.h<j>.name and O.h<j>.value or O.h<j>.value.null.
 *       Fails unless exactly <expected-count> messages were read.
 *
 * Every wait is bounded (KBCAT_TIMEOUT_MS, default 20000). Exit status 0 on success, 1 on a
 * failure (with kb_err_name() and kb_last_error() on stderr), 2 on bad usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafkabridge.h"

static int32_t wait_ms = 20000;

static void die(const char *what, kb_err err) {
    char msg[1024];
    kb_last_error(msg, sizeof msg);
    fprintf(stderr, "kbcat: %s failed: %d %s: %s\n", what, (int)err, kb_err_name(err), msg);
    exit(1);
}

#define TRY(call)                                                                        \
    do {                                                                                 \
        kb_err try_err_ = (call);                                                        \
        if (try_err_ != KB_OK) die(#call, try_err_);                                    \
    } while (0)

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static _Noreturn void usage(void) {
    fprintf(stderr, "usage: kbcat create <topic> <partitions>\n"
                    "       kbcat delete <topic>\n"
                    "       kbcat produce <topic> <partition> <keyfile|-> <valuefile|-> [<header-name> <header-file|->]...\n"
                    "       kbcat consume <topic> <partition> <expected-count> <outdir>\n");
    exit(2);
}

static long parse_long(const char *s, const char *what) {
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end || end == s) {
        fprintf(stderr, "kbcat: %s must be an integer, got '%s'\n", what, s);
        exit(2);
    }
    return v;
}

/* Reads a whole file; "-" gives NULL (absent). An empty file gives a non-NULL pointer, length 0. */
static uint8_t *read_file(const char *path, size_t *len) {
    *len = 0;
    if (strcmp(path, "-") == 0) return NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kbcat: cannot open %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fprintf(stderr, "kbcat: out of memory reading %s\n", path);
            exit(1);
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        cap *= 2;
        buf = realloc(buf, cap);
    }
    if (ferror(f)) {
        fprintf(stderr, "kbcat: error reading %s\n", path);
        exit(1);
    }
    fclose(f);
    *len = n;
    return buf;
}

static void write_file(const char *dir, int64_t offset, const char *suffix, const uint8_t *data, size_t len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%" PRId64 ".%s", dir, offset, suffix);
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        fprintf(stderr, "kbcat: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static kb_config *config(void) {
    const char *brokers = getenv("KAFKA_BROKERS");
    if (!brokers || !*brokers) {
        fprintf(stderr, "kbcat: KAFKA_BROKERS is not set\n");
        exit(2);
    }
    kb_config *conf = NULL;
    TRY(kb_config_new(&conf));
    TRY(kb_config_set(conf, "bootstrap.servers", brokers));
    return conf;
}

static int cmd_create(const char *topic, int32_t partitions) {
    kb_config *conf = config();
    kb_admin *admin = NULL;
    TRY(kb_admin_new(conf, &admin));
    TRY(kb_config_free(conf));
    TRY(kb_admin_create_topic(admin, topic, partitions, 1, NULL, NULL, 0, wait_ms));
    int64_t deadline = now_ms() + wait_ms;
    for (;;) {
        kb_metadata *md = NULL;
        kb_metadata_view v;
        int ready = 0;
        kb_err err = kb_metadata_fetch(admin, topic, 2000, &md);
        if (err == KB_OK) {
            TRY(kb_metadata_get_view(md, &v));
            if (v.topic_count == 1 && v.topics[0].err == 0 && (int32_t)v.topics[0].partition_count == partitions) {
                ready = 1;
                for (size_t i = 0; i < v.topics[0].partition_count; i++)
                    if (v.topics[0].partitions[i].leader < 0) ready = 0;
            }
            TRY(kb_metadata_free(md));
        }
        if (ready) break;
        if (now_ms() >= deadline) {
            if (err != KB_OK) die("kb_metadata_fetch (waiting for the new topic)", err);
            fprintf(stderr, "kbcat: topic %s has no leader for every partition after %d ms\n", topic, wait_ms);
            return 1;
        }
        struct timespec pause = {0, 50 * 1000 * 1000}; /* re-poll the metadata, bounded above */
        nanosleep(&pause, NULL);
    }
    TRY(kb_admin_free(admin));
    return 0;
}

static int cmd_delete(const char *topic) {
    kb_config *conf = config();
    kb_admin *admin = NULL;
    TRY(kb_admin_new(conf, &admin));
    TRY(kb_config_free(conf));
    TRY(kb_admin_delete_topic(admin, topic, wait_ms));
    TRY(kb_admin_free(admin));
    return 0;
}

static int cmd_produce(const char *topic, int32_t partition, const char *keyfile, const char *valuefile, int nhdr_args,
                       char **hdr_args) {
    if (nhdr_args % 2) usage();
    size_t key_len, value_len, header_count = (size_t)nhdr_args / 2;
    uint8_t *key = read_file(keyfile, &key_len);
    uint8_t *value = read_file(valuefile, &value_len);
    kb_header *headers = header_count ? calloc(header_count, sizeof *headers) : NULL;
    if (header_count && !headers) return 1;
    for (size_t i = 0; i < header_count; i++) {
        headers[i].name = hdr_args[2 * i];
        headers[i].value = read_file(hdr_args[2 * i + 1], &headers[i].value_len);
    }

    kb_config *conf = config();
    kb_producer *p = NULL;
    TRY(kb_producer_new(conf, &p));
    TRY(kb_config_free(conf));
    kb_delivery d;
    TRY(kb_producer_produce_sync(p, topic, partition, key, key_len, value, value_len, headers, header_count, 0, wait_ms, &d));
    printf("%d %" PRId64 "\n", d.partition, d.offset);
    TRY(kb_producer_free(p));

    for (size_t i = 0; i < header_count; i++) free((void *)headers[i].value);
    free(headers);
    free(key);
    free(value);
    return 0;
}

static int cmd_consume(const char *topic, int32_t partition, long expected, const char *outdir) {
    kb_config *conf = config();
    TRY(kb_config_set(conf, "enable.partition.eof", "true"));
    kb_consumer *c = NULL;
    TRY(kb_consumer_new(conf, &c)); /* no group.id: manual assignment only */
    TRY(kb_config_free(conf));
    kb_topic_partition tp = {topic, partition, KB_OFFSET_BEGINNING, NULL, 0, 0};
    TRY(kb_consumer_assign(c, &tp, 1));

    long got = 0;
    int at_end = 0;
    int64_t deadline = now_ms() + wait_ms;
    while (!(at_end && got >= expected)) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            fprintf(stderr, "kbcat: read %ld of %ld messages (end of partition %s) within %d ms\n", got, expected,
                    at_end ? "reached" : "not reached", wait_ms);
            return 1;
        }
        kb_message_batch *batch = NULL;
        TRY(kb_consumer_poll_batch(c, (int32_t)(left < 500 ? left : 500), 64, &batch));
        const kb_message_view *views = NULL;
        size_t n = kb_message_batch_count(batch);
        if (n) TRY(kb_message_batch_views(batch, &views));
        for (size_t i = 0; i < n; i++) {
            const kb_message_view *m = &views[i];
            if (m->err == -191) { /* RD_KAFKA_RESP_ERR__PARTITION_EOF */
                at_end = 1;
                continue;
            }
            if (m->err) {
                fprintf(stderr, "kbcat: consumer error %d %s: %s\n", (int)m->err, kb_err_name(m->err),
                        m->error_text ? m->error_text : "");
                return 1;
            }
            at_end = 0;
            got++;
            if (m->key) write_file(outdir, m->offset, "key", m->key, m->key_len);
            else write_file(outdir, m->offset, "key.null", NULL, 0);
            if (m->value) write_file(outdir, m->offset, "value", m->value, m->value_len);
            else write_file(outdir, m->offset, "value.null", NULL, 0);
            char count[32], suffix[64];
            snprintf(count, sizeof count, "%zu", m->header_count);
            write_file(outdir, m->offset, "headers", (const uint8_t *)count, strlen(count));
            for (size_t h = 0; h < m->header_count; h++) {
                snprintf(suffix, sizeof suffix, "h%zu.name", h);
                write_file(outdir, m->offset, suffix, (const uint8_t *)m->headers[h].name, strlen(m->headers[h].name));
                snprintf(suffix, sizeof suffix, m->headers[h].value ? "h%zu.value" : "h%zu.value.null", h);
                write_file(outdir, m->offset, suffix, m->headers[h].value, m->headers[h].value_len);
            }
        }
        TRY(kb_message_batch_free(batch));
    }
    TRY(kb_consumer_free(c));
    printf("%ld\n", got);
    if (got != expected) {
        fprintf(stderr, "kbcat: read %ld messages, expected %ld\n", got, expected);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *t = getenv("KBCAT_TIMEOUT_MS");
    if (t && *t) wait_ms = (int32_t)parse_long(t, "KBCAT_TIMEOUT_MS");
    int rc = 2;
    if (argc == 4 && strcmp(argv[1], "create") == 0)
        rc = cmd_create(argv[2], (int32_t)parse_long(argv[3], "partitions"));
    else if (argc == 3 && strcmp(argv[1], "delete") == 0)
        rc = cmd_delete(argv[2]);
    else if (argc >= 6 && strcmp(argv[1], "produce") == 0)
        rc = cmd_produce(argv[2], (int32_t)parse_long(argv[3], "partition"), argv[4], argv[5], argc - 6, argv + 6);
    else if (argc == 6 && strcmp(argv[1], "consume") == 0)
        rc = cmd_consume(argv[2], (int32_t)parse_long(argv[3], "partition"), parse_long(argv[4], "expected-count"), argv[5]);
    else
        usage();
    kb_shutdown();
    return rc;
}
