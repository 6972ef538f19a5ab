//! A small blocking client for Cinnabar and Redis, used by the integration
//! tests and handy in scripts.
//!
//! ```no_run
//! use cinnabar::client::{Client, Value};
//! let mut c = Client::connect("127.0.0.1:6379")?;
//! c.set(b"greeting", b"hello")?;
//! assert_eq!(c.get(b"greeting")?, Some(b"hello".to_vec()));
//! // Pipelining: send three commands, then read three replies.
//! let replies = c.pipeline(&[&[b"INCR", b"n"], &[b"INCR", b"n"], &[b"GET", b"n"]])?;
//! assert_eq!(replies[2], Value::Bulk(b"2".to_vec()));
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};

/// A reply from the server (RESP2 and RESP3 types).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `+OK`
    Status(String),
    /// `-ERR ...` (the text without the dash).
    Error(String),
    /// `:42`
    Int(i64),
    /// `$3\r\nfoo`
    Bulk(Vec<u8>),
    /// `$-1`, `*-1` or RESP3 `_`.
    Nil,
    /// `*N` (also RESP3 sets and pushes).
    Array(Vec<Value>),
    /// RESP3 `%N` map.
    Map(Vec<(Value, Value)>),
    /// RESP3 `,` double, as its text.
    Double(String),
    /// RESP3 `#t`/`#f`.
    Bool(bool),
}

impl Value {
    /// The bytes of a bulk or status reply.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bulk(b) => Some(b),
            Value::Status(s) => Some(s.as_bytes()),
            _ => None,
        }
    }
}

/// A connection to a server.
pub struct Client {
    sock: TcpStream,
    /// Bytes received but not yet parsed into a reply.
    buf: Vec<u8>,
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// Encodes one command as a RESP multibulk into `out`.
pub fn encode(out: &mut Vec<u8>, args: &[&[u8]]) {
    crate::resp::write_command(out, args);
}

/// Parses the first complete reply in `buf`: `Ok(Some((value, len)))`
/// where `len` is how many bytes it used, `Ok(None)` if incomplete.
pub fn parse_reply(buf: &[u8]) -> io::Result<Option<(Value, usize)>> {
    let Some(nl) = buf.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    if nl == 0 {
        return Err(bad("empty reply line"));
    }
    let body = String::from_utf8_lossy(&buf[1..nl]).into_owned();
    let head = nl + 2;
    let num = || body.parse::<i64>().map_err(|_| bad("bad number in reply"));
    let simple = |v| Ok(Some((v, head)));
    match buf[0] {
        b'+' => simple(Value::Status(body)),
        b'-' => simple(Value::Error(body)),
        b':' => simple(Value::Int(num()?)),
        b'_' => simple(Value::Nil),
        b',' => simple(Value::Double(body)),
        b'#' => simple(Value::Bool(body == "t")),
        b'(' => simple(Value::Bulk(body.into_bytes())),
        b'$' | b'=' | b'!' => {
            let n = num()?;
            if n < 0 {
                return simple(Value::Nil);
            }
            let end = head + n as usize;
            if buf.len() < end + 2 {
                return Ok(None);
            }
            Ok(Some((Value::Bulk(buf[head..end].to_vec()), end + 2)))
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = num()?;
            if n < 0 {
                return simple(Value::Nil);
            }
            let per = if matches!(buf[0], b'%' | b'|') { 2 } else { 1 };
            let mut items = Vec::new();
            let mut pos = head;
            for _ in 0..n * per {
                match parse_reply(&buf[pos..])? {
                    Some((v, used)) => {
                        items.push(v);
                        pos += used;
                    }
                    None => return Ok(None),
                }
            }
            let v = if per == 2 {
                let mut pairs = Vec::new();
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    pairs.push((k, v));
                }
                Value::Map(pairs)
            } else {
                Value::Array(items)
            };
            Ok(Some((v, pos)))
        }
        _ => Err(bad("unknown reply type")),
    }
}

impl Client {
    /// Connects to `addr`.
    pub fn connect(addr: impl ToSocketAddrs) -> io::Result<Client> {
        let sock = TcpStream::connect(addr)?;
        sock.set_nodelay(true)?;
        Ok(Client {
            sock,
            buf: Vec::new(),
        })
    }

    /// Sends one command and reads its reply.
    pub fn command(&mut self, args: &[&[u8]]) -> io::Result<Value> {
        let mut buf = Vec::new();
        encode(&mut buf, args);
        self.sock.write_all(&buf)?;
        self.read_reply()
    }

    /// Sends all commands in one write, then reads one reply per command.
    pub fn pipeline(&mut self, cmds: &[&[&[u8]]]) -> io::Result<Vec<Value>> {
        let mut buf = Vec::new();
        for c in cmds {
            encode(&mut buf, c);
        }
        self.sock.write_all(&buf)?;
        cmds.iter().map(|_| self.read_reply()).collect()
    }

    /// Writes raw bytes (for protocol tests).
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.sock.write_all(bytes)
    }

    /// GET key
    pub fn get(&mut self, key: &[u8]) -> io::Result<Option<Vec<u8>>> {
        match self.command(&[b"GET", key])? {
            Value::Bulk(b) => Ok(Some(b)),
            Value::Nil => Ok(None),
            other => Err(bad(&format!("unexpected reply {other:?}"))),
        }
    }

    /// SET key value
    pub fn set(&mut self, key: &[u8], val: &[u8]) -> io::Result<()> {
        match self.command(&[b"SET", key, val])? {
            Value::Status(_) => Ok(()),
            other => Err(bad(&format!("unexpected reply {other:?}"))),
        }
    }

    /// DEL key; returns how many keys were removed.
    pub fn del(&mut self, key: &[u8]) -> io::Result<i64> {
        self.int(&[b"DEL", key])
    }

    /// INCR key; returns the new value.
    pub fn incr(&mut self, key: &[u8]) -> io::Result<i64> {
        self.int(&[b"INCR", key])
    }

    /// EXPIRE key seconds; returns whether the timeout was set.
    pub fn expire(&mut self, key: &[u8], seconds: i64) -> io::Result<bool> {
        Ok(self.int(&[b"EXPIRE", key, seconds.to_string().as_bytes()])? == 1)
    }

    fn int(&mut self, args: &[&[u8]]) -> io::Result<i64> {
        match self.command(args)? {
            Value::Int(n) => Ok(n),
            Value::Error(e) => Err(bad(&e)),
            other => Err(bad(&format!("unexpected reply {other:?}"))),
        }
    }

    /// Reads one reply, returning it with its raw bytes.
    pub fn read_raw(&mut self) -> io::Result<(Value, Vec<u8>)> {
        loop {
            if let Some((v, used)) = parse_reply(&self.buf)? {
                let raw: Vec<u8> = self.buf.drain(..used).collect();
                return Ok((v, raw));
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = self.sock.read(&mut chunk)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed",
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads one reply.
    pub fn read_reply(&mut self) -> io::Result<Value> {
        self.read_raw().map(|(v, _)| v)
    }

    /// The underlying socket (for timeouts and shutdown in tests).
    pub fn socket(&self) -> &TcpStream {
        &self.sock
    }
}
