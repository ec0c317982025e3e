use serde_json::json;

use super::*;

fn fields(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("object")
}

fn eur() -> Currency {
    Currency::parse("EUR").expect("EUR")
}

#[test]
fn a_line_becomes_an_item_with_the_shop_currency_by_default() {
    let item = CatalogItem::from_fields(
        &fields(json!({"sku": "SKU-1", "name": " Red shoe ", "category": "Shoes", "price": 19.9})),
        eur(),
    )
    .expect("valid");
    assert_eq!(item.sku, "SKU-1");
    assert_eq!(item.name.as_deref(), Some("Red shoe"));
    assert_eq!(item.brand, None);
    assert_eq!(
        item.price.map(|m| (m.minor, m.currency)),
        Some((1990, eur()))
    );
    let usd = CatalogItem::from_fields(
        &fields(json!({"sku": "SKU-2", "price": "5", "currency": "USD"})),
        eur(),
    )
    .expect("valid");
    assert_eq!(
        usd.price.map(|m| m.currency.to_string()),
        Some("USD".into())
    );
}

#[test]
fn lines_without_a_sku_or_with_a_bad_price_are_refused() {
    for bad in [
        json!({"name": "x"}),
        json!({"sku": ""}),
        json!({"sku": "A", "price": "cheap"}),
        json!({"sku": "A", "currency": "euros"}),
        json!({"sku": "A", "name": {"en": "x"}}),
    ] {
        let err = CatalogItem::from_fields(&fields(bad.clone()), eur()).expect_err("refused");
        assert_eq!(err.code, "invalid_catalog_item", "{bad}");
    }
}

#[test]
fn an_equal_item_is_unchanged_and_any_difference_replaces_it() {
    let a =
        CatalogItem::from_fields(&fields(json!({"sku": "A", "name": "x"})), eur()).expect("valid");
    let mut b = a.clone();
    assert_eq!(upsert_outcome(None, &a), Upserted::Created);
    assert_eq!(upsert_outcome(Some(&a), &b), Upserted::Unchanged);
    b.category = Some("c".into());
    assert_eq!(upsert_outcome(Some(&a), &b), Upserted::Changed);
}

#[test]
fn product_rows_get_the_catalog_name_and_category() {
    let item = CatalogItem::from_fields(
        &fields(json!({"sku": "A", "name": "Apple", "category": "Fruit"})),
        eur(),
    )
    .expect("valid");
    let items = HashMap::from([("A".to_owned(), item)]);
    let mut rows = vec![
        fields(json!({"value": "A", "visitors": 2})),
        fields(json!({"value": "B", "visitors": 1})),
    ];
    label_rows(&mut rows, &items);
    assert_eq!(rows[0]["label"], "Apple");
    assert_eq!(rows[0]["category"], "Fruit");
    assert!(!rows[1].contains_key("label"));
}
