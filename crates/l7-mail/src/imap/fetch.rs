//! FETCH data items (RFC 3501 §6.4.5, §7.4.2): which items a client asked
//! for, and each one rendered for a message — FLAGS, UID, INTERNALDATE,
//! RFC822.SIZE, RFC822, RFC822.HEADER, RFC822.TEXT, ENVELOPE, BODYSTRUCTURE and
//! BODY[section]<partial> / BODY.PEEK (sections: whole, HEADER, TEXT,
//! HEADER.FIELDS (...), HEADER.FIELDS.NOT (...)).

use super::bodystructure::bodystructure;
use super::envelope::envelope;
use super::mailbox::Message;
use super::parser::Value;
use l7_wire::calendar::UtcTime;

/// A body section (RFC 3501 §6.4.5 `section`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    /// The whole message.
    Full,
    /// The header, with its terminating blank line.
    Header,
    /// The body after the header.
    Text,
    /// Only (or, with `not`, all but) the named header fields.
    Fields {
        /// Field names, upper-cased.
        names: Vec<String>,
        /// HEADER.FIELDS.NOT.
        not: bool,
    },
}

/// One requested data item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// FLAGS.
    Flags,
    /// UID.
    Uid,
    /// INTERNALDATE.
    InternalDate,
    /// RFC822.SIZE.
    Size,
    /// ENVELOPE.
    Envelope,
    /// BODYSTRUCTURE, or BODY without a section (the same tree here).
    Structure(&'static str),
    /// BODY[section]<partial>, BODY.PEEK[...], RFC822, RFC822.HEADER, RFC822.TEXT.
    Body {
        /// Which part.
        section: Section,
        /// `<offset.length>`.
        partial: Option<(u64, u64)>,
        /// BODY.PEEK and RFC822.HEADER do not set \Seen.
        peek: bool,
        /// The name the response uses.
        label: String,
    },
}

impl Item {
    /// True if fetching this sets \Seen (RFC 3501 §6.4.5).
    pub fn sets_seen(&self) -> bool {
        matches!(self, Item::Body { peek: false, .. })
    }
}

fn body_item(spec: &str, peek: bool) -> Option<Item> {
    // spec is what follows BODY / BODY.PEEK: `[section]<a.b>`.
    let rest = spec.strip_prefix('[')?;
    let close = rest.find(']')?;
    let (inner, tail) = (&rest[..close], &rest[close + 1..]);
    let upper = inner.to_ascii_uppercase();
    let section = match upper.as_str() {
        "" => Section::Full,
        "HEADER" => Section::Header,
        "TEXT" => Section::Text,
        _ => {
            let (not, list) = if let Some(l) = upper.strip_prefix("HEADER.FIELDS.NOT ") {
                (true, l)
            } else {
                (false, upper.strip_prefix("HEADER.FIELDS ")?)
            };
            let names = list
                .trim()
                .strip_prefix('(')?
                .strip_suffix(')')?
                .split_whitespace()
                .map(|n| n.trim_matches('"').to_string())
                .collect();
            Section::Fields { names, not }
        }
    };
    let partial = if tail.is_empty() {
        None
    } else {
        let p = tail.strip_prefix('<')?.strip_suffix('>')?;
        let (a, b) = p.split_once('.')?;
        Some((a.parse().ok()?, b.parse().ok()?))
    };
    let label = match partial {
        Some((a, _)) => format!("BODY[{inner}]<{a}>"),
        None => format!("BODY[{inner}]"),
    };
    Some(Item::Body {
        section,
        partial,
        peek,
        label,
    })
}

fn item(atom: &str) -> Option<Vec<Item>> {
    let upper = atom.to_ascii_uppercase();
    let body = |section, peek, label: &str| Item::Body {
        section,
        partial: None,
        peek,
        label: label.to_string(),
    };
    Some(match upper.as_str() {
        "FLAGS" => vec![Item::Flags],
        "UID" => vec![Item::Uid],
        "INTERNALDATE" => vec![Item::InternalDate],
        "RFC822.SIZE" => vec![Item::Size],
        "ENVELOPE" => vec![Item::Envelope],
        "BODYSTRUCTURE" => vec![Item::Structure("BODYSTRUCTURE")],
        "BODY" => vec![Item::Structure("BODY")],
        "RFC822" => vec![body(Section::Full, false, "RFC822")],
        "RFC822.HEADER" => vec![body(Section::Header, true, "RFC822.HEADER")],
        "RFC822.TEXT" => vec![body(Section::Text, false, "RFC822.TEXT")],
        // RFC 3501 §6.4.5 macros.
        "ALL" => vec![Item::Flags, Item::InternalDate, Item::Size, Item::Envelope],
        "FAST" => vec![Item::Flags, Item::InternalDate, Item::Size],
        "FULL" => vec![
            Item::Flags,
            Item::InternalDate,
            Item::Size,
            Item::Envelope,
            Item::Structure("BODY"),
        ],
        _ => {
            if let Some(spec) = upper.strip_prefix("BODY.PEEK") {
                vec![body_item(&atom[atom.len() - spec.len()..], true)?]
            } else if let Some(spec) = upper.strip_prefix("BODY") {
                vec![body_item(&atom[atom.len() - spec.len()..], false)?]
            } else {
                return None;
            }
        }
    })
}

/// Parses the item argument of FETCH: one atom or a list of atoms.
pub fn parse_items(arg: &Value) -> Option<Vec<Item>> {
    match arg {
        Value::Atom(a) => item(a),
        Value::List(list) => {
            let mut out = Vec::new();
            for v in list {
                match v {
                    Value::Atom(a) => out.extend(item(a)?),
                    _ => return None,
                }
            }
            Some(out)
        }
        Value::Str(_) => None,
    }
}

/// `17-Jul-1996 02:44:25 +0000` (RFC 3501 §9 `date-time`).
pub fn internal_date(unix: i64) -> String {
    let t = UtcTime::from_unix(unix);
    format!(
        "{:02}-{}-{:04} {:02}:{:02}:{:02} +0000",
        t.day,
        t.month_name(),
        t.year,
        t.hour,
        t.minute,
        t.second
    )
}

fn header_end(message: &[u8]) -> usize {
    message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(message.len(), |p| p + 4)
}

/// The header fields named (or all but those named), then a blank line.
fn fields(header: &[u8], names: &[String], not: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut keep = false;
    for line in header.split_inclusive(|&b| b == b'\n') {
        if line == b"\r\n" {
            break;
        }
        if !matches!(line.first(), Some(b' ' | b'\t')) {
            let name = line
                .split(|&b| b == b':')
                .next()
                .map(|n| String::from_utf8_lossy(n).trim().to_ascii_uppercase())
                .unwrap_or_default();
            keep = names.contains(&name) != not;
        }
        if keep {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The bytes of a section of a CRLF message.
pub fn section_bytes(message: &[u8], section: &Section) -> Vec<u8> {
    let end = header_end(message);
    match section {
        Section::Full => message.to_vec(),
        Section::Header => message[..end].to_vec(),
        Section::Text => message[end..].to_vec(),
        Section::Fields { names, not } => fields(&message[..end], names, *not),
    }
}

/// Appends a literal `{n}\r\n` and the bytes.
pub fn literal(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(format!("{{{}}}\r\n", bytes.len()).as_bytes());
    out.extend_from_slice(bytes);
}

/// Renders the parenthesised FETCH data of one message. `text` is the
/// message (read only if some item needs it).
pub fn render(out: &mut Vec<u8>, items: &[Item], m: &Message, text: Option<&[u8]>) {
    out.push(b'(');
    let mut first = true;
    for item in items {
        if !first {
            out.push(b' ');
        }
        first = false;
        match item {
            Item::Flags => {
                out.extend_from_slice(format!("FLAGS ({})", m.flag_names().join(" ")).as_bytes())
            }
            Item::Uid => out.extend_from_slice(format!("UID {}", m.uid).as_bytes()),
            Item::InternalDate => out.extend_from_slice(
                format!("INTERNALDATE \"{}\"", internal_date(m.internal_date)).as_bytes(),
            ),
            Item::Size => out.extend_from_slice(format!("RFC822.SIZE {}", m.size).as_bytes()),
            Item::Envelope => {
                out.extend_from_slice(b"ENVELOPE ");
                envelope(out, text.unwrap_or_default());
            }
            Item::Structure(label) => {
                out.extend_from_slice(label.as_bytes());
                out.push(b' ');
                bodystructure(out, text.unwrap_or_default());
            }
            Item::Body {
                section,
                partial,
                label,
                ..
            } => {
                let mut bytes = section_bytes(text.unwrap_or_default(), section);
                if let Some((offset, len)) = partial {
                    // RFC 3501 §6.4.5: a partial past the end is empty.
                    let start = (*offset as usize).min(bytes.len());
                    let stop = start.saturating_add(*len as usize).min(bytes.len());
                    bytes = bytes[start..stop].to_vec();
                }
                out.extend_from_slice(label.as_bytes());
                out.push(b' ');
                literal(out, &bytes);
            }
        }
    }
    out.push(b')');
}

/// True if rendering `items` needs the message text.
pub fn needs_text(items: &[Item]) -> bool {
    items
        .iter()
        .any(|i| matches!(i, Item::Body { .. } | Item::Envelope | Item::Structure(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_sections() {
        let items = parse_items(&Value::Atom(
            "BODY.PEEK[HEADER.FIELDS (From Subject)]<0.5>".into(),
        ))
        .unwrap();
        assert_eq!(
            items,
            [Item::Body {
                section: Section::Fields {
                    names: vec!["FROM".into(), "SUBJECT".into()],
                    not: false
                },
                partial: Some((0, 5)),
                peek: true,
                label: "BODY[HEADER.FIELDS (From Subject)]<0>".into(),
            }]
        );
        assert!(parse_items(&Value::Atom("BODY[".into())).is_none());
        assert!(parse_items(&Value::Atom("NONSENSE".into())).is_none());
        let m = b"From: a\r\nSubject: s\r\n x\r\nTo: b\r\n\r\nbody\r\n";
        assert_eq!(
            section_bytes(
                m,
                &Section::Fields {
                    names: vec!["SUBJECT".into()],
                    not: false
                }
            ),
            b"Subject: s\r\n x\r\n\r\n"
        );
        assert_eq!(section_bytes(m, &Section::Text), b"body\r\n");
        assert_eq!(internal_date(0), "01-Jan-1970 00:00:00 +0000");
    }
}
