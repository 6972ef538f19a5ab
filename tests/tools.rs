//! The real Redis tools against cinnabar-server: redis-benchmark and
//! redis-cli (one-shot and --pipe).

use std::io::Write;
use std::process::{Command, Stdio};

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
