//! Scheduled import sources' store ([`crate::jobs::schedules`] decides when they run).

use async_trait::async_trait;

use super::StoreError;
use crate::jobs::schedules::ImportSchedule;

/// Most schedules a shop keeps (the worker reads them all every minute).
pub const MAX_IMPORT_SCHEDULES: usize = 100;

#[async_trait]
pub trait ImportScheduleStore: Send + Sync {
    /// Stores a new schedule (its id is new).
    async fn add_import_schedule(&self, schedule: &ImportSchedule) -> Result<(), StoreError>;

    /// Every schedule, oldest first.
    async fn import_schedules(&self) -> Result<Vec<ImportSchedule>, StoreError>;

    /// Removes a schedule; false when there was none with this id.
    async fn delete_import_schedule(&self, id: &str) -> Result<bool, StoreError>;
}
