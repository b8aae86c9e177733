"""MockCluster: librdkafka's in-process mock cluster, for tests without a broker."""
from __future__ import annotations

import ctypes
from ctypes import byref, c_size_t, c_void_p

from ._handle import _Native
from ._native import lib as _lib
from .errors import _check


class MockCluster(_Native):
    """librdkafka's in-process mock cluster (no broker needed)."""
    _free_fn = "kb_mock_cluster_free"

    def __init__(self, brokers: int = 1) -> None:
        super().__init__()
        out = c_void_p()
        _check(_lib.kb_mock_cluster_new(brokers, byref(out)))
        self._ptr = out

    @property
    def bootstrap_servers(self) -> str:
        n = c_size_t()
        buf = ctypes.create_string_buffer(256)
        _check(_lib.kb_mock_cluster_bootstrap_servers(self._handle(), buf, 256, byref(n)))
        if n.value >= 256:
            buf = ctypes.create_string_buffer(n.value + 1)
            _check(_lib.kb_mock_cluster_bootstrap_servers(self._handle(), buf, n.value + 1, byref(n)))
        return buf.raw[:n.value].decode()
