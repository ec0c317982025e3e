//! A visit's trail: its events in time order, each as its offset from the visit's start,
//! its type and the few event-level values funnels filter on (page path, products and
//! their categories). Kept at write time in [`crate::session::Session`], so a funnel reads
//! visits (or the in-memory visit index) and never the stored events.
//!
//! Stored compactly, as arrays rather than objects:
//! `[offsetMs, "type"]`, `[offsetMs, "page_view", "/path"]` or
//! `[offsetMs, "product_view", null, [["SKU-1", "Shoes"], ["SKU-2", null]]]`.
//! At most [`TRAIL_CAP`] events per visit: the first that arrive (a longer visit is a
//! crawler or a test loop; funnels follow the rest of its person's visits).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::commerce::{ORDER_TYPES, ProductRef};
use crate::event::Event;

/// Most events one visit's trail keeps.
pub const TRAIL_CAP: usize = 1000;

/// One product an event names: sku and category.
pub type TrailProduct = (String, Option<String>);

/// One event of a trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailEvent {
    /// Milliseconds after the visit's start.
    pub offset_ms: i64,
    pub event_type: String,
    /// The page of a page view.
    pub page: Option<String>,
    /// The product of a view or cart event; an order's line items.
    pub products: Vec<TrailProduct>,
}

// The wire form: a JSON array with trailing empties left off, `[offset, type]`,
// `[offset, type, page]` or `[offset, type, page, products]`. Written and read by hand
// (no intermediate value, no clones): every visit written or read decodes its whole trail.
impl Serialize for TrailEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple as _;
        let len = match (&self.page, self.products.is_empty()) {
            (None, true) => 2,
            (Some(_), true) => 3,
            (_, false) => 4,
        };
        let mut t = s.serialize_tuple(len)?;
        t.serialize_element(&self.offset_ms)?;
        t.serialize_element(&self.event_type)?;
        if len > 2 {
            t.serialize_element(&self.page)?;
        }
        if len > 3 {
            t.serialize_element(&self.products)?;
        }
        t.end()
    }
}

impl<'de> Deserialize<'de> for TrailEvent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Items;
        impl<'de> serde::de::Visitor<'de> for Items {
            type Value = TrailEvent;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a trail event: [offsetMs, type, page?, products?]")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<TrailEvent, A::Error> {
                use serde::de::Error as _;
                let offset_ms = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(0, &self))?;
                let event_type = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(1, &self))?;
                let page = seq.next_element::<Option<String>>()?.flatten();
                let products = seq.next_element()?.unwrap_or_default();
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(A::Error::invalid_length(5, &self));
                }
                Ok(TrailEvent {
                    offset_ms,
                    event_type,
                    page,
                    products,
                })
            }
        }
        d.deserialize_seq(Items)
    }
}

/// A visit's events in time order (ties in arrival order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Trail(pub Vec<TrailEvent>);

impl Trail {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds `e`, which happened `offset_ms` after the visit's start, in time order.
    pub fn add(&mut self, e: &Event, offset_ms: i64) {
        if self.0.len() >= TRAIL_CAP {
            return;
        }
        let item = TrailEvent {
            offset_ms,
            event_type: e.event_type.as_str().to_owned(),
            page: crate::session::is_page_view(e)
                .then(|| e.derived.as_ref().and_then(|d| d.page.clone()))
                .flatten(),
            products: products_of(e),
        };
        let at = self.0.partition_point(|x| x.offset_ms <= offset_ms);
        self.0.insert(at, item);
    }

    /// Moves every offset by `delta_ms` (the visit's start moved back by that much).
    pub fn shift(&mut self, delta_ms: i64) {
        for e in &mut self.0 {
            e.offset_ms += delta_ms;
        }
    }

    /// Adds a later-starting visit's trail (`later` begins `delta_ms` after this one).
    pub fn merge(&mut self, mut later: Trail, delta_ms: i64) {
        later.shift(delta_ms);
        let mut all = std::mem::take(&mut self.0);
        all.extend(later.0);
        all.sort_by_key(|e| e.offset_ms);
        all.truncate(TRAIL_CAP);
        self.0 = all;
    }
}

/// The products an event names: its own (views, carts, any event with a `sku`) or an
/// order's line items.
fn products_of(e: &Event) -> Vec<TrailProduct> {
    let p = &e.properties;
    if let Some(r) = ProductRef::of(p) {
        return vec![(r.sku.to_owned(), r.category.map(str::to_owned))];
    }
    if !ORDER_TYPES.contains(&e.event_type.as_str()) {
        return Vec::new();
    }
    let Some(Value::Array(items)) = p.get("products") else {
        return Vec::new();
    };
    let text = |o: &serde_json::Map<String, Value>, keys: &[&str]| {
        keys.iter().find_map(|k| match o.get(*k) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    };
    items
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|o| {
            let sku = text(o, &["sku", "product_id", "productId", "id"])?;
            Some((sku, text(o, &["category"])))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(offset_ms: i64, t: &str) -> TrailEvent {
        TrailEvent {
            offset_ms,
            event_type: t.into(),
            page: None,
            products: Vec::new(),
        }
    }

    #[test]
    fn trail_events_are_compact_arrays_both_ways() {
        let trail = Trail(vec![
            ev(0, "session_start"),
            TrailEvent {
                page: Some("/p".into()),
                ..ev(5, "page_view")
            },
            TrailEvent {
                products: vec![("S1".into(), Some("Shoes".into())), ("S2".into(), None)],
                ..ev(9, "purchase")
            },
        ]);
        let json = serde_json::to_string(&trail).expect("json");
        assert_eq!(
            json,
            r#"[[0,"session_start"],[5,"page_view","/p"],[9,"purchase",null,[["S1","Shoes"],["S2",null]]]]"#
        );
        assert_eq!(serde_json::from_str::<Trail>(&json).expect("back"), trail);
    }

    #[test]
    fn a_trail_event_of_another_shape_is_refused() {
        for bad in [r#"[[0]]"#, r#"[[0,"a",null,[],1]]"#, r#"[{"offsetMs":0}]"#] {
            assert!(serde_json::from_str::<Trail>(bad).is_err(), "{bad}");
        }
        // A page left null with products, as an order writes it, reads back.
        let t: Trail =
            serde_json::from_str(r#"[[3,"purchase",null,[["S1",null]]]]"#).expect("read");
        assert_eq!(t.0[0].products, [("S1".to_owned(), None)]);
        assert_eq!(t.0[0].page, None);
    }

    #[test]
    fn merged_trails_stay_in_time_order() {
        let mut a = Trail(vec![ev(0, "a"), ev(100, "c")]);
        a.merge(Trail(vec![ev(0, "b"), ev(60, "d")]), 50);
        let order: Vec<(i64, &str)> =
            a.0.iter()
                .map(|e| (e.offset_ms, e.event_type.as_str()))
                .collect();
        assert_eq!(order, [(0, "a"), (50, "b"), (100, "c"), (110, "d")]);
    }
}
