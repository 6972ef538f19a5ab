//! AOF persistence: restart round trips, kill -9 under load, rewrites
//! under load and crashes in the middle of them, truncation, corruption,
//! --check-aof, interoperability with redis-server 7.0, and a full disk.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::util::*;

/// Writes a varied dataset: integers, short and long strings, binary
/// values, TTLs, several databases, and commands that are logged
/// differently from how they were sent.
fn write_dataset(c: &mut Conn) {
    let big = "x".repeat(100_000);
    let script: &[&[&str]] = &[
        &["SET", "int", "12345"],
        &["SET", "emb", "hello world"],
        &["SET", "raw", &big],
        &["SET", "bin", "a\r\nb\0c"],
        &["SET", "ttl", "v", "EX", "1000"],
        &["SETEX", "setex", "2000", "v"],
        &["SET", "pxat", "v", "PXAT", "99999999999999"],
        &["INCRBYFLOAT", "float", "10.5"],
        &["INCRBYFLOAT", "float", "0.1"],
        &["APPEND", "emb", "!"],
        &["INCR", "counter"],
        &["INCRBY", "counter", "41"],
        &["SETRANGE", "range", "5", "abc"],
        &["MSET", "m1", "1", "m2", "2"],
        &["EXPIRE", "m1", "3000"],
        &["PERSIST", "m1"],
        &["SET", "gone", "v"],
        &["DEL", "gone"],
        &["SET", "past", "v"],
        &["EXPIREAT", "past", "1"],
        &["RENAME", "m2", "renamed"],
        &["GETEX", "int", "PX", "500000"],
        &["SELECT", "3"],
        &["SET", "db3", "three"],
        &["COPY", "db3", "db3copy"],
        &["SELECT", "5"],
        &["SET", "db5", "five", "EX", "100000"],
        &["MOVE", "db5", "6"],
        &["SELECT", "0"],
    ];
    for cmd in script {
        let reply = c.cmd(cmd);
        assert!(!reply.starts_with(b"-"), "{cmd:?}: {}", show(&reply));
    }
}

#[test]
fn restart_round_trip_keeps_the_dataset() {
    let dir = TempDir::new("aof-roundtrip");
    let before = {
        let srv = Server::start_in(dir.path(), &[]);
        let mut c = srv.conn();
        write_dataset(&mut c);
        let d = dump(&mut c);
        c.send(b"SHUTDOWN\r\n");
        c.read_to_close();
        d
    };
    assert!(before.len() >= 15);
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    assert_eq!(dump(&mut c), before);
    c.expect(&["OBJECT", "ENCODING", "counter"], "$3\r\nint\r\n");
    c.expect(&["GET", "float"], "$4\r\n10.6\r\n");
}

/// Client threads that write unique keys and record what was acknowledged.
struct Writers {
    stop: Arc<AtomicBool>,
    handles: Vec<thread::JoinHandle<u64>>,
}

impl Writers {
    fn start(addr: &str, n: usize) -> Writers {
        let stop = Arc::new(AtomicBool::new(false));
        let handles = (0..n)
            .map(|t| {
                let (addr, stop) = (addr.to_string(), stop.clone());
                thread::spawn(move || {
                    let Ok(s) = std::net::TcpStream::connect(&addr) else {
                        return 0;
                    };
                    drop(s);
                    let mut c = Conn::connect(&addr);
                    let _ = c.s.set_read_timeout(Some(Duration::from_secs(2)));
                    let mut acked = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let key = format!("w{t}:{}", acked + 1);
                        // Pipelines of 8: an ack covers the whole batch.
                        let mut batch = Vec::new();
                        for j in 0..8 {
                            let k = format!("{key}.{j}");
                            batch.extend(multibulk(&[b"SET", k.as_bytes(), b"v"]));
                        }
                        if std::io::Write::write_all(&mut c.s, &batch).is_err() {
                            break;
                        }
                        let ok =
                            (0..8).all(|_| c.try_read_reply().is_some_and(|r| r == b"+OK\r\n"));
                        if !ok {
                            break;
                        }
                        acked += 1;
                    }
                    acked
                })
            })
            .collect();
        Writers { stop, handles }
    }

    fn finish(self) -> Vec<u64> {
        self.stop.store(true, Ordering::Relaxed);
        self.handles
            .into_iter()
            .map(|h| h.join().unwrap_or(0))
            .collect()
    }
}

/// Every batch a writer saw acknowledged is in the dataset.
fn assert_acked_present(c: &mut Conn, acked: &[u64]) {
    for (t, &n) in acked.iter().enumerate() {
        for i in 1..=n {
            for j in 0..8 {
                let k = format!("w{t}:{i}.{j}");
                assert_eq!(
                    c.cmd(&["EXISTS", &k]),
                    b":1\r\n",
                    "acknowledged key {k} lost ({n} batches acked)"
                );
            }
        }
    }
}

fn kill9_under_load(fsync: &str) {
    let dir = TempDir::new("aof-kill9");
    let mut srv = Server::start_in(dir.path(), &["--appendfsync", fsync]);
    let writers = Writers::start(&srv.addr, 4);
    thread::sleep(Duration::from_millis(800));
    srv.child.kill().unwrap(); // SIGKILL
    srv.child.wait().unwrap();
    let acked = writers.finish();
    assert!(acked.iter().sum::<u64>() > 10, "too little load: {acked:?}");
    let srv = Server::start_in(dir.path(), &[]);
    assert_acked_present(&mut srv.conn(), &acked);
}

#[test]
fn kill9_under_load_loses_nothing_acknowledged_everysec() {
    kill9_under_load("everysec");
}

#[test]
fn kill9_under_load_loses_nothing_acknowledged_always() {
    kill9_under_load("always");
}

fn preload(c: &mut Conn, n: usize) {
    for chunk in 0..n.div_ceil(1000) {
        let mut batch = Vec::new();
        for i in chunk * 1000..((chunk + 1) * 1000).min(n) {
            let k = format!("pre:{i}");
            let v = format!("value-{i}");
            batch.extend(multibulk(&[b"SET", k.as_bytes(), v.as_bytes()]));
            if i % 10 == 0 {
                batch.extend(multibulk(&[b"PEXPIREAT", k.as_bytes(), b"99999999999999"]));
            }
        }
        c.send(&batch);
        for i in chunk * 1000..((chunk + 1) * 1000).min(n) {
            c.read_reply();
            if i % 10 == 0 {
                c.read_reply();
            }
        }
    }
}

fn rewrite_done(c: &mut Conn) -> bool {
    info_field(c, "aof_rewrite_in_progress") == "0"
}

#[test]
fn rewrites_under_load_replay_to_the_live_dataset() {
    let dir = TempDir::new("aof-rewrite");
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    preload(&mut c, 50_000);
    let writers = Writers::start(&srv.addr, 3);
    for _ in 0..3 {
        c.expect(
            &["BGREWRITEAOF"],
            "+Background append only file rewriting started\r\n",
        );
        assert!(wait_until(Duration::from_secs(30), || rewrite_done(&mut c)));
        thread::sleep(Duration::from_millis(50));
    }
    let acked = writers.finish();
    assert_eq!(info_field(&mut c, "aof_rewrites"), "3");
    let live = dump(&mut c);
    c.send(b"SHUTDOWN\r\n");
    c.read_to_close();
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    assert_acked_present(&mut c, &acked);
    assert!(
        dump(&mut c) == live,
        "dataset after restart differs from the live one"
    );
    // Old files were removed after the switch: one base, one incr.
    let files: Vec<String> = std::fs::read_dir(dir.0.join("appendonlydir"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
}

#[test]
fn crash_in_the_middle_of_a_rewrite_leaves_a_loadable_aof() {
    for delay_ms in [0u64, 5, 30, 150] {
        let dir = TempDir::new("aof-crash");
        let mut srv = Server::start_in(dir.path(), &[]);
        let mut c = srv.conn();
        preload(&mut c, 30_000);
        let writers = Writers::start(&srv.addr, 2);
        thread::sleep(Duration::from_millis(100));
        c.expect(
            &["BGREWRITEAOF"],
            "+Background append only file rewriting started\r\n",
        );
        thread::sleep(Duration::from_millis(delay_ms));
        srv.child.kill().unwrap();
        srv.child.wait().unwrap();
        let acked = writers.finish();
        let srv = Server::start_in(dir.path(), &[]);
        let mut c = srv.conn();
        assert_acked_present(&mut c, &acked);
        for i in (0..30_000).step_by(997) {
            let want = format!("value-{i}");
            let got = c.cmd(&["GET", &format!("pre:{i}")]);
            assert_eq!(
                show(&got),
                show(format!("${}\r\n{want}\r\n", want.len()).as_bytes()),
                "delay {delay_ms}"
            );
        }
        // Acknowledged batches are all there; a batch in flight at the
        // kill may be there too (written, not yet acknowledged).
        let size = match c.value(&["DBSIZE"]) {
            Value::Int(n) => n as u64,
            other => panic!("{other:?}"),
        };
        let acked_keys = 30_000 + acked.iter().sum::<u64>() * 8;
        assert!(
            size >= acked_keys && size <= acked_keys + 8 * acked.len() as u64,
            "DBSIZE {size}, acknowledged {acked_keys}"
        );
    }
}

fn incr_file(dir: &TempDir) -> std::path::PathBuf {
    let m = std::fs::read_to_string(dir.0.join("appendonlydir/appendonly.aof.manifest")).unwrap();
    let name = m
        .lines()
        .rev()
        .find(|l| l.ends_with("type i"))
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .to_string();
    dir.0.join("appendonlydir").join(name)
}

fn write_and_stop(dir: &TempDir) {
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    c.expect(&["SET", "a", "1"], "+OK\r\n");
    c.expect(&["SET", "b", "2"], "+OK\r\n");
    c.send(b"SHUTDOWN\r\n");
    c.read_to_close();
}

fn append(path: &std::path::Path, bytes: &[u8]) {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

#[test]
fn truncated_tail_is_cut_off_or_refused() {
    let dir = TempDir::new("aof-trunc");
    write_and_stop(&dir);
    let incr = incr_file(&dir);
    let good_len = std::fs::metadata(&incr).unwrap().len();
    append(&incr, b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1");
    // aof-load-truncated no: refuse to start.
    let out = Command::new(bin())
        .args([
            "--port",
            "0",
            "--dir",
            dir.path(),
            "--aof-load-truncated",
            "no",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.contains("Unexpected end of file") && log.contains("incr.aof"),
        "{log}"
    );
    // Default (yes): starts, warns, cuts the tail off.
    let srv = Server::start_in(dir.path(), &[]);
    assert!(srv.log_contains("Truncating the AOF"));
    let mut c = srv.conn();
    c.expect(&["GET", "b"], "$1\r\n2\r\n");
    c.expect(&["EXISTS", "c"], ":0\r\n");
    assert!(std::fs::metadata(&incr).unwrap().len() >= good_len);
}

#[test]
fn corruption_in_the_middle_refuses_to_start() {
    let dir = TempDir::new("aof-corrupt");
    write_and_stop(&dir);
    let incr = incr_file(&dir);
    let mut data = std::fs::read(&incr).unwrap();
    let first_cmd_end = data.windows(3).position(|w| w == b"\r\n*").unwrap() + 2;
    let mut corrupted = data[..first_cmd_end].to_vec();
    corrupted.extend_from_slice(b"garbage\r\n");
    corrupted.extend_from_slice(&data[first_cmd_end..]);
    std::fs::write(&incr, &corrupted).unwrap();
    let out = Command::new(bin())
        .args(["--port", "0", "--dir", dir.path()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.contains("Bad file format")
            && log.contains(&format!("at byte {first_cmd_end}"))
            && log.contains("incr.aof"),
        "{log}"
    );
    // --check-aof finds it too; --fix cannot repair mid-file damage
    // without losing what follows, but truncates to the valid prefix.
    let manifest = dir.0.join("appendonlydir/appendonly.aof.manifest");
    let check = Command::new(bin())
        .arg("--check-aof")
        .arg(&manifest)
        .output()
        .unwrap();
    assert!(!check.status.success());
    assert!(String::from_utf8_lossy(&check.stdout).contains(&format!("ok_up_to={first_cmd_end}")));
    let fix = Command::new(bin())
        .arg("--check-aof")
        .arg(&manifest)
        .arg("--fix")
        .output()
        .unwrap();
    assert!(
        fix.status.success(),
        "{}",
        String::from_utf8_lossy(&fix.stdout)
    );
    data.truncate(first_cmd_end);
    assert_eq!(std::fs::read(&incr).unwrap(), data);
    let ok = Command::new(bin())
        .arg("--check-aof")
        .arg(&manifest)
        .output()
        .unwrap();
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("All AOF files and manifest are valid"));
}

#[test]
fn bgrewriteaof_replies_and_aof_off_writes_a_base() {
    let srv = Server::start_with(&["--appendonly", "no"]);
    let mut c = srv.conn();
    c.expect(&["SET", "k", "v"], "+OK\r\n");
    c.expect(
        &["BGREWRITEAOF"],
        "+Background append only file rewriting started\r\n",
    );
    assert!(wait_until(Duration::from_secs(10), || rewrite_done(&mut c)));
    let m =
        std::fs::read_to_string(srv.dir.0.join("appendonlydir/appendonly.aof.manifest")).unwrap();
    assert_eq!(m, "file appendonly.aof.1.base.aof seq 1 type b\n");
    assert_eq!(info_field(&mut c, "aof_enabled"), "0");
}

#[test]
fn config_set_appendonly_yes_writes_the_dataset() {
    let dir = TempDir::new("aof-enable");
    {
        let srv = Server::start_in(dir.path(), &["--appendonly", "no"]);
        let mut c = srv.conn();
        preload(&mut c, 20_000);
        c.expect(&["CONFIG", "SET", "appendonly", "yes"], "+OK\r\n");
        c.expect(&["SET", "after", "1"], "+OK\r\n");
        assert!(wait_until(Duration::from_secs(10), || rewrite_done(&mut c)));
        c.expect(&["SET", "later", "2"], "+OK\r\n");
        c.send(b"SHUTDOWN\r\n");
        c.read_to_close();
    }
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    c.expect(&["DBSIZE"], ":20002\r\n");
    c.expect(&["GET", "pre:19999"], "$11\r\nvalue-19999\r\n");
}

/// A dataset written by redis-server 7.0 (AOF, no RDB preamble) loads in
/// cinnabar-server, and one written by cinnabar-server loads in Redis.
#[test]
fn aof_files_interoperate_with_redis() {
    let dir = TempDir::new("aof-interop");
    let Some(redis) = redis_in(
        dir.path(),
        &["--appendonly", "yes", "--aof-use-rdb-preamble", "no"],
    ) else {
        return;
    };
    let mut r = Conn::connect(&redis.addr);
    write_dataset(&mut r);
    r.expect(
        &["BGREWRITEAOF"],
        "+Background append only file rewriting started\r\n",
    );
    assert!(wait_until(Duration::from_secs(10), || rewrite_done(&mut r)));
    r.cmd(&["SET", "after-rewrite", "1"]);
    r.cmd(&["INCR", "counter"]);
    let from_redis = dump(&mut r);
    drop(r);
    redis.shutdown();

    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    assert_eq!(
        dump(&mut c),
        from_redis,
        "cinnabar loaded Redis's AOF differently"
    );
    // Now cinnabar writes (including a rewrite) and Redis reads it back.
    c.cmd(&["SET", "from-cinnabar", "yes"]);
    c.cmd(&["EXPIRE", "from-cinnabar", "5000"]);
    c.expect(
        &["BGREWRITEAOF"],
        "+Background append only file rewriting started\r\n",
    );
    assert!(wait_until(Duration::from_secs(10), || rewrite_done(&mut c)));
    c.cmd(&["INCRBYFLOAT", "float", "1"]);
    c.cmd(&["SELECT", "4"]);
    c.cmd(&["SET", "db4", "four"]);
    c.cmd(&["SELECT", "0"]);
    let from_cinnabar = dump(&mut c);
    c.send(b"SHUTDOWN\r\n");
    c.read_to_close();
    drop(srv);
    let redis = redis_in(
        dir.path(),
        &["--appendonly", "yes", "--aof-use-rdb-preamble", "no"],
    )
    .unwrap();
    let mut r = Conn::connect(&redis.addr);
    assert_eq!(
        dump(&mut r),
        from_cinnabar,
        "Redis loaded cinnabar's AOF differently"
    );
}

#[test]
fn rdb_preamble_base_gets_a_clear_error() {
    let dir = TempDir::new("aof-rdb");
    let Some(redis) = redis_in(dir.path(), &["--appendonly", "yes"]) else {
        return;
    };
    let mut r = Conn::connect(&redis.addr);
    r.cmd(&["SET", "k", "v"]);
    drop(r);
    redis.shutdown();
    let out = Command::new(bin())
        .args(["--port", "0", "--dir", dir.path()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.contains("RDB") && log.contains("not supported yet"),
        "{log}"
    );
}

/// On a full disk, writes get MISCONF, reads keep working, nothing
/// acknowledged is lost, and the server recovers once space returns.
/// Needs root to mount a small tmpfs; skipped otherwise.
#[test]
fn disk_full_misconf_and_recovery() {
    let dir = TempDir::new("aof-diskfull");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs", dir.path()])
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipping: cannot mount a tmpfs (not root?)");
        return;
    }
    struct Unmount(String);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _guard = Unmount(dir.path().to_string());
    let filler = dir.0.join("filler");
    std::fs::write(&filler, vec![0u8; 1024 * 1024]).unwrap();
    let mut acked = Vec::new();
    {
        let srv = Server::start_in(dir.path(), &[]);
        let mut c = srv.conn();
        c.s.set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        // A transaction with a write queued before the disk fills.
        let mut e = srv.conn();
        e.expect(&["MULTI"], "+OK\r\n");
        e.expect(&["SET", "q", "1"], "+QUEUED\r\n");
        let value = "v".repeat(64 * 1024);
        // Fill the disk. The write that does not fit is executed but its
        // reply is held back: it is not acknowledged until it is on disk.
        let mut held = None;
        for i in 0..200 {
            let key = format!("k{i}");
            c.send(&multibulk(&[b"SET", key.as_bytes(), value.as_bytes()]));
            let mut buf = [0u8; 5];
            match std::io::Read::read_exact(&mut c.s, &mut buf) {
                Ok(()) => {
                    assert_eq!(&buf, b"+OK\r\n");
                    acked.push(key);
                }
                Err(_) => {
                    held = Some(key);
                    break;
                }
            }
        }
        let held = held.expect("the disk never filled");
        // Meanwhile, other clients: reads work; writes (and PING, as in
        // Redis) get MISCONF.
        let mut d = srv.conn();
        d.expect(&["GET", "k0"], &format!("${}\r\n{value}\r\n", value.len()));
        d.expect(&["EXISTS", &held], ":1\r\n");
        let refused = d.cmd(&["SET", "x", "1"]);
        assert!(
            show(&refused)
                .starts_with("-MISCONF Errors writing to the AOF file: No space left on device"),
            "{}",
            show(&refused)
        );
        assert!(d.cmd(&["PING"]).starts_with(b"-MISCONF"));
        // As Redis: a write is refused before MULTI queues it (dooming
        // the transaction), EXEC of a queued write is refused whole, and
        // MISCONF comes before the RESP2 subscriber context.
        let misconf = |r: Vec<u8>| show(&r).starts_with("-MISCONF Errors writing to the AOF file");
        d.expect(&["MULTI"], "+OK\r\n");
        assert!(misconf(d.cmd(&["SET", "x", "1"])));
        d.expect(&["EXISTS", "k0"], "+QUEUED\r\n");
        d.expect(
            &["EXEC"],
            "-EXECABORT Transaction discarded because of previous errors.\r\n",
        );
        d.expect(&["MULTI"], "+OK\r\n");
        d.expect(&["EXISTS", "k0"], "+QUEUED\r\n");
        d.expect(&["EXEC"], "*1\r\n:1\r\n");
        let aborted = show(&e.cmd(&["EXEC"]));
        assert!(
            aborted.starts_with(
                "-EXECABORT Transaction discarded because of: MISCONF Errors writing to the AOF file"
            ),
            "{aborted}"
        );
        e.expect(&["EXISTS", "q"], ":0\r\n");
        e.cmd(&["SUBSCRIBE", "ch"]);
        assert!(misconf(e.cmd(&["SET", "x", "1"])));
        assert!(misconf(e.cmd(&["PING"])));
        e.cmd(&["UNSUBSCRIBE"]);
        assert_eq!(info_field(&mut d, "aof_last_write_status"), "err");
        // Space returns: the server retries on its tick, the held reply is
        // released, and writes are accepted again.
        std::fs::remove_file(&filler).unwrap();
        c.s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        assert_eq!(c.read_reply(), b"+OK\r\n");
        acked.push(held);
        d.expect(&["SET", "after", "1"], "+OK\r\n");
        acked.push("after".into());
        assert_eq!(info_field(&mut d, "aof_last_write_status"), "ok");
        d.send(b"SHUTDOWN\r\n");
        d.read_to_close();
    }
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    for k in &acked {
        c.expect(&["EXISTS", k], ":1\r\n");
    }
}

/// Commands that move, swap or drop whole keys and databases while a
/// rewrite's snapshot is being written still replay to the live dataset.
#[test]
fn rewrite_survives_swapdb_flush_rename_and_move() {
    let dir = TempDir::new("aof-structural");
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    for db in ["0", "1", "2"] {
        c.expect(&["SELECT", db], "+OK\r\n");
        preload(&mut c, 20_000);
    }
    c.expect(&["SELECT", "0"], "+OK\r\n");
    c.expect(
        &["BGREWRITEAOF"],
        "+Background append only file rewriting started\r\n",
    );
    let script: &[&[&str]] = &[
        &["SWAPDB", "0", "1"],
        &["RENAME", "pre:5", "renamed"],
        &["MOVE", "pre:6", "2"],
        &["SELECT", "2"],
        &["FLUSHDB"],
        &["SET", "fresh-in-2", "v"],
        &["SELECT", "1"],
        &["DEL", "pre:7"],
        &["APPEND", "pre:8", "-appended"],
        &["EXPIRE", "pre:9", "10000"],
        &["COPY", "pre:10", "copied", "DB", "0"],
        &["SWAPDB", "1", "2"],
        &["SELECT", "0"],
        &["SETRANGE", "pre:11", "0", "X"],
        &["SET", "pre:12", "overwritten"],
    ];
    for cmd in script {
        let r = c.cmd(cmd);
        assert!(!r.starts_with(b"-"), "{cmd:?}: {}", show(&r));
    }
    // The commands above really ran while the snapshot was being written.
    assert_eq!(info_field(&mut c, "aof_rewrite_in_progress"), "1");
    assert!(wait_until(Duration::from_secs(30), || rewrite_done(&mut c)));
    let live = dump(&mut c);
    c.send(b"SHUTDOWN\r\n");
    c.read_to_close();
    let srv = Server::start_in(dir.path(), &[]);
    assert!(
        dump(&mut srv.conn()) == live,
        "replayed dataset differs from the live one"
    );
}

/// Everything observable about `key` that an AOF keeps, for any type:
/// contents (unordered types sorted), stream ids, groups and pending
/// counts, encoding and expiry. Times a restart resets (consumer idle
/// times) and the stream's node layout are left out.
fn typed_state(c: &mut Conn, key: &str) -> Vec<String> {
    let ty = String::from_utf8(c.cmd(&["TYPE", key])).unwrap();
    let mut out = vec![ty.clone()];
    let sorted = |mut v: Vec<Vec<u8>>| {
        v.sort();
        format!("{v:?}")
    };
    match ty.trim_end() {
        "+string" => out.push(show(&c.cmd(&["GET", key]))),
        "+list" => out.push(show(&c.cmd(&["LRANGE", key, "0", "-1"]))),
        "+hash" => {
            let flat = bulks(c.value(&["HGETALL", key]));
            out.push(sorted(flat.chunks(2).map(|p| p.concat()).collect()));
        }
        "+set" => out.push(sorted(bulks(c.value(&["SMEMBERS", key])))),
        "+zset" => out.push(show(&c.cmd(&["ZRANGE", key, "0", "-1", "WITHSCORES"]))),
        "+stream" => {
            out.push(show(&c.cmd(&["XRANGE", key, "-", "+"])));
            let Value::Array(info) = c.value(&["XINFO", "STREAM", key]) else {
                panic!("XINFO STREAM {key}")
            };
            for pair in info.chunks(2) {
                if !pair[0].as_bytes().unwrap().starts_with(b"radix-tree") {
                    out.push(format!("{pair:?}"));
                }
            }
            let Value::Array(groups) = c.value(&["XINFO", "GROUPS", key]) else {
                panic!("XINFO GROUPS {key}")
            };
            for g in groups {
                out.push(format!("{g:?}"));
                let Value::Array(fields) = g else { panic!() };
                let name = String::from_utf8(fields[1].as_bytes().unwrap().to_vec()).unwrap();
                out.push(show(&c.cmd(&["XPENDING", key, &name])));
                out.push(
                    show(&c.cmd(&["XPENDING", key, &name, "-", "+", "100"]))
                        .replace(|ch: char| ch.is_ascii_digit(), ""),
                );
            }
        }
        other => panic!("{key}: {other}"),
    }
    out.push(show(&c.cmd(&["OBJECT", "ENCODING", key])));
    out.push(show(&c.cmd(&["PEXPIRETIME", key])));
    out
}

/// The AOF rewrite writes every type (both encodings of each) so that
/// replaying it gives the same values, including collections changed
/// while the snapshot was being written (serialize-before-modify).
#[test]
fn rewrite_round_trips_every_type() {
    let dir = TempDir::new("aof-types");
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    let many: Vec<String> = (0..600).map(|i| i.to_string()).collect();
    let many: Vec<&str> = many.iter().map(|s| &s[..]).collect();
    let mut script: Vec<Vec<&str>> = vec![
        vec!["SET", "str", "v"],
        vec!["SET", "int", "-42", "PX", "99999999"],
        vec!["LPUSH", "list", "a", "b\r\nc", ""],
        vec!["HSET", "hash", "f", "v", "g", ""],
        vec!["SADD", "intset", "3", "-1", "99999"],
        vec!["SADD", "set", "a", "b", "1"],
        vec!["ZADD", "zset", "1.5", "a", "-inf", "b", "0.1", "c"],
        vec!["XADD", "stream", "1-1", "f", "v"],
        vec!["XADD", "stream", "2-0", "f", "w", "g", "x"],
        vec!["XADD", "stream", "3-0", "f", "v"],
        vec!["XDEL", "stream", "2-0"],
        vec!["XGROUP", "CREATE", "stream", "g1", "0"],
        vec!["XGROUP", "CREATE", "stream", "g2", "$"],
        vec!["XGROUP", "CREATECONSUMER", "stream", "g1", "idle"],
        vec![
            "XREADGROUP",
            "GROUP",
            "g1",
            "alice",
            "COUNT",
            "1",
            "STREAMS",
            "stream",
            ">",
        ],
        vec!["XADD", "empty", "MAXLEN", "0", "*", "f", "v"],
        vec!["EXPIRE", "empty", "100000"],
    ];
    for (cmd, key) in [
        ("RPUSH", "biglist"),
        ("SADD", "bigintset"),
        ("SADD", "bigset"),
    ] {
        let mut v = vec![cmd, key];
        // Under set-max-intset-entries (512) for the intset.
        let n = if key == "bigintset" { 300 } else { many.len() };
        v.extend(&many[..n]);
        if key == "bigset" {
            v.push("x");
        }
        script.push(v);
    }
    let mut bighash = vec!["HSET", "bighash"];
    let mut bigzset = vec!["ZADD", "bigzset"];
    for m in &many {
        bighash.extend([*m, *m]);
        bigzset.extend([*m, *m]);
    }
    script.extend([bighash, bigzset]);
    for cmd in &script {
        let r = c.cmd(cmd);
        assert!(!r.starts_with(b"-"), "{cmd:?}: {}", show(&r));
    }
    let keys = [
        "str",
        "int",
        "list",
        "hash",
        "intset",
        "set",
        "zset",
        "stream",
        "empty",
        "biglist",
        "bigintset",
        "bigset",
        "bighash",
        "bigzset",
    ];
    for key in [
        "intset",
        "bigintset",
        "hash",
        "bighash",
        "zset",
        "bigzset",
        "set",
    ] {
        let enc = show(&c.cmd(&["OBJECT", "ENCODING", key]));
        let want = match key {
            "intset" | "bigintset" => "intset",
            "hash" | "zset" => "listpack",
            "bigzset" => "skiplist",
            _ => "hashtable",
        };
        assert!(enc.contains(want), "{key}: {enc}");
    }
    // Enough other keys that the changes below land while the snapshot
    // is still being written.
    preload(&mut c, 20_000);
    c.expect(
        &["BGREWRITEAOF"],
        "+Background append only file rewriting started\r\n",
    );
    let changes: &[&[&str]] = &[
        &["RPUSH", "biglist", "tail"],
        &["HSET", "bighash", "new", "1"],
        &["SADD", "bigintset", "-5"],
        &["SREM", "bigset", "x"],
        &["ZADD", "bigzset", "-1", "first"],
        &["XADD", "stream", "4-0", "late", "1"],
        &["XACK", "stream", "g1", "1-1"],
        &["INCR", "int"],
    ];
    for cmd in changes {
        let r = c.cmd(cmd);
        assert!(!r.starts_with(b"-"), "{cmd:?}: {}", show(&r));
    }
    assert_eq!(info_field(&mut c, "aof_rewrite_in_progress"), "1");
    assert!(wait_until(Duration::from_secs(30), || rewrite_done(&mut c)));
    let live: Vec<Vec<String>> = keys.iter().map(|k| typed_state(&mut c, k)).collect();
    c.send(b"SHUTDOWN\r\n");
    c.read_to_close();
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    for (key, want) in keys.iter().zip(&live) {
        assert_eq!(&typed_state(&mut c, key), want, "{key}");
    }
    c.expect(&["DEBUG", "RELOAD"], "+OK\r\n");
    for (key, want) in keys.iter().zip(&live) {
        assert_eq!(&typed_state(&mut c, key), want, "{key} after DEBUG RELOAD");
    }
}
