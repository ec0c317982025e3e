//! Seeds an embedded data directory with synthetic events through `Store::insert_batch`
//! (rollups and profiles included, as ingestion writes them): N events from 10,000 users
//! spread over the last 30 days, in batches of 10,000. For the console's overview benchmark.
//!
//! `cargo run --release -p shared --example seed_events -- DATA_DIR [total_events]`

use std::time::Instant;

use chrono::{Duration, Utc};
use serde_json::json;
use shared::event::{Event, EventType};
use shared::settings::Settings;

const BATCH: usize = 10_000;
const USERS: u64 = 10_000;
const DAYS_MS: i64 = 30 * 86_400_000;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: seed_events DATA_DIR [total_events]"))?;
    let total: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let settings = Settings::load_from(None, [("APP__STORAGE__DATA_DIR".to_owned(), dir)])?;
        let store = shared::storage::open(&settings).await?;
        let types = [
            "page_view",
            "page_view",
            "product_view",
            "search",
            "add_to_cart",
            "checkout_start",
            "purchase",
            "session_start",
        ];
        let now = Utc::now() - Duration::minutes(10);
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let started = Instant::now();
        let mut written = 0;
        while written < total {
            let n = BATCH.min(total - written);
            let events: Vec<Event> = (0..n)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let k = written + i;
                    let user = seed % USERS;
                    // Spread over 30 days, oldest first, so batches move forward in time.
                    let back = DAYS_MS - (k as i64 * DAYS_MS / total as i64);
                    Event {
                        event_id: format!("seed-{k}"),
                        user_id: Some(format!("user-{user}")),
                        anonymous_id: None,
                        session_id: Some(format!("s-{user}-{}", back / 3_600_000)),
                        event_type: EventType::parse(types[(seed >> 20) as usize % types.len()])
                            .expect("valid type"),
                        properties: json!({"path": format!("/p/{}", k % 500)})
                            .as_object()
                            .cloned()
                            .unwrap_or_default(),
                        context: serde_json::Map::new(),
                        traits: None,
                        occurred_at: now - Duration::milliseconds(back),
                        sent_at: None,
                        received_at: now,
                        timestamp_clamped: false,
                        derived: None,
                        source: Some("seed".to_owned()),
                    }
                })
                .collect();
            store.insert_batch(events).await?;
            written += n;
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "seeded {written} events in {secs:.1} s ({:.0} events/s)",
            written as f64 / secs
        );
        anyhow::Ok(())
    })
}
