//! Reply encoders. Every reply is encoded straight into the client's write
//! buffer; RESP3 types degrade to their RESP2 forms when the connection
//! speaks protocol 2, exactly as Redis's `addReply*` helpers do.

use bytes::{BufMut, BytesMut};

use crate::util::{fmt_f64_g17, i64_digits};

/// A client's pending output plus the protocol version it speaks.
#[derive(Debug)]
pub struct Out {
    /// Encoded replies not yet written to the socket.
    pub buf: BytesMut,
    /// 2 or 3, as chosen with HELLO.
    pub resp: u8,
    /// While CLIENT REPLY drops the running command's reply: the push
    /// messages it wrote meanwhile, which are sent all the same (Redis's
    /// `CLIENT_PUSHING`). `None` while replies are sent.
    pub kept: Option<BytesMut>,
}

impl Default for Out {
    fn default() -> Self {
        Out::new()
    }
}

impl Out {
    /// An empty RESP2 output buffer.
    pub fn new() -> Out {
        Out {
            buf: BytesMut::new(),
            resp: 2,
            kept: None,
        }
    }

    /// Whether the connection speaks RESP3.
    pub fn is_resp3(&self) -> bool {
        self.resp >= 3
    }

    fn header(&mut self, prefix: u8, n: i64) {
        // Assembled on the stack, then one copy into the buffer.
        let mut line = [0u8; 23];
        let mut tmp = [0u8; 20];
        let digits = i64_digits(n, &mut tmp);
        line[0] = prefix;
        line[1..=digits.len()].copy_from_slice(digits);
        line[digits.len() + 1..digits.len() + 3].copy_from_slice(b"\r\n");
        self.buf.extend_from_slice(&line[..digits.len() + 3]);
    }

    /// `+OK`.
    pub fn ok(&mut self) {
        self.buf.put_slice(b"+OK\r\n");
    }

    /// A status reply (`+text`). The text must not contain CR or LF.
    pub fn simple(&mut self, s: &str) {
        self.buf.reserve(s.len() + 3);
        self.buf.put_u8(b'+');
        self.buf.put_slice(s.as_bytes());
        self.buf.put_slice(b"\r\n");
    }

    /// An error reply. `msg` carries its code (`ERR ...`, `WRONGTYPE ...`);
    /// CR and LF are replaced by spaces so the reply cannot break framing.
    pub fn error(&mut self, msg: &str) {
        self.buf.reserve(msg.len() + 3);
        self.buf.put_u8(b'-');
        for &c in msg.as_bytes() {
            self.buf
                .put_u8(if c == b'\r' || c == b'\n' { b' ' } else { c });
        }
        self.buf.put_slice(b"\r\n");
    }

    /// An integer reply.
    pub fn int(&mut self, n: i64) {
        match n {
            0 => self.buf.put_slice(b":0\r\n"),
            1 => self.buf.put_slice(b":1\r\n"),
            _ => self.header(b':', n),
        }
    }

    /// A bulk string reply.
    pub fn bulk(&mut self, s: &[u8]) {
        self.buf.reserve(s.len() + 25);
        self.header(b'$', s.len() as i64);
        self.buf.extend_from_slice(s);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string holding the decimal form of `n`.
    pub fn bulk_i64(&mut self, n: i64) {
        let mut tmp = [0u8; 20];
        let digits = i64_digits(n, &mut tmp);
        self.bulk(digits);
    }

    /// The null reply: `$-1` in RESP2, `_` in RESP3.
    pub fn null(&mut self) {
        if self.is_resp3() {
            self.buf.put_slice(b"_\r\n");
        } else {
            self.buf.put_slice(b"$-1\r\n");
        }
    }

    /// The null array: `*-1` in RESP2, `_` in RESP3.
    pub fn null_array(&mut self) {
        if self.is_resp3() {
            self.buf.put_slice(b"_\r\n");
        } else {
            self.buf.put_slice(b"*-1\r\n");
        }
    }

    /// An array header of `n` elements.
    pub fn array(&mut self, n: usize) {
        self.header(b'*', n as i64);
    }

    /// A map header of `n` pairs (`%` in RESP3, a flat array of 2n in RESP2).
    pub fn map(&mut self, n: usize) {
        if self.is_resp3() {
            self.header(b'%', n as i64);
        } else {
            self.header(b'*', 2 * n as i64);
        }
    }

    /// A set header (`~` in RESP3, an array in RESP2).
    pub fn set(&mut self, n: usize) {
        let prefix = if self.is_resp3() { b'~' } else { b'*' };
        self.header(prefix, n as i64);
    }

    /// Writes a push message with `write`: a Pub/Sub (un)subscribe
    /// confirmation or message, or a tracking invalidation, in either
    /// protocol. CLIENT REPLY OFF|SKIP drops replies but never these, so
    /// while it drops them the message is set aside in `kept`.
    pub fn push_message(&mut self, write: impl FnOnce(&mut Out)) {
        let start = self.buf.len();
        write(self);
        if let Some(kept) = self.kept.as_mut() {
            kept.extend_from_slice(&self.buf[start..]);
            self.buf.truncate(start);
        }
    }

    /// A push header (`>` in RESP3, an array in RESP2).
    pub fn push(&mut self, n: usize) {
        let prefix = if self.is_resp3() { b'>' } else { b'*' };
        self.header(prefix, n as i64);
    }

    /// A double (`,` in RESP3, a `%.17g` bulk string in RESP2).
    pub fn double(&mut self, v: f64) {
        // Integral scores (the common case) skip the exact 17-digit path.
        let mut digits = [0u8; 20];
        let general;
        let text = match crate::util::g17_integer(v) {
            Some(n) => crate::util::i64_digits(n, &mut digits),
            None => {
                general = fmt_f64_g17(v);
                general.as_bytes()
            }
        };
        if self.is_resp3() {
            self.buf.put_u8(b',');
            self.buf.put_slice(text);
            self.buf.put_slice(b"\r\n");
        } else {
            self.bulk(text);
        }
    }

    /// A boolean (`#t`/`#f` in RESP3, `:1`/`:0` in RESP2).
    pub fn boolean(&mut self, b: bool) {
        match (self.is_resp3(), b) {
            (true, true) => self.buf.put_slice(b"#t\r\n"),
            (true, false) => self.buf.put_slice(b"#f\r\n"),
            (false, b) => self.int(i64::from(b)),
        }
    }

    /// Verbatim text (`=` with a 3-letter format in RESP3, bulk in RESP2).
    pub fn verbatim(&mut self, format: &str, s: &[u8]) {
        if self.is_resp3() {
            self.header(b'=', (s.len() + 4) as i64);
            self.buf.put_slice(format.as_bytes());
            self.buf.put_u8(b':');
            self.buf.put_slice(s);
            self.buf.put_slice(b"\r\n");
        } else {
            self.bulk(s);
        }
    }

    /// A big number (`(` in RESP3, bulk string in RESP2).
    pub fn big_number(&mut self, digits: &str) {
        if self.is_resp3() {
            self.buf.put_u8(b'(');
            self.buf.put_slice(digits.as_bytes());
            self.buf.put_slice(b"\r\n");
        } else {
            self.bulk(digits.as_bytes());
        }
    }

    /// An array of bulk strings.
    pub fn bulk_array<T: AsRef<[u8]>>(&mut self, items: &[T]) {
        self.array(items.len());
        for item in items {
            self.bulk(item.as_ref());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(resp: u8, f: impl FnOnce(&mut Out)) -> Vec<u8> {
        let mut o = Out::new();
        o.resp = resp;
        f(&mut o);
        o.buf.to_vec()
    }

    #[test]
    fn resp2_and_resp3_forms() {
        assert_eq!(enc(2, |o| o.null()), b"$-1\r\n");
        assert_eq!(enc(3, |o| o.null()), b"_\r\n");
        assert_eq!(enc(2, |o| o.null_array()), b"*-1\r\n");
        assert_eq!(enc(2, |o| o.map(2)), b"*4\r\n");
        assert_eq!(enc(3, |o| o.map(2)), b"%2\r\n");
        assert_eq!(enc(3, |o| o.set(1)), b"~1\r\n");
        assert_eq!(enc(3, |o| o.push(3)), b">3\r\n");
        assert_eq!(enc(2, |o| o.double(1.5)), b"$3\r\n1.5\r\n");
        assert_eq!(enc(3, |o| o.double(1.5)), b",1.5\r\n");
        assert_eq!(enc(3, |o| o.boolean(true)), b"#t\r\n");
        assert_eq!(enc(2, |o| o.boolean(false)), b":0\r\n");
        assert_eq!(enc(3, |o| o.verbatim("txt", b"hi")), b"=6\r\ntxt:hi\r\n");
        assert_eq!(enc(3, |o| o.big_number("123")), b"(123\r\n");
        assert_eq!(enc(2, |o| o.int(-42)), b":-42\r\n");
        assert_eq!(enc(2, |o| o.error("ERR a\r\nb")), b"-ERR a  b\r\n");
        assert_eq!(enc(2, |o| o.bulk(b"")), b"$0\r\n\r\n");
    }
}
