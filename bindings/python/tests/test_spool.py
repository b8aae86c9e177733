"""The durable spool (bridge.spool.dir): what a producer could not deliver is kept on disk,
reported as KB_ERR_SPOOLED, and re-sent by the next producer on the same directory.

The producer that fails points at a port where nothing listens (so the shared broker keeps
running); the one that re-sends points at the real broker.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest

import kafkabridge as kb
from kafkabridge._constants import KB_ERR_SPOOLED

NOWHERE = "127.0.0.1:1"  # connection refused at once
PACKAGE = str(Path(__file__).resolve().parents[1])


def segments(spool: Path) -> List[Path]:
    return sorted(spool.glob("*.kbspool"))


def read_all(brokers: str, topic: str, partitions: int, expect: int, deadline_s: float = 60) -> List[kb.Message]:
    got: List[kb.Message] = []
    with kb.Consumer({"bootstrap.servers": brokers}) as c:
        c.assign([kb.TopicPartition(topic, p, kb.OFFSET_BEGINNING) for p in range(partitions)])
        deadline = time.monotonic() + deadline_s
        while len(got) < expect and time.monotonic() < deadline:
            got += [m for m in c.poll_batch(0.5, 1000) if m.error is None]
    return got


def wait_until_empty(spool: Path, deadline_s: float = 30) -> None:
    """The replayer deletes a segment once Kafka acknowledged its last chunk."""
    deadline = time.monotonic() + deadline_s
    while segments(spool) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not segments(spool), f"still spooled: {segments(spool)}"


def check_replayed(msgs: List[kb.Message], sent: Dict[int, int]) -> None:
    """Every sent sequence number exactly once, in its partition, in order, with its key,
    headers and a kb-message-id of its own."""
    seqs = [int(m.value) for m in msgs]
    assert sorted(seqs) == sorted(sent), "each message exactly once"
    ids = set()
    last: Dict[int, int] = {}
    for m in msgs:
        seq = int(m.value)
        assert m.partition == sent[seq]
        assert seq > last.get(m.partition, -1), "order kept per partition"
        last[m.partition] = seq
        assert m.key == b"k%d" % seq
        headers = dict(m.headers)
        assert headers["h"] == b"v"
        assert len(headers["kb-message-id"]) == 32
        ids.add(headers["kb-message-id"])
    assert len(ids) == len(msgs)


def test_undeliverable_messages_are_spooled_and_the_next_producer_sends_them(brokers, new_topic, tmp_path):
    topic = new_topic(2)
    spool = tmp_path / "spool"
    conf = {"bridge.spool.dir": str(spool), "bridge.spool.replay.interval.ms": "3600000"}
    sent = {seq: seq % 2 for seq in range(200)}
    with kb.Producer({"bootstrap.servers": NOWHERE, "message.timeout.ms": "1000", **conf}) as p:
        for seq in range(199):
            p.produce(topic, b"%d" % seq, key=b"k%d" % seq, headers=[("h", b"v")], partition=seq % 2)
        # A synchronous produce says the same: not delivered, but kept.
        try:
            p.produce_sync(topic, b"199", key=b"k199", headers=[("h", b"v")], partition=1, timeout=30)
            raise AssertionError("delivered with no broker")
        except kb.KafkaBridgeError as e:
            assert e.code == KB_ERR_SPOOLED and "kept in the spool" in e.message, e
        reports = []
        deadline = time.monotonic() + 30
        while len(reports) < 199 and time.monotonic() < deadline:
            reports += [ev for ev in p.poll_events(0.5) if isinstance(ev, kb.DeliveryReport)]
    assert len(reports) == 199
    assert {ev.error.code for ev in reports} == {KB_ERR_SPOOLED}
    assert "Message timed out" in reports[0].error.message and str(spool) in reports[0].error.message
    assert segments(spool), "a segment on disk"

    with kb.Producer({"bootstrap.servers": brokers, **conf}):
        check_replayed(read_all(brokers, topic, 2, len(sent)), sent)
        wait_until_empty(spool)


def test_what_is_left_at_exit_goes_to_the_spool_and_nothing_is_lost(brokers, new_topic, tmp_path):
    """A worker that exits (recycled) while Kafka cannot be reached: its exit flush gives up
    after bridge.exit.flush.timeout.ms and spools what it holds; the next worker sends it."""
    topic = new_topic(2)
    spool = tmp_path / "spool"
    script = f"""
import sys
sys.path.insert(0, {PACKAGE!r})
import kafkabridge as kb
p = kb.Producer.persistent("worker", {{"bootstrap.servers": {NOWHERE!r}, "bridge.spool.dir": {str(spool)!r},
    "bridge.exit.flush.timeout.ms": "300", "bridge.spool.replay.interval.ms": "3600000"}})
for seq in range(500):
    p.produce({topic!r}, b"%d" % seq, key=b"k%d" % seq, headers=[("h", b"v")], partition=seq % 2)
p.close()  # the session ends; the persistent client keeps the messages until exit
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "500 message(s) not delivered" in done.stderr and "were spooled to" in done.stderr, done.stderr
    assert segments(spool)

    with kb.Producer({"bootstrap.servers": brokers, "bridge.spool.dir": str(spool)}):
        check_replayed(read_all(brokers, topic, 2, 500), {seq: seq % 2 for seq in range(500)})
        wait_until_empty(spool)


@pytest.mark.brokerless
def test_a_full_spool_reports_the_failure_with_the_reason(tmp_path):
    spool = tmp_path / "spool"
    conf = {"bootstrap.servers": NOWHERE, "message.timeout.ms": "500", "bridge.spool.dir": str(spool),
            "bridge.spool.max.bytes": "2000", "bridge.spool.replay.interval.ms": "3600000"}
    with kb.Producer(conf) as p:
        for seq in range(100):
            p.produce("spool-full", b"x" * 100, partition=0)
        reports = []
        deadline = time.monotonic() + 30
        while len(reports) < 100 and time.monotonic() < deadline:
            reports += [ev for ev in p.poll_events(0.5) if isinstance(ev, kb.DeliveryReport)]
    codes = [ev.error.code for ev in reports]
    assert len(codes) == 100
    refused = [ev for ev in reports if ev.error.code != KB_ERR_SPOOLED]
    assert refused and codes.count(KB_ERR_SPOOLED) > 0, "some fit, the rest did not"
    assert all("is full" in ev.error.message and "bridge.spool.max.bytes=2000" in ev.error.message for ev in refused)
    assert sum(f.stat().st_size for f in segments(spool)) <= 2000


@pytest.mark.brokerless
def test_a_bad_spool_setting_is_refused_with_what_to_fix(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    try:
        kb.Producer({"bootstrap.servers": NOWHERE, "bridge.spool.dir": str(blocker / "spool")})
        raise AssertionError("accepted a spool under a file")
    except kb.KafkaBridgeError as e:
        assert "bridge.spool.dir" in e.message and "cannot be created" in e.message
    try:
        kb.Producer({"bridge.spool.fsync": "sometimes"})
        raise AssertionError("accepted a bad fsync value")
    except kb.KafkaBridgeError as e:
        assert "expected true or false" in e.message
