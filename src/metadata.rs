//! `kb_metadata` (brokers, topics, partitions with leaders), watermarks and offsets-for-times,
//! available on producers, consumers and admin clients alike.

use std::ffi::CString;
use std::os::raw::c_char;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::client::{Client, ClientContext};
use rdkafka::consumer::Consumer;
use rdkafka::metadata::Metadata;
use rdkafka::producer::Producer;

use crate::boundary::registry::Registry;
use crate::boundary::{check_not_null, guard, timeout_arg, topic_arg, write_out};
use crate::core::error::{kb_err, KbError, KbResult};
use crate::event::cstr;
use crate::partitions::{kb_partition_list, kb_topic_partition, return_list, tpl_from_array, PartitionSet};

/// A cluster metadata snapshot.
pub struct kb_metadata(());

#[repr(C)]
#[derive(Clone, Copy)]
pub struct kb_broker_metadata {
    pub id: i32,
    pub host: *const c_char,
    pub port: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct kb_partition_metadata {
    pub id: i32,
    /// Broker id of the leader, -1 if none.
    pub leader: i32,
    pub err: kb_err,
    pub replicas: *const i32,
    pub replica_count: usize,
    pub isrs: *const i32,
    pub isr_count: usize,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct kb_topic_metadata {
    pub name: *const c_char,
    /// For example RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART (3) for a topic that does not exist.
    pub err: kb_err,
    pub partitions: *const kb_partition_metadata,
    pub partition_count: usize,
}

/// Everything in a snapshot; pointers are valid until `kb_metadata_free()`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct kb_metadata_view {
    pub orig_broker_id: i32,
    pub orig_broker_name: *const c_char,
    pub brokers: *const kb_broker_metadata,
    pub broker_count: usize,
    pub topics: *const kb_topic_metadata,
    pub topic_count: usize,
}

struct Snapshot {
    _strings: Vec<CString>,
    _ids: Vec<Vec<i32>>,
    _brokers: Vec<kb_broker_metadata>,
    _partitions: Vec<Vec<kb_partition_metadata>>,
    _topics: Vec<kb_topic_metadata>,
    view: kb_metadata_view,
}
// SAFETY: all pointers point into heap data owned by the snapshot and never mutated.
unsafe impl Send for Snapshot {}
unsafe impl Sync for Snapshot {}

impl Snapshot {
    fn new(md: &Metadata) -> Snapshot {
        let mut strings = Vec::new();
        let mut keep = |s: &str| {
            let c = cstr(s);
            let p = c.as_ptr();
            strings.push(c);
            p
        };
        let orig_broker_name = keep(md.orig_broker_name());
        let brokers: Vec<_> = md.brokers().iter().map(|b| kb_broker_metadata { id: b.id(), host: keep(b.host()), port: b.port() }).collect();
        let mut ids = Vec::new();
        let mut partitions = Vec::new();
        let mut topics = Vec::new();
        for t in md.topics() {
            let mut parts = Vec::new();
            for p in t.partitions() {
                let (replicas, isrs) = (p.replicas().to_vec(), p.isr().to_vec());
                parts.push(kb_partition_metadata {
                    id: p.id(),
                    leader: p.leader(),
                    err: p.error().map(|e| e as i32).unwrap_or(0),
                    replicas: replicas.as_ptr(),
                    replica_count: replicas.len(),
                    isrs: isrs.as_ptr(),
                    isr_count: isrs.len(),
                });
                ids.push(replicas);
                ids.push(isrs);
            }
            topics.push(kb_topic_metadata {
                name: keep(t.name()),
                err: t.error().map(|e| e as i32).unwrap_or(0),
                partitions: parts.as_ptr(),
                partition_count: parts.len(),
            });
            partitions.push(parts);
        }
        let view = kb_metadata_view {
            orig_broker_id: md.orig_broker_id(),
            orig_broker_name,
            brokers: brokers.as_ptr(),
            broker_count: brokers.len(),
            topics: topics.as_ptr(),
            topic_count: topics.len(),
        };
        Snapshot { _strings: strings, _ids: ids, _brokers: brokers, _partitions: partitions, _topics: topics, view }
    }
}

static METADATA: Registry<Snapshot> = Registry::new_data(0x0A, "kb_metadata");

/// Runs `f` on the librdkafka client behind a producer, consumer or admin handle. The handle's
/// own type tag says which it is, so the caller never passes (and can never mislabel) a kind.
pub(crate) fn with_client<T>(handle: *const std::ffi::c_void, f: &dyn Fn(&dyn AnyClient) -> KbResult<T>) -> KbResult<T> {
    if handle.is_null() {
        return Err(KbError::null("handle"));
    }
    if crate::producer::PRODUCERS.owns(handle) {
        return f(crate::producer::PRODUCERS.get(handle)?.client().producer().client());
    }
    if crate::consumer::CONSUMERS.owns(handle) {
        return f(crate::consumer::CONSUMERS.get(handle)?.live()?.client());
    }
    if crate::admin::ADMINS.owns(handle) {
        return f(crate::admin::ADMINS.get(handle)?.inner());
    }
    Err(KbError::invalid_handle("client (kb_producer, kb_consumer or kb_admin)"))
}

/// What every librdkafka client can answer.
pub(crate) trait AnyClient {
    fn metadata(&self, topic: Option<&str>, timeout: Duration) -> KbResult<Metadata>;
    fn watermarks(&self, topic: &str, partition: i32, timeout: Duration) -> KbResult<(i64, i64)>;
    fn groups(&self, group: Option<&str>, timeout: Duration) -> KbResult<rdkafka::groups::GroupList>;
    fn native(&self) -> *mut rdkafka::bindings::rd_kafka_t;
}

impl<C: ClientContext> AnyClient for Client<C> {
    fn metadata(&self, topic: Option<&str>, timeout: Duration) -> KbResult<Metadata> {
        self.fetch_metadata(topic, timeout).map_err(|e| KbError::kafka("fetching metadata", e))
    }
    fn watermarks(&self, topic: &str, partition: i32, timeout: Duration) -> KbResult<(i64, i64)> {
        self.fetch_watermarks(topic, partition, timeout).map_err(|e| KbError::kafka(&format!("watermarks of {topic}[{partition}]"), e))
    }
    fn groups(&self, group: Option<&str>, timeout: Duration) -> KbResult<rdkafka::groups::GroupList> {
        self.fetch_group_list(group, timeout).map_err(|e| KbError::kafka("listing consumer groups", e))
    }
    fn native(&self) -> *mut rdkafka::bindings::rd_kafka_t {
        self.native_ptr()
    }
}

/// Fetches cluster metadata through the client behind `handle` (a `kb_producer*`,
/// `kb_consumer*` or `kb_admin*`) within `timeout_ms`: all topics when `topic`
/// is NULL, else just that one. Stores a snapshot in `*out`; free it with `kb_metadata_free()`.
/// Errors: RD_KAFKA_RESP_ERR__TRANSPORT (-195) when no broker can be reached,
/// RD_KAFKA_RESP_ERR__TIMED_OUT (-185) when none answered in time, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub unsafe extern "C" fn kb_metadata_fetch(
    handle: *const std::ffi::c_void,
    topic: *const c_char,
    timeout_ms: i32,
    out: *mut *mut kb_metadata,
) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let topic = if topic.is_null() { None } else { Some(topic_arg(topic, "topic")?) };
        let md = with_client(handle, &|c| c.metadata(topic, timeout))?;
        write_out(out, METADATA.insert(Arc::new(Snapshot::new(&md))));
        Ok(())
    })
}

/// Fills `*view` with the snapshot's contents, valid until `kb_metadata_free(md)`.
#[no_mangle]
pub unsafe extern "C" fn kb_metadata_get_view(md: *const kb_metadata, view: *mut kb_metadata_view) -> kb_err {
    guard(|| {
        check_not_null!(view);
        write_out(view, METADATA.get(md)?.view);
        Ok(())
    })
}

/// Frees a metadata snapshot. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn kb_metadata_free(md: *mut kb_metadata) -> kb_err {
    guard(|| METADATA.remove(md).map(drop))
}

/// Queries the broker for the low (first) and high (next to be written) offsets of a partition.
/// Errors: RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION (-190) for a topic
/// or partition the cluster does not have, KB_ERR_*.
#[no_mangle]
pub unsafe extern "C" fn kb_watermarks(
    handle: *const std::ffi::c_void,
    topic: *const c_char,
    partition: i32,
    timeout_ms: i32,
    low_out: *mut i64,
    high_out: *mut i64,
) -> kb_err {
    guard(|| {
        check_not_null!(low_out, high_out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let topic = topic_arg(topic, "topic")?;
        let (low, high) = with_client(handle, &|c| c.watermarks(topic, partition, timeout))?;
        write_out(low_out, low);
        write_out(high_out, high);
        Ok(())
    })
}

/// For each of `count` partitions whose `offset` holds a timestamp in milliseconds, looks up the
/// earliest offset whose timestamp is at or after it (KB_OFFSET_END if none) and stores the
/// answers in `*out` (an empty list for `count` 0). Errors: RD_KAFKA_RESP_ERR__TIMED_OUT, KB_ERR_*.
#[no_mangle]
pub unsafe extern "C" fn kb_offsets_for_times(
    handle: *const std::ffi::c_void,
    parts: *const kb_topic_partition,
    count: usize,
    timeout_ms: i32,
    out: *mut *mut kb_partition_list,
) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let tpl = crate::boundary::slice_arg(parts, count, "parts")?;
        if tpl.is_empty() {
            return_list(PartitionSet::empty(), out);
            return Ok(());
        }
        // Timestamps travel in the offset field, which tpl_from_array would validate as offsets.
        let list = tpl_from_array(parts, count, false)?;
        for (elem, p) in list.elements().iter_mut().zip(tpl) {
            elem.set_offset(rdkafka::Offset::Offset(p.offset)).map_err(|e| KbError::kafka("offsets for times", e))?;
        }
        let res = with_client(handle, &|c| {
            let err = rdkafka::bindings::rd_kafka_offsets_for_times(c.native(), list.ptr(), timeout.as_millis() as i32);
            if err as i32 != 0 {
                return Err(KbError::rd(err, format!("offsets for times: {}", rdkafka::error::RDKafkaErrorCode::from(err))));
            }
            Ok(PartitionSet::from_tpl(&list))
        })?;
        return_list(res, out);
        Ok(())
    })
}
