//! Retention rows on SQLite: the cohort members from `retention_firsts` (by its
//! `(kind, first_at)` index), then their activity from `retention_days` by primary key,
//! the members taken in key order so that consecutive reads share the B-tree's pages
//! (at 200,000 members, about half the time of reading them in cohort order).

use super::*;
use crate::storage::retention::{Activity, Member, RetentionQuery, RetentionRows, RetentionStore};

#[async_trait]
impl RetentionStore for SqliteStore {
    async fn retention_rows(&self, q: &RetentionQuery) -> Result<RetentionRows, StoreError> {
        let q = q.clone();
        self.with_conn(move |c| {
            let mut members = members(c, &q)?;
            members.sort_unstable_by(|a, b| a.profile.cmp(&b.profile));
            let mut read = c.prepare_cached(
                "SELECT first_at, last_at FROM retention_days
                 WHERE profile_id = ?1 AND kind = ?2 AND day >= ?3 AND day <= ?4",
            )?;
            let mut activity = Vec::new();
            for m in &members {
                let rows = read.query_map(
                    params![m.profile, q.returning_kind, q.from_day, q.to_day],
                    |r| Ok((from_ms(r.get(0)?)?, from_ms(r.get(1)?)?)),
                )?;
                for row in rows {
                    let (first, last) = row?;
                    activity.push(Activity {
                        profile: m.profile.clone(),
                        first,
                        last,
                    });
                }
            }
            Ok(RetentionRows { members, activity })
        })
        .await
    }

    async fn retention_members(&self, q: &RetentionQuery) -> Result<Vec<Member>, StoreError> {
        let q = q.clone();
        self.with_conn(move |c| members(c, &q)).await
    }
}

/// The cohorts' members, from the `(kind, first_at)` index alone (it holds the key).
fn members(c: &Connection, q: &RetentionQuery) -> rusqlite::Result<Vec<Member>> {
    c.prepare_cached(
        "SELECT profile_id, first_at FROM retention_firsts
         WHERE kind = ?1 AND first_at >= ?2 AND first_at < ?3",
    )?
    .query_map(params![q.cohort_kind, ms(q.from), ms(q.to)], |r| {
        Ok(Member {
            profile: r.get(0)?,
            first: from_ms(r.get(1)?)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Migration 0014 builds the state from events already stored: per person (through the
    /// identity links), kind and UTC day, with bots left out.
    #[test]
    fn the_migration_backfills_marks_from_stored_events() {
        let mut c = Connection::open_in_memory().expect("open");
        let backfill = MIGRATIONS
            .iter()
            .position(|m| m.contains("CREATE TABLE retention_days"))
            .expect("migration 0014");
        for m in &MIGRATIONS[..backfill] {
            c.execute_batch(m).expect("earlier migration");
        }
        let day0 = 1_773_100_800_000_i64; // 2026-03-10T00:00:00Z
        let hour = 3_600_000_i64;
        for (id, profile, kind, at, derived) in [
            ("e1", "u1", "page_view", day0 + hour, None),
            ("e2", "u1", "page_view", day0 + 5 * hour, None),
            ("e3", "u1", "purchase", day0 + 26 * hour, None),
            ("e4", "anon-1", "page_view", day0 - 2 * hour, None),
            (
                "e5",
                "crawler",
                "page_view",
                day0,
                Some(r#"{"bot":true,"rules":1}"#),
            ),
        ] {
            c.execute(
                "INSERT INTO events (event_id, profile_id, type, occurred_at, received_at,
                    properties, context, derived) VALUES (?1, ?2, ?3, ?4, ?4, '{}', '{}', ?5)",
                params![id, profile, kind, at, derived],
            )
            .expect("event");
        }
        // A pending move has not reached anon-1's event yet: it is u1's all the same.
        c.execute(
            "INSERT INTO identities (from_id, to_id, linked_at) VALUES ('anon-1', 'u1', 0)",
            [],
        )
        .expect("link");
        let tx = c.transaction().expect("tx");
        tx.execute_batch(MIGRATIONS[backfill])
            .expect("migration 0014");
        tx.commit().expect("commit");

        let days: Vec<(String, String, i64, i64, i64)> = c
            .prepare("SELECT * FROM retention_days ORDER BY profile_id, kind, day")
            .expect("sql")
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("read");
        let d0 = day0 / 86_400_000;
        let u1 = |kind: &str, day: i64, first: i64, last: i64| {
            ("u1".to_owned(), kind.to_owned(), day, first, last)
        };
        assert_eq!(
            days,
            [
                u1("", d0 - 1, day0 - 2 * hour, day0 - 2 * hour),
                u1("", d0, day0 + hour, day0 + 5 * hour),
                u1("", d0 + 1, day0 + 26 * hour, day0 + 26 * hour),
                u1("page_view", d0 - 1, day0 - 2 * hour, day0 - 2 * hour),
                u1("page_view", d0, day0 + hour, day0 + 5 * hour),
                u1("purchase", d0 + 1, day0 + 26 * hour, day0 + 26 * hour),
            ]
        );
        let firsts: Vec<(String, String, i64)> = c
            .prepare("SELECT * FROM retention_firsts ORDER BY profile_id, kind")
            .expect("sql")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("read");
        assert_eq!(
            firsts,
            [
                ("u1".to_owned(), String::new(), day0 - 2 * hour),
                ("u1".to_owned(), "page_view".to_owned(), day0 - 2 * hour),
                ("u1".to_owned(), "purchase".to_owned(), day0 + 26 * hour),
            ]
        );
    }
}
