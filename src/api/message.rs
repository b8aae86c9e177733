//! `kb_message`: a consumed message (or a consumer error) owned by kafkabridge, with a
//! borrowed view for the host; `kb_message_batch` holds many behind one handle;
//! `kb_packed_messages` holds a batch as one byte buffer (`core::packed_messages`).

use std::os::raw::c_char;
use std::sync::Arc;

use crate::boundary::{check_not_null, guard, guard_count, write_out, Registry, WithViews};
use crate::core::error::kb_err;
use crate::core::message::Message;
use crate::core::packed_messages::PackedMessages;

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

/// One consumed message.
pub struct kb_message(());
/// Several consumed messages behind one handle.
pub struct kb_message_batch(());
/// Consumed messages packed into one byte buffer (see `kb_consumer_poll_packed()`).
pub struct kb_packed_messages(());

/// The views of a batch's messages, and the header arrays they point to.
pub(crate) struct MessageViews {
    messages: Vec<kb_message_view>,
    _headers: Vec<Vec<kb_header>>,
}

pub(crate) type Messages = WithViews<Vec<Message>, MessageViews>;

pub(crate) static MESSAGES: Registry<kb_message, Messages> = Registry::new_data(0x07, "kb_message");
static MESSAGE_BATCHES: Registry<kb_message_batch, Messages> = Registry::new_data(0x08, "kb_message_batch");
/// The packed bytes and the number of records in them.
static PACKED_MESSAGES: Registry<kb_packed_messages, (Vec<u8>, usize)> = Registry::new_data(0x0D, "kb_packed_messages");

fn bytes(b: &Option<Vec<u8>>) -> (*const u8, usize) {
    b.as_ref().map_or((std::ptr::null(), 0), |b| (b.as_ptr(), b.len()))
}

fn views(msgs: &[Message]) -> MessageViews {
    let headers: Vec<Vec<kb_header>> = msgs
        .iter()
        .map(|m| {
            m.headers
                .iter()
                .map(|(name, value)| {
                    let (value, value_len) = bytes(value);
                    kb_header { name: name.as_ptr(), value, value_len }
                })
                .collect()
        })
        .collect();
    let messages = msgs
        .iter()
        .zip(&headers)
        .map(|(m, h)| {
            let ((key, key_len), (value, value_len)) = (bytes(&m.key), bytes(&m.value));
            kb_message_view {
                err: m.err,
                error_text: m.error_text.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()),
                topic: m.topic.as_ptr(),
                partition: m.partition,
                offset: m.offset,
                key,
                key_len,
                value,
                value_len,
                timestamp_ms: m.timestamp_ms,
                timestamp_type: m.timestamp_type,
                headers: h.as_ptr(),
                header_count: h.len(),
            }
        })
        .collect();
    MessageViews { messages, _headers: headers }
}

fn owned(msgs: Vec<Message>) -> Arc<Messages> {
    Arc::new(WithViews::new(msgs, |m| views(m)))
}

/// Stores one message (or NULL when there is none) in `*out`.
pub(crate) fn return_message(m: Option<Message>, out: *mut *mut kb_message) {
    write_out(out, m.map_or(std::ptr::null_mut(), |m| MESSAGES.insert(owned(vec![m]))));
}

pub(crate) fn return_messages(msgs: Vec<Message>, out: *mut *mut kb_message_batch) {
    write_out(out, MESSAGE_BATCHES.insert(owned(msgs)));
}

pub(crate) fn return_packed(batch: PackedMessages, out: *mut *mut kb_packed_messages) {
    let count = batch.count();
    write_out(out, PACKED_MESSAGES.insert(Arc::new((batch.into_bytes(), count))));
}

/// Fills `*view` with the message's fields, borrowed until `kb_message_free(msg)`.
#[no_mangle]
pub extern "C" fn kb_message_get_view(msg: *const kb_message, view: *mut kb_message_view) -> kb_err {
    guard(|| {
        check_not_null!(view);
        write_out(view, MESSAGES.get(msg)?.views().messages[0]);
        Ok(())
    })
}

/// Frees a message. NULL is a no-op.
#[no_mangle]
pub extern "C" fn kb_message_free(msg: *mut kb_message) -> kb_err {
    guard(|| MESSAGES.remove(msg).map(drop))
}

/// Number of messages in a batch (0, with the last error set, for an invalid handle).
#[no_mangle]
pub extern "C" fn kb_message_batch_count(batch: *const kb_message_batch) -> usize {
    guard_count(|| MESSAGE_BATCHES.get(batch).map(|b| b.views().messages.len()))
}

/// Points `*views` at the batch's `kb_message_batch_count()` views, valid until
/// `kb_message_batch_free()`.
#[no_mangle]
pub extern "C" fn kb_message_batch_views(batch: *const kb_message_batch, views: *mut *const kb_message_view) -> kb_err {
    guard(|| {
        check_not_null!(views);
        write_out(views, MESSAGE_BATCHES.get(batch)?.views().messages.as_ptr());
        Ok(())
    })
}

/// Frees a batch and all its messages. NULL is a no-op.
#[no_mangle]
pub extern "C" fn kb_message_batch_free(batch: *mut kb_message_batch) -> kb_err {
    guard(|| MESSAGE_BATCHES.remove(batch).map(drop))
}

/// Points `*data` at the packed records of `batch` and stores their byte length in `*len` and
/// their number in `*count`; the bytes stay valid until `kb_packed_messages_free(batch)`. The
/// buffer starts with a table of `*count` rows of ten little-endian `int64_t`: err (0, or a
/// consumer error such as RD_KAFKA_RESP_ERR__PARTITION_EOF, -191), partition, offset,
/// timestamp_ms (-1: none), timestamp_type (0 none, 1 create time, 2 log append time), topic_len,
/// key_len, value_len, header_count, error_text_len, where a length of -1 means absent (no key;
/// no value, a tombstone; no error text, a message). The variable-length data follows the table,
/// record after record: the topic, key, value and error text bytes, then per header an `int32_t`
/// name length, the name, an `int32_t` value length (-1: a null value) and the value.
/// Errors: KB_ERR_NULL_ARGUMENT, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_packed_messages_data(batch: *const kb_packed_messages, data: *mut *const u8, len: *mut usize, count: *mut usize) -> kb_err {
    guard(|| {
        check_not_null!(data, len, count);
        let batch = PACKED_MESSAGES.get(batch)?;
        write_out(data, batch.0.as_ptr());
        write_out(len, batch.0.len());
        write_out(count, batch.1);
        Ok(())
    })
}

/// Frees a packed batch. NULL is a no-op.
#[no_mangle]
pub extern "C" fn kb_packed_messages_free(batch: *mut kb_packed_messages) -> kb_err {
    guard(|| PACKED_MESSAGES.remove(batch).map(drop))
}
