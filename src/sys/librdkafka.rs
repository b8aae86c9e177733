//! The librdkafka calls kafkabridge makes itself, where the rdkafka crate drops the error code,
//! adds a wait of its own or has no wrapper. Each takes rdkafka's safe types, so every client and
//! list pointer handed to librdkafka is live for the call.

use std::ffi::CStr;

use rdkafka::bindings as rd;
use rdkafka::client::{Client, ClientContext};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::TopicPartitionList;

/// A failure librdkafka reported as an `rd_kafka_error_t`, copied out before it was destroyed.
#[derive(Debug)]
pub struct RdError {
    pub code: RDKafkaRespErr,
    pub message: String,
    pub retriable: bool,
    pub fatal: bool,
    pub txn_requires_abort: bool,
}

/// Copies and destroys an error librdkafka returned; NULL is success.
///
/// # Safety
/// `err` is NULL or an `rd_kafka_error_t` librdkafka has just handed to us, not yet destroyed.
unsafe fn take_error(err: *mut rd::rd_kafka_error_t) -> Result<(), RdError> {
    if err.is_null() {
        return Ok(());
    }
    // SAFETY: `err` is a live error we own (the function's contract); its string lives as long
    // as it does, and it is destroyed once, after everything has been copied.
    unsafe {
        let e = RdError {
            code: rd::rd_kafka_error_code(err),
            message: CStr::from_ptr(rd::rd_kafka_error_string(err)).to_string_lossy().into_owned(),
            retriable: rd::rd_kafka_error_is_retriable(err) != 0,
            fatal: rd::rd_kafka_error_is_fatal(err) != 0,
            txn_requires_abort: rd::rd_kafka_error_txn_requires_abort(err) != 0,
        };
        rd::rd_kafka_error_destroy(err);
        Err(e)
    }
}

fn list_ptr(tpl: Option<&TopicPartitionList>) -> *const rd::rd_kafka_topic_partition_list_t {
    tpl.map_or(std::ptr::null(), |t| t.ptr())
}

/// Milliseconds for librdkafka's `int timeout_ms`, saturating.
pub fn millis(timeout: std::time::Duration) -> i32 {
    timeout.as_millis().min(i32::MAX as u128) as i32
}

/// `rd_kafka_assign`: replaces the assignment (None: unassigns everything).
pub fn assign<C: ClientContext>(client: &Client<C>, tpl: Option<&TopicPartitionList>) -> RDKafkaRespErr {
    // SAFETY: a live client and a NULL or live list, which librdkafka copies.
    unsafe { rd::rd_kafka_assign(client.native_ptr(), list_ptr(tpl)) }
}

/// `rd_kafka_incremental_assign` (`add`) or `rd_kafka_incremental_unassign`.
pub fn incremental_assign<C: ClientContext>(client: &Client<C>, tpl: &TopicPartitionList, add: bool) -> Result<(), RdError> {
    // SAFETY: a live client and list; the returned error is new and ours.
    unsafe {
        let err = if add {
            rd::rd_kafka_incremental_assign(client.native_ptr(), tpl.ptr())
        } else {
            rd::rd_kafka_incremental_unassign(client.native_ptr(), tpl.ptr())
        };
        take_error(err)
    }
}

/// `rd_kafka_pause_partitions` or `rd_kafka_resume_partitions`; per-partition results are
/// written into `tpl`'s elements.
pub fn pause_partitions<C: ClientContext>(client: &Client<C>, tpl: &TopicPartitionList, pause: bool) -> RDKafkaRespErr {
    // SAFETY: a live client and list.
    unsafe {
        if pause {
            rd::rd_kafka_pause_partitions(client.native_ptr(), tpl.ptr())
        } else {
            rd::rd_kafka_resume_partitions(client.native_ptr(), tpl.ptr())
        }
    }
}

/// `rd_kafka_seek_partitions`; per-partition results are written into `tpl`'s elements.
pub fn seek_partitions<C: ClientContext>(client: &Client<C>, tpl: &TopicPartitionList, timeout_ms: i32) -> Result<(), RdError> {
    // SAFETY: a live client and list; the returned error is new and ours.
    unsafe { take_error(rd::rd_kafka_seek_partitions(client.native_ptr(), tpl.ptr(), timeout_ms)) }
}

/// `rd_kafka_offsets_for_times`: replaces each element's offset (a timestamp) by the answer.
pub fn offsets_for_times<C: ClientContext>(client: &Client<C>, tpl: &TopicPartitionList, timeout_ms: i32) -> RDKafkaRespErr {
    // SAFETY: a live client and list.
    unsafe { rd::rd_kafka_offsets_for_times(client.native_ptr(), tpl.ptr(), timeout_ms) }
}

/// `rd_kafka_controllerid`: the id of the cluster's controller broker, -1 when it is not known
/// within `timeout_ms` (librdkafka waits for the first metadata answer up to then).
pub fn controller_id<C: ClientContext>(client: &Client<C>, timeout_ms: i32) -> i32 {
    // SAFETY: a live client.
    unsafe { rd::rd_kafka_controllerid(client.native_ptr(), timeout_ms) }
}

/// `rd_kafka_get_watermark_offsets`: the low and high offsets librdkafka last learned for a
/// partition from its fetch responses (no request); None before the first.
pub fn cached_watermarks<C: ClientContext>(client: &Client<C>, topic: &str, partition: i32) -> Option<(i64, i64)> {
    let topic = std::ffi::CString::new(topic).ok()?;
    let (mut low, mut high) = (-1i64, -1i64);
    // SAFETY: a live client, a NUL-terminated topic and two out-parameters that outlive the call.
    let err = unsafe { rd::rd_kafka_get_watermark_offsets(client.native_ptr(), topic.as_ptr(), partition, &mut low, &mut high) };
    (err == RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0).then_some((low, high))
}

/// The generation of the group the consumer is in (its member epoch with the consumer group
/// protocol), from `rd_kafka_consumer_group_metadata`; -1 before it joined one.
pub fn group_generation<C: ClientContext>(client: &Client<C>) -> i32 {
    // SAFETY: a live client; the metadata it returns (NULL without a group) is ours, read once
    // and destroyed once.
    unsafe {
        let md = rd::rd_kafka_consumer_group_metadata(client.native_ptr());
        if md.is_null() {
            return -1;
        }
        let generation = rd::rd_kafka_consumer_group_metadata_generation_id(md);
        rd::rd_kafka_consumer_group_metadata_destroy(md);
        generation
    }
}

/// What a synchronous commit heard back.
pub enum CommitAnswer {
    /// The coordinator answered (or librdkafka refused at once) with this code.
    Answered(RDKafkaRespErr),
    /// No answer within the timeout.
    None,
}

/// Commits `tpl` (None: the stored offsets) and waits up to `timeout_ms` for the answer on a
/// queue of its own: librdkafka's synchronous commit has no bound.
pub fn commit_and_wait<C: ClientContext>(client: &Client<C>, tpl: Option<&TopicPartitionList>, timeout_ms: i32) -> CommitAnswer {
    let rk = client.native_ptr();
    // SAFETY: `rk` is live for the call; `tpl` is NULL or live (librdkafka copies it); the queue
    // and the event are destroyed exactly once. Destroying the queue with no answer yet is safe:
    // librdkafka keeps it alive until the late reply has been discarded.
    unsafe {
        let queue = rd::rd_kafka_queue_new(rk);
        let err = rd::rd_kafka_commit_queue(rk, list_ptr(tpl), queue, None, std::ptr::null_mut());
        if err as i32 != 0 {
            rd::rd_kafka_queue_destroy(queue);
            return CommitAnswer::Answered(err);
        }
        let event = rd::rd_kafka_queue_poll(queue, timeout_ms);
        rd::rd_kafka_queue_destroy(queue);
        if event.is_null() {
            return CommitAnswer::None;
        }
        let err = rd::rd_kafka_event_error(event);
        rd::rd_kafka_event_destroy(event);
        CommitAnswer::Answered(err)
    }
}

/// Commits `tpl` (None: the stored offsets) without waiting; the result is posted to the main
/// queue, which librdkafka forwards to the consumer queue, so it comes back through polling as
/// an offset-commit event (rdkafka's own async commit never yields one).
pub fn commit_async<C: ClientContext>(client: &Client<C>, tpl: Option<&TopicPartitionList>) -> RDKafkaRespErr {
    let rk = client.native_ptr();
    // SAFETY: as for `commit_and_wait`; the main queue handle is released once.
    unsafe {
        let queue = rd::rd_kafka_queue_get_main(rk);
        let err = rd::rd_kafka_commit_queue(rk, list_ptr(tpl), queue, None, std::ptr::null_mut());
        rd::rd_kafka_queue_destroy(queue);
        err
    }
}

/// Requests the brokers' metadata (no topics beyond those the client already knows) and waits up
/// to `timeout_ms` for the answer; the answer itself is discarded.
pub fn request_broker_metadata<C: ClientContext>(client: &Client<C>, timeout_ms: i32) -> RDKafkaRespErr {
    let mut md: *const rd::rd_kafka_metadata_t = std::ptr::null();
    // SAFETY: a live client; `md` is written only on success and destroyed once.
    unsafe {
        let err = rd::rd_kafka_metadata(client.native_ptr(), 0, std::ptr::null_mut(), &mut md, timeout_ms);
        if !md.is_null() {
            rd::rd_kafka_metadata_destroy(md);
        }
        err
    }
}

/// `rd_kafka_flush`: sends at once (not waiting out `linger.ms`) until nothing is in flight or
/// `timeout_ms` passed.
pub fn flush<C: ClientContext>(client: &Client<C>, timeout_ms: i32) -> RDKafkaRespErr {
    // SAFETY: a live client.
    unsafe { rd::rd_kafka_flush(client.native_ptr(), timeout_ms) }
}

/// `rd_kafka_commit_transaction`, which flushes by itself without waiting out `linger.ms`.
pub fn commit_transaction<C: ClientContext>(client: &Client<C>, timeout_ms: i32) -> Result<(), RdError> {
    // SAFETY: a live client; the returned error is new and ours.
    unsafe { take_error(rd::rd_kafka_commit_transaction(client.native_ptr(), timeout_ms)) }
}

/// `rd_kafka_oauthbearer_set_token`: hands librdkafka the SASL/OAUTHBEARER token to
/// authenticate with (`lifetime_ms`: when it expires, in ms since the epoch); `extensions` are
/// key, value, key, value... Refused with librdkafka's code and text (an expired token, a bad
/// extension, OAUTHBEARER not configured).
pub fn oauthbearer_set_token<C: ClientContext>(
    client: &Client<C>,
    token: &CStr,
    lifetime_ms: i64,
    principal: &CStr,
    extensions: &[&CStr],
) -> Result<(), (RDKafkaRespErr, String)> {
    let mut ext: Vec<*const std::ffi::c_char> = extensions.iter().map(|e| e.as_ptr()).collect();
    let mut errstr = [0 as std::ffi::c_char; 512];
    // SAFETY: a live client; the strings and the pointer array outlive the call (librdkafka
    // copies them), and `errstr` is a writable buffer of the size given.
    let err = unsafe {
        rd::rd_kafka_oauthbearer_set_token(
            client.native_ptr(),
            token.as_ptr(),
            lifetime_ms,
            principal.as_ptr(),
            ext.as_mut_ptr(),
            ext.len(),
            errstr.as_mut_ptr(),
            errstr.len(),
        )
    };
    if err == RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Ok(());
    }
    // SAFETY: librdkafka NUL-terminates what it writes into `errstr` (zeroed before).
    Err((err, unsafe { CStr::from_ptr(errstr.as_ptr()) }.to_string_lossy().into_owned()))
}

/// `rd_kafka_oauthbearer_set_token_failure`: tells librdkafka no token could be had, with why;
/// it reports that as an `_AUTHENTICATION` error and asks again 10 seconds later.
pub fn oauthbearer_set_token_failure<C: ClientContext>(client: &Client<C>, reason: &CStr) -> RDKafkaRespErr {
    // SAFETY: a live client and a NUL-terminated string librdkafka copies.
    unsafe { rd::rd_kafka_oauthbearer_set_token_failure(client.native_ptr(), reason.as_ptr()) }
}

/// The version of the librdkafka linked in, e.g. "2.12.1".
pub fn version() -> &'static CStr {
    // SAFETY: librdkafka returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(rd::rd_kafka_version_str()) }
}

/// librdkafka's name and description of `code`, looked up in its own table (safe for any
/// integer, unlike `rd_kafka_err2name`).
pub fn error_description(code: i32) -> Option<(&'static CStr, Option<&'static CStr>)> {
    let mut descs = std::ptr::null();
    let mut count = 0usize;
    // SAFETY: librdkafka points `descs` at its static table of `count` entries, whose strings
    // are static too (or NULL, filtered out).
    unsafe {
        rd::rd_kafka_get_err_descs(&mut descs, &mut count);
        std::slice::from_raw_parts(descs, count)
            .iter()
            .find(|d| d.code as i32 == code && !d.name.is_null())
            .map(|d| (CStr::from_ptr(d.name), (!d.desc.is_null()).then(|| CStr::from_ptr(d.desc))))
    }
}
