//! Secrets never reach logs or error bodies, and production secrets come from Secrets
//! Manager (moto's server, started by `scripts/test`, stands in for it here).

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, login, login_response, spawn_app_in, with_cookie};
use crate::process::{cli, free_port, start, stop_and_read_logs, wait_ready};

const SESSION_KEY: &str = "a-session-key-that-is-long-enough-0123456789";

fn assert_absent(logs: &str, secrets: &[(&str, &str)]) {
    for (what, secret) in secrets {
        assert!(!secret.is_empty(), "{what} is known");
        assert!(!logs.contains(secret), "{what} appears in the logs");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_key_or_session_id_appears_in_logs_or_error_bodies() {
    let dir = tempfile::tempdir().expect("dir");
    let env = [
        ("APP__TELEMETRY__LOG_LEVEL", "debug"),
        ("APP__AUTH__SESSION_KEY", SESSION_KEY),
    ];
    let (key, key_stderr) = cli(
        dir.path(),
        &["write-key", "create", "--source", "logs"],
        "",
        &env,
    );
    let key = key.trim().to_owned();
    assert!(key.starts_with("stwk_"));
    let (_, admin_stderr) = cli(
        dir.path(),
        &["admin", "create", "--email", "admin@logs.test"],
        &format!("{PASSWORD}\n"),
        &env,
    );
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = start(dir.path(), port, &env, true);
    wait_ready(&reqwest::Client::new(), &base).await;

    let wrong = "a wrong but secret password";
    let refused = login_response(&base, "admin@logs.test", wrong).await;
    let refused_body = refused.text().await.expect("body");
    let cookie = login(&base, "admin@logs.test", PASSWORD).await;
    let admin = with_cookie(&cookie);
    let created: Value = admin
        .post(format!("{base}/v1/admin/write-keys"))
        .json(&json!({"source": "web"}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let second = created["secret"].as_str().expect("secret").to_owned();
    for (k, basic) in [(&key, true), (&second, false)] {
        let r = reqwest::Client::new()
            .post(format!("{base}/v1/events"))
            .json(&json!({"userId": "u1", "type": "page_view"}));
        let r = if basic {
            r.basic_auth(k, Some(""))
        } else {
            r.header("x-write-key", k)
        };
        assert_eq!(r.send().await.expect("sent").status().as_u16(), 202);
    }
    let bad_key = reqwest::Client::new()
        .post(format!("{base}/v1/events"))
        .header("x-write-key", "stwk_not-a-real-key-but-secret")
        .json(&json!({"userId": "u1", "type": "page_view"}))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");

    let logs = stop_and_read_logs(server);
    assert!(
        logs.contains("Signed in."),
        "the server logged at debug level: {logs:.500}"
    );
    let session_id = cookie.split_once('=').map(|(_, v)| v).unwrap_or_default();
    let secrets = [
        ("the password", PASSWORD),
        ("a wrong password", wrong),
        ("the CLI write key", key.as_str()),
        ("the API write key", second.as_str()),
        ("an unknown write key", "stwk_not-a-real-key-but-secret"),
        ("the session id", session_id),
        ("the session key", SESSION_KEY),
    ];
    let everything = format!("{logs}{key_stderr}{admin_stderr}{refused_body}{bad_key}");
    assert_absent(&everything, &secrets);
}

/// The endpoint of the Secrets Manager stand-in, or `None` (with a SKIP line).
fn moto() -> Option<String> {
    let endpoint = std::env::var("MOTO_ENDPOINT").ok();
    if endpoint.is_none() {
        eprintln!(
            "SKIP: MOTO_ENDPOINT is not set (scripts/test starts moto); Secrets Manager test not run"
        );
    }
    endpoint
}

async fn put_secret(endpoint: &str, name: &str, value: &str) {
    use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
    shared::secrets::install_tls_provider();
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .expect("secret created in moto");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_secret_ids_the_api_starts_with_the_stored_values_and_logs_none_of_them() {
    let Some(endpoint) = moto() else { return };
    let run = uuid::Uuid::now_v7().simple().to_string();
    let (key_id, uri_id) = (
        format!("shoptrail/{run}/session-key"),
        format!("shoptrail/{run}/mongodb-uri"),
    );
    let session_key = format!("session-key-from-secrets-manager-{run}");
    let mongo_password = format!("mongo-pw-{run}");
    let mongo_uri = format!("mongodb://shoptrail:{mongo_password}@db.invalid:27017/shoptrail");
    put_secret(&endpoint, &key_id, &session_key).await;
    put_secret(&endpoint, &uri_id, &mongo_uri).await;

    let dir = tempfile::tempdir().expect("dir");
    // Credentials and region for the SDK go to the child process only.
    let env = [
        ("APP__TELEMETRY__LOG_LEVEL", "debug"),
        ("APP__SECRETS__ENDPOINT_URL", endpoint.as_str()),
        ("APP__SECRETS__REGION", "us-east-1"),
        ("APP__SECRETS__SESSION_KEY_SECRET_ID", key_id.as_str()),
        ("APP__SECRETS__MONGODB_URI_SECRET_ID", uri_id.as_str()),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/dev/null"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
    ];
    let (_, cli_stderr) = cli(
        dir.path(),
        &["admin", "create", "--email", "admin@secrets.test"],
        &format!("{PASSWORD}\n"),
        &env,
    );
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = start(dir.path(), port, &env, true);
    wait_ready(&reqwest::Client::new(), &base).await;
    let cookie = login(&base, "admin@secrets.test", PASSWORD).await;

    // The cookie is signed with the key from Secrets Manager: an instance given that key
    // accepts it, one with another key does not.
    let path = dir.path().to_owned();
    let same = spawn_app_in(
        tempfile::Builder::new().tempdir_in(&path).expect("dir"),
        &[
            ("APP__STORAGE__DATA_DIR", path.to_str().expect("utf-8")),
            ("APP__AUTH__SESSION_KEY", session_key.as_str()),
        ],
    )
    .await;
    let r = with_cookie(&cookie)
        .get(same.url("/v1/auth/session"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        r.status().as_u16(),
        200,
        "signed with the stored session key"
    );
    let other = spawn_app_in(
        tempfile::Builder::new().tempdir_in(&path).expect("dir"),
        &[
            ("APP__STORAGE__DATA_DIR", path.to_str().expect("utf-8")),
            (
                "APP__AUTH__SESSION_KEY",
                "some-other-session-key-0123456789abcdef",
            ),
        ],
    )
    .await;
    let r = with_cookie(&cookie)
        .get(other.url("/v1/auth/session"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 401, "another key does not verify it");

    let logs = stop_and_read_logs(server);
    assert!(
        logs.contains("Loaded a secret.") && logs.contains(&key_id),
        "{logs:.1000}"
    );
    assert_absent(
        &format!("{logs}{cli_stderr}"),
        &[
            ("the session key", session_key.as_str()),
            ("the MongoDB URI", mongo_uri.as_str()),
            ("the MongoDB password", mongo_password.as_str()),
            ("the password", PASSWORD),
        ],
    );
}
