//! Wire types: what the API sends and accepts, separate from what the store keeps. One
//! convention for all of them (camelCase; the Segment endpoints keep Segment's shapes) and
//! one page envelope, [`Page`]. Each type is built from its storage or domain type with
//! `From`/`TryFrom`, so a storage change never silently changes the API.

pub mod accounts;
pub mod analytics;
pub mod funnels;
pub mod jobs;
pub mod users;

use serde::Serialize;
use utoipa::ToSchema;

use crate::query::encode_cursor;

/// The one envelope of every listing.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page (and always null for
    /// listings that fit on one page).
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    /// A page whose next position is encoded as an opaque cursor.
    pub fn new<C: Serialize>(items: Vec<T>, next: Option<&C>) -> Self {
        Self {
            items,
            next_cursor: next.map(encode_cursor),
        }
    }

    /// A listing that always fits on one page.
    pub fn whole(items: Vec<T>) -> Self {
        Self {
            items,
            next_cursor: None,
        }
    }
}
