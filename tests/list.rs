//! list tests (in progress).
