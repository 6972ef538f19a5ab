//! Lua scripting: EVAL scripts and FUNCTION libraries run in two Lua 5.1
//! interpreters (one each, as in Redis 7.0) owned by the loop (the `mlua`
//! crate builds Lua 5.1 from its bundled source; the engine uses its C
//! API bindings directly, as Redis uses Lua's).
//!
//! This layer knows Lua, the script cache and the function libraries; it
//! knows nothing of commands. A script reaches the dataset only through
//! the [`Host`] its caller lends it for the run: the command layer's
//! implementation sends each `redis.call` through the server's one call
//! path (admission, handler, finishing), so scripts see what clients see.
//!
//! - [`interp`]: the Lua state, its sandbox and allocator.
//! - [`redislib`]: the `redis` table (`call`, `pcall`, `error_reply`...).
//! - [`convert`]: RESP ↔ Lua conversions.
//! - [`libs`]: `cjson`, `cmsgpack`, `bit`, `struct`.
//! - [`functions`]: FUNCTION libraries, in their own interpreter.

// The engine and its libraries are Lua C API code.
#![allow(unsafe_code)]

pub mod convert;
pub mod functions;
pub mod interp;
pub mod libs;
pub mod luaapi;
pub mod redislib;

use std::collections::HashMap;
use std::ffi::{c_int, CStr};
use std::time::Instant;

use bytes::Bytes;

use crate::resp::Out;
use interp::Interp;
use luaapi::{ffi, lua_State, to_bytes};

/// Instructions between two calls of the hook that watches a running
/// script (time, SCRIPT KILL, serving other clients), as Redis.
const HOOK_EVERY: c_int = 100_000;

/// What the engine needs from the server while a script runs.
pub trait Host {
    /// Runs `argv` as the script's command; its reply (in the protocol
    /// `reply.resp` says) is appended to `reply`. `Err` is a refusal
    /// before the command ran (unknown command, arity, ACL, a write from
    /// a read-only script...), raised to the script as an error.
    /// `repl` is the script's `redis.set_repl` setting: with
    /// `REPL_NONE` the command's effects are not propagated.
    fn call(&mut self, argv: &[Bytes], reply: &mut Out, repl: u8) -> Result<(), String>;
    /// `redis.acl_check_cmd`: whether the script's user may run `argv`.
    fn acl_check(&mut self, argv: &[Bytes]) -> Result<bool, String>;
    /// Called every [`HOOK_EVERY`] instructions with the time the script
    /// has run: the host may serve other clients. `Some(error)` aborts
    /// the script (SCRIPT KILL, shutdown).
    fn tick(&mut self, elapsed_ms: u64) -> Option<String>;
}

/// The script's flags, from its shebang line (`#!lua flags=...`) or the
/// function's registration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScriptFlags {
    /// Declared with a shebang (flags apply; without one, EVAL scripts
    /// keep the pre-7.0 behaviour).
    pub shebang: bool,
    /// `no-writes`: write commands are refused.
    pub no_writes: bool,
    /// `allow-oom`: runs (and writes) over maxmemory.
    pub allow_oom: bool,
    /// `allow-stale`: runs on a stale replica.
    pub allow_stale: bool,
    /// `no-cluster`: refused in cluster mode.
    pub no_cluster: bool,
    /// `allow-cross-slot-keys`: keys may span slots.
    pub allow_cross_slot_keys: bool,
}

impl ScriptFlags {
    /// Parses a flag list (`no-writes,allow-oom` or a Lua table's names).
    pub fn add(&mut self, name: &[u8]) -> Result<(), String> {
        match name {
            b"no-writes" => self.no_writes = true,
            b"allow-oom" => self.allow_oom = true,
            b"allow-stale" => self.allow_stale = true,
            b"no-cluster" => self.no_cluster = true,
            b"allow-cross-slot-keys" => self.allow_cross_slot_keys = true,
            other => {
                return Err(format!(
                    "Unexpected flag in script shebang: {}",
                    String::from_utf8_lossy(other)
                ))
            }
        }
        Ok(())
    }

    /// The flag names, as FUNCTION LIST shows them.
    pub fn names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (on, name) in [
            (self.no_writes, "no-writes"),
            (self.allow_oom, "allow-oom"),
            (self.allow_stale, "allow-stale"),
            (self.no_cluster, "no-cluster"),
            (self.allow_cross_slot_keys, "allow-cross-slot-keys"),
        ] {
            if on {
                v.push(name);
            }
        }
        v
    }
}

/// The shebang of an EVAL script (`#!lua flags=...`), parsed as Redis's
/// `evalExtractShebangFlags`: the line split as `sdssplitargs` splits,
/// the engine exactly `#!lua`, then only `flags=` options, each a comma
/// list of known flags. The errors are Redis's, word for word.
pub fn parse_shebang(body: &[u8]) -> Result<ScriptFlags, String> {
    let mut flags = ScriptFlags::default();
    if !body.starts_with(b"#!") {
        return Ok(flags);
    }
    flags.shebang = true;
    let Some(nl) = body.iter().position(|&b| b == b'\n') else {
        return Err("ERR Invalid script shebang".into());
    };
    let parts = match crate::resp::parse::split_args(&body[..nl]) {
        Some(p) if !p.is_empty() => p,
        _ => return Err("ERR Invalid engine in script shebang".into()),
    };
    let lossy = |b: &[u8]| String::from_utf8_lossy(convert::c_str(b)).into_owned();
    if parts[0] != b"#!lua" {
        return Err(format!(
            "ERR Unexpected engine in script shebang: {}",
            lossy(&parts[0])
        ));
    }
    for p in &parts[1..] {
        let Some(list) = p.strip_prefix(b"flags=") else {
            return Err(format!("ERR Unknown lua shebang option: {}", lossy(p)));
        };
        // `sdssplitlen`: an empty list has no flags; otherwise every
        // piece counts, empty ones too.
        if list.is_empty() {
            continue;
        }
        for f in list.split(|&b| b == b',') {
            flags.add(f).map_err(|e| format!("ERR {e}"))?;
        }
    }
    Ok(flags)
}

/// A cached EVAL script.
pub struct Script {
    /// Its source, as given.
    pub body: Bytes,
    /// Its shebang flags.
    pub flags: ScriptFlags,
    /// The compiled function's registry reference.
    func: c_int,
}

/// State the `redis` table's C functions reach (through an upvalue):
/// the host of the running script and its per-run settings.
pub struct Shared {
    /// The running script's host, for the duration of the run only.
    host: Option<*mut (dyn Host + 'static)>,
    /// `redis.setresp`: the protocol of `redis.call` replies.
    resp: u8,
    /// `redis.set_repl` flags (REPL_ALL by default).
    pub repl: u8,
    /// `math.random`'s generator (Redis's rand48), kept across scripts.
    rand48: u64,
    /// Scratch for the replies of `redis.call`.
    reply: Out,
    /// Scratch for the arguments of `redis.call` (its capacity is kept).
    argv: Vec<Bytes>,
    /// When the running script started.
    started: Option<Instant>,
    /// The abort message once the host asked to stop the script; raised
    /// again at every line so `pcall` cannot swallow it.
    abort: Option<String>,
    /// Registering functions (FUNCTION LOAD) rather than running.
    pub loading: Option<functions::Loading>,
}

/// What a run produced.
pub enum Outcome {
    /// The reply was written.
    Replied,
    /// The script raised: the error reply's text.
    Failed(String),
}

/// The scripting subsystem: the interpreter, the EVAL script cache and
/// the function libraries.
pub struct Scripting {
    interp: Interp,
    shared: Box<Shared>,
    scripts: HashMap<Box<[u8]>, Script>,
    /// Bytes of cached script sources (INFO's `used_memory_scripts_eval`).
    pub scripts_memory: usize,
    /// Scripts run since the last GC step.
    runs: u32,
    /// FUNCTION libraries.
    pub functions: functions::Library,
}

impl Default for Scripting {
    fn default() -> Self {
        Scripting::new()
    }
}

impl Scripting {
    /// A fresh interpreter with an empty cache.
    pub fn new() -> Scripting {
        let mut shared = Box::new(Shared {
            host: None,
            resp: 2,
            repl: redislib::REPL_ALL,
            rand48: seed48(),
            reply: Out::new(),
            argv: Vec::new(),
            started: None,
            abort: None,
            loading: None,
        });
        let ptr: *mut Shared = &mut *shared;
        Scripting {
            interp: eval_interp(ptr),
            functions: functions::Library::new(ptr),
            shared,
            scripts: HashMap::new(),
            scripts_memory: 0,
            runs: 0,
        }
    }

    /// Bytes the interpreter holds.
    pub fn lua_memory(&self) -> usize {
        self.interp.used_memory()
    }

    /// Cached scripts.
    pub fn cached(&self) -> usize {
        self.scripts.len()
    }

    /// The cached script named `sha` (40 hex digits, any case).
    pub fn get(&self, sha: &[u8]) -> Option<&Script> {
        let mut lower = [0u8; 40];
        if sha.len() != 40 {
            return None;
        }
        lower.copy_from_slice(sha);
        lower.make_ascii_lowercase();
        self.scripts.get(&lower[..])
    }

    /// Compiles and caches `body` (unless cached). Returns its SHA1.
    pub fn load(&mut self, body: &[u8]) -> Result<[u8; 40], String> {
        let sha = sha1_hex(body);
        if self.scripts.contains_key(&sha[..]) {
            return Ok(sha);
        }
        let flags = parse_shebang(body)?;
        // The shebang line is compiled as an empty line.
        let code: std::borrow::Cow<[u8]> = if flags.shebang {
            let nl = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
            let mut c = body[nl..].to_vec();
            c.insert(0, b' ');
            c.into()
        } else {
            body.into()
        };
        let func = self
            .interp
            .compile(&code, c"@user_script")
            .map_err(|e| format!("ERR Error compiling script (new function): {e}"))?;
        self.scripts_memory += body.len();
        self.scripts.insert(
            sha.to_vec().into_boxed_slice(),
            Script {
                body: Bytes::copy_from_slice(body),
                flags,
                func,
            },
        );
        Ok(sha)
    }

    /// SCRIPT FLUSH: forgets every cached script (and, as Redis, starts a
    /// new interpreter, which also drops what scripts left in memory).
    /// The function libraries, in their own interpreter, stay.
    pub fn flush(&mut self) {
        let ptr: *mut Shared = &mut *self.shared;
        self.interp = eval_interp(ptr);
        self.shared.rand48 = seed48();
        self.scripts.clear();
        self.scripts_memory = 0;
        self.runs = 0;
    }

    /// Runs the cached script `sha` with `keys` and `args`; its reply
    /// goes to `out` (in `out`'s protocol).
    pub fn run_script(
        &mut self,
        sha: &[u8],
        keys: &[Bytes],
        args: &[Bytes],
        host: &mut dyn Host,
        out: &mut Out,
    ) -> Outcome {
        let Some(script) = self.get(sha) else {
            return Outcome::Failed("NOSCRIPT No matching script. Please use EVAL.".into());
        };
        let func = script.func;
        if let Err(e) = self.interp.set_keys_argv(keys, args) {
            return Outcome::Failed(e);
        }
        self.run(false, func, 0, Name::Sha(sha), host, out)
    }

    /// Runs the function `name` of a library with `keys` and `args`.
    pub fn run_function(
        &mut self,
        func: c_int,
        name: &str,
        keys: &[Bytes],
        args: &[Bytes],
        host: &mut dyn Host,
        out: &mut Out,
    ) -> Outcome {
        let l = self.functions.interp.state();
        // SAFETY: pushing the two argument tables runs protected.
        if let Err(e) = unsafe { functions::push_keys_args(l, keys, args) } {
            return Outcome::Failed(e);
        }
        self.run(true, func, 2, Name::Function(name), host, out)
    }

    /// Calls `func` (with `nargs` pushed) for `host`, then writes the
    /// result or builds the error text.
    /// `function`: in the functions' interpreter rather than EVAL's.
    fn run(
        &mut self,
        function: bool,
        func: c_int,
        nargs: c_int,
        name: Name,
        host: &mut dyn Host,
        out: &mut Out,
    ) -> Outcome {
        let interp = if function {
            &mut self.functions.interp
        } else {
            &mut self.interp
        };
        let l = interp.state();
        // SAFETY: the host pointer lives only while the call runs; it is
        // erased to 'static to sit in `Shared` and cleared right after.
        let host: *mut (dyn Host + '_) = host;
        self.shared.host = Some(unsafe {
            std::mem::transmute::<*mut (dyn Host + '_), *mut (dyn Host + 'static)>(host)
        });
        self.shared.resp = 2;
        self.shared.repl = redislib::REPL_ALL;
        self.shared.started = Some(Instant::now());
        self.shared.abort = None;
        let shared: *mut Shared = &mut *self.shared;
        unsafe {
            ffi::lua_sethook(l, Some(hook), ffi::LUA_MASKCOUNT, HOOK_EVERY);
            // The hook reaches `Shared` through the registry.
            ffi::lua_pushlightuserdata(l, shared.cast());
            ffi::lua_setfield(l, ffi::LUA_REGISTRYINDEX, SHARED_KEY.as_ptr());
        }
        let result = interp.call(func, nargs);
        unsafe {
            ffi::lua_sethook(l, None, 0, 0);
        }
        self.shared.host = None;
        self.shared.started = None;
        self.shared.abort = None;
        let resp3 = self.shared.resp == 3;
        let outcome = match result {
            // SAFETY: the result is at the top of the stack.
            Ok(()) => unsafe {
                convert::write_reply(l, out, convert::ReplyMode { resp3 });
                Outcome::Replied
            },
            Err(interp::Raised) => unsafe {
                let msg = error_text(l, &name.text());
                ffi::lua_pop(l, 1);
                Outcome::Failed(msg)
            },
        };
        let interp = if function {
            &mut self.functions.interp
        } else {
            &mut self.interp
        };
        if matches!(outcome, Outcome::Failed(_))
            && interp.used_memory() > interp::LUA_MEMORY_LIMIT / 2
        {
            // A failed script may have filled memory: reclaim it now (Lua
            // 5.1 has no emergency collection).
            interp.collect();
        }
        self.runs += 1;
        if self.runs >= 50 {
            self.runs = 0;
            interp.gc_step();
        }
        outcome
    }
}

/// What a failed run's error names after `script:`.
enum Name<'a> {
    /// An EVAL script's SHA1 (any case; shown lowercase).
    Sha(&'a [u8]),
    /// A library function.
    Function(&'a str),
}

impl Name<'_> {
    /// The text, made only when an error needs it.
    fn text(&self) -> String {
        match self {
            Name::Sha(sha) => String::from_utf8_lossy(sha).to_ascii_lowercase(),
            Name::Function(f) => (*f).to_string(),
        }
    }
}

/// EVAL's interpreter, whose `redis` table reaches `shared`.
fn eval_interp(shared: *mut Shared) -> Interp {
    Interp::new(|l| unsafe {
        redislib::set_random(l, shared);
        redislib::push_table(l, shared);
    })
}

/// Where the hook finds `Shared` (the registry field's name).
const SHARED_KEY: &CStr = c"cinnabar.shared";

/// The count hook: asks the host whether to go on; raises the abort
/// error (and keeps raising it at every line once it was given).
unsafe extern "C-unwind" fn hook(l: *mut lua_State, _ar: *mut ffi::lua_Debug) {
    ffi::lua_getfield(l, ffi::LUA_REGISTRYINDEX, SHARED_KEY.as_ptr());
    let shared = ffi::lua_touserdata(l, -1) as *mut Shared;
    ffi::lua_pop(l, 1);
    if shared.is_null() {
        return;
    }
    let shared = &mut *shared;
    if shared.abort.is_none() {
        let elapsed = shared.started.map_or(0, |s| s.elapsed().as_millis() as u64);
        if let Some(host) = shared.host {
            shared.abort = (*host).tick(elapsed);
        }
        if shared.abort.is_some() {
            // From now on at every line: pcall cannot catch it for good.
            ffi::lua_sethook(l, Some(hook), ffi::LUA_MASKLINE, 0);
        }
    }
    if let Some(msg) = &shared.abort {
        luaapi::push_bytes(l, msg.as_bytes());
        ffi::lua_error(l);
    }
}

/// The error text of a failed run, as Redis's `luaCallFunction` builds
/// it from the handler's table (`err`, `source`, `line`, each read with
/// `lua_tostring` as C strings): "<err> script: <name>, on <source>:<line>."
/// A bare string (a memory error) is "ERR Error running script ...".
///
/// # Safety
/// The error value is at the top of the stack.
unsafe fn error_text(l: *mut lua_State, name: &str) -> String {
    if ffi::lua_type(l, -1) != ffi::LUA_TTABLE {
        let s = (ffi::lua_isstring(l, -1) != 0)
            .then(|| to_bytes(l, -1).map(|b| String::from_utf8_lossy(b).into_owned()))
            .flatten();
        let mut msg = s.unwrap_or_else(|| "execution failure".into());
        msg.truncate(msg.floor_char_boundary(100));
        return format!("ERR Error running script {name}, {msg}");
    }
    // Strings and numbers, as lua_isstring takes them (a number is
    // converted on a copy, not in the table). Raw access: this runs
    // unprotected, where a metamethod's error would abort.
    let field = |f: &CStr| {
        ffi::lua_pushstring(l, f.as_ptr());
        ffi::lua_rawget(l, -2);
        let v = (ffi::lua_isstring(l, -1) != 0)
            .then(|| to_bytes(l, -1).map(|b| convert::c_str(b).to_vec()))
            .flatten();
        ffi::lua_pop(l, 1);
        v.map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    // (A table raised without `err` crashes Redis 7.0; here it is a plain
    // error.)
    let err = field(c"err").unwrap_or_else(|| "ERR unknown error".into());
    match (field(c"source"), field(c"line")) {
        (Some(s), Some(n)) => format!("{err} script: {name}, on {s}:{n}."),
        _ => err,
    }
}

/// SHA1 of `data` in lowercase hex.
pub fn sha1_hex(data: &[u8]) -> [u8; 40] {
    use sha1::Digest;
    let digest = sha1::Sha1::digest(data);
    let mut hex = [0u8; 40];
    for (i, b) in digest.iter().enumerate() {
        hex[2 * i] = b"0123456789abcdef"[usize::from(b >> 4)];
        hex[2 * i + 1] = b"0123456789abcdef"[usize::from(b & 15)];
    }
    hex
}

/// A seed for `math.random` that differs from run to run.
fn seed48() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    ((t ^ u64::from(std::process::id())) << 16 | 0x330E) & ((1 << 48) - 1)
}

/// The running script as the rest of the server sees it (the engine
/// itself is lent to the run meanwhile).
#[derive(Debug, Default)]
pub struct Busy {
    /// The script now running, if any.
    pub running: Option<Running>,
    /// Connections whose readable event arrived while the script ran but
    /// that could not be read then (the script's own client): the loop
    /// reads them again.
    pub missed_reads: Vec<usize>,
}

/// A script (EVAL or FCALL) that is running.
#[derive(Debug)]
pub struct Running {
    /// The calling client.
    pub caller: u64,
    /// For FCALL: the function's name (FUNCTION STATS).
    pub function: Option<String>,
    /// The command that runs it (FUNCTION STATS), noted once it is busy.
    pub command: Vec<Bytes>,
    /// When it started.
    pub started: Instant,
    /// It has written (SCRIPT KILL refuses then).
    pub wrote: bool,
    /// It has run past `busy-reply-threshold`: other clients get BUSY.
    pub busy: bool,
    /// SCRIPT KILL or FUNCTION KILL asked it to stop.
    pub kill: bool,
    /// Libraries and functions loaded (FUNCTION STATS while the engine
    /// is lent to the run).
    pub function_counts: (usize, usize),
    /// The loop has served every client once since the script went busy.
    pub swept: bool,
}

impl Busy {
    /// Whether other clients are refused with BUSY.
    pub fn is_busy(&self) -> bool {
        self.running.as_ref().is_some_and(|r| r.busy)
    }

    /// BUSY's text for the running script.
    pub fn busy_error(&self) -> &'static str {
        match self.running.as_ref().and_then(|r| r.function.as_ref()) {
            Some(_) => "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.",
            None => "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
        }
    }
}

impl std::fmt::Debug for Scripting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scripting")
            .field("scripts", &self.scripts.len())
            .field("lua_memory", &self.lua_memory())
            .finish()
    }
}
