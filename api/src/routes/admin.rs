//! Administration (admins only): members, write keys and the audit log. Every change
//! writes an audit entry.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;

use crate::extract::Path;
use axum::http::StatusCode;
use secrecy::ExposeSecret as _;
use serde_json::{Value, json};
use shared::storage::{Account, AccountUpdate, AuditCursor, WriteKey};

use crate::audit::record as audit;
use crate::auth::{self, Member, RequireAdmin, passwords, write_keys};
use crate::error::{ApiError, ErrorBody};
use crate::extract::body;
use crate::query::{PageParams, Pagination};
use crate::state::AppState;
use crate::wire::Page;
use crate::wire::accounts::{
    AuditRecord, CreateMember, CreateWriteKey, NewWriteKey, ResetPassword, UpdateMember,
    WriteKeyInfo,
};

async fn member(state: &AppState, id: &str) -> Result<Account, ApiError> {
    state
        .store
        .account_by_id(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no member {id:?}")))
}

/// All members, by email (one page).
#[utoipa::path(
    get, path = "/v1/admin/members", tag = "admin", security(("session" = [])),
    responses((status = 200, body = Page<Member>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody))
)]
pub async fn list_members(
    _: RequireAdmin,
    State(state): State<AppState>,
) -> Result<Json<Page<Member>>, ApiError> {
    let accounts = state.accounts().list_accounts().await?;
    Ok(Json(Page::whole(
        accounts.iter().map(Member::from).collect(),
    )))
}

/// Invite (create) a member with a role and an initial password.
#[utoipa::path(
    post, path = "/v1/admin/members", tag = "admin", security(("session" = [])),
    request_body = CreateMember,
    responses(
        (status = 201, body = Member),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, description = "Email taken", body = ErrorBody),
    )
)]
pub async fn create_member(
    RequireAdmin(admin): RequireAdmin,
    State(state): State<AppState>,
    req: Result<Json<CreateMember>, JsonRejection>,
) -> Result<(StatusCode, Json<Member>), ApiError> {
    let req = body(req)?;
    let account = auth::new_account(
        &req.email,
        req.display_name.as_deref(),
        req.role,
        &req.password,
        state.settings.auth.min_password_chars,
        state.clock.now(),
    )
    .await?;
    state.accounts().create_account(&account).await?;
    audit(
        &state,
        &admin.account.id,
        "member.create",
        &account.id,
        json!({ "email": account.email.as_str(), "role": account.role }),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Member::from(&account))))
}

/// Change a member's role, display name, or disable / re-enable them. A disabled member's
/// sessions stop working at their next request. The last active admin cannot be demoted
/// or disabled.
#[utoipa::path(
    patch, path = "/v1/admin/members/{id}", tag = "admin", security(("session" = [])),
    params(("id" = String, Path, description = "Member id")),
    request_body = UpdateMember,
    responses(
        (status = 200, body = Member), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Would leave no active admin", body = ErrorBody),
    )
)]
pub async fn update_member(
    RequireAdmin(admin): RequireAdmin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Result<Json<UpdateMember>, JsonRejection>,
) -> Result<Json<Member>, ApiError> {
    let req = body(req)?;
    if req.role.is_none() && req.disabled.is_none() && req.display_name.is_none() {
        return Err(ApiError::bad_request(
            "nothing_to_change",
            "give role, disabled or displayName",
        ));
    }
    let mut account = member(&state, &id).await?;
    let mut changes = serde_json::Map::new();
    if let Some(role) = req.role {
        changes.insert("role".into(), json!({ "from": account.role, "to": role }));
        account.role = role;
    }
    if let Some(disabled) = req.disabled {
        changes.insert("disabled".into(), json!(disabled));
        account.disabled = disabled;
    }
    if let Some(name) = &req.display_name {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ApiError::bad_request(
                "invalid_display_name",
                "displayName must be 1 to 100 characters",
            ));
        }
        changes.insert("displayName".into(), json!(name));
        account.display_name = name.to_owned();
    }
    match state.accounts().update_account(&account).await? {
        AccountUpdate::Updated => {}
        AccountUpdate::NotFound => return Err(ApiError::NotFound(format!("no member {id:?}"))),
        AccountUpdate::LastAdmin => {
            return Err(ApiError::Conflict {
                code: "last_admin",
                message: "this is the last active admin".to_owned(),
            });
        }
    }
    audit(
        &state,
        &admin.account.id,
        "member.update",
        &account.id,
        Value::Object(changes),
    )
    .await?;
    Ok(Json(Member::from(&account)))
}

/// Set a member's password.
#[utoipa::path(
    post, path = "/v1/admin/members/{id}/password", tag = "admin", security(("session" = [])),
    params(("id" = String, Path, description = "Member id")),
    request_body = ResetPassword,
    responses(
        (status = 204, description = "Password changed"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
pub async fn reset_password(
    RequireAdmin(admin): RequireAdmin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Result<Json<ResetPassword>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let req = body(req)?;
    let mut account = member(&state, &id).await?;
    passwords::check_strength(
        &req.password,
        state.settings.auth.min_password_chars,
        &[account.email.as_str(), &account.display_name],
    )
    .map_err(|m| ApiError::bad_request("weak_password", m))?;
    account.password_hash = passwords::hash(&req.password)
        .await
        .map_err(ApiError::Internal)?;
    if state.accounts().update_account(&account).await? == AccountUpdate::NotFound {
        return Err(ApiError::NotFound(format!("no member {id:?}")));
    }
    // Every session made with the old password ends now; an admin resetting their own
    // password keeps the session they did it from.
    if account.id == admin.account.id {
        auth::bind_session(&admin.session, &account).await?;
    }
    audit(
        &state,
        &admin.account.id,
        "member.reset_password",
        &account.id,
        json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// All write keys, newest first (one page).
#[utoipa::path(
    get, path = "/v1/admin/write-keys", tag = "admin", security(("session" = [])),
    responses((status = 200, body = Page<WriteKeyInfo>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody))
)]
pub async fn list_write_keys(
    _: RequireAdmin,
    State(state): State<AppState>,
) -> Result<Json<Page<WriteKeyInfo>>, ApiError> {
    let keys = state.write_keys().list_write_keys().await?;
    Ok(Json(Page::whole(
        keys.iter().map(WriteKeyInfo::from).collect(),
    )))
}

/// Create a write key for a named source.
#[utoipa::path(
    post, path = "/v1/admin/write-keys", tag = "admin", security(("session" = [])),
    request_body = CreateWriteKey,
    responses(
        (status = 201, body = NewWriteKey), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
pub async fn create_write_key(
    RequireAdmin(admin): RequireAdmin,
    State(state): State<AppState>,
    req: Result<Json<CreateWriteKey>, JsonRejection>,
) -> Result<(StatusCode, Json<NewWriteKey>), ApiError> {
    let req = body(req)?;
    let (key, secret) =
        write_keys::create(state.write_keys(), &req.source, req.kind, state.clock.now()).await?;
    audit(
        &state,
        &admin.account.id,
        "write_key.create",
        &key.id,
        json!({ "source": key.source, "prefix": key.prefix, "kind": key.kind }),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewWriteKey {
            key: WriteKeyInfo::from(&key),
            secret: secret.expose_secret().to_owned(),
        }),
    ))
}

async fn revoke(state: &AppState, id: &str) -> Result<WriteKey, ApiError> {
    if !state
        .write_keys()
        .revoke_write_key(id, state.clock.now())
        .await?
    {
        return Err(ApiError::NotFound(format!("no write key {id:?}")));
    }
    // This instance stops accepting it at once; others within the cache TTL.
    state.write_keys.forget_all();
    state
        .store
        .write_key_by_id(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no write key {id:?}")))
}

/// Revoke a write key. Every API instance refuses it within `auth.write_key_cache_ttl_ms`.
#[utoipa::path(
    delete, path = "/v1/admin/write-keys/{id}", tag = "admin", security(("session" = [])),
    params(("id" = String, Path, description = "Write key id")),
    responses(
        (status = 204, description = "Revoked"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
pub async fn revoke_write_key(
    RequireAdmin(admin): RequireAdmin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let key = revoke(&state, &id).await?;
    audit(
        &state,
        &admin.account.id,
        "write_key.revoke",
        &key.id,
        json!({ "source": key.source, "prefix": key.prefix }),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace a write key: a new key for the same source and of the same kind, the old one
/// revoked.
#[utoipa::path(
    post, path = "/v1/admin/write-keys/{id}/rotate", tag = "admin", security(("session" = [])),
    params(("id" = String, Path, description = "Write key id")),
    responses(
        (status = 201, body = NewWriteKey), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Already revoked", body = ErrorBody),
    )
)]
pub async fn rotate_write_key(
    RequireAdmin(admin): RequireAdmin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<NewWriteKey>), ApiError> {
    let old = state
        .store
        .write_key_by_id(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no write key {id:?}")))?;
    if old.revoked_at.is_some() {
        return Err(ApiError::Conflict {
            code: "revoked",
            message: "this key is revoked; create a new one".to_owned(),
        });
    }
    let (key, secret) =
        write_keys::create(state.write_keys(), &old.source, old.kind, state.clock.now()).await?;
    revoke(&state, &old.id).await?;
    audit(
        &state,
        &admin.account.id,
        "write_key.rotate",
        &old.id,
        json!({ "source": key.source, "replacement": key.id, "prefix": key.prefix }),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewWriteKey {
            key: WriteKeyInfo::from(&key),
            secret: secret.expose_secret().to_owned(),
        }),
    ))
}

/// The audit log, newest first.
#[utoipa::path(
    get, path = "/v1/admin/audit", tag = "admin", security(("session" = [])), params(PageParams),
    responses(
        (status = 200, body = Page<AuditRecord>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
pub async fn audit_log(
    _: RequireAdmin,
    State(state): State<AppState>,
    page: Pagination<AuditCursor>,
) -> Result<Json<Page<AuditRecord>>, ApiError> {
    let found = state
        .store
        .audit_page(page.limit, page.after.as_ref())
        .await?;
    Ok(Json(Page::new(
        found.items.into_iter().map(AuditRecord::from).collect(),
        found.next.as_ref(),
    )))
}
