//! Who is calling: console members by session (with capability extractors per role), and
//! ingesting sources by write key. A handler that takes no extractor from here is public.

pub mod passwords;
pub mod sessions;
pub mod throttle;
pub mod write_keys;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::Duration;
use serde::Serialize;
use shared::storage::{Account, Role};
use tower_sessions::Session;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

/// Session keys.
pub const ACCOUNT_ID: &str = "account_id";
/// When the member signed in (ms since the epoch): bounds the session's absolute age.
pub const LOGIN_AT: &str = "login_at";
/// Last time activity renewed the idle expiry (ms since the epoch).
pub const SEEN_AT: &str = "seen_at";
/// A fingerprint of the password the member signed in with: a password change ends every
/// session made with the old one.
pub const CREDENTIAL: &str = "credential";
/// Activity renews a session's idle expiry at most this often, so reads do not write.
const RENEW_EVERY: Duration = Duration::minutes(1);

/// A member as the API shows it (never with the password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_login_at: Option<chrono::DateTime<chrono::Utc>>,
    pub disabled: bool,
}

impl From<&Account> for Member {
    fn from(a: &Account) -> Self {
        Self {
            id: a.id.clone(),
            email: a.email.as_str().to_owned(),
            display_name: a.display_name.clone(),
            role: a.role,
            created_at: a.created_at,
            last_login_at: a.last_login_at,
            disabled: a.disabled,
        }
    }
}

/// The signed-in, enabled member behind the request's session.
pub struct CurrentUser {
    pub account: Account,
    pub session: Session,
}

pub(crate) fn session_error(e: tower_sessions::session::Error) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("session store failed: {e}"))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session =
            parts.extensions.get::<Session>().cloned().ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("no session layer on this route"))
            })?;
        let Some(account_id) = session
            .get::<String>(ACCOUNT_ID)
            .await
            .map_err(session_error)?
        else {
            return Err(ApiError::unauthenticated());
        };
        let now = state.clock.now();
        let login_at = session
            .get::<i64>(LOGIN_AT)
            .await
            .map_err(session_error)?
            .unwrap_or_default();
        let absolute = Duration::seconds(
            i64::try_from(state.settings.auth.session_absolute_timeout_s).unwrap_or(i64::MAX),
        );
        if now.timestamp_millis().saturating_sub(login_at) >= absolute.num_milliseconds() {
            session.flush().await.map_err(session_error)?;
            return Err(ApiError::unauthenticated());
        }
        // Read the account every time: a disabled member or a changed role takes effect on
        // the next request, on every instance.
        let credential = session
            .get::<String>(CREDENTIAL)
            .await
            .map_err(session_error)?;
        let account = match state.accounts().account_by_id(&account_id).await? {
            Some(a) if !a.disabled && credential.as_deref() == Some(&credential_of(&a)) => a,
            _ => {
                session.flush().await.map_err(session_error)?;
                return Err(ApiError::unauthenticated());
            }
        };
        let seen_at = session
            .get::<i64>(SEEN_AT)
            .await
            .map_err(session_error)?
            .unwrap_or_default();
        if now.timestamp_millis().saturating_sub(seen_at) >= RENEW_EVERY.num_milliseconds() {
            // Modifying the session makes the layer save it with a fresh idle expiry.
            session
                .insert(SEEN_AT, now.timestamp_millis())
                .await
                .map_err(session_error)?;
        }
        Ok(Self { account, session })
    }
}

/// What a session remembers of the password it was made with: a short digest of the stored
/// hash (never the hash itself).
pub fn credential_of(account: &Account) -> String {
    use sha2::{Digest as _, Sha256};
    hex::encode(&Sha256::digest(account.password_hash.as_bytes())[..12])
}

/// Binds `session` to `account` as it is now (after sign-in, or after the member changed
/// their own password).
pub async fn bind_session(session: &Session, account: &Account) -> Result<(), ApiError> {
    session
        .insert(CREDENTIAL, credential_of(account))
        .await
        .map_err(session_error)
}

/// Validates and builds a new account (password hashed), not yet stored.
pub async fn new_account(
    email: &str,
    display_name: Option<&str>,
    role: Role,
    password: &secrecy::SecretString,
    min_password_chars: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Account, ApiError> {
    let email = shared::storage::Email::parse(email)
        .map_err(|m| ApiError::bad_request("invalid_email", m))?;
    passwords::check_strength(
        password,
        min_password_chars,
        &[email.as_str(), display_name.unwrap_or_default()],
    )
    .map_err(|m| ApiError::bad_request("weak_password", m))?;
    let display_name = display_name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or_default())
        .chars()
        .take(100)
        .collect();
    Ok(Account {
        id: uuid::Uuid::now_v7().to_string(),
        email,
        display_name,
        role,
        password_hash: passwords::hash(password)
            .await
            .map_err(ApiError::Internal)?,
        created_at: now,
        last_login_at: None,
        disabled: false,
    })
}

/// Whether `role` grants what `needed` guards.
pub fn permits(role: Role, needed: Role) -> bool {
    role >= needed
}

macro_rules! capability {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        pub struct $name(pub CurrentUser);

        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, ApiError> {
                let user = CurrentUser::from_request_parts(parts, state).await?;
                if permits(user.account.role, $role) {
                    Ok(Self(user))
                } else {
                    Err(ApiError::Forbidden(format!(
                        "this needs the {} role",
                        $role.as_str()
                    )))
                }
            }
        }
    };
}

capability!(
    /// Reads dashboards, users and journeys.
    RequireViewer,
    Role::Viewer
);
capability!(
    /// Creates and runs exports and imports (routes arrive with those features).
    RequireAnalyst,
    Role::Analyst
);
capability!(
    /// Manages members, write keys and settings; reads the audit log.
    RequireAdmin,
    Role::Admin
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_includes_the_ones_below_it() {
        use Role::*;
        let table = [
            (Viewer, [true, false, false]),
            (Analyst, [true, true, false]),
            (Admin, [true, true, true]),
        ];
        for (role, expected) in table {
            let got = [Viewer, Analyst, Admin].map(|needed| permits(role, needed));
            assert_eq!(got, expected, "{role:?}");
        }
    }
}
