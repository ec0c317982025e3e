//! The visit index: the visits of the last `reports.index_days` days held in memory in a
//! compact form (people and dimension values interned as numbers, each visit's figures and
//! per-value shares worked out once by the same functions the store path uses), so a
//! report reads no row and decodes no JSON. Every instance builds its own from the store
//! and keeps it fresh from the visit feed (`storage::visit_feed`): visits written since its
//! last look (less `reports.index_overlap_ms`, so rows committed late are not missed) and
//! tombstones of deleted ones. Reports refresh it before they read, so they see every
//! write the store acknowledged, from this instance or another.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::compute::{
    Ask, BreakdownAnswer, PersonCounts, Probe, SeriesAnswer, Tap, answer_breakdown, answer_series,
    tap_count, wants_first_orders,
};
use super::{Dimension, Figures, Filter, FirstOrders, Interval, NONE, Part, Tally, sort_rows};
use crate::commerce::Currency;
use crate::segments::Members;
use crate::session::Session;
use crate::storage::visit_feed::{TOMBSTONE_KEEP_MS, marker_now};
use crate::storage::{KnownVisits, MarkedVisit, StoreError, VisitFeed, VisitStore};

mod distinct;
mod funnels;
mod retention;

use distinct::Distinct;

/// Changed visits read and applied per page by a refresh.
const FEED_PAGE: usize = 1000;

/// A UTC day in milliseconds: the index keeps its rows' slots per day of start.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// The visit-level dimensions, in the order of [`DayList::dims`].
const VISIT_DIMS: [Dimension; 14] = [
    Dimension::Channel,
    Dimension::Referrer,
    Dimension::UtmSource,
    Dimension::UtmMedium,
    Dimension::UtmCampaign,
    Dimension::UtmContent,
    Dimension::UtmTerm,
    Dimension::LandingPage,
    Dimension::ExitPage,
    Dimension::Country,
    Dimension::Device,
    Dimension::Browser,
    Dimension::Os,
    Dimension::Locale,
];

/// The event-level dimensions, in the order of [`Row::shares`].
const EVENT_DIMS: [Dimension; 4] = [
    Dimension::Page,
    Dimension::EventType,
    Dimension::Product,
    Dimension::ProductCategory,
];

/// Where a dimension's values sit in a row.
enum Slot {
    Visit(usize),
    Event(usize),
}

/// Where an event-level dimension's values sit in [`Row::shares`].
fn event_slot(d: Dimension) -> usize {
    EVENT_DIMS.iter().position(|e| *e == d).unwrap_or(0)
}

fn slot(d: Dimension) -> Slot {
    match EVENT_DIMS.iter().position(|e| *e == d) {
        Some(i) => Slot::Event(i),
        None => Slot::Visit(VISIT_DIMS.iter().position(|v| *v == d).unwrap_or(0)),
    }
}

/// Strings as numbers, both ways.
#[derive(Default)]
struct Interner {
    codes: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    fn code(&mut self, s: &str) -> u32 {
        if let Some(c) = self.codes.get(s) {
            return *c;
        }
        let c = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(s.into());
        self.codes.insert(s.into(), c);
        c
    }

    fn get(&self, s: &str) -> Option<u32> {
        self.codes.get(s).copied()
    }

    fn name(&self, c: u32) -> &str {
        self.names.get(c as usize).map_or("", |n| n)
    }
}

/// A [`Part`] owned, with its revenue maps summed into one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Owned {
    pageviews: u64,
    events: u64,
    orders: u64,
    quantity: u64,
    product_views: u64,
    converted: bool,
    carted: bool,
    revenue: BTreeMap<Currency, i64>,
}

impl Owned {
    fn of(p: &Part<'_>) -> Self {
        let mut revenue: BTreeMap<Currency, i64> = BTreeMap::new();
        for map in &p.revenue {
            for (c, m) in *map {
                *revenue.entry(*c).or_default() += m;
            }
        }
        Owned {
            pageviews: p.pageviews,
            events: p.events,
            orders: p.orders,
            quantity: p.quantity,
            product_views: p.product_views,
            converted: p.converted,
            carted: p.carted,
            revenue,
        }
    }
}

/// What a visit gives one value of an event-level dimension, as its day's list keeps it:
/// mostly the whole visit with its own page views and events ([`Part::share`]), kept as
/// just those two numbers; otherwise figures of its own ([`Own`]) in its day's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Share {
    value: u32,
    pageviews: u32,
    events: u32,
    /// The place of its [`Own`] figures in its visit's run; [`SHARED`]: the whole visit's.
    own: u32,
}

const SHARED: u32 = u32::MAX;

/// One visit, compact.
struct Row {
    who: u32,
    start_ms: i64,
    updated_ms: i64,
    seconds: i64,
    bounced: bool,
    whole: Owned,
    /// The revenue of the [`Own`] figures (by their place in the visit's run) whose revenue
    /// is in several currencies: rare, and left out of the day's list.
    several: Box<[(u32, BTreeMap<Currency, i64>)]>,
    /// Has events but no trail (written before trails were kept).
    untrailed: bool,
}

/// One trail event, interned: offset from the visit's start (ms, capped at `u32::MAX`),
/// type, page (`NONE` when it has none) and where its products sit in its visit's run of
/// [`DayList::products`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ev {
    pub(crate) offset_ms: u32,
    pub(crate) kind: u32,
    pub(crate) page: u32,
    pub(crate) first_product: u32,
    pub(crate) product_count: u32,
}

/// The part of a visit every report reads, kept apart from its [`Row`] in the list of the
/// day it starts in, in list order: a report's scan reads 48 bytes per visit and the one
/// dimension column it needs, one after the other, instead of each visit's whole row (about
/// 400 bytes and several cache lines: at ten million events, reading the rows was most of
/// a 30-day report's time).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Hot {
    start_ms: i64,
    seconds: i64,
    /// Where the visit's [`Row`] is.
    slot: u32,
    who: u32,
    // A visit's counts, as in [`Owned`]; no visit comes near `u32::MAX` of any.
    pageviews: u32,
    events: u32,
    orders: u32,
    quantity: u32,
    product_views: u32,
    /// The visit's revenue (minor units) when it is in one currency, that currency.
    revenue: i64,
    currency: Option<Currency>,
    flags: u8,
}

const BOUNCED: u8 = 1;
const CONVERTED: u8 = 2;
const CARTED: u8 = 4;
/// The visit has revenue in several currencies: read from the row.
const CURRENCIES: u8 = 8;
/// The visit has events but no trail ([`Row::untrailed`]).
const UNTRAILED: u8 = 16;

fn narrow(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Hot {
    fn of(r: &Row, slot: usize) -> Self {
        let w = &r.whole;
        let flag = |on: bool, f: u8| if on { f } else { 0 };
        let one = match (w.revenue.len(), w.revenue.iter().next()) {
            (1, Some((c, m))) => Some((*c, *m)),
            _ => None,
        };
        Hot {
            start_ms: r.start_ms,
            seconds: r.seconds,
            slot: u32::try_from(slot).expect("fewer than 2^32 visits in the index"),
            who: r.who,
            pageviews: narrow(w.pageviews),
            events: narrow(w.events),
            orders: narrow(w.orders),
            quantity: narrow(w.quantity),
            product_views: narrow(w.product_views),
            revenue: one.map_or(0, |(_, m)| m),
            currency: one.map(|(c, _)| c),
            flags: flag(r.bounced, BOUNCED)
                | flag(w.converted, CONVERTED)
                | flag(w.carted, CARTED)
                | flag(w.revenue.len() > 1, CURRENCIES)
                | flag(r.untrailed, UNTRAILED),
        }
    }

    fn bounced(&self) -> bool {
        self.flags & BOUNCED != 0
    }
}

/// What an own [`Share`] gives its value besides its page views and events, as its day's
/// list keeps it: a product's or a category's orders, quantity, views and revenue (when in
/// one currency), so a product breakdown reads its row only for revenue in several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Own {
    orders: u32,
    quantity: u32,
    product_views: u32,
    revenue: i64,
    currency: Option<Currency>,
    flags: u8,
}

impl Own {
    fn of(o: &Owned) -> Self {
        let flag = |on: bool, f: u8| if on { f } else { 0 };
        let one = match (o.revenue.len(), o.revenue.iter().next()) {
            (1, Some((c, m))) => Some((*c, *m)),
            _ => None,
        };
        Own {
            orders: narrow(o.orders),
            quantity: narrow(o.quantity),
            product_views: narrow(o.product_views),
            revenue: one.map_or(0, |(_, m)| m),
            currency: one.map(|(c, _)| c),
            flags: flag(o.converted, CONVERTED)
                | flag(o.carted, CARTED)
                | flag(o.revenue.len() > 1, CURRENCIES),
        }
    }
}

/// Items of each visit of a day's list, a run per visit, in list order after a
/// [`Arena::compact`]: a visit written again with more items than before gets new ones at
/// the end, and its old ones (and a removed visit's) are left loose.
struct Arena<T> {
    /// Per visit, where its items sit in `items`: (first, count).
    spans: Vec<(u32, u32)>,
    items: Vec<T>,
    loose: usize,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Arena {
            spans: Vec::new(),
            items: Vec::new(),
            loose: 0,
        }
    }
}

/// Loose items an arena keeps before it compacts, at the least (and at most half of all
/// it holds).
const LOOSE_KEPT: usize = if cfg!(test) { 4 } else { 4096 };

fn index_u32(n: usize) -> u32 {
    u32::try_from(n).expect("fewer than 2^32 visits and items in a day's list")
}

impl<T: Copy> Arena<T> {
    fn push(&mut self, mine: &[T]) {
        self.spans
            .push((index_u32(self.items.len()), index_u32(mine.len())));
        self.items.extend_from_slice(mine);
    }

    fn set(&mut self, at: usize, mine: &[T]) {
        let (first, count) = self.spans[at];
        let (first, count) = (first as usize, count as usize);
        if mine.len() <= count {
            self.items[first..first + mine.len()].copy_from_slice(mine);
            self.loose += count - mine.len();
        } else {
            self.spans[at].0 = index_u32(self.items.len());
            self.items.extend_from_slice(mine);
            self.loose += count;
        }
        self.spans[at].1 = index_u32(mine.len());
        self.compact();
    }

    fn swap_remove(&mut self, at: usize) {
        self.loose += self.spans.swap_remove(at).1 as usize;
        self.compact();
    }

    fn get(&self, at: usize) -> &[T] {
        let (first, count) = self.spans[at];
        &self.items[first as usize..(first + count) as usize]
    }

    /// Writes the items again in list order, without the loose ones, once those are more
    /// than half of them.
    fn compact(&mut self) {
        if self.loose < LOOSE_KEPT || self.loose * 2 <= self.items.len() {
            return;
        }
        let mut kept = Vec::with_capacity(self.items.len() - self.loose);
        for span in &mut self.spans {
            let (first, count) = (span.0 as usize, span.1 as usize);
            span.0 = index_u32(kept.len());
            kept.extend_from_slice(&self.items[first..first + count]);
        }
        self.items = kept;
        self.loose = 0;
    }
}

/// The visits that start in one UTC day: their [`Hot`] parts, per visit-level dimension
/// their value codes, per event-level dimension their [`Share`]s, and the [`Own`] figures
/// those point at, all in one order. A visit's place in it is [`Data::place`] of its slot.
#[derive(Default)]
struct DayList {
    hot: Vec<Hot>,
    dims: [Vec<u32>; VISIT_DIMS.len()],
    shares: [Arena<Share>; EVENT_DIMS.len()],
    /// A [`Share::own`] is a place in its visit's run.
    owns: Arena<Own>,
    /// The visits' trails for funnels and retention ([`crate::trail`]), interned.
    trails: Arena<Ev>,
    /// The products their trails' events name: `(sku, category)` codes, sliced by
    /// [`Ev::first_product`] and [`Ev::product_count`] in the visit's run.
    products: Arena<(u32, u32)>,
}

/// A visit's value codes, per visit-level dimension.
type Dims = [u32; VISIT_DIMS.len()];

/// A visit's shares, per event-level dimension.
type Shares = [Vec<Share>; EVENT_DIMS.len()];

/// A visit's trail and the products its events name.
type Trail = (Vec<Ev>, Vec<(u32, u32)>);

/// What a day's list keeps of a visit besides its [`Hot`] part and [`Dims`].
struct Listed<'a> {
    shares: [&'a [Share]; EVENT_DIMS.len()],
    owns: &'a [Own],
    trail: &'a [Ev],
    products: &'a [(u32, u32)],
}

impl DayList {
    fn push(&mut self, hot: Hot, dims: &Dims, listed: &Listed<'_>) -> usize {
        self.hot.push(hot);
        for (col, v) in self.dims.iter_mut().zip(dims) {
            col.push(*v);
        }
        for (arena, mine) in self.shares.iter_mut().zip(listed.shares) {
            arena.push(mine);
        }
        self.owns.push(listed.owns);
        self.trails.push(listed.trail);
        self.products.push(listed.products);
        self.hot.len() - 1
    }

    fn set(&mut self, at: usize, hot: Hot, dims: &Dims, listed: &Listed<'_>) {
        self.hot[at] = hot;
        for (col, v) in self.dims.iter_mut().zip(dims) {
            col[at] = *v;
        }
        for (arena, mine) in self.shares.iter_mut().zip(listed.shares) {
            arena.set(at, mine);
        }
        self.owns.set(at, listed.owns);
        self.trails.set(at, listed.trail);
        self.products.set(at, listed.products);
    }

    /// Takes the visit at `at` out, moving the last one into its place; returns the slot
    /// of the one moved, if any.
    fn swap_remove(&mut self, at: usize) -> Option<u32> {
        self.hot.swap_remove(at);
        for col in &mut self.dims {
            col.swap_remove(at);
        }
        for arena in &mut self.shares {
            arena.swap_remove(at);
        }
        self.owns.swap_remove(at);
        self.trails.swap_remove(at);
        self.products.swap_remove(at);
        self.hot.get(at).map(|h| h.slot)
    }

    /// The shares of the visit at `at` for the event-level dimension `i`.
    fn shares(&self, i: usize, at: usize) -> &[Share] {
        self.shares[i].get(at)
    }

    fn listed(&self, at: usize) -> Listed<'_> {
        Listed {
            shares: std::array::from_fn(|i| self.shares(i, at)),
            owns: self.owns.get(at),
            trail: self.trails.get(at),
            products: self.products.get(at),
        }
    }

    fn len(&self) -> usize {
        self.hot.len()
    }
}

/// One visit a report's scan reached: its [`Hot`] part and its place in its day's list;
/// its [`Row`] is read only when asked for.
#[derive(Clone, Copy)]
struct Seen<'a> {
    hot: &'a Hot,
    list: &'a DayList,
    at: usize,
    rows: &'a [Option<Row>],
}

impl<'a> Seen<'a> {
    fn row(&self) -> &'a Row {
        self.rows[self.hot.slot as usize]
            .as_ref()
            .expect("a listed slot holds its row")
    }

    /// The whole visit's figures but its revenue ([`Seen::add_revenue`]): most visits
    /// have none, and the few that do carry it here, without a read of their row.
    fn counts(&self) -> Part<'a> {
        let h = self.hot;
        Part {
            pageviews: u64::from(h.pageviews),
            events: u64::from(h.events),
            orders: u64::from(h.orders),
            quantity: u64::from(h.quantity),
            product_views: u64::from(h.product_views),
            converted: h.flags & CONVERTED != 0,
            carted: h.flags & CARTED != 0,
            revenue: Vec::new(),
        }
    }

    /// Adds the whole visit to `t`.
    fn add_to(&self, t: &mut Tally<u32, Distinct>, counts: &Part<'_>) {
        let h = self.hot;
        t.add_visit(h.who, h.bounced(), h.seconds, counts);
        self.add_revenue(t);
    }

    /// Adds the visit's revenue to a tally it was added to.
    fn add_revenue(&self, t: &mut Tally<u32, Distinct>) {
        let h = self.hot;
        if let Some(c) = h.currency {
            t.add_revenue(c, h.revenue);
        } else if h.flags & CURRENCIES != 0 {
            for (c, m) in &self.row().whole.revenue {
                t.add_revenue(*c, *m);
            }
        }
    }

    /// Its value code of the visit-level dimension `i`.
    fn dim(&self, i: usize) -> u32 {
        self.list.dims[i][self.at]
    }

    /// Its shares of the event-level dimension `i`.
    fn shares(&self, i: usize) -> &'a [Share] {
        self.list.shares(i, self.at)
    }

    /// Its trail ([`DayList::trails`]).
    fn trail(&self) -> &'a [Ev] {
        self.list.trails.get(self.at)
    }

    /// The products its trail's events name ([`DayList::products`]).
    fn products(&self) -> &'a [(u32, u32)] {
        self.list.products.get(self.at)
    }

    /// The [`Own`] figures a share points at, if it has its own.
    fn own(&self, s: &Share) -> Option<&'a Own> {
        self.list.owns.get(self.at).get(s.own as usize)
    }

    /// What one of its shares gives the share's value, but its revenue
    /// ([`Seen::add_share_to`] adds that).
    fn share_counts(&self, s: &Share, counts: &Part<'_>) -> Part<'static> {
        let (pageviews, events) = (u64::from(s.pageviews), u64::from(s.events));
        match self.own(s) {
            None => Part {
                pageviews,
                events,
                revenue: Vec::new(),
                ..*counts
            },
            Some(own) => Part {
                pageviews,
                events,
                orders: u64::from(own.orders),
                quantity: u64::from(own.quantity),
                product_views: u64::from(own.product_views),
                converted: own.flags & CONVERTED != 0,
                carted: own.flags & CARTED != 0,
                revenue: Vec::new(),
            },
        }
    }

    /// Adds one of its shares to `t`, from its day's list alone but for revenue in
    /// several currencies.
    fn add_share_to(&self, t: &mut Tally<u32, Distinct>, s: &Share, counts: &Part<'_>) {
        let h = self.hot;
        t.add_visit(h.who, h.bounced(), h.seconds, &self.share_counts(s, counts));
        match self.own(s) {
            None => self.add_revenue(t),
            Some(own) if own.flags & CURRENCIES != 0 => {
                let several = self.row().several.iter();
                for (_, revenue) in several.filter(|(at, _)| *at == s.own) {
                    for (c, m) in revenue {
                        t.add_revenue(*c, *m);
                    }
                }
            }
            Some(own) => {
                if let Some(c) = own.currency {
                    t.add_revenue(c, own.revenue);
                }
            }
        }
    }
}

/// The index's contents.
struct Data {
    /// Visits that start at or after this are all here.
    from_ms: i64,
    people: Interner,
    values: Interner,
    none: u32,
    rows: Vec<Option<Row>>,
    free: Vec<usize>,
    slots: HashMap<(u32, Box<str>), usize>,
    /// Per UTC day (`day_of`), the visits that start in it, so a range reads only its own
    /// days' visits instead of the whole window.
    days: BTreeMap<i64, DayList>,
    /// Per slot, the place of its visit in its day's list (`u32::MAX`: none).
    place: Vec<u32>,
    /// Each person's first order, once a report asked for them
    /// ([`VisitIndex::first_orders`]).
    first_orders: Option<FirstOrderTimes>,
}

/// What the looks at the store keep from one to the next. Only a look changes it, under
/// [`VisitIndex::refreshing`]; keeping it out of [`Data`] lets a look that finds nothing
/// new leave the index's lock alone, so it never waits behind a report that is reading
/// (and, the lock preferring writers, never holds up the reports that come after).
#[derive(Default)]
struct Looks {
    /// When the last look at the store began (the markers' clock): every visit written
    /// at least `reports.index_overlap_ms` before it was committed by then, and seen.
    looked_ms: i64,
    /// The visits the last looks put, which the next look's overlap reaches again: the
    /// feed leaves out those still held at the same marker ([`Data::known_since`]).
    recent: Vec<(u32, Box<str>)>,
}

impl Data {
    fn new(from_ms: i64) -> Self {
        let mut values = Interner::default();
        let none = values.code(NONE);
        Data {
            from_ms,
            people: Interner::default(),
            values,
            none,
            rows: Vec::new(),
            free: Vec::new(),
            slots: HashMap::new(),
            days: BTreeMap::new(),
            place: Vec::new(),
            first_orders: None,
        }
    }

    /// The recently put visits held at a marker at or after `since`, with that marker.
    fn known_since(&self, recent: &[(u32, Box<str>)], since: i64) -> KnownVisits {
        let mut known = KnownVisits::default();
        for (who, key) in recent {
            if let Some(r) = self.held(*who, key)
                && r.updated_ms >= since
            {
                known.insert(self.people.name(*who), key, r.updated_ms);
            }
        }
        known
    }

    /// Keeps, once each, the recently put visits still held at a marker at or after
    /// `since` (the next look's start).
    fn keep_recent(&self, recent: &mut Vec<(u32, Box<str>)>, since: i64) {
        let mut seen = std::collections::HashSet::new();
        *recent = std::mem::take(recent)
            .into_iter()
            .filter(|(who, key)| {
                self.held(*who, key).is_some_and(|r| r.updated_ms >= since)
                    && seen.insert((*who, key.clone()))
            })
            .collect();
    }

    fn held(&self, who: u32, key: &str) -> Option<&Row> {
        let slot = *self.slots.get(&(who, Box::<str>::from(key)))?;
        self.rows[slot].as_ref()
    }

    /// A visit's row, and what its day's list keeps of it: its value codes per visit-level
    /// dimension and its shares per event-level one.
    fn row(&mut self, s: &Session, updated_ms: i64) -> (Row, Dims, Shares, Vec<Own>, Trail) {
        let whole_part = Part::of(s);
        let whole = Owned::of(&whole_part);
        let dims = VISIT_DIMS.map(|d| self.values.code(d.value_of(s)));
        let (mut owns, mut several) = (Vec::new(), Vec::new());
        let shares = EVENT_DIMS.map(|d| {
            d.parts(s)
                .iter()
                .map(|(value, part)| {
                    let value = self.values.code(value);
                    let owned = Owned::of(part);
                    let (pageviews, events) = (narrow(owned.pageviews), narrow(owned.events));
                    let share = Owned {
                        pageviews: owned.pageviews,
                        events: owned.events,
                        ..whole.clone()
                    };
                    let own = if owned == share {
                        SHARED
                    } else {
                        let own = Own::of(&owned);
                        if own.flags & CURRENCIES != 0 {
                            several.push((index_u32(owns.len()), owned.revenue));
                        }
                        owns.push(own);
                        index_u32(owns.len() - 1)
                    };
                    Share {
                        value,
                        pageviews,
                        events,
                        own,
                    }
                })
                .collect()
        });
        let mut products = Vec::new();
        let trail = s
            .trail
            .0
            .iter()
            .map(|e| {
                let first_product = u32::try_from(products.len()).unwrap_or(u32::MAX);
                for (sku, category) in &e.products {
                    products.push((
                        self.values.code(sku),
                        self.values.code(category.as_deref().unwrap_or(NONE)),
                    ));
                }
                Ev {
                    offset_ms: u32::try_from(e.offset_ms.max(0)).unwrap_or(u32::MAX),
                    kind: self.values.code(&e.event_type),
                    page: self.values.code(e.page.as_deref().unwrap_or(NONE)),
                    first_product,
                    product_count: u32::try_from(e.products.len()).unwrap_or(0),
                }
            })
            .collect();
        let row = Row {
            untrailed: s.trail.is_empty() && s.events > 0,
            who: self.people.code(&s.profile_id),
            start_ms: s.start.timestamp_millis(),
            updated_ms,
            seconds: s.duration_seconds(),
            bounced: s.bounced(),
            whole,
            several: several.into_boxed_slice(),
        };
        (row, dims, shares, owns, (trail, products))
    }

    /// Adds or replaces a visit; one that now starts before the window leaves it.
    fn put(&mut self, m: &MarkedVisit) {
        let s = &m.visit;
        if let Some(f) = self.first_orders.as_mut() {
            match s.first_order_known() {
                Some(None) => {}
                Some(Some(t)) => f.add(self.people.code(&s.profile_id), t.timestamp_millis()),
                None => f.stale = true,
            }
        }
        if s.start.timestamp_millis() < self.from_ms {
            if let Some(who) = self.people.get(&s.profile_id) {
                self.remove(who, &s.key);
            }
            return;
        }
        let (row, dims, shares, owns, (trail, products)) = self.row(s, m.updated_ms);
        let listed = Listed {
            shares: std::array::from_fn(|k| shares[k].as_slice()),
            owns: &owns,
            trail: &trail,
            products: &products,
        };
        let day = day_of(row.start_ms);
        let key = (row.who, Box::<str>::from(s.key.as_str()));
        match self.slots.get(&key).copied() {
            Some(i) => {
                let before = self.rows[i].as_ref().map(|r| day_of(r.start_ms));
                let hot = Hot::of(&row, i);
                self.rows[i] = Some(row);
                match (before, self.days.get_mut(&day)) {
                    (Some(b), Some(list)) if b == day => {
                        list.set(self.place[i] as usize, hot, &dims, &listed);
                    }
                    _ => {
                        if let Some(before) = before {
                            self.unlist(before, i);
                        }
                        self.list(day, i, hot, &dims, &listed);
                    }
                }
            }
            None => {
                let i = match self.free.pop() {
                    Some(i) => i,
                    None => {
                        self.rows.push(None);
                        self.place.push(u32::MAX);
                        self.rows.len() - 1
                    }
                };
                let hot = Hot::of(&row, i);
                self.rows[i] = Some(row);
                self.slots.insert(key, i);
                self.list(day, i, hot, &dims, &listed);
            }
        }
    }

    fn list(&mut self, day: i64, slot: usize, hot: Hot, dims: &Dims, listed: &Listed<'_>) {
        let at = self.days.entry(day).or_default().push(hot, dims, listed);
        self.place[slot] = u32::try_from(at).expect("fewer than 2^32 visits in the index");
    }

    fn unlist(&mut self, day: i64, slot: usize) {
        let at = std::mem::replace(&mut self.place[slot], u32::MAX) as usize;
        if let Some(list) = self.days.get_mut(&day) {
            if list.hot.get(at).is_some_and(|h| h.slot as usize == slot)
                && let Some(moved) = list.swap_remove(at)
            {
                self.place[moved as usize] = u32::try_from(at).unwrap_or(u32::MAX);
            }
            if list.len() == 0 {
                self.days.remove(&day);
            }
        }
    }

    /// Forgets a deleted visit, unless it was written again after the delete.
    fn forget(&mut self, profile_id: &str, key: &str, gone_ms: i64) {
        let Some(who) = self.people.get(profile_id) else {
            return;
        };
        let slot = self.slots.get(&(who, Box::<str>::from(key))).copied();
        if let Some(i) = slot
            && self.rows[i]
                .as_ref()
                .is_some_and(|r| r.updated_ms <= gone_ms)
        {
            self.remove(who, key);
        }
    }

    /// Moves the window's start to `from_ms`: visits that start before it leave (their
    /// slots are reused). The interned people and values stay (their codes are in rows);
    /// a reload starts them afresh.
    fn slide(&mut self, from_ms: i64) -> usize {
        if from_ms <= self.from_ms {
            return 0;
        }
        let rows = &mut self.rows;
        let free = &mut self.free;
        let before = self.slots.len();
        self.slots.retain(|_, i| {
            let keep = rows[*i].as_ref().is_some_and(|r| r.start_ms >= from_ms);
            if !keep {
                rows[*i] = None;
                free.push(*i);
            }
            keep
        });
        // The days before the new start's go whole; its own keeps the rows still here.
        let first = day_of(from_ms);
        self.days = self.days.split_off(&first);
        if let Some(list) = self.days.get_mut(&first) {
            let mut kept = DayList::default();
            for (at, h) in list.hot.iter().enumerate() {
                if rows[h.slot as usize].is_some() {
                    let dims = std::array::from_fn(|k| list.dims[k][at]);
                    let to = kept.push(*h, &dims, &list.listed(at));
                    self.place[h.slot as usize] = u32::try_from(to).unwrap_or(u32::MAX);
                }
            }
            *list = kept;
            if list.len() == 0 {
                self.days.remove(&first);
            }
        }
        for i in &self.free {
            self.place[*i] = u32::MAX;
        }
        self.from_ms = from_ms;
        before - self.slots.len()
    }

    fn remove(&mut self, who: u32, key: &str) {
        if let Some(i) = self.slots.remove(&(who, Box::<str>::from(key))) {
            if let Some(r) = self.rows[i].take() {
                self.unlist(day_of(r.start_ms), i);
            }
            self.free.push(i);
        }
    }

    /// The value code of the visit-level dimension `k` of the visit in `slot`.
    fn dim_of(&self, slot: usize, k: usize) -> Option<u32> {
        let r = self.rows.get(slot)?.as_ref()?;
        let list = self.days.get(&day_of(r.start_ms))?;
        list.dims[k].get(*self.place.get(slot)? as usize).copied()
    }

    /// The visits that start in `[start, end)`, their days' lists only.
    fn scan(&self, (start, end): (i64, i64)) -> impl Iterator<Item = Seen<'_>> + '_ {
        // (`BTreeMap::range` panics on a reversed range.)
        let days = (start < end)
            .then(|| self.days.range(day_of(start)..=day_of(end - 1)))
            .into_iter()
            .flatten();
        days.flat_map(move |(_, list)| {
            list.hot
                .iter()
                .enumerate()
                .filter(move |(_, h)| h.start_ms >= start && h.start_ms < end)
                .map(move |(at, hot)| Seen {
                    hot,
                    list,
                    at,
                    rows: &self.rows,
                })
        })
    }

    /// The visits of `[start, end)` that pass every filter.
    fn select<'a>(
        &'a self,
        bounds: (i64, i64),
        filters: &'a [Resolved],
        people: Option<&'a [bool]>,
    ) -> impl Iterator<Item = Seen<'a>> + 'a {
        self.scan(bounds)
            .filter(move |v| {
                people.is_none_or(|p| p.get(v.hot.who as usize).copied().unwrap_or(false))
            })
            .filter(move |v| filters.iter().all(|f| f.passes(v, self.none)))
    }

    /// Per person code, whether they are among `members` (`None`: everyone).
    fn people(&self, members: Option<&Members>) -> Option<Vec<bool>> {
        members.map(|m| self.people.names.iter().map(|n| m.contains(n)).collect())
    }

    fn resolve(&self, filters: &[Filter]) -> Vec<Resolved> {
        filters
            .iter()
            .map(|f| {
                let needle = f.value.to_lowercase();
                let hits = match f.op {
                    super::FilterOp::Is | super::FilterOp::IsNot => {
                        Hits::One(self.values.get(&f.value))
                    }
                    super::FilterOp::Contains => Hits::Set(
                        self.values
                            .names
                            .iter()
                            .map(|n| f.hits(n, &needle))
                            .collect(),
                    ),
                };
                Resolved {
                    filter: f.clone(),
                    slot: slot(f.dimension),
                    hits,
                }
            })
            .collect()
    }
}

/// Which value codes a filter's value hits.
enum Hits {
    One(Option<u32>),
    Set(Vec<bool>),
}

impl Hits {
    fn hit(&self, c: u32) -> bool {
        match self {
            Hits::One(one) => *one == Some(c),
            Hits::Set(set) => set.get(c as usize).copied().unwrap_or(false),
        }
    }
}

/// A filter with its dimension's place in a row and the codes it hits.
struct Resolved {
    filter: Filter,
    slot: Slot,
    hits: Hits,
}

impl Resolved {
    /// As [`Filter::matches`]: an event-level dimension without values has [`NONE`].
    fn passes(&self, r: &Seen<'_>, none: u32) -> bool {
        let any = match self.slot {
            Slot::Visit(i) => self.hits.hit(r.dim(i)),
            Slot::Event(i) => {
                let shares = r.shares(i);
                if shares.is_empty() {
                    self.hits.hit(none)
                } else {
                    shares.iter().any(|s| self.hits.hit(s.value))
                }
            }
        };
        self.filter.passes(any)
    }
}

/// Each person's first order ever, by code: the orders store's answer when a report first
/// asked, then the earlier of that and the first order of every visit put since
/// ([`Session::first_order`]). A person's first order only ever moves earlier while they
/// exist (an order's time never changes; orders leave a person only with the person, by
/// an erasure or a merge into another, whose visits then carry them); so the one thing
/// that can make it wrong is a visit holding orders recorded before sessions kept their
/// first order, which makes it `stale` until the store is read again.
struct FirstOrderTimes {
    /// Milliseconds; `i64::MAX`: no order.
    ms: Vec<i64>,
    stale: bool,
}

impl FirstOrderTimes {
    fn add(&mut self, who: u32, ms: i64) {
        let who = who as usize;
        if who >= self.ms.len() {
            self.ms.resize(who + 1, i64::MAX);
        }
        self.ms[who] = self.ms[who].min(ms);
    }

    fn get(&self, who: u32) -> Option<DateTime<Utc>> {
        let ms = *self.ms.get(who as usize)?;
        (ms != i64::MAX).then(|| Utc.timestamp_millis_opt(ms).single())?
    }
}

impl FirstOrders<u32> for FirstOrderTimes {
    fn first_order(&self, who: &u32) -> Option<DateTime<Utc>> {
        self.get(*who)
    }
}

/// The first orders a report of `metrics` reads: the index's own; `None` when it needs
/// them and the index keeps none yet ([`VisitIndex::first_orders`] makes it keep them).
fn first_orders_for<'a>(d: &'a Data, metrics: &[super::Metric]) -> Option<&'a FirstOrderTimes> {
    static NONE: FirstOrderTimes = FirstOrderTimes {
        ms: Vec::new(),
        stale: false,
    };
    match &d.first_orders {
        Some(own) => Some(own),
        None if wants_first_orders(metrics) => None,
        None => Some(&NONE),
    }
}

/// One indexed visit, as [`VisitIndex::visits_with`] hands it out.
pub struct IndexedVisit<'a> {
    pub person: &'a str,
    pub start: DateTime<Utc>,
    /// Orders placed in the visit.
    pub orders: u64,
    /// Revenue of the visit's orders per currency, minor units, less refunds.
    pub revenue: &'a BTreeMap<Currency, i64>,
    list: &'a DayList,
    at: usize,
    values: &'a Interner,
}

impl<'a> IndexedVisit<'a> {
    /// The visit's value of a visit-level dimension ([`NONE`] for an event-level one).
    pub fn value(&self, d: Dimension) -> &'a str {
        match slot(d) {
            Slot::Visit(i) => self.values.name(self.list.dims[i][self.at]),
            Slot::Event(_) => NONE,
        }
    }
}

/// Reads the visits that start at or after `from` into a new index, a day of visit starts
/// at a time up to a day past the look (`looked`, the markers' clock), then the rest in one
/// read: only one day of decoded visits is held beside the index, not the whole window
/// (at ten million events, the window decoded at once held several gigabytes at its peak).
/// A visit whose start moves between two reads is written again, so the next look sees it.
async fn read_window(
    feed: &dyn VisitFeed,
    from: DateTime<Utc>,
    looked: i64,
) -> Result<Data, StoreError> {
    let mut data = Data::new(from.timestamp_millis());
    let last = DateTime::from_timestamp_millis(looked).unwrap_or(from) + Duration::days(1);
    let mut start = from;
    while start < last {
        let until = start + Duration::days(1);
        for m in &feed.visits_between(start, until).await? {
            data.put(m);
        }
        start = until;
    }
    // Starts ahead of the clock (a client's clock, within the future tolerance).
    for m in &feed
        .visits_between(start, start + Duration::days(3650))
        .await?
    {
        data.put(m);
    }
    Ok(data)
}

/// The in-memory visit index of one instance.
pub struct VisitIndex {
    days: u32,
    overlap_ms: i64,
    data: RwLock<Option<Data>>,
    /// Held by the one look at the store at a time (a load, a refresh, a read of first
    /// orders).
    refreshing: tokio::sync::Mutex<Looks>,
}

/// What the index holds, for logs and the docs' measurements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSize {
    pub visits: usize,
    pub people: usize,
    pub values: usize,
}

impl VisitIndex {
    /// An empty index of the last `days` days (loaded by [`VisitIndex::load`]).
    pub fn new(days: u32, overlap_ms: u64) -> Self {
        VisitIndex {
            days,
            overlap_ms: i64::try_from(overlap_ms).unwrap_or(i64::MAX),
            data: RwLock::new(None),
            refreshing: tokio::sync::Mutex::new(Looks::default()),
        }
    }

    /// Reads the visits of the last `days` days before `now` from the store.
    pub async fn load(&self, feed: &dyn VisitFeed, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut looks = self.refreshing.lock().await;
        // Whatever is written while the load reads is read again by the next look.
        let looked = marker_now();
        let from = now - Duration::days(i64::from(self.days));
        let data = read_window(feed, from, looked).await?;
        *self.data.write().unwrap_or_else(|e| e.into_inner()) = Some(data);
        *looks = Looks {
            looked_ms: looked,
            recent: Vec::new(),
        };
        Ok(())
    }

    /// Applies what was written and deleted since the last look (less the overlap), so
    /// a report sees every write acknowledged before it asked. Does nothing before the
    /// load. Reports that ask together share a look: one that began after a call arrived
    /// saw every write acknowledged before it, and spares that call its own.
    pub async fn refresh(&self, feed: &dyn VisitFeed) -> Result<(), StoreError> {
        let arrived = marker_now();
        let mut looks = self.refreshing.lock().await;
        if looks.looked_ms > arrived {
            return Ok(());
        }
        self.look(&mut looks, feed, marker_now()).await
    }

    /// [`VisitIndex::refresh`] as if the markers' clock read `started`, whenever the last
    /// look began.
    pub async fn refresh_at(&self, feed: &dyn VisitFeed, started: i64) -> Result<(), StoreError> {
        let mut looks = self.refreshing.lock().await;
        self.look(&mut looks, feed, started).await
    }

    /// One look at the store, begun at `started` on the markers' clock. When the last look
    /// is so old that tombstones it has not read may have been pruned
    /// ([`TOMBSTONE_KEEP_MS`]), the index reads its whole window again instead. The index's
    /// lock is taken for writing only to apply what changed.
    async fn look(
        &self,
        looks: &mut Looks,
        feed: &dyn VisitFeed,
        started: i64,
    ) -> Result<(), StoreError> {
        let Some(from_ms) = self.read(|d| d.from_ms) else {
            return Ok(());
        };
        let since = looks.looked_ms.saturating_sub(self.overlap_ms);
        if started.saturating_sub(since) >= TOMBSTONE_KEEP_MS {
            let from = DateTime::from_timestamp_millis(from_ms)
                .expect("the window's start was made from a DateTime");
            let data = read_window(feed, from, started).await?;
            *self.data.write().unwrap_or_else(|e| e.into_inner()) = Some(data);
            *looks = Looks {
                looked_ms: started,
                recent: Vec::new(),
            };
            return Ok(());
        }
        // Tombstones before visits: a visit deleted between the two reads is missing from
        // the second and its tombstone is read next time; one written again after its
        // delete is in the second and wins.
        let gone = feed.visits_gone(since).await?;
        if !gone.is_empty()
            && let Some(d) = self
                .data
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .as_mut()
        {
            for g in &gone {
                d.forget(&g.profile_id, &g.key, g.gone_ms);
            }
        }
        // A page at a time: however many visits changed since the last look (a busy
        // minute, a slow poll), the refresh holds at most `FEED_PAGE` of them decoded. A
        // report reading between two pages sees everything its own refresh saw and some
        // later writes, never less. The visits the last looks already put at the marker
        // they still have are left out by the feed.
        let known = Arc::new(
            self.read(|d| d.known_since(&looks.recent, since))
                .unwrap_or_default(),
        );
        let mut after = None;
        loop {
            let (page, next) = feed
                .visits_changed_page(since, after, FEED_PAGE, known.clone())
                .await?;
            if !page.is_empty()
                && let Some(d) = self
                    .data
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .as_mut()
            {
                for m in &page {
                    d.put(m);
                    if let Some(who) = d.people.get(&m.visit.profile_id) {
                        looks.recent.push((who, m.visit.key.as_str().into()));
                    }
                }
            }
            match next {
                Some(cursor) => after = Some(cursor),
                None => break,
            }
        }
        looks.looked_ms = started;
        let recent = &mut looks.recent;
        self.read(|d| d.keep_recent(recent, started.saturating_sub(self.overlap_ms)));
        Ok(())
    }

    /// Makes the index keep each person's first order ([`FirstOrderTimes`]), read from
    /// the orders store the first time and whenever a visit made them stale: reports of
    /// new and returning buyers then read no orders. Does nothing before the load.
    pub async fn first_orders(&self, store: &dyn VisitStore) -> Result<(), StoreError> {
        let ready = |d: &Data| d.first_orders.as_ref().is_some_and(|f| !f.stale);
        if self.read(ready) != Some(false) {
            return Ok(());
        }
        // No refresh runs while the store is read: a visit it puts before the read has its
        // orders in what the read returns, and one committed after reaches a later refresh.
        let _one = self.refreshing.lock().await;
        if self.read(ready) != Some(false) {
            return Ok(());
        }
        // Orders may sit ahead of the clock by a client's tolerated skew, not years.
        let all = store
            .first_orders(Utc::now() + Duration::days(3650))
            .await?;
        let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
        let Some(d) = data.as_mut() else {
            return Ok(());
        };
        let mut own = FirstOrderTimes {
            ms: vec![i64::MAX; d.people.names.len()],
            stale: false,
        };
        for (who, t) in &all {
            own.add(d.people.code(who), t.timestamp_millis());
        }
        d.first_orders = Some(own);
        Ok(())
    }

    /// Keeps the window at the last `days` days before `now`: the visits that started
    /// before it are dropped, and reports of ranges that start before it read the store.
    /// Returns how many visits left. Without it the index would only ever grow.
    pub fn slide(&self, now: DateTime<Utc>) -> usize {
        let from = (now - Duration::days(i64::from(self.days))).timestamp_millis();
        self.data
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
            .map_or(0, |d| d.slide(from))
    }

    /// Whether the index is loaded and holds every visit that starts at or after `start`.
    pub fn covers(&self, start: DateTime<Utc>) -> bool {
        self.read(|d| start.timestamp_millis() >= d.from_ms)
            .unwrap_or(false)
    }

    /// The start of the window the index holds every visit of (`None` before the load).
    pub fn window_start(&self) -> Option<DateTime<Utc>> {
        self.read(|d| d.from_ms)
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
    }

    /// How much the index holds (`None` before the load).
    pub fn size(&self) -> Option<IndexSize> {
        self.read(|d| IndexSize {
            visits: d.slots.len(),
            people: d.people.names.len(),
            values: d.values.names.len(),
        })
    }

    fn read<R>(&self, f: impl FnOnce(&Data) -> R) -> Option<R> {
        self.data
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(f)
    }

    /// Hands `f` the visits that start in `[start, end)` and pass every filter (read under
    /// the index's lock, so `f` should not wait on anything), or `None` when the index does
    /// not cover `start`.
    pub fn visits_with<R>(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        filters: &[Filter],
        f: impl FnOnce(&mut dyn Iterator<Item = IndexedVisit<'_>>) -> R,
    ) -> Option<R> {
        self.read(|d| {
            if start.timestamp_millis() < d.from_ms {
                return None;
            }
            let filters = d.resolve(filters);
            let bounds = (start.timestamp_millis(), end.timestamp_millis());
            let mut visits = d.select(bounds, &filters, None).map(|v| {
                let r = v.row();
                let (list, at) = (v.list, v.at);
                IndexedVisit {
                    person: d.people.name(r.who),
                    start: Utc
                        .timestamp_millis_opt(r.start_ms)
                        .single()
                        .unwrap_or_default(),
                    orders: r.whole.orders,
                    revenue: &r.whole.revenue,
                    list,
                    at,
                    values: &d.values,
                }
            });
            Some(f(&mut visits))
        })
        .flatten()
    }

    /// A breakdown from the index, or `None` when it does not cover the range (or the
    /// metrics need first orders it does not keep yet).
    pub fn breakdown(
        &self,
        ask: Ask<'_>,
        dimension: Dimension,
        limit: usize,
    ) -> Option<BreakdownAnswer> {
        let (start, end) = ask.range.bounds();
        self.read(|d| {
            if start.timestamp_millis() < d.from_ms {
                return None;
            }
            let filters = d.resolve(ask.filters);
            let people = d.people(ask.people);
            let mut rows = Rows::new(d.values.names.len());
            let mut total: Tally<u32, Distinct> = Tally::default();
            let bounds = (start.timestamp_millis(), end.timestamp_millis());
            let slot = slot(dimension);
            for v in d.select(bounds, &filters, people.as_deref()) {
                match slot {
                    // Each visit is in one row: the total is the rows' sum, made below.
                    Slot::Visit(i) => v.add_to(rows.of(v.dim(i)), &v.counts()),
                    Slot::Event(i) => {
                        let counts = v.counts();
                        for s in v.shares(i) {
                            v.add_share_to(rows.of(s.value), s, &counts);
                        }
                        v.add_to(&mut total, &counts);
                    }
                }
            }
            if let Slot::Visit(_) = slot {
                for (_, t) in &rows.tallies {
                    total.absorb(t);
                }
            }
            let mut rows: Vec<(&str, Tally<u32, Distinct>)> = rows
                .tallies
                .into_iter()
                .map(|(c, t)| (d.values.name(c), t))
                .collect();
            sort_rows(&mut rows);
            let first = first_orders_for(d, ask.metrics)?;
            let figures = Figures {
                rates: ask.rates,
                first_order: first,
                range_start: start,
            };
            Some(answer_breakdown(&figures, rows, &total, ask.metrics, limit))
        })
        .flatten()
    }

    /// Per person, the counts of `probes` over the visits of `[from, to)` (see
    /// [`super::compute::person_counts`]), or `None` when the index does not cover the range.
    pub fn person_counts(
        &self,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        probes: &[Probe],
    ) -> Option<PersonCounts> {
        self.read(|d| {
            if from.timestamp_millis() < d.from_ms {
                return None;
            }
            enum Code {
                Visits(Resolved),
                Share(usize, Option<u32>),
            }
            let codes: Vec<(i64, Code)> = probes
                .iter()
                .map(|p| {
                    let code = match &p.what {
                        Tap::Visits(f) => {
                            Code::Visits(d.resolve(std::slice::from_ref(f)).remove(0))
                        }
                        Tap::Events(t) => {
                            Code::Share(event_slot(Dimension::EventType), d.values.get(t))
                        }
                        Tap::Product(name, _) => {
                            Code::Share(event_slot(Dimension::Product), d.values.get(name))
                        }
                    };
                    (p.since.timestamp_millis(), code)
                })
                .collect();
            let mut by_code: HashMap<u32, Vec<u64>> = HashMap::new();
            let (start, end) = (from.timestamp_millis(), to.timestamp_millis());
            for v in d.scan((start, end)) {
                let h = v.hot;
                for (i, ((since, code), probe)) in codes.iter().zip(probes).enumerate() {
                    if h.start_ms < *since {
                        continue;
                    }
                    let n = match code {
                        Code::Visits(f) => u64::from(f.passes(&v, d.none)),
                        Code::Share(_, None) => 0,
                        Code::Share(slot, Some(c)) => {
                            match v.shares(*slot).iter().find(|s| s.value == *c) {
                                None => 0,
                                Some(s) => {
                                    let part = v.share_counts(s, &v.counts());
                                    tap_count(&probe.what, part.events, Some(&part))
                                }
                            }
                        }
                    };
                    if n > 0 {
                        by_code
                            .entry(h.who)
                            .or_insert_with(|| vec![0; probes.len()])[i] += n;
                    }
                }
            }
            Some(
                by_code
                    .into_iter()
                    .map(|(who, counts)| (d.people.name(who).to_owned(), counts))
                    .collect(),
            )
        })
        .flatten()
    }

    /// A timeseries from the index, or `None` when it does not cover the range (or the
    /// metrics need first orders it does not keep yet).
    pub fn series(&self, ask: Ask<'_>, interval: Interval) -> Option<SeriesAnswer> {
        let (start, end) = ask.range.bounds();
        self.read(|d| {
            if start.timestamp_millis() < d.from_ms {
                return None;
            }
            let filters = d.resolve(ask.filters);
            let people = d.people(ask.people);
            let mut points: Vec<(String, Tally<u32, Distinct>)> = ask
                .range
                .buckets(interval)
                .into_iter()
                .map(|b| (b, Tally::default()))
                .collect();
            let index: HashMap<String, usize> = points
                .iter()
                .enumerate()
                .map(|(i, (b, _))| (b.clone(), i))
                .collect();
            let mut buckets = Buckets {
                range: &ask.range,
                interval,
                index: &index,
                first: start.timestamp_millis().div_euclid(QUARTER_MS),
                slots: Vec::new(),
            };
            let bounds = (start.timestamp_millis(), end.timestamp_millis());
            for v in d.select(bounds, &filters, people.as_deref()) {
                let h = v.hot;
                if let Some(i) = buckets.of(h.start_ms) {
                    v.add_to(&mut points[i].1, &v.counts());
                }
            }
            let first = first_orders_for(d, ask.metrics)?;
            let figures = Figures {
                rates: ask.rates,
                first_order: first,
                range_start: start,
            };
            Some(answer_series(&figures, points, ask.metrics))
        })
        .flatten()
    }
}

/// A breakdown's rows by value code: where each value's tally sits, looked up by code
/// (no hashing per visit).
struct Rows {
    at: Vec<u32>,
    tallies: Vec<(u32, Tally<u32, Distinct>)>,
}

impl Rows {
    fn new(values: usize) -> Self {
        Rows {
            at: vec![u32::MAX; values],
            tallies: Vec::new(),
        }
    }

    fn of(&mut self, value: u32) -> &mut Tally<u32, Distinct> {
        let v = value as usize;
        if v >= self.at.len() {
            self.at.resize(v + 1, u32::MAX);
        }
        if self.at[v] == u32::MAX {
            self.at[v] = u32::try_from(self.tallies.len()).unwrap_or(u32::MAX);
            self.tallies.push((value, Tally::default()));
        }
        &mut self.tallies[self.at[v] as usize].1
    }
}

/// [`super::Range::bucket_of`] remembered per quarter hour of UTC: every zone's hours
/// begin on one since 1970, and a quarter whose first and last instants fall in different
/// buckets is worked out per visit. Quarters are remembered by their place after the
/// range's first (`first`), up to [`QUARTERS_KEPT`] of them.
struct Buckets<'a> {
    range: &'a super::Range,
    interval: Interval,
    index: &'a HashMap<String, usize>,
    first: i64,
    slots: Vec<Option<Quarter>>,
}

/// About three years of quarter hours; a visit beyond them is bucketed on its own.
const QUARTERS_KEPT: i64 = 100_000;

#[derive(Clone, Copy)]
enum Quarter {
    Bucket(Option<usize>),
    Split,
}

const QUARTER_MS: i64 = 15 * 60 * 1000;

impl Buckets<'_> {
    fn at(&self, ms: i64) -> Option<usize> {
        let t = Utc.timestamp_millis_opt(ms).single()?;
        self.index
            .get(&self.range.bucket_of(t, self.interval))
            .copied()
    }

    fn of(&mut self, ms: i64) -> Option<usize> {
        let q = ms.div_euclid(QUARTER_MS);
        let place = q - self.first;
        if !(0..QUARTERS_KEPT).contains(&place) {
            return self.at(ms);
        }
        let place = place as usize;
        if place >= self.slots.len() {
            self.slots.resize(place + 1, None);
        }
        let quarter = match self.slots[place] {
            Some(quarter) => quarter,
            None => {
                let first = self.at(q * QUARTER_MS);
                let last = self.at(q * QUARTER_MS + QUARTER_MS - 1);
                let quarter = if first == last {
                    Quarter::Bucket(first)
                } else {
                    Quarter::Split
                };
                self.slots[place] = Some(quarter);
                quarter
            }
        };
        match quarter {
            Quarter::Bucket(b) => b,
            Quarter::Split => self.at(ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Touch;

    fn visit(who: &str, key: &str, start_ms: i64) -> MarkedVisit {
        let start = Utc
            .timestamp_millis_opt(start_ms)
            .single()
            .expect("instant");
        MarkedVisit {
            visit: Session {
                profile_id: who.into(),
                key: key.into(),
                start,
                end: start,
                events: 1,
                engaged: 1,
                pageviews: 0,
                landing: None,
                exit: None,
                touch: Touch::default(),
                add_to_carts: 0,
                orders: 0,
                revenue: BTreeMap::new(),
                first_order: None,
                pages: BTreeMap::new(),
                types: BTreeMap::new(),
                products: BTreeMap::new(),
                trail: Default::default(),
            },
            updated_ms: start_ms,
        }
    }

    /// The keys of the rows `scan` finds, sorted.
    fn found(d: &Data, bounds: (i64, i64)) -> Vec<String> {
        let mut keys: Vec<String> = d
            .scan(bounds)
            .map(|v| {
                let (i, r) = (v.hot.slot as usize, v.row());
                let key = d
                    .slots
                    .iter()
                    .find(|(_, s)| **s == i)
                    .map(|((_, k), _)| k.to_string())
                    .expect("a listed slot is a row's");
                format!("{}:{key}", d.people.name(r.who))
            })
            .collect();
        keys.sort();
        keys
    }

    /// Every item of an arena is one visit's or loose, and none is two visits'; it compacts
    /// once more than half are loose.
    fn check_arena<T>(arena: &Arena<T>) {
        let mut used = vec![false; arena.items.len()];
        for (first, count) in &arena.spans {
            for u in &mut used[*first as usize..(*first + *count) as usize] {
                assert!(!*u, "an item is one visit's");
                *u = true;
            }
        }
        let loose = used.iter().filter(|u| !**u).count();
        assert_eq!(loose, arena.loose);
        assert!(
            loose < LOOSE_KEPT || loose * 2 <= arena.items.len(),
            "compacted once half loose"
        );
    }

    /// Every held visit is listed once, under its day, with its row's figures and codes,
    /// at the place its slot records.
    fn check(d: &Data) {
        let mut listed = 0;
        for (day, list) in &d.days {
            assert!(list.len() > 0, "an empty day's list is dropped");
            for (at, h) in list.hot.iter().enumerate() {
                let slot = h.slot as usize;
                let r = d.rows[slot].as_ref().expect("a listed slot holds a row");
                assert_eq!(day_of(r.start_ms), *day);
                assert_eq!(d.place[slot] as usize, at);
                assert_eq!(*h, Hot::of(r, slot));
                for col in &list.dims {
                    assert_eq!(col.len(), list.len());
                }
                for k in 0..EVENT_DIMS.len() {
                    assert_eq!(list.shares[k].spans.len(), list.len());
                    for s in list.shares(k, at) {
                        assert!(s.own == SHARED || (s.own as usize) < list.owns.get(at).len());
                    }
                }
                for (i, own) in list.owns.get(at).iter().enumerate() {
                    let several = r.several.iter().filter(|(at, _)| *at as usize == i).count();
                    assert_eq!(several, usize::from(own.flags & CURRENCIES != 0));
                }
                listed += 1;
            }
            for arena in &list.shares {
                check_arena(arena);
            }
            check_arena(&list.owns);
            check_arena(&list.trails);
            check_arena(&list.products);
        }
        assert_eq!(listed, d.slots.len());
        for i in &d.free {
            assert!(d.rows[*i].is_none());
            assert_eq!(d.place[*i], u32::MAX);
        }
    }

    /// The pages a visit's day list holds for it, by name.
    fn pages(d: &Data, who: &str, key: &str) -> Vec<String> {
        let who = d.people.get(who).expect("known");
        let slot = d.slots[&(who, Box::<str>::from(key))];
        let r = d.rows[slot].as_ref().expect("held");
        let list = &d.days[&day_of(r.start_ms)];
        let page = event_slot(Dimension::Page);
        list.shares(page, d.place[slot] as usize)
            .iter()
            .map(|s| d.values.name(s.value).to_owned())
            .collect()
    }

    #[test]
    fn a_visit_written_again_keeps_its_own_shares_through_growth_removals_and_compaction() {
        let mut d = Data::new(0);
        let with_pages = |who: &str, key: &str, start_ms: i64, pages: &[&str]| {
            let mut m = visit(who, key, start_ms);
            m.visit.pageviews = pages.len() as u64;
            m.visit.pages = pages.iter().map(|p| ((*p).to_owned(), 1)).collect();
            m
        };
        d.put(&with_pages("a", "1", 10, &["/"]));
        d.put(&with_pages("b", "1", 20, &["/x", "/y"]));
        check(&d);
        // More pages than before: new shares at the end, the old one loose.
        d.put(&with_pages("a", "1", 10, &["/", "/a", "/b"]));
        check(&d);
        assert_eq!(pages(&d, "a", "1"), ["/", "/a", "/b"]);
        assert_eq!(pages(&d, "b", "1"), ["/x", "/y"]);
        // Fewer: in place.
        d.put(&with_pages("a", "1", 10, &["/z"]));
        check(&d);
        assert_eq!(pages(&d, "a", "1"), ["/z"]);
        // Growth after growth, then removals: the list compacts and keeps each visit's own.
        for n in 2..8 {
            let names: Vec<String> = (0..n).map(|i| format!("/p{i}")).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            d.put(&with_pages("a", "1", 10, &names));
            check(&d);
            assert_eq!(pages(&d, "a", "1"), names);
        }
        d.put(&with_pages("c", "1", 30, &["/c"]));
        d.forget("b", "1", i64::MAX);
        check(&d);
        assert_eq!(
            pages(&d, "c", "1"),
            ["/c"],
            "moved into the removed visit's place"
        );
        assert_eq!(pages(&d, "a", "1").len(), 7);
        // Products: figures of their own, kept in the list beside the shares.
        let with_products = |views: &[(&str, u64)]| {
            let mut m = visit("d", "1", 40);
            for (sku, n) in views {
                let p = m.visit.products.entry((*sku).to_owned()).or_default();
                p.views = *n;
            }
            m
        };
        d.put(&with_products(&[("p1", 1), ("p2", 2)]));
        check(&d);
        let own_views = |d: &Data| {
            let who = d.people.get("d").expect("known");
            let slot = d.slots[&(who, Box::<str>::from("1"))];
            let list = &d.days[&0];
            let at = d.place[slot] as usize;
            list.shares(event_slot(Dimension::Product), at)
                .iter()
                .map(|s| list.owns.get(at)[s.own as usize].product_views)
                .collect::<Vec<_>>()
        };
        assert_eq!(own_views(&d), [1, 2]);
        d.put(&with_products(&[("p1", 3), ("p2", 2), ("p3", 1)]));
        check(&d);
        assert_eq!(own_views(&d), [3, 2, 1]);
        d.put(&with_products(&[("p2", 5), ("p4", 1)]));
        check(&d);
        assert_eq!(own_views(&d), [5, 1]);

        let list = &d.days[&0];
        assert!(
            list.shares[event_slot(Dimension::Page)].items.len()
                < 7 + 1 + 2 + 3 + 1 + 2 + 3 + 4 + 5 + 6,
            "compacted"
        );
    }

    #[test]
    fn first_orders_follow_the_visits_put_and_go_stale_on_one_without_its_first_order() {
        let mut d = Data::new(0);
        d.put(&visit("a", "0", 10));
        assert!(d.first_orders.is_none(), "kept only once asked for");
        d.first_orders = Some(FirstOrderTimes {
            ms: Vec::new(),
            stale: false,
        });
        let bought = |who: &str, key: &str, start_ms: i64, order_ms: i64| {
            let mut m = visit(who, key, start_ms);
            m.visit.orders = 1;
            m.visit.first_order = Utc.timestamp_millis_opt(order_ms).single();
            m
        };
        d.put(&bought("a", "1", DAY_MS, DAY_MS + 50));
        // Before the window: not held, but its order counts.
        d.put(&bought("b", "1", -DAY_MS, -DAY_MS + 5));
        d.put(&bought("a", "2", 2 * DAY_MS, 2 * DAY_MS));
        let first = |d: &Data, who: &str| {
            let own = d.first_orders.as_ref().expect("kept");
            own.get(d.people.get(who).expect("known"))
                .map(|t| t.timestamp_millis())
        };
        assert_eq!(first(&d, "a"), Some(DAY_MS + 50));
        assert_eq!(first(&d, "b"), Some(-DAY_MS + 5));
        d.put(&bought("a", "0", 10, 20));
        assert_eq!(
            first(&d, "a"),
            Some(20),
            "an earlier order, in a visit put again"
        );
        assert!(!d.first_orders.as_ref().expect("kept").stale);

        let mut old = visit("c", "1", DAY_MS);
        old.visit.orders = 2;
        d.put(&old);
        assert!(d.first_orders.as_ref().expect("kept").stale);
        assert_eq!(first(&d, "c"), None);
    }

    #[test]
    fn each_row_is_listed_under_the_day_it_starts_in_through_moves_deletes_and_slides() {
        let mut d = Data::new(0);
        d.put(&visit("a", "1", DAY_MS + 10));
        check(&d);
        d.put(&visit("a", "2", 2 * DAY_MS - 1));
        check(&d);
        d.put(&visit("b", "1", 2 * DAY_MS));
        check(&d);
        d.put(&visit("b", "2", 3 * DAY_MS + 5));
        check(&d);
        assert_eq!(found(&d, (DAY_MS, 2 * DAY_MS)), ["a:1", "a:2"]);
        assert_eq!(found(&d, (DAY_MS + 11, 2 * DAY_MS + 1)), ["a:2", "b:1"]);
        assert!(
            found(&d, (2 * DAY_MS, 2 * DAY_MS)).is_empty(),
            "an empty range"
        );
        assert!(
            found(&d, (3 * DAY_MS, DAY_MS)).is_empty(),
            "a reversed range"
        );

        // Written again with an earlier start, on the day before: listed there only.
        d.put(&visit("b", "1", 2 * DAY_MS - 100));
        check(&d);
        assert_eq!(found(&d, (DAY_MS, 2 * DAY_MS)), ["a:1", "a:2", "b:1"]);
        assert!(found(&d, (2 * DAY_MS, 3 * DAY_MS)).is_empty());

        // Written again the same day with more to it: its place in the list follows.
        let mut more = visit("b", "2", 3 * DAY_MS + 6);
        more.visit.pageviews = 3;
        more.visit.events = 4;
        d.put(&more);
        check(&d);
        assert_eq!(
            d.days[&3]
                .hot
                .iter()
                .map(|h| h.pageviews)
                .collect::<Vec<_>>(),
            [3]
        );

        // Deleted: gone from its day, and its slot reused by the next visit.
        d.forget("a", "2", i64::MAX);
        check(&d);
        d.put(&visit("c", "1", 4 * DAY_MS));
        check(&d);
        assert_eq!(d.rows.len(), 4, "the freed slot was reused");
        assert_eq!(found(&d, (0, 5 * DAY_MS)), ["a:1", "b:1", "b:2", "c:1"]);

        // The window slides into day 1: the earlier part of the day leaves.
        assert_eq!(d.slide(DAY_MS + 11), 1);
        check(&d);
        assert_eq!(found(&d, (0, 5 * DAY_MS)), ["b:1", "b:2", "c:1"]);
        assert_eq!(d.slide(3 * DAY_MS + 5), 1);
        check(&d);
        assert_eq!(found(&d, (0, 5 * DAY_MS)), ["b:2", "c:1"]);
        assert_eq!(d.days.keys().copied().collect::<Vec<_>>(), [3, 4]);
        // Moved before the window: it leaves.
        d.put(&visit("c", "1", 0));
        check(&d);
        assert_eq!(found(&d, (0, 5 * DAY_MS)), ["b:2"]);
        assert_eq!(d.days.keys().copied().collect::<Vec<_>>(), [3]);
    }
}
