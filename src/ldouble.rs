//! Software x87 80-bit extended precision ("long double"), the arithmetic
//! Redis uses for INCRBYFLOAT. Replies must match Redis digit for digit,
//! and f64 cannot: `10.5 + 0.1` prints `10.6` only with a 64-bit mantissa,
//! and large results print every binary digit of the long double.
//!
//! Only what INCRBYFLOAT needs: `strtold`-compatible parsing, correctly
//! rounded addition, and `%.17Lf` formatting with trailing zeros trimmed.
//! Subnormal long doubles are not modelled (they flush to zero).

use std::cmp::Ordering;

/// Largest binary exponent of a finite long double (value < 2^16384).
const MAX_EXP2: i64 = 16383;
/// Smallest binary exponent of a normal long double.
const MIN_EXP2: i64 = -16382;

/// A finite long double: `(-1)^neg * mant * 2^exp`, `mant` normalised so
/// its top bit is set (or zero for 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct F80 {
    neg: bool,
    exp: i64,
    mant: u64,
}

/// A parsed or computed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Num {
    /// A finite value.
    Finite(F80),
    /// Infinity (or an overflowed result).
    Inf,
}

// ---------------------------------------------------------------------------
// Minimal unsigned big integers: little-endian base 2^32 limbs.
// ---------------------------------------------------------------------------

type Big = Vec<u32>;

fn trim(b: &mut Big) {
    while b.last() == Some(&0) {
        b.pop();
    }
}

fn mul_small(b: &mut Big, m: u32, add: u32) {
    let mut carry = u64::from(add);
    for limb in b.iter_mut() {
        let v = u64::from(*limb) * u64::from(m) + carry;
        *limb = v as u32;
        carry = v >> 32;
    }
    if carry > 0 {
        b.push(carry as u32);
    }
}

fn bitlen(b: &Big) -> u64 {
    match b.last() {
        None => 0,
        Some(top) => (b.len() as u64 - 1) * 32 + u64::from(32 - top.leading_zeros()),
    }
}

fn bit(b: &Big, i: u64) -> bool {
    let limb = (i / 32) as usize;
    limb < b.len() && (b[limb] >> (i % 32)) & 1 == 1
}

fn any_below(b: &Big, i: u64) -> bool {
    (0..i).any(|k| bit(b, k))
}

fn shl(b: &Big, n: u64) -> Big {
    let (limbs, bits) = ((n / 32) as usize, (n % 32) as u32);
    let mut out = vec![0u32; limbs];
    let mut carry = 0u32;
    for &l in b {
        if bits == 0 {
            out.push(l);
        } else {
            out.push((l << bits) | carry);
            carry = l >> (32 - bits);
        }
    }
    if carry > 0 {
        out.push(carry);
    }
    trim(&mut out);
    out
}

fn cmp(a: &Big, b: &Big) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.iter().rev().cmp(b.iter().rev()))
}

fn sub_assign(a: &mut Big, b: &Big) {
    let mut borrow = 0i64;
    for (i, limb) in a.iter_mut().enumerate() {
        let v = i64::from(*limb) - i64::from(b.get(i).copied().unwrap_or(0)) - borrow;
        borrow = i64::from(v < 0);
        *limb = v.rem_euclid(1 << 32) as u32;
    }
    trim(a);
}

/// Binary long division: (quotient, remainder).
fn divmod(a: &Big, d: &Big) -> (Big, Big) {
    let mut q = vec![0u32; a.len()];
    let mut r: Big = Vec::new();
    for i in (0..bitlen(a)).rev() {
        r = shl(&r, 1);
        if bit(a, i) {
            if r.is_empty() {
                r.push(1);
            } else {
                r[0] |= 1;
            }
        }
        if cmp(&r, d) != Ordering::Less {
            sub_assign(&mut r, d);
            q[(i / 32) as usize] |= 1 << (i % 32);
        }
    }
    trim(&mut q);
    (q, r)
}

fn pow10(n: u64) -> Big {
    let mut b = vec![1u32];
    for _ in 0..n / 9 {
        mul_small(&mut b, 1_000_000_000, 0);
    }
    for _ in 0..n % 9 {
        mul_small(&mut b, 10, 0);
    }
    b
}

fn to_decimal(b: &Big) -> String {
    let mut n = b.clone();
    let mut chunks = Vec::new();
    while !n.is_empty() {
        let mut rem = 0u64;
        for limb in n.iter_mut().rev() {
            let cur = (rem << 32) | u64::from(*limb);
            *limb = (cur / 1_000_000_000) as u32;
            rem = cur % 1_000_000_000;
        }
        trim(&mut n);
        chunks.push(rem as u32);
    }
    let mut s = chunks.pop().map_or("0".to_string(), |c| c.to_string());
    for c in chunks.iter().rev() {
        s.push_str(&format!("{c:09}"));
    }
    s
}

// ---------------------------------------------------------------------------
// Rounding
// ---------------------------------------------------------------------------

/// Rounds `b * 2^exp2` (plus a sticky "a little more") to 64 bits,
/// half to even.
fn round_big(neg: bool, b: &Big, exp2: i64, sticky: bool) -> Num {
    let len = bitlen(b);
    if len == 0 {
        return Num::Finite(F80 {
            neg,
            exp: 0,
            mant: 0,
        });
    }
    let (mut mant, mut exp) = if len <= 64 {
        let mut m = 0u64;
        for (i, l) in b.iter().enumerate() {
            m |= u64::from(*l) << (32 * i);
        }
        (m << (64 - len), exp2 - (64 - len as i64))
    } else {
        let shift = len - 64;
        let mut m = 0u64;
        for i in 0..64 {
            if bit(b, shift + i) {
                m |= 1 << i;
            }
        }
        let half = bit(b, shift - 1);
        let rest = sticky || any_below(b, shift - 1);
        let mut e = exp2 + shift as i64;
        if half && (rest || m & 1 == 1) {
            let (m2, carry) = m.overflowing_add(1);
            m = if carry {
                e += 1;
                1 << 63
            } else {
                m2
            };
        }
        (m, e)
    };
    if exp + 63 > MAX_EXP2 {
        return Num::Inf;
    }
    if exp + 63 < MIN_EXP2 {
        mant = 0;
        exp = 0;
    }
    Num::Finite(F80 { neg, exp, mant })
}

fn big_of(v: u128) -> Big {
    let mut b: Big = (0..4).map(|i| (v >> (32 * i)) as u32).collect();
    trim(&mut b);
    b
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

impl F80 {
    /// The exact long double of an integer (64-bit mantissas hold any i64).
    pub fn from_i64(n: i64) -> F80 {
        match round_big(n < 0, &big_of(u128::from(n.unsigned_abs())), 0, false) {
            Num::Finite(f) => f,
            Num::Inf => unreachable!("an i64 is finite"),
        }
    }

    /// The nearest f64 (overflowing to infinity).
    pub fn to_f64(self) -> f64 {
        let v = (self.mant as f64) * 2f64.powi(self.exp.clamp(-2000, 2000) as i32);
        if self.neg {
            -v
        } else {
            v
        }
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.mant == 0
    }

    /// Correctly rounded sum.
    pub fn plus(self, other: F80) -> Num {
        if other.is_zero() {
            return Num::Finite(if self.is_zero() {
                F80 {
                    neg: self.neg && other.neg,
                    ..self
                }
            } else {
                self
            });
        }
        if self.is_zero() {
            return Num::Finite(other);
        }
        // Exact: scale both to a common exponent with big integers.
        let base = self.exp.min(other.exp);
        let gap_a = (self.exp - base) as u64;
        let gap_b = (other.exp - base) as u64;
        // Far apart: the smaller only decides rounding, as a sticky bit.
        if gap_a > 200 || gap_b > 200 {
            let (big, small) = if gap_a > gap_b {
                (self, other)
            } else {
                (other, self)
            };
            let m = shl(&big_of(u128::from(big.mant)), 130);
            let mut m = m;
            let sticky = !small.is_zero();
            if big.neg != small.neg {
                // Subtract a tiny amount: one unit below, with sticky set.
                m = {
                    let mut t = m;
                    sub_assign(&mut t, &vec![1]);
                    t
                };
            }
            return round_big(big.neg, &m, big.exp - 130, sticky);
        }
        let a = shl(&big_of(u128::from(self.mant)), gap_a);
        let b = shl(&big_of(u128::from(other.mant)), gap_b);
        if self.neg == other.neg {
            let mut sum = a.clone();
            let mut carry = 0u64;
            for i in 0..sum.len().max(b.len()) {
                if i == sum.len() {
                    sum.push(0);
                }
                let v = u64::from(sum[i]) + u64::from(b.get(i).copied().unwrap_or(0)) + carry;
                sum[i] = v as u32;
                carry = v >> 32;
            }
            if carry > 0 {
                sum.push(carry as u32);
            }
            round_big(self.neg, &sum, base, false)
        } else {
            match cmp(&a, &b) {
                Ordering::Equal => Num::Finite(F80 {
                    neg: false,
                    exp: 0,
                    mant: 0,
                }),
                Ordering::Greater => {
                    let mut d = a;
                    sub_assign(&mut d, &b);
                    round_big(self.neg, &d, base, false)
                }
                Ordering::Less => {
                    let mut d = b;
                    sub_assign(&mut d, &a);
                    round_big(other.neg, &d, base, false)
                }
            }
        }
    }

    /// `printf("%.17Lf")` with trailing zeros (and a bare point) removed,
    /// as Redis's `ld2string(..., LD_STR_HUMAN)` prints.
    pub fn to_human(self) -> String {
        let m = big_of(u128::from(self.mant));
        let (int_part, frac_digits) = if self.exp >= 0 {
            (shl(&m, self.exp as u64), "0".repeat(17))
        } else {
            let f = (-self.exp) as u64;
            let one = shl(&vec![1], f);
            let (mut int_part, frac) = divmod(&m, &one);
            // 17 decimals of frac / 2^f, rounded half to even.
            let mut scaled = frac;
            for _ in 0..17 {
                mul_small(&mut scaled, 10, 0);
            }
            let (mut digits, rem) = divmod(&scaled, &one);
            let half = shl(&vec![1], f - 1);
            let odd = digits.first().is_some_and(|d| d & 1 == 1);
            match cmp(&rem, &half) {
                Ordering::Greater => mul_small(&mut digits, 1, 1),
                Ordering::Equal if odd => mul_small(&mut digits, 1, 1),
                _ => {}
            }
            if cmp(&digits, &pow10(17)) != Ordering::Less {
                digits = Vec::new();
                mul_small(&mut int_part, 1, 1);
                if int_part.is_empty() {
                    int_part.push(1);
                }
            }
            (int_part, format!("{:0>17}", to_decimal(&digits)))
        };
        let mut s = String::new();
        if self.neg {
            s.push('-');
        }
        s.push_str(&to_decimal(&int_part));
        let frac = frac_digits.trim_end_matches('0');
        if !frac.is_empty() {
            s.push('.');
            s.push_str(frac);
        }
        if s == "-0" {
            s = "0".into();
        }
        s
    }
}

/// Parses like Redis's `string2ld`: C `strtold` syntax (sign, decimal or
/// hex digits, exponent, `inf`/`infinity`), the whole input, no leading
/// space; NaN and out-of-range values are rejected.
pub fn parse(s: &[u8]) -> Option<Num> {
    if s.is_empty() || s.len() >= 5 * 1024 || s[0].is_ascii_whitespace() {
        return None;
    }
    let (neg, body) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    if lower == b"inf" || lower == b"infinity" {
        return Some(Num::Inf);
    }
    if lower.len() > 2 && lower.starts_with(b"0x") {
        return parse_hex(neg, &lower[2..]);
    }
    let mut digits: Big = Vec::new();
    let (mut seen_digit, mut seen_point, mut exp10) = (false, false, 0i64);
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            c @ b'0'..=b'9' => {
                seen_digit = true;
                mul_small(&mut digits, 10, u32::from(c - b'0'));
                trim(&mut digits);
                if seen_point {
                    exp10 -= 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    if i < body.len() {
        if body[i] != b'e' && body[i] != b'E' {
            return None;
        }
        let e = std::str::from_utf8(&body[i + 1..]).ok()?;
        let e = e.strip_prefix('+').unwrap_or(e);
        if e.is_empty()
            || !e
                .trim_start_matches('-')
                .bytes()
                .all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let v: i64 = e.parse().unwrap_or(if e.starts_with('-') {
            -100_000
        } else {
            100_000
        });
        exp10 += v.clamp(-100_000, 100_000);
    }
    if digits.is_empty() {
        return Some(Num::Finite(F80 {
            neg,
            exp: 0,
            mant: 0,
        }));
    }
    // Out of range either way: strtold reports ERANGE, Redis rejects it.
    let approx10 = exp10 + (bitlen(&digits) as f64 * std::f64::consts::LOG10_2) as i64;
    if approx10 > 4940 {
        return None;
    }
    if approx10 < -4960 {
        return None;
    }
    let n = if exp10 >= 0 {
        let mut b = digits;
        for _ in 0..exp10 {
            mul_small(&mut b, 10, 0);
        }
        round_big(neg, &b, 0, false)
    } else {
        let p = pow10((-exp10) as u64);
        let shift = (bitlen(&p) + 66).saturating_sub(bitlen(&digits));
        let (q, r) = divmod(&shl(&digits, shift), &p);
        round_big(neg, &q, -(shift as i64), !r.is_empty())
    };
    match n {
        Num::Inf => None,
        Num::Finite(f) if f.is_zero() => None,
        ok => Some(ok),
    }
}

fn parse_hex(neg: bool, s: &[u8]) -> Option<Num> {
    let mut digits: Big = Vec::new();
    let (mut seen, mut point, mut exp2) = (false, false, 0i64);
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            c if c.is_ascii_hexdigit() => {
                seen = true;
                mul_small(&mut digits, 16, (c as char).to_digit(16)?);
                trim(&mut digits);
                if point {
                    exp2 -= 4;
                }
            }
            b'.' if !point => point = true,
            _ => break,
        }
        i += 1;
    }
    if !seen {
        return None;
    }
    if i < s.len() {
        if s[i] != b'p' {
            return None;
        }
        let e = std::str::from_utf8(&s[i + 1..]).ok()?;
        let e = e.strip_prefix('+').unwrap_or(e);
        exp2 += e.parse::<i64>().ok()?.clamp(-100_000, 100_000);
    }
    match round_big(neg, &digits, exp2, false) {
        Num::Inf => None,
        Num::Finite(f) if f.is_zero() && !digits.is_empty() => None,
        ok => Some(ok),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incr(a: &str, b: &str) -> Option<String> {
        match (parse(a.as_bytes())?, parse(b.as_bytes())?) {
            (Num::Finite(x), Num::Finite(y)) => match x.plus(y) {
                Num::Finite(z) => Some(z.to_human()),
                Num::Inf => None,
            },
            _ => None,
        }
    }

    /// Expected strings are what redis-server 7.0 (x86-64) replies.
    #[test]
    fn matches_redis_long_double_results() {
        assert_eq!(incr("10.5", "0.1").as_deref(), Some("10.6"));
        assert_eq!(
            incr("1e30", "3").as_deref(),
            Some("1000000000000000000024696061952")
        );
        assert_eq!(incr("0", "1.5").as_deref(), Some("1.5"));
        assert_eq!(incr("5.6", "-5").as_deref(), Some("0.6"));
        assert_eq!(incr("3", "2").as_deref(), Some("5"));
        assert_eq!(incr("0", "1e-20").as_deref(), Some("0"));
        assert_eq!(incr("0", "-1e-20").as_deref(), Some("0"));
        assert_eq!(incr("0", "0x10").as_deref(), Some("16"));
        assert_eq!(incr("1", "-1").as_deref(), Some("0"));
        assert_eq!(incr("0", "0.1").as_deref(), Some("0.1"));
        assert_eq!(incr("1e4932", "1e4932"), None);
    }

    #[test]
    fn parse_rejects_what_strtold_rejects() {
        for bad in ["", " 1", "abc", "1x", "nan", "1e", "1e99999", "--1", "."] {
            assert!(parse(bad.as_bytes()).is_none(), "{bad:?}");
        }
        assert_eq!(parse(b"inf"), Some(Num::Inf));
        assert_eq!(parse(b"-Infinity"), Some(Num::Inf));
        assert!(parse(b"1.").is_some() && parse(b".5").is_some() && parse(b"+7").is_some());
    }
}
