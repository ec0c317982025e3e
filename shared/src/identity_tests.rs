use std::collections::HashMap;

use super::*;

fn link(from: &str, to: &str) -> IdentityLink {
    IdentityLink {
        from: from.into(),
        to: to.into(),
    }
}

fn known(pairs: &[(&str, &str)]) -> Links {
    Links::new(
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect::<HashMap<_, _>>(),
    )
}

#[test]
fn a_new_link_targets_the_canonical_id() {
    let links = known(&[("u-old", "u1")]);
    let (outcome, new) = links.decide(&link("a1", "u-old"));
    assert_eq!(outcome, LinkOutcome::Linked);
    assert_eq!(
        new,
        Some(NewLink {
            from: "a1".into(),
            to: "u1".into()
        })
    );
}

#[test]
fn the_first_link_of_an_id_wins() {
    let links = known(&[("a1", "u1")]);
    assert_eq!(
        links.decide(&link("a1", "u1")),
        (LinkOutcome::AlreadyLinked, None)
    );
    assert_eq!(
        links.decide(&link("a1", "u2")),
        (LinkOutcome::Conflict, None)
    );
}

#[test]
fn self_links_and_cycles_are_ignored() {
    let links = known(&[("u2", "u1")]);
    assert_eq!(
        links.decide(&link("u1", "u1")),
        (LinkOutcome::Ignored, None)
    );
    // u1 → u2 would close u2 → u1.
    assert_eq!(
        links.decide(&link("u1", "u2")),
        (LinkOutcome::Ignored, None)
    );
}

#[test]
fn recording_a_link_repoints_the_ids_linked_to_it() {
    let mut links = known(&[("a1", "u-old")]);
    let (_, new) = links.decide(&link("u-old", "u1"));
    links.record(&new.expect("linked"));
    assert_eq!(links.resolve("a1"), "u1");
    assert_eq!(links.resolve("u-old"), "u1");
    assert_eq!(links.resolve("u1"), "u1");
    assert_eq!(links.resolve("stranger"), "stranger");
}

#[test]
fn outcomes_have_metric_labels() {
    let labels: Vec<&str> = LinkOutcome::ALL.map(LinkOutcome::as_str).to_vec();
    assert_eq!(
        labels,
        ["linked", "already_linked", "conflict", "ignored", "refused"]
    );
}

#[test]
fn browser_keys_link_anonymous_ids_only_and_server_keys_link_any() {
    assert!(LinkRight::AnonymousOnly.permits(false));
    assert!(!LinkRight::AnonymousOnly.permits(true));
    assert!(LinkRight::Any.permits(false));
    assert!(LinkRight::Any.permits(true));
    assert_eq!(LinkRight::default(), LinkRight::Any);
}
