//! Funnels: conversion through 2–5 ordered steps within a window, computed by
//! [`shared::funnels`] from the visits' trails; and saved funnels.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde_json::json;
use shared::event::EventType;
use shared::funnels::{Count, FunnelQuery, MAX_STEPS, MIN_STEPS, Step};
use shared::reports::{Dimension, Filter};
use shared::storage::SavedFunnel;
use shared::storage::funnels::MAX_SAVED_FUNNELS;

use crate::audit;
use crate::auth::{RequireAnalyst, RequireViewer};
use crate::error::{ApiError, ErrorBody};
use crate::extract::body;
use crate::query::DayRange;
use crate::state::AppState;
use crate::wire::Page;
use crate::wire::funnels::{
    Funnel, FunnelCount, FunnelRequest, FunnelStepInput, SaveFunnel, SavedFunnelInfo,
};

/// Default conversion window: one day.
pub const DEFAULT_WINDOW_SECONDS: i64 = 86_400;
/// Longest conversion window: 90 days.
pub const MAX_WINDOW_SECONDS: i64 = 90 * 86_400;
/// Longest name of a saved funnel, in characters.
const MAX_NAME_CHARS: usize = 200;

/// Event properties a step may filter on, and the dimensions they stand for.
const PROPERTIES: [(&str, &str); 3] = [
    ("sku", "product"),
    ("path", "page"),
    ("category", "productCategory"),
];

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_funnel", message)
}

/// A step filter: a report filter, or `property.<name>` of one of [`PROPERTIES`].
fn step_filter(text: &str) -> Result<Filter, ApiError> {
    let text = match text.strip_prefix("property.") {
        None => text.to_owned(),
        Some(rest) => {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let (name, tail) = rest.split_at(end);
            let Some((_, dim)) = PROPERTIES.iter().find(|(p, _)| *p == name) else {
                return Err(invalid(format!(
                    "a step cannot filter on property.{name}: the properties funnels keep are \
                     property.sku, property.path and property.category; the dimensions page, \
                     product, productCategory and the visit's channel, utmCampaign, device, \
                     country (and other visit-level report dimensions)"
                )));
            };
            format!("{dim}{tail}")
        }
    };
    Filter::parse(&text).map_err(invalid)
}

/// The funnel a request asks for, checked; `today` fills in the range's defaults.
fn query_of(req: &FunnelRequest, today: NaiveDate) -> Result<FunnelQuery, ApiError> {
    if !(MIN_STEPS..=MAX_STEPS).contains(&req.steps.len()) {
        return Err(invalid(format!(
            "a funnel has {MIN_STEPS} to {MAX_STEPS} steps, not {}",
            req.steps.len()
        )));
    }
    let steps = req
        .steps
        .iter()
        .map(|s| {
            let (event, filters) = match s {
                FunnelStepInput::Type(t) => (t, &[][..]),
                FunnelStepInput::Filtered(f) => (&f.event, &f.filters[..]),
            };
            let event = EventType::parse(event)
                .map_err(invalid)?
                .as_str()
                .to_owned();
            let filters = filters
                .iter()
                .map(|f| step_filter(f))
                .collect::<Result<Vec<_>, _>>()?;
            Step::new(event, filters).map_err(invalid)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let window = req.window_seconds.unwrap_or(DEFAULT_WINDOW_SECONDS);
    if !(1..=MAX_WINDOW_SECONDS).contains(&window) {
        return Err(invalid(format!(
            "windowSeconds must be 1 to {MAX_WINDOW_SECONDS}"
        )));
    }
    let breakdown = req
        .breakdown
        .as_deref()
        .map(|b| {
            let d = Dimension::parse(b).map_err(invalid)?;
            if d.is_event_level() {
                return Err(invalid(format!(
                    "breakdown {b:?} is not a visit-level dimension: a funnel is split by the \
                     visit where each person entered (channel, utmCampaign, device, country, ...)"
                )));
            }
            Ok(d)
        })
        .transpose()?;
    if let Some(step) = req.drop_off
        && step + 1 >= steps.len()
    {
        return Err(invalid(format!(
            "dropOff must be a step before the last (0 to {})",
            steps.len() - 2
        )));
    }
    let range = DayRange::resolve(req.from, req.to, today)?;
    let (from, to) = range.times();
    Ok(FunnelQuery {
        steps,
        from,
        to,
        window_ms: window * 1000,
        breakdown,
        drop_off: req.drop_off,
        count: match req.count {
            Some(FunnelCount::Total) => Count::Total,
            Some(FunnelCount::Unique) | None => Count::Unique,
        },
        people: None,
    })
}

/// People (or attempts) reaching each step in order within the window, with conversion,
/// median time to convert and, on request, a breakdown, a daily trend and the people who
/// dropped off. Computed from the visits kept at write time (the in-memory visit index
/// when it covers the range), never from stored events.
#[utoipa::path(
    post, path = "/v1/funnels", tag = "analytics", security(("session" = [])),
    request_body = FunnelRequest,
    responses(
        (status = 200, body = Funnel),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, description = "No such segment", body = ErrorBody),
    )
)]
pub async fn compute(
    _: RequireViewer,
    State(state): State<AppState>,
    req: Result<Json<FunnelRequest>, JsonRejection>,
) -> Result<Json<Funnel>, ApiError> {
    let req = body(req)?;
    let mut query = query_of(&req, state.clock.now().date_naive())?;
    query.people = crate::segments::members_of_param(&state, req.segment.as_deref()).await?;
    let answer =
        shared::funnels::compute(&*state.store, state.report_index.as_deref(), &query).await?;
    Ok(Json(Funnel::of(answer, &req)))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no such saved funnel".to_owned())
}

fn info(f: SavedFunnel) -> Result<SavedFunnelInfo, ApiError> {
    SavedFunnelInfo::try_from(f)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("a saved funnel cannot be read: {e}")))
}

/// Checks a funnel to save: a name and a definition the funnel route accepts.
fn checked(state: &AppState, req: &SaveFunnel) -> Result<(String, serde_json::Value), ApiError> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(format!(
            "name must be 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    query_of(&req.definition, state.clock.now().date_naive())?;
    let definition = serde_json::to_value(&req.definition)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("cannot encode a funnel: {e}")))?;
    Ok((name.to_owned(), definition))
}

/// Every saved funnel, most recently changed first (one page).
#[utoipa::path(
    get, path = "/v1/funnels/saved", tag = "analytics", security(("session" = [])),
    responses((status = 200, body = Page<SavedFunnelInfo>), (status = 401, body = ErrorBody))
)]
pub async fn list_saved(
    _: RequireViewer,
    State(state): State<AppState>,
) -> Result<Json<Page<SavedFunnelInfo>>, ApiError> {
    let all = state.saved_funnels().saved_funnels().await?;
    Ok(Json(Page::whole(
        all.into_iter().map(info).collect::<Result<_, _>>()?,
    )))
}

/// Save a funnel (analyst or admin).
#[utoipa::path(
    post, path = "/v1/funnels/saved", tag = "analytics", security(("session" = [])),
    request_body = SaveFunnel,
    responses(
        (status = 201, body = SavedFunnelInfo), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
pub async fn create_saved(
    RequireAnalyst(user): RequireAnalyst,
    State(state): State<AppState>,
    req: Result<Json<SaveFunnel>, JsonRejection>,
) -> Result<(StatusCode, Json<SavedFunnelInfo>), ApiError> {
    let req = body(req)?;
    let (name, definition) = checked(&state, &req)?;
    if state.saved_funnels().saved_funnels().await?.len() >= MAX_SAVED_FUNNELS {
        return Err(invalid(format!(
            "a shop keeps at most {MAX_SAVED_FUNNELS} saved funnels; delete one first"
        )));
    }
    let now = state.clock.now();
    let f = SavedFunnel {
        id: uuid::Uuid::now_v7().to_string(),
        name,
        definition,
        created_by: user.account.id.clone(),
        created_at: now,
        updated_at: now,
    };
    state.saved_funnels().create_saved_funnel(&f).await?;
    audit::record(
        &state,
        &user.account.id,
        "funnel.save",
        &f.id,
        json!({"name": f.name}),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(info(f)?)))
}

/// One saved funnel.
#[utoipa::path(
    get, path = "/v1/funnels/saved/{id}", tag = "analytics", security(("session" = [])),
    params(("id" = String, Path, description = "The saved funnel's id")),
    responses(
        (status = 200, body = SavedFunnelInfo), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn get_saved(
    _: RequireViewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SavedFunnelInfo>, ApiError> {
    let f = state
        .saved_funnels()
        .saved_funnel(&id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(info(f)?))
}

/// Replace a saved funnel's name and definition (analyst or admin).
#[utoipa::path(
    put, path = "/v1/funnels/saved/{id}", tag = "analytics", security(("session" = [])),
    params(("id" = String, Path, description = "The saved funnel's id")),
    request_body = SaveFunnel,
    responses(
        (status = 200, body = SavedFunnelInfo), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn update_saved(
    RequireAnalyst(user): RequireAnalyst,
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Result<Json<SaveFunnel>, JsonRejection>,
) -> Result<Json<SavedFunnelInfo>, ApiError> {
    let req = body(req)?;
    let (name, definition) = checked(&state, &req)?;
    let mut f = state
        .saved_funnels()
        .saved_funnel(&id)
        .await?
        .ok_or_else(not_found)?;
    f.name = name;
    f.definition = definition;
    f.updated_at = state.clock.now();
    if !state.saved_funnels().update_saved_funnel(&f).await? {
        return Err(not_found());
    }
    audit::record(
        &state,
        &user.account.id,
        "funnel.update",
        &f.id,
        json!({"name": f.name}),
    )
    .await?;
    Ok(Json(info(f)?))
}

/// Delete a saved funnel (analyst or admin).
#[utoipa::path(
    delete, path = "/v1/funnels/saved/{id}", tag = "analytics", security(("session" = [])),
    params(("id" = String, Path, description = "The saved funnel's id")),
    responses(
        (status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn delete_saved(
    RequireAnalyst(user): RequireAnalyst,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if !state.saved_funnels().delete_saved_funnel(&id).await? {
        return Err(not_found());
    }
    audit::record(&state, &user.account.id, "funnel.delete", &id, json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_filters_map_to_dimensions_and_others_are_refused() {
        let f = step_filter("property.sku:SKU-1").expect("sku");
        assert_eq!(f.dimension, Dimension::Product);
        assert_eq!(f.value, "SKU-1");
        let f = step_filter("property.path~/shoes").expect("path");
        assert_eq!(f.dimension, Dimension::Page);
        assert!(step_filter("property.color:red").is_err());
        assert!(step_filter("channel:search").is_ok());
    }
}
