//! The RESP request parser: a client's bytes in, whole commands (argument vectors) out. Both
//! forms a Redis server accepts: multibulk (`*<n>\r\n$<len>\r\n<bytes>\r\n...`, what every
//! client library sends) and inline (`PING\r\n`, what a person types into telnet). Incremental:
//! `parse` looks at the buffered bytes and either takes one command off the front, asks for more
//! bytes, or fails. Every length is checked against the connection's limits before anything is
//! allocated for it, so no input can make the proxy hold more than the limits allow.

use std::borrow::Cow;
use std::fmt;

/// What one connection may send, per command; tighter before AUTH (see `Limits::unauthenticated`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Arguments of one command (the command name included).
    pub max_args: usize,
    /// Bytes of one argument.
    pub max_bulk: usize,
    /// Bytes of one whole command as sent (and of an inline line).
    pub max_request: usize,
}

impl Limits {
    /// Redis's own limits for a client that has not authenticated: 10 arguments, 16 KiB per
    /// argument, 1 MiB per request.
    pub const fn unauthenticated() -> Limits {
        Limits { max_args: 10, max_bulk: 16 * 1024, max_request: 1024 * 1024 }
    }
}

/// Why the input cannot be a command. The connection answers with the error and closes: after
/// a framing error the byte stream cannot be resynchronised (as Redis does).
#[derive(Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Framing that is not RESP (a bad length, a missing CRLF, a non-bulk argument).
    Protocol(String),
    /// A length beyond the connection's limits.
    TooLarge(String),
    /// The first line looks like HTTP (`POST ...`, `Host: ...`): a browser or a proxy was
    /// tricked into talking to us (cross-protocol scripting). Dropped without a reply.
    Http,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Protocol(m) => write!(f, "Protocol error: {m}"),
            ParseError::TooLarge(m) => write!(f, "Protocol error: {m}"),
            ParseError::Http => write!(f, "Protocol error: HTTP request on the Redis port"),
        }
    }
}

/// One argument: borrowed from the buffer (multibulk, what clients send: no copy), or owned
/// (an inline argument with quotes or escapes undone).
pub type Arg<'a> = Cow<'a, [u8]>;

/// One parsed command and the bytes it took from the buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct Command<'a> {
    pub args: Vec<Arg<'a>>,
    pub consumed: usize,
}

/// One command off the front of `buf`: `Ok(None)` if `buf` holds only part of one (read more
/// and call again). Empty inline lines are skipped (consumed, no command) as Redis does.
pub fn parse<'a>(buf: &'a [u8], limits: &Limits) -> Result<Option<Command<'a>>, ParseError> {
    match buf.first() {
        None => Ok(None),
        Some(b'*') => parse_multibulk(buf, limits),
        Some(_) => parse_inline(buf, limits),
    }
}

/// The position of the first CRLF in `buf[from..]`, looking no further than `limit` bytes.
fn line_end(buf: &[u8], from: usize, limit: usize) -> Result<Option<usize>, ParseError> {
    let window = from + limit + 2;
    match buf[from..buf.len().min(window)].windows(2).position(|w| w == b"\r\n") {
        Some(i) => Ok(Some(from + i)),
        None if buf.len() >= window => Err(ParseError::TooLarge("too big line".into())),
        None => Ok(None),
    }
}

/// A decimal length on a `*<n>` or `$<n>` line: `buf[from..end]` is the digits.
fn length(buf: &[u8], from: usize, end: usize, what: &str) -> Result<i64, ParseError> {
    std::str::from_utf8(&buf[from..end])
        .ok()
        .filter(|s| !s.is_empty() && s.len() <= 19 && s.bytes().enumerate().all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-')))
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| ParseError::Protocol(format!("invalid {what} length")))
}

fn parse_multibulk<'a>(buf: &'a [u8], limits: &Limits) -> Result<Option<Command<'a>>, ParseError> {
    // Length lines are short; 32 bytes is more than any valid one needs.
    let Some(end) = line_end(buf, 1, 32).map_err(|_| ParseError::Protocol("invalid multibulk length".into()))? else {
        return Ok(None);
    };
    let count = length(buf, 1, end, "multibulk")?;
    if count > limits.max_args as i64 {
        return Err(ParseError::TooLarge(format!("too many arguments: {count}, at most {} here", limits.max_args)));
    }
    let mut pos = end + 2;
    if count <= 0 {
        // `*0` and `*-1` are no command at all (Redis ignores them).
        return Ok(Some(Command { args: Vec::new(), consumed: pos }));
    }
    let mut args = Vec::with_capacity(count as usize);
    for _ in 0..count {
        if pos >= buf.len() {
            return Ok(None);
        }
        if buf[pos] != b'$' {
            return Err(ParseError::Protocol(format!("expected '$', got '{}'", char::from(buf[pos]).escape_default())));
        }
        let Some(end) = line_end(buf, pos + 1, 32).map_err(|_| ParseError::Protocol("invalid bulk length".into()))? else {
            return Ok(None);
        };
        let len = length(buf, pos + 1, end, "bulk")?;
        if len < 0 {
            return Err(ParseError::Protocol("invalid bulk length".into()));
        }
        let len = len as usize;
        if len > limits.max_bulk {
            return Err(ParseError::TooLarge(format!("invalid bulk length: {len} bytes, at most {} here", limits.max_bulk)));
        }
        let start = end + 2;
        if start + len > limits.max_request {
            return Err(ParseError::TooLarge(format!("request larger than {} bytes", limits.max_request)));
        }
        if buf.len() < start + len + 2 {
            return Ok(None);
        }
        if &buf[start + len..start + len + 2] != b"\r\n" {
            return Err(ParseError::Protocol("bulk string not terminated by CRLF".into()));
        }
        args.push(Cow::Borrowed(&buf[start..start + len]));
        pos = start + len + 2;
    }
    Ok(Some(Command { args, consumed: pos }))
}

fn parse_inline<'a>(buf: &'a [u8], limits: &Limits) -> Result<Option<Command<'a>>, ParseError> {
    // Inline commands end at LF (a CR before it is dropped), as in Redis.
    let window = &buf[..buf.len().min(limits.max_request + 1)];
    let Some(nl) = window.iter().position(|&b| b == b'\n') else {
        return if window.len() > limits.max_request { Err(ParseError::TooLarge("too big inline request".into())) } else { Ok(None) };
    };
    let line = buf[..nl].strip_suffix(b"\r").unwrap_or(&buf[..nl]);
    let args = split_inline(line)?;
    if let Some(first) = args.first() {
        if first.eq_ignore_ascii_case(b"post") || first.eq_ignore_ascii_case(b"host:") || first.eq_ignore_ascii_case(b"get") && looks_like_http(line)
        {
            return Err(ParseError::Http);
        }
    }
    if args.len() > limits.max_args {
        return Err(ParseError::TooLarge(format!("too many arguments: {}, at most {} here", args.len(), limits.max_args)));
    }
    if let Some(a) = args.iter().find(|a| a.len() > limits.max_bulk) {
        return Err(ParseError::TooLarge(format!("argument of {} bytes, at most {} here", a.len(), limits.max_bulk)));
    }
    Ok(Some(Command { args: args.into_iter().map(Cow::Owned).collect(), consumed: nl + 1 }))
}

/// `GET / HTTP/1.1`: an HTTP request line (a plain `GET key` is not one).
fn looks_like_http(line: &[u8]) -> bool {
    line.windows(6).any(|w| w.eq_ignore_ascii_case(b" http/"))
}

/// Splits an inline line into arguments: blanks separate, "double" and 'single' quotes group,
/// and in double quotes \n \r \t \b \a \\ \" and \xHH escape (Redis's sdssplitargs).
fn split_inline(line: &[u8]) -> Result<Vec<Vec<u8>>, ParseError> {
    let unbalanced = || ParseError::Protocol("unbalanced quotes in request".into());
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == line.len() {
            return Ok(args);
        }
        let mut arg = Vec::new();
        match line[i] {
            b'"' => {
                i += 1;
                loop {
                    match line.get(i) {
                        None => return Err(unbalanced()),
                        Some(b'"') => break,
                        Some(b'\\') if i + 3 < line.len() && line[i + 1] == b'x' && hex(line[i + 2]).is_some() && hex(line[i + 3]).is_some() => {
                            arg.push(hex(line[i + 2]).unwrap_or(0) * 16 + hex(line[i + 3]).unwrap_or(0));
                            i += 3;
                        }
                        Some(b'\\') if i + 1 < line.len() => {
                            i += 1;
                            arg.push(match line[i] {
                                b'n' => b'\n',
                                b'r' => b'\r',
                                b't' => b'\t',
                                b'b' => 8,
                                b'a' => 7,
                                other => other,
                            });
                        }
                        Some(&b) => arg.push(b),
                    }
                    i += 1;
                }
                i += 1;
                if i < line.len() && !line[i].is_ascii_whitespace() {
                    return Err(unbalanced());
                }
            }
            b'\'' => {
                i += 1;
                loop {
                    match line.get(i) {
                        None => return Err(unbalanced()),
                        Some(b'\'') => break,
                        Some(b'\\') if line.get(i + 1) == Some(&b'\'') => {
                            arg.push(b'\'');
                            i += 1;
                        }
                        Some(&b) => arg.push(b),
                    }
                    i += 1;
                }
                i += 1;
                if i < line.len() && !line[i].is_ascii_whitespace() {
                    return Err(unbalanced());
                }
            }
            _ => {
                while i < line.len() && !line[i].is_ascii_whitespace() {
                    arg.push(line[i]);
                    i += 1;
                }
            }
        }
        args.push(arg);
    }
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOMY: Limits = Limits { max_args: 1000, max_bulk: 1 << 20, max_request: 8 << 20 };

    fn args(v: &[&[u8]]) -> Vec<Vec<u8>> {
        v.iter().map(|a| a.to_vec()).collect()
    }

    #[test]
    fn multibulk_with_binary_arguments() {
        let buf = b"*3\r\n$4\r\nXADD\r\n$1\r\nt\r\n$4\r\n\0\r\n\xff\r\n";
        let c = parse(buf, &ROOMY).unwrap().unwrap();
        assert_eq!(c.args, args(&[b"XADD", b"t", b"\0\r\n\xff"]));
        assert_eq!(c.consumed, buf.len());
    }

    #[test]
    fn every_prefix_of_a_command_asks_for_more() {
        let buf = b"*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n";
        for n in 0..buf.len() {
            assert_eq!(parse(&buf[..n], &ROOMY).unwrap(), None, "prefix of {n} bytes");
        }
        assert!(parse(buf, &ROOMY).unwrap().is_some());
    }

    #[test]
    fn pipelined_commands_come_one_at_a_time() {
        let buf = b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n";
        let c = parse(buf, &ROOMY).unwrap().unwrap();
        assert_eq!(c.consumed, 14);
        assert_eq!(parse(&buf[c.consumed..], &ROOMY).unwrap().unwrap().args, args(&[b"PING"]));
    }

    #[test]
    fn inline_commands_with_quotes_and_escapes() {
        let c = parse(b"set \"a b\" 'c d' \"\\x41\\n\"\r\n", &ROOMY).unwrap().unwrap();
        assert_eq!(c.args, args(&[b"set", b"a b", b"c d", b"A\n"]));
        assert_eq!(parse(b"\r\n", &ROOMY).unwrap().unwrap().args, Vec::<Vec<u8>>::new());
        assert!(matches!(parse(b"echo \"open\r\n", &ROOMY), Err(ParseError::Protocol(_))));
        assert!(matches!(parse(b"echo \"a\"b\r\n", &ROOMY), Err(ParseError::Protocol(_))));
    }

    #[test]
    fn http_is_refused() {
        assert_eq!(parse(b"POST / HTTP/1.1\r\n", &ROOMY), Err(ParseError::Http));
        assert_eq!(parse(b"Host: example.com\r\n", &ROOMY), Err(ParseError::Http));
        assert_eq!(parse(b"GET / HTTP/1.1\r\n", &ROOMY), Err(ParseError::Http));
        assert_eq!(parse(b"GET key\r\n", &ROOMY).unwrap().unwrap().args, args(&[b"GET", b"key"]));
    }

    #[test]
    fn bad_framing_is_a_protocol_error() {
        for bad in [&b"*x\r\n"[..], b"*1\r\n+PING\r\n", b"*1\r\n$-1\r\n", b"*1\r\n$4\r\nPINGxx", b"*1\r\n$99999999999999999999\r\n", b"*1\r\n$\r\n"] {
            assert!(matches!(parse(bad, &ROOMY), Err(ParseError::Protocol(_)) | Err(ParseError::TooLarge(_))), "{bad:?}");
        }
        assert_eq!(parse(b"*0\r\n", &ROOMY).unwrap().unwrap(), Command { args: vec![], consumed: 4 });
    }

    /// A small deterministic generator (xorshift64*): the same inputs on every run.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn encode(args: &[Vec<u8>]) -> Vec<u8> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    /// Random commands, encoded and then mutated (bytes flipped, cut, inserted, framing bytes
    /// sprinkled in): the parser never panics, never consumes more than it was given, gives
    /// back exactly what was encoded when nothing was mutated, and holds to its limits.
    #[test]
    fn random_and_mutated_input_never_breaks_the_parser() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let small = Limits { max_args: 8, max_bulk: 64, max_request: 256 };
        for round in 0..20_000 {
            let args: Vec<Vec<u8>> = (0..1 + rng.below(6)).map(|_| (0..rng.below(80)).map(|_| rng.next() as u8).collect()).collect();
            let mut buf = encode(&args);
            let limits = if round % 2 == 0 { ROOMY } else { small };
            let mutated = round % 3 != 0;
            if mutated {
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(buf.len() + 1);
                    match rng.below(4) {
                        0 if at < buf.len() => buf[at] = rng.next() as u8,
                        1 => buf.truncate(at),
                        2 => buf.insert(at, b"*$\r\n-:+"[rng.below(7)]),
                        _ => buf.splice(at..at, b"\r\n".iter().copied()).for_each(drop),
                    }
                }
            }
            let fits = args.len() <= limits.max_args && args.iter().all(|a| a.len() <= limits.max_bulk) && buf.len() <= limits.max_request;
            if !mutated && fits {
                let c = parse(&buf, &limits).unwrap().unwrap();
                assert_eq!(c.args, args, "round {round}");
                assert_eq!(c.consumed, buf.len(), "round {round}");
            }
            let mut rest = &buf[..];
            for _ in 0..64 {
                match parse(rest, &limits) {
                    Ok(Some(c)) => {
                        assert!(c.consumed > 0 && c.consumed <= rest.len(), "round {round}: consumed {} of {}", c.consumed, rest.len());
                        assert!(c.args.len() <= limits.max_args && c.args.iter().all(|a| a.len() <= limits.max_bulk));
                        rest = &rest[c.consumed..];
                    }
                    Ok(None) | Err(_) => break,
                }
            }
        }
    }

    #[test]
    fn limits_are_checked_before_the_bytes_arrive() {
        let tight = Limits::unauthenticated();
        assert!(matches!(parse(b"*11\r\n", &tight), Err(ParseError::TooLarge(_))));
        assert!(matches!(parse(b"*1\r\n$16385\r\n", &tight), Err(ParseError::TooLarge(_))));
        assert!(parse(b"*1\r\n$16384\r\n", &tight).unwrap().is_none());
        let small = Limits { max_args: 10, max_bulk: 100, max_request: 50 };
        assert!(matches!(parse(b"*2\r\n$30\r\n", &small), Ok(None)));
        assert!(matches!(parse(b"*2\r\n$30\r\n012345678901234567890123456789\r\n$30\r\n", &small), Err(ParseError::TooLarge(_))));
        let long_inline = vec![b'a'; 60];
        assert!(matches!(parse(&long_inline, &small), Err(ParseError::TooLarge(_))));
        assert!(matches!(parse(b"a b c d e f g h i j k\r\n", &tight), Err(ParseError::TooLarge(_))));
    }
}
