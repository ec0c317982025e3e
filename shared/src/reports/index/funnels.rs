//! Funnels from the visit index: the trails of the visits in range, interned, turned into
//! each person's [`Hit`]s and counted by the same [`outcomes`] and [`Tally`] as the store
//! path ([`crate::funnels::of_visits`]).

use super::{Data, Ev, Resolved, Slot, UNTRAILED, VisitIndex, slot};
use crate::funnels::{FunnelAnswer, FunnelQuery, Hit, Tally, outcomes};
use crate::reports::Dimension;

/// A person's hit as read, with what places it among the person's hits.
#[derive(Debug, Clone, Copy)]
struct Staged {
    who: u32,
    t: i64,
    /// `t` less the visit's start (so a later start is a smaller offset).
    offset: u32,
    visit: u32,
    place: u32,
    mask: u8,
}

/// A step with its type's code and its filters resolved against the index's values.
struct Plan {
    kind: Option<u32>,
    visit: Vec<Resolved>,
    event: Vec<(Dimension, Resolved)>,
}

impl Data {
    /// Whether a trail event passes an event-level filter; `products` are those its
    /// visit's trail names.
    fn event_passes(&self, dim: Dimension, f: &Resolved, products: &[(u32, u32)], e: &Ev) -> bool {
        let first = e.first_product as usize;
        let products = products
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
            let mut tally = Tally::new(q);
            // The rows and their trails are read in about the order they sit in memory (a
            // range's days, each as listed: in slot order but for reused slots), not person
            // by person: read person by person, each visit cost two cache misses (its row,
            // then its trail), most of a funnel's time at ten million events. Each person's
            // hits are set aside and ordered as the person's visits in start order would
            // have given them: all in one list, then grouped by person with one counting
            // pass (a list per person cost an allocation and regrowth each).
            let mut staged: Vec<Staged> = Vec::new();
            let mut present = vec![false; d.people.names.len()];
            for v in d.scan((start, end)) {
                let (i, h) = (v.hot.slot as usize, v.hot);
                if q.people
                    .as_ref()
                    .is_some_and(|p| !p.contains(d.people.name(h.who)))
                {
                    continue;
                }
                let who = h.who as usize;
                present[who] = true;
                if h.flags & UNTRAILED != 0 {
                    tally.untrailed();
                }
                let visit_ok = plans.iter().enumerate().fold(0u8, |m, (k, p)| {
                    let ok = p.visit.iter().all(|f| f.passes(&v, d.none));
                    m | (u8::from(ok) << k)
                });
                let products = v.products();
                for (place, e) in v.trail().iter().enumerate() {
                    let mut mask = 0u8;
                    for (k, p) in plans.iter().enumerate() {
                        if p.kind != Some(e.kind) {
                            continue;
                        }
                        tally.saw(k);
                        let ok = visit_ok & (1 << k) != 0
                            && p.event
                                .iter()
                                .all(|(dim, f)| d.event_passes(*dim, f, products, e));
                        mask |= u8::from(ok) << k;
                    }
                    if mask != 0 {
                        staged.push(Staged {
                            who: h.who,
                            t: h.start_ms + i64::from(e.offset_ms),
                            offset: e.offset_ms,
                            visit: u32::try_from(i).unwrap_or(u32::MAX),
                            place: u32::try_from(place).unwrap_or(u32::MAX),
                            mask,
                        });
                    }
                }
            }
            // Where each person's hits begin in `grouped`, then the hits there.
            let mut begins = vec![0_usize; d.people.names.len() + 1];
            for s in &staged {
                begins[s.who as usize + 1] += 1;
            }
            for w in 1..begins.len() {
                begins[w] += begins[w - 1];
            }
            let mut grouped = staged.clone();
            let mut next = begins.clone();
            for s in staged {
                grouped[next[s.who as usize]] = s;
                next[s.who as usize] += 1;
            }
            let mut hits: Vec<Hit> = Vec::new();
            for (who, bounds) in begins.windows(2).enumerate() {
                if !present[who] {
                    continue;
                }
                let mine = &mut grouped[bounds[0]..bounds[1]];
                // By time; at the same instant, as the visits in start order and their
                // trails would have listed them.
                mine.sort_unstable_by_key(|h| (h.t, std::cmp::Reverse(h.offset), h.visit, h.place));
                hits.clear();
                hits.extend(mine.iter().map(|h| Hit {
                    t: h.t,
                    mask: h.mask,
                    visit: h.visit,
                }));
                let outs = outcomes(q, &hits);
                let name = d.people.name(u32::try_from(who).unwrap_or(u32::MAX));
                tally.add(name, &outs, |i| match breakdown {
                    Some(Slot::Visit(k)) => d
                        .dim_of(i as usize, k)
                        .map_or(crate::reports::NONE, |c| d.values.name(c)),
                    _ => crate::reports::NONE,
                });
            }
            Some(tally.finish())
        })
        .flatten()
    }
}
