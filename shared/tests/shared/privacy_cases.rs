//! Erasure conformance (every engine): a person who was anonymous, then identified, then
//! aliased is erased with every id linked to them; the daily rollups keep their totals; a
//! re-run changes nothing; an interrupted erasure resumes and counts every row once; the
//! export's read of a day no longer returns them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::json;
use shared::event::Event;
use shared::jobs::JobContext;
use shared::privacy::{ErasureParams, erase};
use shared::storage::{
    IdentityLink, JourneyQuery, RetentionQuery, RollupRows, RowKind, Store, UserQuery, WriteBatch,
};

use crate::helpers::*;
use crate::identity_cases::anon;

/// Small merge chunks leave events of the earlier ids behind (pending moves): an erasure
/// must find them too.
const MOVE_CHUNK: usize = 2;
/// Rows per erasure step: small, so every kind takes several steps.
const BATCH: usize = 2;

fn link(from: &str, to: &str) -> IdentityLink {
    IdentityLink {
        from: from.to_owned(),
        to: to.to_owned(),
    }
}

fn with_session(mut e: Event, session: &str) -> Event {
    e.session_id = Some(session.to_owned());
    e.context = obj(json!({"page": {"url": "https://shop.example/", "referrer": ""}}));
    e.derived = Some(shared::enrich::shared().derive(&e, &Default::default()));
    e
}

fn purchase(id: &str, user: &str, ms: i64, order: &str) -> Event {
    let mut e = with_session(event(id, user, "purchase", ms), "s-buy");
    e.properties = obj(json!({"orderId": order, "revenue": 40.0, "currency": "EUR"}));
    e
}

fn params(person: &str) -> ErasureParams {
    ErasureParams {
        person: person.to_owned(),
        suppress: false,
        requested_by: "admin-1".to_owned(),
    }
}

/// Writes the person: anonymous on day 0 and 1, identified as `u1` on day 1 (with a
/// purchase), and `old-u`, a user id of theirs, aliased to `u1` on day 2. `other` browses
/// on the same days and must keep everything.
async fn person_in_three_stages(store: &Arc<dyn Store>) {
    let batch = |events: Vec<Event>, links: Vec<IdentityLink>| WriteBatch {
        events,
        links: links
            .into_iter()
            .map(|link| shared::storage::TimedLink {
                link,
                at: at(DAY0),
                right: shared::identity::LinkRight::Any,
            })
            .collect(),
    };
    let anonymous = (0..5)
        .map(|i| {
            with_session(
                anon(&format!("an-{i}"), "anon-1", "page_view", DAY0 + i * HOUR),
                "s-anon",
            )
        })
        .chain([with_session(
            anon("an-5", "anon-1", "product_view", DAY0 + DAY),
            "s-anon2",
        )])
        .collect();
    store
        .write(batch(anonymous, vec![]))
        .await
        .expect("anonymous");
    let old = (0..3)
        .map(|i| {
            with_session(
                event(&format!("old-{i}"), "old-u", "page_view", DAY0 + i * HOUR),
                "s-old",
            )
        })
        .collect();
    store.write(batch(old, vec![])).await.expect("old user id");
    store
        .write(batch(
            vec![
                with_session(event("u-1", "u1", "identify", DAY0 + DAY + HOUR), "s-u"),
                purchase("u-2", "u1", DAY0 + DAY + 2 * HOUR, "o-1"),
            ],
            vec![link("anon-1", "u1")],
        ))
        .await
        .expect("identify");
    store
        .write(batch(
            vec![with_session(
                event("u-3", "u1", "alias", DAY0 + 2 * DAY),
                "s-u3",
            )],
            vec![link("old-u", "u1")],
        ))
        .await
        .expect("alias");
    let others = (0..3)
        .map(|i| {
            with_session(
                event(&format!("ot-{i}"), "other", "page_view", DAY0 + i * DAY),
                "s-ot",
            )
        })
        .chain([purchase("ot-9", "other", DAY0 + DAY, "o-2")])
        .collect();
    store.write(batch(others, vec![])).await.expect("other");
}

const PERSON_EVENTS: u64 = 6 + 3 + 2 + 1;
const IDS: [&str; 3] = ["anon-1", "old-u", "u1"];

async fn rollups(store: &Arc<dyn Store>) -> RollupRows {
    let d = |n: i64| at(DAY0 + n * DAY).date_naive();
    store.rollups(d(0), d(2)).await.expect("rollups")
}

/// Every event id the export would read for days 0 to 2.
async fn exported_ids(store: &Arc<dyn Store>) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for n in 0..3 {
        let day: NaiveDate = at(DAY0 + n * DAY).date_naive();
        let mut after = None;
        loop {
            let page = store.events_of_day(day, after, 3).await.expect("day read");
            ids.extend(page.items.into_iter().map(|e| e.event_id));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
    }
    ids
}

async fn everything_of_the_person_is_gone(store: &Arc<dyn Store>) {
    let q = JourneyQuery {
        limit: 100,
        ..Default::default()
    };
    for id in IDS {
        assert!(
            store
                .journey(id, &q)
                .await
                .expect("journey")
                .items
                .is_empty(),
            "events of {id}"
        );
        assert_eq!(
            store.get_user(id).await.expect("user"),
            None,
            "profile of {id}"
        );
        assert_eq!(
            store.linked_to(id).await.expect("link"),
            None,
            "link of {id}"
        );
        assert_eq!(
            store.linked_ids(id).await.expect("ids"),
            [id],
            "links to {id}"
        );
    }
    let users: Vec<String> = store
        .list_users(&UserQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("users")
        .items
        .into_iter()
        .map(|u| u.user_id)
        .collect();
    assert_eq!(users, ["other"]);
    for id in IDS {
        let search = UserQuery {
            search: Some(id.to_owned()),
            limit: 100,
            ..Default::default()
        };
        assert_eq!(
            store.count_users(&search).await.expect("count"),
            0,
            "no search term of {id} is left"
        );
    }
    let (from, to) = (at(DAY0 - DAY), at(DAY0 + 4 * DAY));
    let visits = store.visits(from, to).await.expect("visits");
    assert!(!visits.is_empty());
    assert!(visits.iter().all(|v| v.profile_id == "other"), "{visits:?}");
    let orders: Vec<String> = store
        .orders(from, to)
        .await
        .expect("orders")
        .into_iter()
        .map(|o| o.order_id)
        .collect();
    assert_eq!(orders, ["o-2"]);
    assert_eq!(store.pending_moves().await.expect("pending"), 0);
    let marks = store
        .retention_rows(&RetentionQuery {
            cohort_kind: String::new(),
            from: at(DAY0 - DAY),
            to: at(DAY0 + 4 * DAY),
            returning_kind: String::new(),
            from_day: DAY0 / DAY - 1,
            to_day: DAY0 / DAY + 4,
        })
        .await
        .expect("retention rows");
    assert!(!marks.members.is_empty());
    assert!(
        marks.members.iter().all(|m| m.profile == "other")
            && marks.activity.iter().all(|a| a.profile == "other"),
        "only the other person's retention marks are left: {marks:?}"
    );
    let exported = exported_ids(store).await;
    assert_eq!(
        exported,
        ["ot-0", "ot-1", "ot-2", "ot-9"].map(str::to_owned).into(),
        "only the other person's events are left to export"
    );
}

pub async fn erasing_a_person_removes_every_row_of_every_linked_id_and_keeps_rollup_totals(
    store: Arc<dyn Store>,
) {
    person_in_three_stages(&store).await;
    assert!(
        store.pending_moves().await.expect("pending") > 0,
        "the setup leaves events of an earlier id still to move"
    );
    assert_eq!(store.linked_ids("u1").await.expect("ids"), IDS);
    let before = rollups(&store).await;
    assert_eq!(before.active_users, 2);

    let ctx = JobContext::new("job-1");
    let done = erase(
        store.as_ref(),
        "job-1",
        &params("u1"),
        BATCH,
        &ctx,
        at(DAY0 + 9 * DAY),
    )
    .await
    .expect("erased");
    assert_eq!(done.ids, IDS);
    assert_eq!(done.rows.get(&RowKind::Events), Some(&PERSON_EVENTS));
    assert_eq!(done.rows.get(&RowKind::Orders), Some(&1));
    assert_eq!(done.rows.get(&RowKind::IdentityLinks), Some(&2));
    assert_eq!(done.rows.get(&RowKind::Profiles), Some(&1));
    // Both earlier ids had more events than one merge moves at once.
    assert_eq!(done.rows.get(&RowKind::PendingMoves), Some(&2));
    // Active on days 0, 1 and 2 (the earlier ids' days were merged into the person's).
    assert_eq!(done.rows.get(&RowKind::ActiveDays), Some(&3));
    assert!(
        done.rows
            .get(&RowKind::RetentionMarks)
            .is_some_and(|n| *n > 0),
        "retention marks are counted: {:?}",
        done.rows
    );
    assert!(
        done.rows.get(&RowKind::Visits).is_some_and(|n| *n >= 4),
        "{:?}",
        done.rows
    );
    assert_eq!(ctx.progress().events_processed, PERSON_EVENTS);

    everything_of_the_person_is_gone(&store).await;
    assert_eq!(rollups(&store).await, before, "rollup totals are kept");
    assert_eq!(store.erasure("job-1").await.expect("record"), None);

    let audit = store.audit_page(10, None).await.expect("audit").items;
    let entry = audit
        .iter()
        .find(|a| a.action == "user.erase")
        .expect("audited");
    assert_eq!(
        (entry.actor.as_str(), entry.target.as_str()),
        ("admin-1", "u1")
    );
    assert_eq!(entry.details["ids"], json!(IDS));
    assert_eq!(entry.details["rows"]["events"], json!(PERSON_EVENTS));
    assert_eq!(entry.details["jobId"], json!("job-1"));

    // A re-run (a new job for the same person) finds nothing and changes nothing.
    let again = erase(
        store.as_ref(),
        "job-2",
        &params("u1"),
        BATCH,
        &JobContext::new("job-2"),
        at(DAY0 + 10 * DAY),
    )
    .await
    .expect("erased again");
    assert_eq!(again.ids, ["u1"]);
    assert_eq!(again.rows, BTreeMap::new());
    everything_of_the_person_is_gone(&store).await;
    assert_eq!(rollups(&store).await, before);
}

pub async fn an_interrupted_erasure_resumes_and_counts_each_row_once(store: Arc<dyn Store>) {
    person_in_three_stages(&store).await;
    let before = rollups(&store).await;
    // The first attempt recorded its ids, removed a step of events and the links, then
    // its worker died.
    let ids: Vec<String> = IDS.map(str::to_owned).into();
    store
        .save_erasure("job-1", "u1", &ids, at(DAY0 + 9 * DAY))
        .await
        .expect("recorded");
    let removed = store
        .erase_rows("job-1", RowKind::Events, &ids, "erased-x", BATCH)
        .await
        .expect("a step");
    assert_eq!(removed, BATCH as u64);
    let links = store
        .erase_rows("job-1", RowKind::IdentityLinks, &ids, "erased-x", 10)
        .await
        .expect("links");
    assert_eq!(links, 2);
    assert_eq!(store.linked_to("anon-1").await.expect("link"), None);

    // The next attempt still knows every id and finishes the job.
    let done = erase(
        store.as_ref(),
        "job-1",
        &params("u1"),
        BATCH,
        &JobContext::new("job-1"),
        at(DAY0 + 9 * DAY),
    )
    .await
    .expect("resumed");
    assert_eq!(done.ids, IDS);
    assert_eq!(done.rows.get(&RowKind::Events), Some(&PERSON_EVENTS));
    assert_eq!(done.rows.get(&RowKind::IdentityLinks), Some(&2));
    everything_of_the_person_is_gone(&store).await;
    assert_eq!(rollups(&store).await, before);
}

pub async fn suppressed_ids_are_listed_once(store: Arc<dyn Store>) {
    let ids: Vec<String> = ["a", "b"].map(str::to_owned).into();
    store.suppress(&ids, at(DAY0)).await.expect("suppress");
    store
        .suppress(&ids[..1], at(DAY0 + DAY))
        .await
        .expect("again");
    let mut found = store.suppressed(&["a", "b", "c"]).await.expect("read");
    found.sort();
    assert_eq!(found, ["a", "b"]);
    assert!(store.suppressed(&[]).await.expect("none").is_empty());
}

macro_rules! privacy_suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let chunk = [("APP__STORAGE__MERGE_MOVE_CHUNK", super::MOVE_CHUNK.to_string())];
                    let (s, _) = crate::helpers::sqlite_with(&chunk).await;
                    super::$case(s.store.clone()).await;
                }
            )*
        }
        mod mongodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let chunk = [("APP__STORAGE__MERGE_MOVE_CHUNK", super::MOVE_CHUNK.to_string())];
                    let Some((s, _)) = crate::helpers::mongodb_with(&chunk).await else { return };
                    super::$case(s.store.clone()).await;
                }
            )*
        }
    };
}

privacy_suite!(
    erasing_a_person_removes_every_row_of_every_linked_id_and_keeps_rollup_totals,
    an_interrupted_erasure_resumes_and_counts_each_row_once,
    suppressed_ids_are_listed_once,
);
