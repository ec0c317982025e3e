use chrono::{TimeZone, Utc};
use serde_json::{Map, Value, json};

use super::*;
use crate::event::{Event, EventType};

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const IPAD: &str = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1";
const WINDOWS_CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const ANDROID_PHONE: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";
const ANDROID_TABLET: &str = "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const MAC_FIREFOX: &str =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0";
const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const AHREFS: &str = "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)";
const HEADLESS: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36";

fn event(context: Value, properties: Value) -> Event {
    let obj = |v: Value| -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    };
    let at = Utc
        .with_ymd_and_hms(2026, 5, 1, 12, 0, 0)
        .single()
        .expect("valid in this test");
    Event {
        event_id: "e1".into(),
        user_id: None,
        anonymous_id: Some("a1".into()),
        session_id: None,
        event_type: EventType::parse("page_view").expect("valid in this test"),
        properties: obj(properties),
        context: obj(context),
        traits: None,
        occurred_at: at,
        sent_at: None,
        received_at: at,
        timestamp_clamped: false,
        source: None,
        derived: None,
    }
}

fn page(url: &str, referrer: &str) -> Event {
    event(
        json!({"page": {"url": url, "referrer": referrer}}),
        json!({}),
    )
}

fn derive(e: &Event) -> Derived {
    Enricher::default().derive(e, &Origin::default())
}

#[test]
fn a_search_engine_referrer_without_tags_is_organic_search() {
    let d = derive(&page(
        "https://shop.example/shoes?x=1",
        "https://www.google.com/",
    ));
    assert_eq!(d.channel, Channel::OrganicSearch);
    assert_eq!(
        (d.source.as_str(), d.medium.as_str()),
        ("google.com", "organic")
    );
    assert_eq!(d.referrer_domain.as_deref(), Some("google.com"));
    assert_eq!(d.page.as_deref(), Some("/shoes"));
    assert_eq!(d.rules, RULES_VERSION);
    // Country search domains and other engines too.
    for r in [
        "https://www.google.co.uk/search?q=x",
        "https://duckduckgo.com/",
        "https://www.bing.com/search",
    ] {
        assert_eq!(
            derive(&page("https://shop.example/", r)).channel,
            Channel::OrganicSearch,
            "{r}"
        );
    }
}

#[test]
fn utm_tags_of_the_landing_url_win_over_the_referrer() {
    let d = derive(&page(
        "https://shop.example/?utm_source=Google&utm_medium=CPC&utm_campaign=Spring%20Sale&utm_term=boots&utm_content=ad-2",
        "https://www.google.com/",
    ));
    assert_eq!(d.channel, Channel::PaidSearch);
    assert_eq!((d.source.as_str(), d.medium.as_str()), ("google", "cpc"));
    // The campaign keeps the sender's case for display; source and medium group lower-case.
    assert_eq!(d.campaign.as_deref(), Some("Spring Sale"));
    assert_eq!(d.term.as_deref(), Some("boots"));
    assert_eq!(d.content.as_deref(), Some("ad-2"));
}

#[test]
fn context_campaign_wins_over_the_url() {
    let e = event(
        json!({
            "campaign": {"source": "newsletter", "medium": "email", "name": "May"},
            "page": {"url": "https://shop.example/?utm_source=other&utm_medium=cpc"}
        }),
        json!({}),
    );
    let d = derive(&e);
    assert_eq!(d.channel, Channel::Email);
    assert_eq!(d.campaign.as_deref(), Some("May"));
}

#[test]
fn no_referrer_and_no_tags_is_direct() {
    let d = derive(&event(json!({}), json!({})));
    assert_eq!(d.channel, Channel::Direct);
    assert_eq!(
        (d.source.as_str(), d.medium.as_str()),
        ("(direct)", "(none)")
    );
    assert_eq!(d.page, None);
}

#[test]
fn a_referrer_of_the_same_site_is_not_a_referral() {
    for r in [
        "https://shop.example/cart",
        "https://www.shop.example/",
        "https://blog.shop.example/post",
    ] {
        let d = derive(&page("https://shop.example/checkout", r));
        assert_eq!(d.channel, Channel::Direct, "{r}");
        assert_eq!(d.referrer_domain, None, "{r}");
    }
}

#[test]
fn social_and_other_sites_and_click_ids() {
    let d = derive(&page("https://shop.example/", "https://l.facebook.com/"));
    assert_eq!(d.channel, Channel::OrganicSocial);
    assert_eq!(
        (d.source.as_str(), d.medium.as_str()),
        ("l.facebook.com", "referral")
    );
    assert_eq!(
        derive(&page("https://shop.example/", "https://t.co/abc")).channel,
        Channel::OrganicSocial
    );
    assert_eq!(
        derive(&page(
            "https://shop.example/",
            "https://www.youtube.com/watch"
        ))
        .channel,
        Channel::OrganicVideo
    );
    let blog = derive(&page(
        "https://shop.example/",
        "https://www.someblog.net/review",
    ));
    assert_eq!(blog.channel, Channel::Referral);
    assert_eq!(blog.referrer_domain.as_deref(), Some("someblog.net"));
    let ad = derive(&page(
        "https://shop.example/?gclid=abc",
        "https://www.google.com/",
    ));
    assert_eq!(ad.channel, Channel::PaidSearch);
    assert_eq!((ad.source.as_str(), ad.medium.as_str()), ("google", "cpc"));
    let bing = derive(&page("https://shop.example/?msclkid=abc", ""));
    assert_eq!(bing.channel, Channel::PaidSearch);
}

#[test]
fn page_fields_come_from_properties_when_the_context_has_none() {
    // Segment's `page` calls put url, path and referrer in the properties.
    let e = event(
        json!({}),
        json!({"url": "https://shop.example/p/1?utm_source=facebook&utm_medium=paid_social", "path": "/p/1", "referrer": ""}),
    );
    let d = derive(&e);
    assert_eq!(d.page.as_deref(), Some("/p/1"));
    assert_eq!(d.channel, Channel::PaidSocial);
}

#[test]
fn the_rule_table_in_order() {
    let sites = Sites::default();
    let c = |source: &str, medium: &str, campaign: &str| {
        sites.classify(Touch {
            source,
            medium,
            campaign,
        })
    };
    assert_eq!(c("(direct)", "(none)", ""), Channel::Direct);
    assert_eq!(
        c("google", "cpc", "brand cross-network"),
        Channel::CrossNetwork
    );
    assert_eq!(c("google", "cpc", "summer shopping"), Channel::PaidShopping);
    assert_eq!(c("amazon", "ppc", ""), Channel::PaidShopping);
    assert_eq!(c("bing", "paidsearch", ""), Channel::PaidSearch);
    assert_eq!(c("instagram", "cpc", ""), Channel::PaidSocial);
    assert_eq!(c("youtube", "cpv", ""), Channel::PaidVideo);
    assert_eq!(c("dv360", "display", ""), Channel::Display);
    assert_eq!(c("partner", "cpm", ""), Channel::Display);
    assert_eq!(c("partner", "cpc", ""), Channel::PaidOther);
    assert_eq!(c("partner", "referral", "eshop"), Channel::OrganicShopping);
    assert_eq!(c("partner", "referral", "workshop"), Channel::Referral);
    assert_eq!(c("mastodon", "social", ""), Channel::OrganicSocial);
    assert_eq!(c("partner", "video", ""), Channel::OrganicVideo);
    assert_eq!(c("partner", "organic", ""), Channel::OrganicSearch);
    assert_eq!(c("newsletter", "email", ""), Channel::Email);
    assert_eq!(c("e-mail", "(not set)", ""), Channel::Email);
    assert_eq!(c("awin", "affiliate", ""), Channel::Affiliates);
    assert_eq!(c("spotify", "audio", ""), Channel::Audio);
    assert_eq!(c("sms", "(not set)", ""), Channel::Sms);
    assert_eq!(c("app", "push", ""), Channel::MobilePush);
    assert_eq!(c("partner", "(not set)", ""), Channel::Unassigned);
    for ch in Channel::ALL {
        assert_eq!(Channel::from_name(&ch.as_str().to_lowercase()), Some(ch));
        let json = serde_json::to_value(ch).expect("valid in this test");
        assert_eq!(json, Value::String(ch.as_str().to_owned()));
    }
}

#[test]
fn user_agents_give_device_browser_and_os() {
    let p = AgentParser::default();
    let a = p.parse(IPHONE);
    assert_eq!(
        (a.device, a.browser.as_deref(), a.os.as_deref(), a.bot),
        (Some(Device::Mobile), Some("Safari"), Some("iOS"), false)
    );
    let a = p.parse(IPAD);
    assert_eq!(
        (a.device, a.os.as_deref()),
        (Some(Device::Tablet), Some("iPadOS"))
    );
    let a = p.parse(WINDOWS_CHROME);
    assert_eq!(
        (a.device, a.browser.as_deref(), a.os.as_deref()),
        (Some(Device::Desktop), Some("Chrome"), Some("Windows"))
    );
    let a = p.parse(ANDROID_PHONE);
    assert_eq!(
        (a.device, a.os.as_deref()),
        (Some(Device::Mobile), Some("Android"))
    );
    assert_eq!(p.parse(ANDROID_TABLET).device, Some(Device::Tablet));
    let a = p.parse(MAC_FIREFOX);
    assert_eq!(
        (a.device, a.browser.as_deref(), a.os.as_deref()),
        (Some(Device::Desktop), Some("Firefox"), Some("macOS"))
    );
}

#[test]
fn bots_are_flagged_and_get_no_device() {
    let p = AgentParser::default();
    for ua in [
        GOOGLEBOT,
        AHREFS,
        HEADLESS,
        "curl/8.5.0",
        "python-requests/2.32.3",
    ] {
        let a = p.parse(ua);
        assert!(a.bot, "{ua}");
        assert_eq!(a.device, None, "{ua}");
    }
    // Server-side libraries send no user agent: that is not a bot.
    assert_eq!(p.parse(""), Agent::default());
    assert!(!p.parse(IPHONE).bot);
}

#[test]
fn the_country_header_is_kept_only_when_it_names_a_country() {
    assert_eq!(
        Origin::with_country(Some("es")).country.as_deref(),
        Some("ES")
    );
    for bad in [Some("XX"), Some("T1x"), Some("1"), Some(""), None] {
        assert_eq!(Origin::with_country(bad).country, None, "{bad:?}");
    }
    let e = event(json!({"userAgent": IPHONE}), json!({}));
    let d = Enricher::default().derive(&e, &Origin::with_country(Some("ES")));
    assert_eq!(d.country.as_deref(), Some("ES"));
    assert_eq!(d.device, Some(Device::Mobile));
}

#[test]
fn derive_all_fills_every_event_and_round_trips_as_json() {
    let mut events = [
        event(json!({"userAgent": IPHONE}), json!({})),
        event(
            json!({"userAgent": IPHONE, "page": {"url": "https://shop.example/?utm_source=x&utm_medium=affiliate"}}),
            json!({}),
        ),
        event(json!({"userAgent": GOOGLEBOT}), json!({})),
    ];
    Enricher::default().derive_all(events.iter_mut(), &Origin::default());
    let d: Vec<&Derived> = events
        .iter()
        .map(|e| e.derived.as_ref().expect("valid in this test"))
        .collect();
    assert_eq!(d[0].device, Some(Device::Mobile));
    assert_eq!(d[1].channel, Channel::Affiliates);
    assert!(d[2].bot);
    let json = serde_json::to_value(&events[2]).expect("valid in this test");
    assert_eq!(json["derived"]["bot"], json!(true));
    assert_eq!(json["derived"]["channel"], json!("Direct"));
    let back: Event = serde_json::from_value(json).expect("valid in this test");
    assert_eq!(back, events[2]);
}

#[test]
fn long_values_are_clipped_on_a_character_boundary() {
    let name = "é".repeat(400);
    let e = event(
        json!({"campaign": {"source": "x", "medium": "email", "name": name}}),
        json!({}),
    );
    let d = derive(&e);
    let kept = d.campaign.expect("valid in this test");
    assert!(kept.len() <= 512 && kept.chars().all(|c| c == 'é'));
}

#[test]
fn the_address_country_counts_only_when_no_proxy_header_gave_one_and_not_for_server_keys() {
    use crate::storage::WriteKeyKind;
    let e = event(json!({}), json!({}));
    let by_address = Origin {
        country: None,
        address_country: Some("GB".into()),
    };
    let d = Enricher::default().derive(&e, &by_address);
    assert_eq!(d.country.as_deref(), Some("GB"));
    let both = Origin {
        country: Some("ES".into()),
        address_country: Some("GB".into()),
    };
    assert_eq!(
        Enricher::default().derive(&e, &both).country.as_deref(),
        Some("ES")
    );
    let server = by_address.clone().for_key(WriteKeyKind::Server);
    assert_eq!(Enricher::default().derive(&e, &server).country, None);
    let browser = by_address.for_key(WriteKeyKind::Browser);
    assert_eq!(browser.visitor_country().map(String::as_str), Some("GB"));
}

#[test]
fn the_agent_cache_answers_as_the_parser_and_stays_bounded() {
    let parser = AgentParser::default();
    let cache = AgentCache::default();
    for ua in [
        IPHONE,
        IPAD,
        WINDOWS_CHROME,
        ANDROID_PHONE,
        ANDROID_TABLET,
        MAC_FIREFOX,
        GOOGLEBOT,
        AHREFS,
        HEADLESS,
        "",
        "  ",
        "wrk",
    ] {
        assert_eq!(cache.parse(ua), parser.parse(ua), "first: {ua}");
        assert_eq!(cache.parse(ua), parser.parse(ua), "cached: {ua}");
    }
    assert_eq!(cache.len(), 12);
    let long = format!("{IPHONE}{}", " x".repeat(agent::MAX_CACHED_AGENT_BYTES));
    assert_eq!(cache.parse(&long), parser.parse(&long));
    assert_eq!(cache.len(), 12, "a user agent that long is not kept");
    for i in 0..agent::MAX_CACHED_AGENTS + 10 {
        cache.parse(&format!("{WINDOWS_CHROME} build/{i}"));
        assert!(cache.len() <= agent::MAX_CACHED_AGENTS);
    }
    assert_eq!(cache.parse(IPAD), parser.parse(IPAD));
}

#[test]
fn fields_of_large_objects_are_found_too() {
    let mut properties = serde_json::Map::new();
    for i in 0..40 {
        properties.insert(format!("k{i}"), json!(i));
    }
    properties.insert("path".into(), json!("/far/down"));
    let e = event(json!({}), Value::Object(properties));
    assert_eq!(derive(&e).page.as_deref(), Some("/far/down"));
}
