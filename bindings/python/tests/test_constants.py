"""The generated kafkabridge._constants (tools/gen-constants.py) agree with the loaded library."""
from __future__ import annotations

import pytest

from kafkabridge import _constants as c
from kafkabridge import _native as n

pytestmark = pytest.mark.brokerless

RD_PREFIX = "RD_KAFKA_RESP_ERR_"


def _codes(prefix: str) -> dict:
    return {name: value for name, value in vars(c).items() if name.startswith(prefix)}


def test_kafkabridge_error_codes_carry_their_names() -> None:
    codes = _codes("KB_ERR_")
    assert codes
    for name, value in codes.items():
        assert n.err_name(value) == name
    assert n.err_name(c.KB_OK) == "NO_ERROR"


def test_librdkafka_error_codes_carry_their_names() -> None:
    codes = _codes(RD_PREFIX)
    assert len(codes) > 20
    for name, value in codes.items():
        assert n.err_name(value) == name[len(RD_PREFIX):]


def test_values_the_native_layer_uses() -> None:
    assert c.KB_PACKED_ABSENT == n.KB_PACKED_ABSENT == 0xFFFFFFFF
    assert (c.KB_OFFSET_BEGINNING, c.KB_OFFSET_END, c.KB_PARTITION_UA) == (-2, -1, -1)
    assert c.KB_PURGE_QUEUE | c.KB_PURGE_INFLIGHT | c.KB_PURGE_NON_BLOCKING == 7
