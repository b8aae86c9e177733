"""Consumer.persistent(): sessions of one group member continue after what was committed."""
from __future__ import annotations

import uuid

import pytest

import kafkabridge as kb
from conftest import consume_n


def test_the_next_session_continues_and_reuses_the_member(brokers, new_topic):
    topic = new_topic()
    with kb.Producer({"bootstrap.servers": brokers}) as p:
        for i in range(10):
            p.produce(topic, f"m{i}".encode(), partition=0)
        p.flush(30)
    config = {"bootstrap.servers": brokers, "group.id": f"g-{uuid.uuid4().hex[:10]}",
              "auto.offset.reset": "earliest"}
    name = f"reader-{uuid.uuid4().hex[:10]}"
    with kb.Consumer.persistent(name, config) as first:
        first.subscribe(topic)
        assert [m.value for m in consume_n(first, 4)] == [b"m0", b"m1", b"m2", b"m3"]
        with pytest.raises(kb.InvalidStateError):
            kb.Consumer.persistent(name, config)
        assert first.info().reused is False
    with kb.Consumer.persistent(name, config) as second:
        second.subscribe(topic)
        info = second.info()
        assert info.persistent and info.reused and info.sessions_served == 1
        assert [m.value for m in consume_n(second, 6)] == [f"m{i}".encode() for i in range(4, 10)]
