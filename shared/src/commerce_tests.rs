use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::*;
use crate::event::{Event, EventType};

fn eur() -> Currency {
    Currency::parse("EUR").expect("valid in this test")
}

fn ev(kind: &str, properties: Value) -> Event {
    let Value::Object(properties) = properties else {
        panic!("object")
    };
    Event {
        event_id: "e".into(),
        user_id: Some("u".into()),
        anonymous_id: None,
        session_id: None,
        event_type: EventType::parse(kind).expect("valid in this test"),
        properties,
        context: Default::default(),
        traits: None,
        occurred_at: Utc::now(),
        sent_at: None,
        received_at: Utc::now(),
        timestamp_clamped: false,
        source: None,
        derived: None,
    }
}

#[test]
fn an_order_reads_its_id_revenue_currency_and_products_exactly() {
    let e = ev(
        "Order Completed",
        json!({"orderId": "o-1", "revenue": 50.00, "currency": "eur",
               "products": [{"sku": "SKU-1", "name": "Boots", "category": "Shoes", "price": 19.99, "quantity": 2},
                            {"product_id": "SKU-2", "price": "10.02"}]}),
    );
    let Some(Commerce::Order {
        order_id,
        revenue,
        products,
    }) = Commerce::of(&e, eur()).expect("valid in this test")
    else {
        panic!("an order")
    };
    assert_eq!(order_id, "o-1");
    assert_eq!(
        revenue,
        Money {
            minor: 5000,
            currency: eur()
        }
    );
    assert_eq!(revenue.major(), Decimal::new(5000, 2));
    assert_eq!(products[0].price, Some(1999));
    assert_eq!(products[0].quantity, 2);
    assert_eq!(products[0].category.as_deref(), Some("Shoes"));
    assert_eq!(
        (
            products[1].sku.as_str(),
            products[1].price,
            products[1].quantity
        ),
        ("SKU-2", Some(1002), 1)
    );
}

#[test]
fn revenue_falls_back_to_total_value_then_the_products() {
    let total = ev("purchase", json!({"order_id": 7, "total": 12.5}));
    let Some(Commerce::Order {
        order_id, revenue, ..
    }) = Commerce::of(&total, eur()).expect("valid in this test")
    else {
        panic!()
    };
    assert_eq!((order_id.as_str(), revenue.minor), ("7", 1250));
    let lines = ev(
        "purchase",
        json!({"orderId": "o", "currency": "JPY",
        "products": [{"sku": "a", "price": 1200, "quantity": 3}, {"sku": "b", "price": 500}]}),
    );
    let Some(Commerce::Order { revenue, .. }) =
        Commerce::of(&lines, eur()).expect("valid in this test")
    else {
        panic!()
    };
    assert_eq!(
        revenue,
        Money {
            minor: 4100,
            currency: Currency::parse("JPY").expect("valid in this test")
        }
    );
}

#[test]
fn sums_of_many_small_amounts_do_not_drift() {
    // 0.1 added ten times is 1.0 exactly in minor units, unlike f64.
    let sum: i64 = (0..10)
        .map(|_| {
            Money::from_json(&json!(0.1), eur())
                .expect("valid in this test")
                .minor
        })
        .sum();
    assert_eq!(sum, 100);
    assert_eq!(
        Money::from_json(&json!(2.675), eur())
            .expect("valid in this test")
            .minor,
        268,
        "half away from zero"
    );
    assert_eq!(
        Money::from_json(&json!("1.5e2"), eur())
            .expect("valid in this test")
            .minor,
        15000
    );
    assert_eq!(
        Money::from_json(
            &json!(1.2345),
            Currency::parse("bhd").expect("valid in this test")
        )
        .expect("valid in this test")
        .minor,
        1235
    );
    assert_eq!(Money::from_json(&json!(true), eur()), None);
    assert_eq!(Money::from_json(&json!(1e300), eur()), None, "out of range");
}

#[test]
fn refunds_and_other_events() {
    let full = ev("Order Refunded", json!({"orderId": "o-1"}));
    assert_eq!(
        Commerce::of(&full, eur()).expect("valid in this test"),
        Some(Commerce::Refund {
            order_id: "o-1".into(),
            amount: None,
            currency: None
        })
    );
    let part = ev(
        "Order Refunded",
        json!({"orderId": "o-1", "revenue": 5, "currency": "USD"}),
    );
    assert_eq!(
        Commerce::of(&part, eur()).expect("valid in this test"),
        Some(Commerce::Refund {
            order_id: "o-1".into(),
            amount: Some(Decimal::new(5, 0)),
            currency: Currency::parse("USD")
        })
    );
    assert_eq!(
        Commerce::of(&ev("page_view", json!({"orderId": "x"})), eur()).expect("valid in this test"),
        None
    );
}

#[test]
fn unreadable_orders_say_why() {
    assert_eq!(
        Commerce::of(&ev("purchase", json!({"revenue": 5})), eur()),
        Err(CommerceError::MissingOrderId)
    );
    assert_eq!(
        Commerce::of(
            &ev("purchase", json!({"orderId": "o", "revenue": "lots"})),
            eur()
        ),
        Err(CommerceError::BadAmount("revenue"))
    );
    assert_eq!(
        Commerce::of(
            &ev("purchase", json!({"orderId": "o", "currency": "euro"})),
            eur()
        ),
        Err(CommerceError::BadCurrency)
    );
    assert_eq!(
        Commerce::of(
            &ev(
                "purchase",
                json!({"orderId": "o", "products": [{"sku": "a", "quantity": 0}]})
            ),
            eur()
        ),
        Err(CommerceError::BadAmount("products.quantity"))
    );
}

#[test]
fn rates_convert_into_the_reporting_currency_or_say_they_cannot() {
    let usd = Currency::parse("USD").expect("valid in this test");
    let rates = Rates {
        reporting: eur(),
        to_reporting: [(usd, Decimal::new(92, 2))].into_iter().collect(),
    };
    assert_eq!(
        rates.convert(Money {
            minor: 1000,
            currency: usd
        }),
        Some(920)
    );
    assert_eq!(
        rates.convert(Money {
            minor: 1000,
            currency: eur()
        }),
        Some(1000)
    );
    let gbp = Currency::parse("GBP").expect("valid in this test");
    assert_eq!(
        rates.convert(Money {
            minor: 1000,
            currency: gbp
        }),
        None
    );
    let json = serde_json::to_value(&rates).expect("valid in this test");
    assert_eq!(
        json,
        json!({"reporting": "EUR", "to_reporting": {"USD": "0.92"}})
    );
    assert_eq!(
        serde_json::from_value::<Rates>(json).expect("valid in this test"),
        rates
    );
    assert_eq!(Currency::parse("eu"), None);
    assert_eq!(
        Currency::parse("JPY")
            .expect("valid in this test")
            .exponent(),
        0
    );
}
