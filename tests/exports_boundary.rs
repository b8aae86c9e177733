//! The C exports called directly, as a C caller would, at the edges of their contracts in
//! include/kafkabridge.h: NULL, freed, mistyped and made-up handles, out-of-range integers, NULL
//! pointers with a length, the length limits and NULL out-parameters. Each must give the code the
//! header documents and a last error that says what was wrong, never a crash.
//!
//! No broker is needed: where a live client is, it talks to the embedded mock cluster.

use std::ffi::{c_void, CStr, CString};
use std::mem::MaybeUninit;
use std::os::raw::c_char;
use std::ptr::{null, null_mut};

use kafkabridge::core::error::{
    kb_err, KB_ERR_INVALID_ARGUMENT, KB_ERR_INVALID_HANDLE, KB_ERR_INVALID_STATE, KB_ERR_NULL_ARGUMENT, KB_OK, KB_RESP_ERR_TOPIC_EXCEPTION,
    KB_RESP_ERR__INVALID_ARG,
};
use kafkabridge::core::topic::{KB_TOPIC_MAX_LEN, KB_TOPIC_PATTERN_MAX_LEN};
use kafkabridge::*;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// This thread's last error message, copied out the way a C caller does.
fn last_error() -> String {
    let len = kb_last_error(null_mut(), 0);
    let mut buf = vec![0u8; len + 1];
    assert_eq!(kb_last_error(buf.as_mut_ptr().cast(), buf.len()), len);
    CStr::from_bytes_until_nul(&buf).unwrap().to_string_lossy().into_owned()
}

fn err_name(code: kb_err) -> String {
    unsafe { CStr::from_ptr(kb_err_name(code)) }.to_string_lossy().into_owned()
}

/// The message `poison_last_error()` leaves behind.
const POISON: &str = "broker_count must be 1..16, got -77";

/// Leaves a known last error behind, so that a call which fails without setting its own message
/// is caught instead of passing on the message of an earlier call.
fn poison_last_error() {
    let mut m = null_mut();
    assert_eq!(kb_mock_cluster_new(-77, &mut m), KB_ERR_INVALID_ARGUMENT);
    assert_eq!(last_error(), POISON);
}

/// Runs `call`, which must fail with `code` and leave a last error containing `mentions`.
#[track_caller]
fn check_fails(code: kb_err, mentions: &str, call: impl FnOnce() -> kb_err) {
    poison_last_error();
    let got = call();
    let message = last_error();
    assert_eq!(got, code, "expected {} ({mentions:?}) but got {} ({}); last error: {message}", err_name(code), got, err_name(got));
    assert!(message.contains(mentions), "the last error {message:?} does not mention {mentions:?}");
}

/// `fails!(CODE, "text", call)`: `call` returns CODE and kb_last_error() contains "text".
macro_rules! fails {
    ($code:expr, $mentions:expr, $call:expr) => {
        check_fails($code, &$mentions, || $call)
    };
}

#[track_caller]
fn check_ok(code: kb_err) {
    assert_eq!(code, KB_OK, "expected success but got {} ({}): {}", code, err_name(code), last_error());
}

/// `ok!(call)`: `call` returns KB_OK.
macro_rules! ok {
    ($call:expr) => {
        check_ok($call)
    };
}

/// A `*_count`-style call on a bad handle: 0, with the reason in the last error.
#[track_caller]
fn check_count_fails(mentions: &str, count: impl FnOnce() -> usize) {
    poison_last_error();
    assert_eq!(count(), 0);
    let message = last_error();
    assert!(message.contains(mentions), "the last error {message:?} does not mention {mentions:?}");
}

fn cstring(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn tp(topic: &CStr, partition: i32, offset: i64) -> kb_topic_partition {
    kb_topic_partition { topic: topic.as_ptr(), partition, offset, metadata: null(), metadata_len: 0, err: 0 }
}

fn set(conf: *mut kb_config, key: &str, value: &str) {
    ok!(kb_config_set(conf, cstring(key).as_ptr(), cstring(value).as_ptr()));
}

fn bootstrap_servers(mock: *const kb_mock_cluster) -> String {
    let mut buf = [0u8; 1024];
    let mut len = 0;
    ok!(kb_mock_cluster_bootstrap_servers(mock, buf.as_mut_ptr().cast(), buf.len(), &mut len));
    assert!(len < buf.len());
    String::from_utf8(buf[..len].to_vec()).unwrap()
}

/// A configuration for the mock cluster `mock`.
fn config_for(mock: *const kb_mock_cluster) -> *mut kb_config {
    let mut conf = null_mut();
    ok!(kb_config_new(&mut conf));
    set(conf, "bootstrap.servers", &bootstrap_servers(mock));
    // Freeing a client waits at most this long for what is still in flight (default 5 s).
    set(conf, "bridge.close.timeout.ms", "2000");
    conf
}

/// A one-broker mock cluster and a configuration for it.
fn cluster() -> (*mut kb_mock_cluster, *mut kb_config) {
    let mut mock = null_mut();
    ok!(kb_mock_cluster_new(1, &mut mock));
    (mock, config_for(mock))
}

fn new_producer(conf: *const kb_config) -> *mut kb_producer {
    let mut p = null_mut();
    ok!(kb_producer_new(conf, &mut p));
    p
}

fn new_consumer(conf: *const kb_config) -> *mut kb_consumer {
    let mut c = null_mut();
    ok!(kb_consumer_new(conf, &mut c));
    c
}

/// A consumer with `group.id` (commit, committed and subscribe refuse one without).
fn new_group_consumer(conf: *const kb_config) -> *mut kb_consumer {
    let mut copy = null_mut();
    ok!(kb_config_copy(conf, &mut copy));
    set(copy, "group.id", "exports-boundary");
    let c = new_consumer(copy);
    ok!(kb_config_free(copy));
    c
}

const TOPIC: &CStr = c"boundary";

// ---------------------------------------------------------------------------------------------
// The handle types
// ---------------------------------------------------------------------------------------------

/// One C handle type and the calls that take it.
struct Kind {
    /// The name kb_last_error() gives for a bad handle of this type.
    name: &'static str,
    /// A call that only reads the object (or, for kb_admin, is refused right after the handle
    /// check) and creates nothing that outlives it.
    use_it: fn(*mut c_void) -> kb_err,
    /// What `use_it` returns for a live handle of this type.
    use_ok: kb_err,
    free: Option<fn(*mut c_void) -> kb_err>,
    /// The `*_count` call (for kb_config, `kb_config_dump`), which answers 0 for a bad handle.
    count: Option<fn(*mut c_void) -> usize>,
}

const CONFIG: Kind = Kind {
    name: "kb_config",
    use_it: |h| kb_config_get(h.cast(), c"linger.ms".as_ptr(), null_mut(), 0, &mut 0),
    use_ok: KB_OK,
    free: Some(|h| kb_config_free(h.cast())),
    count: Some(|h| kb_config_dump(h.cast(), null_mut(), 0)),
};

const PRODUCER: Kind = Kind {
    name: "kb_producer",
    use_it: |h| kb_producer_queue_len(h.cast(), &mut 0),
    use_ok: KB_OK,
    free: Some(|h| kb_producer_free(h.cast())),
    count: None,
};

const CONSUMER: Kind = Kind {
    name: "kb_consumer",
    use_it: |h| {
        let mut list = null_mut();
        let e = kb_consumer_position(h.cast(), &mut list);
        kb_partition_list_free(list);
        e
    },
    use_ok: KB_OK,
    free: Some(|h| kb_consumer_free(h.cast())),
    count: None,
};

const ADMIN: Kind = Kind {
    name: "kb_admin",
    // Every admin call goes to the broker; this one checks the handle, then refuses the timeout.
    use_it: |h| kb_admin_delete_topic(h.cast(), TOPIC.as_ptr(), -1),
    use_ok: KB_ERR_INVALID_ARGUMENT,
    free: Some(|h| kb_admin_free(h.cast())),
    count: None,
};

const EVENT: Kind = Kind {
    name: "kb_event",
    use_it: |h| kb_event_get_view(h.cast(), MaybeUninit::uninit().as_mut_ptr()),
    use_ok: KB_OK,
    free: Some(|h| kb_event_free(h.cast())),
    count: None,
};

const EVENT_BATCH: Kind = Kind {
    name: "kb_event_batch",
    use_it: |h| kb_event_batch_views(h.cast(), &mut null()),
    use_ok: KB_OK,
    free: Some(|h| kb_event_batch_free(h.cast())),
    count: Some(|h| kb_event_batch_count(h.cast())),
};

const MESSAGE: Kind = Kind {
    name: "kb_message",
    use_it: |h| kb_message_get_view(h.cast(), MaybeUninit::uninit().as_mut_ptr()),
    use_ok: KB_OK,
    free: Some(|h| kb_message_free(h.cast())),
    count: None,
};

const MESSAGE_BATCH: Kind = Kind {
    name: "kb_message_batch",
    use_it: |h| kb_message_batch_views(h.cast(), &mut null()),
    use_ok: KB_OK,
    free: Some(|h| kb_message_batch_free(h.cast())),
    count: Some(|h| kb_message_batch_count(h.cast())),
};

const PACKED_MESSAGES: Kind = Kind {
    name: "kb_packed_messages",
    use_it: |h| kb_packed_messages_data(h.cast(), &mut null(), &mut 0, &mut 0),
    use_ok: KB_OK,
    free: Some(|h| kb_packed_messages_free(h.cast())),
    count: None,
};

const PARTITION_LIST: Kind = Kind {
    name: "kb_partition_list",
    use_it: |h| kb_partition_list_entries(h.cast(), &mut null()),
    use_ok: KB_OK,
    free: Some(|h| kb_partition_list_free(h.cast())),
    count: Some(|h| kb_partition_list_count(h.cast())),
};

const METADATA: Kind = Kind {
    name: "kb_metadata",
    use_it: |h| kb_metadata_get_view(h.cast(), MaybeUninit::uninit().as_mut_ptr()),
    use_ok: KB_OK,
    free: Some(|h| kb_metadata_free(h.cast())),
    count: None,
};

/// The mock cluster has no ListGroups, so no live kb_group_list exists in these tests; its calls
/// are still checked with every bad handle.
const GROUP_LIST: Kind = Kind {
    name: "kb_group_list",
    use_it: |h| kb_group_list_entries(h.cast(), &mut null()),
    use_ok: KB_OK,
    free: Some(|h| kb_group_list_free(h.cast())),
    count: Some(|h| kb_group_list_count(h.cast())),
};

const MOCK_CLUSTER: Kind = Kind {
    name: "kb_mock_cluster",
    use_it: |h| kb_mock_cluster_bootstrap_servers(h.cast(), null_mut(), 0, &mut 0),
    use_ok: KB_OK,
    free: Some(|h| kb_mock_cluster_free(h.cast())),
    count: None,
};

/// The `const void *handle` of kb_metadata_fetch() and friends: a producer, consumer or admin.
/// With `count` 0, kb_offsets_for_times() answers an empty list without a broker round trip
/// (it used to do so for any handle at all, NULL and freed ones included).
const CLIENT: Kind = Kind {
    name: "client (kb_producer, kb_consumer or kb_admin)",
    use_it: |h| {
        let mut list = null_mut();
        let e = kb_offsets_for_times(h, null(), 0, 0, &mut list);
        kb_partition_list_free(list);
        e
    },
    use_ok: KB_OK,
    free: None,
    count: None,
};

const KINDS: [&Kind; 14] = [
    &CONFIG,
    &PRODUCER,
    &CONSUMER,
    &ADMIN,
    &EVENT,
    &EVENT_BATCH,
    &MESSAGE,
    &MESSAGE_BATCH,
    &PACKED_MESSAGES,
    &PARTITION_LIST,
    &METADATA,
    &GROUP_LIST,
    &MOCK_CLUSTER,
    &CLIENT,
];

/// Whether a handle made as `owner` is a valid argument where `kind` is expected.
fn accepts(kind: &Kind, owner: &Kind) -> bool {
    std::ptr::eq(kind, owner) || (std::ptr::eq(kind, &CLIENT) && [PRODUCER.name, CONSUMER.name, ADMIN.name].contains(&owner.name))
}

/// Checks that the calls of every handle type refuse `h` with KB_ERR_INVALID_HANDLE and a last
/// error naming the type they expected. `made_as` is the type `h` was made as (or its bits
/// forged from), if any; when `live`, the calls of that type must work on it instead.
#[track_caller]
fn check_refused_everywhere(h: *mut c_void, made_as: Option<&Kind>, live: bool) {
    for kind in KINDS {
        let fits = made_as.is_some_and(|owner| accepts(kind, owner));
        if fits && live {
            assert_eq!((kind.use_it)(h), kind.use_ok, "{} {h:?}: {}", kind.name, last_error());
            continue;
        }
        // A client call names the client type the handle's bits say it is.
        let expected = if fits { made_as.unwrap().name } else { kind.name };
        let invalid = format!("invalid {expected} handle");
        check_fails(KB_ERR_INVALID_HANDLE, &invalid, || (kind.use_it)(h));
        if let Some(free) = kind.free {
            check_fails(KB_ERR_INVALID_HANDLE, &invalid, || free(h));
        }
        if let Some(count) = kind.count {
            check_count_fails(&invalid, || count(h));
        }
    }
}

/// A live handle of every type that can exist without a real broker, on its own mock cluster.
struct Live {
    mock: *mut kb_mock_cluster,
    conf: *mut kb_config,
    producer: *mut kb_producer,
    consumer: *mut kb_consumer,
    admin: *mut kb_admin,
    event: *mut kb_event,
    event_batch: *mut kb_event_batch,
    message: *mut kb_message,
    message_batch: *mut kb_message_batch,
    packed_messages: *mut kb_packed_messages,
    partition_list: *mut kb_partition_list,
    metadata: *mut kb_metadata,
}

impl Live {
    fn new() -> Live {
        let (mock, conf) = cluster();
        let producer = new_producer(conf);
        // One message for the consumer to return, and one sent without waiting whose delivery
        // report is an event (or a log line before it: any event will do).
        let mut delivery = MaybeUninit::uninit();
        ok!(kb_producer_produce_sync(producer, TOPIC.as_ptr(), 0, null(), 0, b"v".as_ptr(), 1, null(), 0, 0, 10_000, delivery.as_mut_ptr()));
        ok!(kb_producer_produce(producer, TOPIC.as_ptr(), 0, null(), 0, b"v".as_ptr(), 1, null(), 0, 0, null_mut()));
        let mut event = null_mut();
        ok!(kb_producer_poll(producer, 10_000, &mut event));
        assert!(!event.is_null(), "no event within 10 s");
        let mut event_batch = null_mut();
        ok!(kb_producer_poll_batch(producer, 0, 16, &mut event_batch));

        let consumer = new_consumer(conf);
        ok!(kb_consumer_assign(consumer, &tp(TOPIC, 0, KB_OFFSET_BEGINNING), 1));
        let mut message = null_mut();
        for _ in 0..100 {
            ok!(kb_consumer_poll(consumer, 100, &mut message));
            if !message.is_null() {
                break;
            }
        }
        assert!(!message.is_null(), "no message within 10 s");
        let mut message_batch = null_mut();
        ok!(kb_consumer_poll_batch(consumer, 0, 16, &mut message_batch));
        let mut packed_messages = null_mut();
        ok!(kb_consumer_poll_packed(consumer, 0, 0, 16, 0, &mut packed_messages));
        let mut partition_list = null_mut();
        ok!(kb_consumer_assignment(consumer, &mut partition_list));
        let mut metadata = null_mut();
        ok!(kb_metadata_fetch(producer.cast(), TOPIC.as_ptr(), 10_000, &mut metadata));
        let mut admin = null_mut();
        ok!(kb_admin_new(conf, &mut admin));
        Live { mock, conf, producer, consumer, admin, event, event_batch, message, message_batch, packed_messages, partition_list, metadata }
    }

    /// Every handle with its type, in an order they can be freed in: the objects before the
    /// clients they came from, the mock cluster last.
    fn handles(&self) -> Vec<(&'static Kind, *mut c_void)> {
        vec![
            (&EVENT, self.event.cast()),
            (&EVENT_BATCH, self.event_batch.cast()),
            (&MESSAGE, self.message.cast()),
            (&MESSAGE_BATCH, self.message_batch.cast()),
            (&PACKED_MESSAGES, self.packed_messages.cast()),
            (&PARTITION_LIST, self.partition_list.cast()),
            (&METADATA, self.metadata.cast()),
            (&CONFIG, self.conf.cast()),
            (&CONSUMER, self.consumer.cast()),
            (&PRODUCER, self.producer.cast()),
            (&ADMIN, self.admin.cast()),
            (&MOCK_CLUSTER, self.mock.cast()),
        ]
    }

    /// Frees every handle, each of which must still be valid.
    fn free(self) {
        for (kind, h) in self.handles() {
            assert_eq!((kind.free.unwrap())(h), KB_OK, "freeing {}: {}", kind.name, last_error());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn null_handles_are_null_arguments_and_freeing_null_is_a_no_op() {
    for kind in KINDS {
        // kb_metadata_fetch() and friends call their handle parameter `handle`.
        let what = if std::ptr::eq(kind, &CLIENT) { "handle" } else { kind.name };
        let null_handle = format!("{what} must not be NULL");
        check_fails(KB_ERR_NULL_ARGUMENT, &null_handle, || (kind.use_it)(null_mut()));
        if let Some(free) = kind.free {
            poison_last_error();
            assert_eq!(free(null_mut()), KB_OK, "{}_free(NULL)", kind.name);
            assert_eq!(last_error(), POISON, "{}_free(NULL) is a no-op: it leaves the last error alone", kind.name);
        }
        if let Some(count) = kind.count {
            check_count_fails(&null_handle, || count(null_mut()));
        }
    }
    fails!(
        KB_ERR_NULL_ARGUMENT,
        "kb_producer must not be NULL",
        kb_producer_produce(null_mut(), TOPIC.as_ptr(), 0, null(), 0, null(), 0, null(), 0, 0, null_mut())
    );
    fails!(KB_ERR_NULL_ARGUMENT, "kb_consumer must not be NULL", kb_consumer_close(null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, "kb_config must not be NULL", kb_config_set(null_mut(), c"linger.ms".as_ptr(), c"1".as_ptr()));

    // Where the header says NULL means "all defaults", it is not an error.
    let mut p = null_mut();
    ok!(kb_producer_new(null(), &mut p));
    ok!(kb_producer_free(p));
    let mut a = null_mut();
    ok!(kb_admin_new(null(), &mut a));
    ok!(kb_admin_free(a));
}

#[test]
fn freed_handles_are_invalid_for_every_call_and_a_second_free() {
    let live = Live::new();
    let handles = live.handles();
    live.free();
    for &(kind, h) in &handles {
        check_refused_everywhere(h, Some(kind), false);
    }

    // A freed configuration is refused by the constructors too, and *out is left alone.
    let (mock, conf) = cluster();
    ok!(kb_config_free(conf));
    let mut p = null_mut();
    fails!(KB_ERR_INVALID_HANDLE, "invalid kb_config handle", kb_producer_new(conf, &mut p));
    let mut c = null_mut();
    fails!(KB_ERR_INVALID_HANDLE, "invalid kb_config handle", kb_consumer_new(conf, &mut c));
    let mut a = null_mut();
    fails!(KB_ERR_INVALID_HANDLE, "invalid kb_config handle", kb_admin_new(conf, &mut a));
    assert!(p.is_null() && c.is_null() && a.is_null());
    let mut copy = null_mut();
    fails!(KB_ERR_INVALID_HANDLE, "invalid kb_config handle", kb_config_copy(conf, &mut copy));
    assert!(copy.is_null());

    // A new object may take the freed one's slot; the old handle must not come back to life.
    let mut fresh = null_mut();
    ok!(kb_config_new(&mut fresh));
    fails!(KB_ERR_INVALID_HANDLE, "invalid kb_config handle", kb_config_set(conf, c"linger.ms".as_ptr(), c"1".as_ptr()));
    ok!(kb_config_set(fresh, c"linger.ms".as_ptr(), c"1".as_ptr()));
    ok!(kb_config_free(fresh));

    // A closed consumer is still a valid handle, in a state that refuses calls, until freed.
    let conf = config_for(mock);
    let c = new_consumer(conf);
    ok!(kb_consumer_close(c));
    let mut m = null_mut();
    fails!(KB_ERR_INVALID_STATE, "closed", kb_consumer_poll(c, 0, &mut m));
    ok!(kb_consumer_close(c)); // closing twice is harmless
    ok!(kb_consumer_free(c));
    fails!(KB_ERR_INVALID_HANDLE, "invalid kb_consumer handle", kb_consumer_poll(c, 0, &mut m));
    fails!(KB_ERR_INVALID_HANDLE, "invalid kb_consumer handle", kb_consumer_free(c));
    ok!(kb_config_free(conf));
    ok!(kb_mock_cluster_free(mock));
}

#[test]
fn handles_of_another_type_are_invalid_and_are_not_freed() {
    let live = Live::new();
    for (owner, h) in live.handles() {
        check_refused_everywhere(h, Some(owner), true);
    }
    // The calls above worked on the right types, and read what Live made.
    assert_eq!(kb_partition_list_count(live.partition_list), 1);
    assert!(kb_config_dump(live.conf, null_mut(), 0) > 0);

    // Handle parameters other than the first are checked too.
    fails!(
        KB_ERR_INVALID_HANDLE,
        "invalid kb_consumer handle",
        kb_producer_send_offsets_to_transaction(live.producer, live.producer.cast(), null(), 0, 100)
    );
    fails!(KB_ERR_INVALID_HANDLE, "invalid kb_config handle", kb_producer_new(live.producer.cast(), &mut null_mut()));
    fails!(KB_ERR_INVALID_HANDLE, "invalid kb_config handle", kb_consumer_new(live.consumer.cast(), &mut null_mut()));
    fails!(KB_ERR_INVALID_HANDLE, "invalid kb_config handle", kb_admin_new(live.mock.cast(), &mut null_mut()));

    // No wrong-type free above freed anything: every handle is still valid.
    live.free();
}

#[test]
fn made_up_handle_values_are_invalid_and_never_dereferenced() {
    let live = Live::new();
    let real_memory = Box::new([0u64; 4]);
    let values: Vec<usize> = vec![1, 0x1234, 0xdead_beef, usize::MAX, usize::MAX - 1, 1 << 63, usize::MAX >> 1, &*real_memory as *const _ as usize];
    for v in values {
        check_refused_everywhere(v as *mut c_void, None, false);
    }
    // A handle is `type tag (8 bits) | generation (24) | slot + 1 (32)` (src/boundary/registry.rs):
    // live handles forged into ones with no slot, a generation never issued, a slot never used.
    for (kind, h) in live.handles() {
        for forged in [(h as usize) & !0xFFFF_FFFF, (h as usize) ^ (1 << 55), (h as usize) | 0xFFFF_FFFF] {
            check_refused_everywhere(forged as *mut c_void, Some(kind), false);
        }
    }
    // None of those values freed a live object.
    live.free();
}

#[test]
fn counts_of_bad_handles_are_0_with_the_last_error_set() {
    let mut conf = null_mut();
    ok!(kb_config_new(&mut conf));
    let mut freed = null_mut();
    ok!(kb_config_new(&mut freed));
    ok!(kb_config_free(freed));
    for kind in [&CONFIG, &EVENT_BATCH, &MESSAGE_BATCH, &PARTITION_LIST, &GROUP_LIST] {
        let count = kind.count.unwrap();
        check_count_fails(&format!("{} must not be NULL", kind.name), || count(null_mut()));
        let invalid = format!("invalid {} handle", kind.name);
        check_count_fails(&invalid, || count(0x1234 as *mut c_void));
        check_count_fails(&invalid, || count(freed.cast()));
        if !std::ptr::eq(kind, &CONFIG) {
            check_count_fails(&invalid, || count(conf.cast()));
        }
    }
    ok!(kb_config_free(conf));
}

#[test]
fn out_of_range_integers_are_refused() {
    // broker_count is 1..=16; *out is written only on success.
    for n in [0, -1, 17, i32::MIN, i32::MAX] {
        let mut m = null_mut();
        fails!(KB_ERR_INVALID_ARGUMENT, format!("broker_count must be 1..16, got {n}"), kb_mock_cluster_new(n, &mut m));
        assert!(m.is_null());
    }
    let mut sixteen = null_mut();
    ok!(kb_mock_cluster_new(16, &mut sixteen));
    assert_eq!(bootstrap_servers(sixteen).split(',').count(), 16);
    ok!(kb_mock_cluster_free(sixteen));

    let (mock, conf) = cluster();
    let p = new_producer(conf);
    let c = new_consumer(conf);
    let g = new_group_consumer(conf);
    let mut a = null_mut();
    ok!(kb_admin_new(conf, &mut a));
    let t = TOPIC.as_ptr();

    // Negative timeouts: no call here documents "negative waits forever".
    for ms in [-1, i32::MIN] {
        let (mut ev, mut evb, mut m, mut mb, mut list, mut md, mut groups) =
            (null_mut(), null_mut(), null_mut(), null_mut(), null_mut(), null_mut(), null_mut());
        let (mut low, mut high, mut delivery) = (0, 0, MaybeUninit::uninit());
        let refused = format!("timeout_ms must be >= 0 milliseconds, got {ms}");
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_producer_produce_sync(p, t, 0, null(), 0, null(), 0, null(), 0, 0, ms, delivery.as_mut_ptr()));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_producer_poll(p, ms, &mut ev));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_producer_poll_batch(p, ms, 8, &mut evb));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_producer_flush(p, ms));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_producer_init_transactions(p, ms));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_producer_commit_transaction(p, ms));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_producer_abort_transaction(p, ms));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_producer_send_offsets_to_transaction(p, g, null(), 0, ms));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_consumer_poll(c, ms, &mut m));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_consumer_poll_batch(c, ms, 8, &mut mb));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_consumer_poll_packed(c, ms, 1, 8, 0, &mut null_mut()));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_consumer_poll_event(c, ms, &mut ev));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_consumer_poll_events(c, ms, 8, &mut evb));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_consumer_committed(g, null(), 0, ms, &mut list));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_consumer_seek(c, t, 0, 0, ms));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_metadata_fetch(p.cast(), null(), ms, &mut md));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_watermarks(c.cast(), t, 0, ms, &mut low, &mut high));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_offsets_for_times(a.cast(), null(), 0, ms, &mut list));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_group_list_fetch(p.cast(), null(), ms, &mut groups));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_admin_create_topic(a, t, 1, 1, null(), null(), 0, ms));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_admin_delete_topic(a, t, ms));
        // Out-parameters are written only on success.
        assert!([ev.cast::<c_void>(), evb.cast(), m.cast(), mb.cast(), list.cast(), md.cast(), groups.cast()].iter().all(|o| o.is_null()));
        assert_eq!((low, high), (0, 0));
    }

    // Negative partitions in kb_topic_partition arrays; the message names the entry.
    for partition in [KB_PARTITION_UA, i32::MIN] {
        let parts = [tp(TOPIC, 0, 5), tp(TOPIC, partition, 5)];
        let refused = format!("partitions[1].partition must be >= 0, got {partition}");
        let mut list = null_mut();
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_consumer_assign(c, parts.as_ptr(), 2));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_consumer_incremental_assign(c, parts.as_ptr(), 2));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_consumer_incremental_unassign(c, parts.as_ptr(), 2));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_consumer_pause(c, parts.as_ptr(), 2));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_consumer_resume(c, parts.as_ptr(), 2));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_consumer_commit(g, parts.as_ptr(), 2, 0));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_consumer_committed(g, parts.as_ptr(), 2, 100, &mut list));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_offsets_for_times(p.cast(), parts.as_ptr(), 2, 100, &mut list));
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_producer_send_offsets_to_transaction(p, g, parts.as_ptr(), 2, 100));
        assert!(list.is_null());
    }

    // Offsets that are neither >= 0 nor a KB_OFFSET_* value (KB_OFFSET_TAIL_BASE alone is
    // "0 from the end"): librdkafka's __INVALID_ARG, as the header documents for store_offset.
    for offset in [-5, KB_OFFSET_TAIL_BASE] {
        fails!(KB_RESP_ERR__INVALID_ARG, "store offset", kb_consumer_store_offset(c, t, 0, offset));
    }

    // A produced partition is >= 0 or KB_PARTITION_UA (-1); a timestamp >= 0 (0 is now).
    for partition in [-2, i32::MIN] {
        let refused = format!("partition must be >= 0 or KB_PARTITION_UA (-1), got {partition}");
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_producer_produce(p, t, partition, null(), 0, null(), 0, null(), 0, 0, null_mut()));
        let mut d = MaybeUninit::uninit();
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_producer_produce_sync(p, t, partition, null(), 0, null(), 0, null(), 0, 0, 100, d.as_mut_ptr()));
        let mut accepted = 99;
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_producer_produce_packed(p, t, partition, [0xFF; 8].as_ptr(), 8, null_mut(), 0, &mut accepted));
        assert_eq!(accepted, 0);
    }
    for ts in [-1, i64::MIN] {
        fails!(
            KB_ERR_INVALID_ARGUMENT,
            format!("timestamp_ms must be >= 0 (0 means now), got {ts}"),
            kb_producer_produce(p, t, 0, null(), 0, null(), 0, null(), 0, ts, null_mut())
        );
    }
    // In a batch, the records before the bad one are enqueued and counted.
    let record = |partition| kb_record {
        topic: t,
        partition,
        key: null(),
        key_len: 0,
        value: b"v".as_ptr(),
        value_len: 1,
        headers: null(),
        header_count: 0,
        timestamp_ms: 0,
    };
    let records = [record(0), record(-2)];
    let (mut ids, mut accepted) = ([0u64; 2], 99);
    fails!(
        KB_ERR_INVALID_ARGUMENT,
        "record 1: partition must be >= 0",
        kb_producer_produce_batch(p, records.as_ptr(), 2, ids.as_mut_ptr(), &mut accepted)
    );
    assert_eq!(accepted, 1);

    for flags in [8, -1, i32::MIN] {
        fails!(KB_ERR_INVALID_ARGUMENT, "unknown purge flags", kb_producer_purge(p, flags));
    }
    // The batch's first record is delivered first, so the purge (valid flags) finds nothing and
    // no purged report outlives the producer.
    ok!(kb_producer_flush(p, 10_000));
    ok!(kb_producer_purge(p, KB_PURGE_QUEUE | KB_PURGE_INFLIGHT | KB_PURGE_NON_BLOCKING));

    // Partitions and replication factor are >= 1, or -1 for the broker's default.
    for (partitions, replication) in [(0, 1), (-2, 1), (i32::MIN, 1), (1, 0), (1, -2), (1, i32::MIN)] {
        let refused = format!("partitions ({partitions}) and replication_factor ({replication})");
        fails!(KB_ERR_INVALID_ARGUMENT, refused, kb_admin_create_topic(a, t, partitions, replication, null(), null(), 0, 100));
    }

    ok!(kb_admin_free(a));
    ok!(kb_consumer_free(g));
    ok!(kb_consumer_free(c));
    ok!(kb_producer_free(p));
    ok!(kb_config_free(conf));
    ok!(kb_mock_cluster_free(mock));
}

#[test]
fn null_pointers_with_a_length_and_null_names_are_refused() {
    let (mock, conf) = cluster();
    let p = new_producer(conf);
    let c = new_consumer(conf);
    let g = new_group_consumer(conf);
    let mut a = null_mut();
    ok!(kb_admin_new(conf, &mut a));
    let t = TOPIC.as_ptr();
    let mut list = null_mut();

    // Binary data: NULL means absent, so NULL with a length is a contradiction.
    fails!(KB_ERR_INVALID_ARGUMENT, "key is NULL but its length is 1", kb_producer_produce(p, t, 0, null(), 1, null(), 0, null(), 0, 0, null_mut()));
    fails!(
        KB_ERR_INVALID_ARGUMENT,
        "value is NULL but its length is 5",
        kb_producer_produce(p, t, 0, null(), 0, null(), 5, null(), 0, 0, null_mut())
    );
    let mut d = MaybeUninit::uninit();
    fails!(
        KB_ERR_INVALID_ARGUMENT,
        "key is NULL but its length is 1",
        kb_producer_produce_sync(p, t, 0, null(), 1, null(), 0, null(), 0, 0, 100, d.as_mut_ptr())
    );
    let header = kb_header { name: c"h".as_ptr(), value: null(), value_len: 3 };
    fails!(
        KB_ERR_INVALID_ARGUMENT,
        "header value is NULL but its length is 3",
        kb_producer_produce(p, t, 0, null(), 0, null(), 0, &header, 1, 0, null_mut())
    );
    let mut part = tp(TOPIC, 0, 0);
    part.metadata_len = 4;
    fails!(KB_ERR_INVALID_ARGUMENT, "metadata is NULL but its length is 4", kb_consumer_assign(c, &part, 1));

    // Arrays: NULL only with a count of 0.
    fails!(KB_ERR_NULL_ARGUMENT, "headers must not be NULL", kb_producer_produce(p, t, 0, null(), 0, null(), 0, null(), 2, 0, null_mut()));
    let mut accepted = 99;
    fails!(KB_ERR_NULL_ARGUMENT, "records must not be NULL", kb_producer_produce_batch(p, null(), 3, null_mut(), &mut accepted));
    assert_eq!(accepted, 0, "*accepted_out is always written");
    let bad_value =
        kb_record { topic: t, partition: 0, key: null(), key_len: 0, value: null(), value_len: 2, headers: null(), header_count: 0, timestamp_ms: 0 };
    fails!(
        KB_ERR_INVALID_ARGUMENT,
        "record 0: value is NULL but its length is 2",
        kb_producer_produce_batch(p, &bad_value, 1, null_mut(), &mut accepted)
    );
    accepted = 99;
    fails!(KB_ERR_NULL_ARGUMENT, "packed must not be NULL", kb_producer_produce_packed(p, t, 0, null(), 8, null_mut(), 0, &mut accepted));
    assert_eq!(accepted, 0);
    for call in [kb_consumer_assign, kb_consumer_incremental_assign, kb_consumer_incremental_unassign, kb_consumer_pause, kb_consumer_resume] {
        fails!(KB_ERR_NULL_ARGUMENT, "partitions must not be NULL", call(c, null(), 1));
    }
    fails!(KB_ERR_NULL_ARGUMENT, "partitions must not be NULL", kb_consumer_commit(g, null(), 1, 0));
    fails!(KB_ERR_NULL_ARGUMENT, "partitions must not be NULL", kb_consumer_committed(g, null(), 1, 100, &mut list));
    fails!(KB_ERR_NULL_ARGUMENT, "partitions must not be NULL", kb_producer_send_offsets_to_transaction(p, g, null(), 1, 100));
    fails!(KB_ERR_NULL_ARGUMENT, "partitions must not be NULL", kb_offsets_for_times(p.cast(), null(), 1, 100, &mut list));
    fails!(KB_ERR_NULL_ARGUMENT, "topics must not be NULL", kb_consumer_subscribe(g, null(), 2));
    fails!(KB_ERR_NULL_ARGUMENT, "config_names must not be NULL", kb_admin_create_topic(a, t, 1, 1, null(), null(), 2, 100));
    let names = [c"cleanup.policy".as_ptr()];
    fails!(KB_ERR_NULL_ARGUMENT, "config_values must not be NULL", kb_admin_create_topic(a, t, 1, 1, names.as_ptr(), null(), 1, 100));
    assert!(list.is_null());

    // Required names.
    fails!(KB_ERR_NULL_ARGUMENT, "topic must not be NULL", kb_producer_produce(p, null(), 0, null(), 0, null(), 0, null(), 0, 0, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, "topic must not be NULL", kb_producer_produce_packed(p, null(), 0, null(), 0, null_mut(), 0, &mut accepted));
    let unnamed = kb_header { name: null(), value: null(), value_len: 0 };
    fails!(KB_ERR_NULL_ARGUMENT, "headers[0].name must not be NULL", kb_producer_produce(p, t, 0, null(), 0, null(), 0, &unnamed, 1, 0, null_mut()));
    let untitled = kb_topic_partition { topic: null(), ..tp(TOPIC, 0, 0) };
    fails!(KB_ERR_NULL_ARGUMENT, "partitions[0].topic must not be NULL", kb_consumer_assign(c, &untitled, 1));
    fails!(KB_ERR_NULL_ARGUMENT, "topics[1] must not be NULL", kb_consumer_subscribe(g, [t, null()].as_ptr(), 2));
    fails!(KB_ERR_NULL_ARGUMENT, "topic must not be NULL", kb_consumer_seek(c, null(), 0, 0, 100));
    fails!(KB_ERR_NULL_ARGUMENT, "topic must not be NULL", kb_consumer_store_offset(c, null(), 0, 0));
    fails!(KB_ERR_NULL_ARGUMENT, "topic must not be NULL", kb_watermarks(p.cast(), null(), 0, 100, &mut 0, &mut 0));
    fails!(KB_ERR_NULL_ARGUMENT, "topic must not be NULL", kb_admin_delete_topic(a, null(), 100));
    fails!(KB_ERR_NULL_ARGUMENT, "key must not be NULL", kb_config_set(conf, null(), c"1".as_ptr()));
    fails!(KB_ERR_NULL_ARGUMENT, "value must not be NULL", kb_config_set(conf, c"linger.ms".as_ptr(), null()));
    fails!(KB_ERR_NULL_ARGUMENT, "key must not be NULL", kb_config_get(conf, null(), null_mut(), 0, &mut 0));

    // NULL with 0 is fine: an absent key and value, and "unassign everything".
    ok!(kb_producer_produce(p, t, 0, null(), 0, null(), 0, null(), 0, 0, null_mut()));
    ok!(kb_consumer_assign(c, null(), 0));

    ok!(kb_admin_free(a));
    ok!(kb_consumer_free(g));
    ok!(kb_consumer_free(c));
    ok!(kb_producer_free(p));
    ok!(kb_config_free(conf));
    ok!(kb_mock_cluster_free(mock));
}

#[test]
fn length_limits_refuse_one_over_and_accept_the_limit() {
    let mut conf = null_mut();
    ok!(kb_config_new(&mut conf));
    let mut len = 0;

    // client.id: KB_CLIENT_ID_MAX_LEN bytes; every other value KB_CONFIG_VALUE_MAX_LEN bytes.
    let id = |n| cstring(&"c".repeat(n));
    let over = format!("client.id is {} bytes long; at most {KB_CLIENT_ID_MAX_LEN} are accepted", KB_CLIENT_ID_MAX_LEN + 1);
    fails!(KB_ERR_INVALID_ARGUMENT, over, kb_config_set(conf, c"client.id".as_ptr(), id(KB_CLIENT_ID_MAX_LEN + 1).as_ptr()));
    ok!(kb_config_set(conf, c"client.id".as_ptr(), id(KB_CLIENT_ID_MAX_LEN).as_ptr()));
    ok!(kb_config_get(conf, c"client.id".as_ptr(), null_mut(), 0, &mut len));
    assert_eq!(len, KB_CLIENT_ID_MAX_LEN);

    let value = |n| cstring(&"v".repeat(n));
    for key in [c"client.rack", c"bridge.persistent.name"] {
        let over = format!("is {} bytes long; at most {KB_CONFIG_VALUE_MAX_LEN} are accepted", KB_CONFIG_VALUE_MAX_LEN + 1);
        fails!(KB_ERR_INVALID_ARGUMENT, over, kb_config_set(conf, key.as_ptr(), value(KB_CONFIG_VALUE_MAX_LEN + 1).as_ptr()));
    }
    ok!(kb_config_set(conf, c"client.rack".as_ptr(), value(KB_CONFIG_VALUE_MAX_LEN).as_ptr()));
    ok!(kb_config_get(conf, c"client.rack".as_ptr(), null_mut(), 0, &mut len));
    assert_eq!(len, KB_CONFIG_VALUE_MAX_LEN);
    ok!(kb_config_free(conf));

    // Topic names: KB_TOPIC_MAX_LEN bytes, refused as RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION (17)
    // before they reach librdkafka or the broker.
    let (mock, conf) = cluster();
    let p = new_producer(conf);
    let c = new_consumer(conf);
    let mut a = null_mut();
    ok!(kb_admin_new(conf, &mut a));
    let long = cstring(&"t".repeat(KB_TOPIC_MAX_LEN + 1));
    let l = long.as_ptr();
    let too_long = format!("({} bytes)", KB_TOPIC_MAX_LEN + 1);
    let e17 = KB_RESP_ERR_TOPIC_EXCEPTION;
    let (mut md, mut list, mut d) = (null_mut(), null_mut(), MaybeUninit::uninit());
    fails!(e17, too_long, kb_producer_produce(p, l, 0, null(), 0, null(), 0, null(), 0, 0, null_mut()));
    fails!(e17, too_long, kb_producer_produce_sync(p, l, 0, null(), 0, null(), 0, null(), 0, 0, 100, d.as_mut_ptr()));
    fails!(e17, too_long, kb_consumer_assign(c, &tp(&long, 0, 0), 1));
    fails!(e17, too_long, kb_consumer_subscribe(c, &l, 1));
    fails!(e17, too_long, kb_consumer_seek(c, l, 0, 0, 100));
    fails!(e17, too_long, kb_consumer_store_offset(c, l, 0, 0));
    fails!(e17, too_long, kb_metadata_fetch(c.cast(), l, 100, &mut md));
    fails!(e17, too_long, kb_watermarks(p.cast(), l, 0, 100, &mut 0, &mut 0));
    fails!(e17, too_long, kb_offsets_for_times(p.cast(), &tp(&long, 0, 0), 1, 100, &mut list));
    fails!(e17, too_long, kb_admin_create_topic(a, l, 1, 1, null(), null(), 0, 100));
    fails!(e17, too_long, kb_admin_delete_topic(a, l, 100));
    // A packed call checks its topic with each record, and without any records too.
    let one_record = [0xFF; 8];
    fails!(e17, "record 0", kb_producer_produce_packed(p, l, 0, one_record.as_ptr(), 8, null_mut(), 0, &mut 0));
    fails!(e17, too_long, kb_producer_produce_packed(p, l, 0, null(), 0, null_mut(), 0, &mut 0));
    assert!(md.is_null() && list.is_null());

    // At the limit the name is accepted (assignment is local: no broker round trip).
    let longest = cstring(&"t".repeat(KB_TOPIC_MAX_LEN));
    ok!(kb_consumer_assign(c, &tp(&longest, 0, KB_OFFSET_BEGINNING), 1));
    ok!(kb_consumer_assignment(c, &mut list));
    let mut entries = null();
    ok!(kb_partition_list_entries(list, &mut entries));
    assert_eq!(kb_partition_list_count(list), 1);
    assert_eq!(unsafe { CStr::from_ptr((*entries).topic) }, longest.as_c_str());
    ok!(kb_partition_list_free(list));
    ok!(kb_consumer_assign(c, null(), 0));

    // Subscription patterns: KB_TOPIC_PATTERN_MAX_LEN bytes. The consumer has no group.id, so a
    // pattern that passes the length check is refused next, for the missing group.
    let pattern = |n: usize| cstring(&format!("^{}", "p".repeat(n - 1)));
    let over = pattern(KB_TOPIC_PATTERN_MAX_LEN + 1);
    fails!(KB_ERR_INVALID_ARGUMENT, format!("({} bytes)", KB_TOPIC_PATTERN_MAX_LEN + 1), kb_consumer_subscribe(c, &over.as_ptr(), 1));
    let at_limit = pattern(KB_TOPIC_PATTERN_MAX_LEN);
    fails!(KB_ERR_INVALID_STATE, "set group.id", kb_consumer_subscribe(c, &at_limit.as_ptr(), 1));
    fails!(KB_ERR_INVALID_STATE, "set group.id", kb_consumer_subscribe(c, &longest.as_ptr(), 1));

    ok!(kb_admin_free(a));
    ok!(kb_consumer_free(c));
    ok!(kb_producer_free(p));
    ok!(kb_config_free(conf));
    ok!(kb_mock_cluster_free(mock));
}

#[test]
fn null_out_parameters_are_refused() {
    let live = Live::new();
    let (conf, p, c, m) = (live.conf, live.producer, live.consumer, live.mock);
    let t = TOPIC.as_ptr();
    let mut buf = [0 as c_char; 16];
    let null_out = |name: &str| format!("{name} must not be NULL");

    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_config_new(null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_config_copy(conf, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("len_out"), kb_config_get(conf, c"linger.ms".as_ptr(), buf.as_mut_ptr(), buf.len(), null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_producer_new(conf, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_consumer_new(conf, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_admin_new(conf, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_mock_cluster_new(1, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("len_out"), kb_mock_cluster_bootstrap_servers(m, buf.as_mut_ptr(), buf.len(), null_mut()));

    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_producer_poll(p, 0, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_producer_poll_batch(p, 0, 8, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_producer_produce_sync(p, t, 0, null(), 0, null(), 0, null(), 0, 0, 100, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("accepted_out"), kb_producer_produce_batch(p, null(), 0, null_mut(), null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("accepted_out"), kb_producer_produce_packed(p, t, 0, null(), 0, null_mut(), 0, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("len_out"), kb_producer_queue_len(p, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_producer_get_info(p, null_mut()));

    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_consumer_poll(c, 0, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_consumer_poll_batch(c, 0, 8, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_consumer_poll_packed(c, 0, 1, 8, 0, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_consumer_poll_event(c, 0, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_consumer_poll_events(c, 0, 8, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_consumer_subscription(c, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_consumer_assignment(c, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_consumer_position(c, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_consumer_committed(c, null(), 0, 100, null_mut()));

    fails!(KB_ERR_NULL_ARGUMENT, null_out("view"), kb_event_get_view(live.event, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("views"), kb_event_batch_views(live.event_batch, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("data"), kb_event_batch_packed(live.event_batch, null_mut(), &mut 0));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("len"), kb_event_batch_packed(live.event_batch, &mut null(), null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("view"), kb_message_get_view(live.message, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("views"), kb_message_batch_views(live.message_batch, null_mut()));
    for (data, len, count) in [(true, false, false), (false, true, false), (false, false, true)] {
        let (mut d, mut l, mut n) = (null(), 0, 0);
        let name = if data {
            "data"
        } else if len {
            "len"
        } else {
            "count"
        };
        fails!(
            KB_ERR_NULL_ARGUMENT,
            null_out(name),
            kb_packed_messages_data(
                live.packed_messages,
                if data { null_mut() } else { &mut d },
                if len { null_mut() } else { &mut l },
                if count { null_mut() } else { &mut n }
            )
        );
    }
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_partition_list_entries(live.partition_list, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("view"), kb_metadata_get_view(live.metadata, null_mut()));
    // No live group list without a broker; the out-parameter is checked first all the same.
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_group_list_entries(null(), null_mut()));

    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_metadata_fetch(p.cast(), null(), 100, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("low_out"), kb_watermarks(p.cast(), t, 0, 100, null_mut(), &mut 0));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("high_out"), kb_watermarks(p.cast(), t, 0, 100, &mut 0, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_offsets_for_times(p.cast(), null(), 0, 100, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_controller_id(p.cast(), 100, null_mut()));
    fails!(KB_ERR_NULL_ARGUMENT, null_out("out"), kb_group_list_fetch(p.cast(), null(), 100, null_mut()));

    // The optional ones may be NULL: the message id, and the ids of a batch (ids_cap ignored).
    ok!(kb_producer_produce(p, t, 0, null(), 0, b"v".as_ptr(), 1, null(), 0, 0, null_mut()));
    let record = kb_record {
        topic: t,
        partition: 0,
        key: null(),
        key_len: 0,
        value: b"v".as_ptr(),
        value_len: 1,
        headers: null(),
        header_count: 0,
        timestamp_ms: 0,
    };
    let mut accepted = 0;
    ok!(kb_producer_produce_batch(p, &record, 1, null_mut(), &mut accepted));
    assert_eq!(accepted, 1);
    // Two packed records: an absent key with a 1-byte value, twice.
    let one = [0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0, b'v'];
    let packed = [one, one].concat();
    ok!(kb_producer_produce_packed(p, t, 0, packed.as_ptr(), packed.len(), null_mut(), 0, &mut accepted));
    assert_eq!(accepted, 2);
    // The length alone may be asked for with a NULL buffer of capacity 0.
    let mut len = 0;
    ok!(kb_config_get(conf, c"bootstrap.servers".as_ptr(), null_mut(), 0, &mut len));
    assert_eq!(len, bootstrap_servers(m).len());

    live.free();
}
