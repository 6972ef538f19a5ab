//! Real client libraries whose operations are Lua scripts, run unmodified
//! against cinnabar-server: BullMQ (a job queue, over ioredis), redis-py's
//! `Lock`, and the `limits` rate limiter. Each is a program under
//! `tests/clients/` that takes the server's port, prints one line per check
//! and exits non-zero on any mismatch.
//!
//! They need node with `npm ci` done in `tests/clients/bullmq`, and python3
//! with `pip install -r tests/clients/requirements.txt`; `.ci/run` does
//! both. A missing package fails the test rather than skipping it. With
//! `CINNABAR_CLIENTS_AGAINST=redis` the programs run against a reference
//! redis-server instead, which checks the programs themselves.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::*;

/// The longest a client program may run; each takes a few seconds at most.
const LIMIT: Duration = Duration::from_secs(90);

/// The server a program runs against, kept alive for the test.
enum Target {
    Cinnabar(Server),
    Redis(Redis),
}

impl Target {
    /// cinnabar-server, or redis-server when CINNABAR_CLIENTS_AGAINST=redis.
    fn start() -> Target {
        match std::env::var("CINNABAR_CLIENTS_AGAINST").as_deref() {
            Ok("redis") => {
                Target::Redis(redis().expect("CINNABAR_CLIENTS_AGAINST=redis needs redis-server"))
            }
            Ok("cinnabar") | Err(_) => {
                Target::Cinnabar(Server::start_with(&["--appendonly", "no"]))
            }
            Ok(other) => panic!("CINNABAR_CLIENTS_AGAINST={other}: want cinnabar or redis"),
        }
    }

    fn addr(&self) -> &str {
        match self {
            Target::Cinnabar(s) => &s.addr,
            Target::Redis(r) => &r.addr,
        }
    }

    fn port(&self) -> String {
        self.addr().rsplit(':').next().unwrap().to_string()
    }
}

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// Runs `program args.. PORT` in `dir` against a fresh target and asserts
/// that it exits 0; its output is shown on failure. The server must still
/// answer afterwards (a crash the client misread would otherwise pass).
fn run_client(dir: &Path, program: &str, args: &[&str]) {
    let target = Target::start();
    let mut child = Command::new(program)
        .args(args)
        .arg(target.port())
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} (is it installed? .ci/run installs it): {e}")
        });
    // Read both pipes on threads so a chatty program cannot block on them.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break Some(st);
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (out, err) = (out_t.join().unwrap(), err_t.join().unwrap());
    let shown = format!("{program} {args:?}\n--- stdout\n{out}--- stderr\n{err}");
    match status {
        None => panic!("did not finish within {LIMIT:?}: {shown}"),
        Some(st) => assert!(st.success(), "exited with {st}: {shown}"),
    }
    let mut c = Conn::connect(target.addr());
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n", "the server after {shown}");
}

/// BullMQ: adding jobs (plain, with a fixed id, prioritised, delayed, in
/// bulk), pause/resume, a Worker processing them with retries and
/// backoff, QueueEvents, job counts, logs, retrying a failed job, clean,
/// drain and obliterate.
#[test]
fn bullmq_queue_and_worker() {
    let dir = clients_dir().join("bullmq");
    assert!(
        dir.join("node_modules/bullmq").is_dir(),
        "BullMQ is not installed: run `npm ci --ignore-scripts` in {} (.ci/run does)",
        dir.display()
    );
    run_client(&dir, "node", &["queue.js"]);
}

/// Whether python3 can import `module`; fails the test naming the fix if not.
fn require_python(module: &str) {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "python3 with {module} is needed: pip install -r {} (.ci/run does)",
        clients_dir().join("requirements.txt").display()
    );
}

/// redis-py's Lock: acquire, release, extend, reacquire and their token
/// checks, expiry, blocking acquires contending between clients, mutual
/// exclusion under threads, and reloading its scripts after SCRIPT FLUSH.
#[test]
fn redis_py_lock() {
    require_python("redis");
    run_client(&clients_dir(), "python3", &["redis_py_lock.py"]);
}

/// The `limits` rate limiter's three strategies (fixed window, moving
/// window, sliding window counter): counting, costs, clearing, windows
/// expiring, the stored timestamps' format, and reset() (KEYS in a script).
#[test]
fn limits_rate_limiter() {
    require_python("limits");
    run_client(&clients_dir(), "python3", &["rate_limits.py"]);
}
