//! The packed format of `kb_consumer_poll_packed()`: a batch of consumed messages in one byte
//! buffer, so a host whose FFI makes every field read costly (PHP, Python's ctypes) copies it out
//! with one call and decodes it in its own language. The buffer starts with a table, one row per
//! record of `FIELDS` little-endian i64s (a host reads the whole table with one call of its
//! unpacker):
//!
//! err (0, or a consumer error such as -191 partition EOF), partition, offset, timestamp_ms (-1:
//! none), timestamp_type (0 none, 1 create time, 2 log append time), topic_len, key_len,
//! value_len, header_count, error_text_len
//!
//! A length of -1 means absent (no key; no value, a tombstone; no error text, a message). The
//! variable-length data follows the table, record after record: topic, key, value and error text
//! bytes, then per header an i32 name_len, the name, an i32 value_len (-1: null) and the value.

use rdkafka::message::{BorrowedMessage, Headers, Message as _, Timestamp};

use crate::core::message::Message;

/// The i64 fields of a table row.
pub const FIELDS: usize = 10;
const ROW_LEN: usize = FIELDS * 8;
const ABSENT: i64 = -1;

/// A batch being packed. Records can be left out again (`retain`), which the consumer does for
/// the partitions a rebalance took away.
///
/// The data is written after room for the table (`reserved` rows), so that the finished buffer
/// is this same allocation with the table written into its head: the bytes of the messages are
/// copied once, from librdkafka, and moved again only when the batch ends up shorter than the
/// room reserved.
#[derive(Default)]
pub struct PackedMessages {
    rows: Vec<[i64; FIELDS]>,
    /// `reserved` rows of room for the table, then the records' data.
    data: Vec<u8>,
    reserved: usize,
    /// Where each record's data starts in `data`.
    starts: Vec<usize>,
}

/// Most table rows and data bytes reserved up front, whatever the caller's bounds.
const MAX_RESERVED_ROWS: usize = 4096;
const MAX_RESERVED_DATA: usize = 4 << 20;

fn len_of(field: Option<&[u8]>) -> i64 {
    field.map_or(ABSENT, |b| b.len() as i64)
}

impl PackedMessages {
    /// A batch expected to hold up to `rows` records and about `bytes` bytes of data (0: unknown).
    pub fn with_capacity(rows: usize, bytes: usize) -> PackedMessages {
        let reserved = rows.min(MAX_RESERVED_ROWS);
        let bytes = if bytes == 0 { 0 } else { bytes.min(MAX_RESERVED_DATA) };
        let mut data = Vec::with_capacity(reserved * ROW_LEN + bytes);
        data.resize(reserved * ROW_LEN, 0);
        PackedMessages { rows: Vec::with_capacity(reserved), data, reserved, starts: Vec::with_capacity(reserved) }
    }

    pub fn count(&self) -> usize {
        self.rows.len()
    }

    /// The size of the packed buffer.
    pub fn byte_len(&self) -> usize {
        self.rows.len() * ROW_LEN + self.data_len()
    }

    fn data_len(&self) -> usize {
        self.data.len() - self.reserved * ROW_LEN
    }

    /// The packed buffer: the table, then the data.
    pub fn into_bytes(self) -> Vec<u8> {
        let (room, table) = (self.reserved * ROW_LEN, self.rows.len() * ROW_LEN);
        let mut out = self.data;
        if table <= room {
            // In place: the data moves down only if fewer rows came than were reserved.
            out.copy_within(room.., table);
            out.truncate(out.len() - (room - table));
        } else {
            let mut grown = Vec::with_capacity(table + out.len() - room);
            grown.resize(table, 0);
            grown.extend_from_slice(&out[room..]);
            out = grown;
        }
        for (row, at) in self.rows.iter().zip(out.chunks_exact_mut(ROW_LEN)) {
            for (field, bytes) in row.iter().zip(at.chunks_exact_mut(8)) {
                bytes.copy_from_slice(&field.to_le_bytes());
            }
        }
        out
    }

    /// Appends a message straight from librdkafka's memory (no copy in between).
    pub fn add_borrowed(&mut self, m: &BorrowedMessage<'_>) {
        let (timestamp_ms, timestamp_type) = match m.timestamp() {
            Timestamp::NotAvailable => (-1, 0),
            Timestamp::CreateTime(t) => (t, 1),
            Timestamp::LogAppendTime(t) => (t, 2),
        };
        let headers = m.headers();
        self.add_fixed(
            [0, m.partition() as i64, m.offset(), timestamp_ms, timestamp_type, 0, 0, 0, headers.map_or(0, |h| h.count() as i64), ABSENT],
            [Some(m.topic().as_bytes()), m.key(), m.payload(), None],
        );
        if let Some(hs) = headers {
            for h in hs.iter() {
                self.add_header(h.key.as_bytes(), h.value);
            }
        }
    }

    /// Appends an owned message (a consumer error delivered in place of a message).
    pub fn add_owned(&mut self, m: &Message) {
        self.add_fixed(
            [m.err as i64, m.partition as i64, m.offset, m.timestamp_ms, m.timestamp_type as i64, 0, 0, 0, m.headers.len() as i64, 0],
            [Some(m.topic.to_bytes()), m.key.as_deref(), m.value.as_deref(), m.error_text.as_ref().map(|t| t.to_bytes())],
        );
        for (name, value) in &m.headers {
            self.add_header(name.to_bytes(), value.as_deref());
        }
    }

    /// Adds a row (its lengths filled in here) and the topic, key, value and error text.
    fn add_fixed(&mut self, mut row: [i64; FIELDS], fields: [Option<&[u8]>; 4]) {
        self.starts.push(self.data.len());
        for (i, field) in fields.into_iter().enumerate() {
            row[[5, 6, 7, 9][i]] = len_of(field);
            self.data.extend_from_slice(field.unwrap_or_default());
        }
        self.rows.push(row);
    }

    fn add_header(&mut self, name: &[u8], value: Option<&[u8]>) {
        self.data.extend_from_slice(&(name.len() as i32).to_le_bytes());
        self.data.extend_from_slice(name);
        self.data.extend_from_slice(&(len_of(value) as i32).to_le_bytes());
        self.data.extend_from_slice(value.unwrap_or_default());
    }

    /// Keeps only the records for which `keep(topic, partition)` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(&[u8], i32) -> bool) {
        let ends: Vec<usize> = self.starts.iter().skip(1).copied().chain([self.data.len()]).collect();
        let mut kept = PackedMessages::with_capacity(self.reserved, self.data_len());
        for ((row, &start), end) in self.rows.iter().zip(&self.starts).zip(ends) {
            let topic = &self.data[start..start + row[5] as usize];
            if keep(topic, row[1] as i32) {
                kept.starts.push(kept.data.len());
                kept.data.extend_from_slice(&self.data[start..end]);
                kept.rows.push(*row);
            }
        }
        *self = kept;
    }
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

    fn field(b: &[u8], row: usize, i: usize) -> i64 {
        let at = row * ROW_LEN + i * 8;
        i64::from_le_bytes(b[at..at + 8].try_into().unwrap())
    }

    #[test]
    fn layout() {
        let mut p = PackedMessages::default();
        p.add_owned(&message("t", 3, 42));
        let len = p.byte_len();
        let b = p.into_bytes();
        assert_eq!(b.len(), len);
        let row: Vec<i64> = (0..FIELDS).map(|i| field(&b, 0, i)).collect();
        assert_eq!(row, [0, 3, 42, 1_700_000_000_000, 1, 1, 2, -1, 2, -1]);
        // Topic and key, then headers "h" = "v" and "n" = null.
        let data = &b[ROW_LEN..];
        let i32le = |n: i32| n.to_le_bytes();
        assert_eq!(data, [&b"tk\0"[..], &i32le(1), b"h", &i32le(1), b"v", &i32le(1), b"n", &i32le(-1)].concat());
    }

    #[test]
    fn the_buffer_is_the_same_whether_the_table_had_room_or_not() {
        let pack = |mut p: PackedMessages| {
            for offset in 0..3 {
                p.add_owned(&message("t", 0, offset));
            }
            p.into_bytes()
        };
        let grown = pack(PackedMessages::default());
        assert_eq!(pack(PackedMessages::with_capacity(3, 100)), grown);
        assert_eq!(pack(PackedMessages::with_capacity(10, 0)), grown);
        assert_eq!(pack(PackedMessages::with_capacity(2, 1)), grown);
        assert_eq!(field(&grown, 2, 2), 2);
    }

    #[test]
    fn retain_leaves_out_whole_records() {
        let mut p = PackedMessages::with_capacity(4, 0);
        for (topic, partition, offset) in [("a", 0, 1), ("b", 0, 2), ("a", 1, 3), ("a", 0, 4)] {
            p.add_owned(&message(topic, partition, offset));
        }
        let one_record_data = p.data_len() / 4;
        p.retain(|topic, partition| !(topic == b"a" && partition == 0));
        assert_eq!(p.count(), 2);
        let b = p.into_bytes();
        assert_eq!([field(&b, 0, 2), field(&b, 1, 2)], [2, 3]);
        assert_eq!(b.len(), 2 * ROW_LEN + 2 * one_record_data);
        assert_eq!(&b[2 * ROW_LEN..2 * ROW_LEN + 1], b"b");
    }
}
