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
