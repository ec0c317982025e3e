//! The reports family (timeseries and breakdowns), computed the same way for every engine
//! from the visits and orders the write path keeps ([`crate::session`],
//! [`crate::commerce`]). Every figure here is exact: this version reads each visit of the
//! range (the metric definitions are in `docs/reports.md`), from the store or, when it
//! covers the range, from the in-memory visit index ([`index`]); [`compute`] assembles
//! both answers alike.
//!
//! Time: a visit counts in the bucket of its start, in the shop's time zone; a range of
//! days `[from, to]` runs from local midnight of `from` to local midnight after `to`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::Hash;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Number, Value};

use crate::commerce::{Currency, Money, Rates, unnamed_currency};
use crate::session::Session;

pub mod attribution;
pub mod compute;
pub mod index;

/// A figure reports can give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Metric {
    Visitors,
    Sessions,
    Pageviews,
    ViewsPerSession,
    BounceRate,
    AvgSessionSeconds,
    Events,
    Orders,
    Revenue,
    Aov,
    ConversionRate,
    AddToCartRate,
    Buyers,
    NewBuyers,
    ReturningBuyers,
    Quantity,
    ProductViews,
}

impl Metric {
    pub const ALL: [Metric; 17] = [
        Metric::Visitors,
        Metric::Sessions,
        Metric::Pageviews,
        Metric::ViewsPerSession,
        Metric::BounceRate,
        Metric::AvgSessionSeconds,
        Metric::Events,
        Metric::Orders,
        Metric::Revenue,
        Metric::Aov,
        Metric::ConversionRate,
        Metric::AddToCartRate,
        Metric::Buyers,
        Metric::NewBuyers,
        Metric::ReturningBuyers,
        Metric::Quantity,
        Metric::ProductViews,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::Visitors => "visitors",
            Metric::Sessions => "sessions",
            Metric::Pageviews => "pageviews",
            Metric::ViewsPerSession => "viewsPerSession",
            Metric::BounceRate => "bounceRate",
            Metric::AvgSessionSeconds => "avgSessionSeconds",
            Metric::Events => "events",
            Metric::Orders => "orders",
            Metric::Revenue => "revenue",
            Metric::Aov => "aov",
            Metric::ConversionRate => "conversionRate",
            Metric::AddToCartRate => "addToCartRate",
            Metric::Buyers => "buyers",
            Metric::NewBuyers => "newBuyers",
            Metric::ReturningBuyers => "returningBuyers",
            Metric::Quantity => "quantity",
            Metric::ProductViews => "productViews",
        }
    }

    pub fn parse(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Reads a comma-separated list; an unknown name is an error that lists the known ones.
    pub fn parse_list(list: &str) -> Result<Vec<Metric>, String> {
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let m = Metric::parse(name).ok_or_else(|| {
                format!(
                    "unknown metric {name:?}; known: {}",
                    Metric::ALL.map(Metric::name).join(", ")
                )
            })?;
            if !out.contains(&m) {
                out.push(m);
            }
        }
        if out.is_empty() {
            return Err("metrics must name at least one metric".into());
        }
        Ok(out)
    }
}

/// What a breakdown groups visits by, and filters test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Channel,
    Referrer,
    UtmSource,
    UtmMedium,
    UtmCampaign,
    UtmContent,
    UtmTerm,
    LandingPage,
    Page,
    ExitPage,
    EventType,
    Product,
    ProductCategory,
    Country,
    Device,
    Browser,
    Os,
    Locale,
}

/// The value a visit has no value for.
pub const NONE: &str = "(none)";

impl Dimension {
    pub const ALL: [Dimension; 18] = [
        Dimension::Channel,
        Dimension::Referrer,
        Dimension::UtmSource,
        Dimension::UtmMedium,
        Dimension::UtmCampaign,
        Dimension::UtmContent,
        Dimension::UtmTerm,
        Dimension::LandingPage,
        Dimension::Page,
        Dimension::ExitPage,
        Dimension::EventType,
        Dimension::Product,
        Dimension::ProductCategory,
        Dimension::Country,
        Dimension::Device,
        Dimension::Browser,
        Dimension::Os,
        Dimension::Locale,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dimension::Channel => "channel",
            Dimension::Referrer => "referrer",
            Dimension::UtmSource => "utmSource",
            Dimension::UtmMedium => "utmMedium",
            Dimension::UtmCampaign => "utmCampaign",
            Dimension::UtmContent => "utmContent",
            Dimension::UtmTerm => "utmTerm",
            Dimension::LandingPage => "landingPage",
            Dimension::ExitPage => "exitPage",
            Dimension::Page => "page",
            Dimension::EventType => "eventType",
            Dimension::Product => "product",
            Dimension::ProductCategory => "productCategory",
            Dimension::Country => "country",
            Dimension::Device => "device",
            Dimension::Browser => "browser",
            Dimension::Os => "os",
            Dimension::Locale => "locale",
        }
    }

    pub fn parse(name: &str) -> Result<Dimension, String> {
        Dimension::ALL
            .into_iter()
            .find(|d| d.name() == name)
            .ok_or_else(|| {
                format!(
                    "unknown dimension {name:?}; known: {}",
                    Dimension::ALL.map(Dimension::name).join(", ")
                )
            })
    }

    /// Event-level dimensions: a visit has any number of their values (the pages it
    /// viewed, the types of its events, the products it viewed, added or ordered).
    pub fn is_event_level(self) -> bool {
        matches!(
            self,
            Dimension::Page
                | Dimension::EventType
                | Dimension::Product
                | Dimension::ProductCategory
        )
    }

    /// The visit's value of a visit-level dimension ([`NONE`] when it has none; for an
    /// event-level one see [`Dimension::parts`]). Source and medium are the visit's
    /// attribution: a UTM tag, else what the referrer or a click id gave.
    pub fn value_of(self, s: &Session) -> &str {
        let t = &s.touch;
        let v = match self {
            Dimension::Page
            | Dimension::EventType
            | Dimension::Product
            | Dimension::ProductCategory => None,
            Dimension::Channel => t.channel.map(|c| c.as_str()),
            Dimension::Referrer => t.referrer_domain.as_deref(),
            Dimension::UtmSource => t.source.as_deref(),
            Dimension::UtmMedium => t.medium.as_deref(),
            Dimension::UtmCampaign => t.campaign.as_deref(),
            Dimension::UtmContent => t.content.as_deref(),
            Dimension::UtmTerm => t.term.as_deref(),
            Dimension::LandingPage => s.landing.as_ref().map(|(_, p)| p.as_str()),
            Dimension::ExitPage => s.exit.as_ref().map(|(_, p)| p.as_str()),
            Dimension::Country => t.country.as_deref(),
            Dimension::Device => t.device.map(|d| d.as_str()),
            Dimension::Browser => t.browser.as_deref(),
            Dimension::Os => t.os.as_deref(),
            Dimension::Locale => t.locale.as_deref(),
        };
        v.unwrap_or(NONE)
    }

    /// Every value the visit has, each with what the visit gives that value's row. A
    /// visit-level dimension gives one value and the whole visit; an event-level one gives
    /// one part per value (none when the visit has none): a page its views, an event type
    /// its events, a product (by name, else sku) or category its views, cart adds, orders,
    /// units and line revenue.
    pub fn parts<'a>(self, s: &'a Session) -> Vec<(&'a str, Part<'a>)> {
        let whole = || Part::of(s);
        match self {
            Dimension::Page => s
                .pages
                .iter()
                .map(|(page, n)| (page.as_str(), whole().share(*n, *n)))
                .collect(),
            Dimension::EventType => s
                .types
                .iter()
                .map(|(kind, n)| {
                    let views = if matches!(kind.as_str(), "page_view" | "screen") {
                        *n
                    } else {
                        0
                    };
                    (kind.as_str(), whole().share(views, *n))
                })
                .collect(),
            Dimension::Product | Dimension::ProductCategory => {
                let mut out: Vec<(&'a str, Part<'a>)> = Vec::new();
                for (sku, a) in &s.products {
                    let value = if self == Dimension::Product {
                        a.name.as_deref().unwrap_or(sku)
                    } else {
                        a.category.as_deref().unwrap_or(NONE)
                    };
                    let part = Part {
                        orders: a.orders,
                        quantity: a.quantity,
                        product_views: a.views,
                        converted: a.orders > 0,
                        carted: a.carts > 0,
                        revenue: vec![&a.revenue],
                        ..whole()
                    };
                    match out.iter_mut().find(|(v, _)| *v == value) {
                        Some((_, p)) => p.combine(part),
                        None => out.push((value, part)),
                    }
                }
                out
            }
            _ => vec![(self.value_of(s), whole())],
        }
    }

    /// The values a filter tests: those of [`Dimension::parts`], or [`NONE`] for a visit
    /// without any.
    pub fn values_of(self, s: &Session) -> Vec<&str> {
        if !self.is_event_level() {
            return vec![self.value_of(s)];
        }
        let values: Vec<&str> = match self {
            Dimension::Page => s.pages.keys().map(String::as_str).collect(),
            Dimension::EventType => s.types.keys().map(String::as_str).collect(),
            Dimension::Product => s
                .products
                .iter()
                .map(|(sku, a)| a.name.as_deref().unwrap_or(sku))
                .collect(),
            _ => s
                .products
                .values()
                .map(|a| a.category.as_deref().unwrap_or(NONE))
                .collect(),
        };
        if values.is_empty() {
            vec![NONE]
        } else {
            values
        }
    }
}

/// What one visit adds to one row of a report. Visitors, sessions, bounces and durations
/// are always the visit's; the rest is the visit's too for a visit-level row, and the
/// value's own share for an event-level one (see `docs/reports.md`).
#[derive(Debug, Clone)]
pub struct Part<'a> {
    pub pageviews: u64,
    pub events: u64,
    pub orders: u64,
    pub quantity: u64,
    pub product_views: u64,
    /// Counts towards `conversionRate` and `buyers`.
    pub converted: bool,
    /// Counts towards `addToCartRate`.
    pub carted: bool,
    /// Revenue per currency, minor units (several maps for a category of several products).
    pub revenue: Vec<&'a BTreeMap<Currency, i64>>,
}

impl<'a> Part<'a> {
    /// The whole visit.
    pub fn of(s: &'a Session) -> Self {
        Part {
            pageviews: s.pageviews,
            events: s.events,
            orders: s.orders,
            quantity: s.products.values().map(|a| a.quantity).sum(),
            product_views: s.products.values().map(|a| a.views).sum(),
            converted: s.converted(),
            carted: s.add_to_carts > 0,
            revenue: vec![&s.revenue],
        }
    }

    /// The whole visit with its own page views and events: what a page or an event type
    /// gives its row.
    pub fn share(self, pageviews: u64, events: u64) -> Self {
        Part {
            pageviews,
            events,
            ..self
        }
    }

    /// Two products of one visit with the same name or category make one row.
    pub(crate) fn combine(&mut self, other: Part<'a>) {
        self.pageviews = self.pageviews.max(other.pageviews);
        self.orders += other.orders;
        self.quantity += other.quantity;
        self.product_views += other.product_views;
        self.converted |= other.converted;
        self.carted |= other.carted;
        self.revenue.extend(other.revenue);
    }
}

/// `dimension:value` (is), `dimension!=value` (is not) or `dimension~value` (contains,
/// ignoring case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub dimension: Dimension,
    pub op: FilterOp,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Is,
    IsNot,
    Contains,
}

impl Filter {
    pub fn parse(text: &str) -> Result<Filter, String> {
        let name_end = text
            .find(|c: char| !c.is_ascii_alphanumeric())
            .ok_or_else(|| format!("filter {text:?} must look like dimension:value"))?;
        let (name, rest) = text.split_at(name_end);
        let (op, value) = if let Some(v) = rest.strip_prefix("!=") {
            (FilterOp::IsNot, v)
        } else if let Some(v) = rest.strip_prefix('~') {
            (FilterOp::Contains, v)
        } else if let Some(v) = rest.strip_prefix(':') {
            (FilterOp::Is, v)
        } else {
            return Err(format!(
                "filter {text:?} must be dimension:value, dimension!=value or dimension~value"
            ));
        };
        Ok(Filter {
            dimension: Dimension::parse(name)?,
            op,
            value: value.to_owned(),
        })
    }

    /// A visit passes when one of its values is (or contains) the filter's value, or, for
    /// `!=`, when none of them is it: `page!=/cart` keeps the visits that never viewed
    /// `/cart`.
    pub fn matches(&self, s: &Session) -> bool {
        let needle = self.value.to_lowercase();
        self.passes(
            self.dimension
                .values_of(s)
                .iter()
                .any(|v| self.hits(v, &needle)),
        )
    }

    /// Whether one value is the filter's (`:`, `!=`) or contains it ignoring case (`~`);
    /// `needle` is the filter's value in lower case.
    pub fn hits(&self, value: &str, needle: &str) -> bool {
        match self.op {
            FilterOp::Is | FilterOp::IsNot => value == self.value,
            FilterOp::Contains => value.to_lowercase().contains(needle),
        }
    }

    /// Whether a visit passes, given whether one of its values hits.
    pub fn passes(&self, any_hit: bool) -> bool {
        match self.op {
            FilterOp::IsNot => !any_hit,
            FilterOp::Is | FilterOp::Contains => any_hit,
        }
    }
}

/// The bucket size of a timeseries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Hour,
    Day,
    Week,
    Month,
}

impl Interval {
    pub fn parse(name: &str) -> Result<Interval, String> {
        match name {
            "hour" => Ok(Interval::Hour),
            "day" => Ok(Interval::Day),
            "week" => Ok(Interval::Week),
            "month" => Ok(Interval::Month),
            _ => Err(format!(
                "interval {name:?} must be hour, day, week or month"
            )),
        }
    }
}

/// A range of local days in the shop's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub tz: Tz,
}

impl Range {
    /// The instants `[start, end)` the range covers: local midnight of `from` to local
    /// midnight after `to`.
    pub fn bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            local_midnight(self.tz, self.from),
            local_midnight(self.tz, self.to + Duration::days(1)),
        )
    }

    /// The range of the same length just before this one.
    pub fn previous(&self) -> Range {
        let days = (self.to - self.from).num_days() + 1;
        Range {
            from: self.from - Duration::days(days),
            to: self.from - Duration::days(1),
            tz: self.tz,
        }
    }

    /// The label of every bucket of the range, in order.
    pub fn buckets(&self, interval: Interval) -> Vec<String> {
        let mut out = Vec::new();
        match interval {
            Interval::Hour => {
                let mut d = self.from;
                while d <= self.to {
                    for h in 0..24 {
                        out.push(format!("{}T{h:02}:00", d.format("%Y-%m-%d")));
                    }
                    d += Duration::days(1);
                }
            }
            Interval::Day | Interval::Week | Interval::Month => {
                let mut d = self.from;
                while d <= self.to {
                    let label = day_label(d, interval);
                    if out.last() != Some(&label) {
                        out.push(label);
                    }
                    d += Duration::days(1);
                }
            }
        }
        out
    }

    /// The label of the bucket an instant falls in.
    pub fn bucket_of(&self, t: DateTime<Utc>, interval: Interval) -> String {
        let local = t.with_timezone(&self.tz);
        match interval {
            Interval::Hour => format!("{}T{:02}:00", local.format("%Y-%m-%d"), local.hour()),
            _ => day_label(local.date_naive(), interval),
        }
    }
}

/// Days as `2026-06-01`; weeks by their Monday; months as `2026-06`.
pub fn day_label(d: NaiveDate, interval: Interval) -> String {
    match interval {
        Interval::Week => {
            let monday = d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
            monday.format("%Y-%m-%d").to_string()
        }
        Interval::Month => d.format("%Y-%m").to_string(),
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

/// The first instant of a local day (the start of the day is 00:00 unless a DST change
/// skips it, then the first valid time).
pub fn local_midnight(tz: Tz, d: NaiveDate) -> DateTime<Utc> {
    let midnight: NaiveDateTime = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    (0..=3)
        .find_map(|h| {
            tz.from_local_datetime(&(midnight + Duration::hours(h)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// The people a [`Tally`] counts once each (its visitors, its buyers): a hash set of profile
/// ids for the store path, a set of codes for the index (`index::Distinct`).
pub trait People<K>: Default {
    fn insert(&mut self, who: K);
    /// Adds everyone in `other`.
    fn union(&mut self, other: &Self);
    /// How many there are.
    fn size(&self) -> usize;
    /// How many of them `keep` keeps.
    fn count(&self, keep: impl FnMut(&K) -> bool) -> usize;
}

impl<K: Hash + Eq + Clone> People<K> for HashSet<K> {
    fn insert(&mut self, who: K) {
        HashSet::insert(self, who);
    }

    fn union(&mut self, other: &Self) {
        self.extend(other.iter().cloned());
    }

    fn size(&self) -> usize {
        HashSet::len(self)
    }

    fn count(&self, keep: impl FnMut(&K) -> bool) -> usize {
        let mut keep = keep;
        self.iter().filter(|k| keep(k)).count()
    }
}

/// Sums of a set of visits, from which every metric follows. `K` names a person: the
/// profile id, or the index's code for it; `P` holds the distinct ones.
#[derive(Debug, Clone)]
pub struct Tally<K, P = HashSet<K>> {
    visitors: P,
    buyers: P,
    who: std::marker::PhantomData<fn() -> K>,
    pub(crate) sessions: u64,
    pageviews: u64,
    bounces: u64,
    seconds: i64,
    events: u64,
    orders: u64,
    converted: u64,
    carts: u64,
    quantity: u64,
    product_views: u64,
    revenue: BTreeMap<Currency, i64>,
}

impl<K, P: Default> Default for Tally<K, P> {
    fn default() -> Self {
        Tally {
            visitors: P::default(),
            buyers: P::default(),
            who: std::marker::PhantomData,
            sessions: 0,
            pageviews: 0,
            bounces: 0,
            seconds: 0,
            events: 0,
            orders: 0,
            converted: 0,
            carts: 0,
            quantity: 0,
            product_views: 0,
            revenue: BTreeMap::new(),
        }
    }
}

impl<'a> Tally<&'a str> {
    /// Adds a whole visit.
    pub fn add(&mut self, s: &'a Session) {
        self.add_part(s, Part::of(s));
    }

    /// Adds what a visit gives one row.
    pub fn add_part(&mut self, s: &'a Session, part: Part<'_>) {
        self.add_visit(&s.profile_id, s.bounced(), s.duration_seconds(), &part);
    }
}

impl<K: Copy, P: People<K>> Tally<K, P> {
    /// Adds what a visit of person `who` (bounced or not, lasting `seconds`) gives one row.
    pub fn add_visit(&mut self, who: K, bounced: bool, seconds: i64, part: &Part<'_>) {
        self.visitors.insert(who);
        self.sessions += 1;
        self.pageviews += part.pageviews;
        self.bounces += u64::from(bounced);
        self.seconds += seconds;
        self.events += part.events;
        self.orders += part.orders;
        self.quantity += part.quantity;
        self.product_views += part.product_views;
        self.converted += u64::from(part.converted);
        self.carts += u64::from(part.carted);
        if part.converted {
            self.buyers.insert(who);
        }
        for map in &part.revenue {
            for (c, m) in *map {
                *self.revenue.entry(*c).or_default() += m;
            }
        }
    }
}

impl<K, P: People<K>> Tally<K, P> {
    /// Adds revenue (minor units) of a visit added with [`Tally::add_visit`] without it.
    pub fn add_revenue(&mut self, currency: Currency, minor: i64) {
        *self.revenue.entry(currency).or_default() += minor;
    }

    /// Adds the visits of another tally (none of them already in this one): its people
    /// count once each here.
    pub fn absorb(&mut self, other: &Self) {
        self.visitors.union(&other.visitors);
        self.buyers.union(&other.buyers);
        self.sessions += other.sessions;
        self.pageviews += other.pageviews;
        self.bounces += other.bounces;
        self.seconds += other.seconds;
        self.events += other.events;
        self.orders += other.orders;
        self.converted += other.converted;
        self.carts += other.carts;
        self.quantity += other.quantity;
        self.product_views += other.product_views;
        for (c, m) in &other.revenue {
            self.add_revenue(*c, *m);
        }
    }
}

/// Each buyer's first order ever, by whatever names a person in a [`Tally`].
pub trait FirstOrders<K> {
    fn first_order(&self, who: &K) -> Option<DateTime<Utc>>;
}

impl FirstOrders<&str> for HashMap<String, DateTime<Utc>> {
    fn first_order(&self, who: &&str) -> Option<DateTime<Utc>> {
        self.get(*who).copied()
    }
}

/// What turns tallies into figures: money rules and who bought before.
pub struct Figures<'a, F = HashMap<String, DateTime<Utc>>> {
    pub rates: &'a Rates,
    /// Each buyer's first order ever (at or before the range's end).
    pub first_order: &'a F,
    /// When the range starts: a buyer whose first order is earlier is returning.
    pub range_start: DateTime<Utc>,
}

/// Revenue a report could not convert: per currency, in major units.
pub type Unconverted = BTreeMap<String, Value>;

impl<F> Figures<'_, F> {
    /// Revenue in the reporting currency (minor units) and what had no rate.
    fn revenue<K, P>(&self, tally: &Tally<K, P>) -> (i64, Unconverted) {
        to_reporting(self.rates, &tally.revenue)
    }

    /// The requested metrics of a tally (a ratio over nothing is `null`).
    pub fn of<K, P: People<K>>(
        &self,
        tally: &Tally<K, P>,
        metrics: &[Metric],
    ) -> (BTreeMap<&'static str, Value>, Unconverted)
    where
        F: FirstOrders<K>,
    {
        let (revenue, unconverted) = self.revenue(tally);
        let ratio = |n: f64, d: u64| -> Value {
            if d == 0 {
                Value::Null
            } else {
                number(n / d as f64)
            }
        };
        let new_buyers = tally.buyers.count(|b| {
            self.first_order
                .first_order(b)
                .is_some_and(|t| t >= self.range_start)
        }) as u64;
        let reporting = self.rates.reporting;
        let out = metrics
            .iter()
            .map(|m| {
                let v = match m {
                    Metric::Visitors => Value::from(tally.visitors.size() as u64),
                    Metric::Sessions => Value::from(tally.sessions),
                    Metric::Pageviews => Value::from(tally.pageviews),
                    Metric::ViewsPerSession => ratio(tally.pageviews as f64, tally.sessions),
                    Metric::BounceRate => ratio(tally.bounces as f64, tally.sessions),
                    Metric::AvgSessionSeconds => ratio(tally.seconds as f64, tally.sessions),
                    Metric::Events => Value::from(tally.events),
                    Metric::Orders => Value::from(tally.orders),
                    Metric::Revenue => money_value(Money {
                        minor: revenue,
                        currency: reporting,
                    }),
                    Metric::Aov => {
                        if tally.orders == 0 {
                            Value::Null
                        } else {
                            let per = Decimal::new(revenue, reporting.exponent())
                                / Decimal::from(tally.orders);
                            number(per.round_dp(reporting.exponent()).to_f64().unwrap_or(0.0))
                        }
                    }
                    Metric::ConversionRate => ratio(tally.converted as f64, tally.sessions),
                    Metric::AddToCartRate => ratio(tally.carts as f64, tally.sessions),
                    Metric::Buyers => Value::from(tally.buyers.size() as u64),
                    Metric::NewBuyers => Value::from(new_buyers),
                    Metric::ReturningBuyers => Value::from(tally.buyers.size() as u64 - new_buyers),
                    Metric::Quantity => Value::from(tally.quantity),
                    Metric::ProductViews => Value::from(tally.product_views),
                };
                (m.name(), v)
            })
            .collect();
        (out, unconverted)
    }
}

/// Sums per currency (minor units) in the reporting currency's minor unit, and what had no
/// rate (never summed in). Amounts that named no currency are in the reporting currency.
pub fn to_reporting(rates: &Rates, sums: &BTreeMap<Currency, i64>) -> (i64, Unconverted) {
    let mut total = 0_i64;
    let mut left = Unconverted::new();
    for (c, minor) in sums {
        let c = if *c == unnamed_currency() {
            rates.reporting
        } else {
            *c
        };
        let money = Money {
            minor: *minor,
            currency: c,
        };
        match rates.convert(money) {
            Some(m) => total += m,
            None => {
                left.insert(c.to_string(), money_value(money));
            }
        }
    }
    (total, left)
}

/// An amount as a JSON number in major units.
pub fn money_value(m: Money) -> Value {
    number(m.major().to_f64().unwrap_or(0.0))
}

fn number(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Visits of the range that pass every filter.
pub fn select<'a>(visits: &'a [Session], filters: &[Filter]) -> impl Iterator<Item = &'a Session> {
    visits
        .iter()
        .filter(move |s| filters.iter().all(|f| f.matches(s)))
}

/// The rows of a breakdown (a dimension value and its tally) and the total of every visit.
/// An event-level dimension gives a visit a row per value it has (so rows may add up to
/// more than the total) and none when it has none.
pub fn breakdown<'a>(
    visits: impl Iterator<Item = &'a Session>,
    dimension: Dimension,
) -> (Vec<(&'a str, Tally<&'a str>)>, Tally<&'a str>) {
    let mut rows: HashMap<&'a str, Tally<&'a str>> = HashMap::new();
    let mut total = Tally::default();
    for s in visits {
        for (value, part) in dimension.parts(s) {
            rows.entry(value).or_default().add_part(s, part);
        }
        total.add(s);
    }
    let mut rows: Vec<(&str, Tally<&str>)> = rows.into_iter().collect();
    sort_rows(&mut rows);
    (rows, total)
}

/// Most visits first; ties by value, so the order is stable.
pub fn sort_rows<V: AsRef<str>, K, P>(rows: &mut [(V, Tally<K, P>)]) {
    rows.sort_by(|a, b| {
        b.1.sessions
            .cmp(&a.1.sessions)
            .then(a.0.as_ref().cmp(b.0.as_ref()))
    });
}

/// Tallies per bucket, every bucket of the range present (empty ones too).
pub fn timeseries<'a>(
    visits: impl Iterator<Item = &'a Session>,
    range: &Range,
    interval: Interval,
) -> Vec<(String, Tally<&'a str>)> {
    let mut points: Vec<(String, Tally<&str>)> = range
        .buckets(interval)
        .into_iter()
        .map(|b| (b, Tally::default()))
        .collect();
    let index: HashMap<String, usize> = points
        .iter()
        .enumerate()
        .map(|(i, (b, _))| (b.clone(), i))
        .collect();
    for s in visits {
        if let Some(i) = index.get(&range.bucket_of(s.start, interval)) {
            points[*i].1.add(s);
        }
    }
    points
}

#[cfg(test)]
#[path = "reports_tests.rs"]
mod tests;
