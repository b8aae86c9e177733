"""Cluster metadata and watermarks, shared by Producer, Consumer and Admin (private module)."""
from __future__ import annotations

from ctypes import byref, c_int64, c_void_p
from typing import Optional, Tuple, Union

from . import _native as _n
from ._marshal import _cstr, _dec, _ms
from ._native import lib as _lib
from ._views import _take_view
from .errors import _check, _error_from
from .types import BrokerMetadata, ClusterMetadata, PartitionMetadata, TopicMetadata, TopicPartition


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
                                      _cstr(topic, "topic") if topic is not None else None, _ms(timeout),
                                      byref(out)))
        return _take_view(out, _n.kb_metadata_view, _lib.kb_metadata_get_view, _lib.kb_metadata_free, _metadata_from_view)

    metadata = list_topics

    def get_watermark_offsets(self, topic: Union[str, TopicPartition], partition: int = 0,
                              timeout: float = 10.0) -> Tuple[int, int]:
        """(low, high) offsets of a partition from the broker (kb_watermarks). Accepts
        `(topic, partition)` or, like confluent-kafka, a TopicPartition."""
        if isinstance(topic, TopicPartition):
            topic, partition = topic.topic, topic.partition
        low, high = c_int64(), c_int64()
        _check(_lib.kb_watermarks(self._handle(),  # type: ignore[attr-defined]
                                  _cstr(topic, "topic"), partition, _ms(timeout), byref(low), byref(high)))
        return low.value, high.value
