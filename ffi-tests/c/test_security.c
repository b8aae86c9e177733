/* SASL against the broker's SASL_PLAINTEXT listener: PLAIN and SCRAM-SHA-256 with the right
 * password work; a wrong password is reported as an authentication error, never silently. */
#include "kbtest.h"

/* The SASL listener: KAFKA_SASL_BROKERS, else the PLAINTEXT port + 2 (ffi-tests/kafka). */
static const char *sasl_brokers(void) {
    static char buf[128];
    const char *env = getenv("KAFKA_SASL_BROKERS");
    if (env && *env) return env;
    const char *plain = kbt_brokers();
    const char *colon = strrchr(plain, ':');
    snprintf(buf, sizeof buf, "%.*s:%d", (int)(colon - plain), plain, atoi(colon + 1) + 2);
    return buf;
}

static kb_producer *sasl_producer(const char *mechanism, const char *password) {
    kb_config *c = NULL;
    kb_producer *p = NULL;
    if (kb_config_new(&c) != 0) return NULL;
    int ok = kb_config_set(c, "bootstrap.servers", sasl_brokers()) == 0 &&
             kb_config_set(c, "security.protocol", "SASL_PLAINTEXT") == 0 &&
             kb_config_set(c, "sasl.mechanism", mechanism) == 0 &&
             kb_config_set(c, "sasl.username", "kb-test") == 0 &&
             kb_config_set(c, "sasl.password", password) == 0 &&
             kb_config_set(c, "message.timeout.ms", "5000") == 0 &&
             kb_producer_new(c, &p) == 0;
    kb_config_free(c);
    return ok ? p : NULL;
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
    kb_err auth = 0;
    for (int i = 0; i < 300 && !auth; i++) {
        kb_event *ev = NULL;
        CHECK_OK(kb_producer_poll(p, 50, &ev));
        if (!ev) continue;
        kb_event_view v;
        CHECK_OK(kb_event_get_view(ev, &v));
        if (v.kind == KB_EVENT_ERROR) auth = v.err;
        CHECK_OK(kb_event_free(ev));
    }
    CHECK_EQ_INT(auth, -169); /* RD_KAFKA_RESP_ERR__AUTHENTICATION */
    kb_delivery d;
    kb_err e = kb_producer_produce_sync(p, kbt_topic("sasl-denied"), 0, NULL, 0, (const uint8_t *)"x", 1, NULL, 0, 0, 8000, &d);
    CHECK(e != 0);
    CHECK_OK(kb_producer_purge(p, KB_PURGE_QUEUE | KB_PURGE_INFLIGHT));
    kb_producer_free(p); /* may report the purged message; it was never accepted by Kafka */
}

TEST_MAIN_BEGIN
    RUN(plain_and_scram_with_the_right_password_deliver);
    RUN(wrong_password_is_an_authentication_error);
TEST_MAIN_END
