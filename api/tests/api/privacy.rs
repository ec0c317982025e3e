//! Erasure and subject access over real HTTP: `DELETE /v1/users/{id}` runs the erasure job
//! in the embedded worker, `GET /v1/users/{id}/export` downloads everything about a person.

use std::collections::BTreeSet;
use std::io::Read as _;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

async fn wait_job(app: &TestApp, id: &str) -> Value {
    for _ in 0..600 {
        let (status, job) = app.get_json(&format!("/v1/jobs/{id}")).await;
        assert_eq!(status, 200, "{job}");
        if !matches!(job["status"].as_str(), Some("queued" | "running")) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {id} did not finish");
}

async fn segment(app: &TestApp, path: &str, body: Value) {
    let r = app
        .client
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        r.status().as_u16(),
        200,
        "{path}: {}",
        r.text().await.unwrap_or_default()
    );
}

fn anon_ev(id: &str, anonymous_id: &str, kind: &str, ts: &str) -> Value {
    json!({"messageId": id, "anonymousId": anonymous_id, "type": kind, "timestamp": ts,
           "properties": {"path": "/p"}})
}

/// The person's events over three days: `old-id` (a user id of theirs) and anonymous
/// `a-1` on 1 February, `a-1` identified as `sa-u` on the 2nd, `old-id` aliased to `sa-u`
/// on the 3rd. `other` is active on the same days.
async fn three_days_of_a_person(app: &TestApp) -> BTreeSet<String> {
    let r = app
        .post_events(&json!([
            ev("o-1", "old-id", "page_view", "2026-02-01T07:00:00Z"),
            anon_ev("a-1-1", "a-1", "page_view", "2026-02-01T08:00:00Z"),
            anon_ev("a-1-2", "a-1", "product_view", "2026-02-01T08:05:00Z"),
            ev("x-1", "other", "page_view", "2026-02-01T09:00:00Z"),
            ev("x-2", "other", "page_view", "2026-02-02T09:00:00Z"),
            ev("x-3", "other", "purchase", "2026-02-03T09:00:00Z"),
        ]))
        .await;
    assert_eq!(r.status().as_u16(), 202);
    segment(
        app,
        "/v1/identify",
        json!({"userId": "sa-u", "anonymousId": "a-1", "messageId": "id-1",
               "timestamp": "2026-02-02T10:00:00Z", "traits": {"email": "sa@example.com"}}),
    )
    .await;
    app.post_events(&json!([ev(
        "u-1",
        "sa-u",
        "add_to_cart",
        "2026-02-02T10:05:00Z"
    )]))
    .await;
    segment(
        app,
        "/v1/alias",
        json!({"previousId": "old-id", "userId": "sa-u", "messageId": "al-1",
               "timestamp": "2026-02-03T11:00:00Z"}),
    )
    .await;
    app.post_events(&json!([ev(
        "u-2",
        "sa-u",
        "purchase",
        "2026-02-03T11:05:00Z"
    )]))
    .await;
    ["o-1", "a-1-1", "a-1-2", "id-1", "u-1", "al-1", "u-2"]
        .map(str::to_owned)
        .into()
}

/// A download: status, `Content-Type`, `Content-Disposition` and every line, parsed.
struct Download {
    status: u16,
    content_type: String,
    disposition: String,
    lines: Vec<Value>,
}

async fn download(app: &TestApp, id: &str) -> Download {
    let r = app
        .client
        .get(app.url(&format!("/v1/users/{id}/export")))
        .send()
        .await
        .expect("sent");
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    let lines = if status == 200 {
        text.lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    } else {
        Vec::new()
    };
    Download {
        status,
        content_type,
        disposition,
        lines,
    }
}

fn records<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["record"] == kind).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subject_access_download_holds_exactly_the_persons_events_and_profile() {
    let app = spawn_app_with(&[("APP__EXPORT__SCHEDULE_ENABLED", "false")]).await;
    let expected = three_days_of_a_person(&app).await;

    // Asked by any of the person's ids, the download is the person's.
    for id in ["sa-u", "a-1"] {
        let d = download(&app, id).await;
        assert_eq!(d.status, 200);
        assert_eq!(d.content_type, "application/x-ndjson");
        assert_eq!(d.disposition, "attachment; filename=\"person-sa-u.ndjson\"");
        assert_eq!(d.lines[0]["record"], "profile", "the profile comes first");
        let profile = &d.lines[0]["profile"];
        assert_eq!(profile["userId"], "sa-u");
        assert_eq!(profile["traits"]["email"], "sa@example.com");
        assert_eq!(profile["eventCount"], json!(expected.len()));
        let ids = records(&d.lines, "ids");
        assert_eq!(ids.len(), 1);
        assert_eq!(ids[0]["ids"], json!(["a-1", "old-id", "sa-u"]));
        let events = records(&d.lines, "event");
        let got: BTreeSet<String> = events
            .iter()
            .map(|e| e["event"]["eventId"].as_str().expect("id").to_owned())
            .collect();
        assert_eq!(got, expected, "exactly the person's events");
        assert_eq!(events.len(), expected.len(), "each once");
        let days: BTreeSet<&str> = events
            .iter()
            .map(|e| &e["event"]["occurredAt"].as_str().expect("time")[..10])
            .collect();
        assert_eq!(days, ["2026-02-01", "2026-02-02", "2026-02-03"].into());
        assert_eq!(d.lines.len(), 2 + expected.len());
    }

    let (_, audit) = app.get_json("/v1/admin/audit?limit=100").await;
    let exports = audit["items"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|a| a["action"] == "user.export")
        .count();
    assert_eq!(exports, 2, "each download is audited: {audit}");

    assert_eq!(download(&app, "nobody").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_person_is_gone_from_reads_and_later_exports_and_suppressed_ids_stay_out() {
    let app = spawn_app_with(&[
        ("APP__WORKER__POLL_INTERVAL_MS", "100"),
        ("APP__EXPORT__SCHEDULE_ENABLED", "false"),
    ])
    .await;
    let erased = three_days_of_a_person(&app).await;
    let stats_path = "/v1/stats?from=2026-02-01&to=2026-02-03";
    let (_, before) = app.get_json(stats_path).await;
    assert_eq!(before["totalEvents"], json!(erased.len() + 3));

    // Asked by an earlier id, the erasure is the person's.
    let r = app
        .client
        .delete(app.url("/v1/users/a-1?suppress=true"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 202);
    let job: Value = r.json().await.expect("job");
    assert_eq!(job["kind"], "erase");
    assert_eq!(job["key"], "erase:sa-u");
    assert_eq!(job["params"]["person"], "sa-u");
    let done = wait_job(&app, job["id"].as_str().expect("id")).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let result = &done["result"];
    assert_eq!(result["ids"], json!(["a-1", "old-id", "sa-u"]));
    assert_eq!(result["suppressed"], true);
    assert_eq!(result["rows"]["events"], json!(erased.len()));
    assert_eq!(result["rows"]["identityLinks"], json!(2));
    assert_eq!(result["rows"]["profiles"], json!(1));

    for id in ["sa-u", "a-1", "old-id"] {
        let (status, _) = app.get_json(&format!("/v1/users/{id}")).await;
        assert_eq!(status, 404, "{id}");
        let (_, journey) = app.get_json(&format!("/v1/users/{id}/journey")).await;
        assert_eq!(journey["items"], json!([]), "{id}");
        assert_eq!(download(&app, id).await.status, 404);
    }
    let (_, after) = app.get_json(stats_path).await;
    for field in [
        "totalEvents",
        "totalUsers",
        "eventsPerDay",
        "dailyActiveUsers",
    ] {
        assert_eq!(
            after[field], before[field],
            "{field} keeps the person's contribution"
        );
    }

    // Later events of a suppressed id are answered as accepted, stored nowhere, counted.
    let r = app
        .post_events(&json!([
            anon_ev("late-1", "a-1", "page_view", "2026-02-04T08:00:00Z"),
            ev("late-2", "other", "page_view", "2026-02-04T08:00:00Z"),
        ]))
        .await;
    assert_eq!(r.status().as_u16(), 202);
    let body: Value = r.json().await.expect("body");
    assert_eq!(body["accepted"], 2, "{body}");
    let (status, _) = app.get_json("/v1/users/a-1").await;
    assert_eq!(status, 404, "a suppressed id's event was not stored");
    let (_, other) = app.get_json("/v1/users/other/journey").await;
    assert_eq!(other["items"][0]["eventId"], "late-2");
    // Submissions that arrive together share one read of the list: each still drops
    // exactly its own suppressed messages.
    let answers = futures::future::join_all((0..20).map(|i| {
        let body = if i % 2 == 0 {
            json!([anon_ev(
                &format!("late-s{i}"),
                "a-1",
                "page_view",
                "2026-02-04T09:00:00Z"
            )])
        } else {
            json!([ev(
                &format!("late-o{i}"),
                &format!("o-{i}"),
                "page_view",
                "2026-02-04T09:00:00Z"
            )])
        };
        let app = &app;
        async move { app.post_events(&body).await.status().as_u16() }
    }))
    .await;
    assert!(answers.iter().all(|s| *s == 202), "{answers:?}");
    for i in (1..20).step_by(2) {
        let (_, journey) = app.get_json(&format!("/v1/users/o-{i}/journey")).await;
        assert_eq!(journey["items"][0]["eventId"], format!("late-o{i}"));
    }
    let (status, _) = app.get_json("/v1/users/a-1").await;
    assert_eq!(status, 404, "no suppressed id's event was stored");
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(
        metrics
            .lines()
            .any(|l| l == "shoptrail_ingest_events_total{outcome=\"suppressed\"} 11"),
        "{metrics}"
    );

    // A later export of a day the person was active on does not contain them.
    let r = app
        .client
        .post(app.url("/v1/exports"))
        .json(&json!({"date": "2026-02-02"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 202);
    let export: Value = r.json().await.expect("job");
    let export = wait_job(&app, export["id"].as_str().expect("id")).await;
    assert_eq!(export["status"], "succeeded", "{export}");
    let dir = app.dir.path().join("exports").join("dt=2026-02-02");
    let mut text = String::new();
    for entry in std::fs::read_dir(&dir).expect("the day's files") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("file");
        if path.extension().is_some_and(|e| e == "gz") {
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .expect("gzip");
        } else {
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    assert!(
        text.contains("\"x-2\""),
        "the export has the day's other events"
    );
    for id in [
        "sa-u",
        "a-1",
        "old-id",
        "sa@example.com",
        "\"u-1\"",
        "\"id-1\"",
    ] {
        assert!(!text.contains(id), "{id} is not in the export");
    }

    // A second erasure of the person finds nothing left.
    let r = app
        .client
        .delete(app.url("/v1/users/sa-u"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 202);
    let again: Value = r.json().await.expect("job");
    let again = wait_job(&app, again["id"].as_str().expect("id")).await;
    assert_eq!(again["status"], "succeeded");
    assert_eq!(again["result"]["rows"], json!({}));
    let (_, after_again) = app.get_json(stats_path).await;
    assert_eq!(after_again["totalEvents"], before["totalEvents"]);

    let (_, audit) = app.get_json("/v1/admin/audit?limit=100").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|a| a["target"] == "sa-u")
        .filter_map(|a| a["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "user.erase",
            "user.erase_requested",
            "user.erase",
            "user.erase_requested"
        ],
        "newest first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_queues_an_erasure_that_the_running_server_carries_out() {
    let app = spawn_app_with(&[
        ("APP__WORKER__POLL_INTERVAL_MS", "100"),
        ("APP__EXPORT__SCHEDULE_ENABLED", "false"),
    ])
    .await;
    let erased = three_days_of_a_person(&app).await;
    // `api user erase --id old-id`, on the same data directory as the running server.
    let settings = test_settings(app.dir.path(), &[]);
    let job_id = api::cli::erase_user(&settings, "old-id", false)
        .await
        .expect("queued");
    let done = wait_job(&app, &job_id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["params"]["requestedBy"], "cli");
    assert_eq!(done["result"]["rows"]["events"], json!(erased.len()));
    let (status, _) = app.get_json("/v1/users/sa-u").await;
    assert_eq!(status, 404);
    let (_, audit) = app.get_json("/v1/admin/audit?limit=100").await;
    let by_cli = audit["items"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|a| a["actor"] == "cli" && a["target"] == "sa-u")
        .count();
    assert_eq!(by_cli, 2, "the request and the erasure: {audit}");
}
