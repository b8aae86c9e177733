//! `kb_producer`: a producer handle, a session (`core::producer`) on a private or persistent
//! client.

use std::os::raw::c_char;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::api::config::{kb_config, settings_arg};
use crate::api::consumer::{kb_consumer, CONSUMERS};
use crate::api::event::{kb_event, kb_event_batch, return_event, return_events};
use crate::api::message::kb_header;
use crate::api::partition_list::{kb_topic_partition, list_arg};
use crate::boundary::{bytes_arg, check_not_null, guard, slice_arg, str_arg, str_pairs_arg, timeout_arg, write_out, write_out_at, Registry};
use crate::core::error::{kb_err, KbResult};
use crate::core::producer::ProducerSession;
use crate::core::producer_clients::{HeaderRef, Record};
use crate::core::spool::SpoolStats;

/// A producer handle. With `bridge.persistent.name` set it is a session on a process-wide client
/// that outlives the handle; otherwise it owns a private client.
pub struct kb_producer(());

/// One message of a batch produce. `key`/`value` NULL means absent (a NULL value is a tombstone);
/// a non-NULL pointer with length 0 is an empty key/value.
#[repr(C)]
pub struct kb_record {
    pub topic: *const c_char,
    /// A partition, or KB_PARTITION_UA (-1) to let the partitioner choose.
    pub partition: i32,
    pub key: *const u8,
    pub key_len: usize,
    pub value: *const u8,
    pub value_len: usize,
    pub headers: *const kb_header,
    pub header_count: usize,
    /// Milliseconds since the epoch; 0 means "now".
    pub timestamp_ms: i64,
}

/// The outcome of a synchronous produce.
#[repr(C)]
pub struct kb_delivery {
    pub message_id: u64,
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: i64,
}

/// What `kb_producer_info()` reports: proof of reuse across requests.
#[repr(C)]
pub struct kb_producer_info {
    /// 1 if the client is a persistent (named) one.
    pub persistent: i32,
    /// 1 if this handle attached to a client that already existed (a reused connection).
    pub reused: i32,
    /// Process-unique id of the underlying client.
    pub client_id: u64,
    /// Process id that created the client (a fresh one after fork()).
    pub creator_pid: u32,
    /// Milliseconds since the client was created.
    pub age_ms: u64,
    /// Handles ever attached to the client, this one included.
    pub sessions_served: u64,
    /// Messages librdkafka still holds for the client (all sessions).
    pub in_flight: i64,
    /// Events waiting in this handle's queue.
    pub queued_events: u64,
    /// Logs/statistics/errors dropped because this handle's queue was full.
    pub events_dropped: u64,
    /// Reports that arrived after their session ended: delivered, and failed (each failure is
    /// also written to stderr, except messages the application purged with kb_producer_purge()).
    pub orphans_delivered: u64,
    pub orphans_failed: u64,
    /// The spool (`bridge.spool.dir`; all 0 without one), counted by this process since the
    /// client was made: messages written to it (each reported KB_ERR_SPOOLED), messages it could
    /// not take (full, or a failed write; reported failed), messages re-sent from it and delivered,
    /// and re-sent messages Kafka refused for good (dropped from the spool and logged).
    pub spooled: u64,
    pub spool_refused: u64,
    pub spool_replayed: u64,
    pub spool_dropped: u64,
}

pub(crate) static PRODUCERS: Registry<kb_producer, ProducerSession> = Registry::new(0x02, "kb_producer");

fn headers_arg<'a>(headers: *const kb_header, count: usize) -> KbResult<Vec<HeaderRef<'a>>> {
    slice_arg(headers, count, "headers")?
        .iter()
        .enumerate()
        .map(|(i, h)| Ok((str_arg(h.name, &format!("headers[{i}].name"))?, bytes_arg(h.value, h.value_len, "header value")?)))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn record_arg<'a>(
    topic: *const c_char,
    partition: i32,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
    headers: *const kb_header,
    header_count: usize,
    timestamp_ms: i64,
) -> KbResult<Record<'a>> {
    Ok(Record {
        topic: str_arg(topic, "topic")?,
        partition,
        key: bytes_arg(key, key_len, "key")?,
        value: bytes_arg(value, value_len, "value")?,
        headers: headers_arg(headers, header_count)?,
        timestamp_ms,
    })
}

/// Opens a producer from `conf` (NULL means all defaults) into `*out`; free it with
/// `kb_producer_free()`. Without `bridge.persistent.name` the handle owns a new private client.
/// With it, the handle is a session on the process-wide client of that name, created on first
/// use and reused by every later open with the same configuration (connections stay up between
/// PHP requests). librdkafka's threads connect in the background; this call does not block.
///
/// Errors: KB_ERR_CONFIG_CONFLICT (a persistent client of that name has different settings; the
/// message names the differing keys), RD_KAFKA_RESP_ERR__INVALID_ARG for settings librdkafka
/// refuses at creation, KB_ERR_NULL_ARGUMENT, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_producer_new(conf: *const kb_config, out: *mut *mut kb_producer) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let session = ProducerSession::open(settings_arg(conf)?)?;
        write_out(out, PRODUCERS.insert(Arc::new(session)));
        Ok(())
    })
}

/// Frees a producer handle. A private client is flushed for up to `bridge.close.timeout.ms` and
/// destroyed; messages still undelivered then are purged and each failure is written to stderr,
/// and the call returns RD_KAFKA_RESP_ERR__TIMED_OUT (-185). A persistent client stays connected
/// for the next session; reports for this session's messages still in flight are counted in
/// `kb_producer_info()` (failures also go to stderr). Undrained events are discarded the same
/// way. NULL is a no-op; a freed handle gives KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_producer_free(p: *mut kb_producer) -> kb_err {
    guard(|| match PRODUCERS.remove(p)? {
        Some(s) => s.end(),
        None => Ok(()),
    })
}

/// Enqueues one message without waiting and stores its id in `*message_id_out` (may be NULL;
/// ids stay below 2^63, increase within one handle and differ between handles; they repeat only
/// after 2^40 messages or 2^23 handles).
/// The delivery report (a KB_EVENT_DELIVERY event with the same id) arrives via
/// `kb_producer_poll()`. `partition` is a partition or KB_PARTITION_UA (-1). `key`/`value` NULL
/// means absent; binary data with NUL bytes is kept as is. `headers` may be NULL if
/// `header_count` is 0. `timestamp_ms` 0 means now. The topic, key, value and headers are
/// copied before the call returns: the caller may free or reuse them at once. Thread-safe.
///
/// Errors: RD_KAFKA_RESP_ERR__QUEUE_FULL (-184, retriable: poll or flush, then retry),
/// RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE (10), RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION (-190),
/// RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION (17) for an illegal topic name, KB_ERR_EVENT_QUEUE_FULL
/// (poll events first), KB_ERR_INVALID_ARGUMENT, KB_ERR_BAD_UTF8, KB_ERR_NULL_ARGUMENT,
/// KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_producer_produce(
    p: *mut kb_producer,
    topic: *const c_char,
    partition: i32,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
    headers: *const kb_header,
    header_count: usize,
    timestamp_ms: i64,
    message_id_out: *mut u64,
) -> kb_err {
    guard(|| {
        let s = PRODUCERS.get(p)?;
        let rec = record_arg(topic, partition, key, key_len, value, value_len, headers, header_count, timestamp_ms)?;
        write_out(message_id_out, s.produce(&rec)?);
        Ok(())
    })
}

/// Enqueues `count` messages in order with one call, stopping at the first that fails.
/// `*accepted_out` is the number enqueued (always written); `ids_out` (may be NULL) receives
/// their ids. Returns 0 if all were accepted, else the error of record `*accepted_out`
/// (retry from there after polling). Everything the records point to is copied before the call
/// returns. Errors as for `kb_producer_produce()`.
#[no_mangle]
pub extern "C" fn kb_producer_produce_batch(
    p: *mut kb_producer,
    records: *const kb_record,
    count: usize,
    ids_out: *mut u64,
    accepted_out: *mut usize,
) -> kb_err {
    guard(|| {
        check_not_null!(accepted_out);
        write_out(accepted_out, 0);
        let s = PRODUCERS.get(p)?;
        let records = slice_arg(records, count, "records")?
            .iter()
            .map(|r| record_arg(r.topic, r.partition, r.key, r.key_len, r.value, r.value_len, r.headers, r.header_count, r.timestamp_ms));
        s.produce_in_order(records, accepted(ids_out, accepted_out))
    })
}

/// Writes each accepted record's id to `ids_out[i]` (when not NULL) and the count so far to
/// `*accepted_out`.
fn accepted(ids_out: *mut u64, accepted_out: *mut usize) -> impl FnMut(usize, u64) {
    move |i, id| {
        write_out_at(ids_out, i, id);
        write_out(accepted_out, i + 1);
    }
}

/// Enqueues the records of a packed buffer, all to `topic`/`partition`, in order with one call,
/// stopping at the first that fails. Made for hosts whose FFI pays for every struct field written
/// (PHP): they build one byte string instead of a `kb_record` array. `packed` (`packed_len`
/// bytes; NULL only with 0) holds the records back to back, each `u32 key_len, key bytes,
/// u32 value_len, value bytes`, lengths little-endian, KB_PACKED_ABSENT for a NULL key/value (a
/// NULL value is a tombstone); it is only read during the call. `partition` is a partition or
/// KB_PARTITION_UA (-1). `ids_out` (may be NULL, then `ids_cap` is ignored) has room for
/// `ids_cap` ids and receives those of the records enqueued; `*accepted_out` is their number
/// (always written). Returns 0 if all were accepted, else the error of record `*accepted_out`
/// (resend from there after polling). Thread-safe.
///
/// Errors: KB_ERR_INVALID_ARGUMENT, with nothing enqueued, for a malformed buffer (a record cut
/// short, trailing bytes, more records than `ids_cap`; the message names the byte offset); the
/// others of `kb_producer_produce()`, e.g. RD_KAFKA_RESP_ERR__QUEUE_FULL (-184) and
/// KB_ERR_EVENT_QUEUE_FULL (retriable: poll, then resend from record `*accepted_out`).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn kb_producer_produce_packed(
    p: *mut kb_producer,
    topic: *const c_char,
    partition: i32,
    packed: *const u8,
    packed_len: usize,
    ids_out: *mut u64,
    ids_cap: usize,
    accepted_out: *mut usize,
) -> kb_err {
    guard(|| {
        check_not_null!(accepted_out);
        write_out(accepted_out, 0);
        let s = PRODUCERS.get(p)?;
        let topic = str_arg(topic, "topic")?;
        let buf = slice_arg(packed, packed_len, "packed")?;
        s.produce_packed(topic, partition, buf, if ids_out.is_null() { usize::MAX } else { ids_cap }, accepted(ids_out, accepted_out))
    })
}

/// Produces one message and waits up to `timeout_ms` for its own delivery report (not for other
/// messages), without sitting out `linger.ms`. On success fills `*out` with the partition and
/// offset. Errors: the delivery error itself (for example RD_KAFKA_RESP_ERR__MSG_TIMED_OUT or
/// RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART), RD_KAFKA_RESP_ERR__TIMED_OUT (-185) if no report
/// came in time (the message stays queued and its report is delivered to `kb_producer_poll()`),
/// and those of `kb_producer_produce()`.
#[no_mangle]
pub extern "C" fn kb_producer_produce_sync(
    p: *mut kb_producer,
    topic: *const c_char,
    partition: i32,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
    headers: *const kb_header,
    header_count: usize,
    timestamp_ms: i64,
    timeout_ms: i32,
    out: *mut kb_delivery,
) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let s = PRODUCERS.get(p)?;
        let rec = record_arg(topic, partition, key, key_len, value, value_len, headers, header_count, timestamp_ms)?;
        let d = s.produce_sync(&rec, timeout)?;
        write_out(out, kb_delivery { message_id: d.message_id, partition: d.partition, offset: d.offset, timestamp_ms: d.timestamp_ms });
        Ok(())
    })
}

/// Waits up to `timeout_ms` (0: don't wait) for the next event of this handle: delivery reports
/// of its messages, client errors, logs, statistics. Stores it in `*out`, or NULL if none came;
/// free it with `kb_event_free()`. Errors: KB_ERR_INVALID_ARGUMENT for a negative timeout,
/// KB_ERR_NULL_ARGUMENT, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_producer_poll(p: *mut kb_producer, timeout_ms: i32, out: *mut *mut kb_event) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        return_event(PRODUCERS.get(p)?.events().pop(timeout), out);
        Ok(())
    })
}

/// Waits up to `timeout_ms` for a first event, then takes up to `max` events that are ready,
/// into a batch in `*out` (possibly empty; free it with `kb_event_batch_free()`). One call per
/// batch instead of one per event.
#[no_mangle]
pub extern "C" fn kb_producer_poll_batch(p: *mut kb_producer, timeout_ms: i32, max: usize, out: *mut *mut kb_event_batch) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        return_events(PRODUCERS.get(p)?.events().pop_batch(timeout, max), out);
        Ok(())
    })
}

/// Waits up to `timeout_ms` until every message of the client (all its sessions) is delivered
/// or failed; the reports are then waiting in `kb_producer_poll()`. Errors:
/// RD_KAFKA_RESP_ERR__TIMED_OUT with the number still in flight.
#[no_mangle]
pub extern "C" fn kb_producer_flush(p: *mut kb_producer, timeout_ms: i32) -> kb_err {
    guard(|| {
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        PRODUCERS.get(p)?.flush(timeout)
    })
}

/// Purge messages queued locally (KB_PURGE_QUEUE), in flight to brokers (KB_PURGE_INFLIGHT),
/// optionally without waiting (KB_PURGE_NON_BLOCKING). Each purged message gets a delivery report
/// with RD_KAFKA_RESP_ERR__PURGE_QUEUE or __PURGE_INFLIGHT. On a persistent client this purges
/// every session's messages.
#[no_mangle]
pub extern "C" fn kb_producer_purge(p: *mut kb_producer, flags: i32) -> kb_err {
    guard(|| PRODUCERS.get(p)?.purge(flags))
}

/// Stores in `*len_out` the messages librdkafka holds for the client plus the events waiting in
/// this handle's queue (php-rdkafka's getOutQLen()).
#[no_mangle]
pub extern "C" fn kb_producer_queue_len(p: *mut kb_producer, len_out: *mut i64) -> kb_err {
    guard(|| {
        check_not_null!(len_out);
        write_out(len_out, PRODUCERS.get(p)?.queue_len());
        Ok(())
    })
}

/// Hands the client the SASL/OAUTHBEARER token to authenticate with, for example in answer to a
/// KB_EVENT_OAUTHBEARER_TOKEN_REFRESH event (at any time, from any thread). `lifetime_ms` is when
/// the token expires, in milliseconds since the epoch; the client asks for the next one at 80% of
/// what is left of it. `principal` is the principal name; `extensions` holds `extension_count`
/// strings, SASL extension keys and values in turn (NULL with 0: none). librdkafka copies
/// everything; the caller keeps its strings. Errors: RD_KAFKA_RESP_ERR__INVALID_ARG (an expired
/// token, a bad extension; the message says which), RD_KAFKA_RESP_ERR__STATE (the client is not
/// configured with `sasl.mechanism=OAUTHBEARER`), KB_ERR_INVALID_ARGUMENT (an odd
/// `extension_count`), KB_ERR_NULL_ARGUMENT, KB_ERR_BAD_UTF8, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_producer_oauthbearer_set_token(
    h: *mut kb_producer,
    token: *const c_char,
    lifetime_ms: i64,
    principal: *const c_char,
    extensions: *const *const c_char,
    extension_count: usize,
) -> kb_err {
    guard(|| {
        let s = PRODUCERS.get(h)?;
        let token = str_arg(token, "token")?;
        let principal = str_arg(principal, "principal")?;
        let extensions = str_pairs_arg(extensions, extension_count, "extensions")?;
        s.oauthbearer_set_token(token, lifetime_ms, principal, &extensions)
    })
}

/// Tells the client no SASL/OAUTHBEARER token could be had, with why (`reason`, copied):
/// librdkafka reports it as an RD_KAFKA_RESP_ERR__AUTHENTICATION error event ("Failed to acquire
/// SASL OAUTHBEARER token: <reason>") and the client raises the next
/// KB_EVENT_OAUTHBEARER_TOKEN_REFRESH 10 seconds later. Errors: RD_KAFKA_RESP_ERR__STATE (not
/// configured for OAUTHBEARER), KB_ERR_NULL_ARGUMENT, KB_ERR_BAD_UTF8, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_producer_oauthbearer_set_token_failure(h: *mut kb_producer, reason: *const c_char) -> kb_err {
    guard(|| {
        let s = PRODUCERS.get(h)?;
        s.oauthbearer_set_token_failure(str_arg(reason, "reason")?)
    })
}

/// Fills `*out` with facts about the handle and its client (see `kb_producer_info`).
#[no_mangle]
pub extern "C" fn kb_producer_get_info(p: *mut kb_producer, out: *mut kb_producer_info) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let s = PRODUCERS.get(p)?;
        let c = s.client();
        let spool_count = |which: fn(&SpoolStats) -> &AtomicU64| c.router().spool.as_ref().map_or(0, |sp| which(&sp.stats).load(Ordering::Relaxed));
        write_out(
            out,
            kb_producer_info {
                persistent: c.name.is_some() as i32,
                reused: s.reused as i32,
                client_id: c.id,
                creator_pid: c.creator_pid,
                age_ms: c.created.elapsed().as_millis() as u64,
                sessions_served: c.sessions_served.load(Ordering::Relaxed),
                in_flight: c.in_flight() as i64,
                queued_events: s.events().len() as u64,
                events_dropped: s.events().dropped(),
                orphans_delivered: c.router().orphans_delivered.load(Ordering::Relaxed),
                orphans_failed: c.router().orphans_failed.load(Ordering::Relaxed),
                spooled: spool_count(|st| &st.spooled),
                spool_refused: spool_count(|st| &st.refused),
                spool_replayed: spool_count(|st| &st.replayed),
                spool_dropped: spool_count(|st| &st.dropped),
            },
        );
        Ok(())
    })
}

/// Initialises transactions (needs `transactional.id` in the configuration); call once per client
/// before `kb_producer_begin_transaction()`. Errors: librdkafka's, e.g. RD_KAFKA_RESP_ERR__NOT_CONFIGURED
/// without `transactional.id`, RD_KAFKA_RESP_ERR__TIMED_OUT (retriable).
#[no_mangle]
pub extern "C" fn kb_producer_init_transactions(p: *mut kb_producer, timeout_ms: i32) -> kb_err {
    guard(|| {
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        PRODUCERS.get(p)?.init_transactions(timeout)
    })
}

/// Begins a transaction. Errors: RD_KAFKA_RESP_ERR__STATE if not initialised or already in one.
#[no_mangle]
pub extern "C" fn kb_producer_begin_transaction(p: *mut kb_producer) -> kb_err {
    guard(|| PRODUCERS.get(p)?.begin_transaction())
}

/// Flushes and commits the current transaction within `timeout_ms`.
#[no_mangle]
pub extern "C" fn kb_producer_commit_transaction(p: *mut kb_producer, timeout_ms: i32) -> kb_err {
    guard(|| {
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        PRODUCERS.get(p)?.commit_transaction(timeout)
    })
}

/// Aborts the current transaction within `timeout_ms`; its messages are never visible to
/// `read_committed` consumers (their reports carry RD_KAFKA_RESP_ERR__PURGE_QUEUE if unsent).
#[no_mangle]
pub extern "C" fn kb_producer_abort_transaction(p: *mut kb_producer, timeout_ms: i32) -> kb_err {
    guard(|| {
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        PRODUCERS.get(p)?.abort_transaction(timeout)
    })
}

/// Adds `consumer`'s group offsets (`offsets`: the next offsets to read) to the current
/// transaction (consume-transform-produce).
#[no_mangle]
pub extern "C" fn kb_producer_send_offsets_to_transaction(
    p: *mut kb_producer,
    consumer: *mut kb_consumer,
    offsets: *const kb_topic_partition,
    count: usize,
    timeout_ms: i32,
) -> kb_err {
    guard(|| {
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let tpl = list_arg(offsets, count, true)?;
        let group = CONSUMERS.get(consumer)?.client()?.group_metadata()?;
        PRODUCERS.get(p)?.send_offsets_to_transaction(&tpl, &group, timeout)
    })
}
