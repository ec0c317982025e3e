//! The write primitives of the embedded engine ([`WriteTx`]) on the writer's open
//! transaction. Every decision is made by [`crate::storage::write::apply`]; these only read
//! and write rows.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension as _, Transaction, params};

use super::{day, from_ms, json_map, json_text, json_value, ms, parse_day, to_json};
use crate::commerce::Order;
use crate::event::Event;
use crate::identity::NewLink;
use crate::profile::Profile;
use crate::session::Session;
use crate::storage::moves::PendingMove;
use crate::storage::retention::{DayMark, FirstMark};
use crate::storage::visit_feed::marker_now;
use crate::storage::write::WriteTx;

pub(super) struct SqliteTx<'a> {
    pub tx: &'a Transaction<'a>,
    /// The stored traits text (or none) of each profile read in this transaction and not
    /// deleted since: a profile written back with the same traits keeps its search terms,
    /// which depend on nothing else ([`crate::people::search_terms`]), instead of deleting
    /// and inserting them again.
    traits_read: HashMap<String, Option<String>>,
}

impl<'a> SqliteTx<'a> {
    pub fn new(tx: &'a Transaction<'a>) -> Self {
        Self {
            tx,
            traits_read: HashMap::new(),
        }
    }
}

impl SqliteTx<'_> {
    /// [`WriteTx::mark_days`] for any sequence of marks.
    fn put_day_marks<'m>(
        &self,
        marks: impl IntoIterator<Item = &'m DayMark>,
    ) -> rusqlite::Result<()> {
        let mut put = self.tx.prepare_cached(
            "INSERT INTO retention_days (profile_id, kind, day, first_at, last_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (profile_id, kind, day) DO UPDATE SET
                first_at = min(first_at, excluded.first_at),
                last_at = max(last_at, excluded.last_at)
             WHERE excluded.first_at < first_at OR excluded.last_at > last_at",
        )?;
        for m in marks {
            put.execute(params![m.profile, m.kind, m.day, ms(m.first), ms(m.last)])?;
        }
        Ok(())
    }
}

impl WriteTx for SqliteTx<'_> {
    type Error = rusqlite::Error;

    async fn links(
        &mut self,
        ids: &BTreeSet<&str>,
    ) -> Result<HashMap<String, String>, Self::Error> {
        let mut links = HashMap::new();
        // Most stores never link anything: skip the per-id look-ups then.
        let any: bool = self
            .tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM identities)")?
            .query_row([], |r| r.get(0))?;
        if !any {
            return Ok(links);
        }
        let mut find = self
            .tx
            .prepare_cached("SELECT to_id FROM identities WHERE from_id = ?1")?;
        for id in ids {
            if let Some(to) = find.query_row([id], |r| r.get::<_, String>(0)).optional()? {
                links.insert((*id).to_owned(), to);
            }
        }
        Ok(links)
    }

    async fn add_link(&mut self, link: &NewLink, at: DateTime<Utc>) -> Result<(), Self::Error> {
        self.tx.execute(
            "INSERT INTO identities (from_id, to_id, linked_at) VALUES (?1, ?2, ?3)",
            params![link.from, link.to, ms(at)],
        )?;
        self.tx.execute(
            "UPDATE identities SET to_id = ?2 WHERE to_id = ?1",
            params![link.from, link.to],
        )?;
        Ok(())
    }

    async fn active_days(&mut self, profile: &str) -> Result<Vec<NaiveDate>, Self::Error> {
        self.tx
            .prepare_cached("SELECT day FROM daily_active_users WHERE profile_id = ?1")?
            .query_map([profile], |r| parse_day(&r.get::<_, String>(0)?))?
            .collect()
    }

    async fn unmark_active(
        &mut self,
        profile: &str,
        days: &[NaiveDate],
    ) -> Result<(), Self::Error> {
        let mut delete = self
            .tx
            .prepare_cached("DELETE FROM daily_active_users WHERE day = ?1 AND profile_id = ?2")?;
        for d in days {
            delete.execute(params![day(*d), profile])?;
        }
        Ok(())
    }

    async fn mark_active(&mut self, pairs: &[(NaiveDate, &str)]) -> Result<Vec<bool>, Self::Error> {
        let mut insert = self.tx.prepare_cached(
            "INSERT INTO daily_active_users (day, profile_id) VALUES (?1, ?2)
             ON CONFLICT DO NOTHING",
        )?;
        pairs
            .iter()
            .map(|(d, p)| Ok(insert.execute(params![day(*d), p])? == 1))
            .collect()
    }

    async fn add_daily_users(
        &mut self,
        deltas: &BTreeMap<NaiveDate, i64>,
    ) -> Result<(), Self::Error> {
        let mut add = self.tx.prepare_cached(
            "INSERT INTO daily_user_counts (day, count) VALUES (?1, ?2)
             ON CONFLICT (day) DO UPDATE SET count = count + excluded.count",
        )?;
        for (d, n) in deltas {
            add.execute(params![day(*d), n])?;
        }
        Ok(())
    }

    async fn profiles(&mut self, ids: &[&str]) -> Result<HashMap<String, Profile>, Self::Error> {
        let mut read = self.tx.prepare_cached(
            "SELECT profile_id, user_id, anonymous_id, first_seen, last_seen, event_count,
                last_event_type, traits
             FROM users WHERE profile_id = ?1",
        )?;
        let mut found = HashMap::with_capacity(ids.len());
        for id in ids {
            let row = read
                .query_row([id], |r| {
                    let traits: Option<String> = r.get(7)?;
                    Ok((
                        Profile {
                            id: r.get(0)?,
                            user_id: r.get(1)?,
                            anonymous_id: r.get(2)?,
                            first_seen: from_ms(r.get(3)?)?,
                            last_seen: from_ms(r.get(4)?)?,
                            event_count: r.get(5)?,
                            last_event_type: r.get(6)?,
                            traits: json_map(traits.clone())?.unwrap_or_default(),
                        },
                        traits,
                    ))
                })
                .optional()?;
            if let Some((p, traits)) = row {
                self.traits_read.insert(p.id.clone(), traits);
                found.insert(p.id.clone(), p);
            }
        }
        Ok(found)
    }

    async fn put_profiles(&mut self, profiles: &[Profile]) -> Result<(), Self::Error> {
        // A stored profile whose first event did not move (nearly every write) is updated
        // without naming `first_seen`: SQLite rewrites the entry of every index over a
        // column the statement sets, changed or not, and that dirtied a page of
        // `users_first_seen` per event. Otherwise an upsert, not `INSERT OR REPLACE`:
        // replacing deletes the row and every index entry of it before inserting them
        // again.
        let mut update = self.tx.prepare_cached(
            "UPDATE users SET user_id = ?2, anonymous_id = ?3, last_seen = ?5,
                event_count = ?6, last_event_type = ?7, traits = ?8
             WHERE profile_id = ?1 AND first_seen = ?4",
        )?;
        let mut put = self.tx.prepare_cached(
            "INSERT INTO users (profile_id, user_id, anonymous_id, first_seen,
                last_seen, event_count, last_event_type, traits)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (profile_id) DO UPDATE SET user_id = excluded.user_id,
                anonymous_id = excluded.anonymous_id, first_seen = excluded.first_seen,
                last_seen = excluded.last_seen, event_count = excluded.event_count,
                last_event_type = excluded.last_event_type, traits = excluded.traits",
        )?;
        for p in profiles {
            let traits = if p.traits.is_empty() {
                None
            } else {
                Some(json_text(&p.traits)?)
            };
            if self.traits_read.get(&p.id) != Some(&traits) {
                put_search_terms(self.tx, &p.id, &p.traits)?;
                self.traits_read.insert(p.id.clone(), traits.clone());
            }
            let row = params![
                p.id,
                p.user_id,
                p.anonymous_id,
                ms(p.first_seen),
                ms(p.last_seen),
                p.event_count,
                p.last_event_type,
                traits,
            ];
            if update.execute(row)? == 0 {
                put.execute(row)?;
            }
        }
        Ok(())
    }

    async fn delete_profile(&mut self, id: &str) -> Result<(), Self::Error> {
        self.traits_read.remove(id);
        self.tx
            .execute("DELETE FROM users WHERE profile_id = ?1", [id])?;
        self.tx
            .prepare_cached("DELETE FROM user_search_terms WHERE profile_id = ?1")?
            .execute([id])?;
        Ok(())
    }

    async fn event_ids(&mut self, profile: &str, limit: usize) -> Result<Vec<String>, Self::Error> {
        self.tx
            .prepare_cached("SELECT event_id FROM events WHERE profile_id = ?1 LIMIT ?2")?
            .query_map(
                params![profile, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| r.get(0),
            )?
            .collect()
    }

    async fn repoint_events(
        &mut self,
        ids: &[String],
        from: &str,
        to: &str,
    ) -> Result<u64, Self::Error> {
        let mut repoint = self.tx.prepare_cached(
            "UPDATE events SET profile_id = ?3 WHERE event_id = ?1 AND profile_id = ?2",
        )?;
        let mut moved = 0;
        for id in ids {
            moved += repoint.execute(params![id, from, to])? as u64;
        }
        Ok(moved)
    }

    async fn add_pending_move(
        &mut self,
        from: &str,
        to: &str,
        at: DateTime<Utc>,
    ) -> Result<(), Self::Error> {
        self.tx.execute(
            "INSERT OR REPLACE INTO pending_moves (from_id, to_id, created_at) VALUES (?1, ?2, ?3)",
            params![from, to, ms(at)],
        )?;
        Ok(())
    }

    async fn retarget_pending_moves(&mut self, from: &str, to: &str) -> Result<(), Self::Error> {
        self.tx
            .prepare_cached("UPDATE pending_moves SET to_id = ?2 WHERE to_id = ?1")?
            .execute(params![from, to])?;
        Ok(())
    }

    async fn next_pending_move(&mut self) -> Result<Option<PendingMove>, Self::Error> {
        self.tx
            .prepare_cached(
                "SELECT from_id, to_id, created_at FROM pending_moves
                 ORDER BY created_at, from_id LIMIT 1",
            )?
            .query_row([], |r| {
                Ok(PendingMove {
                    from: r.get(0)?,
                    to: r.get(1)?,
                    created: from_ms(r.get(2)?)?,
                })
            })
            .optional()
    }

    async fn note_move_chunk(&mut self, from: &str) -> Result<(), Self::Error> {
        self.tx
            .prepare_cached("UPDATE pending_moves SET chunks = chunks + 1 WHERE from_id = ?1")?
            .execute([from])?;
        Ok(())
    }

    async fn delete_pending_move(&mut self, from: &str) -> Result<(), Self::Error> {
        self.tx
            .prepare_cached("DELETE FROM pending_moves WHERE from_id = ?1")?
            .execute([from])?;
        Ok(())
    }

    async fn insert_events(&mut self, events: &[(&Event, &str)]) -> Result<Vec<bool>, Self::Error> {
        // Inserting in journey-index order keeps consecutive B-tree writes on the same pages.
        let mut order: Vec<usize> = (0..events.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            let ((ea, pa), (eb, pb)) = (events[a], events[b]);
            (pa, ea.occurred_at).cmp(&(pb, eb.occurred_at))
        });
        let mut insert = self.tx.prepare_cached(
            "INSERT INTO events (event_id, profile_id, user_id, anonymous_id, session_id, type,
                occurred_at, sent_at, received_at, timestamp_clamped, properties, context, traits,
                source, derived)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
             ON CONFLICT (event_id) DO NOTHING",
        )?;
        let mut stored = vec![false; events.len()];
        for i in order {
            let (e, profile) = events[i];
            let traits = e.traits.as_ref().map(json_text).transpose()?;
            let derived = e
                .derived
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            let inserted = insert.execute(params![
                e.event_id,
                profile,
                e.user_id,
                e.anonymous_id,
                e.session_id,
                e.event_type.as_str(),
                ms(e.occurred_at),
                e.sent_at.map(ms),
                ms(e.received_at),
                e.timestamp_clamped,
                json_text(&e.properties)?,
                json_text(&e.context)?,
                traits,
                e.source,
                derived,
            ])?;
            stored[i] = inserted == 1;
        }
        Ok(stored)
    }

    async fn add_type_counts(
        &mut self,
        counts: &BTreeMap<(NaiveDate, String), u64>,
    ) -> Result<(), Self::Error> {
        let mut add = self.tx.prepare_cached(
            "INSERT INTO daily_type_counts (day, type, count) VALUES (?1, ?2, ?3)
             ON CONFLICT (day, type) DO UPDATE SET count = count + excluded.count",
        )?;
        for ((d, t), n) in counts {
            add.execute(params![day(*d), t, n])?;
        }
        Ok(())
    }

    async fn sessions(
        &mut self,
        profile: &str,
        window: Option<(DateTime<Utc>, DateTime<Utc>)>,
        keys: &[&str],
    ) -> Result<Vec<Session>, Self::Error> {
        let mut found: BTreeMap<String, Session> = BTreeMap::new();
        if let Some((from, to)) = window {
            let mut read = self.tx.prepare_cached(
                "SELECT body FROM visits WHERE profile_id = ?1 AND end_ms >= ?2 AND start_ms <= ?3",
            )?;
            let rows = read.query_map(params![profile, ms(from), ms(to)], |r| {
                json_value::<Session>(r.get(0)?)
            })?;
            for s in rows {
                let s = s?;
                found.insert(s.key.clone(), s);
            }
        }
        let mut by_key = self
            .tx
            .prepare_cached("SELECT body FROM visits WHERE profile_id = ?1 AND key = ?2")?;
        for key in keys {
            if found.contains_key(*key) {
                continue;
            }
            if let Some(s) = by_key
                .query_row(params![profile, key], |r| json_value::<Session>(r.get(0)?))
                .optional()?
            {
                found.insert(s.key.clone(), s);
            }
        }
        Ok(found.into_values().collect())
    }

    async fn put_sessions(&mut self, sessions: &[Session]) -> Result<(), Self::Error> {
        // A visit whose start did not move is updated without naming `start_ms`, so its
        // `visits_start` entry (and page) stays untouched (as for profiles' `first_seen`).
        let mut update = self.tx.prepare_cached(
            "UPDATE visits SET end_ms = ?4, body = ?5,
                updated_ms = MAX(?6, updated_ms + 1)
             WHERE profile_id = ?1 AND key = ?2 AND start_ms = ?3",
        )?;
        let mut put = self.tx.prepare_cached(
            "INSERT INTO visits (profile_id, key, start_ms, end_ms, body, updated_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (profile_id, key) DO UPDATE SET start_ms = excluded.start_ms,
                end_ms = excluded.end_ms, body = excluded.body,
                updated_ms = MAX(excluded.updated_ms, visits.updated_ms + 1)",
        )?;
        // Every write of a visit moves its marker on, even two in one millisecond or after
        // a clock step back: the feed leaves out the visits a reader holds at their marker
        // (`KnownVisits`).
        let marker = marker_now();
        for s in sessions {
            let body = to_json(s)?;
            let row = params![s.profile_id, s.key, ms(s.start), ms(s.end), body, marker];
            if update.execute(row)? == 0 {
                put.execute(row)?;
            }
        }
        Ok(())
    }

    async fn delete_sessions(&mut self, profile: &str) -> Result<(), Self::Error> {
        super::record_visits_gone(self.tx, "profile_id = ?1", [profile])?;
        self.tx
            .execute("DELETE FROM visits WHERE profile_id = ?1", [profile])?;
        Ok(())
    }

    async fn orders(&mut self, ids: &[&str]) -> Result<HashMap<String, Order>, Self::Error> {
        let mut read = self
            .tx
            .prepare_cached("SELECT body FROM orders WHERE order_id = ?1")?;
        let mut found = HashMap::new();
        for id in ids {
            if let Some(o) = read
                .query_row([id], |r| json_value::<Order>(r.get(0)?))
                .optional()?
            {
                found.insert(o.order_id.clone(), o);
            }
        }
        Ok(found)
    }

    async fn put_orders(&mut self, orders: &[Order]) -> Result<(), Self::Error> {
        let mut put = self.tx.prepare_cached(
            "INSERT INTO orders (order_id, profile_id, at_ms, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (order_id) DO UPDATE SET profile_id = excluded.profile_id,
                at_ms = excluded.at_ms, body = excluded.body",
        )?;
        for o in orders {
            put.execute(params![o.order_id, o.profile_id, ms(o.at), to_json(o)?])?;
        }
        Ok(())
    }

    async fn move_orders(&mut self, from: &str, to: &str) -> Result<(), Self::Error> {
        // The body holds the profile too: rewrite it with the row.
        let moved: Vec<Order> = self
            .tx
            .prepare_cached("SELECT body FROM orders WHERE profile_id = ?1")?
            .query_map([from], |r| json_value::<Order>(r.get(0)?))?
            .collect::<Result<_, _>>()?;
        let moved: Vec<Order> = moved
            .into_iter()
            .map(|mut o| {
                o.profile_id = to.to_owned();
                o
            })
            .collect();
        self.put_orders(&moved).await
    }

    async fn mark_days(&mut self, marks: &[DayMark]) -> Result<(), Self::Error> {
        self.put_day_marks(marks)
    }

    async fn add_marks(&mut self, days: &[DayMark]) -> Result<(), Self::Error> {
        // Most marks extend a day the person was already active on, later in that day:
        // one update then does it, and the first mark cannot move (see the trait). The
        // rest (a new day, or an earlier instant than stored) take the upsert and their
        // first marks.
        let mut later = self.tx.prepare_cached(
            "UPDATE retention_days SET last_at = max(last_at, ?4)
             WHERE profile_id = ?1 AND kind = ?2 AND day = ?3 AND first_at <= ?5",
        )?;
        let mut rest: Vec<&DayMark> = Vec::new();
        for m in days {
            let done = later.execute(params![m.profile, m.kind, m.day, ms(m.last), ms(m.first)])?;
            if done == 0 {
                rest.push(m);
            }
        }
        if rest.is_empty() {
            return Ok(());
        }
        self.put_day_marks(rest.iter().copied())?;
        self.mark_firsts(&crate::storage::retention::firsts_of(rest))
            .await
    }

    async fn mark_firsts(&mut self, firsts: &[FirstMark]) -> Result<(), Self::Error> {
        let mut put = self.tx.prepare_cached(
            "INSERT INTO retention_firsts (profile_id, kind, first_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (profile_id, kind) DO UPDATE SET first_at = excluded.first_at
             WHERE excluded.first_at < first_at",
        )?;
        for f in firsts {
            put.execute(params![f.profile, f.kind, ms(f.first)])?;
        }
        Ok(())
    }

    async fn day_marks(&mut self, profile: &str) -> Result<Vec<DayMark>, Self::Error> {
        self.tx
            .prepare_cached(
                "SELECT kind, day, first_at, last_at FROM retention_days WHERE profile_id = ?1",
            )?
            .query_map([profile], |r| {
                Ok(DayMark {
                    profile: profile.to_owned(),
                    kind: r.get(0)?,
                    day: r.get(1)?,
                    first: from_ms(r.get(2)?)?,
                    last: from_ms(r.get(3)?)?,
                })
            })?
            .collect()
    }

    async fn first_marks(&mut self, profile: &str) -> Result<Vec<FirstMark>, Self::Error> {
        self.tx
            .prepare_cached("SELECT kind, first_at FROM retention_firsts WHERE profile_id = ?1")?
            .query_map([profile], |r| {
                Ok(FirstMark {
                    profile: profile.to_owned(),
                    kind: r.get(0)?,
                    first: from_ms(r.get(1)?)?,
                })
            })?
            .collect()
    }

    async fn delete_marks(&mut self, profile: &str) -> Result<(), Self::Error> {
        self.tx
            .prepare_cached("DELETE FROM retention_days WHERE profile_id = ?1")?
            .execute([profile])?;
        self.tx
            .prepare_cached("DELETE FROM retention_firsts WHERE profile_id = ?1")?
            .execute([profile])?;
        Ok(())
    }
}

/// Replaces a profile's search terms with those [`crate::people::search_terms`] decides.
fn put_search_terms(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    traits: &serde_json::Map<String, serde_json::Value>,
) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM user_search_terms WHERE profile_id = ?1")?
        .execute([id])?;
    let mut put = tx.prepare_cached(
        "INSERT OR IGNORE INTO user_search_terms (term, profile_id) VALUES (?1, ?2)",
    )?;
    for term in crate::people::search_terms(id, traits) {
        put.execute(params![term, id])?;
    }
    Ok(())
}

/// Fills the search terms of every profile stored before the terms existed.
pub(super) fn backfill_search_terms(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let rows = tx
        .prepare("SELECT profile_id, traits FROM users")?
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (id, traits) in rows {
        put_search_terms(tx, &id, &json_map(traits)?.unwrap_or_default())?;
    }
    Ok(())
}
