//! Process events every client must survive: fork() (a child must never touch its parent's
//! clients) and objects that can only be given up on.

use std::sync::atomic::{AtomicU64, Ordering};

use once_cell::sync::Lazy;
use parking_lot::Mutex;

/// Bumped in the child by a `pthread_atfork` handler: objects from before the fork belong to the
/// parent (their librdkafka threads do not exist here) and are abandoned untouched.
static FORK_EPOCH: AtomicU64 = AtomicU64::new(0);
static ATFORK: Lazy<()> = Lazy::new(|| {
    extern "C" fn in_child() {
        FORK_EPOCH.fetch_add(1, Ordering::SeqCst);
    }
    // SAFETY: `in_child` is a plain extern "C" fn that only bumps an atomic (async-signal-safe,
    // as a child handler must be) and lives as long as the process (-z nodelete).
    unsafe { libc::pthread_atfork(None, None, Some(in_child)) };
});

/// Objects given up on (a parent's clients in a forked child, a consumer that could not close in
/// time). Dropping them could block on threads that do not exist; keeping them here, instead of
/// forgetting them, leaves them reachable so leak checkers stay meaningful.
static ABANDONED: Lazy<Mutex<Vec<Box<dyn std::any::Any + Send>>>> = Lazy::new(|| Mutex::new(Vec::new()));

/// Keeps `value` alive, untouched, for the rest of the process.
pub fn abandon<T: Send + 'static>(value: T) {
    ABANDONED.lock().push(Box::new(value));
}

/// The current fork epoch; differs from a stored one when we are a forked child.
pub fn fork_epoch() -> u64 {
    Lazy::force(&ATFORK);
    FORK_EPOCH.load(Ordering::SeqCst)
}

/// 64 random bits from the kernel (for ids that must not repeat across processes); the time and
/// process id if /dev/urandom cannot be read.
pub fn random_u64() -> u64 {
    use std::io::Read;
    let mut b = [0u8; 8];
    match std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b)) {
        Ok(()) => u64::from_le_bytes(b),
        Err(_) => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
            now ^ (u64::from(std::process::id()) << 40)
        }
    }
}
