#!/usr/bin/env bash
# Runs the unit test of src/db/zset/skiplist.rs (the sorted set's unsafe
# node code) under Miri. The module is compiled alone, in a scratch crate
# that includes it with #[path]: the crate's global allocator is jemalloc,
# C code Miri cannot execute, and the zset property tests take hours
# under Miri. Needs the nightly toolchain with the miri and rust-src
# components (rustup component add --toolchain nightly miri rust-src).
#
# Usage: scripts/miri-skiplist.sh          (MIRIFLAGS passes through, e.g.
#        MIRIFLAGS=-Zmiri-strict-provenance scripts/miri-skiplist.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/src"
cat >"$TMP/Cargo.toml" <<TOML
[package]
name = "miri-skiplist"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
foldhash = "=$(awk '/^name = "foldhash"/{getline; gsub(/[^0-9.]/, ""); print}' "$ROOT/Cargo.lock")"
TOML
cat >"$TMP/src/lib.rs" <<RS
#![deny(unsafe_code)]
#[path = "$ROOT/src/db/zset/skiplist.rs"]
pub mod skiplist;
RS
cd "$TMP"
cargo +nightly miri test --lib "$@"
