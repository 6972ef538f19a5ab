//! The user's own redis.conf (issue 19): Debian's stock file starts the
//! server; daemonize, pidfile, logfile, supervised systemd, the process
//! title, OOM score and THP are real; CONFIG SET rolls back; CONFIG GET *
//! knows every Redis 7.0 name.

use std::collections::BTreeMap;
use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{bin, redis, wait_until, Conn, Server, TempDir, Value};

/// Names Cinnabar has and Redis 7.0 does not, each with its reason.
const EXTRA: &[(&str, &str)] = &[
    (
        "client-output-pause",
        "Cinnabar's output backpressure extension",
    ),
    (
        "set-max-listpack-entries",
        "Redis 7.2's listpack sets, implemented",
    ),
    (
        "set-max-listpack-value",
        "Redis 7.2's listpack sets, implemented",
    ),
];

/// Values that differ from redis-server's on purpose, with the reason.
const OWN_VALUE: &[(&str, &str)] = &[
    (
        "appendonly",
        "on by default in Cinnabar (util::redis turns Redis's off)",
    ),
    (
        "aof-use-rdb-preamble",
        "no RDB yet: AOF base files are always AOF",
    ),
    ("port", "each server has its own port"),
    ("dir", "each server has its own directory"),
    ("set-max-listpack-entries", "not a 7.0 parameter"),
    ("set-max-listpack-value", "not a 7.0 parameter"),
    ("client-output-pause", "not a Redis parameter"),
];

/// Debian's stock redis.conf from the redis-server package, or the copy
/// under tests/fixtures when the package is absent.
fn stock_conf() -> String {
    std::fs::read_to_string("/etc/redis/redis.conf").unwrap_or_else(|_| {
        let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/redis.conf");
        std::fs::read_to_string(fixture).unwrap()
    })
}

/// CONFIG GET `pattern` as a name -> value map.
fn config_get(c: &mut Conn, pattern: &str) -> BTreeMap<String, String> {
    let text = |v: &Value| String::from_utf8_lossy(v.as_bytes().unwrap()).into_owned();
    match c.value(&["CONFIG", "GET", pattern]) {
        Value::Array(items) => items
            .chunks(2)
            .map(|kv| (text(&kv[0]), text(&kv[1])))
            .collect(),
        other => panic!("CONFIG GET: {other:?}"),
    }
}

/// The process's /proc/<pid>/<file>.
fn proc_file(pid: u32, file: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/{file}")).unwrap_or_default()
}

/// Kills a daemon left behind by a failing test.
struct Reaper(u32);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-9", &self.0.to_string()])
            .status();
    }
}

#[test]
fn stock_redis_conf_starts_with_overrides() {
    let dir = TempDir::new("stock");
    // The whole file, unchanged.
    let conf = stock_conf();
    let path = format!("{}/redis.conf", dir.path());
    std::fs::write(&path, conf).unwrap();
    let mut cmd = Command::new(bin());
    cmd.arg(&path).args([
        "--port",
        "0",
        "--daemonize",
        "no",
        "--dir",
        dir.path(),
        "--logfile",
        "",
        "--pidfile",
        "",
    ]);
    let s = Server::spawn(cmd, dir);
    let mut c = s.conn();
    c.expect(&["PING"], "+PONG\r\n");
    c.expect(&["SET", "k", "v"], "+OK\r\n");
    c.expect(&["GET", "k"], "$1\r\nv\r\n");
    let got = config_get(&mut c, "*");
    assert_eq!(got["daemonize"], "no");
    assert_eq!(got["repl-diskless-sync"], "yes");
    assert_eq!(got["auto-aof-rewrite-min-size"], "67108864");
    assert_eq!(got["dir"], s.dir.path());
    assert_eq!(
        got["proc-title-template"],
        "{title} {listen-addr} {server-mode}"
    );

    // CONFIG REWRITE keeps the file loadable, with the change.
    c.expect(&["CONFIG", "SET", "hz", "20"], "+OK\r\n");
    c.expect(&["CONFIG", "REWRITE"], "+OK\r\n");
    let rewritten = std::fs::read_to_string(&path).unwrap();
    assert!(rewritten.contains("\nhz 20\n"), "{rewritten}");
    assert!(rewritten.contains("\nrepl-diskless-sync yes\n"));
    let dir2 = TempDir::new("stock2");
    let mut cmd = Command::new(bin());
    cmd.arg(&path).args(["--port", "0", "--dir", dir2.path()]);
    let again = Server::spawn(cmd, dir2);
    assert_eq!(config_get(&mut again.conn(), "hz")["hz"], "20");
}

/// A value other than the default of a feature Cinnabar lacks stops the
/// server with an error naming the parameter, from the file and from a
/// flag; CONFIG SET refuses it the same way.
#[test]
fn unavailable_features_refuse_other_values() {
    let dir = TempDir::new("inert");
    let path = format!("{}/r.conf", dir.path());
    std::fs::write(&path, "repl-timeout 60\ncluster-enabled yes\n").unwrap();
    let out = Command::new(bin()).arg(&path).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("line 2") && err.contains("cluster-enabled is not available yet"),
        "{err}"
    );

    let out = Command::new(bin())
        .args(["--port", "0", "--tls-port", "6380"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("tls-port is not available yet"), "{err}");

    let s = Server::start();
    let mut c = s.conn();
    c.expect(&["CONFIG", "SET", "repl-timeout", "60"], "+OK\r\n");
    let reply = String::from_utf8(c.cmd(&["CONFIG", "SET", "repl-timeout", "30"])).unwrap();
    assert!(
        reply.starts_with("-ERR CONFIG SET failed (possibly related to argument 'repl-timeout') - repl-timeout is not available yet"),
        "{reply}"
    );
    c.expect(
        &["CONFIG", "GET", "repl-timeout"],
        "*2\r\n$12\r\nrepl-timeout\r\n$2\r\n60\r\n",
    );
}

/// The parent exits 0 once the child listens; the pid file holds the
/// child's pid; the log goes to `logfile`; SHUTDOWN removes the pid file.
#[test]
fn daemonize_pidfile_logfile() {
    let dir = TempDir::new("daemon");
    let pidfile = format!("{}/c.pid", dir.path());
    let logfile = format!("{}/c.log", dir.path());
    let mut parent = Command::new(bin())
        .args(["--port", "0", "--daemonize", "yes", "--dir", dir.path()])
        .args(["--pidfile", &pidfile, "--logfile", &logfile])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let parent_pid = parent.id();
    assert!(parent.wait().unwrap().success());
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let _reaper = Reaper(pid);
    assert_ne!(pid, parent_pid);
    // Logged before the parent was released.
    let log = std::fs::read_to_string(&logfile).unwrap();
    let addr = log
        .lines()
        .find_map(|l| l.split("Ready to accept connections tcp ").nth(1))
        .expect("ready line in the log file")
        .trim()
        .to_string();
    assert!(log.contains(&format!("{pid}:M ")), "{log}");
    let mut c = Conn::connect(&addr);
    c.expect(&["PING"], "+PONG\r\n");
    c.expect(
        &["CONFIG", "GET", "daemonize"],
        "*2\r\n$9\r\ndaemonize\r\n$3\r\nyes\r\n",
    );
    // A daemon has no terminal: a new session, standard output closed.
    let stat = proc_file(pid, "stat");
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    assert_eq!(fields[3], pid.to_string(), "session id is the daemon's pid");
    c.send_cmd(&["SHUTDOWN"]);
    assert!(wait_until(Duration::from_secs(10), || {
        !std::path::Path::new(&pidfile).exists()
    }));
    assert!(wait_until(Duration::from_secs(10), || proc_file(
        pid, "stat"
    )
    .is_empty()
        || proc_file(pid, "stat").contains(") Z")));
}

/// The parent reports a listener that cannot be bound and exits 1.
#[test]
fn daemonize_reports_bind_failure() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = TempDir::new("daemonfail");
    let out = Command::new(bin())
        .args(["--port", &port, "--daemonize", "yes", "--dir", dir.path()])
        .args(["--pidfile", &format!("{}/p.pid", dir.path())])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("Address already in use"), "{err}");
    assert!(!std::path::Path::new(&format!("{}/p.pid", dir.path())).exists());
}

/// READY=1 reaches $NOTIFY_SOCKET once the server accepts connections,
/// for `supervised systemd` and for `auto`; STOPPING=1 at shutdown.
#[test]
fn supervised_systemd_notifies() {
    for mode in ["systemd", "auto"] {
        let dir = TempDir::new("notify");
        let sock_path = format!("{}/notify.sock", dir.path());
        let sock = UnixDatagram::bind(&sock_path).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut cmd = Command::new(bin());
        cmd.args(["--port", "0", "--dir", dir.path(), "--supervised", mode])
            .env("NOTIFY_SOCKET", &sock_path);
        let s = Server::spawn(cmd, TempDir::new("unused"));
        let mut buf = [0u8; 512];
        let n = sock.recv(&mut buf).unwrap();
        let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
        assert!(msg.contains("READY=1"), "{mode}: {msg}");
        assert!(
            msg.contains("STATUS=Ready to accept connections"),
            "{mode}: {msg}"
        );
        let mut c = s.conn();
        c.expect(&["PING"], "+PONG\r\n");
        c.send_cmd(&["SHUTDOWN"]);
        let n = sock.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"STOPPING=1\n", "{mode}");
        drop(s);
    }
}

/// oom-score-adj, disable-thp, the process title and the logo at startup.
#[test]
fn process_settings_at_startup() {
    let s = Server::start_with(&[
        "--oom-score-adj",
        "absolute",
        "--oom-score-adj-values",
        "321 0 0",
        "--disable-thp",
        "yes",
        "--always-show-logo",
        "yes",
        "--proc-title-template",
        "{title} {listen-addr} cinnabar-test",
    ]);
    let pid = s.pid();
    assert_eq!(proc_file(pid, "oom_score_adj").trim(), "321");
    let status = proc_file(pid, "status");
    if status.contains("THP_enabled") {
        assert!(status.contains("THP_enabled:\t0"), "{status}");
    }
    let cmdline = proc_file(pid, "cmdline");
    let title = cmdline.split('\0').next().unwrap();
    assert_eq!(
        title,
        format!("{} 127.0.0.1:{} cinnabar-test", bin(), s.port())
    );
    assert!(s.log_contains("Running in standalone mode"));
    let mut c = s.conn();
    // The title follows the template at runtime; OOM back to the start.
    c.expect(
        &[
            "CONFIG",
            "SET",
            "proc-title-template",
            "{port} x",
            "oom-score-adj",
            "no",
        ],
        "+OK\r\n",
    );
    let cmdline = proc_file(pid, "cmdline");
    assert_eq!(
        cmdline.split('\0').next().unwrap(),
        format!("{} x", s.port())
    );
    assert_eq!(proc_file(pid, "oom_score_adj").trim(), "0");

    let plain = Server::start_with(&["--disable-thp", "no"]);
    assert!(plain.log_contains("Running mode=standalone, port="));
    let status = proc_file(plain.pid(), "status");
    if status.contains("THP_enabled") {
        assert!(status.contains("THP_enabled:\t1"), "{status}");
    }
}

/// A log file that cannot be opened stops the server, as in Redis.
#[test]
fn logfile_that_cannot_be_opened_is_fatal() {
    let out = Command::new(bin())
        .args(["--port", "0", "--logfile", "/nonexistent-dir/x.log"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Can't open the log file"));
}

/// A maxclients the process cannot get descriptors for, just above what
/// it could (the hard limit, or fs.nr_open for root): both servers lower
/// their request 16 at a time, so a far larger one takes minutes.
fn unreachable_maxclients(pid: u32) -> u64 {
    let limits = proc_file(pid, "limits");
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let hard: u64 = line
        .split_whitespace()
        .nth(4)
        .unwrap()
        .parse()
        .unwrap_or(1 << 20);
    let root = proc_file(pid, "status")
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"));
    let nr_open: u64 = std::fs::read_to_string("/proc/sys/fs/nr_open")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let ceiling = if root { nr_open.max(hard) } else { hard };
    ceiling + 1000
}

/// CONFIG SET applies the OOM score, then fails on maxclients: both
/// servers answer the same error, keep the old values and put the OOM
/// score back.
#[test]
fn config_set_rolls_back_applied_values() {
    let Some(r) = redis() else { return };
    let s = Server::start();
    let mut rc = Conn::connect(&r.addr);
    let redis_pid: u32 = crate::util::info_field(&mut rc, "process_id")
        .parse()
        .unwrap();
    for (mut c, pid) in [(s.conn(), s.pid()), (rc, redis_pid)] {
        let too_many = unreachable_maxclients(pid).to_string();
        let reply = String::from_utf8(c.cmd(&[
            "CONFIG",
            "SET",
            "oom-score-adj-values",
            "500 0 0",
            "oom-score-adj",
            "absolute",
            "maxclients",
            &too_many,
        ]))
        .unwrap();
        assert!(
            reply.starts_with("-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with "),
            "{reply}"
        );
        assert_eq!(proc_file(pid, "oom_score_adj").trim(), "0", "rolled back");
        let got = config_get(&mut c, "oom-score-adj*");
        assert_eq!(got["oom-score-adj"], "no");
        assert_eq!(got["oom-score-adj-values"], "0 200 800");
        assert_eq!(config_get(&mut c, "maxclients")["maxclients"], "10000");
        // Without the failing part it applies.
        c.expect(
            &[
                "CONFIG",
                "SET",
                "oom-score-adj-values",
                "500 0 0",
                "oom-score-adj",
                "absolute",
            ],
            "+OK\r\n",
        );
        assert_eq!(proc_file(pid, "oom_score_adj").trim(), "500");
        c.expect(&["CONFIG", "SET", "oom-score-adj", "no"], "+OK\r\n");
        assert_eq!(proc_file(pid, "oom_score_adj").trim(), "0");
    }
}

/// CONFIG GET * lists the names redis-server 7.0 lists, with the same
/// values, but for the listed exceptions; hidden names answer by name.
#[test]
fn config_get_all_matches_redis() {
    let Some(r) = redis() else { return };
    let s = Server::start();
    let ours = config_get(&mut s.conn(), "*");
    let mut rc = Conn::connect(&r.addr);
    let theirs = config_get(&mut rc, "*");
    assert!(theirs.len() >= 190, "redis lists {}", theirs.len());
    let missing: Vec<&String> = theirs.keys().filter(|n| !ours.contains_key(*n)).collect();
    assert!(missing.is_empty(), "missing: {missing:?}");
    let extra: Vec<&String> = ours
        .keys()
        .filter(|n| !theirs.contains_key(*n) && !EXTRA.iter().any(|(e, _)| e == n))
        .collect();
    assert!(extra.is_empty(), "extra: {extra:?}");
    let differ: Vec<String> = ours
        .iter()
        .filter(|(n, v)| {
            theirs.get(*n).is_some_and(|t| t != *v) && !OWN_VALUE.iter().any(|(o, _)| o == n)
        })
        .map(|(n, v)| format!("{n}: ours {v:?}, redis {:?}", theirs[n]))
        .collect();
    assert!(differ.is_empty(), "{differ:#?}");
    for hidden in ["key-load-delay", "rdb-key-save-delay", "watchdog-period"] {
        let mut c = s.conn();
        assert_eq!(
            config_get(&mut c, hidden),
            config_get(&mut rc, hidden),
            "{hidden}"
        );
    }
}

/// CONFIG SET of each parameter to the value redis-server shows answers
/// as redis-server does: OK where Redis may change it, "can't set
/// immutable/protected config" where not.
#[test]
fn config_set_modes_match_redis() {
    let Some(r) = redis() else { return };
    let s = Server::start();
    let mut c = s.conn();
    let mut rc = Conn::connect(&r.addr);
    // Each server has its own port: setting Redis's on ours would find
    // it in use.
    let not_yet = ["port"];
    let mut differ = Vec::new();
    let mut compared = 0;
    for (name, value) in config_get(&mut rc, "*") {
        if not_yet.contains(&name.as_str()) {
            continue;
        }
        compared += 1;
        let theirs = rc.cmd(&["CONFIG", "SET", &name, &value]);
        let ours = c.cmd(&["CONFIG", "SET", &name, &value]);
        if ours != theirs {
            differ.push(format!(
                "{name}: ours {}, redis {}",
                String::from_utf8_lossy(&ours).trim_end(),
                String::from_utf8_lossy(&theirs).trim_end()
            ));
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
    assert!(compared >= 180, "only {compared} parameters compared");
}

/// Where redis-server refuses a malformed or out-of-range value of a
/// parameter Cinnabar does not implement yet, Cinnabar refuses it with
/// the same error (its own "not available yet" error is only for values
/// Redis would take).
#[test]
fn inert_parameters_parse_as_redis() {
    let Some(r) = redis() else { return };
    let help = Command::new(bin()).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    // `--name <VALUE>...` then its help line (or both on one line).
    let lines: Vec<&str> = help.lines().collect();
    let inert: Vec<&str> = lines
        .iter()
        .enumerate()
        .filter(|(i, l)| {
            l.contains("not available yet")
                || lines.get(i + 1).is_some_and(|n| {
                    n.contains("not available yet") && !n.trim_start().starts_with("--")
                })
        })
        .filter_map(|(_, l)| l.trim_start().strip_prefix("--"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(inert.len() >= 120, "{} inert parameters", inert.len());
    let s = Server::start();
    let mut c = s.conn();
    let mut rc = Conn::connect(&r.addr);
    let (mut compared, mut differ) = (0, Vec::new());
    for name in &inert {
        for bad in [
            "-9223372036854775807",
            "99999999999999999999",
            "abc",
            "1 2 3",
            "-1",
        ] {
            let theirs = rc.cmd(&["CONFIG", "SET", name, bad]);
            if !theirs.starts_with(b"-") {
                continue;
            }
            compared += 1;
            let ours = c.cmd(&["CONFIG", "SET", name, bad]);
            if ours != theirs {
                differ.push(format!(
                    "{name} {bad:?}: ours {}, redis {}",
                    String::from_utf8_lossy(&ours).trim_end(),
                    String::from_utf8_lossy(&theirs).trim_end()
                ));
            }
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
    assert!(compared >= 200, "only {compared} compared");
}

/// Parameters of persistence Cinnabar does not do yet are never ignored:
/// `save` takes "" or Redis's default schedule only, and
/// `aof-timestamp-enabled` only its default.
#[test]
fn unwritten_persistence_settings_are_refused() {
    let s = Server::start();
    let mut c = s.conn();
    c.expect(&["CONFIG", "SET", "save", ""], "+OK\r\n");
    c.expect(
        &["CONFIG", "SET", "save", "3600 1 300 100 60 10000"],
        "+OK\r\n",
    );
    c.expect(
        &["CONFIG", "SET", "save", "900 1"],
        "-ERR CONFIG SET failed (possibly related to argument 'save') - save is not available yet in Cinnabar (RDB): only '' or its default '3600 1 300 100 60 10000' is accepted\r\n",
    );
    c.expect(
        &["CONFIG", "SET", "save", "900 1 300"],
        "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters\r\n",
    );
    c.expect(&["CONFIG", "SET", "aof-timestamp-enabled", "no"], "+OK\r\n");
    let refused =
        String::from_utf8(c.cmd(&["CONFIG", "SET", "aof-timestamp-enabled", "yes"])).unwrap();
    assert!(refused.contains("not available yet"), "{refused}");
}
