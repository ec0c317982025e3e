//! What the server derives from each event when it arrives, stored with the event as
//! [`Derived`]: the page path, the referrer's domain, source / medium / campaign and the
//! marketing [`Channel`], device class, browser and OS, country, and whether a bot sent
//! it. Every field is documented in `docs/events.md`; reports group and filter by them.
//!
//! Inputs, in the order they are trusted:
//! - campaign: `context.campaign` (`source`, `medium`, `name`, `content`, `term`, as
//!   Segment's and our tracker send it), else the `utm_*` parameters of the page URL,
//!   else an ad click id in the page URL (`gclid`, `gbraid`, `wbraid`, `dclid` → google /
//!   cpc; `msclkid` → bing / cpc), else the referrer (a search engine → organic, any other
//!   site → referral), else `(direct)` / `(none)`;
//! - page URL, path and referrer: `context.page`, else the event's `properties` (`page`
//!   calls of Segment's libraries carry them there);
//! - user agent: `context.userAgent`;
//! - country: a header set by a trusted proxy (CloudFront's `CloudFront-Viewer-Country`),
//!   passed in by the API.

pub mod agent;
pub mod channel;
pub mod geoip;

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use url::Url;
use utoipa::ToSchema;

pub use agent::{Agent, AgentCache, AgentParser, Device};
pub use channel::{Channel, RULES_VERSION, Sites, Touch};

use crate::event::Event;

/// Longest derived text value kept, in bytes (campaign names, paths, domains).
const MAX_VALUE_BYTES: usize = 512;

/// What the server derived from one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Derived {
    /// The marketing channel of the event's source and medium.
    pub channel: Channel,
    /// `utm_source`, the referrer's domain, or `(direct)`.
    pub source: String,
    /// `utm_medium`, `organic` / `referral` for a referrer, `cpc` for an ad click id, or
    /// `(none)`.
    pub medium: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    /// The referrer's host without `www.`, when it is another site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer_domain: Option<String>,
    /// The page's path (no query string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// ISO 3166-1 alpha-2 country code, upper case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Sent by a bot or crawler: kept, but left out of every report and counted apart.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bot: bool,
    /// The channel rule table this was classified with ([`RULES_VERSION`]).
    pub rules: u16,
}

/// Where a request came from, as the API saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The country a trusted proxy reported, if any.
    pub country: Option<String>,
    /// The country of the request's client address in the operator's GeoIP database
    /// (`ingest.geoip_database`), used when no proxy reported one.
    pub address_country: Option<String>,
}

impl Origin {
    /// A country header's value, kept only when it is a two-letter code (CloudFront sends
    /// `XX` when it does not know and `T1` for Tor exits; neither is a country).
    pub fn with_country(header: Option<&str>) -> Self {
        let country = header
            .map(str::trim)
            .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(str::to_ascii_uppercase)
            .filter(|c| c != "XX" && c != "ZZ");
        Self {
            country,
            address_country: None,
        }
    }

    /// What the request's sender may speak for: a server key's requests come from the
    /// shop's back end, whose own address says nothing of the visitor, so the country of
    /// the address is dropped for them (a proxy's header is kept).
    pub fn for_key(mut self, kind: crate::storage::WriteKeyKind) -> Self {
        if kind == crate::storage::WriteKeyKind::Server {
            self.address_country = None;
        }
        self
    }

    /// The visitor's country: the trusted proxy's, else the address's.
    pub fn visitor_country(&self) -> Option<&String> {
        self.country.as_ref().or(self.address_country.as_ref())
    }
}

/// Derives [`Derived`] for events. Build once (it compiles the bot patterns and parses
/// the site lists) and share: [`shared`] is the process's one, whose user-agent cache
/// serves every request.
#[derive(Debug, Default)]
pub struct Enricher {
    sites: Sites,
    agents: AgentCache,
}

/// The process's enricher, built on first use (the rules and lists are compiled in).
pub fn shared() -> &'static Enricher {
    static ENRICHER: LazyLock<Enricher> = LazyLock::new(Enricher::default);
    &ENRICHER
}

/// The last user agent parsed and what it said: the events of one request nearly always
/// share theirs, so each request parses it once.
#[derive(Debug, Default)]
pub struct AgentMemo(Option<(String, Agent)>);

impl Enricher {
    /// Derives every event of one request.
    pub fn derive_all<'a>(&self, events: impl IntoIterator<Item = &'a mut Event>, origin: &Origin) {
        let mut memo = AgentMemo::default();
        for event in events {
            event.derived = Some(self.derive_remembering(event, origin, &mut memo));
        }
    }

    /// Derives one event.
    pub fn derive(&self, event: &Event, origin: &Origin) -> Derived {
        self.derive_remembering(event, origin, &mut AgentMemo::default())
    }

    /// Derives one event, reusing the memo's agent when the user agent is the same.
    pub fn derive_remembering(
        &self,
        event: &Event,
        origin: &Origin,
        memo: &mut AgentMemo,
    ) -> Derived {
        let ua = str_at(&event.context, &["userAgent"]).unwrap_or_default();
        let agent = match &memo.0 {
            Some((last, agent)) if last == ua => agent.clone(),
            _ => {
                let agent = self.agents.parse(ua);
                memo.0 = Some((ua.to_owned(), agent.clone()));
                agent
            }
        };
        self.derive_with(event, agent, origin)
    }

    /// User agents this enricher remembers now ([`AgentCache`]).
    pub fn agents_cached(&self) -> usize {
        self.agents.len()
    }

    fn derive_with(&self, event: &Event, agent: Agent, origin: &Origin) -> Derived {
        let page_url = page_field(event, "url").and_then(|u| Url::parse(u).ok());
        let page = page_field(event, "path")
            .map(|p| p.split(['?', '#']).next().unwrap_or_default().to_owned())
            .filter(|p| !p.is_empty())
            .or_else(|| page_url.as_ref().map(|u| u.path().to_owned()));
        let page_host = page_url
            .as_ref()
            .and_then(|u| u.host_str())
            .map(str::to_ascii_lowercase);
        let referrer_domain = page_field(event, "referrer")
            .and_then(|r| Url::parse(r).ok())
            .and_then(|r| r.host_str().map(str::to_ascii_lowercase))
            .filter(|host| !same_site(host, page_host.as_deref()))
            .map(|host| host.strip_prefix("www.").unwrap_or(&host).to_owned());

        let tags = Tags::of(event, page_url.as_ref());
        let (source, medium) = match (&tags.source, &tags.medium) {
            (Some(s), m) => (s.clone(), m.clone().unwrap_or_else(|| "(not set)".into())),
            (None, Some(m)) => ("(not set)".into(), m.clone()),
            (None, None) => match (&tags.click, &referrer_domain) {
                (Some((s, m)), _) => ((*s).to_owned(), (*m).to_owned()),
                (None, Some(domain)) => {
                    let medium = if self.sites.is_search_engine(domain) {
                        "organic"
                    } else {
                        "referral"
                    };
                    (domain.clone(), medium.to_owned())
                }
                (None, None) => ("(direct)".into(), "(none)".into()),
            },
        };
        let channel = self.sites.classify(Touch {
            source: &source,
            medium: &medium,
            campaign: tags.campaign.as_deref().unwrap_or_default(),
        });
        Derived {
            channel,
            source,
            medium,
            campaign: tags.campaign_display,
            content: tags.content,
            term: tags.term,
            referrer_domain: referrer_domain.map(clip),
            page: page.map(clip),
            device: agent.device,
            browser: agent.browser,
            os: agent.os,
            country: origin.visitor_country().cloned(),
            bot: agent.bot,
            rules: RULES_VERSION,
        }
    }
}

/// Campaign tags of one event. `source`, `medium` and `campaign` are lower-cased for the
/// rules (reports group case-insensitively); `campaign_display` keeps the sender's case.
#[derive(Debug, Default)]
struct Tags {
    source: Option<String>,
    medium: Option<String>,
    campaign: Option<String>,
    campaign_display: Option<String>,
    content: Option<String>,
    term: Option<String>,
    click: Option<(&'static str, &'static str)>,
}

impl Tags {
    fn of(event: &Event, page_url: Option<&Url>) -> Self {
        let from_context =
            |key: &str| str_at(&event.context, &["campaign", key]).map(str::to_owned);
        let query: HashMap<String, String> = page_url
            .map(|u| {
                u.query_pairs()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let has_context = field(&event.context, "campaign").is_some_and(Value::is_object);
        // The context's key, then the URL parameter's.
        let tag = |key: &str, param: &str| {
            let v = if has_context {
                from_context(key)
            } else {
                query.get(param).cloned()
            };
            v.map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(clip)
        };
        let campaign_display = tag("name", "utm_campaign");
        let click = ["gclid", "gbraid", "wbraid", "dclid"]
            .iter()
            .any(|k| query.contains_key(*k))
            .then_some(("google", "cpc"))
            .or_else(|| query.contains_key("msclkid").then_some(("bing", "cpc")));
        Tags {
            source: tag("source", "utm_source").map(|s| s.to_lowercase()),
            medium: tag("medium", "utm_medium").map(|s| s.to_lowercase()),
            campaign: campaign_display.as_ref().map(|c| c.to_lowercase()),
            campaign_display,
            content: tag("content", "utm_content"),
            term: tag("term", "utm_term"),
            click,
        }
    }
}

/// Two hosts of one site (same registrable domain): a click from the shop's blog to its
/// store is not a referral.
fn same_site(host: &str, page_host: Option<&str>) -> bool {
    let Some(page_host) = page_host else {
        return false;
    };
    host == page_host
        || matches!(
            (channel::registrable_domain(host), channel::registrable_domain(page_host)),
            (Some(a), Some(b)) if a == b
        )
}

/// A page field from `context.page`, else from the event's properties.
fn page_field<'a>(event: &'a Event, key: &str) -> Option<&'a str> {
    str_at(&event.context, &["page", key])
        .or_else(|| str_at(&event.properties, &[key]))
        .filter(|v| !v.is_empty())
}

fn str_at<'a>(map: &'a Map<String, Value>, path: &[&str]) -> Option<&'a str> {
    let (last, parents) = path.split_last()?;
    let mut map = map;
    for key in parents {
        map = field(map, key)?.as_object()?;
    }
    field(map, last)?.as_str()
}

/// Objects up to this many keys are searched key by key: cheaper than hashing the key
/// (the map hashes with SipHash), and an event's `context` and `properties` are small.
const SCAN_KEYS: usize = 16;

/// `map.get(key)`, by a scan for small objects (keys are unique, so the answer is the same).
fn field<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if map.len() <= SCAN_KEYS {
        map.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        map.get(key)
    }
}

fn clip(mut s: String) -> String {
    if s.len() > MAX_VALUE_BYTES {
        let mut end = MAX_VALUE_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

#[cfg(test)]
mod tests;
