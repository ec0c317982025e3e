//! Sign-in, sessions, roles in action, write keys, rate limits and hardening.

use std::time::Duration;

use serde_json::{Value, json};
use shared::storage::Role;

use crate::helpers::*;

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong = login_response(&app.address, ADMIN_EMAIL, "not the password at all").await;
    let unknown = login_response(&app.address, "nobody@shoptrail.test", PASSWORD).await;
    assert_eq!(wrong.status().as_u16(), 401);
    assert_eq!(unknown.status().as_u16(), 401);
    assert!(session_cookie(&wrong).is_none() && session_cookie(&unknown).is_none());
    let (a, b): (Value, Value) = (
        wrong.json().await.expect("json"),
        unknown.json().await.expect("json"),
    );
    assert_eq!(a, b);
    assert_eq!(a["code"], "invalid_credentials");
}

#[tokio::test]
async fn sign_in_sets_a_hardened_cookie_with_a_new_id_and_sign_out_ends_the_session() {
    let app = spawn_app().await;
    let r = login_response(&app.address, ADMIN_EMAIL, PASSWORD).await;
    let set_cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age="] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} in {set_cookie}"
        );
    }
    let me: Value = r.json().await.expect("json");
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["role"], "admin");
    assert!(me.get("passwordHash").is_none());

    // Signing in again from an existing session gives a different id (no fixation).
    let existing = with_cookie(&app.admin_cookie);
    let again = existing
        .post(app.url("/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": PASSWORD}))
        .send()
        .await
        .expect("sent");
    let rotated = session_cookie(&again).expect("cookie");
    assert_ne!(rotated, app.admin_cookie);
    let old = existing
        .get(app.url("/v1/auth/session"))
        .send()
        .await
        .expect("sent");
    assert_eq!(old.status().as_u16(), 401, "the pre-login id is dead");

    let client = with_cookie(&rotated);
    let session = client
        .get(app.url("/v1/auth/session"))
        .send()
        .await
        .expect("sent");
    assert_eq!(session.status().as_u16(), 200);
    let out = client
        .post(app.url("/v1/auth/logout"))
        .send()
        .await
        .expect("sent");
    assert_eq!(out.status().as_u16(), 204);
    let after = client.get(app.url("/v1/stats")).send().await.expect("sent");
    assert_eq!(after.status().as_u16(), 401);
}

#[tokio::test]
async fn ten_wrong_passwords_get_429_before_the_eleventh_try_and_the_right_one_works_later() {
    // Ten attempts at once, then one more every 3 s. The attacker is a client behind the
    // (trusted) load balancer, so the helper's own sign-in does not share its budget.
    let app = spawn_app_with(&[
        ("APP__RATE_LIMIT__AUTH_PER_MINUTE", "20"),
        ("APP__RATE_LIMIT__AUTH_BURST", "10"),
        ("APP__SERVER__TRUSTED_PROXIES", "127.0.0.1/32"),
    ])
    .await;
    // Each wrong guess names another account, so the per-account backoff stays out of it.
    let attempt = |email: String, password: &'static str| {
        app.anon
            .post(app.url("/v1/auth/login"))
            .header("x-forwarded-for", "198.51.100.7")
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    for i in 0..10 {
        let r = attempt(format!("guess{i}@shop.test"), "wrong password guess")
            .await
            .expect("sent");
        assert_eq!(r.status().as_u16(), 401, "attempt {}", i + 1);
    }
    let eleventh = attempt(ADMIN_EMAIL.to_owned(), PASSWORD)
        .await
        .expect("sent");
    assert_eq!(
        eleventh.status().as_u16(),
        429,
        "refused before the password is checked"
    );
    let retry_after: u64 = eleventh.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=4).contains(&retry_after), "{retry_after}");
    let body: Value = eleventh.json().await.expect("json");
    assert_eq!(body["code"], "rate_limited");

    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let later = attempt(ADMIN_EMAIL.to_owned(), PASSWORD)
        .await
        .expect("sent");
    assert_eq!(
        later.status().as_u16(),
        200,
        "after the window the right password works"
    );
}

#[tokio::test]
async fn forwarded_for_splits_the_auth_limit_only_behind_a_trusted_proxy() {
    let attempt = |app: &TestApp, ip: &'static str| {
        let (client, url) = (app.anon.clone(), app.url("/v1/auth/login"));
        async move {
            client
                .post(url)
                .header("x-forwarded-for", ip)
                .json(&json!({"email": "x@y.z", "password": "wrong password"}))
                .send()
                .await
                .expect("sent")
                .status()
                .as_u16()
        }
    };
    // A budget of 3; the helper's own sign-in (from 127.0.0.1) has used one.
    let limits = [
        ("APP__RATE_LIMIT__AUTH_PER_MINUTE", "1"),
        ("APP__RATE_LIMIT__AUTH_BURST", "3"),
    ];
    // Not trusted: every "client" is the peer 127.0.0.1 and shares one budget.
    let app = spawn_app_with(&limits).await;
    assert_eq!(attempt(&app, "203.0.113.1").await, 401);
    assert_eq!(attempt(&app, "203.0.113.2").await, 401);
    assert_eq!(attempt(&app, "203.0.113.3").await, 429);
    // Trusted: each forwarded client has its own budget.
    let mut trusted = limits.to_vec();
    trusted.push(("APP__SERVER__TRUSTED_PROXIES", "127.0.0.1/32"));
    let app = spawn_app_with(&trusted).await;
    for ip in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        assert_eq!(attempt(&app, ip).await, 401, "{ip}");
    }
    assert_eq!(attempt(&app, "203.0.113.1").await, 401);
    assert_eq!(attempt(&app, "203.0.113.1").await, 401);
    assert_eq!(attempt(&app, "203.0.113.1").await, 429);
}

#[tokio::test]
async fn sessions_survive_a_restart_and_work_on_a_second_instance() {
    let app = spawn_app().await;
    let viewer = "viewer@shoptrail.test";
    add_member(&app.store, viewer, Role::Viewer).await;
    let cookie = login(&app.address, viewer, PASSWORD).await;
    let dir = app.stop().await;

    // Restarted on the same store: the same cookie still works.
    let restarted = spawn_app_in(dir, &[]).await;
    let r = with_cookie(&cookie)
        .get(restarted.url("/v1/auth/session"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 200, "session survives a restart");

    // A second process-like instance on the same store serves it too.
    let dir_path = restarted.dir.path().to_owned();
    let second = api::App::build(test_settings(&dir_path, &[]))
        .await
        .expect("second instance");
    let second_url = format!("http://127.0.0.1:{}", second.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(second.run_until(async move {
        let _ = stopped.await;
    }));
    let r = with_cookie(&cookie)
        .get(format!("{second_url}/v1/stats"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        r.status().as_u16(),
        200,
        "session works on another instance"
    );
    // Signing out on one instance ends it on the other.
    with_cookie(&cookie)
        .post(format!("{second_url}/v1/auth/logout"))
        .send()
        .await
        .expect("sent");
    let r = with_cookie(&cookie)
        .get(restarted.url("/v1/auth/session"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 401);
    let _ = stop.send(());
    server.await.expect("join").expect("clean");
}

#[tokio::test]
async fn a_revoked_write_key_is_refused_by_every_instance_within_the_cache_ttl() {
    let ttl = [("APP__AUTH__WRITE_KEY_CACHE_TTL_MS", "300")];
    let a = spawn_app_with(&ttl).await;
    let b_app = api::App::build(test_settings(a.dir.path(), &ttl))
        .await
        .expect("second instance");
    let b = format!("http://127.0.0.1:{}", b_app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(b_app.run_until(async move {
        let _ = stopped.await;
    }));

    let created: Value = a
        .client
        .post(a.url("/v1/admin/write-keys"))
        .json(&json!({"source": "mobile-app"}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let secret = created["secret"].as_str().expect("secret").to_owned();
    let id = created["key"]["id"].as_str().expect("id").to_owned();
    let send = |base: String, basic: bool| {
        let secret = secret.clone();
        async move {
            let request = reqwest::Client::new()
                .post(format!("{base}/v1/events"))
                .json(&ev(
                    &uuid::Uuid::now_v7().to_string(),
                    "u-rev",
                    "page_view",
                    "2026-01-01T00:00:00Z",
                ));
            let request = if basic {
                request.basic_auth(&secret, Some(""))
            } else {
                request.header("x-write-key", &secret)
            };
            request.send().await.expect("sent").status().as_u16()
        }
    };
    assert_eq!(
        send(a.address.clone(), true).await,
        202,
        "Basic auth, Segment style"
    );
    assert_eq!(
        send(b.clone(), false).await,
        202,
        "X-Write-Key, and B has it cached now"
    );

    let revoked = a
        .client
        .delete(a.url(&format!("/v1/admin/write-keys/{id}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(revoked.status().as_u16(), 204);
    assert_eq!(
        send(a.address.clone(), false).await,
        401,
        "refused at once where revoked"
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(
        send(b.clone(), true).await,
        401,
        "refused on the other instance after the TTL"
    );
    let _ = stop.send(());
    server.await.expect("join").expect("clean");
}

#[tokio::test]
async fn events_record_the_source_of_their_write_key_and_keys_record_their_use() {
    let app = spawn_app().await;
    let r = app
        .post_events(&json!({"messageId": "src-1", "userId": "u-src", "type": "page_view", "source": "forged"}))
        .await;
    assert_eq!(r.status().as_u16(), 202);
    let (_, journey) = app.get_json("/v1/users/u-src/journey").await;
    assert_eq!(
        journey["items"][0]["source"], "test-suite",
        "the key's source, not the client's"
    );
    let mut used = false;
    for _ in 0..50 {
        let (_, keys) = app.get_json("/v1/admin/write-keys").await;
        used = keys["items"]
            .as_array()
            .expect("keys")
            .iter()
            .any(|k| k["source"] == "test-suite" && k["lastUsedAt"].is_string());
        if used {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(used, "lastUsedAt is recorded");
    let basic = app
        .anon
        .post(app.url("/v1/events"))
        .basic_auth(&app.write_key, Some(""))
        .json(&ev("src-2", "u-src", "page_view", "2026-01-01T00:00:00Z"))
        .send()
        .await
        .expect("sent");
    assert_eq!(basic.status().as_u16(), 202, "the key as Basic user name");
    let missing = app
        .anon
        .post(app.url("/v1/events"))
        .json(&ev("x", "u", "page_view", "2026-01-01T00:00:00Z"))
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status().as_u16(), 401);
    let body: Value = missing.json().await.expect("json");
    assert_eq!(body["code"], "invalid_write_key");
}

#[tokio::test]
async fn admins_manage_members_and_keys_and_every_change_is_audited() {
    let app = spawn_app().await;
    let created = app
        .client
        .post(app.url("/v1/admin/members"))
        .json(&json!({"email": "Ana@Shop.test", "role": "viewer", "password": PASSWORD, "displayName": "Ana"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status().as_u16(), 201);
    let ana: Value = created.json().await.expect("json");
    assert_eq!(ana["email"], "ana@shop.test");
    let id = ana["id"].as_str().expect("id").to_owned();
    let dup = app
        .client
        .post(app.url("/v1/admin/members"))
        .json(&json!({"email": "ANA@shop.test", "role": "viewer", "password": PASSWORD}))
        .send()
        .await
        .expect("sent");
    assert_eq!(dup.status().as_u16(), 409);
    let weak = app
        .client
        .post(app.url("/v1/admin/members"))
        .json(&json!({"email": "weak@shop.test", "role": "viewer", "password": "short"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(weak.status().as_u16(), 400);

    let ana_client = with_cookie(&login(&app.address, "ana@shop.test", PASSWORD).await);
    let forbidden = ana_client
        .get(app.url("/v1/admin/members"))
        .send()
        .await
        .expect("sent");
    assert_eq!(forbidden.status().as_u16(), 403);
    let patch = |body: Value| {
        app.client
            .patch(app.url(&format!("/v1/admin/members/{id}")))
            .json(&body)
            .send()
    };
    assert_eq!(
        patch(json!({"role": "admin"}))
            .await
            .expect("sent")
            .status()
            .as_u16(),
        200
    );
    let now_admin = ana_client
        .get(app.url("/v1/admin/members"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        now_admin.status().as_u16(),
        200,
        "a role change applies to live sessions"
    );
    assert_eq!(
        patch(json!({"disabled": true}))
            .await
            .expect("sent")
            .status()
            .as_u16(),
        200
    );
    let disabled = ana_client
        .get(app.url("/v1/stats"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        disabled.status().as_u16(),
        401,
        "a disabled member is signed out"
    );
    let relogin = login_response(&app.address, "ana@shop.test", PASSWORD).await;
    assert_eq!(relogin.status().as_u16(), 401);
    let reset = app
        .client
        .post(app.url(&format!("/v1/admin/members/{id}/password")))
        .json(&json!({"password": "another long password"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(reset.status().as_u16(), 204);
    assert_eq!(
        patch(json!({"disabled": false}))
            .await
            .expect("sent")
            .status()
            .as_u16(),
        200
    );
    login(&app.address, "ana@shop.test", "another long password").await;

    // The last active admin cannot be demoted.
    let (_, me) = app.get_json("/v1/auth/session").await;
    assert_eq!(
        patch(json!({"disabled": true}))
            .await
            .expect("sent")
            .status()
            .as_u16(),
        200
    );
    let last = app
        .client
        .patch(app.url(&format!(
            "/v1/admin/members/{}",
            me["id"].as_str().expect("id")
        )))
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(last.status().as_u16(), 409);

    let key: Value = app
        .client
        .post(app.url("/v1/admin/write-keys"))
        .json(&json!({"source": "web-shop"}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let secret = key["secret"].as_str().expect("secret");
    assert!(secret.starts_with("stwk_"));
    assert!(secret.starts_with(key["key"]["prefix"].as_str().expect("prefix")));
    let key_id = key["key"]["id"].as_str().expect("id");
    let (_, listed) = app.get_json("/v1/admin/write-keys").await;
    assert!(
        !listed.to_string().contains(secret),
        "lists never show a secret"
    );
    let rotated = app
        .client
        .post(app.url(&format!("/v1/admin/write-keys/{key_id}/rotate")))
        .send()
        .await
        .expect("sent");
    assert_eq!(rotated.status().as_u16(), 201);
    let rotated: Value = rotated.json().await.expect("json");
    assert_eq!(rotated["key"]["source"], "web-shop");
    let old = reqwest::Client::new()
        .post(app.url("/v1/events"))
        .header("x-write-key", secret)
        .json(&ev("r1", "u", "page_view", "2026-01-01T00:00:00Z"))
        .send()
        .await
        .expect("sent");
    assert_eq!(old.status().as_u16(), 401, "the rotated-out key is revoked");

    let (status, audit) = app.get_json("/v1/admin/audit?limit=100").await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        [
            "write_key.rotate",
            "write_key.create",
            "member.update",
            "member.update",
            "member.reset_password",
            "auth.sign_in_failed",
            "member.update",
            "member.update",
            "member.create",
        ]
    );
    assert!(!audit.to_string().contains(PASSWORD) && !audit.to_string().contains(secret));
    let (_, page) = app.get_json("/v1/admin/audit?limit=3").await;
    let next = page["nextCursor"].as_str().expect("more pages");
    let (_, page2) = app
        .get_json(&format!("/v1/admin/audit?limit=3&cursor={next}"))
        .await;
    assert_eq!(page2["items"][0]["action"], "member.update");
}

#[tokio::test]
async fn responses_carry_security_headers_and_cors_follows_the_route_group() {
    let app = spawn_app_with(&[(
        "APP__SERVER__CONSOLE_ORIGINS",
        "https://console.shoptrail.test",
    )])
    .await;
    let r = app
        .anon
        .get(app.url("/v1/stats"))
        .send()
        .await
        .expect("sent");
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(r.headers()[name], value, "{name}");
    }
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .contains("default-src 'none'")
    );
    let docs = app.anon.get(app.url("/docs/")).send().await.expect("sent");
    assert!(
        docs.headers().get("content-security-policy").is_none(),
        "Swagger UI runs scripts"
    );
    assert_eq!(docs.headers()["x-content-type-options"], "nosniff");

    let preflight = |path: &str, origin: &'static str| {
        app.anon
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let ingest = preflight("/v1/events", "https://any-shop.example")
        .await
        .expect("sent");
    assert_eq!(ingest.headers()["access-control-allow-origin"], "*");
    let console = preflight("/v1/auth/login", "https://console.shoptrail.test")
        .await
        .expect("sent");
    assert_eq!(
        console.headers()["access-control-allow-origin"],
        "https://console.shoptrail.test"
    );
    assert_eq!(
        console.headers()["access-control-allow-credentials"],
        "true"
    );
    let stranger = preflight("/v1/auth/login", "https://evil.example")
        .await
        .expect("sent");
    assert!(
        stranger
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let huge = app
        .anon
        .get(app.url("/healthz"))
        .header("x-padding", "a".repeat(20_000))
        .send()
        .await
        .expect("sent");
    assert_eq!(huge.status().as_u16(), 431);
}

#[tokio::test]
async fn ingestion_is_rate_limited_per_write_key() {
    let app = spawn_app_with(&[
        ("APP__RATE_LIMIT__INGEST_PER_MINUTE", "1"),
        ("APP__RATE_LIMIT__INGEST_BURST", "2"),
    ])
    .await;
    let other = add_write_key(&app.store, "other").await;
    let body = ev("l1", "u", "page_view", "2026-01-01T00:00:00Z");
    for _ in 0..2 {
        assert_eq!(app.post_events(&body).await.status().as_u16(), 202);
    }
    let limited = app.post_events(&body).await;
    assert_eq!(limited.status().as_u16(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    let r = reqwest::Client::new()
        .post(app.url("/v1/events"))
        .header("x-write-key", other)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 202, "another key has its own budget");
}

/// The shipped limits: sign-in 10 a minute per IP, console reads 600 a minute (burst 120).
const SHIPPED_LIMITS: [(&str, &str); 4] = [
    ("APP__RATE_LIMIT__AUTH_PER_MINUTE", "10"),
    ("APP__RATE_LIMIT__AUTH_BURST", "10"),
    ("APP__RATE_LIMIT__READS_PER_MINUTE", "600"),
    ("APP__RATE_LIMIT__READS_BURST", "120"),
];

#[tokio::test]
async fn thirty_console_reloads_never_meet_the_sign_in_limit() {
    let app = spawn_app_with(&SHIPPED_LIMITS).await;
    // Each reload checks the session, signed in or not, from one office IP.
    for i in 0..30 {
        let signed_in = app
            .client
            .get(app.url("/v1/auth/session"))
            .send()
            .await
            .expect("sent");
        assert_eq!(signed_in.status().as_u16(), 200, "reload {}", i + 1);
        let signed_out = app
            .anon
            .get(app.url("/v1/auth/session"))
            .send()
            .await
            .expect("sent");
        assert_eq!(signed_out.status().as_u16(), 401, "reload {}", i + 1);
    }
    // And the reloads took nothing from the sign-in budget: the right password still works.
    let r = login_response(&app.address, ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn eleven_wrong_passwords_from_one_ip_still_get_429_after_many_reloads() {
    let app = spawn_app_with(&SHIPPED_LIMITS).await;
    for _ in 0..30 {
        let r = app
            .anon
            .get(app.url("/v1/auth/session"))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status().as_u16(), 401);
    }
    // Eleven wrong tries at once (the helper already signed in once from this IP).
    let tries = (0..11).map(|_| login_response(&app.address, ADMIN_EMAIL, "wrong password guess"));
    let statuses: Vec<u16> = futures::future::join_all(tries)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert!(
        statuses.iter().all(|s| [401, 429].contains(s)),
        "{statuses:?}"
    );
    assert!(statuses.contains(&429), "{statuses:?}");
}

#[tokio::test]
async fn a_password_reset_ends_the_members_sessions_but_not_the_callers_own() {
    let app = spawn_app().await;
    let created = app
        .client
        .post(app.url("/v1/admin/members"))
        .json(&json!({"email": "reset@shop.test", "role": "viewer", "password": PASSWORD}))
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status().as_u16(), 201);
    let id = created.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let member = with_cookie(&login(&app.address, "reset@shop.test", PASSWORD).await);
    let stats = |c: &reqwest::Client| c.get(app.url("/v1/stats")).send();
    assert_eq!(stats(&member).await.expect("sent").status().as_u16(), 200);

    let reset = |who: String| {
        app.client
            .post(app.url(&format!("/v1/admin/members/{who}/password")))
            .json(&json!({"password": "a different long passphrase"}))
            .send()
    };
    assert_eq!(reset(id).await.expect("sent").status().as_u16(), 204);
    assert_eq!(
        stats(&member).await.expect("sent").status().as_u16(),
        401,
        "the member's old session ended with the old password"
    );

    // An admin resetting their own password keeps this session; another one ends.
    let other = with_cookie(&login(&app.address, ADMIN_EMAIL, PASSWORD).await);
    let (_, me) = app.get_json("/v1/auth/session").await;
    let my_id = me["id"].as_str().expect("my id").to_owned();
    assert_eq!(reset(my_id).await.expect("sent").status().as_u16(), 204);
    assert_eq!(
        stats(&app.client).await.expect("sent").status().as_u16(),
        200
    );
    assert_eq!(stats(&other).await.expect("sent").status().as_u16(), 401);
}

#[tokio::test]
async fn console_changes_from_another_site_are_refused() {
    let app = spawn_app().await;
    let create = |headers: &[(&str, String)]| {
        let mut r = app
            .client
            .post(app.url("/v1/admin/write-keys"))
            .json(&json!({"source": "csrf-probe"}));
        for (k, v) in headers {
            r = r.header(*k, v);
        }
        r.send()
    };
    let host = app.address.trim_start_matches("http://").to_owned();
    for (headers, expected) in [
        (vec![("origin", "https://evil.example".to_owned())], 403),
        (vec![("sec-fetch-site", "same-site".to_owned())], 403),
        (vec![("sec-fetch-site", "cross-site".to_owned())], 403),
        (vec![("origin", format!("http://{host}.evil.example"))], 403),
        (vec![("sec-fetch-site", "same-origin".to_owned())], 201),
        (vec![("origin", app.address.clone())], 201),
        (Vec::new(), 201),
    ] {
        let r = create(&headers).await.expect("sent");
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(status, expected, "{headers:?}: {body}");
        if expected == 403 {
            assert_eq!(body["code"], "cross_site_request");
        }
    }
    // Reads are not affected.
    let r = app
        .client
        .get(app.url("/v1/stats"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn sign_in_backs_off_per_account_whatever_the_address_and_failures_are_audited() {
    let app = spawn_app_with(&[("APP__SERVER__TRUSTED_PROXIES", "127.0.0.1/32")]).await;
    // Six addresses, one guess each: the per-address limit never sees a second try.
    let attempt = |ip: String, password: &'static str| {
        app.anon
            .post(app.url("/v1/auth/login"))
            .header("x-forwarded-for", ip)
            .json(&json!({"email": ADMIN_EMAIL, "password": password}))
            .send()
    };
    for i in 0..5 {
        let r = attempt(format!("198.51.100.{i}"), "wrong password guess")
            .await
            .expect("sent");
        assert_eq!(r.status().as_u16(), 401, "guess {}", i + 1);
    }
    let sixth = attempt("198.51.100.99".to_owned(), PASSWORD)
        .await
        .expect("sent");
    assert_eq!(
        sixth.status().as_u16(),
        429,
        "even the right password waits once the account is under attack"
    );
    assert!(sixth.headers().contains_key("retry-after"));

    let (status, audit) = app.get_json("/v1/admin/audit?limit=100").await;
    assert_eq!(status, 200);
    let failed: Vec<&Value> = audit["items"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "auth.sign_in_failed")
        .collect();
    assert_eq!(failed.len(), 5, "{audit}");
    assert_eq!(failed[0]["target"], ADMIN_EMAIL);
    assert_eq!(failed[0]["details"]["ip"], "198.51.100.4");
    assert!(!audit.to_string().contains("wrong password guess"));
}

#[tokio::test]
async fn easily_guessed_passwords_are_refused() {
    let app = spawn_app().await;
    for weak in [
        "aaaaaaaaaaaa",
        "password1234",
        "qwertyuiop12",
        "weak@shop.test",
    ] {
        let r = app
            .client
            .post(app.url("/v1/admin/members"))
            .json(&json!({"email": "weak@shop.test", "role": "viewer", "password": weak}))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status().as_u16(), 400, "{weak}");
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["code"], "weak_password", "{weak}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_or_malformed_session_cookies_log_no_warning_per_request() {
    use crate::process::{free_port, start, stop_and_read_logs, wait_ready};

    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = start(
        dir.path(),
        port,
        &[("APP__EXPORT__SCHEDULE_ENABLED", "false")],
        true,
    );
    let client = reqwest::Client::new();
    wait_ready(&client, &base).await;
    // A well-formed id no store knows, and a value that is no id at all.
    for cookie in ["AAAAAAAAAAAAAAAAAAAAAA", "not-a-session-id!"] {
        for _ in 0..3 {
            let r = client
                .get(format!("{base}/v1/auth/session"))
                .header("cookie", format!("shoptrail_session={cookie}"))
                .send()
                .await
                .expect("sent");
            assert_eq!(r.status().as_u16(), 401);
        }
    }
    let logs = stop_and_read_logs(server);
    let warnings: Vec<&str> = logs
        .lines()
        .filter(|l| {
            serde_json::from_str::<Value>(l).is_ok_and(|v| {
                v["level"] == "WARN"
                    && v["target"]
                        .as_str()
                        .is_some_and(|t| t.starts_with("tower_sessions"))
            })
        })
        .collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
    assert!(
        logs.contains("\"level\":\"INFO\""),
        "the logs were captured: {logs:.500}"
    );
}
