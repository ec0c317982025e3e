//! Measures the embedded engine's write path alone (no HTTP): batches of events with
//! random users written through `Store::insert_batch`. Prints events/s per batch size.
//!
//! `cargo run --release -p shared --example insert_throughput -- [total_events]`

use std::time::Instant;

use chrono::{Duration, Utc};
use serde_json::json;
use shared::event::{Event, EventType};
use shared::settings::Settings;

fn main() -> anyhow::Result<()> {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        for batch in [1_000usize, 5_000, 10_000] {
            let dir = tempfile::tempdir()?;
            let settings = Settings::load_from(
                None,
                [("APP__STORAGE__DATA_DIR".to_owned(), dir.path().display().to_string())],
            )?;
            let store = shared::storage::open(&settings).await?;
            let now = Utc::now();
            let types = ["page_view", "product_view", "search", "add_to_cart", "purchase"];
            let mut written = 0;
            let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
            let started = Instant::now();
            while written < total {
                let events: Vec<Event> = (0..batch)
                    .map(|i| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        let n = written + i;
                        Event {
                            event_id: uuid::Uuid::now_v7().to_string(),
                            user_id: Some(format!("user-{}", seed % 10_000)),
                            anonymous_id: None,
                            session_id: Some(format!("s-{}", seed % 10_000)),
                            event_type: EventType::parse(types[n % types.len()]).expect("type"),
                            properties: json!({"path": format!("/p/{n}"), "price": 12.5, "sku": format!("SKU-{n}")})
                                .as_object().cloned().unwrap_or_default(),
                            context: json!({"page": {"path": format!("/p/{n}"), "title": "Product"}, "locale": "en-GB"})
                                .as_object().cloned().unwrap_or_default(),
                            traits: None,
                            occurred_at: now - Duration::milliseconds((total - n) as i64),
                            sent_at: None,
                            received_at: now,
                            timestamp_clamped: false,
                            derived: None,
                            source: None,
                        }
                    })
                    .collect();
                store.insert_batch(events).await?;
                written += batch;
            }
            let secs = started.elapsed().as_secs_f64();
            println!("batch {batch:>6}: {written} events in {secs:.2}s = {:.0} events/s", written as f64 / secs);
        }
        anyhow::Ok(())
    })
}
