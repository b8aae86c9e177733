//! The consuming side: one long-lived Kafka group member per Redis consumer group, shared by
//! every connection and every Redis consumer name of that group. A thread per group polls the
//! member into a bounded buffer; XREADGROUP hands buffered entries to a consumer name and keeps
//! them in its pending entries list (PEL) until XACK.
//!
//! Kafka commits an offset per partition, Redis acknowledges entries one by one. The proxy
//! commits, per partition, only the contiguous acknowledged prefix: the offset of the first
//! entry not yet acknowledged (pending or still buffered), or the end of what was fetched when
//! nothing is outstanding; offsets that do not exist (compaction, transaction markers) were never
//! fetched and so never stall it. Acknowledged entries above that point travel in the commit's
//! metadata, so that a member that takes the partition over (after a restart or a rebalance)
//! skips them instead of delivering them again. What was delivered and not acknowledged is
//! delivered again after a restart or a rebalance: at-least-once.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kafkabridge::core::config::Config;
use kafkabridge::core::consumer::ConsumerClient;
use kafkabridge::core::events::kb_event_type;
use kafkabridge::core::message::Message;
use kafkabridge::core::partitions::{to_list, PartitionRef};
use parking_lot::Mutex;
use tokio::sync::Notify;

/// librdkafka's code for an assignment in a rebalance event (the other is a revocation).
const ASSIGN: i32 = -175;
/// The commit metadata's prefix; what follows lists acknowledged offsets above the commit.
const METADATA_TAG: &str = "kbacks:";
/// Kafka keeps at most `offset.metadata.max.bytes` (4096 by default) of commit metadata.
const METADATA_MAX: usize = 3900;
/// How often the poller commits what acknowledgements moved.
const COMMIT_EVERY: Duration = Duration::from_millis(200);
/// What a group holds for an entry beyond its bytes (the entry, its id, its consumer's name), and
/// for an acknowledged offset above the commit point; counted against `--group-memory`.
const ENTRY_OVERHEAD: usize = 96;
const ACKED_OVERHEAD: usize = 16;

/// The bytes an entry holds: its value, key and headers, and the overhead.
fn weight(m: &Message) -> usize {
    let headers: usize = m.headers.iter().map(|(k, v)| k.as_bytes().len() + v.as_ref().map_or(0, Vec::len)).sum();
    ENTRY_OVERHEAD + m.value.as_ref().map_or(0, Vec::len) + m.key.as_ref().map_or(0, Vec::len) + headers
}

pub struct Pending {
    pub consumer: String,
    pub delivered: Instant,
    pub deliveries: u64,
    pub msg: Arc<Message>,
}

#[derive(Default)]
pub struct Partition {
    /// The offset after the last message fetched (at first the committed one); None while
    /// neither is known, and then nothing is committed for the partition.
    fetched_upto: Option<i64>,
    /// Delivered, not yet acknowledged, by offset.
    pub pending: BTreeMap<i64, Pending>,
    /// Fetched, not yet delivered.
    buffered: BTreeSet<i64>,
    /// Acknowledged above the first outstanding offset.
    acked: BTreeSet<i64>,
    /// Acknowledged according to the committed metadata: not delivered again.
    skip: BTreeSet<i64>,
    /// The last offset committed (None: nothing committed by this member yet).
    committed: Option<i64>,
    /// The bytes held for this partition's buffered and pending entries and acknowledged offsets.
    held: usize,
}

impl Partition {
    /// The offset to commit: the first one not acknowledged.
    fn commit_point(&self) -> Option<i64> {
        [self.pending.keys().next(), self.buffered.iter().next()].into_iter().flatten().min().copied().or(self.fetched_upto)
    }

    fn buffer(&mut self, m: &Message) {
        self.buffered.insert(m.offset);
        self.held += weight(m);
    }

    /// Acknowledged above the commit point: remembered until the commit point passes it.
    fn remember_ack(&mut self, offset: i64) {
        if self.acked.insert(offset) {
            self.held += ACKED_OVERHEAD;
        }
    }

    /// Whether `offset` was pending (it is acknowledged now).
    fn acknowledge(&mut self, offset: i64) -> bool {
        let Some(pe) = self.pending.remove(&offset) else { return false };
        self.held -= weight(&pe.msg);
        self.remember_ack(offset);
        true
    }

    /// Forgets the acknowledged offsets below `point` (the commit covers them).
    fn forget_acks_below(&mut self, point: i64) {
        let before = self.acked.len();
        self.acked = self.acked.split_off(&point);
        self.held -= (before - self.acked.len()) * ACKED_OVERHEAD;
    }

    /// The commit metadata: acknowledged offsets above `point`, as deltas, as many as fit.
    fn metadata(&self, point: i64) -> String {
        let mut md = String::from(METADATA_TAG);
        for o in self.acked.range(point..) {
            let item = format!("{},", o - point);
            if md.len() + item.len() > METADATA_MAX {
                break;
            }
            md.push_str(&item);
        }
        md
    }
}

/// The acknowledged offsets a commit's metadata names (empty if it is not ours).
fn acked_from_metadata(point: i64, md: &[u8]) -> BTreeSet<i64> {
    let text = String::from_utf8_lossy(md);
    let Some(list) = text.strip_prefix(METADATA_TAG) else { return BTreeSet::new() };
    list.split(',').filter_map(|d| d.parse::<i64>().ok()).map(|d| point + d).collect()
}

pub struct TopicFigures {
    pub commit_points: Vec<(i32, Option<i64>)>,
    pub consumers: Vec<ConsumerFigures>,
}

pub struct ConsumerFigures {
    pub name: String,
    pub pending: usize,
    pub idle: Duration,
}

#[derive(Default)]
pub struct GroupState {
    pub topics: BTreeSet<String>,
    subscribed: BTreeSet<String>,
    pub parts: HashMap<(String, i32), Partition>,
    /// Fetched entries by topic, in fetch order.
    buffer: HashMap<String, VecDeque<Arc<Message>>>,
    buffered: usize,
    /// Consumer names seen, with when each last read.
    pub consumers: BTreeMap<String, Instant>,
    dirty: bool,
}

impl GroupState {
    /// The bytes held against `--group-memory`.
    fn held(&self) -> usize {
        self.parts.values().map(|p| p.held).sum()
    }
}

pub struct Group {
    pub name: String,
    client: ConsumerClient,
    pub state: Mutex<GroupState>,
    /// Woken when entries arrive, for blocked XREADGROUPs.
    pub arrived: Notify,
    max_buffer: usize,
    /// `--group-memory`: the bytes of entries and acknowledgements the member holds at most.
    max_held: usize,
    stop: AtomicBool,
    poller: Mutex<Option<JoinHandle<()>>>,
}

pub struct Groups {
    kafka: BTreeMap<String, String>,
    max_buffer: usize,
    max_held: usize,
    groups: Mutex<HashMap<String, Arc<Group>>>,
}

impl Groups {
    pub fn new(kafka: BTreeMap<String, String>, max_buffer: usize, max_held: usize) -> Groups {
        Groups { kafka, max_buffer, max_held, groups: Mutex::default() }
    }

    /// The member of `group`, made on first use and subscribed to `topics` too.
    pub fn get(&self, group: &str, topics: &[&str]) -> Result<Arc<Group>, String> {
        let mut groups = self.groups.lock();
        let g = match groups.get(group) {
            Some(g) => g.clone(),
            None => {
                let g = Group::open(group, &self.kafka, self.max_buffer, self.max_held)?;
                groups.insert(group.to_string(), g.clone());
                g
            }
        };
        let mut st = g.state.lock();
        for t in topics {
            st.topics.insert(t.to_string());
        }
        drop(st);
        Ok(g)
    }

    /// An existing member (XACK, XPENDING, XCLAIM need no new one).
    pub fn existing(&self, group: &str) -> Option<Arc<Group>> {
        self.groups.lock().get(group).cloned()
    }

    /// Every member, by name.
    pub fn all(&self) -> Vec<Arc<Group>> {
        let mut v: Vec<Arc<Group>> = self.groups.lock().values().cloned().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// (group, partitions assigned, consumer names, pending entries, buffered entries, bytes
    /// held) of every group, for INFO.
    pub fn figures(&self) -> Vec<(String, usize, usize, usize, usize, usize)> {
        let groups: Vec<Arc<Group>> = self.groups.lock().values().cloned().collect();
        let mut out: Vec<_> = groups
            .iter()
            .map(|g| {
                let st = g.state.lock();
                (g.name.clone(), st.parts.len(), st.consumers.len(), st.parts.values().map(|p| p.pending.len()).sum(), st.buffered, st.held())
            })
            .collect();
        out.sort();
        out
    }

    /// Stops every poller, commits what was acknowledged and leaves the groups.
    pub fn close(&self) {
        for g in self.groups.lock().drain().map(|(_, g)| g) {
            g.close();
        }
    }
}

impl Group {
    fn open(name: &str, kafka: &BTreeMap<String, String>, max_buffer: usize, max_held: usize) -> Result<Arc<Group>, String> {
        let config = Config::new();
        for (k, v) in kafka {
            config.set(k, v).map_err(|e| format!("Kafka setting {k}: {}", e.message))?;
        }
        for (k, v) in [("group.id", name), ("enable.auto.commit", "false"), ("enable.auto.offset.store", "false")] {
            config.set(k, v).map_err(|e| format!("{k}: {}", e.message))?;
        }
        if !kafka.contains_key("auto.offset.reset") {
            // A new group reads its topics from the start, as a Redis group made with id 0.
            config.set("auto.offset.reset", "earliest").map_err(|e| e.message)?;
        }
        let client = ConsumerClient::open(config.settings()).map_err(|e| format!("joining group {name:?}: {}", e.message))?;
        let g = Arc::new(Group {
            name: name.to_string(),
            client,
            state: Mutex::default(),
            arrived: Notify::new(),
            max_buffer,
            max_held,
            stop: AtomicBool::new(false),
            poller: Mutex::new(None),
        });
        let poller = g.clone();
        let thread = std::thread::Builder::new()
            .name("kb-proxy-group".into())
            .spawn(move || poller.poll_loop())
            .map_err(|e| format!("starting the poller of group {name:?}: {e}"))?;
        *g.poller.lock() = Some(thread);
        Ok(g)
    }

    fn poll_loop(&self) {
        let mut last_commit = Instant::now();
        while !self.stop.load(Ordering::SeqCst) {
            self.follow_subscription();
            let room = {
                let st = self.state.lock();
                if st.held() >= self.max_held {
                    0
                } else {
                    self.max_buffer.saturating_sub(st.buffered)
                }
            };
            // Full, it still polls (for the group's sake) but takes nothing: the rest waits in
            // librdkafka, whose own prefetch is bounded by its settings. One batch may take
            // the member past `--group-memory`, by at most `--group-buffer` entries.
            let fetched = if room == 0 {
                std::thread::sleep(Duration::from_millis(20));
                Vec::new()
            } else {
                self.client.poll_batch(Duration::from_millis(100), room).unwrap_or_default()
            };
            self.apply_rebalances();
            if !fetched.is_empty() {
                self.take(fetched);
                self.arrived.notify_waiters();
            }
            if last_commit.elapsed() >= COMMIT_EVERY {
                self.commit(true);
                last_commit = Instant::now();
            }
        }
    }

    fn follow_subscription(&self) {
        let topics = {
            let mut st = self.state.lock();
            if st.topics == st.subscribed {
                return;
            }
            st.subscribed = st.topics.clone();
            st.subscribed.iter().cloned().collect::<Vec<_>>()
        };
        if let Err(e) = self.client.subscribe(&topics.iter().map(String::as_str).collect::<Vec<_>>()) {
            eprintln!("kafkabridge-proxy: group {:?}: subscribing to {topics:?}: {}", self.name, e.message);
        }
    }

    /// Applies the rebalances librdkafka reported: a new partition starts from its committed
    /// offset, skipping what the commit's metadata says was acknowledged; a revoked one is
    /// forgotten (its pending entries go to its next owner, delivered again).
    fn apply_rebalances(&self) {
        for ev in self.client.events().drain() {
            if ev.kind != kb_event_type::KB_EVENT_REBALANCE {
                continue;
            }
            let parts: Vec<(String, i32)> = ev.partitions.iter().map(|p| (p.topic.to_string_lossy().into_owned(), p.partition)).collect();
            if ev.err == ASSIGN {
                let committed = to_list(
                    &parts.iter().map(|(t, p)| PartitionRef { topic: t, partition: *p, offset: 0, metadata: None }).collect::<Vec<_>>(),
                    false,
                )
                .ok()
                .and_then(|tpl| self.client.committed(Some(tpl), Duration::from_secs(10)).ok())
                .unwrap_or_default();
                let mut st = self.state.lock();
                for (t, p) in &parts {
                    let c = committed.iter().find(|e| e.topic.to_bytes() == t.as_bytes() && e.partition == *p);
                    let point = c.map_or(-1, |c| c.offset);
                    let skip = c.map(|c| acked_from_metadata(point, &c.metadata)).unwrap_or_default();
                    let known = (point >= 0).then_some(point);
                    st.parts.insert((t.clone(), *p), Partition { skip, committed: known, fetched_upto: known, ..Partition::default() });
                }
            } else {
                let mut st = self.state.lock();
                for key in &parts {
                    st.parts.remove(key);
                }
                let st = &mut *st;
                for q in st.buffer.values_mut() {
                    q.retain(|m| !parts.iter().any(|(t, p)| m.topic.to_bytes() == t.as_bytes() && m.partition == *p));
                }
                st.buffered = st.buffer.values().map(VecDeque::len).sum();
            }
        }
    }

    fn take(&self, fetched: Vec<Message>) {
        let mut st = self.state.lock();
        let st = &mut *st;
        for m in fetched {
            if m.err != 0 {
                continue;
            }
            let topic = m.topic.to_string_lossy().into_owned();
            // Only partitions the member holds now (a batch may straddle a revocation).
            let Some(part) = st.parts.get_mut(&(topic.clone(), m.partition)) else { continue };
            part.fetched_upto = Some(part.fetched_upto.map_or(m.offset + 1, |f| f.max(m.offset + 1)));
            if part.skip.remove(&m.offset) {
                // Acknowledged before (the commit's metadata says so): not delivered again.
                part.remember_ack(m.offset);
                st.dirty = true;
                continue;
            }
            part.buffer(&m);
            st.buffer.entry(topic).or_default().push_back(Arc::new(m));
            st.buffered += 1;
        }
    }

    /// Hands up to `count` buffered entries of `topic` to `consumer` (into its PEL). None: there
    /// were none, and none will come until entries are acknowledged, for the member holds
    /// `--group-memory` already.
    pub fn deliver(&self, topic: &str, consumer: &str, count: usize) -> Option<Vec<Arc<Message>>> {
        let mut st = self.state.lock();
        let st = &mut *st;
        st.consumers.insert(consumer.to_string(), Instant::now());
        let starved = st.held() >= self.max_held;
        let Some(q) = st.buffer.get_mut(topic).filter(|q| !q.is_empty()) else { return (!starved).then(Vec::new) };
        let mut out = Vec::new();
        while out.len() < count {
            let Some(m) = q.pop_front() else { break };
            st.buffered -= 1;
            let Some(part) = st.parts.get_mut(&(topic.to_string(), m.partition)) else { continue };
            part.buffered.remove(&m.offset);
            part.pending.insert(m.offset, Pending { consumer: consumer.to_string(), delivered: Instant::now(), deliveries: 1, msg: m.clone() });
            out.push(m);
        }
        Some(out)
    }

    /// The bytes held against `--group-memory`, and the limit, for the error that says so.
    pub fn memory(&self) -> (usize, usize) {
        (self.state.lock().held(), self.max_held)
    }

    /// For XINFO: per partition of `topic` the member holds, where its commit point is; and per
    /// consumer name its pending entries of `topic` and when it last read.
    pub fn topic_figures(&self, topic: &str) -> TopicFigures {
        let st = self.state.lock();
        let of_topic = || st.parts.iter().filter(|((t, _), _)| t == topic);
        let mut commit_points: Vec<(i32, Option<i64>)> = of_topic().map(|((_, p), part)| (*p, part.commit_point())).collect();
        commit_points.sort();
        let consumers = st
            .consumers
            .iter()
            .map(|(name, seen)| ConsumerFigures {
                name: name.clone(),
                pending: of_topic().map(|(_, part)| part.pending.values().filter(|pe| &pe.consumer == name).count()).sum(),
                idle: seen.elapsed(),
            })
            .collect();
        TopicFigures { commit_points, consumers }
    }

    /// Whether the member reads `topic`.
    pub fn reads(&self, topic: &str) -> bool {
        self.state.lock().topics.contains(topic)
    }

    /// Acknowledges entries; returns how many were pending.
    pub fn ack(&self, topic: &str, ids: &[(i32, i64)]) -> usize {
        let mut st = self.state.lock();
        let mut n = 0;
        for (p, o) in ids {
            if let Some(part) = st.parts.get_mut(&(topic.to_string(), *p)) {
                if part.acknowledge(*o) {
                    n += 1;
                }
            }
        }
        if n > 0 {
            st.dirty = true;
        }
        n
    }

    /// Commits each partition's acknowledged prefix (and the acknowledged offsets above it, in
    /// the metadata) where it moved.
    pub fn commit(&self, asynchronous: bool) {
        let commits: Vec<(String, i32, i64, String)> = {
            let mut st = self.state.lock();
            if !st.dirty {
                return;
            }
            st.dirty = false;
            st.parts
                .iter_mut()
                .filter_map(|((t, p), part)| {
                    let point = part.commit_point()?;
                    part.forget_acks_below(point);
                    let md = part.metadata(point);
                    (part.committed != Some(point) || !part.acked.is_empty()).then(|| {
                        part.committed = Some(point);
                        (t.clone(), *p, point, md)
                    })
                })
                .collect()
        };
        if commits.is_empty() {
            return;
        }
        let refs: Vec<PartitionRef<'_>> =
            commits.iter().map(|(t, p, o, md)| PartitionRef { topic: t, partition: *p, offset: *o, metadata: Some(md.as_bytes()) }).collect();
        let result = to_list(&refs, true).and_then(|tpl| self.client.commit(Some(&tpl), asynchronous));
        if let Err(e) = result {
            eprintln!("kafkabridge-proxy: group {:?}: commit: {}", self.name, e.message);
            self.state.lock().dirty = true;
        }
    }

    fn close(&self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.poller.lock().take() {
            let _ = t.join();
        }
        self.state.lock().dirty = true;
        self.commit(false);
        if let Err(e) = self.client.close() {
            eprintln!("kafkabridge-proxy: group {:?}: leaving: {}", self.name, e.message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commit_point_is_the_first_offset_not_acknowledged() {
        let mut p = Partition::default();
        assert_eq!(p.commit_point(), None, "nothing known: nothing to commit");
        p.fetched_upto = Some(10);
        assert_eq!(p.commit_point(), Some(10));
        p.buffered.insert(7);
        assert_eq!(p.commit_point(), Some(7));
        p.acked.extend([8, 9]);
        assert_eq!(p.metadata(7), "kbacks:1,2,");
        assert_eq!(acked_from_metadata(7, b"kbacks:1,2,"), BTreeSet::from([8, 9]));
        assert!(acked_from_metadata(7, b"someone else's").is_empty());
    }
}
