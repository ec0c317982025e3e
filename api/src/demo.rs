//! `api demo seed`: a month of realistic shop traffic written through the store's write
//! path (the same `apply` every ingestion source uses, with what the server derives from
//! each event), so a fresh local install shows every report with data: visitors from
//! search, ads, social, a newsletter, a blog and typed-in addresses, on phones, tablets and
//! desktops in several countries, browsing, adding to cart and buying, a few signing in,
//! and a crawler that the reports leave out.
//!
//! Deterministic: the same arguments give the same events (ids included), so running it
//! twice stores nothing twice.

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde_json::{Map, Value, json};
use shared::enrich::{self, Origin};
use shared::event::{Event, EventType};
use shared::identity::IdentityLink;
use shared::settings::Settings;
use shared::storage::{self, TimedLink, WriteBatch};

const SHOP: &str = "https://demo.shoptrail.local";

/// Where a visit comes from: landing query, referrer.
const SOURCES: &[(u32, &str, &str)] = &[
    (30, "", "https://www.google.com/"),
    (
        12,
        "?utm_source=google&utm_medium=cpc&utm_campaign=spring_sale",
        "https://www.google.com/",
    ),
    (10, "", "https://l.facebook.com/"),
    (
        6,
        "?utm_source=instagram&utm_medium=paid_social&utm_campaign=spring_sale",
        "https://www.instagram.com/",
    ),
    (
        9,
        "?utm_source=newsletter&utm_medium=email&utm_campaign=weekly",
        "",
    ),
    (6, "", "https://www.trailrunning-blog.example/best-shoes"),
    (20, "", ""),
    (4, "", "https://duckduckgo.com/"),
    (
        3,
        "?utm_source=partner&utm_medium=affiliate",
        "https://deals.example/",
    ),
];

const AGENTS: &[(u32, &str)] = &[
    (
        34,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    ),
    (
        22,
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
    ),
    (
        26,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    ),
    (
        12,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0",
    ),
    (
        6,
        "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
    ),
];

const COUNTRIES: &[(u32, &str, &str)] = &[
    (30, "ES", "es-ES"),
    (15, "FR", "fr-FR"),
    (15, "DE", "de-DE"),
    (12, "US", "en-US"),
    (10, "GB", "en-GB"),
    (10, "IT", "it-IT"),
    (8, "PT", "pt-PT"),
];

/// sku, name, category, price (EUR).
const PRODUCTS: &[(&str, &str, &str, f64)] = &[
    ("SKU-1", "Trail shoes", "Shoes", 89.0),
    ("SKU-2", "Rain jacket", "Jackets", 129.0),
    ("SKU-3", "Merino socks", "Accessories", 14.5),
    ("SKU-4", "Running cap", "Accessories", 19.9),
    ("SKU-5", "Hydration vest", "Packs", 74.0),
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [(u32, T)]) -> &'a T {
    let total: u32 = items.iter().map(|(w, _)| w).sum();
    let mut n = rng.random_range(0..total);
    for (w, item) in items {
        if n < *w {
            return item;
        }
        n -= w;
    }
    &items[items.len() - 1].1
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

struct Visit<'a> {
    anon: String,
    user: Option<String>,
    session: String,
    agent: &'a str,
    locale: &'a str,
    origin: Origin,
}

impl Visit<'_> {
    fn event(
        &self,
        id: String,
        kind: &str,
        at: DateTime<Utc>,
        page: Option<(&str, &str)>,
        properties: Value,
    ) -> Event {
        let mut context = json!({"userAgent": self.agent, "locale": self.locale,
                                 "library": {"name": "shoptrail-demo-seed"}});
        if let Some((url, referrer)) = page {
            context["page"] = json!({"url": url, "referrer": referrer});
        }
        let mut e = Event {
            event_id: id,
            user_id: self.user.clone(),
            anonymous_id: Some(self.anon.clone()),
            session_id: Some(self.session.clone()),
            event_type: EventType::parse(kind).unwrap_or_else(|_| unreachable_type()),
            properties: obj(properties),
            context: obj(context),
            traits: None,
            occurred_at: at,
            sent_at: None,
            received_at: at,
            timestamp_clamped: false,
            source: Some("demo".into()),
            derived: None,
        };
        e.derived = Some(enrich::shared().derive(&e, &self.origin));
        e
    }
}

fn unreachable_type() -> EventType {
    EventType::parse("page_view").unwrap_or_else(|_| panic!("page_view is a valid type"))
}

/// How much demo traffic: `visitors` people over the `days` days before the seed's start,
/// each visiting `visits` times on average.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub days: i64,
    pub visitors: usize,
    pub visits: usize,
}

/// The demo traffic of the people `people` (indices into [`Shape::visitors`]) over the
/// `days` days before `now`. Each person's traffic depends only on their index, so the
/// people can be generated (and written) a slice at a time; the crawler comes with the
/// slice that holds person 0.
pub fn traffic(now: DateTime<Utc>, shape: Shape, people: std::ops::Range<usize>) -> WriteBatch {
    let Shape { days, visits, .. } = shape;
    let mut batch = WriteBatch::default();
    let start = now - Duration::days(days);
    let with_crawler = people.contains(&0);
    for v in people {
        let mut rng =
            StdRng::seed_from_u64(20_260_601 ^ (v as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let anon = format!("demo-anon-{v:04}");
        let (country, locale) = *pick(
            &mut rng,
            &COUNTRIES
                .iter()
                .map(|(w, c, l)| (*w, (*c, *l)))
                .collect::<Vec<_>>(),
        );
        let agent = *pick(&mut rng, AGENTS);
        // Between one and twice the mean less one: the mean is `visits`.
        let visits = rng.random_range(1..=(2 * visits.max(1) - 1));
        let mut signed_in: Option<String> = None;
        for n in 0..visits {
            let (query, referrer) = *pick(
                &mut rng,
                &SOURCES
                    .iter()
                    .map(|(w, q, r)| (*w, (*q, *r)))
                    .collect::<Vec<_>>(),
            );
            let day = rng.random_range(0..days.max(1));
            let minute = rng.random_range(7 * 60..23 * 60);
            let mut at = start + Duration::days(day) + Duration::minutes(minute);
            if at >= now {
                at = now - Duration::minutes(rng.random_range(1..600));
            }
            let visit = Visit {
                anon: anon.clone(),
                user: signed_in.clone(),
                session: format!("demo-s-{v:04}-{n}"),
                agent,
                locale,
                origin: Origin::with_country(Some(country)),
            };
            let id = |k: &str| format!("demo-{v:04}-{n}-{k}");
            // Search and ads often land on a product page; others on the home page.
            let path = if rng.random_bool(0.4) {
                format!(
                    "products/{}",
                    PRODUCTS[rng.random_range(0..PRODUCTS.len())].0
                )
            } else {
                String::new()
            };
            let landing = format!("{SHOP}/{path}{query}");
            batch
                .events
                .push(visit.event(id("start"), "session_start", at, None, json!({})));
            batch.events.push(visit.event(
                id("p0"),
                "page_view",
                at,
                Some((&landing, referrer)),
                json!({}),
            ));
            let mut last = landing.clone();
            let views = rng.random_range(0..5);
            let mut cart: Vec<(&str, &str, &str, f64)> = Vec::new();
            for p in 0..views {
                at += Duration::seconds(rng.random_range(15..240));
                let product = PRODUCTS[rng.random_range(0..PRODUCTS.len())];
                let url = format!("{SHOP}/products/{}", product.0);
                batch.events.push(visit.event(
                    id(&format!("p{}", p + 1)),
                    "page_view",
                    at,
                    Some((&url, &last)),
                    json!({}),
                ));
                batch.events.push(visit.event(
                    id(&format!("v{}", p + 1)),
                    "product_view",
                    at,
                    Some((&url, &last)),
                    json!({"sku": product.0, "name": product.1, "category": product.2, "price": product.3}),
                ));
                if rng.random_bool(0.3) {
                    at += Duration::seconds(rng.random_range(5..60));
                    cart.push(product);
                    batch.events.push(visit.event(
                        id(&format!("c{}", p + 1)),
                        "add_to_cart",
                        at,
                        Some((&url, &last)),
                        json!({"sku": product.0, "price": product.3}),
                    ));
                }
                last = url;
            }
            if !cart.is_empty() && rng.random_bool(0.45) {
                let email = format!("shopper{v:04}@example.com");
                if signed_in.is_none() {
                    batch.links.push(TimedLink {
                        link: IdentityLink {
                            from: anon.clone(),
                            to: email.clone(),
                        },
                        at,
                        right: shared::identity::LinkRight::Any,
                    });
                    signed_in = Some(email.clone());
                }
                at += Duration::seconds(rng.random_range(30..300));
                let revenue: f64 = cart.iter().map(|p| p.3).sum();
                let products: Vec<Value> = cart
                    .iter()
                    .map(|p| json!({"sku": p.0, "name": p.1, "category": p.2, "price": p.3, "quantity": 1}))
                    .collect();
                let paying = Visit {
                    user: Some(email),
                    ..visit
                };
                batch.events.push(paying.event(
                    id("buy"),
                    "purchase",
                    at,
                    Some((&format!("{SHOP}/checkout"), &last)),
                    json!({"orderId": format!("DEMO-{v:04}-{n}"), "revenue": (revenue * 100.0).round() / 100.0,
                           "currency": "EUR", "products": products}),
                ));
            }
        }
    }
    if with_crawler {
        crawl(now, &mut batch);
    }
    batch
}

/// A crawler, which every report leaves out.
fn crawl(now: DateTime<Utc>, batch: &mut WriteBatch) {
    let bot = Visit {
        anon: "demo-crawler".into(),
        user: None,
        session: "demo-crawler".into(),
        agent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        locale: "en-US",
        origin: Origin::default(),
    };
    for (i, p) in PRODUCTS.iter().enumerate() {
        let url = format!("{SHOP}/products/{}", p.0);
        let at = now - Duration::hours(i as i64 + 1);
        batch.events.push(bot.event(
            format!("demo-crawl-{i}"),
            "page_view",
            at,
            Some((&url, "")),
            json!({}),
        ));
    }
}

/// Writes the demo traffic a slice of people at a time (their sign-ins first, so their
/// anonymous events land on the person), and says how many events were new. Memory stays
/// bounded whatever the shape: `api demo seed --visitors 200000 --visits 8` writes about ten
/// million events for the reports benchmark.
pub async fn seed(settings: &Settings, shape: Shape) -> anyhow::Result<usize> {
    const PEOPLE_PER_SLICE: usize = 500;
    let store = storage::open(settings)
        .await
        .context("Failed to open the store")?;
    let now = Utc::now();
    let mut stored = 0;
    let mut from = 0;
    while from < shape.visitors {
        let to = (from + PEOPLE_PER_SLICE).min(shape.visitors);
        let WriteBatch { events, links } = traffic(now, shape, from..to);
        store
            .write(WriteBatch {
                events: Vec::new(),
                links,
            })
            .await
            .context("Failed to write the demo sign-ins")?;
        for chunk in events.chunks(1000) {
            let outcome = store
                .write(WriteBatch::from(chunk.to_vec()))
                .await
                .context("Failed to write the demo traffic")?;
            stored += outcome
                .events
                .iter()
                .filter(|o| **o == storage::InsertOutcome::Accepted)
                .count();
        }
        from = to;
    }
    store.close().await;
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(batch: &WriteBatch) -> Vec<String> {
        let mut ids: Vec<String> = batch.events.iter().map(|e| e.event_id.clone()).collect();
        ids.sort();
        ids
    }

    #[test]
    fn traffic_written_in_slices_is_the_traffic_written_at_once() {
        let now = Utc::now();
        let shape = Shape {
            days: 30,
            visitors: 12,
            visits: 3,
        };
        let whole = traffic(now, shape, 0..12);
        let mut sliced = traffic(now, shape, 0..5);
        let rest = traffic(now, shape, 5..12);
        sliced.events.extend(rest.events.iter().cloned());
        sliced.links.extend(rest.links.iter().cloned());
        assert_eq!(ids(&whole), ids(&sliced));
        assert_eq!(whole.links.len(), sliced.links.len());
        assert!(
            whole
                .events
                .iter()
                .any(|e| e.anonymous_id.as_deref() == Some("demo-crawler")),
            "the crawler comes with person 0"
        );
        assert!(
            !rest
                .events
                .iter()
                .any(|e| e.anonymous_id.as_deref() == Some("demo-crawler")),
            "and only with person 0"
        );
    }

    #[test]
    fn more_visits_per_person_make_more_traffic() {
        let now = Utc::now();
        let shape = |visits| Shape {
            days: 30,
            visitors: 200,
            visits,
        };
        let two = traffic(now, shape(2), 0..200).events.len();
        let eight = traffic(now, shape(8), 0..200).events.len();
        assert!(eight > 3 * two, "{two} events at 2 visits, {eight} at 8");
    }
}
