"""kafkabridge: Python binding (ctypes only) over libkafkabridge's C ABI.

See bindings/python/README.md. Every native object is freed exactly once: close() is idempotent,
every class is a context manager, and __del__ is a last-resort fallback.
"""
from __future__ import annotations

from .admin import Admin
from .config import Config
from .consumer import Consumer
from .errors import (ConfigConflictError, ConfigError, InvalidArgumentError, InvalidHandleError,
                     InvalidStateError, KafkaBridgeError, KafkaTimeoutError, QueueFullError, TopicError,
                     UnknownConfigError)
from .library import LIBRARY_PATH, librdkafka_version, shutdown, version
from .mock_cluster import MockCluster
from .producer import Producer
from .types import (OFFSET_BEGINNING, OFFSET_END, OFFSET_INVALID, OFFSET_STORED, PARTITION_UA,
                    BrokerMetadata, ClusterMetadata, CommitEvent, ConsumerInfo, Delivery,
                    DeliveryReport, ErrorEvent, Event, LogEvent, Message, OAuthBearerRefreshEvent,
                    PartitionMetadata, ProducerInfo, RebalanceEvent, Record, StatsEvent,
                    TopicMetadata, TopicPartition)

# Public as kb.<NAME> but outside __all__, so `from kafkabridge import *` brings what it always did.
from .errors import (ERR_ASSIGN_PARTITIONS, ERR_INVALID_ARG, ERR_MSG_TIMED_OUT,  # noqa: F401
                     ERR_QUEUE_FULL, ERR_REVOKE_PARTITIONS, ERR_TIMED_OUT, ERR_TOPIC_EXCEPTION,
                     KB_ERR_BAD_UTF8, KB_ERR_CONFIG_CONFLICT, KB_ERR_EVENT_QUEUE_FULL,
                     KB_ERR_INVALID_ARGUMENT, KB_ERR_INVALID_HANDLE, KB_ERR_INVALID_STATE,
                     KB_ERR_NULL_ARGUMENT, KB_ERR_PANIC, KB_ERR_UNKNOWN_CONFIG)
from .config import ConfigLike  # noqa: F401
from .types import OFFSET_TAIL_BASE, PURGE_INFLIGHT, PURGE_NON_BLOCKING, PURGE_QUEUE, Headers  # noqa: F401

__all__ = [
    "KafkaBridgeError", "KafkaTimeoutError", "ConfigError", "UnknownConfigError",
    "ConfigConflictError", "InvalidHandleError", "InvalidArgumentError", "InvalidStateError",
    "QueueFullError", "TopicError", "Config", "Producer", "Consumer", "Admin", "MockCluster",
    "Message", "Delivery", "ProducerInfo", "ConsumerInfo", "TopicPartition", "Record", "Event",
    "DeliveryReport", "ErrorEvent", "LogEvent", "StatsEvent", "RebalanceEvent", "CommitEvent",
    "OAuthBearerRefreshEvent",
    "ClusterMetadata", "BrokerMetadata", "TopicMetadata", "PartitionMetadata",
    "OFFSET_BEGINNING", "OFFSET_END", "OFFSET_STORED", "OFFSET_INVALID", "PARTITION_UA",
    "version", "librdkafka_version", "shutdown", "LIBRARY_PATH",
]
