use serde_json::json;

use super::*;

fn traits(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

#[test]
fn a_person_is_found_by_id_email_name_and_each_word_of_the_name() {
    let t = traits(json!({
        "email": "Ana@Example.COM",
        "name": "Ana  García",
        "plan": "gold",
        "firstName": 7
    }));
    assert_eq!(
        search_terms("U-42", &t),
        ["ana", "ana  garcía", "ana@example.com", "garcía", "u-42"]
    );
}

#[test]
fn terms_are_bounded_in_length_and_number() {
    let long = "x".repeat(500);
    let t = traits(
        json!({ "name": (0..40).map(|i| format!("w{i:02}")).collect::<Vec<_>>().join(" ") }),
    );
    let terms = search_terms(&long, &t);
    assert_eq!(terms.len(), MAX_TERMS);
    assert!(terms.iter().all(|t| t.chars().count() <= MAX_TERM_CHARS));
}

#[test]
fn a_search_is_a_lower_cased_prefix_range() {
    let (from, to) = prefix_range("  GAR ").expect("range");
    assert_eq!(from, "gar");
    assert!(to.as_str() > "garzzzz" && to.as_str() > "garcía" && to.as_str() < "gas");
    assert_eq!(prefix_range("   "), None);
}

#[test]
fn sort_columns_and_orders_parse_from_their_api_names() {
    for name in UserSort::NAMES {
        assert!(UserSort::parse(name).is_some(), "{name}");
    }
    assert_eq!(UserSort::parse("email"), None);
    assert_eq!(SortOrder::parse("asc"), Some(SortOrder::Asc));
    assert_eq!(SortOrder::parse("up"), None);
}
