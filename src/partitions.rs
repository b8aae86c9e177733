//! `kb_topic_partition` (plain struct, used for input arrays and views) and `kb_partition_list`
//! (an owned list returned by assignment, subscription, committed, position, offsets-for-times).

use std::ffi::CString;
use std::os::raw::c_char;
use std::sync::Arc;

use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

use crate::boundary::registry::Registry;
use crate::boundary::{check_not_null, guard, guard_count, topic_arg, write_out};
use crate::core::error::{kb_err, KbError, KbResult};

/// Start from the earliest offset (librdkafka's RD_KAFKA_OFFSET_BEGINNING).
pub const KB_OFFSET_BEGINNING: i64 = -2;
/// Start from the end (RD_KAFKA_OFFSET_END).
pub const KB_OFFSET_END: i64 = -1;
/// Use the committed offset (RD_KAFKA_OFFSET_STORED).
pub const KB_OFFSET_STORED: i64 = -1000;
/// No offset (RD_KAFKA_OFFSET_INVALID).
pub const KB_OFFSET_INVALID: i64 = -1001;
/// `KB_OFFSET_TAIL_BASE - n` starts `n` messages before the end (RD_KAFKA_OFFSET_TAIL(n)).
pub const KB_OFFSET_TAIL_BASE: i64 = -2000;
/// "Let the partitioner choose" (RD_KAFKA_PARTITION_UA).
pub const KB_PARTITION_UA: i32 = -1;

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

/// An owned list of partitions; `views` point into `topics` and `metadata`.
pub struct PartitionSet {
    _topics: Vec<CString>,
    _metadata: Vec<Vec<u8>>,
    views: Vec<kb_topic_partition>,
}
// SAFETY: the raw pointers in `views` point into heap data owned by the same value and never mutated.
unsafe impl Send for PartitionSet {}
unsafe impl Sync for PartitionSet {}

impl PartitionSet {
    pub fn empty() -> Self {
        PartitionSet { _topics: Vec::new(), _metadata: Vec::new(), views: Vec::new() }
    }

    pub fn from_tpl(tpl: &TopicPartitionList) -> Self {
        let elems = tpl.elements();
        let topics: Vec<CString> = elems.iter().map(|e| CString::new(e.topic()).unwrap_or_default()).collect();
        let metadata: Vec<Vec<u8>> = elems.iter().map(|e| e.metadata().as_bytes().to_vec()).collect();
        let views = elems
            .iter()
            .enumerate()
            .map(|(i, e)| kb_topic_partition {
                topic: topics[i].as_ptr(),
                partition: e.partition(),
                offset: e.offset().to_raw().unwrap_or(KB_OFFSET_INVALID),
                metadata: metadata[i].as_ptr(),
                metadata_len: metadata[i].len(),
                err: e.error().err().map_or(0, |err| crate::core::error::kafka_code(&err)),
            })
            .collect();
        PartitionSet { _topics: topics, _metadata: metadata, views }
    }

    pub fn views(&self) -> &[kb_topic_partition] {
        &self.views
    }
}

/// Builds a librdkafka list from a caller's array. `with_offsets` false ignores `offset`.
pub unsafe fn tpl_from_array(parts: *const kb_topic_partition, count: usize, with_offsets: bool) -> KbResult<TopicPartitionList> {
    let parts = crate::boundary::slice_arg(parts, count, "partitions")?;
    let mut tpl = TopicPartitionList::with_capacity(parts.len());
    for (i, p) in parts.iter().enumerate() {
        let topic = topic_arg(p.topic, &format!("partitions[{i}].topic"))?;
        if p.partition < 0 {
            return Err(KbError::invalid_arg(format!("partitions[{i}].partition must be >= 0, got {}", p.partition)));
        }
        let offset = if with_offsets { Offset::from_raw(p.offset) } else { Offset::Invalid };
        let mut elem = tpl.add_partition(topic, p.partition);
        elem.set_offset(offset).map_err(|e| KbError::kafka(&format!("partitions[{i}].offset"), e))?;
        if let Some(md) = crate::boundary::bytes_arg(p.metadata, p.metadata_len, "metadata")? {
            elem.set_metadata(String::from_utf8_lossy(md));
        }
    }
    Ok(tpl)
}

/// An owned list of topic partitions returned by a query.
pub struct kb_partition_list(());

pub(crate) static PARTITION_LISTS: Registry<PartitionSet> = Registry::new_data(0x09, "kb_partition_list");

pub unsafe fn return_list(set: PartitionSet, out: *mut *mut kb_partition_list) {
    write_out(out, PARTITION_LISTS.insert(Arc::new(set)));
}

/// Number of entries in `list` (0 for an invalid handle).
#[no_mangle]
pub unsafe extern "C" fn kb_partition_list_count(list: *const kb_partition_list) -> usize {
    guard_count(|| PARTITION_LISTS.get(list).map(|l| l.views().len()))
}

/// Points `*out` at the list's array of `kb_partition_list_count()` entries, valid until
/// `kb_partition_list_free()`. Errors: KB_ERR_NULL_ARGUMENT, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub unsafe extern "C" fn kb_partition_list_entries(list: *const kb_partition_list, out: *mut *const kb_topic_partition) -> kb_err {
    guard(|| {
        check_not_null!(out);
        write_out(out, PARTITION_LISTS.get(list)?.views().as_ptr());
        Ok(())
    })
}

/// Frees a partition list. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn kb_partition_list_free(list: *mut kb_partition_list) -> kb_err {
    guard(|| PARTITION_LISTS.remove(list).map(drop))
}
