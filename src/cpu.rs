//! What the processor offers beyond portable Rust: a prefetch hint.
//! Everything here has a portable fallback (no hint), so callers need no
//! `cfg` of their own.

#![allow(unsafe_code)]

/// Hints the CPU to start loading the cache line at `p` (no effect where
/// the architecture has no hint here). A load that is sure to come, but
/// only after another that may miss, can so overlap with it.
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint: it never faults, whatever the address,
    // and reads nothing the program can observe.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8)
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
