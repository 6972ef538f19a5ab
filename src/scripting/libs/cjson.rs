//! The `cjson` library (not written yet: an empty table).

use std::ffi::c_int;

use crate::scripting::luaapi::{lua_State, new_lib};

/// Pushes the library's table.
///
/// # Safety
/// Called by Lua as a C function.
pub unsafe extern "C-unwind" fn open(l: *mut lua_State) -> c_int {
    new_lib(l, &[]);
    1
}
