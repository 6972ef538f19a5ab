//! The real Redis tools against cinnabar-server: redis-benchmark and
//! redis-cli (one-shot, --pipe, --stat, --scan, --bigkeys, --memkeys, the
//! latency modes, and interactive hints in a terminal under tmux).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::*;

#[test]
fn redis_benchmark_runs_clean() {
    if !tool("redis-benchmark") {
        return;
    }
    let srv = Server::start();
    let finals = run_redis_benchmark(srv.port(), "ping,set,get,incr,mset", "20000");
    assert_benchmarked(
        &finals,
        &[
            "PING_INLINE",
            "PING_MBULK",
            "SET",
            "GET",
            "INCR",
            "MSET (10 keys)",
        ],
    );
}

/// The per-connection setups redis-benchmark can send: `CLIENT TRACKING
/// on` (--enable-tracking) and `HELLO 3` (-3), then its workload.
#[test]
fn redis_benchmark_tracking_and_resp3_run_clean() {
    if !tool("redis-benchmark") {
        return;
    }
    let srv = Server::start_with(&["--appendonly", "no"]);
    for extra in [
        &["--enable-tracking"][..],
        &["-3"],
        &["--enable-tracking", "-3"],
    ] {
        let finals = run_redis_benchmark_with(srv.port(), extra, "set,get", "20000");
        assert_benchmarked(&finals, &["SET", "GET"]);
    }
}

/// The data-type workloads of redis-benchmark's default run.
#[test]
fn redis_benchmark_data_types_run_clean() {
    if !tool("redis-benchmark") {
        return;
    }
    let srv = Server::start_with(&["--appendonly", "no"]);
    let tests = "lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange";
    let finals = run_redis_benchmark(srv.port(), tests, "20000");
    assert_benchmarked(
        &finals,
        &[
            "LPUSH",
            "RPUSH",
            "LPOP",
            "RPOP",
            "SADD",
            "HSET",
            "SPOP",
            "ZADD",
            "ZPOPMIN",
            "LPUSH (needed to benchmark LRANGE)",
            "LRANGE_100 (first 100 elements)",
            "LRANGE_300 (first 300 elements)",
            "LRANGE_500 (first 500 elements)",
            "LRANGE_600 (first 600 elements)",
        ],
    );
}

/// redis-benchmark 7.0.15 has no `xadd` test (`-t xadd` runs nothing;
/// it arrived in 7.2), so XADD runs as a custom command, as newer
/// default runs do it: `XADD key * field value`.
#[test]
fn redis_benchmark_xadd_runs_clean() {
    if !tool("redis-benchmark") {
        return;
    }
    let srv = Server::start_with(&["--appendonly", "no"]);
    let out = Command::new("redis-benchmark")
        .args(["-p", &srv.port().to_string(), "-n", "20000", "-q"])
        .args(["XADD", "bench", "*", "myfield", "myvalue"])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{all}");
    assert!(!all.contains("WARNING") && !all.contains("ERR"), "{all}");
    assert!(all.contains("requests per second"), "{all}");
    let mut c = srv.conn();
    c.expect(&["XLEN", "bench"], ":20000\r\n");
}

#[test]
fn redis_cli_one_shot_commands() {
    if !tool("redis-cli") {
        return;
    }
    let srv = Server::start();
    let cli = |args: &[&str]| {
        let out = Command::new("redis-cli")
            .args(["-p", &srv.port().to_string()])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    };
    assert_eq!(cli(&["SET", "greeting", "hello world"]), "OK");
    assert_eq!(cli(&["GET", "greeting"]), "hello world");
    assert_eq!(cli(&["INCR", "n"]), "1");
    assert_eq!(cli(&["GET", "nokey"]), "");
    let hello = cli(&["-3", "HELLO", "3"]);
    assert_eq!(
        hello.lines().take(4).collect::<Vec<_>>(),
        ["server redis", "version 7.0.15", "proto 3", "id 5"]
    );
    assert!(cli(&["INFO", "server"]).contains("redis_version:7.0.15"));
    assert_eq!(cli(&["DBSIZE"]), "2");
}

#[test]
fn redis_cli_pipe_mass_insertion() {
    if !tool("redis-cli") {
        return;
    }
    let srv = Server::start();
    let mut input = Vec::new();
    for i in 0..100_000 {
        input.extend(multibulk(&[
            b"SET",
            format!("key:{i}").as_bytes(),
            format!("value:{i}").as_bytes(),
        ]));
    }
    let mut child = Command::new("redis-cli")
        .args(["-p", &srv.port().to_string(), "--pipe"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("errors: 0, replies: 100000"), "{text}");
    srv.conn().expect(&["DBSIZE"], ":100000\r\n");
    srv.conn()
        .expect(&["GET", "key:99999"], "$11\r\nvalue:99999\r\n");
}

/// Runs redis-cli with `args` against `port` (under `timeout` when given),
/// returning its standard output.
fn cli_output(port: u16, timeout: Option<&str>, args: &[&str]) -> String {
    let port = port.to_string();
    let mut cmd = match timeout {
        Some(t) => {
            let mut c = Command::new("timeout");
            c.args([t, "redis-cli"]);
            c
        }
        None => Command::new("redis-cli"),
    };
    let out = cmd.args(["-p", &port]).args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Keys of every type for --memkeys and --bigkeys.
fn fill_types(c: &mut Conn) {
    for i in 0..20 {
        c.cmd(&["SET", &format!("s{i}"), &"v".repeat(i * 10)]);
    }
    c.cmd(&["RPUSH", "biglist", "a", "b", "c", "d"]);
    c.cmd(&["HSET", "bighash", "f1", "v1", "f2", "v2"]);
    c.cmd(&["SADD", "bigset", "x", "y", "z"]);
    c.cmd(&["ZADD", "bigzset", "1", "a"]);
}

#[test]
fn redis_cli_memkeys_and_bigkeys() {
    if !tool("redis-cli") {
        return;
    }
    let srv = Server::start();
    fill_types(&mut srv.conn());
    let mem = cli_output(srv.port(), None, &["--memkeys"]);
    assert!(mem.contains("Biggest string found '\"s19\"' has "), "{mem}");
    assert!(
        mem.contains("Biggest   list found '\"biglist\"' has "),
        "{mem}"
    );
    assert!(mem.contains("20 strings with "), "{mem}");
    assert!(mem.contains("1 zsets with "), "{mem}");
    let big = cli_output(srv.port(), None, &["--bigkeys"]);
    assert!(
        big.contains("Biggest string found '\"s19\"' has 190 bytes"),
        "{big}"
    );
    assert!(
        big.contains("Biggest   list found '\"biglist\"' has 4 items"),
        "{big}"
    );
    assert!(
        big.contains("Biggest   hash found '\"bighash\"' has 2 fields"),
        "{big}"
    );
    assert!(big.contains("1 sets with 3 members"), "{big}");
}

#[test]
fn redis_cli_latency_modes() {
    if !tool("redis-cli") || !tool("timeout") {
        return;
    }
    let srv = Server::start();
    // Not on a terminal, --latency samples for a while, prints
    // "min max avg samples" once and exits.
    let out = cli_output(srv.port(), Some("20"), &["--latency"]);
    let f: Vec<f64> = out.split_whitespace().map(|x| x.parse().unwrap()).collect();
    assert_eq!(f.len(), 4, "{out}");
    assert!(f[0] <= f[2] && f[2] <= f[1] && f[3] > 10.0, "{out}");
    // --intrinsic-latency measures the machine, not the server, and exits.
    let out = cli_output(srv.port(), Some("20"), &["--intrinsic-latency", "1"]);
    assert!(out.contains("Max latency so far:"), "{out}");
    assert!(out.contains("total runs (avg latency:"), "{out}");
    // --latency-history never exits and only flushes on a terminal:
    // give it one through script(1), where available.
    if !tool("script") {
        return;
    }
    let cmd = format!("redis-cli -p {} --latency-history -i 1", srv.port());
    let out = Command::new("timeout")
        .args(["3", "script", "-qc", &cmd, "/dev/null"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("min: "), "{text}");
    assert!(text.contains(" samples)"), "{text}");
    assert!(text.contains("avg: "), "{text}");
}

/// `redis-cli --stat` (through script(1): it prints only on a terminal)
/// reads keys, mem, clients, blocked, requests and connections from INFO;
/// `--scan` walks SCAN, with and without a pattern.
#[test]
fn redis_cli_stat_and_scan() {
    if !tool("redis-cli") || !tool("script") {
        return;
    }
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(
        &["MSET", "a", "1", "b", "2", "user:1", "x", "user:2", "y"],
        "+OK\r\n",
    );
    let cmd = format!("redis-cli -p {} --stat -i 0.2", srv.port());
    let out = Command::new("timeout")
        .args(["2", "script", "-qc", &cmd, "/dev/null"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    assert!(lines.len() >= 4, "{text}");
    assert!(lines[0].starts_with("------- data ------"), "{text}");
    let head: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        head,
        [
            "keys",
            "mem",
            "clients",
            "blocked",
            "requests",
            "connections"
        ]
    );
    // keys, mem (with a unit), clients (this one and redis-cli), blocked.
    let row: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(row[0], "4", "{text}");
    assert!(row[1].ends_with('K') || row[1].ends_with('M'), "{text}");
    assert_eq!(&row[2..4], ["2", "0"], "{text}");
    let scan = |args: &[&str]| {
        let out = Command::new("redis-cli")
            .args(["-p", &srv.port().to_string(), "--scan"])
            .args(args)
            .output()
            .unwrap();
        let mut keys: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(String::from)
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(scan(&[]), ["a", "b", "user:1", "user:2"]);
    assert_eq!(scan(&["--pattern", "user:*"]), ["user:1", "user:2"]);
}

/// Interactive redis-cli in a real terminal (tmux): typing a command shows
/// the argument hint taken from COMMAND DOCS, and Enter shows the reply.
#[test]
fn redis_cli_interactive_hints_under_tmux() {
    if !tool("redis-cli") || !tool("tmux") {
        return;
    }
    let srv = Server::start();
    let session = format!("cinnabar-cli-{}-{}", std::process::id(), srv.port());
    let tmux = |args: &[&str]| Command::new("tmux").args(args).output().unwrap();
    let cli = format!("redis-cli -p {}", srv.port());
    let started = tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "200",
        "-y",
        "20",
        &cli,
    ]);
    assert!(started.status.success(), "{started:?}");
    let screen = || {
        String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &session]).stdout).into_owned()
    };
    let prompt = format!("127.0.0.1:{}>", srv.port());
    let shows = |want: &str| wait_until(Duration::from_secs(10), || screen().contains(want));
    assert!(shows(&prompt), "{}", screen());
    tmux(&["send-keys", "-t", &session, "SET greeting "]);
    let hint = "SET greeting value [NX|XX] [GET] [EX seconds|PX milliseconds";
    let hinted = shows(hint);
    let seen = screen();
    tmux(&["send-keys", "-t", &session, "hello", "Enter"]);
    let replied = shows("OK");
    tmux(&["send-keys", "-t", &session, "GET greeting", "Enter"]);
    let got = shows("\"hello\"");
    let last = screen();
    tmux(&["kill-session", "-t", &session]);
    assert!(hinted, "no hint on screen:\n{seen}");
    assert!(replied && got, "{last}");
    srv.conn().expect(&["GET", "greeting"], "$5\r\nhello\r\n");
}
