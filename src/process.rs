//! The process around the server: detaching (`daemonize`), the pid file,
//! telling a supervisor (systemd, upstart) that connections are accepted,
//! the process title, the OOM score and transparent huge pages. Each is a
//! small call on the operating system made at startup, at exit, or when
//! CONFIG SET changes its parameter.

// fork, setsid, dup2, raise and prctl have no safe wrapper in std.
#![allow(unsafe_code)]

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::sync::{Mutex, OnceLock};

use crate::config::{expand_title, Config, TitleVars};

/// What startup owes the world: the parent waiting for a daemonized
/// child's word, the pid file to remove at exit, the supervisor to tell.
/// Dropping it (at exit) removes the pid file.
#[derive(Debug, Default)]
pub struct Startup {
    /// The write end of the pipe the daemonizing parent reads.
    parent: Option<io::PipeWriter>,
    /// The pid file written, removed on drop.
    pidfile: Option<String>,
    /// Supervision in effect after `supervised auto` was resolved.
    supervisor: Supervisor,
}

/// Who supervises the server.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Supervisor {
    #[default]
    None,
    Systemd,
    Upstart,
}

impl Startup {
    /// Resolves supervision, detaches if asked (the parent never returns
    /// from here: it exits 0 once the child reports that it listens, or 1
    /// with the child's error) and writes the pid file.
    ///
    /// Call before any thread exists and before logging starts, so the
    /// child's log lines carry its own pid.
    pub fn begin(config: &mut Config) -> io::Result<Startup> {
        let supervisor = match config.supervised.as_str() {
            "systemd" => Supervisor::Systemd,
            "upstart" => Supervisor::Upstart,
            "auto" if std::env::var_os("UPSTART_JOB").is_some() => Supervisor::Upstart,
            "auto" if std::env::var_os("NOTIFY_SOCKET").is_some() => Supervisor::Systemd,
            _ => Supervisor::None,
        };
        let supervisor = match supervisor {
            Supervisor::Systemd if std::env::var_os("NOTIFY_SOCKET").is_none() => {
                eprintln!("WARNING systemd supervision requested or auto-detected, but NOTIFY_SOCKET not found!");
                Supervisor::None
            }
            Supervisor::Upstart if std::env::var_os("UPSTART_JOB").is_none() => {
                eprintln!("WARNING upstart supervision requested, but UPSTART_JOB not found!");
                Supervisor::None
            }
            s => s,
        };
        // Before the title overwrites the arguments std reads it from.
        ARGV0.get_or_init(|| std::env::args().next().unwrap_or_default());
        let mut startup = Startup {
            parent: None,
            pidfile: None,
            supervisor,
        };
        // As Redis: a supervised server stays in the foreground.
        if config.daemonize && supervisor == Supervisor::None {
            startup.parent = Some(detach()?);
            if config.pidfile.is_empty() {
                // Redis's default for a daemon.
                config.pidfile = "/var/run/redis.pid".into();
            }
        }
        if !config.pidfile.is_empty() {
            // As Redis, a pid file that cannot be written is a warning.
            match std::fs::write(&config.pidfile, format!("{}\n", std::process::id())) {
                Ok(()) => startup.pidfile = Some(config.pidfile.clone()),
                Err(e) => eprintln!("Failed to write PID file {}: {e}", config.pidfile),
            }
        }
        Ok(startup)
    }

    /// The listeners are bound and the data loaded: the daemonizing
    /// parent may exit 0 and the supervisor learns that the server is up.
    pub fn ready(&mut self) {
        match self.supervisor {
            Supervisor::Systemd => {
                log::info!("supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit.");
                notify_systemd("STATUS=Ready to accept connections\nREADY=1\n");
            }
            Supervisor::Upstart => {
                log::info!("supervised by upstart, will stop to signal readiness.");
                std::env::remove_var("UPSTART_JOB");
                // SAFETY: raise only sends a signal to this process.
                unsafe { libc::raise(libc::SIGSTOP) };
            }
            Supervisor::None => {}
        }
        if let Some(mut pipe) = self.parent.take() {
            let _ = pipe.write_all(b"ok");
        }
    }

    /// Startup failed: the pid file goes, then the daemonizing parent
    /// prints `msg` and exits 1.
    pub fn fail(&mut self, msg: &str) {
        if let Some(path) = self.pidfile.take() {
            let _ = std::fs::remove_file(path);
        }
        if let Some(mut pipe) = self.parent.take() {
            let _ = pipe.write_all(msg.as_bytes());
        }
    }

    /// The server is about to exit: systemd hears STOPPING=1.
    pub fn stopping(&self) {
        if self.supervisor == Supervisor::Systemd {
            notify_systemd("STOPPING=1\n");
        }
    }
}

impl Drop for Startup {
    fn drop(&mut self) {
        if let Some(path) = self.pidfile.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Forks. The parent waits for the child's word on a pipe and exits; the
/// child starts a new session, points standard input and output at
/// /dev/null (the log goes to `logfile` or nowhere, as in Redis) and gets
/// the pipe's write end.
fn detach() -> io::Result<io::PipeWriter> {
    let (mut reader, writer) = io::pipe()?;
    // SAFETY: called from main before any thread is started, so the child
    // is a complete copy of a single-threaded process.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => {
            drop(reader);
            // SAFETY: setsid has no memory effects.
            unsafe { libc::setsid() };
            let null = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/null")?;
            for fd in 0..=2 {
                // SAFETY: dup2 onto the standard descriptors, which this
                // process owns; `null` stays open across the calls.
                unsafe { libc::dup2(null.as_raw_fd(), fd) };
            }
            Ok(writer)
        }
        _ => {
            drop(writer);
            let mut word = String::new();
            let _ = reader.read_to_string(&mut word);
            if word == "ok" {
                std::process::exit(0);
            }
            if word.is_empty() {
                word = "the server exited before accepting connections".into();
            }
            eprintln!("{word}");
            std::process::exit(1);
        }
    }
}

/// Sends a datagram to `$NOTIFY_SOCKET` (a path, or `@name` for the
/// abstract namespace), as sd_notify does.
fn notify_systemd(msg: &str) {
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    let path = path.to_string_lossy().into_owned();
    let addr = match path.strip_prefix('@') {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(name.as_bytes())
        }
        None => SocketAddr::from_pathname(&path),
    };
    let sent = addr.and_then(|a| UnixDatagram::unbound()?.send_to_addr(msg.as_bytes(), &a));
    if let Err(e) = sent {
        log::warn!("Can't notify systemd at {path}: {e}");
    }
}

/// Turns transparent huge pages off for this process (`disable-thp`), as
/// Redis does: THP makes fork-time copy-on-write and latency worse.
pub fn disable_thp() {
    // SAFETY: prctl with integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    if r != 0 {
        log::debug!(
            "Can't disable transparent huge pages: {}",
            io::Error::last_os_error()
        );
    }
}

/// The oom_score_adj the process had before `oom-score-adj` first changed
/// it: what `oom-score-adj no` restores. `None` while untouched.
static OOM_BASE: Mutex<Option<i32>> = Mutex::new(None);

/// Writes /proc/self/oom_score_adj for a primary as `oom-score-adj` and
/// `oom-score-adj-values` say (Redis's `setOOMScoreAdj`): `relative` (or
/// `yes`) adds the value to the score the process started with,
/// `absolute` writes it, `no` restores the original score if it was
/// changed. The error is what CONFIG SET reports.
pub fn set_oom_score_adj(config: &Config) -> Result<(), String> {
    const PATH: &str = "/proc/self/oom_score_adj";
    let fail = || "Failed to set current oom_score_adj. Check server logs.".to_string();
    let mut base = OOM_BASE.lock().unwrap_or_else(|e| e.into_inner());
    let val = if config.oom_score_adj != "no" {
        let b = match *base {
            Some(b) => b,
            None => {
                let read = std::fs::read_to_string(PATH).map_err(|e| {
                    log::warn!("Unable to read oom_score_adj: {e}");
                    fail()
                })?;
                let b = read.trim().parse().unwrap_or(0);
                *base = Some(b);
                b
            }
        };
        let v = config.oom_score_adj_values[0];
        let v = if config.oom_score_adj == "absolute" {
            v
        } else {
            v + b
        };
        v.clamp(-1000, 1000)
    } else if let Some(b) = base.take() {
        b
    } else {
        return Ok(());
    };
    std::fs::write(PATH, format!("{val}\n")).map_err(|e| {
        log::warn!("Unable to write oom_score_adj: {e}");
        fail()
    })
}

/// Sets the process title from `proc-title-template` when `set-proc-title`
/// is on. Like Redis's setproctitle, it rewrites the memory that holds the
/// command line (`ps`, `/proc/<pid>/cmdline`), through /proc/self/mem so
/// no unsafe code is needed; the title is cut to the room the original
/// arguments took. Failure is logged at debug level and ignored.
pub fn set_title(config: &Config, port: u16) {
    if !config.set_proc_title {
        return;
    }
    let vars = TitleVars {
        title: ARGV0.get().cloned().unwrap_or_default(),
        listen_addr: format!(
            "{}:{port}",
            config
                .bind
                .first()
                .map_or("*", |b| b.trim_start_matches('-'))
        ),
        port,
        config_file: config.config_file.clone().unwrap_or_else(|| "-".into()),
        unixsocket: config.unixsocket.clone(),
    };
    let Some(title) = expand_title(&config.proc_title_template, &vars) else {
        return;
    };
    if let Err(e) = write_cmdline(&title) {
        log::debug!("Can't set the process title: {e}");
    }
}

/// The name the server was started as (`{title}`), kept before the
/// first title overwrites it.
static ARGV0: OnceLock<String> = OnceLock::new();

/// Overwrites the argument area (`arg_start..arg_end` in
/// /proc/self/stat) with `title`, NUL-padded.
fn write_cmdline(title: &str) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the parenthesised command name; arg_start and arg_end
    // are fields 48 and 49 of the whole line.
    let after = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| io::Error::other("unexpected /proc/self/stat"))?;
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let (start, end) = match (fields.get(45), fields.get(46)) {
        (Some(&s), Some(&e)) if e > s => (s, e),
        _ => return Err(io::Error::other("no argument area in /proc/self/stat")),
    };
    let room = (end - start) as usize;
    let mut bytes = vec![0u8; room];
    let n = title.len().min(room - 1);
    bytes[..n].copy_from_slice(&title.as_bytes()[..n]);
    let mut mem = std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/self/mem")?;
    mem.seek(SeekFrom::Start(start))?;
    mem.write_all(&bytes)
}
