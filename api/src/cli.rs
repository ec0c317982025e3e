//! Command-line administration on the configured store, for the first admin and for
//! scripts: `api admin create`, `api write-key create` and `api user erase`.

use std::io::BufRead as _;

use anyhow::Context as _;
use chrono::Utc;
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::json;
use shared::settings::Settings;
use shared::storage::{self, AuditEntry, Role, Store, WriteKeyKind};

use crate::auth::{self, write_keys};

/// Actor recorded in the audit log for command-line actions.
const CLI_ACTOR: &str = "cli";

async fn open(settings: &Settings) -> anyhow::Result<std::sync::Arc<dyn Store>> {
    storage::open(settings)
        .await
        .context("Failed to open the store")
}

async fn audit(
    store: &dyn Store,
    action: &str,
    target: &str,
    details: serde_json::Value,
) -> anyhow::Result<()> {
    store
        .append_audit(&AuditEntry {
            id: uuid::Uuid::now_v7().to_string(),
            at: Utc::now(),
            actor: CLI_ACTOR.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            details,
        })
        .await
        .context("Failed to write the audit log")
}

/// Reads a password from the first line of `input` (no trailing newline kept).
pub fn read_password(input: impl std::io::Read) -> anyhow::Result<SecretString> {
    let mut line = String::new();
    std::io::BufReader::new(input)
        .read_line(&mut line)
        .context("Failed to read the password from stdin")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    Ok(SecretString::from(password))
}

/// What `admin create` did.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminCreated {
    /// The new account's id.
    Created(String),
    /// `only_if_no_admin` was set and an active admin exists.
    Skipped,
}

/// Creates a console account. With `only_if_no_admin`, does nothing when an active admin
/// exists already (so start-up scripts can call it every time).
pub async fn create_admin(
    settings: &Settings,
    email: &str,
    role: Role,
    name: Option<&str>,
    password: &SecretString,
    only_if_no_admin: bool,
) -> anyhow::Result<AdminCreated> {
    let store = open(settings).await?;
    if only_if_no_admin && store.count_active_admins().await? > 0 {
        store.close().await;
        return Ok(AdminCreated::Skipped);
    }
    let account = auth::new_account(
        email,
        name,
        role,
        password,
        settings.auth.min_password_chars,
        Utc::now(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    store
        .create_account(&account)
        .await
        .context("Failed to create the account")?;
    audit(
        store.as_ref(),
        "member.create",
        &account.id,
        json!({ "email": account.email.as_str(), "role": account.role }),
    )
    .await?;
    store.close().await;
    Ok(AdminCreated::Created(account.id))
}

/// Creates a write key for `source` and returns its secret.
pub async fn create_write_key(
    settings: &Settings,
    source: &str,
    kind: WriteKeyKind,
) -> anyhow::Result<SecretString> {
    let store = open(settings).await?;
    let (key, secret) = write_keys::create(store.as_ref(), source, kind, Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    audit(
        store.as_ref(),
        "write_key.create",
        &key.id,
        json!({ "source": key.source, "prefix": key.prefix, "kind": key.kind }),
    )
    .await?;
    tracing::info!(key_id = %key.id, source = %key.source, prefix = %write_keys::redacted(&secret), "Created a write key.");
    debug_assert!(!secret.expose_secret().is_empty());
    store.close().await;
    Ok(secret)
}

/// Queues the erasure of the person `id` belongs to (see `shared::privacy`) and returns
/// the job's id: a new job, or the erasure of that person already queued or running.
pub async fn erase_user(settings: &Settings, id: &str, suppress: bool) -> anyhow::Result<String> {
    let store = open(settings).await?;
    let person = store
        .linked_to(id)
        .await
        .context("Failed to read the identity links")?
        .unwrap_or_else(|| id.to_owned());
    let job = shared::privacy::erase_job(
        &shared::privacy::ErasureParams {
            person: person.clone(),
            suppress,
            requested_by: CLI_ACTOR.to_owned(),
        },
        settings.worker.max_attempts,
    )
    .context("Failed to encode the erasure's parameters")?;
    let enqueued = store
        .enqueue(&job, storage::EnqueueMode::UnlessActive, Utc::now())
        .await
        .context("Failed to queue the erasure")?;
    let job_id = enqueued.job().id.clone();
    if matches!(enqueued, storage::Enqueued::Created(_)) {
        audit(
            store.as_ref(),
            "user.erase_requested",
            &person,
            json!({ "jobId": job_id, "requestedId": id, "suppress": suppress }),
        )
        .await?;
    }
    store.close().await;
    Ok(job_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_the_first_line_without_its_newline() {
        let pw = read_password(&b"s3cret pass\r\nignored\n"[..]).expect("read");
        assert_eq!(pw.expose_secret(), "s3cret pass");
        assert_eq!(read_password(&b""[..]).expect("read").expose_secret(), "");
    }
}
