/* Persistent consumers (bridge.persistent.name) against the real broker: the next session
 * continues exactly after the last committed message (handing out again what the previous one
 * did not commit, and counting it); between sessions the member prefetches into a bounded
 * buffer, pausing its partitions when the buffer is full and resuming them as a session drains
 * it; a revocation drops the buffer uncommitted and the partition's new owner reads it; a fork
 * child never touches the parent's member; at exit a member commits and leaves its group. */
#include <sys/wait.h>
#include "kbtest.h"

/* Produces `n` messages "m<i>" to `partition` of `topic` and waits for their reports. */
static int produce_n(const char *topic, int32_t partition, int n) {
    kb_config *conf = kbt_config(NULL);
    kb_producer *p = NULL;
    int rc = kb_producer_new(conf, &p);
    kb_config_free(conf);
    if (rc) return rc;
    uint64_t *ids = calloc((size_t)n, sizeof *ids);
    for (int i = 0; i < n && rc == 0; i++) {
        char value[32];
        int len = snprintf(value, sizeof value, "m%d", i);
        rc = kb_producer_produce(p, topic, partition, NULL, 0, (const uint8_t *)value, (size_t)len, NULL, 0, 0, &ids[i]);
    }
    if (rc == 0) rc = kbt_await_deliveries(p, ids, (size_t)n, NULL, 30000);
    free(ids);
    kb_producer_free(p);
    return rc;
}

/* A session of the persistent consumer `name` in `group` (earliest), subscribed to `topic`. */
static kb_consumer *session(const char *name, const char *group, const char *topic, const char *auto_commit, const char *buffer) {
    kb_config *conf = kbt_config("group.id", group, "bridge.persistent.name", name, "auto.offset.reset", "earliest",
                                 "enable.auto.commit", auto_commit, "bridge.consumer.buffer.messages", buffer, NULL);
    kb_consumer *c = NULL;
    if (!conf || kb_consumer_new(conf, &c) != 0) fprintf(stderr, "  kb_consumer_new: %s\n", kbt_last_error());
    kb_config_free(conf);
    if (c && kb_consumer_subscribe(c, &topic, 1) != 0) fprintf(stderr, "  subscribe: %s\n", kbt_last_error());
    return c;
}

static kb_consumer_info info(kb_consumer *c) {
    kb_consumer_info i;
    memset(&i, 0, sizeof i);
    if (kb_consumer_get_info(c, &i) != 0) fprintf(stderr, "  kb_consumer_get_info: %s\n", kbt_last_error());
    return i;
}

/* Commits the offset after message `m` of `topic`. */
static kb_err commit_after(kb_consumer *c, const char *topic, const kbt_msg *m) {
    kb_topic_partition tp = {topic, m->partition, m->offset + 1, NULL, 0, 0};
    return kb_consumer_commit(c, &tp, 1, 0);
}

/* Manual commits: session 1 is handed 0..9 and commits up to 4; session 2 (the same member, no
 * new join) gets 5.. in order, and 5..9 are counted as handed out again. */
static void the_next_session_continues_after_the_last_committed_message(void) {
    const char *topic = kbt_topic("pc-resume");
    const char *name = kbt_topic("pc-name");
    const char *group = kbt_topic("pc-group");
    CHECK_OK(kbt_create_topic(topic, 1));
    CHECK_OK(produce_n(topic, 0, 30));
    kbt_msg m[30];
    kb_consumer *c = session(name, group, topic, "false", "5");
    CHECK(c != NULL);
    CHECK_EQ_INT(kbt_consume(c, m, 10, 30000), 10);
    for (int i = 0; i < 10; i++) CHECK_EQ_INT(m[i].offset, i);
    CHECK_OK(commit_after(c, topic, &m[4]));
    CHECK_EQ_INT(info(c).reused, 0);
    CHECK_OK(kb_consumer_free(c));

    c = session(name, group, topic, "false", "5");
    CHECK(c != NULL);
    kb_consumer_info i = info(c);
    CHECK_EQ_INT(i.persistent, 1);
    CHECK_EQ_INT(i.reused, 1);
    CHECK_EQ_INT(i.sessions_served, 1);
    CHECK_EQ_INT(i.redelivered, 5);
    /* The member stayed in its group: the same single assignment, no rebalance since. */
    CHECK_EQ_INT(i.creator_pid, getpid());
    CHECK_EQ_INT(i.assigned_partitions, 1);
    CHECK_EQ_INT(i.rebalances, 1);
    CHECK(i.group_generation >= 1);
    CHECK_EQ_INT(kbt_consume(c, m, 25, 30000), 25);
    for (int k = 0; k < 25; k++) CHECK_EQ_INT(m[k].offset, 5 + k);
    CHECK_OK(commit_after(c, topic, &m[24]));
    CHECK_OK(kb_consumer_free(c));
}

/* enable.auto.commit: a session's end commits what it was handed; nothing is handed out twice. */
static void with_auto_commit_a_session_end_commits_what_it_was_handed(void) {
    const char *topic = kbt_topic("pc-auto");
    const char *name = kbt_topic("pc-name");
    const char *group = kbt_topic("pc-group");
    CHECK_OK(kbt_create_topic(topic, 1));
    CHECK_OK(produce_n(topic, 0, 20));
    kbt_msg m[20];
    kb_consumer *c = session(name, group, topic, "true", "1000");
    CHECK(c != NULL);
    CHECK_EQ_INT(kbt_consume(c, m, 7, 30000), 7);
    CHECK_OK(kb_consumer_free(c));
    c = session(name, group, topic, "true", "1000");
    CHECK(c != NULL);
    CHECK_EQ_INT(info(c).redelivered, 0);
    CHECK_EQ_INT(kbt_consume(c, m, 13, 30000), 13);
    for (int k = 0; k < 13; k++) CHECK_EQ_INT(m[k].offset, 7 + k);
    kb_topic_partition tp = {topic, 0, KB_OFFSET_INVALID, NULL, 0, 0};
    kb_partition_list *committed = NULL;
    CHECK_OK(kb_consumer_free(c));
    /* A private consumer of the group sees what the member committed. */
    kb_config *conf = kbt_config("group.id", group, NULL);
    kb_consumer *reader = NULL;
    CHECK_OK(kb_consumer_new(conf, &reader));
    kb_config_free(conf);
    CHECK_OK(kb_consumer_committed(reader, &tp, 1, 10000, &committed));
    const kb_topic_partition *entries = NULL;
    CHECK_OK(kb_partition_list_entries(committed, &entries));
    CHECK(kb_partition_list_count(committed) == 1 && entries[0].offset == 20);
    kb_partition_list_free(committed);
    kb_consumer_free(reader);
}

/* Attaches a session until the member buffered at least `want` messages (bounded); returns the
 * attached session, or NULL. Each try attaches and frees a session that is handed nothing. */
static kb_consumer *await_buffered(const char *name, const char *group, const char *topic, const char *buffer, uint64_t want) {
    long long deadline = kbt_now_ms() + 30000;
    while (kbt_now_ms() < deadline) {
        kb_consumer *c = session(name, group, topic, "true", buffer);
        if (!c) return NULL;
        kb_consumer_info i = info(c);
        if (i.buffered_messages >= want) return c;
        kb_consumer_free(c);
        kbt_pause_ms(50); /* the keeper fills the buffer between sessions: polled, not assumed */
    }
    return NULL;
}

static void a_full_buffer_pauses_and_a_draining_session_resumes(void) {
    const char *topic = kbt_topic("pc-buffer");
    const char *name = kbt_topic("pc-name");
    const char *group = kbt_topic("pc-group");
    CHECK_OK(kbt_create_topic(topic, 1));
    CHECK_OK(produce_n(topic, 0, 40));
    kbt_msg m[40];
    kb_consumer *c = session(name, group, topic, "true", "5");
    CHECK(c != NULL);
    CHECK_EQ_INT(kbt_consume(c, m, 1, 30000), 1);
    CHECK_OK(kb_consumer_free(c));

    c = await_buffered(name, group, topic, "5", 5);
    CHECK(c != NULL);
    kb_consumer_info i = info(c);
    CHECK(i.buffered_messages >= 5 && i.buffered_messages <= 6); /* one poll may overfill by one */
    CHECK_EQ_INT(i.paused_partitions, 1);
    CHECK(i.buffered_bytes >= 10);
    CHECK_EQ_INT(kbt_consume(c, m, 39, 30000), 39); /* the buffer first, then live after resuming */
    for (int k = 0; k < 39; k++) CHECK_EQ_INT(m[k].offset, 1 + k);
    CHECK_EQ_INT(info(c).paused_partitions, 0);
    CHECK_OK(kb_consumer_free(c));
}

/* The member holds a buffer of both partitions; a second member joins; the eager rebalance
 * revokes both, the buffer is dropped uncommitted, and whoever owns each partition next reads
 * every message from the committed offset on: nothing lost. */
static void a_revocation_drops_the_buffer_and_the_new_owner_reads_it(void) {
    const char *topic = kbt_topic("pc-revoke");
    const char *name = kbt_topic("pc-name");
    const char *group = kbt_topic("pc-group");
    CHECK_OK(kbt_create_topic(topic, 2));
    CHECK_OK(produce_n(topic, 0, 10));
    CHECK_OK(produce_n(topic, 1, 10));
    kbt_msg m[40];
    kb_consumer *c = session(name, group, topic, "true", "100");
    CHECK(c != NULL);
    CHECK_EQ_INT(kbt_consume(c, m, 1, 30000), 1);
    CHECK_OK(kb_consumer_free(c)); /* commits the one message it was handed */
    c = await_buffered(name, group, topic, "100", 19);
    CHECK(c != NULL);
    CHECK_OK(kb_consumer_free(c));

    kb_config *conf = kbt_config("group.id", group, "auto.offset.reset", "earliest", NULL);
    kb_consumer *other = NULL;
    CHECK_OK(kb_consumer_new(conf, &other));
    kb_config_free(conf);
    CHECK_OK(kb_consumer_subscribe(other, &topic, 1));
    /* The other member's partition, read to its end (at least one message once it is assigned). */
    size_t got_other = kbt_consume(other, m, 20, 15000);
    CHECK(got_other > 0);
    int32_t theirs = got_other ? m[0].partition : -1;
    int seen[2][10] = {{0}};
    for (size_t k = 0; k < got_other; k++) {
        CHECK_EQ_INT(m[k].partition, theirs);
        seen[m[k].partition][m[k].offset]++;
    }
    /* The persistent member's session gets the other partition only: nothing of the revoked
     * one is left in its buffer. */
    c = session(name, group, topic, "true", "100");
    CHECK(c != NULL);
    size_t got_ours = kbt_consume(c, m, 40, 5000); /* everything it is handed, buffered or live */
    for (size_t k = 0; k < got_ours; k++) {
        CHECK(m[k].partition != theirs);
        seen[m[k].partition][m[k].offset]++;
    }
    CHECK_OK(kb_consumer_free(c));
    kb_consumer_free(other);
    /* Every message but the first one handed out (and committed) was read after the rebalance. */
    int missing = 0;
    for (int p = 0; p < 2; p++)
        for (int o = 0; o < 10; o++)
            if (!seen[p][o]) missing++;
    CHECK_EQ_INT(missing, 1);
}

static void one_session_at_a_time_and_a_group_is_required(void) {
    const char *topic = kbt_topic("pc-once");
    const char *name = kbt_topic("pc-name");
    const char *group = kbt_topic("pc-group");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_consumer *c = session(name, group, topic, "true", "10");
    CHECK(c != NULL);
    kb_config *conf = kbt_config("group.id", group, "bridge.persistent.name", name, "auto.offset.reset", "earliest",
                                 "enable.auto.commit", "true", "bridge.consumer.buffer.messages", "10", NULL);
    kb_consumer *second = NULL;
    CHECK_ERR(kb_consumer_new(conf, &second), KB_ERR_INVALID_STATE);
    CHECK(strstr(kbt_last_error(), "in use by another handle") != NULL);
    kb_config_free(conf);
    CHECK_OK(kb_consumer_close(c));
    kb_message *msg = NULL;
    CHECK_ERR(kb_consumer_poll(c, 0, &msg), KB_ERR_INVALID_STATE); /* the session has ended */
    CHECK_OK(kb_consumer_free(c));

    conf = kbt_config("bridge.persistent.name", kbt_topic("pc-nogroup"), NULL);
    CHECK_ERR(kb_consumer_new(conf, &second), KB_ERR_INVALID_ARGUMENT);
    CHECK(strstr(kbt_last_error(), "group.id") != NULL);
    kb_config_free(conf);
}

static void a_fork_child_never_touches_the_parents_member(void) {
    const char *topic = kbt_topic("pc-fork");
    const char *name = kbt_topic("pc-name");
    const char *group = kbt_topic("pc-group");
    CHECK_OK(kbt_create_topic(topic, 1));
    CHECK_OK(produce_n(topic, 0, 6));
    kbt_msg m[6];
    kb_consumer *c = session(name, group, topic, "true", "100");
    CHECK(c != NULL);
    CHECK_EQ_INT(kbt_consume(c, m, 2, 30000), 2);
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        /* Exit codes say which step failed. */
        kb_message *msg = NULL;
        if (kb_consumer_poll(c, 0, &msg) != KB_ERR_INVALID_HANDLE) kbt_child_exit(10);
        kb_config *conf = kbt_config("group.id", kbt_topic("pc-child-group"), "bridge.persistent.name", name, NULL);
        kb_consumer *fresh = NULL;
        if (!conf || kb_consumer_new(conf, &fresh) != 0) kbt_child_exit(11);
        kb_consumer_info i;
        if (kb_consumer_get_info(fresh, &i) != 0 || i.reused != 0) kbt_child_exit(12);
        if (i.creator_pid != (uint32_t)getpid()) kbt_child_exit(13);
        kbt_child_exit(0);
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK_EQ_INT(WEXITSTATUS(status), 0);
    /* The parent's session goes on where it was. */
    CHECK_EQ_INT(kbt_consume(c, m, 4, 30000), 4);
    CHECK_EQ_INT(m[0].offset, 2);
    CHECK_EQ_INT(m[3].offset, 5);
    CHECK_OK(kb_consumer_free(c));
}

/* A process that read 5 messages and returned from main: the group's committed offset is 5,
 * and a new member is assigned the partition at once (had the old one not left, the group would
 * wait out its session timeout, 45 s) and reads the rest. */
static void at_exit_a_member_commits_and_leaves_its_group(void) {
    const char *topic = kbt_topic("pc-exit");
    const char *group = kbt_topic("pc-group");
    CHECK_OK(kbt_create_topic(topic, 1));
    CHECK_OK(produce_n(topic, 0, 8));
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        execl(kbt_helper_path("helper_exit_consumer"), "helper_exit_consumer", topic, group, "5", (char *)NULL);
        kbt_child_exit(127);
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK_EQ_INT(WEXITSTATUS(status), 0);
    kb_config *conf = kbt_config("group.id", group, "auto.offset.reset", "earliest", NULL);
    kb_consumer *next = NULL;
    CHECK_OK(kb_consumer_new(conf, &next));
    kb_config_free(conf);
    CHECK_OK(kb_consumer_subscribe(next, &topic, 1));
    kbt_msg m[8];
    size_t got = kbt_consume(next, m, 3, 20000);
    CHECK_EQ_INT(got, 3);
    CHECK_EQ_INT(m[0].offset, 5);
    kb_consumer_free(next);
}

/* A member with no session for bridge.consumer.idle.ms leaves its group: a second member then
 * gets both partitions and reads everything; the next session rejoins (subscribed as before). */
static void an_idle_member_leaves_and_its_partitions_move(void) {
    const char *topic = kbt_topic("pc-idle");
    const char *name = kbt_topic("pc-name");
    const char *group = kbt_topic("pc-group");
    CHECK_OK(kbt_create_topic(topic, 2));
    kb_config *conf = kbt_config("group.id", group, "bridge.persistent.name", name, "auto.offset.reset", "earliest",
                                 "bridge.consumer.idle.ms", "500", NULL);
    kb_consumer *c = NULL;
    CHECK_OK(kb_consumer_new(conf, &c));
    CHECK_OK(kb_consumer_subscribe(c, &topic, 1));
    kbt_msg m[20];
    kbt_consume(c, m, 1, 3000); /* joins the group (the topic is empty) */
    kb_partition_list *assigned = NULL;
    CHECK_OK(kb_consumer_assignment(c, &assigned));
    CHECK_EQ_INT(kb_partition_list_count(assigned), 2);
    kb_partition_list_free(assigned);
    CHECK_OK(kb_consumer_free(c));
    /* Waits (bounded) until the member has left: each look attaches a session, which ends the
     * idle time, so look rarely. */
    uint64_t leaves = 0;
    for (int tries = 0; tries < 20 && leaves == 0; tries++) {
        kbt_pause_ms(1000);
        CHECK_OK(kb_consumer_new(conf, &c));
        leaves = info(c).idle_leaves;
        if (leaves == 0) CHECK_OK(kb_consumer_free(c));
    }
    CHECK_EQ_INT(leaves, 1);
    CHECK_OK(kb_consumer_free(c)); /* the session rejoined; it leaves again after 500 ms idle */
    /* Whether the member has left again when the other one joins or leaves a moment later, the
     * other member ends up with both partitions; had it stayed, only with one. */

    CHECK_OK(produce_n(topic, 0, 5));
    CHECK_OK(produce_n(topic, 1, 5));
    kb_config *other_conf = kbt_config("group.id", group, "auto.offset.reset", "earliest", NULL);
    kb_consumer *other = NULL;
    CHECK_OK(kb_consumer_new(other_conf, &other));
    kb_config_free(other_conf);
    CHECK_OK(kb_consumer_subscribe(other, &topic, 1));
    CHECK_EQ_INT(kbt_consume(other, m, 10, 20000), 10); /* both partitions are its own */
    kb_consumer_free(other);
    kb_config_free(conf);
}

TEST_MAIN_BEGIN
    RUN(the_next_session_continues_after_the_last_committed_message);
    RUN(with_auto_commit_a_session_end_commits_what_it_was_handed);
    RUN(a_full_buffer_pauses_and_a_draining_session_resumes);
    RUN(a_revocation_drops_the_buffer_and_the_new_owner_reads_it);
    RUN(one_session_at_a_time_and_a_group_is_required);
    RUN(a_fork_child_never_touches_the_parents_member);
    RUN(at_exit_a_member_commits_and_leaves_its_group);
    RUN(an_idle_member_leaves_and_its_partitions_move);
TEST_MAIN_END
