"""Producer: produce, batches, delivery reports, transactions."""
from __future__ import annotations

import ctypes
import struct
from array import array
from collections import deque
from ctypes import byref, c_int64, c_size_t, c_uint64, c_void_p
from typing import (TYPE_CHECKING, Any, Callable, Deque, Dict, Iterable, List, Mapping, Optional, Sequence,
                    Tuple, Union)

from . import _native as _n
from ._handle import _Native
from ._marshal import (_CACHE_MAX, _INT32_MAX, _INT64_0, _SIZE_0, _data_arg, _headers_array, _int32_arg,
                       _int64_arg, _Keep, _ms, _record_data, _size_arg, _size_args, _topic_arg,
                       _topic_bytes_cache)
from ._metadata import _MetadataMixin
from ._oauth import _OAuthBearerMixin
from ._native import lib as _lib
from ._views import _offsets, _take_event, _take_event_batch, _tp_array
from .config import ConfigLike, _merged, _with_config
from .errors import KafkaBridgeError, _check, _make_error
from .types import (PARTITION_UA, PURGE_INFLIGHT, PURGE_QUEUE, Delivery, DeliveryReport, Event, Headers,
                    Message, ProducerInfo, Record, TopicPartition)

if TYPE_CHECKING:  # only for the annotation: consumer.py does not import this module
    from .consumer import Consumer


_U64x1 = c_uint64 * 1  # a one-element out-parameter (an array passes as a pointer)

_raw_produce = _n.raw_producer_produce
_raw_produce_batch = _n.raw_producer_produce_batch
_raw_produce_packed = _n.raw_producer_produce_packed
_raw_produce_sync = _n.raw_producer_produce_sync

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

class Producer(_MetadataMixin, _OAuthBearerMixin, _Native):
    """A producer. With `bridge.persistent.name` it is a session on a process-wide client."""
    _free_fn = "kb_producer_free"
    _oauth_prefix = "kb_producer"

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
                            i.events_dropped, i.orphans_delivered, i.orphans_failed, i.spooled,
                            i.spool_refused, i.spool_replayed, i.spool_dropped)
