//! The stream questions that ask the cluster: XLEN and XINFO STREAM / GROUPS / CONSUMERS. The
//! cluster's answers take a round trip, so they are asked from a blocking thread.

use crate::resp::Arg;
use std::sync::Arc;

use crate::commands::Step;
use crate::reply::Reply;
use crate::server::Shared;

fn wrong_args(name: &str) -> Reply {
    Reply::error(format!("ERR wrong number of arguments for '{name}' command"))
}

/// Runs `f` on a blocking thread; its reply, or the error naming `what`.
fn ask(shared: &Arc<Shared>, what: &'static str, f: impl FnOnce(&Shared) -> Reply + Send + 'static) -> Step {
    let shared = shared.clone();
    Step::Later(Box::pin(async move {
        tokio::task::spawn_blocking(move || f(&shared)).await.unwrap_or_else(|e| Reply::error(format!("ERR {what}: {e}")))
    }))
}

/// `XLEN <topic>`: the messages its partitions hold (high minus low watermark, summed); 0 for a
/// topic the cluster does not have.
pub fn xlen(shared: &Arc<Shared>, args: &[Arg]) -> Step {
    if args.len() != 2 {
        return Step::Reply(wrong_args("xlen"));
    }
    let topic = String::from_utf8_lossy(&args[1]).into_owned();
    ask(shared, "xlen", move |s| match s.kafka.partitions(&topic) {
        Ok(parts) => Reply::Int(parts.iter().map(|(_, low, high)| high - low).sum()),
        Err(e) => Reply::error(format!("ERR XLEN {topic:?}: {}", e.message)),
    })
}

/// `XINFO STREAM <topic>`, `XINFO GROUPS <topic>`, `XINFO CONSUMERS <topic> <group>`.
pub fn xinfo(shared: &Arc<Shared>, args: &[Arg]) -> Step {
    let sub = args.get(1).map(|a| String::from_utf8_lossy(a).to_ascii_uppercase()).unwrap_or_default();
    let topic = args.get(2).map(|a| String::from_utf8_lossy(a).into_owned()).unwrap_or_default();
    match (sub.as_str(), args.len()) {
        ("STREAM", 3) => ask(shared, "xinfo", move |s| {
            let parts = match s.kafka.partitions(&topic) {
                Ok(p) if !p.is_empty() => p,
                Ok(_) => return Reply::error("ERR no such key"),
                Err(e) => return Reply::error(format!("ERR XINFO STREAM {topic:?}: {}", e.message)),
            };
            let groups = s.groups.all().iter().filter(|g| g.reads(&topic)).count();
            Reply::Map(vec![
                (Reply::text("length"), Reply::Int(parts.iter().map(|(_, l, h)| h - l).sum())),
                (Reply::text("groups"), Reply::Int(groups as i64)),
                // Client libraries expect these keys; reading the entries would take a fetch.
                (Reply::text("first-entry"), Reply::Nil),
                (Reply::text("last-entry"), Reply::Nil),
                (
                    Reply::text("partitions"),
                    Reply::Array(
                        parts
                            .iter()
                            .map(|(p, l, h)| {
                                Reply::Map(vec![
                                    (Reply::text("partition"), Reply::Int(*p as i64)),
                                    (Reply::text("first-offset"), Reply::Int(*l)),
                                    (Reply::text("next-offset"), Reply::Int(*h)),
                                ])
                            })
                            .collect(),
                    ),
                ),
            ])
        }),
        ("GROUPS", 3) => ask(shared, "xinfo", move |s| {
            let ends = s.kafka.partitions(&topic).unwrap_or_default();
            let mut out = Vec::new();
            for g in s.groups.all().into_iter().filter(|g| g.reads(&topic)) {
                let f = g.topic_figures(&topic);
                // Lag: what the partitions this proxy holds have beyond each commit point.
                let lag: i64 = f
                    .commit_points
                    .iter()
                    .filter_map(|(p, point)| ends.iter().find(|e| e.0 == *p).map(|e| (e.2 - point.unwrap_or(e.1)).max(0)))
                    .sum();
                out.push(Reply::Map(vec![
                    (Reply::text("name"), Reply::text(&g.name)),
                    (Reply::text("consumers"), Reply::Int(f.consumers.len() as i64)),
                    (Reply::text("pending"), Reply::Int(f.consumers.iter().map(|c| c.pending as i64).sum())),
                    (Reply::text("assigned-partitions"), Reply::Int(f.commit_points.len() as i64)),
                    (Reply::text("lag"), Reply::Int(lag)),
                ]));
            }
            Reply::Array(out)
        }),
        ("CONSUMERS", 4) => {
            let group = String::from_utf8_lossy(&args[3]).into_owned();
            let Some(g) = shared.groups.existing(&group) else {
                return Step::Reply(Reply::error(format!("NOGROUP No such consumer group '{group}' for key name '{topic}'")));
            };
            Step::Reply(Reply::Array(
                g.topic_figures(&topic)
                    .consumers
                    .into_iter()
                    .map(|c| {
                        Reply::Map(vec![
                            (Reply::text("name"), Reply::text(&c.name)),
                            (Reply::text("pending"), Reply::Int(c.pending as i64)),
                            (Reply::text("idle"), Reply::Int(c.idle.as_millis() as i64)),
                            (Reply::text("inactive"), Reply::Int(c.idle.as_millis() as i64)),
                        ])
                    })
                    .collect(),
            ))
        }
        ("STREAM" | "GROUPS" | "CONSUMERS", _) => Step::Reply(wrong_args(&format!("xinfo|{}", sub.to_ascii_lowercase()))),
        _ => Step::Reply(Reply::error(format!("ERR unknown subcommand '{}'. Try XINFO HELP.", sub.to_ascii_lowercase()))),
    }
}
