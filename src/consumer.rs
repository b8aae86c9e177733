//! `kb_consumer`: a group consumer or a manually assigned one. Messages come from
//! `kb_consumer_poll()` on the caller's thread; rebalances and commit results are applied there
//! and recorded as events, never delivered by calling into the host.

use std::os::raw::c_char;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use rdkafka::client::ClientContext;
use rdkafka::config::{FromClientConfigAndContext, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::types::RDKafkaRespErr;

use crate::boundary::registry::Registry;
use crate::boundary::{check_not_null, guard, slice_arg, str_arg, timeout_arg, topic_arg, write_out};
use crate::config::{kb_config, settings_arg, Settings};
use crate::core::error::{kb_err, KbError, KbResult};
use crate::event::{kb_event, kb_event_batch, kb_event_type, Event, EventQueue, TopicName};
use crate::message::{kb_message, kb_message_batch, return_batch, return_message, Msg, MESSAGES};
use crate::partitions::{kb_partition_list, kb_topic_partition, return_list, tpl_from_array, PartitionSet};

/// A Kafka consumer handle.
pub struct kb_consumer(());

/// Records the consumer's callbacks as events.
pub struct ConsumerEvents {
    queue: Arc<EventQueue>,
}

impl ClientContext for ConsumerEvents {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        self.queue.push(Event::log(level as i32, fac, message));
    }
    fn stats_raw(&self, json: &[u8]) {
        self.queue.push(Event::stats(json));
    }
    fn error(&self, error: KafkaError, reason: &str) {
        let code = crate::core::error::kafka_code(&error);
        self.queue.push(Event::error(code, code == RDKafkaRespErr::RD_KAFKA_RESP_ERR__FATAL as i32, reason));
    }
}

impl ConsumerContext for ConsumerEvents {
    fn post_rebalance(&self, _c: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let (err, parts) = match rebalance {
            Rebalance::Assign(tpl) => (RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS as i32, PartitionSet::from_tpl(tpl)),
            Rebalance::Revoke(tpl) => (RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS as i32, PartitionSet::from_tpl(tpl)),
            Rebalance::Error(e) => {
                self.queue.push(Event::error(crate::core::error::kafka_code(e), false, &e.to_string()));
                return;
            }
        };
        self.queue.push_always(Event { err, partitions: parts, ..Event::new(kb_event_type::KB_EVENT_REBALANCE) });
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        let (err, text) = match result {
            Ok(()) => (0, None),
            Err(e) => (crate::core::error::kafka_code(&e), Some(crate::event::cstr(&e.to_string()))),
        };
        self.queue.push_always(Event { err, text, partitions: PartitionSet::from_tpl(offsets), ..Event::new(kb_event_type::KB_EVENT_COMMIT) });
    }
}

pub struct ConsumerHandle {
    /// Taken out by `close()`. Calls clone the `Arc` and release the lock before they run, so a
    /// slow call (a commit waiting for the broker) never holds up close or the other calls.
    consumer: Mutex<Option<Arc<BaseConsumer<ConsumerEvents>>>>,
    queue: Arc<EventQueue>,
    settings: Settings,
    /// Created without `group.id`: manual assignment only.
    assign_only: bool,
    closed: AtomicBool,
}

const ASSIGN_ONLY_GROUP: &str = "kafkabridge.assign-only";

impl ConsumerHandle {
    /// Runs `f` on the live consumer, or fails if it was closed.
    fn with<T>(&self, f: impl FnOnce(&BaseConsumer<ConsumerEvents>) -> KbResult<T>) -> KbResult<T> {
        f(self.live()?.as_ref())
    }

    /// The librdkafka consumer, unless closed.
    pub fn live(&self) -> KbResult<Arc<BaseConsumer<ConsumerEvents>>> {
        self.consumer.lock().clone().ok_or_else(|| KbError::state("the consumer is closed"))
    }

    pub(crate) fn needs_group(&self, what: &str) -> KbResult<()> {
        if self.assign_only {
            return Err(KbError::state(format!("{what} needs a consumer group: set group.id in the configuration")));
        }
        Ok(())
    }

    /// Leaves the group within `bridge.close.timeout.ms`, even with the brokers gone.
    fn close(&self) -> KbResult<()> {
        if self.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let Some(c) = self.consumer.lock().take() else { return Ok(()) };
        let deadline = Instant::now() + Duration::from_millis(self.settings.bridge.close_timeout_ms);
        {
            c.close_queue().map_err(|e| KbError::kafka("closing the consumer", e))?;
            while !c.closed() {
                if Instant::now() >= deadline {
                    // librdkafka could not finish leaving the group in time; destroying it now
                    // would block, so the client is abandoned (its memory is not reclaimed).
                    crate::sys::process::abandon(c);
                    return Err(KbError::rd(
                        RDKafkaRespErr::RD_KAFKA_RESP_ERR__TIMED_OUT,
                        format!("the consumer did not leave its group within bridge.close.timeout.ms = {}", self.settings.bridge.close_timeout_ms),
                    ));
                }
                let _ = c.poll(Duration::from_millis(50));
            }
        }
        drop(c);
        Ok(())
    }
}

impl Drop for ConsumerHandle {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

pub(crate) static CONSUMERS: Registry<ConsumerHandle> = Registry::new(0x03, "kb_consumer");

fn kafka(what: &str) -> impl FnOnce(KafkaError) -> KbError + '_ {
    move |e| KbError::kafka(what, e)
}

/// rdkafka turns assignment and pause errors into strings; these call librdkafka directly so the
/// caller gets librdkafka's number.
mod raw {
    use super::*;
    use rdkafka::bindings as rd;

    fn resp(err: rd::rd_kafka_resp_err_t, what: &str) -> KbResult<()> {
        if err as i32 == 0 {
            return Ok(());
        }
        Err(KbError::rd(err, format!("{what}: {}", rdkafka::error::RDKafkaErrorCode::from(err))))
    }

    pub fn assign(k: &BaseConsumer<ConsumerEvents>, tpl: Option<&TopicPartitionList>) -> KbResult<()> {
        resp(unsafe { rd::rd_kafka_assign(k.client().native_ptr(), tpl.map_or(std::ptr::null(), |t| t.ptr())) }, "assign")
    }

    pub fn incremental(k: &BaseConsumer<ConsumerEvents>, tpl: &TopicPartitionList, add: bool) -> KbResult<()> {
        let rk = k.client().native_ptr();
        unsafe {
            if add {
                crate::core::error::check_rd_error(rd::rd_kafka_incremental_assign(rk, tpl.ptr()), "incremental assign")
            } else {
                crate::core::error::check_rd_error(rd::rd_kafka_incremental_unassign(rk, tpl.ptr()), "incremental unassign")
            }
        }
    }

    /// Pause or resume; a per-partition failure is reported with its own number.
    pub fn pause(k: &BaseConsumer<ConsumerEvents>, tpl: &TopicPartitionList, pause: bool) -> KbResult<()> {
        let rk = k.client().native_ptr();
        let what = if pause { "pause" } else { "resume" };
        resp(
            unsafe {
                if pause {
                    rd::rd_kafka_pause_partitions(rk, tpl.ptr())
                } else {
                    rd::rd_kafka_resume_partitions(rk, tpl.ptr())
                }
            },
            what,
        )?;
        match tpl.elements().iter().find_map(|e| e.error().err()) {
            Some(e) => Err(KbError::kafka(what, e)),
            None => Ok(()),
        }
    }
}

/// Creates a consumer from `conf` into `*out`; free it with `kb_consumer_free()`. With
/// `group.id` it can subscribe and commit; without it, only manual assignment
/// (`kb_consumer_assign()`) is possible, and subscribe/commit give KB_ERR_INVALID_STATE.
/// Errors: RD_KAFKA_RESP_ERR__INVALID_ARG for settings librdkafka refuses, KB_ERR_NULL_ARGUMENT,
/// KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_new(conf: *const kb_config, out: *mut *mut kb_consumer) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let mut settings = settings_arg(conf)?;
        let assign_only = !settings.kafka.contains_key("group.id");
        if assign_only {
            // librdkafka's consumer needs a group even for manual assignment; this one is never
            // joined or committed to.
            settings.kafka.insert("group.id".into(), ASSIGN_ONLY_GROUP.into());
            settings.kafka.insert("enable.auto.commit".into(), "false".into());
        }
        let queue = Arc::new(EventQueue::new(settings.bridge.event_queue_size));
        let consumer = BaseConsumer::from_config_and_context(&settings.client_config(), ConsumerEvents { queue: queue.clone() })
            .map_err(kafka("creating the consumer"))?;
        let h = ConsumerHandle { consumer: Mutex::new(Some(Arc::new(consumer))), queue, settings, assign_only, closed: AtomicBool::new(false) };
        write_out(out, CONSUMERS.insert(Arc::new(h)));
        Ok(())
    })
}

unsafe fn with_consumer<T>(c: *const kb_consumer, f: impl FnOnce(&BaseConsumer<ConsumerEvents>) -> KbResult<T>) -> KbResult<T> {
    CONSUMERS.get(c)?.with(f)
}

/// Subscribes to `count` topics (replacing any subscription); partitions are assigned by the
/// group while `kb_consumer_poll()` runs. Names starting with `^` are regular expressions.
/// Errors: RD_KAFKA_RESP_ERR__INVALID_ARG, KB_ERR_INVALID_STATE if closed, KB_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_subscribe(c: *mut kb_consumer, topics: *const *const c_char, count: usize) -> kb_err {
    guard(|| {
        let names = slice_arg(topics, count, "topics")?
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let name = str_arg(*t, &format!("topics[{i}]"))?;
                crate::core::topic::check_subscription(name).map_err(|e| KbError::new(e.code, format!("topics[{i}]: {}", e.message)))?;
                Ok(name)
            })
            .collect::<KbResult<Vec<&str>>>()?;
        if names.is_empty() {
            return Err(KbError::invalid_arg("subscribe needs at least one topic; use kb_consumer_unsubscribe() to stop"));
        }
        let h = CONSUMERS.get(c)?;
        h.needs_group("subscribe")?;
        h.with(|k| k.subscribe(&names).map_err(kafka("subscribe")))
    })
}

/// Leaves the subscription (and the group's assignment).
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_unsubscribe(c: *mut kb_consumer) -> kb_err {
    guard(|| {
        with_consumer(c, |k| {
            k.unsubscribe();
            Ok(())
        })
    })
}

/// Stores the subscribed topics (partition -1) as a list in `*out` (free with `kb_partition_list_free()`).
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_subscription(c: *mut kb_consumer, out: *mut *mut kb_partition_list) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let tpl = with_consumer(c, |k| k.subscription().map_err(kafka("subscription")))?;
        return_list(PartitionSet::from_tpl(&tpl), out);
        Ok(())
    })
}

/// Replaces the assignment with `count` partitions, each starting at its `offset`
/// (KB_OFFSET_STORED to resume from the committed offset). NULL/0 unassigns everything.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_assign(c: *mut kb_consumer, parts: *const kb_topic_partition, count: usize) -> kb_err {
    guard(|| {
        let tpl = tpl_from_array(parts, count, true)?;
        with_consumer(c, |k| raw::assign(k, if count == 0 { None } else { Some(&tpl) }))
    })
}

/// Adds partitions to the assignment (cooperative rebalancing, or manual use).
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_incremental_assign(c: *mut kb_consumer, parts: *const kb_topic_partition, count: usize) -> kb_err {
    guard(|| {
        let tpl = tpl_from_array(parts, count, true)?;
        with_consumer(c, |k| raw::incremental(k, &tpl, true))
    })
}

/// Removes partitions from the assignment.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_incremental_unassign(c: *mut kb_consumer, parts: *const kb_topic_partition, count: usize) -> kb_err {
    guard(|| {
        let tpl = tpl_from_array(parts, count, false)?;
        with_consumer(c, |k| raw::incremental(k, &tpl, false))
    })
}

/// Stores the current assignment in `*out`.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_assignment(c: *mut kb_consumer, out: *mut *mut kb_partition_list) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let tpl = with_consumer(c, |k| k.assignment().map_err(kafka("assignment")))?;
        return_list(PartitionSet::from_tpl(&tpl), out);
        Ok(())
    })
}

fn poll_one(k: &BaseConsumer<ConsumerEvents>, timeout: Duration, topics: &mut TopicName) -> Option<Msg> {
    k.poll(timeout).map(|r| match r {
        Ok(m) => Msg::from_borrowed(&m, topics),
        Err(e) => {
            let mut msg = Msg::from_error(&e);
            if let KafkaError::PartitionEOF(p) = e {
                name_eof(k, p, &mut msg);
            }
            msg
        }
    })
}

/// The rdkafka crate keeps only the partition number of an end-of-partition event; the topic is
/// recovered from the assignment when exactly one assigned topic has that partition, and the
/// offset is then the position (the end).
fn name_eof(k: &BaseConsumer<ConsumerEvents>, partition: i32, msg: &mut Msg) {
    let Ok(assignment) = k.assignment() else { return };
    let mut topics = assignment.elements().into_iter().filter(|e| e.partition() == partition).map(|e| e.topic().to_string());
    let (Some(topic), None) = (topics.next(), topics.next()) else { return };
    if let Ok(pos) = k.position() {
        if let Some(offset) = pos.find_partition(&topic, partition).and_then(|e| e.offset().to_raw()) {
            msg.offset = offset;
        }
    }
    msg.topic = Arc::from(crate::event::cstr(&topic));
}

/// Waits up to `timeout_ms` for one message and stores it in `*out` (NULL if none came); free it
/// with `kb_message_free()`. Consumer errors (for example RD_KAFKA_RESP_ERR__PARTITION_EOF with
/// `enable.partition.eof`) arrive as messages whose `err` is set. Group rebalances and commit
/// results are applied during this call and recorded as events for `kb_consumer_poll_events()`.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_poll(c: *mut kb_consumer, timeout_ms: i32, out: *mut *mut kb_message) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let m = with_consumer(c, |k| Ok(poll_one(k, timeout, &mut TopicName::default())))?;
        return_message(m, out);
        Ok(())
    })
}

/// Waits up to `timeout_ms` in total for up to `max` messages and stores them as one batch in
/// `*out` (possibly empty; free with `kb_message_batch_free()`). Returns early once `max` arrived.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_poll_batch(c: *mut kb_consumer, timeout_ms: i32, max: usize, out: *mut *mut kb_message_batch) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let msgs = with_consumer(c, |k| {
            let deadline = Instant::now() + timeout;
            let mut topics = TopicName::default();
            let mut msgs = Vec::new();
            while msgs.len() < max {
                // Take what is already fetched without waiting (and without reading the clock:
                // that was a fifth of the cost per message); wait only when nothing is there.
                // The deadline is still checked every 256 messages of a steady stream.
                if msgs.len() % 256 != 255 {
                    if let Some(m) = poll_one(k, Duration::ZERO, &mut topics) {
                        msgs.push(m);
                        continue;
                    }
                }
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() && !msgs.is_empty() {
                    break;
                }
                match poll_one(k, left, &mut topics) {
                    Some(m) => msgs.push(m),
                    None if left.is_zero() => break,
                    None => {}
                }
            }
            Ok(msgs)
        })?;
        return_batch(msgs, out);
        Ok(())
    })
}

/// Waits up to `timeout_ms` for the next consumer event (rebalance, commit result, error, log,
/// statistics) and stores it in `*out`, or NULL. Rebalance and commit events are produced while
/// `kb_consumer_poll()` runs.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_poll_event(c: *mut kb_consumer, timeout_ms: i32, out: *mut *mut kb_event) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let h = CONSUMERS.get(c)?;
        crate::event::return_event(h.queue.pop(timeout), out);
        Ok(())
    })
}

/// Like `kb_consumer_poll_event()` for up to `max` events in one batch.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_poll_events(c: *mut kb_consumer, timeout_ms: i32, max: usize, out: *mut *mut kb_event_batch) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let h = CONSUMERS.get(c)?;
        crate::event::return_batch(h.queue.pop_batch(timeout, max), out);
        Ok(())
    })
}

/// Commits `tpl` (None: the current positions). A synchronous commit waits up to `timeout` for
/// the broker's answer on a queue of its own (librdkafka's synchronous commit has no bound: with
/// the broker gone it waited 45 s); an asynchronous one posts its result to the main queue (which
/// librdkafka forwards to the consumer queue), so it comes back through `kb_consumer_poll()` as a
/// KB_EVENT_COMMIT event. rdkafka's own async commit never yields that event.
fn commit(k: &BaseConsumer<ConsumerEvents>, tpl: Option<&TopicPartitionList>, async_: i32, timeout: Duration) -> KbResult<()> {
    use rdkafka::bindings as rd;
    let rk = k.client().native_ptr();
    let offsets = tpl.map_or(std::ptr::null(), |t| t.ptr());
    let failed = |err: rd::rd_kafka_resp_err_t| KbError::rd(err, format!("commit: {}", rdkafka::error::RDKafkaErrorCode::from(err)));
    // SAFETY: `rk` is the live client `k` owns; `offsets` is NULL or a list that outlives the
    // call (librdkafka copies it); each queue and event is destroyed exactly once below.
    unsafe {
        let queue = if async_ == 0 { rd::rd_kafka_queue_new(rk) } else { rd::rd_kafka_queue_get_main(rk) };
        let err = rd::rd_kafka_commit_queue(rk, offsets, queue, None, std::ptr::null_mut());
        if err as i32 != 0 || async_ != 0 {
            rd::rd_kafka_queue_destroy(queue);
            return if err as i32 == 0 { Ok(()) } else { Err(failed(err)) };
        }
        // The answer, or none in time: destroying the queue then is safe, since librdkafka keeps
        // it alive until the late reply has been discarded.
        let event = rd::rd_kafka_queue_poll(queue, timeout.as_millis().min(i32::MAX as u128) as i32);
        rd::rd_kafka_queue_destroy(queue);
        if event.is_null() {
            return Err(KbError::rd(
                RDKafkaRespErr::RD_KAFKA_RESP_ERR__TIMED_OUT,
                format!(
                    "commit: no answer from the group coordinator within bridge.commit.timeout.ms = {} (the commit may still be applied later)",
                    timeout.as_millis()
                ),
            ));
        }
        let err = rd::rd_kafka_event_error(event);
        rd::rd_kafka_event_destroy(event);
        if err as i32 != 0 {
            return Err(failed(err));
        }
    }
    Ok(())
}

/// Commits offsets: the given `count` partitions with their `offset` (the next offset to read),
/// or, with `parts` NULL and `count` 0, the offsets stored for every assigned partition (with the
/// default `enable.auto.offset.store=true`, the position after the last message returned); an
/// async commit takes them when librdkafka processes it, so messages polled meanwhile count.
/// `async_` non-zero returns at once; the result then arrives as a KB_EVENT_COMMIT event.
/// Errors: RD_KAFKA_RESP_ERR__NO_OFFSET (-168) when there is nothing to commit, broker errors.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_commit(c: *mut kb_consumer, parts: *const kb_topic_partition, count: usize, async_: i32) -> kb_err {
    guard(|| {
        let h = CONSUMERS.get(c)?;
        h.needs_group("commit")?;
        let timeout = Duration::from_millis(h.settings.bridge.commit_timeout_ms);
        let tpl = if parts.is_null() && count == 0 { None } else { Some(tpl_from_array(parts, count, true)?) };
        h.with(|k| commit(k, tpl.as_ref(), async_, timeout))
    })
}

/// Commits the offset after `msg` (its offset + 1) for its partition.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_commit_message(c: *mut kb_consumer, msg: *const kb_message, async_: i32) -> kb_err {
    guard(|| {
        let h = CONSUMERS.get(c)?;
        h.needs_group("commit")?;
        let m = MESSAGES.get(msg)?;
        let m = &m.msgs[0];
        if m.err != 0 {
            return Err(KbError::invalid_arg("cannot commit an error message"));
        }
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(m.topic.to_str().unwrap_or_default(), m.partition, Offset::Offset(m.offset + 1)).map_err(kafka("commit message"))?;
        h.with(|k| commit(k, Some(&tpl), async_, Duration::from_millis(h.settings.bridge.commit_timeout_ms)))
    })
}

/// Stores `offset` (the next offset to read) for a later commit, auto or manual. Needs
/// `enable.auto.offset.store=false`. Errors: RD_KAFKA_RESP_ERR__STATE if the partition is not
/// assigned (RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION if the consumer never knew it),
/// RD_KAFKA_RESP_ERR__INVALID_ARG.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_store_offset(c: *mut kb_consumer, topic: *const c_char, partition: i32, offset: i64) -> kb_err {
    guard(|| {
        let topic = topic_arg(topic, "topic")?;
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(topic, partition, Offset::from_raw(offset)).map_err(kafka("store offset"))?;
        with_consumer(c, |k| k.store_offsets(&tpl).map_err(kafka("store offset")))
    })
}

/// Fetches the committed offsets of `count` partitions (NULL/0: the assignment) from the group
/// coordinator within `timeout_ms` into `*out`. A partition without a commit has offset
/// KB_OFFSET_INVALID.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_committed(
    c: *mut kb_consumer,
    parts: *const kb_topic_partition,
    count: usize,
    timeout_ms: i32,
    out: *mut *mut kb_partition_list,
) -> kb_err {
    guard(|| {
        check_not_null!(out);
        CONSUMERS.get(c)?.needs_group("committed offsets")?;
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let tpl = with_consumer(c, |k| {
            let res = if count == 0 { k.committed(timeout) } else { k.committed_offsets(tpl_from_array(parts, count, false)?, timeout) };
            res.map_err(kafka("committed"))
        })?;
        return_list(PartitionSet::from_tpl(&tpl), out);
        Ok(())
    })
}

/// Stores the current position (offset of the next message to be returned) of every assigned
/// partition in `*out`.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_position(c: *mut kb_consumer, out: *mut *mut kb_partition_list) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let tpl = with_consumer(c, |k| k.position().map_err(kafka("position")))?;
        return_list(PartitionSet::from_tpl(&tpl), out);
        Ok(())
    })
}

/// Moves an assigned partition's position to `offset` (or a KB_OFFSET_* value) within
/// `timeout_ms`. Errors: RD_KAFKA_RESP_ERR__STATE (-172) if the partition is not assigned, or
/// RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION (-190) if the consumer never knew that partition.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_seek(c: *mut kb_consumer, topic: *const c_char, partition: i32, offset: i64, timeout_ms: i32) -> kb_err {
    guard(|| {
        let topic = topic_arg(topic, "topic")?;
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(topic, partition, Offset::from_raw(offset)).map_err(kafka("seek"))?;
        // rd_kafka_seek_partitions() directly: rdkafka's wrappers drop the error code.
        with_consumer(c, |k| unsafe {
            let err = rdkafka::bindings::rd_kafka_seek_partitions(k.client().native_ptr(), tpl.ptr(), timeout.as_millis() as i32);
            crate::core::error::check_rd_error(err, &format!("seek {topic}[{partition}]"))?;
            match tpl.elements().first().map(|e| e.error()) {
                Some(Err(e)) => Err(KbError::kafka(&format!("seek {topic}[{partition}]"), e)),
                _ => Ok(()),
            }
        })
    })
}

/// Pauses fetching for `count` partitions; `kb_consumer_poll()` returns none of their messages
/// until resumed.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_pause(c: *mut kb_consumer, parts: *const kb_topic_partition, count: usize) -> kb_err {
    guard(|| {
        let tpl = tpl_from_array(parts, count, false)?;
        with_consumer(c, |k| raw::pause(k, &tpl, true))
    })
}

/// Resumes fetching for `count` paused partitions.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_resume(c: *mut kb_consumer, parts: *const kb_topic_partition, count: usize) -> kb_err {
    guard(|| {
        let tpl = tpl_from_array(parts, count, false)?;
        with_consumer(c, |k| raw::pause(k, &tpl, false))
    })
}

/// Leaves the group (revoking the assignment, committing if `enable.auto.commit`) and destroys
/// the client, within `bridge.close.timeout.ms` even when the brokers are unreachable. Later
/// calls on the handle give KB_ERR_INVALID_STATE; it must still be freed. Errors:
/// RD_KAFKA_RESP_ERR__TIMED_OUT if leaving did not finish in time (the client is abandoned).
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_close(c: *mut kb_consumer) -> kb_err {
    guard(|| CONSUMERS.get(c)?.close())
}

/// Closes the consumer if needed (as `kb_consumer_close()`) and frees the handle. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn kb_consumer_free(c: *mut kb_consumer) -> kb_err {
    guard(|| match CONSUMERS.remove(c)? {
        Some(h) => h.close(),
        None => Ok(()),
    })
}
