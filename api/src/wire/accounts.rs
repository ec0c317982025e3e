//! Members, write keys and the audit log on the wire.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::storage::{AuditEntry, Role, WriteKey, WriteKeyKind};
use utoipa::ToSchema;

pub use crate::auth::Member;

/// A write key as listed (never its secret).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WriteKeyInfo {
    pub id: String,
    pub source: String,
    /// `browser` keys (public) may not merge identified ids; `server` keys may. Keys made
    /// before kinds existed are `server` keys.
    pub kind: WriteKeyKind,
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
            kind: k.kind,
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

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateMember {
    pub email: String,
    pub display_name: Option<String>,
    pub role: Role,
    /// Initial password; share it with the member out of band.
    ///
    /// At least 12 characters (`auth.min_password_chars`), not blank, and not easy to guess:
    /// a strength estimator (zxcvbn, score 3 or more) refuses common passwords, dictionary
    /// words, keyboard patterns, repeats and the member's own email or name (400
    /// `weak_password`). A few unrelated words make a strong one.
    #[schema(value_type = String, format = Password, min_length = 12)]
    pub password: SecretString,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMember {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// 1 to 100 characters once leading and trailing spaces are trimmed.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub display_name: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ResetPassword {
    /// At least 12 characters (`auth.min_password_chars`), not blank, and not easy to guess:
    /// a strength estimator (zxcvbn, score 3 or more) refuses common passwords, dictionary
    /// words, keyboard patterns, repeats and the member's own email or name (400
    /// `weak_password`). A few unrelated words make a strong one.
    #[schema(value_type = String, format = Password, min_length = 12)]
    pub password: SecretString,
}

#[derive(Deserialize, ToSchema)]
pub struct CreateWriteKey {
    /// Name of the sending source (web shop, app, server), recorded on its events.
    /// 1 to 100 letters, digits, spaces and `_ - . :` (leading and trailing spaces are
    /// trimmed).
    #[schema(
        example = "web-shop",
        min_length = 1,
        max_length = 100,
        pattern = r"^[A-Za-z0-9 _.:-]*[A-Za-z0-9_.:-][A-Za-z0-9 _.:-]*$"
    )]
    pub source: String,
    /// `browser` (the default) for keys in public pages and apps: they may only link
    /// anonymous ids to a user. `server` for keys kept secret on a back end: they may also
    /// `alias` one identified id into another.
    #[serde(default)]
    pub kind: WriteKeyKind,
}
