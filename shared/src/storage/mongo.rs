//! MongoDB engine (being written).

use async_trait::async_trait;
use chrono::NaiveDate;

use super::*;

pub struct MongoStore;

impl MongoStore {
    pub async fn open(_settings: &Settings) -> anyhow::Result<Self> {
        anyhow::bail!("the MongoDB engine is not built yet")
    }
}

#[async_trait]
impl EventStore for MongoStore {
    async fn insert_batch(&self, _events: Vec<Event>) -> Result<Vec<InsertOutcome>, StoreError> {
        Err(StoreError::Internal("unavailable".into()))
    }
    async fn journey(&self, _p: &str, _q: &JourneyQuery) -> Result<Page<Event, JourneyCursor>, StoreError> {
        Err(StoreError::Internal("unavailable".into()))
    }
}
#[async_trait]
impl UserStore for MongoStore {
    async fn list_users(&self, _q: &UserQuery) -> Result<Page<UserProfile, UserCursor>, StoreError> {
        Err(StoreError::Internal("unavailable".into()))
    }
    async fn get_user(&self, _p: &str) -> Result<Option<UserProfile>, StoreError> {
        Err(StoreError::Internal("unavailable".into()))
    }
}
#[async_trait]
impl RollupStore for MongoStore {
    async fn rollups(&self, _f: NaiveDate, _t: NaiveDate) -> Result<RollupRows, StoreError> {
        Err(StoreError::Internal("unavailable".into()))
    }
}
#[async_trait]
impl Store for MongoStore {
    async fn ping(&self) -> Result<(), StoreError> {
        Err(StoreError::Internal("unavailable".into()))
    }
    fn engine(&self) -> &'static str {
        "mongodb"
    }
}
