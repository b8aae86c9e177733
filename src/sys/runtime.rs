//! Background threads and process-wide hooks: the poll thread that serves each client's
//! librdkafka events, the doorbell a persistent consumer's keeper waits on, a minimal
//! `block_on` for rdkafka's admin futures, and the exit flush.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

use rdkafka::bindings as rdsys;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::producer::{BaseProducer, Producer, ProducerContext};

/// A thread that serves one client's librdkafka main queue until stopped; it never calls into
/// the host. It sleeps in poll(2) on two pipes: librdkafka's doorbell, written when an event
/// arrives on the queue (rd_kafka_queue_io_event_enable), and a stop pipe. So an idle client
/// costs no CPU and closing one does not wait out a poll interval: rdkafka's own
/// `poll(timeout)` runs until its deadline whatever arrives, which made every close of a private
/// client wait ~50 ms, and spins through the last millisecond of each window.
pub struct Poller {
    stop: Pipe,
    thread: Option<JoinHandle<()>>,
}

/// The librdkafka handle the poll thread watches; valid while the thread's producer (which owns
/// the client) is alive.
struct RawClient(*mut rdsys::rd_kafka_t);
// SAFETY: librdkafka handles are thread-safe; the pointer outlives the thread (see above).
unsafe impl Send for RawClient {}

impl Poller {
    /// Serves `producer`'s events on a new thread (rdkafka's `poll` with a zero timeout: the
    /// callbacks of what is queued, without blocking), then runs `after_serving` (cheap, never
    /// blocking). The thread holds the producer until it ends.
    pub fn spawn<C: ProducerContext + 'static>(
        name: &str,
        producer: Arc<BaseProducer<C>>,
        after_serving: impl Fn(&BaseProducer<C>) + Send + 'static,
    ) -> Poller {
        Self::spawn_with(name, producer, after_serving, SAFETY_NET_MS)
    }

    /// `spawn` with the poll(2) timeout that bounds a missed doorbell (-1: none, for tests).
    fn spawn_with<C: ProducerContext + 'static>(
        name: &str,
        producer: Arc<BaseProducer<C>>,
        after_serving: impl Fn(&BaseProducer<C>) + Send + 'static,
        safety_net_ms: libc::c_int,
    ) -> Poller {
        let stop = Pipe::new();
        let stop_read = stop.read;
        let rk = RawClient(producer.client().native_ptr());
        let thread = thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let rk = rk;
                let serve = || {
                    producer.poll(Duration::ZERO);
                    after_serving(&producer);
                };
                // SAFETY: `producer` keeps the client alive until the end of this closure, after
                // the queue handle taken inside is destroyed.
                unsafe { serve_until_stopped(rk.0, stop_read, &serve, safety_net_ms) };
                drop(producer);
            })
            .expect("spawning a kafkabridge poll thread");
        Poller { stop, thread: Some(thread) }
    }
}

/// Serves `rk`'s main queue whenever its doorbell rings, until `stop` becomes readable.
///
/// # Safety
/// `rk` is a live client for the whole call, and `serve` handles its queued events without
/// blocking.
unsafe fn serve_until_stopped(rk: *mut rdsys::rd_kafka_t, stop: libc::c_int, serve: &dyn Fn(), safety_net_ms: libc::c_int) {
    // SAFETY: `rk` is live (the function's contract); the queue handle taken here is released
    // before returning, and the doorbell pipe outlives its registration (disabled first).
    unsafe {
        let queue = rdsys::rd_kafka_queue_get_main(rk);
        let doorbell = Pipe::new();
        rdsys::rd_kafka_queue_io_event_enable(queue, doorbell.write, b"1".as_ptr().cast(), 1);
        let drain = |queue| loop {
            serve();
            if rdsys::rd_kafka_queue_length(queue) == 0 {
                break;
            }
        };
        let mut fds =
            [libc::pollfd { fd: doorbell.read, events: libc::POLLIN, revents: 0 }, libc::pollfd { fd: stop, events: libc::POLLIN, revents: 0 }];
        // librdkafka rings the doorbell only when an event makes the queue non-empty. Events
        // queued before it was enabled (the configuration warnings logged while the client was
        // created) would keep every later event from ringing, and a delivery report would wait
        // out the safety net: serve them first.
        drain(queue);
        loop {
            // The timeout is a safety net only: the doorbell rings for every event.
            let ready = libc::poll(fds.as_mut_ptr(), 2, safety_net_ms);
            if ready > 0 && fds[1].revents != 0 {
                break;
            }
            doorbell.drain();
            // Serving marks the queue served, which re-arms the doorbell for the next event.
            drain(queue);
        }
        // Reports that arrived after the client's last flush still reach their sessions.
        drain(queue);
        rdsys::rd_kafka_queue_io_event_enable(queue, -1, std::ptr::null(), 0);
        rdsys::rd_kafka_queue_destroy(queue);
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        self.stop.ring();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A wait for a consumer's queue that does not sit inside librdkafka: a thread that serves a
/// consumer between other callers' polls waits here (not holding the consumer), and wakes when
/// an event arrives on the consumer queue, when `wake()` is called, or after a timeout.
pub struct ConsumerDoorbell {
    queue: *mut rdsys::rd_kafka_queue_t,
    bell: Pipe,
    wakeup: Pipe,
}

// SAFETY: the queue handle is used only to disable its doorbell and release it, which librdkafka
// allows from any thread.
unsafe impl Send for ConsumerDoorbell {}
// SAFETY: as for Send; `wait` and `wake` touch only the pipes, whose reads and writes are
// thread-safe system calls.
unsafe impl Sync for ConsumerDoorbell {}

impl ConsumerDoorbell {
    /// Rings for `consumer`'s queue. It must be dropped before the consumer is destroyed.
    pub fn new<C: ConsumerContext>(consumer: &BaseConsumer<C>) -> ConsumerDoorbell {
        let bell = Pipe::new();
        // SAFETY: a live client; the queue handle is released in drop, and the pipe outlives its
        // registration (disabled first).
        let queue = unsafe {
            let queue = rdsys::rd_kafka_queue_get_consumer(consumer.client().native_ptr());
            rdsys::rd_kafka_queue_io_event_enable(queue, bell.write, b"1".as_ptr().cast(), 1);
            queue
        };
        ConsumerDoorbell { queue, bell, wakeup: Pipe::new() }
    }

    /// Waits up to `timeout` for the queue's doorbell or `wake()`. librdkafka rings only when an
    /// event makes the queue non-empty: the caller drains it after each wait.
    pub fn wait(&self, timeout: Duration) {
        let mut fds = [
            libc::pollfd { fd: self.bell.read, events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: self.wakeup.read, events: libc::POLLIN, revents: 0 },
        ];
        // SAFETY: two valid pollfd entries for descriptors we own.
        unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout.as_millis().min(i32::MAX as u128) as libc::c_int) };
        self.bell.drain();
        self.wakeup.drain();
    }

    /// Ends a `wait` in progress (or the next one) at once.
    pub fn wake(&self) {
        self.wakeup.ring();
    }
}

impl Drop for ConsumerDoorbell {
    fn drop(&mut self) {
        // SAFETY: the consumer is still alive (the type's contract); the handle is released once.
        unsafe {
            rdsys::rd_kafka_queue_io_event_enable(self.queue, -1, std::ptr::null(), 0);
            rdsys::rd_kafka_queue_destroy(self.queue);
        }
    }
}

/// How long a poll thread sleeps at most when its doorbell stays silent.
const SAFETY_NET_MS: libc::c_int = 1000;

/// A non-blocking, close-on-exec pipe, closed on drop.
struct Pipe {
    read: libc::c_int,
    write: libc::c_int,
}

impl Pipe {
    fn new() -> Pipe {
        let mut fds = [0; 2];
        // SAFETY: fds has room for the two descriptors pipe2 writes.
        let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) };
        assert_eq!(rc, 0, "creating a pipe for a kafkabridge poll thread: {}", std::io::Error::last_os_error());
        Pipe { read: fds[0], write: fds[1] }
    }

    fn ring(&self) {
        // SAFETY: writing one byte from a valid buffer to our own descriptor. A full pipe
        // (EAGAIN) is already ringing.
        unsafe { libc::write(self.write, b"1".as_ptr().cast(), 1) };
    }

    fn drain(&self) {
        let mut buf = [0u8; 64];
        // SAFETY: reading into a local buffer from our own non-blocking descriptor.
        while unsafe { libc::read(self.read, buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        // SAFETY: both descriptors are ours and closed exactly once.
        unsafe {
            libc::close(self.read);
            libc::close(self.write);
        }
    }
}

struct ThreadWaker(Thread);
impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Drives a future (rdkafka's admin results, completed by librdkafka's threads) on this thread,
/// giving up at `timeout`.
pub fn block_on<F: Future>(fut: F, timeout: Duration) -> Option<F::Output> {
    let deadline = Instant::now() + timeout;
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return Some(v);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        thread::park_timeout(deadline - now);
    }
}

static EXIT_HOOKS: parking_lot::Mutex<Vec<fn()>> = parking_lot::Mutex::new(Vec::new());

/// Registers `hook` (once; registering it again is a no-op) to run at normal process exit, in
/// the order registered, each inside a panic boundary. Taking functions keeps this module free
/// of what they run.
pub fn run_at_exit(hook: fn()) {
    extern "C" fn at_exit() {
        let hooks = EXIT_HOOKS.lock().clone();
        for hook in hooks {
            let _ = std::panic::catch_unwind(hook);
        }
    }
    let mut hooks = EXIT_HOOKS.lock();
    if hooks.contains(&hook) {
        return;
    }
    if hooks.is_empty() {
        // SAFETY: `at_exit` is a plain extern "C" fn that lives as long as the process (the
        // library is linked -z nodelete, so it is never unmapped).
        unsafe { libc::atexit(at_exit) };
    }
    hooks.push(hook);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::{unbounded, Sender};
    use rdkafka::client::ClientContext;
    use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
    use rdkafka::producer::DeliveryResult;

    struct LogLines(parking_lot::Mutex<Sender<String>>);

    impl ClientContext for LogLines {
        fn log(&self, _level: RDKafkaLogLevel, _facility: &str, line: &str) {
            let _ = self.0.lock().send(line.to_string());
        }
    }

    impl ProducerContext for LogLines {
        type DeliveryOpaque = ();
        fn delivery(&self, _: &DeliveryResult<'_>, _: ()) {}
    }

    /// A warning logged while the client is created is queued before the poll thread enables its
    /// doorbell. With the safety net off, only serving the queue at start delivers it (and,
    /// behind it, every later event); without that, this waited for the safety net's second.
    #[test]
    fn events_queued_before_the_poller_started_are_served() {
        let (tx, rx) = unbounded();
        let producer: BaseProducer<LogLines> = ClientConfig::new()
            .set("bootstrap.servers", "127.0.0.1:9")
            .set("socket.blocking.max.ms", "100") // deprecated: librdkafka warns at creation
            .create_with_context(LogLines(parking_lot::Mutex::new(tx)))
            .expect("creating a producer");
        let poller = Poller::spawn_with("kb-test", Arc::new(producer), |_| {}, -1);
        // The warning may come behind other lines (a refused connection). The deadline makes a
        // regression fail instead of hang; it is not a measure of speed.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let warned = std::iter::from_fn(|| rx.recv_deadline(deadline).ok()).any(|line| line.contains("socket.blocking.max.ms"));
        assert!(warned, "the creation warning was never served");
        drop(poller);
    }
}
