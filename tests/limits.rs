//! What the OS must grant: the open-files limit `maxclients` needs, TCP
//! keepalive on accepted sockets, and the idle `timeout`.

use std::process::Command;
use std::time::Duration;

use crate::util::*;

/// Starts the server under `sh` after `ulimit_args` (e.g. `-Sn 256`).
fn start_under_ulimit(ulimit_args: &str, args: &[&str]) -> Server {
    let dir = TempDir::new("rlimit");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit {ulimit_args} && exec \"$0\" \"$@\""))
        .arg(bin())
        .args(["--port", "0", "--dir", dir.path()])
        .args(args);
    Server::spawn(cmd, dir)
}

/// The soft "Max open files" of a process, from /proc.
fn open_files_limit(pid: u32) -> u64 {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    line.split_whitespace().nth(3).unwrap().parse().unwrap()
}

#[test]
fn maxclients_raises_the_open_files_limit() {
    let srv = start_under_ulimit("-Sn 256", &["--maxclients", "1000"]);
    assert_eq!(open_files_limit(srv.pid()), 1032);
    assert!(srv.log_contains(
        "Increased maximum number of open files to 1032 (it was originally set to 256)."
    ));
    let mut c = srv.conn();
    assert_eq!(bulks(c.value(&["CONFIG", "GET", "maxclients"]))[1], b"1000");
}

/// More descriptors than the kernel allows anyone (fs.nr_open): even root
/// gets less, so maxclients is lowered to what was granted, minus 32.
#[test]
fn maxclients_is_lowered_to_what_the_os_grants() {
    let nr_open: u64 = std::fs::read_to_string("/proc/sys/fs/nr_open")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let asked = (nr_open + 1000).to_string();
    let srv = start_under_ulimit("-Sn 256", &["--maxclients", &asked]);
    let granted = open_files_limit(srv.pid());
    assert!((256..=nr_open).contains(&granted), "{granted}");
    let mut c = srv.conn();
    let reduced = (granted - 32).to_string();
    assert_eq!(
        bulks(c.value(&["CONFIG", "GET", "maxclients"]))[1],
        reduced.as_bytes()
    );
    assert!(srv.log_contains(&format!(
        "You requested maxclients of {asked} requiring at least {} max file descriptors.",
        nr_open + 1032
    )));
    assert!(srv.log_contains(&format!(
        "maxclients has been reduced to {reduced} to compensate for low ulimit."
    )));
    // CONFIG SET past the limit fails as in Redis and changes nothing.
    let want = format!(
        "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with {reduced}\r\n"
    );
    c.expect(&["CONFIG", "SET", "maxclients", &asked], &want);
    assert_eq!(
        bulks(c.value(&["CONFIG", "GET", "maxclients"]))[1],
        reduced.as_bytes()
    );
}

/// The server side of the connection from local port `peer` to the
/// server's `port`, from /proc/net/tcp: (timer kind, expiry in 1/100 s).
/// Kind 2 on an established socket is the keepalive timer.
fn server_socket_timer(port: u16, peer: u16) -> Option<(u32, u64)> {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap()
        + &std::fs::read_to_string("/proc/net/tcp6").unwrap_or_default();
    let port_of = |a: &str| u16::from_str_radix(a.rsplit(':').next()?, 16).ok();
    table.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        if port_of(f[1])? != port || port_of(f[2])? != peer {
            return None;
        }
        let (kind, when) = f[5].split_once(':')?;
        Some((kind.parse().ok()?, u64::from_str_radix(when, 16).ok()?))
    })
}

#[test]
fn tcp_keepalive_is_set_on_accepted_sockets() {
    let srv = Server::start_with(&["--tcp-keepalive", "60"]);
    let mut c = srv.conn();
    c.expect(&["PING"], "+PONG\r\n");
    let peer = c.s.local_addr().unwrap().port();
    let (kind, when) = server_socket_timer(srv.port(), peer).expect("server socket");
    assert_eq!(kind, 2, "keepalive timer armed");
    // 60 s, not the kernel's 7200 s default.
    assert!((4000..=6000).contains(&when), "expires in {when}/100 s");

    let srv = Server::start_with(&["--tcp-keepalive", "0"]);
    let mut c = srv.conn();
    c.expect(&["PING"], "+PONG\r\n");
    let peer = c.s.local_addr().unwrap().port();
    assert_eq!(server_socket_timer(srv.port(), peer).unwrap().0, 0);
}

#[test]
fn idle_timeout_spares_subscribers() {
    let srv = Server::start_with(&["--timeout", "1"]);
    let mut sub = srv.conn();
    sub.cmd(&["SUBSCRIBE", "ch"]);
    let mut idle = srv.conn();
    idle.expect(&["PING"], "+PONG\r\n");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(idle.read_to_close(), b"");
    let mut p = srv.conn();
    p.expect(&["PUBLISH", "ch", "hi"], ":1\r\n");
    assert_eq!(
        show(&sub.read_reply()),
        show(b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n")
    );
}
