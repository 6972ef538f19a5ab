//! Small helpers shared by every layer: Redis's strict number parsing and
//! formatting, glob matching (`stringmatchlen`), the clock and a fast PRNG;
//! [`lzf`], the compressor of quicklist nodes.

use std::time::{SystemTime, UNIX_EPOCH};

pub mod crc64;
pub mod lzf;

/// Wall-clock milliseconds since the Unix epoch. Read once per loop
/// iteration by the server; everything else receives it as an argument.
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The `N` (at most 8) bytes of `s` at `at` as a number, for comparing.
#[inline(always)]
fn word<const N: usize>(s: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w[..N].copy_from_slice(&s[at..at + N]);
    u64::from_ne_bytes(w)
}

/// Whether two byte strings are equal: `a == b`, with strings of up to
/// 32 bytes (most keys and members: redis-benchmark's `key:<12 digits>`,
/// `counter:<12 digits>`, `element:<n>` among them) compared inline, a
/// few overlapping loads, instead of through a `memcmp` call.
#[inline]
pub fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let d64 = |at| word::<8>(a, at) ^ word::<8>(b, at);
    let d32 = |at| word::<4>(a, at) ^ word::<4>(b, at);
    match n {
        0 => true,
        // Bytes 0, n/2 and n-1 are all the bytes.
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => d32(0) | d32(n - 4) == 0,
        8..=16 => d64(0) | d64(n - 8) == 0,
        17..=32 => d64(0) | d64(8) | d64(n - 16) | d64(n - 8) == 0,
        _ => a == b,
    }
}

/// C's `isspace` in the "C" locale.
pub fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// What C's number parsers (`strtod`, `strtoull`, `atoi`) read before the
/// digits: `isspace` bytes and one optional sign. Returns where the digits
/// start and whether the sign was `-`.
pub fn c_sign_prefix(s: &[u8]) -> (usize, bool) {
    let i = s.iter().take_while(|&&c| is_c_space(c)).count();
    match s.get(i) {
        Some(b'-') => (i + 1, true),
        Some(b'+') => (i + 1, false),
        _ => (i, false),
    }
}

/// Parses a signed 64-bit integer exactly as Redis's `string2ll` does: no
/// sign other than a leading `-`, no leading zeros, no spaces, no `-0`.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s {
        [] => return None,
        [b'0'] => return Some(0),
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        if v > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// Parses a float the way Redis's `string2ld`/`strtold` accepts it: no
/// leading whitespace, the whole input consumed, NaN rejected.
///
/// Overflow of a finite literal (e.g. `1e999`) is rejected like strtold's
/// ERANGE, rather than silently becoming infinity.
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    if s.is_empty() || s.len() > 5 * 1024 || s[0].is_ascii_whitespace() {
        return None;
    }
    let text = std::str::from_utf8(s).ok()?;
    let v: f64 = text.parse().ok()?;
    if v.is_nan() {
        return None;
    }
    if v.is_infinite() {
        let lower = text.trim_start_matches(['+', '-']).to_ascii_lowercase();
        if lower != "inf" && lower != "infinity" {
            return None;
        }
    }
    Some(v)
}

/// The integer `%.17g` prints for `v` when that is all it prints: a
/// whole number below 2^53 in magnitude (exact in a double, fewer than 17
/// digits, so no exponent), not -0. The common score, formatted without
/// the general path's exact 17-digit conversion (~5,000 instructions).
#[inline]
pub fn g17_integer(v: f64) -> Option<i64> {
    const EXACT: f64 = (1u64 << 53) as f64;
    (v.abs() < EXACT && v.fract() == 0.0 && !(v == 0.0 && v.is_sign_negative())).then_some(v as i64)
}

/// Formats a double as Redis's `%.17g` reply formatting does (RESP2 bulk
/// doubles and RESP3 `,` doubles).
pub fn fmt_f64_g17(v: f64) -> String {
    match g17_integer(v) {
        Some(n) => n.to_string(),
        None => g17_general(v),
    }
}

/// `%.17g` for any double, through an exact 17-digit conversion.
fn g17_general(v: f64) -> String {
    if v.is_nan() {
        // glibc's printf shows the sign bit (0/0 on x86 is negative).
        return if v.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // %.17g: 17 significant digits, exponent form when exp < -4 or >= 17.
    let e = format!("{:.16e}", v);
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mant),
    };
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-4..17).contains(&exp) {
        let d = digits.trim_end_matches('0');
        out.push_str(&d[..1]);
        if d.len() > 1 {
            out.push('.');
            out.push_str(&d[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        out.push_str(&digits[..int_len]);
        let frac = digits[int_len..].trim_end_matches('0');
        if !frac.is_empty() {
            out.push('.');
            out.push_str(frac);
        }
    } else {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits.trim_end_matches('0'));
    }
    out
}

/// Appends the decimal form of `v` to `out` without going through `fmt`.
pub fn push_i64(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    out.extend_from_slice(i64_digits(v, &mut buf));
}

/// Appends the decimal form of `v` to `out` without going through `fmt`.
pub fn push_u64(out: &mut Vec<u8>, v: u64) {
    let mut buf = [0u8; 20];
    let i = digits_from_end(v, &mut buf);
    out.extend_from_slice(&buf[i..]);
}

/// Writes the decimal digits of `n` at the end of `buf`; returns where
/// they start.
fn digits_from_end(mut n: u64, buf: &mut [u8; 20]) -> usize {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return i;
        }
    }
}

/// Writes the decimal digits of `v` into the tail of `buf`, returning them.
pub fn i64_digits(v: i64, buf: &mut [u8; 20]) -> &[u8] {
    let neg = v < 0;
    let mut i = digits_from_end(v.unsigned_abs(), buf);
    if neg {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// Glob-style matching with Redis's `stringmatchlen` rules: `*`, `?`,
/// `[abc]`, `[^a-z]`, and `\` escapes.
pub fn glob_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    glob_inner(pattern, s, nocase, &mut skip_longer, 0)
}

fn glob_inner(mut p: &[u8], mut s: &[u8], nocase: bool, skip: &mut bool, depth: usize) -> bool {
    // Redis bounds recursion on pathological patterns; so do we.
    if depth > 1000 {
        return false;
    }
    let eq = |a: u8, b: u8| {
        if nocase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    while !p.is_empty() && !s.is_empty() {
        match p[0] {
            b'*' => {
                while p.len() > 1 && p[1] == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true;
                }
                while !s.is_empty() {
                    if glob_inner(&p[1..], s, nocase, skip, depth + 1) {
                        return true;
                    }
                    // A later `*` already failed on every suffix: longer
                    // prefixes cannot help (keeps matching polynomial).
                    if *skip {
                        return false;
                    }
                    s = &s[1..];
                }
                *skip = true;
                return false;
            }
            b'?' => s = &s[1..],
            b'[' => {
                p = &p[1..];
                let not = p.first() == Some(&b'^');
                if not {
                    p = &p[1..];
                }
                let mut matched = false;
                loop {
                    match p {
                        [b'\\', c, ..] => {
                            matched |= *c == s[0];
                            p = &p[2..];
                        }
                        [b']', ..] | [] => break,
                        [a, b'-', b, ..] => {
                            let (mut lo, mut hi) = (*a, *b);
                            if lo > hi {
                                std::mem::swap(&mut lo, &mut hi);
                            }
                            let mut c = s[0];
                            if nocase {
                                lo = lo.to_ascii_lowercase();
                                hi = hi.to_ascii_lowercase();
                                c = c.to_ascii_lowercase();
                            }
                            matched |= c >= lo && c <= hi;
                            p = &p[3..];
                        }
                        [c, ..] => {
                            matched |= eq(*c, s[0]);
                            p = &p[1..];
                        }
                    }
                }
                if matched == not {
                    return false;
                }
                s = &s[1..];
            }
            b'\\' if p.len() >= 2 => {
                p = &p[1..];
                if !eq(p[0], s[0]) {
                    return false;
                }
                s = &s[1..];
            }
            c => {
                if !eq(c, s[0]) {
                    return false;
                }
                s = &s[1..];
            }
        }
        if p.is_empty() {
            break;
        }
        p = &p[1..];
        if s.is_empty() {
            while p.first() == Some(&b'*') {
                p = &p[1..];
            }
            break;
        }
    }
    p.is_empty() && s.is_empty()
}

/// A small, fast PRNG (xorshift64*) for sampling: RANDOMKEY, active expiry.
/// Not for anything security-related.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeds from the clock and the process id.
    pub fn from_entropy() -> Rng {
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Rng((t ^ (u64::from(std::process::id()) << 32)) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A uniform value in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Parses a memory amount as Redis's `memtoull`: digits, then an optional
/// unit (`b`, `k`, `kb`, `m`, `mb`, `g`, `gb`, any case). No digits means 0
/// and an overflowing number saturates, as `strtoull` does.
pub fn parse_memory(s: &str) -> Option<u64> {
    if s.starts_with('-') {
        return None;
    }
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(end);
    let mul: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1_000_000,
        "mb" => 1 << 20,
        "g" => 1_000_000_000,
        "gb" => 1 << 30,
        _ => return None,
    };
    if num.len() >= 128 {
        return None;
    }
    let v = if num.is_empty() {
        0
    } else {
        num.parse::<u64>().unwrap_or(u64::MAX)
    };
    Some(v.wrapping_mul(mul))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// `bytes_eq` is `==`: pairs of up to 40 bytes over a two-letter
        /// alphabet (so equal strings and near misses are common), the
        /// second one a copy with at most one byte changed half the time.
        #[test]
        fn bytes_eq_is_slice_equality(
            a in proptest::collection::vec(0u8..2, 0..40),
            b in proptest::collection::vec(0u8..2, 0..40),
            copy in proptest::prelude::any::<bool>(),
            flip in proptest::prelude::any::<proptest::sample::Index>(),
        ) {
            let mut b = if copy { a.clone() } else { b };
            if copy && !b.is_empty() && flip.index(2) == 0 {
                let i = flip.index(b.len());
                b[i] ^= 1;
            }
            proptest::prop_assert_eq!(bytes_eq(&a, &b), a == b);
        }
    }

    #[test]
    fn bytes_eq_at_the_word_edges() {
        for n in 0..=40usize {
            let a: Vec<u8> = (0..n as u8).collect();
            assert!(bytes_eq(&a, &a.clone()));
            for i in 0..n {
                let mut b = a.clone();
                b[i] = b[i].wrapping_add(1);
                assert!(!bytes_eq(&a, &b), "len {n}, byte {i}");
            }
            assert!(!bytes_eq(&a, &a[..n.saturating_sub(1)]) || n == 0);
        }
    }

    #[test]
    fn strict_integers() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-1"), Some(-1));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"9223372036854775808",
            b"1a",
        ] {
            assert_eq!(parse_i64(bad), None, "{:?}", bad);
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match(b"*", b"anything", false));
        assert!(glob_match(b"h?llo", b"hello", false));
        assert!(glob_match(b"h[ae]llo", b"hallo", false));
        assert!(!glob_match(b"h[^e]llo", b"hello", false));
        assert!(glob_match(b"h[a-b]llo", b"hbllo", false));
        assert!(glob_match(b"h\\*llo", b"h*llo", false));
        assert!(!glob_match(b"h\\*llo", b"hello", false));
        assert!(glob_match(b"a*b*c", b"aXXbYYc", false));
        assert!(!glob_match(b"a*b*c", b"aXXbYY", false));
        assert!(glob_match(b"foo*", b"foo", false));
        assert!(glob_match(b"HELLO", b"hello", true));
    }

    #[test]
    fn g17() {
        let big = (1u64 << 53) as f64;
        for v in [
            0.0,
            1.0,
            -1.0,
            12345.0,
            1e15,
            1e16,
            -1e16,
            big - 1.0,
            1.0 - big,
            big,
            -big,
            1e17,
            1.5,
        ] {
            assert_eq!(fmt_f64_g17(v), g17_general(v), "{v}");
            if g17_integer(v).is_some() {
                assert!(v.abs() < big && v.fract() == 0.0, "{v}");
            }
        }
        assert_eq!(g17_integer(-0.0), None);
        assert_eq!(fmt_f64_g17(-0.0), "-0");
        assert_eq!(fmt_f64_g17(1.5), "1.5");
        assert_eq!(fmt_f64_g17(0.1), "0.10000000000000001");
        assert_eq!(fmt_f64_g17(1e20), "1e+20");
        assert_eq!(fmt_f64_g17(123.0), "123");
        assert_eq!(fmt_f64_g17(0.0001), "0.0001");
        assert_eq!(fmt_f64_g17(0.00001), "1.0000000000000001e-05");
    }

    #[test]
    fn memory_units() {
        assert_eq!(parse_memory("1gb"), Some(1 << 30));
        assert_eq!(parse_memory("512mb"), Some(512 << 20));
        assert_eq!(parse_memory("100"), Some(100));
        assert_eq!(parse_memory("1k"), Some(1000));
        assert_eq!(parse_memory("x"), None);
        assert_eq!(parse_memory("k"), Some(0));
        assert_eq!(parse_memory("-1"), None);
        assert_eq!(parse_memory("18446744073709551616"), Some(u64::MAX));
    }
}
