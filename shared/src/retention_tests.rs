use chrono::TimeZone as _;
use chrono_tz::Tz;

use super::*;
use crate::session::Session;
use crate::storage::retention::{Activity, Member};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

fn rates() -> Rates {
    Rates {
        reporting: Currency::parse("EUR").expect("EUR"),
        to_reporting: BTreeMap::new(),
    }
}

fn spec(tz: Tz, from: &str, to: &str, interval: Interval, periods: u32) -> Spec {
    Spec::new(
        Range {
            from: d(from),
            to: d(to),
            tz,
        },
        interval,
        periods,
        None,
        None,
    )
    .expect("spec")
}

fn session(profile: &str, at: &str) -> Session {
    Session {
        profile_id: profile.into(),
        key: "k".into(),
        start: t(at),
        end: t(at),
        events: 1,
        engaged: 1,
        pageviews: 0,
        landing: None,
        exit: None,
        touch: crate::session::Touch::default(),
        add_to_carts: 0,
        orders: 0,
        revenue: BTreeMap::new(),
        first_order: None,
        pages: BTreeMap::new(),
        types: BTreeMap::new(),
        products: BTreeMap::new(),
        trail: Default::default(),
    }
}

#[test]
fn periods_number_and_start_on_days_mondays_and_months() {
    for (day, interval, first) in [
        ("2026-06-03", Interval::Day, "2026-06-03"),
        ("2026-06-03", Interval::Week, "2026-06-01"),
        ("2026-06-07", Interval::Week, "2026-06-01"),
        ("2026-06-08", Interval::Week, "2026-06-08"),
        ("2026-06-30", Interval::Month, "2026-06-01"),
        ("2026-12-31", Interval::Month, "2026-12-01"),
    ] {
        let i = index(d(day), interval);
        assert_eq!(start(i, interval), d(first), "{day} {interval:?}");
        assert_eq!(index(start(i + 1, interval), interval), i + 1);
    }
    assert_eq!(
        start(index(d("2026-12-05"), Interval::Month) + 1, Interval::Month),
        d("2027-01-01")
    );
}

#[test]
fn hours_and_out_of_range_periods_are_refused() {
    let r = Range {
        from: d("2026-06-01"),
        to: d("2026-06-01"),
        tz: Tz::UTC,
    };
    assert!(Spec::new(r, Interval::Hour, 4, None, None).is_err());
    assert!(Spec::new(r, Interval::Day, 0, None, None).is_err());
    assert!(Spec::new(r, Interval::Day, MAX_PERIODS + 1, None, None).is_err());
}

#[test]
fn whole_weeks_are_taken_and_the_query_covers_every_followed_day() {
    let s = spec(Tz::UTC, "2026-06-03", "2026-06-10", Interval::Week, 3);
    assert_eq!(s.days(), (d("2026-06-01"), d("2026-06-14")));
    let q = s.query();
    assert_eq!(q.from, t("2026-06-01T00:00:00Z"));
    assert_eq!(q.to, t("2026-06-15T00:00:00Z"));
    assert_eq!(q.from_day, utc_day(t("2026-06-01T00:00:00Z")));
    // Two cohorts, three weeks each: up to 2026-06-28 inclusive.
    assert_eq!(q.to_day, utc_day(t("2026-06-28T12:00:00Z")));
    assert_eq!(
        (q.cohort_kind.as_str(), q.returning_kind.as_str()),
        (ANY, ANY)
    );
}

#[test]
fn a_daily_matrix_in_madrid_counts_local_days_revenue_and_partial_periods() {
    let madrid: Tz = "Europe/Madrid".parse().expect("tz");
    let s = spec(madrid, "2026-06-01", "2026-06-02", Interval::Day, 3);
    let member = |p: &str, at: &str| Member {
        profile: p.into(),
        first: t(at),
    };
    let act = |p: &str, a: &str, b: &str| Activity {
        profile: p.into(),
        first: t(a),
        last: t(b),
    };
    let rows = RetentionRows {
        members: vec![
            // 23:30 UTC on 31 May is 1 June in Madrid (UTC+2).
            member("a", "2026-05-31T23:30:00Z"),
            member("b", "2026-06-01T10:00:00Z"),
            member("c", "2026-06-02T09:00:00Z"),
        ],
        activity: vec![
            act("a", "2026-05-31T23:30:00Z", "2026-05-31T23:40:00Z"),
            // One UTC day touching two Madrid days (2 and 3 June).
            act("a", "2026-06-02T08:00:00Z", "2026-06-02T22:30:00Z"),
            act("b", "2026-06-01T10:00:00Z", "2026-06-01T10:00:00Z"),
            act("b", "2026-06-02T10:00:00Z", "2026-06-02T11:00:00Z"),
            act("c", "2026-06-02T09:00:00Z", "2026-06-02T09:00:00Z"),
            // Beyond the periods followed: ignored.
            act("c", "2026-06-20T09:00:00Z", "2026-06-20T09:00:00Z"),
            act("stranger", "2026-06-02T09:00:00Z", "2026-06-02T09:00:00Z"),
        ],
    };
    let eur = Currency::parse("EUR").expect("EUR");
    let usd = Currency::parse("USD").expect("USD");
    let order = |p: &str, at: &str, minor: i64, refunded: i64, currency| OrderAmount {
        profile_id: p.into(),
        at: t(at),
        revenue: Money { minor, currency },
        refunded,
    };
    let orders = [
        order("a", "2026-06-01T08:00:00Z", 1000, 0, eur),
        order("b", "2026-06-02T12:00:00Z", 2550, 550, eur),
        order("c", "2026-06-02T12:00:00Z", 700, 0, usd),
        order("stranger", "2026-06-02T12:00:00Z", 9900, 0, eur),
    ];
    // 3 June, 12:00 in Madrid: the 2 June cohort's third day is in progress.
    let now = t("2026-06-03T10:00:00Z");
    let m = compute(
        &s,
        &rows.members,
        Returned::Marks(&rows.activity),
        &orders,
        &rates(),
        now,
        None,
    );
    let row = |c: &Cohort| (c.cohort.clone(), c.size, c.returning.clone(), c.partial);
    assert_eq!(
        m.cohorts.iter().map(row).collect::<Vec<_>>(),
        [
            ("2026-06-01".to_owned(), 2, vec![2, 2, 1], true),
            ("2026-06-02".to_owned(), 1, vec![1, 0], true),
        ]
    );
    assert_eq!(m.cohorts[0].revenue, [10.0, 20.0, 0.0]);
    assert_eq!(m.cohorts[1].revenue, [0.0, 0.0]);
    assert_eq!(m.unconverted.get("USD"), Some(&Value::from(7.0)));
    // Day 0 of both cohorts is complete; day 1 only of the first; day 2 of none.
    assert_eq!(m.curve, [Some(1.0), Some(1.0), None]);

    // The same activity as the index hands it over: per member, the periods it falls in.
    let periods = Periods::of(&s);
    let mut active = Active::new(rows.members.len(), periods.len());
    for a in &rows.activity {
        if let Some(at) = rows.members.iter().position(|m| m.profile == a.profile) {
            for j in [a.first, a.last]
                .into_iter()
                .filter_map(|t| periods.at(t.timestamp_millis()))
            {
                active.set(at, j);
            }
        }
    }
    let from_periods = compute(
        &s,
        &rows.members,
        Returned::Periods(&active),
        &orders,
        &rates(),
        now,
        None,
    );
    assert_eq!(from_periods, m);

    // Filtered: only people with a passing visit in their cohort's period count.
    let visit = session("b", "2026-06-01T10:00:00Z");
    let late = session("c", "2026-06-05T10:00:00Z");
    let visited = Visited::of(
        &s,
        [&visit, &late].map(|v| (v.profile_id.as_str(), v.start)),
    );
    let m = compute(
        &s,
        &rows.members,
        Returned::Marks(&rows.activity),
        &orders,
        &rates(),
        now,
        Some(Entered::Visits(&visited)),
    );
    assert_eq!(m.cohorts.iter().map(|c| c.size).collect::<Vec<_>>(), [1, 0]);
    assert_eq!(m.cohorts[0].returning, [1, 1, 0]);
    assert_eq!(m.cohorts[0].revenue, [0.0, 20.0, 0.0]);
}

#[test]
fn future_cohorts_list_no_periods() {
    let s = spec(Tz::UTC, "2026-06-01", "2026-06-03", Interval::Day, 2);
    let now = Utc
        .with_ymd_and_hms(2026, 6, 2, 12, 0, 0)
        .single()
        .expect("now");
    let m = compute(&s, &[], Returned::Marks(&[]), &[], &rates(), now, None);
    let lens: Vec<(usize, bool)> = m
        .cohorts
        .iter()
        .map(|c| (c.returning.len(), c.partial))
        .collect();
    assert_eq!(lens, [(2, true), (1, true), (0, false)]);
    assert_eq!(m.curve, [None, None]);
}

#[test]
fn periods_place_instants_in_local_periods() {
    let madrid: Tz = "Europe/Madrid".parse().expect("tz");
    // Cohorts of 1 and 2 June followed for 3 days: 1 to 4 June, local.
    let p = Periods::of(&spec(madrid, "2026-06-01", "2026-06-02", Interval::Day, 3));
    let at = |s: &str| p.at(t(s).timestamp_millis());
    assert_eq!(p.len(), 4);
    assert_eq!(at("2026-05-31T21:59:59.999Z"), None);
    // Midnight in Madrid is 22:00 UTC in June.
    assert_eq!(at("2026-05-31T22:00:00Z"), Some(0));
    assert_eq!(at("2026-06-01T21:59:59.999Z"), Some(0));
    assert_eq!(at("2026-06-01T22:00:00Z"), Some(1));
    assert_eq!(at("2026-06-04T21:59:59.999Z"), Some(3));
    assert_eq!(at("2026-06-04T22:00:00Z"), None);

    let weeks = Periods::of(&spec(
        Tz::UTC,
        "2026-06-03",
        "2026-06-10",
        Interval::Week,
        3,
    ));
    assert_eq!(weeks.len(), 4);
    assert_eq!(
        weeks.at(t("2026-06-01T00:00:00Z").timestamp_millis()),
        Some(0)
    );
    assert_eq!(
        weeks.at(t("2026-06-28T23:59:59Z").timestamp_millis()),
        Some(3)
    );

    let mut active = Active::new(3, 70);
    active.set(2, 65);
    active.set(0, 0);
    assert!(active.has(2, 65) && active.has(0, 0));
    assert!(!active.has(1, 65) && !active.has(2, 64) && !active.has(2, 200));
}
