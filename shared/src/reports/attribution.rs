//! Attribution: each order of a range credited to the visits ("touches") its person made in
//! the lookback window before it, under five models, per value of a visit dimension
//! (channel, campaign, source). Written once for both sources of visits (the in-memory
//! index and the store, see [`attribution`]), so both engines give the same figures.
//!
//! The rules (docs/reports.md, "Attribution"):
//! - An order counts when it is placed in the range; its touches are its person's visits
//!   (after identity merges: a linked id's visits and orders belong to the person) that
//!   start in `[order − lookback, order]` and pass the report's filters, earliest first.
//! - Every model gives the touches weights that add up to 1: the order's revenue (less
//!   refunds, in the reporting currency), the order itself (1) and, for the person's first
//!   order of the range, the conversion (1) are split by those weights.
//! - An order without a touch is "unattributed" and counted apart.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::index::VisitIndex;
use super::{Dimension, Filter, NONE, Range, Unconverted, money_value, to_reporting};
use crate::commerce::{Money, Order, Rates};
use crate::enrich::Channel;
use crate::session::Session;
use crate::storage::{Store, StoreError};

/// Lookback window when the request names none.
pub const DEFAULT_LOOKBACK_DAYS: u32 = 30;
/// Longest lookback window.
pub const MAX_LOOKBACK_DAYS: u32 = 90;
/// Time decay: a touch this long before the order weighs half as much as one at the order.
pub const HALF_LIFE: Duration = Duration::days(7);
/// Decimal places of the fractional `orders` and `conversions`.
pub const COUNT_DECIMALS: i32 = 4;

/// The dimensions credit can go to.
pub const DIMENSIONS: [Dimension; 3] = [
    Dimension::Channel,
    Dimension::UtmCampaign,
    Dimension::UtmSource,
];

/// How an order's credit is split over its touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Model {
    /// All to the earliest touch of the window.
    First,
    /// All to the latest touch that is not direct; to the latest touch when all are.
    LastNonDirect,
    /// Evenly over every touch.
    Linear,
    /// 40 % first, 40 % last, 20 % evenly over the ones between (one touch: all; two: half
    /// each).
    Position,
    /// Each touch `2^(−age / 7 days)` (age: order time − visit start), scaled to add up to 1.
    TimeDecay,
}

impl Model {
    pub const ALL: [Model; 5] = [
        Model::First,
        Model::LastNonDirect,
        Model::Linear,
        Model::Position,
        Model::TimeDecay,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Model::First => "first",
            Model::LastNonDirect => "lastNonDirect",
            Model::Linear => "linear",
            Model::Position => "position",
            Model::TimeDecay => "timeDecay",
        }
    }

    /// One model by name, or every model for `all`.
    pub fn parse_choice(name: &str) -> Result<Vec<Model>, String> {
        if name == "all" {
            return Ok(Model::ALL.to_vec());
        }
        Model::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .map(|m| vec![m])
            .ok_or_else(|| {
                format!(
                    "unknown model {name:?}; known: all, {}",
                    Model::ALL.map(Model::name).join(", ")
                )
            })
    }

    /// The weights of touches `(age in ms before the order, direct)`, earliest first
    /// (never empty); they add up to 1.
    pub fn weights(self, touches: &[(i64, bool)]) -> Vec<f64> {
        let n = touches.len();
        let mut w = vec![0.0; n];
        if n == 0 {
            return w;
        }
        match self {
            Model::First => w[0] = 1.0,
            Model::LastNonDirect => {
                let last = touches.iter().rposition(|(_, direct)| !direct);
                w[last.unwrap_or(n - 1)] = 1.0;
            }
            Model::Linear => w.fill(1.0 / count(n)),
            Model::Position => match n {
                1 => w[0] = 1.0,
                2 => w.fill(0.5),
                _ => {
                    w.fill(0.2 / count(n - 2));
                    w[0] = 0.4;
                    w[n - 1] = 0.4;
                }
            },
            Model::TimeDecay => {
                // Ages are whole ms within 90 days: exact in f64.
                #[allow(clippy::cast_precision_loss)]
                let half = HALF_LIFE.num_milliseconds() as f64;
                for (x, (age, _)) in w.iter_mut().zip(touches) {
                    #[allow(clippy::cast_precision_loss)]
                    let age = *age as f64;
                    *x = (-age / half).exp2();
                }
                let sum: f64 = w.iter().sum();
                for x in &mut w {
                    *x /= sum;
                }
            }
        }
        w
    }
}

fn count(n: usize) -> f64 {
    // Touches of one order: far below 2^53.
    #[allow(clippy::cast_precision_loss)]
    let n = n as f64;
    n
}

/// What an attribution report asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// Orders placed in these local days count.
    pub range: Range,
    /// One of [`DIMENSIONS`].
    pub dimension: Dimension,
    /// Touches up to this many days (of 24 hours) before an order count.
    pub lookback_days: u32,
    /// The models answered, in this order.
    pub models: Vec<Model>,
}

impl Spec {
    /// Checks the dimension, the lookback (1 to [`MAX_LOOKBACK_DAYS`]) and that a model is
    /// named.
    pub fn new(
        range: Range,
        dimension: Dimension,
        lookback_days: u32,
        models: Vec<Model>,
    ) -> Result<Spec, String> {
        if !DIMENSIONS.contains(&dimension) {
            return Err(format!(
                "dimension must be one of {}",
                DIMENSIONS.map(Dimension::name).join(", ")
            ));
        }
        if !(1..=MAX_LOOKBACK_DAYS).contains(&lookback_days) {
            return Err(format!("lookbackDays must be 1 to {MAX_LOOKBACK_DAYS}"));
        }
        if models.is_empty() {
            return Err("at least one model".into());
        }
        Ok(Spec {
            range,
            dimension,
            lookback_days,
            models,
        })
    }

    pub fn lookback(&self) -> Duration {
        Duration::days(i64::from(self.lookback_days))
    }

    /// The instants `[start, end)` of the visits that may be touches: the range's, with
    /// the lookback before it.
    pub fn touch_bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let (start, end) = self.range.bounds();
        (start - self.lookback(), end)
    }
}

/// One visit as a touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Touch<'a> {
    pub person: &'a str,
    /// When the visit started.
    pub at: DateTime<Utc>,
    /// Its value of the report's dimension.
    pub value: &'a str,
    /// Its channel is Direct, or unknown (`(none)`: no source was seen).
    pub direct: bool,
}

impl<'a> Touch<'a> {
    /// A visit read from the store.
    pub fn of(s: &'a Session, dimension: Dimension) -> Self {
        Touch {
            person: &s.profile_id,
            at: s.start,
            value: dimension.value_of(s),
            direct: is_direct(Dimension::Channel.value_of(s)),
        }
    }
}

/// Whether a channel value is direct (or unknown).
pub fn is_direct(channel: &str) -> bool {
    channel == Channel::Direct.as_str() || channel == NONE
}

/// Revenue, orders and conversions credited under one model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Credit {
    /// In the reporting currency's major unit, rounded to its minor unit.
    pub revenue: f64,
    /// Rounded to [`COUNT_DECIMALS`] places.
    pub orders: f64,
    pub conversions: f64,
}

/// One dimension value and its credit under each model of the spec (in its order).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub value: String,
    pub credits: Vec<Credit>,
}

/// The report.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Values with credit, most revenue (summed over the models) first, then most orders,
    /// then by value.
    pub rows: Vec<Row>,
    /// Every order of the range (attributed or not): what each model's rows add up to
    /// with `unattributed`, up to rounding.
    pub total: Credit,
    /// Orders without a touch in their window.
    pub unattributed: Credit,
    /// Revenue in currencies without a rate, per currency: in no row and no total.
    pub unconverted: Unconverted,
}

/// Unrounded sums: revenue in reporting minor units.
#[derive(Debug, Clone, Copy, Default)]
struct Sum {
    minor: f64,
    orders: f64,
    conversions: f64,
}

impl Sum {
    fn add(&mut self, w: f64, minor: f64, conversion: bool) {
        self.minor += w * minor;
        self.orders += w;
        if conversion {
            self.conversions += w;
        }
    }

    fn credit(self, rates: &Rates) -> Credit {
        // Whole minor units of any revenue a shop has are exact in f64 and i64.
        #[allow(clippy::cast_possible_truncation)]
        let minor = self.minor.round() as i64;
        Credit {
            revenue: money_value(Money {
                minor,
                currency: rates.reporting,
            })
            .as_f64()
            .unwrap_or(0.0),
            orders: round_count(self.orders),
            conversions: round_count(self.conversions),
        }
    }
}

fn round_count(x: f64) -> f64 {
    let scale = 10_f64.powi(COUNT_DECIMALS);
    (x * scale).round() / scale
}

/// The report of `spec` from the orders placed in its range (others are ignored) and the
/// visits that may be touches (any order; those outside [`Spec::touch_bounds`] or of people
/// without an order are ignored). With `people`, only their orders count (a segment).
pub fn compute<'a>(
    spec: &Spec,
    touches: impl IntoIterator<Item = Touch<'a>>,
    orders: &[Order],
    rates: &Rates,
    people: Option<&crate::segments::Members>,
) -> Answer {
    let (start, end) = spec.range.bounds();
    let mut placed: Vec<&Order> = orders
        .iter()
        .filter(|o| o.at >= start && o.at < end)
        .filter(|o| people.is_none_or(|p| p.contains(&o.profile_id)))
        .collect();
    placed.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.order_id.cmp(&b.order_id)));

    // Each buyer's touches, earliest first; ties by value so both sources agree.
    let mut by_person: HashMap<&str, Vec<(i64, &'a str, bool)>> = placed
        .iter()
        .map(|o| (o.profile_id.as_str(), Vec::new()))
        .collect();
    let (touch_start, touch_end) = spec.touch_bounds();
    for t in touches {
        if t.at < touch_start || t.at >= touch_end {
            continue;
        }
        if let Some(list) = by_person.get_mut(t.person) {
            list.push((t.at.timestamp_millis(), t.value, t.direct));
        }
    }
    for list in by_person.values_mut() {
        list.sort_unstable();
    }

    let n = spec.models.len();
    let mut rows: HashMap<&str, Vec<Sum>> = HashMap::new();
    let mut total = Sum::default();
    let mut unattributed = Sum::default();
    let mut unconverted: BTreeMap<String, f64> = BTreeMap::new();
    let mut converted: HashSet<&str> = HashSet::new();
    let lookback = spec.lookback().num_milliseconds();
    for o in placed {
        let (minor, left) = to_reporting(
            rates,
            &BTreeMap::from([(o.revenue.currency, o.revenue.minor - o.refunded)]),
        );
        for (currency, v) in left {
            *unconverted.entry(currency).or_default() += v.as_f64().unwrap_or(0.0);
        }
        // Reporting minor units of one order: exact in f64.
        #[allow(clippy::cast_precision_loss)]
        let minor = minor as f64;
        let conversion = converted.insert(o.profile_id.as_str());
        total.add(1.0, minor, conversion);
        let at = o.at.timestamp_millis();
        let list = by_person
            .get(o.profile_id.as_str())
            .map_or(&[][..], Vec::as_slice);
        let from = list.partition_point(|(t, _, _)| *t < at - lookback);
        let to = list.partition_point(|(t, _, _)| *t <= at);
        let window = &list[from..to];
        if window.is_empty() {
            unattributed.add(1.0, minor, conversion);
            continue;
        }
        let ages: Vec<(i64, bool)> = window.iter().map(|(t, _, d)| (at - t, *d)).collect();
        for (m, model) in spec.models.iter().enumerate() {
            for (w, (_, value, _)) in model.weights(&ages).into_iter().zip(window) {
                if w > 0.0 {
                    rows.entry(value).or_insert_with(|| vec![Sum::default(); n])[m]
                        .add(w, minor, conversion);
                }
            }
        }
    }

    let mut rows: Vec<(&str, Vec<Sum>)> = rows.into_iter().collect();
    let key = |sums: &[Sum]| -> (f64, f64) {
        sums.iter()
            .fold((0.0, 0.0), |(r, o), s| (r + s.minor, o + s.orders))
    };
    rows.sort_by(|a, b| {
        let (ra, oa) = key(&a.1);
        let (rb, ob) = key(&b.1);
        rb.total_cmp(&ra).then(ob.total_cmp(&oa)).then(a.0.cmp(b.0))
    });
    Answer {
        rows: rows
            .into_iter()
            .map(|(value, sums)| Row {
                value: value.to_owned(),
                credits: sums.into_iter().map(|s| s.credit(rates)).collect(),
            })
            .collect(),
        total: total.credit(rates),
        unattributed: unattributed.credit(rates),
        unconverted: unconverted
            .into_iter()
            .map(|(c, v)| {
                (
                    c,
                    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
                )
            })
            .collect(),
    }
}

/// The report, with orders from the store and touches from the in-memory index for the
/// part of [`Spec::touch_bounds`] its window holds, from the store for the rest (all of it
/// without an index). Every split gives the same answer.
pub async fn attribution(
    store: &dyn Store,
    index: Option<&VisitIndex>,
    spec: &Spec,
    filters: &[Filter],
    rates: &Rates,
    people: Option<&crate::segments::Members>,
) -> Result<Answer, StoreError> {
    let (start, end) = spec.range.bounds();
    let (touch_start, _) = spec.touch_bounds();
    if let Some((ix, window)) = index.and_then(|ix| Some((ix, ix.window_start()?)))
        && window < end
    {
        // Orders before the refresh: an order's visit commits with it, so every order
        // read has its visit in the index.
        let orders = store.orders(start, end).await?;
        ix.refresh(store).await?;
        let split = window.max(touch_start);
        let older = if touch_start < split {
            store.visits(touch_start, split).await?
        } else {
            Vec::new()
        };
        let answer = ix.visits_with(split, end, filters, |visits| {
            let recent = visits.map(|v| Touch {
                person: v.person,
                at: v.start,
                value: v.value(spec.dimension),
                direct: is_direct(v.value(Dimension::Channel)),
            });
            let older = super::select(&older, filters).map(|s| Touch::of(s, spec.dimension));
            compute(spec, older.chain(recent), &orders, rates, people)
        });
        if let Some(answer) = answer {
            return Ok(answer);
        }
    }
    let visits = store.visits(touch_start, end).await?;
    let orders = store.orders(start, end).await?;
    Ok(compute(
        spec,
        super::select(&visits, filters).map(|s| Touch::of(s, spec.dimension)),
        &orders,
        rates,
        people,
    ))
}

#[cfg(test)]
#[path = "attribution_tests.rs"]
mod tests;
