"""KafkaBridgeError.retriable / .fatal / .txn_requires_abort come from kb_last_error_flags(), read
right after the failed call: for transactions they are librdkafka's own verdict."""
from __future__ import annotations

import time
import uuid

import pytest

import kafkabridge as kb


def test_commit_with_a_refused_message_requires_abort(brokers, admin):
    topic = f"py-small-{uuid.uuid4().hex[:12]}"
    admin.create_topic(topic, 1, 1, config={"max.message.bytes": "1000"})
    try:
        conf = {"bootstrap.servers": brokers, "transactional.id": f"tx-{uuid.uuid4().hex[:10]}"}
        with kb.Producer(conf) as p:
            p.init_transactions(30)
            p.begin_transaction()
            p.produce(topic, b"x" * 5000)  # the broker refuses it (MESSAGE_TOO_LARGE)
            with pytest.raises(kb.KafkaBridgeError) as ei:
                p.commit_transaction(30)
            e = ei.value
            assert e.txn_requires_abort, (e.code, e.name, e.message, e.flags)
            assert not e.fatal
            assert e.flags & 4
            p.abort_transaction(30)
    finally:
        admin.delete_topic(topic, timeout=10)


@pytest.mark.brokerless
def test_sync_produce_to_unreachable_broker_is_retriable():
    with kb.Producer({"bootstrap.servers": "127.0.0.1:1", "message.timeout.ms": "60000",
                      "bridge.close.timeout.ms": "100"}) as p:
        with pytest.raises(kb.KafkaTimeoutError) as ei:
            p.produce_sync("t", b"x", timeout=0.3)
        e = ei.value
        assert e.retriable and not e.fatal and not e.txn_requires_abort, (e.code, e.flags)
        p.purge()  # the message stays queued: fail it now, and take its report, so close is quick
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if any(isinstance(ev, kb.DeliveryReport) for ev in p.poll_events(0.5, 100)):
                break


@pytest.mark.brokerless
def test_binding_errors_take_their_flags_from_the_code(cluster):
    with kb.Producer({"bootstrap.servers": cluster}) as p:
        with pytest.raises(kb.InvalidArgumentError) as ei:
            p.produce("real\x00ignored", b"x")
    e = ei.value
    assert not e.retriable and not e.fatal and not e.txn_requires_abort
