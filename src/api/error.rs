//! The error lookups and this thread's last failure, for C.

use std::os::raw::c_char;

use crate::boundary::{copy_to_buf, guard_value};
use crate::core::error::{self, kb_err};

/// Returns the symbolic name of `code` without librdkafka's `RD_KAFKA_RESP_ERR_` prefix
/// (for example `"_TIMED_OUT"`, `"UNKNOWN_TOPIC_OR_PART"`, `"KB_ERR_INVALID_HANDLE"`), or
/// `"UNKNOWN"`. The string is static: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn kb_err_name(code: kb_err) -> *const c_char {
    guard_value(c"UNKNOWN".as_ptr(), || error::name_of(code).as_ptr())
}

/// Returns a human-readable description of `code`, or `"Unknown error"`. Static: never free it.
/// Thread-safe. For the details of the last failure on this thread use `kb_last_error()`.
#[no_mangle]
pub extern "C" fn kb_err_description(code: kb_err) -> *const c_char {
    guard_value(c"Unknown error".as_ptr(), || error::description_of(code).as_ptr())
}

/// Copies the message of the last failed call made on this thread into `buf` (NUL-terminated,
/// truncated to `cap - 1`; NULL or `cap` 0 copies nothing) and returns its full length, 0 before
/// any failure. The message says what failed and what to fix; it is kept until the next failure
/// on this thread (successful calls leave it alone). Thread-safe.
#[no_mangle]
pub extern "C" fn kb_last_error(buf: *mut c_char, cap: usize) -> usize {
    guard_value(0, || error::with_last_error(|m| copy_to_buf(m.as_bytes(), buf, cap)))
}

/// Returns the `KB_ERROR_FLAG_*` bits of the last failed call made on this thread (0 before any
/// failure): `KB_ERROR_FLAG_RETRIABLE`, `KB_ERROR_FLAG_FATAL` and
/// `KB_ERROR_FLAG_TXN_REQUIRES_ABORT`. When librdkafka reported the failure as an
/// `rd_kafka_error_t` (transactions, incremental assign, seek) these are exactly its
/// `rd_kafka_error_is_retriable()`, `_is_fatal()` and `_txn_requires_abort()`; otherwise the first
/// two are `kb_err_is_retriable()` and `kb_err_is_fatal()` of the code. Like `kb_last_error()`,
/// kept until the next failure on this thread.
#[no_mangle]
pub extern "C" fn kb_last_error_flags() -> u32 {
    guard_value(0, error::last_error_flags)
}

/// Returns 1 if retrying the same call later may succeed (timeouts, full queues, leader
/// changes, transport failures), else 0.
#[no_mangle]
pub extern "C" fn kb_err_is_retriable(code: kb_err) -> i32 {
    guard_value(0, || error::is_retriable(code) as i32)
}

/// Returns 1 if the error is fatal for the client that reported it (it must be freed and
/// created again), else 0.
#[no_mangle]
pub extern "C" fn kb_err_is_fatal(code: kb_err) -> i32 {
    guard_value(0, || error::is_fatal(code) as i32)
}
