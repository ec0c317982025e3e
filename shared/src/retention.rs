//! Retention cohorts: people grouped by the day, week or month (in the shop's time zone) of
//! their first event (or first event of a chosen type), and per later period how many of
//! them came back (any event, or a chosen type) and the revenue they brought. Computed here
//! for both engines from the compact per-person state of [`crate::storage::retention`].

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde_json::Value;

use crate::commerce::{Currency, Money, OrderAmount, Rates};
use crate::reports::index::VisitIndex;
use crate::reports::{
    Filter, Interval, Range, Unconverted, day_label, local_midnight, money_value,
};
use crate::segments::Members;
use crate::storage::retention::{ANY, Activity, Member, RetentionQuery, RetentionRows, utc_day};
use crate::storage::{Store, StoreError};

/// Most periods one report may follow.
pub const MAX_PERIODS: u32 = 60;

/// What a retention report asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// Cohorts whose period overlaps these local days (whole periods are taken).
    pub range: Range,
    /// `Day`, `Week` (by Monday) or `Month`.
    pub interval: Interval,
    /// Periods followed per cohort, the cohort's own included.
    pub periods: u32,
    /// Cohorts by the first event of this type; `None`: first seen (any event).
    pub cohort_event: Option<String>,
    /// Returning means an event of this type; `None`: any event.
    pub returning: Option<String>,
}

impl Spec {
    /// Checks the interval (no hours) and the number of periods.
    pub fn new(
        range: Range,
        interval: Interval,
        periods: u32,
        cohort_event: Option<String>,
        returning: Option<String>,
    ) -> Result<Spec, String> {
        if interval == Interval::Hour {
            return Err("interval must be day, week or month".into());
        }
        if !(1..=MAX_PERIODS).contains(&periods) {
            return Err(format!("periods must be 1 to {MAX_PERIODS}"));
        }
        Ok(Spec {
            range,
            interval,
            periods,
            cohort_event,
            returning,
        })
    }

    fn first_index(&self) -> i64 {
        index(self.range.from, self.interval)
    }

    fn last_index(&self) -> i64 {
        index(self.range.to, self.interval)
    }

    /// The first instant of period `i`.
    fn instant(&self, i: i64) -> DateTime<Utc> {
        local_midnight(self.range.tz, start(i, self.interval))
    }

    /// The first local day of the first cohort and the last of the last.
    pub fn days(&self) -> (NaiveDate, NaiveDate) {
        (
            start(self.first_index(), self.interval),
            start(self.last_index() + 1, self.interval) - Duration::days(1),
        )
    }

    /// The instants `[start, end)` in which the cohorts' members did what makes the cohort.
    pub fn cohort_bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            self.instant(self.first_index()),
            self.instant(self.last_index() + 1),
        )
    }

    /// The instants `[start, end)` of every period followed: orders are read from these.
    pub fn followed_bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            self.instant(self.first_index()),
            self.instant(self.last_index() + i64::from(self.periods)),
        )
    }

    /// What to read from the store.
    pub fn query(&self) -> RetentionQuery {
        let (from, to) = self.cohort_bounds();
        let (_, until) = self.followed_bounds();
        RetentionQuery {
            cohort_kind: self.cohort_event.clone().unwrap_or_else(|| ANY.to_owned()),
            from,
            to,
            returning_kind: self.returning.clone().unwrap_or_else(|| ANY.to_owned()),
            from_day: utc_day(from),
            to_day: utc_day(until - Duration::milliseconds(1)),
        }
    }
}

/// One cohort: its members and, per period followed, how many came back and their revenue.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    /// The cohort's period: `2026-06-01` (day; a week by its Monday) or `2026-06` (month).
    pub cohort: String,
    /// People whose first (chosen) event is in the period.
    pub size: u64,
    /// Per period from the cohort's own (index 0): members with a returning event in it.
    /// Periods that have not begun are left out.
    pub returning: Vec<u64>,
    /// Per period: the members' order revenue less refunds, in the reporting currency.
    pub revenue: Vec<f64>,
    /// True when the last period listed is still in progress.
    pub partial: bool,
}

/// The cohorts of a range and the curve averaged over them.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub cohorts: Vec<Cohort>,
    /// Per period: returning members ÷ members, over the cohorts for which the period is
    /// complete (`None` where no cohort has completed it).
    pub curve: Vec<Option<f64>>,
    /// Revenue in currencies without a rate, per currency: never summed into `revenue`.
    pub unconverted: Unconverted,
}

/// A period's number: days and Mondays counted from the common era, months from year 0.
fn index(d: NaiveDate, interval: Interval) -> i64 {
    match interval {
        Interval::Week => {
            let monday = d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
            // 0001-01-01 was a Monday (day 1), so Mondays are 1 more than a multiple of 7.
            i64::from(monday.num_days_from_ce()).div_euclid(7)
        }
        Interval::Month => i64::from(d.year()) * 12 + i64::from(d.month0()),
        Interval::Day | Interval::Hour => i64::from(d.num_days_from_ce()),
    }
}

/// The first local day of period `i`.
fn start(i: i64, interval: Interval) -> NaiveDate {
    let day = |n: i64| {
        i32::try_from(n)
            .ok()
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .unwrap_or_default()
    };
    match interval {
        Interval::Week => day(i * 7 + 1),
        Interval::Month => i32::try_from(i.div_euclid(12))
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, u32::try_from(i.rem_euclid(12)).ok()? + 1, 1))
            .unwrap_or_default(),
        Interval::Day | Interval::Hour => day(i),
    }
}

/// With filters, a person counts in a cohort only when one of their visits that pass the
/// filters starts in the cohort's period: per person, the periods such visits start in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Visited(HashMap<String, Vec<i64>>);

impl Visited {
    /// The periods of `spec` that each person's visits (person, start) start in.
    pub fn of<'a>(spec: &Spec, starts: impl IntoIterator<Item = (&'a str, DateTime<Utc>)>) -> Self {
        let periods = Periods::of(spec);
        let first = spec.first_index();
        let mut by: HashMap<String, Vec<i64>> = HashMap::new();
        for (person, start) in starts {
            // Starts outside the periods followed make no cohort.
            let Some(j) = periods.at(start.timestamp_millis()) else {
                continue;
            };
            let period = first + j as i64;
            match by.get_mut(person) {
                Some(periods) if periods.contains(&period) => {}
                Some(periods) => periods.push(period),
                None => {
                    by.insert(person.to_owned(), vec![period]);
                }
            }
        }
        Visited(by)
    }

    fn has(&self, person: &str, period: i64) -> bool {
        self.0.get(person).is_some_and(|ps| ps.contains(&period))
    }
}

/// The periods a report follows, as the instants they begin at: per followed period
/// (from the first cohort's on) its first instant in ms, and the end of the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Periods {
    starts: Vec<i64>,
}

impl Periods {
    /// Every period of `spec`'s cohorts and the `periods - 1` after the last.
    pub fn of(spec: &Spec) -> Self {
        let first = spec.first_index();
        let end = spec.last_index() + i64::from(spec.periods);
        Periods {
            starts: (first..=end)
                .map(|i| spec.instant(i).timestamp_millis())
                .collect(),
        }
    }

    /// How many periods.
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first instant of the first period and the end of the last (ms).
    pub fn bounds(&self) -> (i64, i64) {
        (
            self.starts.first().copied().unwrap_or(0),
            self.starts.last().copied().unwrap_or(0),
        )
    }

    /// The period (0: the first cohort's) an instant in ms falls in, if any.
    pub fn at(&self, ms: i64) -> Option<usize> {
        let (from, to) = self.bounds();
        (from..to)
            .contains(&ms)
            .then(|| self.starts.partition_point(|s| *s <= ms) - 1)
    }
}

/// Per cohort member (by position), the [`Periods`] they came back in: bit `j` of a
/// member's words is period `j`. Built by the in-memory visit index from its trails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Active {
    words: usize,
    bits: Vec<u64>,
}

impl Active {
    /// Nobody active yet, for `members` people over `periods` periods.
    pub fn new(members: usize, periods: usize) -> Self {
        let words = periods.div_ceil(64).max(1);
        Active {
            words,
            bits: vec![0; members * words],
        }
    }

    /// Member `m` had activity in period `j`.
    pub fn set(&mut self, m: usize, j: usize) {
        if let Some(w) = self.bits.get_mut(m * self.words + j / 64) {
            *w |= 1 << (j % 64);
        }
    }

    /// Whether member `m` had activity in period `j`.
    pub fn has(&self, m: usize, j: usize) -> bool {
        j / 64 < self.words
            && self
                .bits
                .get(m * self.words + j / 64)
                .is_some_and(|w| w & (1 << (j % 64)) != 0)
    }
}

/// The retention report: the cohorts' members from the store's first marks (only
/// `people`, when a segment narrows it); what they came back in from the in-memory index's
/// trails when it holds the periods followed, else from the store's day marks; the orders
/// of the periods followed; and with filters the visits that pass them, from the index
/// when it holds the cohorts' periods and from the store otherwise. Both ways give the
/// same answer (conformance cases `conformance_retention`).
pub async fn report(
    store: &dyn Store,
    index: Option<&VisitIndex>,
    spec: &Spec,
    filters: &[Filter],
    rates: &Rates,
    people: Option<&Members>,
    now: DateTime<Utc>,
) -> Result<Matrix, StoreError> {
    let started = std::time::Instant::now();
    let (from, to) = spec.followed_bounds();
    // The index answers when it holds every visit that may have an event in the periods
    // followed (those that start up to a day before them: see `VisitIndex::active_periods`).
    let index = index.filter(|ix| ix.covers(from - crate::funnels::ENTRY_MARGIN));
    if let Some(ix) = index {
        // Read your writes, as every report from the index does.
        ix.refresh(store).await?;
    }
    let query = spec.query();
    let periods = Periods::of(spec);
    let filters_from_index =
        !filters.is_empty() && index.is_some_and(|ix| ix.covers(spec.cohort_bounds().0));
    // The orders are read (on SQLite, on a blocking thread) while this task works out the
    // members and their activity.
    let orders_read = async {
        let orders = store.order_amounts(from, to).await;
        (orders, started.elapsed())
    };
    let rows_read = async {
        let mut members = store.retention_members(&query).await?;
        if let Some(wanted) = people {
            members.retain(|m| wanted.contains(&m.profile));
        }
        let names: Vec<&str> = members.iter().map(|m| m.profile.as_str()).collect();
        let active =
            index.and_then(|ix| ix.active_periods(&names, &periods, spec.returning.as_deref()));
        let entered = match index {
            Some(ix) if filters_from_index => {
                ix.visited_periods(&names, &periods, spec.cohort_bounds(), filters)
            }
            _ => None,
        };
        drop(names);
        let rows = match active {
            Some(_) => RetentionRows {
                members,
                activity: Vec::new(),
            },
            // Visits the index does not hold whole (written before trails were kept):
            // the store's day marks.
            None => {
                let mut rows = store.retention_rows(&query).await?;
                if let Some(wanted) = people {
                    rows.members.retain(|m| wanted.contains(&m.profile));
                }
                rows
            }
        };
        Ok::<_, StoreError>((rows, active, entered, started.elapsed()))
    };
    // With filters, the visits that pass them from the store when the index cannot say.
    let store_visits = async {
        if filters.is_empty() || filters_from_index {
            return Ok(None);
        }
        visited_in_store(store, spec, filters).await.map(Some)
    };
    let ((orders, orders_at), rows, from_store) =
        tokio::join!(orders_read, rows_read, store_visits);
    let (rows, active, from_index, rows_at) = rows?;
    let orders = orders?;
    let mut from_store = from_store?;
    if filters_from_index && from_index.is_none() {
        // The window moved on between the two looks.
        from_store = Some(visited_in_store(store, spec, filters).await?);
    }
    let visits_at = (!filters.is_empty()).then(|| started.elapsed());
    let entered = match (&from_index, &from_store) {
        (Some(a), _) => Some(Entered::Periods(a)),
        (None, Some(v)) => Some(Entered::Visits(v)),
        (None, None) => None,
    };
    let read = started.elapsed();
    let returned = match &active {
        Some(a) => Returned::Periods(a),
        None => Returned::Marks(&rows.activity),
    };
    let matrix = compute(spec, &rows.members, returned, &orders, rates, now, entered);
    tracing::debug!(
        members = rows.members.len(),
        activity = rows.activity.len(),
        from_index = active.is_some(),
        orders = orders.len(),
        // Read side by side: each from the report's start.
        rows_ms = rows_at.as_millis(),
        orders_ms = orders_at.as_millis(),
        visits_ms = visits_at.map_or(0, |t| t.as_millis()),
        compute_ms = (started.elapsed() - read).as_millis(),
        "retention report"
    );
    Ok(matrix)
}

/// With filters, who entered their cohort through a visit that passes them.
#[derive(Debug, Clone, Copy)]
pub enum Entered<'a> {
    /// Per person, the periods their passing visits start in (the store's visits).
    Visits(&'a Visited),
    /// From the visit index: per member (in the order given to [`compute`]), the periods
    /// followed in which a passing visit of theirs starts.
    Periods(&'a Active),
}

/// The passing visits of `spec`'s cohort periods read from the store, per person.
async fn visited_in_store(
    store: &dyn Store,
    spec: &Spec,
    filters: &[Filter],
) -> Result<Visited, StoreError> {
    let (start, end) = spec.cohort_bounds();
    let visits = store.visits(start, end).await?;
    Ok(Visited::of(
        spec,
        crate::reports::select(&visits, filters).map(|s| (s.profile_id.as_str(), s.start)),
    ))
}

/// Who came back when.
#[derive(Debug, Clone, Copy)]
pub enum Returned<'a> {
    /// The store's day marks of the members (any order).
    Marks(&'a [Activity]),
    /// From the visit index: per member (in the order given to [`compute`]), the periods
    /// followed with activity.
    Periods(&'a Active),
}

/// A member being counted.
struct Counted {
    /// Position of the member in the members given.
    at: usize,
    /// Position of the member's cohort in the answer.
    cohort: usize,
    /// The cohort's period number.
    period: i64,
    /// Bit `k`: came back in period `k` (at most [`MAX_PERIODS`] < 64 periods).
    back: u64,
}

/// The matrix of `spec` from the cohorts' members, what they came back in and the orders
/// placed in [`Spec::followed_bounds`]. With `visited` (the report has filters), a person
/// counts only when one of their passing visits starts in their cohort's period. `now`
/// decides which periods have begun and which are complete.
pub fn compute(
    spec: &Spec,
    members: &[Member],
    returned: Returned<'_>,
    orders: &[OrderAmount],
    rates: &Rates,
    now: DateTime<Utc>,
    visited: Option<Entered<'_>>,
) -> Matrix {
    let tz = spec.range.tz;
    let local = |t: DateTime<Utc>| index(t.with_timezone(&tz).date_naive(), spec.interval);
    let first = spec.first_index();
    let periods = spec.periods as usize;
    let mut cohorts: Vec<Cohort> = (first..=spec.last_index())
        .map(|i| {
            let begun = (0..i64::from(spec.periods))
                .take_while(|k| spec.instant(i + k) <= now)
                .count();
            Cohort {
                cohort: day_label(start(i, spec.interval), spec.interval),
                size: 0,
                returning: vec![0; begun],
                revenue: vec![0.0; begun],
                partial: begun > 0 && spec.instant(i + begun as i64) > now,
            }
        })
        .collect();

    // Members' first instants and orders' times placed by the periods' first instants (a
    // binary search, not a time zone conversion each).
    let followed = Periods::of(spec);
    let place = |t: DateTime<Utc>| followed.at(t.timestamp_millis());
    let mut counted: HashMap<&str, Counted> = HashMap::with_capacity(members.len());
    for (at, m) in members.iter().enumerate() {
        let Some(c) = place(m.first).filter(|c| *c < cohorts.len()) else {
            continue;
        };
        let period = first + c as i64;
        let entered = match visited {
            None => true,
            Some(Entered::Visits(v)) => v.has(&m.profile, period),
            Some(Entered::Periods(a)) => a.has(at, c),
        };
        if !entered {
            continue;
        }
        cohorts[c].size += 1;
        counted.insert(
            &m.profile,
            Counted {
                at,
                cohort: c,
                period,
                back: 0,
            },
        );
    }

    match returned {
        // A UTC day's first and last instants fall on the (at most two) local days it
        // touches.
        Returned::Marks(activity) => {
            for a in activity {
                let Some(m) = counted.get_mut(a.profile.as_str()) else {
                    continue;
                };
                for t in [a.first, a.last] {
                    if let Some(k) = usize::try_from(local(t) - m.period)
                        .ok()
                        .filter(|k| *k < periods)
                    {
                        m.back |= 1 << k;
                    }
                }
            }
        }
        // Period `j` of the index's answer is period `first + j`; the cohort's own is `c`.
        Returned::Periods(active) => {
            for m in counted.values_mut() {
                for k in 0..periods {
                    if active.has(m.at, m.cohort + k) {
                        m.back |= 1 << k;
                    }
                }
            }
        }
    }
    for m in counted.values() {
        let listed = cohorts[m.cohort].returning.len();
        for k in 0..listed {
            if m.back & (1 << k) != 0 {
                cohorts[m.cohort].returning[k] += 1;
            }
        }
    }

    let mut sums: BTreeMap<(usize, usize), BTreeMap<Currency, i64>> = BTreeMap::new();
    for o in orders {
        let Some(m) = counted.get(o.profile_id.as_str()) else {
            continue;
        };
        let Some(k) = place(o.at)
            .and_then(|j| j.checked_sub(m.cohort))
            .filter(|k| *k < cohorts[m.cohort].revenue.len())
        else {
            continue;
        };
        *sums
            .entry((m.cohort, k))
            .or_default()
            .entry(o.revenue.currency)
            .or_default() += o.revenue.minor - o.refunded;
    }
    let mut unconverted = Unconverted::new();
    for ((c, k), by_currency) in sums {
        let (minor, left) = crate::reports::to_reporting(rates, &by_currency);
        cohorts[c].revenue[k] = money_value(Money {
            minor,
            currency: rates.reporting,
        })
        .as_f64()
        .unwrap_or(0.0);
        for (currency, v) in left {
            let sum = unconverted
                .get(&currency)
                .and_then(Value::as_f64)
                .unwrap_or(0.0)
                + v.as_f64().unwrap_or(0.0);
            unconverted.insert(currency, Value::from(sum));
        }
    }

    let curve = (0..periods)
        .map(|k| {
            let (back, size) = cohorts
                .iter()
                .filter(|c| c.size > 0 && complete(c, k))
                .fold((0, 0), |(b, s), c| (b + c.returning[k], s + c.size));
            // Counts stay far below 2^53.
            #[allow(clippy::cast_precision_loss)]
            (size > 0).then(|| back as f64 / size as f64)
        })
        .collect();
    Matrix {
        cohorts,
        curve,
        unconverted,
    }
}

/// Whether period `k` of a cohort has begun and ended.
fn complete(c: &Cohort, k: usize) -> bool {
    k < c.returning.len() && !(c.partial && k + 1 == c.returning.len())
}

#[cfg(test)]
#[path = "retention_tests.rs"]
mod tests;
