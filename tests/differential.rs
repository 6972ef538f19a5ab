//! Differential tests: the same commands go to cinnabar-server and to a
//! real redis-server 7.0; replies must be identical (unordered replies are
//! compared as sets). Skipped when redis-server is not installed, unless
//! CINNABAR_REQUIRE_REDIS=1.
//!
//! The command groups' modules share what is here: [`Pair`] (replies,
//! datasets, blocked clients, WATCH invalidation) and [`EventPair`]
//! (keyspace events, also inside MULTI and under lazy expiry).

use std::collections::BTreeSet;
use std::time::Duration;

use crate::util::*;

/// How two replies are compared.
#[derive(Clone, Copy, Debug)]
pub enum Cmp {
    /// Byte for byte.
    Exact,
    /// An array whose order does not matter (KEYS).
    Unordered,
    /// A time-to-live: equal class (-2/-1/error) and close in value.
    Ttl(i64),
    /// Same kind of reply only (RANDOMKEY).
    Shape,
    /// A map (or RESP2 flat array of pairs) in any order (CONFIG GET).
    Pairs,
    /// Equal after both replies went through the function (which masks
    /// what legitimately differs: times, idle times, internal sizes).
    Normalized(fn(Value) -> Value),
}

fn cmp_for(args: &[&[u8]]) -> Cmp {
    let name = String::from_utf8_lossy(args[0]).to_ascii_uppercase();
    match name.as_str() {
        "KEYS" => Cmp::Unordered,
        "TTL" | "EXPIRETIME" => Cmp::Ttl(1),
        "PTTL" | "PEXPIRETIME" => Cmp::Ttl(1000),
        "RANDOMKEY" => Cmp::Shape,
        "CONFIG" if args.get(1).is_some_and(|a| a.eq_ignore_ascii_case(b"get")) => Cmp::Pairs,
        _ => Cmp::Exact,
    }
}

fn sorted(v: Value) -> Value {
    match v {
        Value::Array(mut items) => {
            items.sort_by_key(|x| format!("{x:?}"));
            Value::Array(items)
        }
        other => other,
    }
}

fn same(cmp: Cmp, a: &[u8], b: &[u8]) -> bool {
    let parse = |r: &[u8]| parse_reply(r).unwrap().unwrap().0;
    match cmp {
        Cmp::Exact => a == b,
        Cmp::Unordered => sorted(parse(a)) == sorted(parse(b)),
        Cmp::Ttl(tol) => match (parse(a), parse(b)) {
            (Value::Int(x), Value::Int(y)) if x >= 0 && y >= 0 => (x - y).abs() <= tol,
            (x, y) => x == y,
        },
        Cmp::Shape => std::mem::discriminant(&parse(a)) == std::mem::discriminant(&parse(b)),
        Cmp::Pairs => pairs(parse(a)) == pairs(parse(b)),
        Cmp::Normalized(f) => f(parse(a)) == f(parse(b)),
    }
}

/// The pairs of a map or flat array, sorted; other replies as they are.
fn pairs(v: Value) -> Result<Vec<String>, Value> {
    let items = match v {
        Value::Array(items) => items,
        Value::Map(kv) => kv.into_iter().flat_map(|(k, v)| [k, v]).collect(),
        other => return Err(other),
    };
    let mut out: Vec<String> = items.chunks(2).map(|p| format!("{p:?}")).collect();
    out.sort();
    Ok(out)
}

/// A connection to each server.
pub struct Pair {
    /// The cinnabar-server connection.
    pub cin: Conn,
    /// The redis-server connection.
    pub red: Conn,
    log: Vec<String>,
    _srv: Server,
    _redis: Redis,
}

impl Pair {
    /// Both servers, or None (skip) when redis-server is missing.
    pub fn new() -> Option<Pair> {
        let redis = redis()?;
        let srv = Server::start();
        Some(Pair {
            cin: srv.conn(),
            red: Conn::connect(&redis.addr),
            log: Vec::new(),
            _srv: srv,
            _redis: redis,
        })
    }

    /// Runs one command on both; panics with the history on a mismatch.
    #[track_caller]
    pub fn check(&mut self, args: &[&[u8]]) {
        self.check_with(args, cmp_for(args));
    }

    /// Runs one command on both and compares the replies with `cmp`
    /// (for unordered or random replies); panics with the history on a
    /// mismatch.
    #[track_caller]
    pub fn check_with(&mut self, args: &[&[u8]], cmp: Cmp) {
        let a = self.cin.cmdb(args);
        let b = self.red.cmdb(args);
        let line: Vec<String> = args
            .iter()
            .map(|x| String::from_utf8_lossy(x).into_owned())
            .collect();
        self.log.push(line.join(" "));
        if !same(cmp, &a, &b) {
            let history = self.log[self.log.len().saturating_sub(30)..].join("\n  ");
            panic!(
                "replies differ for {:?}\n cinnabar: {}\n    redis: {}\nlast commands:\n  {}",
                line,
                show(&a),
                show(&b),
                history
            );
        }
    }

    /// [`Pair::check`] with string arguments.
    pub fn check_str(&mut self, args: &[&str]) {
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        self.check(&a);
    }

    /// The cinnabar-server under test.
    pub fn cin_server(&self) -> &Server {
        &self._srv
    }

    /// The redis-server's address.
    pub fn redis_addr(&self) -> String {
        self._redis.addr.clone()
    }

    /// Runs `cmds` on both with keyspace events off, then sets
    /// `notify-keyspace-events` to `flags`: for setting up keys (often of
    /// other types) whose events are not the test's concern.
    pub fn quietly(&mut self, flags: &str, cmds: &[&[&str]]) {
        self.check_str(&["CONFIG", "SET", "notify-keyspace-events", ""]);
        for c in cmds {
            self.check_str(c);
        }
        self.check_str(&["CONFIG", "SET", "notify-keyspace-events", flags]);
    }

    /// A new connection to each server: (cinnabar, redis).
    pub fn extra_conns(&self) -> (Conn, Conn) {
        (self._srv.conn(), Conn::connect(&self._redis.addr))
    }

    /// Sends `cmd` (a blocking command) on a new connection to each server
    /// and waits until `n` clients are blocked on each; returns the
    /// (cinnabar, redis) connections, whose replies are pending (see
    /// [`same_replies`]).
    pub fn block_on_both(&mut self, cmd: &[&str], n: usize) -> (Conn, Conn) {
        let (mut cin, mut red) = self.extra_conns();
        for (waiter, main) in [(&mut cin, &mut self.cin), (&mut red, &mut self.red)] {
            // A missing wake-up fails the test quickly.
            waiter
                .s
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            waiter.send_cmd(cmd);
            wait_blocked(main, n);
        }
        (cin, red)
    }

    /// WATCH `key` on a fresh connection to each server, run `args` on the
    /// main connections, then MULTI / PING / EXEC on the watchers: both
    /// servers must agree on whether the transaction ran (whether `args`
    /// touched the key). Returns whether it ran.
    #[track_caller]
    pub fn check_watch(&mut self, key: &str, args: &[&str]) -> bool {
        let (mut wc, mut wr) = self.extra_conns();
        for w in [&mut wc, &mut wr] {
            assert_eq!(w.cmd(&["WATCH", key]), b"+OK\r\n");
            assert_eq!(w.cmd(&["MULTI"]), b"+OK\r\n");
            assert_eq!(w.cmd(&["PING"]), b"+QUEUED\r\n");
        }
        self.check_str(args);
        let (a, b) = (wc.cmd(&["EXEC"]), wr.cmd(&["EXEC"]));
        assert_eq!(
            show(&a),
            show(&b),
            "EXEC after WATCH {key} and {args:?} (left: cinnabar, right: redis)"
        );
        a != b"*-1\r\n"
    }

    /// [`Pair::check_watch`] for each `(watched key, command)`; returns how
    /// many of the transactions ran (a test can insist on both outcomes).
    #[track_caller]
    pub fn check_watches(&mut self, cases: &[(&str, &[&str])]) -> usize {
        cases
            .iter()
            .filter(|(key, cmd)| self.check_watch(key, cmd))
            .count()
    }

    /// [`Pair::check_watch`] for each `(watched key, command, whether the
    /// transaction still runs)`, requiring that outcome too.
    #[track_caller]
    pub fn check_watch_outcomes(&mut self, cases: &[(&str, &[&str], bool)]) {
        for &(key, cmd, runs) in cases {
            assert_eq!(self.check_watch(key, cmd), runs, "WATCH {key}; {cmd:?}");
        }
    }

    /// Compares the whole dataset of dbs 0..2: keys, values, TTL classes.
    pub fn check_dataset(&mut self) {
        for db in ["0", "1"] {
            self.check_str(&["SELECT", db]);
            self.check_str(&["KEYS", "*"]);
            self.check_str(&["DBSIZE"]);
            let keys = match self.red.value(&["KEYS", "*"]) {
                Value::Array(v) => v,
                other => panic!("{other:?}"),
            };
            for k in keys {
                let k = k.as_bytes().unwrap().to_vec();
                self.check(&[b"TYPE", &k]);
                let ty = self.red.cmdb(&[b"TYPE", &k]);
                match &ty[..] {
                    b"+list\r\n" => self.check(&[b"LRANGE", &k, b"0", b"-1"]),
                    b"+hash\r\n" => self.check_with(&[b"HGETALL", &k], Cmp::Pairs),
                    b"+set\r\n" => self.check_with(&[b"SMEMBERS", &k], Cmp::Unordered),
                    b"+zset\r\n" => self.check(&[b"ZRANGE", &k, b"0", b"-1", b"WITHSCORES"]),
                    b"+stream\r\n" => {
                        self.check(&[b"XRANGE", &k, b"-", b"+"]);
                        self.check(&[b"XINFO", b"GROUPS", &k]);
                    }
                    _ => self.check(&[b"GET", &k]),
                }
                self.check(&[b"TTL", &k]);
                self.check(&[b"OBJECT", b"ENCODING", &k]);
            }
        }
        self.check_str(&["SELECT", "0"]);
    }
}

/// The pending replies of clients blocked by [`Pair::block_on_both`],
/// which must be the same.
#[track_caller]
pub fn same_replies(waiters: &mut [(Conn, Conn)]) {
    for (cin, red) in waiters {
        assert_eq!(show(&cin.read_reply()), show(&red.read_reply()));
    }
}

/// A [`Pair`] plus, on each server, a listener subscribed to every
/// keyspace event, for comparing the events commands publish.
pub struct EventPair {
    /// The command connections.
    pub pair: Pair,
    cin_sub: Conn,
    red_sub: Conn,
}

/// The event classes the command groups' event tests compare: all of
/// them, key misses and new keys too (which show whether a command reads
/// or writes its keys, and when it creates one).
pub const EVENTS: &str = "KEAmn";

/// The channel [`pending_events`] publishes to: every event published
/// before it is delivered before it.
const SENTINEL: &str = "__sentinel__";

/// Subscribes `sub` to the channels matching `pattern` (keyspace or
/// keyevent channels) and to the sentinel, for [`pending_events`].
pub fn listen(sub: &mut Conn, pattern: &str) {
    sub.cmd(&["PSUBSCRIBE", pattern]);
    sub.cmd(&["SUBSCRIBE", SENTINEL]);
}

/// The events a [`listen`]ing `sub` has been sent and has not read, as
/// `channel payload`: publishes the sentinel on `c`, a connection to the
/// same server, and reads up to it.
pub fn pending_events(c: &mut Conn, sub: &mut Conn) -> Vec<String> {
    c.cmd(&["PUBLISH", SENTINEL, "x"]);
    let mut got = Vec::new();
    loop {
        let Value::Array(items) = sub.read_value() else {
            panic!("not a message")
        };
        let text: Vec<String> = items
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes().unwrap_or(b"?")).into_owned())
            .collect();
        if text[0] == "message" && text[1] == SENTINEL {
            return got;
        }
        // pmessage pattern channel payload
        got.push(format!("{} {}", text[2], text[3]));
    }
}

impl EventPair {
    /// Both servers with `notify-keyspace-events` set to `flags`, or None
    /// (skip) when redis-server is missing.
    pub fn new(flags: &str) -> Option<EventPair> {
        EventPair::listening(flags, "__key*__:*")
    }

    /// [`EventPair::new`], listening only to the channels matching
    /// `pattern`.
    fn listening(flags: &str, pattern: &str) -> Option<EventPair> {
        let mut pair = Pair::new()?;
        pair.check_str(&["CONFIG", "SET", "notify-keyspace-events", flags]);
        let (mut cin_sub, mut red_sub) = pair.extra_conns();
        listen(&mut cin_sub, pattern);
        listen(&mut red_sub, pattern);
        Some(EventPair {
            pair,
            cin_sub,
            red_sub,
        })
    }

    /// Runs `args` on both servers, requires identical replies, then
    /// identical event sequences (in order); returns the events.
    #[track_caller]
    pub fn check(&mut self, args: &[&str]) -> Vec<String> {
        self.pair.check_str(args);
        let a = pending_events(&mut self.pair.cin, &mut self.cin_sub);
        let b = pending_events(&mut self.pair.red, &mut self.red_sub);
        assert_eq!(
            a, b,
            "events differ for {args:?} (left: cinnabar, right: redis)"
        );
        a
    }

    /// Runs a script of commands through [`EventPair::check`]; returns how
    /// many events were compared (so a test can insist it saw some).
    #[track_caller]
    pub fn script(&mut self, script: &[&[&str]]) -> usize {
        script.iter().map(|args| self.check(args).len()).sum()
    }

    /// Runs `cmds` as one MULTI ... EXEC transaction on both servers,
    /// requiring identical replies; returns the events EXEC published,
    /// which must be identical. (Only EXEC goes through
    /// [`EventPair::check`]: inside MULTI its sentinel PUBLISH would be
    /// queued.)
    #[track_caller]
    pub fn transaction(&mut self, cmds: &[&[&str]]) -> Vec<String> {
        self.pair.check_str(&["MULTI"]);
        for c in cmds {
            self.pair.check_str(c);
        }
        self.check(&["EXEC"])
    }
}

/// For each `(flags, at least)`: a new [`EventPair`] with
/// `notify-keyspace-events` set to `flags`, on which `run(p, flags)`
/// compares events and returns how many; there must be at least that
/// many. For checking that events are published under Redis's classes.
#[track_caller]
pub fn check_event_classes(
    classes: &[(&str, usize)],
    mut run: impl FnMut(&mut EventPair, &str) -> usize,
) {
    for &(flags, want) in classes {
        let Some(mut p) = EventPair::new(flags) else {
            return;
        };
        let seen = run(&mut p, flags);
        assert!(seen >= want, "{flags}: only {seen} events");
    }
}

/// Runs `script` through [`EventPair::check`] (keyevent channels only)
/// with active expiry off on both servers, so an expired key stays stored
/// until a command touches it. Commands named in `quiet` (setup from
/// other groups) run with events off. Returns how many events were
/// compared (0: no redis-server).
fn check_events_with_lazy_expiry(quiet: &[&str], script: &[&[&str]]) -> usize {
    let Some(mut p) = EventPair::listening(EVENTS, "__keyevent*") else {
        return 0;
    };
    for c in [&mut p.pair.cin, &mut p.pair.red] {
        c.expect(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"], "+OK\r\n");
    }
    let mut compared = 0;
    for args in script {
        if quiet.contains(&args[0]) {
            p.pair.quietly(EVENTS, &[args]);
        } else {
            compared += p.check(args).len();
        }
    }
    compared
}

/// STORE commands onto a destination that expired but is still stored:
/// after `setup`, for each of `stores`, `create` makes the destination
/// `d`, which expires (PEXPIRE 20 ms, DEBUG SLEEP 30 ms) before the store
/// runs, then EXISTS looks at it; all through
/// [`check_events_with_lazy_expiry`]. Returns how many events were
/// compared.
pub fn check_stores_onto_expired(setup: &[&[&str]], create: &[&str], stores: &[&[&str]]) -> usize {
    let mut script: Vec<&[&str]> = setup.to_vec();
    for &store in stores {
        // 20 ms, not 1: Redis 7.0's PEXPIRE compares the deadline (from
        // the command's start time) with a fresh clock, so on a busy
        // machine a 1 ms TTL can count as already past and the key is
        // deleted on the spot, silently here (found by a failure under
        // load).
        script.extend([create, &["PEXPIRE", "d", "20"]]);
        script.extend([&["DEBUG", "SLEEP", "0.03"][..], store, &["EXISTS", "d"]]);
    }
    check_events_with_lazy_expiry(&["PEXPIRE", "DEBUG"], &script)
}

/// Hand-picked sequences covering every command of this group.
#[test]
fn scripted_sequences_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let script: &[&[&str]] = &[
        &["SET", "a", "1"],
        &["SET", "a", "2", "NX"],
        &["SET", "a", "3", "XX", "GET"],
        &["SET", "b", "x", "GET"],
        &["SET", "b", "x", "NX", "GET"],
        &["SET", "c", "v", "EX", "100", "PX", "100"],
        &["SET", "c", "v", "EX", "100", "EX", "200"],
        &["SET", "c", "v", "KEEPTTL", "EX", "1"],
        &["SET", "c", "v", "PXAT", "abc"],
        &["SET", "c", "v", "EXAT", "0"],
        &["SET", "c", "v", "XX", "NX"],
        &["SET", "c", "v", "NX", "NX"],
        &["SET", "c", "v", "FOO"],
        &["SETNX", "a", "z"],
        &["SETEX", "d", "100", "v"],
        &["SETEX", "d", "abc", "v"],
        &["SETEX", "d", "0", "v"],
        &["PSETEX", "d", "-1", "v"],
        &["GETSET", "a", "10"],
        &["GETDEL", "a"],
        &["GETDEL", "a"],
        &["GETEX", "d"],
        &["GETEX", "d", "PERSIST"],
        &["GETEX", "d", "EX", "100", "PERSIST"],
        &["GETEX", "d", "PX"],
        &["GETEX", "d", "EXAT", "1"],
        &["GETEX", "nokey", "EX", "-1"],
        &["MSET", "x", "1", "y", "2", "z"],
        &["MSET", "x", "1", "y", "2"],
        &["MGET", "x", "nokey", "y"],
        &["MSETNX", "x", "9", "w", "9"],
        &["MSETNX", "v", "9", "w", "9"],
        &["APPEND", "x", "23"],
        &["APPEND", "new", "abc"],
        &["STRLEN", "x"],
        &["INCR", "x"],
        &["INCRBY", "x", "-200"],
        &["DECRBY", "x", "abc"],
        &["DECRBY", "x", "-9223372036854775808"],
        &["INCRBY", "x", "9223372036854775807"],
        &["INCRBYFLOAT", "fl", "1.5"],
        &["INCRBYFLOAT", "fl", "2.25e1"],
        &["INCRBYFLOAT", "fl", "-24"],
        &["INCRBYFLOAT", "fl", "abc"],
        &["INCRBYFLOAT", "fl", "nan"],
        &["INCRBYFLOAT", "new", "1"],
        &["GETRANGE", "new", "0", "-1"],
        &["GETRANGE", "new", "-100", "1"],
        &["GETRANGE", "x", "1", "2"],
        &["SETRANGE", "new", "1", "ZZ"],
        &["SETRANGE", "new", "10", "Q"],
        &["SETRANGE", "pad", "0", ""],
        &["SETRANGE", "x", "-1", "a"],
        &["LCS", "new", "x"],
        &["LCS", "new", "x", "IDX", "WITHMATCHLEN"],
        &["LCS", "new", "x", "LEN", "IDX"],
        &["LCS", "new", "x", "MINMATCHLEN"],
        &["EXISTS", "x", "x", "nokey"],
        &["TYPE", "x"],
        &["RENAME", "x", "x2"],
        &["RENAME", "nokey", "x2"],
        &["RENAMENX", "x2", "y"],
        &["COPY", "x2", "copy"],
        &["COPY", "x2", "copy"],
        &["COPY", "x2", "copy", "REPLACE", "DB", "1"],
        &["COPY", "x2", "x2"],
        &["MOVE", "copy", "1"],
        &["MOVE", "copy", "0"],
        &["TOUCH", "x2", "y", "nokey"],
        &["EXPIRE", "y", "100", "GT"],
        &["EXPIRE", "y", "100", "NX"],
        &["EXPIRE", "y", "50", "LT"],
        &["PEXPIRE", "y", "500000", "GT"],
        &["EXPIRE", "y", "1", "NX", "GT"],
        &["EXPIRE", "y", "1", "FOO"],
        &["EXPIREAT", "y", "99999999999"],
        &["PEXPIREAT", "y", "99999999999000"],
        &["EXPIRETIME", "y"],
        &["EXPIRE", "y", "-9223372036854775808"],
        &["PERSIST", "y"],
        &["OBJECT", "ENCODING", "x2"],
        &["OBJECT", "ENCODING", "new"],
        &["OBJECT", "ENCODING", "fl"],
        &["OBJECT", "REFCOUNT", "x2"],
        &["OBJECT", "FREQ", "x2"],
        &["OBJECT", "BAD"],
        &["OBJECT"],
        &["SCAN", "abc"],
        &["SCAN", "0", "COUNT", "0"],
        &["SCAN", "0", "MATCH"],
        &["SELECT", "1"],
        &["KEYS", "*"],
        &["SELECT", "0"],
        &["SWAPDB", "0", "1"],
        &["SWAPDB", "0", "x"],
        &["KEYS", "*"],
        &["DBSIZE"],
        &["FLUSHDB", "SYNC", "x"],
        &["PING"],
        &["PING", "x"],
        &["ECHO", "hi"],
        &["HELLO", "4"],
        &["SELECT", "abc"],
        &["NOSUCH", "x\r\ny"],
        &["GET"],
        &["CONFIG", "GET", "databases"],
        &["CONFIG", "SET", "nosuch", "1"],
        &["COMMAND", "INFO", "nosuch"],
        &["SET", "src", "123"],
        &["COPY", "src", "dst"],
        &["OBJECT", "REFCOUNT", "src"],
        &["OBJECT", "REFCOUNT", "dst"],
        &["INCR", "dst"],
        &["OBJECT", "REFCOUNT", "dst"],
        &["PEXPIREAT", "src", "99999999999500"],
        &["EXPIRETIME", "src"],
        &["SELECT", "2147483648"],
        &["SELECT", "-2147483649"],
        &["MOVE", "src", "2147483648"],
        &["COPY", "src", "x", "DB", "2147483648"],
        &["COPY", "src", "x", "DB", "-1"],
        &["SWAPDB", "2147483648", "0"],
        &["OBJECT", "HELP"],
        &["NOSUCH", "\0x", "y"],
        &["OBJECT", "NOSUCH\0x"],
    ];
    for cmd in script {
        p.check_str(cmd);
    }
    p.check_dataset();
}

/// CONFIG GET and CONFIG SET validation and error texts.
#[test]
fn config_replies_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let script: &[&[&str]] = &[
        &["CONFIG", "GET", "SAVE"],
        &["CONFIG", "GET", "Hz"],
        &["CONFIG", "GET", "hz", "HZ"],
        &["CONFIG", "GET", "appendfsync"],
        &["CONFIG", "GET", "databases", "timeout"],
        &["CONFIG", "GET", "client-output-buffer-limit"],
        &["CONFIG", "GET", "proto-max-bulk-len"],
        &["CONFIG", "GET", "client-query-buffer-limit"],
        &["CONFIG", "SET", "hz", "10", "timeout"],
        &["CONFIG", "SET", "nosuch", "1"],
        &["CONFIG", "SET", "nosuch", "1", "databases", "5"],
        &["CONFIG", "SET", "databases", "5"],
        &["CONFIG", "SET", "dir", "/tmp"],
        &["CONFIG", "SET", "hz", "10", "hz", "20"],
        &["CONFIG", "SET", "hz", "abc"],
        &["CONFIG", "SET", "hz", "+5"],
        &["CONFIG", "SET", "timeout", "-1"],
        &["CONFIG", "SET", "tcp-keepalive", "-1"],
        &["CONFIG", "SET", "maxclients", "0"],
        &["CONFIG", "SET", "maxclients", "4294967296"],
        &["CONFIG", "SET", "appendonly", "maybe"],
        &["CONFIG", "SET", "appendfsync", "sometimes"],
        &["CONFIG", "SET", "loglevel", "loud"],
        &["CONFIG", "SET", "maxmemory-policy", "bad"],
        &["CONFIG", "SET", "proto-max-bulk-len", "100"],
        &["CONFIG", "SET", "proto-max-bulk-len", "1048575"],
        &["CONFIG", "SET", "proto-max-bulk-len", "x"],
        &["CONFIG", "SET", "client-query-buffer-limit", "1"],
        &["CONFIG", "SET", "maxmemory", "1x"],
        &["CONFIG", "SET", "maxmemory", "-1"],
        &["CONFIG", "SET", "save", "0 0"],
        &["CONFIG", "SET", "save", " "],
        &["CONFIG", "SET", "save", "  3600   1  "],
        &["CONFIG", "SET", "save", "900 1 300"],
        &["CONFIG", "GET", "save"],
        &["CONFIG", "SET", "save", ""],
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 1mb 2mb",
        ],
        &["CONFIG", "SET", "client-output-buffer-limit", "foo 1 1 1"],
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal x 1 1",
        ],
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "pubsub 0 0 0 ",
        ],
        &["CONFIG", "SET", "client-output-buffer-limit", ""],
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 0 0 0",
        ],
        &["CONFIG", "GET", "client-output-buffer-limit"],
        &["CONFIG", "SET", "maxmemory", "k"],
        &["CONFIG", "GET", "maxmemory"],
        &["CONFIG", "SET", "maxmemory", "0"],
        &["CONFIG", "SET", "hz", "100000"],
        &["CONFIG", "GET", "hz"],
        &["CONFIG", "SET", "hz", "10"],
        // LCS's transient table is bounded by proto-max-bulk-len.
        &["CONFIG", "SET", "proto-max-bulk-len", "1mb"],
        &["SET", "a", &"ab".repeat(300)],
        &["SET", "b", &"ba".repeat(300)],
        &["LCS", "a", "b", "LEN"],
        &["CONFIG", "SET", "proto-max-bulk-len", "512mb"],
        &["LCS", "a", "b", "LEN"],
        // Tiny output limits do not cut off ordinary replies.
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 1 1 0",
        ],
        &["PING"],
        &["GET", "a"],
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 0 0 0",
        ],
    ];
    for cmd in script {
        p.check_str(cmd);
    }
}

/// Authentication replies and the limits on unauthenticated clients.
#[test]
fn auth_replies_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["CONFIG", "SET", "requirepass", "pw"]);
    let (mut a, mut b) = p.extra_conns();
    for cmd in [
        &["GET", "k"][..],
        &["HELLO", "3"],
        &["HELLO", "3", "AUTH", "default", "bad"],
        &["AUTH", "bad"],
        &["AUTH", "a", "b", "c"],
        &["AUTH", "pw"],
        &["GET", "k"],
    ] {
        assert_eq!(show(&a.cmd(cmd)), show(&b.cmd(cmd)), "{cmd:?}");
    }
    for input in [&b"*20\r\n"[..], b"*2\r\n$3\r\nGET\r\n$20000\r\n"] {
        let (mut a, mut b) = p.extra_conns();
        a.send(input);
        b.send(input);
        assert_eq!(
            show(&a.read_to_close()),
            show(&b.read_to_close()),
            "{}",
            show(input)
        );
    }
    p.check_str(&["AUTH", "pw"]);
    p.check_str(&["CONFIG", "SET", "requirepass", ""]);
}

const KEYS: &[&str] = &["k0", "k1", "k2", "k3", "k4"];
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "42",
    "10000",
    "9223372036854775807",
    "-9223372036854775808",
    "007",
    "abc",
    "",
    " 1",
    "3.5",
    "1e3",
    "hello world",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
];
const INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "5",
    "-7",
    "100",
    "9223372036854775807",
    "x",
    "1.5",
];
const FLOATS: &[&str] = &["1.5", "-0.25", "3", "1e2", "abc", "0.1", "-3"];
const TTLS: &[&str] = &["100", "200", "-1", "0", "x", "9223372036854775807", "1000"];
const RANGES: &[&str] = &["0", "1", "2", "-1", "-3", "10", "-100"];

/// One random command over a small key space: strings, keys, expiry,
/// bad numbers and bad options.
fn random_command(g: &mut Gen) -> Vec<String> {
    let k = g.pick(KEYS);
    let k2 = g.pick(KEYS);
    let v = g.pick(VALUES);
    let mut cmd: Vec<&str> = match g.next() % 34 {
        0 | 1 => vec!["SET", k, v],
        2 => vec!["GET", k],
        3 => vec!["DEL", k, k2],
        4 => vec!["INCR", k],
        5 => vec!["INCRBY", k, g.pick(INTS)],
        6 => vec!["DECRBY", k, g.pick(INTS)],
        7 => vec!["INCRBYFLOAT", k, g.pick(FLOATS)],
        8 => vec!["APPEND", k, v],
        9 => vec!["STRLEN", k],
        10 => vec!["GETRANGE", k, g.pick(RANGES), g.pick(RANGES)],
        11 => vec!["SETRANGE", k, g.pick(&["0", "1", "3", "-1", "x"]), v],
        12 => vec!["MGET", k, k2],
        13 => vec!["MSET", k, v, k2, g.pick(VALUES)],
        14 => vec!["MSETNX", k, v, k2, v],
        15 => vec!["GETSET", k, v],
        16 => vec!["GETDEL", k],
        17 => vec!["SETNX", k, v],
        18 => vec!["SETEX", k, g.pick(TTLS), v],
        19 => vec!["EXPIRE", k, g.pick(TTLS)],
        20 => vec!["PEXPIRE", k, g.pick(&["100000", "-5", "x", "200000"])],
        21 => vec!["EXPIREAT", k, g.pick(&["1", "99999999999", "x"])],
        22 => vec!["PERSIST", k],
        23 => vec!["TTL", k],
        24 => vec!["TYPE", k],
        25 => vec!["RENAME", k, k2],
        26 => vec!["RENAMENX", k, k2],
        27 => vec!["COPY", k, k2],
        28 => vec!["OBJECT", "ENCODING", k],
        29 => vec!["EXISTS", k, k2, k],
        30 => vec!["GETEX", k],
        31 => vec!["LCS", k, k2],
        32 => vec!["SELECT", g.pick(&["0", "1"])],
        _ => vec!["MOVE", k, g.pick(&["0", "1"])],
    };
    // Random options: sometimes valid, sometimes conflicting or garbage.
    if matches!(
        cmd[0],
        "SET" | "GETEX" | "EXPIRE" | "PEXPIRE" | "EXPIREAT" | "COPY"
    ) && g.chance(50)
    {
        let opts: &[&str] = match cmd[0] {
            "SET" => &[
                "NX", "XX", "GET", "KEEPTTL", "EX", "PX", "EXAT", "PXAT", "BOGUS",
            ],
            "GETEX" => &["EX", "PX", "PERSIST", "EXAT", "NX"],
            "COPY" => &["REPLACE", "DB", "BOGUS"],
            // GT/LT between two relative times depends on the milliseconds
            // between the commands on each server: only absolute ones here.
            "EXPIREAT" => &["NX", "XX", "GT", "LT", "BOGUS"],
            _ => &["NX", "XX", "BOGUS"],
        };
        for _ in 0..(g.next() % 3 + 1) {
            let o = g.pick(opts);
            cmd.push(o);
            if matches!(o, "EX" | "PX" | "EXAT" | "PXAT") && g.chance(90) {
                cmd.push(match o {
                    "EXAT" => g.pick(&["1", "99999999999", "0"]),
                    "PXAT" => g.pick(&["1", "99999999999000", "-1"]),
                    _ => g.pick(TTLS),
                });
            }
            if o == "DB" && g.chance(90) {
                cmd.push(g.pick(&["0", "1", "99", "x"]));
            }
        }
    }
    cmd.into_iter().map(String::from).collect()
}

/// Seeded random command streams must get identical replies from both
/// servers, and leave identical datasets.
#[test]
fn random_commands_match_redis() {
    let seeds: Vec<u64> = seeds((1..=8).map(|i| 0x5EED_0000 + i * 7919));
    let Some(mut p) = Pair::new() else { return };
    for seed in seeds {
        p.check_str(&["FLUSHALL"]);
        p.log.push(format!("# seed {seed}"));
        let mut g = Gen(seed);
        for _ in 0..1500 {
            let cmd = random_command(&mut g);
            let args: Vec<&[u8]> = cmd.iter().map(|s| s.as_bytes()).collect();
            p.check(&args);
        }
        p.check_dataset();
    }
}

/// Raw protocol input, including malformed input: both servers must send
/// the same bytes and then close (or not) alike.
#[test]
fn protocol_edge_cases_match_redis() {
    let Some(redis) = redis() else { return };
    let srv = Server::start();
    let inputs: &[&[u8]] = &[
        b"PING\r\n",
        b"*1\r\n$4\r\nPING\r\n*0\r\n*-1\r\nPING\r\n",
        b"*abc\r\n",
        b"*1\r\n:1\r\n",
        b"*1\r\n$-5\r\n",
        b"*1\r\n$abc\r\n",
        b"*2\r\n$4\r\nECHO\r\n$999999999999\r\n",
        b"SET a \"unbalanced\r\n",
        b"SET a 'x'y\r\n",
        b"ECHO \"a\\x41\\n\"\r\nECHO 'b\\'c'\r\n",
        b"\r\n\r\nPING\r\n",
        b"*1\r\n$4\r\nPING\r\nGARBAGE CMD\r\n",
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
    ];
    for input in inputs {
        let mut a = srv.conn();
        let mut b = Conn::connect(&redis.addr);
        a.send(input);
        b.send(input);
        // Give both time to answer, then stop waiting.
        let t = Some(std::time::Duration::from_millis(300));
        a.s.set_read_timeout(t).unwrap();
        b.s.set_read_timeout(t).unwrap();
        let ra = a.read_to_close();
        let rb = b.read_to_close();
        assert_eq!(show(&ra), show(&rb), "input {}", show(input));
    }
}

/// SCAN over both servers returns the same set of keys.
#[test]
fn scan_covers_the_same_keys() {
    let Some(mut p) = Pair::new() else { return };
    for i in 0..300 {
        p.check_str(&["SET", &format!("key:{i}"), "v"]);
    }
    let collect = |c: &mut Conn| {
        let mut all = BTreeSet::new();
        let mut cursor = b"0".to_vec();
        loop {
            match c.value(&[
                "SCAN",
                std::str::from_utf8(&cursor).unwrap(),
                "MATCH",
                "key:1*",
            ]) {
                Value::Array(mut v) => {
                    if let Some(Value::Array(keys)) = v.pop() {
                        all.extend(keys.into_iter().map(|k| k.as_bytes().unwrap().to_vec()));
                    }
                    cursor = v.pop().unwrap().as_bytes().unwrap().to_vec();
                }
                other => panic!("{other:?}"),
            }
            if cursor == b"0" {
                return all;
            }
        }
    };
    let a = collect(&mut p.cin);
    let b = collect(&mut p.red);
    assert_eq!(a, b);
    assert_eq!(a.len(), 111);
}
