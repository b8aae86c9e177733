/* SASL against the broker's SASL_PLAINTEXT listener: PLAIN and SCRAM-SHA-256 with the right
 * password work; a wrong password is reported as an authentication error, never silently.
 * OAUTHBEARER with tokens from the host: the client asks with a refresh event, a token with the
 * scope the broker requires delivers, a failure or a token without that scope is an
 * authentication error, and a set token is asked for again before it expires.
 * SASL_SSL (TLS with the test CA, then SCRAM-SHA-256): a produce/consume round trip works; a
 * client that does not trust the test CA gets an SSL error, in bounded time. */
#include <libgen.h>
#include <limits.h>
#include "kbtest.h"

/* A listener of the test broker: `env` if set, else the PLAINTEXT port + `offset`
 * (harness/kafka: SASL_PLAINTEXT is + 2, SASL_SSL + 3). */
static const char *listener_brokers(const char *env, int offset, char *buf, size_t size) {
    const char *set = getenv(env);
    if (set && *set) return set;
    const char *plain = kbt_brokers();
    const char *colon = strrchr(plain, ':');
    snprintf(buf, size, "%.*s:%d", (int)(colon - plain), plain, atoi(colon + 1) + offset);
    return buf;
}

static const char *sasl_brokers(void) {
    static char buf[128];
    return listener_brokers("KAFKA_SASL_BROKERS", 2, buf, sizeof buf);
}

static const char *sasl_ssl_brokers(void) {
    static char buf[128];
    return listener_brokers("KAFKA_SASL_SSL_BROKERS", 3, buf, sizeof buf);
}

/* The CA that signed the broker's certificate: KAFKA_CA_LOCATION (harness/with-broker.sh
 * exports it), else the default run dir's copy, harness/kafka/.run/tls/ca.pem, found from this
 * program's own path (ffi-tests/c/build/test_security). */
static const char *ca_location(void) {
    static char buf[PATH_MAX + 64];
    const char *env = getenv("KAFKA_CA_LOCATION");
    if (env && *env) return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return "KAFKA_CA_LOCATION-not-set";
    exe[n] = 0;
    snprintf(buf, sizeof buf, "%s/../../kafka/.run/tls/ca.pem", dirname(exe));
    return buf;
}

/* A client config for the SASL listener at `brokers` (`protocol` SASL_PLAINTEXT or SASL_SSL) as
 * user kb-test. `ca` sets ssl.ca.location; NULL leaves librdkafka's default (the system's CAs). */
static kb_config *sasl_config(const char *brokers, const char *protocol, const char *mechanism,
                              const char *password, const char *ca) {
    kb_config *c = NULL;
    if (kb_config_new(&c) != 0) return NULL;
    int ok = kb_config_set(c, "bootstrap.servers", brokers) == 0 &&
             kb_config_set(c, "security.protocol", protocol) == 0 &&
             kb_config_set(c, "sasl.mechanism", mechanism) == 0 &&
             kb_config_set(c, "sasl.username", "kb-test") == 0 &&
             kb_config_set(c, "sasl.password", password) == 0 &&
             (!ca || kb_config_set(c, "ssl.ca.location", ca) == 0);
    if (!ok) {
        fprintf(stderr, "  config: %s\n", kbt_last_error());
        kb_config_free(c);
        return NULL;
    }
    return c;
}

static kb_producer *new_producer(kb_config *c) {
    kb_producer *p = NULL;
    if (c && kb_config_set(c, "message.timeout.ms", "5000") == 0 && kb_producer_new(c, &p) != 0)
        fprintf(stderr, "  producer: %s\n", kbt_last_error());
    kb_config_free(c);
    return p;
}

static kb_producer *sasl_producer(const char *mechanism, const char *password) {
    return new_producer(sasl_config(sasl_brokers(), "SASL_PLAINTEXT", mechanism, password, NULL));
}

/* Polls `p` for up to `timeout_ms` and returns the code of the first error event (0 if none). */
/* The first error event's code within timeout_ms (0 if none); its text is copied to `text`. */
static kb_err first_error_event_text(kb_producer *p, int timeout_ms, char *text, size_t cap) {
    long long deadline = kbt_now_ms() + timeout_ms;
    while (kbt_now_ms() < deadline) {
        kb_event *ev = NULL;
        if (kb_producer_poll(p, 50, &ev) != 0) return -1;
        if (!ev) continue;
        kb_event_view v;
        kb_err err = 0;
        if (kb_event_get_view(ev, &v) == 0 && v.kind == KB_EVENT_ERROR) {
            err = v.err;
            fprintf(stderr, "  (expected) error event %d %s: %s\n", v.err, kb_err_name(v.err), v.text ? v.text : "");
            snprintf(text, cap, "%s", v.text ? v.text : "");
        }
        kb_event_free(ev);
        if (err) return err;
    }
    return 0;
}

static kb_err first_error_event(kb_producer *p, int timeout_ms) {
    char text[1024];
    return first_error_event_text(p, timeout_ms, text, sizeof text);
}

static void plain_and_scram_with_the_right_password_deliver(void) {
    const char *mechanisms[] = {"PLAIN", "SCRAM-SHA-256"};
    for (int i = 0; i < 2; i++) {
        const char *topic = kbt_topic("sasl");
        CHECK_OK(kbt_create_topic(topic, 1));
        kb_producer *p = sasl_producer(mechanisms[i], "kb-test-secret");
        CHECK(p != NULL);
        kb_delivery d;
        CHECK_OK(kb_producer_produce_sync(p, topic, 0, NULL, 0, (const uint8_t *)"secret", 6, NULL, 0, 0, 15000, &d));
        CHECK_EQ_INT(d.offset, 0);
        CHECK_OK(kb_producer_free(p));
    }
}

static void wrong_password_is_an_authentication_error(void) {
    kb_producer *p = sasl_producer("SCRAM-SHA-256", "not-the-password");
    CHECK(p != NULL);
    CHECK_EQ_INT(first_error_event(p, 15000), -169); /* RD_KAFKA_RESP_ERR__AUTHENTICATION */
    kb_delivery d;
    kb_err e = kb_producer_produce_sync(p, kbt_topic("sasl-denied"), 0, NULL, 0, (const uint8_t *)"x", 1, NULL, 0, 0, 8000, &d);
    CHECK(e != 0);
    CHECK_OK(kb_producer_purge(p, KB_PURGE_QUEUE | KB_PURGE_INFLIGHT));
    kb_producer_free(p); /* may report the purged message; it was never accepted by Kafka */
}

/* TLS verified against the test CA, then SCRAM-SHA-256: what a producer writes, a consumer on
 * the same listener reads back byte for byte. */
static void sasl_ssl_scram_round_trip(void) {
    const char *topic = kbt_topic("sasl-ssl");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_producer *p = new_producer(sasl_config(sasl_ssl_brokers(), "SASL_SSL", "SCRAM-SHA-256", "kb-test-secret", ca_location()));
    CHECK(p != NULL);
    kb_delivery d;
    CHECK_OK(kb_producer_produce_sync(p, topic, 0, (const uint8_t *)"k", 1, (const uint8_t *)"over tls", 8, NULL, 0, 0, 15000, &d));
    CHECK_EQ_INT(d.offset, 0);
    CHECK_OK(kb_producer_free(p));

    kb_config *conf = sasl_config(sasl_ssl_brokers(), "SASL_SSL", "SCRAM-SHA-256", "kb-test-secret", ca_location());
    CHECK(conf != NULL);
    CHECK_OK(kb_config_set(conf, "auto.offset.reset", "earliest"));
    kb_consumer *c = NULL;
    kb_err e = kb_consumer_new(conf, &c);
    kb_config_free(conf);
    CHECK_OK(e);
    kb_topic_partition p0 = {topic, 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
    CHECK_OK(kb_consumer_assign(c, &p0, 1));
    kbt_msg m;
    size_t got = kbt_consume(c, &m, 1, 15000);
    kb_consumer_free(c);
    CHECK_EQ_INT(got, 1);
    CHECK_EQ_INT(m.offset, 0);
    CHECK(m.value_len == 8 && memcmp(m.value, "over tls", 8) == 0);
}

/* Without ssl.ca.location the client trusts only the system's CAs, not the test CA: the TLS
 * handshake fails with an SSL error event, and a produce fails within its timeout (no hang). */
static void sasl_ssl_without_the_ca_is_an_ssl_error(void) {
    kb_producer *p = new_producer(sasl_config(sasl_ssl_brokers(), "SASL_SSL", "SCRAM-SHA-256", "kb-test-secret", NULL));
    CHECK(p != NULL);
    long long t0 = kbt_now_ms();
    /* RD_KAFKA_RESP_ERR__SSL; or, when librdkafka sees the broker close the connection before it
     * reads the handshake's outcome (seen under valgrind), __TRANSPORT with OpenSSL's reason. */
    char text[1024] = "";
    kb_err err = first_error_event_text(p, 15000, text, sizeof text);
    if (!(err == -181 || (err == -195 && strstr(text, "certificate verify failed")))) FAIL("expected an SSL error event, got %d: %s", err, text);
    kb_delivery d;
    kb_err e = kb_producer_produce_sync(p, kbt_topic("sasl-ssl-untrusted"), 0, NULL, 0, (const uint8_t *)"x", 1, NULL, 0, 0, 8000, &d);
    CHECK(e != 0);
    CHECK(kbt_now_ms() - t0 < 25000);
    CHECK_OK(kb_producer_purge(p, KB_PURGE_QUEUE | KB_PURGE_INFLIGHT));
    kb_producer_free(p); /* may report the purged message; it was never accepted by Kafka */
}

/* ---- OAUTHBEARER: the broker accepts unsigned tokens whose scope includes "required-scope". */

static void base64url(const char *in, char *out) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t n = strlen(in), o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)in[i] << 16 | (i + 1 < n ? (unsigned char)in[i + 1] << 8 : 0) | (i + 2 < n ? (unsigned char)in[i + 2] : 0);
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        if (i + 1 < n) out[o++] = abc[v >> 6 & 63];
        if (i + 2 < n) out[o++] = abc[v & 63];
    }
    out[o] = 0;
}

/* An unsigned JWS for principal "admin" with `scope`, expiring `seconds` from now; its expiry in
 * ms since the epoch goes to `*expiry_ms`. */
static const char *unsigned_token(const char *scope, int seconds, long long *expiry_ms) {
    static char token[512];
    char claims[256], encoded[400];
    long long now = (long long)time(NULL);
    snprintf(claims, sizeof claims, "{\"sub\":\"admin\",\"iat\":%lld,\"exp\":%lld,\"scope\":\"%s\"}", now - 10, now + seconds, scope);
    base64url(claims, encoded);
    snprintf(token, sizeof token, "eyJhbGciOiJub25lIn0.%s.", encoded); /* {"alg":"none"} */
    *expiry_ms = (now + seconds) * 1000;
    return token;
}

static kb_config *oauth_config(void) {
    kb_config *c = NULL;
    if (kb_config_new(&c) != 0) return NULL;
    if (kb_config_set(c, "bootstrap.servers", sasl_brokers()) != 0 || kb_config_set(c, "security.protocol", "SASL_PLAINTEXT") != 0 ||
        kb_config_set(c, "sasl.mechanism", "OAUTHBEARER") != 0 || kb_config_set(c, "sasl.oauthbearer.config", "principal=admin") != 0) {
        fprintf(stderr, "  config: %s\n", kbt_last_error());
        kb_config_free(c);
        return NULL;
    }
    return c;
}

/* Polls until a token refresh event (1, or -1 if its text is not sasl.oauthbearer.config) or for
 * `timeout_ms` (0); other events are skipped. */
static int next_refresh(kb_producer *p, int timeout_ms) {
    long long deadline = kbt_now_ms() + timeout_ms;
    while (kbt_now_ms() < deadline) {
        kb_event *ev = NULL;
        if (kb_producer_poll(p, 50, &ev) != 0) return 0;
        if (!ev) continue;
        kb_event_view v;
        int refresh = kb_event_get_view(ev, &v) == 0 && v.kind == KB_EVENT_OAUTHBEARER_TOKEN_REFRESH;
        if (refresh && strcmp(v.text ? v.text : "", "principal=admin") != 0) refresh = -1;
        kb_event_free(ev);
        if (refresh) return refresh;
    }
    return 0;
}

static void oauthbearer_token_from_the_host_delivers_and_is_asked_for_again(void) {
    const char *topic = kbt_topic("oauth");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_producer *p = new_producer(oauth_config());
    CHECK(p != NULL);
    CHECK_EQ_INT(next_refresh(p, 15000), 1); /* asked for at creation */
    long long expiry_ms;
    const char *token = unsigned_token("required-scope", 6, &expiry_ms);
    const char *extensions[] = {"traceId", "kb-test"};
    CHECK_OK(kb_producer_oauthbearer_set_token(p, token, expiry_ms, "admin", extensions, 2));
    kb_delivery d;
    CHECK_OK(kb_producer_produce_sync(p, topic, 0, NULL, 0, (const uint8_t *)"bearer", 6, NULL, 0, 0, 15000, &d));
    CHECK_EQ_INT(d.offset, 0);
    CHECK_EQ_INT(next_refresh(p, 30000), 1); /* asked again at 80% of the token's life */
    CHECK_OK(kb_producer_free(p));
}

/* The events already queued (no waiting) that are errors with exactly `text`. */
static int queued_errors_with_text(kb_producer *p, const char *text) {
    int n = 0;
    kb_event *ev = NULL;
    while (kb_producer_poll(p, 0, &ev) == 0 && ev) {
        kb_event_view v;
        if (kb_event_get_view(ev, &v) == 0 && v.kind == KB_EVENT_ERROR && v.err == -169 && v.text && strcmp(v.text, text) == 0) n++;
        kb_event_free(ev);
    }
    return n;
}

/* A reported failure is an __AUTHENTICATION error already queued when the call returns, and only
 * once (librdkafka's own copy of it, served later by the poll thread, is dropped). */
static void oauthbearer_failure_or_missing_scope_is_an_authentication_error(void) {
    const char *topic = kbt_topic("oauth-failure");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_producer *p = new_producer(oauth_config());
    CHECK(p != NULL);
    CHECK_EQ_INT(next_refresh(p, 15000), 1);
    CHECK_OK(kb_producer_oauthbearer_set_token_failure(p, "no token for kb-test"));
    const char *failure = "Failed to acquire SASL OAUTHBEARER token: no token for kb-test";
    CHECK_EQ_INT(queued_errors_with_text(p, failure), 1);
    long long expiry_ms;
    const char *token = unsigned_token("required-scope", 60, &expiry_ms);
    CHECK_OK(kb_producer_oauthbearer_set_token(p, token, expiry_ms, "admin", NULL, 0));
    kb_delivery d;
    CHECK_OK(kb_producer_produce_sync(p, topic, 0, NULL, 0, (const uint8_t *)"after", 5, NULL, 0, 0, 15000, &d));
    CHECK_EQ_INT(queued_errors_with_text(p, failure), 0);
    kb_producer_free(p);

    p = new_producer(oauth_config());
    CHECK(p != NULL);
    token = unsigned_token("another-scope", 60, &expiry_ms);
    CHECK_OK(kb_producer_oauthbearer_set_token(p, token, expiry_ms, "admin", NULL, 0));
    char text[1024] = "";
    CHECK_EQ_INT(first_error_event_text(p, 15000, text, sizeof text), -169); /* __AUTHENTICATION */
    CHECK(strstr(text, "insufficient_scope") != NULL);
    kb_producer_free(p);
}

static void oauthbearer_consumer_reads_with_a_token_from_the_host(void) {
    const char *topic = kbt_topic("oauth-consumer");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_producer *p = new_producer(kbt_config(NULL));
    CHECK(p != NULL);
    kb_delivery d;
    CHECK_OK(kb_producer_produce_sync(p, topic, 0, NULL, 0, (const uint8_t *)"for the consumer", 16, NULL, 0, 0, 15000, &d));
    kb_producer_free(p);

    kb_config *conf = oauth_config();
    CHECK(conf != NULL);
    kb_consumer *c = NULL;
    kb_err e = kb_consumer_new(conf, &c);
    kb_config_free(conf);
    CHECK_OK(e);
    kb_event *ev = NULL;
    CHECK_OK(kb_consumer_poll_event(c, 0, &ev));
    kb_event_view v;
    CHECK(ev != NULL && kb_event_get_view(ev, &v) == 0 && v.kind == KB_EVENT_OAUTHBEARER_TOKEN_REFRESH);
    kb_event_free(ev);
    long long expiry_ms;
    const char *token = unsigned_token("required-scope", 60, &expiry_ms);
    CHECK_OK(kb_consumer_oauthbearer_set_token(c, token, expiry_ms, "admin", NULL, 0));
    kb_topic_partition p0 = {topic, 0, KB_OFFSET_BEGINNING, NULL, 0, 0};
    CHECK_OK(kb_consumer_assign(c, &p0, 1));
    kbt_msg m;
    size_t got = kbt_consume(c, &m, 1, 15000);
    kb_consumer_free(c);
    CHECK_EQ_INT(got, 1);
    CHECK(m.value_len == 16 && memcmp(m.value, "for the consumer", 16) == 0);
}

/* What librdkafka and kafkabridge refuse, before any broker is involved. */
static void oauthbearer_bad_tokens_are_refused_with_what_to_fix(void) {
    kb_producer *p = new_producer(oauth_config());
    CHECK(p != NULL);
    long long expiry_ms;
    const char *token = unsigned_token("required-scope", -60, &expiry_ms);
    CHECK_ERR(kb_producer_oauthbearer_set_token(p, token, expiry_ms, "admin", NULL, 0), -186); /* __INVALID_ARG: expired */
    CHECK(strstr(kbt_last_error(), "expired") != NULL);
    const char *odd[] = {"key-without-value"};
    CHECK_ERR(kb_producer_oauthbearer_set_token(p, token, expiry_ms + 120000, "admin", odd, 1), KB_ERR_INVALID_ARGUMENT);
    CHECK_ERR(kb_producer_oauthbearer_set_token(p, NULL, expiry_ms, "admin", NULL, 0), KB_ERR_NULL_ARGUMENT);
    CHECK_OK(kb_producer_free(p));

    kb_producer *plain = new_producer(kbt_config(NULL));
    CHECK(plain != NULL);
    CHECK_ERR(kb_producer_oauthbearer_set_token(plain, token, expiry_ms + 120000, "admin", NULL, 0), -172); /* __STATE */
    CHECK_ERR(kb_producer_oauthbearer_set_token_failure(plain, "none"), -172);
    CHECK_OK(kb_producer_free(plain));
}

TEST_MAIN_BEGIN
    RUN(plain_and_scram_with_the_right_password_deliver);
    RUN(wrong_password_is_an_authentication_error);
    RUN(sasl_ssl_scram_round_trip);
    RUN(sasl_ssl_without_the_ca_is_an_ssl_error);
    RUN(oauthbearer_token_from_the_host_delivers_and_is_asked_for_again);
    RUN(oauthbearer_failure_or_missing_scope_is_an_authentication_error);
    RUN(oauthbearer_consumer_reads_with_a_token_from_the_host);
    RUN(oauthbearer_bad_tokens_are_refused_with_what_to_fix);
TEST_MAIN_END
