//! FETCH data items (RFC 3501 §6.4.5, §7.4.2): which items a client asked
//! for, and each one rendered for a message — FLAGS, UID, INTERNALDATE,
//! RFC822.SIZE, RFC822, RFC822.HEADER, RFC822.TEXT, ENVELOPE, BODYSTRUCTURE and
//! BODY[section]<partial> / BODY.PEEK (sections: see [`super::section`]).

use super::bodystructure::{body, bodystructure};
use super::envelope::envelope;
use super::mailbox::Message;
use super::parser::Value;
use super::section::{Section, SectionSpec, section_bytes};
use l7_wire::calendar::UtcTime;

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
    /// BODYSTRUCTURE, or BODY without a section (the tree without
    /// extension data).
    Structure(&'static str),
    /// BODY[section]<partial>, BODY.PEEK[...], RFC822, RFC822.HEADER, RFC822.TEXT.
    Body {
        /// Which part.
        section: SectionSpec,
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
    let section = SectionSpec::parse(inner)?;
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
    let whole = |text, peek, label: &str| Item::Body {
        section: SectionSpec {
            part: Vec::new(),
            text,
        },
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
        "RFC822" => vec![whole(Section::Full, false, "RFC822")],
        "RFC822.HEADER" => vec![whole(Section::Header, true, "RFC822.HEADER")],
        "RFC822.TEXT" => vec![whole(Section::Text, false, "RFC822.TEXT")],
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
                if *label == "BODYSTRUCTURE" {
                    bodystructure(out, text.unwrap_or_default());
                } else {
                    body(out, text.unwrap_or_default());
                }
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

/// How much of a message rendering some items needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Needs {
    /// Only what the mailbox lists (flags, UID, size, date).
    Nothing,
    /// The header (ENVELOPE, BODY[HEADER], BODY[HEADER.FIELDS ...]).
    Header,
    /// The whole text.
    All,
}

/// How much of the message rendering `items` needs.
pub fn needs(items: &[Item]) -> Needs {
    let one = |i: &Item| match i {
        Item::Envelope => Needs::Header,
        Item::Body { section, .. }
            if section.part.is_empty()
                && matches!(section.text, Section::Header | Section::Fields { .. }) =>
        {
            Needs::Header
        }
        Item::Body { .. } | Item::Structure(_) => Needs::All,
        _ => Needs::Nothing,
    };
    items.iter().map(one).max().unwrap_or(Needs::Nothing)
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
                section: SectionSpec {
                    part: Vec::new(),
                    text: Section::Fields {
                        names: vec!["FROM".into(), "SUBJECT".into()],
                        not: false
                    }
                },
                partial: Some((0, 5)),
                peek: true,
                label: "BODY[HEADER.FIELDS (From Subject)]<0>".into(),
            }]
        );
        assert!(parse_items(&Value::Atom("BODY[".into())).is_none());
        assert!(parse_items(&Value::Atom("NONSENSE".into())).is_none());
        let m = b"From: a\r\nSubject: s\r\n x\r\nTo: b\r\n\r\nbody\r\n";
        let items = parse_items(&Value::Atom("BODY[HEADER.FIELDS (SUBJECT)]".into())).unwrap();
        let Item::Body { section, .. } = &items[0] else {
            panic!("a body item")
        };
        assert_eq!(section_bytes(m, section), b"Subject: s\r\n x\r\n\r\n");
        let items = parse_items(&Value::Atom("BODY.PEEK[1.MIME]<0.3>".into())).unwrap();
        assert!(
            matches!(&items[0], Item::Body { section, partial: Some((0, 3)), label, .. }
            if section.part == [1] && section.text == Section::Mime && label == "BODY[1.MIME]<0>")
        );
        assert_eq!(internal_date(0), "01-Jan-1970 00:00:00 +0000");
    }
}
