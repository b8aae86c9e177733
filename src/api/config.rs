//! `kb_config`: librdkafka properties plus kafkabridge's own `bridge.*` settings
//! (`core::config`).

use std::os::raw::c_char;
use std::sync::Arc;

use rdkafka::types::RDKafkaRespErr;

use crate::boundary::{check_not_null, copy_to_buf, guard, guard_count, str_arg, write_out, Registry};
use crate::core::config::{Config, Settings};
use crate::core::error::{kb_err, KbError, KbResult};

/// A configuration object: librdkafka global and topic-level properties plus `bridge.*` keys.
pub struct kb_config(());

static CONFIGS: Registry<kb_config, Config> = Registry::new_data(0x01, "kb_config");

/// Resolves a possibly-NULL config handle: NULL means "all defaults".
pub(crate) fn settings_arg(conf: *const kb_config) -> KbResult<Settings> {
    if conf.is_null() {
        return Ok(Config::new().settings());
    }
    Ok(CONFIGS.get(conf)?.settings())
}

/// Creates an empty configuration in `*out`. Free it with `kb_config_free()`.
/// Errors: KB_ERR_NULL_ARGUMENT.
#[no_mangle]
pub extern "C" fn kb_config_new(out: *mut *mut kb_config) -> kb_err {
    guard(|| {
        check_not_null!(out);
        write_out(out, CONFIGS.insert(Arc::new(Config::new())));
        Ok(())
    })
}

/// Sets a property. librdkafka global and topic-level properties (for example
/// `bootstrap.servers`, `linger.ms`, `acks`, `message.timeout.ms`) are validated at once by
/// librdkafka; `bridge.*` keys are kafkabridge's own:
///
/// - `bridge.persistent.name` (default empty): producers opened with a non-empty name share one
///   process-wide client of that name that survives `kb_producer_free()`; consumers become
///   sessions of a process-wide group member (see `kb_consumer_new()`).
/// - `bridge.close.timeout.ms` (default 5000): how long freeing a private producer flushes, and
///   how long `kb_consumer_close()` waits to leave the group.
/// - `bridge.exit.flush.timeout.ms` (default 5000): flush bound for live producers at process exit.
/// - `bridge.event.queue.size` (default 100000): undrained events one handle may hold; past it,
///   produce fails with KB_ERR_EVENT_QUEUE_FULL and logs/statistics are dropped and counted.
/// - `bridge.commit.timeout.ms` (default 10000): how long a synchronous `kb_consumer_commit()`
///   waits for the broker's answer before it returns RD_KAFKA_RESP_ERR__TIMED_OUT.
/// - `bridge.consumer.buffer.messages` (default 1000) and `bridge.consumer.buffer.bytes`
///   (default 8388608): what a persistent consumer prefetches between sessions before it pauses
///   its partitions.
/// - `bridge.consumer.idle.ms` (default 30000): a persistent consumer with no session for this
///   long leaves its group, and rejoins for the next session; 0: never.
/// - `bridge.spool.dir` (default empty: no spool): a producer keeps the messages it could not
///   deliver (a retriable error or a timeout, and what a flush at free or at exit left) in files
///   in this directory, reports each as KB_ERR_SPOOLED, and re-sends them, in order per
///   partition, once Kafka answers: this process, or the next one to open a producer on the
///   directory. Every message of such a producer carries a `kb-message-id` header (32 hex
///   digits) by which a consumer can drop the rare replayed copy of a message that reached
///   Kafka after all. Any number of processes may share one directory.
/// - `bridge.spool.max.bytes` (default 1073741824): what the directory may hold; a message past
///   it is reported with its own error and "the spool ... is full".
/// - `bridge.spool.fsync` (default true): a message is reported spooled once its record is on
///   disk (one fsync per batch of reports); false: once written, which a killed process survives
///   and a machine crash may not.
/// - `bridge.spool.replay.interval.ms` (default 5000): how often the spool is checked for
///   messages to re-send.
///
/// Errors: KB_ERR_UNKNOWN_CONFIG (-1009) for an unknown key,
/// RD_KAFKA_RESP_ERR__INVALID_ARG (-186) for a bad value, each with librdkafka's message in
/// `kb_last_error()`; KB_ERR_NULL_ARGUMENT, KB_ERR_BAD_UTF8, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_config_set(conf: *mut kb_config, key: *const c_char, value: *const c_char) -> kb_err {
    guard(|| {
        let config = CONFIGS.get(conf)?;
        config.set(str_arg(key, "key")?, str_arg(value, "value")?)
    })
}

/// Copies the value of `key` (as set, else librdkafka's default) into `buf` (NUL-terminated,
/// truncated to `cap - 1`) and stores its full length in `*len_out`. Secrets are returned as set.
/// Errors: RD_KAFKA_RESP_ERR__NOENT (-156) for an unknown key; KB_ERR_NULL_ARGUMENT, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_config_get(conf: *const kb_config, key: *const c_char, buf: *mut c_char, cap: usize, len_out: *mut usize) -> kb_err {
    guard(|| {
        check_not_null!(len_out);
        let config = CONFIGS.get(conf)?;
        let key = str_arg(key, "key")?;
        let value = config
            .get(key)
            .ok_or_else(|| KbError::rd(RDKafkaRespErr::RD_KAFKA_RESP_ERR__NOENT, format!("No such configuration property: \"{key}\"")))?;
        write_out(len_out, copy_to_buf(value.as_bytes(), buf, cap));
        Ok(())
    })
}

/// Writes the properties that were set as `key=value\n` lines, sorted by key, into `buf`
/// (NUL-terminated, truncated to `cap - 1`). Secret values (`*password*`, `*secret*`,
/// `ssl.key.pem`, `sasl.oauthbearer.config`) appear as `[redacted]`; backslashes and newlines in
/// values are escaped as `\\` and `\n`. Returns the full length; 0 for an invalid handle.
#[no_mangle]
pub extern "C" fn kb_config_dump(conf: *const kb_config, buf: *mut c_char, cap: usize) -> usize {
    guard_count(|| CONFIGS.get(conf).map(|c| copy_to_buf(c.dump().as_bytes(), buf, cap)))
}

/// Creates an independent copy of `conf` in `*out`. Free it with `kb_config_free()`.
#[no_mangle]
pub extern "C" fn kb_config_copy(conf: *const kb_config, out: *mut *mut kb_config) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let copy = CONFIGS.get(conf)?.copy()?;
        write_out(out, CONFIGS.insert(Arc::new(copy)));
        Ok(())
    })
}

/// Frees a configuration. Clients created from it keep their own copy. NULL is a no-op;
/// a stale or double-freed handle returns KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_config_free(conf: *mut kb_config) -> kb_err {
    guard(|| CONFIGS.remove(conf).map(drop))
}
