from __future__ import annotations

import time
import uuid

import pytest

import kafkabridge as kb


def test_persistent_producer_is_reused(brokers, new_topic):
    topic = new_topic()
    name = f"py-persist-{uuid.uuid4().hex[:8]}"
    conf = {"bootstrap.servers": brokers, "linger.ms": "5"}
    with kb.Producer.persistent(name, conf) as p1:
        i1 = p1.info()
        p1.produce_sync(topic, b"first", timeout=30)
    with kb.Producer({**conf, "bridge.persistent.name": name}) as p2:
        i2 = p2.info()
        d = p2.produce_sync(topic, b"second", timeout=30)
    assert i1.persistent and not i1.reused
    assert i2.persistent and i2.reused
    assert i2.client_id == i1.client_id
    assert i1.sessions_served == 1 and i2.sessions_served == 2
    assert i2.age_ms >= i1.age_ms
    assert d.offset == 1


@pytest.mark.brokerless
def test_persistent_config_conflict_names_keys(cluster):
    name = f"py-conflict-{uuid.uuid4().hex[:8]}"
    with kb.Producer.persistent(name, {"bootstrap.servers": cluster, "linger.ms": "5"}):
        with pytest.raises(kb.ConfigConflictError) as ei:
            kb.Producer.persistent(name, {"bootstrap.servers": cluster, "linger.ms": "50"})
    err = ei.value
    assert err.code == kb.KB_ERR_CONFIG_CONFLICT == -1004
    assert err.name == "KB_ERR_CONFIG_CONFLICT"
    assert "linger.ms" in err.message
    assert "bootstrap.servers" not in err.message


@pytest.mark.brokerless
def test_unknown_config_key():
    with kb.Config() as c:
        with pytest.raises(kb.UnknownConfigError) as ei:
            c["no.such.property"] = "1"
    e = ei.value
    assert isinstance(e, kb.KafkaBridgeError)
    assert e.code == -1009 and e.name == "KB_ERR_UNKNOWN_CONFIG"
    assert "no.such.property" in e.message
    with pytest.raises(kb.UnknownConfigError):
        kb.Producer({"no.such.property": "1"})


@pytest.mark.brokerless
def test_bad_config_value():
    with kb.Config() as c:
        with pytest.raises(kb.ConfigError) as ei:
            c["linger.ms"] = "not-a-number"
    assert ei.value.code == -186 and ei.value.name == "_INVALID_ARG"
    assert ei.value.message


@pytest.mark.brokerless
def test_bad_topic_name(cluster):
    with kb.Producer({"bootstrap.servers": cluster}) as p:
        with pytest.raises(kb.KafkaBridgeError) as ei:
            p.produce("bad topic/name!", b"x")
    e = ei.value
    assert e.code != 0 and e.name and e.message
    assert e.code == 17 and isinstance(e, kb.TopicError), (e.code, e.name, e.message)


@pytest.mark.brokerless
def test_timeout_error_is_timeout():
    # a broker that does not exist: produce_sync must time out with -185 (or the message times out)
    with kb.Producer({"bootstrap.servers": "127.0.0.1:1", "message.timeout.ms": "60000",
                      "bridge.close.timeout.ms": "100"}) as p:
        with pytest.raises(kb.KafkaTimeoutError) as ei:
            p.produce_sync("t", b"x", timeout=0.5)
        assert isinstance(ei.value, TimeoutError)
        assert ei.value.code == -185 and ei.value.name == "_TIMED_OUT"
        # the message stays queued; purging it yields a failed delivery report for it
        p.purge()
        reports: list = []
        end = time.monotonic() + 10
        while not reports and time.monotonic() < end:  # other events (broker errors) come first
            reports = [e for e in p.poll_events(0.5, 100) if isinstance(e, kb.DeliveryReport)]
        assert len(reports) == 1
        r = reports[0]
        assert r.topic == "t" and r.code == -152 and r.error is not None
        assert r.error.name == "_PURGE_QUEUE" and r.error.message


@pytest.mark.brokerless
def test_closed_handles_raise_not_crash(cluster):
    p = kb.Producer({"bootstrap.servers": cluster})
    p.close()
    p.close()
    with pytest.raises(kb.InvalidStateError):
        p.produce("t", b"x")
    with kb.Config({"linger.ms": 5}) as c:
        assert c["linger.ms"] == "5"
        assert dict(c) == {"linger.ms": "5"}
    assert c.closed


def test_admin_create_existing_topic(admin, new_topic):
    t = new_topic()
    with pytest.raises(kb.TopicError) as ei:
        admin.create_topic(t, 1, 1)
    assert ei.value.code == 36 and ei.value.name == "TOPIC_ALREADY_EXISTS"


@pytest.mark.brokerless
def test_bad_utf8_names(cluster):
    with kb.Producer({"bootstrap.servers": cluster}) as p:
        with pytest.raises(kb.InvalidArgumentError) as ei:
            p.produce(b"\xff\xfe", b"x")  # type: ignore[arg-type]
        assert ei.value.code == -1003 and ei.value.name == "KB_ERR_BAD_UTF8"
        assert "topic" in ei.value.message
        with pytest.raises(kb.InvalidArgumentError) as ei:
            p.produce("t", b"x", headers=[(b"\xff", b"v")])  # type: ignore[list-item]
        assert "headers[0].name" in ei.value.message


def test_exit_with_open_producers_does_not_hang(brokers, new_topic, tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    topic = new_topic()
    script = tmp_path / "exit.py"
    script.write_text(
        "import sys; sys.path.insert(0, %r)\n"
        "import kafkabridge as kb\n"
        "p = kb.Producer.persistent('exit-test', {'bootstrap.servers': %r})\n"
        "q = kb.Producer({'bootstrap.servers': %r})\n"
        "p.produce(%r, b'persistent'); q.produce(%r, b'private')\n"
        % (str(Path(kb.__file__).parents[1]), brokers, brokers, topic, topic))
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    with kb.Consumer({"bootstrap.servers": brokers}) as c:
        c.assign([kb.TopicPartition(topic, 0, kb.OFFSET_BEGINNING)])
        from conftest import consume_n
        assert sorted(m.value for m in consume_n(c, 2, 15)) == [b"persistent", b"private"]
