//! A producer session: what one `kb_producer` handle is, on a private client or on a
//! persistent one shared with the sessions before and after it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver};
use rdkafka::consumer::ConsumerGroupMetadata;
use rdkafka::producer::{Producer, PurgeConfig};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::TopicPartitionList;

use crate::core::cluster::ClusterClient;
use crate::core::config::Settings;
use crate::core::error::{KbError, KbResult, KB_ERR_SPOOLED};
use crate::core::events::{Event, EventQueue, ReportSink};
use crate::core::oauth;
use crate::core::packed;
use crate::core::producer_clients::{self, ProducerClient, Record, ReportWaiter};
use crate::sys::librdkafka::{self, millis};

/// Purge messages waiting in the local queue.
pub const KB_PURGE_QUEUE: i32 = 1;
/// Purge messages in flight to brokers.
pub const KB_PURGE_INFLIGHT: i32 = 2;
/// Do not wait for the purge to finish.
pub const KB_PURGE_NON_BLOCKING: i32 = 4;

/// Where a message synchronously produced was written.
pub struct Delivery {
    pub message_id: u64,
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: i64,
}

pub struct ProducerSession {
    client: Arc<ProducerClient>,
    session: u64,
    events: Arc<EventQueue>,
    /// Attached to a client that already existed (a reused connection).
    pub reused: bool,
    ended: AtomicBool,
}

impl ProducerSession {
    /// A session on a new private client, or on the persistent client of
    /// `bridge.persistent.name` (created on first use).
    pub fn open(settings: Settings) -> KbResult<ProducerSession> {
        let events = EventQueue::new(settings.bridge.event_queue_size);
        ProducerSession::open_with(settings, events)
    }

    /// Like `open`, the reports of messages produced without a waiter going to `reports` as
    /// they come (see `ReportSink`) instead of `events()`.
    pub fn open_with_report_sink(settings: Settings, reports: ReportSink) -> KbResult<ProducerSession> {
        let events = EventQueue::with_report_sink(settings.bridge.event_queue_size, reports);
        ProducerSession::open_with(settings, events)
    }

    fn open_with(settings: Settings, events: EventQueue) -> KbResult<ProducerSession> {
        let events = Arc::new(events);
        let (client, reused) = producer_clients::open(settings)?;
        let session = client.attach(events.clone());
        Ok(ProducerSession { client, session, events, reused, ended: AtomicBool::new(false) })
    }

    /// Ends the session; a private client is flushed within `bridge.close.timeout.ms` first.
    pub fn end(&self) -> KbResult<()> {
        if self.ended.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let mut flushed =
            if self.client.name.is_none() { self.client.flush(Duration::from_millis(self.client.settings.bridge.close_timeout_ms)) } else { Ok(()) };
        if flushed.is_err() && self.client.spool_leftovers() > 0 && self.client.in_flight() == 0 {
            flushed = Ok(()); // nothing lost: what was left is in the spool
        }
        self.client.detach(self.session);
        flushed
    }

    pub fn client(&self) -> &ProducerClient {
        &self.client
    }

    /// This session's delivery reports, errors, logs, statistics and token refreshes (raised
    /// here, before the host reads, when one is due).
    pub fn events(&self) -> &EventQueue {
        self.client.router().raise_due_refresh();
        &self.events
    }

    /// Hands the client its SASL/OAUTHBEARER token (see `core::oauth::set_token`).
    pub fn oauthbearer_set_token(&self, token: &str, lifetime_ms: i64, principal: &str, extensions: &[(&str, &str)]) -> KbResult<()> {
        oauth::set_token(self.client.producer().client(), self.client.router().oauth.as_ref(), token, lifetime_ms, principal, extensions)
    }

    /// Tells the client no OAUTHBEARER token could be had (see `core::oauth::set_token_failure`);
    /// the error it raises reaches this session's queue before this returns.
    pub fn oauthbearer_set_token_failure(&self, reason: &str) -> KbResult<()> {
        if let Some(text) = oauth::set_token_failure(self.client.producer().client(), self.client.router().oauth.as_ref(), reason)? {
            self.client.router().broadcast(|| Event::error(RDKafkaRespErr::RD_KAFKA_RESP_ERR__AUTHENTICATION as i32, false, &text));
        }
        Ok(())
    }

    /// Enqueues one message and returns its id; its report comes through `events()`.
    pub fn produce(&self, rec: &Record<'_>) -> KbResult<u64> {
        self.events.check_room(1)?;
        self.client.produce(self.session, rec, None)
    }

    /// Enqueues records in order, stopping at the first that fails (naming it). `accepted`
    /// gets each id as it is enqueued.
    pub fn produce_in_order<'a>(&self, records: impl Iterator<Item = KbResult<Record<'a>>>, mut accepted: impl FnMut(usize, u64)) -> KbResult<()> {
        for (i, rec) in records.enumerate() {
            let id = rec.and_then(|rec| self.produce(&rec)).map_err(|e| KbError::new(e.code, format!("record {i}: {}", e.message)))?;
            accepted(i, id);
        }
        Ok(())
    }

    /// Enqueues the records of a packed buffer (`core::packed`), all to `topic`/`partition`, in
    /// order like `produce_in_order`; a malformed buffer, or more than `max_records`, enqueues
    /// nothing.
    pub fn produce_packed(&self, topic: &str, partition: i32, buf: &[u8], max_records: usize, accepted: impl FnMut(usize, u64)) -> KbResult<()> {
        packed::validate(buf, max_records)?;
        if buf.is_empty() {
            // Each record checks the topic (and a refusal names the record); with none, check it here.
            crate::core::topic::check_topic(topic)?;
        }
        let records = packed::records(buf).map(|(key, value)| Ok(Record { topic, partition, key, value, headers: Vec::new(), timestamp_ms: 0 }));
        self.produce_in_order(records, accepted)
    }

    /// The cluster questions (metadata, watermarks, groups) on this session's client.
    pub fn cluster(&self) -> &dyn ClusterClient {
        self.client.producer().client()
    }

    /// Enqueues one message whose report goes to `waiter` (on the client's poll thread) instead
    /// of this session's events; returns its id.
    pub fn produce_to(&self, rec: &Record<'_>, waiter: Box<dyn ReportWaiter>) -> KbResult<u64> {
        self.client.produce(self.session, rec, Some(waiter))
    }

    /// Produces one message and waits up to `timeout` for its own report, without sitting out
    /// `linger.ms`. With no report in time the message stays queued and its report comes
    /// through `events()`.
    pub fn produce_sync(&self, rec: &Record<'_>, timeout: Duration) -> KbResult<Delivery> {
        let (tx, rx) = bounded(1);
        let id = self.client.produce(self.session, rec, Some(Box::new(tx)))?;
        let report = self.wait_for_report(&rx, timeout).ok_or_else(|| {
            KbError::rd(
                RDKafkaRespErr::RD_KAFKA_RESP_ERR__TIMED_OUT,
                format!(
                    "message {id} was not delivered within {} ms; it stays queued and its report will come through kb_producer_poll()",
                    timeout.as_millis()
                ),
            )
        })?;
        if report.err != 0 {
            let text = report.text.as_deref().map(|t| t.to_string_lossy().into_owned()).unwrap_or_default();
            let what = if report.err == KB_ERR_SPOOLED { "is" } else { "failed" };
            return Err(KbError::new(report.err, format!("message {id} to {:?} {what}: {text}", rec.topic)));
        }
        Ok(Delivery { message_id: id, partition: report.partition, offset: report.offset, timestamp_ms: report.timestamp_ms })
    }

    /// Waits for one report while librdkafka's flush flag is raised, so `linger.ms` does not apply.
    fn wait_for_report(&self, rx: &Receiver<Event>, timeout: Duration) -> Option<Event> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(ev) = rx.try_recv() {
                return Some(ev);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            // rd_kafka_flush() returns as soon as nothing is in flight; with other messages in
            // flight it is cut into short slices so our own report is noticed promptly.
            librdkafka::flush(self.client.producer().client(), millis(left.min(Duration::from_millis(10))).max(1));
            if let Ok(ev) = rx.try_recv() {
                return Some(ev);
            }
            if self.client.in_flight() == 0 {
                // Nothing left in librdkafka: the report is being routed right now.
                return rx.recv_timeout(deadline.saturating_duration_since(Instant::now())).ok();
            }
        }
    }

    /// Waits until every message of the client (all its sessions) is delivered or failed.
    pub fn flush(&self, timeout: Duration) -> KbResult<()> {
        self.client.flush(timeout)
    }

    /// Purges the client's messages (every session's, on a persistent client); `flags` are
    /// `KB_PURGE_*`.
    pub fn purge(&self, flags: i32) -> KbResult<()> {
        if flags & !(KB_PURGE_QUEUE | KB_PURGE_INFLIGHT | KB_PURGE_NON_BLOCKING) != 0 {
            return Err(KbError::invalid_arg(format!(
                "unknown purge flags {flags:#x}: use KB_PURGE_QUEUE | KB_PURGE_INFLIGHT | KB_PURGE_NON_BLOCKING"
            )));
        }
        let mut cfg = PurgeConfig::default();
        if flags & KB_PURGE_QUEUE != 0 {
            cfg = cfg.queue();
        }
        if flags & KB_PURGE_INFLIGHT != 0 {
            cfg = cfg.inflight();
        }
        if flags & KB_PURGE_NON_BLOCKING != 0 {
            cfg = cfg.non_blocking();
        }
        self.client.producer().purge(cfg);
        Ok(())
    }

    /// Messages librdkafka holds for the client plus events waiting for this session.
    pub fn queue_len(&self) -> i64 {
        self.client.in_flight() as i64 + self.events.len() as i64
    }

    pub fn init_transactions(&self, timeout: Duration) -> KbResult<()> {
        self.client.producer().init_transactions(timeout).map_err(|e| KbError::kafka("init transactions", e))
    }

    pub fn begin_transaction(&self) -> KbResult<()> {
        self.client.producer().begin_transaction().map_err(|e| KbError::kafka("begin transaction", e))
    }

    /// librdkafka's commit flushes by itself (without waiting out `linger.ms`); rdkafka's wrapper
    /// would first run its own linger-bound flush and could time out before committing.
    pub fn commit_transaction(&self, timeout: Duration) -> KbResult<()> {
        librdkafka::commit_transaction(self.client.producer().client(), millis(timeout)).map_err(|e| KbError::from_rd_error("commit transaction", e))
    }

    pub fn abort_transaction(&self, timeout: Duration) -> KbResult<()> {
        self.client.producer().abort_transaction(timeout).map_err(|e| KbError::kafka("abort transaction", e))
    }

    /// Adds a consumer group's offsets (the next offsets to read) to the current transaction.
    pub fn send_offsets_to_transaction(&self, offsets: &TopicPartitionList, group: &ConsumerGroupMetadata, timeout: Duration) -> KbResult<()> {
        self.client.producer().send_offsets_to_transaction(offsets, group, timeout).map_err(|e| KbError::kafka("send offsets to transaction", e))
    }
}

impl Drop for ProducerSession {
    fn drop(&mut self) {
        let _ = self.end();
    }
}
