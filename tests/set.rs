//! set tests (in progress).
