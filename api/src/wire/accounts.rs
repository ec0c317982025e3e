//! Members, write keys and the audit log on the wire.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use shared::storage::{AuditEntry, WriteKey};
use utoipa::ToSchema;

pub use crate::auth::Member;

/// A write key as listed (never its secret).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WriteKeyInfo {
    pub id: String,
    pub source: String,
    /// The key's first characters.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&WriteKey> for WriteKeyInfo {
    fn from(k: &WriteKey) -> Self {
        Self {
            id: k.id.clone(),
            source: k.source.clone(),
            prefix: k.prefix.clone(),
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// A new key: the secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewWriteKey {
    pub key: WriteKeyInfo,
    /// Send as the HTTP Basic user name (empty password) or as `X-Write-Key`.
    pub secret: String,
}

/// One audit log entry: who did what to whom, when.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// UUIDv7.
    pub id: String,
    pub at: DateTime<Utc>,
    /// Account id of the member who acted, or `cli` for the command line.
    pub actor: String,
    /// Dotted verb, e.g. `member.create`, `write_key.revoke`.
    pub action: String,
    /// Id of what was acted on.
    pub target: String,
    /// What changed (action-specific).
    #[schema(value_type = Object)]
    pub details: Value,
}

impl From<AuditEntry> for AuditRecord {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            at: e.at,
            actor: e.actor,
            action: e.action,
            target: e.target,
            details: e.details,
        }
    }
}
