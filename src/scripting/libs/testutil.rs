//! Differential checks for the libraries: the same script runs in a bare
//! Lua with our libraries and, through EVAL, in a redis-server 7.0 that
//! the test process starts once (Debian's `redis-server` must be
//! installed). Scripts return a string (or a number, which becomes an
//! integer, or raise); both sides are compared as text.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use crate::scripting::luaapi::{ffi, to_bytes};

/// One connection to the oracle, shared by every test of the process.
fn oracle() -> &'static Mutex<BufReader<TcpStream>> {
    static ORACLE: OnceLock<Mutex<BufReader<TcpStream>>> = OnceLock::new();
    ORACLE.get_or_init(|| {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let dir = std::env::temp_dir().join(format!("cinnabar-lua-oracle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("oracle dir");
        // The oracle goes away with the test process: a watchdog shell
        // kills it once this process is gone.
        let script = format!(
            "redis-server --port {port} --save '' --appendonly no --dir {} >/dev/null 2>&1 & r=$!; \
             while kill -0 {} 2>/dev/null; do sleep 1; done; kill $r",
            dir.display(),
            std::process::id()
        );
        // The watchdog outlives this function by design: never waited on.
        #[allow(clippy::zombie_processes)]
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        for _ in 0..100 {
            if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
                return Mutex::new(BufReader::new(s));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("redis-server did not start (is it installed?)");
    })
}

/// What a script gave: its value as text, or its error text.
pub type Outcome = Result<Vec<u8>, String>;

/// Runs `script` with EVAL in redis-server. An error loses Redis's `ERR `
/// and its ` script: <sha>, on @user_script:N.` suffix, leaving what Lua
/// raised ("user_script:1: ...").
pub fn redis_eval(script: &str) -> Outcome {
    let mut conn = oracle().lock().unwrap_or_else(|e| e.into_inner());
    let req = format!(
        "*3\r\n$4\r\nEVAL\r\n${}\r\n{}\r\n$1\r\n0\r\n",
        script.len(),
        script
    );
    conn.get_mut().write_all(req.as_bytes()).expect("write");
    let mut raw = Vec::new();
    conn.read_until(b'\n', &mut raw).expect("read");
    let line = String::from_utf8_lossy(&raw).into_owned();
    let line = line.trim_end();
    match line.as_bytes().first() {
        Some(b'$') => {
            let n: i64 = line[1..].parse().expect("bulk length");
            if n < 0 {
                return Ok(b"nil".to_vec());
            }
            let mut buf = vec![0; n as usize + 2];
            conn.read_exact(&mut buf).expect("bulk");
            buf.truncate(n as usize);
            Ok(buf)
        }
        Some(b':') | Some(b'+') => Ok(line.as_bytes()[1..].to_vec()),
        Some(b'-') => {
            let e = &line[1..];
            let e = e.strip_prefix("ERR ").unwrap_or(e);
            let e = e.rsplit_once(" script: ").map_or(e, |(m, _)| m);
            Err(e.to_string())
        }
        _ => panic!("unexpected reply from redis-server: {line}"),
    }
}

/// Runs `script` in a fresh Lua with the base, table, string and math
/// libraries and ours, as a chunk named like Redis's (`@user_script`).
/// A number result becomes an integer (truncated), as EVAL converts it.
pub fn local_eval(script: &str) -> Outcome {
    unsafe {
        let l = ffi::luaL_newstate();
        for open in [
            ffi::luaopen_base as super::CFn,
            ffi::luaopen_table,
            ffi::luaopen_string,
            ffi::luaopen_math,
        ] {
            ffi::lua_pushcfunction(l, open);
            ffi::lua_call(l, 0, 0);
        }
        super::open_all(l);
        let status = ffi::luaL_loadbuffer(
            l,
            script.as_ptr().cast(),
            script.len(),
            c"@user_script".as_ptr(),
        );
        let status = if status == 0 {
            ffi::lua_pcall(l, 0, 1, 0)
        } else {
            status
        };
        // (Before `to_bytes`, which turns a number into a string.)
        let number = ffi::lua_type(l, -1) == ffi::LUA_TNUMBER;
        let text = to_bytes(l, -1).map(<[u8]>::to_vec);
        let out = if status != 0 {
            Err(String::from_utf8_lossy(&text.unwrap_or_default()).into_owned())
        } else if number {
            Ok((ffi::lua_tonumber(l, -1) as i64).to_string().into_bytes())
        } else if ffi::lua_isnil(l, -1) != 0 {
            Ok(b"nil".to_vec())
        } else {
            text.ok_or_else(|| "script returned neither string nor number".to_string())
        };
        ffi::lua_close(l);
        out
    }
}

/// Asserts that `script` gives the same outcome here and in Redis.
#[track_caller]
pub fn assert_same(script: &str) {
    let ours = local_eval(script);
    let theirs = redis_eval(script);
    assert_eq!(
        ours.as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned()),
        theirs
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned()),
        "script: {script}"
    );
}

#[test]
fn harness_compares_like_redis() {
    assert_same("return string.format('%d', 3)");
    assert_same("return 3.7");
    assert_same("error('boom')");
    // Our stub libraries would fail this until written; the harness
    // itself must see differences.
    assert_ne!(local_eval("return 'a'"), redis_eval("return 'b'"));
}
