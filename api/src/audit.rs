//! The audit trail every change writes, shared by the routes that make changes.

use serde_json::Value;
use shared::storage::AuditEntry;

use crate::error::ApiError;
use crate::state::AppState;

/// Appends an audit entry for an action `actor` (an account id, or `cli`) took.
pub async fn record(
    state: &AppState,
    actor: &str,
    action: &str,
    target: &str,
    details: Value,
) -> Result<(), ApiError> {
    state
        .audit()
        .append_audit(&AuditEntry {
            id: uuid::Uuid::now_v7().to_string(),
            at: state.clock.now(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            details,
        })
        .await?;
    tracing::info!(actor, action, target, "Audited.");
    Ok(())
}
