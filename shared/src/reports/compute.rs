//! One answer for both sources of visits: the store (every visit of the range read and
//! decoded per request) and the in-memory index ([`super::index`]) when it covers the
//! range. Both give the same figures; `shared/tests/shared/reports_index.rs` checks it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::index::VisitIndex;
use super::{Dimension, Figures, Filter, Interval, Metric, People, Range, Tally, Unconverted};
use crate::commerce::Rates;
use crate::segments::Members;
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
    /// Only the visits of these people (a segment's members), when given.
    pub people: Option<&'a Members>,
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
        if wants_first_orders(ask.metrics) {
            ix.first_orders(store).await?;
        }
        if let Some(answer) = ix.breakdown(ask, dimension, limit) {
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
        if wants_first_orders(ask.metrics) {
            ix.first_orders(store).await?;
        }
        if let Some(answer) = ix.series(ask, interval) {
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

/// The visits that pass the filters, of the people asked for.
fn of_people<'a>(visits: &'a [Session], ask: Ask<'a>) -> impl Iterator<Item = &'a Session> {
    super::select(visits, ask.filters)
        .filter(move |s| ask.people.is_none_or(|m| m.contains(&s.profile_id)))
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
    let (rows, total) = super::breakdown(of_people(visits, ask), dimension);
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
    let points = super::timeseries(of_people(visits, ask), &ask.range, interval);
    answer_series(&figures, points, ask.metrics)
}

/// Figures of sorted rows and the total.
pub(crate) fn answer_breakdown<V: AsRef<str>, K, P: People<K>, F: super::FirstOrders<K>>(
    figures: &Figures<'_, F>,
    rows: Vec<(V, Tally<K, P>)>,
    total: &Tally<K, P>,
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
pub(crate) fn answer_series<K, P: People<K>, F: super::FirstOrders<K>>(
    figures: &Figures<'_, F>,
    points: Vec<(String, Tally<K, P>)>,
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

/// What a person did with one product in a visit.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum ProductAction {
    /// Product views.
    Viewed,
    /// Visits in which it was added to a cart.
    Carted,
    /// Orders with a line of it.
    Ordered,
}

/// What to count per person in the visits that start at or after `since` (and before the
/// end of the range read): what behavioural segments are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub since: DateTime<Utc>,
    pub what: Tap,
}

/// One count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tap {
    /// Visits with this value of a dimension (as the filter `dimension:value` passes them).
    Visits(Filter),
    /// Events of this type.
    Events(String),
    /// A product's (by the `product` dimension's value: name, else sku) views, visits with
    /// a cart add, or orders.
    Product(String, ProductAction),
}

/// Per person (profile id), one count per probe; people without any visit in the range
/// are absent.
pub type PersonCounts = HashMap<String, Vec<u64>>;

/// What one visit adds to a probe, from the visit's figures: `product` is the `product`
/// dimension's part for the probe's product, if the visit has one.
pub(crate) fn tap_count(tap: &Tap, events_of_type: u64, product: Option<&super::Part<'_>>) -> u64 {
    match tap {
        Tap::Visits(_) => 1,
        Tap::Events(_) => events_of_type,
        Tap::Product(_, action) => product.map_or(0, |p| match action {
            ProductAction::Viewed => p.product_views,
            ProductAction::Carted => u64::from(p.carted),
            ProductAction::Ordered => p.orders,
        }),
    }
}

/// The counts of `probes` over the visits of `[from, to)`: from the index when it covers
/// the range, else from the store.
pub async fn person_counts(
    store: &dyn Store,
    index: Option<&VisitIndex>,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    probes: &[Probe],
) -> Result<PersonCounts, StoreError> {
    if let Some(ix) = index.filter(|ix| ix.covers(from)) {
        ix.refresh(store).await?;
        if let Some(counts) = ix.person_counts((from, to), probes) {
            return Ok(counts);
        }
    }
    let visits = store.visits(from, to).await?;
    Ok(person_counts_of_visits(&visits, probes))
}

/// [`person_counts`] of visits read from the store.
pub fn person_counts_of_visits(visits: &[Session], probes: &[Probe]) -> PersonCounts {
    let mut out = PersonCounts::new();
    for s in visits {
        let mut add: Option<Vec<u64>> = None;
        for (i, p) in probes.iter().enumerate() {
            if s.start < p.since {
                continue;
            }
            let n = match &p.what {
                Tap::Visits(f) => u64::from(f.matches(s)),
                Tap::Events(t) => s.types.get(t).copied().unwrap_or(0),
                Tap::Product(name, _) => {
                    let parts = Dimension::Product.parts(s);
                    let part = parts.iter().find(|(v, _)| v == name).map(|(_, p)| p);
                    tap_count(&p.what, 0, part)
                }
            };
            if n > 0 {
                add.get_or_insert_with(|| vec![0; probes.len()])[i] += n;
            }
        }
        if let Some(add) = add {
            let counts = out
                .entry(s.profile_id.clone())
                .or_insert_with(|| vec![0; probes.len()]);
            for (c, a) in counts.iter_mut().zip(add) {
                *c += a;
            }
        }
    }
    out
}
