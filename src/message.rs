//! `kb_message`: a consumed message (or a consumer error) owned by kafkabridge, with a
//! borrowed view for the host; `kb_message_batch` holds many behind one handle.

use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::sync::Arc;

use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Headers, Message, Timestamp};

use crate::boundary::registry::Registry;
use crate::boundary::{check_not_null, guard, guard_count, write_out};
use crate::core::error::kb_err;
use crate::event::{cstr, TopicName};

/// A message header. `value` NULL means a header with a null value.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct kb_header {
    /// NUL-terminated UTF-8 name.
    pub name: *const c_char,
    pub value: *const u8,
    pub value_len: usize,
}

/// A borrowed view of a message; pointers are valid until its message or batch is freed.
/// `key`/`value` NULL means absent; binary data may contain NUL bytes (use the lengths).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct kb_message_view {
    /// 0 for a message; otherwise a consumer error such as RD_KAFKA_RESP_ERR__PARTITION_EOF (-191),
    /// with `error_text` set and the other fields filled where known.
    pub err: kb_err,
    pub error_text: *const c_char,
    pub topic: *const c_char,
    pub partition: i32,
    pub offset: i64,
    pub key: *const u8,
    pub key_len: usize,
    pub value: *const u8,
    pub value_len: usize,
    pub timestamp_ms: i64,
    /// 0: none, 1: create time, 2: log append time.
    pub timestamp_type: i32,
    pub headers: *const kb_header,
    pub header_count: usize,
}

/// An owned message.
pub struct Msg {
    pub err: kb_err,
    pub error_text: Option<CString>,
    pub topic: Arc<CStr>,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub timestamp_ms: i64,
    pub timestamp_type: i32,
    header_data: Vec<(CString, Option<Vec<u8>>)>,
    headers: Vec<kb_header>,
}
// SAFETY: `headers` points into `header_data`, owned alongside and never mutated.
unsafe impl Send for Msg {}
unsafe impl Sync for Msg {}

impl Msg {
    pub fn from_borrowed(m: &BorrowedMessage<'_>, topics: &mut TopicName) -> Msg {
        let (timestamp_ms, timestamp_type) = match m.timestamp() {
            Timestamp::NotAvailable => (-1, 0),
            Timestamp::CreateTime(t) => (t, 1),
            Timestamp::LogAppendTime(t) => (t, 2),
        };
        let header_data: Vec<(CString, Option<Vec<u8>>)> =
            m.headers().map(|hs| hs.iter().map(|h| (cstr(h.key), h.value.map(|v| v.to_vec()))).collect()).unwrap_or_default();
        let mut msg = Msg {
            err: 0,
            error_text: None,
            topic: topics.get(m.topic()),
            partition: m.partition(),
            offset: m.offset(),
            key: m.key().map(|k| k.to_vec()),
            value: m.payload().map(|v| v.to_vec()),
            timestamp_ms,
            timestamp_type,
            header_data,
            headers: Vec::new(),
        };
        msg.headers = msg
            .header_data
            .iter()
            .map(|(n, v)| kb_header {
                name: n.as_ptr(),
                value: v.as_ref().map_or(std::ptr::null(), |v| v.as_ptr()),
                value_len: v.as_ref().map_or(0, |v| v.len()),
            })
            .collect();
        msg
    }

    /// A consumer error delivered in place of a message (librdkafka does the same).
    pub fn from_error(e: &KafkaError) -> Msg {
        let partition = if let KafkaError::PartitionEOF(p) = e { *p } else { -1 };
        let err = crate::core::error::kafka_code(e);
        Msg {
            err,
            error_text: Some(cstr(&e.to_string())),
            topic: Arc::from(CString::default()),
            partition,
            offset: crate::partitions::KB_OFFSET_INVALID,
            key: None,
            value: None,
            timestamp_ms: -1,
            timestamp_type: 0,
            header_data: Vec::new(),
            headers: Vec::new(),
        }
    }

    pub fn view(&self) -> kb_message_view {
        let bytes = |b: &Option<Vec<u8>>| (b.as_ref().map_or(std::ptr::null(), |b| b.as_ptr()), b.as_ref().map_or(0, |b| b.len()));
        let (key, key_len) = bytes(&self.key);
        let (value, value_len) = bytes(&self.value);
        kb_message_view {
            err: self.err,
            error_text: self.error_text.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()),
            topic: self.topic.as_ptr(),
            partition: self.partition,
            offset: self.offset,
            key,
            key_len,
            value,
            value_len,
            timestamp_ms: self.timestamp_ms,
            timestamp_type: self.timestamp_type,
            headers: self.headers.as_ptr(),
            header_count: self.headers.len(),
        }
    }
}

/// One consumed message.
pub struct kb_message(());
/// Several consumed messages behind one handle.
pub struct kb_message_batch(());

pub struct MsgBatch {
    pub msgs: Vec<Msg>,
    views: Vec<kb_message_view>,
}
// SAFETY: views point into the immutable heap data of `msgs`, owned alongside.
unsafe impl Send for MsgBatch {}
unsafe impl Sync for MsgBatch {}

impl MsgBatch {
    pub fn new(msgs: Vec<Msg>) -> MsgBatch {
        let views = msgs.iter().map(Msg::view).collect();
        MsgBatch { msgs, views }
    }
}

pub(crate) static MESSAGES: Registry<MsgBatch> = Registry::new_data(0x07, "kb_message");
static MESSAGE_BATCHES: Registry<MsgBatch> = Registry::new_data(0x08, "kb_message_batch");

pub unsafe fn return_message(m: Option<Msg>, out: *mut *mut kb_message) {
    write_out(out, m.map_or(std::ptr::null_mut(), |m| MESSAGES.insert(Arc::new(MsgBatch::new(vec![m])))));
}

pub unsafe fn return_batch(msgs: Vec<Msg>, out: *mut *mut kb_message_batch) {
    write_out(out, MESSAGE_BATCHES.insert(Arc::new(MsgBatch::new(msgs))));
}

/// Fills `*view` with the message's fields, borrowed until `kb_message_free(msg)`.
#[no_mangle]
pub unsafe extern "C" fn kb_message_get_view(msg: *const kb_message, view: *mut kb_message_view) -> kb_err {
    guard(|| {
        check_not_null!(view);
        write_out(view, MESSAGES.get(msg)?.views[0]);
        Ok(())
    })
}

/// Frees a message. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn kb_message_free(msg: *mut kb_message) -> kb_err {
    guard(|| MESSAGES.remove(msg).map(drop))
}

/// Number of messages in a batch (0, with the last error set, for an invalid handle).
#[no_mangle]
pub unsafe extern "C" fn kb_message_batch_count(batch: *const kb_message_batch) -> usize {
    guard_count(|| MESSAGE_BATCHES.get(batch).map(|b| b.views.len()))
}

/// Points `*views` at the batch's `kb_message_batch_count()` views, valid until
/// `kb_message_batch_free()`.
#[no_mangle]
pub unsafe extern "C" fn kb_message_batch_views(batch: *const kb_message_batch, views: *mut *const kb_message_view) -> kb_err {
    guard(|| {
        check_not_null!(views);
        write_out(views, MESSAGE_BATCHES.get(batch)?.views.as_ptr());
        Ok(())
    })
}

/// Frees a batch and all its messages. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn kb_message_batch_free(batch: *mut kb_message_batch) -> kb_err {
    guard(|| MESSAGE_BATCHES.remove(batch).map(drop))
}
