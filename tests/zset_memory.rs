//! The sorted-set skiplist's blocks against the counting allocator: a
//! binary of its own, with one test and no test harness (`harness =
//! false`), because the allocator's counter is process-wide: the
//! integration suite's tests run in parallel, and libtest's own threads
//! allocate while a test runs (an unrelated 900 bytes once failed the
//! exact counts below).

fn main() {
    skiplist_allocations_are_counted_copied_and_freed();
    println!("test skiplist_allocations_are_counted_copied_and_freed ... ok");
    println!("1 passed, 0 failed");
}

use cinnabar::alloc::used_memory;
use cinnabar::db::zset::SkipList;

/// `mem_usage` is the bytes actually allocated; a deep copy allocates as
/// much again; dropping either frees all of it; removals and compaction
/// free the blocks they unlink.
fn skiplist_allocations_are_counted_copied_and_freed() {
    let base = used_memory();
    let mut sl = SkipList::new();
    for i in 0..50_000u32 {
        // Member lengths vary so blocks of many sizes are involved.
        let m = format!("member:{i}:{}", "x".repeat((i % 40) as usize));
        sl.insert(m.as_bytes(), f64::from(i % 1000));
    }
    for i in (0..50_000u32).step_by(3) {
        sl.update(
            format!("member:{i}:{}", "x".repeat((i % 40) as usize)).as_bytes(),
            5.5,
        );
    }
    assert_eq!(
        used_memory() - base,
        sl.mem_usage(0),
        "mem_usage of the original"
    );

    let before_copy = used_memory();
    let copy = sl.clone();
    assert_eq!(
        used_memory() - before_copy,
        copy.mem_usage(0),
        "mem_usage of the copy"
    );
    assert!(copy.iter().eq(sl.iter()));

    // Removing most elements compacts the slot vector; the counts follow.
    let removed = sl.remove_range(0, 44_999);
    assert_eq!(removed, 45_000);
    assert_eq!(sl.len(), 5_000);
    assert_eq!(
        used_memory() - base,
        sl.mem_usage(0) + copy.mem_usage(0),
        "after removals"
    );
    drop(sl);
    assert_eq!(used_memory() - base, copy.mem_usage(0), "the copy alone");
    assert_eq!(copy.len(), 50_000);
    drop(copy);
    assert_eq!(used_memory(), base, "everything freed");
}
