//! Spawns the app on port 0 with a fresh data directory.

use std::time::Duration;

use serde_json::{Value, json};
use shared::settings::Settings;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
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

pub async fn spawn_app_in(dir: tempfile::TempDir, overrides: &[(&str, &str)]) -> TestApp {
    let mut env = vec![
        ("APP__SERVER__PORT".to_owned(), "0".to_owned()),
        (
            "APP__STORAGE__DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        ),
    ];
    env.extend(
        overrides
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let settings = Settings::load_from(None, env).expect("valid test settings");
    let app = api::App::build(settings).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client"),
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
