//! Arguments from C: strings, byte buffers, arrays and timeouts borrowed with their checks, and
//! out-parameters written.
//!
//! These are safe functions over raw pointers on purpose: the one assumption the boundary makes is
//! the header's contract, that a non-NULL pointer a caller passes is valid for the length it
//! states (a NUL-terminated string, `len` bytes, `count` elements, one out-value) for the duration
//! of the call. Everything else (NULL, lengths, UTF-8, ranges) is checked here.

use std::ffi::CStr;
use std::os::raw::c_char;

use crate::core::error::{KbError, KbResult};

/// Borrows a NUL-terminated UTF-8 C string argument.
pub fn str_arg<'a>(ptr: *const c_char, what: &str) -> KbResult<&'a str> {
    if ptr.is_null() {
        return Err(KbError::null(what));
    }
    // SAFETY: non-NULL, and NUL-terminated per the header's contract.
    unsafe { CStr::from_ptr(ptr) }.to_str().map_err(|e| KbError::new(crate::core::error::KB_ERR_BAD_UTF8, format!("{what} is not valid UTF-8: {e}")))
}

/// Borrows `(ptr, len)` binary data; NULL means "absent" (a NULL key, a tombstone value).
/// A NULL pointer with a non-zero length is a caller bug and is refused.
pub fn bytes_arg<'a>(ptr: *const u8, len: usize, what: &str) -> KbResult<Option<&'a [u8]>> {
    if ptr.is_null() {
        if len != 0 {
            return Err(KbError::invalid_arg(format!("{what} is NULL but its length is {len}")));
        }
        return Ok(None);
    }
    // SAFETY: non-NULL, and valid for `len` bytes per the header's contract.
    Ok(Some(unsafe { std::slice::from_raw_parts(ptr, len) }))
}

/// Borrows an array argument; NULL is allowed only with a zero count.
pub fn slice_arg<'a, T>(ptr: *const T, count: usize, what: &str) -> KbResult<&'a [T]> {
    if ptr.is_null() {
        if count != 0 {
            return Err(KbError::null(what));
        }
        return Ok(&[]);
    }
    // SAFETY: non-NULL, and valid for `count` elements per the header's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

/// Borrows `count` C strings as key/value pairs (key, value, key, value...); `count` must be even.
pub fn str_pairs_arg<'a>(ptr: *const *const c_char, count: usize, what: &str) -> KbResult<Vec<(&'a str, &'a str)>> {
    if count % 2 != 0 {
        return Err(KbError::invalid_arg(format!("{what} holds keys and values in turn, so its count must be even, not {count}")));
    }
    slice_arg(ptr, count, what)?
        .chunks_exact(2)
        .enumerate()
        .map(|(i, kv)| Ok((str_arg(kv[0], &format!("{what}[{}]", 2 * i))?, str_arg(kv[1], &format!("{what}[{}]", 2 * i + 1))?)))
        .collect()
}

/// Writes an out-parameter; callers refuse a NULL one first (`check_not_null!`), and a NULL
/// that slips through is left alone rather than written.
pub fn write_out<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-NULL, and valid for one `T` per the header's contract.
        unsafe { out.write(value) }
    }
}

/// Writes element `index` of an out-array; the caller has checked `index` against the length the
/// C caller stated. NULL is left alone, as for `write_out`.
pub fn write_out_at<T>(out: *mut T, index: usize, value: T) {
    if !out.is_null() {
        // `wrapping_add` computes the address without asserting it is in bounds; the header's
        // contract (room for the stated count) is what makes the write valid.
        write_out(out.wrapping_add(index), value)
    }
}

/// snprintf-style copy: writes at most `cap - 1` bytes plus a NUL, returns the full length.
pub fn copy_to_buf(src: &[u8], buf: *mut c_char, cap: usize) -> usize {
    if !buf.is_null() && cap > 0 {
        let n = src.len().min(cap - 1);
        // SAFETY: `buf` is non-NULL and valid for `cap` bytes per the header's contract; we write
        // `n + 1 <= cap` of them, from a source that cannot overlap a caller's buffer.
        unsafe {
            std::ptr::copy_nonoverlapping(src.as_ptr() as *const c_char, buf, n);
            *buf.add(n) = 0;
        }
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
