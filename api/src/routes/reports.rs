//! The reports family: a timeseries and a breakdown of the visits and orders kept at write
//! time, in the shop's time zone and currency, with filters. Computed by
//! `shared::reports`, the same for both engines.

use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use shared::event::EventType;
use shared::reports::compute::{self, Ask, Figs};
use shared::reports::{Dimension, Interval, Metric, Unconverted};
use shared::retention::{self, Spec};
use utoipa::{IntoParams, ToSchema};

use crate::auth::RequireViewer;
use crate::error::{ApiError, ErrorBody};
use crate::query::ReportQuery;
use crate::segments::members_of_param;
use crate::state::AppState;

const DEFAULT_METRICS: &str = "visitors,sessions";
const DEFAULT_ROWS: usize = 10;
const MAX_ROWS: usize = 1000;

/// Query parameters every report takes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Read by hand from the raw query (filter repeats); here for the schema.
pub struct ReportParams {
    /// Comma-separated metrics: visitors, sessions, pageviews, viewsPerSession, bounceRate,
    /// avgSessionSeconds, events, orders, revenue, aov, conversionRate, addToCartRate,
    /// buyers, newBuyers, returningBuyers, quantity, productViews. Default
    /// `visitors,sessions`.
    metrics: Option<String>,
    /// First local day (the shop's time zone), inclusive; default 29 days before `to`.
    from: Option<NaiveDate>,
    /// Last local day, inclusive; default today in the shop's time zone.
    to: Option<NaiveDate>,
    /// Repeatable, all must hold: `dimension:value`, `dimension!=value` or
    /// `dimension~value` (contains, ignoring case). On an event-level dimension (page,
    /// eventType, product, productCategory) a visit passes when one of its values does
    /// (`!=`: when none is the value).
    filter: Option<Vec<String>>,
    /// Only the visits of this saved segment's members (resolved now); 404 when there is
    /// no such segment.
    segment: Option<String>,
}

/// Timeseries parameters (with [`ReportParams`]).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct TimeseriesParams {
    /// `hour`, `day` (default), `week` (by Monday) or `month`.
    interval: Option<String>,
    /// `previous`: also the period of the same length just before.
    compare: Option<String>,
}

/// Breakdown parameters (with [`ReportParams`]).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct BreakdownParams {
    /// channel, referrer, utmSource, utmMedium, utmCampaign, utmContent, utmTerm,
    /// landingPage, page, exitPage, eventType, product, productCategory, country, device,
    /// browser, os or locale. The event-level ones (page, eventType, product,
    /// productCategory) give a visit one row per value it has.
    dimension: String,
    /// Rows, most visits first (default 10, at most 1000).
    limit: Option<usize>,
}

/// Retention parameters; `from`, `to` and `filter` as every report takes them.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct RetentionParams {
    /// First local day (the shop's time zone) of the first cohort's period, inclusive;
    /// default 29 days before `to`. Cohorts are whole periods.
    from: Option<NaiveDate>,
    /// A day of the last cohort's period; default today in the shop's time zone.
    to: Option<NaiveDate>,
    /// `day`, `week` (default; by Monday) or `month`: the cohorts' and the periods' length.
    interval: Option<String>,
    /// Periods followed per cohort, its own included: 1 to 60 (default 8).
    periods: Option<u32>,
    /// Cohorts by the first event of this type; `any` (default): by first seen.
    cohort_event: Option<String>,
    /// Coming back means an event of this type; `any` (default): any event.
    returning: Option<String>,
    /// Repeatable, as in the other reports: a person counts only when one of their
    /// visits in their cohort's period passes every filter.
    filter: Option<Vec<String>>,
    /// Only the members of this saved segment (resolved now) count in the cohorts; 404
    /// when there is no such segment.
    segment: Option<String>,
}

/// One cohort of a retention report.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RetentionCohort {
    /// The cohort's period: `2026-06-01` (day; a week by its Monday) or `2026-06` (month).
    pub cohort: String,
    /// People whose first (chosen) event is in the period.
    pub size: u64,
    /// Per period from the cohort's own (index 0): members who came back in it. Periods
    /// that have not begun are left out.
    pub returning: Vec<u64>,
    /// Per period: the members' order revenue less refunds, in the reporting currency.
    pub revenue: Vec<f64>,
    /// True when the last period listed is still in progress.
    pub partial: bool,
}

/// Cohorts by first (chosen) event and who came back in each later period.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RetentionReport {
    pub time_zone: String,
    /// The reporting currency of `revenue`.
    pub currency: String,
    /// The first day of the first cohort and the last day of the last.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub interval: String,
    pub periods: u32,
    /// `any` or the event type cohorts are made by.
    pub cohort_event: String,
    /// `any` or the event type that counts as coming back.
    pub returning: String,
    /// Every period of the range, earliest first (empty ones with size 0).
    pub cohorts: Vec<RetentionCohort>,
    /// Per period: members who came back ÷ members, over the cohorts that have completed
    /// the period; `null` where none has.
    pub curve: Vec<Option<f64>>,
    #[schema(value_type = Object)]
    pub unconverted: Unconverted,
}

/// Figures per bucket of a range.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimeseriesReport {
    /// The IANA time zone buckets are cut in.
    pub time_zone: String,
    /// The reporting currency of `revenue` and `aov`.
    pub currency: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub interval: String,
    /// `{"t": "<bucket>", "<metric>": value, ...}` per bucket, every bucket present. Buckets:
    /// `2026-06-01T10:00` (hour), `2026-06-01` (day; week by its Monday), `2026-06` (month).
    #[schema(value_type = Vec<Object>)]
    pub points: Vec<Map<String, Value>>,
    /// The same for the previous period, when `compare=previous`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub previous: Option<Vec<Map<String, Value>>>,
    /// Revenue in currencies without a rate, per currency: never summed into `revenue`.
    #[schema(value_type = Object)]
    pub unconverted: Unconverted,
}

/// Figures per value of a dimension.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BreakdownReport {
    pub time_zone: String,
    pub currency: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub dimension: String,
    /// `{"value": "<dimension value>", "<metric>": value, ...}`, most visits first;
    /// `(none)` for visits without a value (an event-level dimension leaves such visits
    /// out of its rows; `productCategory` has `(none)` for products without a category).
    /// `product` rows also carry the catalog's `label` (name) and `category` when the
    /// catalog knows the SKU.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Map<String, Value>>,
    /// The figures of every visit of the range that passes the filters.
    #[schema(value_type = Object)]
    pub total: Map<String, Value>,
    #[schema(value_type = Object)]
    pub unconverted: Unconverted,
}

/// The `metrics` parameter (default [`DEFAULT_METRICS`]).
fn metrics_of(q: &ReportQuery) -> Result<Vec<Metric>, ApiError> {
    Metric::parse_list(q.get("metrics").unwrap_or(DEFAULT_METRICS))
        .map_err(|m| ApiError::bad_request("invalid_metric", m))
}

fn figures_map(figures: Figs) -> Map<String, Value> {
    figures
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

fn labelled(key: &str, label: String, figures: Figs) -> Map<String, Value> {
    let mut row = Map::new();
    row.insert(key.into(), Value::String(label));
    row.extend(figures_map(figures));
    row
}

/// Figures per hour, day, week or month of a range, with an optional comparison period.
#[utoipa::path(
    get, path = "/v1/reports/timeseries", tag = "analytics", operation_id = "get_timeseries",
    params(ReportParams, TimeseriesParams), security(("session" = [])),
    responses(
        (status = 200, body = TimeseriesReport),
        (status = 400, description = "Unknown metric, dimension or interval; bad filter or range", body = ErrorBody),
        (status = 404, description = "No such segment", body = ErrorBody),
        (status = 429, description = "Too many requests; see Retry-After", body = ErrorBody),
    )
)]
pub async fn timeseries(
    _: RequireViewer,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<TimeseriesReport>, ApiError> {
    let p = ReportQuery::read(raw)?;
    let metrics = metrics_of(&p)?;
    let interval = Interval::parse(p.get("interval").unwrap_or("day"))
        .map_err(|m| ApiError::bad_request("invalid_interval", m))?;
    let compare = match p.get("compare") {
        None => false,
        Some("previous") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_compare",
                format!("compare {other:?} must be previous"),
            ));
        }
    };
    let range = p.range(&state)?;
    let rates = state
        .settings
        .shop
        .rates()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
    let index = state.report_index.as_deref();
    let people = members_of_param(&state, p.get("segment")).await?;
    let ask = Ask {
        range,
        metrics: &metrics,
        filters: &p.filters,
        rates: &rates,
        people: people.as_deref(),
    };
    let answer = compute::series(&*state.store, index, ask, interval).await?;
    let mut unconverted = answer.unconverted;
    let points = answer
        .points
        .into_iter()
        .map(|(t, f)| labelled("t", t, f))
        .collect();
    let previous = if compare {
        let before = Ask {
            range: range.previous(),
            ..ask
        };
        let answer = compute::series(&*state.store, index, before, interval).await?;
        compute::merge_unconverted(&mut unconverted, answer.unconverted);
        Some(
            answer
                .points
                .into_iter()
                .map(|(t, f)| labelled("t", t, f))
                .collect(),
        )
    } else {
        None
    };
    Ok(Json(TimeseriesReport {
        time_zone: range.tz.name().to_owned(),
        currency: rates.reporting.to_string(),
        from: range.from,
        to: range.to,
        interval: p.get("interval").unwrap_or("day").to_owned(),
        points,
        previous,
        unconverted,
    }))
}

/// Figures per value of one dimension (channels, sources, campaigns, pages, event types,
/// products, locations, devices), most visits first, with the total.
#[utoipa::path(
    get, path = "/v1/reports/breakdown", tag = "analytics", operation_id = "get_breakdown",
    params(ReportParams, BreakdownParams), security(("session" = [])),
    responses(
        (status = 200, body = BreakdownReport),
        (status = 400, description = "Unknown metric or dimension; bad filter, limit or range", body = ErrorBody),
        (status = 404, description = "No such segment", body = ErrorBody),
        (status = 429, description = "Too many requests; see Retry-After", body = ErrorBody),
    )
)]
pub async fn breakdown(
    _: RequireViewer,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<BreakdownReport>, ApiError> {
    let p = ReportQuery::read(raw)?;
    let metrics = metrics_of(&p)?;
    let dimension = Dimension::parse(
        p.get("dimension")
            .ok_or_else(|| ApiError::bad_request("invalid_dimension", "dimension is required"))?,
    )
    .map_err(|m| ApiError::bad_request("invalid_dimension", m))?;
    let limit = match p.get("limit") {
        None => DEFAULT_ROWS,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_ROWS).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request("invalid_limit", format!("limit must be 1 to {MAX_ROWS}"))
            })?,
    };
    let range = p.range(&state)?;
    let rates = state
        .settings
        .shop
        .rates()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
    let people = members_of_param(&state, p.get("segment")).await?;
    let ask = Ask {
        range,
        metrics: &metrics,
        filters: &p.filters,
        rates: &rates,
        people: people.as_deref(),
    };
    let answer = compute::breakdown(
        &*state.store,
        state.report_index.as_deref(),
        ask,
        dimension,
        limit,
    )
    .await?;
    let mut rows: Vec<Map<String, Value>> = answer
        .rows
        .into_iter()
        .map(|(value, f)| labelled("value", value, f))
        .collect();
    if dimension == Dimension::Product {
        // Read at answer time: a catalog import names past data too.
        let skus: Vec<String> = rows
            .iter()
            .filter_map(|r| r.get("value").and_then(Value::as_str).map(str::to_owned))
            .collect();
        let items = state.store.catalog_items(&skus).await?;
        shared::catalog::label_rows(&mut rows, &items);
    }
    Ok(Json(BreakdownReport {
        time_zone: range.tz.name().to_owned(),
        currency: rates.reporting.to_string(),
        from: range.from,
        to: range.to,
        dimension: dimension.name().to_owned(),
        rows,
        total: figures_map(answer.total),
        unconverted: answer.unconverted,
    }))
}

/// `any` (or absent) for any event, else a valid event type.
fn event_choice(p: &ReportQuery, key: &str) -> Result<Option<String>, ApiError> {
    match p.get(key) {
        None | Some("any") => Ok(None),
        Some(name) => EventType::parse(name)
            .map(|t| Some(t.as_str().to_owned()))
            .map_err(|m| ApiError::bad_request("invalid_event", format!("{key}: {m}"))),
    }
}

/// Retention cohorts: people by the day, week or month of their first event (or first event
/// of a type), and per later period how many came back (any event, or a type) and the
/// revenue they brought; read from per-person state kept at write time.
#[utoipa::path(
    get, path = "/v1/reports/retention", tag = "analytics", operation_id = "get_retention",
    params(RetentionParams), security(("session" = [])),
    responses(
        (status = 200, body = RetentionReport),
        (status = 400, description = "Bad interval, periods, event type, filter or range", body = ErrorBody),
        (status = 404, description = "No such segment", body = ErrorBody),
        (status = 429, description = "Too many requests; see Retry-After", body = ErrorBody),
    )
)]
pub async fn retention(
    _: RequireViewer,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<RetentionReport>, ApiError> {
    let p = ReportQuery::read(raw)?;
    let interval = Interval::parse(p.get("interval").unwrap_or("week"))
        .ok()
        .filter(|i| *i != Interval::Hour)
        .ok_or_else(|| {
            ApiError::bad_request("invalid_interval", "interval must be day, week or month")
        })?;
    let periods = match p.get("periods") {
        None => 8,
        Some(v) => v.parse::<u32>().map_err(|_| {
            ApiError::bad_request("invalid_periods", "periods must be a whole number")
        })?,
    };
    let cohort_event = event_choice(&p, "cohortEvent")?;
    let returning = event_choice(&p, "returning")?;
    let spec = Spec::new(
        p.range(&state)?,
        interval,
        periods,
        cohort_event.clone(),
        returning.clone(),
    )
    .map_err(|m| ApiError::bad_request("invalid_periods", m))?;
    let rates = state
        .settings
        .shop
        .rates()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
    let people = members_of_param(&state, p.get("segment")).await?;
    let matrix = retention::report(
        &*state.store,
        state.report_index.as_deref(),
        &spec,
        &p.filters,
        &rates,
        people.as_deref(),
        state.clock.now(),
    )
    .await?;
    let (first_day, last_day) = spec.days();
    Ok(Json(RetentionReport {
        time_zone: spec.range.tz.name().to_owned(),
        currency: rates.reporting.to_string(),
        from: first_day,
        to: last_day,
        interval: p.get("interval").unwrap_or("week").to_owned(),
        periods,
        cohort_event: cohort_event.unwrap_or_else(|| "any".into()),
        returning: returning.unwrap_or_else(|| "any".into()),
        cohorts: matrix
            .cohorts
            .into_iter()
            .map(|c| RetentionCohort {
                cohort: c.cohort,
                size: c.size,
                returning: c.returning,
                revenue: c.revenue,
                partial: c.partial,
            })
            .collect(),
        curve: matrix.curve,
        unconverted: matrix.unconverted,
    }))
}
