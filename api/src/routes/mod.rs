//! HTTP routes. Each noun module holds its verbs; [`router`] assembles them with the
//! OpenAPI document generated from their annotations.

pub mod events;
pub mod ops;
pub mod stats;
pub mod users;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Shoptrail API",
        description = "Event ingestion and analytics for online shops.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    tags(
        (name = "ingestion", description = "Send behaviour events"),
        (name = "users", description = "Tracked users and their journeys"),
        (name = "analytics", description = "KPIs from rollups"),
        (name = "operations", description = "Health and metrics"),
    )
)]
struct ApiDoc;

/// The routes with their OpenAPI description, before state is attached.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(events::ingest))
        .routes(routes!(users::list))
        .routes(routes!(users::get))
        .routes(routes!(users::journey))
        .routes(routes!(stats::get))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
}

/// The OpenAPI document as pretty JSON (what `api/openapi.json` holds).
pub fn openapi_json() -> anyhow::Result<String> {
    let (_, api) = documented().split_for_parts();
    Ok(api.to_pretty_json()? + "\n")
}

pub fn router(state: AppState) -> Router {
    let (router, api) = documented().split_for_parts();
    let mut router = router.merge(SwaggerUi::new("/docs").url("/openapi.json", api));
    if state.settings.server.bench_parse_only_route {
        router = router.route("/v1/_bench/parse-only", post(events::parse_only));
    }
    // Compressed bodies are bounded here; decompressed ones again in `body::decode`.
    router
        .layer(DefaultBodyLimit::max(
            state.settings.ingest.max_request_bytes,
        ))
        .with_state(state)
}
