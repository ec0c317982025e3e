//! Integration tests of the worker: exports to a real S3-compatible server (moto, from
//! `MOTO_ENDPOINT`) and to local files, runners racing, a worker process killed mid-job,
//! imports, and the retention purge.

mod enrich;
mod export;
mod helpers;
mod import;
mod process;
mod purge;
