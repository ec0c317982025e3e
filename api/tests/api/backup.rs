//! Backups of the embedded engine taken while ingestion runs: restored into a new data
//! directory, they hold every event acknowledged before the backup started.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;
use shared::storage::{JourneyQuery, Store};
use tokio::sync::Mutex;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_every_event_acknowledged_before_it() {
    let app = spawn_app().await;
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let running = Arc::new(AtomicBool::new(true));
    let load = {
        let (client, url, acked, running) = (
            app.client.clone(),
            app.url("/v1/events"),
            acked.clone(),
            running.clone(),
        );
        tokio::spawn(async move {
            let mut n = 0;
            while running.load(Ordering::Relaxed) {
                let ids: Vec<String> = (0..20).map(|i| format!("load-{n}-{i}")).collect();
                let body: Vec<_> = ids
                    .iter()
                    .map(|id| json!({"messageId": id, "userId": "loader", "type": "page_view"}))
                    .collect();
                let r = client.post(&url).json(&body).send().await.expect("sent");
                assert_eq!(r.status().as_u16(), 202);
                acked.lock().await.extend(ids);
                n += 1;
            }
            n
        })
    };
    // Let the load run, then back up in the middle of it.
    while acked.lock().await.len() < 400 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before: Vec<String> = acked.lock().await.clone();
    let copy = app.dir.path().join("backup.db");
    let db = test_settings(app.dir.path(), &[]).sqlite_path();
    let to = copy.clone();
    tokio::task::spawn_blocking(move || shared::storage::sqlite::backup(&db, &to))
        .await
        .expect("joined")
        .expect("backed up");
    running.store(false, Ordering::Relaxed);
    let requests = load.await.expect("load");
    assert!(
        requests > 20,
        "the load ran during the backup: {requests} requests"
    );

    // Restore into a new data directory and open it.
    let fresh = tempfile::tempdir().expect("temp dir");
    let settings = test_settings(fresh.path(), &[]);
    shared::storage::sqlite::restore(&copy, &settings.sqlite_path()).expect("restored");
    let store = shared::storage::open(&settings).await.expect("opens");
    let stored = all_ids(&*store).await;
    let missing: Vec<&String> = before.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged events missing, e.g. {:?}",
        missing.len(),
        missing.first()
    );

    // A restore never overwrites a database, and a file that is not one is refused.
    assert!(shared::storage::sqlite::restore(&copy, &settings.sqlite_path()).is_err());
    let junk = fresh.path().join("junk.db");
    std::fs::write(&junk, b"not a database").expect("write");
    let other = tempfile::tempdir().expect("temp dir");
    assert!(shared::storage::sqlite::restore(&junk, &other.path().join("shoptrail.db")).is_err());
    assert!(
        shared::storage::sqlite::backup(&settings.sqlite_path(), &copy).is_err(),
        "no overwrite"
    );
}

async fn all_ids(store: &dyn Store) -> std::collections::HashSet<String> {
    let mut ids = std::collections::HashSet::new();
    let mut q = JourneyQuery {
        limit: 1000,
        ..Default::default()
    };
    loop {
        let page = store.journey("loader", &q).await.expect("journey");
        ids.extend(page.items.iter().map(|e| e.event_id.clone()));
        match page.next {
            Some(c) => q.after = Some(c),
            None => return ids,
        }
    }
}
