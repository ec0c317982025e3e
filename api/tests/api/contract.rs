//! The OpenAPI document tells the truth about what the server does.

use serde_json::{Value, json};

use crate::helpers::*;

fn document() -> Value {
    serde_json::from_str(&api::routes::openapi_json().expect("document")).expect("json")
}

#[test]
fn the_events_body_is_an_event_or_an_array_of_events() {
    let doc = document();
    let body = &doc["components"]["schemas"]["IngestRequest"]["oneOf"];
    assert_eq!(
        body[0],
        json!({"$ref": "#/components/schemas/IncomingEvent"})
    );
    assert_eq!(body[1]["type"], "array");
    assert_eq!(body[1]["maxItems"], 2500);
    assert_eq!(body[1]["minItems"], 1);
    assert!(
        doc["components"]["schemas"]["IncomingEvent"].is_object(),
        "the event schema the body refers to is in the document"
    );
}

#[test]
fn every_console_route_documents_401_and_429_and_passwords_their_rule() {
    let doc = document();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let session = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("session").is_some()));
            if session {
                for code in ["401", "429"] {
                    assert!(
                        op["responses"].get(code).is_some(),
                        "{method} {path} lacks {code}"
                    );
                }
            }
        }
    }
    for schema in ["CreateMember", "ResetPassword", "SignupRequest"] {
        let pw = &doc["components"]["schemas"][schema]["properties"]["password"];
        assert_eq!(pw["minLength"], 12, "{schema}");
    }
}

#[tokio::test]
async fn the_documented_429_is_what_a_console_route_answers() {
    let app = spawn_app_with(&[
        ("APP__RATE_LIMIT__READS_PER_MINUTE", "1"),
        ("APP__RATE_LIMIT__READS_BURST", "1"),
    ])
    .await;
    let mut last = 0;
    for _ in 0..3 {
        last = app
            .client
            .get(app.url("/v1/users"))
            .send()
            .await
            .expect("sent")
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);
}

#[tokio::test]
async fn integers_beyond_64_bits_round_trip_exactly_and_infinite_numbers_are_refused() {
    let app = spawn_app().await;
    let body = r#"[
        {"messageId": "big-1", "userId": "u-big", "type": "purchase",
         "properties": {"order": 123456789012345678901234567890, "ratio": 0.1000000000000000055511151231257827},
         "traits": {"account": -98765432109876543210987654321}},
        {"messageId": "big-2", "userId": "u-big", "type": "purchase", "properties": {"x": 1e309}}
    ]"#;
    let r = app
        .client
        .post(app.url("/v1/events"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 202);
    let answer: Value = r.json().await.expect("json");
    assert_eq!(answer["accepted"], 1, "{answer}");
    assert_eq!(answer["results"][1]["status"], "rejected", "{answer}");

    let text = |path: &'static str| {
        let app = &app;
        async move {
            app.client
                .get(app.url(path))
                .send()
                .await
                .expect("sent")
                .text()
                .await
                .expect("text")
        }
    };
    let journey = text("/v1/users/u-big/journey").await;
    assert!(
        journey.contains(r#""order":123456789012345678901234567890"#),
        "{journey}"
    );
    assert!(
        journey.contains(r#""ratio":0.1000000000000000055511151231257827"#),
        "{journey}"
    );
    let user = text("/v1/users/u-big").await;
    assert!(
        user.contains(r#""account":-98765432109876543210987654321"#),
        "{user}"
    );
}
