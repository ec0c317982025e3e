//! Everything the API and the worker share: the event model, configuration, storage
//! (traits and engines), the group-commit batcher and telemetry.
#![forbid(unsafe_code)]

pub mod batcher;
pub mod clock;
pub mod event;
pub mod jobs;
pub mod ops;
pub mod secrets;
pub mod segment;
pub mod settings;
pub mod storage;
pub mod telemetry;
