//! Everything the API and the worker share: the event model and its rules (identity merge,
//! profiles), the ingestion pipeline and its group-commit batcher, configuration, storage
//! (traits and engines), jobs and telemetry.
#![forbid(unsafe_code)]

pub mod batcher;
pub mod catalog;
pub mod clock;
pub mod commerce;
pub mod enrich;
pub mod event;
pub mod funnels;
pub mod identity;
pub mod ingest;
pub mod jobs;
pub mod live;
pub mod ops;
pub mod people;
pub mod privacy;
pub mod profile;
pub mod reports;
pub mod retention;
pub mod secrets;
pub mod segment;
pub mod segments;
pub mod session;
pub mod settings;
pub mod storage;
pub mod telemetry;
pub mod trail;
