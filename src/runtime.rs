//! Background threads and process-wide hooks: the poll thread that serves each client's
//! librdkafka events, a minimal `block_on` for rdkafka's admin futures, and the exit flush.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;

/// A thread that calls `poll` until stopped; it never calls into the host.
pub struct Poller {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Poller {
    pub fn spawn(name: &str, poll: impl Fn(Duration) + Send + 'static) -> Poller {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    poll(Duration::from_millis(50));
                }
            })
            .expect("spawning a kafkabridge poll thread");
        Poller { stop, thread: Some(thread) }
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
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

static EXIT_HOOK: Lazy<()> = Lazy::new(|| {
    extern "C" fn at_exit() {
        let _ = std::panic::catch_unwind(crate::producer::flush_all_at_exit);
    }
    unsafe { libc::atexit(at_exit) };
});

/// Makes sure live producers are flushed (bounded) when the process exits normally.
pub fn ensure_exit_flush() {
    Lazy::force(&EXIT_HOOK);
}
