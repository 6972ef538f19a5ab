//! What a client sees in Redis's client modes, compared with redis-server
//! 7.0 (issue 19): pushes under CLIENT REPLY OFF|SKIP, CLIENT PAUSE (what
//! it holds, expiry, INFO), query buffers shrinking, SWAPDB waking
//! blocked clients, SLOWLOG and MONITOR showing commands as sent.

use std::time::Duration;

use crate::util::*;

/// One step of a two-client script: `A` commands go to the client under
/// test (whose replies are read only at barriers), `B` commands to a
/// helper whose replies are read at once.
enum Step {
    A(&'static [&'static str]),
    B(&'static [&'static str]),
    /// Everything client A received so far: its transcript is read up to
    /// a marker it sends with replies turned on for a moment.
    Barrier,
}

/// Runs `script` against the server at `addr` and returns the transcript
/// of both clients, readable: one line per B command, one per barrier
/// with what A received since the last.
fn transcript(addr: &str, resp: &str, script: &[Step]) -> Vec<String> {
    let (mut a, mut b) = (Conn::connect(addr), Conn::connect(addr));
    a.cmd(&["HELLO", resp]);
    // A lost push fails the test quickly.
    a.s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let mut log = Vec::new();
    for (i, step) in script.iter().enumerate() {
        match step {
            Step::A(cmd) => a.send_cmd(cmd),
            Step::B(cmd) => log.push(format!("B {cmd:?} -> {}", show(&b.cmd(cmd)))),
            Step::Barrier => {
                // A shard-channel confirmation is a push, which gets
                // through in either protocol and in subscribed mode.
                let marker = format!("barrier-{i}");
                a.send_cmd(&["SSUBSCRIBE", &marker]);
                let mut got = Vec::new();
                loop {
                    let r = a.read_reply();
                    if show(&r).contains(&marker) {
                        break;
                    }
                    got.push(show(&r));
                }
                log.push(format!("A {}", got.join(" | ")));
            }
        }
    }
    log
}

/// Runs `script` on both servers in protocol `resp` and compares.
#[track_caller]
fn same_transcripts(resp: &str, script: &[Step]) -> Option<Vec<String>> {
    let red = redis()?;
    let cin = Server::start();
    let ours = transcript(&format!("127.0.0.1:{}", cin.port()), resp, script);
    let theirs = transcript(&red.addr, resp, script);
    assert_eq!(ours.join("\n"), theirs.join("\n"), "RESP{resp}");
    Some(ours)
}

/// Issue 19: CLIENT REPLY OFF|SKIP drops replies but never pushes:
/// (un)subscribe confirmations, messages (also its own, published by
/// itself), tracking invalidations, in RESP3 and RESP2 alike.
#[test]
fn client_reply_off_keeps_pushes() {
    use Step::*;
    let script = [
        A(&["CLIENT", "REPLY", "OFF"]),
        A(&["SUBSCRIBE", "ch", "x"]),
        A(&["PSUBSCRIBE", "p*"]),
        Barrier,
        B(&["PUBLISH", "ch", "m1"]),
        B(&["PUBLISH", "pq", "m2"]),
        Barrier,
        A(&["PING"]),
        A(&["UNSUBSCRIBE", "ch"]),
        A(&["PUNSUBSCRIBE"]),
        Barrier,
        A(&["CLIENT", "REPLY", "SKIP"]),
        A(&["SUBSCRIBE", "y"]),
        A(&["PING", "after-skip"]),
        Barrier,
        A(&["UNSUBSCRIBE", "x", "y"]),
        A(&["UNSUBSCRIBE"]),
        Barrier,
    ];
    for resp in ["2", "3"] {
        let Some(log) = same_transcripts(resp, &script) else {
            return;
        };
        // The confirmations and messages did arrive.
        assert!(log[0].contains("psubscribe"), "{log:?}");
        assert!(log[3].contains("m2"), "{log:?}");
    }
    // RESP3 only: commands run while subscribed, and the client's own
    // messages and invalidations arrive around dropped replies.
    let script = [
        A(&["CLIENT", "REPLY", "OFF"]),
        A(&["CLIENT", "TRACKING", "ON"]),
        A(&["SUBSCRIBE", "me"]),
        A(&["GET", "k"]),
        Barrier,
        B(&["SET", "k", "v"]),
        Barrier,
        A(&["GET", "k"]),
        A(&["PUBLISH", "me", "own"]),
        A(&["SET", "k", "w"]),
        Barrier,
        A(&["MULTI"]),
        A(&["SUBSCRIBE", "tx"]),
        A(&["PUBLISH", "tx", "in-exec"]),
        A(&["EXEC"]),
        Barrier,
        A(&["CLIENT", "REPLY", "ON"]),
        A(&["CLIENT", "REPLY", "SKIP"]),
        A(&["SUBSCRIBE", "z"]),
        A(&["PING", "after-skip"]),
        Barrier,
    ];
    let Some(log) = same_transcripts("3", &script) else {
        return;
    };
    assert!(log[2].contains("invalidate"), "{log:?}");
    assert!(log[3].contains("own"), "{log:?}");
    assert!(log[5].contains("after-skip"), "{log:?}");
}

/// Issue 19: a RESP2 client that receives another's invalidations on
/// `__redis__:invalidate` gets them under CLIENT REPLY OFF too.
#[test]
fn client_reply_off_keeps_redirected_invalidations() {
    let Some(red) = redis() else { return };
    let cin = Server::start();
    let mut logs = Vec::new();
    for addr in [format!("127.0.0.1:{}", cin.port()), red.addr.clone()] {
        let (mut sink, mut t) = (Conn::connect(&addr), Conn::connect(&addr));
        sink.s
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        let id = String::from_utf8(sink.cmd(&["CLIENT", "ID"])).unwrap();
        let id = id.trim_start_matches(':').trim();
        sink.send_cmd(&["CLIENT", "REPLY", "OFF"]);
        sink.cmd(&["SUBSCRIBE", "__redis__:invalidate"]);
        t.expect(&["CLIENT", "TRACKING", "ON", "REDIRECT", id], "+OK\r\n");
        t.expect(&["GET", "k"], "$-1\r\n");
        t.expect(&["SET", "k", "1"], "+OK\r\n");
        logs.push(show(&sink.read_reply()));
    }
    assert_eq!(logs[0], logs[1]);
    assert!(logs[0].contains("__redis__:invalidate"), "{}", logs[0]);
}

/// Every command and subcommand of redis-server's COMMAND, as the argv
/// that names it (`["config", "get"]`) and its arity.
fn redis_commands(c: &mut Conn) -> Vec<(Vec<String>, i64)> {
    let Value::Array(all) = c.value(&["COMMAND"]) else {
        panic!("COMMAND")
    };
    let mut out = Vec::new();
    let mut add = |entry: &Value| {
        let Value::Array(f) = entry else {
            panic!("{entry:?}")
        };
        let (Value::Bulk(name), Value::Int(arity)) = (&f[0], &f[1]) else {
            panic!("{f:?}")
        };
        let name = String::from_utf8(name.clone()).unwrap();
        out.push((name.split('|').map(String::from).collect(), *arity));
    };
    for entry in &all {
        add(entry);
        if let Value::Array(f) = entry {
            if let Some(Value::Array(subs)) = f.get(9) {
                subs.iter().for_each(&mut add);
            }
        }
    }
    out
}

/// Which of `cmds` (each filled up to its arity with `x`) the server at
/// `addr` holds under CLIENT PAUSE WRITE: every command goes out at once
/// on a connection of its own, and those without a reply after a moment
/// are held.
fn held_under_write_pause(addr: &str, cmds: &[(Vec<String>, i64)]) -> Vec<String> {
    let mut ctl = Conn::connect(addr);
    ctl.expect(&["CLIENT", "PAUSE", "20000", "WRITE"], "+OK\r\n");
    let mut conns: Vec<(String, Conn)> = Vec::new();
    for (name, arity) in cmds {
        let mut argv = name.clone();
        while (argv.len() as i64) < arity.abs() {
            argv.push("x".into());
        }
        let mut c = Conn::connect(addr);
        c.send_cmd(&argv.iter().map(String::as_str).collect::<Vec<_>>());
        conns.push((name.join("|"), c));
    }
    // Held: no reply once replies have stopped coming for a while (a
    // loaded machine may answer the others slowly).
    let mut waiting: Vec<(String, Conn)> = conns;
    for (_, c) in &mut waiting {
        c.s.set_read_timeout(Some(Duration::from_millis(1)))
            .unwrap();
    }
    let mut quiet_since = std::time::Instant::now();
    while quiet_since.elapsed() < Duration::from_millis(700) {
        let before = waiting.len();
        waiting.retain_mut(|(_, c)| c.try_read_reply().is_none());
        if waiting.len() != before {
            quiet_since = std::time::Instant::now();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    ctl.expect(&["CLIENT", "UNPAUSE"], "+OK\r\n");
    waiting.into_iter().map(|(name, _)| name).collect()
}

/// Issue 19: under CLIENT PAUSE WRITE exactly the commands Redis holds
/// are held (its hidden `may_replicate` flag included), command by
/// command over redis-server's COMMAND table.
#[test]
fn client_pause_write_holds_what_redis_holds() {
    let Some(red) = redis() else { return };
    let cin = Server::start();
    let cin_addr = format!("127.0.0.1:{}", cin.port());
    let mut cmds = redis_commands(&mut Conn::connect(&red.addr));
    // Not tried: what ends the server or the pause, or turns the
    // connection into a replica.
    let skip = [
        "shutdown",
        "client|pause",
        "client|unpause",
        "sync",
        "psync",
    ];
    cmds.retain(|(n, _)| !skip.contains(&n.join("|").as_str()));
    // Only what Cinnabar knows.
    let mut probe = Conn::connect(&cin_addr);
    cmds.retain(|(n, _)| {
        let name = n.join("|");
        !matches!(probe.value(&["COMMAND", "INFO", &name]), Value::Array(v) if v == [Value::Nil])
    });
    assert!(cmds.len() > 200, "{}", cmds.len());
    let theirs = held_under_write_pause(&red.addr, &cmds);
    let ours = held_under_write_pause(&cin_addr, &cmds);
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        a.iter().filter(|x| !b.contains(x)).cloned().collect()
    };
    assert_eq!(
        (only(&ours, &theirs), only(&theirs, &ours)),
        (vec![], vec![]),
        "(held only by Cinnabar, held only by Redis)"
    );
    assert!(theirs.len() > 80, "{theirs:?}");
}

/// The `keys=` and `expires=` of INFO keyspace's db0 line.
fn keyspace_counts(c: &mut Conn) -> String {
    let info = String::from_utf8(c.cmd(&["INFO", "keyspace"])).unwrap();
    let line = info.lines().find(|l| l.starts_with("db0:")).unwrap_or("");
    line.split(',')
        .filter(|f| !f.starts_with("avg_ttl"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Issue 19: while clients are paused (WRITE or ALL) keys do not expire:
/// neither active expiry nor reads remove them (no `expired` event, no
/// `expired_keys`, INFO keyspace still counts them), yet reads answer
/// them as missing. After the pause they go as usual.
#[test]
fn client_pause_suspends_expiry() {
    let Some(red) = redis() else { return };
    let cin = Server::start();
    let mut logs = Vec::new();
    for (addr, mode) in [
        (format!("127.0.0.1:{}", cin.port()), "WRITE"),
        (red.addr.clone(), "WRITE"),
        (format!("127.0.0.1:{}", cin.port()), "ALL"),
        (red.addr.clone(), "ALL"),
    ] {
        let (mut a, mut b, mut sub) = (
            Conn::connect(&addr),
            Conn::connect(&addr),
            Conn::connect(&addr),
        );
        let mut log = Vec::new();
        a.expect(&["FLUSHALL"], "+OK\r\n");
        a.expect(&["CONFIG", "RESETSTAT"], "+OK\r\n");
        a.expect(
            &["CONFIG", "SET", "notify-keyspace-events", "Ex"],
            "+OK\r\n",
        );
        sub.cmd(&["SUBSCRIBE", "__keyevent@0__:expired"]);
        for k in ["k1", "k2", "k3"] {
            a.expect(&["SET", k, "v", "PX", "150"], "+OK\r\n");
        }
        a.expect(&["SET", "live", "v"], "+OK\r\n");
        // ALL holds CLIENT UNPAUSE too: that pause runs out instead.
        let ms = if mode == "ALL" { "800" } else { "5000" };
        a.expect(&["CLIENT", "PAUSE", ms, mode], "+OK\r\n");
        // Long enough for active expiry (hz 10) to have run.
        std::thread::sleep(Duration::from_millis(400));
        if mode == "WRITE" {
            for cmd in [
                &["GET", "k1"][..],
                &["EXISTS", "k1", "k2", "live"],
                &["TTL", "k2"],
                &["TYPE", "k3"],
                &["SCAN", "0", "COUNT", "100"],
                &["KEYS", "*"],
                &["MGET", "k1", "k2", "k3", "live"],
            ] {
                log.push(format!("{cmd:?} -> {}", show(&b.cmd(cmd))));
            }
            log.push(keyspace_counts(&mut b));
            log.push(info_field(&mut b, "expired_keys"));
        }
        log.push(format!("silent: {}", silent(&mut sub, 50)));
        if mode == "WRITE" {
            a.expect(&["CLIENT", "UNPAUSE"], "+OK\r\n");
        }
        log.push(show(&b.cmd(&["GET", "k1"])));
        // Now they expire: the read removes k1 at once, active expiry
        // the others soon.
        let mut events = Vec::new();
        while events.len() < 3 {
            events.push(show(&sub.read_reply()));
        }
        events.sort();
        log.push(events.join(" "));
        logs.push(log);
    }
    assert_eq!(logs[0], logs[1]);
    assert_eq!(logs[2], logs[3]);
    assert!(
        logs[0].contains(&"db0:keys=4,expires=3".to_string()),
        "{:?}",
        logs[0]
    );
    assert!(
        logs[2].contains(&"silent: true".to_string()),
        "{:?}",
        logs[2]
    );
}

/// Whether `c` received nothing for `ms` milliseconds.
fn silent(c: &mut Conn, ms: u64) -> bool {
    c.s.set_read_timeout(Some(Duration::from_millis(ms)))
        .unwrap();
    let got = c.try_read_reply();
    c.s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    got.is_none()
}

/// Issue 19: clients CLIENT PAUSE holds count in INFO `blocked_clients`
/// (with those blocked on keys), and a pause that starts inside a
/// transaction takes effect after EXEC: the rest of the transaction runs.
#[test]
fn client_pause_counts_blocked_and_waits_for_exec() {
    let Some(red) = redis() else { return };
    let cin = Server::start();
    let mut logs = Vec::new();
    for addr in [format!("127.0.0.1:{}", cin.port()), red.addr.clone()] {
        let (mut a, mut b, mut c, mut d) = (
            Conn::connect(&addr),
            Conn::connect(&addr),
            Conn::connect(&addr),
            Conn::connect(&addr),
        );
        let mut log = Vec::new();
        c.send_cmd(&["BLPOP", "list", "0"]);
        wait_blocked(&mut a, 1);
        a.expect(&["CLIENT", "PAUSE", "5000", "WRITE"], "+OK\r\n");
        b.send_cmd(&["SET", "k", "1"]);
        d.send_cmd(&["LPUSH", "list", "x"]);
        assert!(wait_until(Duration::from_secs(5), || info_field(
            &mut a,
            "blocked_clients"
        ) == "3"));
        a.expect(&["CLIENT", "UNPAUSE"], "+OK\r\n");
        log.push(show(&b.read_reply()));
        log.push(show(&d.read_reply()));
        log.push(show(&c.read_reply()));
        log.push(info_field(&mut a, "blocked_clients"));
        // Inside MULTI: the pause waits for EXEC.
        for cmd in [
            &["MULTI"][..],
            &["CLIENT", "PAUSE", "5000", "WRITE"],
            &["SET", "k", "2"],
            &["INCR", "n"],
            &["EXEC"],
        ] {
            log.push(show(&a.cmd(cmd)));
        }
        b.send_cmd(&["SET", "k", "3"]);
        assert!(wait_until(Duration::from_secs(5), || info_field(
            &mut a,
            "blocked_clients"
        ) == "1"));
        log.push(show(&a.cmd(&["GET", "k"])));
        a.expect(&["CLIENT", "UNPAUSE"], "+OK\r\n");
        log.push(show(&b.read_reply()));
        log.push(show(&a.cmd(&["GET", "k"])));
        logs.push(log);
    }
    assert_eq!(logs[0], logs[1]);
}

/// Issue 19: a paused server evicts nothing either (the dataset stays
/// still), even over `maxmemory`.
#[test]
fn client_pause_suspends_eviction() {
    let Some(red) = redis() else { return };
    let cin = Server::start();
    let mut logs = Vec::new();
    for addr in [format!("127.0.0.1:{}", cin.port()), red.addr.clone()] {
        let mut a = Conn::connect(&addr);
        let mut log = Vec::new();
        for k in ["a", "b", "c"] {
            a.expect(&["SET", k, "v"], "+OK\r\n");
        }
        a.expect(&["CLIENT", "PAUSE", "5000", "WRITE"], "+OK\r\n");
        for cmd in [
            &["CONFIG", "SET", "maxmemory-policy", "allkeys-random"][..],
            &["CONFIG", "SET", "maxmemory", "1"],
            &["GET", "a"],
            &["MGET", "a", "b", "c"],
        ] {
            log.push(show(&a.cmd(cmd)));
        }
        log.push(info_field(&mut a, "evicted_keys"));
        log.push(keyspace_counts(&mut a));
        a.expect(&["CONFIG", "SET", "maxmemory", "0"], "+OK\r\n");
        a.expect(&["CLIENT", "UNPAUSE"], "+OK\r\n");
        logs.push(log);
    }
    assert_eq!(logs[0], logs[1]);
    assert!(logs[0].contains(&"0".to_string()), "{:?}", logs[0]);
}

/// Issue 19: SWAPDB serves clients blocked on keys that exist after the
/// swap, in either database, as Redis does; a key of the wrong type
/// leaves its waiter as Redis leaves it.
#[test]
fn swapdb_wakes_blocked_clients() {
    let Some(red) = redis() else { return };
    let cin = Server::start();
    let mut logs = Vec::new();
    for addr in [format!("127.0.0.1:{}", cin.port()), red.addr.clone()] {
        let mut a = Conn::connect(&addr);
        let mut log = Vec::new();
        for cmd in [
            &["SELECT", "1"][..],
            &["RPUSH", "l", "a", "b"],
            &["ZADD", "z", "1", "m"],
            &["SET", "s", "string"],
            &["XADD", "st", "1-1", "f", "v"],
            &["SELECT", "0"],
            &["RPUSH", "back", "x"],
        ] {
            log.push(show(&a.cmd(cmd)));
        }
        let waits: [(&str, &[&str]); 6] = [
            ("0", &["BLPOP", "l", "0"]),
            ("0", &["BZPOPMIN", "z", "0"]),
            ("0", &["BLPOP", "s", "2"]),
            ("0", &["XREAD", "BLOCK", "0", "STREAMS", "st", "$"]),
            ("1", &["BRPOP", "back", "0"]),
            ("0", &["BLPOP", "nowhere", "1"]),
        ];
        let mut waiters = Vec::new();
        for (i, (db, cmd)) in waits.iter().enumerate() {
            let mut w = Conn::connect(&addr);
            w.s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            w.expect(&["SELECT", db], "+OK\r\n");
            w.send_cmd(cmd);
            wait_blocked(&mut a, i + 1);
            waiters.push(w);
        }
        log.push(show(&a.cmd(&["SWAPDB", "0", "1"])));
        for w in &mut waiters {
            log.push(show(&w.read_reply()));
        }
        log.push(show(&a.cmd(&["LRANGE", "l", "0", "-1"])));
        logs.push(log);
    }
    assert_eq!(logs[0], logs[1]);
    assert!(
        logs[0].iter().any(|l| l.contains("$1\\r\\na")),
        "{:?}",
        logs[0]
    );
}

/// MONITOR and SLOWLOG lines with what varies between servers masked:
/// times, addresses, generated stream ids; less INFO (the polls of
/// `wait_blocked`, whose number varies).
fn masked(raw: &str) -> String {
    let mut out = String::new();
    for word in raw.split(['\r', '\n']).filter(|l| !l.is_empty()) {
        let w = match word.split_once("] ") {
            Some((_, rest)) if word.starts_with('+') => rest,
            _ => word,
        };
        if w.trim_start_matches('"').starts_with("INFO") {
            continue;
        }
        let w: String = w
            .split(' ')
            .map(|t| {
                let digits = t.trim_matches('"').split('-').next().unwrap_or("");
                if digits.len() >= 10 && digits.bytes().all(|b| b.is_ascii_digit()) {
                    "ID"
                } else {
                    t
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        out.push_str(&w);
        out.push('\n');
    }
    out
}

/// The arguments of every SLOWLOG GET entry, oldest first.
fn slowlog_commands(c: &mut Conn) -> String {
    let Value::Array(entries) = c.value(&["SLOWLOG", "GET", "1000"]) else {
        panic!("SLOWLOG GET")
    };
    let mut lines = Vec::new();
    for e in entries.iter().rev() {
        let Value::Array(f) = e else { panic!("{e:?}") };
        let Value::Array(args) = &f[3] else {
            panic!("{f:?}")
        };
        let args: Vec<String> = args
            .iter()
            .map(|a| match a {
                Value::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
                other => format!("{other:?}"),
            })
            .collect();
        lines.push(args.join(" "));
    }
    masked(&lines.join("\n"))
}

/// Issue 19: SLOWLOG and MONITOR show each command as the client sent it
/// (relative expiry, `*` ids, a transaction's commands, a served blocked
/// command), never the form propagated to the AOF.
#[test]
fn slowlog_and_monitor_show_commands_as_sent() {
    let Some(red) = redis() else { return };
    let cin = Server::start();
    let mut logs = Vec::new();
    for addr in [format!("127.0.0.1:{}", cin.port()), red.addr.clone()] {
        let (mut a, mut m, mut w) = (
            Conn::connect(&addr),
            Conn::connect(&addr),
            Conn::connect(&addr),
        );
        a.expect(&["CONFIG", "SET", "appendonly", "yes"], "+OK\r\n");
        a.expect(
            &["CONFIG", "SET", "slowlog-log-slower-than", "0"],
            "+OK\r\n",
        );
        a.expect(&["SLOWLOG", "RESET"], "+OK\r\n");
        m.expect(&["MONITOR"], "+OK\r\n");
        for cmd in [
            &["SET", "k", "v", "EX", "100"][..],
            &["SETEX", "k2", "100", "v"],
            &["PSETEX", "k3", "100000", "v"],
            &["EXPIRE", "k", "50"],
            &["PEXPIRE", "k2", "50000"],
            &["GETEX", "k", "EX", "10"],
            &["XADD", "s", "*", "f", "v"],
            &["XADD", "s", "MAXLEN", "~", "1", "*", "a", "b"],
            &["INCRBYFLOAT", "f", "1.5"],
            &["HINCRBYFLOAT", "h", "f", "1.5"],
            &["SADD", "set", "a"],
            &["SPOP", "set"],
            &["MULTI"],
            &["SET", "t", "v", "PX", "100000"],
            &["XADD", "s", "*", "g", "v"],
            &["EXEC"],
            &["EXPIRE", "k3", "-1"],
        ] {
            a.cmd(cmd);
        }
        w.send_cmd(&["BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"]);
        wait_blocked(&mut a, 1);
        a.cmd(&["RPUSH", "src", "x"]);
        w.read_reply();
        a.expect(&["ECHO", "end"], "$3\r\nend\r\n");
        let mut feed = String::new();
        while !feed.contains("\"ECHO\" \"end\"") {
            feed.push_str(&String::from_utf8_lossy(&m.read_reply()));
        }
        let slow = slowlog_commands(&mut a);
        a.expect(&["CONFIG", "SET", "appendonly", "no"], "+OK\r\n");
        logs.push((masked(&feed), slow));
    }
    assert_eq!(logs[0].0, logs[1].0, "MONITOR");
    assert_eq!(logs[0].1, logs[1].1, "SLOWLOG");
    assert!(
        logs[0].0.contains("\"SET\" \"k\" \"v\" \"EX\" \"100\""),
        "{}",
        logs[0].0
    );
    assert!(logs[0].1.contains("XADD s * f v"), "{}", logs[0].1);
}

/// The `qbuf`, `qbuf-free` and `tot-mem` of the client named `name`.
fn qbuf_of(c: &mut Conn, name: &str) -> (usize, usize, usize) {
    let list = String::from_utf8(c.cmd(&["CLIENT", "LIST"])).unwrap();
    let line = list
        .lines()
        .find(|l| l.contains(&format!(" name={name} ")))
        .unwrap_or_else(|| panic!("{list}"));
    let field = |f: &str| -> usize {
        line.split(' ')
            .find_map(|kv| kv.strip_prefix(&format!("{f}=")))
            .unwrap()
            .parse()
            .unwrap()
    };
    (field("qbuf"), field("qbuf-free"), field("tot-mem"))
}

/// Issue 19: a client that once sent a large command does not keep its
/// read buffer: as in Redis, within a couple of cron ticks the buffer is
/// trimmed to its recent peak (here the start of a command still
/// pending; CLIENT LIST `qbuf` + `qbuf-free` fall from about 200 KB to a
/// few bytes), also while the client keeps sending small commands.
#[test]
fn query_buffer_shrinks() {
    let Some(red) = redis() else { return };
    let cin = Server::start();
    for addr in [format!("127.0.0.1:{}", cin.port()), red.addr.clone()] {
        let (mut idle, mut busy, mut look) = (
            Conn::connect(&addr),
            Conn::connect(&addr),
            Conn::connect(&addr),
        );
        for (c, name, size) in [(&mut idle, "idle", 200_000), (&mut busy, "busy", 100_000)] {
            c.expect(&["CLIENT", "SETNAME", name], "+OK\r\n");
            let big = "x".repeat(size);
            c.send(&multibulk(&[b"SET", name.as_bytes(), big.as_bytes()]));
            c.send(&multibulk(&[b"DEL", name.as_bytes()]));
            // The start of a PING: the buffer cannot simply be dropped.
            c.send(b"*1\r\n$4\r\nPI");
            assert_eq!(c.read_reply(), b"+OK\r\n");
            assert_eq!(c.read_reply(), b":1\r\n");
        }
        busy.send(b"NG\r\n");
        assert_eq!(busy.read_reply(), b"+PONG\r\n");
        // Under 32 KB only idleness (over 2 s) trims the buffer: to
        // nothing, when no command is pending.
        let mut small = Conn::connect(&addr);
        small.expect(&["CLIENT", "SETNAME", "small"], "+OK\r\n");
        small.expect(&["SET", "small", &"x".repeat(20_000)], "+OK\r\n");
        let (_, free, _) = qbuf_of(&mut look, "small");
        assert!(free > 4096, "{addr}: {free}");
        let start = std::time::Instant::now();
        let (mut idle_done, mut busy_done, mut small_done) = (false, false, false);
        while !(idle_done && busy_done && small_done) && start.elapsed() < Duration::from_secs(8) {
            busy.expect(&["PING"], "+PONG\r\n");
            let (q, free, _) = qbuf_of(&mut look, "idle");
            idle_done |= q + free <= 64;
            let (q, free, _) = qbuf_of(&mut look, "busy");
            busy_done |= q + free < 32 * 1024;
            let (q, free, _) = qbuf_of(&mut look, "small");
            small_done |= q + free == 0;
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            idle_done,
            "{addr}: idle client kept {:?}",
            qbuf_of(&mut look, "idle")
        );
        assert!(
            busy_done,
            "{addr}: busy client kept {:?}",
            qbuf_of(&mut look, "busy")
        );
        assert!(
            small_done,
            "{addr}: idle client kept {:?}",
            qbuf_of(&mut look, "small")
        );
        assert!(
            start.elapsed() > Duration::from_secs(1),
            "{addr}: not idle yet"
        );
        // What was kept of the pending command still completes it.
        idle.send(b"NG\r\n");
        assert_eq!(idle.read_reply(), b"+PONG\r\n");
    }
}

/// Issue 19: INFO `client_recent_max_input_buffer` shows the largest
/// read buffer of the last seconds (a 1 MB command shows), and forgets it
/// after 8 seconds, as in Redis.
#[test]
fn recent_max_input_buffer_rises_and_falls() {
    let Some(red) = redis() else { return };
    let cin = Server::start();
    let big = "x".repeat(1_000_000);
    for addr in [format!("127.0.0.1:{}", cin.port()), red.addr.clone()] {
        let (mut a, mut look) = (Conn::connect(&addr), Conn::connect(&addr));
        a.expect(&["SET", "big", &big], "+OK\r\n");
        a.expect(&["DEL", "big"], ":1\r\n");
        let field = |c: &mut Conn| -> usize {
            info_field(c, "client_recent_max_input_buffer")
                .parse()
                .unwrap()
        };
        assert!(
            wait_until(Duration::from_secs(3), || field(&mut look) >= 1_000_000),
            "{addr}: {}",
            field(&mut look)
        );
        assert!(
            wait_until(Duration::from_secs(12), || field(&mut look) < 64 * 1024),
            "{addr}: {}",
            field(&mut look)
        );
    }
}

/// Issue 19: a command the ACL refuses is refused at once under CLIENT
/// PAUSE, as Redis checks permissions before the pause.
#[test]
fn client_pause_refuses_acl_denied_commands_at_once() {
    let Some(red) = redis() else { return };
    let cin = Server::start();
    let mut logs = Vec::new();
    for addr in [format!("127.0.0.1:{}", cin.port()), red.addr.clone()] {
        let (mut a, mut u) = (Conn::connect(&addr), Conn::connect(&addr));
        let mut log = Vec::new();
        a.expect(
            &[
                "ACL", "SETUSER", "lim", "on", "nopass", "+@all", "-set", "~*",
            ],
            "+OK\r\n",
        );
        u.expect(&["AUTH", "lim", "x"], "+OK\r\n");
        u.s.set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        for mode in ["WRITE", "ALL"] {
            a.expect(&["CLIENT", "PAUSE", "2000", mode], "+OK\r\n");
            u.send_cmd(&["SET", "k", "v"]);
            log.push(u.try_read_reply().map(|r| show(&r)));
            a.send_cmd(&["CLIENT", "UNPAUSE"]);
            a.read_reply();
        }
        logs.push(log);
    }
    assert_eq!(logs[0], logs[1]);
    assert!(logs[0][0]
        .as_deref()
        .is_some_and(|r| r.starts_with("-NOPERM")));
}

/// Issue 19: during a WRITE pause no command that runs (every readonly
/// command of the table, on an expired key of each type) removes an
/// expired key: nothing is counted in `expired_keys`, nothing leaves
/// INFO keyspace.
#[test]
fn client_pause_no_read_command_expires_keys() {
    let srv = Server::start();
    let (mut a, mut b) = (srv.conn(), srv.conn());
    let keys = ["str", "list", "hash", "set", "zset", "stream"];
    for cmd in [
        &["SET", "str", "v"][..],
        &["RPUSH", "list", "a", "b"],
        &["HSET", "hash", "f", "v"],
        &["SADD", "set", "a", "b"],
        &["ZADD", "zset", "1", "a"],
        &["XADD", "stream", "1-1", "f", "v"],
    ] {
        a.cmd(cmd);
    }
    let Value::Array(all) = a.value(&["COMMAND"]) else {
        panic!("COMMAND")
    };
    for k in keys {
        a.expect(&["PEXPIRE", k, "50"], ":1\r\n");
    }
    a.expect(&["CLIENT", "PAUSE", "30000", "WRITE"], "+OK\r\n");
    std::thread::sleep(Duration::from_millis(100));
    let mut tried = 0;
    for entry in &all {
        let Value::Array(f) = entry else { panic!() };
        let (Value::Bulk(name), Value::Int(arity), Value::Array(flags), Value::Int(first)) =
            (&f[0], &f[1], &f[2], &f[3])
        else {
            panic!("{f:?}")
        };
        let readonly = flags.iter().any(|x| *x == Value::Status("readonly".into()));
        let name = String::from_utf8(name.clone()).unwrap();
        if !readonly || *first != 1 || name == "randomkey" {
            continue;
        }
        for k in keys {
            let mut argv = vec![name.as_str(), k];
            let fill = if name.starts_with('z') { "0" } else { "x" };
            while (argv.len() as i64) < arity.abs().max(3) {
                argv.push(fill);
            }
            b.cmd(&argv);
            tried += 1;
        }
    }
    for cmd in [
        &["DBSIZE"][..],
        &["SCAN", "0"],
        &["KEYS", "*"],
        &["RANDOMKEY"],
    ] {
        b.cmd(cmd);
    }
    assert!(tried > 200, "{tried}");
    assert_eq!(info_field(&mut b, "expired_keys"), "0");
    assert!(
        info_field(&mut b, "db0").starts_with("keys=6,expires=6"),
        "{}",
        info_field(&mut b, "db0")
    );
    a.expect(&["CLIENT", "UNPAUSE"], "+OK\r\n");
    a.expect(&["DBSIZE"], ":0\r\n");
    assert_eq!(info_field(&mut b, "expired_keys"), "6");
}

/// Under CLIENT PAUSE, a subcommand named like a special command is not
/// that command: a RESP2 subscriber's LATENCY RESET is refused at once
/// (the subscriber context), not held as if it were RESET, as Redis.
#[test]
fn client_pause_tells_subcommands_from_commands() {
    let Some(pair) = crate::differential::Pair::new() else {
        return;
    };
    let (c, r) = pair.extra_conns();
    let (pc, pr) = pair.extra_conns();
    let mut replies = Vec::new();
    for (mut sub, mut p) in [(c, pc), (r, pr)] {
        sub.cmd(&["SUBSCRIBE", "ch"]);
        p.expect(&["CLIENT", "PAUSE", "3000", "ALL"], "+OK\r\n");
        let start = std::time::Instant::now();
        let reply = show(&sub.cmd(&["LATENCY", "RESET"]));
        assert!(
            start.elapsed() < Duration::from_millis(1500),
            "held: {reply}"
        );
        p.expect(&["CLIENT", "UNPAUSE"], "+OK\r\n");
        replies.push(reply);
    }
    assert_eq!(replies[0], replies[1]);
}
