//! The packed form of an event batch (`kb_event_batch_packed()`), the events' mirror of
//! `core::packed_messages`: a table of one row of `FIELDS` little-endian i64s per event, then
//! the variable-length data, so a host with a costly FFI reads a batch of delivery reports with
//! one copy. A row:
//!
//! kind (`kb_event_type`), err, message_id, partition, offset, timestamp_ms, fatal (errors) or
//! log_level (logs), topic_len (the topic, or a log line's facility), text_len, partition_count
//!
//! A length of -1 means absent. Data per event: topic (or facility) bytes, text bytes, then per
//! partition five i64s (partition, offset, err, topic_len, metadata_len), the topic and the
//! metadata bytes.

use crate::core::events::{kb_event_type, Event};

/// The i64 fields of a table row.
pub const FIELDS: usize = 10;

fn len_of(field: Option<&[u8]>) -> i64 {
    field.map_or(-1, |b| b.len() as i64)
}

/// Packs `events` in order.
pub fn pack(events: &[Event]) -> Vec<u8> {
    let mut table = Vec::with_capacity(events.len() * FIELDS * 8);
    let mut data = Vec::new();
    for e in events {
        let topic = if e.kind == kb_event_type::KB_EVENT_LOG { e.facility.as_deref() } else { e.topic.as_deref() };
        let (topic, text) = (topic.map(|t| t.to_bytes()), e.text.as_ref().map(|t| t.as_bytes()));
        let flag = if e.kind == kb_event_type::KB_EVENT_LOG { e.log_level as i64 } else { e.fatal as i64 };
        let row = [
            e.kind as i64,
            e.err as i64,
            e.message_id as i64,
            e.partition as i64,
            e.offset,
            e.timestamp_ms,
            flag,
            len_of(topic),
            len_of(text),
            e.partitions.len() as i64,
        ];
        for field in row {
            table.extend_from_slice(&field.to_le_bytes());
        }
        data.extend_from_slice(topic.unwrap_or_default());
        data.extend_from_slice(text.unwrap_or_default());
        for p in &e.partitions {
            let topic = p.topic.as_bytes();
            for field in [p.partition as i64, p.offset, p.err as i64, topic.len() as i64, p.metadata.len() as i64] {
                data.extend_from_slice(&field.to_le_bytes());
            }
            data.extend_from_slice(topic);
            data.extend_from_slice(&p.metadata);
        }
    }
    table.extend_from_slice(&data);
    table
}

#[cfg(test)]
mod tests {
    use std::ffi::CString;
    use std::sync::Arc;

    use super::*;
    use crate::core::partitions::PartitionEntry;

    fn field(b: &[u8], row: usize, i: usize) -> i64 {
        let at = (row * FIELDS + i) * 8;
        i64::from_le_bytes(b[at..at + 8].try_into().unwrap())
    }

    #[test]
    fn layout() {
        let report = Event {
            message_id: 7,
            topic: Some(Arc::from(CString::new("t").unwrap())),
            partition: 2,
            offset: 40,
            timestamp_ms: 1_700_000_000_000,
            ..Event::new(kb_event_type::KB_EVENT_DELIVERY)
        };
        let log = Event::log(6, "FAC", "line");
        let commit = Event {
            partitions: vec![PartitionEntry { topic: CString::new("c").unwrap(), partition: 1, offset: 9, metadata: b"m".to_vec(), err: 0 }],
            ..Event::new(kb_event_type::KB_EVENT_COMMIT)
        };
        let b = pack(&[report, log, commit]);
        let rows: Vec<Vec<i64>> = (0..3).map(|r| (0..FIELDS).map(|i| field(&b, r, i)).collect()).collect();
        assert_eq!(rows[0], [1, 0, 7, 2, 40, 1_700_000_000_000, 0, 1, -1, 0]);
        assert_eq!(rows[1], [3, 0, 0, -1, -1001, -1, 6, 3, 4, 0]);
        assert_eq!(rows[2], [6, 0, 0, -1, -1001, -1, 0, -1, -1, 1]);
        let data = &b[3 * FIELDS * 8..];
        let entry: Vec<u8> = [1i64, 9, 0, 1, 1].iter().flat_map(|f| f.to_le_bytes()).collect();
        assert_eq!(data, [&b"tFACline"[..], &entry, b"cm"].concat());
    }
}
