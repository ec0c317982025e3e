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
    pub auth: AuthSettings,
    pub rate_limit: RateLimitSettings,
    pub secrets: SecretsSettings,
    pub worker: WorkerSettings,
    pub export: ExportSettings,
    pub import: ImportSettings,
    /// How long raw events and per-person rows are kept.
    pub retention: RetentionSettings,
    /// The demo shop page (`/demo/`).
    #[serde(default)]
    pub demo: DemoSettings,
    pub shop: ShopSettings,
    /// The live view (`GET /v1/live/events`).
    #[serde(default)]
    pub live: LiveSettings,
    pub reports: ReportsSettings,
}

/// The live view: server-sent event streams that poll the store.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LiveSettings {
    /// Live streams one API instance serves at once; past it, `429` with Retry-After.
    pub max_streams: usize,
    /// How often an open stream reads the store for new events.
    pub poll_interval_ms: u64,
    /// A comment line sent after this long without an event, so proxies (the ALB's idle
    /// timeout is 60 s) keep the connection open.
    pub keep_alive_s: u64,
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            max_streams: 64,
            poll_interval_ms: 1000,
            keep_alive_s: 15,
        }
    }
}

/// How reports are answered: the in-memory visit index (`reports::index`).
#[derive(Debug, Clone, Deserialize)]
pub struct ReportsSettings {
    /// Days of visits each instance holds in memory; reports of ranges that start within
    /// them are answered from it, others from the store. 0 turns the index off.
    pub index_days: u32,
    /// How far before its last look the index reads changes again, so a visit written with
    /// an earlier marker but committed later is not missed.
    pub index_overlap_ms: u64,
    /// How often the index looks for changes between reports (each report looks too).
    pub index_poll_ms: u64,
}

/// The shop the reports speak for: its time zone and money.
#[derive(Debug, Clone, Deserialize)]
pub struct ShopSettings {
    /// IANA time zone that reports cut hours, days, weeks and months in (`Europe/Madrid`).
    pub time_zone: String,
    /// ISO 4217 reporting currency; amounts that name no currency are taken to be in it.
    pub currency: String,
    /// One unit of another currency in reporting units (`shop.rates.USD = "0.92"`).
    /// Amounts in a currency without a rate are reported on their own, never summed in.
    #[serde(default)]
    pub rates: std::collections::BTreeMap<String, String>,
}

impl ShopSettings {
    /// The time zone (checked at start-up).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// The reporting currency and rates (checked at start-up).
    pub fn rates(&self) -> Result<crate::commerce::Rates, String> {
        use crate::commerce::Currency;
        let reporting = Currency::parse(&self.currency)
            .ok_or_else(|| format!("shop.currency {:?} is not an ISO 4217 code", self.currency))?;
        let to_reporting =
            self.rates
                .iter()
                .map(|(code, rate)| {
                    let c = Currency::parse(code)
                        .ok_or_else(|| format!("shop.rates: {code:?} is not an ISO 4217 code"))?;
                    let r: rust_decimal::Decimal = rate.trim().parse().map_err(|_| {
                        format!("shop.rates.{code}: {rate:?} is not a decimal number")
                    })?;
                    if r <= rust_decimal::Decimal::ZERO {
                        return Err(format!("shop.rates.{code} must be above zero"));
                    }
                    Ok((c, r))
                })
                .collect::<Result<_, String>>()?;
        Ok(crate::commerce::Rates {
            reporting,
            to_reporting,
        })
    }
}

/// The demo shop served at `/demo/`, which sends its events with the browser tracker.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DemoSettings {
    /// Serve `/demo/`; unset means on with the embedded engine (SQLite), off otherwise.
    pub enabled: Option<bool>,
    /// The write key the demo page sends with. Browser write keys are public by nature (the
    /// page holds it); use a key of its own source (`scripts/run` creates `demo`). Without
    /// one the page says how to set it and sends nothing.
    pub write_key: Option<SecretString>,
}

impl Settings {
    /// Whether `/demo/` is served.
    pub fn demo_enabled(&self) -> bool {
        self.demo
            .enabled
            .unwrap_or(self.storage.engine == Engine::Sqlite)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    /// Interface to bind; `127.0.0.1` locally, `0.0.0.0` in a container.
    pub host: String,
    /// TCP port; 0 picks a free one (tests).
    pub port: u16,
    /// Upper bound on the time one request may take, including waiting for its batch.
    pub request_timeout_ms: u64,
    /// Longest a client may take to send a request's headers (slow clients that trickle
    /// header lines are disconnected).
    pub header_read_timeout_ms: u64,
    /// Requests served at once; beyond this the server answers 503 with Retry-After.
    pub max_concurrent_requests: usize,
    /// Time given to in-flight requests and queued events on SIGTERM before exiting.
    pub shutdown_grace_ms: u64,
    /// Mounts `POST /v1/_bench/parse-only`, which parses and validates but never stores.
    /// Only for `scripts/bench`'s ceiling measurement.
    pub bench_parse_only_route: bool,
    /// Peers (CIDR, e.g. the ALB's subnets) whose `X-Forwarded-For` is believed when
    /// finding a client's IP; from anyone else the peer address is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Origins of the web console, allowed (with credentials) by CORS on console routes.
    /// Ingestion routes allow any origin.
    pub console_origins: Vec<String>,
    /// Largest total size of a request's header names and values; larger requests get 431.
    pub max_header_bytes: usize,
    /// Directory of the built web console, served at `/` with a fallback to its
    /// `index.html` (relative paths from the working directory). Empty turns it off; a
    /// directory without `index.html` is skipped with a log line.
    pub console_dir: std::path::PathBuf,
    /// Public base URL of the ingestion API as browsers reach it (`https://t.shop.example`),
    /// written into the settings documents the browser SDKs load so they send events here.
    /// Empty: taken from each request's `Host` and `X-Forwarded-Proto`.
    pub public_url: String,
    /// Directory holding the browser SDK bundles served to the standard snippets
    /// (`analytics-next/standalone.js` and its chunks), copied there from the pinned npm
    /// package by `npm run bundle` in `compat/browser/` (relative paths from the working
    /// directory). Empty, or no bundle there: those paths answer 404.
    pub browser_sdk_dir: std::path::PathBuf,
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
    /// Most events an identity merge moves inside the batch that carries the link; the
    /// rest of the earlier id's history is moved by the background mover in chunks of this
    /// size, each its own short transaction (`storage::moves`).
    pub merge_move_chunk: usize,
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
    /// A request header carrying the visitor's country (ISO 3166-1 alpha-2), believed only
    /// on requests from `server.trusted_proxies`: `CloudFront-Viewer-Country` behind
    /// CloudFront. Unset: no country from headers.
    #[serde(default)]
    pub country_header: Option<String>,
    /// An offline MaxMind DB file (GeoLite2 / GeoIP2 / DB-IP, Country or City) giving the
    /// country of the request's client address when no trusted header gave one. The client
    /// address is the peer's, or the `X-Forwarded-For` entry a trusted proxy added. Not used
    /// for requests with a server write key. Unset: no country from addresses. None is
    /// shipped or downloaded.
    #[serde(default)]
    pub geoip_database: Option<std::path::PathBuf>,
    /// What is kept of an IP address an event carries in `context.ip`: nothing (`drop`,
    /// the default), its network (`truncate`: /24 for IPv4, /48 for IPv6) or all of it
    /// (`keep`).
    #[serde(default)]
    pub ip_addresses: IpAddresses,
}

/// See [`IngestSettings::ip_addresses`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IpAddresses {
    #[default]
    Drop,
    Truncate,
    Keep,
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

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    /// Mark the session cookie `Secure` (HTTPS only). Off only for plain-HTTP local runs.
    pub cookie_secure: bool,
    /// A session unused this long ends.
    pub session_idle_timeout_s: u64,
    /// A session ends this long after sign-in, however active.
    pub session_absolute_timeout_s: u64,
    /// Key signing the session cookie (at least 32 characters); unsigned when unset.
    /// Every API process must share it.
    pub session_key: Option<SecretString>,
    /// Lets anyone create an account (with the lowest role) at `POST /v1/auth/signup`.
    pub allow_signup: bool,
    /// Shortest password accepted.
    pub min_password_chars: usize,
    /// How long a verified write key is trusted without asking the store again; bounds how
    /// long a revoked key keeps working on other instances.
    pub write_key_cache_ttl_ms: u64,
}

/// Request rates, each a GCRA budget: `burst` requests at once, refilled at `per_minute`.
/// A `per_minute` of 0 turns that limit off.
#[derive(Debug, Clone, Deserialize)]
pub struct RateLimitSettings {
    /// Per client IP, on `/v1/auth/*` (password guessing).
    pub auth_per_minute: u64,
    pub auth_burst: u32,
    /// Per write key, on ingestion.
    pub ingest_per_minute: u64,
    pub ingest_burst: u32,
    /// Per session (else per client IP), on console reads and admin routes.
    pub reads_per_minute: u64,
    pub reads_burst: u32,
}

/// Where production secrets come from. With a `*_secret_id` set, the value is read from
/// AWS Secrets Manager at start-up and replaces the setting of the same name.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SecretsSettings {
    /// AWS region of Secrets Manager; else the standard AWS environment.
    pub region: Option<String>,
    /// Endpoint override (a local Secrets-Manager-compatible server in tests).
    pub endpoint_url: Option<String>,
    /// Secret holding `storage.mongodb_uri`.
    pub mongodb_uri_secret_id: Option<String>,
    /// Secret holding `auth.session_key`.
    pub session_key_secret_id: Option<String>,
}

impl SecretsSettings {
    pub fn any(&self) -> bool {
        self.mongodb_uri_secret_id.is_some() || self.session_key_secret_id.is_some()
    }
}

/// The job runner (exports, imports), in the worker process or inside the API.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkerSettings {
    /// Run the job runner inside the API process (embedded mode). Production sets it false
    /// and runs the `worker` binary instead.
    pub in_process: bool,
    /// Where the `worker` binary serves `/healthz`, `/readyz` and `/metrics`.
    pub listen_addr: String,
    /// How often an idle runner asks the store for a job.
    pub poll_interval_ms: u64,
    /// How long a claimed job stays ours without a heartbeat; after that another worker
    /// may take it over.
    pub lease_ms: u64,
    /// How often a running job renews its lease and records progress.
    pub heartbeat_ms: u64,
    /// Jobs one runner executes at once.
    pub concurrency: usize,
    /// Attempts before a job fails for good.
    pub max_attempts: u32,
    /// Delay before the first retry; doubled for each further attempt.
    pub retry_backoff_ms: u64,
    /// Upper bound on the delay between attempts.
    pub retry_backoff_max_ms: u64,
    /// How often the export gauges and queued-job gauges are refreshed from the store.
    pub metrics_refresh_ms: u64,
}

/// The daily export.
#[derive(Debug, Clone, Deserialize)]
pub struct ExportSettings {
    /// `s3://bucket/prefix` or `file:///path`. Unset: `file://<data_dir>/exports`.
    pub destination: Option<String>,
    /// Cron expression (UTC, with seconds: `sec min hour day month weekday`) of the daily
    /// export of the previous UTC day.
    pub schedule: String,
    /// Turns the scheduled export off (backfills through the API still run).
    pub schedule_enabled: bool,
    /// An events file is closed and a new one started once it reaches this size (gzip bytes).
    pub max_file_bytes: u64,
    /// Events read from the store per page.
    pub page_events: usize,
    /// S3 endpoint override (an S3-compatible server); else the standard AWS environment
    /// (`AWS_ENDPOINT_URL`). Also used for S3 import sources.
    pub s3_endpoint_url: Option<String>,
}

/// Import jobs.
#[derive(Debug, Clone, Deserialize)]
pub struct ImportSettings {
    /// Hosts or IPs (or CIDR ranges) that URL imports may reach even though they are
    /// private or loopback. Everything else private is refused.
    pub url_allowlist: Vec<String>,
    /// Largest uploaded import file.
    pub max_upload_bytes: usize,
    /// Events handed to the batcher at once.
    pub batch_events: usize,
    /// Errors (with line numbers) kept in an import's report.
    pub max_reported_errors: usize,
    /// URL imports: longest wait to connect.
    pub url_connect_timeout_ms: u64,
    /// URL imports: longest wait for the next bytes of the answer.
    pub url_read_timeout_ms: u64,
    /// URL imports: longest a whole download may take.
    pub url_total_timeout_s: u64,
}

/// Retention of raw events and per-person rows (see `jobs::purge`); aggregates stay.
#[derive(Debug, Clone, Deserialize)]
pub struct RetentionSettings {
    /// Days of events kept before the day the purge runs (UTC); 0 keeps everything forever.
    /// At least [`RetentionSettings::MIN_EVENTS_DAYS`] when set.
    pub events_days: u32,
    /// Cron expression (UTC, with seconds) of the daily purge.
    pub schedule: String,
    /// Turns the scheduled purge off (a purge job enqueued otherwise still runs).
    pub schedule_enabled: bool,
    /// Most rows one delete removes, so a purge never holds the store for long.
    pub batch_rows: usize,
}

impl RetentionSettings {
    /// The shortest retention accepted: a week, so a typo cannot wipe the store.
    pub const MIN_EVENTS_DAYS: u32 = 7;

    /// Whether anything is ever purged.
    pub fn enabled(&self) -> bool {
        self.events_days > 0
    }
}

impl ExportSettings {
    /// The destination URL, with the embedded default under the data directory.
    pub fn destination_url(&self, data_dir: &std::path::Path) -> String {
        match &self.destination {
            Some(d) if !d.is_empty() => d.clone(),
            _ => {
                let dir = std::path::absolute(data_dir.join("exports"))
                    .unwrap_or_else(|_| data_dir.join("exports"));
                format!("file://{}", dir.display())
            }
        }
    }
}

/// Defaults, in the same shape as the optional TOML file.
const DEFAULTS: &str = r#"
[server]
host = "127.0.0.1"
port = 8080
request_timeout_ms = 10000
header_read_timeout_ms = 10000
max_concurrent_requests = 4096
shutdown_grace_ms = 20000
bench_parse_only_route = false
trusted_proxies = []
console_origins = []
console_dir = "frontend/dist"
public_url = ""
browser_sdk_dir = "compat/browser/dist"
max_header_bytes = 16384

[shop]
time_zone = "UTC"
currency = "EUR"

[reports]
index_days = 60
index_overlap_ms = 5000
index_poll_ms = 1000

[storage]
engine = "sqlite"
data_dir = "./data"
sqlite_pool_size = 8
sqlite_synchronous = "normal"
mongodb_database = "shoptrail"
merge_move_chunk = 1000

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

[auth]
cookie_secure = true
session_idle_timeout_s = 28800
session_absolute_timeout_s = 604800
allow_signup = false
min_password_chars = 12
write_key_cache_ttl_ms = 5000

[rate_limit]
auth_per_minute = 10
auth_burst = 10
ingest_per_minute = 60000
ingest_burst = 2000
reads_per_minute = 600
reads_burst = 120

[secrets]

[worker]
in_process = true
listen_addr = "0.0.0.0:9090"
poll_interval_ms = 1000
lease_ms = 60000
heartbeat_ms = 10000
concurrency = 2
max_attempts = 5
retry_backoff_ms = 30000
retry_backoff_max_ms = 3600000
metrics_refresh_ms = 30000

[export]
schedule = "0 0 10 * * *"
schedule_enabled = true
max_file_bytes = 134217728
page_events = 5000

[retention]
events_days = 0
schedule = "0 30 3 * * *"
schedule_enabled = true
batch_rows = 5000

[import]
url_allowlist = []
max_upload_bytes = 1073741824
batch_events = 1000
max_reported_errors = 100
url_connect_timeout_ms = 10000
url_read_timeout_ms = 30000
url_total_timeout_s = 3600
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
                .list_separator(",")
                .with_list_parse_key("server.trusted_proxies")
                .with_list_parse_key("server.console_origins")
                .with_list_parse_key("import.url_allowlist")
                .source(Some(env)),
        );
        let settings: Settings = builder.build()?.try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let fail = |msg: &str| Err(SettingsError::Invalid(msg.to_owned()));
        if self.live.poll_interval_ms == 0 || self.live.keep_alive_s == 0 {
            return fail("live.poll_interval_ms and live.keep_alive_s must be positive");
        }
        let i = &self.ingest;
        let b = &self.batcher;
        if self.storage.engine == Engine::Mongodb
            && self.storage.mongodb_uri.is_none()
            && self.secrets.mongodb_uri_secret_id.is_none()
        {
            return fail(
                "storage.mongodb_uri (or secrets.mongodb_uri_secret_id) is required when storage.engine = \"mongodb\"",
            );
        }
        self.validate_secrets()?;
        let a = &self.auth;
        if a.session_idle_timeout_s == 0 || a.session_absolute_timeout_s < a.session_idle_timeout_s
        {
            return fail(
                "auth.session_idle_timeout_s must be positive and at most auth.session_absolute_timeout_s",
            );
        }
        if a.min_password_chars < 8 {
            return fail("auth.min_password_chars must be at least 8");
        }
        if self.server.max_header_bytes < 1024 {
            return fail("server.max_header_bytes must be at least 1024");
        }
        let r = &self.rate_limit;
        for (name, per_minute, burst) in [
            ("auth", r.auth_per_minute, r.auth_burst),
            ("ingest", r.ingest_per_minute, r.ingest_burst),
            ("reads", r.reads_per_minute, r.reads_burst),
        ] {
            if per_minute > 0 && burst == 0 {
                return Err(SettingsError::Invalid(format!(
                    "rate_limit.{name}_burst must be at least 1"
                )));
            }
            if per_minute > 60_000_000_000 {
                return Err(SettingsError::Invalid(format!(
                    "rate_limit.{name}_per_minute is too large"
                )));
            }
        }
        for origin in &self.server.console_origins {
            if !(origin.starts_with("http://") || origin.starts_with("https://"))
                || origin.ends_with('/')
            {
                return Err(SettingsError::Invalid(format!(
                    "server.console_origins entry {origin:?} must look like https://console.example.com"
                )));
            }
        }
        if self.storage.sqlite_pool_size == 0 {
            return fail("storage.sqlite_pool_size must be at least 1");
        }
        if self.reports.index_poll_ms == 0 {
            return fail("reports.index_poll_ms must be positive");
        }
        if self.shop.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return fail("shop.time_zone must be an IANA time zone name such as Europe/Madrid");
        }
        if let Err(why) = self.shop.rates() {
            return fail(&why);
        }
        if self.storage.merge_move_chunk == 0 {
            return fail("storage.merge_move_chunk must be at least 1");
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
        self.validate_jobs()?;
        if self.server.max_concurrent_requests == 0 {
            return fail("server.max_concurrent_requests must be at least 1");
        }
        Ok(())
    }

    fn validate_jobs(&self) -> Result<(), SettingsError> {
        let fail = |msg: String| Err(SettingsError::Invalid(msg));
        let w = &self.worker;
        if w.lease_ms == 0 || w.heartbeat_ms == 0 || w.heartbeat_ms * 2 > w.lease_ms {
            return fail(
                "worker.heartbeat_ms must be positive and at most half of worker.lease_ms".into(),
            );
        }
        if w.concurrency == 0 || w.max_attempts == 0 || w.poll_interval_ms == 0 {
            return fail(
                "worker.concurrency, worker.max_attempts and worker.poll_interval_ms must be positive"
                    .into(),
            );
        }
        if w.listen_addr.parse::<std::net::SocketAddr>().is_err() {
            return fail(format!(
                "worker.listen_addr {:?} must be an address like 0.0.0.0:9090",
                w.listen_addr
            ));
        }
        let e = &self.export;
        if <cron::Schedule as std::str::FromStr>::from_str(&e.schedule).is_err() {
            return fail(format!(
                "export.schedule {:?} is not a cron expression (sec min hour day month weekday)",
                e.schedule
            ));
        }
        if let Some(d) = e.destination.as_deref().filter(|d| !d.is_empty())
            && !(d.starts_with("s3://") || d.starts_with("file:///"))
        {
            return fail(format!(
                "export.destination {d:?} must be s3://bucket/prefix or file:///path"
            ));
        }
        if e.max_file_bytes < 1024 || e.page_events == 0 {
            return fail(
                "export.max_file_bytes must be at least 1024 and export.page_events positive"
                    .into(),
            );
        }
        let i = &self.import;
        if i.batch_events == 0 || i.max_upload_bytes == 0 {
            return fail("import.batch_events and import.max_upload_bytes must be positive".into());
        }
        let r = &self.retention;
        if r.enabled() && r.events_days < RetentionSettings::MIN_EVENTS_DAYS {
            return fail(format!(
                "retention.events_days must be 0 (keep forever) or at least {}",
                RetentionSettings::MIN_EVENTS_DAYS
            ));
        }
        if <cron::Schedule as std::str::FromStr>::from_str(&r.schedule).is_err() {
            return fail(format!(
                "retention.schedule {:?} is not a cron expression (sec min hour day month weekday)",
                r.schedule
            ));
        }
        if r.batch_rows == 0 {
            return fail("retention.batch_rows must be at least 1".into());
        }
        Ok(())
    }

    /// Checks of the values that may arrive from Secrets Manager after loading; run again
    /// once they have.
    pub fn validate_secrets(&self) -> Result<(), SettingsError> {
        use secrecy::ExposeSecret as _;
        if let Some(key) = &self.auth.session_key
            && key.expose_secret().len() < 32
        {
            return Err(SettingsError::Invalid(
                "auth.session_key must be at least 32 characters".to_owned(),
            ));
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
    fn a_merge_move_chunk_of_zero_is_rejected() {
        let s = Settings::load_from(None, env(&[("APP__STORAGE__MERGE_MOVE_CHUNK", "7")]))
            .expect("valid");
        assert_eq!(s.storage.merge_move_chunk, 7);
        let err = Settings::load_from(None, env(&[("APP__STORAGE__MERGE_MOVE_CHUNK", "0")]))
            .expect_err("must fail");
        assert!(err.to_string().contains("merge_move_chunk"), "{err}");
    }

    #[test]
    fn lists_and_new_sections_come_from_the_environment() {
        let s = Settings::load_from(
            None,
            env(&[
                ("APP__SERVER__TRUSTED_PROXIES", "10.0.0.0/8,192.168.1.1/32"),
                (
                    "APP__SERVER__CONSOLE_ORIGINS",
                    "https://console.example.com",
                ),
                ("APP__AUTH__COOKIE_SECURE", "false"),
                ("APP__RATE_LIMIT__AUTH_BURST", "3"),
                (
                    "APP__SECRETS__SESSION_KEY_SECRET_ID",
                    "shoptrail/session-key",
                ),
            ]),
        )
        .expect("valid");
        assert_eq!(s.server.trusted_proxies.len(), 2);
        assert_eq!(s.server.console_origins, ["https://console.example.com"]);
        assert!(!s.auth.cookie_secure);
        assert_eq!(s.rate_limit.auth_burst, 3);
        assert!(s.secrets.any());
        assert!(
            Settings::load_from(None, env(&[("APP__SERVER__TRUSTED_PROXIES", "nope")])).is_err()
        );
        assert!(Settings::load_from(None, env(&[("APP__AUTH__SESSION_KEY", "short")])).is_err());
    }

    #[test]
    fn mongodb_uri_may_come_from_a_secret() {
        let s = Settings::load_from(
            None,
            env(&[
                ("APP__STORAGE__ENGINE", "mongodb"),
                (
                    "APP__SECRETS__MONGODB_URI_SECRET_ID",
                    "shoptrail/mongodb-uri",
                ),
            ]),
        );
        assert!(s.is_ok());
    }

    #[test]
    fn job_settings_default_to_embedded_and_are_validated() {
        let s = Settings::load_from(None, env(&[])).expect("defaults");
        assert!(s.worker.in_process);
        assert_eq!(s.export.schedule, "0 0 10 * * *");
        assert_eq!(
            s.export.destination_url(std::path::Path::new("/var/data")),
            "file:///var/data/exports"
        );
        let s = Settings::load_from(
            None,
            env(&[
                ("APP__EXPORT__DESTINATION", "s3://bucket/prefix"),
                ("APP__IMPORT__URL_ALLOWLIST", "127.0.0.1,10.0.0.0/8"),
            ]),
        )
        .expect("valid");
        assert_eq!(
            s.export.destination_url(std::path::Path::new("/x")),
            "s3://bucket/prefix"
        );
        assert_eq!(s.import.url_allowlist, ["127.0.0.1", "10.0.0.0/8"]);
        for (k, v) in [
            ("APP__EXPORT__DESTINATION", "ftp://x"),
            ("APP__EXPORT__SCHEDULE", "every day"),
            ("APP__WORKER__HEARTBEAT_MS", "40000"),
            ("APP__WORKER__LISTEN_ADDR", "nowhere"),
        ] {
            assert!(
                Settings::load_from(None, env(&[(k, v)])).is_err(),
                "{k}={v}"
            );
        }
    }

    #[test]
    fn retention_is_off_by_default_and_at_least_a_week_when_set() {
        let s = Settings::load_from(None, env(&[])).expect("defaults");
        assert!(!s.retention.enabled());
        assert_eq!(s.retention.schedule, "0 30 3 * * *");
        let s = Settings::load_from(None, env(&[("APP__RETENTION__EVENTS_DAYS", "30")]))
            .expect("30 days is valid");
        assert_eq!(s.retention.events_days, 30);
        for (k, v) in [
            ("APP__RETENTION__EVENTS_DAYS", "6"),
            ("APP__RETENTION__SCHEDULE", "daily"),
            ("APP__RETENTION__BATCH_ROWS", "0"),
        ] {
            assert!(
                Settings::load_from(None, env(&[(k, v)])).is_err(),
                "{k}={v}"
            );
        }
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
