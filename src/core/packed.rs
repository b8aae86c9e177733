//! The packed record format of `kb_producer_produce_packed()`: records back to back, each
//! `u32 key_len, key bytes, u32 value_len, value bytes`, lengths little-endian,
//! `KB_PACKED_ABSENT` for a NULL key/value. A host whose FFI makes every struct field write
//! costly (PHP) builds it as one string instead of filling a `kb_record` array.

use crate::core::error::{KbError, KbResult};

/// The length of an absent (NULL) key or value in a `kb_producer_produce_packed()` buffer.
pub const KB_PACKED_ABSENT: u32 = u32::MAX;
use KB_PACKED_ABSENT as ABSENT;

/// Checks the whole buffer before anything is produced: every record complete, no trailing bytes,
/// at most `max_records` records. Returns the record count; errors name the byte offset.
pub fn validate(buf: &[u8], max_records: usize) -> KbResult<usize> {
    let mut offset = 0;
    let mut count = 0;
    while offset < buf.len() {
        if count == max_records {
            return Err(KbError::invalid_arg(format!(
                "packed buffer holds more records than ids_cap ({max_records}): record {count} starts at byte offset {offset}"
            )));
        }
        let (_, after_key) = field(buf, offset, count, "key")?;
        let (_, after_value) = field(buf, after_key, count, "value")?;
        offset = after_value;
        count += 1;
    }
    Ok(count)
}

/// Iterates the (key, value) pairs of a buffer that `validate()` accepted.
pub fn records(buf: &[u8]) -> impl Iterator<Item = (Option<&[u8]>, Option<&[u8]>)> + '_ {
    let mut offset = 0;
    std::iter::from_fn(move || {
        if offset >= buf.len() {
            return None;
        }
        let (key, after_key) = field(buf, offset, 0, "key").ok()?;
        let (value, after_value) = field(buf, after_key, 0, "value").ok()?;
        offset = after_value;
        Some((key, value))
    })
}

/// Reads the length-prefixed field at `offset`; returns it and the offset just past it.
fn field<'a>(buf: &'a [u8], offset: usize, record: usize, what: &str) -> KbResult<(Option<&'a [u8]>, usize)> {
    let truncated =
        |detail: String| KbError::invalid_arg(format!("packed buffer is truncated: record {record}'s {what} at byte offset {offset}: {detail}"));
    let Some(prefix) = buf.get(offset..offset + 4) else {
        return Err(truncated(format!("{} byte(s) left, its 4-byte length needs more", buf.len() - offset)));
    };
    let len = u32::from_le_bytes(prefix.try_into().unwrap());
    let start = offset + 4;
    if len == ABSENT {
        return Ok((None, start));
    }
    match start.checked_add(len as usize).and_then(|end| Some((buf.get(start..end)?, end))) {
        Some((bytes, end)) => Ok((Some(bytes), end)),
        None => Err(truncated(format!("length {len} runs past the end of the {}-byte buffer", buf.len()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::KB_ERR_INVALID_ARGUMENT;

    type Record<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);
    type OwnedRecord = (Option<Vec<u8>>, Option<Vec<u8>>);

    fn pack(records: &[Record]) -> Vec<u8> {
        let mut out = Vec::new();
        for (k, v) in records {
            for f in [k, v] {
                match f {
                    Some(b) => {
                        out.extend_from_slice(&(b.len() as u32).to_le_bytes());
                        out.extend_from_slice(b);
                    }
                    None => out.extend_from_slice(&ABSENT.to_le_bytes()),
                }
            }
        }
        out
    }

    #[test]
    fn round_trip() {
        let recs: Vec<Record> = vec![(None, Some(b"v0")), (Some(b"k\0"), Some(b"")), (Some(b""), None), (None, None)];
        let buf = pack(&recs);
        assert_eq!(validate(&buf, 4).unwrap(), 4);
        assert_eq!(records(&buf).collect::<Vec<_>>(), recs);
        assert_eq!(validate(&[], 0).unwrap(), 0);
    }

    #[test]
    fn malformed_buffers_name_the_offset() {
        // Record 0 spans bytes 0..10 (no key, "abc"), record 1 bytes 11..21 ("k", "vv").
        let buf = pack(&[(None, Some(b"abc")), (Some(b"k"), Some(b"vv"))]);
        let mut trailing = buf.clone();
        trailing.extend_from_slice(&[1, 0]);
        let cases: [(&[u8], usize, &str); 5] = [
            (&buf[..21], 9, "record 1's value at byte offset 16: length 2 runs past the end of the 21-byte buffer"),
            (&buf[..18], 9, "record 1's value at byte offset 16: 2 byte(s) left"),
            (&buf[..16], 9, "record 1's value at byte offset 16: 0 byte(s) left"),
            (&trailing, 9, "record 2's key at byte offset 22: 2 byte(s) left"),
            (&buf, 1, "more records than ids_cap (1): record 1 starts at byte offset 11"),
        ];
        for (bytes, cap, says) in cases {
            let e = validate(bytes, cap).unwrap_err();
            assert_eq!(e.code, KB_ERR_INVALID_ARGUMENT);
            assert!(e.message.contains(says), "{:?} does not say {says:?}", e.message);
        }
    }

    /// The shared golden vectors (tests/vectors/packed.json), which the PHP and Python encoders
    /// are tested against too: each valid buffer decodes to its records, each invalid one is
    /// refused with a message naming its byte offset.
    #[test]
    fn golden_vectors() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/packed.json")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        // Hex to bytes; JSON null (an absent key or value) to None.
        let bytes = |v: &serde_json::Value| -> Option<Vec<u8>> {
            let s = v.as_str()?;
            Some((0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect())
        };
        for case in doc["valid"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let buf = bytes(&case["packed"]).unwrap();
            let want: Vec<OwnedRecord> = case["records"].as_array().unwrap().iter().map(|r| (bytes(&r["key"]), bytes(&r["value"]))).collect();
            assert_eq!(validate(&buf, usize::MAX).unwrap(), want.len(), "{name}");
            let got: Vec<_> = records(&buf).map(|(k, v)| (k.map(<[u8]>::to_vec), v.map(<[u8]>::to_vec))).collect();
            assert_eq!(got, want, "{name}");
        }
        for case in doc["invalid"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let buf = bytes(&case["packed"]).unwrap();
            let cap = case["max_records"].as_u64().map_or(usize::MAX, |n| n as usize);
            let e = validate(&buf, cap).unwrap_err();
            assert_eq!(e.code, KB_ERR_INVALID_ARGUMENT, "{name}");
            let offset = format!("byte offset {}", case["error_offset"].as_u64().unwrap());
            assert!(e.message.contains(&offset), "{name}: {:?} does not name {offset}", e.message);
            let says = case["error_says"].as_str().unwrap();
            assert!(e.message.contains(says), "{name}: {:?} does not say {says:?}", e.message);
        }
    }
}
