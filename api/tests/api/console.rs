//! The console's API (funnels) and the built console served at `/` with its SPA fallback.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn funnels_answer_per_step_counts_and_validate_their_input() {
    let app = spawn_app().await;
    let batch = json!([
        ev("1", "u1", "product_view", "2026-01-05T10:00:00Z"),
        ev("2", "u1", "add_to_cart", "2026-01-05T10:05:00Z"),
        ev("3", "u1", "purchase", "2026-01-05T10:09:00Z"),
        ev("4", "u2", "product_view", "2026-01-05T11:00:00Z"),
        ev("5", "u2", "add_to_cart", "2026-01-06T12:00:00Z"),
        ev("6", "u3", "product_view", "2026-01-07T09:00:00Z"),
    ]);
    assert_eq!(app.post_events(&batch).await.status(), 202);
    let post = |body: Value| {
        let (client, url) = (app.client.clone(), app.url("/v1/funnels"));
        async move {
            let r = client.post(url).json(&body).send().await.expect("sent");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.expect("JSON"))
        }
    };
    let (status, body) = post(json!({
        "steps": ["product_view", "add_to_cart", "purchase"],
        "from": "2026-01-01", "to": "2026-01-31", "windowSeconds": 3600
    }))
    .await;
    assert_eq!(status, 200, "{body}");
    let entered: Vec<_> = body["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["entered"].clone())
        .collect();
    assert_eq!(entered, [json!(3), json!(1), json!(1)]);
    assert_eq!(body["steps"][0]["type"], "product_view");
    assert_eq!(body["steps"][0]["droppedOff"], 2);
    // A two-day window lets u2's cart count.
    let (_, body) = post(json!({
        "steps": ["product_view", "add_to_cart"],
        "from": "2026-01-01", "to": "2026-01-31", "windowSeconds": 172800
    }))
    .await;
    assert_eq!(body["steps"][1]["entered"], 2);

    for bad in [
        json!({"steps": ["page_view"]}),
        json!({"steps": ["a", "b", "c", "d", "e", "f"]}),
        json!({"steps": ["page_view", "9bad"]}),
        json!({"steps": ["a", "b"], "windowSeconds": 0}),
        json!({"steps": ["a", "b"], "from": "2026-02-01", "to": "2026-01-01"}),
        json!({"steps": ["a", "b"], "nope": 1}),
    ] {
        let (status, body) = post(bad.clone()).await;
        assert_eq!(status, 400, "{bad} -> {body}");
        assert!(body["code"].is_string());
    }
}

#[tokio::test]
async fn the_built_console_is_served_with_a_spa_fallback_and_api_paths_stay_json() {
    let dist = tempfile::tempdir().expect("dist");
    std::fs::create_dir(dist.path().join("assets")).expect("assets");
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>console</title><script type=module src=/assets/app.js></script>",
    )
    .expect("index");
    std::fs::write(dist.path().join("assets/app.js"), "console.log(1)").expect("js");
    let dir = dist.path().display().to_string();
    let app = spawn_app_with(&[("APP__SERVER__CONSOLE_DIR", &dir)]).await;

    for path in ["/", "/users/u1", "/admin/keys"] {
        let r = app.anon.get(app.url(path)).send().await.expect("sent");
        assert_eq!(r.status(), 200, "{path}");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .expect("csp");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(r.headers()["cache-control"], "no-cache");
        assert!(
            r.text()
                .await
                .expect("body")
                .contains("<title>console</title>")
        );
    }
    let r = app
        .anon
        .get(app.url("/assets/app.js"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .expect("cc")
            .contains("immutable")
    );

    // API routes, unknown API paths and operations endpoints are untouched.
    let r = app
        .anon
        .get(app.url("/v1/nope"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.expect("JSON 404");
    assert_eq!(body["code"], "not_found");
    let r = app
        .anon
        .get(app.url("/v1/stats"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
    let r = app
        .anon
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn without_a_build_nothing_is_served_at_the_root_and_unknown_paths_are_json_404s() {
    let app = spawn_app_with(&[("APP__SERVER__CONSOLE_DIR", "/nonexistent/dist")]).await;
    for path in ["/", "/v1/nope"] {
        let r = app.anon.get(app.url(path)).send().await.expect("sent");
        assert_eq!(r.status(), 404, "{path}");
        let body: Value = r.json().await.expect("JSON 404");
        assert_eq!(body["code"], "not_found");
    }
}

#[tokio::test]
async fn console_files_are_sent_precompressed_to_clients_that_accept_it() {
    let dist = tempfile::tempdir().expect("dist");
    std::fs::create_dir(dist.path().join("assets")).expect("assets");
    // The build writes these beside each file; their bytes are sent as they are.
    for (name, body) in [
        ("index.html", "<!doctype html><title>console</title>"),
        ("index.html.br", "index in brotli"),
        ("index.html.gz", "index in gzip"),
        ("assets/app-1a2b.js", "console.log(1)"),
        ("assets/app-1a2b.js.br", "script in brotli"),
        ("assets/app-1a2b.js.gz", "script in gzip"),
    ] {
        std::fs::write(dist.path().join(name), body).expect("file");
    }
    let dir = dist.path().display().to_string();
    let app = spawn_app_with(&[("APP__SERVER__CONSOLE_DIR", &dir)]).await;
    let get = |path: &'static str, accept: &'static str| {
        let mut request = app.anon.get(app.url(path));
        if !accept.is_empty() {
            request = request.header("accept-encoding", accept);
        }
        async move { request.send().await.expect("sent") }
    };

    for (path, cache, plain, br, gz) in [
        (
            "/assets/app-1a2b.js",
            "immutable",
            "console.log(1)",
            "script in brotli",
            "script in gzip",
        ),
        (
            "/",
            "no-cache",
            "<!doctype html><title>console</title>",
            "index in brotli",
            "index in gzip",
        ),
        // A route of the single-page app gets index.html, compressed too.
        (
            "/users/u1",
            "no-cache",
            "<!doctype html><title>console</title>",
            "index in brotli",
            "index in gzip",
        ),
    ] {
        for (accept, encoding, body) in [
            ("gzip, deflate, br", Some("br"), br),
            ("gzip", Some("gzip"), gz),
            ("", None, plain),
        ] {
            let r = get(path, accept).await;
            assert_eq!(r.status(), 200, "{path} {accept}");
            assert_eq!(
                r.headers()
                    .get("content-encoding")
                    .map(|v| v.to_str().expect("encoding")),
                encoding,
                "{path} {accept}"
            );
            assert_eq!(r.headers()["vary"], "accept-encoding", "{path}");
            assert!(
                r.headers()["cache-control"]
                    .to_str()
                    .expect("cc")
                    .contains(cache),
                "{path}"
            );
            assert_eq!(r.text().await.expect("body"), body, "{path} {accept}");
        }
    }
}
