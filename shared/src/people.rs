//! The users list's rules, written once for both engines: which terms a person is found by
//! (their id and a few well-known traits, lower-cased, kept at write time beside the
//! profile), how a search text becomes a prefix range over those terms, and which columns
//! the list sorts by with their cursor values.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Traits a person is found by, as Segment's spec names them.
const SEARCH_TRAITS: [&str; 5] = ["email", "name", "firstName", "lastName", "username"];
/// Longest term kept (in characters); a longer value is found by its first characters.
pub const MAX_TERM_CHARS: usize = 128;
/// Most terms one person is found by.
pub const MAX_TERMS: usize = 16;

/// The terms a profile is found by, lower-cased, deduplicated and sorted: its id, each
/// [`SEARCH_TRAITS`] value that is a string, and each word of those values (so "Ana García"
/// is found by "gar"). A search matches a person when one term starts with the search text.
pub fn search_terms(profile_id: &str, traits: &Map<String, Value>) -> Vec<String> {
    let mut terms = vec![term(profile_id)];
    for key in SEARCH_TRAITS {
        if let Some(Value::String(v)) = traits.get(key) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            terms.push(term(v));
            let words: Vec<&str> = v.split_whitespace().collect();
            if words.len() > 1 {
                terms.extend(words.into_iter().map(term));
            }
        }
    }
    terms.retain(|t| !t.is_empty());
    terms.sort();
    terms.dedup();
    terms.truncate(MAX_TERMS);
    terms
}

fn term(v: &str) -> String {
    v.to_lowercase().chars().take(MAX_TERM_CHARS).collect()
}

/// The range of stored terms `[from, to)` that start with a search text: engines compare
/// terms byte-wise (UTF-8), and `U+10FFFF` sorts after every character a term can hold.
/// `None` for a blank search (no filter).
pub fn prefix_range(search: &str) -> Option<(String, String)> {
    let from = term(search.trim());
    if from.is_empty() {
        return None;
    }
    let mut to = from.clone();
    to.push(char::MAX);
    Some((from, to))
}

/// A column the users list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UserSort {
    #[default]
    LastSeen,
    FirstSeen,
    EventCount,
    UserId,
}

impl UserSort {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "lastSeen" => Self::LastSeen,
            "firstSeen" => Self::FirstSeen,
            "eventCount" => Self::EventCount,
            "userId" => Self::UserId,
            _ => return None,
        })
    }

    /// Every column, as the API names them.
    pub const NAMES: [&'static str; 4] = ["lastSeen", "firstSeen", "eventCount", "userId"];

    /// The value a cursor keeps for this column (the id alone orders `UserId`).
    pub fn value_of(self, p: &crate::storage::UserProfile) -> i64 {
        match self {
            Self::LastSeen => p.last_seen.timestamp_millis(),
            Self::FirstSeen => p.first_seen.timestamp_millis(),
            Self::EventCount => i64::try_from(p.event_count).unwrap_or(i64::MAX),
            Self::UserId => 0,
        }
    }
}

/// Which way a list runs. Ties on the sort column go by id in the same direction, so a
/// cursor `(value, id)` names one position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

impl SortOrder {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "asc" => Some(Self::Asc),
            "desc" => Some(Self::Desc),
            _ => None,
        }
    }
}

#[cfg(test)]
#[path = "people_tests.rs"]
mod tests;
