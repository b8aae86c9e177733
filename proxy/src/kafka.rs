//! The proxy's Kafka side, on kafkabridge's core: two producers shared by every connection
//! (librdkafka starts threads per client and per broker, so a client per connection could not
//! reach thousands of connections). Waiting XADDs go through one with `linger.ms=0` (unless the
//! settings give one), as a synchronous produce sends at once instead of sitting out the linger;
//! queued XADDs through one with the settings as given, which batches. A waiting XADD hands the
//! core a waiter that completes a tokio oneshot on the producer's poll thread; the queued
//! producer's reports are counted on that thread too, as they come (a report sink: measured, a
//! waiter per message costs a queued XADD half again its CPU, and a drained event queue caps
//! their rate at the drain's). A thread of its own drains the sessions' queues of what still
//! comes there: errors, and the reports of waiting XADDs whose connection went away.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use kafkabridge::core::config::Config;
use kafkabridge::core::error::KbError;
use kafkabridge::core::events::{kb_event_type, Event, ReportSink};
use kafkabridge::core::producer::ProducerSession;
use kafkabridge::core::producer_clients::{Record, ReportWaiter};
use tokio::sync::oneshot;

/// Delivery counts, for INFO.
#[derive(Default)]
pub struct Deliveries {
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
}

pub struct Kafka {
    /// For queued XADDs and the cluster questions.
    producer: Arc<ProducerSession>,
    /// For waiting XADDs.
    waiting: Arc<ProducerSession>,
    pub deliveries: Arc<Deliveries>,
    stop: Arc<AtomicBool>,
    drainer: Option<JoinHandle<()>>,
}

/// Where a produced message ended up: (partition, offset), or the error.
pub type Outcome = Result<(i32, i64), KbError>;

struct Notify(oneshot::Sender<Event>);

impl ReportWaiter for Notify {
    fn deliver(self: Box<Self>, report: Event) -> Result<(), Event> {
        self.0.send(report)
    }
}

impl Deliveries {
    fn count(&self, report: &Event) {
        if report.err == 0 {
            self.delivered.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.failed.fetch_add(1, Ordering::Relaxed);
        let text = report.text.as_ref().map(|t| t.to_string_lossy().into_owned()).unwrap_or_default();
        let topic = report.topic.as_ref().map(|t| t.to_string_lossy().into_owned()).unwrap_or_default();
        eprintln!("kafkabridge-proxy: a message to {topic:?} failed with no client waiting for its reply: {text}");
    }
}

impl Kafka {
    /// The shared producer, from librdkafka settings (checked as they are set).
    pub fn open(settings: &BTreeMap<String, String>) -> Result<Kafka, String> {
        let deliveries = Arc::new(Deliveries::default());
        let counted = deliveries.clone();
        let producer = Arc::new(open_producer(settings, Some(Box::new(move |report| counted.count(&report))))?);
        let mut waiting_settings = settings.clone();
        waiting_settings.entry("linger.ms".into()).or_insert_with(|| "0".into());
        let waiting = Arc::new(open_producer(&waiting_settings, None)?);
        let stop = Arc::new(AtomicBool::new(false));
        let drainer = {
            let (producers, deliveries, stop) = ([producer.clone(), waiting.clone()], deliveries.clone(), stop.clone());
            std::thread::Builder::new()
                .name("kb-proxy-events".into())
                .spawn(move || drain_events(&producers, &deliveries, &stop))
                .map_err(|e| format!("starting the event thread: {e}"))?
        };
        Ok(Kafka { producer, waiting, deliveries, stop, drainer: Some(drainer) })
    }

    /// Enqueues one message. With `wait`, the returned receiver gets its report; without, the
    /// report is counted where it comes and the message's id comes back.
    pub fn produce(&self, rec: &Record<'_>, wait: bool) -> Result<Produced, KbError> {
        if !wait {
            return self.producer.produce(rec).map(Produced::Queued);
        }
        let (tx, rx) = oneshot::channel();
        self.waiting.produce_to(rec, Box::new(Notify(tx)))?;
        Ok(Produced::Waiting(rx))
    }

    /// Each partition of `topic` with its low and high watermarks (blocking: ask from a blocking
    /// thread); empty for a topic the cluster does not have.
    pub fn partitions(&self, topic: &str) -> Result<Vec<(i32, i64, i64)>, KbError> {
        let timeout = Duration::from_secs(10);
        let md = self.producer.cluster().metadata(Some(topic), timeout)?;
        let Some(t) = md.topics.iter().find(|t| t.name.to_bytes() == topic.as_bytes() && t.err == 0) else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for p in &t.partitions {
            let (low, high) = self.producer.cluster().watermarks(topic, p.id, timeout)?;
            out.push((p.id, low, high));
        }
        out.sort();
        Ok(out)
    }

    /// Waits up to `timeout` for every message to be delivered or failed, then stops the event
    /// thread once it has counted every report.
    pub fn close(&mut self, timeout: Duration) -> Result<(), KbError> {
        let flushed = self.producer.flush(timeout).and(self.waiting.flush(timeout));
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.drainer.take() {
            let _ = t.join();
        }
        flushed
    }
}

pub enum Produced {
    Queued(u64),
    Waiting(oneshot::Receiver<Event>),
}

/// A delivery report as an outcome.
pub fn outcome(ev: &Event) -> Outcome {
    if ev.err == 0 {
        Ok((ev.partition, ev.offset))
    } else {
        Err(KbError::new(ev.err, ev.text.as_ref().map(|t| t.to_string_lossy().into_owned()).unwrap_or_default()))
    }
}

fn open_producer(settings: &BTreeMap<String, String>, reports: Option<ReportSink>) -> Result<ProducerSession, String> {
    let config = Config::new();
    for (k, v) in settings {
        config.set(k, v).map_err(|e| format!("Kafka setting {k}: {}", e.message))?;
    }
    let opened = match reports {
        Some(sink) => ProducerSession::open_with_report_sink(config.settings(), sink),
        None => ProducerSession::open(config.settings()),
    };
    opened.map_err(|e| format!("creating the Kafka producer: {}", e.message))
}

/// Counts and logs what comes as events: errors, and the reports of waiting XADDs whose
/// connection went away before they came. It waits on the first queue only: the second gets
/// those rare reports alone, and they need counting, not haste.
fn drain_events(producers: &[Arc<ProducerSession>], deliveries: &Deliveries, stop: &AtomicBool) {
    loop {
        let stopping = stop.load(Ordering::SeqCst);
        let waits = [Duration::from_millis(50), Duration::ZERO];
        let events = producers.iter().zip(waits).flat_map(|(p, wait)| p.events().pop_batch(wait, 10_000));
        for ev in events {
            match ev.kind {
                kb_event_type::KB_EVENT_DELIVERY => deliveries.count(&ev),
                kb_event_type::KB_EVENT_ERROR => {
                    let text = ev.text.as_ref().map(|t| t.to_string_lossy().into_owned()).unwrap_or_default();
                    eprintln!("kafkabridge-proxy: Kafka: {text}");
                }
                _ => {}
            }
        }
        // Stop only once the flush is over and the queues are empty: every report was counted.
        if stopping && producers.iter().all(|p| p.events().is_empty()) {
            return;
        }
    }
}
