"""The per-message calls pass their arguments to the library without ctypes argtypes (see
kafkabridge._native._raw), so every accepted Python form of a key, value, header, topic, partition
and timestamp must reach the broker exactly. Runs on the in-process mock cluster."""
from __future__ import annotations

import threading
from typing import Dict, List

import pytest

import kafkabridge as kb
from conftest import consume_n

pytestmark = pytest.mark.brokerless

TS = 1_700_000_000_000


def _consume_all(servers: str, topics: List[str], n: int, single: bool) -> List[kb.Message]:
    with kb.Consumer({"bootstrap.servers": servers}) as c:
        parts = []
        for t in topics:
            for pid in c.list_topics(t, timeout=10).topics[t].partitions:
                parts.append(kb.TopicPartition(t, pid, kb.OFFSET_BEGINNING))
        c.assign(parts)
        if not single:
            return consume_n(c, n)
        out: List[kb.Message] = []
        for _ in range(n * 20):
            m = c.poll(0.5)
            if m is not None and m.error is None:
                out.append(m)
            if len(out) == n:
                break
        return out


# (value, key, headers) as passed, and what the consumer must get back
FORMS = [
    (b"v\x00v", b"k\x00", [("h", b"\x00")], b"v\x00v", b"k\x00", [("h", b"\x00")]),
    (b"", None, None, b"", None, []),
    (None, b"", {"a": None, "b": b""}, None, b"", [("a", None), ("b", b"")]),
    ("välue", "kéy", [("s", "str")], "välue".encode(), "kéy".encode(), [("s", b"str")]),
    (bytearray(b"ba\x00"), bytearray(b"kb"), [("ba", bytearray(b"x\x00"))], b"ba\x00", b"kb",
     [("ba", b"x\x00")]),
    (bytearray(), bytearray(), None, b"", b"", []),
    (memoryview(b"mem\x00"), memoryview(b"mk"), None, b"mem\x00", b"mk", []),
    (bytes(range(256)) * 8, None, None, bytes(range(256)) * 8, None, []),
]


@pytest.mark.parametrize("single", [True, False], ids=["poll", "poll_batch"])
def test_every_argument_form_round_trips(single: bool) -> None:
    with kb.MockCluster(1) as mock:
        servers = mock.bootstrap_servers
        topics = ["marsh-a", "marsh-b"]
        sent: Dict[int, tuple] = {}
        with kb.Producer({"bootstrap.servers": servers}) as p:
            for i, (value, key, headers, *want) in enumerate(FORMS):
                mid = p.produce(topics[i % 2], value, key=key, headers=headers,
                                partition=i % 4, timestamp=TS + i)
                sent[mid] = (topics[i % 2], i % 4, TS + i, *want)
            # topics alternate within one batch; dict records are accepted too
            records = []
            for i, (value, key, headers, *want) in enumerate(FORMS):
                t = topics[(i // 2) % 2]
                rec = {"topic": t, "value": value, "key": key, "headers": headers,
                       "partition": i % 4, "timestamp_ms": TS + 100 + i}
                records.append(kb.Record(**rec) if i % 3 else rec)
            ids = p.produce_batch(records)
            for i, mid in enumerate(ids):
                sent[mid] = (topics[(i // 2) % 2], i % 4, TS + 100 + i, *FORMS[i][3:])
            assert len(sent) == 2 * len(FORMS)
            p.flush(30)
            reports = [e for e in p.poll_events(1.0, 100) if isinstance(e, kb.DeliveryReport)]
        assert sorted(r.message_id for r in reports) == sorted(sent)
        for r in reports:
            topic, partition, _ts, *_ = sent[r.message_id]
            assert (r.error, r.topic, r.partition) == (None, topic, partition)

        msgs = _consume_all(servers, topics, len(sent), single)
    got = sorted((m.topic, m.partition, m.timestamp_ms, m.value, m.key, m.headers) for m in msgs)
    want = sorted(sent.values())
    assert got == want
    for m in msgs:
        assert m.value is None or type(m.value) is bytes
        assert m.key is None or type(m.key) is bytes


def test_argument_checks() -> None:
    with kb.Producer({"test.mock.num.brokers": 1}) as p:
        with pytest.raises(OverflowError):
            p.produce("marsh-c", b"x", partition=2**32)
        with pytest.raises(TypeError):
            p.produce("marsh-c", b"x", partition=1.5)  # type: ignore[arg-type]
        with pytest.raises(kb.KafkaBridgeError) as ei:
            p.produce("bad topic!", b"x")
        assert ei.value.code == 17
        with pytest.raises(kb.InvalidArgumentError):  # the library refuses a negative timestamp
            p.produce("marsh-c", b"x", timestamp=-5)
    with pytest.raises(kb.InvalidStateError):
        p.produce("marsh-c", b"x")
    with pytest.raises(kb.InvalidStateError):
        p.produce_batch([kb.Record("marsh-c", b"x")])


def test_threads_share_a_producer_and_a_consumer() -> None:
    """Per-call out-parameters: ids and messages must not leak between threads."""
    threads, per_thread = 4, 500
    with kb.MockCluster(1) as mock:
        servers = mock.bootstrap_servers
        ids: List[List[int]] = [[] for _ in range(threads)]
        with kb.Producer({"bootstrap.servers": servers}) as p:
            def produce(t: int) -> None:
                for i in range(per_thread):
                    ids[t].append(p.produce("marsh-t", b"%d:%d" % (t, i), partition=0))
            workers = [threading.Thread(target=produce, args=(t,)) for t in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            p.flush(30)
            reports = {e.message_id: e.offset for e in p.poll_events(1.0, 10_000)
                       if isinstance(e, kb.DeliveryReport) and e.error is None}
        all_ids = [mid for t in ids for mid in t]
        assert len(set(all_ids)) == threads * per_thread and set(reports) == set(all_ids)

        got: List[List[bytes]] = [[] for _ in range(threads)]
        with kb.Consumer({"bootstrap.servers": servers}) as c:
            c.assign([kb.TopicPartition("marsh-t", 0, kb.OFFSET_BEGINNING)])

            def consume(t: int) -> None:
                idle = 0
                while idle < 4:
                    m = c.poll(0.5)
                    if m is None:
                        idle += 1
                    elif m.error is None:
                        got[t].append(m.value)
            workers = [threading.Thread(target=consume, args=(t,)) for t in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
    values = sorted(v for t in got for v in t)
    assert values == sorted(b"%d:%d" % (t, i) for t in range(threads) for i in range(per_thread))
