//! FUNCTION libraries, as Redis 7.0 keeps them (`functions.c`,
//! `function_lua.c`): named libraries of named functions, compiled in a
//! Lua state of their own (EVAL's is another; SCRIPT FLUSH leaves this
//! one alone), with the payload format of FUNCTION DUMP / RESTORE.
//!
//! # Loading a library
//! The code starts with `#!lua name=<lib>`. Its body (from the newline
//! that ends the shebang, so line numbers count the shebang) is compiled
//! as `@user_function` and run once with globals that hold only a small
//! `redis` table (`register_function`, `log`, the `LOG_*` levels and the
//! version): library code may not call Redis nor use the other globals
//! while it loads. Each `redis.register_function` adds a function; the
//! run is stopped after 500 ms (FUNCTION LOAD from a client), as Redis.
//! Functions then run with the full globals (their closures keep the one
//! global table, whose `__index` is switched back).
//!
//! # Payload
//! FUNCTION DUMP is, per library, the opcode `RDB_OPCODE_FUNCTION2` (245)
//! and the library code as an RDB string, then the RDB version (10, two
//! bytes little-endian) and the CRC-64 of all that (eight bytes little-
//! endian). Strings are written uncompressed (Redis LZF-compresses those
//! over 20 bytes; both forms are read).

use std::collections::{BTreeMap, HashMap};
use std::ffi::{c_int, CStr};
use std::time::Instant;

use bytes::Bytes;

mod payload;

pub use payload::parse_payload;
use payload::{OPCODE_FUNCTION2, RDB_VERSION};

use super::interp::Interp;
use super::luaapi::{ffi, lua_State, push_bytes, to_bytes};
use super::{ScriptFlags, Shared};

/// How long library code may run while FUNCTION LOAD loads it.
pub const LOAD_TIMEOUT_MS: u64 = 500;

/// The error for names that are not `[A-Za-z0-9_]+` (Redis 7.0 gives the
/// library's text for function names too).
const BAD_NAME: &str = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

/// A function of a library.
pub struct Func {
    /// Its name (FCALL's first argument).
    pub name: Bytes,
    /// `description=`, if given.
    pub desc: Option<Bytes>,
    /// Its flags (`shebang` is set: functions always follow their flags).
    pub flags: ScriptFlags,
    /// The callback's registry reference.
    pub func: c_int,
}

/// A loaded library.
pub struct Lib {
    /// Its name, from the shebang.
    pub name: Bytes,
    /// The code as loaded, shebang included.
    pub code: Bytes,
    /// Its functions by name.
    pub functions: BTreeMap<Bytes, Func>,
}

/// A FUNCTION LOAD in progress: what `redis.register_function` collects.
pub struct Loading {
    functions: Vec<Func>,
    started: Instant,
    /// 0: no limit (the AOF being loaded, RESTORE).
    timeout_ms: u64,
}

/// FUNCTION RESTORE's policy for libraries that exist already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Drop every library first.
    Flush,
    /// Fail on a name that exists.
    Append,
    /// Replace libraries of the same name.
    Replace,
}

/// The loaded function libraries and their interpreter.
pub struct Library {
    pub(super) interp: Interp,
    shared: *mut Shared,
    /// Registry reference of the globals library code loads against.
    load_api: c_int,
    libs: BTreeMap<Bytes, Lib>,
    /// Lowercased function name → its library's name and the function's
    /// own name. FCALL's lookup ignores case (library names do not, and
    /// a library may hold `f` and `F`: the first linked wins, as Redis's
    /// dictionary keeps the first).
    funcs: HashMap<Vec<u8>, (Bytes, Bytes)>,
}

/// Where the load hook finds `Shared` in the functions' state.
const SHARED_KEY: &CStr = c"cinnabar.functions.shared";

/// The globals during a load: a protected `redis` with only what library
/// code may use; anything else is a missing global.
const LOAD_API: &str = r#"
-- register_function is handed in: only library code sees it.
local register_function = ...
local redis, error, tostring, setmetatable = redis, error, tostring, setmetatable
local function missing(_, k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end
local function refuse() error('Attempt to modify a readonly table', 2) end
local api = {
  register_function = register_function, log = redis.log,
  LOG_DEBUG = redis.LOG_DEBUG, LOG_VERBOSE = redis.LOG_VERBOSE,
  LOG_NOTICE = redis.LOG_NOTICE, LOG_WARNING = redis.LOG_WARNING,
  REDIS_VERSION = redis.REDIS_VERSION, REDIS_VERSION_NUM = redis.REDIS_VERSION_NUM,
}
setmetatable(api, {__index = missing})
local r = setmetatable({}, {__index = api, __newindex = refuse})
return setmetatable({redis = r}, {__index = missing})
"#;

impl Library {
    /// An empty set of libraries with a fresh interpreter whose `redis`
    /// table reaches `shared` (the engine's, shared with EVAL's state).
    pub(super) fn new(shared: *mut Shared) -> Library {
        let mut interp = Interp::new(|l| unsafe {
            super::redislib::set_random(l, shared);
            super::redislib::push_table(l, shared);
        });
        let l = interp.state();
        // SAFETY: set up once on a fresh state; the chunk is ours.
        let load_api = unsafe {
            ffi::lua_pushlightuserdata(l, shared.cast());
            ffi::lua_setfield(l, ffi::LUA_REGISTRYINDEX, SHARED_KEY.as_ptr());
            let chunk = interp
                .compile(LOAD_API.as_bytes(), c"=setup")
                .expect("the function load API compiles");
            ffi::lua_pushlightuserdata(l, shared.cast());
            ffi::lua_pushcclosure(l, register_function, 1);
            assert!(interp.call(chunk, 1).is_ok(), "the function load API runs");
            interp.release(chunk);
            ffi::luaL_ref(l, ffi::LUA_REGISTRYINDEX)
        };
        Library {
            interp,
            shared,
            load_api,
            libs: BTreeMap::new(),
            funcs: HashMap::new(),
        }
    }

    /// Bytes the functions' interpreter holds (`used_memory_vm_functions`).
    pub fn vm_memory(&self) -> usize {
        self.interp.used_memory()
    }

    /// An estimate of what the libraries take besides the interpreter
    /// (`used_memory_functions`): code, names and descriptions.
    pub fn overhead(&self) -> usize {
        self.libs
            .values()
            .map(|lib| {
                96 + lib.name.len()
                    + lib.code.len()
                    + lib
                        .functions
                        .values()
                        .map(|f| 80 + f.name.len() + f.desc.as_ref().map_or(0, Bytes::len))
                        .sum::<usize>()
            })
            .sum()
    }

    /// Loaded libraries.
    pub fn library_count(&self) -> usize {
        self.libs.len()
    }

    /// Functions of all libraries.
    pub fn function_count(&self) -> usize {
        self.libs.values().map(|l| l.functions.len()).sum()
    }

    /// The libraries, by name.
    pub fn libraries(&self) -> impl Iterator<Item = &Lib> {
        self.libs.values()
    }

    /// The function named `name`.
    pub fn function(&self, name: &[u8]) -> Option<&Func> {
        let (lib, name) = self.funcs.get(&name.to_ascii_lowercase())?;
        self.libs.get(lib)?.functions.get(name)
    }

    /// FUNCTION LOAD [REPLACE] code: loads the library (replacing the one
    /// of the same name when `replace`). Returns its name, or the error
    /// reply's text. `timeout_ms` 0 lets library code run unbounded.
    pub fn load(&mut self, code: &[u8], replace: bool, timeout_ms: u64) -> Result<Bytes, String> {
        let (name, _) = parse_metadata(code).map_err(|e| format!("ERR {e}"))?;
        if !replace && self.libs.contains_key(name.as_slice()) {
            return Err(format!(
                "ERR Library '{}' already exists",
                String::from_utf8_lossy(&name)
            ));
        }
        let lib = self.create(code, timeout_ms)?;
        let clash = lib.functions.keys().find(|f| {
            self.funcs
                .get(&f.to_ascii_lowercase())
                .is_some_and(|(owner, _)| !(replace && *owner == lib.name))
        });
        if let Some(f) = clash {
            let msg = format!(
                "ERR Function {} already exists",
                String::from_utf8_lossy(&lib.functions[f].name)
            );
            self.release(lib);
            return Err(msg);
        }
        if let Some(old) = self.unlink(&lib.name) {
            self.release(old);
        }
        let name = lib.name.clone();
        self.link(lib);
        Ok(name)
    }

    /// FUNCTION DELETE: whether the library existed.
    pub fn delete(&mut self, name: &[u8]) -> bool {
        match self.unlink(name) {
            Some(lib) => {
                self.release(lib);
                true
            }
            None => false,
        }
    }

    /// FUNCTION FLUSH: drops every library.
    pub fn flush(&mut self) {
        let names: Vec<Bytes> = self.libs.keys().cloned().collect();
        for name in names {
            self.delete(&name);
        }
    }

    /// FUNCTION DUMP's payload.
    pub fn dump(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for lib in self.libs.values() {
            out.push(OPCODE_FUNCTION2);
            payload::write_rdb_len(&mut out, lib.code.len() as u64);
            out.extend_from_slice(&lib.code);
        }
        out.extend_from_slice(&RDB_VERSION.to_le_bytes());
        let crc = crate::util::crc64::crc64(0, &out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// FUNCTION RESTORE payload [policy]: loads every library of the
    /// payload, then joins them to the loaded ones as `policy` says; on
    /// any error nothing changes.
    pub fn restore(&mut self, payload: &[u8], policy: Policy) -> Result<(), String> {
        let codes = parse_payload(payload).map_err(|e| format!("ERR {e}"))?;
        let mut new: Vec<Lib> = Vec::new();
        let result = self.restore_into(&codes, &mut new, policy);
        if result.is_err() {
            for lib in new {
                self.release(lib);
            }
            return result;
        }
        if policy == Policy::Flush {
            self.flush();
        }
        for lib in new {
            if let Some(old) = self.unlink(&lib.name) {
                self.release(old);
            }
            self.link(lib);
        }
        Ok(())
    }

    /// Compiles the payload's libraries into `new` and checks they can
    /// join the loaded ones.
    fn restore_into(
        &mut self,
        codes: &[Vec<u8>],
        new: &mut Vec<Lib>,
        policy: Policy,
    ) -> Result<(), String> {
        for code in codes {
            let (name, _) = parse_metadata(code).map_err(|e| format!("ERR {e}"))?;
            if new.iter().any(|l| l.name[..] == name[..]) {
                return Err(format!(
                    "ERR Library '{}' already exists",
                    String::from_utf8_lossy(&name)
                ));
            }
            let lib = self.create(code, 0)?;
            let clash = lib.functions.keys().find(|f| {
                new.iter()
                    .any(|l| l.functions.keys().any(|g| g.eq_ignore_ascii_case(f)))
            });
            if let Some(f) = clash {
                let msg = format!(
                    "ERR Function {} already exists",
                    String::from_utf8_lossy(&lib.functions[f].name)
                );
                self.release(lib);
                return Err(msg);
            }
            new.push(lib);
        }
        if policy == Policy::Flush {
            return Ok(());
        }
        let replaced: Vec<&Bytes> = if policy == Policy::Replace {
            new.iter().map(|l| &l.name).collect()
        } else {
            Vec::new()
        };
        for lib in new.iter() {
            if policy == Policy::Append && self.libs.contains_key(&lib.name) {
                return Err(format!(
                    "ERR Library {} already exists",
                    String::from_utf8_lossy(&lib.name)
                ));
            }
            for (key, f) in &lib.functions {
                if let Some((owner, _)) = self.funcs.get(&key.to_ascii_lowercase()) {
                    if !replaced.contains(&owner) {
                        return Err(format!(
                            "ERR Function {} already exists",
                            String::from_utf8_lossy(&f.name)
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The libraries as FUNCTION LOAD commands, for an AOF rewrite.
    pub fn aof_commands(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for lib in self.libs.values() {
            crate::resp::write_command(&mut out, &[&b"FUNCTION"[..], b"LOAD", &lib.code]);
        }
        out
    }

    fn link(&mut self, lib: Lib) {
        for f in lib.functions.keys() {
            self.funcs
                .entry(f.to_ascii_lowercase())
                .or_insert_with(|| (lib.name.clone(), f.clone()));
        }
        self.libs.insert(lib.name.clone(), lib);
    }

    fn unlink(&mut self, name: &[u8]) -> Option<Lib> {
        let lib = self.libs.remove(name)?;
        for f in lib.functions.keys() {
            let key = f.to_ascii_lowercase();
            if self
                .funcs
                .get(&key)
                .is_some_and(|(owner, _)| *owner == lib.name)
            {
                self.funcs.remove(&key);
            }
        }
        Some(lib)
    }

    fn release(&mut self, lib: Lib) {
        for f in lib.functions.values() {
            self.interp.release(f.func);
        }
    }

    /// Compiles and runs library code, collecting its functions (not yet
    /// linked).
    fn create(&mut self, code: &[u8], timeout_ms: u64) -> Result<Lib, String> {
        let (name, body_at) = parse_metadata(code).map_err(|e| format!("ERR {e}"))?;
        let chunk = self
            .interp
            .compile(&code[body_at..], c"@user_function")
            .map_err(|e| format!("ERR Error compiling function: {e}"))?;
        // SAFETY: `shared` outlives the engine; nothing else holds it
        // while a command (not a script) runs.
        let shared = unsafe { &mut *self.shared };
        shared.loading = Some(Loading {
            functions: Vec::new(),
            started: Instant::now(),
            timeout_ms,
        });
        self.interp.set_globals_index(Some(self.load_api));
        let l = self.interp.state();
        // SAFETY: the hook only reads `Shared` through the registry.
        unsafe { ffi::lua_sethook(l, Some(load_hook), ffi::LUA_MASKCOUNT, 100_000) };
        let result = self.interp.call(chunk, 0);
        // SAFETY: the result (or error) is on the stack.
        let err = unsafe {
            ffi::lua_sethook(l, None, 0, 0);
            let err = result.is_err().then(|| load_error(l));
            ffi::lua_pop(l, 1);
            err
        };
        self.interp.set_globals_index(None);
        self.interp.release(chunk);
        let functions = shared
            .loading
            .take()
            .map(|ld| ld.functions)
            .unwrap_or_default();
        let mut lib = Lib {
            name: Bytes::from(name),
            code: Bytes::copy_from_slice(code),
            functions: BTreeMap::new(),
        };
        for f in functions {
            lib.functions.insert(f.name.clone(), f);
        }
        if let Some(e) = err {
            self.release(lib);
            return Err(format!("ERR Error registering functions: {e}"));
        }
        if lib.functions.is_empty() {
            return Err("ERR No functions registered".into());
        }
        Ok(lib)
    }
}

/// The text of an error raised while library code loaded: the `err` of
/// the handler's table, or a bare string (a memory error).
///
/// # Safety
/// The error value is at the top of the stack.
unsafe fn load_error(l: *mut lua_State) -> String {
    if ffi::lua_type(l, -1) == ffi::LUA_TTABLE {
        if let Some(e) = super::convert::table_string_field(l, -1, c"err") {
            return String::from_utf8_lossy(&e).into_owned();
        }
        return "ERR unknown error".into();
    }
    to_bytes(l, -1).map_or_else(
        || "unknown error".into(),
        |b| String::from_utf8_lossy(b).into_owned(),
    )
}

/// The count hook while library code loads: stops it past its timeout
/// (and at every line after, so `pcall` cannot swallow it).
unsafe extern "C-unwind" fn load_hook(l: *mut lua_State, _ar: *mut ffi::lua_Debug) {
    ffi::lua_getfield(l, ffi::LUA_REGISTRYINDEX, SHARED_KEY.as_ptr());
    let shared = ffi::lua_touserdata(l, -1) as *mut Shared;
    ffi::lua_pop(l, 1);
    let Some(ld) = shared.as_ref().and_then(|s| s.loading.as_ref()) else {
        return;
    };
    if ld.timeout_ms > 0 && ld.started.elapsed().as_millis() as u64 > ld.timeout_ms {
        ffi::lua_sethook(l, Some(load_hook), ffi::LUA_MASKLINE, 0);
        raise_err(l, "FUNCTION LOAD timeout".into());
    }
}

/// Whether `name` is a valid library or function name.
fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Reads the shebang: the library's name and where the body starts (the
/// newline that ends the shebang). The texts are Redis's (without `ERR`).
pub fn parse_metadata(code: &[u8]) -> Result<(Vec<u8>, usize), String> {
    if !code.starts_with(b"#!") {
        return Err("Missing library metadata".into());
    }
    let Some(end) = code.iter().position(|&b| b == b'\n') else {
        return Err("Invalid library metadata".into());
    };
    let mut parts = code[..end]
        .split(|&b| b == b' ' || b == b'\t' || b == b'\r')
        .filter(|p| !p.is_empty());
    let Some(first) = parts.next() else {
        return Err("Invalid library metadata".into());
    };
    let engine = &first[2..];
    let mut name: Option<Vec<u8>> = None;
    for part in parts {
        if part.len() >= 5 && part[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err(
                    "Invalid metadata value, name argument was given multiple times".into(),
                );
            }
            name = Some(part[5..].to_vec());
            continue;
        }
        return Err(format!(
            "Invalid metadata value given: {}",
            String::from_utf8_lossy(part)
        ));
    }
    let Some(name) = name else {
        return Err("Library name was not given".into());
    };
    if !valid_name(&name) {
        return Err(BAD_NAME.into());
    }
    if !engine.eq_ignore_ascii_case(b"lua") {
        return Err(format!(
            "Engine '{}' not found",
            String::from_utf8_lossy(engine)
        ));
    }
    Ok((name, end))
}

/// Raises Redis's error table `{err = "ERR <msg>"}`; `msg` is dropped
/// before the jump.
unsafe fn raise_err(l: *mut lua_State, msg: String) -> ! {
    ffi::lua_settop(l, 0);
    ffi::lua_createtable(l, 0, 1);
    push_bytes(l, format!("ERR {msg}").as_bytes());
    drop(msg);
    ffi::lua_setfield(l, -2, c"err".as_ptr());
    ffi::lua_error(l)
}

/// `redis.register_function(name, callback)` or
/// `redis.register_function{function_name=, callback=, flags=, description=}`:
/// only while a library loads.
///
/// # Safety
/// Called by Lua, with the engine's `Shared` as upvalue 1.
pub unsafe extern "C-unwind" fn register_function(l: *mut lua_State) -> c_int {
    let shared = &mut *(ffi::lua_touserdata(l, ffi::lua_upvalueindex(1)) as *mut Shared);
    if shared.loading.is_none() {
        raise_err(
            l,
            "redis.register_function can only be called on FUNCTION LOAD command".into(),
        );
    }
    let argc = ffi::lua_gettop(l);
    let read = match argc {
        1 => read_named(l),
        2 => read_positional(l),
        _ => Err("wrong number of arguments to redis.register_function".into()),
    };
    let checked = read.and_then(|f| {
        let loading = shared.loading.as_ref().expect("checked above");
        let err = if !valid_name(&f.name) {
            Some(BAD_NAME)
        } else if loading.functions.iter().any(|g| g.name == f.name) {
            Some("Function already exists in the library")
        } else {
            None
        };
        match err {
            Some(e) => {
                ffi::luaL_unref(l, ffi::LUA_REGISTRYINDEX, f.func);
                Err(e.to_string())
            }
            None => Ok(f),
        }
    });
    match checked {
        Ok(f) => {
            if let Some(ld) = shared.loading.as_mut() {
                ld.functions.push(f);
            }
            0
        }
        Err(msg) => raise_err(l, msg),
    }
}

/// A string (or number) argument at `idx`.
unsafe fn string_at(l: *mut lua_State, idx: c_int) -> Option<Bytes> {
    match ffi::lua_type(l, idx) {
        ffi::LUA_TSTRING | ffi::LUA_TNUMBER => to_bytes(l, idx).map(Bytes::copy_from_slice),
        _ => None,
    }
}

/// The positional form: `(name, callback)`.
unsafe fn read_positional(l: *mut lua_State) -> Result<Func, String> {
    let Some(name) = string_at(l, 1) else {
        return Err("first argument to redis.register_function must be a string".into());
    };
    if ffi::lua_type(l, 2) != ffi::LUA_TFUNCTION {
        return Err("second argument to redis.register_function must be a function".into());
    }
    ffi::lua_pushvalue(l, 2);
    let func = ffi::luaL_ref(l, ffi::LUA_REGISTRYINDEX);
    Ok(Func {
        name,
        desc: None,
        flags: ScriptFlags {
            shebang: true,
            ..ScriptFlags::default()
        },
        func,
    })
}

/// The named form: a table of `function_name`, `callback`, `flags`,
/// `description` (keys in any case).
unsafe fn read_named(l: *mut lua_State) -> Result<Func, String> {
    if ffi::lua_type(l, 1) != ffi::LUA_TTABLE {
        return Err("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).".into());
    }
    let mut name = None;
    let mut desc = None;
    let mut func: Option<c_int> = None;
    let mut flags = ScriptFlags {
        shebang: true,
        ..ScriptFlags::default()
    };
    let mut err: Option<&'static str> = None;
    ffi::lua_pushnil(l);
    while ffi::lua_next(l, 1) != 0 {
        let key = match ffi::lua_type(l, -2) {
            ffi::LUA_TSTRING => to_bytes(l, -2).unwrap_or_default().to_ascii_lowercase(),
            // A number is a string to Redis, and never a known name.
            ffi::LUA_TNUMBER => Vec::new(),
            _ => {
                err = Some("named argument key given to redis.register_function is not a string");
                break;
            }
        };
        match &key[..] {
            b"function_name" => match string_at(l, -1) {
                Some(n) => name = Some(n),
                None => {
                    err = Some(
                        "function_name argument given to redis.register_function must be a string",
                    );
                    break;
                }
            },
            b"description" => match string_at(l, -1) {
                Some(d) => desc = Some(d),
                None => {
                    err = Some(
                        "description argument given to redis.register_function must be a string",
                    );
                    break;
                }
            },
            b"callback" => {
                if ffi::lua_type(l, -1) != ffi::LUA_TFUNCTION {
                    err = Some(
                        "callback argument given to redis.register_function must be a function",
                    );
                    break;
                }
                if let Some(old) = func.take() {
                    ffi::luaL_unref(l, ffi::LUA_REGISTRYINDEX, old);
                }
                // luaL_ref pops the value: the key stays for lua_next.
                func = Some(ffi::luaL_ref(l, ffi::LUA_REGISTRYINDEX));
                continue;
            }
            b"flags" => {
                if ffi::lua_type(l, -1) != ffi::LUA_TTABLE {
                    err = Some("flags argument to redis.register_function must be a table representing function flags");
                    break;
                }
                if !read_flags(l, &mut flags) {
                    err = Some("unknown flag given");
                    break;
                }
            }
            _ => {
                err = Some("unknown argument given to redis.register_function");
                break;
            }
        }
        ffi::lua_pop(l, 1);
    }
    let result = match (err, name, func) {
        (Some(e), _, _) => Err(e),
        (None, None, _) => Err("redis.register_function must get a function name argument"),
        (None, Some(_), None) => Err("redis.register_function must get a callback argument"),
        (None, Some(name), Some(func)) => {
            return Ok(Func {
                name,
                desc,
                flags,
                func,
            })
        }
    };
    if let Some(f) = func {
        ffi::luaL_unref(l, ffi::LUA_REGISTRYINDEX, f);
    }
    result.map_err(String::from)
}

/// Reads the flags table at the top of the stack (`{'no-writes', ...}`,
/// any case). False on a flag that is not a known string.
unsafe fn read_flags(l: *mut lua_State, flags: &mut ScriptFlags) -> bool {
    let mut j = 1;
    loop {
        ffi::lua_rawgeti(l, -1, j);
        j += 1;
        let t = ffi::lua_type(l, -1);
        if t == ffi::LUA_TNIL {
            ffi::lua_pop(l, 1);
            return true;
        }
        let ok = match string_at(l, -1) {
            Some(f) => flags.add(&f.to_ascii_lowercase()).is_ok(),
            None => false,
        };
        ffi::lua_pop(l, 1);
        if !ok {
            return false;
        }
    }
}

/// Pushes a function's two arguments, the keys and the arguments tables,
/// in a protected call.
///
/// # Safety
/// `l` is live, outside any C function.
pub unsafe fn push_keys_args(
    l: *mut lua_State,
    keys: &[Bytes],
    args: &[Bytes],
) -> Result<(), String> {
    unsafe extern "C-unwind" fn build(l: *mut lua_State) -> c_int {
        for i in [1, 2] {
            let v = &*(ffi::lua_touserdata(l, i) as *const &[Bytes]);
            super::luaapi::push_list(l, v);
        }
        2
    }
    ffi::lua_pushcfunction(l, build);
    ffi::lua_pushlightuserdata(l, (&keys as *const &[Bytes]).cast_mut().cast());
    ffi::lua_pushlightuserdata(l, (&args as *const &[Bytes]).cast_mut().cast());
    if ffi::lua_pcall(l, 2, 2, 0) != 0 {
        ffi::lua_pop(l, 1);
        return Err("ERR not enough memory".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_errors_are_redis_texts() {
        assert_eq!(
            parse_metadata(b"return 1").unwrap_err(),
            "Missing library metadata"
        );
        assert_eq!(
            parse_metadata(b"#!lua name=x").unwrap_err(),
            "Invalid library metadata"
        );
        assert_eq!(
            parse_metadata(b"#!lua name=x foo=bar\n").unwrap_err(),
            "Invalid metadata value given: foo=bar"
        );
        assert_eq!(
            parse_metadata(b"#!lua2 name=x\n").unwrap_err(),
            "Engine 'lua2' not found"
        );
        assert_eq!(
            parse_metadata(b"#!lua NAME=abc\nx").unwrap(),
            (b"abc".to_vec(), 14)
        );
    }
}
