//! zset tests (in progress).
