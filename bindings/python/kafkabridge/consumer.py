"""Consumer: subscribe or assign, poll, commit, seek."""
from __future__ import annotations

import ctypes
from ctypes import POINTER, byref, c_char_p, c_void_p
from typing import Any, List, Optional, Sequence, Tuple, Union

from . import _native as _n
from ._handle import _Native
from ._marshal import _Keep, _cstr, _ms, _ms_cache
from ._metadata import _MetadataMixin
from ._oauth import _OAuthBearerMixin
from ._native import lib as _lib
from ._views import _messages_from_views, _offsets, _take_event_batch, _take_partition_list, _tp_array
from .config import ConfigLike, _merged, _with_config
from .errors import _check, _make_error
from .types import ConsumerInfo, Event, Message, TopicPartition


_MessageView1 = _n.kb_message_view * 1

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

class Consumer(_MetadataMixin, _OAuthBearerMixin, _Native):
    _free_fn = "kb_consumer_free"
    _oauth_prefix = "kb_consumer"

    def __init__(self, config: ConfigLike = None, **kwargs: Any) -> None:
        super().__init__()
        config = _merged(config, kwargs)
        out = c_void_p()
        _with_config(config, lambda c: _check(_lib.kb_consumer_new(c, byref(out))))
        self._ptr = out

    @classmethod
    def persistent(cls, name: str, config: ConfigLike = None) -> "Consumer":
        """A session of the process-wide group member `name` (needs `group.id`): it stays in its
        group between sessions and prefetches for the next one. close() commits what the session
        was handed (with enable.auto.commit, the default); the next session continues after the
        last committed message. One session at a time."""
        merged = dict(config or {})
        merged["bridge.persistent.name"] = name
        return cls(merged)

    def info(self) -> ConsumerInfo:
        """kb_consumer_get_info: reuse of a persistent member, its buffer, sessions served."""
        i = _n.kb_consumer_info()
        _check(_lib.kb_consumer_get_info(self._handle(), byref(i)))
        return ConsumerInfo(bool(i.persistent), bool(i.reused), i.age_ms, i.sessions_served,
                            i.buffered_messages, i.buffered_bytes, i.paused_partitions, i.redelivered,
                            i.idle_leaves, i.creator_pid, i.group_generation, i.assigned_partitions,
                            i.rebalances)

    def subscribe(self, topics: Union[str, Sequence[str]]) -> None:
        if isinstance(topics, str):
            topics = [topics]
        arr = (c_char_p * len(topics))(*[_cstr(t, "topic") for t in topics])
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
        _check(_lib.kb_consumer_seek(self._handle(), _cstr(topic, "topic"), partition, offset, _ms(timeout)))

    def close(self) -> None:
        """Leaves the group and frees the consumer (idempotent)."""
        ptr, self._ptr = self._ptr, None
        if ptr is None:
            return
        try:
            _check(_lib.kb_consumer_close(ptr))
        finally:
            _lib.kb_consumer_free(ptr)
