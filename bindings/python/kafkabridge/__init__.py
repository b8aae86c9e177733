"""kafkabridge: Python binding (ctypes only) over libkafkabridge's C ABI.

See bindings/python/README.md. Every native object is freed exactly once: close() is idempotent,
every class is a context manager, and __del__ is a last-resort fallback.
"""
from __future__ import annotations

import ctypes
import operator
import struct
from array import array
from ctypes import POINTER, byref, c_char_p, c_int64, c_size_t, c_uint8, c_uint64, c_void_p
from dataclasses import dataclass, field
from collections import deque
from typing import (Any, Callable, Deque, Dict, Iterable, Iterator, List, Mapping, MutableMapping, Optional,
                    Sequence, Tuple, Union)

from . import _native as _n
from ._native import lib as _lib

__all__ = [
    "KafkaBridgeError", "KafkaTimeoutError", "ConfigError", "UnknownConfigError",
    "ConfigConflictError", "InvalidHandleError", "InvalidArgumentError", "InvalidStateError",
    "QueueFullError", "TopicError", "Config", "Producer", "Consumer", "Admin", "MockCluster",
    "Message", "Delivery", "ProducerInfo", "TopicPartition", "Record", "Event", "DeliveryReport",
    "ErrorEvent", "LogEvent", "StatsEvent", "RebalanceEvent", "CommitEvent",
    "ClusterMetadata", "BrokerMetadata", "TopicMetadata", "PartitionMetadata",
    "OFFSET_BEGINNING", "OFFSET_END", "OFFSET_STORED", "OFFSET_INVALID", "PARTITION_UA",
    "version", "librdkafka_version", "shutdown", "LIBRARY_PATH",
]

OFFSET_BEGINNING = -2
OFFSET_END = -1
OFFSET_STORED = -1000
OFFSET_INVALID = -1001
OFFSET_TAIL_BASE = -2000
PARTITION_UA = -1
PURGE_QUEUE = 1
PURGE_INFLIGHT = 2
PURGE_NON_BLOCKING = 4

ERR_TIMED_OUT = -185
ERR_MSG_TIMED_OUT = -192
ERR_QUEUE_FULL = -184
ERR_INVALID_ARG = -186
ERR_ASSIGN_PARTITIONS = -175
ERR_REVOKE_PARTITIONS = -174
ERR_TOPIC_EXCEPTION = 17
KB_ERR_NULL_ARGUMENT = -1001
KB_ERR_INVALID_HANDLE = -1002
KB_ERR_BAD_UTF8 = -1003
KB_ERR_CONFIG_CONFLICT = -1004
KB_ERR_PANIC = -1005
KB_ERR_INVALID_ARGUMENT = -1006
KB_ERR_INVALID_STATE = -1007
KB_ERR_EVENT_QUEUE_FULL = -1008
KB_ERR_UNKNOWN_CONFIG = -1009

LIBRARY_PATH: str = _n.LIBRARY_PATH

Headers = Union[Sequence[Tuple[str, Optional[bytes]]], Mapping[str, Optional[bytes]], None]


# --------------------------------------------------------------------------------------------
# errors

class KafkaBridgeError(Exception):
    """A failed kafkabridge call: `code` (kb_err), `name` (kb_err_name) and `message`."""

    def __init__(self, code: int, name: str, message: str) -> None:
        super().__init__(f"{name} ({code}): {message}")
        self.code = code
        self.name = name
        self.message = message

    @property
    def retriable(self) -> bool:
        return bool(_lib.kb_err_is_retriable(self.code))

    @property
    def fatal(self) -> bool:
        return bool(_lib.kb_err_is_fatal(self.code))


class KafkaTimeoutError(KafkaBridgeError, TimeoutError):
    """-185 (_TIMED_OUT), -192 (_MSG_TIMED_OUT)."""


class ConfigError(KafkaBridgeError, ValueError):
    """A configuration key or value was refused (-186 _INVALID_ARG)."""


class UnknownConfigError(ConfigError, KeyError):
    """KB_ERR_UNKNOWN_CONFIG (-1009)."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return Exception.__str__(self)


class ConfigConflictError(KafkaBridgeError):
    """KB_ERR_CONFIG_CONFLICT (-1004): the message names the differing keys."""


class InvalidHandleError(KafkaBridgeError):
    """KB_ERR_INVALID_HANDLE (-1002)."""


class InvalidArgumentError(KafkaBridgeError, ValueError):
    """KB_ERR_INVALID_ARGUMENT (-1006), KB_ERR_NULL_ARGUMENT, KB_ERR_BAD_UTF8."""


class InvalidStateError(KafkaBridgeError):
    """KB_ERR_INVALID_STATE (-1007), e.g. a closed consumer."""


class QueueFullError(KafkaBridgeError):
    """-184 (_QUEUE_FULL) or KB_ERR_EVENT_QUEUE_FULL (-1008): poll/flush, then retry."""


class TopicError(KafkaBridgeError):
    """Topic problems: 3 (UNKNOWN_TOPIC_OR_PART), 17 (TOPIC_EXCEPTION), 36 (TOPIC_ALREADY_EXISTS)."""


_ERROR_CLASSES: Dict[int, type] = {
    ERR_TIMED_OUT: KafkaTimeoutError,
    ERR_MSG_TIMED_OUT: KafkaTimeoutError,
    ERR_INVALID_ARG: ConfigError,
    KB_ERR_UNKNOWN_CONFIG: UnknownConfigError,
    KB_ERR_CONFIG_CONFLICT: ConfigConflictError,
    KB_ERR_INVALID_HANDLE: InvalidHandleError,
    KB_ERR_INVALID_ARGUMENT: InvalidArgumentError,
    KB_ERR_NULL_ARGUMENT: InvalidArgumentError,
    KB_ERR_BAD_UTF8: InvalidArgumentError,
    KB_ERR_INVALID_STATE: InvalidStateError,
    ERR_QUEUE_FULL: QueueFullError,
    KB_ERR_EVENT_QUEUE_FULL: QueueFullError,
    3: TopicError,
    ERR_TOPIC_EXCEPTION: TopicError,
    36: TopicError,
}


def _make_error(code: int, message: Optional[str] = None) -> KafkaBridgeError:
    if message is None:
        message = _n.last_error()
    cls = _ERROR_CLASSES.get(code, KafkaBridgeError)
    return cls(code, _n.err_name(code), message)


def _check(code: int) -> None:
    if code != 0:
        raise _make_error(code)


def _error_from(code: int, text: Optional[str]) -> Optional[KafkaBridgeError]:
    if code == 0:
        return None
    desc = _lib.kb_err_description(code)
    return _make_error(code, text or (desc.decode() if desc else ""))


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


def _enc(s: str) -> bytes:
    return s.encode("utf-8") if isinstance(s, str) else bytes(s)


def _dec(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", "replace")


def _topic_arg(topic: str) -> bytes:
    """The topic name as a char* argument, encoded once per name."""
    if type(topic) is not str:
        return _enc(topic)
    b = _topic_bytes_cache.get(topic)
    if b is None:
        b = _enc(topic)
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
    if not ptr:
        return None
    return ctypes.string_at(ptr, length) if length else b""


# Arguments of the raw (argtypes-free) calls, see _native._raw: size_t and int64_t arguments must be
# ctypes instances. These are immutable once made, so cached ones are shared by all threads.
_SIZE_0 = c_size_t(0)
_INT64_0 = c_int64(0)
_size_args: Dict[int, c_size_t] = {0: _SIZE_0}
_U64x1 = c_uint64 * 1  # a one-element out-parameter (an array passes as a pointer)
_MessageView1 = _n.kb_message_view * 1
_raw_produce = _n.raw_producer_produce
_raw_produce_batch = _n.raw_producer_produce_batch
_raw_produce_packed = _n.raw_producer_produce_packed
_raw_produce_sync = _n.raw_producer_produce_sync
_raw_consumer_poll = _n.raw_consumer_poll
_raw_message_get_view = _n.raw_message_get_view
_raw_message_free = _n.raw_message_free


# Consumer.poll's out-parameters (c_void_p, a pointer to it, kb_message_view[1]), reused through a
# free list: allocating them costs a quarter of a poll. They cannot belong to the Consumer: the
# library writes them with the GIL released, so two threads polling one consumer would share them.
# list.pop() and append() are atomic, so each call (also one re-entering from a signal handler)
# has its own; a call that raises simply drops its set.
_poll_bufs: List[Any] = []


def _new_poll_buf() -> Tuple[c_void_p, Any, Any]:
    out = c_void_p()
    return out, ctypes.pointer(out), _MessageView1()


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
        h.name = _enc(name)
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


# Producer.produce_batch's packed path: the batch as one kb_producer_produce_packed() buffer, built
# with joins. Filling a kb_record per message through ctypes costs more than the C call itself.
_u32 = struct.Struct("<I").pack
_PACKED_ABSENT = _u32(_n.KB_PACKED_ABSENT)
_PACKED_NOTHING = _PACKED_ABSENT * 2  # a record with neither key nor value
# Longer values take the general path, which passes them without a copy: at 4 KiB the copy into
# the buffer already costs more than the kb_record it saves, at 2 KiB less (mock-cluster timing).
_PACKED_VALUE_MAX = 2048
_value_prefixes: Dict[int, bytes] = {}  # value length -> "no key, value of that length"


def _value_prefix(n: int) -> bytes:
    """The bytes before a value of length n that has no key."""
    p = _value_prefixes.get(n)
    if p is None:
        p = _PACKED_ABSENT + _u32(n)
        if len(_value_prefixes) < _CACHE_MAX:
            _value_prefixes[n] = p
    return p


def _packed_data(data: Any) -> bytes:
    """A key or value as bytes, converted as _data() does (its bytearray view has the same bytes)."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode("utf-8")
    return bytes(data)


def _pack_records(recs: List[Any]) -> Optional[Tuple[bytes, int, bytes]]:
    """(topic name argument, partition, packed buffer) for a batch whose records all go to the
    first one's topic and partition, with no headers and no timestamp; None when the general path
    must take it. Dicts become Records as there, so malformed records raise the same errors."""
    r0 = recs[0]
    if not isinstance(r0, Record):
        r0 = Record(**r0)
    topic, part = r0.topic, r0.partition
    tb = _topic_arg(topic)  # raises, if it must, before any record does, as on the general path
    # A partition the general path would refuse or truncate stays there. Later records must hold
    # the same int object: small ints are shared, and `is` refuses 1.0 and True as kb_record would.
    if type(part) is not int or not (part == PARTITION_UA or 0 <= part <= _INT32_MAX):
        return None
    parts: List[bytes] = [b""]
    v0 = r0.value
    if type(v0) is bytes and len(v0) <= _PACKED_VALUE_MAX:
        # The usual batch: bytes values of one length, no keys. Every record is then the same
        # prefix followed by its value, so one join makes the buffer (parts starts with b"" to
        # put a prefix before the first value too).
        size = len(v0)
        app = parts.append
        for r in recs:
            if (type(r) is not Record or r.key is not None or type(v := r.value) is not bytes
                    or len(v) != size or r.topic != topic or r.partition is not part
                    or r.headers or r.timestamp_ms):
                break
            app(v)
        done = len(parts) - 1
        packed = _value_prefix(size).join(parts)
        if done == len(recs):
            return tb, part, packed
        parts = [packed]
        recs = recs[done:]
    app = parts.append
    for r in recs:
        if not isinstance(r, Record):
            r = Record(**r)
        if r.topic != topic or r.partition is not part or r.headers or r.timestamp_ms:
            return None
        k = r.key
        v = r.value
        if v is not None:
            v = _packed_data(v)
            if len(v) > _PACKED_VALUE_MAX:
                return None
        if k is None:
            app(_PACKED_NOTHING if v is None else _value_prefix(len(v)))
        else:
            k = _packed_data(k)
            if len(k) >= _n.KB_PACKED_ABSENT:
                return None
            app(_u32(len(k)))
            app(k)
            app(_PACKED_ABSENT if v is None else _u32(len(v)))
        if v is not None:
            app(v)
    return tb, part, b"".join(parts)


def _ids_buffer(n: int) -> Tuple[array, Any]:
    """The ids out-parameter of a batch call: an array('Q') (tolist() reads it three times as fast
    as slicing a ctypes array) and the uint64_t[n] over its memory to pass."""
    ids = array("Q", bytes(8 * n))
    return ids, (c_uint64 * n).from_buffer(ids)


def _batch_result(code: int, ids: array, accepted: int) -> List[int]:
    """The ids of a batch call, or its error with `.accepted` and `.message_ids` set."""
    if code != 0:
        err = _make_error(code)
        err.accepted = accepted  # type: ignore[attr-defined]
        err.message_ids = ids[:accepted].tolist()  # type: ignore[attr-defined]
        raise err
    return ids.tolist()


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


# --------------------------------------------------------------------------------------------
# data classes

@dataclass
class TopicPartition:
    topic: str
    partition: int
    offset: int = OFFSET_INVALID
    metadata: Optional[bytes] = None
    error: int = 0


def _tp_array(parts: Sequence[TopicPartition], keep: _Keep) -> Tuple[Any, int]:
    if not parts:
        return None, 0
    arr = (_n.kb_topic_partition * len(parts))()
    for i, tp in enumerate(parts):
        arr[i].topic = _enc(tp.topic)
        arr[i].partition = tp.partition
        arr[i].offset = tp.offset
        ptr, ln = keep.data(tp.metadata)
        arr[i].metadata = ptr
        arr[i].metadata_len = ln
    keep.items.append(arr)
    return arr, len(parts)


def _tp_from(view: Any, count: int) -> List[TopicPartition]:
    out = []
    for i in range(count):
        tp = view[i]
        md = _bytes_at(ctypes.cast(tp.metadata, c_void_p).value, tp.metadata_len)
        out.append(TopicPartition(_dec(tp.topic) or "", tp.partition, tp.offset, md, tp.err))
    return out


def _take_partition_list(handle: c_void_p) -> List[TopicPartition]:
    try:
        n = _lib.kb_partition_list_count(handle)
        entries = POINTER(_n.kb_topic_partition)()
        _check(_lib.kb_partition_list_entries(handle, byref(entries)))
        return _tp_from(entries, n)
    finally:
        _lib.kb_partition_list_free(handle)


@dataclass
class Message:
    topic: str
    partition: int
    offset: int
    key: Optional[bytes]
    value: Optional[bytes]
    headers: List[Tuple[str, Optional[bytes]]] = field(default_factory=list)
    timestamp_ms: int = 0
    error: Optional[KafkaBridgeError] = None
    timestamp_type: int = 0


def _messages_from_views(views: Iterable[_n.kb_message_view]) -> List[Message]:
    """Messages from views, which stay valid meanwhile. This is the consumer's per-message cost:
    each field is read once, key and value are copied by one slice each (ptr[:len] makes a bytes
    of exactly len bytes, NUL bytes included), and Message is built positionally (keywords cost
    twice as much in a dataclass __init__)."""
    out = []
    append = out.append
    topics = _topic_str_cache
    for v in views:
        t = v.topic
        topic = topics.get(t) if t is not None else None
        if topic is None:
            topic = _topic_str(t)
        k = v.key
        val = v.value
        hc = v.header_count
        err = v.err
        append(Message(topic, v.partition, v.offset,
                       k[:v.key_len] if k else None,  # a NULL pointer is falsy: absent
                       val[:v.value_len] if val else None,
                       [(_dec(h.name) or "", h.value[:h.value_len] if h.value else None)
                        for h in v.headers[:hc]] if hc else [],
                       v.timestamp_ms,
                       _error_from(err, _dec(v.error_text)) if err else None,
                       v.timestamp_type))
    return out


@dataclass
class Record:
    """One message for Producer.produce_batch()."""
    topic: str
    value: Optional[bytes]
    key: Optional[bytes] = None
    headers: Headers = None
    partition: int = PARTITION_UA
    timestamp_ms: int = 0


@dataclass
class Delivery:
    message_id: int
    partition: int
    offset: int
    timestamp_ms: int


@dataclass
class ProducerInfo:
    persistent: bool
    reused: bool
    client_id: int
    creator_pid: int
    age_ms: int
    sessions_served: int
    in_flight: int
    queued_events: int
    events_dropped: int
    orphans_delivered: int
    orphans_failed: int


@dataclass
class Event:
    code: int


@dataclass
class DeliveryReport(Event):
    message_id: int
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    error: Optional[KafkaBridgeError] = None


@dataclass
class ErrorEvent(Event):
    name: str
    message: str
    fatal: bool


@dataclass
class LogEvent(Event):
    level: int
    facility: str
    message: str


@dataclass
class StatsEvent(Event):
    json: str


@dataclass
class RebalanceEvent(Event):
    assigned: bool  # True: partitions assigned (-175), False: revoked (-174)
    partitions: List[TopicPartition]


@dataclass
class CommitEvent(Event):
    error: Optional[KafkaBridgeError]
    partitions: List[TopicPartition]


def _event_from_view(v: _n.kb_event_view) -> Event:
    kind = v.kind
    if kind == 1:
        err = v.err
        t = v.topic
        topic = _topic_str_cache.get(t) if t is not None else None
        if topic is None:
            topic = _topic_str(t)
        # the text of a delivery report is only its error message: read it only then
        return DeliveryReport(err, v.message_id, topic, v.partition, v.offset, v.timestamp_ms,
                              _error_from(err, _view_text(v)) if err else None)
    text = _view_text(v)
    if kind == 2:
        return ErrorEvent(v.err, _n.err_name(v.err), text, bool(v.fatal))
    if kind == 3:
        return LogEvent(v.err, v.log_level, _dec(v.facility) or "", text)
    if kind == 4:
        return StatsEvent(v.err, text)
    parts = _tp_from(v.partitions, v.partition_count) if v.partition_count else []
    if kind == 5:
        return RebalanceEvent(v.err, v.err == ERR_ASSIGN_PARTITIONS, parts)
    if kind == 6:
        return CommitEvent(v.err, _error_from(v.err, text), parts)
    return Event(v.err)


def _view_text(v: _n.kb_event_view) -> str:
    return ctypes.string_at(v.text, v.text_len).decode("utf-8", "replace") if v.text else ""


def _take_event(handle: c_void_p) -> Optional[Event]:
    if not handle:
        return None
    try:
        view = _n.kb_event_view()
        _check(_lib.kb_event_get_view(handle, byref(view)))
        return _event_from_view(view)
    finally:
        _lib.kb_event_free(handle)


def _take_event_batch(handle: c_void_p) -> List[Event]:
    if not handle:
        return []
    try:
        n = _lib.kb_event_batch_count(handle)
        if n == 0:
            return []
        views = POINTER(_n.kb_event_view)()
        _check(_lib.kb_event_batch_views(handle, byref(views)))
        out: List[Event] = []
        append = out.append
        topics = _topic_str_cache
        for v in views[:n]:  # views[:n] makes the n struct views in one C loop
            if v.kind != 1:
                append(_event_from_view(v))
                continue
            # A delivery report, inline: _event_from_view's code without a call per event.
            err = v.err
            t = v.topic
            topic = topics.get(t) if t is not None else None
            if topic is None:
                topic = _topic_str(t)
            append(DeliveryReport(err, v.message_id, topic, v.partition, v.offset, v.timestamp_ms,
                                  _error_from(err, _view_text(v)) if err else None))
        return out
    finally:
        _lib.kb_event_batch_free(handle)


# --------------------------------------------------------------------------------------------
# native handle base

class _Native:
    _free_fn: str = ""

    def __init__(self) -> None:
        self._ptr: Optional[c_void_p] = None

    @property
    def closed(self) -> bool:
        return self._ptr is None

    def _handle(self) -> c_void_p:
        if self._ptr is None:
            raise InvalidStateError(KB_ERR_INVALID_STATE, "KB_ERR_INVALID_STATE",
                                    f"{type(self).__name__} is closed")
        return self._ptr

    def close(self) -> None:
        """Frees the native object (exactly once; later calls do nothing)."""
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            _check(getattr(_lib, self._free_fn)(ptr))

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


# --------------------------------------------------------------------------------------------
# metadata and watermarks (shared by Producer, Consumer and Admin)

@dataclass
class BrokerMetadata:
    id: int
    host: str
    port: int


@dataclass
class PartitionMetadata:
    id: int
    leader: int
    replicas: List[int]
    isrs: List[int]
    error: Optional[KafkaBridgeError] = None


@dataclass
class TopicMetadata:
    topic: str
    partitions: Dict[int, PartitionMetadata]
    error: Optional[KafkaBridgeError] = None


@dataclass
class ClusterMetadata:
    """confluent-kafka's shape: `brokers` and `topics` are dicts keyed by id / name."""
    orig_broker_id: int
    orig_broker_name: str
    brokers: Dict[int, BrokerMetadata]
    topics: Dict[str, TopicMetadata]


def _metadata_from_view(v: _n.kb_metadata_view) -> ClusterMetadata:
    brokers = {}
    for i in range(v.broker_count):
        b = v.brokers[i]
        brokers[b.id] = BrokerMetadata(b.id, _dec(b.host) or "", b.port)
    topics = {}
    for i in range(v.topic_count):
        t = v.topics[i]
        parts = {}
        for j in range(t.partition_count):
            pm = t.partitions[j]
            parts[pm.id] = PartitionMetadata(
                pm.id, pm.leader, [pm.replicas[k] for k in range(pm.replica_count)],
                [pm.isrs[k] for k in range(pm.isr_count)], _error_from(pm.err, None))
        name = _dec(t.name) or ""
        topics[name] = TopicMetadata(name, parts, _error_from(t.err, None))
    return ClusterMetadata(v.orig_broker_id, _dec(v.orig_broker_name) or "", brokers, topics)


class _MetadataMixin:
    def list_topics(self, topic: Optional[str] = None, timeout: float = 10.0) -> ClusterMetadata:
        """Cluster metadata (kb_metadata_fetch): all topics, or just `topic`."""
        out = c_void_p()
        _check(_lib.kb_metadata_fetch(self._handle(),  # type: ignore[attr-defined]
                                      _enc(topic) if topic is not None else None, _ms(timeout),
                                      byref(out)))
        try:
            view = _n.kb_metadata_view()
            _check(_lib.kb_metadata_get_view(out, byref(view)))
            return _metadata_from_view(view)
        finally:
            _lib.kb_metadata_free(out)

    metadata = list_topics

    def get_watermark_offsets(self, topic: Union[str, TopicPartition], partition: int = 0,
                              timeout: float = 10.0) -> Tuple[int, int]:
        """(low, high) offsets of a partition from the broker (kb_watermarks). Accepts
        `(topic, partition)` or, like confluent-kafka, a TopicPartition."""
        if isinstance(topic, TopicPartition):
            topic, partition = topic.topic, topic.partition
        low, high = c_int64(), c_int64()
        _check(_lib.kb_watermarks(self._handle(),  # type: ignore[attr-defined]
                                  _enc(topic), partition, _ms(timeout), byref(low), byref(high)))
        return low.value, high.value


# --------------------------------------------------------------------------------------------
# config

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
        _check(_lib.kb_config_set(self._handle(), _enc(key), _enc(sval)))
        self._values[key] = sval

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def get_effective(self, key: str) -> str:
        """The value as set, else librdkafka's default (kb_config_get)."""
        n = c_size_t()
        buf = ctypes.create_string_buffer(256)
        _check(_lib.kb_config_get(self._handle(), _enc(key), buf, 256, byref(n)))
        if n.value >= 256:
            buf = ctypes.create_string_buffer(n.value + 1)
            _check(_lib.kb_config_get(self._handle(), _enc(key), buf, n.value + 1, byref(n)))
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


# --------------------------------------------------------------------------------------------
# producer

class Producer(_MetadataMixin, _Native):
    """A producer. With `bridge.persistent.name` it is a session on a process-wide client."""
    _free_fn = "kb_producer_free"

    def __init__(self, config: ConfigLike = None, **kwargs: Any) -> None:
        super().__init__()
        # message id -> (on_delivery, topic, key, value) for messages produced with a callback
        self._pending: Dict[int, Tuple[Callable[..., Any], str, Any, Any]] = {}
        # events drained by flush() that no callback took; poll_event(s) return them first
        self._backlog: Deque[Event] = deque()
        config = _merged(config, kwargs)
        out = c_void_p()
        _with_config(config, lambda c: _check(_lib.kb_producer_new(c, byref(out))))
        self._ptr = out

    @classmethod
    def persistent(cls, name: str, config: ConfigLike = None) -> "Producer":
        merged = dict(config or {})
        merged["bridge.persistent.name"] = name
        return cls(merged)

    def produce(self, topic: str, value: Optional[bytes] = None, key: Optional[bytes] = None,
                headers: Headers = None, partition: Optional[int] = None,
                on_delivery: Optional[Callable[[Optional[KafkaBridgeError], Message], Any]] = None,
                timestamp: int = 0, *, timestamp_ms: Optional[int] = None,
                callback: Optional[Callable[..., Any]] = None) -> int:
        """Enqueues one message; returns its id (carried by its DeliveryReport).

        confluent-kafka shape: `partition=None` is unassigned, `timestamp` is ms since the epoch
        (`timestamp_ms` is the older name), `on_delivery(err, msg)` (alias `callback`) is called
        once from a later poll()/flush() on the calling thread.
        """
        h = self._ptr
        if h is None:
            h = self._handle()  # raises
        # The common call (bytes value, no key, no headers) takes the inline branches; each
        # argument is passed in the exact form _native._raw requires.
        tb = _topic_bytes_cache.get(topic) if type(topic) is str else None
        if tb is None:
            tb = _topic_arg(topic)
        if type(value) is bytes:
            vp = value
            vl = _size_args.get(len(value))
            if vl is None:
                vl = _size_arg(len(value))
        else:
            vp, vl = _data_arg(value)
        if key is None:
            kp, kl = None, _SIZE_0
        else:
            kp, kl = _data_arg(key)
        if headers:
            hp, hn = _headers_array(headers)
            hc = _size_arg(hn)
        else:
            hp, hc = None, _SIZE_0
        part = PARTITION_UA if partition is None else _int32_arg(partition)
        if timestamp_ms is None:
            timestamp_ms = timestamp
        buf = _U64x1()  # per call: the library writes it while the GIL is released
        code = _raw_produce(h, tb, part, kp, kl, vp, vl, hp, hc,
                            _INT64_0 if timestamp_ms == 0 else c_int64(timestamp_ms), buf)
        if code:
            raise _make_error(code)
        mid = buf[0]
        cb = on_delivery if on_delivery is not None else callback
        if cb is not None:
            self._pending[mid] = (cb, topic, key, value)
        return mid

    def produce_sync(self, topic: str, value: Optional[bytes], key: Optional[bytes] = None,
                     headers: Headers = None, partition: int = PARTITION_UA,
                     timestamp_ms: int = 0, timeout: float = 30.0) -> Delivery:
        """Produces one message and waits for its own delivery report."""
        h = self._handle()
        kp, kl = _data_arg(key)
        vp, vl = _data_arg(value)
        hp, hn = _headers_array(headers)
        d = _n.kb_delivery()
        _check(_raw_produce_sync(h, _topic_arg(topic), _int32_arg(partition), kp, kl, vp, vl, hp,
                                 _size_arg(hn), _int64_arg(timestamp_ms), _ms(timeout), byref(d)))
        return Delivery(d.message_id, d.partition, d.offset, d.timestamp_ms)

    def produce_batch(self, records: Iterable[Union[Record, Mapping[str, Any]]]) -> List[int]:
        """Enqueues all records with one C call; returns their ids.

        A batch whose records share one topic and partition and have no headers or timestamp (and
        values of up to 2 KiB) goes to the library as one packed buffer; any other as an array of
        kb_record. On failure raises the error of the first refused record with `.accepted` (how
        many were enqueued) and `.message_ids` (their ids) set; retry from there after polling.
        """
        recs = records if type(records) is list else list(records)
        n = len(recs)
        if n == 0:
            return []
        h = self._handle()
        accepted = c_size_t()
        ids, ids_arg = _ids_buffer(n)
        packed = _pack_records(recs)
        if packed is not None:
            tb, part, buf = packed
            code = _raw_produce_packed(h, tb, part, buf, c_size_t(len(buf)), ids_arg,
                                       _size_arg(n), byref(accepted))
            return _batch_result(code, ids, accepted.value)
        arr = (_n.kb_record * n)()
        shared = []  # buffers the records point to by address: alive until the call returns
        topic_addrs: Dict[bytes, int] = {}
        last_topic: Any = None
        taddr = 0
        # Per record only the fields that differ from the zeroed array are set. A bytes value is
        # pointed to in place (the array keeps a reference to it). The topic, usually the same for
        # all, is copied once into a C string and stored by address: storing bytes in a c_char_p
        # field costs four times as much, for the reference the array keeps.
        for a, r in zip(arr, recs):
            if not isinstance(r, Record):
                r = Record(**r)
            t = r.topic
            if t is not last_topic:
                tb = _topic_arg(t)
                taddr = topic_addrs.get(tb, 0)
                if not taddr:
                    cstr = ctypes.create_string_buffer(tb)
                    shared.append(cstr)
                    taddr = topic_addrs[tb] = ctypes.addressof(cstr)
                last_topic = t
            a.topic = taddr
            a.partition = r.partition
            v = r.value
            if type(v) is bytes:
                a.value = v
                a.value_len = len(v)
            elif v is not None:
                a.value, a.value_len = _record_data(v, shared)
            k = r.key
            if k is not None:
                a.key, a.key_len = _record_data(k, shared)
            if r.headers:
                a.headers, a.header_count = _headers_array(r.headers)
            if r.timestamp_ms:
                a.timestamp_ms = r.timestamp_ms
        code = _raw_produce_batch(h, arr, _size_arg(n), ids_arg, byref(accepted))
        return _batch_result(code, ids, accepted.value)

    def _dispatch(self, events: List[Event]) -> List[Event]:
        """Calls on_delivery for reports of messages produced with one; returns the rest.

        If a callback raises, the events not yet looked at go to the backlog and it propagates.
        """
        if not self._pending:
            return events  # no callback waits: nothing to match
        rest: List[Event] = []
        for i, ev in enumerate(events):
            entry = (self._pending.pop(ev.message_id, None)
                     if isinstance(ev, DeliveryReport) else None)
            if entry is None:
                rest.append(ev)
                continue
            cb, topic, key, value = entry
            msg = Message(ev.topic or topic, ev.partition, ev.offset, key, value, [],
                          ev.timestamp_ms, ev.error)
            try:
                cb(ev.error, msg)
            except BaseException:
                self._backlog.extendleft(reversed(rest + events[i + 1:]))
                raise
        return rest

    def _fetch(self, timeout: float, max: int) -> List[Event]:
        out = c_void_p()
        _check(_lib.kb_producer_poll_batch(self._handle(), _ms(timeout), max, byref(out)))
        return _take_event_batch(out)

    def poll(self, timeout: float = 0.0) -> int:
        """confluent-kafka's poll: serves waiting events, calling on_delivery callbacks on this
        thread, and returns how many events were served (waits up to `timeout` for the first).
        Events with no callback are dropped; use poll_event()/poll_events() to receive them."""
        served = len(self._backlog)
        backlog = list(self._backlog)
        self._backlog.clear()
        self._dispatch(backlog)
        events = self._fetch(0.0 if served else timeout, 1000)
        self._dispatch(events)
        return served + len(events)

    def poll_event(self, timeout: float = 0.0) -> Optional[Event]:
        """The next event (delivery report, error, log, stats) or None (formerly poll())."""
        if self._backlog:
            return self._backlog.popleft()
        while True:
            out = c_void_p()
            _check(_lib.kb_producer_poll(self._handle(), _ms(timeout), byref(out)))
            ev = _take_event(out)
            if ev is None:
                return None
            rest = self._dispatch([ev])
            if rest:
                return rest[0]
            timeout = 0.0  # a callback took it: look again without waiting

    def poll_events(self, timeout: float = 0.0, max: int = 1000) -> List[Event]:
        """Up to `max` events with one C call (waits up to `timeout` for the first). Reports of
        messages produced with on_delivery go to their callback and are not returned."""
        if self._backlog:
            n = min(max, len(self._backlog))
            return [self._backlog.popleft() for _ in range(n)]
        return self._dispatch(self._fetch(timeout, max))

    def flush(self, timeout: float = 30.0) -> int:
        """Waits until every message is delivered or failed (raises KafkaTimeoutError otherwise),
        then serves pending on_delivery callbacks. Returns len(self)."""
        _check(_lib.kb_producer_flush(self._handle(), _ms(timeout)))
        # Bounded: each round drains up to 1000 queued events; stop once none is pending.
        for _ in range(1000):
            if not self._pending:
                break
            events = self._fetch(0.0, 1000)
            if not events:
                break
            self._backlog.extend(self._dispatch(events))
        return len(self)

    def purge(self, flags: int = PURGE_QUEUE | PURGE_INFLIGHT) -> None:
        _check(_lib.kb_producer_purge(self._handle(), flags))

    def __len__(self) -> int:
        """kb_producer_queue_len: messages librdkafka holds plus events waiting to be polled."""
        n = c_int64()
        _check(_lib.kb_producer_queue_len(self._handle(), byref(n)))
        return n.value + len(self._backlog)

    # transactions (need `transactional.id`)
    def init_transactions(self, timeout: float = 30.0) -> None:
        _check(_lib.kb_producer_init_transactions(self._handle(), _ms(timeout)))

    def begin_transaction(self) -> None:
        _check(_lib.kb_producer_begin_transaction(self._handle()))

    def commit_transaction(self, timeout: float = 30.0) -> None:
        _check(_lib.kb_producer_commit_transaction(self._handle(), _ms(timeout)))

    def abort_transaction(self, timeout: float = 30.0) -> None:
        _check(_lib.kb_producer_abort_transaction(self._handle(), _ms(timeout)))

    def send_offsets_to_transaction(self, consumer: "Consumer",
                                    offsets: Sequence[Union[TopicPartition, Message]],
                                    timeout: float = 30.0) -> None:
        """Adds `consumer`'s group offsets (next offsets to read; a Message counts as its
        offset + 1) to the current transaction. Takes the Consumer itself, not group metadata."""
        keep = _Keep()
        arr, n = _tp_array(_offsets(offsets), keep)
        _check(_lib.kb_producer_send_offsets_to_transaction(self._handle(), consumer._handle(),
                                                            arr, n, _ms(timeout)))

    def info(self) -> ProducerInfo:
        i = _n.kb_producer_info()
        _check(_lib.kb_producer_get_info(self._handle(), byref(i)))
        return ProducerInfo(bool(i.persistent), bool(i.reused), i.client_id, i.creator_pid,
                            i.age_ms, i.sessions_served, i.in_flight, i.queued_events,
                            i.events_dropped, i.orphans_delivered, i.orphans_failed)


# --------------------------------------------------------------------------------------------
# consumer

def _offsets(offsets: Optional[Sequence[Union[TopicPartition, Message]]]) -> List[TopicPartition]:
    parts: List[TopicPartition] = []
    for o in offsets or []:
        if isinstance(o, Message):
            parts.append(TopicPartition(o.topic, o.partition, o.offset + 1))
        else:
            parts.append(o)
    return parts


class Consumer(_MetadataMixin, _Native):
    _free_fn = "kb_consumer_free"

    def __init__(self, config: ConfigLike = None, **kwargs: Any) -> None:
        super().__init__()
        config = _merged(config, kwargs)
        out = c_void_p()
        _with_config(config, lambda c: _check(_lib.kb_consumer_new(c, byref(out))))
        self._ptr = out

    def subscribe(self, topics: Union[str, Sequence[str]]) -> None:
        if isinstance(topics, str):
            topics = [topics]
        arr = (c_char_p * len(topics))(*[_enc(t) for t in topics])
        _check(_lib.kb_consumer_subscribe(self._handle(), arr, len(topics)))

    def unsubscribe(self) -> None:
        _check(_lib.kb_consumer_unsubscribe(self._handle()))

    def assign(self, partitions: Sequence[TopicPartition]) -> None:
        keep = _Keep()
        arr, n = _tp_array(partitions, keep)
        _check(_lib.kb_consumer_assign(self._handle(), arr, n))

    def assignment(self) -> List[TopicPartition]:
        out = c_void_p()
        _check(_lib.kb_consumer_assignment(self._handle(), byref(out)))
        return _take_partition_list(out)

    def poll(self, timeout: float = 1.0) -> Optional[Message]:
        """One message (its `.error` set for consumer errors such as partition EOF) or None."""
        h = self._ptr
        if h is None:
            h = self._handle()  # raises
        ms = _ms_cache.get(timeout)
        if ms is None:
            ms = _ms(timeout)
        buf = _poll_bufs.pop() if _poll_bufs else _new_poll_buf()
        out, out_ptr, view = buf
        code = _raw_consumer_poll(h, ms, out_ptr)  # writes *out, NULL when no message came
        if code:
            raise _make_error(code)
        if not out:
            _poll_bufs.append(buf)
            return None
        try:
            code = _raw_message_get_view(out, view)  # an array passes as a pointer
            if code:
                raise _make_error(code)
            msg = _messages_from_views(view)[0]
        finally:
            _raw_message_free(out)
        _poll_bufs.append(buf)
        return msg

    def poll_batch(self, timeout: float = 1.0, max: int = 500) -> List[Message]:
        """Up to `max` messages within `timeout` with one poll call and one views call."""
        out = c_void_p()
        _check(_lib.kb_consumer_poll_batch(self._handle(), _ms(timeout), max, byref(out)))
        if not out:
            return []
        try:
            n = _lib.kb_message_batch_count(out)
            if n == 0:
                return []
            views = POINTER(_n.kb_message_view)()
            _check(_lib.kb_message_batch_views(out, byref(views)))
            return _messages_from_views(views[:n])  # views[:n]: the n struct views in one C loop
        finally:
            _lib.kb_message_batch_free(out)

    def consume(self, num_messages: int = 1, timeout: float = -1) -> List[Message]:
        """confluent-kafka's consume: up to `num_messages` within `timeout` seconds (negative:
        wait a long time) via poll_batch; consumer errors come back as Messages with `.error`."""
        return self.poll_batch(None if timeout is None or timeout < 0 else timeout, num_messages)

    def pause(self, partitions: Sequence[TopicPartition]) -> None:
        """Stops fetching these partitions until resume(); poll returns none of their messages."""
        keep = _Keep()
        arr, n = _tp_array(list(partitions), keep)
        _check(_lib.kb_consumer_pause(self._handle(), arr, n))

    def resume(self, partitions: Sequence[TopicPartition]) -> None:
        keep = _Keep()
        arr, n = _tp_array(list(partitions), keep)
        _check(_lib.kb_consumer_resume(self._handle(), arr, n))

    def poll_events(self, timeout: float = 0.0, max: int = 1000) -> List[Event]:
        """Rebalance, commit, error, log and stats events."""
        out = c_void_p()
        _check(_lib.kb_consumer_poll_events(self._handle(), _ms(timeout), max, byref(out)))
        return _take_event_batch(out)

    def commit(self, offsets: Optional[Sequence[Union[TopicPartition, Message]]] = None,
               asynchronous: bool = False) -> None:
        """Commits `offsets` (next offsets to read; a Message commits its offset + 1), or the
        stored positions of every assigned partition when None."""
        keep = _Keep()
        arr, n = _tp_array(_offsets(offsets), keep)
        _check(_lib.kb_consumer_commit(self._handle(), arr, n, 1 if asynchronous else 0))

    def committed(self, partitions: Optional[Sequence[TopicPartition]] = None,
                  timeout: float = 10.0) -> List[TopicPartition]:
        keep = _Keep()
        arr, n = _tp_array(list(partitions or []), keep)
        out = c_void_p()
        _check(_lib.kb_consumer_committed(self._handle(), arr, n, _ms(timeout), byref(out)))
        return _take_partition_list(out)

    def position(self) -> List[TopicPartition]:
        out = c_void_p()
        _check(_lib.kb_consumer_position(self._handle(), byref(out)))
        return _take_partition_list(out)

    def seek(self, topic: str, partition: int, offset: int, timeout: float = 10.0) -> None:
        _check(_lib.kb_consumer_seek(self._handle(), _enc(topic), partition, offset, _ms(timeout)))

    def close(self) -> None:
        """Leaves the group and frees the consumer (idempotent)."""
        ptr, self._ptr = self._ptr, None
        if ptr is None:
            return
        try:
            _check(_lib.kb_consumer_close(ptr))
        finally:
            _lib.kb_consumer_free(ptr)


# --------------------------------------------------------------------------------------------
# admin, mock cluster

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
        names = (c_char_p * max(len(items), 1))(*[_enc(k) for k, _ in items])
        values = (c_char_p * max(len(items), 1))(*[_enc(str(v)) for _, v in items])
        _check(_lib.kb_admin_create_topic(self._handle(), _enc(topic), partitions,
                                          replication_factor, names if items else None,
                                          values if items else None, len(items), _ms(timeout)))

    def delete_topic(self, topic: str, timeout: float = 30.0) -> None:
        _check(_lib.kb_admin_delete_topic(self._handle(), _enc(topic), _ms(timeout)))


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


def version() -> str:
    return _lib.kb_version().decode()


def librdkafka_version() -> str:
    return _lib.kb_librdkafka_version().decode()


def shutdown() -> None:
    """Flushes and drops every persistent producer client (kb_shutdown)."""
    _check(_lib.kb_shutdown())
