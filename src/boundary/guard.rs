//! The panic boundary every export runs inside, and the NULL check for pointer arguments.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::core::error::{kb_err, set_last_error, KbError, KbResult, KB_ERR_PANIC, KB_OK};

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("internal error in kafkabridge (please report it): {what}")
}

/// Runs the body of a fallible export: `Ok` is `KB_OK`; an error or a panic becomes its code,
/// with the message stored for `kb_last_error()`.
pub fn guard(body: impl FnOnce() -> KbResult<()>) -> kb_err {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => KB_OK,
        Ok(Err(e)) => {
            set_last_error(&e);
            e.code
        }
        Err(payload) => {
            set_last_error(&KbError::new(KB_ERR_PANIC, panic_message(payload)));
            KB_ERR_PANIC
        }
    }
}

/// Runs the body of an export that returns a plain value; a panic yields `fallback`.
pub fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            set_last_error(&KbError::new(KB_ERR_PANIC, panic_message(payload)));
            fallback
        }
    }
}

/// Runs the body of a `*_count` export: the count, or 0 with the failure (a bad handle) stored
/// for `kb_last_error()` like every other call.
pub fn guard_count(body: impl FnOnce() -> KbResult<usize>) -> usize {
    guard_value(0, || {
        body().unwrap_or_else(|e| {
            set_last_error(&e);
            0
        })
    })
}

/// Fails with `KB_ERR_NULL_ARGUMENT` naming the argument when a pointer is NULL.
macro_rules! check_not_null {
    ($($arg:ident),+) => {
        $(if $arg.is_null() {
            return Err($crate::core::error::KbError::null(stringify!($arg)));
        })+
    };
}
pub(crate) use check_not_null;
