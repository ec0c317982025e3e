//! Typed, layered configuration: built-in defaults, then an optional TOML file, then
//! `APP__SECTION__KEY` environment variables. Validated once at start-up.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

/// Every setting of the product. Field names carry their units.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub storage: StorageSettings,
    pub ingest: IngestSettings,
    pub batcher: BatcherSettings,
    pub telemetry: TelemetrySettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    /// Interface to bind; `127.0.0.1` locally, `0.0.0.0` in a container.
    pub host: String,
    /// TCP port; 0 picks a free one (tests).
    pub port: u16,
    /// Upper bound on the time one request may take, including waiting for its batch.
    pub request_timeout_ms: u64,
    /// Requests served at once; beyond this the server answers 503 with Retry-After.
    pub max_concurrent_requests: usize,
    /// Time given to in-flight requests and queued events on SIGTERM before exiting.
    pub shutdown_grace_ms: u64,
    /// Mounts `POST /v1/_bench/parse-only`, which parses and validates but never stores.
    /// Only for `scripts/bench`'s ceiling measurement.
    pub bench_parse_only_route: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Sqlite,
    Mongodb,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    /// fsync on every commit: survives power loss.
    Full,
    /// fsync at WAL checkpoints: survives a process crash (`kill -9`), not a power cut.
    Normal,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StorageSettings {
    pub engine: Engine,
    /// Directory of the embedded engine's files.
    pub data_dir: PathBuf,
    /// Connections in the SQLite pool (reads run in parallel, writes are serialised).
    pub sqlite_pool_size: usize,
    pub sqlite_synchronous: SqliteSynchronous,
    /// MongoDB connection string; required when `engine = "mongodb"`.
    pub mongodb_uri: Option<SecretString>,
    pub mongodb_database: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IngestSettings {
    /// Largest request body accepted, measured after gzip decompression.
    pub max_request_bytes: usize,
    /// Most events in one request.
    pub max_events_per_request: usize,
    /// Largest single event (its JSON text).
    pub max_event_bytes: usize,
    /// Deepest nesting of objects/arrays inside `properties`, `traits` or `context`.
    pub max_property_depth: usize,
    /// Longest string value (bytes) anywhere in an event.
    pub max_string_bytes: usize,
    /// Longest id (`messageId`, `userId`, `anonymousId`, `sessionId`).
    pub max_id_bytes: usize,
    /// How far in the future a corrected timestamp may be before it is clamped to `receivedAt`.
    pub future_tolerance_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BatcherSettings {
    /// Flush once this many events are waiting.
    pub max_events: usize,
    /// Flush once this many bytes of events are waiting.
    pub max_bytes: usize,
    /// Extra time to wait for more events before flushing. 0 (the default) is pure group
    /// commit: flush as soon as the writer is free; batches form from what arrived during
    /// the previous flush. A few ms helps engines where each round trip is costly.
    pub linger_ms: u64,
    /// Bytes of events that may wait for a flush; beyond this ingestion answers 503.
    pub queue_max_bytes: usize,
    /// Seconds a client is told to wait (`Retry-After`) when the queue is full or the store fails.
    pub retry_after_s: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TelemetrySettings {
    pub log_format: LogFormat,
    /// `tracing` filter directive, e.g. `info,api=debug`.
    pub log_level: String,
    /// OTLP/HTTP collector base URL (e.g. `http://otel-collector:4318`); tracing export is
    /// off when unset.
    pub otlp_endpoint: Option<String>,
    pub service_name: String,
}

/// Defaults, in the same shape as the optional TOML file.
const DEFAULTS: &str = r#"
[server]
host = "127.0.0.1"
port = 8080
request_timeout_ms = 10000
max_concurrent_requests = 4096
shutdown_grace_ms = 20000
bench_parse_only_route = false

[storage]
engine = "sqlite"
data_dir = "./data"
sqlite_pool_size = 8
sqlite_synchronous = "normal"
mongodb_database = "shoptrail"

[ingest]
max_request_bytes = 512000
max_events_per_request = 2500
max_event_bytes = 32768
max_property_depth = 8
max_string_bytes = 8192
max_id_bytes = 256
future_tolerance_ms = 300000

[batcher]
max_events = 5000
max_bytes = 8388608
linger_ms = 0
queue_max_bytes = 67108864
retry_after_s = 1

[telemetry]
log_format = "json"
log_level = "info"
service_name = "shoptrail-api"
"#;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("configuration could not be read: {0}")]
    Load(#[from] ::config::ConfigError),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads defaults, then the file named by `APP_CONFIG_FILE` (if set), then `APP__*` env vars.
    pub fn load() -> Result<Self, SettingsError> {
        let file = std::env::var("APP_CONFIG_FILE").ok();
        Self::load_from(file.as_deref(), std::env::vars())
    }

    /// Same as [`Settings::load`] with explicit inputs, so tests need not touch the process
    /// environment.
    pub fn load_from(
        file: Option<&str>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, SettingsError> {
        let mut builder = ::config::Config::builder().add_source(::config::File::from_str(
            DEFAULTS,
            ::config::FileFormat::Toml,
        ));
        if let Some(path) = file {
            builder = builder.add_source(::config::File::with_name(path).required(true));
        }
        let env: std::collections::HashMap<String, String> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("APP__"))
            .collect();
        builder = builder.add_source(
            ::config::Environment::with_prefix("APP")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(env)),
        );
        let settings: Settings = builder.build()?.try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let fail = |msg: &str| Err(SettingsError::Invalid(msg.to_owned()));
        let i = &self.ingest;
        let b = &self.batcher;
        if self.storage.engine == Engine::Mongodb && self.storage.mongodb_uri.is_none() {
            return fail("storage.mongodb_uri is required when storage.engine = \"mongodb\"");
        }
        if self.storage.sqlite_pool_size == 0 {
            return fail("storage.sqlite_pool_size must be at least 1");
        }
        if i.max_event_bytes == 0 || i.max_event_bytes > i.max_request_bytes {
            return fail("ingest.max_event_bytes must be between 1 and ingest.max_request_bytes");
        }
        if i.max_events_per_request == 0 {
            return fail("ingest.max_events_per_request must be at least 1");
        }
        if i.max_property_depth == 0 || i.max_property_depth > 64 {
            return fail("ingest.max_property_depth must be between 1 and 64");
        }
        if b.max_events == 0 || b.max_bytes == 0 {
            return fail("batcher.max_events and batcher.max_bytes must be positive");
        }
        if b.queue_max_bytes < i.max_request_bytes {
            return fail("batcher.queue_max_bytes must hold at least one full request");
        }
        if self.server.max_concurrent_requests == 0 {
            return fail("server.max_concurrent_requests must be at least 1");
        }
        Ok(())
    }

    /// Path of the embedded engine's database file.
    pub fn sqlite_path(&self) -> PathBuf {
        self.storage.data_dir.join("shoptrail.db")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_load_and_validate() {
        let s = Settings::load_from(None, env(&[])).expect("defaults are valid");
        assert_eq!(s.server.port, 8080);
        assert_eq!(s.storage.engine, Engine::Sqlite);
        assert_eq!(s.storage.data_dir, PathBuf::from("./data"));
        assert_eq!(s.ingest.max_events_per_request, 2500);
    }

    #[test]
    fn environment_overrides_nested_keys() {
        let s = Settings::load_from(
            None,
            env(&[
                ("APP__SERVER__PORT", "9191"),
                ("APP__STORAGE__DATA_DIR", "/tmp/x"),
                ("APP__BATCHER__LINGER_MS", "7"),
            ]),
        )
        .expect("valid");
        assert_eq!(s.server.port, 9191);
        assert_eq!(s.storage.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(s.batcher.linger_ms, 7);
    }

    #[test]
    fn mongodb_engine_without_uri_is_rejected() {
        let err = Settings::load_from(None, env(&[("APP__STORAGE__ENGINE", "mongodb")]))
            .expect_err("must fail");
        assert!(err.to_string().contains("mongodb_uri"), "{err}");
    }

    #[test]
    fn unknown_engine_is_rejected() {
        assert!(Settings::load_from(None, env(&[("APP__STORAGE__ENGINE", "oracle")])).is_err());
    }

    #[test]
    fn mongodb_uri_is_not_printed_by_debug() {
        let s = Settings::load_from(
            None,
            env(&[
                ("APP__STORAGE__ENGINE", "mongodb"),
                (
                    "APP__STORAGE__MONGODB_URI",
                    "mongodb://user:hunter2@db:27017",
                ),
            ]),
        )
        .expect("valid");
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
