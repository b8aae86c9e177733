"""The values the binding passes and returns: offsets, records, messages, events, metadata."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .errors import KafkaBridgeError


from ._constants import (  # noqa: E402  (generated from the header: tools/gen-constants.py)
    KB_OFFSET_BEGINNING as OFFSET_BEGINNING, KB_OFFSET_END as OFFSET_END,
    KB_OFFSET_INVALID as OFFSET_INVALID, KB_OFFSET_STORED as OFFSET_STORED,
    KB_OFFSET_TAIL_BASE as OFFSET_TAIL_BASE, KB_PARTITION_UA as PARTITION_UA,
    KB_PURGE_INFLIGHT as PURGE_INFLIGHT, KB_PURGE_NON_BLOCKING as PURGE_NON_BLOCKING,
    KB_PURGE_QUEUE as PURGE_QUEUE)

Headers = Union[Sequence[Tuple[str, Optional[bytes]]], Mapping[str, Optional[bytes]], None]

@dataclass
class TopicPartition:
    topic: str
    partition: int
    offset: int = OFFSET_INVALID
    metadata: Optional[bytes] = None
    error: int = 0

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
    spooled: int = 0  # written to the spool (bridge.spool.dir), each reported KB_ERR_SPOOLED
    spool_refused: int = 0  # the spool could not take them (full, a failed write): reported failed
    spool_replayed: int = 0  # re-sent from the spool and delivered
    spool_dropped: int = 0  # re-sent and refused by Kafka for good (dropped, logged)


@dataclass
class ConsumerInfo:
    persistent: bool
    reused: bool  # attached to a member that already existed: no group join
    age_ms: int
    sessions_served: int
    buffered_messages: int  # prefetched for the next session
    buffered_bytes: int
    paused_partitions: int  # paused because the buffer is full
    redelivered: int  # handed to sessions that ended without committing them
    idle_leaves: int  # left the group while idle (rejoined for a later session)
    creator_pid: int  # the process that created the consumer (never a fork parent)
    group_generation: int  # the group's generation (its rebalances so far), -1 before joining
    assigned_partitions: int
    rebalances: int  # rebalances the consumer (the member) took part in


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


@dataclass
class OAuthBearerRefreshEvent(Event):
    """The client wants a SASL/OAUTHBEARER token: answer with set_oauthbearer_token() or
    set_oauthbearer_token_failure()."""
    config: str  # sasl.oauthbearer.config ("" if not set)

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
