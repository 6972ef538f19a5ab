//! Memory accounting: the process's global allocator is jemalloc (as in
//! Redis) wrapped to count the bytes it hands out, so `used_memory` (INFO,
//! MEMORY STATS, maxmemory) is what the program asked for, not the RSS.
//!
//! jemalloc rather than glibc malloc because of its size classes: glibc
//! adds an 8-byte header to every chunk and rounds to 16 (a 64-byte string
//! takes 80, a 16-byte key 32), jemalloc has no per-block header and
//! classes of 8, 16, 32, 48, 64, 80, 96, 112, 128, ... bytes, so the many
//! small blocks of the keyspace cost what they hold (see
//! docs/performance.md, "Memory layout", for the measurements).
//!
//! Every allocation, reallocation and free adjusts one counter with a
//! relaxed atomic add: the fsync and rewrite helper threads allocate too,
//! and no ordering with other memory is needed, only the sum. The peak is
//! raised on the allocation path only when the new total passes it (a
//! plain load first, so the common case costs no second atomic write).
//!
//! What is counted: the requested sizes of every live Rust allocation, in
//! every thread: the keyspace, client buffers, the AOF buffer, the
//! command table's lazily built parts. What is not: the allocator's size
//! class rounding and free pages (see [`malloc_info`]), thread stacks, the
//! executable.

// The allocator and the jemalloc control calls below are unsafe code the
// rest of the crate denies.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::{c_char, c_void, CStr};

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use tikv_jemallocator::Jemalloc;

/// Bytes currently allocated through the global allocator.
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
/// `ALLOCATED` when the server was ready to load data (`used_memory_startup`).
static STARTUP: AtomicUsize = AtomicUsize::new(0);
/// Highest value `ALLOCATED` has reached.
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Allocations made (and reallocations that grew), ever: tests check
/// that hot paths allocate nothing.
static COUNT: AtomicUsize = AtomicUsize::new(0);

/// jemalloc, counting. Installed as the global allocator of
/// every binary that links this crate.
#[derive(Debug, Clone, Copy)]
pub struct Counting;

#[global_allocator]
static GLOBAL: Counting = Counting;

/// jemalloc's build-time options (the symbol its configuration reads
/// first; `_RJEM_MALLOC_CONF` in the environment still overrides it).
///
/// `slab_sizes:1-4096:16`: small size classes are carved from slabs of
/// up to 16 pages instead of one. jemalloc keeps one extent record
/// (~128 bytes) per slab, so with one-page slabs of 64-byte blocks (the
/// keyspace's nodes) that metadata was 4 MB for 1M keys, 3% of the
/// dataset; with larger slabs it is 0.5 MB (docs/performance.md, "Memory
/// layout").
#[used]
#[export_name = "_rjem_malloc_conf"]
static MALLOC_CONF: &u8 = &b"slab_sizes:1-4096:16\0"[0];

#[inline]
fn grew(by: usize) {
    COUNT.fetch_add(1, Relaxed);
    let now = ALLOCATED.fetch_add(by, Relaxed) + by;
    if now > PEAK.load(Relaxed) {
        PEAK.fetch_max(now, Relaxed);
    }
}

#[inline]
fn shrank(by: usize) {
    ALLOCATED.fetch_sub(by, Relaxed);
}

// SAFETY: every method forwards to `Jemalloc` with the caller's arguments
// unchanged, so `Jemalloc`'s guarantees carry over; the counting only reads
// `layout.size()` and `new_size`, and counts only allocations that
// succeeded.
unsafe impl GlobalAlloc for Counting {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received (see the impl).
        let p = unsafe { Jemalloc.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received (see the impl).
        let p = unsafe { Jemalloc.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received (see the impl).
        unsafe { Jemalloc.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as received (see the impl).
        let p = unsafe { Jemalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // On failure the old block stays allocated and nothing changes.
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

/// Allocations (and growing reallocations) the process has made so far.
pub fn allocations() -> usize {
    COUNT.load(Relaxed)
}

/// Bytes the process has allocated and not freed (Redis's
/// `zmalloc_used_memory`): the figure `used_memory` reports and maxmemory
/// compares against.
pub fn used_memory() -> usize {
    ALLOCATED.load(Relaxed)
}

/// The highest `used_memory` seen since start (or the last
/// [`reset_peak`]).
pub fn peak_memory() -> usize {
    PEAK.load(Relaxed).max(used_memory())
}

/// Restarts peak tracking from the current usage (CONFIG RESETSTAT does
/// not do this in Redis; MEMORY PURGE does not either: only tests use it).
pub fn reset_peak() {
    PEAK.store(used_memory(), Relaxed);
}

/// Records the current usage as the startup baseline: called once the
/// server is initialised and before it loads the dataset.
pub fn mark_startup() {
    STARTUP.store(used_memory(), Relaxed);
}

/// What the server used before holding any data (`used_memory_startup`).
pub fn startup_memory() -> usize {
    STARTUP.load(Relaxed)
}

/// What the allocator itself reports, for INFO's `allocator_*` fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MallocInfo {
    /// Bytes in blocks jemalloc has handed out, size-class rounding
    /// included (`stats.allocated`).
    pub allocated: u64,
    /// Bytes in the pages those blocks occupy (`stats.active`).
    pub active: u64,
}

/// Reads a `size_t` jemalloc statistic; 0 if jemalloc does not know it.
fn mallctl_usize(name: &CStr) -> u64 {
    let mut v: usize = 0;
    let mut len = std::mem::size_of::<usize>();
    // SAFETY: `name` is NUL-terminated; `v` and `len` describe a writable
    // buffer of exactly the size jemalloc writes for these statistics.
    let rc = unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr(),
            (&mut v as *mut usize).cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    if rc == 0 {
        v as u64
    } else {
        0
    }
}

/// Refreshes jemalloc's cached statistics (they are read as of the last
/// `epoch` write, as Redis's `zmalloc_get_allocator_info` does).
fn refresh_stats() {
    let mut epoch: u64 = 1;
    let mut len = std::mem::size_of::<u64>();
    // SAFETY: "epoch" takes and returns a uint64_t; both pointers are to
    // live locals of that size.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            c"epoch".as_ptr(),
            (&mut epoch as *mut u64).cast(),
            &mut len,
            (&mut epoch as *mut u64).cast(),
            std::mem::size_of::<u64>(),
        );
    }
}

/// jemalloc's own view of the heap. It refreshes every arena's
/// statistics, so it is for INFO and MEMORY, not for hot paths.
pub fn malloc_info() -> MallocInfo {
    refresh_stats();
    MallocInfo {
        allocated: mallctl_usize(c"stats.allocated"),
        active: mallctl_usize(c"stats.active"),
    }
}

/// Returns free pages of every arena to the system (MEMORY PURGE), as
/// Redis's `jemalloc_purge` does.
pub fn purge() {
    // SAFETY: "arena.<MALLCTL_ARENAS_ALL>.purge" takes and returns nothing,
    // so every pointer is null; 4096 is MALLCTL_ARENAS_ALL.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            c"arena.4096.purge".as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        );
    }
}

/// jemalloc's statistics report (MEMORY MALLOC-STATS), as Redis prints it.
pub fn malloc_stats() -> Vec<u8> {
    unsafe extern "C" fn write_cb(out: *mut c_void, text: *const c_char) {
        // SAFETY: `out` is the `Vec` passed below, alive for the call;
        // jemalloc passes a NUL-terminated string.
        unsafe {
            let out = &mut *(out as *mut Vec<u8>);
            out.extend_from_slice(CStr::from_ptr(text).to_bytes());
        }
    }
    let mut out: Vec<u8> = Vec::new();
    // SAFETY: the callback only appends to `out`, which outlives the call;
    // a null options string means jemalloc's defaults.
    unsafe {
        tikv_jemalloc_sys::malloc_stats_print(
            Some(write_cb),
            (&mut out as *mut Vec<u8>).cast(),
            std::ptr::null(),
        );
    }
    out
}

/// The allocator's name, as INFO's `mem_allocator` reports it:
/// `jemalloc-` and the bundled version (`5.3.1`), as Redis prints
/// `jemalloc-5.3.0`.
pub fn allocator_name() -> String {
    let mut ver: *const c_char = std::ptr::null();
    let mut len = std::mem::size_of::<*const c_char>();
    // SAFETY: "version" returns a `const char *` to a static string; `ver`
    // and `len` describe a buffer of that size.
    let rc = unsafe {
        tikv_jemalloc_sys::mallctl(
            c"version".as_ptr(),
            (&mut ver as *mut *const c_char).cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    if rc != 0 || ver.is_null() {
        return "jemalloc".to_string();
    }
    // SAFETY: a non-null version is a static NUL-terminated string.
    let full = unsafe { CStr::from_ptr(ver) }.to_string_lossy();
    // "5.3.1-0-g81034ce..." -> "5.3.1"
    format!("jemalloc-{}", full.split('-').next().unwrap_or(""))
}

/// Resident set size in bytes, from /proc.
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Physical memory of the machine (`total_system_memory`), from
/// /proc/meminfo.
pub fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kb| kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Other test threads allocate and free concurrently (some tens of
    /// MB at a time), so each check is tried a few times and must hold
    /// once, with a margin well below the 64 MB moved here.
    fn holds_once(mut check: impl FnMut() -> bool) -> bool {
        (0..20).any(|_| check())
    }

    #[test]
    fn allocations_are_counted_and_freed() {
        assert!(holds_once(|| {
            let before = used_memory();
            let v: Vec<u8> = vec![1; 64 << 20];
            let during = used_memory();
            let peak_ok = peak_memory() >= during;
            drop(v);
            let after = used_memory();
            during >= before + (60 << 20) && peak_ok && after + (60 << 20) <= during
        }));
    }

    #[test]
    fn reallocation_counts_the_difference() {
        assert!(holds_once(|| {
            let mut v: Vec<u8> = Vec::with_capacity(32 << 20);
            let before = used_memory();
            v.reserve_exact(96 << 20);
            let grown = used_memory();
            v.shrink_to(0);
            let shrunk = used_memory();
            grown >= before + (60 << 20) && shrunk + (60 << 20) <= grown
        }));
    }
}
