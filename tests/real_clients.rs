//! Real client libraries whose operations are Lua scripts, run unmodified
//! against cinnabar-server: BullMQ (a job queue, over ioredis), Redlock
//! (over three servers), redis-py's `Lock`, and the `limits` rate limiter.
//! Each is a program under `tests/clients/` that takes the servers' ports,
//! prints one line per check and exits non-zero on any mismatch.
//!
//! They need node with `npm ci` done in `tests/clients/node`, and python3
//! with `pip install -r tests/clients/requirements.txt`:
//! `tests/clients/install.sh` does both (`.ci/run` runs it, and
//! `scripts/test.sh` when they are missing). A missing package fails the
//! test rather than skipping it. With
//! `CINNABAR_CLIENTS_AGAINST=redis` the programs run against a reference
//! redis-server instead, which checks the programs themselves.

use std::collections::BTreeMap;
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

/// Whether CINNABAR_CLIENTS_AGAINST asks for redis-server.
fn against_redis() -> bool {
    match std::env::var("CINNABAR_CLIENTS_AGAINST").as_deref() {
        Ok("redis") => true,
        Ok("cinnabar") | Err(_) => false,
        Ok(other) => panic!("CINNABAR_CLIENTS_AGAINST={other}: want cinnabar or redis"),
    }
}

impl Target {
    /// cinnabar-server, or redis-server when CINNABAR_CLIENTS_AGAINST=redis,
    /// without persistence.
    fn start() -> Target {
        if against_redis() {
            Target::Redis(redis().expect("CINNABAR_CLIENTS_AGAINST=redis needs redis-server"))
        } else {
            Target::Cinnabar(Server::start_with(&["--appendonly", "no"]))
        }
    }

    /// The same, with an AOF in `dir` (which outlives the server).
    fn start_in(dir: &str) -> Target {
        let args = ["--appendonly", "yes"];
        if against_redis() {
            Target::Redis(redis_in(dir, &args).expect("needs redis-server"))
        } else {
            Target::Cinnabar(Server::start_in(dir, &args))
        }
    }

    /// SHUTDOWN, which flushes the AOF, and waits for the process to end.
    fn shutdown(self) {
        match self {
            Target::Redis(r) => r.shutdown(),
            Target::Cinnabar(mut s) => {
                let mut c = s.conn();
                c.send(b"SHUTDOWN\r\n");
                let _ = c.read_to_close();
                assert!(
                    s.wait_exit(Duration::from_secs(10)).is_some(),
                    "no exit after SHUTDOWN"
                );
            }
        }
    }

    fn addr(&self) -> &str {
        match self {
            Target::Cinnabar(s) => &s.addr,
            Target::Redis(r) => &r.addr,
        }
    }

    fn conn(&self) -> Conn {
        Conn::connect(self.addr())
    }

    fn port(&self) -> String {
        self.addr().rsplit(':').next().unwrap().to_string()
    }
}

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// The node programs' directory, failing the test if `npm ci` was not run.
fn node_dir() -> PathBuf {
    let dir = clients_dir().join("node");
    assert!(
        dir.join("node_modules/bullmq").is_dir() && dir.join("node_modules/redlock").is_dir(),
        "the node packages are not installed in {}: run tests/clients/install.sh",
        dir.display()
    );
    dir
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
        "python3 with {module} is needed: run tests/clients/install.sh"
    );
}

/// Runs `program script PORT.. extra..` in `dir` against `targets` and
/// asserts that it exits 0; its output is shown on failure. The servers
/// must still answer afterwards (a crash the client misread would
/// otherwise pass).
fn run_client(targets: &[&Target], dir: &Path, program: &str, script: &str, extra: &[&str]) {
    let mut child = Command::new(program)
        .arg(script)
        .args(targets.iter().map(|t| t.port()))
        .args(extra)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program} (tests/clients/install.sh): {e}"));
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
    let shown = format!("{program} {script} {extra:?}\n--- stdout\n{out}--- stderr\n{err}");
    match status {
        None => panic!("did not finish within {LIMIT:?}: {shown}"),
        Some(st) => assert!(st.success(), "exited with {st}: {shown}"),
    }
    for t in targets {
        assert_eq!(
            t.conn().cmd(&["PING"]),
            b"+PONG\r\n",
            "a server after {shown}"
        );
    }
}

/// One reply, parsed.
fn value(c: &mut Conn, args: &[&[u8]]) -> Value {
    let raw = c.cmdb(args);
    parse_reply(&raw).unwrap().expect("a whole reply").0
}

/// A reply as readable text (bulk strings as quoted UTF-8, lossily).
fn render(v: &Value) -> String {
    match v {
        Value::Bulk(b) => format!("{:?}", String::from_utf8_lossy(b)),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(render).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Int(i) => i.to_string(),
        Value::Status(s) => s.clone(),
        Value::Error(e) => format!("-{e}"),
        Value::Nil => "nil".to_string(),
        other => format!("{other:?}"),
    }
}

/// Bulk strings, sorted, as readable text.
fn sorted_text(mut items: Vec<Vec<u8>>) -> String {
    items.sort();
    render(&Value::Array(items.into_iter().map(Value::Bulk).collect()))
}

/// Every key of database 0: its type and contents as text that does not
/// depend on hash table order, and its PEXPIRETIME.
fn snapshot(c: &mut Conn) -> BTreeMap<String, (String, i64)> {
    let mut all = BTreeMap::new();
    for key in bulks(value(c, &[b"KEYS", b"*"])) {
        let k = &key[..];
        let ty = render(&value(c, &[b"TYPE", k]));
        let contents = match ty.as_str() {
            "string" => render(&value(c, &[b"GET", k])),
            "list" => render(&value(c, &[b"LRANGE", k, b"0", b"-1"])),
            "hash" => {
                let flat = bulks(value(c, &[b"HGETALL", k]));
                let pairs = flat.chunks(2).map(|p| [&p[0][..], b"=", &p[1]].concat());
                sorted_text(pairs.collect())
            }
            "set" => sorted_text(bulks(value(c, &[b"SMEMBERS", k]))),
            "zset" => render(&value(c, &[b"ZRANGE", k, b"0", b"-1", b"WITHSCORES"])),
            "stream" => {
                let info = match value(c, &[b"XINFO", b"STREAM", k]) {
                    Value::Array(v) => v,
                    other => panic!("XINFO STREAM: {other:?}"),
                };
                // The fields a reload must keep (the radix tree's shape
                // may differ).
                let keep = [
                    &b"length"[..],
                    b"last-generated-id",
                    b"entries-added",
                    b"groups",
                ];
                let kept: Vec<String> = info
                    .chunks(2)
                    .filter(|f| keep.contains(&f[0].as_bytes().unwrap_or_default()))
                    .map(|f| format!("{} {}", render(&f[0]), render(&f[1])))
                    .collect();
                let entries = value(c, &[b"XRANGE", k, b"-", b"+"]);
                format!("{kept:?} {}", render(&entries))
            }
            other => panic!("{}: unexpected type {other}", show(k)),
        };
        let Value::Int(at) = value(c, &[b"PEXPIRETIME", k]) else {
            panic!("PEXPIRETIME {}", show(k))
        };
        all.insert(show(k), (format!("{ty} {contents}"), at));
    }
    all
}

/// BullMQ: adding jobs (plain, with a fixed id, prioritised, delayed, in
/// bulk), pause/resume, a Worker processing them with retries and
/// backoff, QueueEvents, job counts, logs, retrying a failed job, clean,
/// drain and obliterate; a flow (parent, children, grandchild), a
/// rate-limited worker, deduplication and a job scheduler.
#[test]
fn bullmq_queue_and_worker() {
    run_client(
        &[&Target::start()],
        &node_dir(),
        "node",
        "bullmq_queue.js",
        &[],
    );
}

/// What BullMQ's scripts wrote (hashes, lists, sorted sets, a stream,
/// counters and TTLs, with jobs left waiting, prioritised, delayed and
/// failed) comes back the same after a restart from the AOF: the scripts'
/// effects reached it whole.
#[test]
fn bullmq_state_survives_a_restart() {
    let node = node_dir();
    let dir = TempDir::new("clients-aof");
    let before = {
        let target = Target::start_in(dir.path());
        run_client(&[&target], &node, "node", "bullmq_queue.js", &["--keep"]);
        let snap = snapshot(&mut target.conn());
        target.shutdown();
        snap
    };
    let types: std::collections::BTreeSet<_> = before
        .values()
        .map(|(v, _)| v.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(
        types.len(),
        5,
        "expected strings, lists, hashes, zsets and a stream, got {types:?}"
    );
    let target = Target::start_in(dir.path());
    let after = snapshot(&mut target.conn());
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    for (k, v) in &before {
        match after.get(k) {
            Some(a) => assert_eq!(a, v, "key {k} after the restart"),
            // Gone only if it has expired since (BullMQ's rate limiter
            // key lives for a few hundred milliseconds).
            None => assert!(0 < v.1 && v.1 <= now_ms, "key {k} lost in the restart"),
        }
    }
    for k in after.keys() {
        assert!(before.contains_key(k), "key {k} appeared in the restart");
    }
}

/// Redlock over three independent servers: a lock on two resources (all
/// or nothing per server), extend, release checking the value, quorum (two
/// of three) and its absence, expiry, automatic extension in `using`, and
/// three workers contending for a mutex.
#[test]
fn redlock_three_servers() {
    let node = node_dir();
    let (a, b, c) = (Target::start(), Target::start(), Target::start());
    run_client(&[&a, &b, &c], &node, "node", "redlock.js", &[]);
}

/// redis-py's Lock: acquire, release, extend, reacquire and their token
/// checks, expiry, blocking acquires contending between clients, mutual
/// exclusion under threads, and reloading its scripts after SCRIPT FLUSH.
#[test]
fn redis_py_lock() {
    require_python("redis");
    run_client(
        &[&Target::start()],
        &clients_dir(),
        "python3",
        "redis_py_lock.py",
        &[],
    );
}

/// The `limits` rate limiter's three strategies (fixed window, moving
/// window, sliding window counter): counting, costs, clearing, windows
/// expiring, the stored timestamps' format, and reset() (KEYS in a script).
#[test]
fn limits_rate_limiter() {
    require_python("limits");
    run_client(
        &[&Target::start()],
        &clients_dir(),
        "python3",
        "rate_limits.py",
        &[],
    );
}

/// The same two Python programs over RESP3 (HELLO 3): script replies,
/// false and tables holding false among them, in RESP3's encoding.
#[test]
fn python_clients_over_resp3() {
    require_python("limits");
    for script in ["redis_py_lock.py", "rate_limits.py"] {
        run_client(
            &[&Target::start()],
            &clients_dir(),
            "python3",
            script,
            &["--resp3"],
        );
    }
}
