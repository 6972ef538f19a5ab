//! The `bit` library: LuaBitOp 1.0 as Redis 7.0 loads it. Every function
//! works on 32-bit values and returns them as signed numbers
//! (`bit.tobit(0xffffffff) == -1`).
//!
//! Arguments are numbers (or numeric strings, as `luaL_checknumber`
//! takes them) normalised the way LuaBitOp does it on a double build:
//! adding 2^52 + 2^51 moves the value's integer part into the low bits of
//! the mantissa, rounded to nearest (ties to even), and the low 32 bits of
//! those are the value. So fractions round (`1.5` and `2.5` both give 2),
//! values wrap modulo 2^32, and values too large for the trick (beyond
//! about 2^51) give whatever the mantissa holds, as they do in Redis
//! (`bit.tobit(2^53) == 0`, infinities and NaN give 0).
//!
//! Shift counts use their low five bits (`bit.lshift(1, 33) == 2`).
//! `band`, `bor` and `bxor` check their first argument, then the others
//! from the last back, which decides which bad argument is reported.

use std::ffi::c_int;

use crate::scripting::luaapi::{ffi, lua_State, new_lib, push_bytes};

/// 2^52 + 2^51: added to a double, it leaves the integer part, rounded,
/// in the low bits of the mantissa (for magnitudes below 2^51).
const MAGIC: f64 = 6755399441055744.0;

/// The 32 bits of a number, as LuaBitOp computes them.
fn norm(n: f64) -> u32 {
    (n + MAGIC).to_bits() as u32
}

/// Argument `arg` as 32 bits, or Lua's "number expected" error.
///
/// # Safety
/// `l` is a live state inside a C function; this may raise.
unsafe fn arg_bits(l: *mut lua_State, arg: c_int) -> u32 {
    norm(ffi::luaL_checknumber(l, arg))
}

/// Pushes `b` as the signed number LuaBitOp returns.
///
/// # Safety
/// `l` is a live state inside a C function.
unsafe fn push_bits(l: *mut lua_State, b: u32) -> c_int {
    ffi::lua_pushnumber(l, b as i32 as f64);
    1
}

/// The hex digits of `tohex`: `n` digits (default 8, at most 8; a
/// negative `n` asks for upper case) of `b`'s low bits.
fn hex(b: u32, n: i32) -> Vec<u8> {
    let digits: &[u8; 16] = if n < 0 {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    // (`unsigned_abs`: -2^31 asks for upper case and the most digits.)
    let n = n.unsigned_abs().min(8);
    (0..n)
        .rev()
        .map(|i| digits[((b >> (4 * i)) & 15) as usize])
        .collect()
}

/// bit.tobit(x)
unsafe extern "C-unwind" fn tobit(l: *mut lua_State) -> c_int {
    push_bits(l, arg_bits(l, 1))
}

/// bit.tohex(x [, n])
unsafe extern "C-unwind" fn tohex(l: *mut lua_State) -> c_int {
    let b = arg_bits(l, 1);
    let n = if ffi::lua_isnone(l, 2) != 0 {
        8
    } else {
        arg_bits(l, 2) as i32
    };
    let s = hex(b, n);
    push_bytes(l, &s);
    1
}

/// bit.bnot(x)
unsafe extern "C-unwind" fn bnot(l: *mut lua_State) -> c_int {
    push_bits(l, !arg_bits(l, 1))
}

/// Folds the arguments with `op`: the first, then the rest from the last
/// back (the order LuaBitOp checks them in).
///
/// # Safety
/// As for [`arg_bits`].
unsafe fn fold(l: *mut lua_State, op: fn(u32, u32) -> u32) -> c_int {
    let mut b = arg_bits(l, 1);
    let mut i = ffi::lua_gettop(l);
    while i > 1 {
        b = op(b, arg_bits(l, i));
        i -= 1;
    }
    push_bits(l, b)
}

/// bit.band(x1 [, x2...])
unsafe extern "C-unwind" fn band(l: *mut lua_State) -> c_int {
    fold(l, |a, b| a & b)
}

/// bit.bor(x1 [, x2...])
unsafe extern "C-unwind" fn bor(l: *mut lua_State) -> c_int {
    fold(l, |a, b| a | b)
}

/// bit.bxor(x1 [, x2...])
unsafe extern "C-unwind" fn bxor(l: *mut lua_State) -> c_int {
    fold(l, |a, b| a ^ b)
}

/// Applies `op` to the value and the shift count's low five bits.
///
/// # Safety
/// As for [`arg_bits`].
unsafe fn shift(l: *mut lua_State, op: fn(u32, u32) -> u32) -> c_int {
    let b = arg_bits(l, 1);
    let n = arg_bits(l, 2) & 31;
    push_bits(l, op(b, n))
}

/// bit.lshift(x, n)
unsafe extern "C-unwind" fn lshift(l: *mut lua_State) -> c_int {
    shift(l, |b, n| b << n)
}

/// bit.rshift(x, n): logical.
unsafe extern "C-unwind" fn rshift(l: *mut lua_State) -> c_int {
    shift(l, |b, n| b >> n)
}

/// bit.arshift(x, n): arithmetic (the sign bit fills in).
unsafe extern "C-unwind" fn arshift(l: *mut lua_State) -> c_int {
    shift(l, |b, n| ((b as i32) >> n) as u32)
}

/// bit.rol(x, n)
unsafe extern "C-unwind" fn rol(l: *mut lua_State) -> c_int {
    shift(l, u32::rotate_left)
}

/// bit.ror(x, n)
unsafe extern "C-unwind" fn ror(l: *mut lua_State) -> c_int {
    shift(l, u32::rotate_right)
}

/// bit.bswap(x)
unsafe extern "C-unwind" fn bswap(l: *mut lua_State) -> c_int {
    push_bits(l, arg_bits(l, 1).swap_bytes())
}

/// Pushes the library's table.
///
/// # Safety
/// Called by Lua as a C function.
pub unsafe extern "C-unwind" fn open(l: *mut lua_State) -> c_int {
    new_lib(
        l,
        &[
            (c"tobit", tobit),
            (c"tohex", tohex),
            (c"bnot", bnot),
            (c"band", band),
            (c"bor", bor),
            (c"bxor", bxor),
            (c"lshift", lshift),
            (c"rshift", rshift),
            (c"arshift", arshift),
            (c"rol", rol),
            (c"ror", ror),
            (c"bswap", bswap),
        ],
    );
    1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scripting::libs::testutil::{assert_same, local_eval, redis_eval};
    use proptest::prelude::*;

    #[test]
    fn norm_rounds_and_wraps() {
        assert_eq!(norm(1.5), 2);
        assert_eq!(norm(2.5), 2);
        assert_eq!(norm(-1.0), u32::MAX);
        assert_eq!(norm(4294967296.0 + 5.0), 5);
        assert_eq!(norm(f64::INFINITY), 0);
    }

    #[test]
    fn hex_digits() {
        assert_eq!(hex(255, 8), b"000000ff");
        assert_eq!(hex(255, -3), b"0FF");
        assert_eq!(hex(255, i32::MIN), b"000000FF");
        assert_eq!(hex(255, 0), b"");
    }

    fn all_same(scripts: &[&str]) {
        for s in scripts {
            assert_same(s);
        }
    }

    #[test]
    fn library_has_lua_bitops_functions() {
        assert_same(
            "local t = {} for k, v in pairs(bit) do t[#t+1] = k .. ':' .. type(v) end \
             table.sort(t) return table.concat(t, ' ')",
        );
    }

    #[test]
    fn tobit_normalises_like_luabitop() {
        all_same(&[
            "return bit.tobit(0)",
            "return bit.tobit(0xffffffff)",
            "return bit.tobit(0x80000000)",
            "return bit.tobit(2^32 + 5)",
            "return bit.tobit(-2^32 - 1)",
            "return bit.tobit(2^31 - 1)",
            "return bit.tobit(-2^31)",
            "return bit.tobit(1.5) .. ' ' .. bit.tobit(2.5) .. ' ' .. bit.tobit(-1.5) .. ' ' .. bit.tobit(0.4999)",
            "return bit.tobit(2^51 + 7)",
            "return bit.tobit(2^52 + 2^51 - 1)",
            "return bit.tobit(2^53)",
            "return bit.tobit(1e300) .. ' ' .. bit.tobit(-1e300)",
            "return bit.tobit(1/0) .. ' ' .. bit.tobit(-1/0) .. ' ' .. bit.tobit(0/0)",
            "return bit.tobit('0x10') + bit.tobit(' 12 ')",
            "return bit.tobit(-0)",
            "return bit.tobit(123456789012)",
        ]);
    }

    #[test]
    fn tohex_widths_and_case() {
        all_same(&[
            "return bit.tohex(1)",
            "return bit.tohex(-1)",
            "return bit.tohex(0x12345678, 4)",
            "return bit.tohex(255, -3)",
            "return bit.tohex(0xabcdef, -8)",
            "return bit.tohex(255, 0)",
            "return bit.tohex(255, 100)",
            "return bit.tohex(255, -100)",
            "return bit.tohex(255, 2^31)",
            "return bit.tohex(255, -2^31)",
            "return bit.tohex(0xabcdef, 2^32 + 3)",
            "return bit.tohex(255, 2^32 - 1)",
            "return bit.tohex(1.5) .. bit.tohex(2.5) .. bit.tohex(-1.5)",
            "return bit.tohex(0xfedcba98, 1.6)",
        ]);
    }

    #[test]
    fn logic_ops() {
        all_same(&[
            "return bit.bnot(0)",
            "return bit.bnot(0x7fffffff)",
            "return bit.band(0xff00ff00, 0x0ff00ff0)",
            "return bit.band(7)",
            "return bit.band(-1, 0xf0, 0x30, 0x10)",
            "return bit.bor(1, 2, 4, 8, 16)",
            "return bit.bor(0x80000000, 1)",
            "return bit.bxor(0xff, 0x0f, 0x01)",
            "return bit.bxor(-1, 0x55555555)",
            "return bit.band(2^32 + 3, 1.5)",
            "return bit.bor('1', '2')",
        ]);
    }

    #[test]
    fn shifts_rotates_and_bswap() {
        all_same(&[
            "return bit.lshift(1, 0)",
            "return bit.lshift(1, 31)",
            "return bit.lshift(1, 32)",
            "return bit.lshift(1, 33)",
            "return bit.lshift(1, -1)",
            "return bit.lshift(0x12345678, 4.5)",
            "return bit.rshift(-256, 4)",
            "return bit.rshift(-1, 0)",
            "return bit.rshift(0x80000000, 31)",
            "return bit.arshift(-256, 4)",
            "return bit.arshift(0x80000000, 31)",
            "return bit.arshift(0x7fffffff, 30)",
            "return bit.rol(0x12345678, 0)",
            "return bit.rol(0x12345678, 4)",
            "return bit.rol(0x12345678, 36)",
            "return bit.ror(0x12345678, 4)",
            "return bit.ror(0x12345678, -4)",
            "return bit.ror(1, 1)",
            "return bit.bswap(0x12345678)",
            "return bit.bswap(-1)",
            "return bit.bswap(0x80)",
        ]);
    }

    #[test]
    fn bad_arguments_are_reported_as_luabitop_does() {
        all_same(&[
            "return bit.tobit()",
            "return bit.tobit('abc')",
            "return bit.tobit({})",
            "return bit.tobit(nil)",
            "return bit.tohex()",
            "return bit.tohex(1, nil)",
            "return bit.tohex(1, 'x')",
            "return bit.bnot(true)",
            "return bit.band()",
            "return bit.band(1, 'x', nil)",
            "return bit.bor(1, 2, {}, 4)",
            "return bit.bxor('z', 1)",
            "return bit.lshift(1)",
            "return bit.rshift(nil, 1)",
            "return bit.arshift(1, 'x')",
            "return bit.rol(1, {})",
            "return bit.ror()",
            "return bit.bswap()",
            "local f = bit.band return f('x')",
            "return bit:band(1)",
            "local ok, e = pcall(bit.bor, 1, 'q') return e",
        ]);
    }

    /// `d` as Lua source.
    fn lua_num(d: f64) -> String {
        if d.is_nan() {
            "(0/0)".into()
        } else if d.is_infinite() {
            format!("({}1/0)", if d < 0.0 { "-" } else { "" })
        } else {
            format!("({d:e})")
        }
    }

    /// Numbers of every kind: 32-bit values, fractions, ties, values
    /// around 2^51..2^53 where the normalisation stops being exact, any
    /// double at all.
    fn arg_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => any::<i32>().prop_map(|v| lua_num(v.into())),
            2 => any::<u32>().prop_map(|v| lua_num(v.into())),
            2 => (-64i32..64).prop_map(|v| lua_num(f64::from(v) / 4.0)),
            2 => (40i32..70, any::<i32>())
                .prop_map(|(e, v)| lua_num(2f64.powi(e) + f64::from(v))),
            2 => any::<f64>().prop_map(lua_num),
            1 => prop::sample::select(vec!["'12'", "'0x1f'", "'x'", "nil", "{}", "true"])
                .prop_map(str::to_string),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        /// Every function, on any numbers (and now and then a bad
        /// argument), gives what Redis gives.
        #[test]
        fn random_calls_match_redis(
            f in prop::sample::select(vec![
                "tobit", "tohex", "bnot", "band", "bor", "bxor", "lshift", "rshift",
                "arshift", "rol", "ror", "bswap",
            ]),
            args in prop::collection::vec(arg_strategy(), 0..4),
        ) {
            let script = format!("return bit.{f}({})", args.join(", "));
            prop_assert_eq!(local_eval(&script), redis_eval(&script), "{}", script);
        }
    }
}
