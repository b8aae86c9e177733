from __future__ import annotations

import gc
import time
import uuid

import pytest

import kafkabridge as kb
from kafkabridge._native import lib as native_lib
from conftest import consume_n


@pytest.mark.brokerless
def test_del_fallback_frees_once(cluster):
    p = kb.Producer({"bootstrap.servers": cluster})
    ptr = p._ptr
    del p
    gc.collect()
    # the handle was freed by __del__: using the raw pointer again is KB_ERR_INVALID_HANDLE, not a crash
    assert native_lib.kb_producer_free(ptr) == kb.KB_ERR_INVALID_HANDLE


@pytest.mark.brokerless
def test_config_kwargs_and_effective_value():
    with kb.Config({"acks": "all"}, linger_ms=7, enable_idempotence=True) as c:
        assert dict(c) == {"acks": "all", "linger.ms": "7", "enable.idempotence": "true"}
        assert c.get_effective("linger.ms") == "7"
        assert "linger.ms=7" in c.dump()
        with kb.Producer(c) as p:  # a Config object can be reused for several clients
            assert not p.info().persistent


def test_commit_message_and_async_commit_event(brokers, new_topic):
    topic = new_topic()
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        p.produce_batch([kb.Record(topic, str(i).encode()) for i in range(3)])
        p.flush(30)
    group = f"g-{uuid.uuid4().hex[:10]}"
    conf = {"bootstrap.servers": brokers, "group.id": group, "auto.offset.reset": "earliest",
            "enable.auto.commit": "false"}
    with kb.Consumer(conf) as c:
        c.subscribe([topic])
        msgs = consume_n(c, 3)
        assert len(msgs) == 3
        c.commit([msgs[0]])  # commits offset + 1
        assert [tp.offset for tp in c.committed([kb.TopicPartition(topic, 0)])] == [1]
        c.commit([kb.TopicPartition(topic, 0, 3)], asynchronous=True)
        commits = []
        end = time.monotonic() + 15
        while not commits and time.monotonic() < end:
            c.poll(0.1)
            commits = [e for e in c.poll_events(0.1) if isinstance(e, kb.CommitEvent)]
        assert commits and commits[0].error is None
        assert [(tp.topic, tp.offset) for tp in commits[0].partitions] == [(topic, 3)]
    with pytest.raises(kb.InvalidStateError):
        c.poll(0)


def test_commit_metadata_comes_back_with_the_committed_offset(brokers, new_topic):
    topic = new_topic()
    group = f"g-{uuid.uuid4().hex[:10]}"
    with kb.Consumer({"bootstrap.servers": brokers, "group.id": group}) as c:
        c.commit([kb.TopicPartition(topic, 0, 5, b"state \x01 42")])
        [tp] = c.committed([kb.TopicPartition(topic, 0)])
        assert (tp.offset, tp.metadata) == (5, b"state \x01 42")


def test_rebalance_events(brokers, new_topic):
    topic = new_topic(2)
    conf = {"bootstrap.servers": brokers, "group.id": f"g-{uuid.uuid4().hex[:10]}"}
    with kb.Consumer(conf) as c:
        c.subscribe(topic)
        assigned = []
        end = time.monotonic() + 20
        while not assigned and time.monotonic() < end:
            c.poll(0.2)
            assigned = [e for e in c.poll_events() if isinstance(e, kb.RebalanceEvent) and e.assigned]
        assert assigned
        assert sorted(tp.partition for tp in assigned[0].partitions) == [0, 1]
        assert sorted(tp.partition for tp in c.assignment()) == [0, 1]


def test_batch_partial_failure_reports_accepted(brokers, new_topic):
    topic = new_topic()
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        with pytest.raises(kb.KafkaBridgeError) as ei:
            p.produce_batch([kb.Record(topic, b"ok"), kb.Record("bad topic!", b"x"),
                             kb.Record(topic, b"never")])
        e = ei.value
        assert e.accepted == 1 and len(e.message_ids) == 1
        assert e.code == 17 and e.name == "TOPIC_EXCEPTION" and e.message
        p.flush(30)
        reports = [ev for ev in p.poll_events(1.0) if isinstance(ev, kb.DeliveryReport)]
        assert [(r.message_id, r.error) for r in reports] == [(e.message_ids[0], None)]
