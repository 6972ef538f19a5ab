//! `unixsocket` and `unixsocketperm`: a Unix domain socket listener in the
//! same loop, serving everything a TCP client gets, compared with
//! redis-server listening the same way.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use cinnabar::client::parse_reply;

use crate::util::*;

/// A client on a Unix socket: whole replies, as bytes.
struct UConn {
    s: UnixStream,
    buf: Vec<u8>,
}

impl UConn {
    fn connect(path: &str) -> UConn {
        let s = UnixStream::connect(path).expect("connect to the unix socket");
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        UConn { s, buf: Vec::new() }
    }

    fn send(&mut self, args: &[&str]) {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.s.write_all(&multibulk(&args)).unwrap();
    }

    fn reply(&mut self) -> Vec<u8> {
        loop {
            if let Ok(Some((_, used))) = parse_reply(&self.buf) {
                return self.buf.drain(..used).collect();
            }
            let mut chunk = [0u8; 4096];
            let n = self.s.read(&mut chunk).expect("read a reply");
            assert!(n > 0, "connection closed");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    fn cmd(&mut self, args: &[&str]) -> Vec<u8> {
        self.send(args);
        self.reply()
    }
}

/// CLIENT INFO's fields that describe the connection, with the socket's
/// path (it differs between the two servers) written as `P`.
fn conn_fields(info: &[u8], path: &str) -> String {
    let text = String::from_utf8_lossy(info).replace(path, "P");
    text.split_whitespace()
        .filter(|f| f.starts_with("addr=") || f.starts_with("laddr=") || f.starts_with("flags="))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn unix_socket_clients_match_redis() {
    let dir = TempDir::new("unix");
    let (cpath, rpath) = (
        format!("{}/c.sock", dir.path()),
        format!("{}/r.sock", dir.path()),
    );
    // A stale file where the socket goes is replaced, as Redis does.
    std::fs::write(&cpath, b"stale").unwrap();
    let mut srv = Server::start_with(&["--unixsocket", &cpath, "--unixsocketperm", "700"]);
    let Some(redis) = redis_in(
        dir.path(),
        &["--unixsocket", &rpath, "--unixsocketperm", "700"],
    ) else {
        return;
    };
    for path in [&cpath, &rpath] {
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{path}");
    }
    let (mut c, mut r) = (UConn::connect(&cpath), UConn::connect(&rpath));
    for args in [
        &["PING"][..],
        &["SET", "k", "v"],
        &["GET", "k"],
        &["CONFIG", "GET", "unixsocketperm"],
        &["HELLO", "3"],
        &["HGETALL", "nosuch"],
        &["HELLO", "2"],
    ] {
        let (got, want) = (c.cmd(args), r.cmd(args));
        if args[0] != "HELLO" {
            assert_eq!(show(&got), show(&want), "{args:?}");
        }
    }
    let (got, want) = (c.cmd(&["CLIENT", "INFO"]), r.cmd(&["CLIENT", "INFO"]));
    assert_eq!(conn_fields(&got, &cpath), conn_fields(&want, &rpath));
    assert!(
        conn_fields(&got, &cpath).contains("flags=U"),
        "{}",
        show(&got)
    );
    let (got, want) = (
        c.cmd(&["CONFIG", "GET", "unixsocket"]),
        r.cmd(&["CONFIG", "GET", "unixsocket"]),
    );
    assert_eq!(
        show(&got)
            .replace(&cpath, "P")
            .replace(&format!("${}", cpath.len()), "$n"),
        show(&want)
            .replace(&rpath, "P")
            .replace(&format!("${}", rpath.len()), "$n")
    );
    // Pub/Sub across the two kinds of client.
    for (u, tcp_addr) in [(&mut c, srv.addr.clone()), (&mut r, redis.addr.clone())] {
        u.cmd(&["SUBSCRIBE", "ch"]);
        let mut t = Conn::connect(&tcp_addr);
        t.expect(&["PUBLISH", "ch", "hello"], ":1\r\n");
        assert_eq!(
            show(&u.reply()),
            show(b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n")
        );
    }
    // The socket's file goes away with the server.
    let mut t = srv.conn();
    t.send_cmd(&["SHUTDOWN", "NOSAVE"]);
    assert!(srv.wait_exit(Duration::from_secs(10)).is_some());
    assert!(
        !std::path::Path::new(&cpath).exists(),
        "socket file left behind"
    );
}
