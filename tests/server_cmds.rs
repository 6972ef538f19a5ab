//! Server commands, configuration, command line and shutdown.

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
        &["CONFIG", "SET", "port", "1"],
        "-ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config\r\n",
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
    std::fs::write(&path, "# test\nport 0\ndatabases 4\nhz 15\nsave 900 1\n").unwrap();
    let mut cmd = Command::new(bin());
    cmd.arg(&path).args(["--hz", "25", "--dir", dir.path()]);
    let srv = Server::spawn(cmd, TempDir::new("confdir"));
    let mut c = srv.conn();
    c.expect(
        &["CONFIG", "GET", "databases"],
        "*2\r\n$9\r\ndatabases\r\n$1\r\n4\r\n",
    );
    c.expect(&["CONFIG", "GET", "hz"], "*2\r\n$2\r\nhz\r\n$2\r\n25\r\n");
    c.expect(
        &["CONFIG", "GET", "save"],
        "*2\r\n$4\r\nsave\r\n$5\r\n900 1\r\n",
    );
    c.expect(&["SELECT", "4"], "-ERR DB index is out of range\r\n");
    let info = String::from_utf8(c.cmd(&["INFO", "server"])).unwrap();
    assert!(info.contains("config_file:/"), "{info}");
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
        "-ERR Unknown subcommand or wrong number of arguments for 'NOPE'. Try DEBUG HELP.\r\n",
    );
}

/// The lines of an INFO section, with timing fields (`usec=`,
/// `usec_per_call=`) removed, sorted.
fn stat_lines(c: &mut Conn, section: &str) -> Vec<String> {
    let Value::Bulk(text) = c.value(&["INFO", section]) else {
        panic!("INFO reply")
    };
    let mut lines: Vec<String> = String::from_utf8(text)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
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
    c.expect(&["DEBUG", "SLEEP", "0.02"], "+OK\r\n");
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
    assert!(duration >= 20_000, "{duration}");
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
