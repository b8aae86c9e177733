//! Library-level calls: versions, and the shutdown of persistent producers.

use std::os::raw::c_char;

use crate::boundary::{guard, guard_value};
use crate::core::error::kb_err;

/// kafkabridge's version, e.g. "0.2.0". Static: never free it.
#[no_mangle]
pub extern "C" fn kb_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr() as *const c_char
}

/// The version of the librdkafka built into kafkabridge, e.g. "2.12.1". Static: never free it.
#[no_mangle]
pub extern "C" fn kb_librdkafka_version() -> *const c_char {
    guard_value(c"".as_ptr(), || crate::sys::librdkafka::version().as_ptr())
}

/// Flushes and drops every persistent producer client, and makes every persistent consumer
/// leave its group (each within its `bridge.close.timeout.ms`). Producer handles still open keep
/// their client until freed; an open consumer session gets KB_ERR_INVALID_STATE from then on.
/// Later opens create new clients. Call it before unloading, or rely on the automatic flush at
/// exit. Errors: RD_KAFKA_RESP_ERR__TIMED_OUT if a client could not deliver everything, or a
/// consumer leave its group, in time.
#[no_mangle]
pub extern "C" fn kb_shutdown() -> kb_err {
    guard(|| {
        let consumers = crate::core::consumer_clients::shutdown_persistent();
        crate::core::producer_clients::shutdown_persistent().and(consumers)
    })
}
