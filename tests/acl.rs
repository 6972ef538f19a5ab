//! Authentication, ACL users and rules, permission errors, the ACL log,
//! the ACL file and protected mode; differential against redis-server.

use std::process::Command;

use crate::util::*;

const WRONGPASS: &str = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
const NOPERM_KEY: &str =
    "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n";
const NOPERM_CHANNEL: &str =
    "-NOPERM this user has no permissions to access one of the channels used as arguments\r\n";

/// Sorts each run of single-command rules (`+get -set ...`) in a rule
/// string: Redis emits them in the order of its command hash table, which
/// changes from run to run. Lengths stay, so RESP framing stays valid.
fn normalize(reply: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(reply).into_owned();
    let mut out = Vec::new();
    for line in text.split("\r\n") {
        let toks: Vec<&str> = line.split(' ').collect();
        let single = |t: &str| {
            (t.starts_with('+') || t.starts_with('-')) && !t.contains('@') && !t.contains(')')
        };
        let mut res: Vec<&str> = Vec::new();
        let mut run: Vec<&str> = Vec::new();
        for t in toks {
            if single(t) {
                run.push(t);
            } else {
                run.sort();
                res.append(&mut run);
                res.push(t);
            }
        }
        run.sort();
        res.append(&mut run);
        out.extend_from_slice(res.join(" ").as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.truncate(out.len() - 2);
    out
}

/// The ACL LOG reply without its times and client lines (compared by
/// shape: present, and a double / a CLIENT INFO line).
fn log_shape(v: &Value) -> String {
    let Value::Array(entries) = v else {
        return format!("{v:?}");
    };
    let mut s = String::new();
    for e in entries {
        let Value::Array(kv) = e else { continue };
        for pair in kv.chunks(2) {
            let k = match &pair[0] {
                Value::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
                other => format!("{other:?}"),
            };
            if k == "age-seconds" || k == "client-info" {
                s.push_str(&format!("{k}=<{}> ", matches!(pair[1], Value::Bulk(_))));
            } else {
                s.push_str(&format!("{k}={:?} ", pair[1]));
            }
        }
        s.push('\n');
    }
    s
}

/// Rules of every class, errors included, the same on both servers.
const SCRIPT: &[&[&str]] = &[
    &["ACL", "WHOAMI"],
    &["ACL", "GETUSER", "default"],
    &["ACL", "LIST"],
    &[
        "ACL",
        "SETUSER",
        "bob",
        "on",
        ">p1",
        "~foo*",
        "%R~bar*",
        "%W~w*",
        "&ch*",
        "+get",
        "-@all",
        "+@string",
        "-set",
        "+select|0",
        "+config|get",
    ],
    &["ACL", "GETUSER", "bob"],
    &["ACL", "SETUSER", "bob", "-config|get", "+debug|object"],
    &["ACL", "LIST"],
    &[
        "ACL",
        "SETUSER",
        "u3",
        "+@all",
        "-get",
        "-hset",
        "-client|list",
        "-@dangerous",
    ],
    &["ACL", "GETUSER", "u3"],
    &[
        "ACL",
        "SETUSER",
        "u4",
        "-@all",
        "+@hash",
        "+@list",
        "-lpush",
        "nopass",
        "allkeys",
        "allchannels",
    ],
    &["ACL", "GETUSER", "u4"],
    &[
        "ACL", "SETUSER", "sel", "(+get", "~x)", "(%R~y", "&c", "+set)",
    ],
    &["ACL", "GETUSER", "sel"],
    &[
        "ACL",
        "SETUSER",
        "sel",
        "clearselectors",
        "on",
        "nopass",
        "resetpass",
        ">a",
        ">b",
        "<a",
    ],
    &["ACL", "GETUSER", "sel"],
    &[
        "ACL",
        "SETUSER",
        "sel",
        "#0000000000000000000000000000000000000000000000000000000000000000",
        "!3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d",
    ],
    &["ACL", "GETUSER", "sel"],
    &["ACL", "SETUSER", "sel", "reset"],
    &["ACL", "GETUSER", "sel"],
    &[
        "ACL",
        "SETUSER",
        "sel",
        "resetchannels",
        "&x",
        "&y*",
        "allkeys",
        "%RW~*",
    ],
    &["ACL", "SETUSER", "sel", "allchannels", "&x"],
    &["ACL", "SETUSER", "sel", "allkeys", "~x"],
    &[
        "ACL",
        "SETUSER",
        "sel",
        "resetkeys",
        "~a",
        "%R~a",
        "%W~b",
        "%RW~c",
    ],
    &["ACL", "GETUSER", "sel"],
    &["ACL", "SETUSER", "x", "foo"],
    &["ACL", "SETUSER", "x", "+nosuch"],
    &["ACL", "SETUSER", "x", "-nosuch"],
    &["ACL", "SETUSER", "x", "+@nosuch"],
    &["ACL", "SETUSER", "x", "+get|"],
    &["ACL", "SETUSER", "x", "+config|nosuch"],
    &["ACL", "SETUSER", "x", "+config|get|x"],
    &["ACL", "SETUSER", "x", "-select|0"],
    &["ACL", "SETUSER", "x", "!abc"],
    &["ACL", "SETUSER", "x", "<nope"],
    &["ACL", "SETUSER", "x", "%X~a"],
    &["ACL", "SETUSER", "x", "%~a"],
    &["ACL", "SETUSER", "x", "~a b"],
    &["ACL", "SETUSER", "x", "(+get"],
    &["ACL", "SETUSER", "a b"],
    &["ACL", "GETUSER", "x"],
    &["ACL", "SETUSER", "x", "on", "+@all", "-flushall"],
    &["ACL", "GETUSER", "x"],
    &["ACL", "GETUSER", "nosuch"],
    &["ACL", "DELUSER", "default"],
    &["ACL", "DELUSER", "x", "nosuch"],
    &["ACL", "USERS"],
    &["ACL", "CAT"],
    &["ACL", "CAT", "nosuch"],
    &["ACL", "GENPASS", "0"],
    &["ACL", "GENPASS", "5000"],
    &["ACL", "GENPASS", "x"],
    &["ACL", "LOG", "foo"],
    &["ACL", "LOAD"],
    &["ACL", "SAVE"],
    &["ACL", "DRYRUN", "bob", "get", "foo1"],
    &["ACL", "DRYRUN", "bob", "get", "k"],
    &["ACL", "DRYRUN", "bob", "incr", "foo1"],
    &["ACL", "DRYRUN", "nosuch", "get", "k"],
    &["AUTH", "x"],
    &["AUTH", "bob", "wrong"],
    &["AUTH", "nosuch", "p1"],
    &[
        "ACL",
        "SETUSER",
        "z",
        "on",
        ">pw",
        "~k*",
        "&ch*",
        "-@all",
        "+get",
        "+set",
        "+publish",
        "+psubscribe",
        "+subscribe",
        "+multi",
        "+exec",
        "+acl|whoami",
        "+lpush",
        "+exists",
        "+ssubscribe",
        "+spublish",
        "+lrange",
        "+object|encoding",
    ],
    &["AUTH", "z", "pw"],
    &["ACL", "WHOAMI"],
    &["GET", "k1"],
    &["GET", "other"],
    &["SET", "other", "1"],
    &["EXISTS", "other"],
    &["INCR", "k1"],
    &["LPUSH", "k1", "a"],
    &["LRANGE", "k1", "0", "-1"],
    &["OBJECT", "ENCODING", "k1"],
    &["OBJECT", "FREQ", "k1"],
    &["PUBLISH", "ch1", "x"],
    &["PUBLISH", "other", "x"],
    &["SPUBLISH", "other", "x"],
    &["ACL", "LIST"],
    &["MULTI"],
    &["GET", "other"],
    &["GET", "k1"],
    &["EXEC"],
    &["AUTH", "default", "whatever"],
    &[
        "ACL", "SETUSER", "r", "on", "nopass", "%R~r*", "%W~w*", "+@all",
    ],
    &["AUTH", "r", "x"],
    &["GET", "r1"],
    &["SET", "r1", "v"],
    &["SET", "w1", "v"],
    &["GET", "w1"],
    &["EXISTS", "w1"],
    &["COPY", "r1", "w1"],
    &["COPY", "w1", "r1"],
    &["LMOVE", "r1", "w1", "LEFT", "RIGHT"],
    &["DEL", "r1"],
    &["DEL", "w1"],
    &["AUTH", "default", "x"],
    &["CONFIG", "SET", "requirepass", "secret"],
    &["ACL", "GETUSER", "default"],
    &["CONFIG", "GET", "requirepass"],
    &["AUTH", "wrong"],
    &["AUTH", "secret"],
    &["HELLO", "2", "AUTH", "default", "nope"],
    &["AUTH", "bob", "p1"],
    &["ACL", "WHOAMI"],
    &["AUTH", "default", "secret"],
    &["CONFIG", "SET", "requirepass", ""],
    &["ACL", "LIST"],
    &["CONFIG", "GET", "aclfile"],
    &["CONFIG", "GET", "acllog-max-len"],
    &["CONFIG", "GET", "acl-pubsub-default"],
    &["CONFIG", "SET", "acl-pubsub-default", "foo"],
];

#[test]
fn acl_replies_match_redis() {
    let Some(r) = redis() else { return };
    let srv = Server::start();
    let (mut a, mut b) = (srv.conn(), Conn::connect(&r.addr));
    for cmd in SCRIPT {
        let (x, y) = (a.cmd(cmd), b.cmd(cmd));
        assert_eq!(show(&normalize(&x)), show(&normalize(&y)), "{cmd:?}");
    }
    // ACL LOG: the same entries, times and client lines by shape.
    let (x, y) = (a.value(&["ACL", "LOG"]), b.value(&["ACL", "LOG"]));
    assert_eq!(log_shape(&x), log_shape(&y));
    // GENPASS: random, so by length.
    for bits in ["1", "9", "256", "4096"] {
        let (x, y) = (
            a.cmd(&["ACL", "GENPASS", bits]),
            b.cmd(&["ACL", "GENPASS", bits]),
        );
        assert_eq!(x.len(), y.len(), "{bits}");
    }
    // ACL CAT <category>: the same commands (Redis's order is its hash
    // table's); ours is a subset where commands are not implemented.
    for cat in ["string", "hash", "pubsub", "keyspace", "connection"] {
        let (Value::Array(x), Value::Array(y)) =
            (a.value(&["ACL", "CAT", cat]), b.value(&["ACL", "CAT", cat]))
        else {
            panic!("not arrays");
        };
        for c in &x {
            // Commands Redis 7.0 lacks (CLIENT NO-TOUCH, 7.2) are ours only.
            let Value::Bulk(name) = c else {
                panic!("{c:?}")
            };
            let known = b.cmd(&["COMMAND", "INFO", &String::from_utf8_lossy(name)]);
            assert!(y.contains(c) || known == b"*1\r\n$-1\r\n", "{cat}: {c:?}");
        }
    }
}

#[test]
fn noauth_and_wrongpass() {
    let srv = Server::start_with(&["--requirepass", "pw"]);
    let mut c = srv.conn();
    c.expect(&["GET", "k"], "-NOAUTH Authentication required.\r\n");
    c.expect(&["AUTH", "nope"], WRONGPASS);
    c.expect(&["AUTH", "default", "nope"], WRONGPASS);
    c.expect(&["AUTH", "pw"], "+OK\r\n");
    c.expect(&["ACL", "WHOAMI"], "$7\r\ndefault\r\n");
    c.expect(&["CLIENT", "SETNAME", "me"], "+OK\r\n");
    let info = String::from_utf8(c.cmd(&["CLIENT", "INFO"])).unwrap();
    assert!(info.contains(" user=default "), "{info}");
    // The password is stored as SHA-256 only.
    let user = show(&c.cmd(&["ACL", "GETUSER", "default"]));
    assert!(user.contains("30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"));
    assert!(!user.contains("$2\\r\\npw\\r\\n"));
    // A failed AUTH is in the ACL log.
    let log = show(&c.cmd(&["ACL", "LOG"]));
    assert!(
        log.starts_with(
            "*1\\r\\n*14\\r\\n$5\\r\\ncount\\r\\n:2\\r\\n$6\\r\\nreason\\r\\n$4\\r\\nauth\\r\\n"
        ),
        "{log}"
    );
    c.expect(&["ACL", "LOG", "RESET"], "+OK\r\n");
    c.expect(&["ACL", "LOG"], "*0\r\n");
    // RESET logs out.
    c.expect(&["RESET"], "+RESET\r\n");
    c.expect(&["GET", "k"], "-NOAUTH Authentication required.\r\n");
    assert!(c
        .cmd(&["HELLO", "3", "AUTH", "default", "pw"])
        .starts_with(b"%7\r\n"));
    c.expect(&["GET", "k"], "_\r\n");
}

#[test]
fn permissions_apply_live_and_deleted_users_are_disconnected() {
    let srv = Server::start();
    let mut admin = srv.conn();
    admin.expect(
        &["ACL", "SETUSER", "k", "on", ">p", "+@all", "~a*", "&news"],
        "+OK\r\n",
    );
    let mut c = srv.conn();
    c.expect(&["AUTH", "k", "p"], "+OK\r\n");
    c.expect(&["SET", "a1", "v"], "+OK\r\n");
    c.expect(&["SET", "b1", "v"], NOPERM_KEY);
    c.expect(&["MSET", "a2", "v", "b2", "v"], NOPERM_KEY);
    c.expect(&["PUBLISH", "news", "x"], ":0\r\n");
    c.expect(&["PUBLISH", "sport", "x"], NOPERM_CHANNEL);
    c.expect(&["PSUBSCRIBE", "new*"], NOPERM_CHANNEL);
    // A permission change applies to the next command, connection kept.
    admin.expect(&["ACL", "SETUSER", "k", "-set"], "+OK\r\n");
    c.expect(
        &["SET", "a1", "v"],
        "-NOPERM this user has no permissions to run the 'set' command\r\n",
    );
    admin.expect(&["ACL", "SETUSER", "k", "-config|get"], "+OK\r\n");
    c.expect(
        &["CONFIG", "GET", "port"],
        "-NOPERM this user has no permissions to run the 'config|get' command\r\n",
    );
    // Denials are logged with the user, reason and object.
    let log = show(&admin.cmd(&["ACL", "LOG", "1"]));
    assert!(log.contains("$6\\r\\nreason\\r\\n$7\\r\\ncommand\\r\\n$7\\r\\ncontext\\r\\n$8\\r\\ntoplevel\\r\\n$6\\r\\nobject\\r\\n$10\\r\\nconfig|get\\r\\n$8\\r\\nusername\\r\\n$1\\r\\nk\\r\\n"), "{log}");
    let list = String::from_utf8(admin.cmd(&["CLIENT", "LIST"])).unwrap();
    assert!(list.contains(" user=k "), "{list}");
    // Deleting the user disconnects its clients.
    admin.expect(&["ACL", "DELUSER", "k"], ":1\r\n");
    assert!(c.read_to_close().is_empty());
    admin.expect(&["PING"], "+PONG\r\n");
}

#[test]
fn acl_file_load_and_save() {
    let dir = TempDir::new("aclfile");
    let path = format!("{}/users.acl", dir.path());
    std::fs::write(
        &path,
        "user default on nopass ~* &* +@all\nuser alice on >pw ~k* +get\n",
    )
    .unwrap();
    let srv = Server::start_with(&["--aclfile", &path]);
    let mut c = srv.conn();
    c.expect(&["ACL", "USERS"], "*2\r\n$5\r\nalice\r\n$7\r\ndefault\r\n");
    c.expect(&["ACL", "SETUSER", "bob", "on"], "+OK\r\n");
    c.expect(&["ACL", "SAVE"], "+OK\r\n");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "user alice on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~k* resetchannels -@all +get\nuser bob on resetchannels -@all\nuser default on nopass ~* &* +@all\n"
    );
    std::fs::write(
        &path,
        "user default on nopass ~* &* +@all\nuser alice on +nosuch\nfoo bar\n\nuser a b\n",
    )
    .unwrap();
    c.expect(&["ACL", "LOAD"], &format!("-ERR {path}:2: Error in applying operation '+nosuch': Unknown command or category name in ACL. {path}:3 should start with user keyword followed by the username. {path}:5: Syntax error. WARNING: ACL errors detected, no change to the previously active ACL rules was performed\r\n"));
    std::fs::write(
        &path,
        "user default on nopass ~* &* +@all\nuser carol on nopass +@all ~*\n",
    )
    .unwrap();
    c.expect(&["ACL", "LOAD"], "+OK\r\n");
    c.expect(&["ACL", "USERS"], "*2\r\n$5\r\ncarol\r\n$7\r\ndefault\r\n");
}

/// A local address that is not loopback, if the machine has one.
fn non_loopback_ip() -> Option<String> {
    let out = Command::new("hostname").arg("-I").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split_whitespace()
        .find(|a| {
            a.parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| !ip.is_loopback())
        })
        .map(String::from)
}

#[test]
fn protected_mode_refuses_remote_clients_without_password() {
    let Some(ip) = non_loopback_ip() else {
        eprintln!("skipping: no non-loopback address (the decision has a unit test)");
        return;
    };
    let denied = concat!(
        "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ",
        "In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: ",
        "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. ",
        "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. ",
        "3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. ",
        "4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"
    );
    let srv = Server::start_with(&[
        "--bind",
        &format!("127.0.0.1 {ip}"),
        "--protected-mode",
        "yes",
    ]);
    let remote = format!("{ip}:{}", srv.port());
    let mut c = Conn::connect(&remote);
    c.send(b"PING\r\n");
    assert_eq!(show(&c.read_to_close()), show(denied.as_bytes()));
    // Loopback clients are served, and a password lifts the refusal.
    let mut local = srv.conn();
    local.expect(&["CONFIG", "SET", "requirepass", "pw"], "+OK\r\n");
    let mut c = Conn::connect(&remote);
    c.expect(&["PING"], "-NOAUTH Authentication required.\r\n");
    local.expect(&["CONFIG", "SET", "requirepass", ""], "+OK\r\n");
    local.expect(&["CONFIG", "SET", "protected-mode", "no"], "+OK\r\n");
    let mut c = Conn::connect(&remote);
    c.expect(&["PING"], "+PONG\r\n");
    // Redis agrees, when it can bind the same address.
    let rdir = TempDir::new("redis-pm");
    let both = format!("127.0.0.1 {ip}");
    if let Some(r) = redis_in(rdir.path(), &["--bind", &both, "--protected-mode", "yes"]) {
        let port = r.addr.rsplit(':').next().unwrap();
        let mut c = Conn::connect(&format!("{ip}:{port}"));
        c.send(b"PING\r\n");
        assert_eq!(show(&c.read_to_close()), show(denied.as_bytes()));
    }
}

#[test]
fn redis_tools_with_a_password() {
    if !tool("redis-cli") || !tool("redis-benchmark") {
        return;
    }
    let srv = Server::start_with(&["--requirepass", "s3cret"]);
    let port = srv.port().to_string();
    let out = Command::new("redis-cli")
        .args([
            "-p",
            &port,
            "-a",
            "s3cret",
            "--no-auth-warning",
            "SET",
            "k",
            "v",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "OK\n");
    let out = Command::new("redis-cli")
        .args(["-p", &port, "-a", "bad", "--no-auth-warning", "GET", "k"])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("WRONGPASS") || all.contains("NOAUTH"), "{all}");
    let out = Command::new("redis-benchmark")
        .args([
            "-p", &port, "-a", "s3cret", "-t", "set,get", "-n", "2000", "-q",
        ])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{all}");
    assert!(
        !all.contains("ERR") && !all.contains("NOAUTH") && !all.contains("WARNING"),
        "{all}"
    );
    assert!(all.contains("SET:") && all.contains("GET:"), "{all}");
}
