//! Integration tests: the real server on a free port with its own data directory, driven
//! by a real HTTP client.

mod access;
mod attribution;
mod auth;
mod backup;
mod compat;
mod console;
mod contract;
mod crash;
mod enrich;
mod enrichment_imports;
mod funnels;
mod helpers;
mod ingest;
mod jobs;
mod ops;
mod people;
mod pipeline;
mod privacy;
mod process;
mod read;
mod reports;
mod retention;
mod secrets;
mod segment;
mod segments;
mod traces;
mod write_key_kinds;
