//! Console accounts, their sessions, ingestion write keys and the audit log: the records
//! behind authentication and authorization, stored by every engine alike.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{Page, StoreError};

/// What a console member may do; each role includes the ones below it
/// (`viewer < analyst < admin`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads dashboards, users and journeys.
    Viewer,
    /// Also creates and runs exports and imports.
    Analyst,
    /// Also manages members, write keys and settings, and reads the audit log.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "analyst" => Ok(Role::Analyst),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "role {other:?} is not one of viewer, analyst, admin"
            )),
        }
    }
}

/// An email address, trimmed and lower-cased so uniqueness is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && !domain.is_empty() && !domain.contains('@')
            })
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if valid {
            Ok(Self(email))
        } else {
            Err("email must look like name@example.com".to_owned())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A console member.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// UUIDv7.
    pub id: String,
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    /// Argon2id PHC string; never leaves the server.
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub disabled: bool,
}

/// A stored tower-sessions record: opaque data and when it stops being valid.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub id: String,
    pub data: Vec<u8>,
    pub expires_at: DateTime<Utc>,
}

/// What a write key may do. A `browser` key ships inside public pages, so anyone can read
/// it: it may link anonymous ids to a user id, but never merge an identified id into
/// another (see [`crate::identity::LinkRight`]). A `server` key is kept secret by its owner
/// and may make any link. Keys made before kinds existed are `server` keys: they keep
/// doing what they did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WriteKeyKind {
    /// Public (web pages, apps): links from anonymous ids only.
    #[default]
    Browser,
    /// Secret (back ends, imports): any link, `alias` of identified ids included.
    Server,
}

impl WriteKeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WriteKeyKind::Browser => "browser",
            WriteKeyKind::Server => "server",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "browser" => Ok(WriteKeyKind::Browser),
            "server" => Ok(WriteKeyKind::Server),
            other => Err(format!("unknown write key kind {other:?}")),
        }
    }

    /// The links events sent with a key of this kind may make.
    pub fn link_right(self) -> crate::identity::LinkRight {
        match self {
            WriteKeyKind::Browser => crate::identity::LinkRight::AnonymousOnly,
            WriteKeyKind::Server => crate::identity::LinkRight::Any,
        }
    }
}

/// An ingestion write key. Only the SHA-256 of the secret is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteKey {
    /// UUIDv7.
    pub id: String,
    pub kind: WriteKeyKind,
    /// The named source the key belongs to (recorded on every event it sends).
    pub source: String,
    /// Lower-case hex SHA-256 of the secret.
    pub key_hash: String,
    /// The first characters of the secret, so people can tell keys apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One audit log entry: who did what to whom, when.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// UUIDv7.
    pub id: String,
    pub at: DateTime<Utc>,
    /// Account id of the member who acted, or `cli` for the command line.
    pub actor: String,
    /// Dotted verb, e.g. `member.create`, `write_key.revoke`.
    pub action: String,
    /// Id of what was acted on.
    pub target: String,
    pub details: Value,
}

/// Position after the last entry of an audit page: entries strictly older follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCursor {
    /// `at` in milliseconds since the epoch.
    pub t: i64,
    pub id: String,
}

/// What [`AccountStore::update_account`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountUpdate {
    Updated,
    /// No account has that id.
    NotFound,
    /// The change would have left no active admin; nothing changed.
    LastAdmin,
}

/// Console accounts. Emails are unique (they are stored normalised by [`Email::parse`]).
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Stores a new account; [`StoreError::Conflict`] when the email is taken.
    async fn create_account(&self, account: &Account) -> Result<(), StoreError>;
    async fn account_by_id(&self, id: &str) -> Result<Option<Account>, StoreError>;
    async fn account_by_email(&self, email: &Email) -> Result<Option<Account>, StoreError>;
    /// Every account, by email.
    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError>;
    /// Replaces display name, role, password hash and disabled flag of the account with
    /// `account.id`. A change that would leave no active admin is refused
    /// ([`AccountUpdate::LastAdmin`]), checked and written atomically: two admins demoting
    /// each other at the same moment cannot both succeed.
    async fn update_account(&self, account: &Account) -> Result<AccountUpdate, StoreError>;
    async fn record_login(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Accounts with the admin role that are not disabled.
    async fn count_active_admins(&self) -> Result<u64, StoreError>;
}

/// Server-side session records (tower-sessions), shared by every API process.
#[async_trait]
pub trait SessionRecordStore: Send + Sync {
    /// Stores a new record; false (and nothing written) when the id is taken.
    async fn create_session(&self, record: &SessionRecord) -> Result<bool, StoreError>;
    /// Inserts or replaces the record.
    async fn save_session(&self, record: &SessionRecord) -> Result<(), StoreError>;
    /// The record, unless missing or expired at `now`.
    async fn load_session(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, StoreError>;
    async fn delete_session(&self, id: &str) -> Result<(), StoreError>;
    /// Removes records expired at `now`; returns how many.
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// Ingestion write keys.
#[async_trait]
pub trait WriteKeyStore: Send + Sync {
    async fn create_write_key(&self, key: &WriteKey) -> Result<(), StoreError>;
    async fn write_key_by_hash(&self, key_hash: &str) -> Result<Option<WriteKey>, StoreError>;
    async fn write_key_by_id(&self, id: &str) -> Result<Option<WriteKey>, StoreError>;
    /// Every key, newest first.
    async fn list_write_keys(&self) -> Result<Vec<WriteKey>, StoreError>;
    /// Marks the key revoked at `at` (a revoked key keeps its first revocation time);
    /// false when there is no such key.
    async fn revoke_write_key(&self, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Records a use; callers throttle this (not per request).
    async fn touch_write_key(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
}

/// The append-only audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// Entries newest first (by time, then id).
    async fn audit_page(
        &self,
        limit: usize,
        after: Option<&AuditCursor>,
    ) -> Result<Page<AuditEntry, AuditCursor>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_parse() {
        assert!(Role::Viewer < Role::Analyst && Role::Analyst < Role::Admin);
        for r in [Role::Viewer, Role::Analyst, Role::Admin] {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").expect("valid").as_str(),
            "ada@example.com"
        );
        for bad in ["", "ada", "@x", "a@", "a b@c", "a@b@c"] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }
}
