//! Topic partitions: the special offsets, lists librdkafka returned (owned copies), and lists
//! built from partitions a caller named, checked before they reach librdkafka.

use std::ffi::CString;

use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

use crate::core::error::{kafka_code, kb_err, KbError, KbResult};
use crate::core::text::cstr;

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

/// One partition of a list librdkafka returned.
pub struct PartitionEntry {
    pub topic: CString,
    pub partition: i32,
    /// An offset, or KB_OFFSET_INVALID.
    pub offset: i64,
    /// Commit metadata.
    pub metadata: Vec<u8>,
    /// The partition's own error, 0 if none.
    pub err: kb_err,
}

/// Copies a librdkafka list.
pub fn entries(tpl: &TopicPartitionList) -> Vec<PartitionEntry> {
    tpl.elements()
        .iter()
        .map(|e| PartitionEntry {
            topic: cstr(e.topic()),
            partition: e.partition(),
            offset: e.offset().to_raw().unwrap_or(KB_OFFSET_INVALID),
            metadata: e.metadata().as_bytes().to_vec(),
            err: e.error().err().map_or(0, |err| kafka_code(&err)),
        })
        .collect()
}

/// A partition a caller names (to assign, commit, seek, pause, look up).
pub struct PartitionRef<'a> {
    pub topic: &'a str,
    pub partition: i32,
    /// An offset or KB_OFFSET_*; ignored where the call takes no offsets.
    pub offset: i64,
    pub metadata: Option<&'a [u8]>,
}

/// Builds a librdkafka list, refusing illegal topic names and negative partitions (naming the
/// entry). `with_offsets` false leaves every offset unset.
pub fn to_list(parts: &[PartitionRef<'_>], with_offsets: bool) -> KbResult<TopicPartitionList> {
    let mut tpl = TopicPartitionList::with_capacity(parts.len());
    for (i, p) in parts.iter().enumerate() {
        crate::core::topic::check_topic(p.topic).map_err(|e| KbError::new(e.code, format!("partitions[{i}].topic: {}", e.message)))?;
        if p.partition < 0 {
            return Err(KbError::invalid_arg(format!("partitions[{i}].partition must be >= 0, got {}", p.partition)));
        }
        let offset = if with_offsets { Offset::from_raw(p.offset) } else { Offset::Invalid };
        let mut elem = tpl.add_partition(p.topic, p.partition);
        elem.set_offset(offset).map_err(|e| KbError::kafka(&format!("partitions[{i}].offset"), e))?;
        if let Some(md) = p.metadata {
            elem.set_metadata(String::from_utf8_lossy(md));
        }
    }
    Ok(tpl)
}
