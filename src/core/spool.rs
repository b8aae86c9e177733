//! The durable spool (`bridge.spool.dir`, off by default): a message Kafka could not take in
//! time, or one still in memory when its producer must go, is written to a local file instead of
//! being lost, and re-sent once Kafka answers again: by this process, or by the next one that
//! opens a producer on the same directory. The files are `core::spool_file`'s.
//!
//! What is spooled: a message whose delivery failed with an error a later attempt may not meet
//! (`spoolable`: timed out, broker unreachable, too few replicas, a fatal producer state) and
//! the messages a producer could not deliver before it was freed or the process exited. Not
//! spooled: what Kafka refused for good (too large, not authorized, ...) and what the
//! application purged itself; those are reported failed as without a spool.
//!
//! A spooled message is reported to its session as `KB_ERR_SPOOLED` once its record is written
//! (and synced, with `bridge.spool.fsync=true`). A full spool (`bridge.spool.max.bytes`) or a
//! failed write leaves the report with its own error and says why it was not spooled.
//!
//! Re-sending: each round, a spool that holds records checks that a broker answers, then takes
//! every segment no live process holds, oldest first, and produces its records in file order
//! (so in order per partition, to the partition each was meant for), a chunk at a time, waiting
//! for every report of a chunk before recording how far it got. A record that fails again stays
//! for the next round; records delivered after it are remembered as done, so they are not sent
//! twice. Duplicates remain possible in two places, and every copy carries the same
//! `kb-message-id` header (added to each message of a producer with a spool) so a consumer can
//! drop them: a message purged while in flight may have reached Kafka and been spooled too, and a
//! process killed between Kafka's acknowledgement of a chunk and the write of its progress sends
//! that chunk (at most `REPLAY_CHUNK` records) again.

use std::collections::BTreeSet;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use rdkafka::types::RDKafkaRespErr;

use crate::core::error::{is_fatal, is_retriable, KbError, KbResult};
pub use crate::core::spool_file::SpoolRecord;
use crate::core::spool_file::{dir_bytes, segments, Claimed, Writer};

/// The header every message of a producer with a spool carries: 32 hex digits, unique per message.
pub const MESSAGE_ID_HEADER: &str = "kb-message-id";
/// Records re-sent before their progress is recorded.
const REPLAY_CHUNK: usize = 500;
/// A segment is closed and a new one begun past this size.
const SEGMENT_BYTES: u64 = 64 << 20;

/// Whether a failed delivery is worth spooling: a later attempt, on this client or a new one,
/// may succeed.
pub fn spoolable(code: i32, exiting: bool) -> bool {
    use RDKafkaRespErr::{RD_KAFKA_RESP_ERR__PURGE_INFLIGHT as PURGED_INFLIGHT, RD_KAFKA_RESP_ERR__PURGE_QUEUE as PURGED_QUEUED};
    if code == PURGED_QUEUED as i32 || code == PURGED_INFLIGHT as i32 {
        return exiting; // purged by kafkabridge on its way out, not by the application
    }
    code == RDKafkaRespErr::RD_KAFKA_RESP_ERR__TIMED_OUT as i32 || is_retriable(code) || is_fatal(code)
}

/// Counters a spool keeps (the producer's info reports them).
#[derive(Default)]
pub struct SpoolStats {
    pub spooled: AtomicU64,
    /// Not spooled: the spool was full, or writing it failed.
    pub refused: AtomicU64,
    pub replayed: AtomicU64,
    /// Re-sent and refused by Kafka for good (dropped from the spool, logged).
    pub dropped: AtomicU64,
}

pub struct Spool {
    dir: PathBuf,
    max_bytes: u64,
    fsync: bool,
    state: Mutex<State>,
    pub stats: SpoolStats,
}

struct State {
    writer: Option<Writer>,
    /// The directory's size as last measured, plus what this process wrote since.
    bytes: u64,
}

/// Re-sends records through a live producer (the client's side of a replay).
pub trait Resend {
    /// Whether a broker answers now.
    fn reachable(&self) -> bool;
    /// Produces the records and waits for their reports, one outcome per record.
    fn resend(&self, records: &[&SpoolRecord]) -> Vec<Outcome>;
}

/// What became of one re-sent record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Not delivered, worth another round (see `spoolable`).
    Retry,
    /// Refused for good (the topic was deleted, the record is too large for it now, ...): taken
    /// out of the spool, logged with the reason and counted.
    Refused(String),
}

/// What one replay round did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Replayed {
    pub delivered: u64,
    /// Failed again; kept for the next round.
    pub failed: u64,
    /// Refused by Kafka for good; dropped (and logged).
    pub dropped: u64,
    /// Bytes at the end of segments that were no whole record (a process killed mid-append).
    pub torn_bytes: u64,
}

impl Spool {
    /// Opens (and creates, owner-only) the spool directory.
    pub fn open(dir: &str, max_bytes: u64, fsync: bool) -> KbResult<Spool> {
        let path = PathBuf::from(dir);
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&path)
            .map_err(|e| KbError::invalid_arg(format!("bridge.spool.dir {dir:?} cannot be created: {e}")))?;
        let bytes = dir_bytes(&path);
        Ok(Spool { dir: path, max_bytes, fsync, state: Mutex::new(State { writer: None, bytes }), stats: SpoolStats::default() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes records in one append (and one fsync): as many as fit, in order. Returns how many
    /// were written and, when not all, why the rest were not.
    pub fn write(&self, records: &[SpoolRecord]) -> (usize, Option<String>) {
        let mut state = self.state.lock();
        let mut encoded = Vec::new();
        let mut fit = 0;
        for r in records {
            let before = encoded.len();
            r.encode(&mut encoded);
            if state.bytes + encoded.len() as u64 > self.max_bytes {
                state.bytes = dir_bytes(&self.dir); // others may have replayed since
                if state.bytes + encoded.len() as u64 > self.max_bytes {
                    encoded.truncate(before);
                    break;
                }
            }
            fit += 1;
        }
        let full = (fit < records.len()).then(|| {
            format!("not spooled: the spool {} is full ({} bytes held, bridge.spool.max.bytes={})", self.dir.display(), state.bytes, self.max_bytes)
        });
        if fit > 0 {
            if let Err(e) = self.append(&mut state, &encoded) {
                state.writer = None; // a new segment next time
                self.stats.refused.fetch_add(records.len() as u64, Ordering::Relaxed);
                return (0, Some(format!("not spooled: writing to {} failed: {e}", self.dir.display())));
            }
            state.bytes += encoded.len() as u64;
        }
        self.stats.spooled.fetch_add(fit as u64, Ordering::Relaxed);
        self.stats.refused.fetch_add((records.len() - fit) as u64, Ordering::Relaxed);
        (fit, full)
    }

    fn append(&self, state: &mut State, encoded: &[u8]) -> io::Result<()> {
        if state.writer.as_ref().is_some_and(|w| w.bytes() > SEGMENT_BYTES) {
            state.writer = None;
        }
        let writer = match &mut state.writer {
            Some(w) => w,
            None => state.writer.insert(Writer::create(&self.dir)?),
        };
        writer.append(encoded, self.fsync)
    }

    /// Whether the directory holds any segment (cheap: one directory listing).
    pub fn holds_records(&self) -> bool {
        segments(&self.dir).is_ok_and(|s| !s.is_empty())
    }

    /// One replay round: closes this process's segment (so it can be claimed like any other),
    /// then re-sends every segment nobody holds, as the module notes describe.
    pub fn replay(&self, out: &dyn Resend) -> Replayed {
        let mut done = Replayed::default();
        if !self.holds_records() || !out.reachable() {
            return done;
        }
        self.state.lock().writer = None;
        for path in segments(&self.dir).unwrap_or_default() {
            let claimed = match Claimed::try_claim(&path) {
                Ok(Some(c)) => c,
                Ok(None) => continue, // being written, or another replayer has it
                Err(e) => {
                    eprintln!("kafkabridge: spool: cannot open {}: {e}", path.display());
                    continue;
                }
            };
            match self.replay_segment(claimed, out, &mut done) {
                Ok(true) => {}
                Ok(false) => break, // Kafka stopped taking them: the next round goes on
                Err(e) => eprintln!("kafkabridge: spool: replaying {}: {e}", path.display()),
            }
        }
        self.state.lock().bytes = dir_bytes(&self.dir);
        done
    }

    /// Re-sends one claimed segment; Ok(false) when a record failed again.
    fn replay_segment(&self, mut seg: Claimed, out: &dyn Resend, done: &mut Replayed) -> io::Result<bool> {
        let contents = seg.remaining()?;
        if contents.torn_bytes > 0 {
            eprintln!(
                "kafkabridge: spool: {}: {} bytes from offset {} are no whole record (a write its process never finished); they are skipped",
                seg.path().display(),
                contents.torn_bytes,
                contents.torn_at
            );
            done.torn_bytes += contents.torn_bytes;
        }
        // Positions (record ends) delivered beyond the recorded prefix, by an earlier round.
        let mut delivered: BTreeSet<u64> = contents.done_after.iter().copied().collect();
        let todo: Vec<&(u64, SpoolRecord)> = contents.records.iter().filter(|(end, _)| !delivered.contains(end)).collect();
        let mut prefix = contents.from;
        let mut all_in = true;
        for chunk in todo.chunks(REPLAY_CHUNK) {
            let records: Vec<&SpoolRecord> = chunk.iter().map(|(_, r)| r).collect();
            let results = out.resend(&records);
            let (delivered_before, dropped_before) = (done.delivered, done.dropped);
            for ((end, rec), outcome) in chunk.iter().zip(&results) {
                match outcome {
                    Outcome::Delivered => done.delivered += 1,
                    Outcome::Refused(why) => {
                        eprintln!(
                            "kafkabridge: spool: a message to {:?} (partition {}) from {} was refused by Kafka and is dropped from the spool: {why}",
                            rec.topic,
                            rec.partition,
                            seg.path().display()
                        );
                        done.dropped += 1;
                    }
                    Outcome::Retry => {
                        done.failed += 1;
                        all_in = false;
                        continue;
                    }
                }
                delivered.insert(*end);
            }
            // The prefix moves over every delivered record; the rest stay listed.
            for (end, _) in &contents.records {
                if *end <= prefix {
                    continue;
                }
                if !delivered.remove(end) {
                    break;
                }
                prefix = *end;
            }
            seg.advance(prefix, &delivered)?;
            // Counted as each chunk lands, so a watcher of the directory never sees them late.
            self.stats.replayed.fetch_add(done.delivered - delivered_before, Ordering::Relaxed);
            self.stats.dropped.fetch_add(done.dropped - dropped_before, Ordering::Relaxed);
            if !all_in {
                return Ok(false);
            }
        }
        seg.finish()?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn record(n: u32) -> SpoolRecord {
        SpoolRecord {
            topic: "t".into(),
            partition: (n % 2) as i32,
            timestamp_ms: 1,
            key: None,
            value: Some(n.to_le_bytes().to_vec()),
            headers: vec![(MESSAGE_ID_HEADER.into(), Some(format!("{n:032x}").into_bytes()))],
        }
    }

    /// A record Kafka refuses for good.
    const POISON: u32 = 1;

    /// A Kafka that takes records unless told to refuse some values; remembers what it took.
    struct FakeKafka {
        refuse: RefCell<BTreeSet<u32>>,
        took: RefCell<Vec<u32>>,
    }

    impl Resend for FakeKafka {
        fn reachable(&self) -> bool {
            true
        }
        fn resend(&self, records: &[&SpoolRecord]) -> Vec<Outcome> {
            records
                .iter()
                .map(|r| {
                    let n = u32::from_le_bytes(r.value.as_deref().unwrap().try_into().unwrap());
                    if n == POISON {
                        return Outcome::Refused("too large".into());
                    }
                    if self.refuse.borrow().contains(&n) {
                        return Outcome::Retry;
                    }
                    self.took.borrow_mut().push(n);
                    Outcome::Delivered
                })
                .collect()
        }
    }

    fn temp_dir(name: &str) -> String {
        let d = std::env::temp_dir().join(format!("kb-spool-replay-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d.to_string_lossy().into_owned()
    }

    #[test]
    fn every_record_is_sent_once_even_when_some_fail_the_first_time() {
        let dir = temp_dir("once");
        let spool = Spool::open(&dir, 1 << 30, false).unwrap();
        let n = REPLAY_CHUNK as u32 * 2 + 7;
        assert_eq!(spool.write(&(0..n).map(record).collect::<Vec<_>>()), (n as usize, None));
        let kafka = FakeKafka { refuse: RefCell::new([3, 600].into()), took: RefCell::default() };

        let first = spool.replay(&kafka);
        assert_eq!((first.delivered, first.failed, first.dropped), (REPLAY_CHUNK as u64 - 2, 1, 1), "the round stops after the chunk with a failure");
        kafka.refuse.borrow_mut().clear();
        let second = spool.replay(&kafka);
        assert_eq!((second.delivered, second.dropped), (n as u64 - 1 - first.delivered, 0), "the refused record is gone");
        let mut took = kafka.took.borrow().clone();
        took.sort();
        assert_eq!(took, (0..n).filter(|n| *n != POISON).collect::<Vec<_>>(), "each record exactly once");
        assert!(!spool.holds_records());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_full_spool_refuses_with_a_reason_and_counts() {
        let dir = temp_dir("full");
        let spool = Spool::open(&dir, 200, false).unwrap();
        assert_eq!(spool.write(&[record(1)]), (1, None));
        let (fit, err) = spool.write(&(0..10).map(record).collect::<Vec<_>>());
        let err = err.unwrap();
        assert!(fit > 0 && fit < 10, "as many as fit: {fit}");
        assert!(err.contains("is full") && err.contains("bridge.spool.max.bytes=200"), "{err}");
        assert_eq!(spool.stats.refused.load(Ordering::Relaxed), 10 - fit as u64);
        assert_eq!(spool.stats.spooled.load(Ordering::Relaxed), 1 + fit as u64);
        assert!(dir_bytes(Path::new(&dir)) <= 200);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_errors_a_later_attempt_may_not_meet_are_spooled() {
        use RDKafkaRespErr::*;
        assert!(spoolable(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT as i32, false));
        assert!(spoolable(RD_KAFKA_RESP_ERR__TRANSPORT as i32, false));
        assert!(spoolable(RD_KAFKA_RESP_ERR__FATAL as i32, false));
        assert!(!spoolable(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE as i32, false));
        assert!(!spoolable(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED as i32, false));
        assert!(!spoolable(RD_KAFKA_RESP_ERR__PURGE_QUEUE as i32, false), "the application purged it");
        assert!(spoolable(RD_KAFKA_RESP_ERR__PURGE_QUEUE as i32, true), "kafkabridge purged it on the way out");
    }
}
