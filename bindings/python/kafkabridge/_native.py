"""ctypes declarations mirroring include/kafkabridge.h (private module)."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import (POINTER, Structure, c_char, c_char_p, c_int32, c_int64, c_size_t, c_uint8,
                    c_uint32, c_uint64, c_void_p)
from pathlib import Path
from typing import Optional

kb_err = c_int32
c_uint8_p = POINTER(c_uint8)


class kb_topic_partition(Structure):
    _fields_ = [
        ("topic", c_char_p),
        ("partition", c_int32),
        ("offset", c_int64),
        ("metadata", c_uint8_p),
        ("metadata_len", c_size_t),
        ("err", kb_err),
    ]


# Data pointers come in two spellings with the same layout. Input structures use c_char_p: a bytes
# object assigned to such a field is pointed to in place (no copy; the structure keeps it alive) and
# None is NULL; the length travels separately, so NUL bytes are fine. Views read back use
# POINTER(c_char), whose slice ptr[:len] copies exactly len bytes into a bytes object in one step.
c_char_ptr = POINTER(c_char)


class kb_header(Structure):
    """A header passed in (produce)."""
    _fields_ = [
        ("name", c_char_p),
        ("value", c_char_p),
        ("value_len", c_size_t),
    ]


class kb_header_view(Structure):
    """kb_header as read from a message view."""
    _fields_ = [
        ("name", c_char_p),
        ("value", c_char_ptr),
        ("value_len", c_size_t),
    ]


class kb_record(Structure):
    _fields_ = [
        ("topic", c_char_p),
        ("partition", c_int32),
        ("key", c_char_p),
        ("key_len", c_size_t),
        ("value", c_char_p),
        ("value_len", c_size_t),
        ("headers", POINTER(kb_header)),
        ("header_count", c_size_t),
        ("timestamp_ms", c_int64),
    ]


class kb_delivery(Structure):
    _fields_ = [
        ("message_id", c_uint64),
        ("partition", c_int32),
        ("offset", c_int64),
        ("timestamp_ms", c_int64),
    ]


class kb_consumer_info(Structure):
    _fields_ = [
        ("persistent", c_int32),
        ("reused", c_int32),
        ("age_ms", c_uint64),
        ("sessions_served", c_uint64),
        ("buffered_messages", c_uint64),
        ("buffered_bytes", c_uint64),
        ("paused_partitions", c_uint64),
        ("redelivered", c_uint64),
        ("idle_leaves", c_uint64),
        ("creator_pid", c_uint32),
        ("group_generation", c_int32),
        ("assigned_partitions", c_uint64),
        ("rebalances", c_uint64),
    ]


class kb_producer_info(Structure):
    _fields_ = [
        ("persistent", c_int32),
        ("reused", c_int32),
        ("client_id", c_uint64),
        ("creator_pid", c_uint32),
        ("age_ms", c_uint64),
        ("sessions_served", c_uint64),
        ("in_flight", c_int64),
        ("queued_events", c_uint64),
        ("events_dropped", c_uint64),
        ("orphans_delivered", c_uint64),
        ("orphans_failed", c_uint64),
        ("spooled", c_uint64),
        ("spool_refused", c_uint64),
        ("spool_replayed", c_uint64),
        ("spool_dropped", c_uint64),
    ]


class kb_event_view(Structure):
    _fields_ = [
        ("kind", ctypes.c_int),  # kb_event_type (C enum: int)
        ("err", kb_err),
        ("fatal", c_int32),
        ("message_id", c_uint64),
        ("topic", c_char_p),
        ("partition", c_int32),
        ("offset", c_int64),
        ("timestamp_ms", c_int64),
        ("text", c_void_p),  # use text_len, not NUL termination
        ("text_len", c_size_t),
        ("log_level", c_int32),
        ("facility", c_char_p),
        ("partitions", POINTER(kb_topic_partition)),
        ("partition_count", c_size_t),
    ]


class kb_message_view(Structure):
    _fields_ = [
        ("err", kb_err),
        ("error_text", c_char_p),
        ("topic", c_char_p),
        ("partition", c_int32),
        ("offset", c_int64),
        ("key", c_char_ptr),
        ("key_len", c_size_t),
        ("value", c_char_ptr),
        ("value_len", c_size_t),
        ("timestamp_ms", c_int64),
        ("timestamp_type", c_int32),
        ("headers", POINTER(kb_header_view)),
        ("header_count", c_size_t),
    ]


class kb_broker_metadata(Structure):
    _fields_ = [
        ("id", c_int32),
        ("host", c_char_p),
        ("port", c_int32),
    ]


class kb_partition_metadata(Structure):
    _fields_ = [
        ("id", c_int32),
        ("leader", c_int32),
        ("err", kb_err),
        ("replicas", POINTER(c_int32)),
        ("replica_count", c_size_t),
        ("isrs", POINTER(c_int32)),
        ("isr_count", c_size_t),
    ]


class kb_topic_metadata(Structure):
    _fields_ = [
        ("name", c_char_p),
        ("err", kb_err),
        ("partitions", POINTER(kb_partition_metadata)),
        ("partition_count", c_size_t),
    ]


class kb_metadata_view(Structure):
    _fields_ = [
        ("orig_broker_id", c_int32),
        ("orig_broker_name", c_char_p),
        ("brokers", POINTER(kb_broker_metadata)),
        ("broker_count", c_size_t),
        ("topics", POINTER(kb_topic_metadata)),
        ("topic_count", c_size_t),
    ]


def _find_library() -> str:
    env = os.environ.get("KAFKABRIDGE_LIB")
    if env:
        return env
    # bindings/python/kafkabridge/_native.py -> repo root is three levels above the package dir
    repo_lib = Path(__file__).resolve().parents[3] / "target" / "release" / "libkafkabridge.so"
    if repo_lib.exists():
        return str(repo_lib)
    found = ctypes.util.find_library("kafkabridge")
    if found:
        return found
    raise OSError("libkafkabridge not found: set KAFKABRIDGE_LIB, run `make build`, or install it")


LIBRARY_PATH = _find_library()
lib = ctypes.CDLL(LIBRARY_PATH)

P = c_void_p  # opaque handles
PP = POINTER(c_void_p)


def _decl(name: str, restype, *argtypes) -> None:
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)


# errors / misc
_decl("kb_err_name", c_char_p, kb_err)
_decl("kb_err_description", c_char_p, kb_err)
_decl("kb_last_error", c_size_t, POINTER(c_char), c_size_t)
_decl("kb_last_error_flags", c_uint32)
_decl("kb_err_is_retriable", c_int32, kb_err)
_decl("kb_err_is_fatal", c_int32, kb_err)
_decl("kb_version", c_char_p)
_decl("kb_librdkafka_version", c_char_p)
_decl("kb_shutdown", kb_err)
# config
_decl("kb_config_new", kb_err, PP)
_decl("kb_config_set", kb_err, P, c_char_p, c_char_p)
_decl("kb_config_get", kb_err, P, c_char_p, POINTER(c_char), c_size_t, POINTER(c_size_t))
_decl("kb_config_dump", c_size_t, P, POINTER(c_char), c_size_t)
_decl("kb_config_free", kb_err, P)
# producer
_decl("kb_producer_new", kb_err, P, PP)
_decl("kb_producer_free", kb_err, P)
_decl("kb_producer_produce", kb_err, P, c_char_p, c_int32, c_char_p, c_size_t, c_char_p, c_size_t,
      POINTER(kb_header), c_size_t, c_int64, POINTER(c_uint64))
_decl("kb_producer_produce_batch", kb_err, P, POINTER(kb_record), c_size_t, POINTER(c_uint64),
      POINTER(c_size_t))
# The packed buffer holds per record: u32 key_len, key, u32 value_len, value (lengths little-endian,
# KB_PACKED_ABSENT for a NULL key or value).
from ._constants import KB_PACKED_ABSENT  # noqa: E402,F401  (generated from the header)
_decl("kb_producer_produce_packed", kb_err, P, c_char_p, c_int32, c_char_p, c_size_t, POINTER(c_uint64),
      c_size_t, POINTER(c_size_t))
_decl("kb_producer_produce_sync", kb_err, P, c_char_p, c_int32, c_char_p, c_size_t, c_char_p,
      c_size_t, POINTER(kb_header), c_size_t, c_int64, c_int32, POINTER(kb_delivery))
_decl("kb_producer_poll", kb_err, P, c_int32, PP)
_decl("kb_producer_poll_batch", kb_err, P, c_int32, c_size_t, PP)
_decl("kb_producer_flush", kb_err, P, c_int32)
_decl("kb_producer_purge", kb_err, P, c_int32)
_decl("kb_producer_queue_len", kb_err, P, POINTER(c_int64))
_decl("kb_producer_get_info", kb_err, P, POINTER(kb_producer_info))
_decl("kb_producer_oauthbearer_set_token", kb_err, P, c_char_p, c_int64, c_char_p, POINTER(c_char_p), c_size_t)
_decl("kb_producer_oauthbearer_set_token_failure", kb_err, P, c_char_p)
_decl("kb_producer_init_transactions", kb_err, P, c_int32)
_decl("kb_producer_begin_transaction", kb_err, P)
_decl("kb_producer_commit_transaction", kb_err, P, c_int32)
_decl("kb_producer_abort_transaction", kb_err, P, c_int32)
_decl("kb_producer_send_offsets_to_transaction", kb_err, P, P, POINTER(kb_topic_partition),
      c_size_t, c_int32)
# events
_decl("kb_event_get_view", kb_err, P, POINTER(kb_event_view))
_decl("kb_event_free", kb_err, P)
_decl("kb_event_batch_count", c_size_t, P)
_decl("kb_event_batch_views", kb_err, P, POINTER(POINTER(kb_event_view)))
_decl("kb_event_batch_free", kb_err, P)
# consumer
_decl("kb_consumer_new", kb_err, P, PP)
_decl("kb_consumer_subscribe", kb_err, P, POINTER(c_char_p), c_size_t)
_decl("kb_consumer_unsubscribe", kb_err, P)
_decl("kb_consumer_assign", kb_err, P, POINTER(kb_topic_partition), c_size_t)
_decl("kb_consumer_assignment", kb_err, P, PP)
_decl("kb_consumer_poll", kb_err, P, c_int32, PP)
_decl("kb_consumer_poll_batch", kb_err, P, c_int32, c_size_t, PP)
_decl("kb_consumer_poll_events", kb_err, P, c_int32, c_size_t, PP)
_decl("kb_consumer_commit", kb_err, P, POINTER(kb_topic_partition), c_size_t, c_int32)
_decl("kb_consumer_committed", kb_err, P, POINTER(kb_topic_partition), c_size_t, c_int32, PP)
_decl("kb_consumer_position", kb_err, P, PP)
_decl("kb_consumer_seek", kb_err, P, c_char_p, c_int32, c_int64, c_int32)
_decl("kb_consumer_pause", kb_err, P, POINTER(kb_topic_partition), c_size_t)
_decl("kb_consumer_resume", kb_err, P, POINTER(kb_topic_partition), c_size_t)
_decl("kb_consumer_get_info", kb_err, P, POINTER(kb_consumer_info))
_decl("kb_consumer_oauthbearer_set_token", kb_err, P, c_char_p, c_int64, c_char_p, POINTER(c_char_p), c_size_t)
_decl("kb_consumer_oauthbearer_set_token_failure", kb_err, P, c_char_p)
_decl("kb_consumer_close", kb_err, P)
_decl("kb_consumer_free", kb_err, P)
# messages
_decl("kb_message_get_view", kb_err, P, POINTER(kb_message_view))
_decl("kb_message_free", kb_err, P)
_decl("kb_message_batch_count", c_size_t, P)
_decl("kb_message_batch_views", kb_err, P, POINTER(POINTER(kb_message_view)))
_decl("kb_message_batch_free", kb_err, P)
# partition lists
_decl("kb_partition_list_count", c_size_t, P)
_decl("kb_partition_list_entries", kb_err, P, POINTER(POINTER(kb_topic_partition)))
_decl("kb_partition_list_free", kb_err, P)
# metadata (on any producer, consumer or admin handle: the handle says which)
_decl("kb_metadata_fetch", kb_err, P, c_char_p, c_int32, PP)
_decl("kb_metadata_get_view", kb_err, P, POINTER(kb_metadata_view))
_decl("kb_metadata_free", kb_err, P)
_decl("kb_watermarks", kb_err, P, c_char_p, c_int32, c_int32, POINTER(c_int64),
      POINTER(c_int64))
# admin
_decl("kb_admin_new", kb_err, P, PP)
_decl("kb_admin_free", kb_err, P)
_decl("kb_admin_create_topic", kb_err, P, c_char_p, c_int32, c_int32, POINTER(c_char_p),
      POINTER(c_char_p), c_size_t, c_int32)
_decl("kb_admin_delete_topic", kb_err, P, c_char_p, c_int32)
# mock
_decl("kb_mock_cluster_new", kb_err, c_int32, PP)
_decl("kb_mock_cluster_bootstrap_servers", kb_err, P, POINTER(c_char), c_size_t, POINTER(c_size_t))
_decl("kb_mock_cluster_free", kb_err, P)


def _raw(name: str):
    """A second function object for `name` without argtypes, for the per-message calls.

    With argtypes, ctypes calls the from_param of each declared type and allocates an argument
    object for every argument of every call; for kb_producer_produce's 11 arguments that costs
    more than the C call itself. Without argtypes ctypes converts by the Python type alone, so the
    callers of these must pass exactly: pointers as bytes, None, ctypes arrays, pointer()/byref()
    objects or c_void_p handles; int32_t arguments as Python ints; size_t and int64_t arguments as
    c_size_t/c_int64 instances, because a bare Python int is passed as a C int. `lib.<name>` keeps
    its declared argtypes for every other caller (lib[name] makes a new function object).
    """
    fn = lib[name]
    fn.restype = kb_err
    return fn


raw_producer_produce = _raw("kb_producer_produce")
raw_producer_produce_batch = _raw("kb_producer_produce_batch")
raw_producer_produce_packed = _raw("kb_producer_produce_packed")
raw_producer_produce_sync = _raw("kb_producer_produce_sync")
raw_consumer_poll = _raw("kb_consumer_poll")
raw_message_get_view = _raw("kb_message_get_view")
raw_message_free = _raw("kb_message_free")


def last_error() -> str:
    n = lib.kb_last_error(None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    lib.kb_last_error(buf, n + 1)
    return buf.raw[:n].decode("utf-8", "replace")


def last_error_flags() -> int:
    return int(lib.kb_last_error_flags())


def err_name(code: int) -> str:
    s: Optional[bytes] = lib.kb_err_name(code)
    return s.decode() if s else "UNKNOWN"
