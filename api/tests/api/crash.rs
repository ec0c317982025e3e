//! `kill -9` in the middle of a load run loses no event that was answered 202. Runs the
//! real binary as a child process so the kill is a real SIGKILL.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn start(dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_api"))
        .env("APP__SERVER__PORT", port.to_string())
        .env("APP__STORAGE__DATA_DIR", dir)
        .env("APP__TELEMETRY__LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts")
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not become ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_load_loses_no_acknowledged_event() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let mut child = start(dir.path(), port);
    wait_ready(&client, &base).await;

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

    let mut child = start(dir.path(), port);
    wait_ready(&client, &base).await;
    let mut stored = HashSet::new();
    for w in 0..16 {
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{base}/v1/users/u{w}/journey?limit=1000");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let page: serde_json::Value = client
                .get(url)
                .send()
                .await
                .expect("sent")
                .json()
                .await
                .expect("json");
            for e in page["events"].as_array().expect("events") {
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
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let mut child = Command::new(env!("CARGO_BIN_EXE_api"))
        .env("APP__SERVER__PORT", port.to_string())
        .env("APP__STORAGE__DATA_DIR", dir.path())
        .env("APP__BATCHER__LINGER_MS", "500")
        .env("APP__TELEMETRY__LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
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
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    for s in sends {
        assert_eq!(s.await.expect("join").expect("answered"), 202);
    }
    let status = child.wait().expect("exits");
    assert!(status.success(), "clean exit after SIGTERM: {status:?}");

    let mut child = start(dir.path(), port);
    wait_ready(&client, &base).await;
    let user: serde_json::Value = client
        .get(format!("{base}/v1/users/u1"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(user["eventCount"], 10);
}
