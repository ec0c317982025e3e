//! KPIs and funnels on the wire.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::storage::{FunnelReport, FunnelStepReport, Stats};
use utoipa::ToSchema;

/// Summary analytics for a range of days.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatsReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total_events: u64,
    /// Distinct profiles active in the range.
    pub total_users: u64,
    pub avg_events_per_user: f64,
    /// One entry per day of the range, zero-filled.
    pub events_per_day: Vec<DayCount>,
    /// Every type seen in the range, most frequent first.
    pub events_per_type: Vec<TypeCount>,
    /// The ten most frequent types.
    pub top_types: Vec<TypeCount>,
    /// Distinct active profiles per day, zero-filled.
    pub daily_active_users: Vec<DayCount>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DayCount {
    pub day: NaiveDate,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TypeCount {
    #[serde(rename = "type")]
    pub event_type: String,
    pub count: u64,
}

impl From<Stats> for StatsReport {
    fn from(s: Stats) -> Self {
        let days = |v: Vec<shared::storage::DayCount>| {
            v.into_iter()
                .map(|d| DayCount {
                    day: d.day,
                    count: d.count,
                })
                .collect()
        };
        let types = |v: Vec<shared::storage::TypeCount>| {
            v.into_iter()
                .map(|t| TypeCount {
                    event_type: t.event_type,
                    count: t.count,
                })
                .collect()
        };
        Self {
            from: s.from,
            to: s.to,
            total_events: s.total_events,
            total_users: s.total_users,
            avg_events_per_user: s.avg_events_per_user,
            events_per_day: days(s.events_per_day),
            events_per_type: types(s.events_per_type),
            top_types: types(s.top_types),
            daily_active_users: days(s.daily_active_users),
        }
    }
}

/// Counts per step, first step first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Funnel {
    pub steps: Vec<FunnelStep>,
}

/// One step of a funnel.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FunnelStep {
    #[serde(rename = "type")]
    pub event_type: String,
    /// Profiles that reached this step (each counted once).
    pub entered: u64,
    /// Of those, profiles that went on to the next step (equals `entered` on the last step).
    pub converted: u64,
    /// `entered - converted`: profiles lost before the next step (0 on the last step).
    pub dropped_off: u64,
    /// `entered` over the previous step's `entered` (1 for the first step, 0 when nobody
    /// reached the previous step).
    pub conversion_from_previous: f64,
    /// `entered` over the first step's `entered`.
    pub conversion_from_start: f64,
}

impl From<FunnelStepReport> for FunnelStep {
    fn from(s: FunnelStepReport) -> Self {
        Self {
            event_type: s.event_type,
            entered: s.entered,
            converted: s.converted,
            dropped_off: s.dropped_off,
            conversion_from_previous: s.conversion_from_previous,
            conversion_from_start: s.conversion_from_start,
        }
    }
}

impl From<FunnelReport> for Funnel {
    fn from(r: FunnelReport) -> Self {
        Self {
            steps: r.steps.into_iter().map(FunnelStep::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FunnelRequest {
    /// 2 to 5 event types, in the order a user must reach them.
    #[schema(example = json!(["product_view", "add_to_cart", "purchase"]))]
    pub steps: Vec<String>,
    /// First day (UTC, inclusive) on which users may enter with the first step; default 29
    /// days before `to`.
    pub from: Option<NaiveDate>,
    /// Last day (UTC, inclusive) on which users may enter; default today. Later steps may
    /// fall after it, within the window.
    pub to: Option<NaiveDate>,
    /// Every later step must happen at most this many seconds after the first step
    /// (1 to 7,776,000; default 86,400).
    pub window_seconds: Option<i64>,
}
