//! CLIENT TRACKING (client-side caching) against redis-server: several
//! connections to each server run the same script; after every step each
//! connection's output (replies, invalidation pushes, redirected messages)
//! must be the same bytes, client ids aside.

use std::time::Duration;

use crate::differential::Pair;
use crate::util::*;

/// `n` connections to each server, and their client ids.
struct Scene {
    _pair: Pair,
    conns: Vec<[Conn; 2]>,
    ids: Vec<[String; 2]>,
    sentinel: usize,
    log: Vec<String>,
    /// Connections closed (QUIT) or inside MULTI: no sentinel.
    quiet: Vec<bool>,
}

impl Scene {
    fn new(n: usize) -> Option<Scene> {
        let pair = Pair::new()?;
        // Client ids above 100, so that replacing them in replies cannot
        // hit small numbers such as HELLO's `proto`.
        for _ in 0..100 {
            drop(pair.extra_conns());
        }
        let mut conns = Vec::new();
        let mut ids = Vec::new();
        for _ in 0..n {
            let (mut c, mut r) = pair.extra_conns();
            let id = |x: &mut Conn| match x.value(&["CLIENT", "ID"]) {
                Value::Int(i) => i.to_string(),
                other => panic!("{other:?}"),
            };
            ids.push([id(&mut c), id(&mut r)]);
            conns.push([c, r]);
        }
        Some(Scene {
            _pair: pair,
            conns,
            ids,
            sentinel: 0,
            log: Vec::new(),
            quiet: vec![false; n],
        })
    }

    /// The command line `line` for server `s`: words, `{k}` standing for
    /// connection k's client id.
    fn args(&self, s: usize, line: &str) -> Vec<String> {
        line.split_whitespace()
            .map(
                |w| match w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    Some(k) => self.ids[k.parse::<usize>().unwrap()][s].clone(),
                    None => w.to_string(),
                },
            )
            .collect()
    }

    /// Output of server `s` with client ids replaced by `#k`.
    fn norm(&self, s: usize, frames: &[Vec<u8>]) -> String {
        let mut text: String = frames.iter().map(|f| show(f)).collect();
        for (k, ids) in self.ids.iter().enumerate() {
            text = text.replace(&format!(":{}\\r\\n", ids[s]), &format!(":#{k}\\r\\n"));
        }
        text
    }

    /// Runs `line` on connection `i` of both servers and compares its
    /// reply and then everything every connection received.
    #[track_caller]
    fn step(&mut self, i: usize, line: &str) {
        self.log.push(format!("[{i}] {line}"));
        let mut got: [Vec<String>; 2] = Default::default();
        for (s, out) in got.iter_mut().enumerate() {
            let args = self.args(s, line);
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            let c = &mut self.conns[i][s];
            c.send_cmd(&a);
            // Pushes written before the reply, then the reply.
            let mut frames = Vec::new();
            loop {
                let f = c.read_reply();
                let push = f.first() == Some(&b'>');
                frames.push(f);
                if !push {
                    break;
                }
            }
            out.push(self.norm(s, &frames));
        }
        // CLIENT CACHING lasts one command: no sentinel on that connection.
        let upper = line.to_ascii_uppercase();
        let skip = upper.starts_with("CLIENT CACHING");
        if upper == "MULTI" || upper == "QUIT" {
            self.quiet[i] = true;
        } else if upper == "EXEC" || upper == "DISCARD" {
            self.quiet[i] = false;
        }
        self.sentinel += 1;
        let mark = format!("m{}", self.sentinel);
        for k in 0..self.conns.len() {
            if (skip && k == i) || self.quiet[k] {
                continue;
            }
            for (s, out) in got.iter_mut().enumerate() {
                let c = &mut self.conns[k][s];
                c.send_cmd(&["PING", &mark]);
                let mut frames = Vec::new();
                loop {
                    let f = c.read_reply();
                    if show(&f).contains(&mark) && f.first() != Some(&b'>') {
                        break;
                    }
                    frames.push(f);
                }
                out.push(format!("[{k}] {}", self.norm(s, &frames)));
            }
        }
        assert_eq!(
            got[0],
            got[1],
            "cinnabar vs redis after {line:?}\nlast steps:\n  {}",
            self.log[self.log.len().saturating_sub(15)..].join("\n  ")
        );
    }

    fn steps(&mut self, steps: &[(usize, &str)]) {
        for (i, line) in steps {
            self.step(*i, line);
        }
    }
}

/// Default mode: reads remember keys, any client's write sends one
/// invalidation (the writer's own after its reply), FLUSHALL a null one;
/// MULTI/EXEC, NOLOOP, INFO and TRACKINGINFO as Redis.
#[test]
fn default_mode_matches_redis() {
    let Some(mut sc) = Scene::new(3) else {
        return;
    };
    sc.steps(&[
        (0, "HELLO 3"),
        (0, "CLIENT TRACKING on"),
        (0, "CLIENT TRACKINGINFO"),
        (0, "CLIENT GETREDIR"),
        (1, "SET a 1"),
        (0, "GET a"),
        (0, "MGET b c"),
        (0, "STRLEN nosuch"),
        (1, "SET a 2"),
        (1, "SET a 3"),
        (1, "MSET b 1 c 1 d 1"),
        (0, "GET a"),
        (0, "SET a 4"),
        (0, "HGET h f"),
        (2, "HSET h f v"),
        (0, "EXISTS e"),
        (2, "LPUSH e x"),
        (0, "GET a"),
        (0, "MULTI"),
        (0, "SET a 5"),
        (0, "GET a"),
        (0, "SET a 6"),
        (0, "EXEC"),
        (0, "GET a"),
        (1, "DEL a"),
        (0, "GET a"),
        (0, "GET b"),
        (1, "FLUSHALL"),
        (1, "SET a 1"),
        (0, "CLIENT TRACKING on NOLOOP"),
        (0, "CLIENT TRACKINGINFO"),
        (0, "GET a"),
        (0, "SET a 2"),
        (0, "GET a"),
        (1, "SET a 3"),
        (0, "CLIENT TRACKING off"),
        (0, "CLIENT TRACKINGINFO"),
        (0, "CLIENT GETREDIR"),
        (1, "SET a 4"),
        (0, "GET a"),
        (1, "SET a 5"),
        (0, "CLIENT TRACKING on"),
        (0, "GET a"),
        (0, "RESET"),
        (0, "CLIENT TRACKINGINFO"),
        (1, "SET a 6"),
    ]);
}

/// REDIRECT to a RESP2 subscriber of `__redis__:invalidate` and to a
/// RESP3 client; a redirect target that disconnects is reported once.
#[test]
fn redirect_matches_redis() {
    let Some(mut sc) = Scene::new(4) else {
        return;
    };
    sc.steps(&[
        (2, "SUBSCRIBE __redis__:invalidate"),
        (0, "CLIENT TRACKING on REDIRECT {2}"),
        (0, "CLIENT GETREDIR"),
        (0, "CLIENT TRACKINGINFO"),
        (0, "GET k"),
        (1, "SET k 1"),
        (0, "GET k"),
        (0, "SET k 2"),
        (0, "GET k"),
        (1, "FLUSHDB"),
        (3, "HELLO 3"),
        (0, "CLIENT TRACKING on REDIRECT {3}"),
        (0, "GET k"),
        (1, "SET k 3"),
        (0, "GET k"),
        (3, "SET k 4"),
        (1, "CLIENT TRACKING on REDIRECT 999999"),
        (1, "CLIENT TRACKING on REDIRECT x"),
        (1, "CLIENT TRACKING on REDIRECT {2} REDIRECT {3}"),
        (0, "GET k"),
        (3, "QUIT"),
        (0, "HELLO 3"),
        (1, "SET k 5"),
        (0, "CLIENT TRACKINGINFO"),
        (0, "GET k"),
        (1, "SET k 6"),
    ]);
}

/// OPTIN / OPTOUT with CLIENT CACHING, and their errors.
#[test]
fn optin_optout_match_redis() {
    let Some(mut sc) = Scene::new(2) else {
        return;
    };
    sc.steps(&[
        (0, "HELLO 3"),
        (0, "CLIENT CACHING yes"),
        (0, "CLIENT TRACKING on OPTIN"),
        (0, "GET a"),
        (1, "SET a 1"),
        (0, "CLIENT CACHING no"),
        (0, "CLIENT CACHING maybe"),
        (0, "CLIENT CACHING yes"),
        (0, "GET a"),
        (1, "SET a 2"),
        (0, "CLIENT CACHING yes"),
        (0, "CLIENT TRACKINGINFO"),
        (0, "GET b"),
        (0, "GET a"),
        (1, "MSET a 3 b 3"),
        (0, "CLIENT TRACKING on OPTOUT"),
        (0, "CLIENT TRACKING on OPTIN OPTOUT"),
        (0, "CLIENT TRACKING on"),
        (0, "CLIENT TRACKINGINFO"),
        (0, "CLIENT TRACKING off"),
        (0, "CLIENT TRACKING on OPTOUT"),
        (0, "CLIENT CACHING yes"),
        (0, "CLIENT CACHING no"),
        (0, "GET a"),
        (0, "GET b"),
        (1, "MSET a 4 b 4"),
        (0, "CLIENT TRACKING on BCAST OPTIN"),
        (0, "CLIENT TRACKING on PREFIX x"),
        (0, "CLIENT TRACKING maybe"),
        (0, "CLIENT TRACKING on NOSUCH"),
    ]);
}

/// BCAST: prefixes, batching per loop iteration, NOLOOP, overlap errors,
/// and INFO's tracking counters.
#[test]
fn bcast_matches_redis() {
    let Some(mut sc) = Scene::new(3) else {
        return;
    };
    sc.steps(&[
        (0, "HELLO 3"),
        (0, "CLIENT TRACKING on BCAST PREFIX a PREFIX ab"),
        (0, "CLIENT TRACKING on BCAST PREFIX ab PREFIX a"),
        (0, "CLIENT TRACKING on BCAST PREFIX user: PREFIX obj:"),
        (0, "CLIENT TRACKING on BCAST PREFIX us"),
        (0, "CLIENT TRACKING on BCAST PREFIX tmp:"),
        (0, "CLIENT TRACKINGINFO"),
        (0, "CLIENT TRACKING on"),
        (1, "MSET user:1 a other 1 obj:2 b user:3 c"),
        (1, "SET tmp:x 1"),
        (0, "SET user:9 1"),
        (0, "CLIENT TRACKING off"),
        (0, "CLIENT TRACKING on BCAST NOLOOP"),
        (0, "CLIENT TRACKINGINFO"),
        (0, "SET k 1"),
        (1, "SET k 2"),
        (2, "HELLO 3"),
        (2, "CLIENT TRACKING on BCAST PREFIX k"),
        (1, "DEL k"),
        (1, "FLUSHALL"),
    ]);
    let counters = |c: &mut Conn| {
        let Value::Bulk(t) = c.value(&["INFO", "stats"]) else {
            panic!()
        };
        String::from_utf8(t)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("tracking_"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let [c, r] = &mut sc.conns[1];
    assert_eq!(counters(c), counters(r));
}

/// A tracked key removed by active expiry is invalidated (exact bytes,
/// without redis-server).
#[test]
fn expiry_invalidates_tracked_keys() {
    let srv = Server::start();
    let mut t = srv.conn();
    let mut w = srv.conn();
    t.cmd(&["HELLO", "3"]);
    t.expect(&["CLIENT", "TRACKING", "on"], "+OK\r\n");
    w.expect(&["SET", "k", "v", "PX", "50"], "+OK\r\n");
    t.expect(&["GET", "k"], "$1\r\nv\r\n");
    std::thread::sleep(std::time::Duration::from_millis(120));
    // The cron's active expiry deletes it and invalidates it.
    assert_eq!(
        show(&t.read_reply()),
        show(b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n")
    );
    t.expect(&["GET", "k"], "_\r\n");
}

/// `tracking-table-max-keys`: past the limit, the next command forgets
/// keys (which ones is random in Redis and here) and invalidates them
/// before its reply, as if they had changed; a later write invalidates
/// only the keys still remembered. Compared with redis-server by counts
/// and key sets.
#[test]
fn tracking_table_max_keys_matches_redis() {
    let Some(pair) = Pair::new() else {
        return;
    };
    let (c, r) = pair.extra_conns();
    let (w, rw) = pair.extra_conns();
    let mut got = Vec::new();
    for (mut t, mut w) in [(c, w), (r, rw)] {
        t.cmd(&["HELLO", "3"]);
        t.expect(
            &["CONFIG", "SET", "tracking-table-max-keys", "2"],
            "+OK\r\n",
        );
        t.expect(&["CLIENT", "TRACKING", "on"], "+OK\r\n");
        for k in ["k1", "k2", "k3"] {
            t.expect(&["GET", k], "_\r\n");
        }
        // Three keys remembered, two allowed: PING's admission forgets one.
        let forgotten = pushes_until_pong(&mut t);
        let total = info_field(&mut t, "tracking_total_keys");
        w.cmd(&["MSET", "k1", "1", "k2", "2", "k3", "3"]);
        let changed = pushes_until_pong(&mut t);
        t.cmd(&["CONFIG", "SET", "tracking-table-max-keys", "1000000"]);
        let mut all: Vec<String> = forgotten.iter().chain(&changed).cloned().collect();
        all.sort();
        got.push((forgotten.len(), total, changed.len(), all));
    }
    assert_eq!(got[0], got[1], "cinnabar vs redis");
    assert_eq!(got[0].0, 1, "one key forgotten: {:?}", got[0]);
    assert_eq!(got[0].3, ["k1", "k2", "k3"], "each key invalidated once");
}

/// Sends PING and returns the key of each `invalidate` push read before
/// its PONG.
fn pushes_until_pong(t: &mut Conn) -> Vec<String> {
    t.send_cmd(&["PING"]);
    let mut keys = Vec::new();
    loop {
        let raw = t.read_reply();
        if raw == b"+PONG\r\n" {
            return keys;
        }
        assert_eq!(raw.first(), Some(&b'>'), "{}", show(&raw));
        let (v, _) = cinnabar::client::parse_reply(&raw).unwrap().unwrap();
        match v {
            Value::Array(items) => match &items[..] {
                [Value::Bulk(kind), Value::Array(ks)] if kind == b"invalidate" => {
                    for k in ks {
                        keys.push(String::from_utf8(k.as_bytes().unwrap().to_vec()).unwrap());
                    }
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }
}

/// Several clients redirecting to one RESP3 connection and to one RESP2
/// subscriber; RESP2 and RESP3 clients tracking the same key; flushes
/// (SYNC and ASYNC), and a key deleted by lazy expiry, as Redis.
#[test]
fn shared_redirects_and_flushes_match_redis() {
    let Some(mut sc) = Scene::new(6) else {
        return;
    };
    sc.steps(&[
        (4, "HELLO 3"),
        (5, "SUBSCRIBE __redis__:invalidate"),
        (0, "CLIENT TRACKING on REDIRECT {4}"),
        (1, "CLIENT TRACKING on REDIRECT {4}"),
        (2, "HELLO 3"),
        (2, "CLIENT TRACKING on"),
        (3, "CLIENT TRACKING on REDIRECT {5}"),
        (0, "GET k"),
        (1, "GET k"),
        (2, "GET k"),
        (3, "GET k"),
        (0, "GET j"),
        (4, "SET k 1"),
        (1, "GET j"),
        (2, "SET j 1"),
        (0, "GET k"),
        (2, "GET k"),
        (3, "GET k"),
        (4, "FLUSHDB ASYNC"),
        (0, "GET k"),
        (3, "GET j"),
        (4, "FLUSHALL SYNC"),
        (2, "GET k"),
        (4, "FLUSHALL ASYNC"),
        (4, "DEBUG SET-ACTIVE-EXPIRE 0"),
        (4, "SET e 1 PX 1"),
        (0, "DEBUG SLEEP 0.01"),
        (0, "GET e"),
        (2, "GET e"),
        (1, "EXISTS e"),
        (4, "DEBUG SET-ACTIVE-EXPIRE 1"),
        (0, "CLIENT TRACKINGINFO"),
        (3, "CLIENT TRACKINGINFO"),
        (3, "CLIENT GETREDIR"),
    ]);
}

/// Invalidations from eviction, inside MULTI with a REDIRECT target,
/// and their order around the reply of a blocked command when it is
/// served, as Redis.
#[test]
fn eviction_exec_and_served_blocks_match_redis() {
    let Some(mut sc) = Scene::new(4) else {
        return;
    };
    sc.steps(&[
        (0, "HELLO 3"),
        (0, "CLIENT TRACKING on"),
        (1, "HELLO 3"),
        (2, "CLIENT TRACKING on REDIRECT {1}"),
        (0, "GET a"),
        (2, "GET a"),
        (0, "GET b"),
        (2, "MULTI"),
        (2, "SET a 1"),
        (2, "GET b"),
        (2, "SET b 1"),
        (2, "EXEC"),
        (0, "GET a"),
        (0, "GET b"),
        (3, "FLUSHALL"),
        (3, "SET big xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        (0, "GET big"),
        (3, "CONFIG SET maxmemory-policy allkeys-random"),
        (3, "CONFIG SET maxmemory 1"),
        (3, "CONFIG SET maxmemory 0"),
        (0, "GET big"),
    ]);
    // A tracking client blocked in BLMOVE that writes a key it read: its
    // reply, then its own invalidation, when another client serves it.
    for s in 0..2 {
        let c = &mut sc.conns[0][s];
        c.cmd(&["GET", "dst"]);
        c.send_cmd(&["BLMOVE", "src", "dst", "LEFT", "LEFT", "0"]);
    }
    for s in 0..2 {
        let w = &mut sc.conns[3][s];
        wait_until(std::time::Duration::from_secs(5), || {
            info_field(w, "blocked_clients") == "1"
        });
    }
    sc.step(3, "RPUSH src x");
}

/// A client that tracks keys and hears every keyspace event: the order
/// of the two messages per command, and the change counter, as Redis
/// (LREM invalidates before its event, XTRIM after; SPOP with a count
/// counts one change per member).
#[test]
fn events_and_invalidations_in_redis_order() {
    let Some(mut sc) = Scene::new(2) else {
        return;
    };
    sc.steps(&[
        (1, "CONFIG SET notify-keyspace-events KEA"),
        (1, "RPUSH l a b a"),
        (1, "RPUSH l2 a a"),
        (1, "SADD s a b c d e"),
        (1, "SADD s2 a b"),
        (1, "XADD x 1-1 f v"),
        (1, "XADD x 1-2 f v"),
        (0, "HELLO 3"),
        (0, "CLIENT TRACKING on"),
    ]);
    // Its confirmation is a push: read it outside the scene.
    for c in &mut sc.conns[0] {
        c.send_cmd(&["PSUBSCRIBE", "__keyspace@0__:*"]);
        assert!(show(&c.read_reply()).contains("psubscribe"));
    }
    sc.steps(&[
        (0, "LLEN l"),
        (0, "LLEN l2"),
        (0, "SCARD s"),
        (0, "SCARD s2"),
        (0, "XLEN x"),
        (1, "LREM l 0 a"),
        (1, "LREM l2 0 a"),
        (1, "XTRIM x MAXLEN 1"),
    ]);
    // Which members a partial SPOP takes is random, and a whole set's
    // are an unordered reply: the replies are not compared, what the
    // tracking client hears is.
    for args in [["SPOP", "s", "2"], ["SPOP", "s2", "5"]] {
        for c in &mut sc.conns[1] {
            c.cmd(&args);
        }
        sc.step(1, "PING");
    }
    let [c, r] = &mut sc.conns[1];
    let field = "rdb_changes_since_last_save";
    assert_eq!(info_field(c, field), info_field(r, field));
}

/// Redis 7.0 tracks, for a script's reads, the keys the script declared
/// (KEYS), not the keys its commands read; a script that reads nothing
/// tracks nothing (EVAL_RO included).
#[test]
fn issue20_scripts_track_their_declared_keys() {
    let Some(mut p) = crate::differential::Pair::new() else {
        return;
    };
    for c in [&mut p.cin, &mut p.red] {
        c.cmd(&["HELLO", "3"]);
        c.cmd(&["CLIENT", "TRACKING", "on"]);
        // Short, so that waiting for an invalidation that never comes is.
        c.s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
    }
    let steps: &[&[&str]] = &[
        &["EVAL", "return redis.call('get','a')", "1", "b"],
        &["SET", "a", "1"],
        &["SET", "b", "1"],
        &["EVAL", "return 1", "1", "c"],
        &["SET", "c", "1"],
        &["EVAL_RO", "return 1", "1", "d"],
        &["SET", "d", "1"],
        &[
            "EVAL",
            "redis.call('set','x','1') return redis.call('get','x')",
            "2",
            "e",
            "f",
        ],
        &["SET", "e", "1"],
        &["SET", "f", "1"],
    ];
    for s in steps {
        let cin = p.cin.cmd(s);
        let red = p.red.cmd(s);
        assert_eq!(show(&cin), show(&red), "{s:?}");
        // An invalidation follows the reply.
        let cin = p.cin.try_read_reply();
        let red = p.red.try_read_reply();
        assert_eq!(cin.as_deref().map(show), red.as_deref().map(show), "{s:?}");
    }
}
