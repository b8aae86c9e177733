//! What one `kb_consumer` handle is: a consumer of its own, or a session of the persistent
//! consumer of `bridge.persistent.name` (`core::consumer_clients`). Every call of a consumer
//! works on a session; the polls hand out the member's buffered messages first, and the end of
//! a session commits (with `enable.auto.commit`) and rewinds, so that the next session
//! continues exactly after the last committed message. A message handed out and not committed
//! by the session that got it is handed out again to the next one (counted as redelivered).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use rdkafka::types::RDKafkaRespErr;

use crate::core::config::Settings;
use crate::core::consumer::ConsumerClient;
use crate::core::consumer_clients::{self, PersistentConsumer};
use crate::core::error::{KbError, KbResult};
use crate::core::message::Message;
use crate::core::packed_messages::PackedMessages;
use crate::core::partitions::{to_list, PartitionRef, KB_OFFSET_STORED};

pub enum ConsumerSession {
    Private(Arc<ConsumerClient>),
    Persistent(PersistentSession),
}

pub struct PersistentSession {
    member: Arc<PersistentConsumer>,
    /// Attached to a member that already existed.
    pub reused: bool,
    /// Per partition, the offsets of the first message handed to this session and after the
    /// last one.
    handed: Mutex<HashMap<(String, i32), (i64, i64)>>,
    ended: AtomicBool,
}

impl ConsumerSession {
    pub fn open(settings: Settings) -> KbResult<ConsumerSession> {
        let Some(name) = settings.bridge.persistent_name.clone() else {
            return Ok(ConsumerSession::Private(Arc::new(ConsumerClient::open(settings)?)));
        };
        if !settings.kafka.contains_key("group.id") {
            return Err(KbError::invalid_arg(format!(
                "persistent consumer {name:?} needs a group.id: it stays a member of its group between sessions"
            )));
        }
        let (member, reused) = consumer_clients::open(&name, settings)?;
        member.attach()?;
        Ok(ConsumerSession::Persistent(PersistentSession { member, reused, handed: Mutex::default(), ended: AtomicBool::new(false) }))
    }

    /// The consumer the handle's other calls work on; refused once a session has ended (a
    /// private consumer refuses them itself once closed).
    pub fn client(&self) -> KbResult<Arc<ConsumerClient>> {
        match self {
            ConsumerSession::Private(c) => Ok(c.clone()),
            ConsumerSession::Persistent(s) if s.ended.load(Ordering::SeqCst) => {
                Err(KbError::state(format!("this session of persistent consumer {:?} has ended", s.member.name)))
            }
            ConsumerSession::Persistent(s) => Ok(s.member.client()),
        }
    }

    /// Since the consumer (or the persistent member) was created.
    pub fn age(&self) -> Duration {
        match self {
            ConsumerSession::Private(c) => c.created.elapsed(),
            ConsumerSession::Persistent(s) => s.member.created.elapsed(),
        }
    }

    /// The persistent member this session is attached to, if any.
    pub fn member(&self) -> Option<&PersistentSession> {
        match self {
            ConsumerSession::Private(_) => None,
            ConsumerSession::Persistent(s) => Some(s),
        }
    }

    /// Subscribes; a session asking for the member's current subscription (every request of a
    /// worker does) changes nothing: subscribing again would make the group rebalance.
    pub fn subscribe(&self, topics: &[&str]) -> KbResult<()> {
        let client = self.client()?;
        if self.member().is_some() {
            let mut current: Vec<String> = client.subscription()?.iter().map(|e| e.topic.to_string_lossy().into_owned()).collect();
            let mut wanted: Vec<String> = topics.iter().map(|t| t.to_string()).collect();
            current.sort();
            wanted.sort();
            wanted.dedup();
            if current == wanted {
                return Ok(());
            }
        }
        client.subscribe(topics)
    }

    pub fn poll(&self, timeout: Duration) -> KbResult<Option<Message>> {
        match self {
            ConsumerSession::Private(c) => c.poll(timeout),
            ConsumerSession::Persistent(s) => {
                self.client()?;
                s.member.serve();
                let m = match s.member.take_buffered(1, 0).pop() {
                    Some(m) => Some(m),
                    None => s.member.polling(|| s.member.client().poll(timeout))?,
                };
                s.hand_out(m.iter())?;
                Ok(m)
            }
        }
    }

    pub fn poll_batch(&self, timeout: Duration, max: usize) -> KbResult<Vec<Message>> {
        match self {
            ConsumerSession::Private(c) => c.poll_batch(timeout, max),
            ConsumerSession::Persistent(s) => {
                self.client()?;
                s.member.serve();
                let mut batch = s.member.take_buffered(max, 0);
                if batch.is_empty() {
                    batch = s.member.polling(|| s.member.client().poll_batch(timeout, max))?;
                }
                s.hand_out(batch.iter())?;
                Ok(batch)
            }
        }
    }

    pub fn poll_packed(&self, timeout: Duration, min: usize, max: usize, max_bytes: usize) -> KbResult<PackedMessages> {
        match self {
            ConsumerSession::Private(c) => c.poll_packed(timeout, min, max, max_bytes),
            ConsumerSession::Persistent(s) => {
                self.client()?;
                s.member.serve();
                let mut batch = s.member.take_buffered(max, max_bytes);
                if batch.is_empty() {
                    batch = s.member.polling(|| s.member.client().poll_batch_min(timeout, min, max))?;
                    // Past `max_bytes`, the rest goes back to the front of the buffer, unhanded.
                    let fits = fitting(&batch, max_bytes);
                    s.member.put_back(batch.split_off(fits));
                }
                s.hand_out(batch.iter())?;
                Ok(pack(&batch, max, max_bytes))
            }
        }
    }

    /// Ends the handle: a private consumer leaves its group; a session ends (the member stays).
    pub fn close(&self) -> KbResult<()> {
        match self {
            ConsumerSession::Private(c) => c.close(),
            ConsumerSession::Persistent(s) => s.end(),
        }
    }
}

/// How many messages from the start fit in `max_bytes` (0: no limit; at least one).
fn fitting(messages: &[Message], max_bytes: usize) -> usize {
    if max_bytes == 0 {
        return messages.len();
    }
    let mut bytes = 0;
    messages
        .iter()
        .position(|m| {
            bytes += consumer_clients::size(m);
            bytes > max_bytes
        })
        .map_or(messages.len(), |i| i.max(1))
}

fn pack(messages: &[Message], max: usize, max_bytes: usize) -> PackedMessages {
    let mut packed = PackedMessages::with_capacity(max, max_bytes);
    for m in messages {
        packed.add_owned(m);
    }
    packed
}

impl PersistentSession {
    pub fn member(&self) -> &PersistentConsumer {
        &self.member
    }

    /// Records what the session was handed and, unless the configuration turned storing off,
    /// stores the offsets for the next commit.
    fn hand_out<'a>(&self, messages: impl Iterator<Item = &'a Message>) -> KbResult<()> {
        let mut latest: HashMap<(String, i32), (i64, i64)> = HashMap::new();
        for m in messages.filter(|m| m.err == 0) {
            latest.entry((m.topic.to_string_lossy().into_owned(), m.partition)).or_insert((m.offset, 0)).1 = m.offset + 1;
        }
        let mut handed = self.handed.lock();
        for ((topic, partition), (first, next)) in latest {
            if self.member.store_handed {
                self.member.client().store_offset(&topic, partition, next)?;
            }
            handed.entry((topic, partition)).or_insert((first, next)).1 = next;
        }
        Ok(())
    }

    /// Commits what was stored (with `enable.auto.commit`), then moves every partition this
    /// session was handed messages of back to its committed offset, dropping what the member
    /// buffered of it: the next session continues after the last committed message.
    fn end(&self) -> KbResult<()> {
        if self.ended.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let handed = std::mem::take(&mut *self.handed.lock());
        let outcome = self.member.polling(|| self.settle(&handed));
        let redelivered = outcome.as_ref().map_or(0, |n| *n);
        self.member.detach(redelivered);
        outcome.map(|_| ())
    }

    /// `end`'s commit and rewind; returns how many handed-out offsets were not committed.
    fn settle(&self, handed: &HashMap<(String, i32), (i64, i64)>) -> KbResult<u64> {
        if handed.is_empty() {
            return Ok(0);
        }
        let client = self.member.client();
        if self.member.commit_at_end {
            match client.commit(None, false) {
                // Everything handed out was stored, and is now committed: nothing to rewind.
                Ok(()) if self.member.store_handed => return Ok(0),
                Err(e) if e.code == RDKafkaRespErr::RD_KAFKA_RESP_ERR__NO_OFFSET as i32 => {}
                other => other?,
            }
        }
        let parts: Vec<PartitionRef<'_>> =
            handed.keys().map(|(topic, partition)| PartitionRef { topic, partition: *partition, offset: 0, metadata: None }).collect();
        let timeout = Duration::from_millis(self.member.settings.bridge.commit_timeout_ms);
        let committed = client.committed(Some(to_list(&parts, false)?), timeout)?;
        let mut redelivered = 0;
        for c in committed {
            let topic = c.topic.to_string_lossy().into_owned();
            let Some(&(first, next)) = handed.get(&(topic.clone(), c.partition)) else { continue };
            if c.offset >= next {
                continue;
            }
            // Never committed: from where the group starts a partition (auto.offset.reset).
            let to = if c.offset >= 0 { c.offset } else { KB_OFFSET_STORED };
            client.seek(&topic, c.partition, to, timeout)?;
            self.member.buffer().forget(&[(topic.clone(), c.partition)]);
            redelivered += (next - c.offset.max(first)).max(0) as u64;
        }
        Ok(redelivered)
    }
}

impl Drop for PersistentSession {
    fn drop(&mut self) {
        let _ = self.end();
    }
}
