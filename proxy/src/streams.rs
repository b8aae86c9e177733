//! The consuming stream commands on the group members of `groups`: XGROUP CREATE, XREADGROUP,
//! XACK, XPENDING, XCLAIM, XAUTOCLAIM. An entry is `[<partition>-<offset + 1>, [value, <bytes>,
//! key, <bytes> (if any), <header>, <bytes>, ...]]`.

use crate::resp::Arg;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kafkabridge::core::message::Message;

use crate::commands::{Session, Step};
use crate::groups::Group;
use crate::reply::Reply;
use crate::server::Shared;
use crate::xadd::entry_id;

fn wrong_args(name: &str) -> Reply {
    Reply::error(format!("ERR wrong number of arguments for '{name}' command"))
}

fn syntax() -> Reply {
    Reply::error("ERR syntax error")
}

fn utf8<'a>(a: &'a [u8], what: &str) -> Result<&'a str, Reply> {
    std::str::from_utf8(a).map_err(|_| Reply::error(format!("ERR the {what} must be UTF-8")))
}

fn number(a: &[u8], what: &str) -> Result<u64, Reply> {
    std::str::from_utf8(a).ok().and_then(|s| s.parse().ok()).ok_or_else(|| Reply::error(format!("ERR {what} is not an integer or out of range")))
}

/// `<partition>-<offset + 1>` back to (partition, offset).
pub fn parse_id(a: &[u8]) -> Result<(i32, i64), Reply> {
    let bad = || Reply::error(format!("ERR Invalid stream ID specified as stream command argument: {}", String::from_utf8_lossy(a)));
    let s = std::str::from_utf8(a).map_err(|_| bad())?;
    let (p, seq) = s.split_once('-').ok_or_else(bad)?;
    let (p, seq) = (p.parse::<i32>().map_err(|_| bad())?, seq.parse::<i64>().map_err(|_| bad())?);
    if p < 0 || seq < 0 {
        return Err(bad());
    }
    Ok((p, seq - 1))
}

/// A range bound of XPENDING / XAUTOCLAIM as (partition, offset): `-`, `+`, `<p>` or `<p>-<s>`.
fn bound(a: &[u8], end: bool) -> Result<(i32, i64), Reply> {
    match a {
        b"-" => Ok((i32::MIN, i64::MIN)),
        b"+" => Ok((i32::MAX, i64::MAX)),
        _ if !a.contains(&b'-') => {
            let p = number(a, "the stream ID")? as i32;
            Ok(if end { (p, i64::MAX) } else { (p, -1) })
        }
        _ => parse_id(a),
    }
}

pub fn entry(m: &Message) -> Reply {
    let mut fields = vec![Reply::text("value"), Reply::bulk(m.value.clone().unwrap_or_default())];
    if let Some(k) = &m.key {
        fields.extend([Reply::text("key"), Reply::bulk(k.clone())]);
    }
    for (name, value) in &m.headers {
        fields.extend([Reply::bulk(name.to_bytes().to_vec()), Reply::bulk(value.clone().unwrap_or_default())]);
    }
    Reply::Array(vec![Reply::text(&entry_id(m.partition, m.offset)), Reply::Array(fields)])
}

/// Per topic its entries: a map in RESP3, pairs in RESP2, as Redis answers XREAD(GROUP).
pub fn by_topic(results: Vec<(String, Vec<Reply>)>, resp3: bool) -> Reply {
    if resp3 {
        Reply::Map(results.into_iter().map(|(t, e)| (Reply::text(&t), Reply::Array(e))).collect())
    } else {
        Reply::Array(results.into_iter().map(|(t, e)| Reply::Array(vec![Reply::text(&t), Reply::Array(e)])).collect())
    }
}

/// `XGROUP CREATE <topic> <group> <id> [MKSTREAM] [ENTRIESREAD n]`: the member joins and
/// subscribes; the id changes nothing (a new Kafka group starts at `auto.offset.reset`,
/// earliest unless set). `XGROUP CREATECONSUMER` is accepted; the rest is refused.
pub fn xgroup(shared: &Shared, args: &[Arg]) -> Reply {
    let Some(sub) = args.get(1) else { return wrong_args("xgroup") };
    let sub = String::from_utf8_lossy(sub).to_ascii_uppercase();
    match sub.as_str() {
        "CREATE" if args.len() >= 5 => {
            let (topic, group) = match (utf8(&args[2], "stream name"), utf8(&args[3], "group name")) {
                (Ok(t), Ok(g)) => (t, g),
                (Err(e), _) | (_, Err(e)) => return e,
            };
            match shared.groups.get(group, &[topic]) {
                Ok(_) => Reply::ok(),
                Err(e) => Reply::error(format!("ERR {e}")),
            }
        }
        "CREATECONSUMER" if args.len() == 5 => Reply::Int(1),
        "CREATE" | "CREATECONSUMER" => wrong_args("xgroup|create"),
        _ => Reply::error(format!("ERR XGROUP {sub} is not supported: a Kafka consumer group is made by its members and removed by the broker")),
    }
}

/// The options and streams of XREAD and XREADGROUP: `[COUNT n] [BLOCK ms] [NOACK] STREAMS
/// <topic>... <id>...` (NOACK for XREADGROUP only).
pub struct ReadArgs {
    pub count: Option<usize>,
    /// BLOCK 0 is `Duration::MAX`: until something comes.
    pub block: Option<Duration>,
    pub noack: bool,
    pub streams: Vec<(String, Vec<u8>)>,
}

/// `args[from..]` as `ReadArgs`; `cmd` names the command in errors.
pub fn parse_read(args: &[Arg], from: usize, cmd: &str) -> Result<ReadArgs, Reply> {
    let mut r = ReadArgs { count: None, block: None, noack: false, streams: Vec::new() };
    let mut i = from;
    while i < args.len() {
        let w = &args[i];
        if w.eq_ignore_ascii_case(b"count") {
            r.count = Some(number(args.get(i + 1).ok_or_else(syntax)?, "COUNT")?.max(1) as usize);
            i += 2;
        } else if w.eq_ignore_ascii_case(b"block") {
            let ms = number(args.get(i + 1).ok_or_else(syntax)?, "timeout")?;
            r.block = Some(if ms == 0 { Duration::MAX } else { Duration::from_millis(ms) });
            i += 2;
        } else if w.eq_ignore_ascii_case(b"noack") && cmd == "xreadgroup" {
            r.noack = true;
            i += 1;
        } else if w.eq_ignore_ascii_case(b"streams") {
            let rest = &args[i + 1..];
            if rest.is_empty() || rest.len() % 2 != 0 {
                return Err(Reply::error(format!("ERR Unbalanced '{cmd}' list of streams: for each stream key an ID must be specified.")));
            }
            let (keys, ids) = rest.split_at(rest.len() / 2);
            for (k, id) in keys.iter().zip(ids) {
                r.streams.push((utf8(k, "stream name")?.to_string(), id.to_vec()));
            }
            return Ok(r);
        } else {
            return Err(syntax());
        }
    }
    Err(syntax())
}

struct ReadGroup {
    group: String,
    consumer: String,
    read: ReadArgs,
}

fn parse_readgroup(args: &[Arg]) -> Result<ReadGroup, Reply> {
    if args.len() < 7 || !args[1].eq_ignore_ascii_case(b"group") {
        return Err(if args.len() < 7 { wrong_args("xreadgroup") } else { syntax() });
    }
    Ok(ReadGroup {
        group: utf8(&args[2], "group name")?.to_string(),
        consumer: utf8(&args[3], "consumer name")?.to_string(),
        read: parse_read(args, 4, "xreadgroup")?,
    })
}

/// `XREADGROUP GROUP <group> <consumer> [COUNT n] [BLOCK ms] [NOACK] STREAMS <topic>... <id>...`:
/// with `>` new entries for `consumer`, into its PEL (not with NOACK); with an id, its pending
/// entries after that id.
pub fn xreadgroup(s: &Session, shared: &Arc<Shared>, args: &[Arg]) -> Step {
    let r = match parse_readgroup(args) {
        Ok(r) => r,
        Err(e) => return Step::Reply(e),
    };
    let topics: Vec<&str> = r.read.streams.iter().map(|(t, _)| t.as_str()).collect();
    let group = match shared.groups.get(&r.group, &topics) {
        Ok(g) => g,
        Err(e) => return Step::Reply(Reply::error(format!("ERR {e}"))),
    };
    let resp3 = s.resp3;
    let history = r.read.streams.iter().any(|(_, id)| id != b">");
    if history || r.read.block.is_none() {
        return Step::Reply(read_once(&group, &r, resp3).unwrap_or(Reply::NilArray));
    }
    let deadline = r.read.block.and_then(|b| Instant::now().checked_add(b));
    let mut stop = shared.stop.clone();
    Step::Later(Box::pin(async move {
        loop {
            let arrived = group.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(reply) = read_once(&group, &r, resp3) {
                return reply;
            }
            let timeout = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d.into()).await,
                    None => std::future::pending().await,
                }
            };
            // A blocked read ends at its timeout, and at shutdown (with nothing, as a timeout).
            tokio::select! {
                _ = arrived => {}
                _ = timeout => return Reply::NilArray,
                _ = stop.wait_for(|stopping| *stopping) => return Reply::NilArray,
            }
        }
    }))
}

/// One XREADGROUP attempt; None when it found no new entry at all.
fn read_once(group: &Group, r: &ReadGroup, resp3: bool) -> Option<Reply> {
    let mut results = Vec::new();
    let mut any = false;
    let count = r.read.count.unwrap_or(usize::MAX);
    for (topic, id) in &r.read.streams {
        let entries: Vec<Reply> = if id == b">" {
            let Some(got) = group.deliver(topic, &r.consumer, count) else {
                let (held, limit) = group.memory();
                return Some(Reply::error(format!(
                    "KBMEMORY XREADGROUP: group {:?} holds {held} bytes of unacknowledged entries (--group-memory {limit}): \
                     XACK them, or XCLAIM a dead consumer's and acknowledge them",
                    group.name
                )));
            };
            if r.read.noack {
                group.ack(topic, &got.iter().map(|m| (m.partition, m.offset)).collect::<Vec<_>>());
            }
            got.iter().map(|m| entry(m)).collect()
        } else {
            let after = match parse_id(id).or_else(|_| bound(id, false)) {
                Ok(a) => a,
                Err(e) => return Some(e),
            };
            any = true;
            let st = group.state.lock();
            let mut mine: Vec<(i32, i64, Reply)> = st
                .parts
                .iter()
                .filter(|((t, _), _)| t == topic)
                .flat_map(|((_, p), part)| part.pending.iter().map(move |(o, pe)| (*p, *o, pe)))
                .filter(|(p, o, pe)| pe.consumer == r.consumer && (*p, *o) > after)
                .map(|(p, o, pe)| (p, o, entry(&pe.msg)))
                .collect();
            mine.sort_by_key(|(p, o, _)| (*p, *o));
            mine.into_iter().take(count).map(|(_, _, e)| e).collect()
        };
        any |= !entries.is_empty();
        if !entries.is_empty() || id != b">" {
            results.push((topic.clone(), entries));
        }
    }
    any.then(|| by_topic(results, resp3))
}

/// `XACK <topic> <group> <id>...`: how many were pending.
pub fn xack(shared: &Shared, args: &[Arg]) -> Reply {
    if args.len() < 4 {
        return wrong_args("xack");
    }
    let ids: Result<Vec<(i32, i64)>, Reply> = args[3..].iter().map(|a| parse_id(a)).collect();
    let ids = match ids {
        Ok(i) => i,
        Err(e) => return e,
    };
    let topic = String::from_utf8_lossy(&args[1]);
    match shared.groups.existing(&String::from_utf8_lossy(&args[2])) {
        Some(g) => Reply::Int(g.ack(&topic, &ids) as i64),
        None => Reply::Int(0),
    }
}

/// Pending entries of `topic` in id order, filtered.
fn pending_of(group: &Group, topic: &str, keep: impl Fn(i32, i64, &crate::groups::Pending) -> bool) -> Vec<(i32, i64, String, u64, u64)> {
    let st = group.state.lock();
    let mut out: Vec<(i32, i64, String, u64, u64)> = st
        .parts
        .iter()
        .filter(|((t, _), _)| t == topic)
        .flat_map(|((_, p), part)| part.pending.iter().map(move |(o, pe)| (*p, *o, pe)))
        .filter(|(p, o, pe)| keep(*p, *o, pe))
        .map(|(p, o, pe)| (p, o, pe.consumer.clone(), pe.delivered.elapsed().as_millis() as u64, pe.deliveries))
        .collect();
    out.sort_by_key(|e| (e.0, e.1));
    out
}

/// `XPENDING <topic> <group>` (summary) or `XPENDING <topic> <group> [IDLE ms] <start> <end>
/// <count> [<consumer>]` (the entries).
pub fn xpending(shared: &Shared, args: &[Arg]) -> Reply {
    if args.len() < 3 {
        return wrong_args("xpending");
    }
    let topic = String::from_utf8_lossy(&args[1]).into_owned();
    let group = shared.groups.existing(&String::from_utf8_lossy(&args[2]));
    if args.len() == 3 {
        let all = group.map(|g| pending_of(&g, &topic, |_, _, _| true)).unwrap_or_default();
        let (Some(first), Some(last)) = (all.first(), all.last()) else {
            return Reply::Array(vec![Reply::Int(0), Reply::Nil, Reply::Nil, Reply::NilArray]);
        };
        let mut per: std::collections::BTreeMap<&str, usize> = Default::default();
        for e in &all {
            *per.entry(e.2.as_str()).or_default() += 1;
        }
        return Reply::Array(vec![
            Reply::Int(all.len() as i64),
            Reply::text(&entry_id(first.0, first.1)),
            Reply::text(&entry_id(last.0, last.1)),
            Reply::Array(per.into_iter().map(|(c, n)| Reply::Array(vec![Reply::text(c), Reply::text(&n.to_string())])).collect()),
        ]);
    }
    let mut i = 3;
    let mut min_idle = 0;
    if args[i].eq_ignore_ascii_case(b"idle") {
        min_idle = match args.get(i + 1).map(|a| number(a, "IDLE")) {
            Some(Ok(n)) => n,
            Some(Err(e)) => return e,
            None => return syntax(),
        };
        i += 2;
    }
    if args.len() < i + 3 || args.len() > i + 4 {
        return syntax();
    }
    let (start, end, count) = match (bound(&args[i], false), bound(&args[i + 1], true), number(&args[i + 2], "count")) {
        (Ok(s), Ok(e), Ok(c)) => (s, e, c as usize),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e,
    };
    let consumer = args.get(i + 3).map(|c| String::from_utf8_lossy(c).into_owned());
    let Some(g) = group else { return Reply::Array(Vec::new()) };
    let rows = pending_of(&g, &topic, |p, o, pe| {
        (p, o) >= start
            && (p, o) <= end
            && consumer.as_ref().is_none_or(|c| &pe.consumer == c)
            && pe.delivered.elapsed().as_millis() as u64 >= min_idle
    });
    Reply::Array(
        rows.into_iter()
            .take(count)
            .map(|(p, o, c, idle, n)| {
                Reply::Array(vec![Reply::text(&entry_id(p, o)), Reply::text(&c), Reply::Int(idle as i64), Reply::Int(n as i64)])
            })
            .collect(),
    )
}

/// Gives `consumer` the entries of `ids` idle at least `min_idle`; returns the messages.
fn claim(group: &Group, topic: &str, consumer: &str, min_idle: Duration, ids: &[(i32, i64)], justid: bool) -> Vec<Arc<Message>> {
    let mut st = group.state.lock();
    st.consumers.insert(consumer.to_string(), Instant::now());
    let mut out = Vec::new();
    for (p, o) in ids {
        let Some(pe) = st.parts.get_mut(&(topic.to_string(), *p)).and_then(|part| part.pending.get_mut(o)) else { continue };
        if pe.delivered.elapsed() < min_idle {
            continue;
        }
        pe.consumer = consumer.to_string();
        pe.delivered = Instant::now();
        if !justid {
            pe.deliveries += 1;
        }
        out.push(pe.msg.clone());
    }
    out
}

/// `XCLAIM <topic> <group> <consumer> <min-idle-ms> <id>... [JUSTID]` (IDLE, TIME, RETRYCOUNT,
/// FORCE and LASTID are accepted and change nothing).
pub fn xclaim(shared: &Shared, args: &[Arg]) -> Reply {
    if args.len() < 6 {
        return wrong_args("xclaim");
    }
    let min_idle = match number(&args[4], "min-idle-time") {
        Ok(n) => Duration::from_millis(n),
        Err(e) => return e,
    };
    let mut ids = Vec::new();
    let mut justid = false;
    let mut i = 5;
    while i < args.len() {
        let w = &args[i];
        if w.eq_ignore_ascii_case(b"justid") {
            justid = true;
        } else if w.eq_ignore_ascii_case(b"force") {
        } else if ["idle", "time", "retrycount", "lastid"].iter().any(|o| w.eq_ignore_ascii_case(o.as_bytes())) {
            i += 1;
        } else {
            match parse_id(w) {
                Ok(id) => ids.push(id),
                Err(e) => return e,
            }
        }
        i += 1;
    }
    let topic = String::from_utf8_lossy(&args[1]).into_owned();
    let Some(g) = shared.groups.existing(&String::from_utf8_lossy(&args[2])) else { return Reply::Array(Vec::new()) };
    let claimed = claim(&g, &topic, &String::from_utf8_lossy(&args[3]), min_idle, &ids, justid);
    Reply::Array(claimed.iter().map(|m| if justid { Reply::text(&entry_id(m.partition, m.offset)) } else { entry(m) }).collect())
}

/// `XAUTOCLAIM <topic> <group> <consumer> <min-idle-ms> <start> [COUNT n] [JUSTID]`: replies
/// [next start id (`0-0` when done), claimed entries, deleted ids (always none)].
pub fn xautoclaim(shared: &Shared, args: &[Arg]) -> Reply {
    if args.len() < 6 {
        return wrong_args("xautoclaim");
    }
    let min_idle = match number(&args[4], "min-idle-time") {
        Ok(n) => Duration::from_millis(n),
        Err(e) => return e,
    };
    let start = match bound(&args[5], false) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let (mut count, mut justid, mut i) = (100usize, false, 6);
    while i < args.len() {
        if args[i].eq_ignore_ascii_case(b"count") {
            count = match args.get(i + 1).map(|a| number(a, "COUNT")) {
                Some(Ok(n)) if n > 0 => n as usize,
                Some(Err(e)) => return e,
                _ => return syntax(),
            };
            i += 2;
        } else if args[i].eq_ignore_ascii_case(b"justid") {
            justid = true;
            i += 1;
        } else {
            return syntax();
        }
    }
    let topic = String::from_utf8_lossy(&args[1]).into_owned();
    let done = || Reply::Array(vec![Reply::text("0-0"), Reply::Array(Vec::new()), Reply::Array(Vec::new())]);
    let Some(g) = shared.groups.existing(&String::from_utf8_lossy(&args[2])) else { return done() };
    let candidates: Vec<(i32, i64)> =
        pending_of(&g, &topic, |p, o, pe| (p, o) >= start && pe.delivered.elapsed() >= min_idle).iter().map(|e| (e.0, e.1)).collect();
    let (now, rest) = candidates.split_at(candidates.len().min(count));
    let claimed = claim(&g, &topic, &String::from_utf8_lossy(&args[3]), min_idle, now, justid);
    let next = rest.first().map_or("0-0".to_string(), |(p, o)| entry_id(*p, *o));
    Reply::Array(vec![
        Reply::text(&next),
        Reply::Array(claimed.iter().map(|m| if justid { Reply::text(&entry_id(m.partition, m.offset)) } else { entry(m) }).collect()),
        Reply::Array(Vec::new()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_decode_and_bounds_cover_partitions() {
        assert_eq!(parse_id(b"3-42").unwrap(), (3, 41));
        assert!(parse_id(b"x-1").is_err() && parse_id(b"1").is_err() && parse_id(b"-1-2").is_err());
        assert_eq!(bound(b"-", false).unwrap(), (i32::MIN, i64::MIN));
        assert_eq!(bound(b"2", false).unwrap(), (2, -1));
        assert_eq!(bound(b"2", true).unwrap(), (2, i64::MAX));
        assert!(parse_readgroup(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "t"].map(|a| Arg::Borrowed(a.as_bytes()))).is_err());
    }
}
