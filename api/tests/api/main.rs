//! Integration tests: the real server on a free port with its own data directory, driven
//! by a real HTTP client.

mod access;
mod auth;
mod console;
mod contract;
mod crash;
mod helpers;
mod ingest;
mod jobs;
mod ops;
mod pipeline;
mod process;
mod read;
mod secrets;
mod segment;
mod write_key_kinds;
