//! `kafkabridge-spool`: lists, shows and replays a kafkabridge spool directory by hand
//! (`bridge.spool.dir`; the format is `core::spool_file`'s). Run with no arguments for help.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use kafkabridge::core::config::Config;
use kafkabridge::core::producer::ProducerSession;
use kafkabridge::core::spool::MESSAGE_ID_HEADER;
use kafkabridge::core::spool_file::{read_segment, segments, Claimed, Contents};

const HELP: &str = "\
kafkabridge-spool: the messages a kafkabridge producer kept in its spool (bridge.spool.dir)

usage:
  kafkabridge-spool list DIR
      every segment: bytes, records still to send, bytes that are no whole record (a write
      its process never finished), and whether a live process holds it (writing or replaying)
  kafkabridge-spool show DIR [SEGMENT...]
      every record still to send: topic, partition, timestamp, key, value (the first 64 bytes,
      escaped), headers, its kb-message-id
  kafkabridge-spool replay DIR -X bootstrap.servers=HOST:PORT [-X KEY=VALUE]... [--timeout SECONDS]
      sends what the spool holds through a producer with these settings (librdkafka's keys and
      kafkabridge's bridge.* keys) and waits until the spool is empty or SECONDS (default 60)
      have passed; exit status 0 when it is empty, 1 when something is left (listed)

Producers with a spool replay it themselves; this is for a spool no process will open again,
or to look before they do. Segments a live process holds are left alone.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("list") if args.len() == 2 => list(Path::new(&args[1])),
        Some("show") if args.len() >= 2 => show(Path::new(&args[1]), &args[2..]),
        Some("replay") if args.len() >= 2 => replay(Path::new(&args[1]), &args[2..]),
        Some("-h" | "--help" | "help") => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        _ => Err(format!("unknown or incomplete command\n\n{HELP}")),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kafkabridge-spool: {e}");
            ExitCode::from(2)
        }
    }
}

/// A segment's records still to send, and whether a live process holds it.
struct Segment {
    path: PathBuf,
    bytes: u64,
    contents: Contents,
    held: bool,
}

impl Segment {
    fn read(path: &Path) -> Result<Segment, String> {
        let fail = |e: std::io::Error| format!("{}: {e}", path.display());
        let bytes = std::fs::metadata(path).map_err(fail)?.len();
        // Claiming tells whether someone holds it, and gives the replay progress; a held
        // segment is read as it is (a write in progress may show as a torn end).
        let (contents, held) = match Claimed::try_claim(path).map_err(fail)? {
            Some(mut c) => (c.remaining().map_err(fail)?, false),
            None => (read_segment(&mut File::open(path).map_err(fail)?, 0).map_err(fail)?, true),
        };
        Ok(Segment { path: path.to_path_buf(), bytes, contents, held })
    }

    fn to_send(&self) -> impl Iterator<Item = &(u64, kafkabridge::core::spool_file::SpoolRecord)> {
        self.contents.records.iter().filter(|(end, _)| !self.contents.done_after.contains(end))
    }
}

fn all_segments(dir: &Path) -> Result<Vec<Segment>, String> {
    segments(dir).map_err(|e| format!("{}: {e}", dir.display()))?.iter().map(|p| Segment::read(p)).collect()
}

fn list(dir: &Path) -> Result<ExitCode, String> {
    let found = all_segments(dir)?;
    println!("{:<40} {:>12} {:>9} {:>6}  state", "segment", "bytes", "to send", "torn");
    let mut records = 0;
    for s in &found {
        let n = s.to_send().count();
        records += n;
        let name = s.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let state = if s.held { "held by a live process (being written or replayed)" } else { "waiting for a producer" };
        println!("{name:<40} {:>12} {n:>9} {:>6}  {state}", s.bytes, s.contents.torn_bytes);
    }
    println!("total: {} segment(s), {records} record(s) to send", found.len());
    Ok(ExitCode::SUCCESS)
}

fn show(dir: &Path, only: &[String]) -> Result<ExitCode, String> {
    for s in all_segments(dir)? {
        let name = s.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !only.is_empty() && !only.contains(&name) {
            continue;
        }
        for (end, r) in s.to_send() {
            let id = r.headers.iter().find(|(k, _)| k == MESSAGE_ID_HEADER).and_then(|(_, v)| v.as_deref()).map(escaped).unwrap_or_default();
            let headers: Vec<String> = r
                .headers
                .iter()
                .filter(|(k, _)| k != MESSAGE_ID_HEADER)
                .map(|(k, v)| format!("{k}={}", v.as_deref().map_or("(null)".into(), escaped)))
                .collect();
            println!(
                "{name}@{end} topic={:?} partition={} timestamp_ms={} kb-message-id={id} key={} value={} headers=[{}]",
                r.topic,
                r.partition,
                r.timestamp_ms,
                r.key.as_deref().map_or("(null)".into(), escaped),
                r.value.as_deref().map_or("(null)".into(), |v| format!("{} bytes \"{}\"", v.len(), escaped(&v[..v.len().min(64)]))),
                headers.join(", ")
            );
        }
        if s.contents.torn_bytes > 0 {
            println!("{name}@{}: {} bytes that are no whole record (never sent)", s.contents.torn_at, s.contents.torn_bytes);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn escaped(b: &[u8]) -> String {
    b.escape_ascii().to_string()
}

fn replay(dir: &Path, args: &[String]) -> Result<ExitCode, String> {
    let config = Config::new();
    let mut timeout = Duration::from_secs(60);
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "-X" => {
                let kv = rest.next().ok_or("-X needs KEY=VALUE")?;
                let (k, v) = kv.split_once('=').ok_or_else(|| format!("-X {kv}: expected KEY=VALUE"))?;
                config.set(k, v).map_err(|e| e.message.clone())?;
            }
            "--timeout" => {
                let s = rest.next().ok_or("--timeout needs SECONDS")?;
                timeout = Duration::from_secs(s.parse().map_err(|_| format!("--timeout {s}: expected whole seconds"))?);
            }
            other => return Err(format!("unknown argument {other:?}\n\n{HELP}")),
        }
    }
    if config.get("bootstrap.servers").is_none_or(|v| v.is_empty()) {
        return Err("replay needs -X bootstrap.servers=HOST:PORT".into());
    }
    let dir_text = dir.to_str().ok_or("the directory's name is not UTF-8")?;
    config.set("bridge.spool.dir", dir_text).map_err(|e| e.message.clone())?;
    config.set("bridge.spool.replay.interval.ms", "200").map_err(|e| e.message.clone())?;
    let producer = ProducerSession::open(config.settings()).map_err(|e| e.message.clone())?;
    let spool = producer.client().router().spool.clone().ok_or("no spool")?;
    let deadline = Instant::now() + timeout;
    while spool.holds_records() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100)); // the producer's replay thread works
    }
    let stats = &spool.stats;
    println!(
        "replayed: {} delivered, {} refused by Kafka and dropped (logged above)",
        stats.replayed.load(Ordering::Relaxed),
        stats.dropped.load(Ordering::Relaxed)
    );
    drop(producer);
    if spool.holds_records() {
        list(dir)?;
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
