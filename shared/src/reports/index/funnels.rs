//! Funnels from the visit index: the trails of the visits in range, interned, turned into
//! each person's [`Hit`]s and counted by the same [`outcomes`] and [`Tally`] as the store
//! path ([`crate::funnels::of_visits`]).

use super::{Data, Ev, Resolved, Row, Slot, VisitIndex, slot};
use crate::funnels::{FunnelAnswer, FunnelQuery, Hit, Tally, outcomes};
use crate::reports::Dimension;

/// A step with its type's code and its filters resolved against the index's values.
struct Plan {
    kind: Option<u32>,
    visit: Vec<Resolved>,
    event: Vec<(Dimension, Resolved)>,
}

impl Data {
    fn event_passes(&self, dim: Dimension, f: &Resolved, r: &Row, e: &Ev) -> bool {
        let first = e.first_product as usize;
        let products = r
            .products
            .get(first..first + e.product_count as usize)
            .unwrap_or(&[]);
        let any = match dim {
            Dimension::Page => f.hits.hit(e.page),
            Dimension::Product if !products.is_empty() => {
                products.iter().any(|(sku, _)| f.hits.hit(*sku))
            }
            Dimension::ProductCategory if products.iter().any(|(_, c)| *c != self.none) => products
                .iter()
                .filter(|(_, c)| *c != self.none)
                .any(|(_, c)| f.hits.hit(*c)),
            _ => f.hits.hit(self.none),
        };
        f.filter.passes(any)
    }
}

impl VisitIndex {
    /// A funnel from the index, or `None` when it does not cover the range.
    pub fn funnel(&self, q: &FunnelQuery) -> Option<FunnelAnswer> {
        let (start, end) = q.visit_bounds();
        self.read(|d| {
            let (start, end) = (start.timestamp_millis(), end.timestamp_millis());
            if start < d.from_ms {
                return None;
            }
            let plans: Vec<Plan> = q
                .steps
                .iter()
                .map(|s| {
                    let (event, visit): (Vec<_>, Vec<_>) = s
                        .filters
                        .iter()
                        .cloned()
                        .partition(|f| f.dimension.is_event_level());
                    Plan {
                        kind: d.values.get(&s.event),
                        visit: d.resolve(&visit),
                        event: event
                            .iter()
                            .map(|f| f.dimension)
                            .zip(d.resolve(&event))
                            .collect(),
                    }
                })
                .collect();
            let breakdown = q.breakdown.map(slot);
            let mut mine: Vec<(u32, i64, usize)> = d
                .between((start, end))
                .filter(|(_, r)| {
                    q.people
                        .as_ref()
                        .is_none_or(|p| p.contains(d.people.name(r.who)))
                })
                .map(|(i, r)| (r.who, r.start_ms, i))
                .collect();
            mine.sort_unstable();
            let mut tally = Tally::new(q);
            let mut hits: Vec<Hit> = Vec::new();
            for group in mine.chunk_by(|a, b| a.0 == b.0) {
                hits.clear();
                for &(_, start_ms, i) in group {
                    let Some(r) = d.rows[i].as_ref() else {
                        continue;
                    };
                    if r.untrailed {
                        tally.untrailed();
                    }
                    let visit_ok = plans.iter().enumerate().fold(0u8, |m, (k, p)| {
                        let ok = p.visit.iter().all(|f| f.passes(r, d.none));
                        m | (u8::from(ok) << k)
                    });
                    for e in r.trail.iter() {
                        let mut mask = 0u8;
                        for (k, p) in plans.iter().enumerate() {
                            if p.kind != Some(e.kind) {
                                continue;
                            }
                            tally.saw(k);
                            let ok = visit_ok & (1 << k) != 0
                                && p.event.iter().all(|(dim, f)| d.event_passes(*dim, f, r, e));
                            mask |= u8::from(ok) << k;
                        }
                        if mask != 0 {
                            hits.push(Hit {
                                t: start_ms + i64::from(e.offset_ms),
                                mask,
                                visit: u32::try_from(i).unwrap_or(u32::MAX),
                            });
                        }
                    }
                }
                hits.sort_by_key(|h| h.t);
                let outs = outcomes(q, &hits);
                let who = d.people.name(group[0].0);
                tally.add(who, &outs, |i| match breakdown {
                    Some(Slot::Visit(k)) => d.rows[i as usize]
                        .as_ref()
                        .map_or(crate::reports::NONE, |r| d.values.name(r.dims[k])),
                    _ => crate::reports::NONE,
                });
            }
            Some(tally.finish())
        })
        .flatten()
    }
}
