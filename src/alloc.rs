//! Memory accounting: the process's global allocator is the system
//! allocator (glibc malloc) wrapped to count the bytes it hands out, so
//! `used_memory` (INFO, MEMORY STATS, and maxmemory later) is what the
//! program asked for, not the RSS.
//!
//! Every allocation, reallocation and free adjusts one counter with a
//! relaxed atomic add: the fsync and rewrite helper threads allocate too,
//! and no ordering with other memory is needed, only the sum. The peak is
//! raised on the allocation path only when the new total passes it (a
//! plain load first, so the common case costs no second atomic write).
//!
//! What is counted: the requested sizes of every live Rust allocation, in
//! every thread: the keyspace, client buffers, the AOF buffer, the
//! command table's lazily built parts. What is not: malloc's own headers
//! and free lists (see [`malloc_info`]), thread stacks, the executable.

// The allocator and the two glibc calls below are the only unsafe code;
// the rest of the crate denies it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Bytes currently allocated through the global allocator.
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
/// `ALLOCATED` when the server was ready to load data (`used_memory_startup`).
static STARTUP: AtomicUsize = AtomicUsize::new(0);
/// Highest value `ALLOCATED` has reached.
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting. Installed as the global allocator of
/// every binary that links this crate.
#[derive(Debug, Clone, Copy)]
pub struct Counting;

#[global_allocator]
static GLOBAL: Counting = Counting;

#[inline]
fn grew(by: usize) {
    let now = ALLOCATED.fetch_add(by, Relaxed) + by;
    if now > PEAK.load(Relaxed) {
        PEAK.fetch_max(now, Relaxed);
    }
}

#[inline]
fn shrank(by: usize) {
    ALLOCATED.fetch_sub(by, Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees carry over; the counting only reads
// `layout.size()` and `new_size`, and counts only allocations that
// succeeded.
unsafe impl GlobalAlloc for Counting {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received (see the impl).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received (see the impl).
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received (see the impl).
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as received (see the impl).
        let p = unsafe { System.realloc(ptr, layout, new_size) };
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

/// What malloc itself reports, for INFO's `allocator_*` fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MallocInfo {
    /// Bytes in blocks malloc has handed out, headers included.
    pub allocated: u64,
    /// Bytes malloc has taken from the system (arenas plus mmapped blocks).
    pub active: u64,
}

/// malloc's own view of the heap (glibc's `mallinfo2`). It walks every
/// arena, so it is for INFO and MEMORY, not for hot paths.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn malloc_info() -> MallocInfo {
    // SAFETY: mallinfo2 takes no arguments and returns a plain struct by
    // value; glibc documents it as thread safe (it locks each arena).
    let mi = unsafe { libc::mallinfo2() };
    MallocInfo {
        allocated: (mi.uordblks + mi.hblkhd) as u64,
        active: (mi.arena + mi.hblkhd) as u64,
    }
}

/// malloc's own view of the heap: unavailable off glibc.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn malloc_info() -> MallocInfo {
    MallocInfo::default()
}

/// Returns free heap pages to the system (MEMORY PURGE), as glibc's
/// `malloc_trim(0)` does.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn purge() {
    // SAFETY: malloc_trim only inspects and releases malloc's own free
    // memory; it is thread safe and takes a plain integer.
    unsafe { libc::malloc_trim(0) };
}

/// Returns free heap pages to the system: nothing to do off glibc.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn purge() {}

/// The allocator's name, as INFO's `mem_allocator` reports it.
pub const ALLOCATOR_NAME: &str = "libc";

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
