use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::enrich::Channel;
use crate::session::Touch;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
}

fn visit(
    person: &str,
    start: DateTime<Utc>,
    channel: Channel,
    pageviews: u64,
    revenue: i64,
) -> Session {
    let eur = Currency::parse("EUR").expect("a currency");
    Session {
        profile_id: person.into(),
        key: format!("~{}", start.timestamp_millis()),
        start,
        end: start + Duration::seconds(60 * pageviews as i64),
        events: pageviews,
        engaged: pageviews,
        pageviews,
        landing: Some((start, "/".into())),
        exit: Some((start, "/".into())),
        touch: Touch {
            channel: Some(channel),
            ..Touch::default()
        },
        add_to_carts: 0,
        orders: u64::from(revenue > 0),
        revenue: if revenue > 0 {
            [(eur, revenue)].into_iter().collect()
        } else {
            BTreeMap::new()
        },
        first_order: (revenue > 0).then_some(start),
        pages: [("/".to_owned(), pageviews)].into_iter().collect(),
        types: [("page_view".to_owned(), pageviews)].into_iter().collect(),
        products: BTreeMap::new(),
        trail: Default::default(),
    }
}

#[test]
fn an_evening_visit_lands_on_the_next_day_in_madrid_and_the_same_day_in_utc() {
    let t = Utc
        .with_ymd_and_hms(2026, 6, 1, 23, 30, 0)
        .single()
        .expect("a time");
    let madrid = Range {
        from: day("2026-06-01"),
        to: day("2026-06-02"),
        tz: chrono_tz::Europe::Madrid,
    };
    let utc = Range {
        tz: chrono_tz::UTC,
        ..madrid
    };
    assert_eq!(madrid.bucket_of(t, Interval::Day), "2026-06-02");
    assert_eq!(utc.bucket_of(t, Interval::Day), "2026-06-01");
    assert_eq!(madrid.bucket_of(t, Interval::Hour), "2026-06-02T01:00");
    // Madrid's 1 June starts at 22:00 UTC the day before (summer time).
    assert_eq!(
        madrid.bounds().0,
        Utc.with_ymd_and_hms(2026, 5, 31, 22, 0, 0)
            .single()
            .expect("a time")
    );
    assert_eq!(
        madrid.previous(),
        Range {
            from: day("2026-05-30"),
            to: day("2026-05-31"),
            ..madrid
        }
    );
}

#[test]
fn buckets_cover_the_range_weeks_by_monday_months_by_month() {
    let r = Range {
        from: day("2026-05-30"),
        to: day("2026-06-02"),
        tz: chrono_tz::UTC,
    };
    assert_eq!(r.buckets(Interval::Day).len(), 4);
    assert_eq!(r.buckets(Interval::Week), ["2026-05-25", "2026-06-01"]);
    assert_eq!(r.buckets(Interval::Month), ["2026-05", "2026-06"]);
    assert_eq!(r.buckets(Interval::Hour).len(), 96);
}

#[test]
fn filters_parse_and_match() {
    let s = visit("p", Utc::now(), Channel::PaidSearch, 1, 0);
    let f = |t: &str| Filter::parse(t).expect("a filter");
    assert!(f("channel:Paid Search").matches(&s));
    assert!(!f("channel!=Paid Search").matches(&s));
    assert!(f("channel~paid").matches(&s));
    assert!(f("country:(none)").matches(&s));
    assert!(Filter::parse("nope:x").is_err());
    assert!(Filter::parse("channel=x").is_err());
    assert!(Metric::parse_list("sessions,nope").is_err());
    assert_eq!(
        Metric::parse_list("sessions, revenue,sessions").expect("metrics"),
        [Metric::Sessions, Metric::Revenue]
    );
}

#[test]
fn figures_from_a_breakdown() {
    let t = Utc
        .with_ymd_and_hms(2026, 6, 1, 10, 0, 0)
        .single()
        .expect("a time");
    let visits = [
        visit("a", t, Channel::OrganicSearch, 1, 0),
        visit("a", t + Duration::hours(2), Channel::OrganicSearch, 3, 0),
        visit("b", t, Channel::PaidSearch, 2, 5000),
        visit("c", t, Channel::PaidSearch, 1, 2500),
    ];
    let rates = Rates {
        reporting: Currency::parse("EUR").expect("eur"),
        to_reporting: BTreeMap::new(),
    };
    let first: HashMap<String, DateTime<Utc>> = [
        ("b".to_owned(), t),
        ("c".to_owned(), t - Duration::days(40)),
    ]
    .into_iter()
    .collect();
    let figures = Figures {
        rates: &rates,
        first_order: &first,
        range_start: t - Duration::hours(10),
    };
    let (rows, total) = breakdown(visits.iter(), Dimension::Channel);
    let metrics = Metric::ALL;
    let (paid, _) = figures.of(
        &rows.iter().find(|r| r.0 == "Paid Search").expect("row").1,
        &metrics,
    );
    assert_eq!(paid["sessions"], json!(2));
    assert_eq!(paid["orders"], json!(2));
    assert_eq!(paid["revenue"], json!(75.0));
    assert_eq!(paid["aov"], json!(37.5));
    assert_eq!(paid["conversionRate"], json!(1.0));
    assert_eq!(paid["bounceRate"], json!(0.5));
    assert_eq!(
        (paid["newBuyers"].clone(), paid["returningBuyers"].clone()),
        (json!(1), json!(1))
    );
    let (all, left) = figures.of(&total, &metrics);
    assert_eq!(
        (
            all["visitors"].clone(),
            all["sessions"].clone(),
            all["pageviews"].clone()
        ),
        (json!(3), json!(4), json!(7))
    );
    assert_eq!(all["viewsPerSession"], json!(1.75));
    assert_eq!(all["conversionRate"], json!(0.5));
    assert!(left.is_empty());
    let (organic, _) = figures.of(
        &rows
            .iter()
            .find(|r| r.0 == "Organic Search")
            .expect("row")
            .1,
        &metrics,
    );
    assert_eq!(organic["aov"], json!(null), "no orders, no average");
}

#[test]
fn revenue_without_a_rate_is_reported_apart_never_summed() {
    let t = Utc::now();
    let mut v = visit("a", t, Channel::Direct, 1, 1000);
    v.revenue.insert(Currency::parse("GBP").expect("gbp"), 700);
    v.revenue.insert(unnamed_currency(), 300);
    let rates = Rates {
        reporting: Currency::parse("EUR").expect("eur"),
        to_reporting: BTreeMap::new(),
    };
    let first = HashMap::new();
    let figures = Figures {
        rates: &rates,
        first_order: &first,
        range_start: t,
    };
    let mut tally = Tally::default();
    tally.add(&v);
    let (m, left) = figures.of(&tally, &[Metric::Revenue]);
    assert_eq!(
        m["revenue"],
        json!(13.0),
        "EUR and amounts that named no currency"
    );
    assert_eq!(
        left,
        [("GBP".to_owned(), json!(7.0))]
            .into_iter()
            .collect::<Unconverted>()
    );
}
