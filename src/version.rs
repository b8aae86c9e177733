//! Library and librdkafka versions.

use std::os::raw::c_char;

/// kafkabridge's version, e.g. "0.2.0". Static: never free it.
#[no_mangle]
pub extern "C" fn kb_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr() as *const c_char
}

/// The version of the librdkafka built into kafkabridge, e.g. "2.12.1". Static: never free it.
#[no_mangle]
pub extern "C" fn kb_librdkafka_version() -> *const c_char {
    unsafe { rdkafka::bindings::rd_kafka_version_str() }
}
