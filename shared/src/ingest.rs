//! The ingestion pipeline, one for every way events come in: the events API, the Segment
//! endpoints and imports are thin adapters that read their input into an [`Intake`]
//! (message by message: one bad message never costs the others), and [`Pipeline::submit`]
//! stamps the source, hands the valid events and the identity links they carry to the
//! group-commit batcher as one batch, and answers with an outcome per message. Events of
//! suppressed ids (people erased with suppression, [`crate::privacy`]) are dropped here and
//! answered as accepted, so a sender learns nothing and does not retry. The outcome
//! counters (`shoptrail_ingest_events_total{outcome}`, `shoptrail_identity_links_total`)
//! are emitted here, once per submission, so every source counts alike.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::batcher::{Batcher, SubmitError};
use crate::enrich::{self, AgentMemo, Origin};
use crate::event::{Event, IncomingEvent, Rejection, normalise};
use crate::identity::{IdentityLink, LinkOutcome, LinkRight};
use crate::segment::{BatchDefaults, Kind, Message, parse_message};
use crate::settings::IngestSettings;
use crate::storage::{InsertOutcome, PrivacyStore, TimedLink, WriteBatch};

/// What happened to one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Durably stored by this submission.
    Accepted,
    /// Already stored earlier (same id); nothing changed.
    Duplicate,
    /// Invalid; not stored.
    Rejected,
}

/// The outcome of one message, in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemResult {
    /// The stored id (`messageId` or a server UUIDv7); for a refused message, its
    /// `messageId` when one could be read.
    pub event_id: Option<String>,
    pub status: Status,
    /// Why the message was refused.
    pub reason: Option<Rejection>,
}

// An event is large next to a refusal; boxing it cost an allocation per event for memory
// that only a refused message in the same request would save.
#[allow(clippy::large_enum_variant)]
enum Item {
    Ready {
        event: Event,
        link: Option<IdentityLink>,
    },
    Refused {
        id: Option<String>,
        reason: Rejection,
    },
}

/// The messages of one request (or one chunk of an import), read one by one.
pub struct Intake {
    source: String,
    received_at: DateTime<Utc>,
    items: Vec<Item>,
    origin: Origin,
    agents: AgentMemo,
    link_right: LinkRight,
}

impl Intake {
    /// `source` names who sent the messages (the write key's source, or `import`);
    /// `received_at` is the server's clock for the whole request.
    pub fn new(source: impl Into<String>, received_at: DateTime<Utc>) -> Self {
        Self {
            source: source.into(),
            received_at,
            items: Vec::new(),
            origin: Origin::default(),
            agents: AgentMemo::default(),
            link_right: LinkRight::Any,
        }
    }

    /// Where the request came from (its country, when a trusted proxy said), for what the
    /// server derives from each event.
    pub fn with_origin(mut self, origin: Origin) -> Self {
        self.origin = origin;
        self
    }

    /// The links this intake's messages may make (from the write key's kind; any by default).
    pub fn with_link_right(mut self, right: LinkRight) -> Self {
        self.link_right = right;
        self
    }

    /// The server time this intake stamps on its events.
    pub fn received_at(&self) -> DateTime<Utc> {
        self.received_at
    }

    /// Messages read so far, valid or not.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Valid messages read so far.
    pub fn valid(&self) -> usize {
        self.items
            .iter()
            .filter(|i| matches!(i, Item::Ready { .. }))
            .count()
    }

    /// One event of the events API, as its JSON text.
    pub fn event_json(&mut self, raw: &str, limits: &IngestSettings) {
        let read = serde_json::from_str::<IncomingEvent>(raw)
            .map_err(|e| Rejection::new("invalid_event", e.to_string()))
            .and_then(|incoming| normalise(incoming, raw.len(), self.received_at, limits));
        match read {
            Ok(event) => self.push_event(event, None),
            Err(reason) => self.refuse(message_id_of(raw), reason),
        }
    }

    /// One Segment message, as its JSON text. `kind` is the call type of a single-message
    /// route; `None` reads the message's own `type` (a batch).
    pub fn segment_json(
        &mut self,
        raw: &str,
        kind: Option<Kind>,
        defaults: &BatchDefaults,
        limits: &IngestSettings,
    ) {
        match serde_json::from_str::<Value>(raw) {
            Ok(value) => {
                let id = value
                    .get("messageId")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                self.segment(
                    parse_message(value, kind, raw.len(), defaults, self.received_at, limits),
                    id,
                );
            }
            Err(e) => self.refuse(
                message_id_of(raw),
                Rejection::new(
                    "invalid_json",
                    format!("the message is not valid JSON: {e}"),
                ),
            ),
        }
    }

    /// One Segment message already parsed (imports derive ids first); `id` names a refused
    /// message in the results.
    pub fn segment(&mut self, parsed: Result<Message, Rejection>, id: Option<String>) {
        match parsed {
            Ok(m) => self.push_event(m.event, m.link),
            Err(reason) => self.refuse(id, reason),
        }
    }

    /// One valid event (imports build theirs from CSV and NDJSON lines).
    pub fn push_event(&mut self, mut event: Event, link: Option<IdentityLink>) {
        event.source = Some(self.source.clone());
        event.derived =
            Some(enrich::shared().derive_remembering(&event, &self.origin, &mut self.agents));
        self.items.push(Item::Ready { event, link });
    }

    /// One message that could not be read.
    pub fn refuse(&mut self, id: Option<String>, reason: Rejection) {
        self.items.push(Item::Refused { id, reason });
    }

    /// What submitting would answer if nothing were stored before, without storing or
    /// counting anything (the parse-only benchmark route).
    pub fn preview(self) -> Receipt {
        let mut receipt = Receipt {
            results: Vec::with_capacity(self.items.len()),
            ..Receipt::default()
        };
        for item in self.items {
            receipt.results.push(match item {
                Item::Ready { event, .. } => {
                    receipt.accepted += 1;
                    ItemResult {
                        event_id: Some(event.event_id),
                        status: Status::Accepted,
                        reason: None,
                    }
                }
                Item::Refused { id, reason } => {
                    receipt.rejected += 1;
                    ItemResult {
                        event_id: id,
                        status: Status::Rejected,
                        reason: Some(reason),
                    }
                }
            });
        }
        receipt
    }
}

/// What a submission did, message by message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Receipt {
    pub results: Vec<ItemResult>,
    /// Stored, or dropped as suppressed (the sender sees both as accepted).
    pub accepted: usize,
    /// Of the accepted, dropped because an id of theirs is suppressed.
    pub suppressed: usize,
    pub duplicates: usize,
    pub rejected: usize,
}

impl Receipt {
    /// True when nothing was valid: callers answer 400 with the reasons.
    pub fn all_rejected(&self) -> bool {
        self.rejected > 0 && self.accepted == 0 && self.duplicates == 0
    }
}

/// Cheap to clone: a handle on the batcher and on the suppression reads. Make one per
/// process (or job) and clone it: each [`Pipeline::new`] starts its own reader task.
#[derive(Clone)]
pub struct Pipeline {
    batcher: Batcher,
    suppression: mpsc::Sender<Lookup>,
}

/// One submission's ids, waiting to be looked up on the suppression list.
struct Lookup {
    ids: Vec<String>,
    reply: oneshot::Sender<Result<HashSet<String>, String>>,
}

/// Most submissions answered by one suppression read.
const LOOKUPS_PER_READ: usize = 256;

/// Looks up the ids of every submission waiting at once with one read of the suppression
/// list, then the next waiting group: like group commit, but for the read each submission
/// needs. One read per submission was a reader-pool checkout and two blocking-pool hops
/// per request (`scripts/bench.d/memory.sh`: the blocking pool grew to 200 threads at 256
/// connections). Every read starts after the submissions it answers arrived, so a
/// suppression committed before a message arrives still drops it.
async fn read_suppressions(privacy: Arc<dyn PrivacyStore>, mut waiting: mpsc::Receiver<Lookup>) {
    let mut group: Vec<Lookup> = Vec::with_capacity(LOOKUPS_PER_READ);
    while waiting.recv_many(&mut group, LOOKUPS_PER_READ).await > 0 {
        let ids: BTreeSet<&str> = group
            .iter()
            .flat_map(|l| l.ids.iter().map(String::as_str))
            .collect();
        let ids: Vec<&str> = ids.into_iter().collect();
        let found = privacy
            .suppressed(&ids)
            .await
            .map(|found| found.into_iter().collect::<HashSet<String>>())
            .map_err(|e| e.to_string());
        for lookup in group.drain(..) {
            let mine = match &found {
                Ok(found) => Ok(lookup
                    .ids
                    .into_iter()
                    .filter(|id| found.contains(id))
                    .collect()),
                Err(e) => Err(e.clone()),
            };
            // A submitter that gave up has nothing to hear.
            let _ = lookup.reply.send(mine);
        }
    }
}

/// Whether a submission may wait for room in a full queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backpressure {
    /// Refuse at once ([`SubmitError::QueueFull`]): requests answer 503 + Retry-After.
    Refuse,
    /// Wait for room: background work yields to live traffic.
    Wait,
}

impl Pipeline {
    /// `privacy` is the store holding the suppression list. Starts the task that reads it
    /// (on the current Tokio runtime); the task ends with the last clone.
    pub fn new(batcher: Batcher, privacy: Arc<dyn PrivacyStore>) -> Self {
        let (suppression, waiting) = mpsc::channel(LOOKUPS_PER_READ * 4);
        tokio::spawn(read_suppressions(privacy, waiting));
        Self {
            batcher,
            suppression,
        }
    }

    /// The suppressed ids among those `ready` messages carry: one indexed read for the
    /// submissions waiting together ([`read_suppressions`]).
    async fn suppressed_ids(
        &self,
        ready: &[(&Event, Option<&IdentityLink>)],
    ) -> Result<HashSet<String>, SubmitError> {
        let ids: BTreeSet<&str> = ready
            .iter()
            .flat_map(|(e, link)| crate::privacy::message_ids(e, *link))
            .collect();
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let (reply, answer) = oneshot::channel();
        let lookup = Lookup {
            ids: ids.into_iter().map(str::to_owned).collect(),
            reply,
        };
        let gone = || SubmitError::Store("the suppression list reader stopped".to_owned());
        self.suppression.send(lookup).await.map_err(|_| gone())?;
        answer
            .await
            .map_err(|_| gone())?
            .map_err(SubmitError::Store)
    }

    /// The batcher behind the pipeline (for health and shutdown).
    pub fn batcher(&self) -> &Batcher {
        &self.batcher
    }

    /// Writes the intake's valid events and links as one batch and waits until it is
    /// durable. Refused messages are counted and reported, never written. An intake with
    /// nothing valid touches no store.
    pub async fn submit(
        &self,
        intake: Intake,
        backpressure: Backpressure,
    ) -> Result<Receipt, SubmitError> {
        let Intake {
            received_at,
            items,
            link_right,
            ..
        } = intake;
        let mut results = Vec::with_capacity(items.len());
        let mut batch = WriteBatch {
            events: Vec::with_capacity(items.len()),
            links: Vec::new(),
        };
        let ready: Vec<(&Event, Option<&IdentityLink>)> = items
            .iter()
            .filter_map(|i| match i {
                Item::Ready { event, link } => Some((event, link.as_ref())),
                Item::Refused { .. } => None,
            })
            .collect();
        let suppressed_ids = if ready.is_empty() {
            HashSet::new()
        } else {
            self.suppressed_ids(&ready).await?
        };
        let mut slots = Vec::with_capacity(items.len());
        let mut suppressed = 0;
        for item in items {
            match item {
                Item::Ready { event, link } => {
                    let dropped =
                        crate::privacy::is_suppressed(&event, link.as_ref(), &suppressed_ids);
                    results.push(ItemResult {
                        event_id: Some(event.event_id.clone()),
                        status: Status::Accepted,
                        reason: None,
                    });
                    if dropped {
                        suppressed += 1;
                        continue;
                    }
                    slots.push(results.len() - 1);
                    if let Some(link) = link {
                        batch.links.push(TimedLink {
                            link,
                            at: received_at,
                            right: link_right,
                        });
                    }
                    batch.events.push(event);
                }
                Item::Refused { id, reason } => results.push(ItemResult {
                    event_id: id,
                    status: Status::Rejected,
                    reason: Some(reason),
                }),
            }
        }
        let rejected = results.len() - slots.len() - suppressed;
        count(&counters().rejected, rejected);
        count(&counters().suppressed, suppressed);
        if slots.is_empty() {
            return Ok(Receipt {
                results,
                accepted: suppressed,
                suppressed,
                rejected,
                ..Receipt::default()
            });
        }
        let outcome = match backpressure {
            Backpressure::Refuse => self.batcher.submit(batch).await?,
            Backpressure::Wait => self.batcher.submit_waiting(batch).await?,
        };
        let mut duplicates = 0;
        for (slot, o) in slots.iter().zip(&outcome.events) {
            if *o == InsertOutcome::Duplicate {
                results[*slot].status = Status::Duplicate;
                duplicates += 1;
            }
        }
        let accepted = slots.len() - duplicates;
        count(&counters().accepted, accepted);
        count(&counters().duplicate, duplicates);
        count_links(&outcome.links);
        Ok(Receipt {
            results,
            accepted: accepted + suppressed,
            suppressed,
            duplicates,
            rejected,
        })
    }
}

/// The outcome counters, registered once (after the recorder is installed): the
/// `counter!` macro would build and look up its key on every submission.
struct Counters {
    accepted: metrics::Counter,
    duplicate: metrics::Counter,
    rejected: metrics::Counter,
    suppressed: metrics::Counter,
    links: [(LinkOutcome, metrics::Counter); LinkOutcome::ALL.len()],
}

fn counters() -> &'static Counters {
    static COUNTERS: std::sync::OnceLock<Counters> = std::sync::OnceLock::new();
    COUNTERS.get_or_init(|| {
        crate::telemetry::metrics_handle();
        let events = |outcome: &'static str| {
            metrics::counter!("shoptrail_ingest_events_total", "outcome" => outcome)
        };
        let link = |outcome: LinkOutcome| {
            (
                outcome,
                metrics::counter!("shoptrail_identity_links_total", "outcome" => outcome.as_str()),
            )
        };
        Counters {
            accepted: events("accepted"),
            duplicate: events("duplicate"),
            rejected: events("rejected"),
            suppressed: events("suppressed"),
            links: LinkOutcome::ALL.map(link),
        }
    })
}

fn count(counter: &metrics::Counter, n: usize) {
    if n > 0 {
        counter.increment(n as u64);
    }
}

fn count_links(outcomes: &[LinkOutcome]) {
    if outcomes.is_empty() {
        return;
    }
    for (outcome, counter) in &counters().links {
        count(counter, outcomes.iter().filter(|o| *o == outcome).count());
    }
    let conflicts = outcomes
        .iter()
        .filter(|o| **o == LinkOutcome::Conflict)
        .count();
    if conflicts > 0 {
        tracing::info!(
            conflicts,
            "Identity links refused: the ids are linked to another user already."
        );
    }
}

/// Best effort: the client's id of a message that could not be read, so results match.
fn message_id_of(raw: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        #[serde(rename = "messageId")]
        message_id: Option<Value>,
    }
    match serde_json::from_str::<IdOnly>(raw).ok()?.message_id? {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
#[path = "ingest_tests.rs"]
mod tests;
