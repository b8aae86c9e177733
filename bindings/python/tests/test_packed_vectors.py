"""The packed batch format against the shared golden vectors (tests/vectors/packed.json), which
the PHP encoder and the Rust decoder are tested against too."""
from __future__ import annotations

import json
from ctypes import byref, c_size_t, c_uint64
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

import kafkabridge as kb
from kafkabridge import _constants as c
from kafkabridge import _native as n

try:  # the encoder's home once the package is split into modules
    from kafkabridge import producer as _p
except ImportError:
    import kafkabridge as _p  # type: ignore[no-redef]

pytestmark = pytest.mark.brokerless

VECTORS = json.loads((Path(__file__).resolve().parents[3] / "tests" / "vectors" / "packed.json").read_text())


def _bytes(h: Any) -> Any:
    return None if h is None else bytes.fromhex(h)


def _by_name(cases: List[Dict[str, Any]]) -> Any:
    return pytest.mark.parametrize("case", cases, ids=[case["name"] for case in cases])


@_by_name(VECTORS["valid"])
def test_encoder_writes_the_vector_bytes(case: Dict[str, Any]) -> None:
    records = [{"topic": "t", "key": _bytes(r["key"]), "value": _bytes(r["value"])} for r in case["records"]]
    if not records:
        pytest.skip("_pack_records takes the topic and partition from the first record; "
                    "produce_batch never packs an empty batch")
    topic, partition, packed = _p._pack_records(records)
    assert (topic, partition) == (b"t", c.KB_PARTITION_UA)
    assert packed.hex() == case["packed"]


@pytest.fixture(scope="module")
def producer() -> Iterator[kb.Producer]:
    # The buffer is checked before anything is produced, so no topic (and no real broker) is needed.
    with kb.MockCluster(1) as mock:
        p = kb.Producer({"bootstrap.servers": mock.bootstrap_servers})
        try:
            yield p
        finally:
            p.close()


@_by_name(VECTORS["invalid"])
def test_library_refuses_the_invalid_buffer_naming_the_offset(producer: kb.Producer, case: Dict[str, Any]) -> None:
    buf = bytes.fromhex(case["packed"])
    cap = case.get("max_records", len(buf))  # every record takes 8 bytes or more
    ids = (c_uint64 * max(cap, 1))()
    accepted = c_size_t(0)
    code = n.raw_producer_produce_packed(producer._handle(), b"t", c.KB_PARTITION_UA, buf,
                                         c_size_t(len(buf)), ids, c_size_t(cap), byref(accepted))
    assert code == c.KB_ERR_INVALID_ARGUMENT
    assert accepted.value == 0
    message = n.last_error()
    assert f"byte offset {case['error_offset']}" in message
    assert case["error_says"] in message
