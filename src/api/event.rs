//! `kb_event` and `kb_event_batch`: delivery reports, errors, logs, statistics, rebalances and
//! commit results handed to the host, which drains them with the poll calls.

use std::os::raw::c_char;
use std::sync::Arc;

use crate::api::partition_list::{kb_topic_partition, partition_views};
use crate::boundary::{check_not_null, guard, guard_count, write_out, Registry, WithViews};
use crate::core::error::kb_err;
pub use crate::core::events::kb_event_type;
use crate::core::events::Event;
use crate::core::packed_events;

/// A borrowed view of one event; every pointer is owned by the event (or batch) it came from and
/// valid until that is freed. Absent strings are NULL.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct kb_event_view {
    /// What the event reports; decides which fields are set.
    pub kind: kb_event_type,
    pub err: kb_err,
    /// 1 when `err` is fatal for the client.
    pub fatal: i32,
    /// For deliveries: the id `kb_producer_produce()` returned.
    pub message_id: u64,
    pub topic: *const c_char,
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: i64,
    /// Error message, log line or statistics JSON (NUL-terminated); `text_len` excludes the NUL.
    pub text: *const c_char,
    pub text_len: usize,
    pub log_level: i32,
    pub facility: *const c_char,
    pub partitions: *const kb_topic_partition,
    pub partition_count: usize,
}
/// One event handed to the host.
pub struct kb_event(());
/// Several events handed to the host at once.
pub struct kb_event_batch(());

/// The views of a batch's events, and the partition arrays they point to.
struct EventViews {
    events: Vec<kb_event_view>,
    _partitions: Vec<Vec<kb_topic_partition>>,
}

type Events = WithViews<Vec<Event>, EventViews>;

/// A batch, and its packed form once asked for (`kb_event_batch_packed()`).
struct Batch {
    events: Events,
    packed: once_cell::sync::OnceCell<Vec<u8>>,
}

static EVENTS: Registry<kb_event, Events> = Registry::new_data(0x05, "kb_event");
static EVENT_BATCHES: Registry<kb_event_batch, Batch> = Registry::new_data(0x06, "kb_event_batch");

fn views(events: &[Event]) -> EventViews {
    let partitions: Vec<Vec<kb_topic_partition>> = events.iter().map(|e| partition_views(&e.partitions)).collect();
    let ptr = |s: &Option<std::ffi::CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
    let events = events
        .iter()
        .zip(&partitions)
        .map(|(e, parts)| kb_event_view {
            kind: e.kind,
            err: e.err,
            fatal: e.fatal as i32,
            message_id: e.message_id,
            topic: e.topic.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()),
            partition: e.partition,
            offset: e.offset,
            timestamp_ms: e.timestamp_ms,
            text: ptr(&e.text),
            text_len: e.text.as_ref().map_or(0, |t| t.as_bytes().len()),
            log_level: e.log_level,
            facility: ptr(&e.facility),
            partitions: parts.as_ptr(),
            partition_count: parts.len(),
        })
        .collect();
    EventViews { events, _partitions: partitions }
}

fn owned(events: Vec<Event>) -> Events {
    WithViews::new(events, |e| views(e))
}

/// Stores one event (or NULL when there is none) in `*out`.
pub(crate) fn return_event(ev: Option<Event>, out: *mut *mut kb_event) {
    write_out(out, ev.map_or(std::ptr::null_mut(), |e| EVENTS.insert(Arc::new(owned(vec![e])))));
}

pub(crate) fn return_events(events: Vec<Event>, out: *mut *mut kb_event_batch) {
    write_out(out, EVENT_BATCHES.insert(Arc::new(Batch { events: owned(events), packed: once_cell::sync::OnceCell::new() })));
}

/// Fills `*view` with the event's fields, borrowed until `kb_event_free(ev)`.
/// Errors: KB_ERR_NULL_ARGUMENT, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_event_get_view(ev: *const kb_event, view: *mut kb_event_view) -> kb_err {
    guard(|| {
        check_not_null!(view);
        write_out(view, EVENTS.get(ev)?.views().events[0]);
        Ok(())
    })
}

/// Frees an event. NULL is a no-op.
#[no_mangle]
pub extern "C" fn kb_event_free(ev: *mut kb_event) -> kb_err {
    guard(|| EVENTS.remove(ev).map(drop))
}

/// Number of events in a batch (0, with the last error set, for an invalid handle).
#[no_mangle]
pub extern "C" fn kb_event_batch_count(batch: *const kb_event_batch) -> usize {
    guard_count(|| EVENT_BATCHES.get(batch).map(|b| b.events.views().events.len()))
}

/// Points `*views` at the batch's array of `kb_event_batch_count()` views, valid until
/// `kb_event_batch_free()`. Errors: KB_ERR_NULL_ARGUMENT, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_event_batch_views(batch: *const kb_event_batch, views: *mut *const kb_event_view) -> kb_err {
    guard(|| {
        check_not_null!(views);
        write_out(views, EVENT_BATCHES.get(batch)?.events.views().events.as_ptr());
        Ok(())
    })
}

/// Points `*data` at the batch's events packed into one byte buffer and stores its length in
/// `*len` (built on the first call, valid until `kb_event_batch_free()`), for hosts that pay for
/// every field read across their FFI. It starts with a table of `kb_event_batch_count()` rows of
/// ten little-endian `int64_t`: kind (a `kb_event_type`), err, message_id, partition, offset,
/// timestamp_ms, fatal (errors) or log_level (logs), topic_len (the topic, or a log line's
/// facility), text_len, partition_count; a length of -1 means absent. The variable-length data
/// follows, event after event: the topic (or facility) bytes, the text bytes, then per partition
/// five `int64_t` (partition, offset, err, topic_len, metadata_len), the topic and the metadata.
/// Errors: KB_ERR_NULL_ARGUMENT, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_event_batch_packed(batch: *const kb_event_batch, data: *mut *const u8, len: *mut usize) -> kb_err {
    guard(|| {
        check_not_null!(data, len);
        let batch = EVENT_BATCHES.get(batch)?;
        let packed = batch.packed.get_or_init(|| packed_events::pack(batch.events.data()));
        write_out(data, packed.as_ptr());
        write_out(len, packed.len());
        Ok(())
    })
}

/// Frees a batch and all its events. NULL is a no-op.
#[no_mangle]
pub extern "C" fn kb_event_batch_free(batch: *mut kb_event_batch) -> kb_err {
    guard(|| EVENT_BATCHES.remove(batch).map(drop))
}
