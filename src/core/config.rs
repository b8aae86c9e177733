//! Configuration: librdkafka properties, validated by librdkafka itself the moment they are set,
//! plus kafkabridge's own `bridge.*` settings, and the resolved `Settings` clients are built from.

use std::collections::BTreeMap;
use std::ffi::CString;

use parking_lot::Mutex;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::types::RDKafkaRespErr;

use crate::core::error::{KbError, KbResult};
use crate::sys::conf::{ConfRefusal, NativeConf};

/// kafkabridge's own settings, all under the `bridge.` prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BridgeSettings {
    /// `bridge.persistent.name`: non-empty attaches producers and consumers to a process-wide
    /// client of this name.
    pub persistent_name: Option<String>,
    /// `bridge.close.timeout.ms`: bound on the flush when a private producer is freed and on
    /// consumer close. Default 5000.
    pub close_timeout_ms: u64,
    /// `bridge.exit.flush.timeout.ms`: bound on the flush of live producers at process exit. Default 5000.
    pub exit_flush_timeout_ms: u64,
    /// `bridge.event.queue.size`: undrained events a handle may hold. Default 100000.
    pub event_queue_size: usize,
    /// `bridge.commit.timeout.ms`: bound on a synchronous consumer commit. Default 10000.
    pub commit_timeout_ms: u64,
    /// `bridge.consumer.buffer.messages`: messages a persistent consumer prefetches between
    /// sessions before it pauses its partitions. Default 1000.
    pub consumer_buffer_messages: usize,
    /// `bridge.consumer.buffer.bytes`: the same bound in bytes of keys and values. Default 8 MiB.
    pub consumer_buffer_bytes: usize,
    /// `bridge.consumer.idle.ms`: a persistent consumer with no session for this long leaves its
    /// group, so that its partitions move to members that read them; the next session rejoins.
    /// 0: never. Default 30000.
    pub consumer_idle_ms: u64,
    /// `bridge.spool.dir`: a directory for the durable spool (`core::spool`), created if missing;
    /// empty: no spool. Default empty.
    pub spool_dir: Option<String>,
    /// `bridge.spool.max.bytes`: what the spool directory may hold; a message that would pass it
    /// is reported failed instead. Default 1 GiB.
    pub spool_max_bytes: u64,
    /// `bridge.spool.fsync`: `true` reports a message spooled only once its record is on disk
    /// (one fsync per poll round of spooled reports); `false` once the write returned, which a
    /// killed process survives and a machine crash may not. Default true.
    pub spool_fsync: bool,
    /// `bridge.spool.replay.interval.ms`: how often a producer with a spool checks for spooled
    /// messages to re-send and whether Kafka answers. Default 5000.
    pub spool_replay_interval_ms: u64,
}

impl Default for BridgeSettings {
    fn default() -> Self {
        BridgeSettings {
            persistent_name: None,
            close_timeout_ms: 5000,
            exit_flush_timeout_ms: 5000,
            event_queue_size: 100_000,
            commit_timeout_ms: 10_000,
            consumer_buffer_messages: 1000,
            consumer_buffer_bytes: 8 << 20,
            consumer_idle_ms: 30_000,
            spool_dir: None,
            spool_max_bytes: 1 << 30,
            spool_fsync: true,
            spool_replay_interval_ms: 5000,
        }
    }
}

const BRIDGE_KEYS: &[&str] = &[
    "bridge.persistent.name",
    "bridge.close.timeout.ms",
    "bridge.exit.flush.timeout.ms",
    "bridge.event.queue.size",
    "bridge.commit.timeout.ms",
    "bridge.consumer.buffer.messages",
    "bridge.consumer.buffer.bytes",
    "bridge.consumer.idle.ms",
    "bridge.spool.dir",
    "bridge.spool.max.bytes",
    "bridge.spool.fsync",
    "bridge.spool.replay.interval.ms",
];

impl BridgeSettings {
    fn apply(&mut self, key: &str, value: &str) -> KbResult<()> {
        let number = |max: u64| -> KbResult<u64> {
            value.trim().parse::<u64>().ok().filter(|n| *n <= max).ok_or_else(|| {
                KbError::rd(
                    RDKafkaRespErr::RD_KAFKA_RESP_ERR__INVALID_ARG,
                    format!("Invalid value \"{value}\" for configuration property \"{key}\": expected an integer 0..{max}"),
                )
            })
        };
        match key {
            "bridge.persistent.name" => self.persistent_name = Some(value.to_string()).filter(|v| !v.is_empty()),
            "bridge.close.timeout.ms" => self.close_timeout_ms = number(3_600_000)?,
            "bridge.exit.flush.timeout.ms" => self.exit_flush_timeout_ms = number(3_600_000)?,
            "bridge.event.queue.size" => self.event_queue_size = number(100_000_000)?.max(1) as usize,
            "bridge.commit.timeout.ms" => self.commit_timeout_ms = number(3_600_000)?,
            "bridge.consumer.buffer.messages" => self.consumer_buffer_messages = number(10_000_000)?.max(1) as usize,
            "bridge.consumer.buffer.bytes" => self.consumer_buffer_bytes = number(1 << 40)?.max(1) as usize,
            "bridge.consumer.idle.ms" => self.consumer_idle_ms = number(86_400_000)?,
            "bridge.spool.dir" => self.spool_dir = Some(value.to_string()).filter(|v| !v.is_empty()),
            "bridge.spool.max.bytes" => self.spool_max_bytes = number(1 << 50)?,
            "bridge.spool.fsync" => {
                self.spool_fsync = match value.trim().to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(KbError::rd(
                            RDKafkaRespErr::RD_KAFKA_RESP_ERR__INVALID_ARG,
                            format!("Invalid value \"{value}\" for configuration property \"{key}\": expected true or false"),
                        ))
                    }
                }
            }
            "bridge.spool.replay.interval.ms" => self.spool_replay_interval_ms = number(86_400_000)?.max(10),
            _ => {
                return Err(KbError::new(
                    crate::core::error::KB_ERR_UNKNOWN_CONFIG,
                    format!("No such configuration property: \"{key}\" (kafkabridge's own keys are: {})", BRIDGE_KEYS.join(", ")),
                ))
            }
        }
        Ok(())
    }
}

/// Keys whose values never appear in dumps or logs.
pub fn is_secret(key: &str) -> bool {
    key.contains("password") || key.contains("secret") || key == "ssl.key.pem" || key == "sasl.oauthbearer.config"
}

/// The value is not quoted: it may be a secret.
fn cstring(s: &str, what: &str) -> KbResult<CString> {
    CString::new(s).map_err(|_| KbError::invalid_arg(format!("a configuration {what} contains a NUL byte")))
}

/// Longest `client.id`: librdkafka copies it twice into the first 20 KiB of every statistics
/// report without checking (a 64 KiB one overflowed the heap), and brokers log it per request.
pub const KB_CLIENT_ID_MAX_LEN: usize = 1024;
/// Longest value of any other property; PEM bundles (`ssl.ca.pem`) are the large ones.
pub const KB_CONFIG_VALUE_MAX_LEN: usize = 1_048_576;

/// Refuses values longer than librdkafka handles safely, before they reach it.
fn check_value_len(key: &str, value: &str) -> KbResult<()> {
    let max = if key == "client.id" { KB_CLIENT_ID_MAX_LEN } else { KB_CONFIG_VALUE_MAX_LEN };
    if value.len() > max {
        return Err(KbError::invalid_arg(format!("configuration value of {key} is {} bytes long; at most {max} are accepted", value.len())));
    }
    Ok(())
}

/// The resolved settings a client is built from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// librdkafka properties, in the order of their names.
    pub kafka: BTreeMap<String, String>,
    pub bridge: BridgeSettings,
}

/// `reconnect.backoff.ms` of idempotent producers unless set (see `Settings::for_producer`).
const IDEMPOTENT_RECONNECT_BACKOFF_MS: &str = "10";

impl Settings {
    /// The producer's configuration: idempotent unless the user chose otherwise.
    ///
    /// Why: librdkafka's default (not idempotent) lets a retry after a broker restart write a
    /// message twice and out of order (546 duplicates in 200,000 with one broker SIGKILLed
    /// mid-stream; none with idempotence). It is left off when `enable.idempotence` is set
    /// either way, or when a setting is set that idempotence refuses (acks other than all, more
    /// than 5 requests in flight, no retries, LIFO queuing): enabling it then would make the
    /// user's explicit choice fail at client creation.
    pub fn for_producer(mut self) -> Settings {
        let set = |keys: &[&str]| keys.iter().find_map(|k| self.kafka.get(*k)).map(|v| v.trim().to_ascii_lowercase());
        let incompatible = set(&["acks", "request.required.acks"]).is_some_and(|v| v != "all" && v != "-1")
            || set(&["max.in.flight.requests.per.connection", "max.in.flight"]).is_some_and(|v| v.parse::<i64>().map_or(true, |n| n > 5))
            || set(&["retries", "message.send.max.retries"]).is_some_and(|v| v == "0")
            || set(&["queuing.strategy"]).is_some_and(|v| v != "fifo");
        if !self.kafka.contains_key("enable.idempotence") && !incompatible {
            self.kafka.insert("enable.idempotence".into(), "true".into());
        }
        // Why: an idempotent producer sends nothing before it has a producer id, which only a
        // broker learned from the first metadata answer may give, and librdkafka connects to that
        // broker only once its sparse-connection pause is over: reconnect.backoff.ms / 2 (at least
        // 11 ms) after the bootstrap connection. At the default 100 ms a new client's first
        // delivery took 55 ms instead of 6 ms without idempotence; at 10 ms, 15 ms. Reconnects to
        // a broker that is down still back off exponentially up to reconnect.backoff.max.ms.
        let idempotent = self.kafka.get("enable.idempotence").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        if idempotent && !self.kafka.contains_key("reconnect.backoff.ms") {
            self.kafka.insert("reconnect.backoff.ms".into(), IDEMPOTENT_RECONNECT_BACKOFF_MS.into());
        }
        self
    }

    /// The rdkafka client configuration, with librdkafka's own log level honoured.
    pub fn client_config(&self) -> ClientConfig {
        let mut cc = ClientConfig::new();
        for (k, v) in &self.kafka {
            cc.set(k, v);
        }
        use RDKafkaLogLevel::*;
        let levels = [Emerg, Alert, Critical, Error, Warning, Notice, Info, Debug];
        // librdkafka raises the level to debug when `debug` is set; keep that unless overridden.
        let default_level = if self.kafka.contains_key("debug") { 7 } else { 6 };
        let level = self.kafka.get("log_level").and_then(|l| l.parse::<usize>().ok()).unwrap_or(default_level);
        cc.set_log_level(levels[level.min(7)]);
        cc
    }

    /// Keys whose values differ between two settings, for conflict messages.
    pub fn differing_keys(&self, other: &Settings) -> Vec<String> {
        // Each key once: a key set on both sides appears in both maps.
        let differing: std::collections::BTreeSet<&String> =
            self.kafka.keys().chain(other.kafka.keys()).filter(|k| self.kafka.get(*k) != other.kafka.get(*k)).collect();
        let mut keys: Vec<String> = differing.into_iter().cloned().collect();
        let (a, b) = (&self.bridge, &other.bridge);
        for (key, differs) in [
            ("bridge.close.timeout.ms", a.close_timeout_ms != b.close_timeout_ms),
            ("bridge.exit.flush.timeout.ms", a.exit_flush_timeout_ms != b.exit_flush_timeout_ms),
            ("bridge.event.queue.size", a.event_queue_size != b.event_queue_size),
            ("bridge.commit.timeout.ms", a.commit_timeout_ms != b.commit_timeout_ms),
            ("bridge.spool.dir", a.spool_dir != b.spool_dir),
            ("bridge.spool.max.bytes", a.spool_max_bytes != b.spool_max_bytes),
            ("bridge.spool.fsync", a.spool_fsync != b.spool_fsync),
            ("bridge.spool.replay.interval.ms", a.spool_replay_interval_ms != b.spool_replay_interval_ms),
        ] {
            if differs {
                keys.push(key.into());
            }
        }
        keys.sort();
        keys
    }
}

pub struct Config {
    state: Mutex<ConfigState>,
}

struct ConfigState {
    native: NativeConf,
    kafka: BTreeMap<String, String>,
    bridge: BridgeSettings,
    bridge_set: BTreeMap<String, String>,
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

impl Config {
    pub fn new() -> Config {
        let native = NativeConf::new();
        Config { state: Mutex::new(ConfigState { native, kafka: BTreeMap::new(), bridge: BridgeSettings::default(), bridge_set: BTreeMap::new() }) }
    }

    pub fn set(&self, key: &str, value: &str) -> KbResult<()> {
        check_value_len(key, value)?;
        let mut c = self.state.lock();
        if key.starts_with("bridge.") {
            c.bridge.apply(key, value)?;
            c.bridge_set.insert(key.into(), value.into());
        } else {
            c.native.set(&cstring(key, "key")?, &cstring(value, "value")?).map_err(|refusal| match refusal {
                ConfRefusal::UnknownKey(m) => KbError::new(crate::core::error::KB_ERR_UNKNOWN_CONFIG, m),
                ConfRefusal::BadValue(m) => KbError::rd(RDKafkaRespErr::RD_KAFKA_RESP_ERR__INVALID_ARG, m),
            })?;
            c.kafka.insert(key.into(), value.into());
        }
        Ok(())
    }

    /// The value set for `key`, else librdkafka's default; `None` for an unknown key.
    pub fn get(&self, key: &str) -> Option<String> {
        let c = self.state.lock();
        if key.starts_with("bridge.") {
            if let Some(v) = c.bridge_set.get(key) {
                return Some(v.clone());
            }
            let d = BridgeSettings::default();
            return match key {
                "bridge.persistent.name" => Some(String::new()),
                "bridge.close.timeout.ms" => Some(d.close_timeout_ms.to_string()),
                "bridge.exit.flush.timeout.ms" => Some(d.exit_flush_timeout_ms.to_string()),
                "bridge.event.queue.size" => Some(d.event_queue_size.to_string()),
                "bridge.commit.timeout.ms" => Some(d.commit_timeout_ms.to_string()),
                "bridge.consumer.buffer.messages" => Some(d.consumer_buffer_messages.to_string()),
                "bridge.consumer.buffer.bytes" => Some(d.consumer_buffer_bytes.to_string()),
                "bridge.consumer.idle.ms" => Some(d.consumer_idle_ms.to_string()),
                _ => None,
            };
        }
        c.kafka.get(key).cloned().or_else(|| c.native.get(key))
    }

    /// `key=value` lines of what was set, secrets redacted, newlines and backslashes escaped.
    pub fn dump(&self) -> String {
        let c = self.state.lock();
        let mut out = String::new();
        for (k, v) in c.kafka.iter().chain(c.bridge_set.iter()) {
            let v = if is_secret(k) { "[redacted]".to_string() } else { v.replace('\\', "\\\\").replace('\n', "\\n") };
            out.push_str(&format!("{k}={v}\n"));
        }
        out
    }

    pub fn copy(&self) -> KbResult<Config> {
        let copy = Config::new();
        let c = self.state.lock();
        for (k, v) in c.kafka.iter().chain(c.bridge_set.iter()) {
            copy.set(k, v)?;
        }
        Ok(copy)
    }

    pub fn settings(&self) -> Settings {
        let c = self.state.lock();
        Settings { kafka: c.kafka.clone(), bridge: c.bridge.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_at_set_time_with_librdkafkas_message() {
        let c = Config::new();
        c.set("linger.ms", "7").unwrap();
        c.set("message.timeout.ms", "1000").unwrap(); // topic-level key on the same object
        let e = c.set("no.such.key", "1").unwrap_err();
        assert_eq!(e.code, crate::core::error::KB_ERR_UNKNOWN_CONFIG);
        assert!(e.message.contains("no.such.key"), "{}", e.message);
        let e = c.set("acks", "banana").unwrap_err();
        assert_eq!(e.code, RDKafkaRespErr::RD_KAFKA_RESP_ERR__INVALID_ARG as i32);
        assert_eq!(c.get("linger.ms").as_deref(), Some("7"));
        assert_eq!(c.get("bridge.close.timeout.ms").as_deref(), Some("5000"));
        assert!(c.get("nope").is_none());
    }

    #[test]
    fn dump_redacts_secrets_and_settings_name_differences() {
        let c = Config::new();
        c.set("sasl.password", "hunter2").unwrap();
        c.set("bootstrap.servers", "a:1").unwrap();
        c.set("bridge.persistent.name", "p").unwrap();
        let d = c.dump();
        assert!(!d.contains("hunter2") && d.contains("sasl.password=[redacted]"), "{d}");
        c.set("linger.ms", "5").unwrap();
        let other = c.copy().unwrap();
        other.set("bootstrap.servers", "b:2").unwrap();
        other.set("linger.ms", "6").unwrap();
        other.set("bridge.event.queue.size", "10").unwrap();
        // Keys set on both sides are named once each.
        assert_eq!(c.settings().differing_keys(&other.settings()), vec!["bootstrap.servers", "bridge.event.queue.size", "linger.ms"]);
        assert!(c.set("bridge.close.timeout.ms", "-1").is_err());
        assert!(c.set("bridge.nope", "1").is_err());
    }

    /// The value of `key` in the producer configuration made from `pairs`.
    fn producer_setting(pairs: &[(&str, &str)], key: &str) -> Option<String> {
        let c = Config::new();
        for (k, v) in pairs {
            c.set(k, v).unwrap();
        }
        c.settings().for_producer().kafka.get(key).cloned()
    }

    #[test]
    fn producers_are_idempotent_unless_the_user_chose_otherwise() {
        let idempotence = |pairs: &[(&str, &str)]| producer_setting(pairs, "enable.idempotence");
        assert_eq!(idempotence(&[("bootstrap.servers", "a:1")]).as_deref(), Some("true"));
        assert_eq!(idempotence(&[("acks", "all")]).as_deref(), Some("true"));
        assert_eq!(idempotence(&[("enable.idempotence", "false")]).as_deref(), Some("false"));
        for incompatible in [("acks", "1"), ("request.required.acks", "0"), ("max.in.flight", "6"), ("retries", "0"), ("queuing.strategy", "lifo")] {
            assert_eq!(idempotence(&[incompatible]), None, "{incompatible:?}");
        }
    }

    #[test]
    fn idempotent_producers_reach_their_producer_id_broker_sooner_unless_told_otherwise() {
        let backoff = |pairs: &[(&str, &str)]| producer_setting(pairs, "reconnect.backoff.ms");
        assert_eq!(backoff(&[]).as_deref(), Some(IDEMPOTENT_RECONNECT_BACKOFF_MS));
        assert_eq!(backoff(&[("enable.idempotence", "true"), ("reconnect.backoff.ms", "250")]).as_deref(), Some("250"));
        assert_eq!(backoff(&[("enable.idempotence", "false")]), None);
        assert_eq!(backoff(&[("acks", "1")]), None);
    }

    #[test]
    fn refuses_nul_bytes_and_overlong_values_without_echoing_them() {
        let c = Config::new();
        let e = c.set("sasl.password", "secret\0tail").unwrap_err();
        assert_eq!(e.code, crate::core::error::KB_ERR_INVALID_ARGUMENT);
        assert!(!e.message.contains("secret"), "{}", e.message);
        c.set("client.id", &"c".repeat(KB_CLIENT_ID_MAX_LEN)).unwrap();
        let e = c.set("client.id", &"c".repeat(64 << 10)).unwrap_err();
        assert!(e.message.contains("client.id") && e.message.contains("65536 bytes"), "{}", e.message);
        assert!(c.set("ssl.ca.pem", &"p".repeat(KB_CONFIG_VALUE_MAX_LEN + 1)).is_err());
    }
}
