//! Integration tests of the shared crate: the storage conformance suite (every engine) and
//! the group-commit batcher on the embedded engine.

mod batcher;
#[macro_use]
mod conformance;
mod conformance_jobs;
mod conformance_jobs_cas;
mod conformance_moves;
mod helpers;
mod identity_cases;
mod mongo_topology;
mod reports_index;
