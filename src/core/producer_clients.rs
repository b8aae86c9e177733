//! The librdkafka producer behind `kb_producer` handles: one client per private producer, or one
//! process-wide client per persistent name shared by successive sessions. Delivery reports are
//! routed to the session that produced the message; reports for ended sessions are counted and
//! failures among them logged. A client with a spool (`core::spool`) keeps the messages it could
//! not deliver there and re-sends them from a thread of its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, RecvTimeoutError, Sender};
use once_cell::sync::Lazy;
use parking_lot::{Mutex, RwLock};
use rdkafka::client::ClientContext;
use rdkafka::config::{FromClientConfigAndContext, RDKafkaLogLevel};
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, Message, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::types::RDKafkaRespErr;

use crate::core::config::Settings;
use crate::core::error::{KbError, KbResult, KB_ERR_SPOOLED};
use crate::core::events::{kb_event_type, Event, EventQueue};
use crate::core::named::{conflict, Named};
use crate::core::oauth::TokenRefresh;
use crate::core::partitions::KB_OFFSET_INVALID;
use crate::core::spool::{spoolable, Outcome, Resend, Spool, SpoolRecord, MESSAGE_ID_HEADER};
use crate::core::text::{cstr, TopicName};
use crate::sys::process::fork_epoch;
use crate::sys::runtime::Poller;

/// Where a message's delivery report goes, carried as librdkafka's per-message opaque (an integer,
/// so producing allocates nothing for it): the message id the host sees (the session's slot in
/// bits 40..62 over a process-wide sequence in bits 0..39, so ids are unique and increase within
/// a session), and in bit 63 whether a synchronous caller waits for it (`ReportRouter::waiters`).
#[derive(Clone, Copy)]
struct ReportTag(usize);

const SEQUENCE_BITS: u32 = 40;
const SEQUENCE_MASK: u64 = (1 << SEQUENCE_BITS) - 1;
/// Sessions live at once on one client are told apart by the low 23 bits of their id.
const SLOT_MASK: u64 = (1 << 23) - 1;
/// The slot of the spool's re-sent messages: never a session's, and never spooled again.
const REPLAY_SLOT: u64 = SLOT_MASK;
const WAITED: u64 = 1 << 63;

impl ReportTag {
    fn new(slot: u64, waited: bool) -> ReportTag {
        let sequence = NEXT_MESSAGE_ID.fetch_add(1, Ordering::Relaxed) & SEQUENCE_MASK;
        ReportTag((u64::from(waited) << 63 | slot << SEQUENCE_BITS | sequence) as usize)
    }
    fn message_id(self) -> u64 {
        self.0 as u64 & !WAITED
    }
    fn slot(self) -> u64 {
        self.0 as u64 >> SEQUENCE_BITS & SLOT_MASK
    }
    fn waited(self) -> bool {
        self.0 as u64 & WAITED != 0
    }
}

/// Receives librdkafka's callbacks on background threads and turns them into events for the
/// client's sessions.
pub struct ReportRouter {
    label: String,
    /// Between requests a persistent client has no session; its errors then go to stderr.
    persistent: bool,
    /// Attached sessions by slot (`ReportTag`).
    sessions: RwLock<HashMap<u64, Arc<EventQueue>>>,
    /// Callers waiting for one message's report, by message id.
    waiters: Mutex<HashMap<u64, Box<dyn ReportWaiter>>>,
    /// Logs and errors that arrived while no session was attached (librdkafka's warnings at client
    /// creation, errors between requests): handed to the next session, the oldest dropped past
    /// PENDING_LIMIT.
    pending: Mutex<std::collections::VecDeque<Event>>,
    pub orphans_delivered: AtomicU64,
    pub orphans_failed: AtomicU64,
    /// rdkafka hands each producer error event to `error()` twice in a row; remember the first.
    last_error: Mutex<Option<(i32, String)>>,
    /// Delivery reports of a run of messages to one topic share its C string.
    topic_name: Mutex<TopicName>,
    /// Set when the host supplies the OAUTHBEARER token.
    pub oauth: Option<TokenRefresh>,
    pub spool: Option<Arc<Spool>>,
    /// Failed reports on their way into the spool: written, then routed, after each poll round.
    spooling: Mutex<Vec<(ReportTag, SpoolRecord, Event)>>,
    /// Set when kafkabridge purges the client on its way out: those messages are spooled.
    exiting: AtomicBool,
    /// The first half of every `kb-message-id`: this client's, random.
    id_nonce: u64,
}

const PENDING_LIMIT: usize = 1000;

impl ReportRouter {
    /// Gives an event to every session; returns false (and keeps it for the next session) if
    /// there is none.
    pub fn broadcast(&self, make: impl Fn() -> Event) -> bool {
        self.broadcast_by(make, EventQueue::push)
    }

    /// `broadcast` with the queue's push: `EventQueue::push_always` for events that must not be
    /// dropped, which the pending list then keeps too (dropping the oldest other event).
    fn broadcast_by(&self, make: impl Fn() -> Event, push: fn(&EventQueue, Event)) -> bool {
        let sessions = self.sessions.read();
        for q in sessions.values() {
            push(q, make());
        }
        if sessions.is_empty() {
            let mut pending = self.pending.lock();
            if pending.len() >= PENDING_LIMIT {
                let keep = |e: &Event| e.kind == kb_event_type::KB_EVENT_OAUTHBEARER_TOKEN_REFRESH;
                if let Some(i) = pending.iter().position(|e| !keep(e)) {
                    pending.remove(i);
                }
            }
            pending.push_back(make());
        }
        !sessions.is_empty()
    }

    /// Gives the sessions a token refresh event when one is due (see `core::oauth`).
    pub fn raise_due_refresh(&self) {
        if let Some(r) = &self.oauth {
            if r.take_due() {
                self.broadcast_by(|| r.event(), EventQueue::push_always);
            }
        }
    }
}

impl ClientContext for ReportRouter {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        self.broadcast(|| Event::log(level as i32, fac, message));
    }

    fn stats_raw(&self, json: &[u8]) {
        self.broadcast(|| Event::stats(json));
    }

    fn error(&self, error: KafkaError, reason: &str) {
        let code = crate::core::error::kafka_code(&error);
        {
            let mut last = self.last_error.lock();
            if last.as_ref().is_some_and(|(c, r)| *c == code && r == reason) {
                *last = None;
                return;
            }
            *last = Some((code, reason.to_string()));
        }
        if self.oauth.as_ref().is_some_and(|r| r.is_echo(code, reason)) {
            return;
        }
        let fatal = code == RDKafkaRespErr::RD_KAFKA_RESP_ERR__FATAL as i32;
        if !self.broadcast(|| Event::error(code, fatal, reason)) && (self.persistent || fatal) {
            eprintln!("kafkabridge: producer {}: {} (no session is polling)", self.label, reason);
        }
    }
}

impl ProducerContext for ReportRouter {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, tag: usize) {
        let tag = ReportTag(tag);
        let (msg, err) = match result {
            Ok(m) => (m, None),
            Err((e, m)) => (m, Some(e)),
        };
        let code = err.map_or(0, crate::core::error::kafka_code);
        let ev = Event {
            err: if err.is_some() && code == 0 { RDKafkaRespErr::RD_KAFKA_RESP_ERR__FAIL as i32 } else { code },
            message_id: tag.message_id(),
            topic: Some(self.topic_name.lock().get(msg.topic())),
            partition: msg.partition(),
            offset: if err.is_some() { KB_OFFSET_INVALID } else { msg.offset() },
            timestamp_ms: msg.timestamp().to_millis().unwrap_or(-1),
            text: err.map(|e| cstr(&e.to_string())),
            ..Event::new(kb_event_type::KB_EVENT_DELIVERY)
        };
        if self.spool.is_some() && ev.err != 0 && tag.slot() != REPLAY_SLOT && spoolable(ev.err, self.exiting.load(Ordering::Relaxed)) {
            self.spooling.lock().push((tag, spool_record(msg), ev));
            return; // written and routed by `write_spooled` when this poll round is over
        }
        self.route(tag, ev);
    }
}

/// A failed message as the spool keeps it.
fn spool_record(msg: &rdkafka::message::BorrowedMessage<'_>) -> SpoolRecord {
    use rdkafka::message::Headers;
    SpoolRecord {
        topic: msg.topic().to_string(),
        partition: msg.partition(),
        timestamp_ms: msg.timestamp().to_millis().unwrap_or(0).max(0),
        key: msg.key().map(<[u8]>::to_vec),
        value: msg.payload().map(<[u8]>::to_vec),
        headers: msg.headers().map_or_else(Vec::new, |h| h.iter().map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec))).collect()),
    }
}

impl ReportRouter {
    /// Hands a report to whoever waits for it, else to its session, else counts it.
    fn route(&self, tag: ReportTag, ev: Event) {
        let waiter = if tag.waited() { self.waiters.lock().remove(&tag.message_id()) } else { None };
        let ev = match waiter {
            Some(w) => match w.deliver(ev) {
                Ok(()) => return,
                Err(back) => back, // the caller gave up: report through its session
            },
            None => ev,
        };
        if let Some(q) = self.sessions.read().get(&tag.slot()) {
            q.push_report(ev);
            return;
        }
        self.orphan(&ev);
    }

    /// Writes the failed messages of this poll round to the spool in one append, then reports
    /// each: `KB_ERR_SPOOLED`, or its own error with why it could not be spooled.
    pub fn write_spooled(&self) {
        let Some(spool) = &self.spool else { return };
        // Held until the batch is written: a caller that finds the list empty knows every
        // report set aside before it is on disk (the exit path relies on it).
        let mut spooling = self.spooling.lock();
        let mut batch = std::mem::take(&mut *spooling);
        if batch.is_empty() {
            return;
        }
        // Reports come in no particular order across partitions (and a purge reports queued
        // messages before those in flight): the spool keeps them in the order they were produced.
        batch.sort_by_key(|(tag, _, _)| tag.message_id() & SEQUENCE_MASK);
        let (reports, records): (Vec<(ReportTag, Event)>, Vec<SpoolRecord>) = batch.into_iter().map(|(tag, r, ev)| ((tag, ev), r)).unzip();
        let (written, why_not) = spool.write(&records);
        drop(spooling);
        for (i, (tag, mut ev)) in reports.into_iter().enumerate() {
            let was = ev.text.as_deref().map(|t| t.to_string_lossy().into_owned()).unwrap_or_default();
            let text = if i < written {
                ev.err = KB_ERR_SPOOLED;
                format!("not delivered yet ({was}): kept in the spool {} and re-sent when Kafka answers", spool.dir().display())
            } else {
                format!("{was}; {}", why_not.as_deref().unwrap_or_default())
            };
            ev.text = Some(cstr(&text));
            self.route(tag, ev);
        }
    }

    /// A report whose session has ended: counted, and a failure is logged, never silent, except
    /// for the messages the application itself purged (`kb_producer_purge()`), which it knows it
    /// dropped.
    fn orphan(&self, ev: &Event) {
        use RDKafkaRespErr::{RD_KAFKA_RESP_ERR__PURGE_INFLIGHT as PURGED_INFLIGHT, RD_KAFKA_RESP_ERR__PURGE_QUEUE as PURGED_QUEUED};
        if ev.err == KB_ERR_SPOOLED {
            return; // not lost: the spool counts it and re-sends it
        }
        if ev.err == 0 {
            self.orphans_delivered.fetch_add(1, Ordering::Relaxed);
        } else {
            self.orphans_failed.fetch_add(1, Ordering::Relaxed);
            if ev.err == PURGED_QUEUED as i32 || ev.err == PURGED_INFLIGHT as i32 {
                return;
            }
            eprintln!(
                "kafkabridge: producer {}: message {} to {:?} failed after its session ended: {}",
                self.label,
                ev.message_id,
                ev.topic.as_deref().unwrap_or_default(),
                ev.text.as_deref().map(|t| t.to_string_lossy()).unwrap_or_default()
            );
        }
    }
}

/// Who waits for one message's report (a synchronous produce, the proxy's XADD): handed the
/// report on the client's poll thread, so it must only pass it on. Gives the report back when the
/// waiter is gone; it then goes to the message's session.
pub trait ReportWaiter: Send {
    fn deliver(self: Box<Self>, report: Event) -> Result<(), Event>;
}

impl ReportWaiter for Sender<Event> {
    fn deliver(self: Box<Self>, report: Event) -> Result<(), Event> {
        self.send(report).map_err(|back| back.0)
    }
}

static NEXT_CLIENT_ID: AtomicU64 = AtomicU64::new(1);
static NEXT_SESSION_ID: AtomicU64 = AtomicU64::new(1);
static NEXT_MESSAGE_ID: AtomicU64 = AtomicU64::new(1);

/// One librdkafka producer instance with its connections and its poll thread.
pub struct ProducerClient {
    pub id: u64,
    pub name: Option<String>,
    pub settings: Settings,
    pub created: Instant,
    pub creator_pid: u32,
    pub sessions_served: AtomicU64,
    producer: Arc<BaseProducer<ReportRouter>>,
    epoch: u64,
    _poller: Poller,
    /// Ends the spool's replay thread when the client goes.
    _replayer: Option<Sender<()>>,
}

/// A message to produce, borrowed from the caller.
/// A header name and its value (None: a null header).
pub type HeaderRef<'a> = (&'a str, Option<&'a [u8]>);

pub struct Record<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: Vec<HeaderRef<'a>>,
    pub timestamp_ms: i64,
}

impl ProducerClient {
    fn create(name: Option<String>, settings: Settings) -> KbResult<Arc<ProducerClient>> {
        let id = NEXT_CLIENT_ID.fetch_add(1, Ordering::Relaxed);
        let label = name.clone().map_or_else(|| format!("#{id}"), |n| format!("{n:?}"));
        let router = ReportRouter {
            label,
            persistent: name.is_some(),
            sessions: RwLock::new(HashMap::new()),
            waiters: Mutex::new(HashMap::new()),
            pending: Mutex::new(std::collections::VecDeque::new()),
            orphans_delivered: AtomicU64::new(0),
            orphans_failed: AtomicU64::new(0),
            last_error: Mutex::new(None),
            topic_name: Mutex::new(TopicName::default()),
            oauth: TokenRefresh::for_settings(&settings),
            spool: match &settings.bridge.spool_dir {
                Some(dir) => Some(Arc::new(Spool::open(dir, settings.bridge.spool_max_bytes, settings.bridge.spool_fsync)?)),
                None => None,
            },
            spooling: Mutex::new(Vec::new()),
            exiting: AtomicBool::new(false),
            id_nonce: crate::sys::process::random_u64(),
        };
        let resolved = settings.clone().for_producer();
        let producer =
            BaseProducer::from_config_and_context(&resolved.client_config(), router).map_err(|e| KbError::kafka("creating the producer", e))?;
        if let Some(r) = &producer.context().oauth {
            producer.context().broadcast_by(|| r.event(), EventQueue::push_always);
        }
        let producer = Arc::new(producer);
        let poller = Poller::spawn("kb-producer", producer.clone(), |p| {
            p.context().raise_due_refresh();
            if !p.context().exiting.load(Ordering::Relaxed) {
                p.context().write_spooled(); // else `spool_leftovers` writes them all at once
            }
        });
        if resolved.kafka.get("enable.idempotence").is_some_and(|v| v == "true") && !resolved.kafka.contains_key("transactional.id") {
            nudge_producer_id(producer.clone());
        }
        // Live producers are flushed (bounded) when the process exits normally.
        crate::sys::runtime::run_at_exit(flush_all_at_exit);
        let (replayer, stop_replaying) = match producer.context().spool.is_some() {
            true => {
                let (tx, rx) = bounded(0);
                (Some(tx), Some(rx))
            }
            false => (None, None),
        };
        let client = Arc::new(ProducerClient {
            id,
            name,
            settings,
            created: Instant::now(),
            creator_pid: std::process::id(),
            sessions_served: AtomicU64::new(0),
            producer,
            epoch: fork_epoch(),
            _poller: poller,
            _replayer: replayer,
        });
        if let Some(stop) = stop_replaying {
            spawn_replayer(Arc::downgrade(&client), stop);
        }
        let mut live = LIVE.lock();
        live.retain(|c| c.strong_count() > 0);
        live.push(Arc::downgrade(&client));
        drop(live);
        Ok(client)
    }

    pub fn router(&self) -> &ReportRouter {
        self.producer.context()
    }

    pub fn producer(&self) -> &BaseProducer<ReportRouter> {
        &self.producer
    }

    /// Attaches a session and returns its slot (see `ReportTag`).
    pub fn attach(&self, queue: Arc<EventQueue>) -> u64 {
        let mut sessions = self.router().sessions.write();
        // After 2^23 sessions slots come round again; one still attached is skipped.
        let session = loop {
            let slot = NEXT_SESSION_ID.fetch_add(1, Ordering::Relaxed) & SLOT_MASK;
            if slot != REPLAY_SLOT && !sessions.contains_key(&slot) {
                break slot;
            }
        };
        for ev in self.router().pending.lock().drain(..) {
            queue.push(ev);
        }
        sessions.insert(session, queue);
        drop(sessions);
        self.sessions_served.fetch_add(1, Ordering::Relaxed);
        session
    }

    /// Ends a session: what it left undrained is accounted like any other orphan report.
    pub fn detach(&self, session: u64) {
        let queue = self.router().sessions.write().remove(&session);
        if let Some(q) = queue {
            for ev in q.drain().iter().filter(|e| e.kind == kb_event_type::KB_EVENT_DELIVERY) {
                self.router().orphan(ev);
            }
        }
    }

    /// Enqueues one message and returns its id; the report goes to `session` (a slot `attach`
    /// returned) or to `waiter`.
    pub fn produce(&self, session: u64, rec: &Record<'_>, waiter: Option<Box<dyn ReportWaiter>>) -> KbResult<u64> {
        crate::core::topic::check_topic(rec.topic)?;
        if rec.partition < -1 {
            return Err(KbError::invalid_arg(format!("partition must be >= 0 or KB_PARTITION_UA (-1), got {}", rec.partition)));
        }
        if rec.timestamp_ms < 0 {
            return Err(KbError::invalid_arg(format!("timestamp_ms must be >= 0 (0 means now), got {}", rec.timestamp_ms)));
        }
        let tag = ReportTag::new(session, waiter.is_some());
        let id = tag.message_id();
        if let Some(w) = waiter {
            self.router().waiters.lock().insert(id, w);
        }
        let mut record: BaseRecord<'_, [u8], [u8], usize> = BaseRecord::with_opaque_to(rec.topic, tag.0);
        if rec.partition >= 0 {
            record = record.partition(rec.partition);
        }
        if let Some(k) = rec.key {
            record = record.key(k);
        }
        if let Some(v) = rec.value {
            record = record.payload(v);
        }
        if rec.timestamp_ms > 0 {
            record = record.timestamp(rec.timestamp_ms);
        }
        // With a spool every message carries its id, so a replayed copy can be told from the
        // original (a re-sent record has its own already).
        let message_id = (self.router().spool.is_some() && session != REPLAY_SLOT).then(|| format!("{:016x}{id:016x}", self.router().id_nonce));
        if !rec.headers.is_empty() || message_id.is_some() {
            let mut h = OwnedHeaders::new_with_capacity(rec.headers.len() + 1);
            for (key, value) in &rec.headers {
                h = h.insert(Header { key, value: *value });
            }
            if let Some(mid) = &message_id {
                h = h.insert(Header { key: MESSAGE_ID_HEADER, value: Some(mid.as_bytes()) });
            }
            record = record.headers(h);
        }
        if let Err((e, _)) = self.producer.send(record) {
            if tag.waited() {
                self.router().waiters.lock().remove(&id);
            }
            return Err(KbError::kafka(&format!("producing to {:?}", rec.topic), e));
        }
        Ok(id)
    }

    /// Flushes the whole client (every session's messages). librdkafka's own rd_kafka_flush() is
    /// called for the whole timeout: it sends at once instead of waiting out `linger.ms` while it
    /// runs (rdkafka's flush calls it with a zero timeout and then merely polls), and our poll
    /// thread serves the delivery reports meanwhile.
    pub fn flush(&self, timeout: Duration) -> KbResult<()> {
        let ms = crate::sys::librdkafka::millis(timeout);
        let err = crate::sys::librdkafka::flush(self.producer.client(), ms);
        if err as i32 != 0 {
            return Err(KbError::rd(err, format!("flush: {} message(s) still undelivered after {ms} ms", self.in_flight())));
        }
        Ok(())
    }

    pub fn in_flight(&self) -> i32 {
        self.producer.in_flight_count()
    }

    /// After a flush that timed out, on the client's way out: purges what is left into the
    /// spool (when there is one) and returns how many messages went there.
    pub fn spool_leftovers(&self) -> u64 {
        let Some(spool) = &self.router().spool else { return 0 };
        let before = spool.stats.spooled.load(Ordering::Relaxed);
        self.router().exiting.store(true, Ordering::Relaxed);
        self.producer.purge(rdkafka::producer::PurgeConfig::default().queue().inflight());
        // The purged messages' reports go through the poll thread; once it has served them
        // librdkafka counts nothing in flight. Then what it set aside is written here, in one
        // batch, so in the order produced.
        crate::sys::librdkafka::flush(self.producer.client(), 2000);
        self.router().write_spooled();
        self.router().exiting.store(false, Ordering::Relaxed);
        spool.stats.spooled.load(Ordering::Relaxed) - before
    }
}

/// Re-sends the spool's records through the client, every `bridge.spool.replay.interval.ms`
/// (the first round at once, for what an earlier process left), until the client goes.
fn spawn_replayer(client: Weak<ProducerClient>, stop: crossbeam_channel::Receiver<()>) {
    let spawned = std::thread::Builder::new().name("kb-spool".into()).spawn(move || loop {
        let Some(c) = client.upgrade() else { return };
        let interval = Duration::from_millis(c.settings.bridge.spool_replay_interval_ms);
        if let Some(spool) = &c.router().spool {
            spool.replay(&*c);
        }
        drop(c);
        if stop.recv_timeout(interval) != Err(RecvTimeoutError::Timeout) {
            return;
        }
    });
    if let Err(e) = spawned {
        eprintln!("kafkabridge: spool: no replay thread ({e}); spooled messages wait for the next process");
    }
}

/// How long a replay waits for a chunk's reports when `message.timeout.ms` is 0 (no deadline).
const REPLAY_WAIT_CAP: Duration = Duration::from_secs(300);

impl Resend for ProducerClient {
    fn reachable(&self) -> bool {
        crate::sys::librdkafka::request_broker_metadata(self.producer.client(), 1000) as i32 == 0
    }

    fn resend(&self, records: &[&SpoolRecord]) -> Vec<Outcome> {
        let mut outcomes = vec![Outcome::Retry; records.len()];
        let (tx, rx) = bounded(records.len());
        let mut index = HashMap::with_capacity(records.len());
        for (i, r) in records.iter().enumerate() {
            let rec = Record {
                topic: &r.topic,
                partition: r.partition.max(-1),
                key: r.key.as_deref(),
                value: r.value.as_deref(),
                headers: r.headers.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect(),
                timestamp_ms: r.timestamp_ms,
            };
            match self.produce(REPLAY_SLOT, &rec, Some(Box::new(tx.clone()))) {
                Ok(id) => {
                    index.insert(id, i);
                }
                Err(_) => break, // queue full, say: the rest waits for the next round
            }
        }
        let timeout_ms = self.settings.kafka.get("message.timeout.ms").and_then(|v| v.parse::<u64>().ok()).unwrap_or(300_000);
        let wait = if timeout_ms == 0 { REPLAY_WAIT_CAP } else { Duration::from_millis(timeout_ms) + Duration::from_secs(5) };
        let deadline = Instant::now() + wait;
        crate::sys::librdkafka::flush(self.producer.client(), 0);
        for _ in 0..index.len() {
            let Ok(ev) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) else { break };
            let Some(&i) = index.get(&ev.message_id) else { continue };
            outcomes[i] = match ev.err {
                0 => Outcome::Delivered,
                e if spoolable(e, false) => Outcome::Retry,
                _ => Outcome::Refused(ev.text.as_deref().map(|t| t.to_string_lossy().into_owned()).unwrap_or_default()),
            };
        }
        outcomes
    }
}

/// How long each metadata request of `nudge_producer_id` waits for a broker.
const NUDGE_TIMEOUT: Duration = Duration::from_secs(1);

/// Gets an idempotent producer its producer id in milliseconds instead of half a second.
///
/// Why: librdkafka (2.12) asks for the id when a metadata answer arrives, but only a broker it
/// learned from the metadata may serve it, and the bootstrap connection that brought the first
/// answer is dropped right after. When the learned broker's connection comes up, its metadata
/// refresh is skipped as already in flight, so the request waits for a 500 ms retry timer, and
/// every new client's first delivery with it (measured: 0.51 s; with these requests 0.06 s).
/// Two requests for the brokers' metadata, one after the other, on a thread of their own: the
/// second can only be answered once a learned broker is up, and its answer triggers the id
/// request. The thread keeps the client alive until it is done (at most two timeouts).
fn nudge_producer_id(producer: Arc<BaseProducer<ReportRouter>>) {
    let spawned = std::thread::Builder::new().name("kb-producer-id".into()).spawn(move || {
        for _ in 0..2 {
            let err = crate::sys::librdkafka::request_broker_metadata(producer.client(), crate::sys::librdkafka::millis(NUDGE_TIMEOUT));
            if err as i32 != 0 {
                break; // no broker in time: librdkafka's own timer takes over
            }
        }
    });
    // Without the thread only the first delivery is slower; nothing is lost.
    drop(spawned);
}

/// Every client created in this process, for the exit flush.
static LIVE: Lazy<Mutex<Vec<Weak<ProducerClient>>>> = Lazy::new(|| Mutex::new(Vec::new()));

static PERSISTENT: Lazy<Mutex<Named<ProducerClient>>> = Lazy::new(Mutex::default);

/// A private client, or the persistent client of `settings`' name (created on first use).
/// Returns the client and whether it already existed.
pub fn open(settings: Settings) -> KbResult<(Arc<ProducerClient>, bool)> {
    let Some(name) = settings.bridge.persistent_name.clone() else {
        return Ok((ProducerClient::create(None, settings)?, false));
    };
    let mut table = PERSISTENT.lock();
    let clients = table.current();
    // A client that hit a fatal error (for example a fenced transactional producer) can never
    // produce again: the next session gets a new one; sessions still on the old one keep it.
    if clients.get(&name).is_some_and(|c| c.producer.client().fatal_error().is_some()) {
        clients.remove(&name);
    }
    if let Some(existing) = clients.get(&name) {
        if existing.settings != settings {
            return Err(conflict("producer", &name, &existing.settings, &settings));
        }
        return Ok((existing.clone(), true));
    }
    let client = ProducerClient::create(Some(name.clone()), settings)?;
    clients.insert(name, client.clone());
    Ok((client, false))
}

/// Drops every persistent client (flushing each within its close timeout). Sessions still open
/// keep their client alive until they are freed.
pub fn shutdown_persistent() -> KbResult<()> {
    let clients = PERSISTENT.lock().take_all();
    let mut failed = None;
    for c in clients {
        if let Err(e) = c.flush(Duration::from_millis(c.settings.bridge.close_timeout_ms)) {
            failed = Some(e);
        }
    }
    failed.map_or(Ok(()), Err)
}

/// At normal process exit: flush every live client of this process within its
/// `bridge.exit.flush.timeout.ms`, and say what could not be delivered.
pub fn flush_all_at_exit() {
    let epoch = fork_epoch();
    let clients: Vec<_> = LIVE.lock().iter().filter_map(Weak::upgrade).filter(|c| c.epoch == epoch).collect();
    for c in clients {
        let timeout = Duration::from_millis(c.settings.bridge.exit_flush_timeout_ms);
        if c.flush(timeout).is_err() && c.router().spool.is_some() {
            let spooled = c.spool_leftovers();
            eprintln!(
                "kafkabridge: at exit, producer {}: {spooled} message(s) not delivered after {} ms (bridge.exit.flush.timeout.ms) were spooled to {}",
                c.router().label,
                timeout.as_millis(),
                c.router().spool.as_ref().map_or_else(Default::default, |s| s.dir().display().to_string())
            );
        } else if c.in_flight() > 0 {
            eprintln!(
                "kafkabridge: at exit, producer {}: {} message(s) not confirmed delivered after {} ms (bridge.exit.flush.timeout.ms); they may be lost",
                c.router().label,
                c.in_flight(),
                timeout.as_millis()
            );
        }
        let failed = c.router().orphans_failed.load(Ordering::Relaxed);
        if failed > 0 {
            eprintln!("kafkabridge: at exit, producer {}: {failed} message(s) failed after their session ended", c.router().label);
        }
    }
}
