//! Abusive clients: each test runs one kind of abuse against a server
//! while a probe client sends PING and GET in a loop and records its
//! latencies. The probe's replies must all be right, its p99 must stay
//! under a generous bound (the machine is shared), and every reply the
//! abusers were promised must arrive intact.
//!
//! `cargo test --test tests abuse:: -- --nocapture --test-threads=1`
//! prints the numbers that docs/reliability.md records.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::util::*;

/// The probe's p99 must stay below this while any abuse runs.
const P99_BOUND: Duration = Duration::from_millis(200);

/// A client measuring the server's latency from a thread of its own.
struct Probe {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Vec<Duration>>,
}

impl Probe {
    fn start(srv: &Server) -> Probe {
        let mut c = srv.conn();
        c.expect(&["SET", "probe:key", "probe-value"], "+OK\r\n");
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut lat = Vec::new();
            let mut i = 0u64;
            while !stop2.load(Ordering::Relaxed) {
                let t = Instant::now();
                if i.is_multiple_of(2) {
                    c.expect(&["PING"], "+PONG\r\n");
                } else {
                    c.expect(&["GET", "probe:key"], "$11\r\nprobe-value\r\n");
                }
                lat.push(t.elapsed());
                i += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
            lat
        });
        Probe { stop, handle }
    }

    /// Stops the probe, prints its numbers and checks the bound.
    fn finish(self, abuse: &str) {
        self.stop.store(true, Ordering::Relaxed);
        let mut lat = self.handle.join().expect("probe replies were all right");
        lat.sort();
        assert!(
            lat.len() >= 50,
            "{abuse}: the probe got only {} replies",
            lat.len()
        );
        let at = |q: f64| lat[((lat.len() - 1) as f64 * q) as usize];
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        eprintln!(
            "abuse {abuse}: probe n={} p50={:.2}ms p99={:.2}ms max={:.2}ms",
            lat.len(),
            ms(at(0.5)),
            ms(at(0.99)),
            ms(lat[lat.len() - 1])
        );
        assert!(at(0.99) < P99_BOUND, "{abuse}: p99 {:?}", at(0.99));
    }
}

/// Raises this process's open-files limit to `n` (the tests hold
/// thousands of sockets; the server raises its own).
fn raise_nofile(n: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit for both calls; failure is an errno.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        if lim.rlim_cur < n {
            lim.rlim_cur = n.min(lim.rlim_max);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
        }
    }
    assert!(lim.rlim_cur >= n, "ulimit -Hn below {n}");
}

/// Makes `close` send a RST instead of a FIN (no TIME_WAIT left behind).
fn linger_zero(s: &TcpStream) {
    let l = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `l` is a live linger struct and its size is passed.
    let rc = unsafe {
        libc::setsockopt(
            std::os::fd::AsRawFd::as_raw_fd(s),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&l as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0);
}

/// 200 slowloris connections each send one byte every ~5 ms of a PING
/// pipeline; each gets exactly the PONGs its completed commands earned.
#[test]
fn slowloris_senders_do_not_slow_others() {
    let srv = Server::start();
    let probe = Probe::start(&srv);
    let mut conns: Vec<Conn> = (0..200).map(|_| srv.conn()).collect();
    let ping = b"*1\r\n$4\r\nPING\r\n";
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut sent = 0usize;
    while Instant::now() < deadline {
        for c in &mut conns {
            c.send(&ping[sent % ping.len()..][..1]);
        }
        sent += 1;
        std::thread::sleep(Duration::from_millis(5));
    }
    probe.finish("slowloris (200 conns, 1 byte / 5 ms each)");
    let pongs = sent / ping.len();
    assert!(pongs >= 5, "only {pongs} PINGs completed");
    for c in &mut conns {
        for _ in 0..pongs {
            assert_eq!(c.read_reply(), b"+PONG\r\n");
        }
        c.send(&ping[sent % ping.len()..]);
        assert_eq!(c.read_reply(), b"+PONG\r\n");
    }
}

/// A client pipelines 1M commands (GET of a 100-byte value, then INCR,
/// 500k times: 55 MB of replies, far beyond the kernel's socket buffers)
/// and reads nothing for 3 s: backpressure pauses it, the server's memory
/// stays bounded, others are served; when it finally reads, every reply
/// is there, in order.
#[test]
fn million_command_pipeline_that_never_reads() {
    const PAIRS: usize = 500_000;
    let srv = Server::start();
    let mut other = srv.conn();
    let value = "v".repeat(100);
    other.expect(&["SET", "v", &value], "+OK\r\n");
    let rss_before = srv.rss();
    let probe = Probe::start(&srv);
    let c = srv.conn();
    let mut writer = c.s.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let mut one = multibulk(&[b"GET", b"v"]);
        one.extend(multibulk(&[b"INCR", b"counter"]));
        let batch = one.repeat(10_000);
        for _ in 0..PAIRS / 10_000 {
            writer.write_all(&batch).expect("pipeline write");
        }
    });
    std::thread::sleep(Duration::from_secs(3));
    let done: usize = String::from_utf8(other.cmd(&["GET", "counter"]))
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        done < PAIRS / 2,
        "backpressure should have paused it at {done}"
    );
    let grown = srv.rss().saturating_sub(rss_before);
    assert!(grown < 64 << 20, "server grew by {grown} bytes");
    probe.finish("1M-command pipeline, not reading");
    // Now read everything: every reply, in order.
    let mut r = std::io::BufReader::with_capacity(1 << 20, c.s);
    let mut line = String::new();
    let mut next = |want: &str| {
        line.clear();
        std::io::BufRead::read_line(&mut r, &mut line).unwrap();
        assert_eq!(line, want);
    };
    let value_line = format!("{value}\r\n");
    for i in 1..=PAIRS {
        next("$100\r\n");
        next(&value_line);
        next(&format!(":{i}\r\n"));
    }
    sender.join().unwrap();
    other.expect(&["GET", "counter"], "$6\r\n500000\r\n");
}

/// With proto-max-bulk-len 8mb a value of exactly 8 MB is stored, and one
/// byte more is a protocol error that closes only that client.
#[test]
fn values_at_proto_max_bulk_len() {
    const MAX: usize = 8 * 1024 * 1024;
    let srv = Server::start_with(&["--proto-max-bulk-len", "8mb"]);
    let probe = Probe::start(&srv);
    let value: Vec<u8> = (0..MAX).map(|i| (i % 253) as u8).collect();
    let mut c = srv.conn();
    for _ in 0..3 {
        assert_eq!(c.cmdb(&[b"SET", b"max", &value]), b"+OK\r\n");
        let reply = c.cmd(&["GET", "max"]);
        assert_eq!(&reply[..10], b"$8388608\r\n");
        assert!(reply[10..10 + MAX] == value[..]);
        let mut over = srv.conn();
        // The header alone is refused: sending the 8 MB after it would
        // race the server's close (a reset can eat the error reply).
        over.send(b"*3\r\n$3\r\nSET\r\n$4\r\nover\r\n$8388609\r\n");
        assert_eq!(
            show(&over.read_to_close()),
            show(b"-ERR Protocol error: invalid bulk length\r\n")
        );
    }
    probe.finish("8 MB values at proto-max-bulk-len, +1 byte rejected");
    c.expect(&["EXISTS", "over"], ":0\r\n");
    c.expect(&["STRLEN", "max"], ":8388608\r\n");
}

/// 2000 connections each hold half a SET; the server keeps serving, and
/// when each sends its second half, each SET is done.
#[test]
fn many_connections_holding_half_a_command() {
    const N: usize = 2000;
    raise_nofile(N as u64 + 200);
    let srv = Server::start();
    let probe = Probe::start(&srv);
    let mut conns: Vec<(Conn, Vec<u8>)> = (0..N)
        .map(|i| {
            let key = format!("half:{i}");
            let cmd = multibulk(&[b"SET", key.as_bytes(), b"complete"]);
            let mut c = srv.conn();
            c.send(&cmd[..cmd.len() / 2]);
            (c, cmd[cmd.len() / 2..].to_vec())
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    probe.finish("2000 conns holding half a command");
    for (c, rest) in &mut conns {
        c.send(rest);
    }
    for (c, _) in &mut conns {
        assert_eq!(c.read_reply(), b"+OK\r\n");
    }
    let mut c = srv.conn();
    c.expect(&["DBSIZE"], &format!(":{}\r\n", N + 1));
    c.expect(&["GET", "half:1999"], "$8\r\ncomplete\r\n");
}

/// 20k connects and disconnects from 4 threads: plain closes, resets,
/// a PING each, and closes with unread or unsent data.
#[test]
fn connect_disconnect_storm() {
    const THREADS: usize = 4;
    const EACH: usize = 5000;
    let srv = Server::start();
    let probe = Probe::start(&srv);
    let before: u64 = info_field(&mut srv.conn(), "total_connections_received")
        .parse()
        .unwrap();
    let storms: Vec<_> = (0..THREADS)
        .map(|t| {
            let addr = srv.addr.clone();
            std::thread::spawn(move || {
                for i in 0..EACH {
                    let mut s = TcpStream::connect(&addr).expect("connect");
                    match (i + t) % 4 {
                        0 => {}
                        1 => linger_zero(&s),
                        2 => {
                            s.write_all(b"PING\r\n").unwrap();
                            let mut b = [0u8; 7];
                            s.read_exact(&mut b).unwrap();
                            assert_eq!(&b, b"+PONG\r\n");
                        }
                        _ => {
                            // Half a command, then a reset.
                            s.write_all(b"*2\r\n$4\r\nECHO\r\n$5\r\nab").unwrap();
                            linger_zero(&s);
                        }
                    }
                }
            })
        })
        .collect();
    for s in storms {
        s.join().unwrap();
    }
    probe.finish("20k connects/disconnects from 4 threads");
    let mut c = srv.conn();
    let after: u64 = info_field(&mut c, "total_connections_received")
        .parse()
        .unwrap();
    assert!(
        after - before > (THREADS * EACH) as u64,
        "{before} -> {after}"
    );
    // Every closed connection is eventually noticed and freed.
    let mut clients = String::new();
    let freed = wait_until(Duration::from_secs(10), || {
        clients = info_field(&mut c, "connected_clients");
        clients == "1"
    });
    assert!(freed, "connected_clients {clients}");
}

/// Rounds of 10 clients pipeline 40 commands each and shut down their
/// write side at once, for 2 s; each still gets every reply, in order,
/// before the server closes.
#[test]
fn many_half_closed_sockets_get_all_replies() {
    let srv = Server::start();
    let probe = Probe::start(&srv);
    let value = vec![b'h'; 4096];
    srv.conn().cmdb(&[b"SET", b"hc", &value]);
    let start = Instant::now();
    let mut rounds = 0;
    while start.elapsed() < Duration::from_secs(2) {
        let clients: Vec<_> = (0..10)
            .map(|_| {
                let addr = srv.addr.clone();
                std::thread::spawn(move || {
                    let mut c = Conn::connect(&addr);
                    c.send(&b"GET hc\r\nINCR n\r\n".repeat(20));
                    c.s.shutdown(Shutdown::Write).unwrap();
                    let mut all = c.read_to_close();
                    let mut replies = Vec::new();
                    while let Ok(Some((v, used))) = parse_reply(&all) {
                        replies.push(v);
                        all.drain(..used);
                    }
                    assert!(all.is_empty(), "trailing bytes");
                    replies
                })
            })
            .collect();
        for h in clients {
            let replies = h.join().unwrap();
            assert_eq!(replies.len(), 40);
            for pair in replies.chunks(2) {
                assert_eq!(pair[0], Value::Bulk(vec![b'h'; 4096]));
                assert!(matches!(pair[1], Value::Int(_)));
            }
        }
        rounds += 1;
    }
    probe.finish("rounds of 10 half-closed pipelines, 40 commands each");
    srv.conn().expect(
        &["GET", "n"],
        &format!(
            "${}\r\n{}\r\n",
            (rounds * 200).to_string().len(),
            rounds * 200
        ),
    );
}

/// Clients ask for a 50 MB GET or a 1M-element LRANGE, read a little and
/// disconnect (half with a reset): the server drops the rest and lives.
#[test]
fn disconnect_in_the_middle_of_a_large_reply() {
    let srv = Server::start();
    let mut c = srv.conn();
    let big = vec![b'b'; 50 * 1024 * 1024];
    assert_eq!(c.cmdb(&[b"SET", b"big", &big]), b"+OK\r\n");
    drop(big);
    let mut push = Vec::new();
    for chunk in 0..1000 {
        let mut args: Vec<Vec<u8>> = vec![b"RPUSH".to_vec(), b"list".to_vec()];
        args.extend((0..1000).map(|i| format!("{}", chunk * 1000 + i).into_bytes()));
        let refs: Vec<&[u8]> = args.iter().map(|a| &a[..]).collect();
        push.extend_from_slice(&multibulk(&refs));
    }
    c.send(&push);
    for chunk in 1..=1000 {
        assert_eq!(c.read_reply(), format!(":{}\r\n", chunk * 1000).as_bytes());
    }
    let probe = Probe::start(&srv);
    for round in 0..6 {
        let mut q = srv.conn();
        if round % 2 == 0 {
            q.send_cmd(&["GET", "big"]);
        } else {
            q.send_cmd(&["LRANGE", "list", "0", "-1"]);
        }
        let mut buf = vec![0u8; 256 * 1024];
        q.s.read_exact(&mut buf).unwrap();
        if round % 3 == 0 {
            linger_zero(&q.s);
        }
        drop(q);
        std::thread::sleep(Duration::from_millis(300));
    }
    probe.finish("disconnects mid-reply (50 MB GET, 1M-element LRANGE)");
    c.expect(&["STRLEN", "big"], ":52428800\r\n");
    c.expect(&["LLEN", "list"], ":1000000\r\n");
    assert!(wait_until(Duration::from_secs(10), || {
        info_field(&mut c, "connected_clients") == "1"
    }));
}

/// Each process hashes with its own random key: the same 1000 keys come
/// back from SCAN in a different order from two fresh servers, so a set
/// of colliding keys cannot be computed offline for any server.
#[test]
fn two_servers_hash_the_same_keys_differently() {
    let order = || {
        let srv = Server::start();
        let mut c = srv.conn();
        let mut mset: Vec<String> = vec!["MSET".into()];
        for i in 0..1000 {
            mset.push(format!("key:{i}"));
            mset.push("v".into());
        }
        let args: Vec<&str> = mset.iter().map(|s| s.as_str()).collect();
        c.expect(&args, "+OK\r\n");
        let Value::Array(reply) = c.value(&["SCAN", "0", "COUNT", "100000"]) else {
            panic!("SCAN reply")
        };
        assert_eq!(reply[0], Value::Bulk(b"0".to_vec()));
        bulks(reply[1].clone())
    };
    let (a, b) = (order(), order());
    assert_eq!(a.len(), 1000);
    assert_eq!(
        a.iter().collect::<std::collections::BTreeSet<_>>(),
        b.iter().collect()
    );
    assert_ne!(a, b);
}
