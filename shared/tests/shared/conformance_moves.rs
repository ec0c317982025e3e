//! Conformance cases for bounded identity merges, per engine: with
//! `storage.merge_move_chunk = 7`, the batch carrying a link moves at most 7 of the earlier
//! id's events and records a pending move; the mover (driven explicitly here) moves the rest
//! in chunks. Journeys show every event throughout; counts and profiles never change.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use futures::FutureExt as _;
use shared::event::Event;
use shared::settings::Settings;
use shared::storage::moves::{Drained, drain};
use shared::storage::{self, IdentityLink, MoveStep, Mover, Store, TimedLink, WriteBatch};

use crate::helpers::*;
use crate::identity_cases::{anon, listed, timeline};

const CHUNK: usize = 7;
/// Anonymous events before the identify: several chunks and a remainder.
const HISTORY: usize = 50;

/// A store whose settings are kept, so a case can open it again (a restart).
pub struct Reopenable {
    pub store: Arc<dyn Store>,
    pub settings: Settings,
    pub _dir: Option<tempfile::TempDir>,
}

fn chunk_setting() -> [(&'static str, String); 1] {
    [("APP__STORAGE__MERGE_MOVE_CHUNK", CHUNK.to_string())]
}

fn reopenable((t, settings): (TestStore, Settings)) -> Reopenable {
    Reopenable {
        store: t.store,
        settings,
        _dir: t._dir,
    }
}

pub async fn sqlite_small_chunks() -> Reopenable {
    reopenable(sqlite_with(&chunk_setting()).await)
}

pub async fn mongodb_small_chunks() -> Option<Reopenable> {
    Some(reopenable(mongodb_with(&chunk_setting()).await?))
}

fn day(ms: i64) -> NaiveDate {
    at(ms).date_naive()
}

/// `HISTORY` events of `anon-1` over three days, alternating two types.
fn history() -> Vec<Event> {
    (0..HISTORY)
        .map(|i| {
            let kind = if i % 2 == 0 {
                "page_view"
            } else {
                "product_view"
            };
            let t = DAY0 + (i as i64 % 3) * DAY + i as i64 * 1000;
            anon(&format!("a-{i:02}"), "anon-1", kind, t)
        })
        .collect()
}

fn history_ids() -> BTreeSet<String> {
    (0..HISTORY).map(|i| format!("a-{i:02}")).collect()
}

/// The identify of `user`, carrying the link from `anon-1`, as the ingestion pipeline
/// submits it: one batch.
fn identify(id: &str, from: &str, user: &str, ms: i64) -> WriteBatch {
    let mut e = event(id, user, "identify", ms);
    e.anonymous_id = Some(from.to_owned());
    WriteBatch {
        events: vec![e],
        links: vec![TimedLink {
            link: IdentityLink {
                from: from.to_owned(),
                to: user.to_owned(),
            },
            at: at(ms),
            right: shared::identity::LinkRight::Any,
        }],
    }
}

/// Every event id of a journey, checking none is listed twice.
async fn journey_set(store: &Arc<dyn Store>, profile: &str) -> BTreeSet<String> {
    let ids = timeline(store, profile).await;
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "an event listed twice: {ids:?}");
    set
}

fn with(mut ids: BTreeSet<String>, extra: &[&str]) -> BTreeSet<String> {
    ids.extend(extra.iter().map(|s| (*s).to_owned()));
    ids
}

/// The rollups a single person with the history and an identify on day 0 has.
async fn assert_one_person_over_three_days(store: &Arc<dyn Store>, person: &str, events: u64) {
    let rows = store
        .rollups(day(DAY0), day(DAY0 + 2 * DAY))
        .await
        .expect("rollups");
    assert_eq!(rows.active_users, 1);
    assert_eq!(
        rows.daily_active,
        [
            (day(DAY0), 1),
            (day(DAY0 + DAY), 1),
            (day(DAY0 + 2 * DAY), 1)
        ]
    );
    let total: u64 = rows.day_type_counts.iter().map(|(_, _, n)| n).sum();
    assert_eq!(total, events);
    let user = store.get_user(person).await.expect("user").expect("exists");
    assert_eq!(user.event_count, events);
    assert_eq!(user.first_seen, at(DAY0));
    assert!(!user.anonymous);
    assert_eq!(listed(store).await, [person]);
}

pub async fn an_identify_moves_one_chunk_in_its_batch_and_the_mover_the_rest(t: Reopenable) {
    let store = t.store;
    store.insert_batch(history()).await.expect("write");
    let out = store
        .write(identify("i-1", "anon-1", "u1", DAY0 + HOUR))
        .await
        .expect("write");
    assert_eq!(out.links, [shared::storage::LinkOutcome::Linked]);

    // The batch moved one chunk and left a pending move for the rest, and woke the mover.
    assert_eq!(store.pending_moves().await.expect("pending"), 1);
    assert!(
        store.moves_recorded().notified().now_or_never().is_some(),
        "the mover was woken"
    );
    let everything = with(history_ids(), &["i-1"]);
    assert_eq!(
        journey_set(&store, "u1").await,
        everything,
        "the person's journey includes the events still under the anonymous id"
    );
    assert_eq!(journey_set(&store, "anon-1").await, everything);
    assert_eq!(
        store.journey_types("u1").await.expect("types"),
        ["identify", "page_view", "product_view"]
    );
    assert_one_person_over_three_days(&store, "u1", HISTORY as u64 + 1).await;

    let done = drain(&*store).await.expect("drain");
    let rest = (HISTORY - CHUNK) as u64;
    assert_eq!(
        done,
        Drained {
            chunks: rest.div_ceil(CHUNK as u64),
            events: rest,
            finished: 1,
        },
        "the batch moved exactly one chunk; the mover moved the rest"
    );
    assert_eq!(store.pending_moves().await.expect("pending"), 0);
    assert_eq!(drain(&*store).await.expect("drain"), Drained::default());
    // With no pending move left a journey reads the person's own events only: all moved.
    assert_eq!(journey_set(&store, "u1").await, everything);
    assert_eq!(journey_set(&store, "anon-1").await, everything);
    assert_one_person_over_three_days(&store, "u1", HISTORY as u64 + 1).await;

    // Later events of the anonymous id land on the person directly.
    store
        .insert_batch(vec![anon("a-late", "anon-1", "search", DAY0 + 2 * HOUR)])
        .await
        .expect("write");
    assert_eq!(store.pending_moves().await.expect("pending"), 0);
    assert_eq!(
        journey_set(&store, "u1").await,
        with(everything, &["a-late"])
    );
}

pub async fn a_history_of_one_chunk_moves_inside_its_batch(t: Reopenable) {
    let store = t.store;
    let events: Vec<Event> = (0..CHUNK)
        .map(|i| anon(&format!("a-{i}"), "anon-1", "page_view", DAY0 + i as i64))
        .collect();
    store.insert_batch(events).await.expect("write");
    store
        .write(identify("i-1", "anon-1", "u1", DAY0 + HOUR))
        .await
        .expect("write");
    assert_eq!(store.pending_moves().await.expect("pending"), 0);
    assert!(
        store.moves_recorded().notified().now_or_never().is_none(),
        "nothing to wake the mover for"
    );
    assert_eq!(store.move_chunk().await.expect("chunk"), MoveStep::Idle);
    assert_eq!(journey_set(&store, "u1").await.len(), CHUNK + 1);
}

pub async fn a_mover_stopped_between_chunks_resumes_without_loss_or_double_moves(t: Reopenable) {
    let store = t.store.clone();
    store.insert_batch(history()).await.expect("write");
    store
        .write(identify("i-1", "anon-1", "u1", DAY0 + HOUR))
        .await
        .expect("write");
    let step = store.move_chunk().await.expect("chunk");
    assert_eq!(
        step,
        MoveStep::Moved {
            from: "anon-1".into(),
            to: "u1".into(),
            events: CHUNK as u64,
            finished: false,
        }
    );
    // The process stops here; another one (or a restart) takes over.
    drop(store);
    drop(t.store);
    let restarted = storage::open(&t.settings).await.expect("reopens");
    let second = storage::open(&t.settings).await.expect("opens");
    assert_eq!(restarted.pending_moves().await.expect("pending"), 1);
    // Two movers at once, as on two API instances: every event moves once.
    let (a, b) = tokio::join!(drain(&*restarted), drain(&*second));
    let (a, b) = (a.expect("drain"), b.expect("drain"));
    assert_eq!(a.events + b.events, (HISTORY - 2 * CHUNK) as u64);
    assert_eq!(restarted.pending_moves().await.expect("pending"), 0);
    assert_eq!(
        journey_set(&restarted, "u1").await,
        with(history_ids(), &["i-1"])
    );
    assert_one_person_over_three_days(&restarted, "u1", HISTORY as u64 + 1).await;
}

pub async fn a_merge_chained_during_a_pending_move_ends_on_the_last_person(t: Reopenable) {
    let store = t.store;
    store.insert_batch(history()).await.expect("write");
    store
        .write(identify("i-1", "anon-1", "u1", DAY0 + HOUR))
        .await
        .expect("write");
    assert_eq!(store.pending_moves().await.expect("pending"), 1);
    // u1 now holds one chunk of the history and its identify: more than a chunk, so the
    // alias leaves a pending move of its own.
    store
        .write(identify("i-2", "u1", "u2", DAY0 + 2 * HOUR))
        .await
        .expect("write");
    assert_eq!(store.pending_moves().await.expect("pending"), 2);
    let everything = with(history_ids(), &["i-1", "i-2"]);
    for id in ["u2", "u1", "anon-1"] {
        assert_eq!(journey_set(&store, id).await, everything, "journey of {id}");
    }
    assert_one_person_over_three_days(&store, "u2", HISTORY as u64 + 2).await;

    let done = drain(&*store).await.expect("drain");
    assert_eq!(done.finished, 2);
    assert_eq!(store.pending_moves().await.expect("pending"), 0);
    // With no pending move left, a journey reads the person's own events only: every
    // event is stored under u2 now.
    for id in ["u2", "u1", "anon-1"] {
        assert_eq!(journey_set(&store, id).await, everything, "journey of {id}");
    }
    assert_one_person_over_three_days(&store, "u2", HISTORY as u64 + 2).await;
}

pub async fn the_background_mover_finishes_what_a_batch_left(t: Reopenable) {
    let store = t.store;
    store.insert_batch(history()).await.expect("write");
    let mover = Mover::spawn(store.clone());
    let mut passes = mover.passes();
    store
        .write(identify("i-1", "anon-1", "u1", DAY0 + HOUR))
        .await
        .expect("write");
    // The batch woke the mover; wait for a pass that leaves nothing pending (the timeout
    // only turns a mover that never runs into a failure instead of a hang).
    let drained = async {
        loop {
            passes.changed().await.expect("the mover runs");
            if store.pending_moves().await.expect("pending") == 0 {
                break;
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), drained)
        .await
        .expect("the mover drained the pending move");
    mover.shutdown().await;
    assert_eq!(
        drain(&*store).await.expect("drain"),
        Drained::default(),
        "nothing left for an explicit drain"
    );
    assert_eq!(
        journey_set(&store, "u1").await,
        with(history_ids(), &["i-1"])
    );
}

macro_rules! moves_suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::sqlite_small_chunks().await).await;
                }
            )*
        }
        mod mongodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(t) = super::mongodb_small_chunks().await else { return };
                    super::$case(t).await;
                }
            )*
        }
    };
}

moves_suite!(
    an_identify_moves_one_chunk_in_its_batch_and_the_mover_the_rest,
    a_history_of_one_chunk_moves_inside_its_batch,
    a_mover_stopped_between_chunks_resumes_without_loss_or_double_moves,
    a_merge_chained_during_a_pending_move_ends_on_the_last_person,
    the_background_mover_finishes_what_a_batch_left,
);
