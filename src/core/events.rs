//! Events: delivery reports, client errors, logs, statistics, rebalances, commit results and
//! OAUTHBEARER token refreshes, recorded on background threads into a per-handle queue and
//! drained by the host's poll call.
//! Nothing here ever calls into the host.

use std::ffi::{CStr, CString};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver, Sender};

use crate::core::error::{kb_err, KbError, KbResult, KB_ERR_EVENT_QUEUE_FULL};
use crate::core::partitions::{PartitionEntry, KB_OFFSET_INVALID};
use crate::core::text::cstr;

/// What an event reports.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum kb_event_type {
    /// A produced message was delivered or failed: `message_id`, `topic`, `partition`, `offset`,
    /// `timestamp_ms`, `err` (0 on success) and `text` (the error message).
    KB_EVENT_DELIVERY = 1,
    /// A client-level error (`err`, `text`, `fatal`), for example all brokers down.
    KB_EVENT_ERROR = 2,
    /// A librdkafka log line: `log_level` (syslog levels 0..7), `facility`, `text`.
    KB_EVENT_LOG = 3,
    /// Statistics JSON in `text` (enable with the `statistics.interval.ms` property).
    KB_EVENT_STATS = 4,
    /// A consumer group rebalance: `err` is RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS (-175) or
    /// RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS (-174); `partitions` lists them. kafkabridge has
    /// already applied the (incremental) assignment when you see this event.
    KB_EVENT_REBALANCE = 5,
    /// The result of an offset commit: `err` and the committed `partitions`.
    KB_EVENT_COMMIT = 6,
    /// The client wants a SASL/OAUTHBEARER token (`sasl.mechanism=OAUTHBEARER`, neither
    /// `sasl.oauthbearer.method=oidc` nor `enable.sasl.oauthbearer.unsecure.jwt=true`): `text`
    /// is `sasl.oauthbearer.config`. Answer with kb_producer_oauthbearer_set_token() (or the
    /// consumer's), or with ..._set_token_failure(). Raised when the client is created, at 80% of
    /// the remaining lifetime of the token last set, and 10 seconds after a failure; not again
    /// until answered.
    KB_EVENT_OAUTHBEARER_TOKEN_REFRESH = 7,
}

/// One recorded event (owned data).
pub struct Event {
    pub kind: kb_event_type,
    pub err: kb_err,
    pub fatal: bool,
    pub message_id: u64,
    pub topic: Option<Arc<CStr>>,
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: i64,
    pub text: Option<CString>,
    pub log_level: i32,
    pub facility: Option<CString>,
    pub partitions: Vec<PartitionEntry>,
}

impl Event {
    pub fn new(kind: kb_event_type) -> Event {
        Event {
            kind,
            err: 0,
            fatal: false,
            message_id: 0,
            topic: None,
            partition: -1,
            offset: KB_OFFSET_INVALID,
            timestamp_ms: -1,
            text: None,
            log_level: 0,
            facility: None,
            partitions: Vec::new(),
        }
    }

    pub fn error(err: kb_err, fatal: bool, text: &str) -> Event {
        Event { err, fatal, text: Some(cstr(text)), ..Event::new(kb_event_type::KB_EVENT_ERROR) }
    }

    pub fn log(level: i32, facility: &str, text: &str) -> Event {
        Event { log_level: level, facility: Some(cstr(facility)), text: Some(cstr(text)), ..Event::new(kb_event_type::KB_EVENT_LOG) }
    }

    pub fn stats(json: &[u8]) -> Event {
        let text = CString::new(json.iter().copied().filter(|b| *b != 0).collect::<Vec<u8>>()).unwrap_or_default();
        Event { text: Some(text), ..Event::new(kb_event_type::KB_EVENT_STATS) }
    }
}

/// Where a session's delivery reports go instead of its queue: a Rust host of the core that
/// handles them on the client's poll thread, as they come (the proxy counts its fire-and-forget
/// XADDs' reports so). It must be quick and must not block. The C ABI never installs one: its
/// hosts drain their queue (no callbacks into the host).
pub type ReportSink = Box<dyn Fn(Event) + Send + Sync>;

/// A handle's event queue. Delivery reports are never dropped: once `capacity` of them wait
/// undrained, producing more fails with KB_ERR_EVENT_QUEUE_FULL (backpressure). Other events
/// beyond `capacity` are dropped and counted in `dropped()`.
pub struct EventQueue {
    tx: Sender<Event>,
    rx: Receiver<Event>,
    capacity: usize,
    pending_reports: AtomicUsize,
    dropped: AtomicU64,
    reports: Option<ReportSink>,
}

impl EventQueue {
    pub fn new(capacity: usize) -> EventQueue {
        let (tx, rx) = unbounded();
        EventQueue { tx, rx, capacity, pending_reports: AtomicUsize::new(0), dropped: AtomicU64::new(0), reports: None }
    }

    /// A queue whose delivery reports go to `reports` (see `ReportSink`); other events queue.
    pub fn with_report_sink(capacity: usize, reports: ReportSink) -> EventQueue {
        EventQueue { reports: Some(reports), ..EventQueue::new(capacity) }
    }

    pub fn push_report(&self, ev: Event) {
        if let Some(sink) = &self.reports {
            sink(ev);
            return;
        }
        self.pending_reports.fetch_add(1, Ordering::SeqCst);
        let _ = self.tx.send(ev);
    }

    /// For events that must not be dropped but do not count against produce (rebalances, commits).
    pub fn push_always(&self, ev: Event) {
        let _ = self.tx.send(ev);
    }

    pub fn push(&self, ev: Event) {
        if self.rx.len() >= self.capacity {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        } else {
            let _ = self.tx.send(ev);
        }
    }

    /// Refuses new work while too many delivery reports wait undrained.
    pub fn check_room(&self, adding: usize) -> KbResult<()> {
        if self.pending_reports.load(Ordering::SeqCst) + adding > self.capacity {
            return Err(KbError::new(
                KB_ERR_EVENT_QUEUE_FULL,
                format!(
                    "{} delivery reports wait undrained (bridge.event.queue.size = {}): poll events, then retry",
                    self.pending_reports.load(Ordering::SeqCst),
                    self.capacity
                ),
            ));
        }
        Ok(())
    }

    fn taken(&self, ev: Event) -> Event {
        if ev.kind == kb_event_type::KB_EVENT_DELIVERY {
            self.pending_reports.fetch_sub(1, Ordering::SeqCst);
        }
        ev
    }

    /// Waits up to `timeout` for one event.
    pub fn pop(&self, timeout: Duration) -> Option<Event> {
        let ev = if timeout.is_zero() { self.rx.try_recv().ok() } else { self.rx.recv_timeout(timeout).ok() };
        ev.map(|e| self.taken(e))
    }

    /// Waits up to `timeout` for the first event, then takes whatever else is ready, up to `max`.
    pub fn pop_batch(&self, timeout: Duration, max: usize) -> Vec<Event> {
        let mut out = Vec::new();
        if max == 0 {
            return out;
        }
        if let Some(first) = self.pop(timeout) {
            out.push(first);
            while out.len() < max {
                match self.rx.try_recv() {
                    Ok(e) => out.push(self.taken(e)),
                    Err(_) => break,
                }
            }
        }
        out
    }

    /// Everything still queued (used when a session ends).
    pub fn drain(&self) -> Vec<Event> {
        self.rx.try_iter().map(|e| self.taken(e)).collect()
    }

    pub fn len(&self) -> usize {
        self.rx.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_apply_backpressure_and_other_events_overflow_counted() {
        let q = EventQueue::new(2);
        q.push_report(Event::new(kb_event_type::KB_EVENT_DELIVERY));
        q.push_report(Event::new(kb_event_type::KB_EVENT_DELIVERY));
        assert_eq!(q.check_room(1).unwrap_err().code, KB_ERR_EVENT_QUEUE_FULL);
        q.push(Event::log(6, "X", "dropped"));
        assert_eq!(q.dropped(), 1);
        assert_eq!(q.pop_batch(Duration::ZERO, 10).len(), 2);
        assert!(q.check_room(2).is_ok());
    }

    #[test]
    fn a_report_sink_takes_the_reports_and_the_queue_the_rest() {
        let taken = Arc::new(AtomicUsize::new(0));
        let counter = taken.clone();
        let q = EventQueue::with_report_sink(1, Box::new(move |ev| assert_eq!(counter.fetch_add(1, Ordering::SeqCst) as i64, ev.offset)));
        for offset in 0..3 {
            q.push_report(Event { offset, ..Event::new(kb_event_type::KB_EVENT_DELIVERY) });
        }
        assert_eq!(taken.load(Ordering::SeqCst), 3);
        assert!(q.check_room(1).is_ok(), "reports that went to the sink wait nowhere");
        q.push(Event::error(1, false, "queued"));
        assert_eq!(q.pop_batch(Duration::ZERO, 10).len(), 1);
    }
}
