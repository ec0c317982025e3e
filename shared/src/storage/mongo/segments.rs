//! Saved segments on MongoDB: `segments`, one document per segment
//! `{_id, name, conditions (the shared JSON text), created_at, updated_at}`; unsharded (a
//! shop keeps tens). Also the every-profile read that resolving a segment needs.

use super::*;
use crate::segments::Segment;
use crate::storage::segments::{SegmentStore, conditions_from_json, conditions_json};

pub(super) const SEGMENTS: &str = "segments";

fn segment_from_doc(d: &Document) -> Result<Segment, StoreError> {
    let decode = || -> Result<(Segment, String), String> {
        Ok((
            Segment {
                id: req_str(d, "_id")?.to_owned(),
                name: req_str(d, "name")?.to_owned(),
                conditions: Vec::new(),
                created_at: req_time(d, "created_at")?,
                updated_at: req_time(d, "updated_at")?,
            },
            req_str(d, "conditions")?.to_owned(),
        ))
    };
    let (mut s, text) = decode().map_err(|why| malformed("segment", d, &why))?;
    s.conditions = conditions_from_json(&s.id, &text)?;
    Ok(s)
}

impl MongoStore {
    fn segments(&self) -> Collection<Document> {
        self.db.collection::<Document>(SEGMENTS)
    }
}

#[async_trait]
impl SegmentStore for MongoStore {
    async fn create_segment(&self, s: &Segment) -> Result<(), StoreError> {
        self.segments()
            .insert_one(doc! {
                "_id": &s.id,
                "name": &s.name,
                "conditions": conditions_json(s),
                "created_at": bson_time(s.created_at),
                "updated_at": bson_time(s.updated_at),
            })
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(())
    }

    async fn list_segments(&self) -> Result<Vec<Segment>, StoreError> {
        let docs: Vec<Document> = self
            .segments()
            .find(doc! {})
            .sort(doc! { "created_at": -1, "_id": -1 })
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        docs.iter().map(segment_from_doc).collect()
    }

    async fn get_segment(&self, id: &str) -> Result<Option<Segment>, StoreError> {
        self.segments()
            .find_one(doc! { "_id": id })
            .await
            .map_err(|e| driver_error(&e))?
            .as_ref()
            .map(segment_from_doc)
            .transpose()
    }

    async fn update_segment(&self, s: &Segment) -> Result<bool, StoreError> {
        let r = self
            .segments()
            .update_one(
                doc! { "_id": &s.id },
                doc! { "$set": {
                    "name": &s.name,
                    "conditions": conditions_json(s),
                    "updated_at": bson_time(s.updated_at),
                } },
            )
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(r.matched_count > 0)
    }

    async fn delete_segment(&self, id: &str) -> Result<bool, StoreError> {
        let r = self
            .segments()
            .delete_one(doc! { "_id": id })
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(r.deleted_count > 0)
    }

    async fn member_profiles(
        &self,
        members: std::sync::Arc<crate::segments::Members>,
    ) -> Result<Vec<UserProfile>, StoreError> {
        let mut cursor = self
            .users
            .find(doc! {})
            .projection(doc! { "search": 0 })
            .await
            .map_err(|e| driver_error(&e))?;
        let mut out = Vec::with_capacity(members.len());
        while let Some(d) = cursor.try_next().await.map_err(|e| driver_error(&e))? {
            if d.get_str("_id").is_ok_and(|id| members.contains(id)) {
                out.push(user_from_doc(&d)?);
            }
        }
        Ok(out)
    }

    async fn all_profiles(&self) -> Result<Vec<UserProfile>, StoreError> {
        let docs: Vec<Document> = self
            .users
            .find(doc! {})
            .projection(doc! { "search": 0 })
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        docs.iter().map(user_from_doc).collect()
    }
}
