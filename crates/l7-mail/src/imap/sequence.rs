//! Sequence sets (RFC 3501 §9 `sequence-set`): `1:3,5,7:*`, over message
//! sequence numbers or UIDs, where `*` is the largest in use.

/// A parsed set of ranges; `u32::MAX` stands for `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceSet(Vec<(u32, u32)>);

/// Most ranges in one set.
pub const MAX_RANGES: usize = 1024;

fn number(s: &str) -> Option<u32> {
    if s == "*" {
        return Some(u32::MAX);
    }
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|&n| n > 0)
}

impl SequenceSet {
    /// Parses `1:3,5,7:*`; `None` if malformed.
    pub fn parse(s: &str) -> Option<SequenceSet> {
        let mut ranges = Vec::new();
        for part in s.split(',') {
            if ranges.len() >= MAX_RANGES {
                return None;
            }
            let (a, b) = match part.split_once(':') {
                Some((a, b)) => (number(a)?, number(b)?),
                None => {
                    let n = number(part)?;
                    (n, n)
                }
            };
            ranges.push((a.min(b), a.max(b)));
        }
        Some(SequenceSet(ranges))
    }

    /// True if `n` is in the set, with `*` meaning `largest`.
    pub fn contains(&self, n: u32, largest: u32) -> bool {
        let star = |x: u32| if x == u32::MAX { largest } else { x };
        self.0.iter().any(|&(a, b)| {
            let (a, b) = (star(a), star(b));
            n >= a.min(b) && n <= a.max(b)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_star() {
        let s = SequenceSet::parse("1:3,5,7:*").unwrap();
        let hits: Vec<u32> = (1..=9).filter(|&n| s.contains(n, 8)).collect();
        assert_eq!(hits, [1, 2, 3, 5, 7, 8]);
        // RFC 3501 §6.4.8: "*" alone is the last message, even when 3:* is reversed.
        assert!(SequenceSet::parse("*").unwrap().contains(4, 4));
        assert!(SequenceSet::parse("9:*").unwrap().contains(4, 4));
        for bad in ["", "0", "a", "1:", "1,,2", "-1"] {
            assert!(SequenceSet::parse(bad).is_none(), "{bad}");
        }
    }
}
