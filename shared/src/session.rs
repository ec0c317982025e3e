//! Visits ("sessions"), kept at write time, written once for every engine: which session an
//! event belongs to ([`assign`]), what it adds to it ([`Session::absorb`]) and how two
//! sessions of one person combine when their ids are linked ([`Session::merge`]).
//!
//! The rule, in full:
//! - An event with a client `sessionId` belongs to that session of its person.
//! - An event without one joins the person's session whose span (first to last event)
//!   contains it; else the latest session that ended at most [`IDLE`] before it; else the
//!   earliest that starts at most [`IDLE`] after it; else it starts a new session, keyed by
//!   its time (`~<ms>`). So an `identify` sent by a server without `sessionId` in the middle
//!   of a browser session stays in it.
//! - Events are assigned in time order within a batch; a late event is assigned by the same
//!   rule against the sessions stored when it arrives, and may extend a session backwards
//!   (its start, landing page and attribution then come from the late event). Two sessions
//!   are never merged by a late event.
//! - Duplicates change nothing (only newly stored events are folded); bots have none.
//! - When an earlier id is linked to a person, each of its sessions moves to the person,
//!   combined with the person's session of the same key if there is one.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::commerce::{CART_TYPES, Commerce, Currency, PRODUCT_VIEW_TYPES, ProductRef};
use crate::enrich::{Channel, Derived, Device};
use crate::event::Event;
use crate::trail::Trail;

/// Inactivity that ends an inferred session.
pub const IDLE: Duration = Duration::minutes(30);

/// Event types that do not count as engagement (a visit of one page view and these is a
/// bounce).
pub const PASSIVE_TYPES: &[&str] = &["session_start", "session_end", "page_unload"];

/// The attribution of a session: where its first event came from and on what.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Touch {
    pub channel: Option<Channel>,
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub content: Option<String>,
    pub term: Option<String>,
    pub referrer_domain: Option<String>,
    pub device: Option<Device>,
    pub browser: Option<String>,
    pub os: Option<String>,
    pub country: Option<String>,
    pub locale: Option<String>,
}

impl Touch {
    fn of(e: &Event) -> Self {
        let locale = e
            .context
            .get("locale")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        match &e.derived {
            None => Touch {
                locale,
                ..Touch::default()
            },
            Some(d) => {
                let Derived {
                    channel,
                    source,
                    medium,
                    campaign,
                    content,
                    term,
                    referrer_domain,
                    device,
                    browser,
                    os,
                    country,
                    ..
                } = d.clone();
                Touch {
                    channel: Some(channel),
                    source: Some(source),
                    medium: Some(medium),
                    campaign,
                    content,
                    term,
                    referrer_domain,
                    device,
                    browser,
                    os,
                    country,
                    locale,
                }
            }
        }
    }
}

/// One visit of one person, as every engine stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The person (profile id) the session belongs to.
    pub profile_id: String,
    /// The client's `sessionId`, or `~<ms of its first event>` for an inferred session.
    pub key: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub events: u64,
    /// Events other than [`PASSIVE_TYPES`].
    pub engaged: u64,
    pub pageviews: u64,
    /// The earliest page view's page and time.
    pub landing: Option<(DateTime<Utc>, String)>,
    /// The latest page view's page and time.
    pub exit: Option<(DateTime<Utc>, String)>,
    pub touch: Touch,
    pub add_to_carts: u64,
    /// Order ids placed in this session (each counted once, see the orders store).
    pub orders: u64,
    /// Revenue of the session's orders per currency, minor units, less refunds.
    pub revenue: BTreeMap<Currency, i64>,
    /// When the earliest of its orders was placed, so a reader tells new buyers from
    /// returning ones without the orders store. Absent on a session without orders, and on
    /// one holding orders recorded before this was kept (see [`Session::first_order_known`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_order: Option<DateTime<Utc>>,
    /// Page views per page (path): what the `page` dimension reads.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pages: BTreeMap<String, u64>,
    /// Events per type: what the `eventType` dimension reads.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub types: BTreeMap<String, u64>,
    /// Products viewed, added to a cart or ordered in the session, by sku: what the
    /// `product` and `productCategory` dimensions read.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub products: BTreeMap<String, ProductActivity>,
    /// The visit's events in time order, compact: what funnels read ([`crate::trail`]).
    /// Empty on visits written before trails were kept.
    #[serde(default, skip_serializing_if = "Trail::is_empty")]
    pub trail: Trail,
}

/// What one session did with one product.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductActivity {
    /// The latest name and category an event or order gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub views: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub carts: u64,
    /// Orders with a line of this product (each order once).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub orders: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub quantity: u64,
    /// Price × quantity of its lines, per currency, minor units (refunds name orders, not
    /// lines: they are not taken off here).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub revenue: BTreeMap<Currency, i64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl ProductActivity {
    fn name_from(&mut self, name: Option<&str>, category: Option<&str>) {
        if let Some(n) = name {
            self.name = Some(n.to_owned());
        }
        if let Some(c) = category {
            self.category = Some(c.to_owned());
        }
    }

    fn merge(&mut self, other: ProductActivity) {
        if other.name.is_some() {
            self.name = other.name;
        }
        if other.category.is_some() {
            self.category = other.category;
        }
        self.views += other.views;
        self.carts += other.carts;
        self.orders += other.orders;
        self.quantity += other.quantity;
        add_money(&mut self.revenue, other.revenue);
    }
}

fn add_money(into: &mut BTreeMap<Currency, i64>, more: BTreeMap<Currency, i64>) {
    for (c, m) in more {
        *into.entry(c).or_default() += m;
    }
}

/// Adds one to a count keyed by text, allocating the key only the first time.
fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_owned(), 1);
        }
    }
}

impl Session {
    /// A session begun by `e`.
    pub fn begin(profile_id: &str, key: String, e: &Event) -> Self {
        let mut s = Session {
            profile_id: profile_id.to_owned(),
            key,
            start: e.occurred_at,
            end: e.occurred_at,
            events: 0,
            engaged: 0,
            pageviews: 0,
            landing: None,
            exit: None,
            touch: Touch::of(e),
            add_to_carts: 0,
            orders: 0,
            revenue: BTreeMap::new(),
            first_order: None,
            pages: BTreeMap::new(),
            types: BTreeMap::new(),
            products: BTreeMap::new(),
            trail: Trail::default(),
        };
        s.absorb(e);
        s
    }

    /// Folds one newly stored event in. An event earlier than the session's start moves
    /// the start and takes over the attribution.
    pub fn absorb(&mut self, e: &Event) {
        let t = e.occurred_at;
        if t < self.start {
            self.trail.shift((self.start - t).num_milliseconds());
            self.start = t;
            self.touch = Touch::of(e);
        }
        self.trail.add(e, (t - self.start).num_milliseconds());
        self.end = self.end.max(t);
        self.events += 1;
        let kind = e.event_type.as_str();
        bump(&mut self.types, kind);
        if !PASSIVE_TYPES.contains(&kind) {
            self.engaged += 1;
        }
        let cart = CART_TYPES.contains(&kind);
        if cart {
            self.add_to_carts += 1;
        }
        if (cart || PRODUCT_VIEW_TYPES.contains(&kind))
            && let Some(p) = ProductRef::of(&e.properties)
        {
            let a = self.product(p.sku);
            a.name_from(p.name, p.category);
            if cart {
                a.carts += 1;
            } else {
                a.views += 1;
            }
        }
        if is_page_view(e) {
            self.pageviews += 1;
            if let Some(page) = e.derived.as_ref().and_then(|d| d.page.clone()) {
                bump(&mut self.pages, &page);
                if self.landing.as_ref().is_none_or(|(at, _)| t < *at) {
                    self.landing = Some((t, page.clone()));
                }
                if self.exit.as_ref().is_none_or(|(at, _)| t >= *at) {
                    self.exit = Some((t, page));
                }
            }
        }
    }

    fn product(&mut self, sku: &str) -> &mut ProductActivity {
        self.products.entry(sku.to_owned()).or_default()
    }

    /// Adds an order placed in this session (first time its id is seen), and its lines to
    /// the products: each product counts the order once, its units and its lines' price ×
    /// quantity (a line without a price adds no revenue).
    /// Adds an order placed at `at` (its event's time).
    pub fn add_order(&mut self, commerce: &Commerce, at: DateTime<Utc>) {
        match commerce {
            Commerce::Order {
                revenue, products, ..
            } => {
                // Unknown stays unknown: the orders before it had no time kept.
                self.first_order = self
                    .first_order_known()
                    .map(|earlier| earlier.map_or(at, |t| t.min(at)));
                self.orders += 1;
                *self.revenue.entry(revenue.currency).or_default() += revenue.minor;
                let mut seen: Vec<&str> = Vec::with_capacity(products.len());
                for line in products {
                    let a = self.product(&line.sku);
                    a.name_from(line.name.as_deref(), line.category.as_deref());
                    if !seen.contains(&line.sku.as_str()) {
                        a.orders += 1;
                        seen.push(&line.sku);
                    }
                    a.quantity += u64::try_from(line.quantity).unwrap_or(0);
                    if let Some(price) = line.price {
                        *a.revenue.entry(revenue.currency).or_default() +=
                            price.saturating_mul(line.quantity);
                    }
                }
            }
            Commerce::Refund { .. } => {}
        }
    }

    /// Takes a refunded amount off this session's revenue (the session of the order).
    pub fn refund(&mut self, currency: Currency, minor: i64) {
        *self.revenue.entry(currency).or_default() -= minor;
    }

    /// Seconds from the first event to the last.
    pub fn duration_seconds(&self) -> i64 {
        (self.end - self.start).num_seconds()
    }

    /// One page view and nothing else engaging.
    pub fn bounced(&self) -> bool {
        self.engaged <= 1
    }

    pub fn converted(&self) -> bool {
        self.orders > 0
    }

    /// Its first order: `Some(None)` without orders, `None` when it holds orders recorded
    /// before sessions kept their first order (only the orders store knows when then).
    pub fn first_order_known(&self) -> Option<Option<DateTime<Utc>>> {
        match (self.orders, self.first_order) {
            (0, _) => Some(None),
            (_, Some(t)) => Some(Some(t)),
            (_, None) => None,
        }
    }

    /// Combines two sessions with one key: `other` (an earlier id's session) moves into
    /// `self` (the person's), which keeps its person. The earlier-starting one gives the
    /// start and the attribution.
    pub fn merge(self, other: Session) -> Session {
        let person = self.profile_id.clone();
        let first_order = match (self.first_order_known(), other.first_order_known()) {
            (Some(a), Some(b)) => a.into_iter().chain(b).min(),
            _ => None,
        };
        let (mut first, second) = if other.start < self.start {
            (other, self)
        } else {
            (self, other)
        };
        first.end = first.end.max(second.end);
        first.events += second.events;
        first.engaged += second.engaged;
        first.pageviews += second.pageviews;
        first.add_to_carts += second.add_to_carts;
        first.orders += second.orders;
        if let Some(l) = second.landing
            && first.landing.as_ref().is_none_or(|(at, _)| l.0 < *at)
        {
            first.landing = Some(l);
        }
        if let Some(x) = second.exit
            && first.exit.as_ref().is_none_or(|(at, _)| x.0 >= *at)
        {
            first.exit = Some(x);
        }
        add_money(&mut first.revenue, second.revenue);
        for (page, n) in second.pages {
            *first.pages.entry(page).or_default() += n;
        }
        for (kind, n) in second.types {
            *first.types.entry(kind).or_default() += n;
        }
        for (sku, a) in second.products {
            first.products.entry(sku).or_default().merge(a);
        }
        let delta = (second.start - first.start).num_milliseconds();
        first.trail.merge(second.trail, delta);
        first.profile_id = person;
        first.first_order = first_order;
        first
    }
}

/// Page views: the events API's `page_view`, Segment's `page` (stored as `page_view`) and
/// `screen`.
pub fn is_page_view(e: &Event) -> bool {
    matches!(e.event_type.as_str(), "page_view" | "screen")
}

/// The key of the session `e` belongs to among `known` (the person's sessions near it,
/// including those this batch has begun), or a new inferred key.
pub fn assign(e: &Event, known: &[&Session]) -> String {
    if let Some(id) = &e.session_id {
        return id.clone();
    }
    let t = e.occurred_at;
    if let Some(s) = known
        .iter()
        .filter(|s| s.start <= t && t <= s.end)
        .max_by_key(|s| s.start)
    {
        return s.key.clone();
    }
    if let Some(s) = known
        .iter()
        .filter(|s| s.end < t && t - s.end <= IDLE)
        .max_by_key(|s| s.end)
    {
        return s.key.clone();
    }
    if let Some(s) = known
        .iter()
        .filter(|s| t < s.start && s.start - t <= IDLE)
        .min_by_key(|s| s.start)
    {
        return s.key.clone();
    }
    format!("~{}", t.timestamp_millis())
}

/// Folds one person's newly stored events (any order) into their sessions. `stored` are the
/// person's sessions near the events as stored now. Returns the sessions that changed or
/// began, and for each event (index for index) the key of the session it joined.
pub fn fold(
    profile_id: &str,
    events: &[&Event],
    stored: Vec<Session>,
) -> (Vec<Session>, Vec<String>) {
    let mut sessions: BTreeMap<String, Session> =
        stored.into_iter().map(|s| (s.key.clone(), s)).collect();
    let mut changed = std::collections::BTreeSet::new();
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by(|&a, &b| {
        (events[a].occurred_at, &events[a].event_id)
            .cmp(&(events[b].occurred_at, &events[b].event_id))
    });
    let mut keys = vec![String::new(); events.len()];
    for i in order {
        let e = events[i];
        let key = {
            let known: Vec<&Session> = sessions.values().collect();
            assign(e, &known)
        };
        match sessions.get_mut(&key) {
            Some(s) => s.absorb(e),
            None => {
                sessions.insert(key.clone(), Session::begin(profile_id, key.clone(), e));
            }
        }
        changed.insert(key.clone());
        keys[i] = key;
    }
    let changed = changed
        .into_iter()
        .filter_map(|k| sessions.remove(&k))
        .collect();
    (changed, keys)
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
