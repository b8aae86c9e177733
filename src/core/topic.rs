//! Topic names as Kafka accepts them, checked before any name reaches librdkafka: its fixed-size
//! buffers (a 513-byte name in an assignment overwrote the stack) and the embedded mock cluster
//! (a 10 MB name overflowed its thread stack) must never see one that Kafka would refuse anyway.

use rdkafka::types::RDKafkaRespErr;

use crate::core::error::{KbError, KbResult};

/// Kafka's limit on a topic name's length, in bytes.
pub const KB_TOPIC_MAX_LEN: usize = 249;
/// The longest regular expression (`^...`) a subscription accepts.
pub const KB_TOPIC_PATTERN_MAX_LEN: usize = 4096;

/// Kafka's legal topic names: 1..=249 of `[a-zA-Z0-9._-]`, not "." or "..".
pub fn check_topic(topic: &str) -> KbResult<()> {
    let legal = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-';
    if topic.is_empty() || topic.len() > KB_TOPIC_MAX_LEN || !topic.chars().all(legal) || topic == "." || topic == ".." {
        return Err(KbError::rd(
            RDKafkaRespErr::RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION,
            format!(
                "invalid topic name {} ({} bytes): use 1 to {KB_TOPIC_MAX_LEN} characters of a-z, A-Z, 0-9, '.', '_' and '-'",
                shown(topic),
                topic.len()
            ),
        ));
    }
    Ok(())
}

/// A subscription entry: a topic name, or a regular expression starting with `^`.
pub fn check_subscription(entry: &str) -> KbResult<()> {
    if !entry.starts_with('^') {
        return check_topic(entry);
    }
    if entry.len() > KB_TOPIC_PATTERN_MAX_LEN || entry.contains('\0') {
        return Err(KbError::invalid_arg(format!(
            "invalid topic pattern {} ({} bytes): at most {KB_TOPIC_PATTERN_MAX_LEN} bytes, no NUL",
            shown(entry),
            entry.len()
        )));
    }
    Ok(())
}

/// A name quoted for an error message, cut to its first 64 characters.
fn shown(name: &str) -> String {
    match name.char_indices().nth(64) {
        Some((cut, _)) => format!("{:?}...", &name[..cut]),
        None => format!("{name:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafkas_rules_with_short_messages() {
        assert!(check_topic("orders.v1_eu-west").is_ok());
        assert!(check_topic(&"a".repeat(KB_TOPIC_MAX_LEN)).is_ok());
        for bad in ["", ".", "..", "a b", "real\0ignored", "caf\u{e9}"] {
            assert!(check_topic(bad).is_err(), "{bad:?} must be refused");
        }
        let err = check_topic(&"a".repeat(10 << 20)).unwrap_err();
        assert!(err.message.len() < 300, "the message quotes a prefix, not 10 MB: {}", err.message.len());
        assert!(err.message.contains("10485760 bytes"), "{}", err.message);
        assert!(check_subscription("^orders\\..*").is_ok());
        assert!(check_subscription(&format!("^{}", "a".repeat(KB_TOPIC_PATTERN_MAX_LEN))).is_err());
        assert!(check_subscription("a b").is_err());
    }
}
