//! The libraries Redis loads into its Lua beside Lua's own: `cjson`,
//! `cmsgpack`, `bit` and `struct`, written against their specifications
//! and checked against redis-server's output (see `testutil`). Each
//! module's `open` pushes its table; [`open_all`] sets them as globals.

pub mod bit;
pub mod cjson;
pub mod cmsgpack;
pub mod structlib;
#[cfg(test)]
pub mod testutil;

use super::luaapi::{ffi, lua_State, CFn};

/// Sets the globals `cjson`, `cmsgpack`, `bit` and `struct`.
///
/// # Safety
/// `l` is a live state, outside any C function.
pub unsafe fn open_all(l: *mut lua_State) {
    let libs: [(&std::ffi::CStr, CFn); 4] = [
        (c"cjson", cjson::open),
        (c"cmsgpack", cmsgpack::open),
        (c"bit", bit::open),
        (c"struct", structlib::open),
    ];
    for (name, open) in libs {
        ffi::lua_pushcfunction(l, open);
        ffi::lua_call(l, 0, 1);
        ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, name.as_ptr());
    }
}
