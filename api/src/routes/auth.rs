//! Signing in and out: `POST /v1/auth/login`, `POST /v1/auth/logout`, `GET /v1/auth/session`,
//! and self-service sign-up when `auth.allow_signup` is on.

use axum::Json;
use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use shared::storage::{Account, Email, Role};
use tower_sessions::Session;
use utoipa::ToSchema;

use crate::auth::{self, CurrentUser, Member, passwords};
use crate::error::{ApiError, ErrorBody};
use crate::extract::body;
use crate::state::AppState;
use crate::{audit, limits};

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(example = "ada@example.com")]
    pub email: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

fn invalid_credentials() -> ApiError {
    ApiError::Unauthorized {
        code: "invalid_credentials",
        message: "email or password is incorrect".to_owned(),
    }
}

/// Sign in with email and password.
///
/// Sets the session cookie (a new session id every time). Unknown email, wrong password
/// and disabled account all get the same answer, in about the same time.
#[utoipa::path(
    post, path = "/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = Member),
        (status = 401, description = "Wrong email or password", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address", body = ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    session: Session,
    req: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<Member>, ApiError> {
    let req = body(req)?;
    let email = Email::parse(&req.email);
    // The throttle's key: the account's email, or what was typed when it is not one.
    let who = email.as_ref().map_or_else(
        |_| req.email.trim().to_lowercase().chars().take(320).collect(),
        |e| e.as_str().to_owned(),
    );
    if let Err(wait) = state.sign_in.check(&who, Instant::now()) {
        return Err(ApiError::TooManyRequests {
            retry_after_s: wait.as_secs().max(1),
        });
    }
    let account = match email {
        Ok(email) => state.accounts().account_by_email(&email).await?,
        Err(_) => None,
    };
    let usable = account.filter(|a| !a.disabled);
    let ok = passwords::verify(
        &req.password,
        usable.as_ref().map(|a| a.password_hash.clone()),
    )
    .await;
    let Some(account) = usable.filter(|_| ok) else {
        tracing::info!("Sign-in refused.");
        state.sign_in.failed(&who, Instant::now());
        let ip = limits::client_ip(peer.ip(), &headers, &state.settings.server.trusted_proxies);
        audit::record(
            &state,
            "anonymous",
            "auth.sign_in_failed",
            &who,
            json!({ "ip": ip.to_string() }),
        )
        .await?;
        return Err(invalid_credentials());
    };
    state.sign_in.succeeded(&who);
    let now = state.clock.now();
    // A fresh id at sign-in: an id planted before it (session fixation) is worthless.
    session.cycle_id().await.map_err(auth::session_error)?;
    session
        .insert(auth::ACCOUNT_ID, &account.id)
        .await
        .map_err(auth::session_error)?;
    session
        .insert(auth::LOGIN_AT, now.timestamp_millis())
        .await
        .map_err(auth::session_error)?;
    session
        .insert(auth::SEEN_AT, now.timestamp_millis())
        .await
        .map_err(auth::session_error)?;
    auth::bind_session(&session, &account).await?;
    state.accounts().record_login(&account.id, now).await?;
    tracing::info!(account_id = %account.id, "Signed in.");
    Ok(Json(Member::from(&Account {
        last_login_at: Some(now),
        ..account
    })))
}

/// Sign out: ends the session and clears the cookie. Idempotent.
#[utoipa::path(
    post, path = "/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out"))
)]
pub async fn logout(session: Session) -> Result<StatusCode, ApiError> {
    session.flush().await.map_err(auth::session_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in member.
#[utoipa::path(
    get, path = "/v1/auth/session", tag = "auth",
    security(("session" = [])),
    responses(
        (status = 200, body = Member),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
pub async fn current(user: CurrentUser) -> Json<Member> {
    Json(Member::from(&user.account))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignupRequest {
    pub email: String,
    pub display_name: Option<String>,
    /// At least 12 characters (`auth.min_password_chars`), not blank, and not easy to guess:
    /// a strength estimator (zxcvbn, score 3 or more) refuses common passwords, dictionary
    /// words, keyboard patterns, repeats and the member's own email or name (400
    /// `weak_password`). A few unrelated words make a strong one.
    #[schema(value_type = String, format = Password, min_length = 12)]
    pub password: SecretString,
}

/// Create an account with the viewer role (only when `auth.allow_signup` is on).
#[utoipa::path(
    post, path = "/v1/auth/signup", tag = "auth",
    request_body = SignupRequest,
    responses(
        (status = 201, body = Member),
        (status = 400, body = ErrorBody),
        (status = 403, description = "Sign-up is turned off", body = ErrorBody),
        (status = 409, description = "Email taken", body = ErrorBody),
    )
)]
pub async fn signup(
    State(state): State<AppState>,
    req: Result<Json<SignupRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Member>), ApiError> {
    if !state.settings.auth.allow_signup {
        return Err(ApiError::Forbidden("sign-up is turned off".to_owned()));
    }
    let req = body(req)?;
    let account = auth::new_account(
        &req.email,
        req.display_name.as_deref(),
        Role::Viewer,
        &req.password,
        state.settings.auth.min_password_chars,
        state.clock.now(),
    )
    .await?;
    state.accounts().create_account(&account).await?;
    crate::audit::record(
        &state,
        &account.id,
        "member.signup",
        &account.id,
        serde_json::json!({ "role": account.role }),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Member::from(&account))))
}
