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

use std::io::{self, BufRead, BufReader, Read, Write};
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
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// Encodes one command as a RESP multibulk into `out`.
pub fn encode(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

impl Client {
    /// Connects to `addr`.
    pub fn connect(addr: impl ToSocketAddrs) -> io::Result<Client> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        Ok(Client {
            reader: BufReader::new(s.try_clone()?),
            writer: s,
        })
    }

    /// Sends one command and reads its reply.
    pub fn command(&mut self, args: &[&[u8]]) -> io::Result<Value> {
        let mut buf = Vec::new();
        encode(&mut buf, args);
        self.writer.write_all(&buf)?;
        self.read_reply()
    }

    /// Sends all commands in one write, then reads one reply per command.
    pub fn pipeline(&mut self, cmds: &[&[&[u8]]]) -> io::Result<Vec<Value>> {
        let mut buf = Vec::new();
        for c in cmds {
            encode(&mut buf, c);
        }
        self.writer.write_all(&buf)?;
        cmds.iter().map(|_| self.read_reply()).collect()
    }

    /// Writes raw bytes (for protocol tests).
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)
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

    /// Reads one reply.
    pub fn read_reply(&mut self) -> io::Result<Value> {
        let mut line = Vec::new();
        self.reader.read_until(b'\n', &mut line)?;
        if line.len() < 3 || !line.ends_with(b"\r\n") {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        let body = String::from_utf8_lossy(&line[1..line.len() - 2]).into_owned();
        let num = || body.parse::<i64>().map_err(|_| bad("bad length"));
        Ok(match line[0] {
            b'+' => Value::Status(body),
            b'-' => Value::Error(body),
            b':' => Value::Int(num()?),
            b'_' => Value::Nil,
            b',' => Value::Double(body),
            b'#' => Value::Bool(body == "t"),
            b'$' | b'=' | b'(' if body == "-1" => Value::Nil,
            b'(' => Value::Bulk(body.into_bytes()),
            b'$' | b'=' => {
                let n = num()? as usize;
                let mut data = vec![0; n + 2];
                self.reader.read_exact(&mut data)?;
                data.truncate(n);
                Value::Bulk(data)
            }
            b'*' | b'~' | b'>' => {
                let n = num()?;
                if n < 0 {
                    Value::Nil
                } else {
                    Value::Array(
                        (0..n)
                            .map(|_| self.read_reply())
                            .collect::<io::Result<_>>()?,
                    )
                }
            }
            b'%' => {
                let n = num()?;
                let mut pairs = Vec::new();
                for _ in 0..n {
                    pairs.push((self.read_reply()?, self.read_reply()?));
                }
                Value::Map(pairs)
            }
            _ => return Err(bad("unknown reply type")),
        })
    }
}
