use chrono::DateTime;

use super::*;

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).expect("time")
}

fn query(steps: &[&str], window_ms: i64) -> FunnelQuery {
    FunnelQuery::plain(steps, at(0), at(1_000), window_ms)
}

/// Hits of one person from `(step mask, ms)`.
fn hits(rows: &[(u8, i64)]) -> Vec<Hit> {
    rows.iter()
        .map(|&(mask, t)| Hit { t, mask, visit: 0 })
        .collect()
}

fn deepest(q: &FunnelQuery, rows: &[(u8, i64)]) -> Vec<usize> {
    outcomes(q, &hits(rows)).iter().map(|o| o.deepest).collect()
}

#[test]
fn steps_must_come_in_order_within_the_window() {
    let q = query(&["a", "b", "c"], 100);
    let (a, b, c) = (1, 2, 4);
    assert_eq!(deepest(&q, &[(a, 10), (b, 20), (c, 30)]), [2]);
    assert_eq!(deepest(&q, &[(b, 5), (a, 10)]), [0], "b before a");
    assert_eq!(deepest(&q, &[(a, 10), (b, 200)]), [0], "outside the window");
    assert_eq!(
        deepest(&q, &[(a, 10), (a, 150), (b, 200)]),
        [1],
        "a later start rescues the window"
    );
    assert!(deepest(&q, &[(b, 10)]).is_empty(), "never entered");
}

#[test]
fn one_event_never_fills_two_steps_and_starts_must_be_in_range() {
    let q = query(&["a", "a"], 100);
    assert_eq!(deepest(&q, &[(3, 10)]), [0]);
    assert_eq!(deepest(&q, &[(3, 10), (3, 11)]), [1]);
    let q = query(&["a", "b"], 100);
    assert!(deepest(&q, &[(1, 1_000), (2, 1_001)]).is_empty());
    assert_eq!(deepest(&q, &[(1, 990), (2, 1_050)]), [1]);
}

#[test]
fn total_counting_follows_every_attempt_and_uses_each_event_once() {
    let mut q = query(&["view", "cart", "buy"], 100);
    q.count = Count::Total;
    let (v, c, b) = (1, 2, 4);
    // Two full purchases, then a view that goes nowhere.
    let outs = outcomes(
        &q,
        &hits(&[
            (v, 10),
            (c, 20),
            (b, 30),
            (v, 40),
            (c, 50),
            (b, 60),
            (v, 70),
        ]),
    );
    let d: Vec<usize> = outs.iter().map(|o| o.deepest).collect();
    assert_eq!(d, [2, 2, 0]);
    // Two views then one cart: the earliest attempt takes the cart.
    let outs = outcomes(&q, &hits(&[(v, 10), (v, 20), (c, 30)]));
    let d: Vec<(i64, usize)> = outs.iter().map(|o| (o.times[0], o.deepest)).collect();
    assert_eq!(d, [(10, 1), (20, 0)]);
    // Unique counting sees one person at the last step.
    q.count = Count::Unique;
    assert_eq!(
        deepest(&q, &[(v, 10), (c, 20), (b, 30), (v, 40), (c, 50), (b, 60)]),
        [2]
    );
}

#[test]
fn the_tally_gives_conversion_medians_breakdown_trend_and_drop_off() {
    let mut q = query(&["a", "b"], 1_000);
    q.breakdown = Some(Dimension::Channel);
    q.drop_off = Some(0);
    let mut t = Tally::new(&q);
    t.saw(0);
    let o = |deepest, t0, t1, visit| Outcome {
        deepest,
        times: [t0, t1, 0, 0, 0],
        visit,
    };
    let value = |v: u32| if v == 0 { "direct" } else { "search" };
    t.add("u1", &[o(1, 0, 100, 0)], value);
    t.add("u2", &[o(1, 10, 310, 1)], value);
    t.add("u3", &[o(0, 20, 0, 1)], value);
    let r = t.finish();
    assert_eq!(r.steps[0].entered, 3);
    assert_eq!(r.steps[1].entered, 2);
    assert_eq!(r.steps[1].conversion_from_previous, 0.6667);
    assert_eq!(r.steps[0].median_seconds_to_convert, None);
    assert_eq!(r.steps[1].median_seconds_to_convert, Some(0.2));
    assert_eq!(r.breakdown[0].value, "search");
    assert_eq!(r.breakdown[0].steps[0].entered, 2);
    assert_eq!(r.breakdown[0].steps[1].entered, 1);
    assert_eq!(r.breakdown[1].value, "direct");
    assert_eq!(r.dropped_total, 1);
    assert_eq!(r.dropped[0].profile_id, "u3");
    assert_eq!(r.trend.len(), 1);
    assert_eq!((r.trend[0].entered, r.trend[0].converted), (3, 2));
    assert_eq!(r.warnings.len(), 1, "step 2's type was never seen");
    assert!(r.warnings[0].contains("\"b\""), "{:?}", r.warnings);
}
