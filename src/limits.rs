//! What the operating system must grant for the configured limits: the
//! open-files limit `maxclients` needs (Redis's `adjustOpenFilesLimit`),
//! and TCP keepalive on accepted sockets (Redis's `anetKeepAlive`).

// setrlimit/getrlimit and setsockopt have no safe std wrapper; this module
// and `alloc` are the only unsafe code.
#![allow(unsafe_code)]

use log::{info, warn};
use std::io;
use std::os::fd::RawFd;

/// File descriptors kept for things other than clients: listeners, the
/// poll instance, the AOF files, logs (Redis's `CONFIG_MIN_RESERVED_FDS`).
pub const RESERVED_FDS: u64 = 32;

/// Raises the soft RLIMIT_NOFILE to `maxclients + 32` if it is lower, as
/// Redis does at startup. If the OS refuses, the highest limit it grants
/// (stepping down by 16 like Redis) is kept and the returned `maxclients`
/// is lowered to fit, with Redis's warnings. `Err` only when even the
/// current limit leaves no room for a client.
pub fn adjust_open_files_limit(maxclients: usize) -> Result<usize, String> {
    let wanted = maxclients as u64 + RESERVED_FDS;
    let Some((cur, max)) = get_nofile() else {
        let e = io::Error::last_os_error();
        warn!(
            "Unable to obtain the current NOFILE limit ({e}), assuming 1024 and setting the max clients configuration accordingly."
        );
        return Ok((1024 - RESERVED_FDS) as usize);
    };
    if cur >= wanted {
        return Ok(maxclients);
    }
    let mut best = wanted;
    let mut error = None;
    while best > cur {
        // Keep the hard limit where it is unless we must (and may, as
        // root) raise it: lowering it could never be undone.
        if set_nofile(best, max.max(best)) {
            break;
        }
        error = Some(io::Error::last_os_error());
        if best < 16 {
            best = cur;
            break;
        }
        best -= 16;
    }
    best = best.max(cur);
    if best < wanted {
        if best <= RESERVED_FDS {
            return Err(format!(
                "Your current 'ulimit -n' of {cur} is not enough for the server to start. Please increase your open file limit to at least {wanted}. Exiting."
            ));
        }
        let reduced = (best - RESERVED_FDS) as usize;
        let error = error.map(|e| e.to_string()).unwrap_or_default();
        warn!(
            "You requested maxclients of {maxclients} requiring at least {wanted} max file descriptors."
        );
        warn!("Server can't set maximum open files to {wanted} because of OS error: {error}.");
        warn!(
            "Current maximum open files is {best}. maxclients has been reduced to {reduced} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'."
        );
        Ok(reduced)
    } else {
        info!(
            "Increased maximum number of open files to {wanted} (it was originally set to {cur})."
        );
        Ok(maxclients)
    }
}

/// The soft and hard RLIMIT_NOFILE, or `None` if getrlimit fails.
pub fn get_nofile() -> Option<(u64, u64)> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for the call's duration.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    (rc == 0).then_some((lim.rlim_cur, lim.rlim_max))
}

fn set_nofile(cur: u64, max: u64) -> bool {
    let lim = libc::rlimit {
        rlim_cur: cur,
        rlim_max: max,
    };
    // SAFETY: `lim` is a valid rlimit; setrlimit only reads it.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0 }
}

/// Turns on TCP keepalive for `fd`: the first probe after `interval`
/// seconds idle, then every `interval / 3` seconds, and the peer is
/// declared dead after 3 unanswered probes (Redis's `anetKeepAlive`).
pub fn set_keepalive(fd: RawFd, interval: u64) -> io::Result<()> {
    let interval = interval.min(i32::MAX as u64) as libc::c_int;
    setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1)?;
    setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, interval)?;
    setsockopt_int(
        fd,
        libc::IPPROTO_TCP,
        libc::TCP_KEEPINTVL,
        (interval / 3).max(1),
    )?;
    setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 3)
}

fn setsockopt_int(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    v: libc::c_int,
) -> io::Result<()> {
    // SAFETY: `v` is a live c_int and the length passed is its size; an
    // invalid fd or option only makes the call fail with an errno.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&v as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Lowers the calling thread's scheduling priority to nice `nice` (on
/// Linux a thread's nice value is its own); best effort, for helper
/// threads whose work can wait while the loop serves clients.
pub fn nice_this_thread(nice: i32) {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and setpriority take and return plain integers and
    // touch no memory of ours.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, nice);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}
