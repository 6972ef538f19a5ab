#!/usr/bin/env bash
# Runs the unit tests of src/db/zset/skiplist.rs (the sorted set's unsafe
# node code) under Miri. The module is compiled alone, with the two
# modules it uses (util.rs, cpu.rs), in a scratch crate that includes
# them with #[path]: the crate's global allocator is jemalloc, C code Miri
# cannot execute, and the zset property tests take hours under Miri.
# Only the skiplist's tests run (util's are compiled, hence proptest).
# Needs the nightly toolchain with the miri and rust-src components
# (rustup component add --toolchain nightly miri rust-src).
#
# Usage: scripts/miri-skiplist.sh          (MIRIFLAGS passes through, e.g.
#        MIRIFLAGS=-Zmiri-strict-provenance scripts/miri-skiplist.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/src"
# locked CRATE: the version Cargo.lock pins.
locked() { awk -v n="name = \"$1\"" '$0 == n {getline; gsub(/[^0-9.]/, ""); print}' "$ROOT/Cargo.lock"; }
cat >"$TMP/Cargo.toml" <<TOML
[package]
name = "miri-skiplist"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
foldhash = "=$(locked foldhash)"

[dev-dependencies]
proptest = "=$(locked proptest)"
TOML
cat >"$TMP/src/lib.rs" <<RS
#![deny(unsafe_code)]
#[path = "$ROOT/src/db/zset/skiplist.rs"]
pub mod skiplist;
#[path = "$ROOT/src/util.rs"]
pub mod util;
#[path = "$ROOT/src/cpu.rs"]
pub mod cpu;
RS
cd "$TMP"
cargo +nightly miri test --lib "$@" skiplist::
