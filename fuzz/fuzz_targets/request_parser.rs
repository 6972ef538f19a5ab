//! Fuzzes the RESP request parser (`RequestParser::next_command`) and the
//! inline-command splitter (`split_args`).
//!
//! Invariants checked, for arbitrary input bytes:
//! - nothing panics;
//! - every command returned is non-empty and every multibulk argument is at
//!   most `max_bulk` bytes;
//! - feeding the input in one piece and in two reads (split at an offset
//!   derived from the data) gives the same commands, the same error (or none),
//!   the same unconsumed bytes and the same pending-bulk state;
//! - `split_args` output, re-quoted with `"\xHH"` escapes, splits back to
//!   the same arguments.
#![no_main]

use bytes::BytesMut;
use cinnabar::resp::parse::{split_args, INLINE_MAX};
use cinnabar::resp::{ProtoError, RequestParser};
use libfuzzer_sys::fuzz_target;

/// Small, so `$<len>` headers near the limit are reachable.
const MAX_BULK: i64 = 1024 * 1024;

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    cmds: Vec<Vec<Vec<u8>>>,
    err: Option<ProtoError>,
    /// Unconsumed bytes, when parsing stopped at `Ok(None)`.
    rest: Option<Vec<u8>>,
    pending_bulk: Option<usize>,
}

/// Calls `next_command` until `Ok(None)` or `Err`, appending commands.
/// Returns `Some(err)` on error, `None` when more input is needed.
fn drain(
    p: &mut RequestParser,
    buf: &mut BytesMut,
    cmds: &mut Vec<Vec<Vec<u8>>>,
) -> Option<ProtoError> {
    // Every `Ok(Some)` consumes at least one byte, so this terminates; the
    // bound guards against a parser that stops making progress.
    let mut guard = buf.len() + 2;
    loop {
        let before = buf.len();
        match p.next_command(buf, MAX_BULK) {
            Ok(Some(argv)) => {
                assert!(!argv.is_empty(), "empty command returned");
                assert!(
                    buf.len() < before,
                    "command returned without consuming input"
                );
                cmds.push(argv.iter().map(|a| a.to_vec()).collect());
            }
            Ok(None) => return None,
            Err(e) => {
                let _ = e.message();
                return Some(e);
            }
        }
        guard -= 1;
        assert!(guard > 0, "next_command does not make progress");
    }
}

fn run(chunks: &[&[u8]]) -> Outcome {
    let mut p = RequestParser::new();
    let mut buf = BytesMut::new();
    let mut cmds = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        if let Some(err) = drain(&mut p, &mut buf, &mut cmds) {
            return Outcome {
                cmds,
                err: Some(err),
                rest: None,
                pending_bulk: None,
            };
        }
    }
    Outcome {
        cmds,
        err: None,
        rest: Some(buf.to_vec()),
        pending_bulk: pending_bulk(&p),
    }
}

/// `RequestParser::pending_bulk`, compared between the two parses.
fn pending_bulk(p: &RequestParser) -> Option<usize> {
    p.pending_bulk()
}

fn check_split_args(line: &[u8]) {
    let Some(args) = split_args(line) else { return };
    // Re-quote every argument as "\xHH..." and split again.
    let mut quoted = Vec::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            quoted.push(b' ');
        }
        quoted.push(b'"');
        for &b in a {
            quoted.extend_from_slice(format!("\\x{b:02x}").as_bytes());
        }
        quoted.push(b'"');
    }
    assert_eq!(
        split_args(&quoted).as_ref(),
        Some(&args),
        "re-quoted split_args differs"
    );
}

fuzz_target!(|data: &[u8]| {
    // Split offset from the first two bytes; the rest is the input.
    let (cut, input) = match data {
        [a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        _ => (0, data),
    };

    check_split_args(input);
    if let Some(line) = input.split(|&b| b == b'\n').next() {
        check_split_args(line);
    }

    let whole = run(&[input]);
    for cmd in &whole.cmds {
        for arg in cmd {
            // Inline arguments are bounded by INLINE_MAX, bulk ones by MAX_BULK.
            assert!(arg.len() as i64 <= MAX_BULK.max(INLINE_MAX as i64));
        }
    }

    let cut = if input.is_empty() {
        0
    } else {
        cut % (input.len() + 1)
    };
    let split = run(&[&input[..cut], &input[cut..]]);
    // The "too big" errors depend on how much unterminated data is buffered
    // at once (as in Redis), so two reads may legitimately differ from one
    // once the input exceeds INLINE_MAX.
    if input.len() <= INLINE_MAX {
        assert_eq!(split, whole, "one read vs two reads split at {cut}");
    }
});
