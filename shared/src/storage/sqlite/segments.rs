//! The embedded engine's saved segments and the every-profile read that resolving them needs.

use super::*;
use crate::segments::Segment;
use crate::storage::segments::{SegmentStore, conditions_from_json, conditions_json};

const SEGMENT_COLUMNS: &str = "id, name, conditions, created_at, updated_at";

fn segment_from_row(r: &Row<'_>) -> rusqlite::Result<(Segment, String)> {
    let conditions: String = r.get(2)?;
    Ok((
        Segment {
            id: r.get(0)?,
            name: r.get(1)?,
            conditions: Vec::new(),
            created_at: from_ms(r.get(3)?)?,
            updated_at: from_ms(r.get(4)?)?,
        },
        conditions,
    ))
}

fn decoded((mut s, text): (Segment, String)) -> Result<Segment, StoreError> {
    s.conditions = conditions_from_json(&s.id, &text)?;
    Ok(s)
}

#[async_trait]
impl SegmentStore for SqliteStore {
    async fn create_segment(&self, s: &Segment) -> Result<(), StoreError> {
        let args = (
            s.id.clone(),
            s.name.clone(),
            conditions_json(s),
            ms(s.created_at),
            ms(s.updated_at),
        );
        self.with_conn(move |c| {
            c.prepare_cached(&format!(
                "INSERT INTO segments ({SEGMENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"
            ))?
            .execute(args)
            .map(|_| ())
        })
        .await
    }

    async fn list_segments(&self) -> Result<Vec<Segment>, StoreError> {
        self.with_conn(|c| {
            c.prepare_cached(&format!(
                "SELECT {SEGMENT_COLUMNS} FROM segments ORDER BY created_at DESC, id DESC"
            ))?
            .query_map([], segment_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .await?
        .into_iter()
        .map(decoded)
        .collect()
    }

    async fn get_segment(&self, id: &str) -> Result<Option<Segment>, StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| {
            c.prepare_cached(&format!(
                "SELECT {SEGMENT_COLUMNS} FROM segments WHERE id = ?1"
            ))?
            .query_row([id], segment_from_row)
            .optional()
        })
        .await?
        .map(decoded)
        .transpose()
    }

    async fn update_segment(&self, s: &Segment) -> Result<bool, StoreError> {
        let args = (
            s.id.clone(),
            s.name.clone(),
            conditions_json(s),
            ms(s.updated_at),
        );
        self.with_conn(move |c| {
            c.prepare_cached(
                "UPDATE segments SET name = ?2, conditions = ?3, updated_at = ?4 WHERE id = ?1",
            )?
            .execute(args)
            .map(|n| n > 0)
        })
        .await
    }

    async fn delete_segment(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| {
            c.prepare_cached("DELETE FROM segments WHERE id = ?1")?
                .execute([id])
                .map(|n| n > 0)
        })
        .await
    }

    async fn member_profiles(
        &self,
        members: std::sync::Arc<crate::segments::Members>,
    ) -> Result<Vec<UserProfile>, StoreError> {
        self.with_conn(move |c| {
            let mut stmt = c.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users"))?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::with_capacity(members.len());
            while let Some(r) = rows.next()? {
                // The id alone first: most rows of a small segment are skipped undecoded.
                if members.contains(r.get_ref(0)?.as_str()?) {
                    out.push(user_from_row(r)?);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn all_profiles(&self) -> Result<Vec<UserProfile>, StoreError> {
        self.with_conn(|c| {
            c.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users"))?
                .query_map([], user_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .await
    }
}
