//! Server commands, configuration, command line and shutdown.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::Duration;

use crate::util::*;

#[test]
fn info_has_redis_sections_and_fields() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["SET", "k", "v", "EX", "100"], "+OK\r\n");
    let info = String::from_utf8(c.cmd(&["INFO"])).unwrap();
    for field in [
        "# Server\r\n",
        "redis_version:7.0.15\r\n",
        "cinnabar_version:",
        &format!("tcp_port:{}\r\n", srv.port()),
        "# Clients\r\nconnected_clients:1\r\n",
        "# Memory\r\nused_memory:",
        "# Persistence\r\nloading:0\r\n",
        "aof_rewrite_in_progress:0",
        "rdb_bgsave_in_progress:0",
        "# Stats\r\n",
        "total_connections_received:1\r\n",
        "total_commands_processed:1\r\n",
        "keyspace_hits:",
        "# Replication\r\nrole:master\r\n",
        "# Keyspace\r\ndb0:keys=1,expires=1,avg_ttl=",
    ] {
        assert!(info.contains(field), "INFO lacks {field:?}:\n{info}");
    }
    let only = String::from_utf8(c.cmd(&["INFO", "keyspace"])).unwrap();
    assert!(only.starts_with("$") && only.contains("# Keyspace") && !only.contains("# Server"));
    let two = String::from_utf8(c.cmd(&["INFO", "server", "clients"])).unwrap();
    assert!(two.contains("# Server") && two.contains("# Clients") && !two.contains("# Stats"));
}

/// The field names of an INFO section, in order.
fn info_fields(c: &mut Conn, section: &str) -> Vec<String> {
    let Value::Bulk(text) = c.value(&["INFO", section]) else {
        panic!("INFO {section} reply")
    };
    String::from_utf8(text)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split(':').next().unwrap_or(l).to_string())
        .collect()
}

/// Every INFO section but memory has Redis 7.0's field names in Redis's
/// order (parsers such as redis_exporter key on them), with our few
/// additions; the same data gives the same keyspace lines.
#[test]
fn info_field_names_match_redis() {
    let dir = TempDir::new("redis");
    let Some(redis) = redis_in(dir.path(), &["--appendonly", "yes"]) else {
        return;
    };
    let srv = Server::start_with(&["--appendonly", "yes"]);
    let (mut cin, mut red) = (srv.conn(), Conn::connect(&redis.addr));
    for c in [&mut cin, &mut red] {
        c.cmd(&["SET", "a", "1"]);
        c.cmd(&["SET", "b", "1", "EX", "1000"]);
        c.cmd(&["SELECT", "3"]);
        c.cmd(&["SET", "c", "1"]);
        c.cmd(&["INCR", "nosuch", "x"]);
        c.cmd(&["SELECT", "0"]);
    }
    let ours_only = [
        "cinnabar_version",
        "client_query_buffer_limit_disconnections",
        "client_output_buffer_limit_disconnections",
    ];
    for section in [
        "server",
        "clients",
        "persistence",
        "stats",
        "replication",
        "cpu",
        "modules",
        "keyspace",
        "errorstats",
    ] {
        let mut mine = info_fields(&mut cin, section);
        mine.retain(|f| !ours_only.contains(&f.as_str()));
        assert_eq!(mine, info_fields(&mut red, section), "INFO {section}");
    }
    let keyspace = |c: &mut Conn| {
        let Value::Bulk(t) = c.value(&["INFO", "keyspace"]) else {
            panic!()
        };
        String::from_utf8(t)
            .unwrap()
            .lines()
            .map(|l| l.split(",avg_ttl").next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(keyspace(&mut cin), keyspace(&mut red));
    let errors = |c: &mut Conn| c.value(&["INFO", "errorstats"]);
    assert_eq!(errors(&mut cin), errors(&mut red));
}

#[test]
fn config_get_and_set() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["CONFIG", "GET", "save"], "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
    c.expect(
        &["CONFIG", "GET", "appendonly"],
        "*2\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n",
    );
    c.expect(&["CONFIG", "GET", "nosuch*"], "*0\r\n");
    c.expect(&["CONFIG", "SET", "hz", "20", "timeout", "30"], "+OK\r\n");
    c.expect(&["CONFIG", "GET", "hz"], "*2\r\n$2\r\nhz\r\n$2\r\n20\r\n");
    c.expect(
        &["CONFIG", "SET", "hz", "5", "timeout", "x"],
        "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer\r\n",
    );
    // All or nothing: hz kept its value.
    c.expect(&["CONFIG", "GET", "hz"], "*2\r\n$2\r\nhz\r\n$2\r\n20\r\n");
    c.expect(
        &["CONFIG", "SET", "databases", "1"],
        "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n",
    );
    c.expect(
        &["CONFIG", "SET", "nosuch", "1"],
        "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n",
    );
    c.expect(
        &["CONFIG", "SET", "appendonly", "maybe"],
        "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'\r\n",
    );
    c.expect(&["CONFIG", "SET", "maxmemory", "1mb"], "+OK\r\n");
    c.expect(
        &["CONFIG", "GET", "maxmemory"],
        "*2\r\n$9\r\nmaxmemory\r\n$7\r\n1048576\r\n",
    );
    c.expect(&["CONFIG", "RESETSTAT"], "+OK\r\n");
}

#[test]
fn command_table_introspection() {
    let srv = Server::start();
    let mut c = srv.conn();
    let count = match c.value(&["COMMAND", "COUNT"]) {
        Value::Int(n) => n,
        other => panic!("{other:?}"),
    };
    match c.value(&["COMMAND"]) {
        Value::Array(v) => assert_eq!(v.len() as i64, count),
        other => panic!("{other:?}"),
    }
    let get = c.cmd(&["COMMAND", "INFO", "get"]);
    assert!(
        show(&get).starts_with("*1\\r\\n*10\\r\\n$3\\r\\nget\\r\\n:2\\r\\n*2\\r\\n+readonly\\r\\n+fast\\r\\n:1\\r\\n:1\\r\\n:1\\r\\n"),
        "{}",
        show(&get)
    );
    c.expect(&["COMMAND", "INFO", "nosuch"], "*1\r\n$-1\r\n");
}

#[test]
fn shutdown_command_exits_cleanly() {
    let mut srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["SHUTDOWN", "BOGUS"], "-ERR syntax error\r\n");
    c.expect(&["SHUTDOWN", "ABORT"], "-ERR No shutdown in progress.\r\n");
    c.send(b"SHUTDOWN NOSAVE\r\n");
    assert_eq!(c.read_to_close(), b"");
    assert_eq!(srv.wait_exit(Duration::from_secs(5)), Some(0));
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let mut srv = Server::start();
    srv.conn().expect(&["PING"], "+PONG\r\n");
    // The shell's builtin kill: no dependency on procps.
    Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", srv.pid())])
        .status()
        .unwrap();
    assert_eq!(srv.wait_exit(Duration::from_secs(5)), Some(0));
    assert!(srv.log_contains("Received SIGTERM scheduling shutdown"));
}

#[test]
fn config_file_and_flags() {
    let dir = TempDir::new("conf");
    let path = dir.0.join("test.conf");
    std::fs::write(&path, "# test\nport 0\ndatabases 4\nhz 15\nsave \"\"\n").unwrap();
    let mut cmd = Command::new(bin());
    cmd.arg(&path).args(["--hz", "25", "--dir", dir.path()]);
    let srv = Server::spawn(cmd, TempDir::new("confdir"));
    let mut c = srv.conn();
    c.expect(
        &["CONFIG", "GET", "databases"],
        "*2\r\n$9\r\ndatabases\r\n$1\r\n4\r\n",
    );
    c.expect(&["CONFIG", "GET", "hz"], "*2\r\n$2\r\nhz\r\n$2\r\n25\r\n");
    c.expect(&["CONFIG", "GET", "save"], "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
    c.expect(&["SELECT", "4"], "-ERR DB index is out of range\r\n");
    let info = String::from_utf8(c.cmd(&["INFO", "server"])).unwrap();
    assert!(info.contains("config_file:/"), "{info}");
}

/// CONFIG REWRITE updates the file in place: comments and order stay,
/// changed values replace their lines, duplicates go, new non-default
/// values follow Redis's marker line, and the result loads back.
#[test]
fn config_rewrite_keeps_comments_and_reloads() {
    let dir = TempDir::new("rewrite");
    let path = dir.0.join("r.conf");
    std::fs::write(
        &path,
        "# top comment\nport 0\n\n# memory\nmaxmemory 1mb\nhz 15\nmaxmemory 2mb\n# tail\n",
    )
    .unwrap();
    let start = || {
        let mut cmd = Command::new(bin());
        cmd.arg(&path).args(["--dir", dir.path()]);
        Server::spawn(cmd, TempDir::new("rewritedir"))
    };
    let srv = start();
    let mut c = srv.conn();
    c.expect(&["CONFIG", "SET", "hz", "30"], "+OK\r\n");
    c.expect(
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
        "+OK\r\n",
    );
    c.expect(&["CONFIG", "SET", "requirepass", "two words\""], "+OK\r\n");
    c.expect(&["AUTH", "two words\""], "+OK\r\n");
    c.expect(&["CONFIG", "REWRITE"], "+OK\r\n");
    let text = std::fs::read_to_string(&path).unwrap();
    let port = srv.port();
    assert_eq!(
        text,
        format!(
            "# top comment\nport {port}\n\n# memory\nmaxmemory 2097152\nhz 30\n# tail\n\n\
             # Generated by CONFIG REWRITE\ndir {}\nmaxmemory-policy allkeys-lru\n\
             requirepass \"two words\\\"\"\n",
            dir.path()
        )
    );
    // A second rewrite changes nothing.
    c.expect(&["CONFIG", "REWRITE"], "+OK\r\n");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    drop(c);
    drop(srv);
    std::fs::write(&path, text.replace(&format!("port {port}"), "port 0")).unwrap();
    let srv = start();
    let mut c = srv.conn();
    c.expect(&["AUTH", "two words\""], "+OK\r\n");
    c.expect(&["CONFIG", "GET", "hz"], "*2\r\n$2\r\nhz\r\n$2\r\n30\r\n");
    c.expect(
        &["CONFIG", "GET", "maxmemory-policy"],
        "*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n",
    );
}

/// ROLE, and CONFIG REWRITE without a config file, as Redis answers them.
#[test]
fn role_and_rewrite_without_file_match_redis() {
    let Some(mut p) = crate::differential::Pair::new() else {
        return;
    };
    for args in [
        &["ROLE"][..],
        &["ROLE", "x"],
        &["CONFIG", "REWRITE"],
        &["CONFIG", "REWRITE", "x"],
        &["CONFIG", "HELP"],
    ] {
        p.check_str(args);
    }
}

#[test]
fn bad_config_is_fatal_with_line_number() {
    let dir = TempDir::new("badconf");
    let path = dir.0.join("bad.conf");
    std::fs::write(&path, "port 0\nnosuchdirective 1\n").unwrap();
    let out = Command::new(bin()).arg(&path).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("at line 2") && err.contains("nosuchdirective"),
        "{err}"
    );
    let out = Command::new(bin())
        .args(["--port", "notaport"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn help_lists_parameters_with_defaults() {
    let out = Command::new(bin()).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for p in [
        "--port",
        "--bind",
        "--dir",
        "--appendonly",
        "--client-output-pause",
        "default: \"6379\"",
    ] {
        assert!(text.contains(p), "--help lacks {p}:\n{text}");
    }
}

#[test]
fn idle_clients_time_out() {
    let srv = Server::start_with(&["--timeout", "1"]);
    let mut c = srv.conn();
    c.expect(&["PING"], "+PONG\r\n");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(c.read_to_close(), b"");
}

#[test]
fn maxclients_rejects_extra_connections() {
    let srv = Server::start_with(&["--maxclients", "2"]);
    let mut a = srv.conn();
    let mut b = srv.conn();
    a.expect(&["PING"], "+PONG\r\n");
    b.expect(&["PING"], "+PONG\r\n");
    let mut c = srv.conn();
    assert_eq!(
        show(&c.read_to_close()),
        show(b"-ERR max number of clients reached\r\n")
    );
}

/// docs/commands.md lists exactly the commands the table serves.
#[test]
fn commands_doc_matches_the_table() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/commands.md")).unwrap();
    // Rows of the per-command tables: | NAME | status | notes |
    let rows: Vec<(String, String)> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| {
            let mut cells = l.split(" | ");
            let name = cells.next()?.trim().to_ascii_lowercase();
            let status = cells.next()?.trim().to_string();
            (status == "done" || status == "in progress").then_some((name, status))
        })
        .collect();
    let documented: std::collections::BTreeSet<String> =
        rows.iter().map(|(n, _)| n.clone()).collect();
    // One row per command: a second, stale row once hid in the Server table.
    assert_eq!(
        documented.len(),
        rows.len(),
        "docs/commands.md has a command twice"
    );
    let srv = Server::start();
    let listed: std::collections::BTreeSet<String> = match srv.conn().value(&["COMMAND", "LIST"]) {
        Value::Array(v) => v
            .into_iter()
            .map(|x| String::from_utf8(x.as_bytes().unwrap().to_vec()).unwrap())
            .collect(),
        other => panic!("{other:?}"),
    };
    for name in &listed {
        let container = documented
            .iter()
            .any(|d| d.starts_with(&format!("{name}|")));
        assert!(
            documented.contains(name) || container,
            "{name} is not in docs/commands.md"
        );
    }
    for name in &documented {
        assert!(
            listed.contains(name),
            "docs/commands.md lists {name}, which the server lacks"
        );
    }
}

#[test]
fn time_lastsave_and_debug() {
    let srv = Server::start();
    let mut c = srv.conn();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    match c.value(&["TIME"]) {
        Value::Array(v) => {
            assert_eq!(v.len(), 2);
            let secs: i64 = String::from_utf8(v[0].as_bytes().unwrap().to_vec())
                .unwrap()
                .parse()
                .unwrap();
            let usecs: i64 = String::from_utf8(v[1].as_bytes().unwrap().to_vec())
                .unwrap()
                .parse()
                .unwrap();
            assert!((secs - now).abs() <= 2 && (0..1_000_000).contains(&usecs));
        }
        other => panic!("{other:?}"),
    }
    match c.value(&["LASTSAVE"]) {
        Value::Int(t) => assert!((t - now).abs() <= 5),
        other => panic!("{other:?}"),
    }
    let t = std::time::Instant::now();
    c.expect(&["DEBUG", "SLEEP", "0.2"], "+OK\r\n");
    assert!(t.elapsed() >= Duration::from_millis(200));
    // inf does not hang the server (Redis's conversion makes it no sleep).
    c.expect(&["DEBUG", "SLEEP", "inf"], "+OK\r\n");
    c.expect(
        &["DEBUG", "NOPE"],
        "-ERR unknown subcommand or wrong number of arguments for 'NOPE'. Try DEBUG HELP.\r\n",
    );
}

/// The lines of an INFO section, with timing fields (`usec=`,
/// `usec_per_call=`) and INFO's own line removed, sorted.
fn stat_lines(c: &mut Conn, section: &str) -> Vec<String> {
    let Value::Bulk(text) = c.value(&["INFO", section]) else {
        panic!("INFO reply")
    };
    let mut lines: Vec<String> = String::from_utf8(text)
        .unwrap()
        .lines()
        // INFO itself is polled a varying number of times (wait_blocked).
        .filter(|l| !l.starts_with('#') && !l.is_empty() && !l.starts_with("cmdstat_info:"))
        .map(|l| {
            l.split(',')
                .filter(|f| !f.starts_with("usec"))
                .collect::<Vec<_>>()
                .join(",")
                .replace(":calls", " calls")
        })
        .map(|l| l.split(",usec").next().unwrap().to_string())
        .collect();
    lines.sort();
    lines
}

/// INFO commandstats (calls, rejected and failed calls) and errorstats
/// count the same things as Redis for the same commands.
#[test]
fn commandstats_and_errorstats_match_redis() {
    let Some(mut p) = crate::differential::Pair::new() else {
        return;
    };
    let script: &[&[&str]] = &[
        &["SET", "s", "v"],
        &["GET", "s"],
        &["GET", "nokey"],
        &["GET"],
        &["LPUSH", "s", "x"],
        &["INCR", "s"],
        &["NOSUCH", "x"],
        &["CONFIG", "GET", "databases"],
        &["CONFIG", "NOSUCH"],
        &["CONFIG", "SET", "port"],
        &["MULTI"],
        &["INCR", "s"],
        &["EXEC"],
        &["SLOWLOG", "LEN"],
    ];
    p.check_str(&["CONFIG", "RESETSTAT"]);
    for c in script {
        p.check_str(c);
    }
    for section in ["commandstats", "errorstats"] {
        let ours = stat_lines(&mut p.cin, section);
        let theirs = stat_lines(&mut p.red, section);
        assert_eq!(ours, theirs, "INFO {section}");
        assert!(ours.len() >= 2, "{section}: {ours:?}");
    }
    // Default INFO has errorstats but not commandstats; `all` has both.
    for (args, has_cmdstat) in [(&["INFO"][..], false), (&["INFO", "all"], true)] {
        let Value::Bulk(text) = p.cin.value(args) else {
            panic!()
        };
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("# Errorstats\r\nerrorstat_ERR:count="));
        assert_eq!(text.contains("# Commandstats"), has_cmdstat, "{args:?}");
    }
    // A blocking command that waits is counted once, when it is served;
    // a timed-out one too (both as Redis).
    let mut waiter = p.block_on_both(&["BLPOP", "q", "0"], 1);
    p.check_str(&["LPUSH", "q", "x"]);
    crate::differential::same_replies(std::slice::from_mut(&mut waiter));
    p.check_str(&["BLPOP", "empty", "0.01"]);
    // CONFIG RESETSTAT forgets everything counted before it.
    for reset in [false, true] {
        if reset {
            p.check_str(&["CONFIG", "RESETSTAT"]);
        }
        for section in ["commandstats", "errorstats"] {
            let ours = stat_lines(&mut p.cin, section);
            assert_eq!(ours, stat_lines(&mut p.red, section), "INFO {section}");
            if section == "commandstats" {
                let blpop = ours.iter().any(|l| l.starts_with("cmdstat_blpop calls=2,"));
                assert_eq!(blpop, !reset, "{ours:?}");
            }
        }
    }
}

#[test]
fn slowlog_errors_and_help_match_redis() {
    let Some(mut p) = crate::differential::Pair::new() else {
        return;
    };
    for c in [
        &["SLOWLOG", "GET", "-2"][..],
        &["SLOWLOG", "GET", "x"],
        &["SLOWLOG", "GET", "1", "2"],
        &["SLOWLOG", "LEN", "x"],
        &["SLOWLOG", "RESET", "x"],
        &["SLOWLOG"],
        &["SLOWLOG", "HELP"],
        &["SLOWLOG", "NOSUCH"],
        &["CONFIG", "SET", "slowlog-max-len", "-1"],
        &["CONFIG", "SET", "slowlog-log-slower-than", "-2"],
        &["CONFIG", "GET", "slowlog-*"],
    ] {
        p.check_str(c);
    }
}

#[test]
fn slowlog_records_slow_commands() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["CLIENT", "SETNAME", "tester"], "+OK\r\n");
    // The default threshold (10 ms) keeps ordinary commands out.
    c.expect(&["SET", "k", "v"], "+OK\r\n");
    c.expect(&["SLOWLOG", "LEN"], ":0\r\n");
    let sent = std::time::Instant::now();
    c.expect(&["DEBUG", "SLEEP", "0.02"], "+OK\r\n");
    // The server times the command inside the client's round trip.
    let round_trip = sent.elapsed().as_micros() as i64;
    c.expect(&["SLOWLOG", "LEN"], ":1\r\n");
    let Value::Array(entries) = c.value(&["SLOWLOG", "GET"]) else {
        panic!()
    };
    let Value::Array(e) = &entries[0] else {
        panic!()
    };
    assert_eq!(e.len(), 6);
    assert_eq!(e[0], Value::Int(0));
    let Value::Int(duration) = e[2] else { panic!() };
    assert!(
        (20_000..=round_trip).contains(&duration),
        "{duration} us, round trip {round_trip} us"
    );
    // INFO commandstats counts the same time.
    let Value::Bulk(stats) = c.value(&["INFO", "commandstats"]) else {
        panic!()
    };
    let stats = String::from_utf8(stats).unwrap();
    let usec: i64 = stats
        .lines()
        .find_map(|l| l.strip_prefix("cmdstat_debug:calls=1,usec="))
        .and_then(|rest| rest.split(',').next())
        .and_then(|u| u.parse().ok())
        .unwrap_or_else(|| panic!("{stats}"));
    assert!((20_000..=round_trip).contains(&usec), "{usec} us");
    assert_eq!(
        e[3],
        Value::Array(vec![
            Value::Bulk(b"DEBUG".to_vec()),
            Value::Bulk(b"SLEEP".to_vec()),
            Value::Bulk(b"0.02".to_vec()),
        ])
    );
    assert_eq!(e[5], Value::Bulk(b"tester".to_vec()));
    // Log everything, keep two entries, shorten long arguments.
    c.expect(
        &["CONFIG", "SET", "slowlog-log-slower-than", "0"],
        "+OK\r\n",
    );
    c.expect(&["CONFIG", "SET", "slowlog-max-len", "2"], "+OK\r\n");
    let long = "x".repeat(200);
    c.expect(&["ECHO", &long], &format!("$200\r\n{long}\r\n"));
    // The newest entry first: the ECHO (this GET is logged after it ran).
    let Value::Array(entries) = c.value(&["SLOWLOG", "GET", "1"]) else {
        panic!()
    };
    assert_eq!(entries.len(), 1);
    let Value::Array(echo) = &entries[0] else {
        panic!()
    };
    let shortened = format!("{}... (72 more bytes)", &long[..128]);
    assert_eq!(
        echo[3],
        Value::Array(vec![
            Value::Bulk(b"ECHO".to_vec()),
            Value::Bulk(shortened.into_bytes()),
        ])
    );
    c.expect(&["SLOWLOG", "LEN"], ":2\r\n");
    c.expect(
        &["CONFIG", "SET", "slowlog-log-slower-than", "-1"],
        "+OK\r\n",
    );
    c.expect(&["SLOWLOG", "RESET"], "+OK\r\n");
    c.expect(&["DEBUG", "SLEEP", "0.02"], "+OK\r\n");
    c.expect(&["SLOWLOG", "LEN"], ":0\r\n");
}

// ---------------------------------------------------------------------------
// COMMAND DOCS, INFO, LIST, GETKEYS
// ---------------------------------------------------------------------------

/// The bulk strings of an array reply.
fn strings(v: Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .into_iter()
            .map(|x| String::from_utf8(x.as_bytes().unwrap().to_vec()).unwrap())
            .collect(),
        other => panic!("{other:?}"),
    }
}

/// The pairs of a RESP3 map or of its RESP2 form, a flat array.
fn pairs_of(v: Value) -> Vec<(Value, Value)> {
    match v {
        Value::Map(kv) => kv,
        Value::Array(items) => {
            let mut it = items.into_iter();
            let mut out = Vec::new();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                out.push((k, v));
            }
            out
        }
        other => panic!("not a map: {other:?}"),
    }
}

fn text(v: &Value) -> String {
    String::from_utf8_lossy(v.as_bytes().unwrap()).into_owned()
}

/// Items sorted by their debug form, for comparing as sets.
fn sorted<T: std::fmt::Debug>(mut v: Vec<T>) -> Vec<T> {
    v.sort_by_key(|x| format!("{x:?}"));
    v
}

/// A container's COMMAND INFO entry with only the subcommands in `ours`
/// (Redis lists subcommands in hash order, and has some we lack).
fn info_restricted(entry: Value, ours: &BTreeSet<String>) -> Value {
    let Value::Array(mut fields) = entry else {
        panic!("{entry:?}")
    };
    if let Some(Value::Array(subs)) = fields.pop() {
        let kept = subs
            .into_iter()
            .filter(|s| matches!(s, Value::Array(f) if ours.contains(&text(&f[0]))))
            .collect();
        fields.push(Value::Array(sorted(kept)));
    }
    Value::Array(fields)
}

/// A container's COMMAND DOCS map restricted the same way.
fn docs_restricted(doc: Value, ours: &BTreeSet<String>) -> Vec<(Value, Value)> {
    pairs_of(doc)
        .into_iter()
        .map(|(k, v)| {
            if k.as_bytes() != Some(b"subcommands") {
                return (k, v);
            }
            let kept: Vec<(Value, Value)> = pairs_of(v)
                .into_iter()
                .filter(|(name, _)| ours.contains(&text(name)))
                .collect();
            (
                k,
                Value::Array(sorted(kept).into_iter().flat_map(|(a, b)| [a, b]).collect()),
            )
        })
        .collect()
}

/// The bytes of a container's COMMAND INFO or DOCS reply before its list
/// of subcommands (whose length and order differ from Redis's).
fn container_head(raw: &[u8]) -> &[u8] {
    let find = |from: usize, pat: &[u8]| {
        raw[from..]
            .windows(pat.len())
            .position(|w| w == pat)
            .map(|i| from + i)
    };
    if let Some(i) = find(0, b"subcommands\r\n") {
        return &raw[..i + 13];
    }
    // COMMAND INFO: the second entry header is the first subcommand's;
    // drop the array header line before it.
    let first = find(0, b"*10\r\n").unwrap();
    let second = find(first + 1, b"*10\r\n").unwrap();
    let header = raw[..second - 2].iter().rposition(|&c| c == b'\n').unwrap();
    &raw[..=header]
}

/// COMMAND INFO and COMMAND DOCS of every command we implement are Redis's,
/// byte for byte, in RESP2 and RESP3; containers list only our
/// subcommands, in table order (Redis's order is its hash table's).
#[test]
fn command_info_and_docs_match_redis() {
    let Some(mut p) = crate::differential::Pair::new() else {
        return;
    };
    let names = comparable_names(&mut p.cin);
    let ours: BTreeSet<String> = names.iter().cloned().collect();
    let is_container = |n: &str| ours.iter().any(|o| o.starts_with(&format!("{n}|")));
    for proto in ["2", "3"] {
        p.cin.cmd(&["HELLO", proto]);
        p.red.cmd(&["HELLO", proto]);
        for name in &names {
            for sub in ["INFO", "DOCS"] {
                let args = ["COMMAND", sub, name.as_str()];
                if !is_container(name) {
                    p.check_str(&args);
                    continue;
                }
                let (raw_a, raw_b) = (p.cin.cmd(&args), p.red.cmd(&args));
                assert_eq!(
                    show(container_head(&raw_a)),
                    show(container_head(&raw_b)),
                    "{args:?} (RESP{proto})"
                );
                let parse = |r: &[u8]| parse_reply(r).unwrap().unwrap().0;
                let (a, b) = (parse(&raw_a), parse(&raw_b));
                if sub == "INFO" {
                    let one = |v: Value| match v {
                        Value::Array(mut e) => info_restricted(e.remove(0), &ours),
                        other => panic!("{other:?}"),
                    };
                    assert_eq!(one(a), one(b), "COMMAND INFO {name} (RESP{proto})");
                } else {
                    let one = |v: Value| {
                        let mut kv = pairs_of(v);
                        assert_eq!(kv.len(), 1);
                        let (k, doc) = kv.remove(0);
                        (k, docs_restricted(doc, &ours))
                    };
                    assert_eq!(one(a), one(b), "COMMAND DOCS {name} (RESP{proto})");
                }
            }
        }
    }
}

/// Our commands that Redis 7.0 does not have (they come from 7.2), so the
/// comparisons with redis-server leave them out.
const NEWER_THAN_7_0: &[&str] = &["client|no-touch", "client|setinfo"];

/// COMMAND LIST of ours, less the commands Redis 7.0 cannot describe.
fn comparable_names(c: &mut crate::util::Conn) -> Vec<String> {
    strings(c.value(&["COMMAND", "LIST"]))
        .into_iter()
        .filter(|n| !NEWER_THAN_7_0.contains(&n.as_str()))
        .collect()
}

/// COMMAND, COMMAND INFO and COMMAND DOCS without names cover exactly the
/// table's commands, each as Redis describes it; COMMAND COUNT agrees.
#[test]
fn whole_table_replies_match_redis() {
    let Some(mut p) = crate::differential::Pair::new() else {
        return;
    };
    let ours: BTreeSet<String> = comparable_names(&mut p.cin).into_iter().collect();
    let top: BTreeSet<String> = ours.iter().filter(|n| !n.contains('|')).cloned().collect();
    let Value::Int(count) = p.cin.value(&["COMMAND", "COUNT"]) else {
        panic!()
    };
    assert_eq!(count as usize, top.len());
    for proto in ["2", "3"] {
        p.cin.cmd(&["HELLO", proto]);
        p.red.cmd(&["HELLO", proto]);
        for args in [&["COMMAND"][..], &["COMMAND", "INFO"]] {
            let by_name = |v: Value| -> BTreeMap<String, Value> {
                let Value::Array(entries) = v else { panic!() };
                entries
                    .into_iter()
                    .map(|e| {
                        let Value::Array(f) = &e else { panic!() };
                        (text(&f[0]), info_restricted(e, &ours))
                    })
                    .collect()
            };
            let mine = by_name(p.cin.value(args));
            let theirs = by_name(p.red.value(args));
            assert_eq!(mine.keys().cloned().collect::<BTreeSet<_>>(), top);
            for (name, entry) in mine {
                assert_eq!(
                    Some(&entry),
                    theirs.get(&name),
                    "{args:?} {name} RESP{proto}"
                );
            }
        }
        let by_name = |v: Value| -> BTreeMap<String, Vec<(Value, Value)>> {
            pairs_of(v)
                .into_iter()
                .map(|(k, doc)| (text(&k), docs_restricted(doc, &ours)))
                .collect()
        };
        let mine = by_name(p.cin.value(&["COMMAND", "DOCS"]));
        let theirs = by_name(p.red.value(&["COMMAND", "DOCS"]));
        assert_eq!(mine.keys().cloned().collect::<BTreeSet<_>>(), top);
        for (name, doc) in mine {
            assert_eq!(
                Some(&doc),
                theirs.get(&name),
                "COMMAND DOCS: {name} RESP{proto}"
            );
        }
    }
    // Unknown names: null in INFO, left out of DOCS.
    for args in [
        &[
            "COMMAND",
            "INFO",
            "get",
            "nosuch",
            "config|get",
            "config|nosuch",
        ][..],
        &[
            "COMMAND",
            "INFO",
            "get|x",
            "config|",
            "|get",
            "config|get|x",
            "Config|GET",
        ],
        &[
            "COMMAND",
            "DOCS",
            "nosuch",
            "get",
            "config|nosuch",
            "Config|Get",
            "get",
        ],
        &["COMMAND", "DOCS", "nosuch"],
        &["COMMAND", "HELP"],
        &["COMMAND", "HELP", "x"],
        &["COMMAND", "COUNT", "x"],
        &["COMMAND", "NOSUCH"],
    ] {
        p.check_str(args);
    }
}

/// COMMAND LIST and its filters give Redis's answer restricted to the
/// commands we implement; malformed filters are Redis's errors.
#[test]
fn command_list_filters_match_redis() {
    let Some(mut p) = crate::differential::Pair::new() else {
        return;
    };
    let ours: BTreeSet<String> = comparable_names(&mut p.cin).into_iter().collect();
    let mut filters: Vec<Vec<String>> = vec![vec![]];
    let mut by = |kind: &str, arg: &str| {
        filters.push(vec!["FILTERBY".into(), kind.into(), arg.into()]);
    };
    for pattern in [
        "*", "c*g", "*|get", "CONFIG*", "z*store", "[sg]et", "nosuch", "",
    ] {
        by("PATTERN", pattern);
    }
    for cat in strings(p.red.value(&["ACL", "CAT"])) {
        by("ACLCAT", &cat);
    }
    for cat in ["READ", "Connection", "@read", "nosuch", ""] {
        by("aclcat", cat);
    }
    by("MODULE", "x");
    for f in &filters {
        let mut args = vec!["COMMAND", "LIST"];
        args.extend(f.iter().map(String::as_str));
        let mine: BTreeSet<String> = strings(p.cin.value(&args))
            .into_iter()
            .filter(|n| ours.contains(n))
            .collect();
        let theirs: BTreeSet<String> = strings(p.red.value(&args))
            .into_iter()
            .filter(|n| ours.contains(n))
            .collect();
        assert_eq!(mine, theirs, "{args:?}");
    }
    for args in [
        &["COMMAND", "LIST", "FILTERBY"][..],
        &["COMMAND", "LIST", "FILTERBY", "ACLCAT"],
        &["COMMAND", "LIST", "FILTERBY", "NOSUCH", "x"],
        &["COMMAND", "LIST", "FILTERBY", "ACLCAT", "read", "extra"],
        &["COMMAND", "LIST", "foo"],
        &["COMMAND", "LIST", "foo", "bar", "baz"],
    ] {
        p.check_str(args);
    }
}

/// Command lines for GETKEYS: every key-taking shape we implement, movable
/// keys, fallbacks to Redis's key functions, and each error.
const GETKEYS_LINES: &[&str] = &[
    "get k",
    "GET k",
    "get a b",
    "nosuch a",
    "ping x",
    "dbsize x",
    "keys *",
    "subscribe a",
    "spublish ch msg",
    "ssubscribe a b",
    "sunsubscribe a",
    "config get x",
    "config nosuch",
    "object encoding k",
    "Object Encoding k",
    "object encoding",
    "object encoding a b",
    "object nosuch k",
    "object help",
    "object help x",
    "object freq k",
    "pubsub numsub x",
    "client id",
    "command info get",
    "command x y",
    "set k v",
    "set k v get",
    "set k v GET",
    "set k v nx get",
    "set k get",
    "set get get get",
    "set k v px get",
    "set k v px 1 get",
    "getex k",
    "getdel k",
    "mget a b c",
    "mset a 1 b 2",
    "mset a 1 b",
    "msetnx a 1 b 2",
    "lcs a b",
    "copy a b",
    "del a",
    "unlink a b",
    "exists a b",
    "touch a b",
    "rename a b",
    "renamenx a b",
    "move a 1",
    "pexpire k 10",
    "watch a b",
    "blpop a b 0",
    "blpop a",
    "bzpopmin a b 0",
    "brpoplpush a b 0",
    "blmove a b left right 0",
    "lmove a b left right",
    "rpoplpush a b",
    "smove a b m",
    "sinterstore d a b",
    "sdiff a b c",
    "zrangestore d s 0 -1",
    "zunionstore d 2 a b weights 1 2",
    "zunionstore d 1 a b",
    "zunionstore d 1 d",
    "zunionstore d 0 a",
    "zunionstore d 2 a",
    "zunionstore d 3 a b",
    "zunionstore d -1 a b",
    "zunionstore d x a b",
    "zunionstore d 1x a b",
    "zunionstore d 02 a b",
    "zunionstore d 03 a b",
    "zunionstore d  2 a b",
    "zunionstore d 4294967296 a",
    "zunionstore d 4294967295 a",
    "zunionstore d 4294967297 a",
    "zunionstore d -4294967295 a",
    "zunionstore d 2147483648 a",
    "zunionstore d 9223372036854775807 a",
    "zunionstore d 9223372036854775808 a",
    "zinterstore d 2 a b aggregate sum",
    "zinterstore d 1x a b",
    "zdiffstore d 1 a b",
    "zdiffstore d 1x a b",
    "zunion 2 a b withscores",
    "zunion 0 a",
    "zunion 3 a b",
    "zunion x a b",
    "zinter 1x a b",
    "zdiff 1 a",
    "zintercard 2 a b limit 1",
    "zintercard 3 a b",
    "zintercard 0 a b",
    "zintercard 1x a b",
    "sintercard 2 a b",
    "sintercard 0 a b",
    "sintercard 1x a b",
    "lmpop 2 a b left",
    "lmpop 3 a b left",
    "lmpop 0 a b",
    "lmpop 1x a b",
    "lmpop -1 a b",
    "blmpop 0 2 a b left",
    "blmpop 0 3 a b left",
    "blmpop 0 0 a b",
    "blmpop 0 x a b left",
    "blmpop 0 1x a b left",
    "zmpop 2 a b min",
    "zmpop 1x a b min",
    "zmpop 02 a min",
    "zmpop 03 a min",
    "zmpop +1 a b min",
    "zmpop 4294967297 a b min",
    "zmpop 4294967296 a min",
    "bzmpop 1 2 a b min",
    "bzmpop 0 1x a b min",
    "sort k",
    "sort k store d",
    "sort k STORE d GET x",
    "sort k by x get y store d",
    "sort k store d store e",
    "sort k store",
    "sort k store limit 1",
    "sort k by store d",
    "sort k limit store d x",
    "sort k limit 0 store d",
    "sort k limit 0 1 store d",
    "sort k get store d",
    "sort k get",
    "sort_ro k",
    "sort_ro k store d",
];

/// COMMAND GETKEYS and GETKEYSANDFLAGS answer as Redis does, byte for byte.
#[test]
fn getkeys_match_redis() {
    let Some(mut p) = crate::differential::Pair::new() else {
        return;
    };
    for proto in ["2", "3"] {
        p.cin.cmd(&["HELLO", proto]);
        p.red.cmd(&["HELLO", proto]);
        for line in GETKEYS_LINES {
            for sub in ["GETKEYS", "GETKEYSANDFLAGS"] {
                let mut args = vec!["COMMAND", sub];
                args.extend(line.split(' '));
                p.check_str(&args);
            }
        }
    }
    for args in [
        &["COMMAND", "GETKEYS"][..],
        &["COMMAND", "GETKEYS", "get"],
        &["COMMAND", "GETKEYSANDFLAGS", "get"],
        &["COMMAND", "GETKEYS", "ping"],
        &["COMMAND", "GETKEYS", "object"],
        &["COMMAND", "GETKEYS", "config|get", "x"],
        &["COMMAND", "GETKEYS", "", "x"],
    ] {
        p.check_str(args);
    }
}

/// Every command and subcommand we implement, with 0 to 6 arguments of
/// two shapes, gives the same GETKEYS and GETKEYSANDFLAGS reply as Redis.
#[test]
fn getkeys_sweep_matches_redis() {
    let Some(mut p) = crate::differential::Pair::new() else {
        return;
    };
    let fillers = [
        ["2", "a", "b", "c", "d", "e"],
        ["1", "k", "STORE", "d", "GET", "x"],
    ];
    for name in comparable_names(&mut p.cin) {
        for filler in &fillers {
            for n in 0..=filler.len() {
                for sub in ["GETKEYS", "GETKEYSANDFLAGS"] {
                    let mut args = vec!["COMMAND", sub];
                    args.extend(name.split('|'));
                    args.extend(&filler[..n]);
                    p.check_str(&args);
                }
            }
        }
    }
}

/// Exact replies that need no redis-server: a whole COMMAND DOCS entry,
/// key specs in COMMAND INFO, GETKEYS and its errors.
#[test]
fn command_docs_and_getkeys_replies() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(
        &["COMMAND", "DOCS", "get"],
        "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n\
         $5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n\
         $10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n\
         $4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n",
    );
    c.expect(&["COMMAND", "DOCS", "nosuch"], "*0\r\n");
    let info = show(&c.cmd(&["COMMAND", "INFO", "get"]));
    assert!(
        info.ends_with(
            "*3\\r\\n+@read\\r\\n+@string\\r\\n+@fast\\r\\n*0\\r\\n*1\\r\\n*6\\r\\n\
             $5\\r\\nflags\\r\\n*2\\r\\n+RO\\r\\n+access\\r\\n\
             $12\\r\\nbegin_search\\r\\n*4\\r\\n$4\\r\\ntype\\r\\n$5\\r\\nindex\\r\\n\
             $4\\r\\nspec\\r\\n*2\\r\\n$5\\r\\nindex\\r\\n:1\\r\\n\
             $9\\r\\nfind_keys\\r\\n*4\\r\\n$4\\r\\ntype\\r\\n$5\\r\\nrange\\r\\n\
             $4\\r\\nspec\\r\\n*6\\r\\n$7\\r\\nlastkey\\r\\n:0\\r\\n$7\\r\\nkeystep\\r\\n:1\\r\\n\
             $5\\r\\nlimit\\r\\n:0\\r\\n*0\\r\\n"
        ),
        "{info}"
    );
    c.expect(
        &["COMMAND", "GETKEYS", "zunionstore", "d", "2", "a", "b"],
        "*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n",
    );
    c.expect(
        &[
            "COMMAND",
            "GETKEYSANDFLAGS",
            "lmove",
            "a",
            "b",
            "left",
            "right",
        ],
        "*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n\
         *2\r\n$1\r\nb\r\n*2\r\n+RW\r\n+insert\r\n",
    );
    // A count that only C's atoi reads: Redis's fallback, without flags.
    c.expect(
        &["COMMAND", "GETKEYSANDFLAGS", "zunionstore", "d", "1x", "a"],
        "*2\r\n*2\r\n$1\r\na\r\n*0\r\n*2\r\n$1\r\nd\r\n*0\r\n",
    );
    c.expect(
        &["COMMAND", "GETKEYS", "sort", "k", "store", "d"],
        "*2\r\n$1\r\nk\r\n$1\r\nd\r\n",
    );
    for (args, err) in [
        (
            &["COMMAND", "GETKEYS", "nosuch", "a"][..],
            "Invalid command specified",
        ),
        (
            &["COMMAND", "GETKEYS", "ping", "a"],
            "The command has no key arguments",
        ),
        (
            &["COMMAND", "GETKEYS", "get", "a", "b"],
            "Invalid number of arguments specified for command",
        ),
        (
            &["COMMAND", "GETKEYS", "zunion", "0", "a"],
            "Invalid arguments specified for command",
        ),
        (
            &["COMMAND", "GETKEYS", "get"],
            "wrong number of arguments for 'command|getkeys' command",
        ),
    ] {
        c.expect(args, &format!("-ERR {err}\r\n"));
    }
}

/// redis-cli's one-shot mode prints COMMAND DOCS as Redis's would.
#[test]
fn redis_cli_prints_command_docs() {
    if !tool("redis-cli") {
        return;
    }
    let srv = Server::start();
    let out = Command::new("redis-cli")
        .args(["-p", &srv.port().to_string(), "COMMAND", "DOCS", "get"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "get\nsummary\nGet the value of a key\nsince\n1.0.0\ngroup\nstring\n\
         complexity\nO(1)\narguments\nname\nkey\ntype\nkey\nkey_spec_index\n0\n"
    );
}

/// CLIENT UNBLOCK ... ERROR counts the blocked call as failed and its error
/// in errorstats (the figures redis-server 7.0.15 gives for the same steps).
#[test]
fn unblocked_with_error_counts_as_failed() {
    let srv = Server::start();
    let mut waiter = srv.conn();
    let mut c = srv.conn();
    let Value::Int(id) = waiter.value(&["CLIENT", "ID"]) else {
        panic!()
    };
    waiter.send_cmd(&["BLPOP", "q", "0"]);
    wait_blocked(&mut c, 1);
    c.expect(&["CLIENT", "UNBLOCK", &id.to_string(), "ERROR"], ":1\r\n");
    assert_eq!(
        show(&waiter.read_reply()),
        show(b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
    );
    let stats = stat_lines(&mut c, "commandstats");
    assert!(
        stats.contains(&"cmdstat_blpop calls=1,rejected_calls=0,failed_calls=1".to_string()),
        "{stats:?}"
    );
    let errors = stat_lines(&mut c, "errorstats");
    assert!(
        errors.contains(&"errorstat_UNBLOCKED:count=1".to_string()),
        "{errors:?}"
    );
}

/// CONFIG SET `port` and `bind` move the listeners at runtime, as Redis
/// 7.0; a port in use or an address the machine lacks fails with Redis's
/// error and leaves the old listener serving.
#[test]
fn config_set_port_and_bind_rebind_at_runtime() {
    let srv = Server::start();
    let mut c = srv.conn();
    let old = srv.port();
    let new = free_port();
    c.expect(&["CONFIG", "SET", "port", &new.to_string()], "+OK\r\n");
    let mut moved = Conn::connect(&format!("127.0.0.1:{new}"));
    moved.expect(&["PING"], "+PONG\r\n");
    let port_reply = |p: u16| format!("*2\r\n$4\r\nport\r\n${}\r\n{p}\r\n", p.to_string().len());
    moved.expect(&["CONFIG", "GET", "port"], &port_reply(new));
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", old)).is_err(),
        "the old port still listens"
    );
    // Clients connected before keep their connection.
    c.expect(&["PING"], "+PONG\r\n");
    // A port in use, and an address that does not exist: Redis's errors.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port().to_string();
    let mut errors = Vec::new();
    let redis = redis_in(srv.dir.path(), &[]);
    for args in [
        &["CONFIG", "SET", "port", &busy_port][..],
        &["CONFIG", "SET", "bind", "999.999.999.999"],
    ] {
        let got = moved.cmd(args);
        if let Some(r) = &redis {
            let want = Conn::connect(&r.addr).cmd(args);
            assert_eq!(show(&got), show(&want), "{args:?}");
        }
        errors.push(show(&got));
    }
    assert!(
        errors[0].contains("Unable to listen on this port"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("Failed to bind to specified addresses"),
        "{errors:?}"
    );
    let mut again = Conn::connect(&format!("127.0.0.1:{new}"));
    again.expect(&["PING"], "+PONG\r\n");
    again.expect(&["CONFIG", "GET", "port"], &port_reply(new));
    // An optional address the machine lacks is skipped, as Redis does.
    again.expect(
        &["CONFIG", "SET", "bind", "127.0.0.1 -192.0.2.1"],
        "+OK\r\n",
    );
    Conn::connect(&format!("127.0.0.1:{new}")).expect(&["PING"], "+PONG\r\n");
}
