//! The attribution report: revenue, orders and conversions of a range credited to the
//! channels, campaigns or sources of each buyer's visits before each order, under one model
//! or all five side by side. Computed by `shared::reports::attribution` for both engines.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::reports::attribution::{
    self, Credit, DEFAULT_LOOKBACK_DAYS, MAX_LOOKBACK_DAYS, Model, Spec,
};
use shared::reports::{Dimension, Unconverted};
use utoipa::{IntoParams, ToSchema};

use crate::auth::RequireViewer;
use crate::error::{ApiError, ErrorBody};
use crate::query::ReportQuery;
use crate::state::AppState;

/// Attribution parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // Read by hand from the raw query (filter repeats); here for the schema.
pub struct AttributionParams {
    /// `first`, `lastNonDirect`, `linear`, `position` or `timeDecay`; `all` (default): every
    /// model side by side (rows then carry `models` instead of the figures).
    model: Option<String>,
    /// `channel` (default), `utmCampaign` or `utmSource`: what credit goes to.
    dimension: Option<String>,
    /// Visits up to this many days (24 h each) before an order are its touches: 1 to 90
    /// (default 30).
    lookback_days: Option<u32>,
    /// First local day (the shop's time zone) of the orders counted, inclusive; default 29
    /// days before `to`.
    from: Option<NaiveDate>,
    /// Last local day, inclusive; default today in the shop's time zone.
    to: Option<NaiveDate>,
    /// Repeatable, as in the other reports: only visits that pass every filter are touches
    /// (an order left without one is unattributed).
    filter: Option<Vec<String>>,
    /// Only the orders of this saved segment's members (resolved now) count; 404 when there
    /// is no such segment.
    segment: Option<String>,
}

/// Revenue, orders and conversions credited under one model.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttributionFigures {
    /// In the reporting currency, rounded to its minor unit.
    pub revenue: f64,
    /// Fractional orders credited, rounded to 4 decimal places.
    pub orders: f64,
    /// Fractional conversions (a person's first order of the range), 4 decimal places.
    pub conversions: f64,
}

impl From<Credit> for AttributionFigures {
    fn from(c: Credit) -> Self {
        AttributionFigures {
            revenue: c.revenue,
            orders: c.orders,
            conversions: c.conversions,
        }
    }
}

/// One dimension value: its figures under the one model asked, or under every model.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttributionRow {
    pub value: String,
    /// One model asked: its revenue credit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revenue: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orders: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversions: Option<f64>,
    /// Every model asked (`model=all`): the figures per model name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub models: Option<BTreeMap<String, AttributionFigures>>,
}

/// Orders credited to the visits before them, per value of a dimension.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttributionReport {
    pub time_zone: String,
    /// The reporting currency of `revenue`.
    pub currency: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub dimension: String,
    pub lookback_days: u32,
    /// The models answered, in the order the console shows them.
    pub models: Vec<String>,
    /// Values with credit, most revenue (summed over the models) first.
    pub rows: Vec<AttributionRow>,
    /// Every order of the range: each model's rows plus `unattributed` add up to it (up to
    /// rounding).
    pub total: AttributionFigures,
    /// Orders without a touch in their lookback window.
    pub unattributed: AttributionFigures,
    /// Revenue in currencies without a rate, per currency: in no row and no total.
    #[schema(value_type = Object)]
    pub unconverted: Unconverted,
}

/// Revenue, orders and conversions of the orders placed in a range, credited to the
/// channels, campaigns or sources of each buyer's visits in the lookback window before each
/// order (identity merges included), under one attribution model or all five.
#[utoipa::path(
    get, path = "/v1/reports/attribution", tag = "analytics", operation_id = "get_attribution",
    params(AttributionParams), security(("session" = [])),
    responses(
        (status = 200, body = AttributionReport),
        (status = 400, description = "Unknown model or dimension; bad lookback, filter or range", body = ErrorBody),
        (status = 404, description = "No such segment", body = ErrorBody),
        (status = 429, description = "Too many requests; see Retry-After", body = ErrorBody),
    )
)]
pub async fn report(
    _: RequireViewer,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<AttributionReport>, ApiError> {
    let q = ReportQuery::read(raw)?;
    let models = Model::parse_choice(q.get("model").unwrap_or("all"))
        .map_err(|m| ApiError::bad_request("invalid_model", m))?;
    let one_model = models.len() == 1;
    let dimension = Dimension::parse(q.get("dimension").unwrap_or("channel"))
        .ok()
        .filter(|d| attribution::DIMENSIONS.contains(d))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_dimension",
                format!(
                    "dimension must be one of {}",
                    attribution::DIMENSIONS.map(Dimension::name).join(", ")
                ),
            )
        })?;
    let bad_lookback = || {
        ApiError::bad_request(
            "invalid_lookback",
            format!("lookbackDays must be a whole number from 1 to {MAX_LOOKBACK_DAYS}"),
        )
    };
    let lookback_days = match q.get("lookbackDays") {
        None => DEFAULT_LOOKBACK_DAYS,
        Some(v) => v.parse::<u32>().map_err(|_| bad_lookback())?,
    };
    // The dimension and the models are checked above: only the lookback is left to refuse.
    let spec = Spec::new(q.range(&state)?, dimension, lookback_days, models)
        .map_err(|_| bad_lookback())?;
    let people = crate::segments::members_of_param(&state, q.get("segment")).await?;
    let rates = state
        .settings
        .shop
        .rates()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
    let answer = attribution::attribution(
        &*state.store,
        state.report_index.as_deref(),
        &spec,
        &q.filters,
        &rates,
        people.as_deref(),
    )
    .await?;
    let rows = answer
        .rows
        .into_iter()
        .map(|r| {
            if one_model {
                let c = r.credits[0];
                AttributionRow {
                    value: r.value,
                    revenue: Some(c.revenue),
                    orders: Some(c.orders),
                    conversions: Some(c.conversions),
                    models: None,
                }
            } else {
                AttributionRow {
                    value: r.value,
                    revenue: None,
                    orders: None,
                    conversions: None,
                    models: Some(
                        spec.models
                            .iter()
                            .zip(r.credits)
                            .map(|(m, c)| (m.name().to_owned(), c.into()))
                            .collect(),
                    ),
                }
            }
        })
        .collect();
    Ok(Json(AttributionReport {
        time_zone: spec.range.tz.name().to_owned(),
        currency: rates.reporting.to_string(),
        from: spec.range.from,
        to: spec.range.to,
        dimension: dimension.name().to_owned(),
        lookback_days,
        models: spec.models.iter().map(|m| m.name().to_owned()).collect(),
        rows,
        total: answer.total.into(),
        unattributed: answer.unattributed.into(),
        unconverted: answer.unconverted,
    }))
}
