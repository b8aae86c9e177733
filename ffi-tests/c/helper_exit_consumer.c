/* Reads N messages of a topic as a session of a persistent consumer (enable.auto.commit, the
 * default) and returns from main without freeing anything: only kafkabridge's exit hook can
 * commit them and make the member leave its group. */
#include "kbtest.h"

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    const char *topic = argv[1];
    kb_config *c = kbt_config("group.id", argv[2], "bridge.persistent.name", "exit-test", "auto.offset.reset", "earliest", NULL);
    kb_consumer *consumer = NULL;
    if (!c || kb_consumer_new(c, &consumer) != 0) return 3;
    if (kb_consumer_subscribe(consumer, &topic, 1) != 0) return 4;
    kbt_msg m[64];
    size_t want = (size_t)atoi(argv[3]);
    if (want > 64 || kbt_consume(consumer, m, want, 30000) != want) return 5;
    return 0;
}
