//! Retention state on MongoDB: `retention_days` (one document per person, kind and UTC
//! day: `{_id, p, k, d, first, last}`) and `retention_firsts` (one per person and kind:
//! `{_id, p, k, first}`), written with each batch by `$min`/`$max` upserts (see `write`).
//! Shard key for both: `p` (a person's documents stay together; the `_id`s begin with it).

use super::*;
use crate::storage::retention::{
    Activity, DayMark, FirstMark, Member, RetentionQuery, RetentionRows, RetentionStore,
};

pub(super) const RETENTION_DAYS: &str = "retention_days";
pub(super) const RETENTION_FIRSTS: &str = "retention_firsts";

/// Members' activity is read this many people per query.
const MEMBERS_PER_QUERY: usize = 1000;

/// A day mark's `_id`: profile, kind and day joined by newlines, which no profile id or
/// event type may contain.
pub(super) fn day_id(profile: &str, kind: &str, day: i64) -> String {
    format!("{profile}\n{kind}\n{day}")
}

/// A first mark's `_id`.
pub(super) fn first_id(profile: &str, kind: &str) -> String {
    format!("{profile}\n{kind}")
}

pub(super) fn indexes() -> Vec<(&'static str, IndexModel)> {
    vec![
        // Members' activity by person and kind in a range of days; merges find by person.
        (
            RETENTION_DAYS,
            IndexModel::builder()
                .keys(doc! { "p": 1, "k": 1, "d": 1 })
                .build(),
        ),
        // Cohorts: the people whose first event of a kind is in a range.
        (
            RETENTION_FIRSTS,
            IndexModel::builder()
                .keys(doc! { "k": 1, "first": 1 })
                .build(),
        ),
        (
            RETENTION_FIRSTS,
            IndexModel::builder().keys(doc! { "p": 1 }).build(),
        ),
    ]
}

fn req_i64(d: &Document, key: &str) -> Result<i64, String> {
    match d.get(key) {
        Some(Bson::Int64(n)) => Ok(*n),
        Some(Bson::Int32(n)) => Ok(i64::from(*n)),
        _ => Err(format!("field {key} is not an integer")),
    }
}

pub(super) fn day_mark(d: &Document) -> Result<DayMark, StoreError> {
    (|| {
        Ok::<_, String>(DayMark {
            profile: req_str(d, "p")?.to_owned(),
            kind: req_str(d, "k")?.to_owned(),
            day: req_i64(d, "d")?,
            first: req_time(d, "first")?,
            last: req_time(d, "last")?,
        })
    })()
    .map_err(|why| malformed("retention day", d, &why))
}

pub(super) fn first_mark(d: &Document) -> Result<FirstMark, StoreError> {
    (|| {
        Ok::<_, String>(FirstMark {
            profile: req_str(d, "p")?.to_owned(),
            kind: req_str(d, "k")?.to_owned(),
            first: req_time(d, "first")?,
        })
    })()
    .map_err(|why| malformed("retention first", d, &why))
}

async fn all(
    coll: &Collection<Document>,
    filter: Document,
    projection: Document,
) -> Result<Vec<Document>, StoreError> {
    coll.find(filter)
        .projection(projection)
        .await
        .map_err(|e| driver_error(&e))?
        .try_collect()
        .await
        .map_err(|e| driver_error(&e))
}

#[async_trait]
impl RetentionStore for MongoStore {
    async fn retention_rows(&self, q: &RetentionQuery) -> Result<RetentionRows, StoreError> {
        let members = self.retention_members(q).await?;
        let days = self.db.collection::<Document>(RETENTION_DAYS);
        let mut activity = Vec::new();
        for chunk in members.chunks(MEMBERS_PER_QUERY) {
            let ids: Vec<&str> = chunk.iter().map(|m| m.profile.as_str()).collect();
            for d in all(
                &days,
                doc! {
                    "p": { "$in": ids },
                    "k": &q.returning_kind,
                    "d": { "$gte": q.from_day, "$lte": q.to_day },
                },
                doc! { "p": 1, "k": 1, "d": 1, "first": 1, "last": 1 },
            )
            .await?
            {
                let m = day_mark(&d)?;
                activity.push(Activity {
                    profile: m.profile,
                    first: m.first,
                    last: m.last,
                });
            }
        }
        Ok(RetentionRows { members, activity })
    }

    async fn retention_members(&self, q: &RetentionQuery) -> Result<Vec<Member>, StoreError> {
        let firsts = self.db.collection::<Document>(RETENTION_FIRSTS);
        all(
            &firsts,
            doc! {
                "k": &q.cohort_kind,
                "first": { "$gte": bson_time(q.from), "$lt": bson_time(q.to) },
            },
            doc! { "p": 1, "k": 1, "first": 1 },
        )
        .await?
        .iter()
        .map(|d| {
            first_mark(d).map(|f| Member {
                profile: f.profile,
                first: f.first,
            })
        })
        .collect()
    }
}
