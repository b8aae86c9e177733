from __future__ import annotations

import uuid

import kafkabridge as kb
from conftest import consume_n

CASES = [
    (b"k\x00ey", b"va\x00lue\x00", [("h\x00ignored".split("\x00")[0], b"\x00\x01"), ("none", None), ("empty", b"")]),
    (None, b"", []),
    (b"", None, [("x", b"y")]),
    (None, None, []),
    (bytes(range(256)), bytes(range(256)) * 40, [("bin", bytes(range(256)))]),
]


def _consumer(brokers: str, **extra: str) -> kb.Consumer:
    conf = {"bootstrap.servers": brokers, "auto.offset.reset": "earliest",
            "enable.auto.commit": "false", "group.id": f"g-{uuid.uuid4().hex[:10]}"}
    conf.update(extra)
    return kb.Consumer(conf)


def test_round_trip_binary_and_none_vs_empty(brokers, new_topic):
    topic = new_topic()
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        for key, value, headers in CASES:
            p.produce(topic, value, key=key, headers=headers, timestamp_ms=1_700_000_000_000)
        p.flush(30)
    with _consumer(brokers) as c:
        c.subscribe([topic])
        msgs = consume_n(c, len(CASES))
    assert len(msgs) == len(CASES)
    msgs.sort(key=lambda m: m.offset)
    for m, (key, value, headers) in zip(msgs, CASES):
        assert m.topic == topic
        assert m.key == key and type(m.key) is type(key)
        assert m.value == value and type(m.value) is type(value)
        assert m.headers == headers
        assert m.timestamp_ms == 1_700_000_000_000
        assert m.error is None


def test_produce_sync_partition_and_offset(brokers, new_topic):
    topic = new_topic(3)
    with kb.Producer({"bootstrap.servers": brokers, "linger.ms": "1000"}) as p:
        d0 = p.produce_sync(topic, b"a", partition=2, timeout=30)
        d1 = p.produce_sync(topic, b"b", partition=2, timeout=30)
        assert isinstance(d0, kb.Delivery)
        assert (d0.partition, d0.offset) == (2, 0)
        assert (d1.partition, d1.offset) == (2, 1)
        assert d1.message_id != d0.message_id
    with _consumer(brokers) as c:
        c.assign([kb.TopicPartition(topic, 2, kb.OFFSET_BEGINNING)])
        msgs = consume_n(c, 2)
    assert [(m.partition, m.offset, m.value) for m in msgs] == [(2, 0, b"a"), (2, 1, b"b")]


def test_delivery_reports_carry_ids(brokers, new_topic):
    topic = new_topic()
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        ids = [p.produce(topic, f"v{i}".encode()) for i in range(10)]
        assert len(set(ids)) == 10
        p.flush(30)
        reports = []
        for _ in range(20):
            reports += [e for e in p.poll_events(0.5, 100) if isinstance(e, kb.DeliveryReport)]
            if len(reports) >= 10:
                break
        ev = p.poll(0.0)
        assert ev is None or not isinstance(ev, kb.DeliveryReport)
    assert sorted(r.message_id for r in reports) == sorted(ids)
    for r in reports:
        assert r.error is None and r.code == 0
        assert r.topic == topic and r.partition == 0
    assert sorted(r.offset for r in reports) == list(range(10))


def test_batch_produce_and_consume(brokers, new_topic):
    topic = new_topic(2)
    n = 200
    records = [kb.Record(topic, f"value-{i}".encode(), key=f"k{i}".encode(), partition=i % 2,
                         headers=[("i", str(i).encode())]) for i in range(n)]
    records.append({"topic": topic, "value": None, "key": b"tomb", "partition": 0})
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        ids = p.produce_batch(records)
        assert len(ids) == n + 1 and len(set(ids)) == n + 1
        p.flush(30)
        delivered = {e.message_id for e in p.poll_events(1.0, 10_000) if isinstance(e, kb.DeliveryReport)}
        assert delivered == set(ids)
    with _consumer(brokers) as c:
        c.subscribe(topic)
        msgs = consume_n(c, n + 1)
        c.commit()
        committed = {tp.partition: tp.offset for tp in c.committed()}
    assert len(msgs) == n + 1
    by_key = {m.key: m for m in msgs}
    for i in range(n):
        m = by_key[f"k{i}".encode()]
        assert m.value == f"value-{i}".encode() and m.partition == i % 2
        assert m.headers == [("i", str(i).encode())]
    assert by_key[b"tomb"].value is None
    assert committed == {0: n // 2 + 1, 1: n // 2}


def test_seek_and_position(brokers, new_topic):
    topic = new_topic()
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        p.produce_batch([kb.Record(topic, str(i).encode(), partition=0) for i in range(5)])
        p.flush(30)
    with _consumer(brokers) as c:
        c.assign([kb.TopicPartition(topic, 0, kb.OFFSET_BEGINNING)])
        assert [m.value for m in consume_n(c, 5)] == [b"0", b"1", b"2", b"3", b"4"]
        assert [(tp.topic, tp.partition, tp.offset) for tp in c.position()] == [(topic, 0, 5)]
        c.seek(topic, 0, 3)
        assert [m.offset for m in consume_n(c, 2)] == [3, 4]
        c.close()
        c.close()  # idempotent
        assert c.closed


def test_bytearray_and_memoryview_values_round_trip(brokers: str, new_topic) -> None:
    topic = new_topic(1)
    values = [bytearray(b"ba\x00rr"), memoryview(b"mem\x00view"), b"", bytearray()]
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        for v in values:
            p.produce_sync(topic, v, partition=0)
    got = []
    with kb.Consumer({"bootstrap.servers": brokers}) as c:
        c.assign([kb.TopicPartition(topic, 0, kb.OFFSET_BEGINNING)])
        for _ in range(100):
            got += [m.value for m in c.poll_batch(timeout=0.2, max=10) if m.error is None]
            if len(got) >= len(values):
                break
    assert got == [bytes(v) for v in values]
