//! Scripts in the server, against redis-server 7.0 where the two can be
//! compared: a long-running script and what other clients get meanwhile
//! (BUSY, SCRIPT KILL, SHUTDOWN NOSAVE), what a script leaves in the AOF,
//! who sees its commands (keyspace events, tracking, MONITOR, INFO,
//! SLOWLOG), what a script may run (ACL, noscript, blocking, OOM,
//! read-only), and scripts that push the interpreter's limits.

use std::time::Duration;

use crate::differential::{Cmp, Pair};
use crate::util::*;

const BUSY: &str =
    "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";

/// The addresses of a fresh cinnabar-server and redis-server (kept alive
/// by the returned pair), or None without redis-server.
fn servers() -> Option<(Pair, [String; 2])> {
    let pair = Pair::new()?;
    let addrs = [pair.cin_server().addr.clone(), pair.redis_addr()];
    Some((pair, addrs))
}

/// Sends a script that never ends on `a` and waits until `b` is refused
/// with BUSY.
fn start_busy(a: &mut Conn, b: &mut Conn, script: &str) {
    a.send_cmd(&["EVAL", script, "0"]);
    assert!(
        wait_until(Duration::from_secs(5), || b.cmd(&["PING"])
            == BUSY.as_bytes()),
        "the script did not become busy"
    );
}

/// The command, then its reply, as a transcript line.
fn line(args: &[&str], reply: &[u8]) -> String {
    format!("{} -> {}", args.join(" "), show(reply))
}

/// What another client gets while a read-only script runs past the
/// threshold, up to SCRIPT KILL and after it.
fn busy_transcript(addr: &str) -> Vec<String> {
    let (mut a, mut b) = (Conn::connect(addr), Conn::connect(addr));
    let mut t = Vec::new();
    // lua-time-limit is busy-reply-threshold's old name.
    for c in [
        &["CONFIG", "SET", "lua-time-limit", "50"][..],
        &["CONFIG", "GET", "busy-reply-threshold"],
    ] {
        t.push(line(c, &a.cmd(c)));
    }
    start_busy(&mut a, &mut b, "local x = 0 while true do x = x + 1 end");
    let cmds: &[&[&str]] = &[
        &["GET", "x"],
        &["CLIENT", "ID"],
        &["CLIENT", "LIST"],
        &["INFO", "server"],
        &["EVAL", "return 1", "0"],
        &["SCRIPT", "LOAD", "return 1"],
        &["SCRIPT", "FLUSH"],
        // Transactions go on being queued: a refused command dooms one.
        &["MULTI"],
        &["SET", "x", "1"],
        &["EXEC"],
        &["MULTI"],
        &["DISCARD"],
        &["WATCH", "x"],
        &["UNWATCH"],
        &["AUTH", "nopass"],
        &["AUTH", "default", "nopass"],
        &["HELLO", "2", "SETNAME", "x"],
        // Only NOSAVE may stop the server now.
        &["SHUTDOWN"],
        &["SHUTDOWN", "SAVE"],
        &["SHUTDOWN", "NOW"],
        &["RESET"],
        &["PING"],
    ];
    for c in cmds {
        let r = b.cmd(c);
        // HELLO's reply carries the client id.
        let r = if c[0] == "HELLO" { r[..1].to_vec() } else { r };
        t.push(line(c, &r));
    }
    // New connections are accepted and answered.
    let mut n = Conn::connect(addr);
    t.push(line(&["new", "PING"], &n.cmd(&["PING"])));
    t.push(line(&["SCRIPT", "KILL"], &n.cmd(&["SCRIPT", "KILL"])));
    t.push(line(&["caller"], &a.read_reply()));
    t.push(line(&["SCRIPT", "KILL"], &b.cmd(&["SCRIPT", "KILL"])));
    t.push(line(&["caller", "PING"], &a.cmd(&["PING"])));
    t
}

#[test]
fn busy_script_refuses_others_until_killed() {
    let Some((_pair, [cin, red])) = servers() else {
        return;
    };
    let (c, r) = (busy_transcript(&cin), busy_transcript(&red));
    assert_eq!(c.join("\n"), r.join("\n"));
    // The transcript is what Redis says, not an agreement on nothing.
    assert!(c.iter().any(|l| l.starts_with("SHUTDOWN -> -BUSY")));
    assert!(c.iter().any(|l| l.contains("Script killed by user")));
}

/// A script that catches the kill with pcall still dies, and commands its
/// caller pipelined behind it are served after it.
fn pcall_transcript(addr: &str) -> Vec<String> {
    let (mut a, mut b) = (Conn::connect(addr), Conn::connect(addr));
    a.cmd(&["CONFIG", "SET", "busy-reply-threshold", "50"]);
    let mut p = multibulk(&[
        b"EVAL",
        b"while true do pcall(function() while true do end end) end",
        b"0",
    ]);
    p.extend(multibulk(&[b"SET", b"after", b"1"]));
    p.extend(multibulk(&[b"GET", b"after"]));
    a.send(&p);
    assert!(wait_until(Duration::from_secs(5), || b.cmd(&["PING"])
        == BUSY.as_bytes()));
    // Sent while the script runs: a new edge the busy loop cannot serve
    // (the caller is out of the table), read once the script ends.
    a.send_cmd(&["ECHO", "during"]);
    std::thread::sleep(Duration::from_millis(200));
    let mut t = vec![line(&["SCRIPT", "KILL"], &b.cmd(&["SCRIPT", "KILL"]))];
    for _ in 0..4 {
        t.push(show(&a.read_reply()));
    }
    t
}

#[test]
fn killed_script_dies_through_pcall_and_pipeline_goes_on() {
    let Some((_pair, [cin, red])) = servers() else {
        return;
    };
    let (c, r) = (pcall_transcript(&cin), pcall_transcript(&red));
    assert_eq!(c, r);
    assert_eq!(c.last().unwrap(), "$6\\r\\nduring\\r\\n");
}

/// The incremental AOF file of `dir` (the newest).
fn incr_aof(dir: &str) -> Vec<u8> {
    let mut files: Vec<_> = std::fs::read_dir(format!("{dir}/appendonlydir"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".incr.aof"))
        .collect();
    files.sort();
    std::fs::read(files.last().expect("an incr AOF")).unwrap_or_default()
}

/// The commands of an AOF, one per line; absolute expiry times masked.
fn aof_commands(data: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Ok(Some((v, used))) = parse_reply(rest) {
        rest = &rest[used..];
        let Value::Array(items) = v else { continue };
        let words: Vec<String> = items
            .iter()
            .map(|i| String::from_utf8_lossy(i.as_bytes().unwrap()).into_owned())
            .collect();
        let masked: Vec<String> = words
            .iter()
            .enumerate()
            .map(|(k, w)| {
                let after_time = k > 0 && matches!(&words[k - 1][..], "PXAT" | "pxat");
                let pexpireat = k == 2 && words[0].eq_ignore_ascii_case("PEXPIREAT");
                if after_time || pexpireat {
                    "<ms>".into()
                } else {
                    w.clone()
                }
            })
            .collect();
        out.push(masked.join(" "));
    }
    out
}

/// Scripts whose effects the AOF must show as Redis writes them.
const PROPAGATION: &[&[&str]] = &[
    &["SET", "marker", "1"],
    // Several writes: MULTI/EXEC around them, never the EVAL.
    &[
        "EVAL",
        "redis.call('SET', KEYS[1], 'a') redis.call('INCR', 'n') return 1",
        "1",
        "k1",
    ],
    // Read-only: nothing.
    &["EVAL", "return redis.call('GET', 'k1')", "0"],
    &["EVAL", "redis.call('SET', 'one', '1')", "0"],
    // Cross-database writes: SELECT inside the transaction.
    &[
        "EVAL",
        "redis.call('SELECT', '3') redis.call('SET', 'x', '1') redis.call('SELECT', '0') redis.call('SET', 'y', '1')",
        "0",
    ],
    &["SELECT", "2"],
    &[
        "EVAL",
        "redis.call('SELECT', '5') redis.call('SET', 'z', '1')",
        "0",
    ],
    // The caller's database is the one it had.
    &["SET", "back", "1"],
    &["SELECT", "0"],
    &[
        "EVAL",
        "redis.set_repl(redis.REPL_NONE) redis.call('SET', 'norepl', '1') redis.set_repl(redis.REPL_ALL) redis.call('SET', 'repl', '1')",
        "0",
    ],
    &[
        "EVAL",
        "redis.set_repl(redis.REPL_NONE) redis.call('SET', 'norepl2', '1')",
        "0",
    ],
    // Scripts inside MULTI/EXEC: one transaction around everything.
    &["MULTI"],
    &[
        "EVAL",
        "redis.call('SET', 'm1', '1') redis.call('SET', 'm2', '1')",
        "0",
    ],
    &["SET", "m3", "1"],
    &["EVAL", "redis.call('SET', 'm4', '1')", "0"],
    &["EXEC"],
    // A key the script finds expired goes as DEL.
    &["DEBUG", "SET-ACTIVE-EXPIRE", "0"],
    &["SET", "exp", "1", "PX", "1"],
    &["EVAL", "return redis.call('GET', 'exp')", "0"],
    &["EVAL", "redis.call('SET', 'q', '1') redis.call('SET', 'ex3', '1', 'EX', '100') redis.call('EXPIRE', 'ex3', 50)", "0"],
    // An error after a write: the write stays.
    &["EVAL", "redis.call('SET', 'fail', '1') redis.call('LPUSH', 'fail', 'x')", "0"],
    &["EVAL", "redis.call('SET', 'fail2', '1') error('boom')", "0"],
    &["EVAL_RO", "return redis.call('GET', 'k1')", "0"],
    &["EVAL", "redis.call('SET', 'f', '1') redis.call('INCRBYFLOAT', 'f', 1.5)", "0"],
    &["SET", "end", "1"],
];

/// Runs [`PROPAGATION`] on `c`, then waits until the AOF in `dir` has the
/// last write; returns its commands.
fn propagation_aof(c: &mut Conn, dir: &str) -> Vec<String> {
    for cmd in PROPAGATION {
        c.cmd(cmd);
        if cmd.get(1) == Some(&"exp") {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let mut cmds = Vec::new();
    let found = wait_until(Duration::from_secs(5), || {
        cmds = aof_commands(&incr_aof(dir));
        cmds.last().is_some_and(|l| l == "SET end 1")
    });
    assert!(found, "AOF of {dir}: {cmds:?}");
    cmds
}

#[test]
fn script_effects_in_the_aof_as_redis_and_after_restart() {
    if !tool("redis-server") {
        return;
    }
    let rdir = TempDir::new("sem-aof-redis");
    let Some(redis) = redis_in(
        rdir.path(),
        &["--appendonly", "yes", "--enable-debug-command", "yes"],
    ) else {
        return;
    };
    let cdir = TempDir::new("sem-aof-cin");
    let srv = Server::start_in(cdir.path(), &["--appendonly", "yes"]);
    let mut r = Conn::connect(&redis.addr);
    let mut c = srv.conn();
    let want = propagation_aof(&mut r, rdir.path());
    let got = propagation_aof(&mut c, cdir.path());
    assert_eq!(got.join("\n"), want.join("\n"));
    assert!(!got
        .iter()
        .any(|l| l.to_ascii_uppercase().starts_with("EVAL")));
    // Restarting from the AOF gives the same dataset.
    let before = dump(&mut c);
    drop(c);
    drop(srv);
    let srv = Server::start_in(cdir.path(), &["--appendonly", "yes"]);
    let mut c = srv.conn();
    let after = dump(&mut c);
    let keys = |d: &Dataset| d.keys().cloned().collect::<Vec<_>>();
    // Effects kept out with REPL_NONE are gone after the restart.
    let mut expect = keys(&before);
    expect.retain(|(_, k)| !k.starts_with(b"norepl"));
    assert_eq!(keys(&after), expect);
}

/// SHUTDOWN NOSAVE while a script that wrote runs: the server exits, and
/// the script's writes are not in the AOF after a restart.
#[test]
fn shutdown_nosave_during_unkillable_script() {
    let dir = TempDir::new("sem-shutdown");
    let mut srv = Server::start_in(dir.path(), &["--appendonly", "yes"]);
    let (mut a, mut b) = (srv.conn(), srv.conn());
    a.expect(&["SET", "before", "1"], "+OK\r\n");
    a.expect(&["CONFIG", "SET", "busy-reply-threshold", "50"], "+OK\r\n");
    start_busy(
        &mut a,
        &mut b,
        "redis.call('SET', 'partial', '1') while true do end",
    );
    b.expect(
        &["SCRIPT", "KILL"],
        "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n",
    );
    b.expect(&["SHUTDOWN"], BUSY);
    b.send_cmd(&["SHUTDOWN", "NOSAVE"]);
    assert_eq!(b.read_to_close(), b"");
    assert_eq!(a.read_to_close(), b"");
    assert!(srv.wait_exit(Duration::from_secs(10)).is_some());
    let srv = Server::start_in(dir.path(), &["--appendonly", "yes"]);
    let mut c = srv.conn();
    c.expect(&["GET", "before"], "$1\r\n1\r\n");
    c.expect(&["EXISTS", "partial"], ":0\r\n");
}

/// Masks what differs between two servers' MONITOR lines: the time and
/// the client's address.
fn monitor_line(l: &str) -> String {
    let rest = l.split_once(' ').map_or(l, |(_, r)| r);
    match rest.split_once(']') {
        Some((head, tail)) if head.contains(" lua") => format!("{head}]{tail}"),
        Some((head, tail)) => format!("{}]{tail}", head.split(' ').next().unwrap_or("")),
        None => rest.to_string(),
    }
}

#[test]
fn script_commands_seen_by_events_tracking_and_monitor() {
    let Some(mut p) = Pair::new() else {
        return;
    };
    p.check_str(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
    p.check_str(&["SET", "k", "v"]);
    let (mut mc, mut mr) = p.extra_conns();
    let (mut sc, mut sr) = p.extra_conns();
    let (mut tc, mut tr) = p.extra_conns();
    let (mut bc, mut br) = p.extra_conns();
    for (m, s, t, b) in [
        (&mut mc, &mut sc, &mut tc, &mut bc),
        (&mut mr, &mut sr, &mut tr, &mut br),
    ] {
        m.expect(&["MONITOR"], "+OK\r\n");
        s.cmd(&["PSUBSCRIBE", "__key*__:*"]);
        t.cmd(&["HELLO", "3"]);
        t.expect(&["CLIENT", "TRACKING", "on"], "+OK\r\n");
        b.cmd(&["HELLO", "3"]);
        b.expect(
            &["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "k"],
            "+OK\r\n",
        );
        // Redis 7.0 tracks the keys a script declared, once it runs a
        // read-only command; not the keys the commands inside name.
        for c in [
            &["EVAL", "return redis.call('GET', 'other')", "2", "k", "k2"][..],
            &["EVAL", "return redis.call('GET', 'k3')", "0"],
            &["EVAL", "return 1", "1", "k4"],
            &["EVAL", "return redis.call('SET', KEYS[1], '1')", "1", "k5"],
            &["EVAL_RO", "return redis.call('EXISTS', 'k6')", "1", "k7"],
            &["EVAL_RO", "return 1", "1", "k8"],
        ] {
            t.cmd(c);
        }
    }
    p.check_str(&[
        "EVAL",
        "for _, k in ipairs(KEYS) do redis.call('SET', k, 'x') end redis.call('SELECT', '1') redis.call('SET', 'k9', 'z') return 1",
        "8",
        "k",
        "k2",
        "k3",
        "k4",
        "k5",
        "k6",
        "k7",
        "k8",
    ]);
    p.check_str(&["PING"]);
    let drain = |c: &mut Conn| {
        c.s.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut all = Vec::new();
        while let Some(r) = c.try_read_reply() {
            all.push(show(&r));
        }
        all
    };
    let (tc_out, tr_out) = (drain(&mut tc), drain(&mut tr));
    assert_eq!(tc_out, tr_out, "default-mode invalidations");
    assert!(tc_out.iter().any(|l| l.contains("k7")));
    assert_eq!(drain(&mut bc), drain(&mut br), "BCAST invalidations");
    assert_eq!(drain(&mut sc), drain(&mut sr), "keyspace events");
    let lines =
        |c: &mut Conn| -> Vec<String> { drain(c).iter().map(|l| monitor_line(l)).collect() };
    let (mon_c, mon_r) = (lines(&mut mc), lines(&mut mr));
    assert_eq!(mon_c, mon_r, "MONITOR");
    assert!(mon_c.iter().any(|l| l.contains("[1 lua] \"SET\" \"k9\"")));
}

/// INFO commandstats for the calls of a script and its commands, the
/// slow log's entries, CLIENT LIST's last command.
#[test]
fn script_commands_in_stats_slowlog_and_client_list() {
    let Some(mut p) = Pair::new() else {
        return;
    };
    p.check_str(&["CONFIG", "RESETSTAT"]);
    p.check_str(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
    p.check_str(&["SLOWLOG", "RESET"]);
    p.check_str(&[
        "EVAL",
        "redis.call('SET', 'a', '1') redis.pcall('INCR', 'a', 'b') return redis.call('GET', 'a')",
        "0",
    ]);
    p.check_str(&["EVAL_RO", "return redis.call('GET', 'a')", "0"]);
    // The slow log: each entry's command, peer and name (times, ids and
    // the servers' own ports masked); a script's commands are logged as
    // its Lua client's.
    fn slow_cmds(v: Value) -> Value {
        let Value::Array(entries) = v else { return v };
        let peer = |v: Value| match v.as_bytes() {
            Some(p) if p.starts_with(b"127.0.0.1:") => Value::Bulk(b"local".to_vec()),
            _ => v,
        };
        Value::Array(
            entries
                .into_iter()
                .map(|e| match e {
                    Value::Array(f) => {
                        let f: Vec<Value> = f.into_iter().skip(3).collect();
                        let mut it = f.into_iter();
                        let (cmd, p, name) = (it.next(), it.next(), it.next());
                        Value::Array(vec![
                            cmd.unwrap_or(Value::Nil),
                            peer(p.unwrap_or(Value::Nil)),
                            name.unwrap_or(Value::Nil),
                        ])
                    }
                    other => other,
                })
                .collect(),
        )
    }
    p.check_with(&[b"SLOWLOG", b"GET"], Cmp::Normalized(slow_cmds));
    p.check_str(&["CONFIG", "SET", "slowlog-log-slower-than", "10000"]);
    p.check_with(&[b"INFO", b"commandstats"], Cmp::Normalized(counts));
    fn cmd_field(v: Value) -> Value {
        let text = String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned();
        let f: Vec<&str> = text.split(' ').filter(|w| w.starts_with("cmd=")).collect();
        Value::Bulk(f.join(" ").into_bytes())
    }
    // The caller's last command, seen from another client.
    let (mut c, mut r) = p.extra_conns();
    let (mut c2, mut r2) = p.extra_conns();
    let mut fields = Vec::new();
    for (x, y) in [(&mut c, &mut c2), (&mut r, &mut r2)] {
        let id = client_id(x);
        x.cmd(&["EVAL", "return redis.call('GET', 'a')", "0"]);
        fields.push(cmd_field(y.value(&["CLIENT", "LIST", "ID", &id])));
    }
    assert_eq!(fields[0], fields[1]);
    assert_eq!(fields[0], Value::Bulk(b"cmd=eval".to_vec()));
}

/// INFO commandstats, errorstats or stats lines that count (calls,
/// rejected and failed calls, errors), sorted; durations left out.
fn counts(v: Value) -> Value {
    let text = String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned();
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| {
            l.starts_with("cmdstat_") || l.starts_with("errorstat_") || l.starts_with("total_error")
        })
        .map(|l| {
            l.split(",usec=").next().unwrap().to_string()
                + &l.split(",rejected_calls")
                    .nth(1)
                    .map(|r| format!(",rejected_calls{r}"))
                    .unwrap_or_default()
        })
        .collect();
    lines.sort();
    Value::Bulk(lines.join("\n").into_bytes())
}

/// The client id of a connection (as a string).
fn client_id(c: &mut Conn) -> String {
    match c.value(&["CLIENT", "ID"]) {
        Value::Int(i) => i.to_string(),
        other => panic!("{other:?}"),
    }
}

/// INFO memory's and MEMORY STATS' script fields follow the cache.
#[test]
fn script_memory_fields() {
    let srv = Server::start();
    let mut c = srv.conn();
    let field = |c: &mut Conn, f: &str| info_field(c, f).parse::<u64>().unwrap();
    assert_eq!(field(&mut c, "number_of_cached_scripts"), 0);
    assert_eq!(field(&mut c, "used_memory_scripts_eval"), 0);
    for i in 0..5 {
        c.cmd(&["EVAL", &format!("return {i}"), "0"]);
    }
    assert_eq!(field(&mut c, "number_of_cached_scripts"), 5);
    let eval = field(&mut c, "used_memory_scripts_eval");
    assert!(eval > 0);
    assert_eq!(field(&mut c, "used_memory_scripts"), eval);
    let lua = field(&mut c, "used_memory_lua");
    assert!(lua > 10_000, "{lua}");
    assert_eq!(field(&mut c, "used_memory_vm_eval"), lua);
    assert_eq!(info_field(&mut c, "used_memory_lua_human"), human(lua));
    let stats = c.value(&["MEMORY", "STATS"]);
    let Value::Array(items) = stats else {
        panic!("{stats:?}")
    };
    let pos = items
        .iter()
        .position(|v| v.as_bytes() == Some(b"lua.caches"))
        .unwrap();
    assert_eq!(items[pos + 1], Value::Int(eval as i64));
    c.expect(&["SCRIPT", "FLUSH"], "+OK\r\n");
    assert_eq!(field(&mut c, "number_of_cached_scripts"), 0);
    assert_eq!(field(&mut c, "used_memory_scripts_eval"), 0);
}

/// Redis's bytesToHuman for the sizes above.
fn human(n: u64) -> String {
    if n < 1024 {
        format!("{n}B")
    } else if n < 1024 * 1024 {
        format!("{:.2}K", n as f64 / 1024.0)
    } else {
        format!("{:.2}M", n as f64 / 1024.0 / 1024.0)
    }
}

/// What a script may run: refusals' texts, blocking commands, databases,
/// read-only scripts, binary arguments.
#[test]
fn admission_inside_scripts_as_redis() {
    let Some(mut p) = Pair::new() else {
        return;
    };
    let cases: &[&[&str]] = &[
        &[
            "EVAL",
            "return redis.call('BLMPOP', '1', '1', 'l', 'LEFT')",
            "0",
        ],
        &[
            "EVAL",
            "return redis.call('BZMPOP', '1', '1', 'z', 'MIN')",
            "0",
        ],
        &[
            "EVAL",
            "return redis.call('XREAD', 'BLOCK', '1000', 'STREAMS', 's', '$')",
            "0",
        ],
        &[
            "EVAL",
            "return redis.call('xreadgroup', 'GROUP', 'g', 'c', 'BLOCK', '1', 'STREAMS', 's', '>')",
            "0",
        ],
        &[
            "EVAL",
            "return redis.call('XREAD', 'COUNT', '1', 'STREAMS', 's', '0')",
            "0",
        ],
        &["EVAL", "return redis.call('BLPOP', 'l', '1')", "0"],
        &[
            "EVAL",
            "return redis.call('BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '1')",
            "0",
        ],
        &["EVAL", "return redis.call('SUBSCRIBE', 'c')", "0"],
        &["EVAL", "return redis.call('MULTI')", "0"],
        &["EVAL", "return redis.call('EVAL', 'return 1', '0')", "0"],
        &["EVAL", "return redis.call('CLIENT', 'LIST')", "0"],
        &["EVAL", "return redis.pcall('CLIENT', 'ID')", "0"],
        &["EVAL", "return redis.call('SHUTDOWN')", "0"],
        &[
            "EVAL",
            "return redis.call('CONFIG', 'SET', 'maxmemory', '0')",
            "0",
        ],
        &["EVAL", "return redis.call('SCRIPT', 'KILL')", "0"],
        &["EVAL", "return redis.call('PUBLISH', 'ch', 'm')", "0"],
        &["SET", "indb0", "1"],
        &[
            "EVAL",
            "redis.call('SELECT', '3') redis.call('SET', 'in3', '1') return redis.call('DBSIZE')",
            "0",
        ],
        &["DBSIZE"],
        &["EVAL", "return redis.call('GET', 'indb0')", "0"],
        &["EVAL_RO", "return redis.call('SET', 'x', '1')", "0"],
        &["EVAL_RO", "return redis.pcall('SET', 'x', '1')", "0"],
        &[
            "EVALSHA_RO",
            "e0e1f9fabfc9d4800c877a703b823ac0578ff8db",
            "0",
        ],
        &[
            "EVAL",
            "#!lua flags=no-writes\nreturn redis.call('SET', 'x', '1')",
            "0",
        ],
        &[
            "EVAL",
            "#!lua flags=no-writes\nreturn redis.call('GET', 'x')",
            "0",
        ],
        &["EVAL_RO", "#!lua\nreturn 1", "0"],
        &["EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"],
        &["EVAL", "return redis.call('ECHO', '\\0a\\0')", "0"],
        &[
            "EVAL",
            "return {ARGV[1], KEYS[1], #ARGV[1]}",
            "1",
            "k\0y",
            "a\0b",
        ],
        &[
            "EVAL",
            "return redis.call('SET', KEYS[1], ARGV[1])",
            "1",
            "k\0y",
            "a\0b",
        ],
        &["GET", "k\0y"],
    ];
    for c in cases {
        p.check_str(c);
    }
    // Not blocked: the stream/list commands replied at once above.
    p.check_str(&["PING"]);
}

/// ACL per command inside a script: the script's wording, the ACL log
/// entry with context lua.
#[test]
fn acl_inside_scripts_as_redis() {
    let Some(mut p) = Pair::new() else {
        return;
    };
    p.check_str(&[
        "ACL", "SETUSER", "u", "on", ">p", "~k*", "+eval", "+get", "+acl|log",
    ]);
    p.check_str(&["AUTH", "u", "p"]);
    p.check_str(&["EVAL", "return redis.call('GET', 'k1')", "0"]);
    p.check_str(&["EVAL", "return redis.call('SET', 'k1', '1')", "0"]);
    p.check_str(&["EVAL", "return redis.call('GET', 'other')", "0"]);
    p.check_str(&["EVAL", "return redis.pcall('GET', 'other')", "0"]);
    fn entries(v: Value) -> Value {
        // reason, context, object, username of each entry.
        let Value::Array(es) = v else { return v };
        Value::Array(
            es.into_iter()
                .map(|e| match e {
                    Value::Array(f) => Value::Array(
                        f.chunks(2)
                            .filter(|kv| {
                                matches!(
                                    kv[0].as_bytes(),
                                    Some(
                                        b"reason" | b"context" | b"object" | b"username" | b"count"
                                    )
                                )
                            })
                            .flat_map(|kv| kv.to_vec())
                            .collect(),
                    ),
                    other => other,
                })
                .collect(),
        )
    }
    p.check_with(&[b"ACL", b"LOG"], Cmp::Normalized(entries));
}

/// maxmemory: writes refused before the script's first write, shebang
/// scripts refused at EVAL unless no-writes or allow-oom.
#[test]
fn oom_inside_scripts_as_redis() {
    let Some(mut p) = Pair::new() else {
        return;
    };
    p.check_str(&["SET", "big", &"x".repeat(10_000)]);
    p.check_str(&["CONFIG", "SET", "maxmemory", "1"]);
    for c in [
        &["EVAL", "return redis.call('SET', 'a', 'b')", "0"][..],
        &["EVAL", "return redis.pcall('SET', 'a', 'b')", "0"],
        &["EVAL", "return redis.call('GET', 'big') ~= nil", "0"],
        &["EVAL", "return redis.call('DEL', 'nothing')", "0"],
        &["EVAL", "#!lua\nreturn 1", "0"],
        &[
            "EVAL",
            "#!lua flags=no-writes\nreturn redis.call('STRLEN', 'big')",
            "0",
        ],
        &[
            "EVAL",
            "#!lua flags=allow-oom\nreturn redis.call('SET', 'a', 'b')",
            "0",
        ],
        &["EVAL_RO", "return redis.call('STRLEN', 'big')", "0"],
        // Once it wrote, a script may go on writing.
        &[
            "EVAL",
            "redis.call('DEL', 'big') return redis.call('SET', 'a', 'b')",
            "0",
        ],
        &["EXISTS", "a", "big"],
    ] {
        p.check_str(c);
    }
    p.check_str(&["CONFIG", "SET", "maxmemory", "0"]);
}

/// CLIENT PAUSE WRITE holds EVAL (it may write) but not EVAL_RO.
#[test]
fn client_pause_write_holds_eval_not_eval_ro() {
    let Some(p) = Pair::new() else {
        return;
    };
    let (mut c, mut r) = p.extra_conns();
    let (mut c2, mut r2) = p.extra_conns();
    for (x, y) in [(&mut c, &mut c2), (&mut r, &mut r2)] {
        x.expect(&["CLIENT", "PAUSE", "10000", "WRITE"], "+OK\r\n");
        y.s.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        y.send_cmd(&["EVAL", "return redis.call('GET', 'a')", "0"]);
        assert_eq!(
            y.try_read_reply(),
            None,
            "EVAL runs during CLIENT PAUSE WRITE"
        );
        // The held EVAL's reply is still to come on y: use x.
        x.expect(&["EVAL_RO", "return 'ro'", "0"], "$2\r\nro\r\n");
        x.expect(
            &["EVAL", "#!lua flags=no-writes\nreturn 'nw'", "0"],
            "$2\r\nnw\r\n",
        );
        x.expect(&["CLIENT", "UNPAUSE"], "+OK\r\n");
        y.s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(y.read_reply(), b"$-1\r\n");
    }
}

/// A script allocating without bound fails cleanly at the interpreter's
/// limit; the server stays up and the Lua heap is freed again. Deep
/// recursion and a 10 MB script body behave as Redis's.
#[test]
fn scripts_at_the_interpreters_limits() {
    let srv = Server::start();
    let mut c = srv.conn();
    let r = c.cmd(&[
        "EVAL",
        "local t = {} local s = string.rep('x', 1024 * 1024) while true do t[#t + 1] = s .. #t end",
        "0",
    ]);
    assert!(
        show(&r).starts_with("-ERR") && show(&r).contains("not enough memory"),
        "{}",
        show(&r)
    );
    c.expect(&["PING"], "+PONG\r\n");
    c.expect(&["EVAL", "return 'fine'", "0"], "$4\r\nfine\r\n");
    let Some(mut p) = Pair::new() else {
        return;
    };
    let body = format!("return #'{}'", "y".repeat(10 << 20));
    for cmd in [
        &[
            "EVAL",
            "local function f(n) return 1 + f(n + 1) end return f(1)",
            "0",
        ][..],
        &[
            "EVAL",
            "local function f(n) return pcall(f, n + 1) end return f(1)",
            "0",
        ],
        &[
            "EVAL",
            "return string.rep('x', 10 * 1024 * 1024):len()",
            "0",
        ],
        &["EVAL", &body, "0"],
        &["PING"],
    ] {
        p.check_str(cmd);
    }
}

/// The garbage a script left at the interpreter's memory limit must not
/// starve the next script: the engine collects it after a failed run that
/// left much memory (Lua 5.1 has no emergency collection).
#[test]
fn script_after_the_memory_limit_has_room() {
    let srv = Server::start();
    let mut c = srv.conn();
    let r = c.cmd(&[
        "EVAL",
        "local t = {} local s = string.rep('x', 1024 * 1024) while true do t[#t + 1] = s .. #t end",
        "0",
    ]);
    assert!(show(&r).contains("not enough memory"), "{}", show(&r));
    c.expect(
        &["EVAL", "return #string.rep('x', 100 * 1024 * 1024)", "0"],
        ":104857600\r\n",
    );
}

/// Errors inside scripts count once in errorstats (where they happened),
/// and every error reply of a script is a failed call of it.
#[test]
fn script_errors_counted_as_redis() {
    let Some(mut p) = Pair::new() else {
        return;
    };
    p.check_str(&["CONFIG", "RESETSTAT"]);
    for script in [
        "redis.pcall('INCR', 'a', 'b') return 1",
        "redis.call('INCR', 'a', 'b') return 1",
        "redis.call('NOPE') return 1",
        "return redis.pcall('NOPE')",
        "return redis.pcall('BLPOP', 'a', '0')",
        "redis.call('SET', 'a', 'b') return redis.pcall('LPUSH', 'a', 'b')",
        "redis.call('LPUSH', 'a', 'b')",
        "error('x')",
        "return redis.error_reply('MY err')",
        "return {err = 'OWN x'}",
        "error({err = 'TBL y'})",
    ] {
        p.check_str(&["EVAL", script, "0"]);
    }
    p.check_str(&["EVAL_RO", "return redis.pcall('SET', 'a', 'b')", "0"]);
    for section in ["commandstats", "errorstats", "stats"] {
        p.check_with(&[b"INFO", section.as_bytes()], Cmp::Normalized(counts));
    }
}
