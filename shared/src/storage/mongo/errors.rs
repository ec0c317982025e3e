//! The engine's error taxonomy: driver errors and failed statements sorted into retryable
//! and not, mapped to [`StoreError`] kinds, with credentials redacted; and the backoff of the
//! one retry loop.

use super::*;

/// Whether a commit whose outcome is unknown is worth sending again. The driver labels
/// server-selection failures `UnknownTransactionCommitResult` too, but each of those has
/// already waited the full selection timeout (30 s by default): five more would hold the
/// caller for minutes. A commit that ran out of `maxTimeMS` would run out again (the driver's
/// own `and_run` does not retry that either). Either way the caller gets `Unavailable` and may
/// retry the batch, which re-reads the stored ids, so nothing is counted twice.
pub(super) fn commit_worth_retrying(e: &DriverError) -> bool {
    !matches!(e.kind.as_ref(), ErrorKind::ServerSelection { .. })
        && !error_codes(e).contains(&MAX_TIME_MS_EXPIRED)
}

/// Why a write attempt failed, kept apart from [`StoreError`] until we know whether the
/// transaction is worth retrying.
#[derive(Debug)]
pub(super) enum Failure {
    Driver(DriverError),
    /// A statement of a raw `update` command was refused (its first write error).
    Statement {
        collection: &'static str,
        code: i32,
        message: String,
        /// The reply carried the `TransientTransactionError` label.
        transient: bool,
    },
    /// The writes were applied but the write concern was not confirmed.
    NotDurable {
        collection: &'static str,
        reason: String,
    },
    /// Commit retries ran out without learning whether the transaction committed.
    CommitUnknown,
    /// A stored document could not be read, or a value could not be encoded.
    Decode(StoreError),
}

impl From<DriverError> for Failure {
    fn from(e: DriverError) -> Self {
        Failure::Driver(e)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Driver(e) => write!(f, "{}", e.kind),
            Failure::Statement {
                collection,
                code,
                message,
                ..
            } => {
                write!(f, "update of {collection} refused (code {code}): {message}")
            }
            Failure::NotDurable { collection, reason } => {
                write!(f, "write concern not confirmed on {collection}: {reason}")
            }
            Failure::CommitUnknown => write!(f, "commit outcome unknown"),
            Failure::Decode(e) => write!(f, "{e}"),
        }
    }
}

impl Failure {
    /// Whether retrying the whole transaction can succeed: the server labelled the error
    /// transient, or a concurrent writer won a race on an `_id`.
    pub(super) fn is_transient(&self) -> bool {
        match self {
            // Server selection already waited its full timeout: retrying would only make the
            // caller wait that long again.
            Failure::Driver(e) if matches!(e.kind.as_ref(), ErrorKind::ServerSelection { .. }) => {
                false
            }
            Failure::Driver(e) => {
                e.contains_label(TRANSIENT_TRANSACTION_ERROR)
                    || error_codes(e)
                        .iter()
                        .any(|c| *c == DUPLICATE_KEY || *c == WRITE_CONFLICT)
            }
            Failure::Statement {
                code, transient, ..
            } => *transient || *code == DUPLICATE_KEY || *code == WRITE_CONFLICT,
            Failure::NotDurable { .. } | Failure::CommitUnknown | Failure::Decode(_) => false,
        }
    }

    pub(super) fn into_store_error(self) -> StoreError {
        match self {
            Failure::Driver(e) => driver_error(&e),
            Failure::Statement {
                collection,
                code,
                transient,
                ..
            } if transient || code == DUPLICATE_KEY || code == WRITE_CONFLICT => {
                StoreError::Unavailable(format!("concurrent write to MongoDB {collection}"))
            }
            failure @ Failure::Statement { .. } => {
                StoreError::Internal(truncate(format!("MongoDB: {failure}")))
            }
            Failure::NotDurable { collection, reason } => StoreError::Unavailable(format!(
                "MongoDB could not confirm the {collection} write is durable ({reason})"
            )),
            Failure::CommitUnknown => {
                StoreError::Unavailable("MongoDB could not confirm the batch committed".to_owned())
            }
            Failure::Decode(e) => e,
        }
    }
}

/// Server error codes carried by a driver error, write errors included.
pub(super) fn error_codes(e: &DriverError) -> Vec<i32> {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => vec![c.code],
        ErrorKind::Write(WriteFailure::WriteError(w)) => vec![w.code],
        ErrorKind::Write(WriteFailure::WriteConcernError(w)) => vec![w.code],
        ErrorKind::InsertMany(m) => m
            .write_errors
            .iter()
            .flatten()
            .map(|w| w.code)
            .chain(m.write_concern_error.as_ref().map(|w| w.code))
            .collect(),
        _ => Vec::new(),
    }
}

pub(super) fn command_code(e: &DriverError) -> Option<i32> {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => Some(c.code),
        _ => None,
    }
}

/// Maps a driver error to the store's error. Texts are short and never carry the URI:
/// only the error kind is shown, never the driver's full report.
pub(super) fn driver_error(e: &DriverError) -> StoreError {
    let unavailable = |text: String| StoreError::Unavailable(text);
    match e.kind.as_ref() {
        ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. } => {
            unavailable("MongoDB connection failed".to_owned())
        }
        ErrorKind::ServerSelection { .. } => unavailable("no MongoDB server available".to_owned()),
        ErrorKind::DnsResolve { .. } => unavailable("MongoDB host name did not resolve".to_owned()),
        ErrorKind::Shutdown => unavailable("MongoDB client is shut down".to_owned()),
        ErrorKind::Command(c) if UNAVAILABLE_CODES.contains(&c.code) => unavailable(format!(
            "MongoDB cannot serve the request now ({} {})",
            c.code, c.code_name
        )),
        ErrorKind::Write(WriteFailure::WriteConcernError(w))
        | ErrorKind::InsertMany(InsertManyError {
            write_concern_error: Some(w),
            ..
        }) => unavailable(format!(
            "MongoDB could not confirm the write is durable ({})",
            w.code_name
        )),
        _ if [
            TRANSIENT_TRANSACTION_ERROR,
            RETRYABLE_WRITE_ERROR,
            RETRYABLE_ERROR,
            SYSTEM_OVERLOADED_ERROR,
        ]
        .iter()
        .any(|label| e.contains_label(label)) =>
        {
            unavailable("MongoDB asked for the request to be retried".to_owned())
        }
        kind => StoreError::Internal(truncate(format!("MongoDB: {kind}"))),
    }
}

pub(super) fn truncate(mut text: String) -> String {
    if let Some((at, _)) = text.char_indices().nth(MAX_ERROR_CHARS) {
        text.truncate(at);
        text.push('…');
    }
    text
}

pub(super) fn startup_error(what: &str, e: &DriverError, redactor: &Redactor) -> anyhow::Error {
    anyhow::anyhow!("{what}: {}", redactor.apply(&e.kind.to_string()))
}

/// Scrubs the connection string and its credentials from driver messages shown at
/// start-up. The driver already avoids echoing them; this makes sure.
pub(super) struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub(super) fn from_uri(uri: &str) -> Self {
        let mut redactor = Self {
            secrets: Vec::new(),
        };
        redactor.add(uri.to_owned());
        if let Some((_, rest)) = uri.split_once("://") {
            // As the driver reads it: user info is everything before the last `@` ahead of
            // the options.
            let before_options = rest.split('?').next().unwrap_or(rest);
            if let Some((user_info, _)) = before_options.rsplit_once('@') {
                redactor.add(user_info.to_owned());
                if let Some((_, password)) = user_info.split_once(':') {
                    redactor.add(password.to_owned());
                }
            }
        }
        redactor
    }

    pub(super) fn add(&mut self, secret: String) {
        if !secret.is_empty() {
            self.secrets.push(secret);
            // Longest first, so a secret containing another is replaced whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    pub(super) fn apply(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_owned(), |acc, secret| {
            acc.replace(secret.as_str(), "<redacted>")
        })
    }
}

/// Exponential backoff with jitter (half fixed, half random) so that writers which
/// conflicted once do not collide again in lockstep.
pub(super) fn backoff(attempt: u32) -> Duration {
    let cap_ms = (5_u64 << attempt.min(7)).min(500);
    let half = cap_ms / 2;
    Duration::from_millis(half + jitter(half + 1))
}

/// A random number below `bound`. `RandomState` is randomly keyed per process and thread,
/// which is all the randomness a backoff needs.
pub(super) fn jitter(bound: u64) -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    hasher.write_u32(nanos);
    hasher.finish() % bound.max(1)
}
