//! Bounded property tests mirroring the `cargo fuzz` targets in `fuzz/`
//! (`aof_loader`, `config_parser`, `acl_rules`), so every `cargo test`
//! checks the same invariants on a few hundred structured inputs. The
//! fuzz targets explore arbitrary bytes for much longer; these run in
//! about a second. See docs/testing.md, "Fuzzing".

use std::io::Read;
use std::path::Path;

use bytes::Bytes;
use proptest::prelude::*;

use crate::acl::file::parse_file;
use crate::acl::{merge_selectors, User};
use crate::aof::load::{scan_reader, LoadError};
use crate::config::{Config, PARAMS};

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------- AOF ---

/// A reader returning at most `size` bytes per call.
struct Pieces<'a> {
    data: &'a [u8],
    size: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Scans `data` read `size` bytes at a time: the result (commands in a
/// clean scan) and every command handed to `exec`.
fn scan(data: &[u8], size: usize) -> (Result<u64, LoadError>, Vec<Vec<Bytes>>) {
    let mut cmds = Vec::new();
    let r = scan_reader(
        Path::new("prop.aof"),
        Pieces { data, size },
        data.len() as u64,
        |argv| {
            cmds.push(argv.to_vec());
            Ok(())
        },
    )
    .map(|s| {
        assert_eq!(s.valid_up_to, data.len() as u64);
        s.commands
    });
    (r, cmds)
}

fn encode(argv: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", argv.len()).into_bytes();
    for a in argv {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The annotation line [`aof_entry`] generates.
const ANNOTATION: &[u8] = b"#TS:1700000000";

/// An AOF entry: a command, an annotation or a MULTI ... EXEC block.
fn aof_entry() -> impl Strategy<Value = Vec<Vec<Vec<u8>>>> {
    let arg = prop_oneof![
        Just(b"SET".to_vec()),
        Just(b"k".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..12),
    ];
    let cmd = proptest::collection::vec(arg, 1..4);
    prop_oneof![
        4 => cmd.clone().prop_map(|c| vec![c]),
        1 => Just(vec![vec![ANNOTATION.to_vec()]]),
        1 => proptest::collection::vec(cmd, 0..3).prop_map(|mut cs| {
            cs.insert(0, vec![b"MULTI".to_vec()]);
            cs.push(vec![b"EXEC".to_vec()]);
            cs
        }),
    ]
}

/// Writes entries as an AOF; annotations are `#...\n` lines.
fn write_aof(entries: &[Vec<Vec<Vec<u8>>>]) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut n = 0;
    for e in entries {
        for c in e {
            // Only the generated annotation: a random command may also
            // start with `#` (found by a 20,000-case run).
            if c.len() == 1 && c[0] == ANNOTATION {
                out.extend_from_slice(&c[0]);
                out.push(b'\n');
            } else {
                out.extend_from_slice(&encode(c));
                n += 1;
            }
        }
    }
    (out, n)
}

proptest! {
    #![proptest_config(cases(300))]

    /// A well-formed AOF loads whole with every command; cut or damaged,
    /// the valid prefix stays in bounds, the result does not depend on
    /// read sizes, and a truncated file's prefix loads cleanly.
    #[test]
    fn aof_scan_invariants(
        entries in proptest::collection::vec(aof_entry(), 0..12),
        cut in any::<prop::sample::Index>(),
        flip in proptest::option::of((any::<prop::sample::Index>(), any::<u8>())),
        size in 1usize..40,
    ) {
        let (mut data, n) = write_aof(&entries);
        let (whole, cmds) = scan(&data, 1 << 20);
        prop_assert_eq!(whole, Ok(n as u64));
        prop_assert_eq!(cmds.len(), n);

        data.truncate(cut.index(data.len() + 1));
        if let Some((at, b)) = flip {
            if !data.is_empty() {
                let i = at.index(data.len());
                data[i] = b;
            }
        }
        let (whole, cmds) = scan(&data, 1 << 20);
        let (pieces, cmds2) = scan(&data, size);
        prop_assert_eq!(&pieces, &whole);
        prop_assert_eq!(cmds2, cmds.clone());
        match whole {
            Ok(_) => {}
            Err(LoadError::Truncated { offset, .. }) => {
                prop_assert!(offset <= data.len() as u64);
                let (prefix, pcmds) = scan(&data[..offset as usize], 1 << 20);
                // Only for a clean cut: a flipped byte can turn EXEC into
                // another command, and then (as in Redis, which also marks
                // every MULTI) the file is cut at the inner MULTI, inside
                // the outer one (found by a 20,000-case run).
                if flip.is_none() {
                    prop_assert!(prefix.is_ok(), "{:?}", prefix);
                }
                prop_assert!(pcmds.len() <= cmds.len());
            }
            Err(LoadError::Corrupt { offset, .. }) => prop_assert!(offset <= data.len() as u64),
            Err(e) => prop_assert!(false, "unexpected {:?}", e),
        }
    }
}

// ------------------------------------------------------------- config ---

/// A config line: a known parameter (or an unknown word) and a value from
/// a small pool that hits valid and invalid values of most parameters.
fn config_line() -> impl Strategy<Value = String> {
    let names: Vec<&'static str> = PARAMS.iter().map(|p| p.name).collect();
    let name = prop_oneof![
        8 => proptest::sample::select(names).prop_map(String::from),
        1 => Just("no-such-param".to_string()),
    ];
    let value = proptest::sample::select(vec![
        "yes",
        "no",
        "0",
        "1",
        "100",
        "-1",
        "1mb",
        "2gb",
        "3600 1",
        "900 1 300 10",
        "\"\"",
        "allkeys-lru",
        "volatile-ttl",
        "noeviction",
        "everysec",
        "always",
        "warning",
        "notice",
        "KEA",
        "normal 0 0 0",
        "pubsub 32mb 8mb 60",
        "\"a b\"",
        "'x'",
        "resetchannels",
        "allchannels",
        "appendonly.aof",
        "dir",
        "secret",
        "\"unbalanced",
        "10 20 30",
        "127.0.0.1 ::1",
    ]);
    prop_oneof![
        8 => (name, value).prop_map(|(n, v)| format!("{n} {v}")),
        1 => Just("# a comment".to_string()),
        1 => Just(String::new()),
    ]
}

proptest! {
    #![proptest_config(cases(300))]

    /// A config that loads rewrites (CONFIG REWRITE) to text that loads to
    /// the same values (CONFIG GET *), and rewriting again is stable.
    #[test]
    fn config_rewrite_round_trip(lines in proptest::collection::vec(config_line(), 0..8)) {
        let text = lines.join("\n");
        let mut c = Config::default();
        if c.load_str(&text).is_ok() {
            let rewritten = c.rewrite_text(&text);
            let mut again = Config::default();
            prop_assert!(again.load_str(&rewritten).is_ok(), "{}", rewritten);
            let all: &[&[u8]] = &[b"*"];
            prop_assert_eq!(again.get_matching(all), c.get_matching(all));
            prop_assert_eq!(again.rewrite_text(&rewritten), rewritten);
        }
    }
}

// ---------------------------------------------------------------- ACL ---

fn acl_rule() -> impl Strategy<Value = String> {
    let simple = proptest::sample::select(vec![
        "on",
        "off",
        "nopass",
        "resetpass",
        ">pw",
        ">other",
        "<pw",
        "reset",
        "+@all",
        "-@all",
        "allcommands",
        "nocommands",
        "+@string",
        "-@string",
        "+@read",
        "-@write",
        "+@dangerous",
        "-@admin",
        "+get",
        "-get",
        "+set",
        "-set",
        "+client",
        "-client|kill",
        "+client|list",
        "+select|0",
        "+config|get",
        "-debug",
        "allkeys",
        "resetkeys",
        "~key*",
        "%R~read*",
        "%W~write*",
        "%RW~both",
        "allchannels",
        "resetchannels",
        "&news.*",
        "&*",
        "clearselectors",
        "sanitize-payload",
        "skip-sanitize-payload",
        "+@nosuchcat",
        "bogus",
        "#0000000000000000000000000000000000000000000000000000000000000000",
    ]);
    prop_oneof![
        6 => simple.prop_map(String::from),
        1 => proptest::collection::vec(
            proptest::sample::select(vec!["+get", "-@all", "+@read", "~sel*", "%W~w*", "&c*", "allkeys"]),
            0..4,
        )
        .prop_map(|r| format!("({})", r.join(" "))),
    ]
}

proptest! {
    #![proptest_config(cases(500))]

    /// Rules applied, described (ACL LIST / ACL SAVE) and read back as an
    /// ACL file line (ACL LOAD) give a user with the same description.
    #[test]
    fn acl_describe_round_trip(
        rules in proptest::collection::vec(acl_rule(), 0..10),
        all_channels in any::<bool>(),
    ) {
        let args: Vec<Bytes> = rules.iter().map(|r| Bytes::from(r.clone())).collect();
        let ops = merge_selectors(&args).unwrap();
        let mut user = User::new(crate::cmd::catalogue(), b"prop", all_channels);
        for op in &ops {
            let _ = user.apply(op, all_channels);
        }
        let line = user.describe();
        let back = parse_file(crate::cmd::catalogue(), &line, "prop.acl", all_channels);
        prop_assert!(back.is_ok(), "{:?}\n{}", back, String::from_utf8_lossy(&line));
        let back = back.unwrap();
        prop_assert_eq!(back.len(), 1);
        prop_assert_eq!(back[0].describe(), line);
        prop_assert_eq!(&back[0].passwords, &user.passwords);
        prop_assert_eq!(back[0].flags(), user.flags());
    }
}
