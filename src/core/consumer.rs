//! A consumer: a group member or manually assigned. Messages are polled on the caller's thread;
//! rebalances and commit results are applied there and recorded as events, never delivered by
//! calling into the host.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use rdkafka::client::ClientContext;
use rdkafka::config::{FromClientConfigAndContext, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, ConsumerGroupMetadata, Rebalance};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::message::BorrowedMessage;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::types::RDKafkaRespErr;

use crate::core::config::Settings;
use crate::core::error::{kafka_code, KbError, KbResult};
use crate::core::events::{kb_event_type, Event, EventQueue};
use crate::core::message::Message;
use crate::core::oauth::{self, TokenRefresh};
use crate::core::packed_messages::PackedMessages;
use crate::core::partitions::{entries, PartitionEntry};
use crate::core::text::{cstr, TopicName};
use crate::sys::librdkafka::{self, millis, CommitAnswer};

/// Records the consumer's callbacks as events.
pub struct ConsumerEvents {
    queue: Arc<EventQueue>,
    /// The end offset each partition last reported EOF at (see `name_eof`).
    eofs: Mutex<HashMap<(String, i32), i64>>,
    /// The end offset of the partition EOF being polled, read off librdkafka's text for it just
    /// before the crate returns the EOF with its partition only (see `name_eof`).
    eof_offset: Mutex<Option<i64>>,
    /// Set by every rebalance; a batch poll ends at one (see `ConsumerClient::poll_into`).
    rebalanced: AtomicBool,
    /// The partitions revoked since a batch poll last looked.
    revoked: Mutex<Vec<(String, i32)>>,
    /// Set when the host supplies the OAUTHBEARER token (shared with `ConsumerClient`).
    oauth: Option<Arc<TokenRefresh>>,
    /// Every partition revoked since `ConsumerClient::take_revocations` last looked; kept only
    /// for a persistent consumer, whose buffer must forget them.
    revocations: Option<Mutex<Vec<(String, i32)>>>,
    /// Assignments received (one per rebalance the consumer took part in).
    assignments: AtomicU64,
}

impl ClientContext for ConsumerEvents {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        self.queue.push(Event::log(level as i32, fac, message));
    }
    fn stats_raw(&self, json: &[u8]) {
        self.queue.push(Event::stats(json));
    }
    fn error(&self, error: KafkaError, reason: &str) {
        let code = kafka_code(&error);
        // librdkafka hands a partition EOF (enable.partition.eof) to the crate as an error event,
        // which the crate reports here and also returns from the poll as the EOF entry the host
        // reads; it is the entry only, as with librdkafka's own consumer calls.
        if code == RDKafkaRespErr::RD_KAFKA_RESP_ERR__PARTITION_EOF as i32 {
            *self.eof_offset.lock() = eof_offset(reason);
            return;
        }
        if self.oauth.as_ref().is_some_and(|r| r.is_echo(code, reason)) {
            return;
        }
        self.queue.push(Event::error(code, code == RDKafkaRespErr::RD_KAFKA_RESP_ERR__FATAL as i32, reason));
    }
}

impl ConsumerContext for ConsumerEvents {
    fn post_rebalance(&self, _c: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let (err, parts) = match rebalance {
            Rebalance::Assign(tpl) => (RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS as i32, entries(tpl)),
            Rebalance::Revoke(tpl) => (RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS as i32, entries(tpl)),
            Rebalance::Error(e) => {
                self.queue.push(Event::error(kafka_code(e), false, &e.to_string()));
                return;
            }
        };
        if let Rebalance::Assign(_) = rebalance {
            self.assignments.fetch_add(1, Ordering::Relaxed);
        }
        if let Rebalance::Revoke(tpl) = rebalance {
            let parts = tpl.elements().iter().map(|e| (e.topic().to_string(), e.partition())).collect::<Vec<_>>();
            if let Some(r) = &self.revocations {
                r.lock().extend(parts.iter().cloned());
            }
            self.revoked.lock().extend(parts);
        }
        self.rebalanced.store(true, Ordering::Release);
        self.queue.push_always(Event { err, partitions: parts, ..Event::new(kb_event_type::KB_EVENT_REBALANCE) });
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        let (err, text) = match result {
            Ok(()) => (0, None),
            Err(e) => (kafka_code(&e), Some(cstr(&e.to_string()))),
        };
        self.queue.push_always(Event { err, text, partitions: entries(offsets), ..Event::new(kb_event_type::KB_EVENT_COMMIT) });
    }
}

type Kafka = BaseConsumer<ConsumerEvents>;

pub struct ConsumerClient {
    /// Taken out by `close()`. Calls clone the `Arc` and release the lock before they run, so a
    /// slow call (a commit waiting for the broker) never holds up close or the other calls.
    consumer: Mutex<Option<Arc<Kafka>>>,
    events: Arc<EventQueue>,
    settings: Settings,
    /// Created without `group.id`: manual assignment only.
    assign_only: bool,
    closed: AtomicBool,
    pub created: Instant,
    /// The process that created the consumer (a forked child makes its own).
    pub creator_pid: u32,
    /// Set when the host supplies the OAUTHBEARER token.
    oauth: Option<Arc<TokenRefresh>>,
}

const ASSIGN_ONLY_GROUP: &str = "kafkabridge.assign-only";

fn failed(what: &str) -> impl FnOnce(KafkaError) -> KbError + '_ {
    move |e| KbError::kafka(what, e)
}

impl ConsumerClient {
    /// Creates the consumer. Without `group.id` it can only be assigned partitions manually.
    pub fn open(settings: Settings) -> KbResult<ConsumerClient> {
        Self::open_with(settings, false)
    }

    /// `open`, keeping the revoked partitions for `take_revocations` if `track_revocations`.
    pub fn open_with(mut settings: Settings, track_revocations: bool) -> KbResult<ConsumerClient> {
        let assign_only = !settings.kafka.contains_key("group.id");
        if assign_only {
            // librdkafka's consumer needs a group even for manual assignment; this one is never
            // joined or committed to.
            settings.kafka.insert("group.id".into(), ASSIGN_ONLY_GROUP.into());
            settings.kafka.insert("enable.auto.commit".into(), "false".into());
        }
        let events = Arc::new(EventQueue::new(settings.bridge.event_queue_size));
        let oauth = TokenRefresh::for_settings(&settings).map(Arc::new);
        let consumer = Kafka::from_config_and_context(
            &settings.client_config(),
            ConsumerEvents {
                queue: events.clone(),
                eofs: Mutex::default(),
                eof_offset: Mutex::default(),
                rebalanced: AtomicBool::new(false),
                revoked: Mutex::default(),
                oauth: oauth.clone(),
                revocations: track_revocations.then(Mutex::default),
                assignments: AtomicU64::new(0),
            },
        )
        .map_err(failed("creating the consumer"))?;
        if let Some(r) = &oauth {
            events.push_always(r.event());
        }
        Ok(ConsumerClient {
            consumer: Mutex::new(Some(Arc::new(consumer))),
            events,
            settings,
            assign_only,
            closed: AtomicBool::new(false),
            created: Instant::now(),
            creator_pid: std::process::id(),
            oauth,
        })
    }

    /// The partitions revoked since the last call (see `open_with`).
    pub fn take_revocations(&self) -> Vec<(String, i32)> {
        let Ok(k) = self.live() else { return Vec::new() };
        k.context().revocations.as_ref().map(|r| std::mem::take(&mut *r.lock())).unwrap_or_default()
    }

    /// Assignments received so far: the group rebalances this consumer took part in.
    pub fn rebalances(&self) -> u64 {
        self.live().map_or(0, |k| k.context().assignments.load(Ordering::Relaxed))
    }

    /// The generation of the consumer's group (-1 before it joined, or once closed).
    pub fn group_generation(&self) -> i32 {
        self.live().map_or(-1, |k| librdkafka::group_generation(k.client()))
    }

    /// The librdkafka consumer, unless closed.
    pub fn live(&self) -> KbResult<Arc<Kafka>> {
        self.consumer.lock().clone().ok_or_else(|| KbError::state("the consumer is closed"))
    }

    fn needs_group(&self, what: &str) -> KbResult<()> {
        if self.assign_only {
            return Err(KbError::state(format!("{what} needs a consumer group: set group.id in the configuration")));
        }
        Ok(())
    }

    /// Rebalances, commit results, errors, logs, statistics and token refreshes (raised here and
    /// by message polls when one is due; a poll waiting for messages does not wake for one).
    pub fn events(&self) -> &EventQueue {
        self.raise_due_refresh();
        &self.events
    }

    fn raise_due_refresh(&self) {
        if let Some(r) = &self.oauth {
            if r.take_due() {
                self.events.push_always(r.event());
            }
        }
    }

    /// Hands the client its SASL/OAUTHBEARER token (see `core::oauth::set_token`).
    pub fn oauthbearer_set_token(&self, token: &str, lifetime_ms: i64, principal: &str, extensions: &[(&str, &str)]) -> KbResult<()> {
        oauth::set_token(self.live()?.client(), self.oauth.as_deref(), token, lifetime_ms, principal, extensions)
    }

    /// Tells the client no OAUTHBEARER token could be had (see `core::oauth::set_token_failure`);
    /// the error it raises is in `events()` when this returns.
    pub fn oauthbearer_set_token_failure(&self, reason: &str) -> KbResult<()> {
        if let Some(text) = oauth::set_token_failure(self.live()?.client(), self.oauth.as_deref(), reason)? {
            self.events.push(Event::error(RDKafkaRespErr::RD_KAFKA_RESP_ERR__AUTHENTICATION as i32, false, &text));
        }
        Ok(())
    }

    /// Topic names starting with `^` are regular expressions.
    pub fn subscribe(&self, topics: &[&str]) -> KbResult<()> {
        for (i, name) in topics.iter().enumerate() {
            crate::core::topic::check_subscription(name).map_err(|e| KbError::new(e.code, format!("topics[{i}]: {}", e.message)))?;
        }
        if topics.is_empty() {
            return Err(KbError::invalid_arg("subscribe needs at least one topic; use kb_consumer_unsubscribe() to stop"));
        }
        self.needs_group("subscribe")?;
        self.live()?.subscribe(topics).map_err(failed("subscribe"))
    }

    pub fn unsubscribe(&self) -> KbResult<()> {
        self.live()?.unsubscribe();
        Ok(())
    }

    pub fn subscription(&self) -> KbResult<Vec<PartitionEntry>> {
        Ok(entries(&self.live()?.subscription().map_err(failed("subscription"))?))
    }

    /// Replaces the assignment (None: unassigns everything). rdkafka turns the error into a
    /// string; librdkafka's own call keeps the number.
    pub fn assign(&self, tpl: Option<&TopicPartitionList>) -> KbResult<()> {
        KbError::check_code("assign", librdkafka::assign(self.live()?.client(), tpl))
    }

    /// Adds (`add`) or removes partitions: cooperative rebalancing, or manual use.
    pub fn incremental_assign(&self, tpl: &TopicPartitionList, add: bool) -> KbResult<()> {
        let what = if add { "incremental assign" } else { "incremental unassign" };
        librdkafka::incremental_assign(self.live()?.client(), tpl, add).map_err(|e| KbError::from_rd_error(what, e))
    }

    pub fn assignment(&self) -> KbResult<Vec<PartitionEntry>> {
        Ok(entries(&self.live()?.assignment().map_err(failed("assignment"))?))
    }

    /// Waits up to `timeout` for one message (or a consumer error in its place).
    pub fn poll(&self, timeout: Duration) -> KbResult<Option<Message>> {
        self.raise_due_refresh();
        Ok(poll_one(&*self.live()?, timeout, &mut TopicName::default()))
    }

    /// Waits up to `timeout` in total for up to `max` messages; returns early once `max` arrived.
    pub fn poll_batch(&self, timeout: Duration, max: usize) -> KbResult<Vec<Message>> {
        let mut batch = OwnedBatch::default();
        self.poll_into(&mut batch, timeout, max, max, 0)?;
        Ok(batch.messages)
    }

    /// `poll_batch` that returns once `min` messages arrived, with those already fetched up to
    /// `max`: `poll_packed`'s waiting, as owned messages.
    pub fn poll_batch_min(&self, timeout: Duration, min: usize, max: usize) -> KbResult<Vec<Message>> {
        let mut batch = OwnedBatch::default();
        self.poll_into(&mut batch, timeout, min, max, 0)?;
        Ok(batch.messages)
    }

    /// Waits up to `timeout` until `min` messages arrived, then adds those already fetched
    /// without waiting, up to `max` messages or until the batch holds `max_bytes` (0: no limit;
    /// a message is never split), packed as `core::packed_messages` describes.
    pub fn poll_packed(&self, timeout: Duration, min: usize, max: usize, max_bytes: usize) -> KbResult<PackedMessages> {
        let mut batch = PackedMessages::with_capacity(max, max_bytes);
        self.poll_into(&mut batch, timeout, min, max, max_bytes)?;
        Ok(batch)
    }

    /// The batch loop. A batch ends at a rebalance, so that what it holds was fetched under one
    /// assignment (the rebalance applied, the last message may come from the new one). With
    /// `enable.auto.offset.store=false` the messages fetched before a rebalance revoked their
    /// partition are left out: their offsets were never stored, so whoever owns the partition
    /// next (perhaps this consumer again, from the committed offset) reads them; a host that
    /// holds messages back (the PHP drop-in serves one at a time from a batch) stores offsets
    /// only for what it handed on, so nothing is skipped.
    fn poll_into(&self, batch: &mut impl Batch, timeout: Duration, min: usize, max: usize, max_bytes: usize) -> KbResult<()> {
        self.raise_due_refresh();
        let k = self.live()?;
        let context = k.context();
        let drop_revoked = self.settings.kafka.get("enable.auto.offset.store").is_some_and(|v| v == "false");
        context.rebalanced.store(false, Ordering::Relaxed);
        context.revoked.lock().clear();
        let deadline = Instant::now() + timeout;
        let min = min.min(max);
        let mut topics = TopicName::default();
        while batch.count() < max && (max_bytes == 0 || batch.len() < max_bytes) {
            let waiting = batch.count() < min;
            // Take what is already fetched without waiting (and without reading the clock: that
            // was a fifth of the cost per message). While still waiting for `min`, the deadline
            // is checked every 256 messages of a steady stream.
            let mut next = if !waiting || batch.count() % 256 != 255 { k.poll(Duration::ZERO) } else { None };
            let mut timed_out = false;
            if next.is_none() {
                if !waiting {
                    break;
                }
                let left = deadline.saturating_duration_since(Instant::now());
                next = k.poll(left);
                timed_out = next.is_none() && left.is_zero();
            }
            let got = next.is_some();
            match next {
                Some(Ok(m)) => batch.add_borrowed(&m, &mut topics),
                Some(Err(e)) => batch.add_owned(consumer_error(&k, e)),
                None => {}
            }
            // A plain load per message; the swap only once a rebalance happened.
            if context.rebalanced.load(Ordering::Relaxed) && context.rebalanced.swap(false, Ordering::Acquire) {
                let revoked = std::mem::take(&mut *context.revoked.lock());
                if drop_revoked && !revoked.is_empty() {
                    // The entry this poll returned came after the rebalance.
                    batch.drop_revoked(got, &revoked);
                }
                break;
            }
            if timed_out {
                break;
            }
        }
        Ok(())
    }

    /// Commits `tpl` (None: the stored offsets). A synchronous commit waits up to
    /// `bridge.commit.timeout.ms` for the broker's answer (librdkafka's own has no bound: with the
    /// broker gone it waited 45 s); an asynchronous one's result comes back through polling as a
    /// commit event.
    pub fn commit(&self, tpl: Option<&TopicPartitionList>, asynchronous: bool) -> KbResult<()> {
        self.needs_group("commit")?;
        let k = self.live()?;
        if asynchronous {
            return KbError::check_code("commit", librdkafka::commit_async(k.client(), tpl));
        }
        let timeout_ms = self.settings.bridge.commit_timeout_ms;
        match librdkafka::commit_and_wait(k.client(), tpl, millis(Duration::from_millis(timeout_ms))) {
            CommitAnswer::Answered(err) => KbError::check_code("commit", err),
            CommitAnswer::None => Err(KbError::rd(
                RDKafkaRespErr::RD_KAFKA_RESP_ERR__TIMED_OUT,
                format!("commit: no answer from the group coordinator within bridge.commit.timeout.ms = {timeout_ms} (the commit may still be applied later)"),
            )),
        }
    }

    /// Commits the offset after `msg` for its partition.
    pub fn commit_message(&self, msg: &Message, asynchronous: bool) -> KbResult<()> {
        self.needs_group("commit")?;
        if msg.err != 0 {
            return Err(KbError::invalid_arg("cannot commit an error message"));
        }
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(msg.topic.to_str().unwrap_or_default(), msg.partition, Offset::Offset(msg.offset + 1))
            .map_err(failed("commit message"))?;
        self.commit(Some(&tpl), asynchronous)
    }

    /// Stores `offset` (the next offset to read) for a later commit.
    pub fn store_offset(&self, topic: &str, partition: i32, offset: i64) -> KbResult<()> {
        crate::core::topic::check_topic(topic)?;
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(topic, partition, Offset::from_raw(offset)).map_err(failed("store offset"))?;
        self.live()?.store_offsets(&tpl).map_err(failed("store offset"))
    }

    /// The committed offsets of `tpl` (None: the assignment).
    pub fn committed(&self, tpl: Option<TopicPartitionList>, timeout: Duration) -> KbResult<Vec<PartitionEntry>> {
        self.needs_group("committed offsets")?;
        let k = self.live()?;
        let res = match tpl {
            None => k.committed(timeout),
            Some(tpl) => k.committed_offsets(tpl, timeout),
        };
        Ok(entries(&res.map_err(failed("committed"))?))
    }

    pub fn position(&self) -> KbResult<Vec<PartitionEntry>> {
        Ok(entries(&self.live()?.position().map_err(failed("position"))?))
    }

    /// Moves an assigned partition's position; librdkafka's call directly, since rdkafka's
    /// wrappers drop the error code.
    pub fn seek(&self, topic: &str, partition: i32, offset: i64, timeout: Duration) -> KbResult<()> {
        crate::core::topic::check_topic(topic)?;
        let what = format!("seek {topic}[{partition}]");
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(topic, partition, Offset::from_raw(offset)).map_err(failed("seek"))?;
        librdkafka::seek_partitions(self.live()?.client(), &tpl, millis(timeout)).map_err(|e| KbError::from_rd_error(&what, e))?;
        match tpl.elements().first().map(|e| e.error()) {
            Some(Err(e)) => Err(KbError::kafka(&what, e)),
            _ => Ok(()),
        }
    }

    /// Pauses (or resumes) fetching; a per-partition failure is reported with its own number.
    pub fn pause(&self, tpl: &TopicPartitionList, pause: bool) -> KbResult<()> {
        let what = if pause { "pause" } else { "resume" };
        KbError::check_code(what, librdkafka::pause_partitions(self.live()?.client(), tpl, pause))?;
        match tpl.elements().iter().find_map(|e| e.error().err()) {
            Some(e) => Err(KbError::kafka(what, e)),
            None => Ok(()),
        }
    }

    /// The group metadata a transactional producer commits offsets with.
    pub fn group_metadata(&self) -> KbResult<ConsumerGroupMetadata> {
        self.needs_group("sending offsets to a transaction")?;
        self.live()?.group_metadata().ok_or_else(|| KbError::state("the consumer has no group metadata: set group.id"))
    }

    /// Leaves the group within `bridge.close.timeout.ms`, even with the brokers gone.
    pub fn close(&self) -> KbResult<()> {
        if self.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let Some(c) = self.consumer.lock().take() else { return Ok(()) };
        let deadline = Instant::now() + Duration::from_millis(self.settings.bridge.close_timeout_ms);
        c.close_queue().map_err(failed("closing the consumer"))?;
        while !c.closed() {
            if Instant::now() >= deadline {
                // librdkafka could not finish leaving the group in time; destroying it now would
                // block, so the client is abandoned (its memory is not reclaimed).
                crate::sys::process::abandon(c);
                return Err(KbError::rd(
                    RDKafkaRespErr::RD_KAFKA_RESP_ERR__TIMED_OUT,
                    format!("the consumer did not leave its group within bridge.close.timeout.ms = {}", self.settings.bridge.close_timeout_ms),
                ));
            }
            let _ = c.poll(Duration::from_millis(50));
        }
        Ok(())
    }
}

impl Drop for ConsumerClient {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

fn poll_one(k: &Kafka, timeout: Duration, topics: &mut TopicName) -> Option<Message> {
    k.poll(timeout).map(|r| match r {
        Ok(m) => Message::from_borrowed(&m, topics),
        Err(e) => consumer_error(k, e),
    })
}

/// A consumer error as the entry delivered in place of a message.
fn consumer_error(k: &Kafka, e: KafkaError) -> Message {
    let mut msg = Message::from_error(&e);
    if let KafkaError::PartitionEOF(p) = e {
        name_eof(k, p, &mut msg);
    }
    msg
}

/// What a batch poll collects into.
trait Batch {
    fn add_borrowed(&mut self, m: &BorrowedMessage<'_>, topics: &mut TopicName);
    fn add_owned(&mut self, m: Message);
    fn count(&self) -> usize;
    /// Bytes held (0 where not tracked).
    fn len(&self) -> usize;
    /// Leaves out the entries of `revoked` partitions, but for the last one if `keep_last`.
    fn drop_revoked(&mut self, keep_last: bool, revoked: &[(String, i32)]);
}

pub fn is_revoked(revoked: &[(String, i32)], topic: &[u8], partition: i32) -> bool {
    revoked.iter().any(|(t, p)| *p == partition && t.as_bytes() == topic)
}

#[derive(Default)]
struct OwnedBatch {
    messages: Vec<Message>,
}

impl Batch for OwnedBatch {
    fn add_borrowed(&mut self, m: &BorrowedMessage<'_>, topics: &mut TopicName) {
        self.messages.push(Message::from_borrowed(m, topics));
    }
    fn add_owned(&mut self, m: Message) {
        self.messages.push(m);
    }
    fn count(&self) -> usize {
        self.messages.len()
    }
    fn len(&self) -> usize {
        0
    }
    fn drop_revoked(&mut self, keep_last: bool, revoked: &[(String, i32)]) {
        let old = self.messages.len() - usize::from(keep_last);
        let mut i = 0;
        self.messages.retain(|m| {
            i += 1;
            i > old || !is_revoked(revoked, m.topic.to_bytes(), m.partition)
        });
    }
}

impl Batch for PackedMessages {
    fn add_borrowed(&mut self, m: &BorrowedMessage<'_>, _topics: &mut TopicName) {
        PackedMessages::add_borrowed(self, m);
    }
    fn add_owned(&mut self, m: Message) {
        PackedMessages::add_owned(self, &m);
    }
    fn count(&self) -> usize {
        PackedMessages::count(self)
    }
    fn len(&self) -> usize {
        self.byte_len()
    }
    fn drop_revoked(&mut self, keep_last: bool, revoked: &[(String, i32)]) {
        let old = PackedMessages::count(self) - usize::from(keep_last);
        let mut i = 0;
        self.retain(|topic, partition| {
            i += 1;
            i > old || !is_revoked(revoked, topic, partition)
        });
    }
}

/// The rdkafka crate keeps only the partition number of an end-of-partition event; the topic is
/// recovered from the assignment. With one assigned topic of that partition number it is that
/// one. With several, it is one whose end (librdkafka's cached high watermark, no request) is the
/// EOF's offset and whose position (if any was read) reached it, preferring one not yet reported
/// at that offset: librdkafka reports an EOF once each time a partition's fetcher reaches the
/// end, after the messages before it. Two such partitions at the same end are both at their end,
/// so either name tells the truth; the first in assignment order is taken.
fn name_eof(k: &Kafka, partition: i32, msg: &mut Message) {
    let offset = k.context().eof_offset.lock().take();
    let Ok(assignment) = k.assignment() else { return };
    let topics: Vec<String> = assignment.elements().into_iter().filter(|e| e.partition() == partition).map(|e| e.topic().to_string()).collect();
    let Ok(positions) = k.position() else { return };
    let position = |topic: &str| positions.find_partition(topic, partition).and_then(|e| e.offset().to_raw()).filter(|o| *o >= 0);
    let mut eofs = k.context().eofs.lock();
    let found = match topics.as_slice() {
        [one] => Some((one, offset.or_else(|| position(one)))),
        _ => {
            let at_end: Vec<(&String, i64)> = topics
                .iter()
                .filter_map(|topic| {
                    let (low, high) = librdkafka::cached_watermarks(k.client(), topic, partition)?;
                    let at_end = match (offset, position(topic)) {
                        // Assigned at the end, nothing read yet: no position.
                        (Some(offset), at) => offset == high && at.is_none_or(|at| at == high),
                        (None, at) => at.unwrap_or(low) == high,
                    };
                    at_end.then_some((topic, high))
                })
                .collect();
            let unreported = at_end.iter().find(|(t, high)| eofs.get(&(t.to_string(), partition)) != Some(high));
            unreported.or(at_end.first()).map(|&(t, high)| (t, Some(high)))
        }
    };
    let Some((topic, offset)) = found else { return };
    if let Some(offset) = offset {
        msg.offset = offset;
        eofs.insert((topic.clone(), partition), offset);
    }
    msg.topic = Arc::from(cstr(topic));
}

/// The offset in librdkafka's text for a partition EOF ("... reached end of partition at offset
/// 3 (HighwaterMark 3)"); None if the text ever reads otherwise.
fn eof_offset(reason: &str) -> Option<i64> {
    let (_, rest) = reason.split_once(" at offset ")?;
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::eof_offset;

    #[test]
    fn eof_offset_is_read_off_librdkafkas_text() {
        assert_eq!(eof_offset("Fetch from broker 1 reached end of partition at offset 3 (HighwaterMark 3)"), Some(3));
        assert_eq!(eof_offset("Fetch from broker 1 reached end of partition at offset 12"), Some(12));
        assert_eq!(eof_offset("Broker: No more messages"), None);
    }
}
