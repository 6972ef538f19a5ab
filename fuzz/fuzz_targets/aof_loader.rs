//! Fuzzes the AOF loader (`aof::load::scan_reader`, what `scan_file` and
//! startup loading use) and the manifest parser (`Manifest::parse`).
//!
//! Invariants checked, for arbitrary input bytes:
//! - nothing panics;
//! - the valid prefix and every reported offset are within the input;
//! - a clean scan covers the whole input;
//! - reading the input in small pieces (sizes chosen by the data) gives the
//!   same result as reading it whole;
//! - after `Truncated { offset }`, the first `offset` bytes load cleanly
//!   (what `--check-aof --fix` relies on) with no more commands than were
//!   executed before the truncation was found;
//! - a manifest that parses formats and parses back to itself.
#![no_main]

use std::io::Read;
use std::path::Path;

use cinnabar::aof::load::{scan_reader, FileScan, LoadError};
use cinnabar::aof::manifest::Manifest;
use libfuzzer_sys::fuzz_target;

/// A reader that returns at most `sizes[i % len]` bytes per call.
struct Pieces<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    i: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = if self.sizes.is_empty() {
            buf.len()
        } else {
            usize::from(self.sizes[self.i % self.sizes.len()]).max(1)
        };
        self.i += 1;
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Scans `data` read in `sizes`-long pieces; returns the result and the
/// number of commands handed to `exec`.
fn scan(data: &[u8], sizes: &[u8]) -> (Result<u64, LoadError>, u64, Vec<Vec<Vec<u8>>>) {
    let mut executed = 0;
    let mut cmds = Vec::new();
    let r = scan_reader(
        Path::new("fuzz.aof"),
        Pieces { data, sizes, i: 0 },
        data.len() as u64,
        |argv| {
            executed += 1;
            // Keep the first few, to compare whole and piecewise reads.
            if cmds.len() < 64 {
                cmds.push(argv.iter().map(|a| a.to_vec()).collect());
            }
            Ok(())
        },
    )
    .map(|s: FileScan| {
        assert_eq!(s.size, data.len() as u64);
        assert_eq!(s.valid_up_to, s.size, "clean scan short of the end");
        assert_eq!(s.commands, executed);
        s.commands
    });
    (r, executed, cmds)
}

fuzz_target!(|data: &[u8]| {
    // The first byte says how many piece sizes follow.
    let (sizes, input) = match data.split_first() {
        Some((&n, rest)) => rest.split_at(usize::from(n % 8).min(rest.len())),
        None => (&data[..0], data),
    };
    let len = input.len() as u64;

    let (whole, executed, cmds) = scan(input, &[]);
    match &whole {
        Ok(_) => {}
        Err(LoadError::Truncated { offset, .. }) => {
            assert!(*offset <= len);
            let (prefix, n, _) = scan(&input[..*offset as usize], &[]);
            assert!(prefix.is_ok(), "prefix {offset} does not load: {prefix:?}");
            assert!(n <= executed);
        }
        Err(LoadError::Corrupt { offset, .. }) => assert!(*offset <= len),
        Err(e @ (LoadError::Io(_) | LoadError::Command(_))) => panic!("unexpected {e:?}"),
    }
    let _ = whole.as_ref().map_err(|e| e.to_string());

    let (pieces, executed2, cmds2) = scan(input, sizes);
    assert_eq!(pieces, whole, "whole vs pieces {sizes:?}");
    assert_eq!(executed2, executed);
    assert_eq!(cmds2, cmds);

    if let Ok(text) = std::str::from_utf8(input) {
        if let Ok(m) = Manifest::parse(text) {
            let again = Manifest::parse(&m.format());
            assert_eq!(again.as_ref(), Ok(&m), "manifest round trip");
        }
    }
});
