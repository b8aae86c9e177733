//! XREAD: reading from a position without a group. `XREAD [COUNT n] [BLOCK ms] STREAMS <topic>...
//! <id>...` where each id is `<partition>-<seq>` (the entry id; the read starts after it, at
//! offset `<seq>`) or `<partition>` (that partition from its start). The proxy has one reader
//! (a consumer without a group, assigned per call), so XREADs run one after another; a
//! position read is for inspecting a topic, not a consuming hot path (use XREADGROUP for that).

use crate::resp::Arg;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kafkabridge::core::config::Config;
use kafkabridge::core::consumer::ConsumerClient;
use kafkabridge::core::partitions::{to_list, PartitionRef};
use tokio::sync::Mutex;

use crate::commands::{Session, Step};
use crate::reply::Reply;
use crate::server::Shared;
use crate::streams::{entry, parse_id, parse_read};

/// How long an XREAD without BLOCK waits for the fetch from its position.
const FETCH_WAIT: Duration = Duration::from_millis(1000);

pub struct Reader {
    kafka: std::collections::BTreeMap<String, String>,
    client: Mutex<Option<Arc<ConsumerClient>>>,
}

impl Reader {
    pub fn new(kafka: std::collections::BTreeMap<String, String>) -> Reader {
        Reader { kafka, client: Mutex::new(None) }
    }

    fn open(&self) -> Result<Arc<ConsumerClient>, String> {
        let config = Config::new();
        for (k, v) in &self.kafka {
            config.set(k, v).map_err(|e| format!("Kafka setting {k}: {}", e.message))?;
        }
        ConsumerClient::open(config.settings()).map(Arc::new).map_err(|e| format!("creating the reader: {}", e.message))
    }
}

struct Read {
    count: usize,
    block: Option<Duration>,
    /// (topic, partition, first offset)
    positions: Vec<(String, i32, i64)>,
}

fn parse(args: &[Arg]) -> Result<Read, Reply> {
    let a = parse_read(args, 1, "xread")?;
    let mut positions = Vec::new();
    for (topic, id) in a.streams {
        let (p, from) = if id.contains(&b'-') {
            let (p, o) = parse_id(&id)?;
            (p, o + 1)
        } else {
            let p = std::str::from_utf8(&id).ok().and_then(|s| s.parse::<i32>().ok()).filter(|p| *p >= 0).ok_or_else(|| {
                Reply::error(format!("ERR XREAD takes <partition>-<seq> (an entry id) or <partition>, got {:?}", String::from_utf8_lossy(&id)))
            })?;
            (p, 0)
        };
        positions.push((topic, p, from));
    }
    Ok(Read { count: a.count.unwrap_or(100), block: a.block, positions })
}

pub fn xread(s: &Session, shared: &Arc<Shared>, args: &[Arg]) -> Step {
    let r = match parse(args) {
        Ok(r) => r,
        Err(e) => return Step::Reply(e),
    };
    let (shared, resp3) = (shared.clone(), s.resp3);
    Step::Later(Box::pin(async move {
        let mut slot = shared.reader.client.lock().await;
        let client = match slot.clone() {
            Some(c) => c,
            None => match shared.reader.open() {
                Ok(c) => slot.insert(c).clone(),
                Err(e) => return Reply::error(format!("ERR {e}")),
            },
        };
        // The fetch blocks: it runs on a blocking thread, the reader held meanwhile.
        let wait = r.block.unwrap_or(FETCH_WAIT);
        let stop = shared.stop.clone();
        let read = tokio::task::spawn_blocking(move || fetch(&client, &r, wait, &|| *stop.borrow())).await;
        drop(slot);
        match read {
            Ok(Ok(found)) if found.is_empty() => Reply::NilArray,
            Ok(Ok(found)) => crate::streams::by_topic(found, resp3),
            Ok(Err(e)) => Reply::error(format!("ERR XREAD: {e}")),
            Err(e) => Reply::error(format!("ERR XREAD: {e}")),
        }
    }))
}

/// Assigns the positions and polls until `count` entries per position came, `wait` passed or
/// `stopping` says the proxy shuts down.
fn fetch(client: &ConsumerClient, r: &Read, wait: Duration, stopping: &dyn Fn() -> bool) -> Result<Vec<(String, Vec<Reply>)>, String> {
    let refs: Vec<PartitionRef<'_>> =
        r.positions.iter().map(|(t, p, o)| PartitionRef { topic: t, partition: *p, offset: *o, metadata: None }).collect();
    let tpl = to_list(&refs, true).map_err(|e| e.message)?;
    client.assign(Some(&tpl)).map_err(|e| e.message)?;
    let mut got: Vec<(String, Vec<Reply>)> = Vec::new();
    let mut taken = vec![0usize; r.positions.len()];
    let deadline = Instant::now().checked_add(wait);
    loop {
        let left = deadline.map_or(Duration::from_millis(200), |d| d.saturating_duration_since(Instant::now()));
        let batch = client.poll_batch(left.min(Duration::from_millis(200)), 1000).map_err(|e| e.message)?;
        for m in batch.iter().filter(|m| m.err == 0) {
            let topic = m.topic.to_string_lossy();
            let Some(i) = r.positions.iter().position(|(t, p, _)| *t == topic && *p == m.partition) else { continue };
            if taken[i] >= r.count {
                continue;
            }
            taken[i] += 1;
            match got.iter_mut().find(|(t, _)| *t == topic) {
                Some((_, entries)) => entries.push(entry(m)),
                None => got.push((topic.into_owned(), vec![entry(m)])),
            }
        }
        let all = taken.iter().all(|n| *n >= r.count);
        if all || (!got.is_empty() && batch.is_empty()) || deadline.is_some_and(|d| Instant::now() >= d) || stopping() {
            break;
        }
    }
    let _ = client.assign(None);
    Ok(got)
}
