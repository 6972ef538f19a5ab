//! Fuzzes the config-file parser (`Config::load_str`) and CONFIG REWRITE
//! (`Config::rewrite_text`).
//!
//! Invariants checked, for arbitrary text:
//! - nothing panics;
//! - if the text loads, the rewritten text loads too, into a fresh config,
//!   with the same value for every parameter (CONFIG GET *), and rewriting
//!   that again changes nothing.
#![no_main]

use cinnabar::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // `include` reads files: the fuzzer must not read /dev/zero or stdin.
    if text.to_ascii_lowercase().contains("include") {
        return;
    }
    let mut c = Config::default();
    if c.load_str(&text).is_err() {
        return;
    }
    let rewritten = c.rewrite_text(&text);
    let mut again = Config::default();
    if let Err(e) = again.load_str(&rewritten) {
        panic!("rewritten config does not load: {e}\n--- rewritten:\n{rewritten}");
    }
    let all: &[&[u8]] = &[b"*"];
    assert_eq!(
        again.get_matching(all),
        c.get_matching(all),
        "values differ after rewrite\n--- rewritten:\n{rewritten}"
    );
    assert_eq!(
        again.rewrite_text(&rewritten),
        rewritten,
        "rewrite is not stable"
    );
});
