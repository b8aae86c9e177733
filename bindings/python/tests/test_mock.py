from __future__ import annotations

import pytest

import kafkabridge as kb
from conftest import consume_n

pytestmark = pytest.mark.brokerless


def test_mock_cluster_round_trip():
    with kb.MockCluster(1) as mock:
        servers = mock.bootstrap_servers
        assert servers.startswith("127.0.0.1:") or ":" in servers
        with kb.Producer({"bootstrap.servers": servers}) as p:
            d = p.produce_sync("mock-topic", b"v\x00", key=b"", headers={"h": None}, timeout=30)
            assert d.offset == 0
        with kb.Consumer({"bootstrap.servers": servers}) as c:
            c.assign([kb.TopicPartition("mock-topic", d.partition, kb.OFFSET_BEGINNING)])
            msgs = consume_n(c, 1)
        assert [(m.key, m.value, m.headers) for m in msgs] == [(b"", b"v\x00", [("h", None)])]
    assert mock.closed
