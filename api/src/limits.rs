//! Rate limits (tower_governor, GCRA): per client IP on auth routes, per write key on
//! ingestion, per session on console reads. Over the limit: 429 + Retry-After, JSON body.
//! The client IP comes from `X-Forwarded-For` only when the peer is a trusted proxy.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, Response};
use axum::response::IntoResponse as _;
use governor::middleware::NoOpMiddleware;
use ipnet::IpNet;
use tower_governor::GovernorError;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;

use crate::auth::sessions::COOKIE_NAME;
use crate::auth::write_keys;
use crate::error::ApiError;

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy. (Entries further
/// left were written by the client and prove nothing.)
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for entry in forwarded.iter().rev() {
        match entry.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

fn peer_ip<T>(req: &Request<T>) -> Option<IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// What a limit counts requests by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LimitKey {
    Ip(IpAddr),
    /// A write key or a session id, hashed with this process's random SipHash key: limiter
    /// state never holds a secret, and a bucket key costs a fraction of a SHA-256 (which the
    /// write-key check computes once more anyway). 128 bits: distinct secrets never share a
    /// bucket in practice.
    Token(u128),
}

/// Two independently keyed SipHash-1-3 instances (std's `RandomState`), fixed per limiter.
#[derive(Debug, Clone)]
struct TokenHasher([std::collections::hash_map::RandomState; 2]);

impl TokenHasher {
    fn new() -> Self {
        Self([Default::default(), Default::default()])
    }

    fn token(&self, secret: &str) -> LimitKey {
        use std::hash::BuildHasher as _;
        let [a, b] = &self.0;
        LimitKey::Token((u128::from(a.hash_one(secret)) << 64) | u128::from(b.hash_one(secret)))
    }
}

/// What to count by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// The client IP.
    ClientIp,
    /// The presented write key, else the client IP.
    WriteKey,
    /// The session cookie, else the client IP.
    Session,
}

#[derive(Debug, Clone)]
pub struct Extractor {
    by: By,
    trusted: Arc<Vec<IpNet>>,
    tokens: TokenHasher,
}

/// The session cookie the session layer will use: with several of that name, the last one
/// (tower-cookies keeps the last), so a planted extra cookie cannot pick another bucket.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE_NAME).then_some(value)
        })
        .next_back()
        .filter(|value| !value.is_empty())
}

impl KeyExtractor for Extractor {
    type Key = LimitKey;

    fn extract<T>(&self, req: &Request<T>) -> Result<LimitKey, GovernorError> {
        let headers = req.headers();
        let by_token = match self.by {
            By::ClientIp => None,
            // Read once ahead of the limiter (`write_keys::PresentedKey::keep`).
            By::WriteKey => match req.extensions().get::<write_keys::PresentedKey>() {
                Some(write_keys::PresentedKey(key)) => key.as_deref().map(|k| self.tokens.token(k)),
                None => write_keys::presented(headers).map(|k| self.tokens.token(&k)),
            },
            By::Session => session_cookie(headers).map(|s| self.tokens.token(s)),
        };
        match by_token {
            Some(key) => Ok(key),
            None => Ok(LimitKey::Ip(client_ip(
                peer_ip(req).ok_or(GovernorError::UnableToExtractKey)?,
                headers,
                &self.trusted,
            ))),
        }
    }
}

fn rejected(e: GovernorError) -> Response<Body> {
    match e {
        // The governor rounds the wait down to whole seconds; a client that waits that long
        // would be refused again, so round up.
        GovernorError::TooManyRequests { wait_time, .. } => ApiError::TooManyRequests {
            retry_after_s: wait_time + 1,
        }
        .into_response(),
        GovernorError::UnableToExtractKey => {
            ApiError::Internal(anyhow::anyhow!("rate limit: no peer address")).into_response()
        }
        GovernorError::Other { code, msg, .. } => ApiError::Internal(anyhow::anyhow!(
            "rate limit: {code} {}",
            msg.unwrap_or_default()
        ))
        .into_response(),
    }
}

pub type Layer = GovernorLayer<Extractor, NoOpMiddleware, Body>;

/// A limit of `burst` requests at once, refilled at `per_minute`; `None` when
/// `per_minute` is 0 (no limit). Spawns a task that drops idle keys' state.
pub fn layer(by: By, per_minute: u64, burst: u32, trusted: &[IpNet]) -> Option<Layer> {
    if per_minute == 0 {
        return None;
    }
    let period = Duration::from_nanos((60_000_000_000 / per_minute).max(1));
    let extractor = Extractor {
        by,
        trusted: Arc::new(trusted.to_vec()),
        tokens: TokenHasher::new(),
    };
    let mut builder = GovernorConfigBuilder::default().key_extractor(extractor);
    builder.period(period).burst_size(burst.max(1));
    let config = Arc::new(builder.finish()?);
    let shared = config.limiter().clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            shared.retain_recent();
            // Only this task still holds the limiter: the layer (and its app) is gone.
            if Arc::strong_count(&shared) == 1 {
                break;
            }
        }
    });
    Some(GovernorLayer::new(config).error_handler(rejected))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().expect("net")];
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.9, 10.0.0.7"),
        );
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("203.0.113.9"));
        assert_eq!(
            client_ip(ip("198.51.100.1"), &h, &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), &HeaderMap::new(), &trusted),
            ip("10.0.0.2")
        );
        h.insert("x-forwarded-for", HeaderValue::from_static("garbage"));
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("10.0.0.2"));
    }

    #[test]
    fn one_secret_is_one_bucket_and_two_secrets_are_two() {
        let tokens = TokenHasher::new();
        assert_eq!(tokens.token("stwk_a"), tokens.token("stwk_a"));
        assert_ne!(tokens.token("stwk_a"), tokens.token("stwk_b"));
        // The key holds no trace of the secret's text.
        assert!(!format!("{:?}", tokens.token("stwk_secret")).contains("stwk"));
    }

    #[test]
    fn session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            "cookie",
            HeaderValue::from_static("a=1; shoptrail_session=abc; b=2"),
        );
        assert_eq!(session_cookie(&h), Some("abc"));
        // A duplicated cookie: the last one is the session the layer reads.
        h.insert(
            "cookie",
            HeaderValue::from_static("shoptrail_session=first; shoptrail_session=second"),
        );
        assert_eq!(session_cookie(&h), Some("second"));
        h.append(
            "cookie",
            HeaderValue::from_static("shoptrail_session=third"),
        );
        assert_eq!(session_cookie(&h), Some("third"));
    }
}
