"""The consuming side through redis-py: XREADGROUP hands out what XADD wrote, byte for byte; XACK
commits only each partition's contiguous acknowledged prefix (a restart delivers exactly the
unacknowledged entries again); XPENDING / XCLAIM / XAUTOCLAIM take a dead consumer's entries
over; two proxies in one group share its partitions."""
from __future__ import annotations

import time

import pytest

import kafkabridge as kb
import redis
from test_proxy import client


def entries(reply):
    """redis-py's XREADGROUP reply as [(id, fields)], in RESP2 ([[topic, entries]]) and RESP3 ({topic: [entries]})."""
    if not reply:
        return []
    if isinstance(reply, dict):
        return [e for v in reply.values() for e in (v[0] if v and isinstance(v[0], list) else v)]
    return [e for _, es in reply for e in es]


def read_entries(r, topic, group, consumer, want, deadline_s=60):
    got = []
    deadline = time.monotonic() + deadline_s
    while len(got) < want and time.monotonic() < deadline:
        got.extend(entries(r.xreadgroup(group, consumer, {topic: ">"}, count=want - len(got), block=1000)))
    return got


def test_xreadgroup_hands_out_what_xadd_wrote_byte_for_byte(start_proxy, new_topic):
    topic = new_topic(1)
    for protocol in (2, 3):
        r = client(start_proxy(), protocol)
        value = b"\x00\xff\r\n" + bytes([protocol])
        eid = r.xadd(topic, {"value": value, "key": b"\x01k", "h": b"\r\n"})
        [(got_id, fields)] = read_entries(r, topic, f"g-{protocol}", "c", 1 if protocol == 2 else 2)[-1:]
        if protocol == 3:
            assert got_id == eid
        assert fields[b"value"] == value and fields[b"key"] == b"\x01k" and fields[b"h"] == b"\r\n"


def committed(brokers, topic, group, partition=0):
    with kb.Consumer({"bootstrap.servers": brokers, "group.id": group}) as c:
        [tp] = c.committed([kb.TopicPartition(topic, partition)])
        return tp.offset, tp.metadata


def test_a_gap_holds_the_commit_and_only_it_is_delivered_again(start_proxy, new_topic, brokers):
    topic, group = new_topic(1), "g-gap2"
    p = start_proxy()
    r = client(p)
    for i in range(10):
        r.xadd(topic, {"value": f"m{i}".encode()})
    ids = [e[0] for e in read_entries(r, topic, group, "c1", 10)]
    assert r.xack(topic, group, *reversed([i for i in ids if i != b"0-3"])) == 9
    status, err = p.stop()
    assert status == 0, err
    offset, metadata = committed(brokers, topic, group)
    assert offset == 2, "the commit stops at the unacknowledged entry"
    assert metadata and metadata.startswith(b"kbacks:"), metadata
    # A new proxy (a restart) delivers the unacknowledged entry, and only it.
    r2 = client(start_proxy())
    again = read_entries(r2, topic, group, "c2", 1)
    assert [(e[0], e[1][b"value"]) for e in again] == [(b"0-3", b"m2")]
    assert entries(r2.xreadgroup(group, "c2", {topic: ">"}, count=10, block=1500)) == []
    assert r2.xack(topic, group, b"0-3") == 1


def test_a_dead_consumers_entries_are_taken_over(start_proxy, new_topic):
    topic, group = new_topic(1), "g-claim"
    r = client(start_proxy())
    for i in range(3):
        r.xadd(topic, {"value": f"w{i}".encode()})
    read_entries(r, topic, group, "dead", 3)
    summary = r.xpending(topic, group)
    assert summary["pending"] == 3 and summary["consumers"] == [{"name": b"dead", "pending": 3}]
    assert r.xclaim(topic, group, "alive", 0, [b"0-1"]) [0][0] == b"0-1"
    rows = r.xpending_range(topic, group, "-", "+", 10)
    assert [(x["message_id"], x["consumer"], x["times_delivered"]) for x in rows] == [
        (b"0-1", b"alive", 2), (b"0-2", b"dead", 1), (b"0-3", b"dead", 1)]
    nxt, claimed, deleted = r.xautoclaim(topic, group, "alive", 0, "0-0", count=1)[:3]
    assert [e[0] for e in claimed] == [b"0-1"] and nxt == b"0-2" and deleted == []
    # An entry idle for less than min-idle-time is left alone.
    assert r.xclaim(topic, group, "alive", 3_600_000, [b"0-2"]) == []
    assert r.xack(topic, group, b"0-1", b"0-2", b"0-3") == 3
    assert r.xpending(topic, group)["pending"] == 0


def test_a_group_holds_no_more_than_its_memory_limit(start_proxy, new_topic):
    """--group-memory bounds what a member keeps for its consumers: with every entry read and
    none acknowledged, XREADGROUP > answers an error naming the limit instead of fetching more;
    acknowledging frees the room, and every entry is still read, once."""
    topic, group, limit = new_topic(1), "g-memory", 4000
    r = client(start_proxy("--group-memory", str(limit), "--group-buffer", "2"))
    for i in range(20):
        r.xadd(topic, {"value": b"%02d" % i + b"." * 998})
    assert r.xgroup_create(topic, group, id="0")
    held, refused, deadline = [], None, time.monotonic() + 60
    while refused is None and time.monotonic() < deadline:
        try:
            held.extend(entries(r.xreadgroup(group, "c", {topic: ">"}, count=100, block=200)))
        except redis.ResponseError as e:
            refused = str(e)
    assert refused and "--group-memory 4000" in refused and "XACK" in refused, refused
    # The member stops fetching at the limit; one batch (--group-buffer entries) may pass it.
    assert 4 <= len(held) <= 6, len(held)
    memory = int(r.info("groups")[f"group_{group}"]["memory"])
    assert limit <= memory <= limit + 2 * 1100, memory
    seen = [e[1][b"value"][:2] for e in held]
    r.xack(topic, group, *[e[0] for e in held])
    deadline = time.monotonic() + 60
    while len(seen) < 20 and time.monotonic() < deadline:
        got = entries(r.xreadgroup(group, "c", {topic: ">"}, count=100, block=200))
        seen.extend(e[1][b"value"][:2] for e in got)
        if got:
            r.xack(topic, group, *[e[0] for e in got])
    assert seen == [b"%02d" % i for i in range(20)]


def test_two_proxies_in_one_group_share_its_partitions(start_proxy, new_topic):
    topic, group = new_topic(4), "g-two"
    a, b = client(start_proxy()), client(start_proxy())
    assert a.xgroup_create(topic, group, id="0") and b.xgroup_create(topic, group, id="0")

    def assigned(r):
        return int(r.info("groups")[f"group_{group}"]["assigned_partitions"])

    deadline = time.monotonic() + 60
    while not (assigned(a) > 0 and assigned(b) > 0 and assigned(a) + assigned(b) == 4) and time.monotonic() < deadline:
        time.sleep(0.2)  # the group's rebalance, polled (bounded), not assumed
    assert assigned(a) + assigned(b) == 4 and assigned(a) > 0 and assigned(b) > 0
    for i in range(40):
        a.xadd(topic, {"value": str(i).encode(), "partition": i % 4})
    seen = {}
    deadline = time.monotonic() + 60
    while len(seen) < 40 and time.monotonic() < deadline:
        for name, r in (("a", a), ("b", b)):
            for eid, fields in entries(r.xreadgroup(group, name, {topic: ">"}, count=40, block=200)):
                seen.setdefault(fields[b"value"], set()).add(name)
                r.xack(topic, group, eid)
    assert sorted(seen, key=int) == [str(i).encode() for i in range(40)]
    readers = {n for s in seen.values() for n in s}
    assert readers == {"a", "b"}, "both proxies read their partitions"


def test_xlen_and_xinfo_report_the_topic_and_the_group(start_proxy, new_topic):
    topic, group = new_topic(2), "g-info"
    r = client(start_proxy(), 3)
    for i in range(6):
        r.xadd(topic, {"value": b"x", "partition": i % 2})
    assert r.xlen(topic) == 6
    assert r.xlen(f"{topic}-none") == 0
    stream = r.xinfo_stream(topic)
    assert stream["length"] == 6 and stream["groups"] == 0
    got = read_entries(r, topic, group, "c1", 4)
    assert len(got) == 4
    [g] = r.xinfo_groups(topic)
    g = {k.decode() if isinstance(k, bytes) else k: v for k, v in g.items()}
    assert (g["consumers"], g["pending"], g["assigned-partitions"], g["lag"]) == (1, 4, 2, 6)
    r.xack(topic, group, *[e[0] for e in got])
    [c] = r.xinfo_consumers(topic, group)
    c = {k.decode() if isinstance(k, bytes) else k: v for k, v in c.items()}
    assert (c["name"], c["pending"]) in ((b"c1", 0), ("c1", 0))


def test_xread_reads_from_a_position_without_a_group(start_proxy, new_topic):
    topic = new_topic(2)
    r = client(start_proxy())
    for i in range(6):
        r.xadd(topic, {"value": f"v{i}".encode(), "partition": i % 2})
    # Partition 1 holds v1, v3, v5 at offsets 0, 1, 2: after entry 1-1 (offset 0) come v3, v5.
    got = entries(r.xread({topic: "1-1"}, count=10))
    assert [(e[0], e[1][b"value"]) for e in got] == [(b"1-2", b"v3"), (b"1-3", b"v5")]
    assert [e[1][b"value"] for e in entries(r.xread({topic: "0"}, count=2))] == [b"v0", b"v2"]
    assert r.xread({topic: "1-3"}, count=10, block=300) in (None, [], {})

    with pytest.raises(redis.ResponseError, match="XREAD takes <partition>-<seq>"):
        r.xread({topic: "$"})


def test_sigterm_ends_a_read_blocked_forever(start_proxy, new_topic):
    import threading

    topic = new_topic(1)
    p = start_proxy()
    r = client(p)
    assert r.xgroup_create(topic, "g-block", id="0")
    result = {}

    def blocked():
        result["reply"] = r.xreadgroup("g-block", "c", {topic: ">"}, block=0)

    t = threading.Thread(target=blocked)
    t.start()
    # The read is blocked once the proxy counts it in: polled, bounded.
    deadline = time.monotonic() + 30
    while client(p).info("stats")["total_commands_processed"] < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    status, err = p.stop(timeout=30)
    t.join(30)
    assert status == 0, err
    assert result.get("reply") in (None, [], {}), result
