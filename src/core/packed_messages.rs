//! The packed format of `kb_consumer_poll_packed()`: consumed messages back to back in one byte
//! buffer, so a host whose FFI makes every field read costly (PHP, Python's ctypes) copies a
//! batch out with one call and decodes it in its own language. Each record, little-endian:
//!
//! | offset | field |
//! |---|---|
//! | 0 | i32 err (0, or a consumer error such as -191 partition EOF) |
//! | 4 | i32 partition |
//! | 8 | i64 offset |
//! | 16 | i64 timestamp_ms (-1: none) |
//! | 24 | i32 timestamp_type (0 none, 1 create time, 2 log append time) |
//! | 28 | u32 topic_len |
//! | 32 | u32 key_len (`KB_PACKED_ABSENT`: no key) |
//! | 36 | u32 value_len (`KB_PACKED_ABSENT`: no value) |
//! | 40 | u32 header_count |
//! | 44 | u32 error_text_len (`KB_PACKED_ABSENT` for a message) |
//! | 48 | topic, key, value and error text bytes, then per header: u32 name_len, name, u32 value_len (`KB_PACKED_ABSENT`: null), value |

use rdkafka::message::{BorrowedMessage, Headers, Message as _, Timestamp};

use crate::core::message::Message;
use crate::core::packed::KB_PACKED_ABSENT;

/// The size of a record's fixed part.
pub const RECORD_HEADER_LEN: usize = 48;

/// A batch being packed. Records can be left out again (`retain`), which the consumer does for
/// the partitions a rebalance took away.
#[derive(Default)]
pub struct PackedMessages {
    bytes: Vec<u8>,
    /// Each record's start and partition, for `retain`.
    records: Vec<(usize, i32)>,
}

fn len_of(field: Option<&[u8]>) -> u32 {
    field.map_or(KB_PACKED_ABSENT, |b| b.len() as u32)
}

impl PackedMessages {
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn count(&self) -> usize {
        self.records.len()
    }

    /// Appends a message straight from librdkafka's memory (no copy in between).
    pub fn add_borrowed(&mut self, m: &BorrowedMessage<'_>) {
        let (timestamp_ms, timestamp_type) = match m.timestamp() {
            Timestamp::NotAvailable => (-1, 0),
            Timestamp::CreateTime(t) => (t, 1),
            Timestamp::LogAppendTime(t) => (t, 2),
        };
        let headers = m.headers();
        let fixed = Fixed {
            err: 0,
            partition: m.partition(),
            offset: m.offset(),
            timestamp_ms,
            timestamp_type,
            topic: m.topic().as_bytes(),
            key: m.key(),
            value: m.payload(),
            header_count: headers.map_or(0, |h| h.count()),
            error_text: None,
        };
        self.add_fixed(&fixed);
        if let Some(hs) = headers {
            for h in hs.iter() {
                self.add_header(h.key.as_bytes(), h.value);
            }
        }
    }

    /// Appends an owned message (a consumer error delivered in place of a message).
    pub fn add_owned(&mut self, m: &Message) {
        self.add_fixed(&Fixed {
            err: m.err,
            partition: m.partition,
            offset: m.offset,
            timestamp_ms: m.timestamp_ms,
            timestamp_type: m.timestamp_type,
            topic: m.topic.to_bytes(),
            key: m.key.as_deref(),
            value: m.value.as_deref(),
            header_count: m.headers.len(),
            error_text: m.error_text.as_ref().map(|t| t.to_bytes()),
        });
        for (name, value) in &m.headers {
            self.add_header(name.to_bytes(), value.as_deref());
        }
    }

    fn add_fixed(&mut self, f: &Fixed<'_>) {
        let b = &mut self.bytes;
        self.records.push((b.len(), f.partition));
        let variable = f.topic.len() + [f.key, f.value, f.error_text].iter().map(|x| x.map_or(0, <[u8]>::len)).sum::<usize>();
        b.reserve(RECORD_HEADER_LEN + variable);
        b.extend_from_slice(&f.err.to_le_bytes());
        b.extend_from_slice(&f.partition.to_le_bytes());
        b.extend_from_slice(&f.offset.to_le_bytes());
        b.extend_from_slice(&f.timestamp_ms.to_le_bytes());
        b.extend_from_slice(&f.timestamp_type.to_le_bytes());
        b.extend_from_slice(&(f.topic.len() as u32).to_le_bytes());
        b.extend_from_slice(&len_of(f.key).to_le_bytes());
        b.extend_from_slice(&len_of(f.value).to_le_bytes());
        b.extend_from_slice(&(f.header_count as u32).to_le_bytes());
        b.extend_from_slice(&len_of(f.error_text).to_le_bytes());
        b.extend_from_slice(f.topic);
        for field in [f.key, f.value, f.error_text].into_iter().flatten() {
            b.extend_from_slice(field);
        }
    }

    fn add_header(&mut self, name: &[u8], value: Option<&[u8]>) {
        let b = &mut self.bytes;
        b.extend_from_slice(&(name.len() as u32).to_le_bytes());
        b.extend_from_slice(name);
        b.extend_from_slice(&len_of(value).to_le_bytes());
        if let Some(v) = value {
            b.extend_from_slice(v);
        }
    }

    /// Keeps only the records for which `keep(topic, partition)` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(&[u8], i32) -> bool) {
        let ends: Vec<usize> = self.records.iter().skip(1).map(|r| r.0).chain([self.bytes.len()]).collect();
        let mut bytes = Vec::with_capacity(self.bytes.len());
        let mut records = Vec::with_capacity(self.records.len());
        for (&(start, partition), end) in self.records.iter().zip(ends) {
            let record = &self.bytes[start..end];
            let topic_len = u32::from_le_bytes(record[28..32].try_into().unwrap()) as usize;
            if keep(&record[RECORD_HEADER_LEN..RECORD_HEADER_LEN + topic_len], partition) {
                records.push((bytes.len(), partition));
                bytes.extend_from_slice(record);
            }
        }
        self.bytes = bytes;
        self.records = records;
    }
}

/// A record's fixed fields and the variable ones that follow them directly.
struct Fixed<'a> {
    err: i32,
    partition: i32,
    offset: i64,
    timestamp_ms: i64,
    timestamp_type: i32,
    topic: &'a [u8],
    key: Option<&'a [u8]>,
    value: Option<&'a [u8]>,
    header_count: usize,
    error_text: Option<&'a [u8]>,
}

#[cfg(test)]
mod tests {
    use std::ffi::CString;
    use std::sync::Arc;

    use super::*;

    fn message(topic: &str, partition: i32, offset: i64) -> Message {
        Message {
            err: 0,
            error_text: None,
            topic: Arc::from(CString::new(topic).unwrap()),
            partition,
            offset,
            key: Some(b"k\0".to_vec()),
            value: None,
            timestamp_ms: 1_700_000_000_000,
            timestamp_type: 1,
            headers: vec![(CString::new("h").unwrap(), Some(b"v".to_vec())), (CString::new("n").unwrap(), None)],
        }
    }

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn record_layout() {
        let mut p = PackedMessages::default();
        p.add_owned(&message("t", 3, 42));
        let b = p.bytes();
        assert_eq!(i32::from_le_bytes(b[4..8].try_into().unwrap()), 3);
        assert_eq!(i64::from_le_bytes(b[8..16].try_into().unwrap()), 42);
        assert_eq!(i64::from_le_bytes(b[16..24].try_into().unwrap()), 1_700_000_000_000);
        assert_eq!([u32_at(b, 28), u32_at(b, 32), u32_at(b, 36), u32_at(b, 40), u32_at(b, 44)], [1, 2, KB_PACKED_ABSENT, 2, KB_PACKED_ABSENT]);
        assert_eq!(&b[48..51], b"tk\0");
        // Headers: "h" = "v", "n" = null.
        assert_eq!(
            &b[51..],
            [&1u32.to_le_bytes()[..], b"h", &1u32.to_le_bytes(), b"v", &1u32.to_le_bytes(), b"n", &KB_PACKED_ABSENT.to_le_bytes()].concat()
        );
        assert_eq!(p.count(), 1);
    }

    #[test]
    fn retain_leaves_out_whole_records() {
        let mut p = PackedMessages::default();
        for (topic, partition, offset) in [("a", 0, 1), ("b", 0, 2), ("a", 1, 3), ("a", 0, 4)] {
            p.add_owned(&message(topic, partition, offset));
        }
        let one = p.bytes().len() / 4;
        p.retain(|topic, partition| !(topic == b"a" && partition == 0));
        assert_eq!(p.count(), 2);
        assert_eq!(p.bytes().len(), 2 * one);
        let offsets: Vec<i64> = (0..2).map(|i| i64::from_le_bytes(p.bytes()[i * one + 8..i * one + 16].try_into().unwrap())).collect();
        assert_eq!(offsets, [2, 3]);
    }
}
