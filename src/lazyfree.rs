//! Freeing big values on a helper thread, as Redis's `lazyfree.c` hands
//! them to its background I/O thread.
//!
//! Dropping a 3M-member set frees 3M blocks: seconds of loop time in a
//! debug build, hundreds of milliseconds in a release one, during which
//! no client is served. What the loop deletes is first taken out of the
//! keyspace (nothing the loop can reach points into it any more); when
//! its free effort is above [`THRESHOLD`], the owned value is sent down a
//! channel to one long-lived thread that drops it. Nothing is shared but
//! the channel and two counters, so the keyspace needs no lock. This
//! module knows nothing of values: the keyspace decides what is big
//! (`Value::free_effort`) and hands over anything `Send`.
//!
//! The allocator's counter is process-wide, so `used_memory` drops when
//! the thread's drop completes.

use std::sync::atomic::{
    AtomicU64,
    Ordering::{Acquire, Relaxed, Release},
};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;

/// Redis's `LAZYFREE_THRESHOLD`: values whose free effort (roughly, the
/// allocations a drop walks: elements of a hash table, nodes of a
/// quicklist) is above this go to the thread; smaller ones are cheaper to
/// drop in place than to hand over.
pub const THRESHOLD: usize = 64;

/// One job: something to drop, the objects it counts for
/// (`lazyfreed_objects`) and the bytes it is estimated to hold.
type Job = (Box<dyn Send>, u64, u64);

/// What the thread has been given and what it has done.
#[derive(Debug, Default)]
struct Counts {
    /// Objects handed over and not yet freed (`lazyfree_pending_objects`).
    pending: AtomicU64,
    /// Estimated bytes of those objects (eviction counts them as freed).
    pending_bytes: AtomicU64,
    /// Objects freed since start or CONFIG RESETSTAT (`lazyfreed_objects`).
    freed: AtomicU64,
}

impl Counts {
    /// Counts a finished job: freed first, pending last (released), so
    /// whoever sees nothing pending (acquired) sees it counted as freed.
    fn done(&self, objects: u64, bytes: u64) {
        self.freed.fetch_add(objects, Relaxed);
        self.pending_bytes.fetch_sub(bytes, Relaxed);
        self.pending.fetch_sub(objects, Release);
    }
}

/// A handle on the lazy-free thread; clones share it. The default handle
/// has no thread and frees in place (counting as the thread would), for
/// databases made outside a server (tests, tools).
#[derive(Debug, Clone, Default)]
pub struct LazyFree {
    tx: Option<Sender<Job>>,
    counts: Arc<Counts>,
}

impl LazyFree {
    /// Starts the thread. If it cannot be started, the handle frees in
    /// place (and says so in the log).
    pub fn start() -> LazyFree {
        let (tx, rx) = channel::<Job>();
        let counts = Arc::new(Counts::default());
        let theirs = Arc::clone(&counts);
        let spawned = std::thread::Builder::new()
            .name("lazyfree".into())
            .spawn(move || {
                // Freeing can wait; clients should not.
                crate::limits::nice_this_thread(10);
                // Ends when every handle is gone (the server exits).
                for (obj, objects, bytes) in rx {
                    drop(obj);
                    theirs.done(objects, bytes);
                }
            });
        match spawned {
            Ok(_) => LazyFree {
                tx: Some(tx),
                counts,
            },
            Err(e) => {
                log::warn!("Can't start the lazy-free thread, freeing in place: {e}");
                LazyFree { tx: None, counts }
            }
        }
    }

    /// Frees `obj` on the thread; it counts for `objects` freed objects
    /// and holds about `bytes`.
    pub fn free<T: Send + 'static>(&self, obj: T, objects: u64, bytes: u64) {
        self.counts.pending.fetch_add(objects, Relaxed);
        self.counts.pending_bytes.fetch_add(bytes, Relaxed);
        let job: Job = (Box::new(obj), objects, bytes);
        match &self.tx {
            Some(tx) => {
                if let Err(back) = tx.send(job) {
                    // The thread is gone (it cannot panic on a drop short
                    // of an allocator abort): free here.
                    drop(back.0);
                    self.counts.done(objects, bytes);
                }
            }
            None => {
                drop(job);
                self.counts.done(objects, bytes);
            }
        }
    }

    /// Objects handed over and not yet freed (INFO `lazyfree_pending_objects`).
    pub fn pending(&self) -> u64 {
        self.counts.pending.load(Acquire)
    }

    /// Estimated bytes still to be freed by the thread.
    pub fn pending_bytes(&self) -> u64 {
        self.counts.pending_bytes.load(Relaxed)
    }

    /// Objects freed by the thread (INFO `lazyfreed_objects`).
    pub fn freed(&self) -> u64 {
        self.counts.freed.load(Relaxed)
    }

    /// CONFIG RESETSTAT: forgets `lazyfreed_objects` (Redis's
    /// `lazyfreeResetStats`).
    pub fn reset_stats(&self) {
        self.counts.freed.store(0, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Counts on the way in and out; the drop happens on the thread.
    #[test]
    fn frees_on_the_thread() {
        struct Probe(std::sync::mpsc::Sender<std::thread::ThreadId>);
        impl Drop for Probe {
            fn drop(&mut self) {
                let _ = self.0.send(std::thread::current().id());
            }
        }
        let lf = LazyFree::start();
        let (tx, rx) = channel();
        lf.free(Probe(tx), 3, 100);
        let who = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_ne!(who, std::thread::current().id());
        let t = Instant::now();
        while lf.pending() != 0 && t.elapsed() < Duration::from_secs(5) {
            std::thread::yield_now();
        }
        assert_eq!((lf.pending(), lf.pending_bytes(), lf.freed()), (0, 0, 3));
        lf.reset_stats();
        assert_eq!(lf.freed(), 0);
        // Without a thread: freed in place, counted the same.
        let inline = LazyFree::default();
        inline.free(vec![1u8; 10], 2, 10);
        assert_eq!((inline.pending(), inline.freed()), (0, 2));
    }
}
