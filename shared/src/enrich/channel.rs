//! Where a visit came from: source and medium from UTM tags, ad click ids or the referrer,
//! and the marketing channel they fall in, by a rule table in the manner of GA4's default
//! channel group. The table is versioned ([`RULES_VERSION`]); each event stores the
//! version it was classified with, so a later table never silently rewrites history.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The version of the channel rules and site lists. Bump it whenever a rule or a list
/// changes meaning, and say what changed in `docs/events.md`.
pub const RULES_VERSION: u16 = 1;

/// The marketing channel of an event, GA4's default channel group names. Rules are tried
/// in the order listed here; the first that matches wins.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub enum Channel {
    Direct,
    #[serde(rename = "Cross-network")]
    CrossNetwork,
    #[serde(rename = "Paid Shopping")]
    PaidShopping,
    #[serde(rename = "Paid Search")]
    PaidSearch,
    #[serde(rename = "Paid Social")]
    PaidSocial,
    #[serde(rename = "Paid Video")]
    PaidVideo,
    Display,
    #[serde(rename = "Paid Other")]
    PaidOther,
    #[serde(rename = "Organic Shopping")]
    OrganicShopping,
    #[serde(rename = "Organic Social")]
    OrganicSocial,
    #[serde(rename = "Organic Video")]
    OrganicVideo,
    #[serde(rename = "Organic Search")]
    OrganicSearch,
    Referral,
    Email,
    Affiliates,
    Audio,
    #[serde(rename = "SMS")]
    Sms,
    #[serde(rename = "Mobile Push Notifications")]
    MobilePush,
    Unassigned,
}

impl Channel {
    /// Every channel, in rule order.
    pub const ALL: [Channel; 19] = [
        Channel::Direct,
        Channel::CrossNetwork,
        Channel::PaidShopping,
        Channel::PaidSearch,
        Channel::PaidSocial,
        Channel::PaidVideo,
        Channel::Display,
        Channel::PaidOther,
        Channel::OrganicShopping,
        Channel::OrganicSocial,
        Channel::OrganicVideo,
        Channel::OrganicSearch,
        Channel::Referral,
        Channel::Email,
        Channel::Affiliates,
        Channel::Audio,
        Channel::Sms,
        Channel::MobilePush,
        Channel::Unassigned,
    ];

    /// The name reports show and filters take (`channel:Organic Search`).
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Direct => "Direct",
            Channel::CrossNetwork => "Cross-network",
            Channel::PaidShopping => "Paid Shopping",
            Channel::PaidSearch => "Paid Search",
            Channel::PaidSocial => "Paid Social",
            Channel::PaidVideo => "Paid Video",
            Channel::Display => "Display",
            Channel::PaidOther => "Paid Other",
            Channel::OrganicShopping => "Organic Shopping",
            Channel::OrganicSocial => "Organic Social",
            Channel::OrganicVideo => "Organic Video",
            Channel::OrganicSearch => "Organic Search",
            Channel::Referral => "Referral",
            Channel::Email => "Email",
            Channel::Affiliates => "Affiliates",
            Channel::Audio => "Audio",
            Channel::Sms => "SMS",
            Channel::MobilePush => "Mobile Push Notifications",
            Channel::Unassigned => "Unassigned",
        }
    }

    /// The channel named `name` (as [`Channel::as_str`] writes it, any case).
    pub fn from_name(name: &str) -> Option<Channel> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(name))
    }
}

/// One list of sites: a line is a site name (the label left of the public suffix, so
/// `google` matches `google.com`, `www.google.co.uk` and `utm_source=google`) or a
/// domain (`t.co`, `search.brave.com`), matched with its subdomains. `#` starts a comment.
#[derive(Debug, Default)]
pub struct SiteList {
    names: Vec<String>,
    domains: Vec<String>,
}

impl SiteList {
    pub fn parse(text: &str) -> Self {
        let mut list = SiteList::default();
        for line in text.lines() {
            let entry = line.split('#').next().unwrap_or_default().trim();
            if entry.is_empty() {
                continue;
            }
            let entry = entry.to_ascii_lowercase();
            if entry.contains('.') {
                list.domains.push(entry);
            } else {
                list.names.push(entry);
            }
        }
        list
    }

    /// Whether `source` (a tag such as `google`, or a host) is on the list.
    pub fn contains(&self, source: &Source<'_>) -> bool {
        match source {
            Source::Tag(tag) => {
                self.names.iter().any(|n| n == tag) || self.domains.iter().any(|d| d == tag)
            }
            Source::Host { host, name } => {
                name.is_some_and(|name| self.names.iter().any(|n| n == name))
                    || self.domains.iter().any(|d| {
                        host.strip_suffix(d.as_str())
                            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
                    })
            }
        }
    }
}

/// A source as the lists see it.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A free-form tag such as `utm_source=newsletter` (lower case).
    Tag(&'a str),
    /// A host name (lower case) and its site name (the label left of the public suffix).
    Host {
        host: &'a str,
        name: Option<&'a str>,
    },
}

impl<'a> Source<'a> {
    /// Reads a lower-case source: a value with a dot is a host.
    pub fn of(value: &'a str) -> Self {
        if value.contains('.') && !value.contains(' ') {
            Source::Host {
                host: value,
                name: site_name(value),
            }
        } else {
            Source::Tag(value)
        }
    }
}

/// The label left of the public suffix: `google` for `www.google.co.uk`.
pub fn site_name(host: &str) -> Option<&str> {
    let domain = registrable_domain(host)?;
    domain.split('.').next()
}

/// The registrable domain of a host (`google.co.uk` for `www.google.co.uk`), by the
/// public suffix list; `None` for an IP address or a bare suffix.
pub fn registrable_domain(host: &str) -> Option<&str> {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    psl::domain_str(host)
}

/// The site lists the rules use.
#[derive(Debug)]
pub struct Sites {
    pub search: SiteList,
    pub social: SiteList,
    pub video: SiteList,
    pub shopping: SiteList,
}

impl Default for Sites {
    /// The lists shipped with this version of the rules (`shared/src/enrich/lists/`).
    fn default() -> Self {
        Sites {
            search: SiteList::parse(include_str!("lists/search.txt")),
            social: SiteList::parse(include_str!("lists/social.txt")),
            video: SiteList::parse(include_str!("lists/video.txt")),
            shopping: SiteList::parse(include_str!("lists/shopping.txt")),
        }
    }
}

/// The source, medium and campaign of one event, lower-cased.
#[derive(Debug, Clone, Copy)]
pub struct Touch<'a> {
    pub source: &'a str,
    pub medium: &'a str,
    pub campaign: &'a str,
}

impl Sites {
    /// The channel of a touch, by the first rule that matches (rule table version 1; the
    /// table is written out in `docs/events.md`).
    pub fn classify(&self, touch: Touch<'_>) -> Channel {
        let Touch {
            source,
            medium,
            campaign,
        } = touch;
        // The first rule needs none of the lookups below.
        if source == "(direct)" && matches!(medium, "(none)" | "(not set)" | "") {
            return Channel::Direct;
        }
        let src = Source::of(source);
        let paid = is_paid(medium);
        let shopping = self.shopping.contains(&src) || is_shopping_campaign(campaign);
        let email = |v: &str| matches!(v, "email" | "e-mail" | "e_mail" | "e mail");

        if campaign.contains("cross-network") {
            Channel::CrossNetwork
        } else if shopping && paid {
            Channel::PaidShopping
        } else if self.search.contains(&src) && paid {
            Channel::PaidSearch
        } else if self.social.contains(&src) && paid {
            Channel::PaidSocial
        } else if self.video.contains(&src) && paid {
            Channel::PaidVideo
        } else if matches!(
            medium,
            "display" | "banner" | "expandable" | "interstitial" | "cpm"
        ) {
            Channel::Display
        } else if paid {
            Channel::PaidOther
        } else if shopping {
            Channel::OrganicShopping
        } else if self.social.contains(&src)
            || matches!(
                medium,
                "social"
                    | "social-network"
                    | "social-media"
                    | "sm"
                    | "social network"
                    | "social media"
            )
        {
            Channel::OrganicSocial
        } else if self.video.contains(&src) || medium.contains("video") {
            Channel::OrganicVideo
        } else if self.search.contains(&src) || medium == "organic" {
            Channel::OrganicSearch
        } else if matches!(medium, "referral" | "app" | "link") {
            Channel::Referral
        } else if email(source) || email(medium) {
            Channel::Email
        } else if medium == "affiliate" {
            Channel::Affiliates
        } else if medium == "audio" {
            Channel::Audio
        } else if source == "sms" || medium == "sms" {
            Channel::Sms
        } else if medium.ends_with("push")
            || medium.contains("mobile")
            || medium.contains("notification")
            || source == "firebase"
        {
            Channel::MobilePush
        } else {
            Channel::Unassigned
        }
    }

    /// Whether a host is a search engine (a referral from one is `organic`).
    pub fn is_search_engine(&self, host: &str) -> bool {
        self.search.contains(&Source::of(host))
    }
}

/// GA4's paid medium pattern `^(.*cp.*|ppc|retargeting|paid.*)$`.
fn is_paid(medium: &str) -> bool {
    medium.contains("cp")
        || medium == "ppc"
        || medium == "retargeting"
        || medium.starts_with("paid")
}

/// GA4's shopping campaign pattern `^(.*(([^a-df-z]|^)shop|shopping).*)$`: "shopping"
/// anywhere, or "shop" at the start or after anything but a letter other than `e`.
fn is_shopping_campaign(campaign: &str) -> bool {
    if campaign.contains("shopping") {
        return true;
    }
    campaign.match_indices("shop").any(|(i, _)| {
        campaign[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_ascii_lowercase() && c != 'e'))
    })
}
