//! MongoDB deployments the engine refuses. Runs where `MONGODB_STANDALONE_URI` names a
//! standalone server (the GitHub workflow's service container); skipped elsewhere.

use shared::storage;

use crate::helpers::settings;

#[tokio::test]
async fn a_standalone_server_is_refused_with_a_clear_reason() {
    let Ok(uri) = std::env::var("MONGODB_STANDALONE_URI") else {
        eprintln!("SKIP: MONGODB_STANDALONE_URI is not set");
        return;
    };
    let s = settings(&[
        ("APP__STORAGE__ENGINE", "mongodb".into()),
        ("APP__STORAGE__MONGODB_URI", uri),
        (
            "APP__STORAGE__MONGODB_DATABASE",
            "shoptrail_standalone".into(),
        ),
    ]);
    let Err(e) = storage::open(&s).await else {
        panic!("a standalone server must be refused");
    };
    let message = format!("{e:#}");
    assert!(message.contains("replica set"), "{message}");
    assert!(message.contains("standalone"), "{message}");
}
