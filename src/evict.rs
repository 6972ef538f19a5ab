//! maxmemory and eviction (Redis's `evict.c`): how an access bumps the
//! LFU counter kept in [`Entry::lru`](crate::db::Entry) under an LFU
//! policy, the eviction pool, and [`pick_victim`], the policy that
//! `State::perform_evictions` (run by `cmd::call` before each command
//! while `maxmemory` is set) asks for the next key to evict. The clock
//! arithmetic itself (LRU seconds, LFU minutes and decay, a new key's
//! clock) is in [`crate::db::clock`], since the keyspace stamps new keys
//! with it.
//!
//! The algorithm is Redis's approximation: each round samples
//! `maxmemory-samples` keys of every database (all keys, or only those
//! with a TTL for `volatile-*`) into a pool of the 16 best candidates
//! sorted by score (idle seconds, 255 minus the LFU counter, or the
//! inverse of the expiry time), then evicts the best candidate that still
//! exists. The pool survives between rounds and commands, so good
//! candidates found earlier are not lost. Random policies pick a random key,
//! visiting the databases round-robin.

use crate::config::Config;
use crate::db::clock::{lfu_decayed, lfu_minutes, lru_clock, LFU_INIT_VAL};
use crate::db::{Db, Entry};
use crate::util::Rng;

/// Candidates kept between eviction rounds.
const POOL_SIZE: usize = 16;
/// The error for commands refused under memory pressure.
pub const OOM_ERR: &str = "OOM command not allowed when used memory > 'maxmemory'.";

/// The access clock after an access (Redis's `lookupKey`): the LRU clock,
/// or the decayed LFU counter incremented with probability
/// 1 / ((counter - LFU_INIT_VAL) * lfu-log-factor + 1).
pub fn touched_clock(lru: u32, now_ms: i64, config: &Config, rng: &mut Rng) -> u32 {
    if !config.maxmemory_lfu {
        return lru_clock(now_ms);
    }
    let mut counter = lfu_decayed(lru, now_ms, config.lfu_decay_time);
    if counter < 255 {
        let base = f64::from(counter.saturating_sub(LFU_INIT_VAL));
        let p = 1.0 / (base * f64::from(config.lfu_log_factor) + 1.0);
        let r = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        if r < p {
            counter += 1;
        }
    }
    lfu_minutes(now_ms) << 8 | counter
}

/// One eviction candidate.
#[derive(Debug)]
pub struct Candidate {
    /// Higher is evicted first.
    score: u64,
    db: usize,
    key: Box<[u8]>,
}

/// The eviction pool: up to [`POOL_SIZE`] candidates, by ascending score.
#[derive(Debug, Default)]
pub struct Pool(Vec<Candidate>);

impl Pool {
    /// Offers a sampled key; kept if the pool has room or it beats the
    /// worst candidate (Redis's `evictionPoolPopulate`).
    fn offer(&mut self, score: u64, db: usize, key: &[u8]) {
        let k = self.0.partition_point(|c| c.score < score);
        if self.0.len() < POOL_SIZE {
            self.0.insert(
                k,
                Candidate {
                    score,
                    db,
                    key: key.into(),
                },
            );
        } else if k > 0 {
            self.0.remove(0);
            self.0.insert(
                k - 1,
                Candidate {
                    score,
                    db,
                    key: key.into(),
                },
            );
        }
    }

    /// Forgets every candidate (FLUSHALL, or a policy change).
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// Memory as eviction counts it: `used_memory` minus `not_counted`, the
/// AOF buffer (Redis's `mem_not_counted_for_evict`).
pub fn used_for_evict(not_counted: usize) -> u64 {
    crate::alloc::used_memory().saturating_sub(not_counted) as u64
}

/// The score of `e` (expiring at `expire`, -1 for never) under `policy`:
/// higher is a better candidate.
fn score(policy: &str, e: &Entry, expire: i64, now_ms: i64, decay_time: u32) -> u64 {
    if policy.ends_with("lru") {
        u64::from(lru_clock(now_ms).wrapping_sub(e.lru) & 0x00FF_FFFF)
    } else if policy.ends_with("lfu") {
        255 - u64::from(lfu_decayed(e.lru, now_ms, decay_time))
    } else {
        // volatile-ttl: the sooner it expires, the better.
        u64::MAX - expire.max(0) as u64
    }
}

/// The next key of `dbs` to evict per `config`'s `maxmemory-policy`,
/// or `None` if no key qualifies. `pool` keeps candidates between
/// calls; `next_db` is where random policies look first.
pub fn pick_victim(
    pool: &mut Pool,
    next_db: &mut usize,
    dbs: &[Db],
    config: &Config,
    rng: &mut Rng,
    now_ms: i64,
) -> Option<(usize, Box<[u8]>)> {
    let policy = config.maxmemory_policy.as_str();
    let volatile = policy.starts_with("volatile");
    let n = dbs.len();
    if policy.ends_with("random") {
        for i in 0..n {
            let db = (*next_db + i) % n;
            let mut found = None;
            dbs[db].sample(rng, volatile, 1, |k, _, _| found = Some(k.into()));
            if let Some(k) = found {
                *next_db = db + 1;
                return Some((db, k));
            }
        }
        return None;
    }
    let (now, decay) = (now_ms, config.lfu_decay_time);
    let samples = config.maxmemory_samples as usize;
    loop {
        let mut total = 0;
        for (i, d) in dbs.iter().enumerate() {
            let size = if volatile {
                d.volatile_len()
            } else {
                d.len_raw()
            };
            if size == 0 {
                continue;
            }
            total += size;
            d.sample(rng, volatile, samples, |k, e, expire| {
                pool.offer(score(policy, e, expire, now, decay), i, k);
            });
        }
        if total == 0 {
            return None;
        }
        // Best first; candidates deleted since they were pooled are
        // dropped (and a sampled-twice key shows up only once).
        while let Some(c) = pool.0.pop() {
            let live = dbs[c.db]
                .peek(&c.key)
                .is_some_and(|e| !volatile || e.has_ttl());
            if live {
                return Some((c.db, c.key));
            }
        }
    }
}

/// Whether a database sample fits `volatile` (used by tests).
#[cfg(test)]
fn sample_all(d: &crate::db::Db, rng: &mut Rng, volatile: bool) -> usize {
    let mut n = 0;
    d.sample(rng, volatile, 10, |_, _, _| n += 1);
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::clock::new_clock;

    #[test]
    fn pool_keeps_the_best_sixteen() {
        let mut p = Pool::default();
        for s in 0..40u64 {
            p.offer((s * 7) % 40, 0, format!("k{s}").as_bytes());
        }
        let scores: Vec<u64> = p.0.iter().map(|c| c.score).collect();
        assert_eq!(scores, (24..40).collect::<Vec<_>>());
    }

    #[test]
    fn lfu_counter_decays_and_grows_logarithmically() {
        let c = Config {
            maxmemory_lfu: true,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            ..Config::default()
        };
        let now = 10 * 60_000;
        let mut lru = new_clock(now, true);
        assert_eq!(lfu_decayed(lru, now, 1), LFU_INIT_VAL);
        // Three minutes idle: three decrements.
        assert_eq!(lfu_decayed(lru, now + 3 * 60_000, 1), 2);
        let mut rng = Rng::from_entropy();
        for _ in 0..1000 {
            lru = touched_clock(lru, now, &c, &mut rng);
        }
        let f = lfu_decayed(lru, now, 1);
        // Redis's table: ~1K hits give about 18 with factor 10.
        assert!((10..=30).contains(&f), "{f}");
    }

    #[test]
    fn sample_respects_volatile() {
        let mut d = crate::db::Db::new();
        let mut rng = Rng::from_entropy();
        assert_eq!(sample_all(&d, &mut rng, false), 0);
        d.set(
            b"a",
            crate::db::Value::Str(crate::db::Str::from_bytes(b"1")),
            false,
            0,
        );
        assert_eq!(sample_all(&d, &mut rng, false), 10);
        assert_eq!(sample_all(&d, &mut rng, true), 0);
    }
}
