"""Config: librdkafka and bridge.* properties, validated as they are set."""
from __future__ import annotations

import ctypes
from ctypes import byref, c_size_t, c_void_p
from typing import Any, Dict, Iterator, Mapping, MutableMapping, Optional, Union

from ._handle import _Native
from ._marshal import _cstr
from ._native import lib as _lib
from .errors import _check


class Config(_Native, MutableMapping[str, str]):
    """librdkafka + `bridge.*` properties, validated as they are set.

    Config({"bootstrap.servers": "..."}, linger_ms="5") -- keyword names use "_" for ".".
    """
    _free_fn = "kb_config_free"

    def __init__(self, settings: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        super().__init__()
        out = c_void_p()
        _check(_lib.kb_config_new(byref(out)))
        self._ptr = out
        self._values: Dict[str, str] = {}
        try:
            for k, v in (settings or {}).items():
                self[k] = v
            for k, v in kwargs.items():
                self[k.replace("_", ".")] = v
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _str(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def __setitem__(self, key: str, value: Any) -> None:
        sval = self._str(value)
        _check(_lib.kb_config_set(self._handle(), _cstr(key, "config key"), _cstr(sval, f"config value of {key!r}")))
        self._values[key] = sval

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def get_effective(self, key: str) -> str:
        """The value as set, else librdkafka's default (kb_config_get)."""
        n = c_size_t()
        buf = ctypes.create_string_buffer(256)
        _check(_lib.kb_config_get(self._handle(), _cstr(key, "config key"), buf, 256, byref(n)))
        if n.value >= 256:
            buf = ctypes.create_string_buffer(n.value + 1)
            _check(_lib.kb_config_get(self._handle(), _cstr(key, "config key"), buf, n.value + 1, byref(n)))
        return buf.raw[:n.value].decode("utf-8", "replace")

    def __delitem__(self, key: str) -> None:
        raise TypeError("kafkabridge configs cannot unset a key; build a new Config")

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def dump(self) -> str:
        """`key=value` lines with secrets redacted (kb_config_dump)."""
        n = _lib.kb_config_dump(self._handle(), None, 0)
        buf = ctypes.create_string_buffer(n + 1)
        _lib.kb_config_dump(self._handle(), buf, n + 1)
        return buf.raw[:n].decode("utf-8", "replace")

    def copy(self) -> "Config":
        return Config(self._values)

    def __repr__(self) -> str:
        return f"Config({self.dump()!r})" if not self.closed else "Config(<closed>)"


ConfigLike = Union[Config, Mapping[str, Any], None]


def _merged(config: ConfigLike, kwargs: Mapping[str, Any]) -> ConfigLike:
    """`config` plus keyword settings, where `linger_ms=5` means `linger.ms`."""
    if not kwargs:
        return config
    merged = dict(config or {})
    merged.update({k.replace("_", "."): v for k, v in kwargs.items()})
    return merged


def _with_config(config: ConfigLike, fn) -> Any:
    """Calls fn(native_config_ptr_or_None), building a temporary Config from a mapping."""
    if config is None:
        return fn(None)
    if isinstance(config, Config):
        return fn(config._handle())
    with Config(config) as tmp:
        return fn(tmp._handle())
