//! Ingestion write keys: creation (secret shown once, SHA-256 stored), extraction from a
//! request (HTTP Basic with the key as user name, as Segment's SDKs send it, or
//! `X-Write-Key`), and a short-lived in-process cache of verified keys so the hot path does
//! not ask the store per request. The cache's TTL bounds how long a key revoked on another
//! instance keeps working here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, Request, header};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use rand::RngCore as _;
use secrecy::{ExposeSecret as _, SecretString};
use sha2::{Digest as _, Sha256};
use shared::storage::{Store, StoreError, WriteKey, WriteKeyKind, WriteKeyStore};

use crate::error::ApiError;
use crate::state::AppState;

/// Every key starts with this, so leaked keys are easy to recognise (and to scan for).
pub const KEY_PREFIX: &str = "stwk_";
/// Characters of the key kept in the clear for lists.
const SHOWN_CHARS: usize = 12;
/// `last_used_at` is written at most this often per key and instance.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// Past this many cached keys the cache starts over (bounds memory under key spraying).
const MAX_CACHED: usize = 10_000;
pub const WRITE_KEY_HEADER: &str = "x-write-key";

/// Lower-case hex SHA-256 of a key. Keys are 192-bit random, so a fast hash is enough.
pub fn hash(secret: &str) -> String {
    hex::encode(digest(secret))
}

/// The SHA-256 of a key: what the cache of verified keys is keyed by (no hex per request).
fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A source name: 1 to 100 letters, digits, spaces and `_ - . :`.
pub fn parse_source(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty()
        || s.len() > 100
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.' | ':'))
    {
        return Err("source must be 1 to 100 letters, digits, spaces or _-.:".to_owned());
    }
    Ok(s.to_owned())
}

/// Creates and stores a key of `kind` for `source`; the secret is returned once and never
/// stored.
pub async fn create(
    store: &dyn WriteKeyStore,
    source: &str,
    kind: WriteKeyKind,
    now: DateTime<Utc>,
) -> Result<(WriteKey, SecretString), ApiError> {
    let source = parse_source(source).map_err(|m| ApiError::bad_request("invalid_source", m))?;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let key = WriteKey {
        id: uuid::Uuid::now_v7().to_string(),
        kind,
        source,
        key_hash: hash(&secret),
        prefix: secret.chars().take(SHOWN_CHARS).collect(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    store.create_write_key(&key).await?;
    Ok((key, SecretString::from(secret)))
}

/// The key a request presents, if any.
pub fn presented(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get(WRITE_KEY_HEADER).and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_owned()).filter(|k| !k.is_empty());
    }
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = auth.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    // `key:` (empty password), as Segment sends it; a bare `key` is accepted too.
    let user = text.split_once(':').map_or(text.as_str(), |(u, _)| u);
    Some(user.to_owned()).filter(|k| !k.is_empty())
}

/// The key a request presents, read once ahead of the per-key rate limiter (`limits`) and
/// kept in the request's extensions for the limiter and the [`WriteKeyAuth`] extractor, so
/// the header is decoded once per request, not twice.
#[derive(Debug, Clone)]
pub struct PresentedKey(pub Option<String>);

impl PresentedKey {
    /// Reads the request's key into its extensions (a `map_request` ahead of the limiter).
    pub fn keep<B>(mut req: Request<B>) -> Request<B> {
        let key = presented(req.headers());
        req.extensions_mut().insert(PresentedKey(key));
        req
    }

    /// The key the request presents: the one kept, else read from the headers now.
    pub fn take(extensions: &mut Extensions, headers: &HeaderMap) -> Option<String> {
        match extensions.remove::<PresentedKey>() {
            Some(PresentedKey(key)) => key,
            None => presented(headers),
        }
    }
}

/// What a verified key grants: its id, source and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedKey {
    pub id: String,
    pub source: String,
    pub kind: WriteKeyKind,
}

/// A verified key, shared by every cache hit.
type Verified = Arc<VerifiedKey>;

struct Cached {
    /// None: no such key (cached too, so garbage keys do not reach the store every time).
    key: Option<Verified>,
    fetched: Instant,
}

/// Verified keys of this process, each trusted for at most `ttl`.
pub struct WriteKeyCache {
    ttl: Duration,
    entries: Mutex<HashMap<[u8; 32], Cached>>,
    touched: Mutex<HashMap<String, Instant>>,
    /// Held while a missed key is read from the store (one read at a time).
    lookups: tokio::sync::Mutex<()>,
}

impl WriteKeyCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
            touched: Mutex::new(HashMap::new()),
            lookups: tokio::sync::Mutex::new(()),
        }
    }

    /// `Some(None)`: known not to be a valid key; `None`: not cached (or stale).
    fn cached(&self, digest: &[u8; 32]) -> Option<Option<Verified>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(digest)
            .filter(|c| c.fetched.elapsed() < self.ttl)
            .map(|c| c.key.clone())
    }

    fn remember(&self, digest: [u8; 32], key: Option<Verified>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_CACHED {
                entries.clear();
            }
            entries.insert(
                digest,
                Cached {
                    key,
                    fetched: Instant::now(),
                },
            );
        }
    }

    /// Forgets every cached key (this instance learns of a revocation at once).
    pub fn forget_all(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    /// Whether this key's `last_used_at` is due for a write; marks it written if so.
    fn due_for_touch(&self, id: &str) -> bool {
        let Ok(mut touched) = self.touched.lock() else {
            return false;
        };
        if touched.len() >= MAX_CACHED {
            touched.clear();
        }
        match touched.get(id) {
            Some(at) if at.elapsed() < TOUCH_EVERY => false,
            _ => {
                touched.insert(id.to_owned(), Instant::now());
                true
            }
        }
    }

    /// A valid, unrevoked key.
    pub async fn verify(
        &self,
        store: &Arc<dyn Store>,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Verified>, StoreError> {
        let digest = digest(secret);
        let found = match self.cached(&digest) {
            Some(key) => key,
            None => {
                // When a busy key's entry expires, every request in flight misses at once:
                // they wait for one store read instead of each making its own (at 256
                // connections that was 256 reads every `ttl`, and a blocking thread each).
                let _one = self.lookups.lock().await;
                match self.cached(&digest) {
                    Some(key) => key,
                    None => {
                        let key = store
                            .write_key_by_hash(&hex::encode(digest))
                            .await?
                            .filter(|k| k.revoked_at.is_none())
                            .map(|k| {
                                Arc::new(VerifiedKey {
                                    id: k.id,
                                    source: k.source,
                                    kind: k.kind,
                                })
                            });
                        self.remember(digest, key.clone());
                        key
                    }
                }
            }
        };
        if let Some(verified) = &found
            && self.due_for_touch(&verified.id)
        {
            let id = &verified.id;
            let (store, id) = (store.clone(), id.clone());
            // Off the request path: a slow store must not slow ingestion down.
            tokio::spawn(async move {
                if let Err(e) = store.touch_write_key(&id, now).await {
                    tracing::warn!(error = %e, key_id = %id, "Could not record write key use.");
                }
            });
        }
        Ok(found)
    }
}

/// A request authenticated by a valid write key.
pub struct WriteKeyAuth {
    pub key_id: String,
    pub source: String,
    /// Decides which identity links the request's messages may make.
    pub kind: WriteKeyKind,
}

impl FromRequestParts<AppState> for WriteKeyAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let secret = PresentedKey::take(&mut parts.extensions, &parts.headers);
        Self::verify(state, secret).await
    }
}

impl WriteKeyAuth {
    /// Checks a presented key (from a header, or from a body's `writeKey` on the Segment
    /// routes); a missing, unknown or revoked one is 401.
    pub async fn verify(state: &AppState, secret: Option<String>) -> Result<Self, ApiError> {
        let refused = || ApiError::Unauthorized {
            code: "invalid_write_key",
            message: "a valid write key is required (HTTP Basic user name or X-Write-Key)"
                .to_owned(),
        };
        let secret = secret.ok_or_else(refused)?;
        match state
            .write_keys
            .verify(&state.store, &secret, state.clock.now())
            .await?
        {
            Some(verified) => Ok(Self {
                key_id: verified.id.clone(),
                source: verified.source.clone(),
                kind: verified.kind,
            }),
            None => Err(refused()),
        }
    }
}

/// Key material for logs: never the secret, only its public prefix.
pub fn redacted(secret: &SecretString) -> String {
    secret.expose_secret().chars().take(SHOWN_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn keys_are_read_from_basic_auth_or_the_header() {
        let mut h = HeaderMap::new();
        assert_eq!(presented(&h), None);
        let basic = format!("Basic {}", STANDARD.encode("stwk_abc:"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&basic).expect("header"),
        );
        assert_eq!(presented(&h).as_deref(), Some("stwk_abc"));
        h.insert(WRITE_KEY_HEADER, HeaderValue::from_static("stwk_xyz"));
        assert_eq!(presented(&h).as_deref(), Some("stwk_xyz"));
        let mut req = Request::new(());
        *req.headers_mut() = h.clone();
        let mut req = PresentedKey::keep(req);
        // The kept key is the one the headers present, and it is taken once.
        let empty = HeaderMap::new();
        assert_eq!(
            PresentedKey::take(req.extensions_mut(), &empty).as_deref(),
            Some("stwk_xyz")
        );
        assert_eq!(PresentedKey::take(req.extensions_mut(), &empty), None);
        assert_eq!(
            PresentedKey::take(req.extensions_mut(), &h).as_deref(),
            Some("stwk_xyz")
        );
        let mut bearer = HeaderMap::new();
        bearer.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        assert_eq!(presented(&bearer), None);
    }

    #[test]
    fn sources_are_checked() {
        assert_eq!(parse_source(" web shop ").as_deref(), Ok("web shop"));
        assert!(parse_source("").is_err());
        assert!(parse_source("a/b").is_err());
    }
}
