//! XADD as a Kafka produce: `XADD <topic> [NOMKSTREAM] [MAXLEN|MINID [=|~] <n> [LIMIT <n>]] *
//! value <bytes> [key <bytes>] [partition <n>] [<header> <bytes> ...]`.
//!
//! The stream is the topic; the field `value` is the message value (required), `key` its key,
//! `partition` the partition (else librdkafka's partitioner), every other field a header (in
//! order, repeats kept). Kafka assigns offsets, so only `*` is taken as the id. Retention is the
//! topic's: MAXLEN and MINID are accepted and change nothing. NOMKSTREAM is accepted: the proxy
//! never creates a topic (whether producing to an unknown one creates it is the broker's
//! `auto.create.topics.enable`).
//!
//! Entry ids are `<partition>-<offset + 1>`: decodable back to the message, unique per topic,
//! and never `0-0` (which Redis refuses and clients read as "from the start").

use crate::reply::Reply;
use crate::resp::Arg;

pub struct Xadd<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub key: Option<&'a [u8]>,
    pub value: &'a [u8],
    pub headers: Vec<(&'a str, Option<&'a [u8]>)>,
}

/// The entry id of the message at `offset` of `partition`.
pub fn entry_id(partition: i32, offset: i64) -> String {
    format!("{partition}-{}", offset + 1)
}

/// The XADD of `args` (the command name first), or the error reply that says what to fix.
pub fn parse<'a>(args: &'a [Arg<'_>]) -> Result<Xadd<'a>, Reply> {
    let wrong = || Reply::error("ERR wrong number of arguments for 'xadd' command");
    if args.len() < 5 {
        return Err(wrong());
    }
    let topic = std::str::from_utf8(&args[1]).map_err(|_| Reply::error("ERR the stream name (the Kafka topic) must be UTF-8"))?;
    let mut i = 2;
    loop {
        let word = args.get(i).ok_or_else(wrong)?;
        if word.eq_ignore_ascii_case(b"nomkstream") {
            i += 1;
        } else if word.eq_ignore_ascii_case(b"maxlen") || word.eq_ignore_ascii_case(b"minid") {
            i += 1;
            if args.get(i).is_some_and(|a| **a == *b"=" || **a == *b"~") {
                i += 1;
            }
            args.get(i).ok_or_else(wrong)?;
            i += 1;
            if args.get(i).is_some_and(|a| a.eq_ignore_ascii_case(b"limit")) {
                args.get(i + 1).ok_or_else(wrong)?;
                i += 2;
            }
        } else {
            break;
        }
    }
    if *args[i] != *b"*" {
        return Err(Reply::error(format!(
            "ERR explicit entry ids are not supported ({:?}): Kafka assigns the offset, use *",
            String::from_utf8_lossy(&args[i])
        )));
    }
    let fields = &args[i + 1..];
    if fields.is_empty() || fields.len() % 2 != 0 {
        return Err(wrong());
    }
    let mut x = Xadd { topic, partition: -1, key: None, value: &[], headers: Vec::new() };
    let mut has_value = false;
    for pair in fields.chunks(2) {
        let (name, v) = (&pair[0], &pair[1]);
        match &name[..] {
            b"value" if has_value => return Err(Reply::error("ERR the field value is given twice")),
            b"value" => {
                x.value = v;
                has_value = true;
            }
            b"key" if x.key.is_some() => return Err(Reply::error("ERR the field key is given twice")),
            b"key" => x.key = Some(v),
            b"partition" => {
                x.partition = std::str::from_utf8(v)
                    .ok()
                    .and_then(|s| s.parse::<i32>().ok())
                    .filter(|p| *p >= 0)
                    .ok_or_else(|| Reply::error(format!("ERR partition must be a number >= 0, got {:?}", String::from_utf8_lossy(v))))?;
            }
            _ => {
                let h = std::str::from_utf8(name).map_err(|_| Reply::error("ERR a header name (an XADD field) must be UTF-8"))?;
                x.headers.push((h, Some(&v[..])));
            }
        }
    }
    if !has_value {
        return Err(Reply::error(
            "ERR XADD needs a field named value (the Kafka message value); key and partition are optional, other fields become headers",
        ));
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args<'a>(v: &[&'a str]) -> Vec<Arg<'a>> {
        v.iter().map(|a| Arg::Borrowed(a.as_bytes())).collect()
    }

    #[test]
    fn fields_become_value_key_partition_and_headers() {
        let a = args(&["XADD", "t", "MAXLEN", "~", "100", "*", "value", "v", "trace", "1", "key", "k", "partition", "2", "trace", "2"]);
        let x = parse(&a).unwrap();
        assert_eq!((x.topic, x.partition, x.key, x.value), ("t", 2, Some(&b"k"[..]), &b"v"[..]));
        assert_eq!(x.headers, vec![("trace", Some(&b"1"[..])), ("trace", Some(&b"2"[..]))]);
    }

    #[test]
    fn what_kafka_cannot_do_is_refused_clearly() {
        let err = |v: &[&str]| match parse(&args(v)) {
            Err(Reply::Error(e)) => e,
            _ => panic!("accepted {v:?}"),
        };
        assert!(err(&["XADD", "t", "1-1", "value", "v"]).contains("explicit entry ids"));
        assert!(err(&["XADD", "t", "*", "other", "v"]).contains("needs a field named value"));
        assert!(err(&["XADD", "t", "*", "value"]).contains("wrong number"));
        assert!(err(&["XADD", "t", "*", "value", "v", "partition", "-1"]).contains("partition must be"));
        assert!(err(&["XADD", "t", "MAXLEN"]).contains("wrong number"));
        assert!(parse(&args(&["XADD", "t", "NOMKSTREAM", "MINID", "5", "LIMIT", "10", "*", "value", ""])).is_ok());
    }

    #[test]
    fn entry_ids_are_never_zero_zero() {
        assert_eq!(entry_id(0, 0), "0-1");
        assert_eq!(entry_id(3, 41), "3-42");
    }
}
