"""Produce three messages (one synchronously, with a delivery callback for the others) and read
them back. Usage: KAFKA_BROKERS=host:port python examples/quickstart.py TOPIC"""

import os
import sys

import kafkabridge as kb


def main(topic: str) -> int:
    conf = {"bootstrap.servers": os.environ["KAFKA_BROKERS"]}
    with kb.Admin(conf) as admin:
        admin.create_topic(topic, partitions=1, replication_factor=1)

    delivered = []
    with kb.Producer(conf) as producer:
        for i in range(2):
            producer.produce(topic, value=b"value-%d\x00" % i, key=b"key-%d" % i,
                             headers=[("source", b"quickstart")],
                             on_delivery=lambda err, msg: delivered.append((err, msg.offset)))
        producer.flush(10)
        sync = producer.produce_sync(topic, b"sync", key=b"key-2", partition=0)
    print(f"delivered {len(delivered)} by callback, errors: {[e for e, _ in delivered if e]}")
    print(f"synchronous message at partition {sync.partition} offset {sync.offset}")

    read = []
    with kb.Consumer(conf, group_id=f"{topic}-group", auto_offset_reset="earliest") as consumer:
        consumer.subscribe([topic])
        for _ in range(100):
            read += [m for m in consumer.poll_batch(timeout=0.2, max=10) if m.error is None]
            if len(read) >= 3:
                break
    for m in read:
        print(f"read {m.key!r} = {m.value!r} headers {m.headers}")
    return 0 if len(read) == 3 and len(delivered) == 2 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
