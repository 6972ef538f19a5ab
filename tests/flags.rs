//! Command flags against redis-server 7.0, command by command: what
//! COMMAND INFO reports, and where the flags are enforced (MULTI's
//! queueing, MONITOR clients, which refuse `may_replicate` commands that
//! COMMAND INFO does not show). The lists of commands come from the
//! servers themselves, so a new row in the table is covered by itself.

use crate::differential::Pair;
use crate::util::*;

/// Cinnabar's commands that Redis 7.0 lacks (7.2's): never compared.
const NOT_IN_7_0: &[&str] = &["client|no-touch", "client|setinfo"];

/// One COMMAND INFO entry: name, then arity, flags and key positions.
type Entry = (String, Vec<Value>);

/// Every command and subcommand of COMMAND, with the fields compared.
fn command_table(c: &mut Conn) -> Vec<Entry> {
    let Value::Array(cmds) = c.value(&["COMMAND"]) else {
        panic!("COMMAND is not an array");
    };
    let mut out = Vec::new();
    for cmd in cmds {
        let Value::Array(f) = cmd else {
            panic!("entry")
        };
        let mut add = |f: &[Value]| {
            let name = String::from_utf8(f[0].as_bytes().unwrap().to_vec()).unwrap();
            out.push((name, f[1..6].to_vec()));
        };
        add(&f);
        if let Value::Array(subs) = &f[9] {
            for s in subs {
                let Value::Array(sf) = s else {
                    panic!("subcommand")
                };
                add(sf);
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The arguments of a probe: the command's words, then dummy arguments
/// up to its arity.
fn probe(name: &str, arity: i64) -> Vec<String> {
    let mut args: Vec<String> = name.split('|').map(str::to_string).collect();
    while (args.len() as i64) < arity.abs() {
        args.push("x".into());
    }
    args
}

/// Cinnabar's commands (and subcommands) with their arity, but the 7.2
/// ones and those in `skip`.
fn commands_but(p: &mut Pair, skip: &[&str]) -> Vec<(String, i64)> {
    command_table(&mut p.cin)
        .into_iter()
        .filter(|(n, _)| !NOT_IN_7_0.contains(&n.as_str()) && !skip.contains(&n.as_str()))
        .map(|(n, f)| {
            let Value::Int(arity) = f[0] else {
                panic!("arity")
            };
            (n, arity)
        })
        .collect()
}

/// Issue 19: every command's arity, flags (in Redis's order) and key
/// positions in COMMAND INFO are Redis 7.0's, subcommands included.
#[test]
fn issue19_command_info_flags_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let cin = command_table(&mut p.cin);
    let red: std::collections::BTreeMap<_, _> = command_table(&mut p.red).into_iter().collect();
    let mut compared = 0;
    for (name, fields) in &cin {
        if NOT_IN_7_0.contains(&name.as_str()) {
            assert!(!red.contains_key(name), "{name} is in Redis 7.0 after all");
            continue;
        }
        let want = red
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not a Redis 7.0 command"));
        assert_eq!(fields, want, "COMMAND INFO of {name}: [arity, flags, keys]");
        compared += 1;
    }
    assert!(compared > 250, "only {compared} commands compared");
}

/// Issue 19: each command queued inside MULTI is answered as Redis does:
/// QUEUED, or the refusal (arity, `no_multi`, MULTI and WATCH's own
/// errors) that dooms the transaction.
#[test]
fn issue19_queueing_every_command_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    // These end the transaction or the connection instead of queueing.
    let skip = ["exec", "discard", "quit", "reset"];
    for (name, arity) in commands_but(&mut p, &skip) {
        for n in [arity.abs(), arity.abs() + 1] {
            if arity > 0 && n != arity {
                continue;
            }
            let args = probe(&name, n);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            p.check_str(&["MULTI"]);
            p.check_str(&args);
            p.check_str(&["DISCARD"]);
        }
    }
}

/// Issue 19: a MONITOR client (a replica to Redis) may not run a command
/// that reads, writes or may replicate (the hidden `may_replicate`:
/// PUBLISH, SPUBLISH). Every command is tried from a fresh MONITOR
/// connection on both servers; the refusals must agree.
#[test]
fn issue19_monitor_refusals_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    // These would stop the server, leave MONITOR, or hold the client.
    let skip = [
        "shutdown",
        "debug",
        "quit",
        "reset",
        "monitor",
        "client|kill",
        "client|pause",
        "config|set",
        "config|rewrite",
        "acl|load",
        "acl|save",
        "bgrewriteaof",
    ];
    let addr = p.redis_addr();
    let mut refused = Vec::new();
    for (name, arity) in commands_but(&mut p, &skip) {
        let args = probe(&name, arity);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let is_refusal =
            |r: Vec<u8>| r.starts_with(b"-ERR Replica can't interact with the keyspace");
        let mut c = p.cin_server().conn();
        c.expect(&["MONITOR"], "+OK\r\n");
        let cin = is_refusal(c.cmd(&args));
        let mut r = Conn::connect(&addr);
        r.expect(&["MONITOR"], "+OK\r\n");
        let red = is_refusal(r.cmd(&args));
        assert_eq!(cin, red, "{args:?} from a MONITOR client: refused?");
        if red {
            refused.push(name);
        }
    }
    for name in ["publish", "spublish", "get", "set"] {
        assert!(refused.iter().any(|n| n == name), "{name} was not refused");
    }
}

/// A RESP2 subscriber may run only the (un)subscribe commands, PING,
/// QUIT and RESET; every other command (LATENCY RESET and SLOWLOG RESET
/// too, which are not RESET) is refused with Redis's error.
#[test]
fn issue19_subscribed_context_refusals_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let mut skip = vec![
        "quit",
        "reset",
        "shutdown",
        "debug",
        "monitor",
        "client|pause",
    ];
    skip.extend(["subscribe", "psubscribe", "ssubscribe"]);
    skip.extend(["unsubscribe", "punsubscribe", "sunsubscribe"]);
    let commands = commands_but(&mut p, &skip);
    p.check_str(&["SUBSCRIBE", "ch"]);
    for (name, arity) in commands {
        let args = probe(&name, arity);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        p.check_str(&args);
    }
}

/// Issue 19: admission's refusals come in Redis's order. Every command
/// is tried with dummy arguments by a client in two states at once, of:
/// inside MULTI, a RESP2 subscriber, a MONITOR client, a user without
/// `@dangerous` and SET. The replies must agree when either refuses.
#[test]
fn issue19_admission_order_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    let mut skip = vec![
        "shutdown", "debug", "quit", "reset", "monitor", "exec", "discard",
    ];
    skip.extend([
        "multi", "watch", "unwatch", "auth", "hello", "select", "flushall",
    ]);
    skip.extend([
        "flushdb",
        "swapdb",
        "client|kill",
        "client|pause",
        "client|reply",
    ]);
    skip.extend([
        "client|tracking",
        "client|unblock",
        "client|no-evict",
        "config|set",
    ]);
    skip.extend([
        "config|rewrite",
        "acl|load",
        "acl|save",
        "acl|setuser",
        "acl|deluser",
    ]);
    skip.extend([
        "acl|log",
        "bgrewriteaof",
        "subscribe",
        "psubscribe",
        "ssubscribe",
    ]);
    skip.extend([
        "unsubscribe",
        "punsubscribe",
        "sunsubscribe",
        "blpop",
        "brpop",
    ]);
    skip.extend([
        "blmove",
        "brpoplpush",
        "blmpop",
        "bzpopmin",
        "bzpopmax",
        "bzmpop",
    ]);
    skip.extend(["xread", "xreadgroup"]);
    let commands = commands_but(&mut p, &skip);
    let user = [
        "ACL",
        "SETUSER",
        "lim",
        "on",
        "nopass",
        "+@all",
        "-@dangerous",
    ];
    p.check_str(&user);
    p.check_str(&["ACL", "SETUSER", "lim", "-set", "~k*", "+monitor"]);
    let states: &[(&str, &[&str])] = &[
        ("multi", &["MULTI"]),
        ("subscriber", &["SUBSCRIBE", "ch"]),
        ("monitor", &["MONITOR"]),
        ("user", &["AUTH", "lim", "x"]),
    ];
    let addr = p.redis_addr();
    let mut probed = 0;
    for (i, a) in states.iter().enumerate() {
        for b in &states[i + 1..] {
            let mut conns: Option<(Conn, Conn)> = None;
            for (name, arity) in &commands {
                let (cin, red) = conns.get_or_insert_with(|| {
                    let mut c = (p.cin_server().conn(), Conn::connect(&addr));
                    for s in [a.1, b.1] {
                        assert_eq!(show(&c.0.cmd(s)), show(&c.1.cmd(s)), "{s:?}");
                    }
                    c
                });
                let args = probe(name, *arity);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let (x, y) = (cin.cmd(&args), red.cmd(&args));
                let refused = (x.first() == Some(&b'-'), y.first() == Some(&b'-'));
                if refused != (false, false) {
                    let context = format!("{args:?} as {} and {}", a.0, b.0);
                    assert_eq!(show(&x), show(&y), "{context}");
                }
                // A command that ran may have changed the client: anew.
                if refused != (true, true) {
                    conns = None;
                }
                probed += 1;
            }
        }
    }
    assert!(probed > 1000, "{probed}");
}

/// Issue 19: every command run by EXEC (dummy arguments, `x` a string
/// key) fails or not as in Redis, with the same error: EXEC does not
/// admit its commands again (a SUBSCRIBE before them does not refuse
/// them), and what may not run inside it (MONITOR, SSUBSCRIBE) is refused.
#[test]
fn issue19_exec_of_every_command_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    let mut skip = vec![
        "shutdown", "debug", "quit", "reset", "monitor", "exec", "discard",
    ];
    skip.extend([
        "multi",
        "auth",
        "hello",
        "client|kill",
        "client|pause",
        "client|reply",
    ]);
    skip.extend([
        "client|unblock",
        "client|no-evict",
        "config|set",
        "config|rewrite",
    ]);
    skip.extend(["acl|load", "acl|save", "bgrewriteaof"]);
    let mut compared = 0;
    for (name, arity) in commands_but(&mut p, &skip) {
        for n in [arity.abs(), arity.abs() + 1] {
            // SUBSCRIBE x x inside EXEC writes a reply more than EXEC
            // counts, in Redis too.
            if (arity > 0 || name.ends_with("subscribe")) && n != arity.abs() {
                continue;
            }
            let args = probe(&name, n);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            for c in [&mut p.cin, &mut p.red] {
                // RESET leaves what the last command may have entered
                // (subscriptions, tracking, another database).
                c.expect(&["RESET"], "+RESET\r\n");
                c.expect(&["FLUSHALL"], "+OK\r\n");
                c.expect(&["SET", "x", "1"], "+OK\r\n");
            }
            p.check_str(&["MULTI"]);
            p.check_str(&args);
            let (cin, red) = (p.cin.value(&["EXEC"]), p.red.value(&["EXEC"]));
            compared += 1;
            // Replies that succeed may differ (ids, times, COMMAND): only
            // errors are compared.
            let (Value::Array(a), Value::Array(b)) = (&cin, &red) else {
                assert_eq!(cin, red, "EXEC of {args:?}");
                continue;
            };
            for (x, y) in a.iter().zip(b) {
                if matches!(x, Value::Error(_)) || matches!(y, Value::Error(_)) {
                    assert_eq!(x, y, "EXEC of {args:?}");
                }
            }
            assert_eq!(a.len(), b.len(), "EXEC of {args:?}");
        }
    }
    assert!(compared > 250, "{compared}");
}
