//! The C boundary: panic guards, NULL checks and pointer/string helpers used by every export.

use std::ffi::CStr;
use std::os::raw::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{kb_err, set_last_error, KbError, KbResult, KB_ERR_PANIC, KB_OK};

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
            return Err($crate::error::KbError::null(stringify!($arg)));
        })+
    };
}
pub(crate) use check_not_null;

/// Borrows a NUL-terminated UTF-8 C string argument.
pub unsafe fn str_arg<'a>(ptr: *const c_char, what: &str) -> KbResult<&'a str> {
    if ptr.is_null() {
        return Err(KbError::null(what));
    }
    CStr::from_ptr(ptr).to_str().map_err(|e| KbError::new(crate::error::KB_ERR_BAD_UTF8, format!("{what} is not valid UTF-8: {e}")))
}

/// Borrows a topic name argument, refusing one Kafka would not accept (see `crate::topic`).
pub unsafe fn topic_arg<'a>(ptr: *const c_char, what: &str) -> KbResult<&'a str> {
    let topic = str_arg(ptr, what)?;
    crate::topic::check_topic(topic).map_err(|e| KbError::new(e.code, format!("{what}: {}", e.message)))?;
    Ok(topic)
}

/// Borrows `(ptr, len)` binary data; NULL means "absent" (a NULL key, a tombstone value).
/// A NULL pointer with a non-zero length is a caller bug and is refused.
pub unsafe fn bytes_arg<'a>(ptr: *const u8, len: usize, what: &str) -> KbResult<Option<&'a [u8]>> {
    if ptr.is_null() {
        if len != 0 {
            return Err(KbError::invalid_arg(format!("{what} is NULL but its length is {len}")));
        }
        return Ok(None);
    }
    Ok(Some(std::slice::from_raw_parts(ptr, len)))
}

/// Borrows an array argument; NULL is allowed only with a zero count.
pub unsafe fn slice_arg<'a, T>(ptr: *const T, count: usize, what: &str) -> KbResult<&'a [T]> {
    if ptr.is_null() {
        if count != 0 {
            return Err(KbError::null(what));
        }
        return Ok(&[]);
    }
    Ok(std::slice::from_raw_parts(ptr, count))
}

/// Writes an out-parameter (callers check it is not NULL first).
pub unsafe fn write_out<T>(out: *mut T, value: T) {
    out.write(value)
}

/// snprintf-style copy: writes at most `cap - 1` bytes plus a NUL, returns the full length.
pub unsafe fn copy_to_buf(src: &[u8], buf: *mut c_char, cap: usize) -> usize {
    if !buf.is_null() && cap > 0 {
        let n = src.len().min(cap - 1);
        std::ptr::copy_nonoverlapping(src.as_ptr() as *const c_char, buf, n);
        *buf.add(n) = 0;
    }
    src.len()
}

/// Timeouts from C: negative means "wait indefinitely" only where a function documents it;
/// elsewhere it is refused with a message.
pub fn timeout_arg(ms: i32, what: &str) -> KbResult<std::time::Duration> {
    if ms < 0 {
        return Err(KbError::invalid_arg(format!("{what} must be >= 0 milliseconds, got {ms}")));
    }
    Ok(std::time::Duration::from_millis(ms as u64))
}
