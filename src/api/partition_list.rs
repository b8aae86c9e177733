//! `kb_topic_partition` (input arrays and views) and `kb_partition_list`, the owned list returned
//! by assignment, subscription, committed, position and offsets-for-times.

use std::os::raw::c_char;
use std::sync::Arc;

use rdkafka::TopicPartitionList;

use crate::boundary::{bytes_arg, check_not_null, guard, guard_count, slice_arg, str_arg, write_out, Registry, WithViews};
use crate::core::error::{kb_err, KbResult};
use crate::core::partitions::{to_list, PartitionEntry, PartitionRef};

/// A topic partition with an offset. As input (assign, commit, seek, pause, ...) only `topic`,
/// `partition` and, where it matters, `offset` and `metadata` are read. As output (views), every
/// pointer is owned by the object it came from and valid until that object is freed.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct kb_topic_partition {
    /// NUL-terminated UTF-8 topic name.
    pub topic: *const c_char,
    pub partition: i32,
    /// An offset, or one of KB_OFFSET_*.
    pub offset: i64,
    /// Commit metadata bytes (may be NULL with `metadata_len` 0).
    pub metadata: *const u8,
    pub metadata_len: usize,
    /// Per-partition error (output only), 0 if none.
    pub err: kb_err,
}

/// An owned list of topic partitions returned by a query.
pub struct kb_partition_list(());

type PartitionList = WithViews<Vec<PartitionEntry>, Vec<kb_topic_partition>>;

static PARTITION_LISTS: Registry<kb_partition_list, PartitionList> = Registry::new_data(0x09, "kb_partition_list");

/// The views of `entries`, for a list or an event.
pub(crate) fn partition_views(entries: &[PartitionEntry]) -> Vec<kb_topic_partition> {
    entries
        .iter()
        .map(|e| kb_topic_partition {
            topic: e.topic.as_ptr(),
            partition: e.partition,
            offset: e.offset,
            metadata: e.metadata.as_ptr(),
            metadata_len: e.metadata.len(),
            err: e.err,
        })
        .collect()
}

/// Stores `entries` as a new list in `*out`.
pub(crate) fn return_list(entries: Vec<PartitionEntry>, out: *mut *mut kb_partition_list) {
    write_out(out, PARTITION_LISTS.insert(Arc::new(WithViews::new(entries, |e| partition_views(e)))));
}

/// Borrows a caller's array of `count` partitions.
pub(crate) fn partitions_arg<'a>(parts: *const kb_topic_partition, count: usize) -> KbResult<Vec<PartitionRef<'a>>> {
    slice_arg(parts, count, "partitions")?
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Ok(PartitionRef {
                topic: str_arg(p.topic, &format!("partitions[{i}].topic"))?,
                partition: p.partition,
                offset: p.offset,
                metadata: bytes_arg(p.metadata, p.metadata_len, "metadata")?,
            })
        })
        .collect()
}

/// A librdkafka list from a caller's array; `with_offsets` false ignores `offset`.
pub(crate) fn list_arg(parts: *const kb_topic_partition, count: usize, with_offsets: bool) -> KbResult<TopicPartitionList> {
    to_list(&partitions_arg(parts, count)?, with_offsets)
}

/// Number of entries in `list` (0, with the last error set, for an invalid handle).
#[no_mangle]
pub extern "C" fn kb_partition_list_count(list: *const kb_partition_list) -> usize {
    guard_count(|| PARTITION_LISTS.get(list).map(|l| l.views().len()))
}

/// Points `*out` at the list's array of `kb_partition_list_count()` entries, valid until
/// `kb_partition_list_free()`. Errors: KB_ERR_NULL_ARGUMENT, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_partition_list_entries(list: *const kb_partition_list, out: *mut *const kb_topic_partition) -> kb_err {
    guard(|| {
        check_not_null!(out);
        write_out(out, PARTITION_LISTS.get(list)?.views().as_ptr());
        Ok(())
    })
}

/// Frees a partition list. NULL is a no-op.
#[no_mangle]
pub extern "C" fn kb_partition_list_free(list: *mut kb_partition_list) -> kb_err {
    guard(|| PARTITION_LISTS.remove(list).map(drop))
}
