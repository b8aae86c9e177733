//! Error numbers, the per-thread last-error message, and the lookups exported to C.
//!
//! Kafka and librdkafka failures keep librdkafka's own `rd_kafka_resp_err_t` numbers. kafkabridge's
//! own failures live in `-1000..=-1099`, a range librdkafka never uses (its internal codes are
//! `-200..=-100`, broker codes are positive).

use std::cell::RefCell;
use std::ffi::CStr;

use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaRespErr;

/// A kafkabridge error number: 0 is success, librdkafka's codes otherwise, plus `KB_ERR_*`.
pub type kb_err = i32;

/// Success.
pub const KB_OK: kb_err = 0;
/// A required pointer argument was NULL.
pub const KB_ERR_NULL_ARGUMENT: kb_err = -1001;
/// The handle is stale, already freed, of another type, made up, or was inherited across fork().
pub const KB_ERR_INVALID_HANDLE: kb_err = -1002;
/// A name (topic, config key or value, header name) is not valid UTF-8.
pub const KB_ERR_BAD_UTF8: kb_err = -1003;
/// A persistent client of that name exists with a different configuration.
pub const KB_ERR_CONFIG_CONFLICT: kb_err = -1004;
/// kafkabridge panicked inside this call; the process is intact, the handle may not be.
pub const KB_ERR_PANIC: kb_err = -1005;
/// An argument is out of range or inconsistent (the message says which and why).
pub const KB_ERR_INVALID_ARGUMENT: kb_err = -1006;
/// The call is not valid in the object's current state (for example a closed consumer).
pub const KB_ERR_INVALID_STATE: kb_err = -1007;
/// Undrained delivery reports reached `bridge.event.queue.size`: poll events, then retry.
pub const KB_ERR_EVENT_QUEUE_FULL: kb_err = -1008;
/// No such configuration property (the message is librdkafka's and names the key).
pub const KB_ERR_UNKNOWN_CONFIG: kb_err = -1009;
/// A delivery report's code: the message is not in Kafka yet; it is kept in the durable spool
/// (`bridge.spool.dir`) and re-sent when Kafka answers again. The text says why it was spooled.
pub const KB_ERR_SPOOLED: kb_err = -1010;

/// `kb_last_error_flags()` bit: retrying the same call later may succeed.
pub const KB_ERROR_FLAG_RETRIABLE: u32 = 1;
/// `kb_last_error_flags()` bit: the client is unusable; free it and create a new one.
pub const KB_ERROR_FLAG_FATAL: u32 = 2;
/// `kb_last_error_flags()` bit: the current transaction cannot commit; call
/// `kb_producer_abort_transaction()`, then start a new one.
pub const KB_ERROR_FLAG_TXN_REQUIRES_ABORT: u32 = 4;

// librdkafka's rd_kafka_resp_err_t codes that kafkabridge's calls document and the bindings test
// for, under kafkabridge's prefix: a C user gets them without librdkafka's header, and
// tools/gen-constants.py reads every binding constant from this header alone.
/// RD_KAFKA_RESP_ERR__BAD_MSG: a malformed message from the broker.
pub const KB_RESP_ERR__BAD_MSG: kb_err = -199;
/// RD_KAFKA_RESP_ERR__FAIL: a generic local failure.
pub const KB_RESP_ERR__FAIL: kb_err = -196;
/// RD_KAFKA_RESP_ERR__TRANSPORT: the broker connection failed.
pub const KB_RESP_ERR__TRANSPORT: kb_err = -195;
/// RD_KAFKA_RESP_ERR__MSG_TIMED_OUT: not delivered within message.timeout.ms.
pub const KB_RESP_ERR__MSG_TIMED_OUT: kb_err = -192;
/// RD_KAFKA_RESP_ERR__PARTITION_EOF: the consumer reached the end of a partition.
pub const KB_RESP_ERR__PARTITION_EOF: kb_err = -191;
/// RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION: no such partition.
pub const KB_RESP_ERR__UNKNOWN_PARTITION: kb_err = -190;
/// RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC: no such topic.
pub const KB_RESP_ERR__UNKNOWN_TOPIC: kb_err = -188;
/// RD_KAFKA_RESP_ERR__INVALID_ARG: an invalid argument or configuration value.
pub const KB_RESP_ERR__INVALID_ARG: kb_err = -186;
/// RD_KAFKA_RESP_ERR__TIMED_OUT: the call's timeout passed.
pub const KB_RESP_ERR__TIMED_OUT: kb_err = -185;
/// RD_KAFKA_RESP_ERR__QUEUE_FULL: librdkafka's producer queue is full.
pub const KB_RESP_ERR__QUEUE_FULL: kb_err = -184;
/// RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS: a rebalance assigned partitions.
pub const KB_RESP_ERR__ASSIGN_PARTITIONS: kb_err = -175;
/// RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS: a rebalance revoked partitions.
pub const KB_RESP_ERR__REVOKE_PARTITIONS: kb_err = -174;
/// RD_KAFKA_RESP_ERR__CONFLICT: a conflicting use.
pub const KB_RESP_ERR__CONFLICT: kb_err = -173;
/// RD_KAFKA_RESP_ERR__STATE: not valid in the client's current state.
pub const KB_RESP_ERR__STATE: kb_err = -172;
/// RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED: not implemented.
pub const KB_RESP_ERR__NOT_IMPLEMENTED: kb_err = -170;
/// RD_KAFKA_RESP_ERR__NO_OFFSET: no offset to commit.
pub const KB_RESP_ERR__NO_OFFSET: kb_err = -168;
/// RD_KAFKA_RESP_ERR__NOENT: no such entry.
pub const KB_RESP_ERR__NOENT: kb_err = -156;
/// RD_KAFKA_RESP_ERR__PURGE_QUEUE: purged while still queued.
pub const KB_RESP_ERR__PURGE_QUEUE: kb_err = -152;
/// RD_KAFKA_RESP_ERR__PURGE_INFLIGHT: purged while in flight.
pub const KB_RESP_ERR__PURGE_INFLIGHT: kb_err = -151;
/// RD_KAFKA_RESP_ERR__FATAL: the client hit a fatal error.
pub const KB_RESP_ERR__FATAL: kb_err = -150;
/// RD_KAFKA_RESP_ERR__NOT_CONFIGURED: a feature that is not configured (e.g. transactions).
pub const KB_RESP_ERR__NOT_CONFIGURED: kb_err = -145;
/// RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART: the broker does not know the topic or partition.
pub const KB_RESP_ERR_UNKNOWN_TOPIC_OR_PART: kb_err = 3;
/// RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: the message is larger than allowed.
pub const KB_RESP_ERR_MSG_SIZE_TOO_LARGE: kb_err = 10;
/// RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION: an invalid topic name.
pub const KB_RESP_ERR_TOPIC_EXCEPTION: kb_err = 17;
/// RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: the topic exists.
pub const KB_RESP_ERR_TOPIC_ALREADY_EXISTS: kb_err = 36;
/// RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR: an invalid replication factor.
pub const KB_RESP_ERR_INVALID_REPLICATION_FACTOR: kb_err = 38;
/// RD_KAFKA_RESP_ERR_INVALID_CONFIG: an invalid topic configuration.
pub const KB_RESP_ERR_INVALID_CONFIG: kb_err = 40;
/// RD_KAFKA_RESP_ERR_INVALID_RECORD: the broker refused the record.
pub const KB_RESP_ERR_INVALID_RECORD: kb_err = 87;

/// (code, name, description) for kafkabridge's own errors.
const OWN_ERRORS: &[(kb_err, &CStr, &CStr)] = &[
    (KB_ERR_NULL_ARGUMENT, c"KB_ERR_NULL_ARGUMENT", c"A required pointer argument was NULL"),
    (KB_ERR_INVALID_HANDLE, c"KB_ERR_INVALID_HANDLE", c"Invalid handle: freed, stale, of another type, or inherited across fork()"),
    (KB_ERR_BAD_UTF8, c"KB_ERR_BAD_UTF8", c"A name is not valid UTF-8"),
    (KB_ERR_CONFIG_CONFLICT, c"KB_ERR_CONFIG_CONFLICT", c"A persistent client of that name exists with a different configuration"),
    (KB_ERR_PANIC, c"KB_ERR_PANIC", c"Internal error (panic) inside kafkabridge"),
    (KB_ERR_INVALID_ARGUMENT, c"KB_ERR_INVALID_ARGUMENT", c"Invalid argument"),
    (KB_ERR_INVALID_STATE, c"KB_ERR_INVALID_STATE", c"Operation not valid in the current state"),
    (KB_ERR_EVENT_QUEUE_FULL, c"KB_ERR_EVENT_QUEUE_FULL", c"Undrained delivery reports reached bridge.event.queue.size; poll events"),
    (KB_ERR_UNKNOWN_CONFIG, c"KB_ERR_UNKNOWN_CONFIG", c"No such configuration property"),
    (KB_ERR_SPOOLED, c"KB_ERR_SPOOLED", c"Not delivered yet: kept in the spool (bridge.spool.dir) and re-sent when Kafka answers"),
];

/// A failure: its number and a message that says what to fix.
#[derive(Debug, Clone)]
pub struct KbError {
    pub code: kb_err,
    pub message: String,
    /// `KB_ERROR_FLAG_*` bits: librdkafka's own when it reported an `rd_kafka_error_t`, else
    /// derived from the code.
    pub flags: u32,
}

pub type KbResult<T> = Result<T, KbError>;

impl KbError {
    pub fn new(code: kb_err, message: impl Into<String>) -> Self {
        KbError { code, message: message.into(), flags: flags_of_code(code) }
    }
    /// An error whose flags librdkafka stated (an `rd_kafka_error_t`).
    fn with_rd_flags(code: kb_err, message: String, retriable: bool, fatal: bool, txn_requires_abort: bool) -> Self {
        KbError { code, message, flags: flag_bits(retriable, fatal, txn_requires_abort) }
    }
    pub fn null(what: &str) -> Self {
        Self::new(KB_ERR_NULL_ARGUMENT, format!("{what} must not be NULL"))
    }
    pub fn invalid_handle(kind: &str) -> Self {
        Self::new(
            KB_ERR_INVALID_HANDLE,
            format!("invalid {kind} handle: it was freed, belongs to another type, or was created before fork() in another process"),
        )
    }
    pub fn invalid_arg(message: impl Into<String>) -> Self {
        Self::new(KB_ERR_INVALID_ARGUMENT, message)
    }
    pub fn state(message: impl Into<String>) -> Self {
        Self::new(KB_ERR_INVALID_STATE, message)
    }
    pub fn rd(code: RDKafkaRespErr, message: impl Into<String>) -> Self {
        Self::new(code as i32, message)
    }
    /// A failure librdkafka reported as an `rd_kafka_error_t`, with its own flags.
    pub fn from_rd_error(context: &str, e: crate::sys::librdkafka::RdError) -> Self {
        Self::with_rd_flags(e.code as i32, format!("{context}: {}", e.message), e.retriable, e.fatal, e.txn_requires_abort)
    }
    /// A bare librdkafka code (0 is success), with its name after what we were doing.
    pub fn check_code(context: &str, err: RDKafkaRespErr) -> KbResult<()> {
        if err as i32 == 0 {
            return Ok(());
        }
        Err(Self::rd(err, format!("{context}: {}", rdkafka::error::RDKafkaErrorCode::from(err))))
    }
    /// Wraps a librdkafka failure, keeping its number and prefixing what we were doing.
    pub fn kafka(context: &str, err: KafkaError) -> Self {
        let message = format!("{context}: {err}");
        match &err {
            KafkaError::Transaction(e) => Self::with_rd_flags(kafka_code(&err), message, e.is_retriable(), e.is_fatal(), e.txn_requires_abort()),
            _ => Self::new(kafka_code(&err), message),
        }
    }
}

/// The librdkafka number behind an rdkafka crate error (the crate drops it for some variants).
pub fn kafka_code(err: &KafkaError) -> kb_err {
    use RDKafkaRespErr::*;
    match err {
        KafkaError::AdminOp(code) => *code as i32,
        KafkaError::PartitionEOF(_) => RD_KAFKA_RESP_ERR__PARTITION_EOF as i32,
        KafkaError::ClientConfig(..) | KafkaError::ClientCreation(_) | KafkaError::AdminOpCreation(_) => RD_KAFKA_RESP_ERR__INVALID_ARG as i32,
        KafkaError::Nul(_) => KB_ERR_INVALID_ARGUMENT,
        other => other.rdkafka_error_code().map_or(RD_KAFKA_RESP_ERR__FAIL as i32, |c| c as i32),
    }
}

fn flag_bits(retriable: bool, fatal: bool, txn_requires_abort: bool) -> u32 {
    let bit = |on: bool, flag: u32| if on { flag } else { 0 };
    bit(retriable, KB_ERROR_FLAG_RETRIABLE) | bit(fatal, KB_ERROR_FLAG_FATAL) | bit(txn_requires_abort, KB_ERROR_FLAG_TXN_REQUIRES_ABORT)
}

fn flags_of_code(code: kb_err) -> u32 {
    flag_bits(is_retriable(code), is_fatal(code), false)
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
    static LAST_ERROR_FLAGS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

pub fn set_last_error(err: &KbError) {
    LAST_ERROR.with(|m| {
        let mut m = m.borrow_mut();
        m.clear();
        m.push_str(&err.message);
    });
    LAST_ERROR_FLAGS.with(|f| f.set(err.flags));
}

/// Runs `f` on the message of this thread's last failure.
pub fn with_last_error<T>(f: impl FnOnce(&str) -> T) -> T {
    LAST_ERROR.with(|m| f(&m.borrow()))
}

/// The `KB_ERROR_FLAG_*` bits of this thread's last failure.
pub fn last_error_flags() -> u32 {
    LAST_ERROR_FLAGS.with(|f| f.get())
}

fn own_error(code: kb_err) -> Option<&'static (kb_err, &'static CStr, &'static CStr)> {
    OWN_ERRORS.iter().find(|e| e.0 == code)
}

/// The symbolic name of `code` without librdkafka's `RD_KAFKA_RESP_ERR_` prefix, or "UNKNOWN".
pub fn name_of(code: kb_err) -> &'static CStr {
    match own_error(code) {
        Some(e) => e.1,
        None if code == KB_OK => c"NO_ERROR",
        None => crate::sys::librdkafka::error_description(code).map_or(c"UNKNOWN", |d| d.0),
    }
}

/// A human-readable description of `code`, or "Unknown error".
pub fn description_of(code: kb_err) -> &'static CStr {
    match own_error(code) {
        Some(e) => e.2,
        None if code == KB_OK => c"Success",
        None => crate::sys::librdkafka::error_description(code).and_then(|d| d.1).unwrap_or(c"Unknown error"),
    }
}

/// Whether retrying the same call later may succeed (timeouts, full queues, leader changes,
/// transport failures).
pub fn is_retriable(code: kb_err) -> bool {
    use RDKafkaRespErr::*;
    const RETRIABLE: &[RDKafkaRespErr] = &[
        RD_KAFKA_RESP_ERR__TIMED_OUT,
        RD_KAFKA_RESP_ERR__QUEUE_FULL,
        RD_KAFKA_RESP_ERR__TRANSPORT,
        RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
        RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
        RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE,
        RD_KAFKA_RESP_ERR__WAIT_COORD,
        RD_KAFKA_RESP_ERR__RETRY,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
        RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
        RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
        RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS,
    ];
    code == KB_ERR_EVENT_QUEUE_FULL || RETRIABLE.iter().any(|c| *c as i32 == code)
}

/// Whether the error is fatal for the client that reported it (it must be freed and created
/// again).
pub fn is_fatal(code: kb_err) -> bool {
    use RDKafkaRespErr::*;
    const FATAL: &[RDKafkaRespErr] = &[
        RD_KAFKA_RESP_ERR__FATAL,
        RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH,
        RD_KAFKA_RESP_ERR_PRODUCER_FENCED,
        RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT,
    ];
    code == KB_ERR_PANIC || FATAL.iter().any(|c| *c as i32 == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::types::RDKafkaRespErr as E;

    #[test]
    fn kb_resp_err_codes_are_librdkafkas() {
        let pairs: &[(kb_err, E)] = &[
            (KB_RESP_ERR__BAD_MSG, E::RD_KAFKA_RESP_ERR__BAD_MSG),
            (KB_RESP_ERR__FAIL, E::RD_KAFKA_RESP_ERR__FAIL),
            (KB_RESP_ERR__TRANSPORT, E::RD_KAFKA_RESP_ERR__TRANSPORT),
            (KB_RESP_ERR__MSG_TIMED_OUT, E::RD_KAFKA_RESP_ERR__MSG_TIMED_OUT),
            (KB_RESP_ERR__PARTITION_EOF, E::RD_KAFKA_RESP_ERR__PARTITION_EOF),
            (KB_RESP_ERR__UNKNOWN_PARTITION, E::RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION),
            (KB_RESP_ERR__UNKNOWN_TOPIC, E::RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC),
            (KB_RESP_ERR__INVALID_ARG, E::RD_KAFKA_RESP_ERR__INVALID_ARG),
            (KB_RESP_ERR__TIMED_OUT, E::RD_KAFKA_RESP_ERR__TIMED_OUT),
            (KB_RESP_ERR__QUEUE_FULL, E::RD_KAFKA_RESP_ERR__QUEUE_FULL),
            (KB_RESP_ERR__ASSIGN_PARTITIONS, E::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS),
            (KB_RESP_ERR__REVOKE_PARTITIONS, E::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS),
            (KB_RESP_ERR__CONFLICT, E::RD_KAFKA_RESP_ERR__CONFLICT),
            (KB_RESP_ERR__STATE, E::RD_KAFKA_RESP_ERR__STATE),
            (KB_RESP_ERR__NOT_IMPLEMENTED, E::RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED),
            (KB_RESP_ERR__NO_OFFSET, E::RD_KAFKA_RESP_ERR__NO_OFFSET),
            (KB_RESP_ERR__NOENT, E::RD_KAFKA_RESP_ERR__NOENT),
            (KB_RESP_ERR__PURGE_QUEUE, E::RD_KAFKA_RESP_ERR__PURGE_QUEUE),
            (KB_RESP_ERR__PURGE_INFLIGHT, E::RD_KAFKA_RESP_ERR__PURGE_INFLIGHT),
            (KB_RESP_ERR__FATAL, E::RD_KAFKA_RESP_ERR__FATAL),
            (KB_RESP_ERR__NOT_CONFIGURED, E::RD_KAFKA_RESP_ERR__NOT_CONFIGURED),
            (KB_RESP_ERR_UNKNOWN_TOPIC_OR_PART, E::RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART),
            (KB_RESP_ERR_MSG_SIZE_TOO_LARGE, E::RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE),
            (KB_RESP_ERR_TOPIC_EXCEPTION, E::RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION),
            (KB_RESP_ERR_TOPIC_ALREADY_EXISTS, E::RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS),
            (KB_RESP_ERR_INVALID_REPLICATION_FACTOR, E::RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR),
            (KB_RESP_ERR_INVALID_CONFIG, E::RD_KAFKA_RESP_ERR_INVALID_CONFIG),
            (KB_RESP_ERR_INVALID_RECORD, E::RD_KAFKA_RESP_ERR_INVALID_RECORD),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(*ours, *theirs as kb_err, "{theirs:?}");
        }
    }
}
