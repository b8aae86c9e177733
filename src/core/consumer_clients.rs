//! Persistent consumers (`bridge.persistent.name`): a process-wide group member per name, created
//! on first use, to which one session at a time attaches (`core::consumer_session`). Between
//! sessions a keeper thread serves the member, so that it stays in its group (rebalances, polls
//! within `max.poll.interval.ms`), and prefetches into a bounded buffer
//! (`bridge.consumer.buffer.messages` and `.bytes`), pausing the assigned partitions once it is
//! full and resuming them as a session drains it. The next session is handed the buffered
//! messages first. A member with no session for `bridge.consumer.idle.ms` leaves its group (its
//! partitions move to members that read them) and rejoins, with the same subscription, when the
//! next session attaches.
//!
//! Nothing is lost: the member's librdkafka consumer never stores offsets by itself
//! (`enable.auto.offset.store=false` underneath), so librdkafka commits only what sessions were
//! handed (stored as it is handed out, unless the configuration turns storing off) or committed
//! themselves. Buffered messages of a revoked partition are dropped uncommitted: the partition's
//! new owner reads them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;
use parking_lot::{Condvar, Mutex, MutexGuard};

use crate::core::config::Settings;
use crate::core::consumer::{is_revoked, ConsumerClient};
use crate::core::error::{KbError, KbResult};
use crate::core::message::Message;
use crate::core::named::{conflict, Named};
use crate::core::partitions::{to_list, PartitionRef};
use crate::sys::runtime::ConsumerDoorbell;

/// How long the keeper waits for the consumer's doorbell before it polls anyway (timers,
/// `max.poll.interval.ms`). It waits outside librdkafka, so a session never waits for it.
const KEEPER_SLICE: Duration = Duration::from_millis(100);

pub struct PersistentConsumer {
    pub name: String,
    /// The settings the first session gave; later sessions must give the same.
    pub settings: Settings,
    /// What the keeper waits on; dropped before the consumer closes, and declared before it for
    /// the same reason.
    doorbell: Mutex<Option<Arc<ConsumerDoorbell>>>,
    /// The member's consumer: a new one after the member left its group while idle.
    client: Mutex<Arc<ConsumerClient>>,
    /// The settings the consumer is opened with.
    underneath: Settings,
    /// The configuration's `enable.auto.offset.store` (default true): each message's offset is
    /// stored as it is handed to a session.
    pub store_handed: bool,
    /// The configuration's `enable.auto.commit` (default true): a session's end commits what it
    /// was handed.
    pub commit_at_end: bool,
    buffer: Mutex<Buffer>,
    /// Signalled when a session ends (the keeper takes over) or the member is shut down.
    detached: Condvar,
    /// Held by whoever polls librdkafka: the keeper between sessions, the session's calls.
    polling: Mutex<()>,
    keeper: Mutex<Option<JoinHandle<()>>>,
    stop: AtomicBool,
    pub created: Instant,
}

/// What the member holds for the next session.
#[derive(Default)]
pub struct Buffer {
    pub attached: bool,
    messages: VecDeque<Message>,
    /// Bytes of keys and values in `messages`.
    bytes: usize,
    /// Partitions paused because the buffer is full.
    pub paused: Vec<(String, i32)>,
    pub sessions_served: u64,
    /// Offsets handed to sessions that had not been committed when their session ended (the
    /// messages are handed out again).
    pub redelivered: u64,
    /// When the last session ended.
    pub idle_since: Option<Instant>,
    /// Left the group while idle: the subscription to restore on the next attach.
    pub left: Option<Vec<String>>,
    /// Times the member left its group while idle.
    pub idle_leaves: u64,
    /// Rebalances taken part in by the consumers the member closed when it left while idle.
    pub earlier_rebalances: u64,
}

/// Bytes of a message's key and value, what the buffer's byte bound counts.
pub fn size(m: &Message) -> usize {
    m.key.as_ref().map_or(0, Vec::len) + m.value.as_ref().map_or(0, Vec::len)
}

impl Buffer {
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    fn push_back(&mut self, m: Message) {
        self.bytes += size(&m);
        self.messages.push_back(m);
    }

    fn push_front(&mut self, m: Message) {
        self.bytes += size(&m);
        self.messages.push_front(m);
    }

    fn pop_front(&mut self) -> Option<Message> {
        let m = self.messages.pop_front()?;
        self.bytes -= size(&m);
        Some(m)
    }

    /// Drops the messages of the partitions in `parts` (revoked, or rewound to an earlier
    /// offset), and forgets that they were paused.
    pub fn forget(&mut self, parts: &[(String, i32)]) {
        let mut bytes = self.bytes;
        self.messages.retain(|m| {
            let keep = !is_revoked(parts, m.topic.to_bytes(), m.partition);
            if !keep {
                bytes -= size(m);
            }
            keep
        });
        self.bytes = bytes;
        self.paused.retain(|(t, p)| !is_revoked(parts, t.as_bytes(), *p));
    }

    fn clear(&mut self) {
        self.messages.clear();
        self.bytes = 0;
        self.paused.clear();
    }
}

impl PersistentConsumer {
    fn create(name: String, settings: Settings) -> KbResult<Arc<PersistentConsumer>> {
        let flag = |key: &str| settings.kafka.get(key).is_none_or(|v| v == "true");
        let (store_handed, commit_at_end) = (flag("enable.auto.offset.store"), flag("enable.auto.commit"));
        let mut underneath = settings.clone();
        underneath.kafka.insert("enable.auto.offset.store".into(), "false".into());
        let (client, doorbell) = Self::open_consumer(&underneath)?;
        let pc = Arc::new(PersistentConsumer {
            name,
            settings,
            doorbell: Mutex::new(Some(doorbell)),
            client: Mutex::new(client),
            underneath,
            store_handed,
            commit_at_end,
            buffer: Mutex::default(),
            detached: Condvar::new(),
            polling: Mutex::new(()),
            keeper: Mutex::new(None),
            stop: AtomicBool::new(false),
            created: Instant::now(),
        });
        let keeper = pc.clone();
        let thread = std::thread::Builder::new()
            .name("kb-consumer".into())
            .spawn(move || keeper.keep())
            .map_err(|e| KbError::state(format!("starting the persistent consumer's thread: {e}")))?;
        *pc.keeper.lock() = Some(thread);
        // Members of this process leave their groups (committing what was stored) at exit.
        crate::sys::runtime::run_at_exit(leave_all_at_exit);
        Ok(pc)
    }

    fn open_consumer(settings: &Settings) -> KbResult<(Arc<ConsumerClient>, Arc<ConsumerDoorbell>)> {
        let client = ConsumerClient::open_with(settings.clone(), true)?;
        let doorbell = Arc::new(ConsumerDoorbell::new(&*client.live()?));
        Ok((Arc::new(client), doorbell))
    }

    /// The member's consumer.
    pub fn client(&self) -> Arc<ConsumerClient> {
        self.client.lock().clone()
    }

    pub fn buffer(&self) -> MutexGuard<'_, Buffer> {
        self.buffer.lock()
    }

    fn is_full(&self, b: &Buffer) -> bool {
        b.len() >= self.settings.bridge.consumer_buffer_messages || b.bytes() >= self.settings.bridge.consumer_buffer_bytes
    }

    /// Serves the member while no session is attached, until `shut_down`: drains the consumer
    /// queue without waiting, then waits on its doorbell.
    fn keep(&self) {
        loop {
            {
                let mut b = self.buffer.lock();
                while (b.attached || b.left.is_some()) && !self.stop.load(Ordering::SeqCst) {
                    self.detached.wait(&mut b);
                }
            }
            if self.stop.load(Ordering::SeqCst) {
                return;
            }
            if !self.drain() {
                continue;
            }
            if self.leave_if_idle() {
                continue;
            }
            let doorbell = self.doorbell.lock().clone();
            if let Some(d) = doorbell {
                d.wait(KEEPER_SLICE);
            }
        }
    }

    /// Takes what the consumer queue holds into the buffer (serving rebalances on the way).
    /// False if a session attached meanwhile.
    fn drain(&self) -> bool {
        let _polling = self.polling.lock();
        loop {
            if self.buffer.lock().attached {
                return false;
            }
            if !self.fetch_ready() {
                return true;
            }
        }
    }

    /// For a session about to be handed buffered messages: one poll without waiting, so that a
    /// member whose sessions read only from its buffer still serves its group at once
    /// (rebalances, `max.poll.interval.ms`), and a revoked partition is forgotten before any of
    /// it is handed out.
    pub fn serve(&self) {
        if self.buffer.lock().is_empty() {
            // The session polls librdkafka itself next, which serves the group.
            return;
        }
        let _polling = self.polling.lock();
        self.fetch_ready();
    }

    /// One poll without waiting: what is ready goes to the buffer, and the assignment is paused
    /// once the buffer is full (full, it still polls: paused partitions give nothing, and the
    /// group is served). True if it fetched anything. The caller holds `polling`.
    fn fetch_ready(&self) -> bool {
        let room = self.settings.bridge.consumer_buffer_messages.saturating_sub(self.buffer.lock().len());
        let fetched = self.client().poll_batch(Duration::ZERO, room.max(1)).unwrap_or_default();
        let mut b = self.buffer.lock();
        self.forget_revoked(&mut b);
        let got = !fetched.is_empty();
        for m in fetched {
            b.push_back(m);
        }
        if self.is_full(&b) {
            self.pause_assignment(&mut b);
        }
        got
    }

    /// Leaves the group after `bridge.consumer.idle.ms` without a session: the consumer
    /// commits what was stored and closes (within `bridge.close.timeout.ms`); the buffer is
    /// dropped uncommitted. True if it left.
    fn leave_if_idle(&self) -> bool {
        let idle = Duration::from_millis(self.settings.bridge.consumer_idle_ms);
        let _polling = self.polling.lock();
        let mut b = self.buffer.lock();
        if idle.is_zero() || b.attached || b.idle_since.is_none_or(|t| t.elapsed() < idle) {
            return false;
        }
        let client = self.client();
        let subscription = client.subscription().map(|s| s.iter().map(|e| e.topic.to_string_lossy().into_owned()).collect()).unwrap_or_default();
        b.earlier_rebalances += client.rebalances();
        self.doorbell.lock().take();
        if let Err(e) = client.close() {
            eprintln!("kafkabridge: persistent consumer {:?} leaving its group while idle: {}", self.name, e.message);
        }
        b.clear();
        b.left = Some(subscription);
        b.idle_leaves += 1;
        true
    }

    /// Drops what the buffer holds of partitions revoked since it last looked.
    pub fn forget_revoked(&self, b: &mut Buffer) {
        let revoked = self.client().take_revocations();
        if !revoked.is_empty() {
            b.forget(&revoked);
        }
    }

    /// Pauses the assigned partitions not yet paused.
    fn pause_assignment(&self, b: &mut Buffer) {
        let Ok(assigned) = self.client().assignment() else { return };
        let new: Vec<(String, i32)> =
            assigned.iter().map(|e| (e.topic.to_string_lossy().into_owned(), e.partition)).filter(|tp| !b.paused.contains(tp)).collect();
        if !new.is_empty() && self.set_paused(&new, true).is_ok() {
            b.paused.extend(new);
        }
    }

    /// Takes up to `max` buffered messages (and at most `max_bytes` bytes but at least one, 0:
    /// no limit), resuming the paused partitions once the buffer has room again.
    pub fn take_buffered(&self, max: usize, max_bytes: usize) -> Vec<Message> {
        let mut b = self.buffer.lock();
        let mut out = Vec::new();
        let mut bytes = 0;
        while out.len() < max {
            let Some(next) = b.messages.front() else { break };
            if max_bytes != 0 && !out.is_empty() && bytes + size(next) > max_bytes {
                break;
            }
            bytes += size(next);
            out.extend(b.pop_front());
        }
        if !b.paused.is_empty() && !self.is_full(&b) {
            let paused = std::mem::take(&mut b.paused);
            if self.set_paused(&paused, false).is_err() {
                b.paused = paused;
            }
        }
        out
    }

    /// Returns messages not handed out to the front of the buffer, in order.
    pub fn put_back(&self, messages: Vec<Message>) {
        let mut b = self.buffer.lock();
        for m in messages.into_iter().rev() {
            b.push_front(m);
        }
    }

    fn set_paused(&self, parts: &[(String, i32)], pause: bool) -> KbResult<()> {
        let refs: Vec<PartitionRef<'_>> =
            parts.iter().map(|(topic, partition)| PartitionRef { topic, partition: *partition, offset: 0, metadata: None }).collect();
        self.client().pause(&to_list(&refs, false)?, pause)
    }

    /// Attaches a session: refused while another is attached. The keeper's poll in progress is
    /// cut short; it polls no more until the session ends.
    pub fn attach(&self) -> KbResult<()> {
        {
            let mut b = self.buffer.lock();
            if b.attached {
                return Err(KbError::state(format!(
                    "persistent consumer {:?} is in use by another handle: free that one first (one session at a time)",
                    self.name
                )));
            }
            if let Some(topics) = &b.left {
                self.rejoin(topics)?;
                b.left = None;
            }
            b.attached = true;
        }
        Ok(())
    }

    /// A new consumer for a member that left while idle, subscribed as before.
    fn rejoin(&self, topics: &[String]) -> KbResult<()> {
        let (client, doorbell) = Self::open_consumer(&self.underneath)?;
        if !topics.is_empty() {
            client.subscribe(&topics.iter().map(String::as_str).collect::<Vec<_>>())?;
        }
        *self.client.lock() = client;
        *self.doorbell.lock() = Some(doorbell);
        Ok(())
    }

    /// Runs a session's call that polls librdkafka (never at the same time as the keeper).
    pub fn polling<T>(&self, f: impl FnOnce() -> T) -> T {
        let _polling = self.polling.lock();
        let out = f();
        self.forget_revoked(&mut self.buffer.lock());
        out
    }

    /// Ends the attached session; the keeper takes over.
    pub fn detach(&self, redelivered: u64) {
        let mut b = self.buffer.lock();
        b.attached = false;
        b.idle_since = Some(Instant::now());
        b.sessions_served += 1;
        b.redelivered += redelivered;
        self.detached.notify_all();
    }

    /// Stops the keeper and leaves the group (within `bridge.close.timeout.ms`).
    fn shut_down(&self) -> KbResult<()> {
        self.stop.store(true, Ordering::SeqCst);
        self.detached.notify_all();
        if let Some(d) = self.doorbell.lock().as_ref() {
            d.wake();
        }
        if let Some(keeper) = self.keeper.lock().take() {
            let _ = keeper.join();
        }
        // The doorbell holds a handle of the consumer's queue: released before the consumer.
        self.doorbell.lock().take();
        self.client().close()
    }
}

static PERSISTENT: Lazy<Mutex<Named<PersistentConsumer>>> = Lazy::new(Mutex::default);

/// The persistent consumer of `settings`' name, created on first use; and whether it existed.
pub fn open(name: &str, settings: Settings) -> KbResult<(Arc<PersistentConsumer>, bool)> {
    let mut table = PERSISTENT.lock();
    let members = table.current();
    if let Some(existing) = members.get(name) {
        if existing.settings != settings {
            return Err(conflict("consumer", name, &existing.settings, &settings));
        }
        return Ok((existing.clone(), true));
    }
    let member = PersistentConsumer::create(name.to_string(), settings)?;
    members.insert(name.to_string(), member.clone());
    Ok((member, false))
}

/// Every persistent consumer leaves its group (each within its close timeout) and is dropped.
pub fn shutdown_persistent() -> KbResult<()> {
    let members = PERSISTENT.lock().take_all();
    let mut failed = None;
    for m in members {
        if let Err(e) = m.shut_down() {
            failed = Some(e);
        }
    }
    failed.map_or(Ok(()), Err)
}

/// At normal process exit: every persistent consumer of this process commits what was stored
/// for its sessions (with `enable.auto.commit`) and leaves its group, within
/// `bridge.close.timeout.ms`; what could not leave in time is said on stderr.
pub fn leave_all_at_exit() {
    let members = PERSISTENT.lock().take_all();
    for m in members {
        if let Err(e) = m.shut_down() {
            eprintln!("kafkabridge: at exit, persistent consumer {:?}: {}", m.name, e.message);
        }
    }
}
