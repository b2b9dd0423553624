//! SEARCH keys (RFC 3501 §6.4.4), the common ones: ALL, flag keys (SEEN,
//! UNSEEN, DELETED, UNDELETED, FLAGGED, UNFLAGGED, ANSWERED, UNANSWERED,
//! DRAFT, UNDRAFT), FROM/TO/CC/SUBJECT/BODY/TEXT/HEADER substrings,
//! LARGER/SMALLER, SINCE/BEFORE/ON, UID sets, sequence sets, NOT, OR and
//! parenthesised groups. Matching is case-insensitive on raw bytes.

use super::mailbox::Message;
use super::parser::Value;
use super::sequence::SequenceSet;
use l7_wire::calendar::days_from_civil;

/// A search key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// Every message.
    All,
    /// A flag letter is set (or not, with `false`).
    Flag(char, bool),
    /// A header field contains the text.
    Header(String, String),
    /// The body contains the text.
    Body(String),
    /// Header or body contains the text.
    Text(String),
    /// Larger than n octets.
    Larger(u64),
    /// Smaller than n octets.
    Smaller(u64),
    /// Arrived before the day (unix day number).
    Before(i64),
    /// Arrived on the day.
    On(i64),
    /// Arrived on or after the day.
    Since(i64),
    /// In a UID set.
    Uid(SequenceSet),
    /// In a sequence set.
    Seq(SequenceSet),
    /// Not this.
    Not(Box<Key>),
    /// Either.
    Or(Box<Key>, Box<Key>),
    /// All of these.
    And(Vec<Key>),
}

/// Most keys one search may hold.
pub const MAX_KEYS: usize = 256;

/// `1-Feb-1994` → days since the unix epoch.
fn date(v: &Value) -> Option<i64> {
    let text = v.text()?;
    let mut parts = text.split('-');
    let day: u32 = parts.next()?.parse().ok()?;
    let month = parts.next()?.to_ascii_lowercase();
    let year: i64 = parts.next()?.parse().ok()?;
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let m = months.iter().position(|n| *n == month)? as u32 + 1;
    Some(days_from_civil(year, m, day))
}

struct Keys<'a> {
    args: &'a [Value],
    at: usize,
    count: usize,
}

impl Keys<'_> {
    fn next_value(&mut self) -> Option<&Value> {
        let v = self.args.get(self.at)?;
        self.at += 1;
        Some(v)
    }

    fn text(&mut self) -> Option<String> {
        self.next_value()?.text()
    }

    fn key(&mut self, depth: usize) -> Option<Key> {
        self.count += 1;
        if self.count > MAX_KEYS || depth > 16 {
            return None;
        }
        let v = self.next_value()?.clone();
        let atom = match &v {
            Value::List(list) => {
                let mut inner = Keys {
                    args: list,
                    at: 0,
                    count: self.count,
                };
                let mut all = Vec::new();
                while inner.at < list.len() {
                    all.push(inner.key(depth + 1)?);
                }
                self.count = inner.count;
                return Some(Key::And(all));
            }
            other => other.text()?,
        };
        let flag = |l, set| Some(Key::Flag(l, set));
        match atom.to_ascii_uppercase().as_str() {
            "ALL" => Some(Key::All),
            "SEEN" => flag('S', true),
            "UNSEEN" => flag('S', false),
            "DELETED" => flag('T', true),
            "UNDELETED" => flag('T', false),
            "FLAGGED" => flag('F', true),
            "UNFLAGGED" => flag('F', false),
            "ANSWERED" => flag('R', true),
            "UNANSWERED" => flag('R', false),
            "DRAFT" => flag('D', true),
            "UNDRAFT" => flag('D', false),
            "NEW" | "RECENT" => Some(Key::Flag('S', false)),
            "OLD" => Some(Key::All),
            "FROM" | "TO" | "CC" | "BCC" | "SUBJECT" => Some(Key::Header(
                atom.to_ascii_uppercase(),
                self.text()?.to_lowercase(),
            )),
            "HEADER" => {
                let name = self.text()?.to_ascii_uppercase();
                Some(Key::Header(name, self.text()?.to_lowercase()))
            }
            "BODY" => Some(Key::Body(self.text()?.to_lowercase())),
            "TEXT" => Some(Key::Text(self.text()?.to_lowercase())),
            "LARGER" => Some(Key::Larger(self.text()?.parse().ok()?)),
            "SMALLER" => Some(Key::Smaller(self.text()?.parse().ok()?)),
            "BEFORE" | "SENTBEFORE" => Some(Key::Before(date(self.next_value()?)?)),
            "ON" | "SENTON" => Some(Key::On(date(self.next_value()?)?)),
            "SINCE" | "SENTSINCE" => Some(Key::Since(date(self.next_value()?)?)),
            "UID" => Some(Key::Uid(SequenceSet::parse(&self.text()?)?)),
            "NOT" => Some(Key::Not(Box::new(self.key(depth + 1)?))),
            "OR" => {
                let a = self.key(depth + 1)?;
                Some(Key::Or(Box::new(a), Box::new(self.key(depth + 1)?)))
            }
            _ => SequenceSet::parse(&atom).map(Key::Seq),
        }
    }
}

/// Parses the search keys (after an optional `CHARSET x`).
pub fn parse(args: &[Value]) -> Option<Key> {
    let mut args = args;
    if args
        .first()
        .and_then(Value::text)
        .is_some_and(|a| a.eq_ignore_ascii_case("CHARSET"))
    {
        args = args.get(2..)?;
    }
    let mut keys = Keys {
        args,
        at: 0,
        count: 0,
    };
    let mut all = Vec::new();
    while keys.at < args.len() {
        all.push(keys.key(0)?);
    }
    (!all.is_empty()).then_some(Key::And(all))
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn header_value<'a>(header: &'a [u8], name: &str) -> Vec<&'a [u8]> {
    header
        .split(|&b| b == b'\n')
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            line[..colon]
                .eq_ignore_ascii_case(name.as_bytes())
                .then_some(&line[colon + 1..])
        })
        .collect()
}

/// True if the key needs the message text.
pub fn needs_text(key: &Key) -> bool {
    match key {
        Key::Header(..) | Key::Body(_) | Key::Text(_) => true,
        Key::Not(k) => needs_text(k),
        Key::Or(a, b) => needs_text(a) || needs_text(b),
        Key::And(all) => all.iter().any(needs_text),
        _ => false,
    }
}

/// Evaluates a key for message `seq` (`max_seq`, `max_uid` stand for `*`).
pub fn matches(key: &Key, seq: u32, m: &Message, text: &[u8], max: (u32, u32)) -> bool {
    let day = m.internal_date.div_euclid(86_400);
    let split = text
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(text.len(), |p| p + 4);
    match key {
        Key::All => true,
        Key::Flag(l, set) => m.has(*l) == *set,
        Key::Header(name, needle) => header_value(&text[..split], name)
            .iter()
            .any(|v| contains(v, needle)),
        Key::Body(needle) => contains(&text[split..], needle),
        Key::Text(needle) => contains(text, needle),
        Key::Larger(n) => m.size > *n,
        Key::Smaller(n) => m.size < *n,
        Key::Before(d) => day < *d,
        Key::On(d) => day == *d,
        Key::Since(d) => day >= *d,
        Key::Uid(set) => set.contains(m.uid, max.1),
        Key::Seq(set) => set.contains(seq, max.0),
        Key::Not(k) => !matches(k, seq, m, text, max),
        Key::Or(a, b) => matches(a, seq, m, text, max) || matches(b, seq, m, text, max),
        Key::And(all) => all.iter().all(|k| matches(k, seq, m, text, max)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_keys() {
        let args = [
            Value::Atom("OR".into()),
            Value::Atom("SEEN".into()),
            Value::Atom("FLAGGED".into()),
            Value::Atom("NOT".into()),
            Value::Atom("FROM".into()),
            Value::Str(b"Alice".to_vec()),
            Value::Atom("SINCE".into()),
            Value::Atom("1-Feb-1994".into()),
        ];
        let key = parse(&args).unwrap();
        let Key::And(all) = key else { panic!() };
        assert_eq!(all.len(), 3);
        assert_eq!(
            all[1],
            Key::Not(Box::new(Key::Header("FROM".into(), "alice".into())))
        );
        assert!(parse(&[Value::Atom("BOGUS".into())]).is_none());
        assert!(parse(&[Value::Atom("FROM".into())]).is_none());
    }
}
