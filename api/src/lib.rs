//! The Shoptrail HTTP service: ingestion, read APIs, OpenAPI docs and operations endpoints.
//! `main.rs` only wires; [`App`] builds the real server so tests can run it on port 0.
#![forbid(unsafe_code)]

mod app;
mod audit;
pub mod auth;
mod body;
pub mod cli;
mod console;
pub mod db_init;
pub mod demo;
pub mod error;
mod extract;
mod limits;
mod middleware;
mod origin;
pub mod query;
mod request_span;
pub mod routes;
mod security;
mod segments;
pub mod state;
pub mod wire;

pub use app::{App, shutdown_signal};
