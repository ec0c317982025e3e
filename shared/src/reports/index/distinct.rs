//! People counted once each by their index code, for a [`super::super::Tally`] of the
//! index: a plain list while few visits were added, one bit per code after that. A hash set
//! cost a hash and a probe per visit, twice (the row's and the total's), and was the larger
//! part of a report's time at ten million events.

use super::super::People;

/// Visits added before the list becomes bits: the list then holds at most 4 KiB, and a
/// row of fewer visits never allocates bits for every person.
const FEW: usize = 1024;

/// A set of person codes.
#[derive(Debug, Clone)]
pub enum Distinct {
    /// Every code added, repeats included.
    Few(Vec<u32>),
    /// One bit per code, and how many are set.
    Many { bits: Vec<u64>, len: usize },
}

impl Default for Distinct {
    fn default() -> Self {
        Distinct::Few(Vec::new())
    }
}

impl Distinct {
    fn set(bits: &mut Vec<u64>, len: &mut usize, who: u32) {
        let word = (who >> 6) as usize;
        if word >= bits.len() {
            bits.resize(word + 1, 0);
        }
        let bit = 1_u64 << (who & 63);
        // Without a branch: whether a person was already in is as good as random, and a
        // mispredicted branch cost more than the store.
        *len += usize::from(bits[word] & bit == 0);
        bits[word] |= bit;
    }

    /// The codes of a list, each once.
    fn unique(codes: &[u32]) -> Vec<u32> {
        let mut codes = codes.to_vec();
        codes.sort_unstable();
        codes.dedup();
        codes
    }
}

impl People<u32> for Distinct {
    fn insert(&mut self, who: u32) {
        match self {
            Distinct::Few(codes) => {
                codes.push(who);
                if codes.len() >= FEW {
                    let (mut bits, mut len) = (Vec::new(), 0);
                    for c in codes.iter() {
                        Distinct::set(&mut bits, &mut len, *c);
                    }
                    *self = Distinct::Many { bits, len };
                }
            }
            Distinct::Many { bits, len } => Distinct::set(bits, len, who),
        }
    }

    fn union(&mut self, other: &Self) {
        match other {
            Distinct::Few(codes) => {
                for c in codes {
                    self.insert(*c);
                }
            }
            Distinct::Many { bits, .. } => {
                if let Distinct::Few(codes) = self {
                    let (mut mine, mut len) = (Vec::new(), 0);
                    for c in codes.iter() {
                        Distinct::set(&mut mine, &mut len, *c);
                    }
                    *self = Distinct::Many { bits: mine, len };
                }
                if let Distinct::Many { bits: mine, len } = self {
                    if mine.len() < bits.len() {
                        mine.resize(bits.len(), 0);
                    }
                    for (m, o) in mine.iter_mut().zip(bits) {
                        *m |= *o;
                    }
                    *len = mine.iter().map(|w| w.count_ones() as usize).sum();
                }
            }
        }
    }

    fn size(&self) -> usize {
        match self {
            Distinct::Few(codes) => Distinct::unique(codes).len(),
            Distinct::Many { len, .. } => *len,
        }
    }

    fn count(&self, mut keep: impl FnMut(&u32) -> bool) -> usize {
        match self {
            Distinct::Few(codes) => Distinct::unique(codes).iter().filter(|c| keep(c)).count(),
            Distinct::Many { bits, .. } => {
                let mut n = 0;
                for (w, word) in bits.iter().enumerate() {
                    let mut word = *word;
                    while word != 0 {
                        let b = word.trailing_zeros();
                        word &= word - 1;
                        // Codes are u32, so `w * 64 + b` fits.
                        let who = u32::try_from(w * 64).unwrap_or(u32::MAX) + b;
                        n += usize::from(keep(&who));
                    }
                }
                n
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_code_once_as_a_list_and_as_bits() {
        let mut few = Distinct::default();
        for c in [5, 3, 5, 64, 3] {
            few.insert(c);
        }
        assert!(matches!(few, Distinct::Few(_)));
        assert_eq!(few.size(), 3);
        assert_eq!(few.count(|c| *c >= 5), 2);

        let mut many = Distinct::default();
        for i in 0..(FEW as u32 * 3) {
            many.insert(i % 1500 * 7);
        }
        assert!(matches!(many, Distinct::Many { .. }));
        assert_eq!(many.size(), 1500);
        assert_eq!(many.count(|c| *c % 2 == 0), 750);
        assert_eq!(many.count(|c| *c == 1499 * 7), 1);
    }

    #[test]
    fn a_union_counts_each_code_once_whatever_the_two_forms() {
        let few = |codes: &[u32]| {
            let mut d = Distinct::default();
            for c in codes {
                d.insert(*c);
            }
            d
        };
        let many = |from: u32| {
            let mut d = Distinct::default();
            for c in from..from + FEW as u32 {
                d.insert(c);
            }
            assert!(matches!(d, Distinct::Many { .. }));
            d
        };
        let mut a = few(&[1, 2, 2]);
        a.union(&few(&[2, 3]));
        assert_eq!(a.size(), 3);

        let mut a = few(&[1, 5000]);
        a.union(&many(0));
        assert_eq!(a.size(), FEW + 1, "1 was in both, 5000 in the list only");

        let mut a = many(100);
        a.union(&few(&[0, 100, 99_999]));
        assert_eq!(a.size(), FEW + 2);

        let mut a = many(0);
        a.union(&many(FEW as u32 / 2));
        assert_eq!(a.size(), FEW + FEW / 2);
        assert_eq!(a.count(|c| *c >= FEW as u32), FEW / 2);
    }
}
