//! The one state value every handler receives.

use std::sync::Arc;

use shared::batcher::Batcher;
use shared::clock::Clock;
use shared::ingest::Pipeline;
use shared::jobs::object_store::ObjectStore;
use shared::settings::Settings;
use shared::storage::Store;

use crate::auth::write_keys::WriteKeyCache;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Arc<dyn Store>,
    pub batcher: Batcher,
    pub clock: Arc<dyn Clock>,
    /// Write keys verified recently by this process.
    pub write_keys: Arc<WriteKeyCache>,
    /// The export destination, where uploaded import files wait too.
    pub objects: Arc<dyn ObjectStore>,
}

impl AppState {
    /// The ingestion pipeline every ingestion route submits to (a handle on the batcher).
    pub fn pipeline(&self) -> Pipeline {
        Pipeline::new(self.batcher.clone())
    }
}
