//! One answer for both sources of visits: the store (every visit of the range read and
//! decoded per request) and the in-memory index ([`super::index`]) when it covers the
//! range. Both give the same figures; `shared/tests/shared/reports_index.rs` checks it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::index::VisitIndex;
use super::{Dimension, Figures, Filter, Interval, Metric, Range, Tally, Unconverted};
use crate::commerce::Rates;
use crate::session::Session;
use crate::storage::{Store, StoreError, VisitStore};

/// A metric's name and value.
pub type Figs = BTreeMap<&'static str, Value>;

/// What every report asks.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub range: Range,
    pub metrics: &'a [Metric],
    pub filters: &'a [Filter],
    pub rates: &'a Rates,
}

/// A breakdown: rows (value and figures, most visits first, at most the limit) and the total.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakdownAnswer {
    pub rows: Vec<(String, Figs)>,
    pub total: Figs,
    pub unconverted: Unconverted,
}

/// A timeseries: every bucket's label and figures.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesAnswer {
    pub points: Vec<(String, Figs)>,
    pub unconverted: Unconverted,
}

/// Whether the metrics need each buyer's first order.
pub fn wants_first_orders(metrics: &[Metric]) -> bool {
    metrics
        .iter()
        .any(|m| matches!(m, Metric::NewBuyers | Metric::ReturningBuyers))
}

/// Each buyer's first order ever (all time before `end`).
pub async fn first_orders(
    store: &dyn VisitStore,
    end: DateTime<Utc>,
) -> Result<HashMap<String, DateTime<Utc>>, StoreError> {
    store.first_orders(end).await
}

/// Adds one answer's unconverted revenue to another's, per currency.
pub fn merge_unconverted(into: &mut Unconverted, more: Unconverted) {
    for (c, v) in more {
        let sum = into.get(&c).and_then(Value::as_f64).unwrap_or(0.0) + v.as_f64().unwrap_or(0.0);
        into.insert(
            c,
            serde_json::Number::from_f64(sum).map_or(Value::Null, Value::Number),
        );
    }
}

/// The breakdown, from the index when it covers the range, else from the store.
pub async fn breakdown(
    store: &dyn Store,
    index: Option<&VisitIndex>,
    ask: Ask<'_>,
    dimension: Dimension,
    limit: usize,
) -> Result<BreakdownAnswer, StoreError> {
    let (start, end) = ask.range.bounds();
    if let Some(ix) = index.filter(|ix| ix.covers(start)) {
        // Read your writes: what the store holds now, from this instance or another.
        ix.refresh(store).await?;
        let first = if wants_first_orders(ask.metrics) {
            first_orders(store, end).await?
        } else {
            HashMap::new()
        };
        if let Some(answer) = ix.breakdown(&first, ask, dimension, limit) {
            return Ok(answer);
        }
    }
    let visits = store.visits(start, end).await?;
    let first = store_first_orders(store, &visits, ask.metrics, end).await?;
    Ok(breakdown_of_visits(&visits, &first, ask, dimension, limit))
}

/// The timeseries of one range, from the index when it covers the range, else from the
/// store.
pub async fn series(
    store: &dyn Store,
    index: Option<&VisitIndex>,
    ask: Ask<'_>,
    interval: Interval,
) -> Result<SeriesAnswer, StoreError> {
    let (start, end) = ask.range.bounds();
    if let Some(ix) = index.filter(|ix| ix.covers(start)) {
        ix.refresh(store).await?;
        let first = if wants_first_orders(ask.metrics) {
            first_orders(store, end).await?
        } else {
            HashMap::new()
        };
        if let Some(answer) = ix.series(&first, ask, interval) {
            return Ok(answer);
        }
    }
    let visits = store.visits(start, end).await?;
    let first = store_first_orders(store, &visits, ask.metrics, end).await?;
    Ok(series_of_visits(&visits, &first, ask, interval))
}

/// First orders are read only when asked for and someone bought in the range.
async fn store_first_orders(
    store: &dyn VisitStore,
    visits: &[Session],
    metrics: &[Metric],
    end: DateTime<Utc>,
) -> Result<HashMap<String, DateTime<Utc>>, StoreError> {
    if wants_first_orders(metrics) && visits.iter().any(Session::converted) {
        first_orders(store, end).await
    } else {
        Ok(HashMap::new())
    }
}

/// A breakdown of visits read from the store.
pub fn breakdown_of_visits(
    visits: &[Session],
    first: &HashMap<String, DateTime<Utc>>,
    ask: Ask<'_>,
    dimension: Dimension,
    limit: usize,
) -> BreakdownAnswer {
    let figures = Figures {
        rates: ask.rates,
        first_order: first,
        range_start: ask.range.bounds().0,
    };
    let (rows, total) = super::breakdown(super::select(visits, ask.filters), dimension);
    answer_breakdown(&figures, rows, &total, ask.metrics, limit)
}

/// A timeseries of visits read from the store.
pub fn series_of_visits(
    visits: &[Session],
    first: &HashMap<String, DateTime<Utc>>,
    ask: Ask<'_>,
    interval: Interval,
) -> SeriesAnswer {
    let figures = Figures {
        rates: ask.rates,
        first_order: first,
        range_start: ask.range.bounds().0,
    };
    let points = super::timeseries(super::select(visits, ask.filters), &ask.range, interval);
    answer_series(&figures, points, ask.metrics)
}

/// Figures of sorted rows and the total.
pub(crate) fn answer_breakdown<V: AsRef<str>, K, F: super::FirstOrders<K>>(
    figures: &Figures<'_, F>,
    rows: Vec<(V, Tally<K>)>,
    total: &Tally<K>,
    metrics: &[Metric],
    limit: usize,
) -> BreakdownAnswer {
    let rows = rows
        .into_iter()
        .take(limit)
        .map(|(value, tally)| (value.as_ref().to_owned(), figures.of(&tally, metrics).0))
        .collect();
    let (total, unconverted) = figures.of(total, metrics);
    BreakdownAnswer {
        rows,
        total,
        unconverted,
    }
}

/// Figures of every bucket.
pub(crate) fn answer_series<K, F: super::FirstOrders<K>>(
    figures: &Figures<'_, F>,
    points: Vec<(String, Tally<K>)>,
    metrics: &[Metric],
) -> SeriesAnswer {
    let mut unconverted = Unconverted::new();
    let points = points
        .into_iter()
        .map(|(t, tally)| {
            let (m, left) = figures.of(&tally, metrics);
            merge_unconverted(&mut unconverted, left);
            (t, m)
        })
        .collect();
    SeriesAnswer {
        points,
        unconverted,
    }
}
