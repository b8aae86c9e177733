//! A consumed message (or a consumer error delivered in its place), copied out of librdkafka.

use std::ffi::{CStr, CString};
use std::sync::Arc;

use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Headers, Message as _, Timestamp};

use crate::core::error::{kafka_code, kb_err};
use crate::core::partitions::KB_OFFSET_INVALID;
use crate::core::text::{cstr, TopicName};

/// An owned message.
pub struct Message {
    /// 0 for a message; otherwise a consumer error such as RD_KAFKA_RESP_ERR__PARTITION_EOF.
    pub err: kb_err,
    pub error_text: Option<CString>,
    pub topic: Arc<CStr>,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub timestamp_ms: i64,
    /// 0: none, 1: create time, 2: log append time.
    pub timestamp_type: i32,
    /// Names and values (None: a null value).
    pub headers: Vec<(CString, Option<Vec<u8>>)>,
}

impl Message {
    pub fn from_borrowed(m: &BorrowedMessage<'_>, topics: &mut TopicName) -> Message {
        let (timestamp_ms, timestamp_type) = match m.timestamp() {
            Timestamp::NotAvailable => (-1, 0),
            Timestamp::CreateTime(t) => (t, 1),
            Timestamp::LogAppendTime(t) => (t, 2),
        };
        Message {
            err: 0,
            error_text: None,
            topic: topics.get(m.topic()),
            partition: m.partition(),
            offset: m.offset(),
            key: m.key().map(|k| k.to_vec()),
            value: m.payload().map(|v| v.to_vec()),
            timestamp_ms,
            timestamp_type,
            headers: m.headers().map(|hs| hs.iter().map(|h| (cstr(h.key), h.value.map(|v| v.to_vec()))).collect()).unwrap_or_default(),
        }
    }

    /// A consumer error delivered in place of a message (librdkafka does the same).
    pub fn from_error(e: &KafkaError) -> Message {
        let partition = if let KafkaError::PartitionEOF(p) = e { *p } else { -1 };
        Message {
            err: kafka_code(e),
            error_text: Some(cstr(&e.to_string())),
            topic: Arc::from(CString::default()),
            partition,
            offset: KB_OFFSET_INVALID,
            key: None,
            value: None,
            timestamp_ms: -1,
            timestamp_type: 0,
            headers: Vec::new(),
        }
    }
}
