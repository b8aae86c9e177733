//! librdkafka's `rd_kafka_conf_t`, used to validate properties the moment they are set and to
//! answer with librdkafka's own defaults.

use std::ffi::{CStr, CString};
use std::os::raw::c_char;

use rdkafka::bindings as rd;

/// Why librdkafka refused a property.
pub enum ConfRefusal {
    UnknownKey(String),
    BadValue(String),
}

/// An owned `rd_kafka_conf_t`.
pub struct NativeConf(*mut rd::rd_kafka_conf_t);

// SAFETY: the conf is owned by this value alone, and librdkafka conf objects have no thread
// affinity; `&self` methods are called under the owner's mutex (`core::config::Config`).
unsafe impl Send for NativeConf {}

impl Default for NativeConf {
    fn default() -> Self {
        NativeConf::new()
    }
}

impl NativeConf {
    pub fn new() -> NativeConf {
        // SAFETY: returns a new conf object that we own.
        NativeConf(unsafe { rd::rd_kafka_conf_new() })
    }

    /// Sets `key` to `value`; librdkafka checks both and says what is wrong.
    pub fn set(&mut self, key: &CStr, value: &CStr) -> Result<(), ConfRefusal> {
        let mut errstr = [0 as c_char; 512];
        // SAFETY: a live conf, NUL-terminated strings, and an error buffer of the stated size,
        // which librdkafka NUL-terminates.
        let (res, message) = unsafe {
            let res = rd::rd_kafka_conf_set(self.0, key.as_ptr(), value.as_ptr(), errstr.as_mut_ptr(), errstr.len());
            (res, CStr::from_ptr(errstr.as_ptr()).to_string_lossy().into_owned())
        };
        match res {
            rd::rd_kafka_conf_res_t::RD_KAFKA_CONF_OK => Ok(()),
            rd::rd_kafka_conf_res_t::RD_KAFKA_CONF_UNKNOWN => Err(ConfRefusal::UnknownKey(message)),
            _ => Err(ConfRefusal::BadValue(message)),
        }
    }

    /// The value of `key` (set, else librdkafka's default); None for an unknown key.
    pub fn get(&self, key: &str) -> Option<String> {
        let k = CString::new(key).ok()?;
        let mut size = 0usize;
        // SAFETY: a size query (NULL buffer) on a live conf.
        let res = unsafe { rd::rd_kafka_conf_get(self.0, k.as_ptr(), std::ptr::null_mut(), &mut size) };
        if res != rd::rd_kafka_conf_res_t::RD_KAFKA_CONF_OK {
            return None;
        }
        let mut buf = vec![0u8; size.max(1)];
        // SAFETY: `buf` has room for the `size` bytes librdkafka asked for.
        unsafe { rd::rd_kafka_conf_get(self.0, k.as_ptr(), buf.as_mut_ptr() as *mut c_char, &mut size) };
        Some(String::from_utf8_lossy(CStr::from_bytes_until_nul(&buf).ok()?.to_bytes()).into_owned())
    }
}

impl Drop for NativeConf {
    fn drop(&mut self) {
        // SAFETY: we own the conf and destroy it once.
        unsafe { rd::rd_kafka_conf_destroy(self.0) }
    }
}
