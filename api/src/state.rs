//! The one state value every handler receives.

use std::sync::Arc;

use shared::batcher::Batcher;
use shared::clock::Clock;
use shared::ingest::Pipeline;
use shared::jobs::object_store::ObjectStore;
use shared::settings::Settings;
use shared::storage::{
    AccountStore, AuditStore, EventStore, IdentityStore, JobStore, PrivacyStore, RollupStore,
    SavedFunnelStore, Store, UserStore, WriteKeyStore,
};

use crate::auth::throttle::SignInThrottle;
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
    /// Wrong passwords per account, for the sign-in backoff.
    pub sign_in: Arc<SignInThrottle>,
    /// Live streams this instance may still open (`live.max_streams`).
    pub live_streams: Arc<tokio::sync::Semaphore>,
    /// This instance's in-memory visit index for reports (`reports.index_days = 0`: none).
    pub report_index: Option<Arc<shared::reports::index::VisitIndex>>,
    /// The operator's GeoIP database (`ingest.geoip_database`), read once at start.
    pub geoip: Option<Arc<shared::enrich::geoip::GeoIp>>,
    /// Segments resolved in the last few seconds (`shared::segments::MEMBERS_TTL`).
    pub segment_members: Arc<shared::segments::MembersCache>,
    /// The ingestion pipeline, made once (it runs the suppression reads' task).
    pub pipeline: Pipeline,
}

/// Each handler reaches the store through the one narrow trait it needs.
impl AppState {
    pub fn events(&self) -> &dyn EventStore {
        &*self.store
    }
    pub fn users(&self) -> &dyn UserStore {
        &*self.store
    }
    pub fn rollups(&self) -> &dyn RollupStore {
        &*self.store
    }
    pub fn visits(&self) -> &dyn shared::storage::VisitStore {
        &*self.store
    }
    pub fn identities(&self) -> &dyn IdentityStore {
        &*self.store
    }
    pub fn saved_funnels(&self) -> &dyn SavedFunnelStore {
        &*self.store
    }
    pub fn retention(&self) -> &dyn shared::storage::RetentionStore {
        &*self.store
    }
    pub fn accounts(&self) -> &dyn AccountStore {
        &*self.store
    }
    pub fn write_keys(&self) -> &dyn WriteKeyStore {
        &*self.store
    }
    pub fn audit(&self) -> &dyn AuditStore {
        &*self.store
    }
    pub fn jobs(&self) -> &dyn JobStore {
        &*self.store
    }
    pub fn privacy(&self) -> &dyn PrivacyStore {
        &*self.store
    }
    pub fn segments(&self) -> &dyn shared::storage::SegmentStore {
        &*self.store
    }

    /// The ingestion pipeline every ingestion route submits to (a handle on the batcher).
    pub fn pipeline(&self) -> Pipeline {
        self.pipeline.clone()
    }
}
