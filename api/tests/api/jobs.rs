//! The job API with the in-process apalis job worker (embedded mode): uploads and imports, export
//! backfills and late events, a retention purge's report, and JSON errors for bad requests.

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

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("sent");
    let status = r.status().as_u16();
    (status, r.json().await.expect("JSON body"))
}

fn yesterday() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive().pred_opt().expect("date")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_file_is_imported_and_its_job_reports_progress_and_result() {
    let app = spawn_app_with(&[
        ("APP__WORKER__POLL_INTERVAL_MS", "100"),
        ("APP__EXPORT__SCHEDULE_ENABLED", "false"),
    ])
    .await;
    let day = yesterday();
    let mut body = String::new();
    for i in 0..30 {
        body.push_str(
            &json!({"messageId": format!("imp-api-{i}"), "userId": "buyer",
            "type": "add_to_cart", "timestamp": format!("{day}T08:00:{i:02}Z")})
            .to_string(),
        );
        body.push('\n');
    }
    body.push_str("not json\n");
    let r = app
        .client
        .post(app.url("/v1/imports/uploads"))
        .body(body.clone())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 201);
    let upload: Value = r.json().await.expect("json");
    let upload_id = upload["uploadId"].as_str().expect("id").to_owned();
    assert_eq!(upload["bytes"], body.len());

    let (status, job) = post(
        &app,
        "/v1/imports",
        json!({"source": {"type": "upload", "uploadId": upload_id}, "format": "ndjson", "dryRun": true}),
    )
    .await;
    assert_eq!(status, 202, "{job}");
    assert_eq!(job["kind"], "import");
    assert_eq!(job["status"], "queued");
    let dry = wait_job(&app, job["id"].as_str().expect("id")).await;
    assert_eq!(dry["status"], "succeeded", "{dry}");
    assert_eq!(dry["result"]["valid"], 30);
    assert_eq!(dry["result"]["invalid"], 1);
    assert_eq!(dry["result"]["errors"][0]["line"], 31);

    let (_, job) = post(
        &app,
        "/v1/imports",
        json!({"source": {"type": "upload", "uploadId": upload_id}, "format": "ndjson"}),
    )
    .await;
    let done = wait_job(&app, job["id"].as_str().expect("id")).await;
    assert_eq!(done["result"]["stored"], 30, "{done}");
    assert_eq!(done["progress"]["eventsProcessed"], 31);
    assert_eq!(done["progress"]["eventsInvalid"], 1);
    assert_eq!(done["attempts"], 1);
    let (_, user) = app.get_json("/v1/users/buyer").await;
    assert_eq!(user["eventCount"], 30);

    let (status, page) = app.get_json("/v1/jobs?kind=import&limit=1").await;
    assert_eq!(status, 200);
    assert_eq!(page["items"][0]["id"], done["id"]);
    let cursor = page["nextCursor"].as_str().expect("a second page");
    let (_, page2) = app
        .get_json(&format!("/v1/jobs?kind=import&limit=1&cursor={cursor}"))
        .await;
    assert_eq!(page2["items"][0]["id"], dry["id"]);
    assert!(page2["nextCursor"].is_null());
    let (_, none) = app.get_json("/v1/jobs?kind=export").await;
    assert_eq!(none["items"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_backfill_runs_once_and_reports_late_events() {
    let app = spawn_app_with(&[
        ("APP__WORKER__POLL_INTERVAL_MS", "100"),
        ("APP__EXPORT__SCHEDULE_ENABLED", "false"),
    ])
    .await;
    let day = yesterday();
    let events: Vec<Value> = (0..12)
        .map(|i| {
            ev(
                &format!("x{i}"),
                "u1",
                "page_view",
                &format!("{day}T10:{i:02}:00Z"),
            )
        })
        .collect();
    assert_eq!(app.post_events(&json!(events)).await.status(), 202);
    let (status, job) = post(&app, "/v1/exports", json!({"date": day.to_string()})).await;
    assert_eq!(status, 202, "{job}");
    assert_eq!(job["key"], format!("export:{day}"));
    let done = wait_job(&app, job["id"].as_str().expect("id")).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["result"]["events"], 12);
    let manifest = app
        .dir
        .path()
        .join(format!("exports/dt={day}/manifest.json"));
    assert!(
        manifest.exists(),
        "embedded exports go under the data directory"
    );

    let (_, status_now) = app.get_json(&format!("/v1/exports/{day}")).await;
    assert_eq!(status_now["exportedEvents"], 12);
    assert_eq!(status_now["lateEvents"], 0);
    let late = ev("late", "u2", "purchase", &format!("{day}T23:59:00Z"));
    assert_eq!(app.post_events(&late).await.status(), 202);
    let (_, status_late) = app.get_json(&format!("/v1/exports/{day}")).await;
    assert_eq!(status_late["lateEvents"], 1);
    assert_eq!(status_late["storedEvents"], 13);

    // A final job cannot be cancelled or retried.
    let id = done["id"].as_str().expect("id");
    let (s, body) = post(&app, &format!("/v1/jobs/{id}/cancel"), json!({})).await;
    assert_eq!((s, body["code"].as_str()), (409, Some("wrong_status")));
    let (s, _) = post(&app, &format!("/v1/jobs/{id}/retry"), json!({})).await;
    assert_eq!(s, 409);
    let metrics = app
        .anon
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("shoptrail_export_events_total"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_job_requests_get_json_errors() {
    let app = spawn_app_with(&[("APP__WORKER__IN_PROCESS", "false")]).await;
    let today = chrono::Utc::now().date_naive();
    let cases = [
        ("/v1/exports", json!({"date": "21/11/2026"}), "invalid_date"),
        (
            "/v1/exports",
            json!({"date": today.to_string()}),
            "date_not_over",
        ),
        ("/v1/exports", json!({}), "invalid_body"),
        (
            "/v1/imports",
            json!({"source": {"type": "url", "url": "https://example.com/x"}, "format": "xml"}),
            "unknown_format",
        ),
        (
            "/v1/imports",
            json!({"source": {"type": "url", "url": "https://example.com/x"}, "format": "csv"}),
            "invalid_import",
        ),
        (
            "/v1/imports",
            json!({"source": {"type": "url", "url": "https://example.com/x"}, "format": "csv",
                   "mapping": {"columns": {"userId": "c", "colour": "d"}, "eventType": "x"}}),
            "invalid_import",
        ),
        (
            "/v1/imports",
            json!({"source": {"type": "url", "url": "ftp://example.com/x"}, "format": "ndjson"}),
            "invalid_import",
        ),
        (
            "/v1/imports",
            json!({"source": {"type": "upload", "uploadId": "0".repeat(64)}, "format": "ndjson"}),
            "unknown_upload",
        ),
        (
            "/v1/imports",
            json!({"source": {"type": "ftp"}, "format": "ndjson"}),
            "invalid_body",
        ),
    ];
    for (path, body, code) in cases {
        let (status, err) = post(&app, path, body.clone()).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (400, Some(code)),
            "{body} → {err}"
        );
    }
    for (path, code) in [
        ("/v1/jobs?status=done", "invalid_status"),
        ("/v1/jobs?kind=backup", "invalid_kind"),
        ("/v1/jobs?cursor=zzz", "invalid_cursor"),
        ("/v1/exports/yesterday", "invalid_date"),
    ] {
        let (status, err) = app.get_json(path).await;
        assert_eq!((status, err["code"].as_str()), (400, Some(code)), "{path}");
    }
    let (status, _) = app.get_json("/v1/jobs/nope").await;
    assert_eq!(status, 404);
    // Without a runner in this process the job stays queued; cancelling it is immediate,
    // and a cancelled job can be retried.
    let day = chrono::Utc::now().date_naive() - chrono::Duration::days(3);
    let (_, job) = post(&app, "/v1/exports", json!({"date": day.to_string()})).await;
    let (_, same) = post(&app, "/v1/exports", json!({"date": day.to_string()})).await;
    assert_eq!(job["id"], same["id"], "one active export per date");
    let id = job["id"].as_str().expect("id");
    let (s, cancelled) = post(&app, &format!("/v1/jobs/{id}/cancel"), json!({})).await;
    assert_eq!((s, cancelled["status"].as_str()), (200, Some("cancelled")));
    let (s, retried) = post(&app, &format!("/v1/jobs/{id}/retry"), json!({})).await;
    assert_eq!((s, retried["status"].as_str()), (200, Some("queued")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_api_runs_jobs_on_the_same_apalis_job_worker_as_the_worker() {
    use crate::process::{free_port, start, stop_and_read_logs, wait_ready};
    use shared::storage::{EnqueueMode, JobStatus};

    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("APP__EXPORT__SCHEDULE_ENABLED", "false"),
        ("APP__WORKER__POLL_INTERVAL_MS", "50"),
    ];
    let server = start(dir.path(), port, &env, true);
    wait_ready(&reqwest::Client::new(), &base).await;
    // A job enqueued by another process sharing the data directory.
    let settings = shared::settings::Settings::load_from(
        None,
        [(
            "APP__STORAGE__DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        )],
    )
    .expect("settings");
    let store = shared::storage::open(&settings).await.expect("store");
    let job = store
        .enqueue(
            &shared::jobs::export_job(yesterday(), 3).expect("job"),
            EnqueueMode::UnlessActive,
            chrono::Utc::now(),
        )
        .await
        .expect("enqueue")
        .job()
        .clone();
    let mut done = None;
    for _ in 0..600 {
        let j = store.get_job(&job.id).await.expect("get").expect("job");
        if !j.status.is_active() {
            done = Some(j);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let done = done.expect("the embedded worker ran the export");
    assert_eq!(done.status, JobStatus::Succeeded, "{:?}", done.error);
    let logs = stop_and_read_logs(server);
    let started: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["message"] == "Job started." && l["job_id"] == job.id.as_str())
        .collect();
    assert_eq!(started.len(), 1, "{logs:.2000}");
    assert_eq!(
        started[0]["apalis_worker"], "shoptrail-exports",
        "{}",
        started[0]
    );
}

#[tokio::test]
async fn empty_uploads_and_undecodable_path_segments_get_json_400s() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/v1/imports/uploads"))
        .body(Vec::<u8>::new())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.expect("a JSON error body");
    assert_eq!(body["code"], "empty_upload");

    // %FF decodes to no UTF-8 string: the house error shape, not axum's plain text.
    for path in ["/v1/users/%FF", "/v1/jobs/%FF"] {
        let r = app.client.get(app.url(path)).send().await.expect("sent");
        assert_eq!(r.status().as_u16(), 400, "{path}");
        let body: Value = r.json().await.expect("a JSON error body");
        assert_eq!(body["code"], "invalid_path", "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retention_purge_shows_what_it_deleted_and_the_stats_of_the_purged_day_stay() {
    let app = spawn_app_with(&[
        ("APP__WORKER__POLL_INTERVAL_MS", "100"),
        ("APP__RETENTION__EVENTS_DAYS", "30"),
        ("APP__RETENTION__SCHEDULE_ENABLED", "false"),
    ])
    .await;
    let today = chrono::Utc::now().date_naive();
    let day31 = today - chrono::Days::new(31);
    let day30 = today - chrono::Days::new(30);
    let events = json!([
        ev("old-1", "u1", "page_view", &format!("{day31}T10:00:00Z")),
        ev("old-2", "u2", "purchase", &format!("{day31}T11:00:00Z")),
        ev("kept", "u1", "page_view", &format!("{day30}T00:00:00Z")),
    ]);
    assert_eq!(app.post_events(&events).await.status(), 202);
    let stats_path = format!("/v1/stats?from={day31}&to={day31}");
    let (_, before) = app.get_json(&stats_path).await;
    assert_eq!(before["totalEvents"], 2, "{before}");

    let job = shared::jobs::purge::purge_job(today, 3).expect("job");
    let queued = app
        .store
        .enqueue(
            &job,
            shared::storage::EnqueueMode::UnlessActive,
            chrono::Utc::now(),
        )
        .await
        .expect("enqueue");
    let done = wait_job(&app, &queued.job().id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["kind"], "purge");
    assert_eq!(done["key"], format!("purge:{today}"));
    assert_eq!(done["params"], json!({"date": today.to_string()}));
    let r = &done["result"];
    assert_eq!(
        (&r["eventsDays"], &r["events"], &r["profiles"]),
        (&json!(30), &json!(2), &json!(1)),
        "u2 was last seen on day 31; u1 on day 30: {r}"
    );
    assert_eq!(r["cutoff"], format!("{day30}T00:00:00Z"));

    let (_, after) = app.get_json(&stats_path).await;
    assert_eq!(after, before);
    let (_, journey) = app.get_json("/v1/users/u1/journey").await;
    let ids: Vec<&str> = journey["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["eventId"].as_str())
        .collect();
    assert_eq!(ids, ["kept"], "{journey}");
    let (status, _) = app.get_json("/v1/users/u2").await;
    assert_eq!(status, 404);
    let (status, listed) = app.get_json("/v1/jobs?kind=purge").await;
    assert_eq!(
        (status, listed["items"].as_array().map(Vec::len)),
        (200, Some(1))
    );
}
