//! `kb_consumer`: a group consumer or a manually assigned one (`core::consumer`).

use std::os::raw::c_char;
use std::sync::Arc;

use crate::api::config::{kb_config, settings_arg};
use crate::api::event::{kb_event, kb_event_batch, return_event, return_events};
use crate::api::message::{kb_message, kb_message_batch, kb_packed_messages, return_message, return_messages, return_packed, MESSAGES};
use crate::api::partition_list::{kb_partition_list, kb_topic_partition, list_arg, return_list};
use crate::boundary::{check_not_null, guard, slice_arg, str_arg, str_pairs_arg, timeout_arg, write_out, Registry};
use crate::core::consumer_session::ConsumerSession;
use crate::core::error::{kb_err, KbResult};

/// A Kafka consumer handle. With `bridge.persistent.name` set it is a session of a process-wide
/// group member that outlives the handle; otherwise it owns a consumer of its own.
pub struct kb_consumer(());

/// What `kb_consumer_get_info()` reports: proof of a persistent consumer's reuse and buffer.
#[repr(C)]
pub struct kb_consumer_info {
    /// 1 if the handle is a session of a persistent (named) consumer.
    pub persistent: i32,
    /// 1 if this session attached to a member that already existed (no new group join).
    pub reused: i32,
    /// Milliseconds since the member (or the private consumer) was created.
    pub age_ms: u64,
    /// Sessions that have ended on the member.
    pub sessions_served: u64,
    /// Messages and bytes (keys and values) the member holds for the next session.
    pub buffered_messages: u64,
    pub buffered_bytes: u64,
    /// Partitions the member paused because its buffer was full.
    pub paused_partitions: u64,
    /// Offsets handed to sessions that had not been committed when their session ended: those
    /// messages were handed out again to the next session.
    pub redelivered: u64,
    /// Times the member left its group after `bridge.consumer.idle.ms` without a session (and
    /// rejoined for the next one).
    pub idle_leaves: u64,
    /// The process that created the consumer (the member): always the caller's own, as a
    /// member made before `fork()` is never used in the child.
    pub creator_pid: u32,
    /// The group generation the consumer is in (its member epoch with `group.protocol=consumer`),
    /// -1 before it joined: the group's rebalances so far, counted by the broker.
    pub group_generation: i32,
    /// Partitions assigned to the consumer now.
    pub assigned_partitions: u64,
    /// Rebalances the consumer (the member, across idle leaves) took part in: assignments
    /// received.
    pub rebalances: u64,
}

pub(crate) static CONSUMERS: Registry<kb_consumer, ConsumerSession> = Registry::new(0x03, "kb_consumer");

/// Creates a consumer from `conf` into `*out`; free it with `kb_consumer_free()`. With
/// `group.id` it can subscribe and commit; without it, only manual assignment
/// (`kb_consumer_assign()`) is possible, and subscribe/commit give KB_ERR_INVALID_STATE.
///
/// With `bridge.persistent.name` (and `group.id`) the handle is a session of the process-wide
/// group member of that name, created on first use, that stays in its group after
/// `kb_consumer_free()`; one session at a time. Between sessions the member keeps being served
/// and prefetches up to `bridge.consumer.buffer.messages` / `.bytes`, pausing its partitions
/// when full; a session's polls hand out the buffered messages first. Offsets are stored (with
/// `enable.auto.offset.store`, the default) only for messages handed to a session, so only
/// those are committed. Freeing the session commits what it was handed (with
/// `enable.auto.commit`, the default) and moves each partition it read back to its committed
/// offset: the next session continues exactly after the last committed message, and a message
/// a session was handed but did not commit is handed out again (counted in
/// `kb_consumer_info.redelivered`). Subscribing a session to the member's current subscription
/// changes nothing (no rebalance). Buffered messages of a revoked partition are dropped
/// uncommitted; its new owner reads them. A member made before `fork()` is never used in the
/// child (a fresh one is made there); at normal process exit every member commits what was
/// stored and leaves its group within `bridge.close.timeout.ms`. A member with no session for
/// `bridge.consumer.idle.ms` leaves its group and rejoins, subscribed as before, for the next
/// session.
///
/// Errors: RD_KAFKA_RESP_ERR__INVALID_ARG for settings librdkafka refuses, KB_ERR_CONFIG_CONFLICT
/// when the persistent member exists with other settings (the message names the keys),
/// KB_ERR_INVALID_STATE while another session of it is open, KB_ERR_INVALID_ARGUMENT for a
/// persistent name without `group.id`, KB_ERR_NULL_ARGUMENT, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_consumer_new(conf: *const kb_config, out: *mut *mut kb_consumer) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let consumer = ConsumerSession::open(settings_arg(conf)?)?;
        write_out(out, CONSUMERS.insert(Arc::new(consumer)));
        Ok(())
    })
}

/// Subscribes to `count` topics (replacing any subscription); partitions are assigned by the
/// group while `kb_consumer_poll()` runs. Names starting with `^` are regular expressions.
/// Errors: RD_KAFKA_RESP_ERR__INVALID_ARG, KB_ERR_INVALID_STATE if closed, KB_ERR_NULL_ARGUMENT.
#[no_mangle]
pub extern "C" fn kb_consumer_subscribe(c: *mut kb_consumer, topics: *const *const c_char, count: usize) -> kb_err {
    guard(|| {
        let names = slice_arg(topics, count, "topics")?
            .iter()
            .enumerate()
            .map(|(i, t)| str_arg(*t, &format!("topics[{i}]")))
            .collect::<KbResult<Vec<&str>>>()?;
        CONSUMERS.get(c)?.subscribe(&names)
    })
}

/// Leaves the subscription (and the group's assignment).
#[no_mangle]
pub extern "C" fn kb_consumer_unsubscribe(c: *mut kb_consumer) -> kb_err {
    guard(|| CONSUMERS.get(c)?.client()?.unsubscribe())
}

/// Stores the subscribed topics (partition -1) as a list in `*out` (free with `kb_partition_list_free()`).
#[no_mangle]
pub extern "C" fn kb_consumer_subscription(c: *mut kb_consumer, out: *mut *mut kb_partition_list) -> kb_err {
    guard(|| {
        check_not_null!(out);
        return_list(CONSUMERS.get(c)?.client()?.subscription()?, out);
        Ok(())
    })
}

/// Replaces the assignment with `count` partitions, each starting at its `offset`
/// (KB_OFFSET_STORED to resume from the committed offset). NULL/0 unassigns everything.
#[no_mangle]
pub extern "C" fn kb_consumer_assign(c: *mut kb_consumer, parts: *const kb_topic_partition, count: usize) -> kb_err {
    guard(|| {
        let tpl = list_arg(parts, count, true)?;
        CONSUMERS.get(c)?.client()?.assign(if count == 0 { None } else { Some(&tpl) })
    })
}

/// Adds partitions to the assignment (cooperative rebalancing, or manual use).
#[no_mangle]
pub extern "C" fn kb_consumer_incremental_assign(c: *mut kb_consumer, parts: *const kb_topic_partition, count: usize) -> kb_err {
    guard(|| {
        let tpl = list_arg(parts, count, true)?;
        CONSUMERS.get(c)?.client()?.incremental_assign(&tpl, true)
    })
}

/// Removes partitions from the assignment.
#[no_mangle]
pub extern "C" fn kb_consumer_incremental_unassign(c: *mut kb_consumer, parts: *const kb_topic_partition, count: usize) -> kb_err {
    guard(|| {
        let tpl = list_arg(parts, count, false)?;
        CONSUMERS.get(c)?.client()?.incremental_assign(&tpl, false)
    })
}

/// Stores the current assignment in `*out`.
#[no_mangle]
pub extern "C" fn kb_consumer_assignment(c: *mut kb_consumer, out: *mut *mut kb_partition_list) -> kb_err {
    guard(|| {
        check_not_null!(out);
        return_list(CONSUMERS.get(c)?.client()?.assignment()?, out);
        Ok(())
    })
}

/// Waits up to `timeout_ms` for one message and stores it in `*out` (NULL if none came); free it
/// with `kb_message_free()`. Consumer errors (for example RD_KAFKA_RESP_ERR__PARTITION_EOF with
/// `enable.partition.eof`) arrive as messages whose `err` is set. Group rebalances and commit
/// results are applied during this call and recorded as events for `kb_consumer_poll_events()`.
#[no_mangle]
pub extern "C" fn kb_consumer_poll(c: *mut kb_consumer, timeout_ms: i32, out: *mut *mut kb_message) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        return_message(CONSUMERS.get(c)?.poll(timeout)?, out);
        Ok(())
    })
}

/// Waits up to `timeout_ms` in total for up to `max` messages and stores them as one batch in
/// `*out` (possibly empty; free with `kb_message_batch_free()`). Returns early once `max` arrived,
/// and at a rebalance, as `kb_consumer_poll_packed()` describes.
#[no_mangle]
pub extern "C" fn kb_consumer_poll_batch(c: *mut kb_consumer, timeout_ms: i32, max: usize, out: *mut *mut kb_message_batch) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        return_messages(CONSUMERS.get(c)?.poll_batch(timeout, max)?, out);
        Ok(())
    })
}

/// Waits up to `timeout_ms` until `min` messages arrived (none: takes only what is already
/// fetched), then adds those already fetched without waiting, up to `max` messages or until the
/// batch holds `max_bytes` bytes (0: no limit; a message is never split), and stores them packed
/// into one byte buffer in `*out` (possibly empty; read it with `kb_packed_messages_data()`,
/// free it with `kb_packed_messages_free()`). For hosts that pay for every field read across
/// their FFI: one copy per batch. `min` 1 suits a consume loop: the first message returns at
/// once with whatever else is ready. Consumer errors arrive as records whose `err` is set.
///
/// A batch ends at a rebalance. With `enable.auto.offset.store=false`, messages fetched before a
/// rebalance revoked their partition are left out (their offsets were not stored, so the
/// partition's next owner reads them): a host that hands a batch on one message at a time and
/// stores offsets only for what it handed on skips nothing.
/// Errors: KB_ERR_INVALID_STATE once closed, KB_ERR_INVALID_ARGUMENT, KB_ERR_NULL_ARGUMENT.
#[no_mangle]
pub extern "C" fn kb_consumer_poll_packed(
    c: *mut kb_consumer,
    timeout_ms: i32,
    min: usize,
    max: usize,
    max_bytes: usize,
    out: *mut *mut kb_packed_messages,
) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        return_packed(CONSUMERS.get(c)?.poll_packed(timeout, min, max, max_bytes)?, out);
        Ok(())
    })
}

/// Waits up to `timeout_ms` for the next consumer event (rebalance, commit result, error, log,
/// statistics) and stores it in `*out`, or NULL. Rebalance and commit events are produced while
/// `kb_consumer_poll()` runs.
#[no_mangle]
pub extern "C" fn kb_consumer_poll_event(c: *mut kb_consumer, timeout_ms: i32, out: *mut *mut kb_event) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        return_event(CONSUMERS.get(c)?.client()?.events().pop(timeout), out);
        Ok(())
    })
}

/// Like `kb_consumer_poll_event()` for up to `max` events in one batch.
#[no_mangle]
pub extern "C" fn kb_consumer_poll_events(c: *mut kb_consumer, timeout_ms: i32, max: usize, out: *mut *mut kb_event_batch) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        return_events(CONSUMERS.get(c)?.client()?.events().pop_batch(timeout, max), out);
        Ok(())
    })
}

/// Commits offsets: the given `count` partitions with their `offset` (the next offset to read),
/// or, with `parts` NULL and `count` 0, the offsets stored for every assigned partition (with the
/// default `enable.auto.offset.store=true`, the position after the last message returned); an
/// async commit takes them when librdkafka processes it, so messages polled meanwhile count.
/// `async_` non-zero returns at once; the result then arrives as a KB_EVENT_COMMIT event.
/// Errors: RD_KAFKA_RESP_ERR__NO_OFFSET (-168) when there is nothing to commit, broker errors.
#[no_mangle]
pub extern "C" fn kb_consumer_commit(c: *mut kb_consumer, parts: *const kb_topic_partition, count: usize, async_: i32) -> kb_err {
    guard(|| {
        let session = CONSUMERS.get(c)?;
        let consumer = session.client()?;
        let tpl = if parts.is_null() && count == 0 { None } else { Some(list_arg(parts, count, true)?) };
        consumer.commit(tpl.as_ref(), async_ != 0)
    })
}

/// Commits the offset after `msg` (its offset + 1) for its partition.
#[no_mangle]
pub extern "C" fn kb_consumer_commit_message(c: *mut kb_consumer, msg: *const kb_message, async_: i32) -> kb_err {
    guard(|| {
        let session = CONSUMERS.get(c)?;
        let consumer = session.client()?;
        consumer.commit_message(&MESSAGES.get(msg)?.data()[0], async_ != 0)
    })
}

/// Stores `offset` (the next offset to read) for a later commit, auto or manual. Needs
/// `enable.auto.offset.store=false`. Errors: RD_KAFKA_RESP_ERR__STATE if the partition is not
/// assigned (RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION if the consumer never knew it),
/// RD_KAFKA_RESP_ERR__INVALID_ARG.
#[no_mangle]
pub extern "C" fn kb_consumer_store_offset(c: *mut kb_consumer, topic: *const c_char, partition: i32, offset: i64) -> kb_err {
    guard(|| {
        let topic = str_arg(topic, "topic")?;
        CONSUMERS.get(c)?.client()?.store_offset(topic, partition, offset)
    })
}

/// Fetches the committed offsets of `count` partitions (NULL/0: the assignment) from the group
/// coordinator within `timeout_ms` into `*out`. A partition without a commit has offset
/// KB_OFFSET_INVALID.
#[no_mangle]
pub extern "C" fn kb_consumer_committed(
    c: *mut kb_consumer,
    parts: *const kb_topic_partition,
    count: usize,
    timeout_ms: i32,
    out: *mut *mut kb_partition_list,
) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let session = CONSUMERS.get(c)?;
        let consumer = session.client()?;
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let tpl = if count == 0 { None } else { Some(list_arg(parts, count, false)?) };
        return_list(consumer.committed(tpl, timeout)?, out);
        Ok(())
    })
}

/// Stores the current position (offset of the next message to be returned) of every assigned
/// partition in `*out`.
#[no_mangle]
pub extern "C" fn kb_consumer_position(c: *mut kb_consumer, out: *mut *mut kb_partition_list) -> kb_err {
    guard(|| {
        check_not_null!(out);
        return_list(CONSUMERS.get(c)?.client()?.position()?, out);
        Ok(())
    })
}

/// Moves an assigned partition's position to `offset` (or a KB_OFFSET_* value) within
/// `timeout_ms`. Errors: RD_KAFKA_RESP_ERR__STATE (-172) if the partition is not assigned, or
/// RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION (-190) if the consumer never knew that partition.
#[no_mangle]
pub extern "C" fn kb_consumer_seek(c: *mut kb_consumer, topic: *const c_char, partition: i32, offset: i64, timeout_ms: i32) -> kb_err {
    guard(|| {
        let topic = str_arg(topic, "topic")?;
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        CONSUMERS.get(c)?.client()?.seek(topic, partition, offset, timeout)
    })
}

/// Pauses fetching for `count` partitions; `kb_consumer_poll()` returns none of their messages
/// until resumed.
#[no_mangle]
pub extern "C" fn kb_consumer_pause(c: *mut kb_consumer, parts: *const kb_topic_partition, count: usize) -> kb_err {
    guard(|| {
        let tpl = list_arg(parts, count, false)?;
        CONSUMERS.get(c)?.client()?.pause(&tpl, true)
    })
}

/// Resumes fetching for `count` paused partitions.
#[no_mangle]
pub extern "C" fn kb_consumer_resume(c: *mut kb_consumer, parts: *const kb_topic_partition, count: usize) -> kb_err {
    guard(|| {
        let tpl = list_arg(parts, count, false)?;
        CONSUMERS.get(c)?.client()?.pause(&tpl, false)
    })
}

/// Hands the client the SASL/OAUTHBEARER token to authenticate with, for example in answer to a
/// KB_EVENT_OAUTHBEARER_TOKEN_REFRESH event (at any time, from any thread). `lifetime_ms` is when
/// the token expires, in milliseconds since the epoch; the client asks for the next one at 80% of
/// what is left of it. `principal` is the principal name; `extensions` holds `extension_count`
/// strings, SASL extension keys and values in turn (NULL with 0: none). librdkafka copies
/// everything; the caller keeps its strings. Errors: RD_KAFKA_RESP_ERR__INVALID_ARG (an expired
/// token, a bad extension; the message says which), RD_KAFKA_RESP_ERR__STATE (the client is not
/// configured with `sasl.mechanism=OAUTHBEARER`), KB_ERR_INVALID_ARGUMENT (an odd
/// `extension_count`), KB_ERR_NULL_ARGUMENT, KB_ERR_BAD_UTF8, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_consumer_oauthbearer_set_token(
    h: *mut kb_consumer,
    token: *const c_char,
    lifetime_ms: i64,
    principal: *const c_char,
    extensions: *const *const c_char,
    extension_count: usize,
) -> kb_err {
    guard(|| {
        let s = CONSUMERS.get(h)?;
        let s = s.client()?;
        let token = str_arg(token, "token")?;
        let principal = str_arg(principal, "principal")?;
        let extensions = str_pairs_arg(extensions, extension_count, "extensions")?;
        s.oauthbearer_set_token(token, lifetime_ms, principal, &extensions)
    })
}

/// Tells the client no SASL/OAUTHBEARER token could be had, with why (`reason`, copied):
/// librdkafka reports it as an RD_KAFKA_RESP_ERR__AUTHENTICATION error event ("Failed to acquire
/// SASL OAUTHBEARER token: <reason>") and the client raises the next
/// KB_EVENT_OAUTHBEARER_TOKEN_REFRESH 10 seconds later. Errors: RD_KAFKA_RESP_ERR__STATE (not
/// configured for OAUTHBEARER), KB_ERR_NULL_ARGUMENT, KB_ERR_BAD_UTF8, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_consumer_oauthbearer_set_token_failure(h: *mut kb_consumer, reason: *const c_char) -> kb_err {
    guard(|| {
        let s = CONSUMERS.get(h)?;
        s.client()?.oauthbearer_set_token_failure(str_arg(reason, "reason")?)
    })
}

/// Leaves the group (revoking the assignment, committing if `enable.auto.commit`) and destroys
/// the client, within `bridge.close.timeout.ms` even when the brokers are unreachable; a
/// persistent session ends instead (its member stays in the group). Later calls on the handle
/// give KB_ERR_INVALID_STATE; it must still be freed. Errors: RD_KAFKA_RESP_ERR__TIMED_OUT if
/// leaving did not finish in time (the client is abandoned); a session's commit error.
#[no_mangle]
pub extern "C" fn kb_consumer_close(c: *mut kb_consumer) -> kb_err {
    guard(|| CONSUMERS.get(c)?.close())
}

/// Fills `*out` with facts about the handle (see `kb_consumer_info`); a private consumer reports
/// zeros but for `age_ms`, `creator_pid` and its group's figures. Errors: KB_ERR_NULL_ARGUMENT,
/// KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub extern "C" fn kb_consumer_get_info(c: *mut kb_consumer, out: *mut kb_consumer_info) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let session = CONSUMERS.get(c)?;
        // A persistent session's member, even once the session has ended.
        let client = match session.member() {
            Some(s) => s.member().client(),
            None => session.client()?,
        };
        let mut info = kb_consumer_info {
            persistent: 0,
            reused: 0,
            age_ms: session.age().as_millis() as u64,
            sessions_served: 0,
            buffered_messages: 0,
            buffered_bytes: 0,
            paused_partitions: 0,
            redelivered: 0,
            idle_leaves: 0,
            creator_pid: client.creator_pid,
            group_generation: client.group_generation(),
            assigned_partitions: client.assignment().map_or(0, |a| a.len() as u64),
            rebalances: client.rebalances(),
        };
        if let Some(s) = session.member() {
            let b = s.member().buffer();
            info.persistent = 1;
            info.reused = s.reused as i32;
            info.sessions_served = b.sessions_served;
            info.buffered_messages = b.len() as u64;
            info.buffered_bytes = b.bytes() as u64;
            info.paused_partitions = b.paused.len() as u64;
            info.redelivered = b.redelivered;
            info.idle_leaves = b.idle_leaves;
            info.rebalances += b.earlier_rebalances;
        }
        write_out(out, info);
        Ok(())
    })
}

/// Closes the consumer if needed (as `kb_consumer_close()`) and frees the handle; a persistent
/// session ends (see `kb_consumer_new()`), its member stays. NULL is a no-op.
#[no_mangle]
pub extern "C" fn kb_consumer_free(c: *mut kb_consumer) -> kb_err {
    guard(|| match CONSUMERS.remove(c)? {
        Some(h) => h.close(),
        None => Ok(()),
    })
}
