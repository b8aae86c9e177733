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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::{last_error_flags, with_last_error, KB_ERROR_FLAG_FATAL, KB_ERR_INVALID_ARGUMENT, KB_ERR_INVALID_HANDLE};

    /// Every panic these tests cause carries this text, so the hook below can keep it off stderr.
    const MARK: &str = "[guard test panic]";

    /// A panic payload that is not text, as `std::panic::panic_any` allows.
    struct NotText;

    /// Silences the panics of these tests and nothing else: the hook is process-global and other
    /// tests of this binary run at the same time, so their panics still reach the default hook.
    fn quiet_expected_panics() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let default = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                let p = info.payload();
                let text = p.downcast_ref::<&str>().copied().or_else(|| p.downcast_ref::<String>().map(String::as_str));
                if !text.map_or(p.is::<NotText>(), |t| t.contains(MARK)) {
                    default(info);
                }
            }));
        });
    }

    fn last_error() -> String {
        with_last_error(str::to_string)
    }

    /// Leaves a known message behind, so a call that fails to set its own is noticed.
    fn poison_last_error() {
        set_last_error(&KbError::new(KB_ERR_INVALID_HANDLE, "poison"));
    }

    #[test]
    fn guard_turns_a_panic_into_kb_err_panic_with_its_message() {
        quiet_expected_panics();
        poison_last_error();
        assert_eq!(guard(|| panic!("{MARK} static text")), KB_ERR_PANIC);
        let m = last_error();
        assert!(m.contains("static text") && m.contains("please report it"), "{m}");
        assert_eq!(last_error_flags(), KB_ERROR_FLAG_FATAL, "KB_ERR_PANIC is fatal for the handle");

        // A formatted message is a String payload rather than a &str one.
        poison_last_error();
        assert_eq!(guard(|| panic!("{MARK} formatted {}", 42)), KB_ERR_PANIC);
        let m = last_error();
        assert!(m.contains("formatted 42") && m.contains("please report it"), "{m}");

        poison_last_error();
        assert_eq!(guard(|| std::panic::panic_any(NotText)), KB_ERR_PANIC);
        let m = last_error();
        assert!(m.contains("unknown panic") && m.contains("please report it"), "{m}");
    }

    #[test]
    fn guard_returns_ok_and_errors_as_their_codes() {
        poison_last_error();
        assert_eq!(guard(|| Ok(())), KB_OK);
        assert_eq!(last_error(), "poison", "success leaves the last error alone");
        assert_eq!(guard(|| Err(KbError::invalid_arg("the reason"))), KB_ERR_INVALID_ARGUMENT);
        assert_eq!(last_error(), "the reason");
    }

    #[test]
    fn guard_value_returns_its_fallback_on_a_panic() {
        quiet_expected_panics();
        assert_eq!(guard_value(5, || 9), 9);
        poison_last_error();
        assert_eq!(guard_value(5, || -> i32 { panic!("{MARK} in guard_value") }), 5);
        let m = last_error();
        assert!(m.contains("in guard_value") && m.contains("please report it"), "{m}");
    }

    #[test]
    fn guard_count_returns_0_and_sets_the_last_error() {
        quiet_expected_panics();
        poison_last_error();
        assert_eq!(guard_count(|| Ok(3)), 3);
        assert_eq!(last_error(), "poison");
        assert_eq!(guard_count(|| Err(KbError::invalid_handle("kb_thing"))), 0);
        let m = last_error();
        assert!(m.contains("invalid kb_thing handle"), "{m}");
        poison_last_error();
        assert_eq!(guard_count(|| panic!("{MARK} in guard_count")), 0);
        let m = last_error();
        assert!(m.contains("in guard_count") && m.contains("please report it"), "{m}");
    }
}
