//! Accepting and serving connections on tokio: one task per connection, which reads, parses
//! every whole command it has, runs them, and writes their replies in order. A command whose
//! reply waits for Kafka (a waiting XADD) does not hold up the commands after it: they are all
//! sent to Kafka first and their replies awaited in order afterwards, so pipelined XADDs share
//! one round trip.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::commands::{self, Session, Step};
use crate::config::ProxyConfig;
use crate::groups::Groups;
use crate::kafka::Kafka;
use crate::resp::{self, Limits, ParseError};
use crate::xread::Reader;

/// Counters INFO reports.
#[derive(Default)]
pub struct Stats {
    pub connections_received: AtomicU64,
    pub connections_rejected: AtomicU64,
    pub connected: AtomicUsize,
    pub commands: AtomicU64,
    pub errors: AtomicU64,
    pub auth_failures: AtomicU64,
    pub protocol_errors: AtomicU64,
    pub http_dropped: AtomicU64,
    pub output_limit_closed: AtomicU64,
    pub idle_closed: AtomicU64,
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
    pub xadd: AtomicU64,
    pub xadd_delivered: AtomicU64,
    pub xadd_failed: AtomicU64,
    pub xadd_timeouts: AtomicU64,
}

pub struct Shared {
    pub config: ProxyConfig,
    /// Turns true at SIGTERM: blocked reads end, connections close after what they read.
    pub stop: watch::Receiver<bool>,
    pub kafka: Kafka,
    pub groups: Groups,
    pub reader: Reader,
    pub stats: Stats,
    pub started: Instant,
    next_id: AtomicU64,
}

impl Shared {
    pub fn new(config: ProxyConfig, kafka: Kafka, stop: watch::Receiver<bool>) -> Shared {
        let groups = Groups::new(config.kafka.clone(), config.group_buffer, config.group_memory);
        let reader = Reader::new(config.kafka.clone());
        Shared { config, stop, kafka, groups, reader, stats: Stats::default(), started: Instant::now(), next_id: AtomicU64::new(1) }
    }
}

/// Commands parsed and run before their replies are written: bounds the replies held at once.
const BATCH: usize = 1024;
const READ_CHUNK: usize = 16 * 1024;

/// Accepts until `stop` turns true, then waits for every connection to finish what it read.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut stop = shared.stop.clone();
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors, say: keep serving the connections we have.
                        eprintln!("kafkabridge-proxy: accept: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                shared.stats.connections_received.fetch_add(1, Ordering::Relaxed);
                let (shared, stop) = (shared.clone(), stop.clone());
                tasks.spawn(async move { connection(stream, peer.to_string(), shared, stop).await });
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
}

async fn connection(mut stream: TcpStream, peer: String, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    if shared.stats.connected.fetch_add(1, Ordering::SeqCst) >= shared.config.maxclients {
        shared.stats.connected.fetch_sub(1, Ordering::SeqCst);
        shared.stats.connections_rejected.fetch_add(1, Ordering::Relaxed);
        let _ = stream.write_all(b"-ERR max number of clients reached\r\n").await;
        close_gently(stream).await;
        return;
    }
    let mut s = Session {
        id: shared.next_id.fetch_add(1, Ordering::Relaxed),
        local: stream.local_addr().map(|a| a.to_string()).unwrap_or_default(),
        peer,
        name: None,
        resp3: false,
        user: None,
        xadd_wait: shared.config.xadd_wait,
        started: Instant::now(),
        last_command: "NULL".into(),
    };
    let mut input: Vec<u8> = Vec::with_capacity(READ_CHUNK);
    let mut start = 0; // input[..start] is parsed already
    let mut output: Vec<u8> = Vec::new();
    'conn: loop {
        // Run what the buffer holds, BATCH commands at a time.
        let mut steps = Vec::new();
        let mut closing = false;
        while steps.len() < BATCH {
            let limits = limits(&s, &shared);
            match resp::parse(&input[start..], &limits) {
                Ok(None) => break,
                Ok(Some(cmd)) => {
                    start += cmd.consumed;
                    if cmd.args.is_empty() {
                        continue;
                    }
                    let step = commands::run(&mut s, &shared, &cmd.args);
                    closing = matches!(step, Step::Close(_));
                    steps.push(step);
                    if closing {
                        break;
                    }
                }
                Err(ParseError::Http) => {
                    shared.stats.http_dropped.fetch_add(1, Ordering::Relaxed);
                    eprintln!("kafkabridge-proxy: possible cross-protocol attack: {} sent HTTP; connection dropped", s.peer);
                    break 'conn;
                }
                Err(e) => {
                    // The stream cannot be resynchronised: answer and close, as Redis does.
                    shared.stats.protocol_errors.fetch_add(1, Ordering::Relaxed);
                    steps.push(Step::Close(crate::reply::Reply::error(format!("ERR {e}"))));
                    closing = true;
                    break;
                }
            }
        }
        let batch_full = steps.len() >= BATCH;
        for step in steps {
            let reply = match step {
                Step::Reply(r) | Step::Close(r) => r,
                Step::Later(pending) => pending.await,
            };
            reply.encode(s.resp3, &mut output);
            if output.len() > shared.config.client_output_limit {
                shared.stats.output_limit_closed.fetch_add(1, Ordering::Relaxed);
                eprintln!(
                    "kafkabridge-proxy: client {} ({}) closed: its replies exceed client-output-limit ({} bytes)",
                    s.id, s.peer, shared.config.client_output_limit
                );
                break 'conn;
            }
        }
        if !output.is_empty() {
            if stream.write_all(&output).await.is_err() {
                break;
            }
            shared.stats.bytes_out.fetch_add(output.len() as u64, Ordering::Relaxed);
            output.clear();
        }
        if closing {
            break;
        }
        // Keep what is not parsed yet at the front; read more.
        if start > 0 {
            input.drain(..start);
            start = 0;
        }
        if batch_full {
            // More may be buffered already: run the next batch before reading.
            continue;
        }
        input.reserve(READ_CHUNK);
        let idle = shared.config.idle_timeout;
        let read = tokio::select! {
            r = stream.read_buf(&mut input) => r,
            _ = stop.changed() => break,
            _ = async { match idle { Some(t) => tokio::time::sleep(t).await, None => std::future::pending().await } } => {
                shared.stats.idle_closed.fetch_add(1, Ordering::Relaxed);
                break;
            }
        };
        match read {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                shared.stats.bytes_in.fetch_add(n as u64, Ordering::Relaxed);
            }
        }
    }
    shared.stats.connected.fetch_sub(1, Ordering::SeqCst);
    close_gently(stream).await;
}

/// Closes after the last reply so that the client reads it: a socket closed with unread input
/// is reset, and a reset can destroy the reply still in flight. Sends FIN, then discards what
/// the client still sends, for a second at most.
async fn close_gently(mut stream: TcpStream) {
    let _ = stream.shutdown().await;
    let mut sink = [0u8; 4096];
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), async { while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {} }).await;
}

fn limits(s: &Session, shared: &Shared) -> Limits {
    if s.authenticated(shared) {
        Limits { max_args: 1 << 20, max_bulk: shared.config.max_bulk, max_request: shared.config.max_request }
    } else {
        Limits::unauthenticated()
    }
}
