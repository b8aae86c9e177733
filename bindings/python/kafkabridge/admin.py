"""Admin: create and delete topics."""
from __future__ import annotations

from ctypes import byref, c_char_p, c_void_p
from typing import Any, Mapping, Optional

from ._handle import _Native
from ._marshal import _cstr, _ms
from ._metadata import _MetadataMixin
from ._native import lib as _lib
from .config import ConfigLike, _merged, _with_config
from .errors import _check


class Admin(_MetadataMixin, _Native):
    _free_fn = "kb_admin_free"

    def __init__(self, config: ConfigLike = None, **kwargs: Any) -> None:
        super().__init__()
        config = _merged(config, kwargs)
        out = c_void_p()
        _with_config(config, lambda c: _check(_lib.kb_admin_new(c, byref(out))))
        self._ptr = out

    def create_topic(self, topic: str, partitions: int = -1, replication_factor: int = -1,
                     config: Optional[Mapping[str, str]] = None, timeout: float = 30.0) -> None:
        items = list((config or {}).items())
        names = (c_char_p * max(len(items), 1))(*[_cstr(k, "topic config key") for k, _ in items])
        values = (c_char_p * max(len(items), 1))(*[_cstr(str(v), "topic config value") for _, v in items])
        _check(_lib.kb_admin_create_topic(self._handle(), _cstr(topic, "topic"), partitions,
                                          replication_factor, names if items else None,
                                          values if items else None, len(items), _ms(timeout)))

    def delete_topic(self, topic: str, timeout: float = 30.0) -> None:
        _check(_lib.kb_admin_delete_topic(self._handle(), _cstr(topic, "topic"), _ms(timeout)))
