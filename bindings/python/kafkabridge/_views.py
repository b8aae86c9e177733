"""Conversions between the library's structs and views and the binding's values (private module)."""
from __future__ import annotations

import ctypes
from ctypes import POINTER, byref, c_void_p
from typing import Any, Iterable, List, Optional, Sequence, Tuple, Union

from . import _native as _n
from ._marshal import _Keep, _bytes_at, _cstr, _dec, _topic_str, _topic_str_cache
from ._native import lib as _lib
from .errors import ERR_ASSIGN_PARTITIONS, _check, _error_from
from .types import (CommitEvent, DeliveryReport, ErrorEvent, Event, LogEvent, Message,
                    OAuthBearerRefreshEvent, RebalanceEvent, StatsEvent, TopicPartition)


def _tp_array(parts: Sequence[TopicPartition], keep: _Keep) -> Tuple[Any, int]:
    if not parts:
        return None, 0
    arr = (_n.kb_topic_partition * len(parts))()
    for i, tp in enumerate(parts):
        arr[i].topic = _cstr(tp.topic, "topic")
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
    if kind == 7:
        return OAuthBearerRefreshEvent(v.err, text)
    parts = _tp_from(v.partitions, v.partition_count) if v.partition_count else []
    if kind == 5:
        return RebalanceEvent(v.err, v.err == ERR_ASSIGN_PARTITIONS, parts)
    if kind == 6:
        return CommitEvent(v.err, _error_from(v.err, text), parts)
    return Event(v.err)


def _view_text(v: _n.kb_event_view) -> str:
    return ctypes.string_at(v.text, v.text_len).decode("utf-8", "replace") if v.text else ""


def _take_view(handle: c_void_p, view_type: Any, get_view: Any, free: Any, convert: Any) -> Any:
    """Converts the view of a handle the library just returned, then frees the handle."""
    try:
        view = view_type()
        _check(get_view(handle, byref(view)))
        return convert(view)
    finally:
        free(handle)


def _take_event(handle: c_void_p) -> Optional[Event]:
    if not handle:
        return None
    return _take_view(handle, _n.kb_event_view, _lib.kb_event_get_view, _lib.kb_event_free, _event_from_view)


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

def _offsets(offsets: Optional[Sequence[Union[TopicPartition, Message]]]) -> List[TopicPartition]:
    parts: List[TopicPartition] = []
    for o in offsets or []:
        if isinstance(o, Message):
            parts.append(TopicPartition(o.topic, o.partition, o.offset + 1))
        else:
            parts.append(o)
    return parts
