//! The per-key access clock kept in [`Entry::lru`](super::Entry): Redis's
//! 24-bit LRU clock, or under an LFU policy the last-decrement minute and
//! a logarithmic access counter. The pure arithmetic lives here, below
//! eviction, because the keyspace stamps new keys with it; the policy
//! (when to bump the counter, what to evict) is in [`crate::evict`].

/// The LFU counter of a new key, so it is not evicted at once.
pub const LFU_INIT_VAL: u32 = 5;

/// The LRU clock Redis keeps per object: seconds, 24 bits.
pub fn lru_clock(now_ms: i64) -> u32 {
    ((now_ms / 1000) as u32) & 0x00FF_FFFF
}

/// Minutes, 16 bits: the LFU counter's last-decrement time.
pub fn lfu_minutes(now_ms: i64) -> u32 {
    ((now_ms / 60_000) as u32) & 0xFFFF
}

/// The access clock of a new object: the LRU clock, or under an LFU
/// policy the current minute and the initial counter (Redis's
/// `createObject`).
pub fn new_clock(now_ms: i64, lfu: bool) -> u32 {
    if lfu {
        lfu_minutes(now_ms) << 8 | LFU_INIT_VAL
    } else {
        lru_clock(now_ms)
    }
}

/// The LFU counter of `lru` after decay: one less per `decay_time`
/// minutes since it was last touched (Redis's `LFUDecrAndReturn`).
pub fn lfu_decayed(lru: u32, now_ms: i64, decay_time: u32) -> u32 {
    let last = lru >> 8;
    let counter = lru & 255;
    let now = lfu_minutes(now_ms);
    let elapsed = if now >= last {
        now - last
    } else {
        65535 - last + now
    };
    let periods = elapsed.checked_div(decay_time).unwrap_or(0);
    counter.saturating_sub(periods)
}
