//! Device class, browser and operating system from a user agent (the `woothee` parser),
//! and whether it is a bot or crawler (`woothee`'s crawler category, or `isbot`'s
//! pattern list). [`AgentCache`] keeps what recent user agents said: a shop's traffic
//! comes from a few thousand distinct agents at most, and parsing one costs far more than
//! looking it up.

use std::collections::HashMap;
use std::sync::RwLock;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The class of device an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    Desktop,
    Mobile,
    Tablet,
    /// Game consoles, TVs and other appliances.
    Other,
}

impl Device {
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Desktop => "desktop",
            Device::Mobile => "mobile",
            Device::Tablet => "tablet",
            Device::Other => "other",
        }
    }
}

/// What a user agent says about the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agent {
    pub device: Option<Device>,
    pub browser: Option<String>,
    pub os: Option<String>,
    pub bot: bool,
}

/// Parses user agents; build once, share everywhere (the bot patterns compile to one
/// regular expression).
pub struct AgentParser {
    woothee: woothee::parser::Parser,
    bots: isbot::Bots,
}

impl std::fmt::Debug for AgentParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AgentParser")
    }
}

impl Default for AgentParser {
    fn default() -> Self {
        Self {
            woothee: woothee::parser::Parser::new(),
            bots: isbot::Bots::default(),
        }
    }
}

const UNKNOWN: &str = woothee::woothee::VALUE_UNKNOWN;

impl AgentParser {
    /// An empty user agent is not a bot: server-side libraries send none.
    pub fn parse(&self, ua: &str) -> Agent {
        let ua = ua.trim();
        if ua.is_empty() {
            return Agent::default();
        }
        let parsed = self.woothee.parse(ua);
        let bot = parsed.as_ref().is_some_and(|r| r.category == "crawler") || self.bots.is_bot(ua);
        let Some(r) = parsed else {
            return Agent {
                bot,
                ..Agent::default()
            };
        };
        let known = |v: &str| (v != UNKNOWN && !v.is_empty()).then(|| v.to_owned());
        let os = os_family(r.os).map(str::to_owned).or_else(|| known(r.os));
        let device = match r.category {
            "pc" => Some(Device::Desktop),
            // woothee files iPads and Android tablets under smartphones.
            "smartphone" if is_tablet(ua) => Some(Device::Tablet),
            "smartphone" | "mobilephone" => Some(Device::Mobile),
            "appliance" => Some(Device::Other),
            _ => None,
        };
        Agent {
            device: if bot { None } else { device },
            browser: if bot { None } else { known(r.name) },
            os: if bot { None } else { os },
            bot,
        }
    }
}

/// iPads, and Android devices that do not say `Mobile` (Google's guidance for tablets).
fn is_tablet(ua: &str) -> bool {
    ua.contains("iPad")
        || ua.contains("Tablet")
        || (ua.contains("Android") && !ua.contains("Mobile"))
}

/// Operating system families: versions and device names folded into one name each.
fn os_family(os: &str) -> Option<&'static str> {
    Some(match os {
        o if o.starts_with("Windows Phone") => "Windows Phone",
        o if o.starts_with("Windows") => "Windows",
        "Mac OSX" | "Mac OS Classic" => "macOS",
        "iPhone" | "iPod" | "iOS" => "iOS",
        "iPad" => "iPadOS",
        "Android" => "Android",
        "ChromeOS" => "ChromeOS",
        "Linux" => "Linux",
        _ => return None,
    })
}

/// Distinct user agents an [`AgentCache`] keeps; past it the cache starts over (memory stays
/// bounded under a stream of invented agents: at most this many keys of at most
/// [`MAX_CACHED_AGENT_BYTES`], about 2.5 MB).
pub const MAX_CACHED_AGENTS: usize = 4_096;
/// Longer user agents are parsed every time, never kept.
pub const MAX_CACHED_AGENT_BYTES: usize = 512;

/// An [`AgentParser`] that remembers what each user agent said (bounded, see
/// [`MAX_CACHED_AGENTS`]). The answer is the parser's own: parsing is a pure function of
/// the string.
#[derive(Debug, Default)]
pub struct AgentCache {
    parser: AgentParser,
    seen: RwLock<HashMap<Box<str>, Agent>>,
}

impl AgentCache {
    /// What [`AgentParser::parse`] says of `ua`, from the cache when seen recently.
    pub fn parse(&self, ua: &str) -> Agent {
        if ua.len() > MAX_CACHED_AGENT_BYTES {
            return self.parser.parse(ua);
        }
        if let Ok(seen) = self.seen.read()
            && let Some(agent) = seen.get(ua)
        {
            return agent.clone();
        }
        let agent = self.parser.parse(ua);
        if let Ok(mut seen) = self.seen.write() {
            if seen.len() >= MAX_CACHED_AGENTS {
                seen.clear();
            }
            seen.insert(ua.into(), agent.clone());
        }
        agent
    }

    /// User agents kept now.
    pub fn len(&self) -> usize {
        self.seen.read().map_or(0, |seen| seen.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
