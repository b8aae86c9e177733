//! Questions every client can answer about the cluster: metadata, watermarks, offsets for
//! timestamps, consumer groups. Answers are copied into plain data.

use std::ffi::CString;
use std::time::Duration;

use rdkafka::client::{Client, ClientContext};
use rdkafka::{Offset, TopicPartitionList};

use crate::core::error::{kb_err, KbError, KbResult};
use crate::core::partitions::{entries, to_list, PartitionEntry, PartitionRef};
use crate::core::text::cstr;
use crate::sys::librdkafka::{self, millis};

pub struct BrokerInfo {
    pub id: i32,
    pub host: CString,
    pub port: i32,
}

pub struct PartitionInfo {
    pub id: i32,
    /// Broker id of the leader, -1 if none.
    pub leader: i32,
    pub err: kb_err,
    pub replicas: Vec<i32>,
    pub isrs: Vec<i32>,
}

pub struct TopicInfo {
    pub name: CString,
    pub err: kb_err,
    pub partitions: Vec<PartitionInfo>,
}

/// A cluster metadata snapshot.
pub struct ClusterMetadata {
    pub orig_broker_id: i32,
    pub orig_broker_name: CString,
    pub brokers: Vec<BrokerInfo>,
    pub topics: Vec<TopicInfo>,
}

pub struct GroupInfo {
    pub name: CString,
    /// For example "Stable", "Empty", "PreparingRebalance".
    pub state: CString,
    pub protocol_type: CString,
    /// The assignor, for example "range" or "cooperative-sticky".
    pub protocol: CString,
    pub member_count: usize,
}

/// What every librdkafka client (producer, consumer, admin) can answer.
pub trait ClusterClient {
    /// All topics when `topic` is None, else just that one.
    fn metadata(&self, topic: Option<&str>, timeout: Duration) -> KbResult<ClusterMetadata>;
    /// The low (first) and high (next to be written) offsets of a partition.
    fn watermarks(&self, topic: &str, partition: i32, timeout: Duration) -> KbResult<(i64, i64)>;
    /// For each partition, whose `offset` holds a timestamp in milliseconds, the earliest offset
    /// whose timestamp is at or after it (KB_OFFSET_END if none).
    fn offsets_for_times(&self, parts: &[PartitionRef<'_>], timeout: Duration) -> KbResult<Vec<PartitionEntry>>;
    /// The cluster's consumer groups, or only `group`.
    fn groups(&self, group: Option<&str>, timeout: Duration) -> KbResult<Vec<GroupInfo>>;
    /// The id of the controller broker, or -1 when none is known within `timeout`.
    fn controller_id(&self, timeout: Duration) -> i32;
}

impl<C: ClientContext> ClusterClient for Client<C> {
    fn metadata(&self, topic: Option<&str>, timeout: Duration) -> KbResult<ClusterMetadata> {
        if let Some(topic) = topic {
            crate::core::topic::check_topic(topic)?;
        }
        let md = self.fetch_metadata(topic, timeout).map_err(|e| KbError::kafka("fetching metadata", e))?;
        Ok(ClusterMetadata {
            orig_broker_id: md.orig_broker_id(),
            orig_broker_name: cstr(md.orig_broker_name()),
            brokers: md.brokers().iter().map(|b| BrokerInfo { id: b.id(), host: cstr(b.host()), port: b.port() }).collect(),
            topics: md
                .topics()
                .iter()
                .map(|t| TopicInfo {
                    name: cstr(t.name()),
                    err: t.error().map_or(0, |e| e as i32),
                    partitions: t
                        .partitions()
                        .iter()
                        .map(|p| PartitionInfo {
                            id: p.id(),
                            leader: p.leader(),
                            err: p.error().map_or(0, |e| e as i32),
                            replicas: p.replicas().to_vec(),
                            isrs: p.isr().to_vec(),
                        })
                        .collect(),
                })
                .collect(),
        })
    }

    fn watermarks(&self, topic: &str, partition: i32, timeout: Duration) -> KbResult<(i64, i64)> {
        crate::core::topic::check_topic(topic)?;
        self.fetch_watermarks(topic, partition, timeout).map_err(|e| KbError::kafka(&format!("watermarks of {topic}[{partition}]"), e))
    }

    fn offsets_for_times(&self, parts: &[PartitionRef<'_>], timeout: Duration) -> KbResult<Vec<PartitionEntry>> {
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        // Timestamps travel in the offset field, which `to_list` would validate as offsets.
        let list: TopicPartitionList = to_list(parts, false)?;
        for (elem, p) in list.elements().iter_mut().zip(parts) {
            elem.set_offset(Offset::Offset(p.offset)).map_err(|e| KbError::kafka("offsets for times", e))?;
        }
        KbError::check_code("offsets for times", librdkafka::offsets_for_times(self, &list, millis(timeout)))?;
        Ok(entries(&list))
    }

    fn groups(&self, group: Option<&str>, timeout: Duration) -> KbResult<Vec<GroupInfo>> {
        let list = self.fetch_group_list(group, timeout).map_err(|e| KbError::kafka("listing consumer groups", e))?;
        Ok(list
            .groups()
            .iter()
            .map(|g| GroupInfo {
                name: cstr(g.name()),
                state: cstr(g.state()),
                protocol_type: cstr(g.protocol_type()),
                protocol: cstr(g.protocol()),
                member_count: g.members().len(),
            })
            .collect())
    }

    fn controller_id(&self, timeout: Duration) -> i32 {
        librdkafka::controller_id(self, millis(timeout))
    }
}
