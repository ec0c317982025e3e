//! The reports family: a timeseries and a breakdown of the visits and orders kept at write
//! time, in the shop's time zone and currency, with filters. Computed by
//! `shared::reports`, the same for both engines.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use shared::reports::compute::{self, Ask, Figs};
use shared::reports::{Dimension, Filter, Interval, Metric, Range, Unconverted};
use utoipa::{IntoParams, ToSchema};

use crate::auth::RequireViewer;
use crate::error::{ApiError, ErrorBody};
use crate::query::MAX_RANGE_DAYS;
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
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Map<String, Value>>,
    /// The figures of every visit of the range that passes the filters.
    #[schema(value_type = Object)]
    pub total: Map<String, Value>,
    #[schema(value_type = Object)]
    pub unconverted: Unconverted,
}

/// The raw query, read once: every parameter may appear once except `filter`.
struct Params {
    single: HashMap<String, String>,
    filters: Vec<Filter>,
}

impl Params {
    fn read(raw: Option<String>) -> Result<Self, ApiError> {
        let mut single = HashMap::new();
        let mut filters = Vec::new();
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            if k == "filter" {
                filters.push(
                    Filter::parse(&v).map_err(|m| ApiError::bad_request("invalid_filter", m))?,
                );
            } else if single.insert(k.to_string(), v.into_owned()).is_some() {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    format!("{k} may appear only once"),
                ));
            }
        }
        Ok(Self { single, filters })
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.single.get(key).map(String::as_str)
    }

    fn day(&self, key: &str) -> Result<Option<NaiveDate>, ApiError> {
        self.get(key)
            .map(|v| {
                NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                    ApiError::bad_request(
                        "invalid_range",
                        format!("{key} must be a date (YYYY-MM-DD)"),
                    )
                })
            })
            .transpose()
    }

    fn metrics(&self) -> Result<Vec<Metric>, ApiError> {
        Metric::parse_list(self.get("metrics").unwrap_or(DEFAULT_METRICS))
            .map_err(|m| ApiError::bad_request("invalid_metric", m))
    }

    /// The range in the shop's time zone (defaults: the last 30 local days).
    fn range(&self, state: &AppState) -> Result<Range, ApiError> {
        let tz = state.settings.shop.tz();
        let today = state.clock.now().with_timezone(&tz).date_naive();
        let to = self.day("to")?.unwrap_or(today);
        let from = self.day("from")?.unwrap_or(to - Duration::days(29));
        if from > to {
            return Err(ApiError::bad_request(
                "invalid_range",
                "from must not be after to",
            ));
        }
        if (to - from).num_days() >= i64::try_from(MAX_RANGE_DAYS).unwrap_or(i64::MAX) {
            return Err(ApiError::bad_request(
                "invalid_range",
                format!("the range may cover at most {MAX_RANGE_DAYS} days"),
            ));
        }
        Ok(Range { from, to, tz })
    }
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
        (status = 429, description = "Too many requests; see Retry-After", body = ErrorBody),
    )
)]
pub async fn timeseries(
    _: RequireViewer,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<TimeseriesReport>, ApiError> {
    let p = Params::read(raw)?;
    let metrics = p.metrics()?;
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
    let ask = Ask {
        range,
        metrics: &metrics,
        filters: &p.filters,
        rates: &rates,
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
        (status = 429, description = "Too many requests; see Retry-After", body = ErrorBody),
    )
)]
pub async fn breakdown(
    _: RequireViewer,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<BreakdownReport>, ApiError> {
    let p = Params::read(raw)?;
    let metrics = p.metrics()?;
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
    let ask = Ask {
        range,
        metrics: &metrics,
        filters: &p.filters,
        rates: &rates,
    };
    let answer = compute::breakdown(
        &*state.store,
        state.report_index.as_deref(),
        ask,
        dimension,
        limit,
    )
    .await?;
    let rows = answer
        .rows
        .into_iter()
        .map(|(value, f)| labelled("value", value, f))
        .collect();
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
