//! `kill -9` in the middle of a load run loses no event that was answered 202. Runs the
//! real binary as a child process so the kill is a real SIGKILL.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::helpers::{PASSWORD, login, with_cookie};
use crate::process::{cli, free_port, start, wait_ready};

const NO_INGEST_LIMIT: [(&str, &str); 2] = [
    ("APP__RATE_LIMIT__INGEST_PER_MINUTE", "0"),
    ("APP__TELEMETRY__LOG_LEVEL", "warn"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_load_loses_no_acknowledged_event() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let (key, _) = cli(
        dir.path(),
        &["write-key", "create", "--source", "crash"],
        "",
        &NO_INGEST_LIMIT,
    );
    let key = key.trim().to_owned();
    cli(
        dir.path(),
        &[
            "admin",
            "create",
            "--email",
            "viewer@crash.test",
            "--role",
            "viewer",
        ],
        &format!("{PASSWORD}\n"),
        &NO_INGEST_LIMIT,
    );
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-write-key", key.parse().expect("header"));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .default_headers(headers)
        .build()
        .expect("client");
    let mut child = start(dir.path(), port, &NO_INGEST_LIMIT, false);
    wait_ready(&client, &base).await;
    // Signed in before the kill; the session must still work after the restart.
    let cookie = login(&base, "viewer@crash.test", PASSWORD).await;

    let acked = Arc::new(Mutex::new(HashSet::new()));
    let writers: Vec<_> = (0..16)
        .map(|w| {
            let (client, base, acked) = (client.clone(), base.clone(), acked.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let batch: Vec<_> = (0..10)
                        .map(|k| json!({"messageId": format!("w{w}-{i}-{k}"), "userId": format!("u{w}"), "type": "page_view"}))
                        .collect();
                    let Ok(r) = client.post(format!("{base}/v1/events")).json(&batch).send().await else { break };
                    if r.status().as_u16() != 202 {
                        break;
                    }
                    let mut set = acked.lock().expect("lock");
                    set.extend(batch.iter().map(|e| e["messageId"].as_str().unwrap_or_default().to_owned()));
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    for w in writers {
        let _ = w.await;
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(
        acked.len() > 100,
        "the load run acknowledged events before the kill ({})",
        acked.len()
    );

    let mut child = start(dir.path(), port, &NO_INGEST_LIMIT, false);
    wait_ready(&client, &base).await;
    let client = with_cookie(&cookie);
    let mut stored = HashSet::new();
    for w in 0..16 {
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{base}/v1/users/u{w}/journey?limit=1000");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let r = client.get(url).send().await.expect("sent");
            assert_eq!(
                r.status().as_u16(),
                200,
                "the session survives kill -9 and restart"
            );
            let page: serde_json::Value = r.json().await.expect("json");
            for e in page["items"].as_array().expect("events") {
                stored.insert(e["eventId"].as_str().unwrap_or_default().to_owned());
            }
            match page["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let lost: Vec<_> = acked.difference(&stored).take(5).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged events lost after kill -9, e.g. {lost:?}",
        acked.difference(&stored).count()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_requests_and_exits_cleanly() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("APP__BATCHER__LINGER_MS", "500"),
        ("APP__TELEMETRY__LOG_LEVEL", "warn"),
    ];
    let (key, _) = cli(
        dir.path(),
        &["write-key", "create", "--source", "term"],
        "",
        &env,
    );
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-write-key", key.trim().parse().expect("header"));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .default_headers(headers)
        .build()
        .expect("client");
    let mut child = start(dir.path(), port, &env, false);
    wait_ready(&client, &base).await;
    // In flight when the signal arrives: held back by the 500 ms linger.
    let sends: Vec<_> = (0..10)
        .map(|i| {
            let (client, base) = (client.clone(), base.clone());
            tokio::spawn(async move {
                let body = json!({"messageId": format!("t{i}"), "userId": "u1", "type": "scroll"});
                client
                    .post(format!("{base}/v1/events"))
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    for s in sends {
        assert_eq!(s.await.expect("join").expect("answered"), 202);
    }
    let status = child.wait().expect("exits");
    assert!(status.success(), "clean exit after SIGTERM: {status:?}");

    // Read what the stopped server left behind straight from its store.
    let settings = shared::settings::Settings::load_from(
        None,
        [(
            "APP__STORAGE__DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        )],
    )
    .expect("settings");
    let store = shared::storage::open(&settings).await.expect("store");
    let user = store.get_user("u1").await.expect("read").expect("profile");
    assert_eq!(user.event_count, 10);
}
