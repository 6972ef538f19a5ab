//! Number and range parsing exactly as Redis does it for sorted sets:
//! scores through C's `strtod` (hex floats, `inf`, leading spaces where
//! Redis lets them through), score ranges with `(` for exclusive bounds,
//! and lexicographic ranges with `[`, `(`, `-` and `+`.

use crate::cmd::CmdError;
use crate::db::zset::{LexBound, LexRange, ScoreRange};
use crate::util::{c_sign_prefix, is_c_space};

/// What C's `strtod` makes of the start of `s`: the value, the bytes
/// consumed (0 when there is no number) and whether the result overflowed
/// to infinity or underflowed to zero (`ERANGE` with such a result).
pub fn strtod(s: &[u8]) -> (f64, usize, bool) {
    if let Some(v) = small_integer(s) {
        return (v, s.len(), false);
    }
    let (i, neg) = c_sign_prefix(s);
    let sign = |v: f64| if neg { -v } else { v };
    let rest = &s[i..];
    let starts =
        |word: &[u8]| rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word);
    if starts(b"infinity") {
        return (sign(f64::INFINITY), i + 8, false);
    }
    if starts(b"inf") {
        return (sign(f64::INFINITY), i + 3, false);
    }
    if starts(b"nan") {
        let mut n = i + 3;
        // An optional "(n-char-sequence)".
        if s.get(n) == Some(&b'(') {
            let body = s[n + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
            if s.get(n + 1 + body) == Some(&b')') {
                n += body + 2;
            }
        }
        return (f64::NAN, n, false);
    }
    if rest.len() >= 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        if let Some((v, n, erange)) = hex_float(&rest[2..]) {
            return (sign(v), i + 2 + n, erange);
        }
    }
    decimal(s, i, neg)
}

/// The common score: the whole of `s` an optional `-` and 1 to 15
/// digits, which a double holds exactly (so this is what `strtod` makes
/// of it, `-0` included).
fn small_integer(s: &[u8]) -> Option<f64> {
    let (neg, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 15 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = digits
        .iter()
        .fold(0u64, |v, &c| v * 10 + u64::from(c - b'0')) as f64;
    Some(if neg { -v } else { v })
}

/// A decimal number starting at `start` (after the sign).
fn decimal(s: &[u8], start: usize, neg: bool) -> (f64, usize, bool) {
    let digits = |from: usize| s[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int = digits(start);
    let mut end = start + int;
    let mut frac = 0;
    if s.get(end) == Some(&b'.') {
        frac = digits(end + 1);
        if int + frac > 0 {
            end += 1 + frac;
        }
    }
    if int + frac == 0 {
        return (0.0, 0, false);
    }
    if matches!(s.get(end), Some(b'e' | b'E')) {
        let mut e = end + 1;
        if matches!(s.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let n = digits(e);
        if n > 0 {
            end = e + n;
        }
    }
    let mantissa_nonzero = s[start..end]
        .iter()
        .take_while(|c| !matches!(c, b'e' | b'E'))
        .any(|c| (b'1'..=b'9').contains(c));
    // Rust's parser rounds correctly, as glibc's strtod does.
    let text = std::str::from_utf8(&s[start..end]).unwrap_or("0");
    let v: f64 = text.parse().unwrap_or(0.0);
    let erange = v.is_infinite() || (v == 0.0 && mantissa_nonzero);
    (if neg { -v } else { v }, end, erange)
}

/// A hexadecimal float after "0x": hex digits with an optional point and
/// an optional binary exponent `p[+-]digits`. None if no hex digit.
fn hex_float(s: &[u8]) -> Option<(f64, usize, bool)> {
    let mut mant: u64 = 0;
    let mut exp: i64 = 0;
    let mut sticky = false;
    let mut any = false;
    let mut seen_point = false;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'.' && !seen_point {
            seen_point = true;
            i += 1;
            continue;
        }
        let Some(d) = (c as char).to_digit(16) else {
            break;
        };
        any = true;
        if mant >> 60 == 0 {
            mant = (mant << 4) | u64::from(d);
            if seen_point {
                exp -= 4;
            }
        } else {
            sticky |= d != 0;
            if !seen_point {
                exp += 4;
            }
        }
        i += 1;
    }
    if !any {
        return None;
    }
    if matches!(s.get(i), Some(b'p' | b'P')) {
        let mut e = i + 1;
        let neg = match s.get(e) {
            Some(b'-') => {
                e += 1;
                true
            }
            Some(b'+') => {
                e += 1;
                false
            }
            _ => false,
        };
        let n = s[e..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n > 0 {
            let mut p: i64 = 0;
            for &c in &s[e..e + n] {
                p = (p * 10 + i64::from(c - b'0')).min(1 << 40);
            }
            exp += if neg { -p } else { p };
            i = e + n;
        }
    }
    // Fold dropped digits into the lowest bit so rounding sees them.
    let mut v = (mant | u64::from(sticky)) as f64;
    let mut e = exp;
    while e > 0 && v.is_finite() {
        let step = e.min(1000);
        v *= 2f64.powi(step as i32);
        e -= step;
    }
    while e < 0 && v != 0.0 {
        let step = (-e).min(1000);
        v /= 2f64.powi(step as i32);
        e += step;
    }
    let erange = v.is_infinite() || (v == 0.0 && mant != 0);
    Some((v, i, erange))
}

/// A score argument as Redis's `getDoubleFromObject` (`string2d`) reads
/// it: the whole string, no leading space, no overflow, no NaN.
pub fn score(arg: &[u8]) -> Option<f64> {
    if arg.is_empty() || is_c_space(arg[0]) {
        return None;
    }
    let (v, n, erange) = strtod(arg);
    (n == arg.len() && !erange && !v.is_nan()).then_some(v)
}

/// A score argument, or `err`.
pub fn score_or(arg: &[u8], err: &'static str) -> Result<f64, CmdError> {
    score(arg).ok_or(CmdError::Msg(err))
}

/// One end of a score range (Redis's `zslParseRange`): `(` for exclusive,
/// then whatever `strtod` accepts up to the end of the C string (so an
/// empty bound is 0, leading spaces pass, and a NUL ends the number).
fn score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    let (body, ex) = match arg.strip_prefix(b"(") {
        Some(b) => (b, true),
        None => (arg, false),
    };
    let (v, n, _) = strtod(body);
    let ends = n == body.len() || body[n] == 0;
    (ends && !v.is_nan()).then_some((v, ex))
}

/// A score range from its two arguments.
pub fn score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, CmdError> {
    let err = CmdError::Msg("ERR min or max is not a float");
    let (min, minex) = score_bound(min).ok_or(err.clone())?;
    let (max, maxex) = score_bound(max).ok_or(err)?;
    Ok(ScoreRange {
        min,
        max,
        minex,
        maxex,
    })
}

/// One end of a lexicographic range (Redis's `zslParseLexRangeItem`).
fn lex_bound(arg: &[u8]) -> Option<LexBound<'_>> {
    // `+` and `-` are checked as C strings: a NUL may follow.
    let alone = arg.get(1).is_none_or(|&c| c == 0);
    match arg.first()? {
        b'+' if alone => Some(LexBound::Max),
        b'-' if alone => Some(LexBound::Min),
        b'(' => Some(LexBound::Excl(&arg[1..])),
        b'[' => Some(LexBound::Incl(&arg[1..])),
        _ => None,
    }
}

/// A lexicographic range from its two arguments.
pub fn lex_range<'a>(min: &'a [u8], max: &'a [u8]) -> Result<LexRange<'a>, CmdError> {
    match (lex_bound(min), lex_bound(max)) {
        (Some(min), Some(max)) => Ok(LexRange { min, max }),
        _ => Err(CmdError::Msg("ERR min or max not valid string range item")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_as_redis_reads_them() {
        assert_eq!(score(b"1.5"), Some(1.5));
        assert_eq!(score(b"0x10"), Some(16.0));
        assert_eq!(score(b"0x1p-2"), Some(0.25));
        assert_eq!(score(b"0x.8"), Some(0.5));
        assert_eq!(score(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(score(b"+Infinity"), Some(f64::INFINITY));
        assert_eq!(score(b"1e-310"), Some(1e-310));
        assert_eq!(score(b".5"), Some(0.5));
        assert_eq!(score(b"5."), Some(5.0));
        for bad in [
            &b""[..],
            b" 1",
            b"1 ",
            b"nan",
            b"1e400",
            b"1e-400",
            b"abc",
            b"1e",
            b"0x",
            b"1\x002",
            b"infin",
            b".",
            b"--1",
        ] {
            assert_eq!(score(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn small_integers_parse_as_the_general_path_does() {
        for t in [
            "0",
            "-0",
            "7",
            "-7",
            "10",
            "000123",
            "-000",
            "999999999999999",
            "-999999999999999",
            "1234567890123456",
            "-",
            "",
            "12a",
            "+5",
        ] {
            let b = t.as_bytes();
            let (i, neg) = c_sign_prefix(b);
            let general = decimal(b, i, neg);
            let got = strtod(b);
            assert_eq!(got.0.to_bits(), general.0.to_bits(), "{t}");
            assert_eq!((got.1, got.2), (general.1, general.2), "{t}");
        }
    }

    #[test]
    fn strtod_prefixes() {
        assert_eq!(strtod(b"1e"), (1.0, 1, false));
        assert_eq!(strtod(b"0x"), (0.0, 1, false));
        assert_eq!(strtod(b"  -2.5x"), (-2.5, 6, false));
        assert_eq!(strtod(b"infinity").1, 8);
        assert_eq!(strtod(b"infinit").1, 3);
        assert_eq!(strtod(b"nan(12)").1, 7);
        assert_eq!(strtod(b"x"), (0.0, 0, false));
        assert!(strtod(b"1e999").2);
    }

    #[test]
    fn ranges() {
        let r = score_range(b"(1", b"+inf").unwrap();
        assert!(r.minex && !r.maxex && r.min == 1.0 && r.max == f64::INFINITY);
        let r = score_range(b"", b"(").unwrap();
        assert!(r.min == 0.0 && r.maxex);
        assert!(score_range(b" 1", b"1e999").is_ok());
        assert!(score_range(b"1 ", b"2").is_err());
        assert!(score_range(b"nan", b"2").is_err());
        assert!(score_range(b"(", b"( ").is_err());
        assert!(lex_range(b"-", b"+").is_ok());
        assert!(lex_range(b"+\0", b"[a").is_ok());
        assert!(lex_range(b"a", b"+").is_err());
        assert!(lex_range(b"", b"+").is_err());
        assert!(lex_range(b"-x", b"+").is_err());
    }
}
