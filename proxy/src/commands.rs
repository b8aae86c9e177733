//! The commands a connection runs: the connection commands every Redis client sends (PING,
//! HELLO, AUTH, CLIENT, SELECT, COMMAND, INFO, QUIT, RESET) and the stream commands mapped onto
//! Kafka. Each gives a `Step`: a reply now, a reply that comes once Kafka answers (replies are
//! still written in command order), or the end of the connection.

use crate::resp::Arg;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use kafkabridge::core::producer_clients::Record;

use crate::kafka::{outcome, Produced};
use crate::reply::Reply;
use crate::server::Shared;
use crate::{info_streams, streams, xadd, xread};

pub type PendingReply = Pin<Box<dyn Future<Output = Reply> + Send>>;

pub enum Step {
    Reply(Reply),
    Later(PendingReply),
    /// Reply, then close the connection (QUIT).
    Close(Reply),
}

/// What a connection remembers between commands.
pub struct Session {
    pub id: u64,
    pub peer: String,
    pub local: String,
    pub name: Option<Vec<u8>>,
    pub resp3: bool,
    pub user: Option<String>,
    pub xadd_wait: bool,
    pub started: std::time::Instant,
    pub last_command: String,
}

impl Session {
    pub fn authenticated(&self, shared: &Shared) -> bool {
        self.user.is_some() || !shared.config.requires_auth()
    }
}

fn wrong_args(name: &str) -> Reply {
    Reply::error(format!("ERR wrong number of arguments for '{}' command", name.to_ascii_lowercase()))
}

/// Redis's reply to a command it does not know, with the first arguments quoted.
fn unknown(args: &[Arg]) -> Reply {
    let name = String::from_utf8_lossy(&args[0]);
    let rest: Vec<String> = args[1..].iter().take(8).map(|a| format!("'{}'", String::from_utf8_lossy(&a[..a.len().min(128)]))).collect();
    Reply::error(format!("ERR unknown command '{}', with args beginning with: {}", &name[..name.len().min(128)], rest.join(" ")))
}

/// Runs one command (`args` is non-empty).
pub fn run(s: &mut Session, shared: &Arc<Shared>, args: &[Arg]) -> Step {
    // The name uppercased on the stack, and the last command's kept in place: no allocation per
    // command (a longer name is no command of ours, and is answered as unknown).
    let mut upper = [0u8; 16];
    let name = match upper.get_mut(..args[0].len()) {
        Some(room) => {
            room.copy_from_slice(&args[0]);
            room.make_ascii_uppercase();
            std::str::from_utf8(room).unwrap_or("")
        }
        None => "",
    };
    shared.stats.commands.fetch_add(1, Ordering::Relaxed);
    s.last_command.clear();
    s.last_command.extend(String::from_utf8_lossy(&args[0]).chars().take(32).map(|c| c.to_ascii_lowercase()));
    if !s.authenticated(shared) && !matches!(name, "AUTH" | "HELLO" | "QUIT") {
        return Step::Reply(Reply::error("NOAUTH Authentication required."));
    }
    let step = match name {
        "PING" => match args.len() {
            1 => Step::Reply(Reply::Status("PONG".into())),
            2 => Step::Reply(Reply::bulk(args[1].clone())),
            _ => Step::Reply(wrong_args(name)),
        },
        "ECHO" if args.len() == 2 => Step::Reply(Reply::bulk(args[1].clone())),
        "AUTH" => Step::Reply(auth(s, shared, &args[1..])),
        "HELLO" => Step::Reply(hello(s, shared, &args[1..])),
        "CLIENT" => Step::Reply(client(s, &args[1..])),
        "SELECT" if args.len() == 2 => Step::Reply(if *args[1] == *b"0" { Reply::ok() } else { Reply::error("ERR DB index is out of range") }),
        "QUIT" => Step::Close(Reply::ok()),
        "RESET" => {
            s.name = None;
            s.resp3 = false;
            s.user = None;
            s.xadd_wait = shared.config.xadd_wait;
            Step::Reply(Reply::Status("RESET".into()))
        }
        "COMMAND" => Step::Reply(command(&args[1..])),
        "INFO" => Step::Reply(Reply::bulk(crate::info::render(shared, args.get(1).map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())))),
        "XADD" => xadd(s, shared, args),
        "XGROUP" => Step::Reply(streams::xgroup(shared, args)),
        "XREADGROUP" => streams::xreadgroup(s, shared, args),
        "XACK" => Step::Reply(streams::xack(shared, args)),
        "XPENDING" => Step::Reply(streams::xpending(shared, args)),
        "XCLAIM" => Step::Reply(streams::xclaim(shared, args)),
        "XAUTOCLAIM" => Step::Reply(streams::xautoclaim(shared, args)),
        "XLEN" => info_streams::xlen(shared, args),
        "XREAD" => xread::xread(s, shared, args),
        "XINFO" => info_streams::xinfo(shared, args),
        "ECHO" | "SELECT" => Step::Reply(wrong_args(name)),
        _ => Step::Reply(unknown(args)),
    };
    if let Step::Reply(Reply::Error(_)) = &step {
        shared.stats.errors.fetch_add(1, Ordering::Relaxed);
    }
    step
}

fn auth(s: &mut Session, shared: &Shared, args: &[Arg]) -> Reply {
    let (user, pass) = match args {
        [pass] => ("default".to_string(), pass),
        [user, pass] => (String::from_utf8_lossy(user).into_owned(), pass),
        _ => return wrong_args("auth"),
    };
    if !shared.config.requires_auth() {
        return Reply::error(
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        );
    }
    match shared.config.users.get(&user) {
        Some(p) if constant_time_eq(p.as_bytes(), pass) => {
            s.user = Some(user);
            Reply::ok()
        }
        _ => {
            shared.stats.auth_failures.fetch_add(1, Ordering::Relaxed);
            Reply::error("WRONGPASS invalid username-password pair or user is disabled.")
        }
    }
}

/// Compares without stopping at the first difference, so timing does not tell how much of a
/// password was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `HELLO [protover [AUTH user pass] [SETNAME name]]`.
fn hello(s: &mut Session, shared: &Shared, args: &[Arg]) -> Reply {
    let mut resp3 = s.resp3;
    let mut rest = args;
    if let Some((ver, tail)) = rest.split_first() {
        resp3 = match &ver[..] {
            b"2" => false,
            b"3" => true,
            _ => return Reply::error("NOPROTO unsupported protocol version"),
        };
        rest = tail;
    }
    let mut name = None;
    while let Some((opt, tail)) = rest.split_first() {
        if opt.eq_ignore_ascii_case(b"auth") && tail.len() >= 2 {
            if let r @ Reply::Error(_) = auth(s, shared, &tail[..2]) {
                return r;
            }
            rest = &tail[2..];
        } else if opt.eq_ignore_ascii_case(b"setname") && !tail.is_empty() {
            name = Some(tail[0].clone());
            rest = &tail[1..];
        } else {
            return Reply::error(format!("ERR Syntax error in HELLO option '{}'", String::from_utf8_lossy(opt)));
        }
    }
    if !s.authenticated(shared) {
        return Reply::error(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        );
    }
    if let Some(n) = name {
        if let Err(e) = valid_name(&n) {
            return e;
        }
        s.name = Some(n.to_vec());
    }
    s.resp3 = resp3;
    Reply::Map(vec![
        (Reply::text("server"), Reply::text("kafkabridge-proxy")),
        (Reply::text("version"), Reply::text(crate::REDIS_VERSION)),
        (Reply::text("proto"), Reply::Int(if resp3 { 3 } else { 2 })),
        (Reply::text("id"), Reply::Int(s.id as i64)),
        (Reply::text("mode"), Reply::text("standalone")),
        (Reply::text("role"), Reply::text("master")),
        (Reply::text("modules"), Reply::Array(Vec::new())),
    ])
}

fn valid_name(n: &[u8]) -> Result<(), Reply> {
    if n.iter().any(|&b| b <= b' ' || b > b'~') {
        return Err(Reply::error("ERR Client names cannot contain spaces, newlines or special characters."));
    }
    Ok(())
}

fn client(s: &mut Session, args: &[Arg]) -> Reply {
    let Some(sub) = args.first() else { return wrong_args("client") };
    let sub = String::from_utf8_lossy(sub).to_ascii_uppercase();
    match (sub.as_str(), &args[1..]) {
        ("SETNAME", [n]) => match valid_name(n) {
            Ok(()) => {
                s.name = (!n.is_empty()).then(|| n.to_vec());
                Reply::ok()
            }
            Err(e) => e,
        },
        ("GETNAME", []) => s.name.clone().map_or(Reply::Nil, Reply::Bulk),
        ("ID", []) => Reply::Int(s.id as i64),
        ("INFO", []) => Reply::bulk(client_line(s)),
        // Client libraries announce themselves (redis-py, go-redis); nothing to keep.
        ("SETINFO", [_, _]) => Reply::ok(),
        // kafkabridge's own: this connection's XADD reply (see --xadd-mode).
        ("XADDMODE", [mode]) if mode.eq_ignore_ascii_case(b"wait") || mode.eq_ignore_ascii_case(b"queue") => {
            s.xadd_wait = mode.eq_ignore_ascii_case(b"wait");
            Reply::ok()
        }
        ("SETNAME" | "GETNAME" | "ID" | "INFO" | "SETINFO" | "XADDMODE", _) => {
            Reply::error(format!("ERR wrong arguments for 'client|{}' command", sub.to_ascii_lowercase()))
        }
        _ => Reply::error(format!("ERR unknown subcommand '{}'. Try CLIENT HELP.", sub.to_ascii_lowercase())),
    }
}

/// One line of CLIENT INFO (CLIENT LIST's fields).
pub fn client_line(s: &Session) -> String {
    format!(
        "id={} addr={} laddr={} name={} age={} db=0 cmd={} user={} resp={}\n",
        s.id,
        s.peer,
        s.local,
        s.name.as_deref().map(String::from_utf8_lossy).unwrap_or_default(),
        s.started.elapsed().as_secs(),
        s.last_command,
        s.user.as_deref().unwrap_or("default"),
        if s.resp3 { 3 } else { 2 }
    )
}

/// A command as COMMAND lists it.
struct CommandInfo {
    name: &'static str,
    /// Arguments with the name; negative: at least that many.
    arity: i64,
    flags: &'static [&'static str],
    /// Positions of the keys: first, last, step (0, 0, 0: none).
    keys: (i64, i64, i64),
}

const fn cmd(name: &'static str, arity: i64, flags: &'static [&'static str], keys: (i64, i64, i64)) -> CommandInfo {
    CommandInfo { name, arity, flags, keys }
}

const NO_AUTH: &[&str] = &["noscript", "loading", "stale", "fast", "no_auth"];

/// The commands this proxy runs.
const COMMANDS: &[CommandInfo] = &[
    cmd("ping", -1, &["fast"], (0, 0, 0)),
    cmd("echo", 2, &["fast"], (0, 0, 0)),
    cmd("auth", -2, NO_AUTH, (0, 0, 0)),
    cmd("hello", -1, NO_AUTH, (0, 0, 0)),
    cmd("client", -2, &["admin", "noscript", "loading", "stale"], (0, 0, 0)),
    cmd("select", 2, &["loading", "stale", "fast"], (0, 0, 0)),
    cmd("quit", -1, NO_AUTH, (0, 0, 0)),
    cmd("reset", 1, NO_AUTH, (0, 0, 0)),
    cmd("command", -1, &["loading", "stale"], (0, 0, 0)),
    cmd("info", -1, &["loading", "stale"], (0, 0, 0)),
    cmd("xadd", -5, &["write", "denyoom", "fast"], (1, 1, 1)),
    cmd("xgroup", -2, &["write"], (2, 2, 1)),
    cmd("xreadgroup", -7, &["write", "blocking"], (0, 0, 0)),
    cmd("xack", -4, &["write", "fast"], (1, 1, 1)),
    cmd("xpending", -3, &["readonly"], (1, 1, 1)),
    cmd("xclaim", -6, &["write", "fast"], (1, 1, 1)),
    cmd("xautoclaim", -6, &["write", "fast"], (1, 1, 1)),
    cmd("xlen", 2, &["readonly", "fast"], (1, 1, 1)),
    cmd("xread", -4, &["readonly", "blocking"], (0, 0, 0)),
    cmd("xinfo", -2, &["readonly"], (2, 2, 1)),
];

fn command(args: &[Arg]) -> Reply {
    let info = |c: &CommandInfo| {
        Reply::Array(vec![
            Reply::text(c.name),
            Reply::Int(c.arity),
            Reply::Set(c.flags.iter().map(|f| Reply::Status(f.to_string())).collect()),
            Reply::Int(c.keys.0),
            Reply::Int(c.keys.1),
            Reply::Int(c.keys.2),
        ])
    };
    match args.first().map(|a| String::from_utf8_lossy(a).to_ascii_uppercase()).as_deref() {
        None => Reply::Array(COMMANDS.iter().map(info).collect()),
        Some("COUNT") => Reply::Int(COMMANDS.len() as i64),
        // redis-cli asks for the docs of every command for its hints; it does without them.
        Some("DOCS") => Reply::Map(Vec::new()),
        Some("INFO") => Reply::Array(
            args[1..]
                .iter()
                .map(|a| {
                    let n = String::from_utf8_lossy(a).to_ascii_lowercase();
                    COMMANDS.iter().find(|c| c.name == n).map_or(Reply::NilArray, info)
                })
                .collect(),
        ),
        Some(other) => Reply::error(format!("ERR unknown subcommand '{}'. Try COMMAND HELP.", other.to_ascii_lowercase())),
    }
}

fn xadd(s: &Session, shared: &Arc<Shared>, args: &[Arg]) -> Step {
    let x = match xadd::parse(args) {
        Ok(x) => x,
        Err(e) => return Step::Reply(e),
    };
    let rec = Record { topic: x.topic, partition: x.partition, key: x.key, value: Some(x.value), headers: x.headers, timestamp_ms: 0 };
    shared.stats.xadd.fetch_add(1, Ordering::Relaxed);
    match shared.kafka.produce(&rec, s.xadd_wait) {
        Err(e) => {
            shared.stats.xadd_failed.fetch_add(1, Ordering::Relaxed);
            Step::Reply(Reply::error(format!("ERR XADD to {:?}: {}", x.topic, e.message)))
        }
        Ok(Produced::Queued(id)) => Step::Reply(Reply::bulk(format!("queued:{id}"))),
        Ok(Produced::Waiting(rx)) => {
            let (shared, topic, timeout) = (shared.clone(), x.topic.to_string(), shared.config.xadd_timeout);
            Step::Later(Box::pin(async move {
                let report = match tokio::time::timeout(timeout, rx).await {
                    Ok(Ok(ev)) => outcome(&ev),
                    Ok(Err(_)) => Err(kafkabridge::core::error::KbError::state("the delivery report was lost")),
                    Err(_) => {
                        shared.stats.xadd_timeouts.fetch_add(1, Ordering::Relaxed);
                        return Reply::error(format!(
                            "TIMEOUT XADD to {topic:?}: no delivery within {} ms; the message may still be delivered",
                            timeout.as_millis()
                        ));
                    }
                };
                match report {
                    Ok((partition, offset)) => {
                        shared.stats.xadd_delivered.fetch_add(1, Ordering::Relaxed);
                        Reply::bulk(xadd::entry_id(partition, offset))
                    }
                    Err(e) => {
                        shared.stats.xadd_failed.fetch_add(1, Ordering::Relaxed);
                        Reply::error(format!("ERR XADD to {topic:?} failed: {}", e.message))
                    }
                }
            }))
        }
    }
}
