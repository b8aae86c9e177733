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


def check_replayed(msgs: List[kb.Message], sent: Dict[int, int], producer_of=lambda seq: 0) -> None:
    """Every sent sequence number exactly once, in its partition, in order (among the messages of
    one producer), with its key, headers and a kb-message-id of its own."""
    seqs = [int(m.value) for m in msgs]
    assert sorted(seqs) == sorted(sent), "each message exactly once"
    ids = set()
    last: Dict[tuple, int] = {}
    for m in msgs:
        seq = int(m.value)
        assert m.partition == sent[seq]
        stream = (m.partition, producer_of(seq))
        assert seq > last.get(stream, -1), "order kept per partition"
        last[stream] = seq
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
        assert p.info().spooled == 200 and p.info().spool_refused == 0
    assert len(reports) == 199
    assert {ev.error.code for ev in reports} == {KB_ERR_SPOOLED}
    assert "Message timed out" in reports[0].error.message and str(spool) in reports[0].error.message
    assert segments(spool), "a segment on disk"

    with kb.Producer({"bootstrap.servers": brokers, **conf}) as replayer:
        check_replayed(read_all(brokers, topic, 2, len(sent)), sent)
        wait_until_empty(spool)
        assert replayer.info().spool_replayed == len(sent)


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


def test_a_producer_freed_before_its_messages_went_spools_them(brokers, new_topic, tmp_path):
    """close() flushes for bridge.close.timeout.ms; what is left then goes to the spool, not away."""
    topic = new_topic(2)
    spool = tmp_path / "spool"
    p = kb.Producer({"bootstrap.servers": NOWHERE, "bridge.spool.dir": str(spool), "bridge.close.timeout.ms": "300",
                     "bridge.spool.replay.interval.ms": "3600000"})
    for seq in range(300):
        p.produce(topic, b"%d" % seq, key=b"k%d" % seq, headers=[("h", b"v")], partition=seq % 2)
    p.close()  # no error: nothing was lost
    assert segments(spool)
    with kb.Producer({"bootstrap.servers": brokers, "bridge.spool.dir": str(spool)}):
        check_replayed(read_all(brokers, topic, 2, 300), {seq: seq % 2 for seq in range(300)})
        wait_until_empty(spool)


def test_workers_sharing_one_spool_directory_keep_apart_and_lose_nothing(brokers, new_topic, tmp_path):
    """Four processes spool at once into one directory, one of them replaying it meanwhile
    (Kafka unreachable for it too); then one producer sends it all, each message once."""
    topic = new_topic(2)
    spool = tmp_path / "spool"
    script = """
import sys, time
sys.path.insert(0, {package!r})
import kafkabridge as kb
first = int(sys.argv[1])
p = kb.Producer({{"bootstrap.servers": {nowhere!r}, "message.timeout.ms": "300", "bridge.spool.dir": {spool!r},
                  "bridge.spool.replay.interval.ms": "50"}})
ids = set()
for seq in range(first, first + 400):
    ids.add(p.produce({topic!r}, b"%d" % seq, key=b"k%d" % seq, headers=[("h", b"v")], partition=seq % 2))
deadline = time.monotonic() + 30
while ids and time.monotonic() < deadline:
    for ev in p.poll_events(0.2):
        if isinstance(ev, kb.DeliveryReport):
            assert ev.error is not None and ev.error.name == "KB_ERR_SPOOLED", ev
            ids.discard(ev.message_id)
assert not ids
p.close()
""".format(package=PACKAGE, nowhere=NOWHERE, spool=str(spool), topic=topic)
    workers = [subprocess.Popen([sys.executable, "-c", script, str(i * 400)], stderr=subprocess.PIPE, text=True) for i in range(4)]
    for w in workers:
        _, err = w.communicate(timeout=60)
        assert w.returncode == 0, err
    assert len(segments(spool)) >= 4, "a segment per writer"
    with kb.Producer({"bootstrap.servers": brokers, "bridge.spool.dir": str(spool)}):
        check_replayed(read_all(brokers, topic, 2, 1600), {seq: seq % 2 for seq in range(1600)}, lambda seq: seq // 400)
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
        info = p.info()
    codes = [ev.error.code for ev in reports]
    assert (info.spooled, info.spool_refused) == (codes.count(KB_ERR_SPOOLED), len(codes) - codes.count(KB_ERR_SPOOLED))
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


TOOL = Path(__file__).resolve().parents[3] / "target/release/kafkabridge-spool"


def test_kafkabridge_spool_lists_shows_and_replays_a_spool_by_hand(brokers, new_topic, tmp_path):
    topic = new_topic(1)
    spool = tmp_path / "spool"
    with kb.Producer({"bootstrap.servers": NOWHERE, "message.timeout.ms": "500", "bridge.spool.dir": str(spool),
                      "bridge.spool.replay.interval.ms": "3600000"}) as p:
        for seq in range(10):
            p.produce(topic, b"%d" % seq, key=b"k%d" % seq, headers=[("h", b"v")], partition=0)
        reports = []
        deadline = time.monotonic() + 30
        while len(reports) < 10 and time.monotonic() < deadline:
            reports += [ev for ev in p.poll_events(0.5) if isinstance(ev, kb.DeliveryReport)]
    assert [ev.error.code for ev in reports] == [KB_ERR_SPOOLED] * 10

    def tool(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(TOOL), *args], capture_output=True, text=True, timeout=120)

    listed = tool("list", str(spool))
    assert listed.returncode == 0, listed.stderr
    assert "waiting for a producer" in listed.stdout and "total: 1 segment(s), 10 record(s) to send" in listed.stdout, listed.stdout
    shown = tool("show", str(spool)).stdout.splitlines()
    assert len(shown) == 10
    assert f'topic="{topic}" partition=0' in shown[3] and 'key=k3 value=1 bytes "3" headers=[h=v]' in shown[3], shown[3]
    assert len(shown[3].split("kb-message-id=")[1].split()[0]) == 32

    missing = tool("replay", str(spool))
    assert missing.returncode == 2 and "bootstrap.servers" in missing.stderr
    replayed = tool("replay", str(spool), "-X", f"bootstrap.servers={brokers}", "--timeout", "60")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "replayed: 10 delivered" in replayed.stdout
    assert [int(m.value) for m in read_all(brokers, topic, 1, 10)] == list(range(10))
    assert not segments(spool)
