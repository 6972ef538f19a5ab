//! Calling a cached script allocates nothing per call beyond its
//! arguments (issue 20): EVALSHA of `return redis.call('GET', KEYS[1])`
//! run in-process through the call path, counted by the counting
//! allocator. A binary of its own with no test harness, as
//! tests/zset_memory.rs: the counter is process-wide.

use bytes::Bytes;

use cinnabar::alloc::allocations;
use cinnabar::conn::ClientState;
use cinnabar::resp::Out;
use cinnabar::state::State;

fn main() {
    cached_script_call_allocates_only_its_arguments();
    println!("test cached_script_call_allocates_only_its_arguments ... ok");
    println!("1 passed, 0 failed");
}

fn cached_script_call_allocates_only_its_arguments() {
    // A call slowed by the machine would make a slow-log entry.
    let config = cinnabar::config::Config {
        slowlog_log_slower_than: -1,
        ..Default::default()
    };
    let mut st = State::new(config, 0, cinnabar::cmd::catalogue());
    // The state starts the lazy-free thread, which allocates as it starts:
    // let it start before counting.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let mut client = ClientState::new(1, "test".into(), "test".into(), 0, true);
    let mut out = Out::new();
    let argv = |a: &[&str]| {
        a.iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect::<Vec<_>>()
    };
    let set = argv(&["SET", "k", "v"]);
    cinnabar::cmd::call(&mut st, &mut client, &mut out, &set);
    out.buf.clear();
    let load = argv(&["SCRIPT", "LOAD", "return redis.call('GET', KEYS[1])"]);
    cinnabar::cmd::call(&mut st, &mut client, &mut out, &load);
    let sha = out.buf.split().freeze();
    let sha = std::str::from_utf8(&sha[5..45]).unwrap().to_string();
    let call = argv(&["EVALSHA", &sha, "1", "k"]);
    // Warm up: buffers reach their sizes, Lua's tables theirs.
    for _ in 0..100 {
        cinnabar::cmd::call(&mut st, &mut client, &mut out, &call);
        out.buf.clear();
    }
    let calls = 1000;
    let before = allocations();
    for _ in 0..calls {
        cinnabar::cmd::call(&mut st, &mut client, &mut out, &call);
        assert_eq!(&out.buf[..], b"$1\r\nv\r\n");
        out.buf.clear();
    }
    let per_call = (allocations() - before) as f64 / f64::from(calls);
    // The two arguments of redis.call ("GET" and the key) are copied
    // into the command's argument vector: nothing else.
    assert!(
        per_call <= 2.0,
        "{per_call} allocations per cached script call"
    );
}
