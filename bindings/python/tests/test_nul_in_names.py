"""Strings the library takes as C strings (topics, header names, config keys and values, group and
transactional ids) are refused when they hold a NUL byte: C would end the string there and the call
would silently use a different, shorter name."""
from __future__ import annotations

import pytest

import kafkabridge as kb


def assert_nul_refused(ei: pytest.ExceptionInfo, argument: str) -> None:
    e = ei.value
    assert isinstance(e, kb.InvalidArgumentError)
    assert e.code == kb.KB_ERR_INVALID_ARGUMENT == -1006 and e.name == "KB_ERR_INVALID_ARGUMENT"
    assert argument in e.message and "NUL" in e.message, e.message


@pytest.mark.brokerless
def test_produce_to_topic_with_nul_is_refused(cluster):
    with kb.Producer({"bootstrap.servers": cluster}) as p:
        with pytest.raises(kb.InvalidArgumentError) as ei:
            p.produce("real\x00ignored", b"x")
        assert_nul_refused(ei, "topic")
        with pytest.raises(kb.InvalidArgumentError) as ei:
            p.produce_sync("real\x00ignored", b"x", timeout=1)
        assert_nul_refused(ei, "topic")
        for records in ([kb.Record("real\x00ignored", b"x")],  # the packed path
                        [kb.Record("real\x00ignored", b"x", headers=[("h", b"v")])]):  # kb_record
            with pytest.raises(kb.InvalidArgumentError) as ei:
                p.produce_batch(records)
            assert_nul_refused(ei, "topic")
        with pytest.raises(kb.InvalidArgumentError) as ei:
            p.produce("t", b"x", headers=[("name\x00rest", b"v")])
        assert_nul_refused(ei, "header name")
        with pytest.raises(kb.InvalidArgumentError) as ei:
            p.get_watermark_offsets("real\x00ignored", 0)
        assert_nul_refused(ei, "topic")


@pytest.mark.brokerless
def test_config_keys_and_values_with_nul_are_refused():
    with kb.Config() as c:
        with pytest.raises(kb.InvalidArgumentError) as ei:
            c["linger.ms\x00x"] = "5"
        assert_nul_refused(ei, "config key")
        with pytest.raises(kb.InvalidArgumentError) as ei:
            c["transactional.id"] = "tx\x00other"
        assert_nul_refused(ei, "config value")
        assert "transactional.id" not in c


@pytest.mark.brokerless
def test_group_and_subscription_with_nul_are_refused(cluster):
    with pytest.raises(kb.InvalidArgumentError) as ei:
        kb.Consumer({"bootstrap.servers": cluster, "group.id": "g\x00other"})
    assert_nul_refused(ei, "config value")
    with kb.Consumer({"bootstrap.servers": cluster, "group.id": "g-nul"}) as c:
        with pytest.raises(kb.InvalidArgumentError) as ei:
            c.subscribe(["real\x00ignored"])
        assert_nul_refused(ei, "topic")
        with pytest.raises(kb.InvalidArgumentError) as ei:
            c.assign([kb.TopicPartition("real\x00ignored", 0)])
        assert_nul_refused(ei, "topic")


@pytest.mark.brokerless
def test_admin_names_with_nul_are_refused(cluster):
    # Refused before any request, so the mock cluster (which cannot create topics) will do.
    with kb.Admin({"bootstrap.servers": cluster}) as admin:
        with pytest.raises(kb.InvalidArgumentError) as ei:
            admin.create_topic("real\x00ignored", 1, 1)
        assert_nul_refused(ei, "topic")
        with pytest.raises(kb.InvalidArgumentError) as ei:
            admin.create_topic("t", 1, 1, config={"retention.ms": "1\x002"})
        assert_nul_refused(ei, "topic config value")
