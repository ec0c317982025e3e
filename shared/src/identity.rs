//! Identity merge: linking an earlier id (an anonymous id, or a user id given up by an
//! `alias`) to the user id it became. The decision is made here, once for every engine.
//!
//! Links form a table `from → to` whose targets are always canonical (never linked
//! themselves), so chains stay one hop: linking `b → c` repoints every `a → b` to `a → c`.
//! The first link of an id wins; a later link of it to another person is refused
//! (`Conflict`) and changes nothing. A link from an id to itself, or one that would close a
//! cycle, is `Ignored`.
//!
//! A new link moves the earlier id's events to the person, folds its profile into the
//! person's ([`crate::profile::Profile::merge`]) and makes its active-day rows the person's
//! (a day both were active on counts once). Events that arrive later under the earlier id
//! alone are written to the person directly (resolved at write time).
//!
//! Who may link what: a link sent with a public (browser) write key may only link an id
//! that was never identified ([`LinkRight::AnonymousOnly`]); merging a user id into another
//! takes a server key. Otherwise anyone reading a shop's page could move a customer's
//! profile and email to an id of their choosing with one `alias`.

use std::collections::HashMap;

use serde::Serialize;

/// "Events of `from` belong to `to`": from an `identify` carrying both ids (anonymous id →
/// user id) or an `alias` (previous id → user id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityLink {
    pub from: String,
    pub to: String,
}

/// What recording one link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkOutcome {
    /// New link; the earlier id's profile and rollups were merged into the person's.
    Linked,
    /// The same link was recorded before (a retried identify): nothing changed.
    AlreadyLinked,
    /// `from` is already linked to another user; the first link wins, nothing changed.
    Conflict,
    /// A link of an id to itself, or one that would close a cycle: nothing to do.
    Ignored,
    /// `from` is an identified id and the sender may only link anonymous ids (a browser
    /// key): nothing changed.
    Refused,
}

/// Which links a sender may make, from the kind of its write key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LinkRight {
    /// Server keys and imports: any link.
    #[default]
    Any,
    /// Browser keys: only links from ids that were never identified.
    AnonymousOnly,
}

impl LinkRight {
    /// Whether a link from an id may be made, given whether that id is identified (a
    /// profile or event carries it as a user id).
    pub fn permits(self, from_identified: bool) -> bool {
        match self {
            LinkRight::Any => true,
            LinkRight::AnonymousOnly => !from_identified,
        }
    }
}

impl LinkOutcome {
    pub const ALL: [LinkOutcome; 5] = [
        LinkOutcome::Linked,
        LinkOutcome::AlreadyLinked,
        LinkOutcome::Conflict,
        LinkOutcome::Ignored,
        LinkOutcome::Refused,
    ];

    /// The metric label of this outcome.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkOutcome::Linked => "linked",
            LinkOutcome::AlreadyLinked => "already_linked",
            LinkOutcome::Conflict => "conflict",
            LinkOutcome::Ignored => "ignored",
            LinkOutcome::Refused => "refused",
        }
    }
}

/// The links known to one write: read from the store for every id the write touches, then
/// updated as the write records new links, so later decisions of the same write see them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// Linked id → canonical id. Ids absent here are not linked (as far as was read).
    to: HashMap<String, String>,
}

/// A link to record: `from` is not linked yet and `to` is canonical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    pub from: String,
    pub to: String,
}

impl Links {
    /// The links read from the store (linked id → canonical id).
    pub fn new(to: HashMap<String, String>) -> Self {
        Self { to }
    }

    /// The canonical id of `id`: the id it is linked to, else itself.
    pub fn resolve<'a>(&'a self, id: &'a str) -> &'a str {
        self.to.get(id).map_or(id, String::as_str)
    }

    /// The id `id` is linked to, if any.
    pub fn linked_to(&self, id: &str) -> Option<&str> {
        self.to.get(id).map(String::as_str)
    }

    /// Decides what `link` does given the links known so far. A `Linked` decision comes
    /// with the link to record, which [`Links::record`] then applies here too.
    pub fn decide(&self, link: &IdentityLink) -> (LinkOutcome, Option<NewLink>) {
        let (from, to) = (link.from.as_str(), link.to.as_str());
        let canonical = self.resolve(to);
        if from == to || canonical == from {
            return (LinkOutcome::Ignored, None);
        }
        if let Some(existing) = self.linked_to(from) {
            let outcome = if existing == canonical {
                LinkOutcome::AlreadyLinked
            } else {
                LinkOutcome::Conflict
            };
            return (outcome, None);
        }
        (
            LinkOutcome::Linked,
            Some(NewLink {
                from: from.to_owned(),
                to: canonical.to_owned(),
            }),
        )
    }

    /// Applies a recorded link: `from` now resolves to `to`, and so does every id that
    /// resolved to `from`.
    pub fn record(&mut self, link: &NewLink) {
        for target in self.to.values_mut() {
            if *target == link.from {
                target.clone_from(&link.to);
            }
        }
        self.to.insert(link.from.clone(), link.to.clone());
    }

    /// Every (linked id, canonical id) pair known, for callers that map in bulk.
    pub fn as_map(&self) -> &HashMap<String, String> {
        &self.to
    }
}

#[cfg(test)]
#[path = "identity_tests.rs"]
mod tests;
