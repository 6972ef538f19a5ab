//! Error precedence against redis-server 7.0, generated for every command
//! with key arguments: which error comes first when the key holds the
//! wrong type AND an argument is bad. Redis checks some arguments before
//! the key's type (`XTRIM k MAXLEN 15-0` on a list is not WRONGTYPE) and
//! others after; the first error must be the same.
//!
//! Each command's arguments come from redis-server's COMMAND DOCS: a call
//! with the required arguments, and with every optional one, for each
//! choice of its alternatives; every key names one key, of the wrong
//! type or missing (a missing key may answer before the arguments are
//! checked: `XDEL nokey bad-id` is 0). Each of those calls is tried as it is and with one argument at
//! a time (a value or a token) replaced by a bad value.

use std::collections::BTreeSet;

use crate::differential::Pair;
use crate::util::*;

/// One argument of COMMAND DOCS.
#[derive(Debug, Default)]
struct ArgDoc {
    ty: String,
    token: Option<String>,
    optional: bool,
    subs: Vec<ArgDoc>,
}

/// One word of a generated call.
#[derive(Clone, Copy, PartialEq)]
enum Word {
    Key,
    Token,
    Value,
}

/// The fields of a RESP2 flat map (`[k1, v1, k2, v2, ...]`).
fn fields(v: &Value) -> Vec<(String, &Value)> {
    let Value::Array(items) = v else {
        return Vec::new();
    };
    items
        .chunks(2)
        .filter_map(|p| {
            let k = String::from_utf8(p[0].as_bytes()?.to_vec()).ok()?;
            Some((k, p.get(1)?))
        })
        .collect()
}

fn text(v: &Value) -> String {
    String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned()
}

fn arg_doc(v: &Value) -> ArgDoc {
    let mut a = ArgDoc::default();
    for (k, v) in fields(v) {
        match k.as_str() {
            "type" => a.ty = text(v),
            "token" => a.token = Some(text(v)),
            "flags" => {
                if let Value::Array(f) = v {
                    a.optional = f.iter().any(|x| text(x) == "optional");
                }
            }
            "arguments" => {
                if let Value::Array(subs) = v {
                    a.subs = subs.iter().map(arg_doc).collect();
                }
            }
            _ => {}
        }
    }
    a
}

/// Every command and subcommand of COMMAND DOCS with its group and
/// arguments: ("xinfo|stream", "stream", args).
fn docs(c: &mut Conn) -> Vec<(String, String, Vec<ArgDoc>)> {
    // Subcommands are named in full already ("xinfo|stream").
    fn walk(v: &Value, out: &mut Vec<(String, String, Vec<ArgDoc>)>) {
        for (name, doc) in fields(v) {
            let mut group = String::new();
            let mut args = Vec::new();
            for (k, v) in fields(doc) {
                match k.as_str() {
                    "group" => group = text(v),
                    "arguments" => {
                        if let Value::Array(a) = v {
                            args = a.iter().map(arg_doc).collect();
                        }
                    }
                    "subcommands" => walk(v, out),
                    _ => {}
                }
            }
            out.push((name, group, args));
        }
    }
    let mut out = Vec::new();
    walk(&c.value(&["COMMAND", "DOCS"]), &mut out);
    out
}

/// The words of `a`: optional arguments only when `full`, alternative
/// number `choice` (modulo their count) of each one-of.
fn expand(a: &ArgDoc, full: bool, choice: usize, out: &mut Vec<(String, Word)>) {
    if a.optional && !full {
        return;
    }
    if a.ty != "pure-token" {
        if let Some(t) = &a.token {
            out.push((t.clone(), Word::Token));
        }
    }
    match a.ty.as_str() {
        "key" => out.push(("wt".into(), Word::Key)),
        "pure-token" => out.push((a.token.clone().unwrap_or_default(), Word::Token)),
        "oneof" => {
            if let Some(s) = a.subs.get(choice % a.subs.len().max(1)) {
                expand(s, full, choice, out);
            }
        }
        "block" => a.subs.iter().for_each(|s| expand(s, full, choice, out)),
        _ => out.push(("1".into(), Word::Value)),
    }
}

/// What replaces a value or a token: not a number, negative, zero, not
/// an integer, out of range, NaN, a stray word.
const BAD: &[&str] = &[
    "15-0",
    "-5",
    "0",
    "1.5",
    "99999999999999999999",
    "nan",
    "bogus",
];

/// Commands not probed: they stop the server or change it beyond keys.
const SKIP: &[&str] = &["debug", "shutdown", "monitor"];

/// What a key holds before a call: nothing, or a small value of a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Holds {
    Nothing,
    String,
    List,
    Set,
    Zset,
    Hash,
    Stream,
}

impl Holds {
    /// The type a command of `group` works on, if it has one.
    fn of_group(group: &str) -> Option<Holds> {
        Some(match group {
            "string" => Holds::String,
            "list" => Holds::List,
            "set" => Holds::Set,
            "sorted_set" => Holds::Zset,
            "hash" => Holds::Hash,
            "stream" => Holds::Stream,
            _ => return None,
        })
    }

    /// Makes `key` hold this.
    fn make(self, c: &mut Conn, key: &str) {
        c.cmd(&["DEL", key]);
        let cmd: &[&str] = match self {
            Holds::Nothing => return,
            Holds::String => &["SET", key, "v"],
            Holds::List => &["RPUSH", key, "a", "b"],
            Holds::Set => &["SADD", key, "a", "b"],
            Holds::Zset => &["ZADD", key, "1", "a", "2", "b"],
            Holds::Hash => &["HSET", key, "a", "1", "b", "2"],
            Holds::Stream => &["XADD", key, "5-0", "a", "1"],
        };
        c.cmd(cmd);
    }
}

/// Issue 19: for every command with key arguments, the first error with
/// keys of the wrong type, of the right one, or missing, and a bad
/// argument is Redis's.
#[test]
fn issue19_first_error_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    let ours: BTreeSet<String> = bulks(p.cin.value(&["COMMAND", "LIST"]))
        .into_iter()
        .map(|n| String::from_utf8(n).unwrap())
        .collect();
    let blocking = blocking_commands(&mut p.red);
    let mut calls = BTreeSet::new();
    for (name, group, args) in docs(&mut p.red) {
        let top = name.split('|').next().unwrap();
        if !ours.contains(top) || SKIP.contains(&top) || !has_key(&args) {
            continue;
        }
        // What the first key and the others hold: the wrong type (another
        // than the group's), nothing, the right type, in combinations.
        // A command that would block on a missing first key (XREAD's
        // BLOCK 1 is 1 ms) is not tried without one.
        let right = Holds::of_group(&group);
        let wrong = if right == Some(Holds::List) {
            Holds::String
        } else {
            Holds::List
        };
        let mut setups = vec![(wrong, wrong), (wrong, Holds::Nothing)];
        if !blocking.contains(top) || top.starts_with('x') {
            setups.extend([(Holds::Nothing, Holds::Nothing), (Holds::Nothing, wrong)]);
        }
        if let Some(r) = right {
            setups.extend([(r, wrong), (r, r), (r, Holds::Nothing), (wrong, r)]);
            if !blocking.contains(top) || top.starts_with('x') {
                setups.push((Holds::Nothing, r));
            }
        }
        for full in [false, true] {
            for choice in 0..4 {
                let mut words: Vec<(String, Word)> = name
                    .split('|')
                    .map(|w| (w.to_string(), Word::Token))
                    .collect();
                let fixed = words.len();
                args.iter()
                    .for_each(|a| expand(a, full, choice, &mut words));
                // The first key is `wt`, the others `wu`.
                let keys = words.iter_mut().filter(|w| w.1 == Word::Key).skip(1);
                keys.for_each(|w| w.0 = "wu".into());
                let plain: Vec<String> = words.iter().map(|x| x.0.clone()).collect();
                let mut variants = vec![plain.clone()];
                for i in fixed..words.len() {
                    if words[i].1 == Word::Key {
                        continue;
                    }
                    for bad in BAD {
                        // BLOCK 0 or a timeout of 0 may wait for ever.
                        if *bad == "0" && blocking.contains(top) {
                            continue;
                        }
                        let mut w = plain.clone();
                        w[i] = bad.to_string();
                        variants.push(w);
                    }
                }
                for setup in &setups {
                    calls.extend(variants.iter().map(|w| (*setup, w.clone())));
                }
            }
        }
    }
    let mut mismatches = Vec::new();
    let mut errors = 0;
    let mut fresh = None;
    for (setup, call) in &calls {
        if fresh != Some(*setup) {
            for c in [&mut p.cin, &mut p.red] {
                setup.0.make(c, "wt");
                setup.1.make(c, "wu");
            }
        }
        let args: Vec<&str> = call.iter().map(String::as_str).collect();
        let cin = p.cin.cmd(&args);
        let red = p.red.cmd(&args);
        let failed = (cin.first() == Some(&b'-'), red.first() == Some(&b'-'));
        // Refused calls change nothing; the others may have.
        fresh = (failed == (true, true)).then_some(*setup);
        if failed != (false, false) {
            errors += 1;
            if cin != red {
                mismatches.push(format!(
                    "{} ({:?}, {:?})\n   cinnabar: {}\n      redis: {}",
                    call.join(" "),
                    setup.0,
                    setup.1,
                    show(&cin),
                    show(&red)
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} calls ({errors} refused) answer another first error:\n{}",
        mismatches.len(),
        calls.len(),
        mismatches.join("\n")
    );
    assert!(errors > 20000, "only {errors} refused calls");
}

fn has_key(args: &[ArgDoc]) -> bool {
    args.iter().any(|a| a.ty == "key" || has_key(&a.subs))
}

/// The commands COMMAND flags `blocking`.
fn blocking_commands(c: &mut Conn) -> BTreeSet<String> {
    let Value::Array(cmds) = c.value(&["COMMAND"]) else {
        panic!("COMMAND is not an array");
    };
    let flagged =
        |f: &Value| matches!(f, Value::Array(fl) if fl.iter().any(|x| text(x) == "blocking"));
    cmds.iter()
        .filter_map(|cmd| match cmd {
            Value::Array(f) if flagged(&f[2]) => Some(text(&f[0])),
            _ => None,
        })
        .collect()
}
