//! Funnels over HTTP: filtered steps, a breakdown by channel, the drop-off list, medians,
//! total counting and warnings; saved funnels with their roles.

use serde_json::{Value, json};
use shared::storage::Role;

use crate::helpers::*;

/// An event from a page with a referrer and properties.
fn shop(id: &str, user: &str, kind: &str, ts: &str, referrer: &str, props: Value) -> Value {
    json!({"messageId": id, "userId": user, "type": kind, "timestamp": ts,
           "sessionId": format!("{user}-s"), "properties": props,
           "context": {"page": {"url": "https://shop.example/shoes", "referrer": referrer}}})
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let r = client.post(url).json(&body).send().await.expect("sent");
    let status = r.status().as_u16();
    (status, r.json::<Value>().await.unwrap_or(Value::Null))
}

fn entered(body: &Value) -> Vec<u64> {
    body["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["entered"].as_u64().expect("entered"))
        .collect()
}

#[tokio::test]
async fn funnels_filter_steps_break_down_by_channel_and_list_who_dropped_off() {
    let app = spawn_app().await;
    let google = "https://www.google.com/";
    let sku1 = json!({"sku": "SKU-1", "category": "shoes"});
    let batch = json!([
        shop(
            "1",
            "u1",
            "product_view",
            "2026-01-05T10:00:00Z",
            google,
            sku1.clone()
        ),
        shop(
            "2",
            "u1",
            "add_to_cart",
            "2026-01-05T10:02:00Z",
            google,
            sku1.clone()
        ),
        shop(
            "3",
            "u1",
            "purchase",
            "2026-01-05T10:04:00Z",
            google,
            json!({"orderId": "o1", "revenue": 10, "products": [{"sku": "SKU-1", "price": 10}]})
        ),
        shop(
            "4",
            "u2",
            "product_view",
            "2026-01-05T11:00:00Z",
            "",
            sku1.clone()
        ),
        shop("5", "u2", "add_to_cart", "2026-01-05T11:10:00Z", "", sku1),
        shop(
            "6",
            "u3",
            "product_view",
            "2026-01-06T09:00:00Z",
            google,
            json!({"sku": "SKU-2"})
        ),
    ]);
    assert_eq!(app.post_events(&batch).await.status(), 202);
    let url = app.url("/v1/funnels");
    let (status, body) = post(&app.client, url.clone(), json!({
        "steps": [{"event": "product_view", "filters": ["property.sku:SKU-1"]}, "add_to_cart", "purchase"],
        "from": "2026-01-01", "to": "2026-01-31", "windowSeconds": 3600,
        "breakdown": "channel", "dropOff": 1, "trend": true
    }))
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(entered(&body), [2, 2, 1]);
    assert_eq!(body["steps"][1]["medianSecondsToConvert"], 360.0);
    assert_eq!(body["steps"][2]["medianSecondsToConvert"], 120.0);
    assert_eq!(body["breakdown"][0]["value"], "Direct");
    assert_eq!(body["breakdown"][0]["steps"][1]["entered"], 1);
    assert_eq!(body["breakdown"][1]["value"], "Organic Search");
    assert_eq!(body["breakdown"][1]["steps"][2]["entered"], 1);
    assert_eq!(body["dropOff"]["people"][0]["id"], "u2");
    assert_eq!(body["dropOff"]["total"], 1);
    assert_eq!(body["trend"][4]["day"], "2026-01-05");
    assert_eq!(body["trend"][4]["entered"], 2);
    assert_eq!(body["warnings"], json!([]));

    // A misspelled step is a warning, not a silent zero.
    let (status, body) = post(
        &app.client,
        url.clone(),
        json!({
            "steps": ["product_view", "purchse"], "from": "2026-01-01", "to": "2026-01-31"
        }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(entered(&body), [3, 0]);
    assert!(
        body["warnings"][0]
            .as_str()
            .expect("warning")
            .contains("purchse"),
        "{body}"
    );

    for bad in [
        json!({"steps": [{"event": "product_view", "filters": ["property.color:red"]}, "purchase"]}),
        json!({"steps": ["product_view", "purchase"], "breakdown": "page"}),
        json!({"steps": ["product_view", "purchase"], "dropOff": 1}),
        json!({"steps": ["product_view", "purchase"], "count": "some"}),
        json!({"steps": [{"event": "product_view", "filters": ["eventType:x"]}, "purchase"]}),
    ] {
        let (status, body) = post(&app.client, url.clone(), bad.clone()).await;
        assert_eq!(status, 400, "{bad} -> {body}");
    }
    let (_, body) = post(
        &app.client,
        url.clone(),
        json!({
            "steps": [{"event": "product_view", "filters": ["property.color:red"]}, "purchase"]
        }),
    )
    .await;
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("property.sku"),
        "{body}"
    );
}

#[tokio::test]
async fn saved_funnels_are_read_by_viewers_and_written_by_analysts() {
    let app = spawn_app().await;
    add_member(&app.store, "viewer@shoptrail.test", Role::Viewer).await;
    let viewer = with_cookie(&login(&app.address, "viewer@shoptrail.test", PASSWORD).await);
    let definition = json!({"steps": ["product_view", {"event": "purchase", "filters": ["property.sku:SKU-1"]}], "windowSeconds": 600});
    let saved = app.url("/v1/funnels/saved");
    let (status, _) = post(
        &viewer,
        saved.clone(),
        json!({"name": "Shoes", "definition": definition}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = post(
        &app.client,
        saved.clone(),
        json!({"name": " Shoes ", "definition": definition}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["name"], "Shoes");
    assert_eq!(body["definition"], definition);
    let id = body["id"].as_str().expect("id").to_owned();
    let (status, _) = post(
        &app.client,
        saved.clone(),
        json!({"name": "bad", "definition": {"steps": ["a"]}}),
    )
    .await;
    assert_eq!(
        status, 400,
        "a definition the funnel route refuses is not saved"
    );

    let r = viewer.get(saved.clone()).send().await.expect("sent");
    let list: Value = r.json().await.expect("JSON");
    assert_eq!(list["items"][0]["id"], id.as_str());
    let one = format!("{saved}/{id}");
    let r = app
        .client
        .put(one.clone())
        .json(&json!({"name": "Shoes v2", "definition": definition}))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let r = viewer.get(one.clone()).send().await.expect("sent");
    assert_eq!(r.json::<Value>().await.expect("JSON")["name"], "Shoes v2");
    assert_eq!(
        viewer
            .delete(one.clone())
            .send()
            .await
            .expect("sent")
            .status(),
        403
    );
    assert_eq!(
        app.client
            .delete(one.clone())
            .send()
            .await
            .expect("sent")
            .status(),
        204
    );
    assert_eq!(viewer.get(one).send().await.expect("sent").status(), 404);
}
