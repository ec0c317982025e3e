//! Enrichment imports over real HTTP: a catalog CSV names the products of the product
//! breakdown (past events included) and a re-import changes nothing; a CRM file's traits
//! reach profiles by user id and by email, and unknown people are skipped; admins schedule
//! import sources.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

const RANGE: &str = "from=2026-06-01&to=2026-06-01";

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

async fn upload(app: &TestApp, body: &str) -> String {
    let r = app
        .client
        .post(app.url("/v1/imports/uploads"))
        .body(body.to_owned())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.expect("json");
    v["uploadId"].as_str().expect("id").to_owned()
}

/// Starts an import and waits for its end.
async fn import(app: &TestApp, body: Value) -> Value {
    let r = app
        .client
        .post(app.url("/v1/imports"))
        .json(&body)
        .send()
        .await
        .expect("sent");
    let status = r.status().as_u16();
    let job: Value = r.json().await.expect("json");
    assert_eq!(status, 202, "{job}");
    let done = wait_job(app, job["id"].as_str().expect("id")).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    done
}

fn product_view(id: &str, user: &str, sku: &str) -> Value {
    json!({"messageId": id, "userId": user, "type": "product_view",
           "timestamp": "2026-06-01T10:00:00Z", "properties": {"sku": sku}})
}

const CATALOG: &str = "id;title;cat;maker;amount\n\
                       SKU-1;Red shoe;Shoes;Acme;19.90\n\
                       SKU-2;Blue hat;Hats;;5\n\
                       ;no sku;x;;1\n";

fn catalog_import(upload_id: &str, dry_run: bool) -> Value {
    json!({"kind": "catalog", "source": {"type": "upload", "uploadId": upload_id},
           "format": "csv", "dryRun": dry_run,
           "mapping": {"delimiter": ";", "columns": {"sku": "id", "name": "title",
               "category": "cat", "brand": "maker", "price": "amount"}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalog_import_names_products_in_the_breakdown_and_a_reimport_changes_nothing() {
    let app = spawn_app_with(&[
        ("APP__WORKER__POLL_INTERVAL_MS", "100"),
        ("APP__EXPORT__SCHEDULE_ENABLED", "false"),
    ])
    .await;
    // Events first: the catalog names past data too.
    let r = app
        .post_events(&json!([
            product_view("pv-1", "u1", "SKU-1"),
            product_view("pv-2", "u2", "SKU-1"),
            product_view("pv-3", "u3", "SKU-2"),
            product_view("pv-4", "u3", "SKU-9"),
        ]))
        .await;
    assert_eq!(r.status(), 202);
    let upload_id = upload(&app, CATALOG).await;

    let dry = import(&app, catalog_import(&upload_id, true)).await;
    assert_eq!(dry["params"]["kind"], "catalog");
    let report = &dry["result"];
    assert_eq!(report["kind"], "catalog", "{report}");
    assert_eq!(report["dryRun"], true);
    assert_eq!(
        (&report["valid"], &report["invalid"], &report["created"]),
        (&json!(2), &json!(1), &json!(2))
    );
    assert_eq!(report["errors"][0]["line"], 4);
    assert_eq!(report["errors"][0]["code"], "invalid_catalog_item");
    let path = format!("/v1/reports/breakdown?dimension=product&metrics=visitors&{RANGE}");
    let (_, before) = app.get_json(&path).await;
    assert!(
        before["rows"][0].get("label").is_none(),
        "a dry run stores nothing: {before}"
    );

    let done = import(&app, catalog_import(&upload_id, false)).await;
    assert_eq!(done["result"]["created"], 2, "{done}");
    assert_eq!(done["progress"]["eventsProcessed"], 3);
    let (status, report) = app.get_json(&path).await;
    assert_eq!(status, 200, "{report}");
    let rows = report["rows"].as_array().expect("rows");
    let row = |sku: &str| {
        rows.iter()
            .find(|r| r["value"] == sku)
            .unwrap_or_else(|| panic!("no row {sku}: {report}"))
    };
    assert_eq!(row("SKU-1")["label"], "Red shoe");
    assert_eq!(row("SKU-1")["category"], "Shoes");
    assert_eq!(row("SKU-1")["visitors"], 2);
    assert_eq!(row("SKU-2")["label"], "Blue hat");
    assert_eq!(row("SKU-2")["category"], "Hats");
    assert!(
        row("SKU-9").get("label").is_none(),
        "unknown SKUs keep their value only"
    );

    // The same file again: every line unchanged, and the report reads the same.
    let upload_again = upload(&app, CATALOG).await;
    let again = import(&app, catalog_import(&upload_again, false)).await;
    let r = &again["result"];
    assert_eq!(
        (&r["created"], &r["changed"], &r["unchanged"]),
        (&json!(0), &json!(0), &json!(2)),
        "{r}"
    );
    let (_, after) = app.get_json(&path).await;
    assert_eq!(after["rows"], report["rows"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crm_file_merges_traits_by_user_id_and_email_and_skips_unknown_people() {
    let app = spawn_app_with(&[
        ("APP__WORKER__POLL_INTERVAL_MS", "100"),
        ("APP__EXPORT__SCHEDULE_ENABLED", "false"),
    ])
    .await;
    let mut ana = ev("e-1", "ana", "page_view", "2026-06-01T10:00:00Z");
    ana["traits"] = json!({"email": "ana@shop.io", "plan": "free"});
    let bo = ev("e-2", "bo", "page_view", "2026-06-01T10:01:00Z");
    assert_eq!(app.post_events(&json!([ana, bo])).await.status(), 202);
    let file = [
        json!({"email": "ANA@shop.io", "traits": {"plan": "pro", "ltv": 120}}),
        json!({"userId": "bo", "traits": {"company": "Bo Ltd"}}),
        json!({"userId": "ghost", "traits": {"plan": "pro"}}),
        json!({"email": "nobody@shop.io", "traits": {"plan": "pro"}}),
    ]
    .iter()
    .map(|v| format!("{v}\n"))
    .collect::<String>();
    let upload_id = upload(&app, &file).await;
    let done = import(
        &app,
        json!({"kind": "traits", "source": {"type": "upload", "uploadId": upload_id},
               "format": "ndjson"}),
    )
    .await;
    let r = &done["result"];
    assert_eq!(
        (&r["valid"], &r["changed"], &r["skipped"]),
        (&json!(4), &json!(2), &json!(2)),
        "{r}"
    );
    let codes: Vec<&Value> = r["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| &e["code"])
        .collect();
    assert_eq!(
        codes,
        [&json!("unknown_profile"), &json!("unknown_profile")]
    );
    let (_, ana) = app.get_json("/v1/users/ana").await;
    assert_eq!(ana["traits"]["plan"], "pro");
    assert_eq!(ana["traits"]["ltv"], 120);
    assert_eq!(
        ana["traits"]["email"], "ANA@shop.io",
        "the file's email wins, as an identify's"
    );
    assert_eq!(ana["eventCount"], 1, "no event is added");
    let (_, bo) = app.get_json("/v1/users/bo").await;
    assert_eq!(bo["traits"]["company"], "Bo Ltd");
    let (status, _) = app.get_json("/v1/users/ghost").await;
    assert_eq!(status, 404, "unknown people are not created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_schedule_import_sources_and_bad_schedules_get_json_400s() {
    let app = spawn_app().await;
    let create = |body: Value| {
        app.client
            .post(app.url("/v1/imports/schedules"))
            .json(&body)
            .send()
    };
    let r = create(
        json!({"kind": "catalog", "cron": "0 0 6 * * *", "format": "csv",
        "source": {"type": "s3", "bucket": "feeds", "key": "catalog.csv"},
        "mapping": {"columns": {"sku": "id", "name": "title"}}}),
    )
    .await
    .expect("sent");
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.expect("json");
    assert_eq!(created["kind"], "catalog");
    assert_eq!(created["cron"], "0 0 6 * * *");
    assert_eq!(created["source"]["bucket"], "feeds");
    assert_eq!(created["mapping"]["columns"]["sku"], "id");
    let id = created["id"].as_str().expect("id").to_owned();

    for (body, code) in [
        (
            json!({"cron": "daily", "format": "ndjson",
                   "source": {"type": "url", "url": "https://x.example/a.ndjson"}}),
            "invalid_schedule",
        ),
        (
            json!({"cron": "0 0 6 * * *", "format": "ndjson",
                   "source": {"type": "upload", "uploadId": "a".repeat(64)}}),
            "invalid_schedule",
        ),
        (
            json!({"kind": "catalog", "cron": "0 0 6 * * *", "format": "csv",
                   "source": {"type": "s3", "bucket": "b", "key": "k"},
                   "mapping": {"columns": {"name": "title"}}}),
            "invalid_schedule",
        ),
        (
            json!({"cron": "0 0 6 * * *", "format": "xml",
                   "source": {"type": "s3", "bucket": "b", "key": "k"}}),
            "unknown_format",
        ),
    ] {
        let r = create(body.clone()).await.expect("sent");
        assert_eq!(r.status(), 400, "{body}");
        let err: Value = r.json().await.expect("json");
        assert_eq!(err["code"], code, "{body}: {err}");
    }

    let (status, page) = app.get_json("/v1/imports/schedules").await;
    assert_eq!(status, 200);
    assert_eq!(page["items"].as_array().expect("items").len(), 1);
    assert_eq!(page["items"][0]["id"], id.as_str());
    let (_, audit) = app.get_json("/v1/admin/audit").await;
    assert!(
        audit["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["action"] == "import_schedule.create" && e["target"] == id.as_str()),
        "{audit}"
    );
    let delete = || {
        app.client
            .delete(app.url(&format!("/v1/imports/schedules/{id}")))
            .send()
    };
    assert_eq!(delete().await.expect("sent").status(), 204);
    assert_eq!(delete().await.expect("sent").status(), 404);
    let (_, page) = app.get_json("/v1/imports/schedules").await;
    assert_eq!(page["items"], json!([]));
}
