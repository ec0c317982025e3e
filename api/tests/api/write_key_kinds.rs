//! Write key kinds: a `browser` key (public) cannot merge one identified person into
//! another; a `server` key can. Admins choose the kind and see it in the list.

use serde_json::{Value, json};

use crate::helpers::*;

async fn create_key(app: &TestApp, body: Value) -> (String, Value) {
    let r = app
        .client
        .post(app.url("/v1/admin/write-keys"))
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 201);
    let created: Value = r.json().await.expect("json");
    let secret = created["secret"].as_str().expect("secret").to_owned();
    (secret, created["key"].clone())
}

async fn segment(app: &TestApp, key: &str, path: &str, mut body: Value) {
    body["writeKey"] = json!(key);
    let r = app
        .anon
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 200, "{path}");
}

async fn journey_ids(app: &TestApp, user: &str) -> Vec<String> {
    let (status, page) = app
        .get_json(&format!("/v1/users/{user}/journey?limit=1000"))
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["eventId"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_browser_key_cannot_alias_an_identified_person_and_a_server_key_can() {
    let app = spawn_app().await;
    let (browser, info) = create_key(&app, json!({"source": "web"})).await;
    assert_eq!(info["kind"], "browser", "browser is the default kind");
    let (server, info) = create_key(&app, json!({"source": "backend", "kind": "server"})).await;
    assert_eq!(info["kind"], "server");
    let (_, list) = app.get_json("/v1/admin/write-keys").await;
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"browser") && kinds.contains(&"server"),
        "{list}"
    );

    segment(
        &app,
        &browser,
        "/v1/identify",
        json!({"userId": "victim", "messageId": "v-1",
               "traits": {"email": "victim@example.com"}}),
    )
    .await;
    segment(
        &app,
        &browser,
        "/v1/alias",
        json!({"previousId": "victim", "userId": "attacker", "messageId": "a-1"}),
    )
    .await;
    let (status, victim) = app.get_json("/v1/users/victim").await;
    assert_eq!(status, 200, "the victim keeps their profile: {victim}");
    assert_eq!(victim["traits"]["email"], "victim@example.com");
    assert!(
        !journey_ids(&app, "attacker")
            .await
            .contains(&"v-1".to_owned()),
        "the victim's events did not move"
    );

    // Anonymous ids are still linked with a browser key.
    segment(
        &app,
        &browser,
        "/v1/identify",
        json!({"userId": "victim", "anonymousId": "anon-v", "messageId": "v-2"}),
    )
    .await;
    segment(
        &app,
        &browser,
        "/v1/track",
        json!({"anonymousId": "anon-v", "event": "page_view", "messageId": "v-3"}),
    )
    .await;
    assert!(
        journey_ids(&app, "victim")
            .await
            .contains(&"v-3".to_owned())
    );

    // A server key merges identified ids.
    segment(
        &app,
        &server,
        "/v1/alias",
        json!({"previousId": "victim", "userId": "renamed", "messageId": "a-2"}),
    )
    .await;
    assert!(
        journey_ids(&app, "renamed")
            .await
            .contains(&"v-1".to_owned())
    );
}
