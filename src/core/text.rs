//! Strings kept NUL-terminated, as the C views hand them out.

use std::ffi::{CStr, CString};
use std::sync::Arc;

/// A C string of `s`; an embedded NUL (possible in a librdkafka log line) is shown as `\0`
/// rather than cutting the text short.
pub fn cstr(s: &str) -> CString {
    if s.contains('\0') {
        return CString::new(s.replace('\0', "\\0")).unwrap_or_default();
    }
    CString::new(s).unwrap_or_default()
}

/// The last topic name converted for a run of messages or delivery reports. Consecutive ones
/// nearly always share it, so they share one C string instead of allocating one each.
#[derive(Default)]
pub struct TopicName(Option<Arc<CStr>>);

impl TopicName {
    pub fn get(&mut self, topic: &str) -> Arc<CStr> {
        match &self.0 {
            Some(t) if t.to_bytes() == topic.as_bytes() => t.clone(),
            _ => self.0.insert(Arc::from(cstr(topic))).clone(),
        }
    }
}
