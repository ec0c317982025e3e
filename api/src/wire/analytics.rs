//! KPIs on the wire (funnels: [`super::funnels`]).

use chrono::NaiveDate;
use serde::Serialize;
use shared::storage::Stats;
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
