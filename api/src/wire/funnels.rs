//! Funnels and saved funnels on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::funnels::{BreakdownRow, Dropped, FunnelAnswer, StepAnswer, TrendPoint};
use shared::storage::SavedFunnel;
use utoipa::ToSchema;

/// A step: an event type, or an event type with filters.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum FunnelStepInput {
    Type(String),
    Filtered(FilteredStep),
}

/// A step with filters on its event and its visit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FilteredStep {
    #[schema(example = "product_view")]
    pub event: String,
    /// `dimension:value`, `dimension!=value` or `dimension~value` (contains, any case).
    /// On the event: `page`, `product` (sku), `productCategory`, or `property.path`,
    /// `property.sku`, `property.category`; on the step's visit: `channel`, `utmCampaign`,
    /// `device`, `country` and the other visit-level report dimensions.
    #[serde(default)]
    #[schema(example = json!(["property.sku:SKU-1", "channel:search"]))]
    pub filters: Vec<String>,
}

/// Count each person once per step, or every attempt (repeat conversions).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum FunnelCount {
    Unique,
    Total,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FunnelRequest {
    /// 2 to 5 steps, in the order a person must reach them.
    #[schema(example = json!(["product_view", {"event": "add_to_cart", "filters": ["property.sku:SKU-1"]}, "purchase"]))]
    pub steps: Vec<FunnelStepInput>,
    /// First day (UTC, inclusive) on which people may enter with the first step; default 29
    /// days before `to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Last day (UTC, inclusive) on which people may enter; default today. Later steps may
    /// fall after it, within the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// Every later step must happen at most this many seconds after the first step
    /// (1 to 7,776,000; default 86,400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_seconds: Option<i64>,
    /// Split the funnel by this visit-level dimension of the visit where each person
    /// entered (`channel`, `utmCampaign`, `device`, `country`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakdown: Option<String>,
    /// Also answer entries and full conversions per UTC day of entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trend: Option<bool>,
    /// Also list the people who reached this step (0-based) but not the next (first 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_off: Option<usize>,
    /// `unique` (default): people; `total`: attempts, so repeat purchases count again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<FunnelCount>,
    /// Only the members of this saved segment (resolved now) go through the funnel; 404
    /// when there is no such segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
}

/// A funnel's answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Funnel {
    pub steps: Vec<FunnelStep>,
    /// Per value of `breakdown`, most entries first (absent without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breakdown: Option<Vec<FunnelBreakdownRow>>,
    /// Per UTC day of entry (absent unless `trend`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend: Option<Vec<FunnelTrendPoint>>,
    /// The people who dropped off after `dropOff` (absent unless asked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop_off: Option<FunnelDropOff>,
    /// Steps whose type no visit in the range had (a misspelling?), visits recorded before
    /// funnels could read them.
    pub warnings: Vec<String>,
}

/// One step of a funnel.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FunnelStep {
    #[serde(rename = "type")]
    pub event_type: String,
    /// People (attempts, counting `total`) that reached this step.
    pub entered: u64,
    /// Of those, how many went on to the next step (equals `entered` on the last step).
    pub converted: u64,
    /// `entered - converted` (0 on the last step).
    pub dropped_off: u64,
    /// `entered` over the previous step's (1 on the first step, 0 when nobody reached the
    /// previous step).
    pub conversion_from_previous: f64,
    /// `entered` over the first step's.
    pub conversion_from_start: f64,
    /// Median seconds from the previous step to this one (null on the first step and when
    /// nobody reached it).
    pub median_seconds_to_convert: Option<f64>,
}

impl From<StepAnswer> for FunnelStep {
    fn from(s: StepAnswer) -> Self {
        Self {
            event_type: s.event_type,
            entered: s.entered,
            converted: s.converted,
            dropped_off: s.dropped_off,
            conversion_from_previous: s.conversion_from_previous,
            conversion_from_start: s.conversion_from_start,
            median_seconds_to_convert: s.median_seconds_to_convert,
        }
    }
}

/// The funnel of the people who entered on visits with one breakdown value.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FunnelBreakdownRow {
    pub value: String,
    pub steps: Vec<FunnelStep>,
}

impl From<BreakdownRow> for FunnelBreakdownRow {
    fn from(r: BreakdownRow) -> Self {
        Self {
            value: r.value,
            steps: r.steps.into_iter().map(FunnelStep::from).collect(),
        }
    }
}

/// Entries on one UTC day and how many of them reached the last step.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FunnelTrendPoint {
    pub day: NaiveDate,
    pub entered: u64,
    pub converted: u64,
    pub conversion: f64,
}

impl From<TrendPoint> for FunnelTrendPoint {
    fn from(p: TrendPoint) -> Self {
        Self {
            day: p.day.parse().unwrap_or_default(),
            entered: p.entered,
            converted: p.converted,
            conversion: p.conversion,
        }
    }
}

/// Who reached a step but not the next.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FunnelDropOff {
    /// The step (0-based).
    pub step: usize,
    /// How many dropped off there (all of them).
    pub total: u64,
    /// The first 100 by id; each links to `/users/{id}`.
    pub people: Vec<DroppedPerson>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DroppedPerson {
    pub id: String,
    /// When they reached the step.
    pub reached_at: DateTime<Utc>,
}

impl From<Dropped> for DroppedPerson {
    fn from(d: Dropped) -> Self {
        Self {
            id: d.profile_id,
            reached_at: d.reached_at,
        }
    }
}

impl Funnel {
    pub fn of(a: FunnelAnswer, req: &FunnelRequest) -> Self {
        Self {
            steps: a.steps.into_iter().map(FunnelStep::from).collect(),
            breakdown: req
                .breakdown
                .is_some()
                .then(|| a.breakdown.into_iter().map(Into::into).collect()),
            trend: (req.trend == Some(true)).then(|| a.trend.into_iter().map(Into::into).collect()),
            drop_off: req.drop_off.map(|step| FunnelDropOff {
                step,
                total: a.dropped_total,
                people: a.dropped.into_iter().map(Into::into).collect(),
            }),
            warnings: a.warnings,
        }
    }
}

/// A funnel to save: a name and its definition.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SaveFunnel {
    /// 1 to 200 characters.
    pub name: String,
    pub definition: FunnelRequest,
}

/// A saved funnel.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SavedFunnelInfo {
    pub id: String,
    pub name: String,
    pub definition: FunnelRequest,
    /// The account that saved it first.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<SavedFunnel> for SavedFunnelInfo {
    type Error = serde_json::Error;

    fn try_from(f: SavedFunnel) -> Result<Self, Self::Error> {
        Ok(Self {
            definition: serde_json::from_value(f.definition)?,
            id: f.id,
            name: f.name,
            created_by: f.created_by,
            created_at: f.created_at,
            updated_at: f.updated_at,
        })
    }
}
