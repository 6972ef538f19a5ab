//! Test support: spawn the real `cinnabar-server` (and, for differential
//! tests, `redis-server`) on ephemeral ports, and talk raw RESP to them.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

pub use cinnabar::client::{parse_reply, Value};

static NEXT_DIR: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty temporary directory, removed by [`TempDir::drop`].
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let n = NEXT_DIR.fetch_add(1, Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!("cinnabar-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running server process, killed on drop.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub dir: TempDir,
    /// Every log line printed so far.
    pub log: Arc<Mutex<Vec<String>>>,
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cinnabar-server")
}

impl Server {
    /// Starts cinnabar-server on an ephemeral port with a temporary dir.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts cinnabar-server with extra arguments.
    pub fn start_with(args: &[&str]) -> Server {
        let dir = TempDir::new("srv");
        let mut cmd = Command::new(bin());
        cmd.args(["--port", "0", "--dir", dir.path()]).args(args);
        Server::spawn(cmd, dir)
    }

    /// Starts cinnabar-server with `dir` as its directory (which outlives
    /// the server, for restart tests).
    pub fn start_in(dir: &str, args: &[&str]) -> Server {
        let mut cmd = Command::new(bin());
        cmd.args(["--port", "0", "--dir", dir]).args(args);
        Server::spawn(cmd, TempDir::new("unused"))
    }

    /// Spawns a prepared command and waits for its ready line.
    pub fn spawn(mut cmd: Command, dir: TempDir) -> Server {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .env_remove("RUST_LOG")
            .spawn()
            .expect("spawn cinnabar-server");
        let out = child.stdout.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let log2 = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if let Some(i) = line.find("Ready to accept connections tcp ") {
                    let addr = line[i + "Ready to accept connections tcp ".len()..]
                        .trim()
                        .to_string();
                    let _ = tx.send(addr);
                }
                log2.lock().unwrap().push(line);
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("server did not report its address");
        Server {
            child,
            addr,
            dir,
            log,
        }
    }

    pub fn conn(&self) -> Conn {
        Conn::connect(&self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.rsplit(':').next().unwrap().parse().unwrap()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit; returns its exit status code.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Whether the log has a line containing `needle`, waiting up to 5 s
    /// for the reader thread to catch up.
    pub fn log_contains(&self, needle: &str) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if self.log.lock().unwrap().iter().any(|l| l.contains(needle)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// Resident memory of the server process in bytes.
    pub fn rss(&self) -> u64 {
        let statm =
            std::fs::read_to_string(format!("/proc/{}/statm", self.pid())).unwrap_or_default();
        statm
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(0)
            * 4096
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw RESP connection.
pub struct Conn {
    pub s: TcpStream,
    buf: Vec<u8>,
}

/// Encodes a command as a multibulk.
pub fn multibulk(args: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    cinnabar::client::encode(&mut out, args);
    out
}

/// Renders bytes readably for assertion messages.
pub fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .replace('\r', "\\r")
        .replace('\n', "\\n")
}

impl Conn {
    pub fn connect(addr: &str) -> Conn {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.set_nodelay(true).unwrap();
        Conn { s, buf: Vec::new() }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).expect("send");
    }

    /// Sends a command (string arguments) without waiting for its reply.
    pub fn send_cmd(&mut self, args: &[&str]) {
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        self.send(&multibulk(&a));
    }

    /// Reads exactly one reply and returns its raw bytes.
    pub fn read_reply(&mut self) -> Vec<u8> {
        loop {
            if let Some((_, used)) = parse_reply(&self.buf).expect("valid RESP") {
                return self.buf.drain(..used).collect();
            }
            let mut chunk = [0u8; 65536];
            let n = self.s.read(&mut chunk).expect("read reply");
            assert!(n > 0, "connection closed; partial: {}", show(&self.buf));
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads one reply, or `None` if the connection fails first.
    pub fn try_read_reply(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Ok(Some((_, used))) = parse_reply(&self.buf) {
                return Some(self.buf.drain(..used).collect());
            }
            let mut chunk = [0u8; 65536];
            match self.s.read(&mut chunk) {
                Ok(n) if n > 0 => self.buf.extend_from_slice(&chunk[..n]),
                _ => return None,
            }
        }
    }

    /// Reads one reply and parses it.
    pub fn read_value(&mut self) -> Value {
        let raw = self.read_reply();
        parse_reply(&raw).unwrap().unwrap().0
    }

    /// Sends a command (string arguments) and returns the raw reply.
    pub fn cmd(&mut self, args: &[&str]) -> Vec<u8> {
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        self.cmdb(&a)
    }

    /// Sends a command (byte arguments) and returns the raw reply.
    pub fn cmdb(&mut self, args: &[&[u8]]) -> Vec<u8> {
        self.send(&multibulk(args));
        self.read_reply()
    }

    /// Sends a command and parses the reply.
    pub fn value(&mut self, args: &[&str]) -> Value {
        let raw = self.cmd(args);
        parse_reply(&raw).unwrap().unwrap().0
    }

    /// Asserts the exact reply bytes of a command.
    #[track_caller]
    pub fn expect(&mut self, args: &[&str], want: &str) {
        let got = self.cmd(args);
        assert_eq!(show(&got), show(want.as_bytes()), "reply to {args:?}");
    }

    /// Reads until the server closes the connection.
    pub fn read_to_close(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.buf);
        let _ = self.s.read_to_end(&mut out);
        out
    }
}

/// A reference redis-server for differential tests.
pub struct Redis {
    child: Child,
    pub addr: String,
    _dir: TempDir,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Whether the Redis tools must be present (CI sets CINNABAR_REQUIRE_REDIS=1).
fn required() -> bool {
    std::env::var("CINNABAR_REQUIRE_REDIS").is_ok_and(|v| v == "1")
}

/// Whether an external tool is available; panics when it is missing and
/// CINNABAR_REQUIRE_REDIS=1.
pub fn tool(cmd: &str) -> bool {
    if have(cmd) {
        return true;
    }
    assert!(!required(), "{cmd} not found and CINNABAR_REQUIRE_REDIS=1");
    eprintln!("skipping: {cmd} not installed");
    false
}

/// A free TCP port on loopback (for redis-server, which cannot bind port 0).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts redis-server if installed, in a temporary directory, without
/// persistence and with DEBUG allowed (tests turn active expiry off).
pub fn redis() -> Option<Redis> {
    let dir = TempDir::new("redis");
    let args = ["--appendonly", "no", "--enable-debug-command", "yes"];
    let mut r = redis_in(dir.path(), &args)?;
    r._dir = dir;
    Some(r)
}

/// Polls `cond` every 20 ms for up to `limit`; returns whether it held.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

/// Waits up to 5 s until the server `c` is connected to has `n` blocked
/// clients; panics if it does not.
#[track_caller]
pub fn wait_blocked(c: &mut Conn, n: usize) {
    let want = n.to_string();
    assert!(
        wait_until(Duration::from_secs(5), || info_field(c, "blocked_clients")
            == want),
        "expected {n} blocked clients"
    );
}

/// The value of one INFO field.
pub fn info_field(c: &mut Conn, field: &str) -> String {
    let info = String::from_utf8(c.cmd(&["INFO", "everything"])).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or("")
        .trim()
        .to_string()
}

/// The whole dataset of databases 0..16: (db, key) -> (GET reply bytes,
/// PEXPIRETIME reply bytes). Works against cinnabar and redis alike.
pub type Dataset = std::collections::BTreeMap<(u8, Vec<u8>), (Vec<u8>, Vec<u8>)>;

/// See [`Dataset`].
pub fn dump(c: &mut Conn) -> Dataset {
    let mut all = std::collections::BTreeMap::new();
    for db in 0..16u8 {
        c.cmd(&["SELECT", &db.to_string()]);
        let keys = match c.value(&["KEYS", "*"]) {
            Value::Array(v) => v,
            other => panic!("{other:?}"),
        };
        for k in keys {
            let k = k.as_bytes().unwrap().to_vec();
            let v = c.cmdb(&[b"GET", &k]);
            let t = c.cmdb(&[b"PEXPIRETIME", &k]);
            all.insert((db, k), (v, t));
        }
    }
    c.cmd(&["SELECT", "0"]);
    all
}

/// A redis-server started with `args` (extra to port and bind) in `dir`.
pub fn redis_in(dir: &str, args: &[&str]) -> Option<Redis> {
    if !tool("redis-server") {
        return None;
    }
    for _ in 0..5 {
        let port = free_port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                dir,
            ])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        let addr = format!("127.0.0.1:{port}");
        let mut r = Redis {
            child,
            addr,
            _dir: TempDir::new("unused"),
        };
        let up = wait_until(Duration::from_secs(10), || {
            if let Ok(Some(_)) = r.child.try_wait() {
                return true;
            }
            TcpStream::connect(&r.addr).is_ok()
        });
        if up && matches!(r.child.try_wait(), Ok(None)) {
            // Wait until loading finished.
            let mut c = Conn::connect(&r.addr);
            if wait_until(Duration::from_secs(10), || c.cmd(&["PING"]) == b"+PONG\r\n") {
                return Some(r);
            }
        }
        let _ = r.child.kill();
    }
    panic!("redis-server did not start");
}

impl Redis {
    /// Stops redis-server with SHUTDOWN and waits for it to exit.
    pub fn shutdown(mut self) {
        let mut c = Conn::connect(&self.addr);
        c.send(b"SHUTDOWN\r\n");
        let _ = c.read_to_close();
        let _ = self.child.wait();
    }
}

/// A small deterministic PRNG for the random command generators, so a
/// failing seed can be replayed (CINNABAR_SEED).
pub struct Gen(pub u64);

impl Gen {
    /// The next 64 pseudo-random bits (xorshift).
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// True with the given probability in percent.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// The seeds a random differential test runs: CINNABAR_SEED alone when
/// set, otherwise `defaults`.
pub fn seeds(defaults: impl Iterator<Item = u64>) -> Vec<u64> {
    match std::env::var("CINNABAR_SEED") {
        Ok(s) => vec![s.parse().expect("CINNABAR_SEED is a number")],
        Err(_) => defaults.collect(),
    }
}

/// Runs `redis-benchmark -t tests -n n -q` against `port`, requires a
/// clean exit without WARNING or ERR, and returns each test's final line.
pub fn run_redis_benchmark(port: u16, tests: &str, n: &str) -> Vec<String> {
    run_redis_benchmark_with(port, &[], tests, n)
}

/// [`run_redis_benchmark`] with extra redis-benchmark options.
pub fn run_redis_benchmark_with(port: u16, extra: &[&str], tests: &str, n: &str) -> Vec<String> {
    let out = Command::new("redis-benchmark")
        .args(["-p", &port.to_string(), "-t", tests, "-n", n, "-q"])
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let all = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{all}");
    assert!(!all.contains("WARNING") && !all.contains("ERR"), "{all}");
    // The final line of each test (after the \r progress lines).
    stdout
        .split(['\n', '\r'])
        .filter(|l| l.contains("requests per second"))
        .map(|l| l.trim_start().to_string())
        .collect()
}

/// Asserts that `finals` (from [`run_redis_benchmark`]) has a line for
/// every test in `names`.
#[track_caller]
pub fn assert_benchmarked(finals: &[String], names: &[&str]) {
    for t in names {
        assert!(
            finals.iter().any(|l| l.starts_with(&format!("{t}:"))),
            "{t} missing: {finals:?}"
        );
    }
}

/// The WRONGTYPE error reply, as sent.
pub const WRONGTYPE: &str =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/// The elements of an array (or RESP3 set) reply of bulk strings.
pub fn bulks(v: Value) -> Vec<Vec<u8>> {
    match v {
        Value::Array(items) => items
            .into_iter()
            .map(|x| x.as_bytes().expect("bulk").to_vec())
            .collect(),
        other => panic!("not an array: {other:?}"),
    }
}
