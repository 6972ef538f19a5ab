//! Parsing stream ids and XADD/XTRIM's trimming options, with Redis's
//! exact errors (`streamGenericParseIDOrReply`,
//! `streamParseAddOrTrimArgsOrReply`).

use super::super::args::is;
use super::super::CmdError;
use crate::db::stream::{StreamId, Trim};
use crate::util::{c_sign_prefix, parse_i64};

/// `ERR Invalid stream ID specified as stream command argument`
pub const INVALID_ID: CmdError =
    CmdError::Msg("ERR Invalid stream ID specified as stream command argument");

/// Redis's `string2ull`: a canonical signed integer that is not negative,
/// or else whatever C's `strtoull` accepts whole (leading blanks, a sign,
/// digits), without overflow.
fn parse_u64(s: &[u8]) -> Option<u64> {
    if let Some(n) = parse_i64(s) {
        return (n >= 0).then_some(n as u64);
    }
    let (i, neg) = c_sign_prefix(s);
    let digits = &s[i..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// A parsed id: the id, and whether the sequence was given (`ms-*` and
/// `ms` leave it out).
#[derive(Debug, Clone, Copy)]
pub struct ParsedId {
    /// The id (sequence `missing_seq` when not given).
    pub id: StreamId,
    /// Whether the sequence part was explicit.
    pub seq_given: bool,
    /// `ms-*`: the sequence is to be generated.
    pub auto_seq: bool,
}

/// Parses `ms[-seq]`, `-` and `+` (unless `strict`), and `ms-*` when
/// `allow_auto_seq`. A missing sequence is `missing_seq`.
pub fn parse_id_full(
    arg: &[u8],
    strict: bool,
    missing_seq: u64,
    allow_auto_seq: bool,
) -> Result<ParsedId, CmdError> {
    if arg.len() > 127 {
        return Err(INVALID_ID);
    }
    let whole = |id| ParsedId {
        id,
        seq_given: true,
        auto_seq: false,
    };
    if !strict && arg == b"-" {
        return Ok(whole(StreamId::MIN));
    }
    if !strict && arg == b"+" {
        return Ok(whole(StreamId::MAX));
    }
    match arg.iter().position(|&c| c == b'-') {
        None => {
            let ms = parse_u64(arg).ok_or(INVALID_ID)?;
            Ok(ParsedId {
                id: StreamId::new(ms, missing_seq),
                seq_given: false,
                auto_seq: false,
            })
        }
        Some(p) => {
            let ms = parse_u64(&arg[..p]).ok_or(INVALID_ID)?;
            let seq = &arg[p + 1..];
            if allow_auto_seq && seq == b"*" {
                return Ok(ParsedId {
                    id: StreamId::new(ms, 0),
                    seq_given: false,
                    auto_seq: true,
                });
            }
            let seq = parse_u64(seq).ok_or(INVALID_ID)?;
            Ok(whole(StreamId::new(ms, seq)))
        }
    }
}

/// Parses an id that may be `-` or `+`.
pub fn parse_id(arg: &[u8], missing_seq: u64) -> Result<StreamId, CmdError> {
    Ok(parse_id_full(arg, false, missing_seq, false)?.id)
}

/// Parses an id that may not be `-` or `+`.
pub fn parse_strict(arg: &[u8], missing_seq: u64) -> Result<StreamId, CmdError> {
    Ok(parse_id_full(arg, true, missing_seq, false)?.id)
}

/// Parses an XRANGE bound: `(` makes it exclusive. `start` bounds default
/// a missing sequence to 0, end bounds to the maximum.
pub fn parse_bound(arg: &[u8], start: bool) -> Result<StreamId, CmdError> {
    let missing = if start { 0 } else { u64::MAX };
    if arg.len() > 1 && arg[0] == b'(' {
        let id = parse_strict(&arg[1..], missing)?;
        let moved = if start { id.incr() } else { id.decr() };
        return moved.ok_or(CmdError::Msg(if start {
            "ERR invalid start ID for the interval"
        } else {
            "ERR invalid end ID for the interval"
        }));
    }
    parse_id(arg, missing)
}

/// XADD and XTRIM options.
#[derive(Debug, Clone, Copy, Default)]
pub struct AddArgs {
    /// The trimming strategy, if any.
    pub trim: Option<Trim>,
    /// `~` was given.
    pub approx: bool,
    /// Entries trimming may remove (0: no limit).
    pub limit: u64,
    /// NOMKSTREAM (XADD).
    pub nomkstream: bool,
    /// The explicit id (XADD), if given.
    pub id: Option<ParsedId>,
    /// Index into the options of the id argument (XADD), or where they end.
    pub next: usize,
}

/// Parses XADD's options up to and including the id (`xadd`), or XTRIM's
/// options. `node_entries` sets the default LIMIT of `~` trimming. While
/// loading the AOF (`loading`), LIMIT is ignored, as Redis does for what
/// it replays: Redis logs `~` trims as `= <reached>` keeping their LIMIT.
pub fn parse_add_args(
    opts: &[bytes::Bytes],
    xadd: bool,
    node_entries: usize,
    loading: bool,
) -> Result<AddArgs, CmdError> {
    let mut a = AddArgs::default();
    let mut limit_given = false;
    let mut i = 0;
    const BOTH: CmdError = CmdError::Msg(
        "ERR syntax error, MAXLEN and MINID options at the same time are not compatible",
    );
    while i < opts.len() {
        let more = opts.len() - 1 - i;
        let opt = &opts[i][..];
        if xadd && opt == b"*" {
            break;
        } else if (is(opt, "maxlen") || is(opt, "minid")) && more > 0 {
            if a.trim.is_some() {
                return Err(BOTH);
            }
            a.approx = false;
            let next = &opts[i + 1][..];
            if more >= 2 && next == b"~" {
                a.approx = true;
                i += 1;
            } else if more >= 2 && next == b"=" {
                i += 1;
            }
            let v = &opts[i + 1][..];
            a.trim = Some(if is(opt, "maxlen") {
                let n = parse_i64(v).ok_or(CmdError::NotInteger)?;
                if n < 0 {
                    return Err(CmdError::Msg("ERR The MAXLEN argument must be >= 0."));
                }
                Trim::MaxLen(n as u64)
            } else {
                Trim::MinId(parse_strict(v, 0)?)
            });
            i += 1;
        } else if is(opt, "limit") && more > 0 {
            let n = parse_i64(&opts[i + 1]).ok_or(CmdError::NotInteger)?;
            if n < 0 {
                return Err(CmdError::Msg("ERR The LIMIT argument must be >= 0."));
            }
            a.limit = n as u64;
            limit_given = true;
            i += 1;
        } else if xadd && is(opt, "nomkstream") {
            a.nomkstream = true;
        } else if xadd {
            a.id = Some(parse_id_full(opt, true, 0, true)?);
            break;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    a.next = i;
    if a.limit > 0 && a.trim.is_none() {
        return Err(CmdError::Msg(
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && a.trim.is_none() {
        return Err(CmdError::Msg(
            "ERR syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    if loading {
        a.limit = 0;
    } else if !limit_given {
        a.limit = if a.approx {
            (100 * node_entries as u64).clamp(1, 1_000_000)
        } else {
            0
        };
        if a.approx && node_entries == 0 {
            a.limit = 10_000;
        }
    } else if !a.approx {
        return Err(CmdError::Msg(
            "ERR syntax error, LIMIT cannot be used without the special ~ option",
        ));
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_as_redis() {
        let p = |s: &str| parse_id(s.as_bytes(), 0).ok();
        assert_eq!(p("5"), Some(StreamId::new(5, 0)));
        assert_eq!(p("5-3"), Some(StreamId::new(5, 3)));
        assert_eq!(p("-"), Some(StreamId::MIN));
        assert_eq!(p("+"), Some(StreamId::MAX));
        assert_eq!(p("-1"), None);
        assert_eq!(p("1-x"), None);
        assert_eq!(p("18446744073709551616"), None);
        assert_eq!(p("18446744073709551615"), Some(StreamId::new(u64::MAX, 0)));
        assert!(parse_strict(b"+", 0).is_err());
        assert_eq!(parse_bound(b"(5", true), Ok(StreamId::new(5, 1)));
        assert_eq!(
            parse_bound(b"(5", false),
            Ok(StreamId::new(5, u64::MAX - 1))
        );
        assert!(parse_bound(b"(0-0", false).is_err());
    }
}
