//! FUNCTION and FCALL: differential tests against redis-server 7.0 for
//! every subcommand and error text, FUNCTION DUMP payloads moving both
//! ways between the servers, and libraries surviving restarts through
//! the AOF and its rewrite.

use std::time::Duration;

use crate::differential::{Cmp, Pair};
use crate::util::*;

/// A library whose code starts with the shebang for `name`.
fn lib(name: &str, body: &str) -> String {
    format!("#!lua name={name}\n{body}")
}

/// Loads `body` as library `x` on both (after a flush) and compares.
fn load_x(p: &mut Pair, body: &str) {
    p.check_str(&["FUNCTION", "FLUSH"]);
    p.check_str(&["FUNCTION", "LOAD", &lib("x", body)]);
}

/// Switches both connections to protocol `resp` (the HELLO replies
/// differ in the client id).
fn hello(p: &mut Pair, resp: &str) {
    for c in [&mut p.cin, &mut p.red] {
        assert!(!c.cmd(&["HELLO", resp]).starts_with(b"-"));
    }
}

/// Sorts every array, recursively (libraries and functions come in hash
/// order in Redis).
fn deep_sorted(v: Value) -> Value {
    match v {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.into_iter().map(deep_sorted).collect();
            items.sort_by_key(|x| format!("{x:?}"));
            Value::Array(items)
        }
        Value::Map(kv) => {
            let mut kv: Vec<(Value, Value)> = kv
                .into_iter()
                .map(|(k, v)| (deep_sorted(k), deep_sorted(v)))
                .collect();
            kv.sort_by_key(|x| format!("{x:?}"));
            Value::Map(kv)
        }
        other => other,
    }
}

#[test]
fn load_metadata_errors_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    for code in [
        "return 1",
        "#!lua",
        "#!lua name=x",
        "#!lua name=x\nreturn 1",
        "#!lua name=x foo=bar\nreturn 1",
        "#!lua name=x name=y\nreturn 1",
        "#!lua2 name=x\nreturn 1",
        "#!lua\nreturn 1",
        "#!lua name=x-y\nreturn 1",
        "#!lua name=\nreturn 1",
    ] {
        p.check_str(&["FUNCTION", "LOAD", code]);
    }
    p.check_str(&["FUNCTION", "LOAD"]);
    p.check_str(&["FUNCTION", "LOAD", "foo", "code"]);
    p.check_str(&["FUNCTION", "LOAD", "REPLACE", "foo", "code"]);
}

#[test]
fn register_function_errors_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    for body in [
        "redis.register_function('f-g', function() end)",
        "redis.register_function('f', function() end)\nredis.register_function('f', function() end)",
        "redis.register_function('f')",
        "redis.register_function()",
        "redis.register_function(1,2,3)",
        "redis.register_function(1,2)",
        "redis.register_function({}, function() end)",
        "redis.register_function({})",
        "redis.register_function{function_name='f', callback=function() end, flags={'bad'}}",
        "redis.register_function{function_name='f', callback=function() end, flags={1}}",
        "redis.register_function{function_name='f', callback=function() end, flags='no-writes'}",
        "redis.register_function{function_name='f', callback=function() end, foo=1}",
        "redis.register_function{function_name={}, callback=function() end}",
        "redis.register_function{function_name='f', callback=1}",
        "redis.register_function{function_name='f', description={}, callback=function() end}",
        "redis.register_function{callback=function() end}",
        "redis.register_function{function_name='f'}",
        "redis.register_function{[1]='f'}",
        "redis.register_function{[{}]='f'}",
        "redis.register_function{function_name='f', callback=function() end, flags={'NO-WRITES', 'Allow-Oom'}}",
        "redis.register_function{FUNCTION_NAME='f', CALLBACK=function() end, DESCRIPTION='d'}",
        "redis.register_function(12, function() return 1 end)",
        "local x = 1",
    ] {
        load_x(&mut p, body);
        p.check_with(&[b"FUNCTION", b"LIST"], Cmp::Normalized(deep_sorted));
    }
}

#[test]
fn library_code_loads_in_a_restricted_sandbox_as_in_redis() {
    let Some(mut p) = Pair::new() else { return };
    for body in [
        "redis.call('set','a','b')",
        "redis.pcall('set','a','b')",
        "local a = string.len('x')",
        "local a = math.random()",
        "redis.setresp(3)",
        "error('boom')",
        "x = 1",
        "redis.x = 1",
        "redis.register_function = 1",
        "local x = 1 +",
        "return redis.REDIS_VERSION .. nonexist",
        "local y = redis.sha1hex('a')",
        "local y = cjson.encode({})",
        "local y = tostring(1)",
        "redis.log(redis.LOG_NOTICE, 'loading') redis.register_function('f', function() return 1 end)",
        "local v = redis.REDIS_VERSION_NUM redis.register_function('f', function() return 1 end)",
        // At run time the function sees the whole sandbox again.
        "redis.register_function('f', function() return string.len(cjson.encode({1})) end)",
    ] {
        load_x(&mut p, body);
        p.check_str(&["FCALL", "f", "0"]);
    }
    // The load timeout: 500 ms, then Redis's error.
    load_x(&mut p, "while true do end");
    load_x(&mut p, "local ok = pcall(function() while true do end end)");
    p.check_str(&["PING"]);
}

const LIB: &str = "redis.register_function('f', function(k,a) return redis.call('set',k[1],a[1]) end)
redis.register_function{function_name='g', callback=function(k,a) return redis.call('get',k[1]) end, flags={'no-writes'}, description='read'}
redis.register_function{function_name='e', callback=function(k,a) return error('boom') end, flags={'no-writes', 'allow-oom'}}
redis.register_function{function_name='w', callback=function(k,a) return redis.call('set', 'k', 'v') end, flags={'no-writes'}}
redis.register_function{function_name='c', callback=function(k,a) return redis.call('nosuch') end}
redis.register_function('t', function(k,a) return {#k, #a, k[1], a[1], 1.5, false, {ok='fine'}} end)
redis.register_function('r', function() redis.setresp(3) return redis.call('hgetall', 'h') end)
redis.register_function('rf', function() return redis.register_function('z', function() end) end)
redis.register_function('z1', function() return redis.error_reply('MY err') end)
redis.register_function('z2', function() return {err='X y'} end)
redis.register_function('z3', function() return redis.pcall('incr', 'zz1', 'x') end)
redis.register_function('z4', function() error({err='TAB boom'}) end)
redis.register_function('z5', function(k, a) return redis.call('get', k) end)
redis.register_function('z6', function() local t = {} t[1] = t return cjson.encode(t) end)
redis.register_function('z7', function() return redis.call('incr', 'zzz', 'x') end)";

#[test]
fn fcall_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    load_x(&mut p, LIB);
    p.check_str(&["HSET", "h", "a", "1"]);
    for resp in ["2", "3"] {
        hello(&mut p, resp);
        for cmd in [
            &["FCALL", "nope", "0"][..],
            &["FCALL", "f", "x"],
            &["FCALL", "f", "-1"],
            &["FCALL", "f", "2", "a"],
            &["FCALL", "f"],
            &["FCALL_RO", "f", "1", "a", "b"],
            &["FCALL", "f", "1", "a", "b"],
            &["FCALL_RO", "g", "1", "a"],
            &["FCALL", "g", "1", "a"],
            &["FCALL", "e", "0"],
            &["FCALL", "w", "0"],
            &["FCALL_RO", "w", "0"],
            &["FCALL", "c", "0"],
            &["FCALL", "t", "2", "k1", "k2", "a1"],
            &["FCALL", "r", "0"],
            &["FCALL", "rf", "0"],
            &["FCALL", "G", "1", "a"],
            &["FCALL", "z1", "0"],
            &["FCALL", "z2", "0"],
            &["FCALL", "z3", "0"],
            &["FCALL", "z4", "0"],
            &["FCALL", "z5", "0"],
            &["FCALL", "z6", "0"],
            &["FCALL", "z7", "0"],
        ] {
            p.check_str(cmd);
        }
    }
    hello(&mut p, "2");
    // Inside MULTI, and as an EVAL's command (refused: noscript).
    p.check_str(&["MULTI"]);
    p.check_str(&["FCALL", "f", "1", "m", "1"]);
    p.check_str(&["FCALL", "g", "1", "m"]);
    p.check_str(&["EXEC"]);
    p.check_str(&["EVAL", "return redis.call('fcall', 'g', 1, 'a')", "0"]);
    p.check_str(&["EVAL", "return redis.call('function', 'list')", "0"]);
    p.check_with(
        &[b"FUNCTION", b"LIST", b"LIBRARYNAME", b"x"],
        Cmp::Normalized(deep_sorted),
    );
}

#[test]
fn list_matches_redis_in_both_protocols() {
    let Some(mut p) = Pair::new() else { return };
    // One function per library: the reply's order is fixed.
    p.check_str(&[
        "FUNCTION",
        "LOAD",
        &lib(
            "lib1",
            "redis.register_function{function_name='f1', callback=function() return 1 end, flags={'no-writes','allow-stale','no-cluster','allow-cross-slot-keys','allow-oom'}, description='one'}",
        ),
    ]);
    for resp in ["2", "3"] {
        hello(&mut p, resp);
        for cmd in [
            &["FUNCTION", "LIST"][..],
            &["FUNCTION", "LIST", "WITHCODE"],
            &["FUNCTION", "LIST", "LIBRARYNAME", "lib*"],
            &["FUNCTION", "LIST", "libraryname", "LIB1", "withcode"],
            &["FUNCTION", "LIST", "LIBRARYNAME", "nope"],
            &["FUNCTION", "LIST", "LIBRARYNAME"],
            &["FUNCTION", "LIST", "foo"],
            &["FUNCTION", "LIST", "WITHCODE", "WITHCODE"],
            &["FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"],
            &["FUNCTION", "STATS"],
        ] {
            p.check_str(cmd);
        }
    }
    hello(&mut p, "2");
    p.check_str(&[
        "FUNCTION",
        "LOAD",
        &lib("lib2", "redis.register_function('f2', function() return 2 end)\nredis.register_function('f3', function() return 3 end)"),
    ]);
    for cmd in [
        &[&b"FUNCTION"[..], b"LIST"][..],
        &[b"FUNCTION", b"LIST", b"WITHCODE"],
    ] {
        p.check_with(cmd, Cmp::Normalized(deep_sorted));
    }
    p.check_str(&["FUNCTION", "STATS"]);
    p.check_str(&["FUNCTION", "HELP"]);
    p.check_str(&["FUNCTION", "HELP", "x"]);
    p.check_str(&["FUNCTION"]);
    p.check_str(&["FUNCTION", "NOPE"]);
}

#[test]
fn load_replace_delete_flush_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let a = lib(
        "a",
        "redis.register_function('fa', function() return 'a1' end)",
    );
    let a2 = lib(
        "a",
        "redis.register_function('fa2', function() return 'a2' end)",
    );
    let b = lib(
        "b",
        "redis.register_function('fa', function() return 'b' end)",
    );
    let b2 = lib(
        "b",
        "redis.register_function('fb', function() return 'b' end)",
    );
    for cmd in [
        &["FUNCTION", "LOAD", &a][..],
        &["FUNCTION", "LOAD", &a],
        &["FUNCTION", "LOAD", &b],
        &["FUNCTION", "LOAD", "REPLACE", &b],
        &["FUNCTION", "LOAD", "REPLACE", &a2],
        &[
            "FUNCTION",
            "LOAD",
            &lib("A", "redis.register_function('FA2', function() end)"),
        ],
        &["FUNCTION", "DELETE", "A"],
        &["FCALL", "Fa2", "0"],
        &["FCALL", "fa", "0"],
        &["FCALL", "fa2", "0"],
        &["FUNCTION", "LOAD", "replace", "REPLACE", &b2],
        &["FCALL", "fb", "0"],
        &["FUNCTION", "DELETE", "a"],
        &["FUNCTION", "DELETE", "a"],
        &["FUNCTION", "DELETE"],
        &["FUNCTION", "DELETE", "b", "c"],
        &["FCALL", "fa2", "0"],
        &["FUNCTION", "FLUSH", "foo"],
        &["FUNCTION", "FLUSH", "ASYNC", "x"],
        &["FUNCTION", "FLUSH", "async"],
        &["FUNCTION", "FLUSH", "SYNC"],
        &["FUNCTION", "FLUSH"],
        &["FCALL", "fb", "0"],
        &["FUNCTION", "STATS"],
        &["FUNCTION", "KILL"],
        &["FUNCTION", "KILL", "x"],
        &["FUNCTION", "DUMP"],
        &["FUNCTION", "DUMP", "x"],
    ] {
        p.check_str(cmd);
    }
    // SCRIPT FLUSH leaves the libraries alone.
    p.check_str(&["FUNCTION", "LOAD", &a]);
    p.check_str(&["SCRIPT", "FLUSH"]);
    p.check_str(&["FCALL", "fa", "0"]);
}

/// FUNCTION DUMP of `conn`'s libraries.
fn dump_of(c: &mut Conn) -> Vec<u8> {
    match c.value(&["FUNCTION", "DUMP"]) {
        Value::Bulk(b) => b,
        other => panic!("FUNCTION DUMP: {other:?}"),
    }
}

#[test]
fn dump_payloads_move_both_ways_between_redis_and_cinnabar() {
    let Some(mut p) = Pair::new() else { return };
    // A long comment makes Redis compress the code (LZF) and needs the
    // 32-bit length form; a medium one the 14-bit form.
    let long = format!("-- {}\n", "padding ".repeat(3000));
    let medium = format!("-- {}\n", "x".repeat(200));
    let libs = [
        lib("small", "redis.register_function('s', function() return 's' end)"),
        lib("medium", &format!("{medium}redis.register_function('m', function() return 'm' end)")),
        lib("long", &format!("{long}redis.register_function{{function_name='l', callback=function(k) return redis.call('get', k[1]) end, flags={{'no-writes'}}}}")),
    ];
    for l in &libs {
        p.check_str(&["FUNCTION", "LOAD", l]);
    }
    let from_redis = dump_of(&mut p.red);
    let from_cin = dump_of(&mut p.cin);
    // Both payloads are accepted by both servers, with every policy.
    for payload in [&from_redis, &from_cin] {
        for policy in [&b"FLUSH"[..], b"REPLACE"] {
            p.check(&[b"FUNCTION", b"RESTORE", payload, policy]);
            p.check_with(
                &[b"FUNCTION", b"LIST", b"WITHCODE"],
                Cmp::Normalized(deep_sorted),
            );
            p.check(&[b"FCALL", b"m", b"0"]);
            p.check(&[b"FCALL_RO", b"l", b"1", b"k"]);
        }
        // Every library exists: which one the error names depends on
        // Redis's hash order.
        p.check_with(&[b"FUNCTION", b"RESTORE", payload], Cmp::Shape);
        p.check_with(&[b"FUNCTION", b"RESTORE", payload, b"APPEND"], Cmp::Shape);
        p.check(&[b"FUNCTION", b"FLUSH"]);
        p.check(&[b"FUNCTION", b"RESTORE", payload]);
        p.check_with(
            &[b"FUNCTION", b"LIST", b"WITHCODE"],
            Cmp::Normalized(deep_sorted),
        );
    }
    // An empty payload from each side restores nothing, anywhere.
    p.check(&[b"FUNCTION", b"FLUSH"]);
    let empty_redis = dump_of(&mut p.red);
    assert_eq!(empty_redis, dump_of(&mut p.cin));
    p.check(&[b"FUNCTION", b"RESTORE", &empty_redis]);
    // Broken payloads: Redis's texts.
    let mut bad_crc = from_redis.clone();
    *bad_crc.last_mut().unwrap() ^= 1;
    let mut not_function = from_cin.clone();
    not_function[0] = 0;
    let mut new_version = from_cin.clone();
    let at = new_version.len() - 10;
    new_version[at] = 11;
    for payload in [
        &bad_crc[..],
        &not_function,
        &new_version,
        b"",
        b"abc",
        &from_cin[..from_cin.len() - 1],
    ] {
        p.check(&[b"FUNCTION", b"RESTORE", payload]);
    }
    for cmd in [
        &[&b"FUNCTION"[..], b"RESTORE", &from_cin, b"nope"][..],
        &[b"FUNCTION", b"RESTORE", &from_cin, b"FLUSH", b"x"],
        &[b"FUNCTION", b"RESTORE"],
    ] {
        p.check(cmd);
    }
}

#[test]
fn restore_collisions_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let a = lib(
        "a",
        "redis.register_function('fa', function() return 'a' end)",
    );
    let b = lib(
        "b",
        "redis.register_function('fb', function() return 'b' end)",
    );
    let b_takes_fa = lib(
        "b",
        "redis.register_function('fa', function() return 'b' end)",
    );
    p.check_str(&["FUNCTION", "LOAD", &a]);
    p.check_str(&["FUNCTION", "LOAD", &b]);
    let payload = dump_of(&mut p.cin);
    p.check_str(&["FUNCTION", "FLUSH"]);
    p.check_str(&["FUNCTION", "LOAD", &b_takes_fa.replace("'fa'", "'fz'")]);
    // b exists: APPEND fails; REPLACE replaces it and adds a.
    p.check(&[b"FUNCTION", b"RESTORE", &payload]);
    p.check(&[b"FUNCTION", b"RESTORE", &payload, b"REPLACE"]);
    p.check_with(&[b"FUNCTION", b"LIST"], Cmp::Normalized(deep_sorted));
    // A function of another library collides, even with REPLACE.
    p.check_str(&["FUNCTION", "FLUSH"]);
    p.check_str(&["FUNCTION", "LOAD", &b_takes_fa.replace("name=b", "name=c")]);
    p.check(&[b"FUNCTION", b"RESTORE", &payload, b"REPLACE"]);
    p.check(&[b"FUNCTION", b"RESTORE", &payload]);
    p.check_with(&[b"FUNCTION", b"LIST"], Cmp::Normalized(deep_sorted));
}

#[test]
fn info_memory_counts_functions_like_redis() {
    let Some(mut p) = Pair::new() else { return };
    let field = |c: &mut Conn, f: &str| info_field(c, f);
    p.check_str(&["FUNCTION", "LOAD", &lib("a", "redis.register_function('f1', function() end)\nredis.register_function('f2', function() end)")]);
    p.check_str(&[
        "FUNCTION",
        "LOAD",
        &lib("b", "redis.register_function('f3', function() end)"),
    ]);
    for f in ["number_of_functions", "number_of_libraries"] {
        assert_eq!(field(&mut p.cin, f), field(&mut p.red, f), "{f}");
    }
    assert_eq!(field(&mut p.cin, "number_of_functions"), "3");
    let vm: u64 = field(&mut p.cin, "used_memory_vm_functions")
        .parse()
        .unwrap();
    assert!(vm > 10_000, "used_memory_vm_functions {vm}");
    let mem: u64 = field(&mut p.cin, "used_memory_functions").parse().unwrap();
    assert!(mem > 0);
    p.check_str(&["FUNCTION", "FLUSH"]);
    assert_eq!(field(&mut p.cin, "number_of_libraries"), "0");
    assert_eq!(field(&mut p.cin, "used_memory_functions"), "0");
}

#[test]
fn function_stats_and_kill_while_a_function_runs() {
    let srv = Server::start_with(&["--busy-reply-threshold", "100"]);
    let mut c = srv.conn();
    let code = lib(
        "slow",
        "redis.register_function('spin', function() while true do end end)\nredis.register_function('other', function() return 1 end)",
    );
    c.expect(&["FUNCTION", "LOAD", &code], "$4\r\nslow\r\n");
    // The other connection arrives, and sends, in the loop turn that
    // runs the FCALL (its events are spent then): it is served all the
    // same once the function is busy.
    c.send(&multibulk(&[b"FCALL", b"spin", b"0"]));
    let mut o = srv.conn();
    assert!(wait_until(Duration::from_secs(5), || {
        o.cmd(&["PING"]).starts_with(b"-BUSY")
    }));
    o.expect(
        &["PING"],
        "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n",
    );
    o.expect(
        &["SCRIPT", "KILL"],
        "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n",
    );
    let stats = String::from_utf8_lossy(&o.cmd(&["FUNCTION", "STATS"])).into_owned();
    assert!(
        stats.starts_with(
            "*4\r\n$14\r\nrunning_script\r\n*6\r\n$4\r\nname\r\n$4\r\nspin\r\n$7\r\ncommand\r\n*3\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n0\r\n$11\r\nduration_ms\r\n:"
        ),
        "{stats}"
    );
    assert!(
        stats.ends_with("$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:1\r\n$15\r\nfunctions_count\r\n:2\r\n"),
        "{stats}"
    );
    o.expect(&["FUNCTION", "KILL"], "+OK\r\n");
    // Redis 7.0 words FUNCTION KILL's error as SCRIPT KILL's.
    assert_eq!(
        show(&c.read_reply()),
        show(b"-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n")
    );
    c.expect(&["FCALL", "other", "0"], ":1\r\n");
    c.expect(
        &["FUNCTION", "KILL"],
        "-NOTBUSY No scripts in execution right now.\r\n",
    );
    // While an EVAL runs, FUNCTION STATS is refused as Redis refuses it.
    c.send(&multibulk(&[b"EVAL", b"while true do end", b"0"]));
    assert!(wait_until(Duration::from_secs(5), || {
        o.cmd(&["PING"]).starts_with(b"-BUSY")
    }));
    o.expect(
        &["FUNCTION", "STATS"],
        "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n",
    );
    o.expect(
        &["FUNCTION", "KILL"],
        "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n",
    );
    o.expect(&["SCRIPT", "KILL"], "+OK\r\n");
    let r = show(&c.read_reply());
    assert!(
        r.starts_with("-ERR Script killed by user with SCRIPT KILL..."),
        "{r}"
    );
}

/// What a restarted server must still have: the libraries and what their
/// functions wrote.
fn check_state(c: &mut Conn, code_b: &str) {
    let list = String::from_utf8_lossy(&c.cmd(&["FUNCTION", "LIST", "WITHCODE"])).into_owned();
    assert!(list.contains(code_b), "{list}");
    assert!(!list.contains("name=gone"), "{list}");
    c.expect(&["FCALL_RO", "get", "1", "k"], "$2\r\nv2\r\n");
    c.expect(&["FCALL", "set", "1", "k", "v3"], "+OK\r\n");
    c.expect(&["FCALL", "b1", "0"], ":7\r\n");
}

#[test]
fn libraries_survive_restart_through_the_aof_and_its_rewrite() {
    let dir = TempDir::new("functions-aof");
    let a = lib(
        "a",
        "redis.register_function('set', function(k, a) return redis.call('set', k[1], a[1]) end)\n\
         redis.register_function{function_name='get', callback=function(k) return redis.call('get', k[1]) end, flags={'no-writes'}}",
    );
    let b = lib(
        "b",
        "redis.register_function('b1', function() return 7 end)",
    );
    {
        let srv = Server::start_in(dir.path(), &["--appendonly", "yes"]);
        let mut c = srv.conn();
        c.expect(&["FUNCTION", "LOAD", &a], "$1\r\na\r\n");
        let gone = lib(
            "gone",
            "redis.register_function('g', function() return 1 end)",
        );
        c.expect(&["FUNCTION", "LOAD", &gone], "$4\r\ngone\r\n");
        c.expect(&["FUNCTION", "DELETE", "gone"], "+OK\r\n");
        c.expect(&["FUNCTION", "LOAD", &b], "$1\r\nb\r\n");
        c.expect(&["FCALL", "set", "1", "k", "v1"], "+OK\r\n");
        c.expect(&["FCALL", "set", "1", "k", "v2"], "+OK\r\n");
        c.send(b"SHUTDOWN\r\n");
        c.read_to_close();
    }
    {
        let srv = Server::start_in(dir.path(), &["--appendonly", "yes"]);
        let mut c = srv.conn();
        check_state(&mut c, &b);
        c.expect(&["FCALL", "set", "1", "k", "v2"], "+OK\r\n");
        // The rewrite writes the libraries as FUNCTION LOAD.
        c.expect(
            &["BGREWRITEAOF"],
            "+Background append only file rewriting started\r\n",
        );
        assert!(wait_until(Duration::from_secs(10), || {
            info_field(&mut c, "aof_rewrite_in_progress") == "0"
        }));
        c.send(b"SHUTDOWN\r\n");
        c.read_to_close();
    }
    let srv = Server::start_in(dir.path(), &["--appendonly", "yes"]);
    let mut c = srv.conn();
    check_state(&mut c, &b);
    // FUNCTION FLUSH and RESTORE are logged as well.
    let payload = dump_of(&mut c);
    c.expect(&["FUNCTION", "FLUSH"], "+OK\r\n");
    c.expect(&["SET", "k", "v2"], "+OK\r\n");
    c.cmdb(&[b"FUNCTION", b"RESTORE", &payload]);
    c.send(b"SHUTDOWN\r\n");
    c.read_to_close();
    drop(srv);
    let srv = Server::start_in(dir.path(), &["--appendonly", "yes"]);
    let mut c = srv.conn();
    check_state(&mut c, &b);
}

/// A FUNCTION DUMP payload of `codes`, framed by hand (version 10, CRC).
fn payload(codes: &[&[u8]]) -> Vec<u8> {
    let mut p = Vec::new();
    for code in codes {
        p.push(245);
        // The 14-bit length form (big-endian), as Redis writes it.
        assert!(code.len() < 1 << 14);
        p.extend_from_slice(&(0x4000 | code.len() as u16).to_be_bytes());
        p.extend_from_slice(code);
    }
    p.extend_from_slice(&10u16.to_le_bytes());
    let crc = cinnabar::util::crc64::crc64(0, &p);
    p.extend_from_slice(&crc.to_le_bytes());
    p
}

#[test]
fn restore_of_bad_library_code_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    let good: &[u8] = b"#!lua name=g\nredis.register_function('g', function() return 1 end)";
    for codes in [
        &[&b"#!lua name=x\nreturn 1"[..]][..],
        &[b"return 1"],
        &[b"#!lua name=x\nlocal x = +"],
        &[b"#!lua name=x\nredis.call('ping')"],
        &[good, good],
        &[
            good,
            b"#!lua name=h\nredis.register_function('G', function() return 1 end)",
        ],
        &[],
    ] {
        p.check(&[b"FUNCTION", b"RESTORE", &payload(codes)]);
        p.check_with(&[b"FUNCTION", b"LIST"], Cmp::Normalized(deep_sorted));
    }
    // An int-encoded string is read as its digits (not a library).
    let mut int = vec![245, 0xc0, 7];
    int.extend_from_slice(&10u16.to_le_bytes());
    let crc = cinnabar::util::crc64::crc64(0, &int);
    int.extend_from_slice(&crc.to_le_bytes());
    p.check(&[b"FUNCTION", b"RESTORE", &int]);
}

#[test]
fn a_library_with_f_and_upper_f_deletes_cleanly() {
    // Redis 7.0 crashes on this DELETE; Cinnabar links the first name.
    let srv = Server::start();
    let mut c = srv.conn();
    let code = lib(
        "a",
        "redis.register_function('f', function() return 1 end)\nredis.register_function('F', function() return 2 end)",
    );
    c.expect(&["FUNCTION", "LOAD", &code], "$1\r\na\r\n");
    let one = c.cmd(&["FCALL", "f", "0"]);
    assert_eq!(one, c.cmd(&["FCALL", "F", "0"]));
    c.expect(&["FUNCTION", "DELETE", "a"], "+OK\r\n");
    c.expect(&["FCALL", "f", "0"], "-ERR Function not found\r\n");
    c.expect(&["FUNCTION", "LOAD", &code], "$1\r\na\r\n");
    c.expect(&["PING"], "+PONG\r\n");
}

#[test]
fn monitor_shows_fcalls_as_redis() {
    let Some(mut p) = Pair::new() else { return };
    let code = lib(
        "m",
        "redis.register_function('mf', function(k) return redis.call('set', k[1], 'v') end)",
    );
    p.check_str(&["FUNCTION", "LOAD", &code]);
    let (mut mc, mut mr) = p.extra_conns();
    let mut lines = Vec::new();
    for (m, c) in [(&mut mc, &mut p.cin), (&mut mr, &mut p.red)] {
        assert_eq!(m.cmd(&["MONITOR"]), b"+OK\r\n");
        for cmd in [
            &["FCALL", "mf", "1", "kk"][..],
            &["FCALL_RO", "mf", "1", "kk"],
            &["FCALL", "nope", "0"],
            &["FCALL", "mf", "x"],
            &["PING"],
        ] {
            c.cmd(cmd);
        }
        let mut seen = Vec::new();
        while !seen.iter().any(|l: &String| l.contains("\"PING\"")) {
            let r = String::from_utf8_lossy(&m.read_reply()).into_owned();
            // "+<time> [<db> <addr>] <args>": keep the db and the args.
            let (_, rest) = r.split_once(" [").unwrap();
            let (who, args) = rest.split_once("] ").unwrap();
            let db = who.split(' ').next().unwrap();
            let lua = if who.ends_with(" lua") { " lua" } else { "" };
            seen.push(format!("[{db}{lua}] {}", args.trim_end()));
        }
        lines.push(seen);
    }
    assert_eq!(lines[0], lines[1], "left: cinnabar");
    assert_eq!(lines[0].len(), 6, "{:?}", lines[0]);
}

#[test]
fn acl_applies_to_fcall_keys_and_inner_calls_as_in_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["ACL", "SETUSER", "fu", "on", "nopass", "~a*", "+@all"]);
    p.check_str(&[
        "ACL",
        "SETUSER",
        "fu2",
        "on",
        "nopass",
        "~*",
        "+@all",
        "-function|load",
    ]);
    let code = lib(
        "acl",
        "redis.register_function('af', function(k) return redis.call('get', k[1]) end)\nredis.register_function('ag', function(k) return redis.call('get', 'b') end)",
    );
    p.check_str(&["FUNCTION", "LOAD", &code]);
    p.check_str(&["AUTH", "fu", "x"]);
    for cmd in [
        &["FCALL", "af", "1", "b"][..],
        &["FCALL", "af", "1", "a"],
        &["FCALL", "ag", "0"],
        &["FUNCTION", "DELETE", "acl"],
    ] {
        p.check_str(cmd);
    }
    p.check_str(&["AUTH", "fu2", "x"]);
    p.check_str(&["FUNCTION", "LOAD", "x"]);
}

#[test]
fn a_library_replayed_from_the_aof_loads_without_the_timeout() {
    let dir = TempDir::new("functions-aof-timeout");
    // Over FUNCTION LOAD's 500 ms of Lua (about a second: Lua is
    // built optimized, see Cargo.toml).
    let slow = lib(
        "slowload",
        "for i = 1, 400000000 do end\nredis.register_function('sl', function() return 1 end)",
    );
    {
        let srv = Server::start_in(dir.path(), &["--appendonly", "yes"]);
        let mut c = srv.conn();
        c.expect(
            &["FUNCTION", "LOAD", &slow],
            "-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n",
        );
        c.expect(&["SET", "k", "v"], "+OK\r\n");
        c.send(b"SHUTDOWN\r\n");
        c.read_to_close();
    }
    // As if a client Redis trusts had loaded it: append it to the log.
    let aof_dir = dir.0.join("appendonlydir");
    let incr = std::fs::read_dir(&aof_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".incr.aof"))
        .expect("an incr file");
    let mut log = std::fs::read(&incr).unwrap();
    log.extend_from_slice(&multibulk(&[b"FUNCTION", b"LOAD", slow.as_bytes()]));
    std::fs::write(&incr, log).unwrap();
    let srv = Server::start_in(dir.path(), &["--appendonly", "yes"]);
    let mut c = srv.conn();
    c.expect(&["FCALL", "sl", "0"], ":1\r\n");
    c.expect(&["GET", "k"], "$1\r\nv\r\n");
}
