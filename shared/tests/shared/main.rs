//! Integration tests of the shared crate: the storage conformance suite (every engine) and
//! the group-commit batcher on the embedded engine.

mod batcher;
mod conformance;
mod helpers;
mod identity_cases;
