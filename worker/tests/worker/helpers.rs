//! Fixtures: settings on a temporary data directory, seeded events, in-process job workers, and
//! an S3 client for moto.

use std::io::Read as _;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, json};
use shared::batcher::Batcher;
use shared::clock::SystemClock;
use shared::event::{Event, EventType};
use shared::jobs::worker::{JobWorker, JobWorkerHandle, previous_day};
use shared::settings::Settings;
use shared::storage::{self, Job, JobStatus, Store};

pub fn settings(dir: &std::path::Path, overrides: &[(&str, String)]) -> Settings {
    let mut pairs: Vec<(String, String)> = vec![
        ("APP__STORAGE__DATA_DIR".into(), dir.display().to_string()),
        ("APP__WORKER__POLL_INTERVAL_MS".into(), "50".into()),
        ("APP__WORKER__HEARTBEAT_MS".into(), "200".into()),
        ("APP__WORKER__LEASE_MS".into(), "2000".into()),
        ("APP__WORKER__RETRY_BACKOFF_MS".into(), "100".into()),
        ("APP__EXPORT__SCHEDULE_ENABLED".into(), "false".into()),
    ];
    pairs.extend(overrides.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    Settings::load_from(None, pairs).expect("test settings are valid")
}

/// The day the daily export covers now.
pub fn yesterday() -> NaiveDate {
    previous_day(Utc::now())
}

pub fn event(id: &str, user: &str, at: DateTime<Utc>) -> Event {
    let mut properties = Map::new();
    properties.insert("sku".into(), json!(format!("sku-{id}")));
    properties.insert("price".into(), json!(12.5));
    Event {
        event_id: id.to_owned(),
        user_id: Some(user.to_owned()),
        anonymous_id: None,
        session_id: Some("s".into()),
        event_type: EventType::parse("add_to_cart").expect("type"),
        properties,
        context: Map::new(),
        traits: None,
        occurred_at: at,
        sent_at: None,
        received_at: at,
        timestamp_clamped: false,
        derived: None,
        source: Some("test".into()),
    }
}

/// Stores `n` events spread over `day`, plus one on each neighbouring day.
pub async fn seed_day(store: &Arc<dyn Store>, day: NaiveDate, n: usize) {
    let start = day.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let step = 86_400_000 / i64::try_from(n.max(1)).expect("n");
    let mut batch = Vec::new();
    for i in 0..n {
        let at = start + chrono::Duration::milliseconds(step * i64::try_from(i).expect("i"));
        batch.push(event(
            &format!("e-{day}-{i:07}"),
            &format!("u{}", i % 97),
            at,
        ));
        if batch.len() == 5000 {
            store
                .insert_batch(std::mem::take(&mut batch))
                .await
                .expect("seed");
        }
    }
    batch.push(event(
        &format!("before-{day}"),
        "u1",
        start - chrono::Duration::milliseconds(1),
    ));
    batch.push(event(
        &format!("after-{day}"),
        "u1",
        start + chrono::Duration::days(1),
    ));
    store.insert_batch(batch).await.expect("seed");
}

pub async fn open(settings: &Settings) -> Arc<dyn Store> {
    storage::open(settings).await.expect("store opens")
}

/// A job worker on `store` (with its own batcher), already running.
pub async fn start_runner(
    store: &Arc<dyn Store>,
    settings: &Settings,
) -> (JobWorker, JobWorkerHandle) {
    let batcher = Batcher::spawn(store.clone(), settings.batcher.clone());
    let runner = JobWorker::new(
        store.clone(),
        batcher,
        Arc::new(settings.clone()),
        Arc::new(SystemClock),
    )
    .await
    .expect("job worker starts");
    (runner.clone(), runner.spawn())
}

/// Polls until the job has ended (or panics after two minutes).
pub async fn wait_final(store: &Arc<dyn Store>, id: &str) -> Job {
    for _ in 0..1200 {
        let j = store.get_job(id).await.expect("get").expect("job exists");
        if !j.status.is_active() {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {id} did not finish in time");
}

pub fn assert_succeeded(j: &Job) {
    assert_eq!(j.status, JobStatus::Succeeded, "job failed: {:?}", j.error);
}

pub fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .expect("valid gzip");
    out
}

pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// moto's endpoint, or None with a loud SKIP line.
pub fn moto() -> Option<String> {
    match std::env::var("MOTO_ENDPOINT") {
        Ok(e) if !e.is_empty() => Some(e),
        _ => {
            eprintln!(
                "SKIP: MOTO_ENDPOINT is not set (scripts/test starts moto); S3 export test not run"
            );
            None
        }
    }
}

/// Environment for a worker process talking to moto.
pub fn aws_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_CONFIG_FILE", "/dev/null".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into()),
        ("AWS_ENDPOINT_URL", endpoint.to_owned()),
    ]
}

/// A client for moto with fixed test credentials (the test process's environment has none).
pub async fn s3(endpoint: &str) -> aws_sdk_s3::Client {
    let creds = aws_sdk_s3::config::Credentials::new("test", "test", None, None, "test");
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(creds)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

pub async fn create_bucket(client: &aws_sdk_s3::Client) -> String {
    let bucket = format!("exports-{}", uuid::Uuid::now_v7().simple());
    client
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("bucket created");
    bucket
}

pub async fn get(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get {key}: {e:?}"))
        .body
        .collect()
        .await
        .expect("body")
        .into_bytes()
        .to_vec()
}

pub async fn list(client: &aws_sdk_s3::Client, bucket: &str, prefix: &str) -> Vec<String> {
    let out = client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .send()
        .await
        .expect("list");
    let mut keys: Vec<String> = out
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    keys.sort();
    keys
}
