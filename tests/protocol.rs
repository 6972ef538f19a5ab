//! Framing, pipelining, inline commands, protocol errors, limits and
//! backpressure.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::util::*;

#[test]
fn pipelined_commands_get_replies_in_order() {
    let srv = Server::start();
    let mut c = srv.conn();
    let mut batch = Vec::new();
    for i in 0..1000 {
        batch.extend(multibulk(&[
            b"SET",
            format!("k{i}").as_bytes(),
            format!("{i}").as_bytes(),
        ]));
        batch.extend(multibulk(&[b"GET", format!("k{i}").as_bytes()]));
    }
    c.send(&batch);
    for i in 0..1000 {
        assert_eq!(c.read_reply(), b"+OK\r\n");
        let want = format!("${}\r\n{i}\r\n", i.to_string().len());
        assert_eq!(show(&c.read_reply()), show(want.as_bytes()));
    }
}

#[test]
fn byte_at_a_time_sender_is_served() {
    let srv = Server::start();
    let mut c = srv.conn();
    for b in b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$3\r\nxyz\r\nGET a\r\n" {
        c.send(&[*b]);
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(c.read_reply(), b"+OK\r\n");
    assert_eq!(c.read_reply(), b"$3\r\nxyz\r\n");
}

#[test]
fn inline_commands_with_quotes() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.send(b"PING\r\nSET k \"a b\\x41\"\r\nGET k\r\nECHO 'it\\'s'\n\r\n   \r\nPING hi\r\n");
    assert_eq!(c.read_reply(), b"+PONG\r\n");
    assert_eq!(c.read_reply(), b"+OK\r\n");
    assert_eq!(c.read_reply(), b"$4\r\na bA\r\n");
    assert_eq!(c.read_reply(), b"$4\r\nit's\r\n");
    assert_eq!(c.read_reply(), b"$2\r\nhi\r\n");
}

/// Sends `input` and expects exactly `want` followed by the server closing.
#[track_caller]
fn protocol_error(input: &[u8], want: &str) {
    let srv = Server::start();
    let mut c = srv.conn();
    c.send(input);
    let got = c.read_to_close();
    assert_eq!(show(&got), show(want.as_bytes()), "input {}", show(input));
    // The server is still fine for everyone else.
    srv.conn().expect(&["PING"], "+PONG\r\n");
}

#[test]
fn protocol_errors_reply_then_close() {
    protocol_error(
        b"*abc\r\n",
        "-ERR Protocol error: invalid multibulk length\r\n",
    );
    protocol_error(
        b"*3000000000\r\n",
        "-ERR Protocol error: invalid multibulk length\r\n",
    );
    protocol_error(
        b"*1\r\n:1\r\n",
        "-ERR Protocol error: expected '$', got ':'\r\n",
    );
    protocol_error(
        b"*1\r\n$-1\r\n",
        "-ERR Protocol error: invalid bulk length\r\n",
    );
    protocol_error(
        b"*1\r\n$x\r\n",
        "-ERR Protocol error: invalid bulk length\r\n",
    );
    protocol_error(
        b"*1\r\n$536870913\r\n",
        "-ERR Protocol error: invalid bulk length\r\n",
    );
    protocol_error(
        b"SET \"a\r\n",
        "-ERR Protocol error: unbalanced quotes in request\r\n",
    );
    // Commands before the error run; nothing after it does.
    protocol_error(
        b"PING\r\n*1\r\n+PING\r\nPING\r\n",
        "+PONG\r\n-ERR Protocol error: expected '$', got '+'\r\n",
    );
    let mut long_inline = vec![b'a'; 70_000];
    long_inline.push(b' ');
    protocol_error(
        &long_inline,
        "-ERR Protocol error: too big inline request\r\n",
    );
    let mut long_count = b"*1\r\n$".to_vec();
    long_count.extend(std::iter::repeat_n(b'9', 70_000));
    protocol_error(
        &long_count,
        "-ERR Protocol error: too big bulk count string\r\n",
    );
}

#[test]
fn empty_multibulk_and_blank_lines_are_ignored() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.send(b"*0\r\n*-1\r\n\r\n\n*1\r\n$4\r\nPING\r\n");
    assert_eq!(c.read_reply(), b"+PONG\r\n");
}

#[test]
fn proto_max_bulk_len_is_configurable() {
    let srv = Server::start_with(&["--proto-max-bulk-len", "2mb"]);
    let mut c = srv.conn();
    c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2097153\r\n");
    assert_eq!(
        show(&c.read_to_close()),
        show(b"-ERR Protocol error: invalid bulk length\r\n")
    );
    let mut c = srv.conn();
    let big = vec![b'x'; 2 * 1024 * 1024];
    assert_eq!(c.cmdb(&[b"SET", b"k", &big]), b"+OK\r\n");
    assert_eq!(c.cmd(&["STRLEN", "k"]), b":2097152\r\n");
}

#[test]
fn large_values_round_trip() {
    let srv = Server::start();
    let mut c = srv.conn();
    let big: Vec<u8> = (0..20 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    assert_eq!(c.cmdb(&[b"SET", b"big", &big]), b"+OK\r\n");
    let reply = c.cmd(&["GET", "big"]);
    let header = format!("${}\r\n", big.len());
    assert_eq!(&reply[..header.len()], header.as_bytes());
    assert_eq!(&reply[header.len()..reply.len() - 2], &big[..]);
}

#[test]
fn query_buffer_limit_closes_client() {
    let srv = Server::start_with(&["--client-query-buffer-limit", "1mb"]);
    let mut c = srv.conn();
    // A bulk header promising 4 MB, then 2 MB of payload: the unparsed
    // input passes the 1 MB limit and the client is dropped.
    c.send(b"*2\r\n$4\r\nECHO\r\n$4000000\r\n");
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..32 {
        if c.s.write_all(&chunk).is_err() {
            break;
        }
    }
    let got = c.read_to_close();
    assert!(got.is_empty(), "no reply expected, got {}", show(&got));
    srv.conn().expect(&["PING"], "+PONG\r\n");
}

/// A client that pipelines big replies without reading them is paused at
/// about `client-output-pause` bytes of unsent output: the server's memory
/// stays bounded and other clients keep being served.
#[test]
fn backpressure_bounds_memory_of_a_client_that_does_not_read() {
    const N: usize = 10_000;
    let srv = Server::start();
    let mut c = srv.conn();
    let value = vec![b'v'; 100 * 1024];
    assert_eq!(c.cmdb(&[b"SET", b"big", &value]), b"+OK\r\n");
    let rss_before = srv.rss();
    // 10k GETs of 100 KB: 1 GB of replies if buffered without bound.
    let get = multibulk(&[b"GET", b"big"]);
    let batch: Vec<u8> = get.iter().copied().cycle().take(get.len() * N).collect();
    let mut writer = c.s.try_clone().unwrap();
    let sender = std::thread::spawn(move || writer.write_all(&batch).is_ok());
    std::thread::sleep(Duration::from_secs(1));
    let mut other = srv.conn();
    let t = Instant::now();
    other.expect(&["PING"], "+PONG\r\n");
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "other client stalled"
    );
    let grown = srv.rss().saturating_sub(rss_before);
    assert!(grown < 64 * 1024 * 1024, "server grew by {grown} bytes");
    // Reading the replies lets the pipeline finish, and every reply arrives.
    let reply_len = format!("${}\r\n", value.len()).len() + value.len() + 2;
    let mut want = reply_len * N;
    let mut buf = vec![0u8; 1 << 20];
    while want > 0 {
        let n =
            c.s.read(&mut buf[..want.min(1 << 20)])
                .expect("read replies");
        assert!(n > 0, "closed with {want} bytes of replies missing");
        want -= n;
    }
    assert!(sender.join().unwrap());
    assert!(srv.rss() < rss_before + 64 * 1024 * 1024);
}

#[test]
fn garbage_input_never_crashes_the_server() {
    let srv = Server::start();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for round in 0..200 {
        let mut c = srv.conn();
        let mut junk = Vec::new();
        for _ in 0..(round % 50 + 1) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let pick = [
                b'*', b'$', b'\r', b'\n', b'1', b'-', b'"', b'\'', b'a', b' ', 0u8, 0xff,
            ];
            junk.push(pick[(seed % pick.len() as u64) as usize]);
        }
        c.send(&junk);
        c.s.shutdown(std::net::Shutdown::Write).unwrap();
        let _ = c.read_to_close();
    }
    srv.conn().expect(&["PING"], "+PONG\r\n");
}

#[test]
fn half_closed_client_still_gets_its_replies() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.send(b"SET a 1\r\nGET a\r\n");
    c.s.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(show(&c.read_to_close()), show(b"+OK\r\n$1\r\n1\r\n"));
}

/// A reply that pushes a client past the hard output limit closes it, as
/// in Redis; ordinary replies under 16 KB never count against the limit.
#[test]
fn client_output_buffer_hard_limit_closes_the_client() {
    let srv = Server::start_with(&["--client-output-buffer-limit", "normal 100kb 0 0"]);
    let mut c = srv.conn();
    let big = vec![b'x'; 1024 * 1024];
    assert_eq!(c.cmdb(&[b"SET", b"big", &big]), b"+OK\r\n");
    c.expect(&["SET", "small", "v"], "+OK\r\n");
    c.send(&multibulk(&[b"GET", b"big"]));
    assert_eq!(c.read_to_close(), b"");
    let mut d = srv.conn();
    d.expect(&["GET", "small"], "$1\r\nv\r\n");
    let info = String::from_utf8(d.cmd(&["INFO", "stats"])).unwrap();
    assert!(
        info.contains("client_output_buffer_limit_disconnections:1"),
        "{info}"
    );
}
