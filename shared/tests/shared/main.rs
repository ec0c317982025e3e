//! Integration tests of the shared crate: the storage conformance suite (every engine) and
//! the group-commit batcher on the embedded engine.

mod attribution_cases;
mod batcher;
#[macro_use]
mod conformance;
mod conformance_catalog;
mod conformance_funnels;
mod conformance_jobs;
mod conformance_jobs_cas;
mod conformance_live;
mod conformance_moves;
mod conformance_purge;
mod conformance_retention;
mod conformance_segments;
mod conformance_users;
mod helpers;
mod identity_cases;
mod mongo_topology;
mod privacy_cases;
mod reports_index;
