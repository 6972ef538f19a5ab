//! hash tests (in progress).
