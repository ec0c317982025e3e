//! One place for the parameters every listing and report shares: the page size, the opaque
//! cursor, and day or time ranges. Each is parsed here into a checked value, and every
//! refusal is the house 400 `{code, message}`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::reports::{Filter, Range};
use shared::storage::cursor;
use utoipa::IntoParams;

use crate::error::ApiError;
use crate::state::AppState;

/// Page size when the request names none.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest page size a request may ask for.
pub const MAX_LIMIT: usize = 1000;
/// Longest range of days one report may cover.
pub const MAX_RANGE_DAYS: u64 = 366;
/// Days a report covers when the request gives no `from`: `to` and the 29 before it.
const DEFAULT_RANGE_DAYS: u64 = 30;

/// Parses a query string, turning rejections into the house 400.
pub fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
}

/// A page size within `1..=MAX_LIMIT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(usize);

impl Limit {
    /// The requested size, or [`DEFAULT_LIMIT`] when none was given.
    pub fn parse(requested: Option<usize>) -> Result<Self, ApiError> {
        match requested.unwrap_or(DEFAULT_LIMIT) {
            n @ 1..=MAX_LIMIT => Ok(Self(n)),
            n => Err(ApiError::bad_request(
                "invalid_limit",
                format!("limit {n} is outside 1..={MAX_LIMIT}"),
            )),
        }
    }

    pub fn get(self) -> usize {
        self.0
    }
}

/// Encodes a position as an opaque, URL-safe cursor (the one encoding every listing uses).
pub fn encode_cursor<C: Serialize>(position: &C) -> String {
    cursor::encode(position)
}

/// Decodes a cursor made by [`encode_cursor`]; anything else is a 400 `invalid_cursor`.
pub fn decode_cursor<C: DeserializeOwned>(raw: &str) -> Result<C, ApiError> {
    Ok(cursor::decode(raw)?)
}

/// The `limit` and `cursor` query parameters of every listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// `nextCursor` of the previous page.
    cursor: Option<String>,
}

/// A checked page request: its size and the decoded position to continue after.
#[derive(Debug, Clone)]
pub struct Pagination<C> {
    pub limit: usize,
    pub after: Option<C>,
}

impl<C: DeserializeOwned> Pagination<C> {
    pub fn parse(p: PageParams) -> Result<Self, ApiError> {
        Ok(Self {
            limit: Limit::parse(p.limit)?.get(),
            // `cursor=` (empty) is the first page, as an absent cursor is.
            after: p
                .cursor
                .as_deref()
                .filter(|c| !c.is_empty())
                .map(decode_cursor)
                .transpose()?,
        })
    }
}

impl<C: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Pagination<C> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let p = query(Query::<PageParams>::from_request_parts(parts, state).await)?;
        Self::parse(p)
    }
}

/// The `from` and `to` query parameters of a report over whole days.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayRangeParams {
    /// First day (UTC, inclusive); default 29 days before `to`.
    pub from: Option<NaiveDate>,
    /// Last day (UTC, inclusive); default today.
    pub to: Option<NaiveDate>,
}

/// An inclusive range of UTC days, `from <= to`, at most [`MAX_RANGE_DAYS`] long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DayRange {
    /// Fills in the defaults (`to` = today, `from` = 29 days before `to`) and checks the range.
    pub fn resolve(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        let to = to.unwrap_or(today);
        let from = from.unwrap_or_else(|| {
            to.checked_sub_days(Days::new(DEFAULT_RANGE_DAYS - 1))
                .unwrap_or(to)
        });
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
        Ok(Self { from, to })
    }

    /// The range as times: `[start of from, start of the day after to)`.
    pub fn times(self) -> (DateTime<Utc>, DateTime<Utc>) {
        let end = self.to.succ_opt().unwrap_or(self.to);
        (
            self.from.and_time(NaiveTime::MIN).and_utc(),
            end.and_time(NaiveTime::MIN).and_utc(),
        )
    }
}

impl FromRequestParts<AppState> for DayRange {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let p = query(Query::<DayRangeParams>::from_request_parts(parts, state).await)?;
        Self::resolve(p.from, p.to, state.clock.now().date_naive())
    }
}

/// The `from` and `to` query parameters of a listing bounded in time.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimeRangeParams {
    /// Inclusive start: RFC 3339 time, or a date (its start, UTC).
    pub from: Option<String>,
    /// Exclusive end: RFC 3339 time, or a date (the whole day included).
    pub to: Option<String>,
}

/// Optional time bounds `[from, to)`; `from` before `to` when both are given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl TimeRange {
    pub fn parse(p: &TimeRangeParams) -> Result<Self, ApiError> {
        let from = p
            .from
            .as_deref()
            .map(|v| bound("from", v, false))
            .transpose()?;
        let to = p.to.as_deref().map(|v| bound("to", v, true)).transpose()?;
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(ApiError::bad_request(
                "invalid_range",
                "from must be before to",
            ));
        }
        Ok(Self { from, to })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for TimeRange {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let p = query(Query::<TimeRangeParams>::from_request_parts(parts, state).await)?;
        Self::parse(&p)
    }
}

/// Parses a bound: an RFC 3339 time, or a date meaning the start of that day (`end_of_day`
/// = false) or the start of the next one (true).
fn bound(name: &str, v: &str, end_of_day: bool) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
        ApiError::bad_request(
            "invalid_query",
            format!("{name} must be an RFC 3339 time or a YYYY-MM-DD date"),
        )
    })?;
    let day = if end_of_day {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    Ok(day.and_time(NaiveTime::MIN).and_utc())
}

/// A report's raw query, read once: each parameter may appear once, except `filter`
/// (repeatable, each parsed into a [`Filter`]). Reports read it by hand because serde's
/// query parsing cannot collect a repeated key.
pub struct ReportQuery {
    single: std::collections::HashMap<String, String>,
    pub filters: Vec<Filter>,
}

impl ReportQuery {
    pub fn read(raw: Option<String>) -> Result<Self, ApiError> {
        let mut single = std::collections::HashMap::new();
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

    pub fn get(&self, key: &str) -> Option<&str> {
        self.single.get(key).map(String::as_str)
    }

    /// A `YYYY-MM-DD` parameter.
    pub fn day(&self, key: &str) -> Result<Option<NaiveDate>, ApiError> {
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

    /// `from` and `to` as local days of the shop's time zone, checked as [`DayRange`]
    /// (default: the last 30 local days).
    pub fn range(&self, state: &AppState) -> Result<Range, ApiError> {
        let tz = state.settings.shop.tz();
        let today = state.clock.now().with_timezone(&tz).date_naive();
        let days = DayRange::resolve(self.day("from")?, self.day("to")?, today)?;
        Ok(Range {
            from: days.from,
            to: days.to,
            tz,
        })
    }
}
