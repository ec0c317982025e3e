//! HTTP routes. Each noun module holds its verbs; [`router`] assembles them in groups that
//! differ in who may call them (CORS, sessions, rate limits), with one OpenAPI document
//! generated from their annotations.

pub mod admin;
pub mod attribution;
pub mod auth;
pub mod browser;
pub mod contract;
pub mod events;
pub mod funnels;
pub mod import_schedules;
pub mod jobs;
pub mod live;
pub mod ops;
pub mod reports;
pub mod segment;
pub mod segments;
pub mod stats;
pub mod tracker;
pub mod users;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;
use secrecy::ExposeSecret as _;
use sha2::{Digest as _, Sha512};
use tower::ServiceBuilder;
use tower::util::{Either, MapRequestLayer};
use tower_sessions::cookie::{Key, SameSite};
use tower_sessions::service::SignedCookie;
use tower_sessions::{Expiry, SessionManagerLayer};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::sessions::{COOKIE_NAME, StoreSessions};
use crate::auth::write_keys::PresentedKey;
use crate::limits::{self, By};
use crate::security;
use crate::state::AppState;

/// Largest JSON body of a console (auth or admin) request.
const CONSOLE_BODY_BYTES: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Shoptrail API",
        description = "Event ingestion and analytics for online shops.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "ingestion", description = "Send behaviour events (write key)"),
        (name = "segment", description = "Segment-compatible HTTP Tracking API (write key)"),
        (name = "users", description = "Tracked users and their journeys (viewer); erasure and subject access (admin)"),
        (name = "analytics", description = "KPIs from rollups and funnels (viewer)"),
        (name = "auth", description = "Sign in and out"),
        (name = "admin", description = "Members, write keys and the audit log (admin)"),
        (name = "jobs", description = "Exports, imports and their jobs (analyst)"),
        (name = "operations", description = "Health and metrics"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(COOKIE_NAME))),
        );
        components.add_security_scheme(
            "writeKeyBasic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some("The write key as user name, empty password"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "writeKeyHeader",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Write-Key"))),
        );
    }
}

fn ingestion() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(events::ingest))
        .routes(routes!(segment::track))
        .routes(routes!(segment::identify))
        .routes(routes!(segment::page))
        .routes(routes!(segment::screen))
        .routes(routes!(segment::group))
        .routes(routes!(segment::alias))
        .routes(routes!(segment::batch))
        .routes(routes!(segment::beacon_batch))
        .merge(browser::sdk_config_router())
}

fn sign_in() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::signup))
}

/// The session check the console makes on every load: limited like console reads (per
/// session, else per IP), not like sign-in attempts, so reloads never lock anyone out.
fn session_check() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(auth::current))
}

fn console() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users::list))
        .routes(routes!(users::get, users::erase))
        .routes(routes!(users::export))
        .routes(routes!(users::export_csv))
        .routes(routes!(live::events))
        .routes(routes!(live::stream))
        .routes(routes!(live::visitors))
        .routes(routes!(users::journey))
        .routes(routes!(users::event_types))
        .routes(routes!(stats::get))
        .routes(routes!(reports::timeseries))
        .routes(routes!(reports::breakdown))
        .routes(routes!(reports::retention))
        .routes(routes!(attribution::report))
        .routes(routes!(funnels::compute))
        .routes(routes!(segments::create, segments::list))
        .routes(routes!(segments::get, segments::update, segments::delete))
        .routes(routes!(segments::list_members))
        .routes(routes!(funnels::list_saved, funnels::create_saved))
        .routes(routes!(
            funnels::get_saved,
            funnels::update_saved,
            funnels::delete_saved
        ))
        .routes(routes!(admin::list_members, admin::create_member))
        .routes(routes!(admin::update_member))
        .routes(routes!(admin::reset_password))
        .routes(routes!(admin::list_write_keys, admin::create_write_key))
        .routes(routes!(admin::revoke_write_key))
        .routes(routes!(admin::rotate_write_key))
        .routes(routes!(admin::audit_log))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::get))
        .routes(routes!(jobs::retry))
        .routes(routes!(jobs::cancel))
        .routes(routes!(jobs::create_export))
        .routes(routes!(jobs::export_status))
        .routes(routes!(jobs::create_import))
        .routes(routes!(jobs::upload))
        .routes(routes!(import_schedules::list, import_schedules::create))
        .routes(routes!(import_schedules::delete))
}

fn operations() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
}

/// The routes with their OpenAPI description, before state is attached.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(ingestion())
        .merge(sign_in())
        .merge(session_check())
        .merge(console())
        .merge(operations())
}

/// The OpenAPI document, with the answers every console route can give.
fn document() -> utoipa::openapi::OpenApi {
    let (_, mut api) = documented().split_for_parts();
    contract::ConsoleResponses.modify(&mut api);
    api
}

/// The OpenAPI document as pretty JSON (what `api/openapi.json` holds).
pub fn openapi_json() -> anyhow::Result<String> {
    Ok(document().to_pretty_json()? + "\n")
}

/// Cookie-signing key derived from `auth.session_key` (cookie keys need 64 bytes).
fn cookie_key(secret: &str) -> Key {
    Key::from(&Sha512::digest(secret.as_bytes()))
}

/// The session layer: cookie `HttpOnly`, `SameSite=Lax`, `Secure` unless turned off for
/// local HTTP, idle expiry, signed when a session key is configured.
fn sessions(
    state: &AppState,
) -> Either<SessionManagerLayer<StoreSessions, SignedCookie>, SessionManagerLayer<StoreSessions>> {
    let auth = &state.settings.auth;
    let idle =
        time::Duration::seconds(i64::try_from(auth.session_idle_timeout_s).unwrap_or(i64::MAX));
    let layer = SessionManagerLayer::new(StoreSessions::new(state.store.clone()))
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(auth.cookie_secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle));
    match &auth.session_key {
        Some(key) => Either::Left(layer.with_signed(cookie_key(key.expose_secret()))),
        None => Either::Right(layer),
    }
}

/// A console route group (sign-in, the session check, the console) with its rate limit.
/// Every layer of a group is applied in one `ServiceBuilder`: each `Router::layer` call
/// wraps every route in another boxed service that is cloned, with everything inside it, on
/// every request.
fn console_group(
    router: Router<AppState>,
    limit: Option<limits::Layer>,
    state: &AppState,
) -> Router<AppState> {
    let origins = &state.settings.server.console_origins;
    router.layer(
        ServiceBuilder::new()
            .layer(security::api_csp())
            .option_layer(security::console_cors(origins))
            .layer(DefaultBodyLimit::max(CONSOLE_BODY_BYTES))
            .layer(security::same_origin_writes(origins))
            .layer(security::no_store())
            .option_layer(limit)
            .layer(sessions(state)),
    )
}

/// Reads the write key once, for the rate limiter and the extractor both.
const KEEP_KEY: fn(axum::extract::Request) -> axum::extract::Request = PresentedKey::keep;

/// The API's routes by group, each group's layers applied once (see [`console_group`]).
/// What every route shares (request span and metrics, load shedding, common headers) is
/// `App::router`'s.
pub fn router(state: AppState) -> Router {
    let settings = state.settings.clone();
    let (rates, trusted) = (&settings.rate_limit, &settings.server.trusted_proxies);

    let (mut ingest, _) = ingestion().split_for_parts();
    ingest = ingest.merge(segment::short_paths());
    if settings.server.bench_parse_only_route {
        ingest = ingest.route("/v1/_bench/parse-only", post(events::parse_only));
    }
    let ingest = ingest.layer(
        ServiceBuilder::new()
            .layer(security::api_csp())
            .layer(security::ingestion_preflights())
            .layer(security::ingestion_cors())
            .option_layer(
                limits::layer(
                    By::WriteKey,
                    rates.ingest_per_minute,
                    rates.ingest_burst,
                    trusted,
                )
                .map(|limit| (MapRequestLayer::new(KEEP_KEY), limit)),
            )
            // Compressed bodies are bounded here; decompressed ones again in `body::decode`.
            .layer(DefaultBodyLimit::max(settings.ingest.max_request_bytes)),
    );

    let (sign_in, _) = sign_in().split_for_parts();
    let sign_in = console_group(
        sign_in,
        limits::layer(
            By::ClientIp,
            rates.auth_per_minute,
            rates.auth_burst,
            trusted,
        ),
        &state,
    );
    let (session_check, _) = session_check().split_for_parts();
    let session_check = console_group(
        session_check,
        limits::layer(
            By::Session,
            rates.reads_per_minute,
            rates.reads_burst,
            trusted,
        ),
        &state,
    );
    let (console, _) = console().split_for_parts();
    let console = console_group(
        console,
        limits::layer(
            By::Session,
            rates.reads_per_minute,
            rates.reads_burst,
            trusted,
        ),
        &state,
    );

    let (ops, _) = operations().split_for_parts();
    let ops = ops.layer(security::api_csp());
    let api = document();
    // The tracker script and the demo pages set their own headers (they are not API data).
    let router = ingest
        .merge(sign_in)
        .merge(session_check)
        .merge(console)
        .merge(ops)
        .merge(tracker::router(&settings))
        .merge(browser::bundles(&settings.server.browser_sdk_dir))
        .with_state(state)
        .merge(SwaggerUi::new("/docs").url("/openapi.json", api));
    crate::console::serve(router, &settings.server.console_dir)
}
