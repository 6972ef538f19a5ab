//! Fuzzes the RESP → Lua → RESP conversions of scripts
//! (`scripting::convert`): a command's reply read into Lua values, as
//! `redis.call` does, then written back as a script's result.
//!
//! Invariants checked, for arbitrary bytes (the first byte picks the
//! script's protocol and the caller's):
//! - nothing panics or crashes, whatever the bytes (truncated aggregates,
//!   bad lengths, huge counts, deep nesting, unknown types);
//! - what converts writes well-formed output and leaves Lua's stack as
//!   found (`round_trip` asserts the latter).
#![no_main]

use cinnabar::scripting::convert::round_trip;
use cinnabar::scripting::interp::Interp;
use libfuzzer_sys::fuzz_target;

thread_local! {
    // One interpreter for the whole run, as the server keeps one.
    static INTERP: Interp = Interp::new(|l| unsafe {
        cinnabar::scripting::luaapi::ffi::lua_createtable(l, 0, 0)
    });
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, reply)) = data.split_first() else {
        return;
    };
    let resp3 = mode & 1 != 0;
    let proto = if mode & 2 != 0 { 3 } else { 2 };
    INTERP.with(|interp| {
        if let Some(out) = round_trip(interp, reply, resp3, proto) {
            assert!(out.is_empty() || out.ends_with(b"\r\n"), "{out:?}");
        }
    });
});
