"""Producer.produce_batch sends a batch of plain records (one topic and partition, no headers, no
timestamp) as one kb_producer_produce_packed() buffer and every other batch as a kb_record array.
Both paths must deliver the same bytes and fail the same way. Runs on the in-process mock cluster."""
from __future__ import annotations

import struct
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

import kafkabridge as kb
from kafkabridge import producer as kb_producer  # its private packing helpers and raw calls
from conftest import consume_n

pytestmark = pytest.mark.brokerless

ABSENT = 0xFFFFFFFF


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Dict[str, int]:
    """Counts the library calls produce_batch makes, by path."""
    counts = {"packed": 0, "batch": 0}

    def spy(name: str, fn: Any) -> Any:
        def call(*args: Any) -> int:
            counts[name] += 1
            return fn(*args)
        return call

    monkeypatch.setattr(kb_producer, "_raw_produce_packed", spy("packed", kb_producer._raw_produce_packed))
    monkeypatch.setattr(kb_producer, "_raw_produce_batch", spy("batch", kb_producer._raw_produce_batch))
    return counts


@pytest.fixture
def servers() -> Iterator[str]:
    with kb.MockCluster(1) as mock:
        yield mock.bootstrap_servers


def _reference_pack(pairs: List[Tuple[Optional[bytes], Optional[bytes]]]) -> bytes:
    """The buffer layout of include/kafkabridge.h, written out the slow way."""
    out = b""
    for key, value in pairs:
        for field in (key, value):
            out += struct.pack("<I", ABSENT) if field is None else struct.pack("<I", len(field)) + field
    return out


def _read(servers: str, topic: str, n: int) -> List[kb.Message]:
    """n messages from every partition of topic; in order when they are all in one."""
    with kb.Consumer({"bootstrap.servers": servers}) as c:
        parts = c.list_topics(topic, timeout=10).topics[topic].partitions
        c.assign([kb.TopicPartition(topic, part, kb.OFFSET_BEGINNING) for part in parts])
        return consume_n(c, n)


def _delivered(p: kb.Producer) -> Dict[int, Optional[kb.KafkaBridgeError]]:
    p.flush(30)
    return {e.message_id: e.error for e in p.poll_events(1.0, 100_000)
            if isinstance(e, kb.DeliveryReport)}


# (key, value) as passed, and as the consumer must get them back
FORMS: List[Tuple[Any, Any, Optional[bytes], Optional[bytes]]] = [
    (None, b"plain", None, b"plain"),
    (None, None, None, None),  # neither key nor value
    (b"tomb", None, b"tomb", None),  # a tombstone
    (b"", b"", b"", b""),  # empty is not absent
    (None, b"", None, b""),
    (b"", None, b"", None),
    (b"k\x00\xff", bytes(range(256)), b"k\x00\xff", bytes(range(256))),
    (b"\xff\xff\xff\xff", b"\xff\xff\xff\xff", b"\xff\xff\xff\xff", b"\xff\xff\xff\xff"),
    ("kéy", "välue", "kéy".encode(), "välue".encode()),
    (bytearray(b"ba\x00"), bytearray(b"bv"), b"ba\x00", b"bv"),
    (bytearray(), bytearray(), b"", b""),
    (memoryview(b"mk"), memoryview(b"mem\x00"), b"mk", b"mem\x00"),
    (None, b"x" * 2048, None, b"x" * 2048),  # the longest value the packed path takes
]


def test_buffer_matches_the_header_layout() -> None:
    records = [kb.Record("t", value, key=key) for key, value, _, _ in FORMS]
    topic, partition, packed = kb_producer._pack_records(records)
    assert (topic, partition) == (b"t", kb.PARTITION_UA)
    assert packed == _reference_pack([(k, v) for _, _, k, v in FORMS])
    # the uniform batch (no keys, bytes values of one length) and one that stops being uniform
    same = [kb.Record("t", b"%03d" % i, partition=2) for i in range(50)]
    assert kb_producer._pack_records(same) == (b"t", 2, _reference_pack([(None, r.value) for r in same]))
    mixed = same[:10] + [kb.Record("t", b"long value", key=b"k", partition=2)] + same[10:]
    assert kb_producer._pack_records(mixed)[2] == _reference_pack([(r.key, r.value) for r in mixed])
    assert kb_producer._pack_records([{"topic": "t", "value": b"v"}, kb.Record("t", None)])[2] == \
        _reference_pack([(None, b"v"), (None, None)])


@pytest.mark.parametrize("partition", [kb.PARTITION_UA, 0])
def test_packed_forms_round_trip(servers: str, calls: Dict[str, int], partition: int) -> None:
    topic = "packed-forms"
    records: List[Any] = [kb.Record(topic, value, key=key, partition=partition)
                          for key, value, _, _ in FORMS]
    records.append({"topic": topic, "value": b"from a dict", "key": b"d", "partition": partition})
    with kb.Producer({"bootstrap.servers": servers}) as p:
        ids = p.produce_batch(records)
        assert calls == {"packed": 1, "batch": 0}
        assert len(ids) == len(records) and len(set(ids)) == len(records)
        assert all(type(i) is int for i in ids)
        assert _delivered(p) == {i: None for i in ids}
    msgs = _read(servers, topic, len(records))
    want = [(k, v) for _, _, k, v in FORMS] + [(b"d", b"from a dict")]
    got = [(m.key, m.value) for m in msgs]
    if partition == kb.PARTITION_UA:  # spread over the partitions: compare as multisets
        got, want = sorted(got, key=repr), sorted(want, key=repr)
    else:
        assert {m.partition for m in msgs} == {partition}
        assert [m.offset for m in msgs] == list(range(len(records)))
    assert got == want


def test_uniform_batch_keeps_order(servers: str, calls: Dict[str, int]) -> None:
    topic = "packed-uniform"
    values = [b"%06d" % i for i in range(3000)]
    with kb.Producer({"bootstrap.servers": servers}) as p:
        ids: List[int] = []
        for start in range(0, len(values), 1000):
            batch = (kb.Record(topic, v, partition=0) for v in values[start:start + 1000])
            ids += p.produce_batch(batch)  # any iterable
        assert calls == {"packed": 3, "batch": 0}
        assert ids == sorted(ids) and len(set(ids)) == len(values)
        assert _delivered(p) == {i: None for i in ids}
    assert [m.value for m in _read(servers, topic, len(values))] == values


# Batches the packed call cannot express: each needs a kb_record array.
GENERAL = {
    "two topics": [kb.Record("gen-a", b"1"), kb.Record("gen-b", b"2")],
    "two partitions": [kb.Record("gen-a", b"1", partition=0), kb.Record("gen-a", b"2", partition=1)],
    "headers": [kb.Record("gen-a", b"1"), kb.Record("gen-a", b"2", headers={"h": b"x"})],
    "timestamp": [kb.Record("gen-a", b"1"), kb.Record("gen-a", b"2", timestamp_ms=1_700_000_000_000)],
    "dict with headers": [kb.Record("gen-a", b"1"),
                          {"topic": "gen-a", "value": b"2", "headers": [("h", b"x")]}],
    "long value": [kb.Record("gen-a", b"1"), kb.Record("gen-a", b"v" * 2049)],
}


@pytest.mark.parametrize("records", list(GENERAL.values()), ids=list(GENERAL))
def test_other_batches_take_the_general_path(servers: str, calls: Dict[str, int],
                                             records: List[Any]) -> None:
    assert kb_producer._pack_records(records) is None
    with kb.Producer({"bootstrap.servers": servers}) as p:
        ids = p.produce_batch(records)
        assert calls == {"packed": 0, "batch": 1}
        assert _delivered(p) == {i: None for i in ids}
    got = []
    with kb.Consumer({"bootstrap.servers": servers}) as c:
        topics = sorted({r.topic if isinstance(r, kb.Record) else r["topic"] for r in records})
        c.assign([kb.TopicPartition(t, part, kb.OFFSET_BEGINNING)
                  for t in topics for part in c.list_topics(t, timeout=10).topics[t].partitions])
        got = [m.value for m in consume_n(c, len(records))]
    assert sorted(got) == sorted(r.value if isinstance(r, kb.Record) else r["value"] for r in records)


@pytest.mark.parametrize("headers", [None, {"h": b"x"}], ids=["packed", "general"])
def test_queue_full_reports_what_was_accepted(servers: str, calls: Dict[str, int],
                                              headers: Any) -> None:
    """A full local queue refuses the sixth record; the first five stay enqueued."""
    topic = "packed-backpressure"
    records = [kb.Record(topic, b"%d" % i, headers=headers, partition=0) for i in range(8)]
    conf = {"bootstrap.servers": servers, "queue.buffering.max.messages": 5, "linger.ms": 60_000}
    with kb.Producer(conf) as p:
        with pytest.raises(kb.QueueFullError) as ei:
            p.produce_batch(records)
        e = ei.value
        assert e.code == kb.ERR_QUEUE_FULL and e.retriable
        assert e.accepted == 5 and len(e.message_ids) == 5 and all(type(i) is int for i in e.message_ids)
        assert calls == ({"packed": 1, "batch": 0} if headers is None else {"packed": 0, "batch": 1})
        first = _delivered(p)
        rest = p.produce_batch(records[e.accepted:])
        assert len(rest) == 3
        assert first == {i: None for i in e.message_ids}
        assert _delivered(p) == {i: None for i in rest}
    assert [m.value for m in _read(servers, topic, 8)] == [b"%d" % i for i in range(8)]


def test_packed_errors_match_the_general_path(calls: Dict[str, int]) -> None:
    with kb.Producer({"test.mock.num.brokers": 1}) as p:
        with pytest.raises(kb.TopicError) as ei:
            p.produce_batch([kb.Record("bad topic!", b"x"), kb.Record("bad topic!", b"y")])
        assert (ei.value.code, ei.value.accepted, ei.value.message_ids) == (17, 0, [])
        assert calls == {"packed": 1, "batch": 0}
        # malformed records raise before anything is enqueued, on either path
        for headers in (None, {"h": b"x"}):
            for bad in ({"topic": "ok", "value": b"v", "nope": 1}, {"topic": "ok"}, 5):
                with pytest.raises(TypeError):
                    p.produce_batch([kb.Record("ok", b"v", headers=headers), bad])
            with pytest.raises(TypeError):
                p.produce_batch([kb.Record("ok", b"v", headers=headers), kb.Record("ok", object())])
            with pytest.raises(UnicodeEncodeError):
                p.produce_batch([kb.Record("ok", b"v", headers=headers), kb.Record("ok", "\ud800")])
        assert calls == {"packed": 1, "batch": 0}
        assert _delivered(p) == {}  # nothing was enqueued
