//! Conformance cases for enrichment imports, per engine: the catalog upserts by SKU (the
//! same items twice change nothing), and imported traits merge into stored profiles by id
//! (an id linked to a person reaches the person) and are found by email; import schedules
//! are stored, listed and deleted.

use std::sync::Arc;

use serde_json::json;
use shared::catalog::{CatalogItem, Upserted};
use shared::commerce::{Currency, Money};
use shared::identity::IdentityLink;
use shared::jobs::schedules::ImportSchedule;
use shared::jobs::{CsvMapping, ImportFormat, ImportKind, ImportParams, ImportSource};
use shared::storage::{Store, TraitOutcome, TraitUpdate};

use crate::helpers::*;

fn item(sku: &str, name: &str, category: Option<&str>, price_minor: Option<i64>) -> CatalogItem {
    CatalogItem {
        sku: sku.to_owned(),
        name: Some(name.to_owned()),
        category: category.map(str::to_owned),
        brand: None,
        price: price_minor.map(|minor| Money {
            minor,
            currency: Currency::parse("EUR").expect("EUR"),
        }),
    }
}

pub async fn the_catalog_upserts_by_sku_and_a_repeat_changes_nothing(store: Arc<dyn Store>) {
    let items = vec![
        item("SKU-1", "Red shoe", Some("Shoes"), Some(1990)),
        item("SKU-2", "Blue hat", None, None),
    ];
    let first = store.upsert_catalog(&items).await.expect("upsert");
    assert_eq!(first, [Upserted::Created, Upserted::Created]);
    let again = store.upsert_catalog(&items).await.expect("upsert");
    assert_eq!(again, [Upserted::Unchanged, Upserted::Unchanged]);
    assert_eq!(store.catalog_count().await.expect("count"), 2);
    let skus = vec!["SKU-1".to_owned(), "SKU-2".to_owned(), "SKU-9".to_owned()];
    let stored = store.catalog_items(&skus).await.expect("read");
    assert_eq!(stored.len(), 2);
    assert_eq!(stored["SKU-1"], items[0]);
    assert_eq!(stored["SKU-2"], items[1]);

    // A changed line replaces the item whole; a SKU repeated in one call keeps its last.
    let changed = vec![
        item("SKU-2", "Blue cap", Some("Hats"), None),
        item("SKU-3", "Scarf", None, None),
        item("SKU-3", "Wool scarf", None, Some(2500)),
    ];
    let outcomes = store.upsert_catalog(&changed).await.expect("upsert");
    assert_eq!(
        outcomes,
        [Upserted::Changed, Upserted::Created, Upserted::Changed]
    );
    assert_eq!(store.catalog_count().await.expect("count"), 3);
    let stored = store.catalog_items(&skus[1..2]).await.expect("read");
    assert_eq!(stored["SKU-2"].name.as_deref(), Some("Blue cap"));
    let scarf = store
        .catalog_items(&["SKU-3".to_owned()])
        .await
        .expect("read");
    assert_eq!(scarf["SKU-3"], changed[2]);
}

pub async fn imported_traits_merge_into_profiles_by_id_and_by_email(store: Arc<dyn Store>) {
    let mut ana = event("e1", "ana", "page_view", DAY0);
    ana.traits = Some(obj(
        json!({"email": "Ana@Shop.io", "name": "Ana", "plan": "free"}),
    ));
    let mut bo = event("e2", "bo", "page_view", DAY0 + 1_000);
    bo.traits = Some(obj(json!({"email": "bo@shop.io"})));
    let mut anon = event("e3", "x", "page_view", DAY0 + 2_000);
    anon.user_id = None;
    anon.anonymous_id = Some("anon-1".into());
    store
        .insert_batch(vec![ana, bo, anon])
        .await
        .expect("write");
    store
        .link_identities(
            &[IdentityLink {
                from: "anon-1".into(),
                to: "ana".into(),
            }],
            at(DAY0 + 3_000),
        )
        .await
        .expect("link");

    assert_eq!(
        store.profiles_by_email("ana@shop.io").await.expect("find"),
        ["ana"]
    );
    assert_eq!(
        store.profiles_by_email(" BO@shop.io ").await.expect("find"),
        ["bo"]
    );
    assert!(
        store
            .profiles_by_email("nobody@shop.io")
            .await
            .expect("find")
            .is_empty()
    );
    // "ana" is a search term of ana's profile (her name), but not her email.
    assert!(
        store
            .profiles_by_email("ana")
            .await
            .expect("find")
            .is_empty()
    );

    let updates = vec![
        TraitUpdate {
            profile_id: "ana".into(),
            traits: obj(json!({"plan": "pro", "ltv": 120})),
        },
        TraitUpdate {
            profile_id: "bo".into(),
            traits: obj(json!({"email": "bo@shop.io"})),
        },
        TraitUpdate {
            profile_id: "ghost".into(),
            traits: obj(json!({"plan": "pro"})),
        },
        // An id linked to ana reaches ana.
        TraitUpdate {
            profile_id: "anon-1".into(),
            traits: obj(json!({"segment": "vip"})),
        },
    ];
    let outcomes = store.merge_traits(&updates).await.expect("merge");
    assert_eq!(
        outcomes,
        [
            TraitOutcome::Merged { dropped: 0 },
            TraitOutcome::Unchanged,
            TraitOutcome::UnknownProfile,
            TraitOutcome::Merged { dropped: 0 },
        ]
    );
    let ana = store.get_user("ana").await.expect("read").expect("ana");
    assert_eq!(
        ana.traits,
        obj(
            json!({"email": "Ana@Shop.io", "name": "Ana", "plan": "pro", "ltv": 120, "segment": "vip"})
        )
    );
    assert_eq!(ana.event_count, 2, "a traits import adds no event");
    assert!(
        store.get_user("ghost").await.expect("read").is_none(),
        "no profile is created"
    );
    // Imported again: nothing changes.
    let again = store.merge_traits(&updates[..1]).await.expect("merge");
    assert_eq!(again, [TraitOutcome::Unchanged]);
    // A new email is searchable at once.
    store
        .merge_traits(&[TraitUpdate {
            profile_id: "bo".into(),
            traits: obj(json!({"email": "bo@new.io"})),
        }])
        .await
        .expect("merge");
    assert_eq!(
        store.profiles_by_email("bo@new.io").await.expect("find"),
        ["bo"]
    );
}

pub async fn import_schedules_are_added_listed_oldest_first_and_deleted(store: Arc<dyn Store>) {
    let params = |key: &str| ImportParams {
        kind: ImportKind::Catalog,
        source: ImportSource::S3 {
            bucket: "feeds".into(),
            key: key.into(),
        },
        format: ImportFormat::Csv,
        mapping: Some(CsvMapping {
            columns: [("sku".to_owned(), "id".to_owned())].into(),
            event_type: None,
            delimiter: Some(';'),
        }),
        dry_run: false,
    };
    let a = ImportSchedule::new("0 0 6 * * *", params("a.csv"), at(DAY0), "admin-1").expect("a");
    let b = ImportSchedule::new("0 30 * * * *", params("b.csv"), at(DAY0 + 1_000), "admin-1")
        .expect("b");
    assert!(store.import_schedules().await.expect("list").is_empty());
    store.add_import_schedule(&b).await.expect("add");
    store.add_import_schedule(&a).await.expect("add");
    assert_eq!(
        store.import_schedules().await.expect("list"),
        [a.clone(), b.clone()]
    );
    assert!(store.delete_import_schedule(&a.id).await.expect("delete"));
    assert!(
        !store.delete_import_schedule(&a.id).await.expect("delete"),
        "gone already"
    );
    assert_eq!(store.import_schedules().await.expect("list"), [b]);
}

conformance_suite!(
    the_catalog_upserts_by_sku_and_a_repeat_changes_nothing,
    imported_traits_merge_into_profiles_by_id_and_by_email,
    import_schedules_are_added_listed_oldest_first_and_deleted,
);
