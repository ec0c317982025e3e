//! Spawns the app on port 0 with a fresh data directory, an admin signed in and a write
//! key, so tests talk to it as a real console and a real ingesting source would.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Value, json};
use shared::settings::Settings;
use shared::storage::{Role, Store};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const ADMIN_EMAIL: &str = "admin@shoptrail.test";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    /// Sends the admin's session cookie and the write key on every request.
    pub client: reqwest::Client,
    /// Sends no credentials.
    pub anon: reqwest::Client,
    pub write_key: String,
    pub admin_cookie: String,
    pub store: Arc<dyn Store>,
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    spawn_app_in(dir, overrides).await
}

/// Limits high enough that only tests about rate limits meet them.
const GENEROUS_LIMITS: [(&str, &str); 6] = [
    ("APP__RATE_LIMIT__AUTH_PER_MINUTE", "600000"),
    ("APP__RATE_LIMIT__AUTH_BURST", "10000"),
    ("APP__RATE_LIMIT__INGEST_PER_MINUTE", "6000000"),
    ("APP__RATE_LIMIT__INGEST_BURST", "100000"),
    ("APP__RATE_LIMIT__READS_PER_MINUTE", "6000000"),
    ("APP__RATE_LIMIT__READS_BURST", "100000"),
];

pub fn test_settings(dir: &std::path::Path, overrides: &[(&str, &str)]) -> Settings {
    let mut env = vec![
        ("APP__SERVER__PORT".to_owned(), "0".to_owned()),
        (
            "APP__STORAGE__DATA_DIR".to_owned(),
            dir.display().to_string(),
        ),
    ];
    env.extend(
        GENEROUS_LIMITS
            .iter()
            .chain(overrides)
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Settings::load_from(None, env).expect("valid test settings")
}

pub fn client(headers: HeaderMap) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .default_headers(headers)
        .build()
        .expect("client")
}

/// Creates an account directly in the store (as `api admin create` does).
pub async fn add_member(store: &Arc<dyn Store>, email: &str, role: Role) {
    let account = api::auth::new_account(
        email,
        None,
        role,
        &SecretString::from(PASSWORD.to_owned()),
        12,
        chrono::Utc::now(),
    )
    .await
    .expect("valid account");
    store.create_account(&account).await.expect("created");
}

pub async fn add_write_key(store: &Arc<dyn Store>, source: &str) -> String {
    let (_, secret) = api::auth::write_keys::create(
        store.as_ref(),
        source,
        shared::storage::WriteKeyKind::Server,
        chrono::Utc::now(),
    )
    .await
    .expect("key created");
    secret.expose_secret().to_owned()
}

/// The `name=value` of the session cookie a response sets, if any.
pub fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("shoptrail_session="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}

pub async fn login_response(address: &str, email: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{address}/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("request sent")
}

/// Signs in and returns the session cookie (`name=value`).
pub async fn login(address: &str, email: &str, password: &str) -> String {
    let r = login_response(address, email, password).await;
    assert_eq!(r.status().as_u16(), 200, "sign-in of {email} failed");
    session_cookie(&r).expect("a session cookie")
}

/// A client sending this cookie on every request.
pub fn with_cookie(cookie: &str) -> reqwest::Client {
    let mut h = HeaderMap::new();
    h.insert("cookie", HeaderValue::from_str(cookie).expect("cookie"));
    client(h)
}

pub async fn spawn_app_in(dir: tempfile::TempDir, overrides: &[(&str, &str)]) -> TestApp {
    let settings = test_settings(dir.path(), overrides);
    let app = api::App::build(settings).await.expect("app builds");
    let store = app.state().store.clone();
    let address = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    if store
        .account_by_email(&shared::storage::Email::parse(ADMIN_EMAIL).expect("email"))
        .await
        .expect("read")
        .is_none()
    {
        add_member(&store, ADMIN_EMAIL, Role::Admin).await;
    }
    let write_key = add_write_key(&store, "test-suite").await;
    let admin_cookie = login(&address, ADMIN_EMAIL, PASSWORD).await;
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-write-key",
        HeaderValue::from_str(&write_key).expect("key"),
    );
    headers.insert(
        "cookie",
        HeaderValue::from_str(&admin_cookie).expect("cookie"),
    );
    TestApp {
        address,
        client: client(headers),
        anon: client(HeaderMap::new()),
        write_key,
        admin_cookie,
        store,
        dir,
        stop: Some(stop),
        server: Some(server),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn post_events(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/v1/events"))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent");
        let status = r.status().as_u16();
        (status, r.json().await.expect("JSON body"))
    }

    /// Graceful shutdown, as on SIGTERM; returns once queued events are written.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.server.take() {
            h.await.expect("join").expect("clean shutdown");
        }
        self.dir
    }
}

pub fn ev(id: &str, user: &str, kind: &str, ts: &str) -> Value {
    json!({"messageId": id, "userId": user, "type": kind, "timestamp": ts,
           "properties": {"path": "/p"}, "context": {"locale": "en-GB"}})
}
