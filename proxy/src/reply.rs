//! Replies and their encoding in the protocol the connection chose with HELLO: RESP2 (the
//! default) or RESP3. A command builds one `Reply`; the shapes that differ between the two
//! (maps, null, doubles) are written as each protocol expects, so that a RESP2 client (phpredis,
//! predis, redis-cli) and a RESP3 one (redis-py 8's default) each get what they parse.

#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// `+OK`: a status line (no CR or LF inside).
    Status(String),
    /// `-ERR ...`: the first word is the error code, as Redis's.
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    /// RESP2 `$-1`, RESP3 `_`.
    Nil,
    /// RESP2 `*-1`, RESP3 `_`.
    NilArray,
    Array(Vec<Reply>),
    /// RESP3 `%`; a flat array of key, value, key, value in RESP2.
    Map(Vec<(Reply, Reply)>),
    /// RESP3 `~`; an array in RESP2.
    Set(Vec<Reply>),
}

impl Reply {
    pub fn ok() -> Reply {
        Reply::Status("OK".into())
    }

    pub fn error(text: impl Into<String>) -> Reply {
        let text: String = text.into();
        // A reply line must not hold CR or LF (the client would read garbage after it).
        Reply::Error(text.replace(['\r', '\n'], " "))
    }

    pub fn bulk(b: impl Into<Vec<u8>>) -> Reply {
        Reply::Bulk(b.into())
    }

    pub fn text(s: &str) -> Reply {
        Reply::Bulk(s.as_bytes().to_vec())
    }

    /// Appends the encoding of `self` to `out`, in RESP3 if `resp3`.
    pub fn encode(&self, resp3: bool, out: &mut Vec<u8>) {
        match self {
            Reply::Status(s) => line(out, b'+', s.as_bytes()),
            Reply::Error(s) => line(out, b'-', s.as_bytes()),
            Reply::Int(n) => line(out, b':', n.to_string().as_bytes()),
            Reply::Bulk(b) => {
                line(out, b'$', b.len().to_string().as_bytes());
                out.extend_from_slice(b);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Nil if resp3 => out.extend_from_slice(b"_\r\n"),
            Reply::Nil => out.extend_from_slice(b"$-1\r\n"),
            Reply::NilArray if resp3 => out.extend_from_slice(b"_\r\n"),
            Reply::NilArray => out.extend_from_slice(b"*-1\r\n"),
            Reply::Array(items) => {
                line(out, b'*', items.len().to_string().as_bytes());
                items.iter().for_each(|r| r.encode(resp3, out));
            }
            Reply::Set(items) => {
                line(out, if resp3 { b'~' } else { b'*' }, items.len().to_string().as_bytes());
                items.iter().for_each(|r| r.encode(resp3, out));
            }
            Reply::Map(pairs) => {
                if resp3 {
                    line(out, b'%', pairs.len().to_string().as_bytes());
                } else {
                    line(out, b'*', (pairs.len() * 2).to_string().as_bytes());
                }
                for (k, v) in pairs {
                    k.encode(resp3, out);
                    v.encode(resp3, out);
                }
            }
        }
    }
}

fn line(out: &mut Vec<u8>, kind: u8, body: &[u8]) {
    out.push(kind);
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(r: &Reply, resp3: bool) -> Vec<u8> {
        let mut out = Vec::new();
        r.encode(resp3, &mut out);
        out
    }

    #[test]
    fn shapes_in_both_protocols() {
        let map = Reply::Map(vec![(Reply::text("a"), Reply::Int(1))]);
        assert_eq!(enc(&map, false), b"*2\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(enc(&map, true), b"%1\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(enc(&Reply::Nil, false), b"$-1\r\n");
        assert_eq!(enc(&Reply::NilArray, false), b"*-1\r\n");
        assert_eq!(enc(&Reply::Nil, true), b"_\r\n");
        assert_eq!(enc(&Reply::bulk(&b"\0\r\n"[..]), false), b"$3\r\n\0\r\n\r\n");
        assert_eq!(enc(&Reply::Set(vec![Reply::Int(2)]), true), b"~1\r\n:2\r\n");
    }

    #[test]
    fn an_error_line_never_holds_a_line_break() {
        assert_eq!(enc(&Reply::error("ERR bad\r\nthing"), false), b"-ERR bad  thing\r\n");
    }
}
