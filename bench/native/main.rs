//! bench_native: the ceiling of `make bench`. The same operations as every other benchmark program
//! (see bench/README.md), written directly on the `rdkafka` crate and the librdkafka build that
//! kafkabridge itself uses, with no layer in between.
//!
//! rdkafka has no batch produce or batch poll call, so `--mode=batch` is rejected: the ceiling
//! has one mode. Besides the four measured operations there is `fill`: produce N messages of
//! `--size` bytes as fast as possible (produce's settings, untimed by the orchestrator) to give
//! `consume` something to read.
//!
//! Delivery reports are counted by the producer context's `delivery()` callback, which runs on
//! this thread inside `BaseProducer::poll()`. That poll keeps serving until its whole timeout has
//! passed, so to wait for "the next report" without spinning, the main queue rings a doorbell
//! (librdkafka's queue event callback) when it goes from empty to non-empty, and we serve it
//! with zero-timeout polls.

use std::ffi::c_void;
use std::fmt::Display;
use std::process::exit;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{bounded, Receiver, Sender};
use rdkafka::bindings as rdsys;
use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::DeliveryResult;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer, ProducerContext};

const IMPL: &str = "rust-native";
/// crossing: produce calls timed per chunk of this many messages.
const CHUNK: u64 = 10_000;
/// produce: serve the delivery reports that are ready every this many messages.
const DRAIN_EVERY: u64 = 10_000;
/// sync: untimed sends before the measured ones.
const SYNC_WARMUP: u64 = 100;
/// consume: give up when no message arrived for this long (the topic holds fewer than N).
const IDLE_LIMIT: Duration = Duration::from_secs(30);
/// Bound of the untimed flushes; a healthy broker needs far less.
const FLUSH_TIMEOUT_MS: i32 = 60_000;

const USAGE: &str = "usage: bench_native produce|consume|crossing|sync|fill --brokers=HOST:PORT \
--topic=NAME --messages=N --size=BYTES [--mode=single] [--batch=1000]";

fn fail(msg: impl Display) -> ! {
    eprintln!("bench_native: {msg}");
    exit(1)
}

struct Args {
    op: String,
    brokers: Option<String>,
    topic: String,
    messages: u64,
    size: usize,
    mode: String,
}

fn number<T: std::str::FromStr>(key: &str, value: &str) -> T {
    value.parse().unwrap_or_else(|_| fail(format!("--{key} needs a non-negative integer, got {value:?}")))
}

fn parse_args() -> Args {
    let mut argv = std::env::args().skip(1);
    let op = argv.next().unwrap_or_else(|| fail(USAGE));
    if !["produce", "consume", "crossing", "sync", "fill"].contains(&op.as_str()) {
        fail(format!("unknown operation {op:?}\n{USAGE}"));
    }
    let (mut brokers, mut topic, mut messages, mut size, mut mode) = (None, None, None, None, "single".to_string());
    for arg in argv {
        let (key, value) = arg
            .strip_prefix("--")
            .and_then(|a| a.split_once('='))
            .unwrap_or_else(|| fail(format!("bad argument {arg:?} (expected --key=value)\n{USAGE}")));
        match key {
            "brokers" => brokers = Some(value.to_string()),
            "topic" => topic = Some(value.to_string()),
            "messages" => messages = Some(number::<u64>(key, value)),
            "size" => size = Some(number::<usize>(key, value)),
            "mode" => mode = value.to_string(),
            // Only batch calls read it, and there are none here; still validated.
            "batch" => {
                if number::<usize>(key, value) == 0 {
                    fail("--batch must be at least 1");
                }
            }
            _ => fail(format!("unknown argument --{key}\n{USAGE}")),
        }
    }
    match mode.as_str() {
        "single" => {}
        "batch" => fail("rdkafka has no batch produce or batch poll call: the native ceiling runs --mode=single only"),
        _ => fail(format!("--mode must be single or batch, got {mode:?}")),
    }
    let messages = messages.unwrap_or_else(|| fail("--messages is required"));
    if messages == 0 {
        fail("--messages must be at least 1");
    }
    // The mock cluster of `crossing` needs no brokers and any topic name will do.
    let topic = match (topic, op.as_str()) {
        (Some(t), _) => t,
        (None, "crossing") => "bench-crossing".to_string(),
        (None, _) => fail("--topic is required"),
    };
    if brokers.is_none() && op != "crossing" {
        fail("--brokers is required");
    }
    Args { op, brokers, topic, messages, size: size.unwrap_or_else(|| fail("--size is required")), mode }
}

/// Counts delivery reports; remembers the first failure so the run can say why it failed.
struct Reports {
    delivered: AtomicU64,
    failed: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl ClientContext for Reports {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, line: &str) {
        if (level as i32) <= RDKafkaLogLevel::Warning as i32 {
            eprintln!("bench_native: librdkafka {fac}: {line}");
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        eprintln!("bench_native: client error: {error}: {reason}");
    }
}

impl ProducerContext for Reports {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => {
                self.delivered.fetch_add(1, Ordering::Relaxed);
            }
            Err((e, _)) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                self.first_error.lock().unwrap().get_or_insert_with(|| e.to_string());
            }
        }
    }
}

/// Runs on a librdkafka thread (with the queue locked) when the main queue stops being empty.
unsafe extern "C" fn ring(_rk: *mut rdsys::rd_kafka_t, bell: *mut c_void) {
    let _ = (*(bell as *const Sender<()>)).try_send(());
}

/// A BaseProducer plus the doorbell of its main queue (where the delivery reports arrive).
struct Native {
    producer: BaseProducer<Reports>,
    main: *mut rdsys::rd_kafka_queue_t,
    /// Read by `ring` through the pointer the queue holds.
    _bell_tx: Box<Sender<()>>,
    bell_rx: Receiver<()>,
}

impl Native {
    fn new(settings: &[(&str, &str)]) -> Native {
        let mut config = ClientConfig::new();
        for (k, v) in settings {
            config.set(*k, *v);
        }
        let context = Reports { delivered: AtomicU64::new(0), failed: AtomicU64::new(0), first_error: Mutex::new(None) };
        let producer: BaseProducer<Reports> = config.create_with_context(context).unwrap_or_else(|e| fail(format!("creating the producer: {e}")));
        // One pending token is enough: it only means "look at the queue again".
        let (tx, bell_rx) = bounded(1);
        let bell_tx = Box::new(tx);
        let main = unsafe { rdsys::rd_kafka_queue_get_main(producer.client().native_ptr()) };
        unsafe { rdsys::rd_kafka_queue_cb_event_enable(main, Some(ring), &*bell_tx as *const Sender<()> as *mut c_void) };
        Native { producer, main, _bell_tx: bell_tx, bell_rx }
    }

    fn reports(&self) -> &Reports {
        self.producer.context()
    }

    /// Reports received so far, delivered or failed.
    fn done(&self) -> u64 {
        self.reports().delivered.load(Ordering::Relaxed) + self.reports().failed.load(Ordering::Relaxed)
    }

    /// Any failed delivery fails the run.
    fn check(&self) {
        if self.reports().failed.load(Ordering::Relaxed) > 0 {
            let first = self.reports().first_error.lock().unwrap().clone().unwrap_or_default();
            fail(format!("{} message(s) failed delivery, first: {first}", self.reports().failed.load(Ordering::Relaxed)));
        }
    }

    /// Serves every event already waiting, without blocking.
    fn serve_ready(&self) {
        while unsafe { rdsys::rd_kafka_queue_length(self.main) } > 0 {
            self.producer.poll(Duration::ZERO);
        }
    }

    /// Serves reports until `target` of them have come in (counting since creation).
    fn wait_reports(&self, target: u64) {
        loop {
            self.serve_ready();
            self.check();
            if self.done() >= target {
                return;
            }
            // The queue was seen empty; the next enqueue rings.
            let _ = self.bell_rx.recv();
        }
    }

    /// Enqueues one message; on a full queue serves a report and retries the same message.
    fn send(&self, topic: &str, payload: &[u8]) {
        loop {
            match self.producer.send(BaseRecord::<[u8], [u8]>::to(topic).payload(payload)) {
                Ok(()) => return,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => self.wait_reports(self.done() + 1),
                Err((e, _)) => fail(format!("producing to {topic:?}: {e}")),
            }
        }
    }

    /// Sends what is queued at once (ignoring linger.ms) and waits for all `sent` reports.
    /// librdkafka's flush waits for the reports to be served, so it runs on a helper thread
    /// while this one serves them.
    fn flush(&self, sent: u64) {
        let rk = self.producer.client().native_ptr() as usize;
        let err = std::thread::scope(|s| {
            let flusher = s.spawn(move || unsafe { rdsys::rd_kafka_flush(rk as *mut rdsys::rd_kafka_t, FLUSH_TIMEOUT_MS) });
            self.wait_reports(sent);
            flusher.join().unwrap_or_else(|_| fail("the flush thread panicked"))
        });
        if err != rdsys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            fail(format!("flush: {}", RDKafkaErrorCode::from(err)));
        }
    }
}

impl Drop for Native {
    // Runs before the fields drop: the callback is off before its sender is freed.
    fn drop(&mut self) {
        unsafe {
            rdsys::rd_kafka_queue_cb_event_enable(self.main, None, std::ptr::null_mut());
            rdsys::rd_kafka_queue_destroy(self.main);
        }
    }
}

fn produce_settings(brokers: &str) -> Vec<(&str, &str)> {
    vec![
        ("bootstrap.servers", brokers),
        ("acks", "all"),
        ("linger.ms", "5"),
        ("compression.type", "none"),
        ("queue.buffering.max.messages", "1000000"),
        ("queue.buffering.max.kbytes", "1048576"),
    ]
}

fn print_json(a: &Args, seconds: f64, extra: &str) {
    println!(
        "{{\"impl\":\"{IMPL}\",\"op\":\"{}\",\"mode\":\"{}\",\"size\":{},\"messages\":{},\"seconds\":{:.6},\"rate\":{:.1}{extra}}}",
        a.op,
        a.mode,
        a.size,
        a.messages,
        seconds,
        a.messages as f64 / seconds
    );
}

/// produce (with an untimed warm-up message) and fill (without one: exactly N land in the topic).
fn produce(a: &Args, warm_up: bool) {
    let p = Native::new(&produce_settings(a.brokers.as_deref().unwrap()));
    let payload = vec![b'x'; a.size];
    let mut sent = 0;
    if warm_up {
        p.send(&a.topic, &payload);
        sent += 1;
        p.flush(sent);
    }
    let start = Instant::now();
    for i in 1..=a.messages {
        p.send(&a.topic, &payload);
        if i % DRAIN_EVERY == 0 {
            p.serve_ready();
            p.check();
        }
    }
    sent += a.messages;
    p.wait_reports(sent);
    let seconds = start.elapsed().as_secs_f64();
    p.check();
    if p.reports().delivered.load(Ordering::Relaxed) != sent {
        fail(format!("expected {sent} delivery reports, got {}", p.done()));
    }
    print_json(a, seconds, "");
}

fn crossing(a: &Args) {
    let p = Native::new(&[
        ("test.mock.num.brokers", "1"),
        ("linger.ms", "100"),
        ("queue.buffering.max.messages", "1000000"),
        ("queue.buffering.max.kbytes", "1048576"),
    ]);
    let payload = vec![b'x'; a.size];
    let mut timed = Duration::ZERO;
    let mut sent = 0;
    while sent < a.messages {
        let chunk = CHUNK.min(a.messages - sent);
        let start = Instant::now();
        for _ in 0..chunk {
            p.send(&a.topic, &payload);
        }
        timed += start.elapsed();
        sent += chunk;
        p.flush(sent);
    }
    let seconds = timed.as_secs_f64();
    print_json(a, seconds, &format!(",\"ns_per_msg\":{:.1}", seconds * 1e9 / a.messages as f64));
}

/// Nearest-rank percentile of sorted microsecond figures.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn sync(a: &Args) {
    let p = Native::new(&[("bootstrap.servers", a.brokers.as_deref().unwrap()), ("acks", "all"), ("linger.ms", "0")]);
    let payload = vec![b'x'; a.size];
    let mut sent = 0;
    for _ in 0..SYNC_WARMUP {
        p.send(&a.topic, &payload);
        sent += 1;
        p.wait_reports(sent);
    }
    let mut micros = Vec::with_capacity(a.messages as usize);
    let start = Instant::now();
    for _ in 0..a.messages {
        let t0 = Instant::now();
        p.send(&a.topic, &payload);
        sent += 1;
        p.wait_reports(sent);
        micros.push(t0.elapsed().as_secs_f64() * 1e6);
    }
    let seconds = start.elapsed().as_secs_f64();
    let mean = micros.iter().sum::<f64>() / micros.len() as f64;
    micros.sort_by(|x, y| x.total_cmp(y));
    print_json(
        a,
        seconds,
        &format!(",\"p50_us\":{:.1},\"p99_us\":{:.1},\"mean_us\":{:.1}", percentile(&micros, 50.0), percentile(&micros, 99.0), mean),
    );
}

fn consume(a: &Args) {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let group = format!("bench-{IMPL}-{}-{since_epoch}", std::process::id());
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", a.brokers.as_deref().unwrap())
        .set("group.id", &group)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("fetch.queue.backoff.ms", "10")
        .create()
        .unwrap_or_else(|e| fail(format!("creating the consumer: {e}")));
    consumer.subscribe(&[&a.topic]).unwrap_or_else(|e| fail(format!("subscribing to {:?}: {e}", a.topic)));
    let (mut got, mut bytes) = (0u64, 0u64);
    let mut start = None;
    let mut last = Instant::now();
    while got < a.messages {
        // poll() may also return None early after serving a rebalance: idleness is timed here.
        match consumer.poll(Duration::from_secs(1)) {
            None => {
                if last.elapsed() > IDLE_LIMIT {
                    fail(format!("no message for {} s after {got} of {} (does {:?} hold enough?)", IDLE_LIMIT.as_secs(), a.messages, a.topic));
                }
            }
            Some(Err(e)) => fail(format!("consumer error after {got} messages: {e}")),
            Some(Ok(m)) => {
                start.get_or_insert_with(Instant::now);
                bytes += m.payload_len() as u64;
                got += 1;
                last = Instant::now();
            }
        }
    }
    let seconds = start.unwrap().elapsed().as_secs_f64();
    let expected = a.messages * a.size as u64;
    if bytes != expected {
        fail(format!("value lengths sum to {bytes} bytes, expected {expected} ({} x {})", a.messages, a.size));
    }
    print_json(a, seconds, "");
}

fn main() {
    let a = parse_args();
    match a.op.as_str() {
        "produce" => produce(&a, true),
        "fill" => produce(&a, false),
        "crossing" => crossing(&a),
        "sync" => sync(&a),
        "consume" => consume(&a),
        _ => unreachable!(),
    }
}
