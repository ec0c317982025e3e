//! Enrichment imports: the `catalog` and `traits` kinds of `POST /v1/imports`. Same sources,
//! formats (NDJSON, or CSV with a column mapping), line reading, dry run, progress and
//! cancel as event imports ([`super::import`]); each chunk of valid lines goes to the store
//! instead of the batcher:
//!
//! - `catalog`: one product per line (`sku`, `name`, `category`, `brand`, `price`,
//!   `currency`), upserted by SKU ([`crate::catalog`]). Re-importing a file changes nothing:
//!   the report counts its lines as `unchanged`.
//! - `traits`: `userId` or `email`, and `traits`, merged into the stored profile as an
//!   `identify` would ([`crate::storage::profile_traits`]). A line whose person is not
//!   stored (or whose email matches no profile, or several) is `skipped` and reported:
//!   a CRM row never creates a profile, so nobody is counted as a visitor by an import.

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::import::{
    CsvMapping, CsvShape, ImportKind, ImportParams, LineError, csv_event, csv_shape, open_source,
    read_line,
};
use super::object_store::ObjectStore;
use super::{JobContext, JobError};
use crate::catalog::{CatalogItem, Upserted};
use crate::event::Rejection;
use crate::settings::Settings;
use crate::storage::catalog::{MAX_SKUS_PER_CALL, plan_upsert};
use crate::storage::{Store, TraitOutcome, TraitUpdate};

/// Lines per store call.
const CHUNK_LINES: usize = 500;
const _: () = assert!(CHUNK_LINES <= MAX_SKUS_PER_CALL);

const CATALOG_FIELDS: [&str; 6] = ["sku", "name", "category", "brand", "price", "currency"];

/// Checks a CSV mapping of a `catalog` or `traits` import before any line is read.
pub fn validate_mapping(kind: ImportKind, m: &CsvMapping) -> Result<(), String> {
    if m.event_type.is_some() {
        return Err("eventType is only for event imports".to_owned());
    }
    if m.delimiter.is_some_and(|d| !d.is_ascii() || d == '"') {
        return Err("the delimiter must be one ASCII character other than '\"'".to_owned());
    }
    for (field, column) in &m.columns {
        let known = match kind {
            ImportKind::Catalog => CATALOG_FIELDS.contains(&field.as_str()),
            _ => {
                field == "userId"
                    || field == "email"
                    || field.strip_prefix("traits.").is_some_and(|n| !n.is_empty())
            }
        };
        if !known {
            let expected = match kind {
                ImportKind::Catalog => CATALOG_FIELDS.join(", "),
                _ => "userId, email, traits.<name>".to_owned(),
            };
            return Err(format!("mapping field {field:?} is not one of {expected}"));
        }
        if column.is_empty() {
            return Err(format!("mapping field {field:?} names no column"));
        }
    }
    match kind {
        ImportKind::Catalog if !m.columns.contains_key("sku") => {
            Err("a catalog mapping needs a `sku` column".to_owned())
        }
        ImportKind::Traits
            if !m.columns.contains_key("userId") && !m.columns.contains_key("email") =>
        {
            Err("a traits mapping needs a `userId` or `email` column".to_owned())
        }
        ImportKind::Traits if !m.columns.keys().any(|f| f.starts_with("traits.")) => {
            Err("a traits mapping needs at least one `traits.<name>` column".to_owned())
        }
        _ => Ok(()),
    }
}

/// The report of a `catalog` or `traits` import (its job result).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnrichReport {
    pub kind: ImportKind,
    pub dry_run: bool,
    /// Non-empty lines read (excluding a CSV header).
    pub lines: u64,
    pub valid: u64,
    pub invalid: u64,
    /// Catalog: SKUs new to the catalog (a dry run counts what it would do).
    pub created: u64,
    /// Catalog: SKUs whose values changed; traits: profiles whose traits changed.
    pub changed: u64,
    /// Lines that matched what is stored already: nothing written.
    pub unchanged: u64,
    /// Traits: lines whose person is not stored (or whose email is ambiguous).
    pub skipped: u64,
    /// Traits that did not fit a profile's bounds.
    pub traits_dropped: u64,
    pub bytes: u64,
    /// The first errors (invalid and skipped lines), up to `import.max_reported_errors`.
    pub errors: Vec<LineError>,
}

impl EnrichReport {
    fn error(&mut self, max: usize, line: u64, reason: &Rejection) {
        if self.errors.len() < max {
            self.errors.push(LineError {
                line,
                code: reason.code.to_owned(),
                message: reason.message.clone(),
            });
        }
    }
}

/// Who a traits line is for.
#[derive(Debug, Clone, PartialEq)]
enum Person {
    Id(String),
    Email(String),
}

/// One valid traits line.
#[derive(Debug, Clone, PartialEq)]
struct TraitsLine {
    person: Person,
    traits: Map<String, Value>,
}

fn traits_line(m: Map<String, Value>) -> Result<TraitsLine, Rejection> {
    let bad = |msg: &str| Rejection::new("invalid_traits", msg.to_owned());
    let text = |key: &str| match m.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        None | Some(Value::Null) | Some(Value::String(_)) => Ok(None),
        Some(_) => Err(bad(&format!("{key} must be a string"))),
    };
    let person = match (text("userId")?, text("email")?) {
        (Some(id), _) => Person::Id(id),
        (None, Some(email)) => Person::Email(email),
        (None, None) => return Err(bad("a userId or an email is required")),
    };
    let mut traits = match m.get("traits") {
        Some(Value::Object(t)) => t.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err(bad("traits must be an object")),
    };
    // A line found by email states that email: it is kept as a trait like the others.
    if let Person::Email(email) = &person
        && !traits.contains_key("email")
    {
        traits.insert("email".into(), Value::String(email.clone()));
    }
    if traits.is_empty() {
        return Err(bad("the line carries no traits"));
    }
    Ok(TraitsLine { person, traits })
}

/// Valid lines waiting for the store.
enum Chunk {
    Catalog(Vec<(u64, CatalogItem)>),
    Traits(Vec<(u64, TraitsLine)>),
}

impl Chunk {
    fn len(&self) -> usize {
        match self {
            Chunk::Catalog(v) => v.len(),
            Chunk::Traits(v) => v.len(),
        }
    }

    fn take(&mut self) -> Chunk {
        match self {
            Chunk::Catalog(v) => Chunk::Catalog(std::mem::take(v)),
            Chunk::Traits(v) => Chunk::Traits(std::mem::take(v)),
        }
    }
}

/// Runs one `catalog` or `traits` import.
pub async fn run(
    params: &ImportParams,
    settings: &Settings,
    uploads: &dyn ObjectStore,
    store: &dyn Store,
    ctx: &JobContext,
) -> Result<EnrichReport, JobError> {
    params.validate().map_err(JobError::Permanent)?;
    let shop = settings
        .shop
        .rates()
        .map_err(|e| JobError::Permanent(e.to_string()))?
        .reporting;
    let source = open_source(params, settings, uploads).await?;
    ctx.set_bytes_total(source.size);
    let mut reader = tokio::io::BufReader::with_capacity(256 * 1024, source.reader);
    let max_line = settings.ingest.max_event_bytes.saturating_mul(4);
    let max_errors = settings.import.max_reported_errors;
    let mut report = EnrichReport {
        kind: params.kind,
        dry_run: params.dry_run,
        ..EnrichReport::default()
    };
    let mut chunk = match params.kind {
        ImportKind::Catalog => Chunk::Catalog(Vec::new()),
        _ => Chunk::Traits(Vec::new()),
    };
    let mut line = Vec::new();
    let mut line_no = 0u64;
    let mut csv: Option<CsvShape> = None;
    let mut pending_lines = 0u64;
    let mut pending_invalid = 0u64;
    loop {
        let read = read_line(&mut reader, &mut line, max_line)
            .await
            .context("Failed to read the import file")?;
        let Some((consumed, too_long)) = read else {
            break;
        };
        line_no += 1;
        report.bytes += consumed;
        ctx.add_bytes(consumed);
        if !too_long && line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if params.mapping.is_some() && csv.is_none() {
            let mapping = params.mapping.clone().unwrap_or_default();
            csv = Some(csv_shape(&line, &mapping).map_err(JobError::Permanent)?);
            continue;
        }
        report.lines += 1;
        pending_lines += 1;
        let fields = if too_long {
            Err(Rejection::new(
                "line_too_large",
                format!("line is longer than {max_line} bytes"),
            ))
        } else {
            match &csv {
                Some(shape) => csv_event(&line, shape),
                None => serde_json::from_slice(&line)
                    .map_err(|e| Rejection::new("invalid_json", format!("not a JSON object: {e}"))),
            }
        };
        let pushed = fields.and_then(|m| match &mut chunk {
            Chunk::Catalog(v) => {
                CatalogItem::from_fields(&m, shop).map(|item| v.push((line_no, item)))
            }
            Chunk::Traits(v) => traits_line(m).map(|t| v.push((line_no, t))),
        });
        match pushed {
            Ok(()) => report.valid += 1,
            Err(reason) => {
                report.invalid += 1;
                pending_invalid += 1;
                report.error(max_errors, line_no, &reason);
            }
        }
        if chunk.len() >= CHUNK_LINES {
            // Cancelled: stop before the next store write (chunks written so far stay).
            ctx.check()?;
            flush(chunk.take(), params.dry_run, store, max_errors, &mut report).await?;
            ctx.add_events(pending_lines, pending_invalid, 0);
            (pending_lines, pending_invalid) = (0, 0);
        }
    }
    ctx.check()?;
    flush(chunk, params.dry_run, store, max_errors, &mut report).await?;
    ctx.add_events(pending_lines, pending_invalid, 0);
    Ok(report)
}

/// Applies one chunk (a dry run only reads) and counts what it did.
async fn flush(
    chunk: Chunk,
    dry_run: bool,
    store: &dyn Store,
    max_errors: usize,
    report: &mut EnrichReport,
) -> Result<(), JobError> {
    let transient = |e: crate::storage::StoreError| JobError::Transient(e.into());
    match chunk {
        Chunk::Catalog(lines) if !lines.is_empty() => {
            let items: Vec<CatalogItem> = lines.into_iter().map(|(_, i)| i).collect();
            let outcomes = if dry_run {
                let skus: Vec<String> = items.iter().map(|i| i.sku.clone()).collect();
                let stored = store.catalog_items(&skus).await.map_err(transient)?;
                plan_upsert(&items, &stored).0
            } else {
                store.upsert_catalog(&items).await.map_err(transient)?
            };
            for o in outcomes {
                match o {
                    Upserted::Created => report.created += 1,
                    Upserted::Changed => report.changed += 1,
                    Upserted::Unchanged => report.unchanged += 1,
                }
            }
        }
        Chunk::Traits(lines) if !lines.is_empty() => {
            let mut updates = Vec::with_capacity(lines.len());
            let mut update_lines = Vec::with_capacity(lines.len());
            for (line_no, l) in lines {
                let profile_id = match l.person {
                    Person::Id(id) => id,
                    Person::Email(email) => {
                        let mut found = store.profiles_by_email(&email).await.map_err(transient)?;
                        if found.len() != 1 {
                            report.skipped += 1;
                            let why = if found.is_empty() {
                                Rejection::new("unknown_profile", "no profile has this email")
                            } else {
                                Rejection::new(
                                    "ambiguous_email",
                                    format!("{} profiles have this email", found.len()),
                                )
                            };
                            report.error(max_errors, line_no, &why);
                            continue;
                        }
                        found.remove(0)
                    }
                };
                updates.push(TraitUpdate {
                    profile_id,
                    traits: l.traits,
                });
                update_lines.push(line_no);
            }
            let outcomes = if dry_run {
                let mut outcomes = Vec::with_capacity(updates.len());
                for u in &updates {
                    outcomes.push(
                        match store.get_user(&u.profile_id).await.map_err(transient)? {
                            None => TraitOutcome::UnknownProfile,
                            Some(p) => {
                                let mut traits = p.traits.clone();
                                let dropped = crate::profile::merge_traits(&mut traits, &u.traits);
                                if traits == p.traits {
                                    TraitOutcome::Unchanged
                                } else {
                                    TraitOutcome::Merged { dropped }
                                }
                            }
                        },
                    );
                }
                outcomes
            } else {
                store.merge_traits(&updates).await.map_err(transient)?
            };
            for (o, line_no) in outcomes.into_iter().zip(update_lines) {
                match o {
                    TraitOutcome::Merged { dropped } => {
                        report.changed += 1;
                        report.traits_dropped += dropped as u64;
                    }
                    TraitOutcome::Unchanged => report.unchanged += 1,
                    TraitOutcome::UnknownProfile => {
                        report.skipped += 1;
                        report.error(
                            max_errors,
                            line_no,
                            &Rejection::new("unknown_profile", "no profile has this user id"),
                        );
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(cols: &[(&str, &str)]) -> CsvMapping {
        CsvMapping {
            columns: cols
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
            event_type: None,
            delimiter: None,
        }
    }

    #[test]
    fn catalog_and_traits_mappings_name_their_own_fields() {
        let catalog = |c: &[(&str, &str)]| validate_mapping(ImportKind::Catalog, &mapping(c));
        assert!(catalog(&[("sku", "id"), ("name", "title")]).is_ok());
        assert!(catalog(&[("name", "title")]).is_err(), "no sku");
        assert!(catalog(&[("sku", "id"), ("userId", "u")]).is_err());
        let traits = |c: &[(&str, &str)]| validate_mapping(ImportKind::Traits, &mapping(c));
        assert!(traits(&[("email", "mail"), ("traits.plan", "plan")]).is_ok());
        assert!(traits(&[("traits.plan", "plan")]).is_err(), "no person");
        assert!(traits(&[("userId", "id")]).is_err(), "no traits");
        assert!(traits(&[("userId", "id"), ("traits.", "x")]).is_err());
    }

    #[test]
    fn a_traits_line_names_its_person_and_keeps_the_email_it_was_found_by() {
        let line = |v: Value| traits_line(v.as_object().cloned().expect("object"));
        let by_id =
            line(serde_json::json!({"userId": "u1", "traits": {"plan": "pro"}})).expect("valid");
        assert_eq!(by_id.person, Person::Id("u1".into()));
        let by_email =
            line(serde_json::json!({"email": "A@x.io", "traits": {"plan": "pro"}})).expect("valid");
        assert_eq!(by_email.person, Person::Email("A@x.io".into()));
        assert_eq!(by_email.traits["email"], "A@x.io");
        assert!(line(serde_json::json!({"traits": {"plan": "pro"}})).is_err());
        assert!(line(serde_json::json!({"userId": "u1"})).is_err());
        assert!(line(serde_json::json!({"userId": "u1", "traits": [1]})).is_err());
    }
}
