/* Produces N messages to a topic through a persistent producer with a linger far longer than the
 * exit flush bound, frees the handle and returns from main at once: only kafkabridge's flush at
 * exit can deliver them, and only if it does not wait out linger.ms. */
#include "kbtest.h"

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    kb_config *c = kbt_config("bridge.persistent.name", "exit-test", "linger.ms", "60000", NULL);
    kb_producer *p = NULL;
    if (!c || kb_producer_new(c, &p) != 0) return 3;
    for (int i = 0; i < atoi(argv[2]); i++)
        if (kb_producer_produce(p, argv[1], 0, NULL, 0, (const uint8_t *)"bye", 3, NULL, 0, 0, NULL) != 0) return 4;
    kb_producer_free(p); /* the session ends; the persistent client still holds the messages */
    kb_config_free(c);
    return 0;
}
