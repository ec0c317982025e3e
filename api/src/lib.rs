//! The Shoptrail HTTP service: ingestion, read APIs, OpenAPI docs and operations endpoints.
//! `main.rs` only wires; [`App`] builds the real server so tests can run it on port 0.
#![forbid(unsafe_code)]

mod app;
mod body;
pub mod error;
mod middleware;
pub mod routes;
pub mod state;

pub use app::{App, shutdown_signal};
