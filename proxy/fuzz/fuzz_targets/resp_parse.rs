//! libFuzzer target for the proxy's RESP parser (proxy/src/resp.rs, compiled in as is).
//!
//! The first input bytes pick the limits (roomy, the pre-AUTH ones, or small ones they spell
//! out, so that inputs at and just past every limit are near), the rest is what a client sent.
//! The parser must never panic, and for every command it takes off the front: it consumed
//! something and no more than it was given, the command holds to the limits, and the command
//! re-encoded as multibulk parses back to the same arguments in the same bytes. Then the same
//! bytes, cut at every 0xff into arguments and encoded as a client library would, must parse back
//! exactly when they fit the limits, and be refused as too large exactly when they do not.

#![no_main]

#[path = "../../src/resp.rs"]
#[allow(dead_code)]
mod resp;

use libfuzzer_sys::fuzz_target;
use resp::{parse, Limits, ParseError};

/// The limits the first four bytes spell, and the input after them.
fn limits(data: &[u8]) -> Option<(Limits, &[u8])> {
    let (head, rest) = data.split_at_checked(4)?;
    let limits = match head[0] % 4 {
        0 => Limits { max_args: 1000, max_bulk: 1 << 20, max_request: 8 << 20 },
        1 => Limits::unauthenticated(),
        _ => Limits { max_args: 1 + head[1] as usize % 12, max_bulk: head[2] as usize, max_request: 16 + 4 * head[3] as usize },
    };
    Some((limits, rest))
}

/// Room for any command a limit above let through, re-encoded.
const REPARSE: Limits = Limits { max_args: 1000, max_bulk: 1 << 20, max_request: 1 << 40 };

fn encode(args: &[impl AsRef<[u8]>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args.iter().map(AsRef::as_ref) {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((limits, input)) = limits(data) else { return };
    let mut rest = input;
    while let Ok(Some(c)) = parse(rest, &limits) {
        assert!(c.consumed > 0 && c.consumed <= rest.len(), "consumed {} of {}", c.consumed, rest.len());
        assert!(c.args.len() <= limits.max_args, "{} arguments", c.args.len());
        assert!(c.args.iter().all(|a| a.len() <= limits.max_bulk), "an argument beyond max_bulk");
        if !c.args.is_empty() {
            let again = encode(&c.args);
            let back = parse(&again, &REPARSE).expect("re-encoded command parses").expect("whole");
            assert_eq!((back.args, back.consumed), (c.args, again.len()));
        }
        rest = &rest[c.consumed..];
    }

    let args: Vec<Vec<u8>> = input.split(|&b| b == 0xff).map(<[u8]>::to_vec).collect();
    let encoded = encode(&args);
    // The request limit counts up to the end of the last argument's bytes (not its CRLF).
    let fits = args.len() <= limits.max_args && args.iter().all(|a| a.len() <= limits.max_bulk) && encoded.len() - 2 <= limits.max_request;
    match parse(&encoded, &limits) {
        Ok(Some(c)) if fits => assert!(c.args == args && c.consumed == encoded.len(), "{c:?} is not {args:?}"),
        Err(ParseError::TooLarge(_)) if !fits => {}
        other => panic!("{} arguments (fit: {fits}) under {limits:?}: {other:?}", args.len()),
    }
});
