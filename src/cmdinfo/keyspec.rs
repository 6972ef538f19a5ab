//! Key specifications and finding the keys of a command line, as COMMAND
//! GETKEYS and GETKEYSANDFLAGS report them.
//!
//! Redis 7 describes where each command's keys are with key specs (a
//! begin-search step and a find-keys step, plus flags saying how the key is
//! used). They come from the generated data file ([`super::docs`]). Where
//! the specs cannot answer (an `unknown` step, `incomplete` or
//! `variable_flags` specs, or a key count that does not parse), Redis falls
//! back to a per-command function; [`proc_for`] has ours, which reproduce
//! what Redis's do, quirks included (they read counts with C's `atoi` and
//! report no flags).

use bytes::Bytes;

use super::docs::Node;
use crate::util::parse_i64;

/// Key flags, as Redis documents them for key specs.
pub mod flags {
    /// Read-only access to the key's value.
    pub const RO: u32 = 1 << 0;
    /// Read and write.
    pub const RW: u32 = 1 << 1;
    /// Overwrite: the value is replaced, not read.
    pub const OW: u32 = 1 << 2;
    /// Remove: the key is deleted, its value not read.
    pub const RM: u32 = 1 << 3;
    /// The user's data is returned or copied out.
    pub const ACCESS: u32 = 1 << 4;
    /// Data is updated.
    pub const UPDATE: u32 = 1 << 5;
    /// Data is only added.
    pub const INSERT: u32 = 1 << 6;
    /// Data is deleted.
    pub const DELETE: u32 = 1 << 7;
    /// Not a key (Pub/Sub shard channels): skipped by GETKEYS.
    pub const NOT_KEY: u32 = 1 << 8;
    /// The spec may miss keys.
    pub const INCOMPLETE: u32 = 1 << 9;
    /// The flags depend on the arguments.
    pub const VARIABLE_FLAGS: u32 = 1 << 10;

    /// Flag names in Redis's reply order.
    pub const NAMES: &[(u32, &str)] = &[
        (RO, "RO"),
        (RW, "RW"),
        (OW, "OW"),
        (RM, "RM"),
        (ACCESS, "access"),
        (UPDATE, "update"),
        (INSERT, "insert"),
        (DELETE, "delete"),
        (NOT_KEY, "not_key"),
        (INCOMPLETE, "incomplete"),
        (VARIABLE_FLAGS, "variable_flags"),
    ];
}

use flags::*;

/// Where the search for a spec's keys starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// At a fixed argument index.
    Index(i64),
    /// After `keyword`, searched from `startfrom` (backwards from the end
    /// when negative).
    Keyword {
        /// The keyword, matched ignoring case.
        keyword: String,
        /// Where the search starts.
        startfrom: i64,
    },
    /// Only the command's own key function knows.
    Unknown,
}

/// How many keys follow the begin-search position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Find {
    /// Up to `lastkey` (relative to the start; negative counts from the
    /// end), every `keystep`; a `limit` above 1 takes that fraction of the
    /// remaining arguments.
    Range {
        /// Last key, relative.
        lastkey: i64,
        /// Step between keys.
        keystep: i64,
        /// Divisor of the remaining arguments (0: none).
        limit: i64,
    },
    /// The argument at `keynumidx` holds the number of keys, which start
    /// at `firstkey`, every `keystep`.
    Keynum {
        /// Where the count is, relative.
        keynumidx: i64,
        /// Where the keys start, relative.
        firstkey: i64,
        /// Step between keys.
        keystep: i64,
    },
    /// Only the command's own key function knows.
    Unknown,
}

/// One key specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    /// Bitwise OR of [`flags`] constants.
    pub flags: u32,
    /// Where the search starts.
    pub begin: Begin,
    /// Which arguments are keys from there.
    pub find: Find,
}

/// One key found in a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRef {
    /// Its index in the command line (0 is the command name).
    pub pos: usize,
    /// How the command uses it ([`flags`]).
    pub flags: u32,
}

impl KeySpec {
    /// Reads a spec from its COMMAND INFO form.
    pub fn parse(n: &Node) -> Result<KeySpec, String> {
        let mut fl = 0;
        for f in n.get("flags").map_or(&[][..], Node::items) {
            let name = f.str().unwrap_or_default();
            let bit = NAMES
                .iter()
                .find(|(_, s)| *s == name)
                .ok_or_else(|| format!("unknown key flag {name:?}"))?;
            fl |= bit.0;
        }
        let step = |key: &str| -> Result<(&str, &Node), String> {
            let s = n.get(key).ok_or_else(|| format!("no {key}"))?;
            let ty = s.get("type").and_then(Node::str).unwrap_or_default();
            Ok((ty, s.get("spec").ok_or_else(|| format!("{key}: no spec"))?))
        };
        let int = |spec: &Node, key: &str| {
            spec.get(key)
                .and_then(Node::int)
                .ok_or_else(|| format!("no {key}"))
        };
        let begin = match step("begin_search")? {
            ("index", s) => Begin::Index(int(s, "index")?),
            ("keyword", s) => Begin::Keyword {
                keyword: s
                    .get("keyword")
                    .and_then(Node::str)
                    .ok_or("no keyword")?
                    .to_string(),
                startfrom: int(s, "startfrom")?,
            },
            ("unknown", _) => Begin::Unknown,
            (other, _) => return Err(format!("unknown begin_search type {other:?}")),
        };
        let find = match step("find_keys")? {
            ("range", s) => Find::Range {
                lastkey: int(s, "lastkey")?,
                keystep: int(s, "keystep")?,
                limit: int(s, "limit")?,
            },
            ("keynum", s) => Find::Keynum {
                keynumidx: int(s, "keynumidx")?,
                firstkey: int(s, "firstkey")?,
                keystep: int(s, "keystep")?,
            },
            ("unknown", _) => Find::Unknown,
            (other, _) => return Err(format!("unknown find_keys type {other:?}")),
        };
        Ok(KeySpec {
            flags: fl,
            begin,
            find,
        })
    }
}

/// Whether a command takes keys at all: it has a key function or a spec
/// for something that is a key (Redis's `doesCommandHaveKeys`).
pub fn has_keys(name: &str, specs: &[KeySpec]) -> bool {
    proc_for(name).is_some() || specs.iter().any(|s| s.flags & NOT_KEY == 0)
}

/// The keys of command line `argv` (command name first) of the command
/// with full name `name`: from the specs when they are complete and their
/// flags fixed, else (or when they fail) from the command's key function.
/// Empty when the arguments make no sense.
pub fn get_keys(name: &str, specs: &[KeySpec], argv: &[Bytes]) -> Vec<KeyRef> {
    let has_spec = specs.iter().any(|s| s.flags & NOT_KEY == 0);
    let variable = specs.iter().any(|s| s.flags & VARIABLE_FLAGS != 0);
    if has_spec && !variable {
        if let Some(keys) = from_specs(specs, argv) {
            return keys;
        }
    }
    proc_for(name).map_or_else(Vec::new, |f| f(argv))
}

/// The keys the specs give, or `None` when a spec cannot be applied to
/// these arguments (Redis then tries the command's key function).
fn from_specs(specs: &[KeySpec], argv: &[Bytes]) -> Option<Vec<KeyRef>> {
    let argc = argv.len() as i64;
    let mut keys = Vec::new();
    for spec in specs {
        if spec.flags & NOT_KEY != 0 {
            continue;
        }
        if spec.flags & INCOMPLETE != 0 {
            return None;
        }
        let start = match &spec.begin {
            Begin::Index(i) => *i,
            Begin::Keyword { keyword, startfrom } => {
                match find_keyword(argv, keyword, *startfrom) {
                    Some(i) => i + 1,
                    None => continue,
                }
            }
            Begin::Unknown => return None,
        };
        let (first, last, step) = match spec.find {
            Find::Range {
                lastkey,
                keystep,
                limit,
            } => {
                let last = if lastkey >= 0 {
                    start + lastkey
                } else if limit <= 1 {
                    argc + lastkey
                } else {
                    start + ((argc - start) / limit + lastkey)
                };
                (start, last, keystep)
            }
            Find::Keynum {
                keynumidx,
                firstkey,
                keystep,
            } => {
                let count = argv.get(usize::try_from(start + keynumidx).ok()?)?;
                let n = parse_i64(count).filter(|n| *n >= 0)?;
                let first = start + firstkey;
                // Redis keeps the count in a C int.
                (first, first + i64::from(n as i32) - 1, keystep)
            }
            Find::Unknown => return None,
        };
        if last < first {
            return None;
        }
        let mut i = first;
        while i <= last {
            if i >= argc {
                return None;
            }
            keys.push(KeyRef {
                pos: i as usize,
                flags: spec.flags,
            });
            i += step.max(1);
        }
    }
    Some(keys)
}

/// The index of `keyword` searching from `startfrom` towards the end (or,
/// when negative, from that far from the end towards the start), never
/// looking at the command name nor at the far end itself, as Redis does.
fn find_keyword(argv: &[Bytes], keyword: &str, startfrom: i64) -> Option<i64> {
    let argc = argv.len() as i64;
    let (start, end) = if startfrom > 0 {
        (startfrom, argc - 1)
    } else {
        (argc + startfrom, 0)
    };
    let dir = if start <= end { 1 } else { -1 };
    let mut i = start;
    while i != end && i >= 1 && i < argc {
        if argv[i as usize].eq_ignore_ascii_case(keyword.as_bytes()) {
            return Some(i);
        }
        i += dir;
    }
    None
}

/// A command's own key function.
type KeysFn = fn(&[Bytes]) -> Vec<KeyRef>;

/// The key function of the command with full name `name`, for commands
/// whose key specs cannot always answer (movable keys, variable flags).
pub fn proc_for(name: &str) -> Option<KeysFn> {
    Some(match name {
        "zunionstore" | "zinterstore" | "zdiffstore" => |a| numkeys_keys(a, 2, 3, Some(1)),
        "zunion" | "zinter" | "zdiff" | "zintercard" | "sintercard" | "lmpop" | "zmpop" => {
            |a| numkeys_keys(a, 1, 2, None)
        }
        "blmpop" | "bzmpop" => |a| numkeys_keys(a, 2, 3, None),
        "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro" => {
            |a| numkeys_keys(a, 2, 3, None)
        }
        "sort" => |a| sort_keys(a, true),
        "sort_ro" => |a| sort_keys(a, false),
        "set" => set_keys,
        "xread" | "xreadgroup" => xread_keys,
        _ => return None,
    })
}

/// C's `atoi` as glibc has it: leading whitespace, a sign, digits up to
/// the first non-digit; the `long` result saturates and is then truncated
/// to an `int`.
fn atoi(b: &[u8]) -> i32 {
    let (i, neg) = crate::util::c_sign_prefix(b);
    let mut mag: u128 = 0;
    for &c in b[i..].iter().take_while(|c| c.is_ascii_digit()) {
        mag = (mag * 10 + u128::from(c - b'0')).min(1 << 64);
    }
    let long = if neg {
        i64::try_from(-(mag as i128)).unwrap_or(i64::MIN)
    } else {
        i64::try_from(mag).unwrap_or(i64::MAX)
    };
    long as i32
}

/// Keys after a key count read with `atoi` at `count_at`, starting at
/// `first_at`, then the destination at `store_at` (no flags, as Redis).
fn numkeys_keys(
    argv: &[Bytes],
    count_at: usize,
    first_at: usize,
    store_at: Option<usize>,
) -> Vec<KeyRef> {
    let n = argv.get(count_at).map_or(0, |a| atoi(a));
    if n < 1 || n as usize > argv.len().saturating_sub(first_at) {
        return Vec::new();
    }
    let key = |pos| KeyRef { pos, flags: 0 };
    let mut keys: Vec<KeyRef> = (first_at..first_at + n as usize).map(key).collect();
    keys.extend(store_at.map(key));
    keys
}

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [STORE dst]:
/// the sorted key, and the last STORE destination when `store` is allowed.
/// Arguments of BY, GET and LIMIT are skipped; STORE's is not.
fn sort_keys(argv: &[Bytes], store: bool) -> Vec<KeyRef> {
    let mut keys = vec![KeyRef {
        pos: 1,
        flags: RO | ACCESS,
    }];
    if !store {
        return keys;
    }
    let mut dst = None;
    let mut i = 2;
    while i < argv.len() {
        let a = &argv[i];
        if a.eq_ignore_ascii_case(b"limit") {
            i += 2;
        } else if a.eq_ignore_ascii_case(b"get") || a.eq_ignore_ascii_case(b"by") {
            i += 1;
        } else if a.eq_ignore_ascii_case(b"store") && i + 1 < argv.len() {
            dst = Some(i + 1);
        }
        i += 1;
    }
    keys.extend(dst.map(|pos| KeyRef {
        pos,
        flags: OW | UPDATE,
    }));
    keys
}

/// SET key value [... GET ...]: with GET the old value is read.
/// XREAD and XREADGROUP (Redis's `xreadGetKeys`): skips the options up
/// to the first STREAMS, then the first half of what follows.
fn xread_keys(argv: &[Bytes]) -> Vec<KeyRef> {
    let mut i = 1;
    let mut streams = None;
    while i < argv.len() {
        let a = &argv[i];
        if a.eq_ignore_ascii_case(b"block") || a.eq_ignore_ascii_case(b"count") {
            i += 1;
        } else if a.eq_ignore_ascii_case(b"group") {
            i += 2;
        } else if a.eq_ignore_ascii_case(b"streams") {
            streams = Some(i);
            break;
        } else if !a.eq_ignore_ascii_case(b"noack") {
            break;
        }
        i += 1;
    }
    let Some(at) = streams else {
        return Vec::new();
    };
    let num = argv.len() - at - 1;
    if num == 0 || !num.is_multiple_of(2) {
        return Vec::new();
    }
    (at + 1..at + 1 + num / 2)
        .map(|pos| KeyRef { pos, flags: 0 })
        .collect()
}

fn set_keys(argv: &[Bytes]) -> Vec<KeyRef> {
    let get = argv.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"));
    vec![KeyRef {
        pos: 1,
        flags: if get {
            RW | ACCESS | UPDATE
        } else {
            OW | UPDATE
        },
    }]
}

#[cfg(test)]
mod tests {
    use super::super::docs;
    use super::*;

    fn argv(line: &str) -> Vec<Bytes> {
        line.split(' ')
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect()
    }

    fn keys(name: &str, specs: &[KeySpec], line: &str) -> Vec<String> {
        let a = argv(line);
        get_keys(name, specs, &a)
            .iter()
            .map(|k| String::from_utf8_lossy(&a[k.pos]).into_owned())
            .collect()
    }

    /// The data file lists flags in the order GETKEYSANDFLAGS prints them.
    #[test]
    fn flag_names_follow_redis_order() {
        for (name, m) in docs::all() {
            for spec in m.key_specs_reply.items() {
                let listed: Vec<&str> = spec
                    .get("flags")
                    .unwrap()
                    .items()
                    .iter()
                    .filter_map(Node::str)
                    .collect();
                let ours: Vec<&str> = NAMES
                    .iter()
                    .filter(|(_, n)| listed.contains(n))
                    .map(|(_, n)| *n)
                    .collect();
                assert_eq!(listed, ours, "{name}");
            }
        }
    }

    /// Keyword specs (no command in the table uses one yet), checked
    /// against what redis-server 7.0 answers for XREAD and GEORADIUS.
    #[test]
    fn keyword_specs_match_redis() {
        let streams = |startfrom| KeySpec {
            flags: RO | ACCESS,
            begin: Begin::Keyword {
                keyword: "STREAMS".into(),
                startfrom,
            },
            find: Find::Range {
                lastkey: -1,
                keystep: 1,
                limit: 2,
            },
        };
        let xread = [streams(1)];
        assert_eq!(
            keys("xread", &xread, "xread count 1 streams a b 0 0"),
            ["a", "b"]
        );
        assert_eq!(keys("xread", &xread, "xread streams a b c 0 0"), ["a", "b"]);
        assert_eq!(
            keys("xread", &xread, "xread streams streams a 0 0"),
            ["streams", "a"]
        );
        assert_eq!(
            keys("xread", &xread, "xread count streams 1 streams a 0"),
            ["1", "streams"]
        );
        assert!(keys("xread", &xread, "xread count 1 streams").is_empty());
        assert!(keys("xread", &xread, "xread count 1 streams a").is_empty());
        let store = |kw: &str| KeySpec {
            flags: OW | UPDATE,
            begin: Begin::Keyword {
                keyword: kw.into(),
                startfrom: 6,
            },
            find: Find::Range {
                lastkey: 0,
                keystep: 1,
                limit: 0,
            },
        };
        let georadius = [
            KeySpec {
                flags: RO | ACCESS,
                begin: Begin::Index(1),
                find: Find::Range {
                    lastkey: 0,
                    keystep: 1,
                    limit: 0,
                },
            },
            store("STORE"),
            store("STOREDIST"),
        ];
        let line = "georadius src 1 2 3 km store dst storedist dst2";
        assert_eq!(keys("georadius", &georadius, line), ["src", "dst", "dst2"]);
        let line = "georadius src 1 2 3 km storedist dst";
        assert_eq!(keys("georadius", &georadius, line), ["src", "dst"]);
        assert_eq!(
            keys("georadius", &georadius, "georadius src 1 2 3 km"),
            ["src"]
        );
    }

    #[test]
    fn atoi_is_glibcs() {
        for (s, n) in [
            ("12", 12),
            ("  +2x", 2),
            ("-0", 0),
            ("1x", 1),
            ("", 0),
            ("x1", 0),
            ("4294967297", 1),
            ("-4294967295", 1),
            ("99999999999999999999999", -1),
            ("-99999999999999999999999", 0),
        ] {
            assert_eq!(atoi(s.as_bytes()), n, "{s:?}");
        }
    }
}
