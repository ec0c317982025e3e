//! Retention rows on SQLite: the cohort members from `retention_firsts` (by its
//! `(kind, first_at)` index), then their activity from `retention_days` by primary key.

use super::*;
use crate::storage::retention::{Activity, Member, RetentionQuery, RetentionRows, RetentionStore};

#[async_trait]
impl RetentionStore for SqliteStore {
    async fn retention_rows(&self, q: &RetentionQuery) -> Result<RetentionRows, StoreError> {
        let q = q.clone();
        self.with_conn(move |c| {
            let members: Vec<Member> = c
                .prepare_cached(
                    "SELECT profile_id, first_at FROM retention_firsts
                     WHERE kind = ?1 AND first_at >= ?2 AND first_at < ?3",
                )?
                .query_map(params![q.cohort_kind, ms(q.from), ms(q.to)], |r| {
                    Ok(Member {
                        profile: r.get(0)?,
                        first: from_ms(r.get(1)?)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
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
}
