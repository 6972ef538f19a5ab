//! What the processor offers beyond portable Rust: a prefetch hint and a
//! cheap clock for short durations. Everything here has a portable
//! fallback (no hint; the system clock), so callers need no `cfg` of
//! their own.

#![allow(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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

/// How many nanoseconds one time-stamp-counter tick lasts, as `f64` bits;
/// 0 while [`calibrate`] has not found an invariant counter, and then
/// [`Stamp`] counts nanoseconds from [`ORIGIN`] instead.
static NS_PER_TICK: AtomicU64 = AtomicU64::new(0);

/// The origin of [`Stamp`]s when the counter is not used.
static ORIGIN: OnceLock<Instant> = OnceLock::new();

/// A moment, for measuring how long something short took (a command's
/// run time, for INFO commandstats, SLOWLOG and LATENCY). Reading the
/// processor's time-stamp counter costs about half what the system clock
/// does (`Instant::now`, through the vDSO: on this project's VMs 20
/// against 43 ns), twice per command: the counter is used where it ticks
/// at a constant rate and the kernel keeps time with it too (x86-64, after
/// [`calibrate`]); elsewhere a `Stamp` is an `Instant` in disguise.
#[derive(Clone, Copy, Debug)]
pub struct Stamp(u64);

impl Stamp {
    /// Now.
    #[inline]
    pub fn now() -> Stamp {
        if NS_PER_TICK.load(Relaxed) != 0 {
            return Stamp(tsc());
        }
        let origin = *ORIGIN.get_or_init(Instant::now);
        Stamp(origin.elapsed().as_nanos() as u64)
    }

    /// Nanoseconds since `self` (0 if the clock seems to have gone back).
    #[inline]
    pub fn elapsed_ns(self) -> u64 {
        Stamp::now().ns().saturating_sub(self.ns())
    }

    /// Microseconds since `self`, as Redis counts a command's duration:
    /// the difference of two whole-microsecond clock readings, so a
    /// 0.3 us command counts 1 about every third time, not never.
    #[inline]
    pub fn elapsed_us(self) -> u64 {
        (Stamp::now().ns() / 1000).saturating_sub(self.ns() / 1000)
    }

    /// The stamp in nanoseconds from some fixed origin.
    #[inline]
    fn ns(self) -> u64 {
        match NS_PER_TICK.load(Relaxed) {
            0 => self.0,
            bits => (self.0 as f64 * f64::from_bits(bits)) as u64,
        }
    }
}

/// Measures the time-stamp counter's rate against the system clock over
/// `CALIBRATION` (a busy wait), if the processor says the counter is
/// invariant (constant rate in every power state) and the kernel, where it
/// says, keeps time with it; [`Stamp`]s use it from then on. Called once
/// at startup; returns whether the counter is used. Stamps taken before
/// a calibration must not be compared with stamps taken after it.
pub fn calibrate() -> bool {
    const CALIBRATION: Duration = Duration::from_millis(2);
    // Widest bracket accepted around a clock reading: about 1 us at
    // 2 GHz, so 0.05% of `CALIBRATION` at most (a bracket takes ~100).
    const BRACKET_TICKS: u64 = 2_000;
    // Linux stops using the counter as its clock when it finds it unsafe
    // (unsynchronised between cores, say); so does this.
    let kernel_clock =
        std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource");
    if kernel_clock.is_ok_and(|c| c.trim() != "tsc") || !invariant_tsc() {
        return false;
    }
    // Each end is a clock reading bracketed by two counter readings close
    // together: a thread preempted between a counter and a clock reading
    // would pair them wrongly (seen: 3-7x too slow a rate on a loaded
    // machine), so such pairs are taken again. Preemption during the wait
    // in between does not matter: both advance meanwhile.
    // A counter that never gives a narrow bracket (a hypervisor that
    // traps RDTSC makes each read cost microseconds) is not cheaper than
    // the clock: give up on it after a few tries.
    let pair = || {
        (0..100).find_map(|_| {
            let before = tsc();
            let t = Instant::now();
            let after = tsc();
            (after.wrapping_sub(before) < BRACKET_TICKS).then(|| (t, before + (after - before) / 2))
        })
    };
    let Some((t0, c0)) = pair() else {
        return false;
    };
    while t0.elapsed() < CALIBRATION {
        std::hint::spin_loop();
    }
    let Some((t1, c1)) = pair() else {
        return false;
    };
    let ns_per_tick = (t1 - t0).as_nanos() as f64 / c1.wrapping_sub(c0).max(1) as f64;
    // A counter running at under 1 MHz or over 100 GHz is not one to use.
    if !(0.01..=1000.0).contains(&ns_per_tick) {
        return false;
    }
    NS_PER_TICK.store(ns_per_tick.to_bits(), Relaxed);
    true
}

/// Whether the time-stamp counter runs at a constant rate (CPUID leaf
/// 0x8000_0007, EDX bit 8).
fn invariant_tsc() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::__cpuid;
        // SAFETY: CPUID exists on every x86-64 processor (`unsafe` only
        // for the compilers that still declare it so).
        #[allow(unused_unsafe)]
        let max = unsafe { __cpuid(0x8000_0000) }.eax;
        // SAFETY: as above; the leaf exists (checked against `max`).
        #[allow(unused_unsafe)]
        let leaf = (max >= 0x8000_0007).then(|| unsafe { __cpuid(0x8000_0007) });
        leaf.is_some_and(|r| r.edx & (1 << 8) != 0)
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// The time-stamp counter (0 where there is none; never read then, as
/// [`calibrate`] does not enable it).
#[inline(always)]
fn tsc() -> u64 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: RDTSC only reads the counter (user mode may, on Linux).
    #[allow(unused_unsafe)]
    unsafe {
        std::arch::x86_64::_rdtsc()
    }
    #[cfg(not(target_arch = "x86_64"))]
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stamps agree with the system clock whether or not the counter is
    /// in use (the test calibrates, so both paths run in this process).
    #[test]
    fn stamps_follow_the_system_clock() {
        for _ in 0..2 {
            let (t, s) = (Instant::now(), Stamp::now());
            std::thread::sleep(Duration::from_millis(30));
            let (ns, real) = (s.elapsed_ns(), t.elapsed().as_nanos() as u64);
            // Both were read in the same order, so the stamp's span lies
            // inside the clock's up to the calibration's error (well
            // under 1%), plus scheduling noise between the two reads.
            assert!(ns >= 30_000_000, "{ns} ns < 30 ms");
            assert!(
                ns.abs_diff(real) < real / 50 + 200_000,
                "stamp {ns} ns, clock {real} ns"
            );
            let us = s.elapsed_us();
            assert!(us.abs_diff(s.elapsed_ns() / 1000) <= 1, "{us} us");
            calibrate();
        }
    }
}
