//! The MongoDB engine's funnels: the step types' events in the range (plus the window),
//! streamed in profile-then-time order and counted by [`FunnelCounter`].
//!
//! The sort is the exact reverse of the journey index `{profile_id: 1, occurred_at: -1,
//! _id: -1}`, so the server walks that index instead of sorting in memory; profiles arrive
//! in descending id order, which the counter does not mind (it only needs them grouped).

use super::*;
use crate::storage::funnels::{FunnelCounter, FunnelQuery, FunnelReport, FunnelStore};

fn funnel_filter(q: &FunnelQuery) -> Document {
    doc! {
        "type": { "$in": q.distinct_types() },
        "occurred_at": { "$gte": bson_time(q.from), "$lt": bson_time(q.read_until()) },
    }
}

#[async_trait]
impl FunnelStore for MongoStore {
    async fn funnel(&self, q: &FunnelQuery) -> Result<FunnelReport, StoreError> {
        let mut cursor = self
            .events
            .find(funnel_filter(q))
            .projection(doc! { "profile_id": 1, "type": 1, "occurred_at": 1 })
            .sort(doc! { "profile_id": -1, "occurred_at": 1, "_id": 1 })
            .allow_disk_use(true)
            .await
            .map_err(|e| driver_error(&e))?;
        let mut counter = FunnelCounter::new(q);
        while let Some(d) = cursor.try_next().await.map_err(|e| driver_error(&e))? {
            let row = (|| {
                Ok::<_, String>((
                    req_str(&d, "profile_id")?.to_owned(),
                    req_str(&d, "type")?.to_owned(),
                    req_time(&d, "occurred_at")?,
                ))
            })();
            let (profile, event_type, t) = row.map_err(|why| malformed("event", &d, &why))?;
            counter.push(&profile, &event_type, t.timestamp_millis());
        }
        Ok(counter.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funnel_filter_bounds_types_and_time_including_the_window() {
        let q = FunnelQuery {
            steps: vec!["b".into(), "a".into(), "b".into()],
            from: DateTime::from_timestamp_millis(1_000).expect("time"),
            to: DateTime::from_timestamp_millis(2_000).expect("time"),
            window_ms: 500,
        };
        let f = funnel_filter(&q);
        let types = f.get_document("type").expect("type");
        assert_eq!(
            types.get_array("$in").expect("$in"),
            &vec![Bson::from("a"), Bson::from("b")]
        );
        let t = f.get_document("occurred_at").expect("occurred_at");
        assert_eq!(
            t.get_datetime("$lt").expect("$lt").timestamp_millis(),
            2_500
        );
    }
}
