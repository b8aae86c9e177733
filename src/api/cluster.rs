//! Cluster queries on any client handle (`kb_producer`, `kb_consumer`, `kb_admin`):
//! `kb_metadata` snapshots, watermarks, offsets for timestamps, and `kb_group_list`.

use std::ffi::c_void;
use std::os::raw::c_char;
use std::sync::Arc;

use rdkafka::consumer::Consumer;
use rdkafka::producer::Producer;

use crate::api::admin::ADMINS;
use crate::api::consumer::CONSUMERS;
use crate::api::partition_list::{kb_partition_list, kb_topic_partition, partitions_arg, return_list};
use crate::api::producer::PRODUCERS;
use crate::boundary::{check_not_null, guard, guard_count, str_arg, timeout_arg, write_out, Registry, WithViews};
use crate::core::cluster::{ClusterClient, ClusterMetadata, GroupInfo};
use crate::core::error::{kb_err, KbError, KbResult};

/// Runs `f` on the librdkafka client behind a producer, consumer or admin handle. The handle's
/// own type tag says which it is, so the caller never passes (and can never mislabel) a kind.
fn with_client<T>(handle: *const c_void, f: &dyn Fn(&dyn ClusterClient) -> KbResult<T>) -> KbResult<T> {
    if handle.is_null() {
        return Err(KbError::null("handle"));
    }
    if PRODUCERS.owns(handle) {
        return f(PRODUCERS.get(handle.cast())?.client().producer().client());
    }
    if CONSUMERS.owns(handle) {
        return f(CONSUMERS.get(handle.cast())?.client()?.live()?.client());
    }
    if ADMINS.owns(handle) {
        return f(ADMINS.get(handle.cast())?.client());
    }
    Err(KbError::invalid_handle("client (kb_producer, kb_consumer or kb_admin)"))
}

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
/// The arrays a `kb_metadata_view` points to.
struct MetadataViews {
    _brokers: Vec<kb_broker_metadata>,
    _partitions: Vec<Vec<kb_partition_metadata>>,
    _topics: Vec<kb_topic_metadata>,
    view: kb_metadata_view,
}

static METADATA: Registry<kb_metadata, WithViews<ClusterMetadata, MetadataViews>> = Registry::new_data(0x0A, "kb_metadata");

fn metadata_views(md: &ClusterMetadata) -> MetadataViews {
    let brokers: Vec<_> = md.brokers.iter().map(|b| kb_broker_metadata { id: b.id, host: b.host.as_ptr(), port: b.port }).collect();
    let partitions: Vec<Vec<_>> = md
        .topics
        .iter()
        .map(|t| {
            t.partitions
                .iter()
                .map(|p| kb_partition_metadata {
                    id: p.id,
                    leader: p.leader,
                    err: p.err,
                    replicas: p.replicas.as_ptr(),
                    replica_count: p.replicas.len(),
                    isrs: p.isrs.as_ptr(),
                    isr_count: p.isrs.len(),
                })
                .collect()
        })
        .collect();
    let topics: Vec<_> = md
        .topics
        .iter()
        .zip(&partitions)
        .map(|(t, parts)| kb_topic_metadata { name: t.name.as_ptr(), err: t.err, partitions: parts.as_ptr(), partition_count: parts.len() })
        .collect();
    let view = kb_metadata_view {
        orig_broker_id: md.orig_broker_id,
        orig_broker_name: md.orig_broker_name.as_ptr(),
        brokers: brokers.as_ptr(),
        broker_count: brokers.len(),
        topics: topics.as_ptr(),
        topic_count: topics.len(),
    };
    MetadataViews { _brokers: brokers, _partitions: partitions, _topics: topics, view }
}

/// Fetches cluster metadata through the client behind `handle` (a `kb_producer*`,
/// `kb_consumer*` or `kb_admin*`) within `timeout_ms`: all topics when `topic`
/// is NULL, else just that one. Stores a snapshot in `*out`; free it with `kb_metadata_free()`.
/// Errors: RD_KAFKA_RESP_ERR__TRANSPORT (-195) when no broker can be reached,
/// RD_KAFKA_RESP_ERR__TIMED_OUT (-185) when none answered in time, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_metadata_fetch(handle: *const c_void, topic: *const c_char, timeout_ms: i32, out: *mut *mut kb_metadata) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let topic = if topic.is_null() { None } else { Some(str_arg(topic, "topic")?) };
        let md = with_client(handle, &|c| c.metadata(topic, timeout))?;
        write_out(out, METADATA.insert(Arc::new(WithViews::new(md, metadata_views))));
        Ok(())
    })
}

/// Fills `*view` with the snapshot's contents, valid until `kb_metadata_free(md)`.
#[no_mangle]
pub extern "C" fn kb_metadata_get_view(md: *const kb_metadata, view: *mut kb_metadata_view) -> kb_err {
    guard(|| {
        check_not_null!(view);
        write_out(view, METADATA.get(md)?.views().view);
        Ok(())
    })
}

/// Frees a metadata snapshot. NULL is a no-op.
#[no_mangle]
pub extern "C" fn kb_metadata_free(md: *mut kb_metadata) -> kb_err {
    guard(|| METADATA.remove(md).map(drop))
}

/// Queries the broker for the low (first) and high (next to be written) offsets of a partition.
/// Errors: RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION (-190) for a topic
/// or partition the cluster does not have, KB_ERR_*.
#[no_mangle]
pub extern "C" fn kb_watermarks(
    handle: *const c_void,
    topic: *const c_char,
    partition: i32,
    timeout_ms: i32,
    low_out: *mut i64,
    high_out: *mut i64,
) -> kb_err {
    guard(|| {
        check_not_null!(low_out, high_out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let topic = str_arg(topic, "topic")?;
        let (low, high) = with_client(handle, &|c| c.watermarks(topic, partition, timeout))?;
        write_out(low_out, low);
        write_out(high_out, high);
        Ok(())
    })
}

/// Stores in `*out` the id of the cluster's controller broker, as the client behind `handle` (a
/// `kb_producer*`, `kb_consumer*` or `kb_admin*`) knows it from metadata, waiting up to
/// `timeout_ms` for a first metadata answer; -1 when no controller is known by then (the call
/// still succeeds). Errors: KB_ERR_INVALID_HANDLE, KB_ERR_INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn kb_controller_id(handle: *const c_void, timeout_ms: i32, out: *mut i32) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        write_out(out, with_client(handle, &|c| Ok(c.controller_id(timeout)))?);
        Ok(())
    })
}

/// For each of `count` partitions whose `offset` holds a timestamp in milliseconds, looks up the
/// earliest offset whose timestamp is at or after it (KB_OFFSET_END if none) and stores the
/// answers in `*out` (an empty list for `count` 0). Errors: RD_KAFKA_RESP_ERR__TIMED_OUT, KB_ERR_*.
#[no_mangle]
pub extern "C" fn kb_offsets_for_times(
    handle: *const c_void,
    parts: *const kb_topic_partition,
    count: usize,
    timeout_ms: i32,
    out: *mut *mut kb_partition_list,
) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let parts = partitions_arg(parts, count)?;
        // The handle is checked even for an empty list, like every other call's.
        return_list(with_client(handle, &|c| c.offsets_for_times(&parts, timeout))?, out);
        Ok(())
    })
}

/// A snapshot of consumer groups.
pub struct kb_group_list(());

/// One group; pointers are valid until `kb_group_list_free()`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct kb_group_info {
    pub name: *const c_char,
    /// For example "Stable", "Empty", "PreparingRebalance".
    pub state: *const c_char,
    /// "consumer" for consumer groups.
    pub protocol_type: *const c_char,
    /// The assignor, for example "range" or "cooperative-sticky".
    pub protocol: *const c_char,
    pub member_count: usize,
}
static GROUP_LISTS: Registry<kb_group_list, WithViews<Vec<GroupInfo>, Vec<kb_group_info>>> = Registry::new_data(0x0C, "kb_group_list");

fn group_views(groups: &[GroupInfo]) -> Vec<kb_group_info> {
    groups
        .iter()
        .map(|g| kb_group_info {
            name: g.name.as_ptr(),
            state: g.state.as_ptr(),
            protocol_type: g.protocol_type.as_ptr(),
            protocol: g.protocol.as_ptr(),
            member_count: g.member_count,
        })
        .collect()
}

/// Lists the cluster's consumer groups (or only `group` when not NULL) through the client behind
/// `handle` within `timeout_ms` into `*out`; free it with `kb_group_list_free()`.
/// Errors: RD_KAFKA_RESP_ERR__TIMED_OUT, KB_ERR_INVALID_HANDLE, KB_ERR_NULL_ARGUMENT.
#[no_mangle]
pub extern "C" fn kb_group_list_fetch(handle: *const c_void, group: *const c_char, timeout_ms: i32, out: *mut *mut kb_group_list) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let group = if group.is_null() { None } else { Some(str_arg(group, "group")?) };
        let groups = with_client(handle, &|c| c.groups(group, timeout))?;
        write_out(out, GROUP_LISTS.insert(Arc::new(WithViews::new(groups, |g| group_views(g)))));
        Ok(())
    })
}

/// Number of groups in a list (0, with the last error set, for an invalid handle).
#[no_mangle]
pub extern "C" fn kb_group_list_count(list: *const kb_group_list) -> usize {
    guard_count(|| GROUP_LISTS.get(list).map(|l| l.views().len()))
}

/// Points `*out` at the list's array of `kb_group_list_count()` entries, valid until
/// `kb_group_list_free()`. Errors: KB_ERR_NULL_ARGUMENT, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_group_list_entries(list: *const kb_group_list, out: *mut *const kb_group_info) -> kb_err {
    guard(|| {
        check_not_null!(out);
        write_out(out, GROUP_LISTS.get(list)?.views().as_ptr());
        Ok(())
    })
}

/// Frees a group list. NULL is a no-op.
#[no_mangle]
pub extern "C" fn kb_group_list_free(list: *mut kb_group_list) -> kb_err {
    guard(|| GROUP_LISTS.remove(list).map(drop))
}
