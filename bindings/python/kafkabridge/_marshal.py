"""Conversions of Python arguments to the C types the calls take (private module)."""
from __future__ import annotations

import ctypes
import operator
from ctypes import POINTER, c_int64, c_size_t, c_uint8
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from . import _native as _n
from .errors import KB_ERR_INVALID_ARGUMENT, InvalidArgumentError
from .types import Headers


_INT32_MIN, _INT32_MAX = -2**31, 2**31 - 1

# Small caches for values the hot paths would otherwise recompute on every call. Each holds
# immutable values, is bounded by _CACHE_MAX entries and is safe to share between threads (a
# dict get/set is atomic; a lost race only computes a value twice).
_CACHE_MAX = 1024
_ms_cache: Dict[Any, int] = {}
_topic_bytes_cache: Dict[str, bytes] = {}  # topic name -> its UTF-8 bytes
_topic_str_cache: Dict[bytes, str] = {}  # topic name as read from a view -> str


def _ms(timeout: Optional[float]) -> int:
    """Seconds (float) to milliseconds; None means 'wait a long time' (no infinite waits)."""
    ms = _ms_cache.get(timeout)
    if ms is None:
        ms = _INT32_MAX if timeout is None else int(round(timeout * 1000))
        ms = min(max(ms, _INT32_MIN), _INT32_MAX)  # an int32_t argument
        if len(_ms_cache) < _CACHE_MAX:
            _ms_cache[timeout] = ms
    return ms


def _cstr(s: str, what: str) -> bytes:
    """`s` as a char* argument, refused when it holds a NUL byte: C would end the string there and
    the library would silently use only the part before it (another topic, a shorter id)."""
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    if b"\0" in b:
        raise InvalidArgumentError(
            KB_ERR_INVALID_ARGUMENT, "KB_ERR_INVALID_ARGUMENT",
            f"{what} {s!r} contains a NUL byte, which cannot be passed in a C string")
    return b


def _dec(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", "replace")


def _topic_arg(topic: str) -> bytes:
    """The topic name as a char* argument, encoded once per name."""
    if type(topic) is not str:
        return _cstr(topic, "topic")
    b = _topic_bytes_cache.get(topic)
    if b is None:
        b = _cstr(topic, "topic")  # only names that passed the check are cached
        if len(_topic_bytes_cache) >= _CACHE_MAX:
            _topic_bytes_cache.clear()
        _topic_bytes_cache[topic] = b
    return b


def _topic_str(b: Optional[bytes]) -> str:
    """A topic name read from a view, decoded once per name ("" when absent)."""
    if b is None:
        return ""
    s = _topic_str_cache.get(b)
    if s is None:
        s = b.decode("utf-8", "replace")
        if len(_topic_str_cache) >= _CACHE_MAX:
            _topic_str_cache.clear()
        _topic_str_cache[b] = s
    return s


def _bytes_at(ptr: Optional[int], length: int) -> Optional[bytes]:
    """The `length` bytes at `ptr` (copied), None for a NULL pointer."""
    if not ptr:
        return None
    return ctypes.string_at(ptr, length)

# Arguments of the raw (argtypes-free) calls, see _native._raw: size_t and int64_t arguments must be
# ctypes instances. These are immutable once made, so cached ones are shared by all threads.
_SIZE_0 = c_size_t(0)
_INT64_0 = c_int64(0)
_size_args: Dict[int, c_size_t] = {0: _SIZE_0}

def _size_arg(n: int) -> c_size_t:
    s = _size_args.get(n)
    if s is None:
        s = c_size_t(n)
        if len(_size_args) < _CACHE_MAX:
            _size_args[n] = s
    return s


def _int64_arg(v: int) -> c_int64:
    return _INT64_0 if v == 0 else c_int64(v)


def _int32_arg(v: int) -> int:
    """An int32_t raw argument: checked here, as ctypes would truncate a wider int."""
    v = operator.index(v)
    if not _INT32_MIN <= v <= _INT32_MAX:
        raise OverflowError(f"{v} does not fit in int32_t")
    return v


def _data(data: Any) -> Union[bytes, Any]:
    """Key or value bytes for the library, which only reads them before the call returns: bytes
    pass as they are (no copy), str is UTF-8, a non-empty bytearray is shared through a c_char
    array over its memory, anything else goes through bytes()."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, bytearray) and len(data) > 0:
        return (ctypes.c_char * len(data)).from_buffer(data)
    return bytes(data)


def _data_arg(data: Any) -> Tuple[Any, c_size_t]:
    """(pointer, length) raw arguments: None stays NULL, b"" is a non-NULL pointer, length 0."""
    if data is None:
        return None, _SIZE_0
    data = _data(data)
    return data, _size_arg(len(data))


def _headers_array(headers: Headers) -> Tuple[Any, int]:
    """(kb_header array or None, count). Each bytes is pointed to, not copied; the array keeps it
    alive."""
    if not headers:
        return None, 0
    items = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    arr = (_n.kb_header * len(items))()
    for h, (name, value) in zip(arr, items):
        h.name = _cstr(name, "header name")
        if value is not None:
            if not isinstance(value, bytes):  # header values are small: copy, never share
                value = value.encode("utf-8") if isinstance(value, str) else bytes(value)
            h.value = value
            h.value_len = len(value)
    return arr, len(items)


def _record_data(data: Any, shared: List[Any]) -> Tuple[Union[bytes, int], int]:
    """(value for a c_char_p field, length) of a kb_record key or value. A c_char_p field takes
    bytes (and keeps them alive) or an address: a shared bytearray goes by address, its c_char
    array kept in `shared` until the call returns."""
    data = _data(data)
    if isinstance(data, bytes):
        return data, len(data)
    shared.append(data)
    return ctypes.addressof(data), len(data)

class _Keep:
    """Keeps ctypes buffers alive for the duration of one call."""

    def __init__(self) -> None:
        self.items: List[Any] = []

    def data(self, data: Optional[Union[bytes, bytearray, memoryview, str]]) -> Tuple[Any, int]:
        """(uint8_t* or None, len): None stays NULL, b"" becomes a non-NULL pointer with length 0."""
        if data is None:
            return None, 0
        if isinstance(data, str):
            data = data.encode("utf-8")
        if isinstance(data, bytearray) and len(data) > 0:
            view = (ctypes.c_char * len(data)).from_buffer(data)  # shares the bytearray's memory
            self.items.append(view)
            return ctypes.cast(view, POINTER(c_uint8)), len(data)
        if not isinstance(data, bytes):
            data = bytes(data)
        # c_char_p points into the bytes object's own buffer: no copy. The library only reads it,
        # and copies it before the call returns.
        ptr = ctypes.c_char_p(data)
        self.items.append((data, ptr))
        return ctypes.cast(ptr, POINTER(c_uint8)), len(data)
