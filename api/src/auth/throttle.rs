//! Sign-in attempts per account, on top of the per-address rate limit: after a few wrong
//! passwords for one email, further attempts wait a doubling delay before the password is
//! even checked, whichever addresses they come from. A right password clears the count.
//! Kept per API instance (in memory): with N instances an attacker gets at most N times the
//! attempts, still a few per hour instead of thousands.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong passwords allowed before the delays start.
const FREE_FAILURES: u32 = 5;
/// The first delay; each further failure doubles it.
const FIRST_DELAY: Duration = Duration::from_secs(2);
/// The longest delay.
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// A count with no failure for this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Most accounts tracked at once (memory stays bounded whatever is sent).
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// When the next attempt may be checked.
    fn next_allowed(&self) -> Instant {
        if self.count < FREE_FAILURES {
            return self.last;
        }
        let doublings = (self.count - FREE_FAILURES).min(20);
        self.last + (FIRST_DELAY * 2u32.pow(doublings)).min(MAX_DELAY)
    }
}

#[derive(Debug, Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<String, Failures>>,
}

impl SignInThrottle {
    /// `Err(wait)` when `account` (a normalised email) must wait before trying again.
    pub fn check(&self, account: &str, now: Instant) -> Result<(), Duration> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match failures.get(account) {
            Some(f) if f.next_allowed() > now => Err(f.next_allowed() - now),
            _ => Ok(()),
        }
    }

    /// Records a wrong password for `account`.
    pub fn failed(&self, account: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= MAX_TRACKED {
            failures.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
            if failures.len() >= MAX_TRACKED {
                // Still full of fresh entries: forget the oldest half rather than grow.
                let mut lasts: Vec<Instant> = failures.values().map(|f| f.last).collect();
                lasts.sort_unstable();
                let cut = lasts[lasts.len() / 2];
                failures.retain(|_, f| f.last > cut);
            }
        }
        let entry = failures.entry(account.to_owned()).or_insert(Failures {
            count: 0,
            last: now,
        });
        if now.duration_since(entry.last) >= FORGET_AFTER {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = now;
    }

    /// A successful sign-in: the count starts over.
    pub fn succeeded(&self, account: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_and_double() {
        let t = SignInThrottle::default();
        let start = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert!(t.check("ada@shop.test", start).is_ok());
            t.failed("ada@shop.test", start);
        }
        assert_eq!(t.check("ada@shop.test", start), Err(FIRST_DELAY));
        assert!(
            t.check("bea@shop.test", start).is_ok(),
            "other accounts are unaffected"
        );
        let later = start + FIRST_DELAY;
        assert!(t.check("ada@shop.test", later).is_ok());
        t.failed("ada@shop.test", later);
        assert_eq!(t.check("ada@shop.test", later), Err(FIRST_DELAY * 2));
        t.succeeded("ada@shop.test");
        assert!(t.check("ada@shop.test", later).is_ok());
    }

    #[test]
    fn delays_are_capped() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..100 {
            t.failed("ada@shop.test", now);
        }
        assert_eq!(t.check("ada@shop.test", now), Err(MAX_DELAY));
    }
}
