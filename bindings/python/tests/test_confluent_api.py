"""confluent-kafka-python call shapes: on_delivery, poll() -> int, consume(), pause/resume,
list_topics, get_watermark_offsets, consumer groups and transactions."""
from __future__ import annotations

import time
import uuid

import pytest

import kafkabridge as kb
from conftest import consume_n


def _group_conf(brokers: str, group: str, **extra: str) -> dict:
    conf = {"bootstrap.servers": brokers, "group.id": group, "auto.offset.reset": "earliest",
            "enable.auto.commit": "false"}
    conf.update(extra)
    return conf


def _gid() -> str:
    return f"g-{uuid.uuid4().hex[:10]}"


def test_on_delivery_called_once_per_message_after_flush(brokers, new_topic):
    topic = new_topic()
    calls = []
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        ids = [p.produce(topic, f"v{i}".encode(), key=f"k{i}".encode(), partition=None,
                         timestamp=1_700_000_000_000,
                         on_delivery=lambda err, msg: calls.append((err, msg)))
               for i in range(5)]
        plain = p.produce(topic, value=b"no-callback")  # confluent shape: value is a keyword
        assert p.flush(30) >= 0
        assert len(calls) == 5
        for err, msg in calls:
            assert err is None
            assert msg.topic == topic and msg.partition == 0 and msg.error is None
            assert msg.value == b"v%d" % int(msg.key[1:])
        assert sorted(m.offset for _, m in calls) == sorted(set(m.offset for _, m in calls))
        assert all(0 <= m.offset <= 5 for _, m in calls)
        # the report without a callback is still there for poll_events
        reports = []
        for _ in range(20):
            reports += [e for e in p.poll_events(0.2) if isinstance(e, kb.DeliveryReport)]
            if reports:
                break
        assert [r.message_id for r in reports] == [plain]
        assert plain not in ids
        # nothing is called twice
        p.poll(0.2)
        assert len(calls) == 5
    with kb.Consumer({"bootstrap.servers": brokers}) as c:
        c.assign([kb.TopicPartition(topic, 0, kb.OFFSET_BEGINNING)])
        msgs = consume_n(c, 6)
    assert all(m.timestamp_ms == 1_700_000_000_000 for m in msgs if m.value != b"no-callback")


def test_poll_returns_count_and_serves_callbacks(brokers, new_topic):
    topic = new_topic()
    calls = []
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        for i in range(3):
            p.produce(topic, b"x", on_delivery=lambda err, msg: calls.append(err))
        served = 0
        for _ in range(100):
            if len(calls) == 3:
                break
            served += p.poll(0.2)
        assert calls == [None, None, None]
        assert served >= 3
        assert p.poll(0.0) == 0 or len(calls) == 3


def test_len_and_failed_on_delivery(brokers, new_topic):
    calls = []
    topic = new_topic()
    # a long linger keeps the messages in librdkafka's queue until purged
    with kb.Producer({"bootstrap.servers": brokers, "linger.ms": "60000"}) as p:
        assert len(p) == 0
        for _ in range(3):
            p.produce(topic, b"x", on_delivery=lambda err, msg: calls.append((err, msg)))
        assert len(p) == 3
        p.purge()
        for _ in range(50):
            if len(calls) == 3:
                break
            p.poll(0.2)
        assert len(calls) == 3
        assert len(p) == 0
        for err, msg in calls:
            assert isinstance(err, kb.KafkaBridgeError) and err.code == -152
            assert msg.topic == topic and msg.value == b"x" and msg.error is err


def test_consume_returns_list(brokers, new_topic):
    topic = new_topic()
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        p.produce_batch([kb.Record(topic, str(i).encode()) for i in range(4)])
        p.flush(30)
    with kb.Consumer({"bootstrap.servers": brokers}) as c:
        c.assign([kb.TopicPartition(topic, 0, kb.OFFSET_BEGINNING)])
        got = []
        for _ in range(60):
            batch = c.consume(num_messages=3, timeout=0.5)
            assert isinstance(batch, list) and len(batch) <= 3
            got += [m for m in batch if m.error is None]
            if len(got) >= 4:
                break
    assert [m.value for m in got] == [b"0", b"1", b"2", b"3"]


def test_group_of_two_rebalances(brokers, new_topic):
    topic = new_topic(2)
    group = _gid()
    c1 = kb.Consumer(_group_conf(brokers, group))
    c2 = kb.Consumer(_group_conf(brokers, group))
    try:
        c1.subscribe([topic])
        c2.subscribe([topic])
        end = time.monotonic() + 60
        a1 = a2 = []
        while time.monotonic() < end:
            c1.consume(10, 0.2)
            c2.consume(10, 0.2)
            a1, a2 = c1.assignment(), c2.assignment()
            if len(a1) == 1 and len(a2) == 1:
                break
        assert len(a1) == 1 and len(a2) == 1
        assert sorted([a1[0].partition, a2[0].partition]) == [0, 1]
        c1.close()
        end = time.monotonic() + 60
        while time.monotonic() < end:
            c2.consume(10, 0.2)
            a2 = c2.assignment()
            if len(a2) == 2:
                break
        assert sorted(tp.partition for tp in a2) == [0, 1]
    finally:
        c1.close()
        c2.close()


def test_commit_then_restart_resumes_after_committed(brokers, new_topic):
    topic = new_topic()
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        p.produce_batch([kb.Record(topic, str(i).encode()) for i in range(6)])
        p.flush(30)
    group = _gid()
    with kb.Consumer(_group_conf(brokers, group)) as c:
        c.subscribe([topic])
        msgs = consume_n(c, 6)
        assert [m.offset for m in msgs] == list(range(6))
        c.commit([msgs[3]])  # next offset to read: 4
    with kb.Consumer(_group_conf(brokers, group)) as c:
        c.subscribe([topic])
        again = consume_n(c, 2)
        assert [(m.offset, m.value) for m in again] == [(4, b"4"), (5, b"5")]
        assert c.consume(10, 0.5) == [] or all(m.error is not None for m in c.consume(10, 0))


def test_pause_and_resume(brokers, new_topic):
    topic = new_topic(2)
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        p.produce_batch([kb.Record(topic, b"p%d" % (i % 2), partition=i % 2) for i in range(10)])
        p.flush(30)
    with kb.Consumer({"bootstrap.servers": brokers}) as c:
        c.assign([kb.TopicPartition(topic, 0, kb.OFFSET_BEGINNING),
                  kb.TopicPartition(topic, 1, kb.OFFSET_BEGINNING)])
        c.pause([kb.TopicPartition(topic, 1)])
        got = []
        # bounded window: all of partition 0, then a few more polls; partition 1 must stay silent
        extra = 0
        for _ in range(120):
            got += [m for m in c.consume(100, 0.25) if m.error is None]
            if sum(m.partition == 0 for m in got) >= 5:
                extra += 1
                if extra > 6:
                    break
        assert sorted(m.partition for m in got) == [0] * 5
        c.resume([kb.TopicPartition(topic, 1)])
        more = []
        for _ in range(120):
            more += [m for m in c.consume(100, 0.25) if m.error is None]
            if len(more) >= 5:
                break
        assert [(m.partition, m.offset) for m in more] == [(1, i) for i in range(5)]


def test_watermarks_and_list_topics(brokers, new_topic, admin):
    topic = new_topic(2)
    n = 7
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        p.produce_batch([kb.Record(topic, b"x", partition=0) for _ in range(n)])
        p.flush(30)
        assert p.get_watermark_offsets(topic, 0, 10) == (0, n)
        assert p.get_watermark_offsets(kb.TopicPartition(topic, 1), timeout=10) == (0, 0)
        md = p.list_topics(topic, timeout=10)
        assert list(md.topics) == [topic]
        tm = md.topics[topic]
        assert tm.error is None and sorted(tm.partitions) == [0, 1]
        assert all(pm.leader in md.brokers for pm in tm.partitions.values())
        assert topic in p.list_topics(timeout=10).topics
        with pytest.raises(kb.KafkaBridgeError):
            p.get_watermark_offsets(topic, 5, 5)
    with kb.Consumer({"bootstrap.servers": brokers}) as c:
        assert c.get_watermark_offsets(topic, 0, 10) == (0, n)
        assert sorted(c.list_topics(topic, 10).topics[topic].partitions) == [0, 1]
    assert admin.list_topics(topic, 10).topics[topic].error is None


def _read_all(brokers: str, topic: str, isolation: str, expect_last: bytes) -> list:
    with kb.Consumer({"bootstrap.servers": brokers, "isolation.level": isolation}) as c:
        c.assign([kb.TopicPartition(topic, 0, kb.OFFSET_BEGINNING)])
        values = []
        for _ in range(120):
            values += [m.value for m in c.consume(100, 0.25) if m.error is None]
            if expect_last in values:
                break
        return values


def test_transactions_commit_visible_abort_invisible(brokers, new_topic):
    topic = new_topic()
    conf = {"bootstrap.servers": brokers, "transactional.id": f"tx-{uuid.uuid4().hex[:10]}"}
    with kb.Producer(conf) as p:
        p.init_transactions(30)
        p.begin_transaction()
        p.produce(topic, b"c1")
        p.produce(topic, b"c2")
        p.commit_transaction(30)
        p.begin_transaction()
        p.produce(topic, b"a1")
        p.produce(topic, b"a2")
        p.flush(30)  # really written to the log, then aborted
        p.abort_transaction(30)
        p.begin_transaction()
        p.produce(topic, b"last")
        p.commit_transaction(30)
    assert _read_all(brokers, topic, "read_committed", b"last") == [b"c1", b"c2", b"last"]
    assert _read_all(brokers, topic, "read_uncommitted", b"last") == [b"c1", b"c2", b"a1", b"a2",
                                                                      b"last"]


def test_send_offsets_to_transaction(brokers, new_topic):
    src, dst = new_topic(), new_topic()
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        p.produce_batch([kb.Record(src, str(i).encode()) for i in range(3)])
        p.flush(30)
    group = _gid()
    conf = {"bootstrap.servers": brokers, "transactional.id": f"tx-{uuid.uuid4().hex[:10]}"}
    with kb.Consumer(_group_conf(brokers, group)) as c, kb.Producer(conf) as p:
        c.subscribe([src])
        msgs = consume_n(c, 3)
        assert len(msgs) == 3
        p.init_transactions(30)
        p.begin_transaction()
        for m in msgs:
            p.produce(dst, m.value.upper() + b"!")
        p.send_offsets_to_transaction(c, [msgs[-1]], 30)  # a Message commits offset + 1
        p.commit_transaction(30)
        assert [tp.offset for tp in c.committed([kb.TopicPartition(src, 0)])] == [3]
    assert _read_all(brokers, dst, "read_committed", b"2!") == [b"0!", b"1!", b"2!"]
