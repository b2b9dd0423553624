//! Body sections of FETCH (RFC 3501 §6.4.5): the numbered MIME parts
//! (`BODY[1.2]`), a part's MIME header (`BODY[1.2.MIME]`), and the header
//! and text of a message/rfc822 part (`BODY[2.HEADER]`, `BODY[2.TEXT]`,
//! `BODY[2.HEADER.FIELDS (...)]`), beside the whole-message sections.
//!
//! Numbering (RFC 3501 §6.4.5): the parts of a multipart are 1, 2, ...; a
//! message that is not multipart has only part 1, its body; the parts of a
//! message/rfc822 part are the parts of the message it encapsulates. Walks
//! are bounded by [`MAX_PART_DEPTH`] levels and the multipart split's own
//! bounds; a part that does not exist is the empty string.

use super::bodystructure::{content_type, multipart_parts, split_header};
use super::part_header::PartHeader;

/// Most levels in a part number (`1.2.3...`).
pub const MAX_PART_DEPTH: usize = 32;

/// What of a part (or of the message) a section names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    /// The whole message, or a part's body.
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
    /// A part's MIME header (only after a part number).
    Mime,
}

/// A parsed `section` (RFC 3501 §9 `section-spec`): a part number, possibly
/// empty, and what of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionSpec {
    /// `1.2` → `[1, 2]`; empty for the whole message.
    pub part: Vec<u32>,
    /// What of the part.
    pub text: Section,
}

impl SectionSpec {
    /// Parses what stands between `[` and `]`; `None` if malformed.
    pub fn parse(inner: &str) -> Option<SectionSpec> {
        let upper = inner.to_ascii_uppercase();
        let mut rest = upper.as_str();
        let mut part = Vec::new();
        loop {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits == 0 {
                break;
            }
            // RFC 3501 §9: nz-number.
            let n: u32 = rest[..digits].parse().ok().filter(|&n| n > 0)?;
            part.push(n);
            if part.len() > MAX_PART_DEPTH {
                return None;
            }
            rest = &rest[digits..];
            if rest.is_empty() {
                break;
            }
            rest = rest.strip_prefix('.').filter(|r| !r.is_empty())?;
        }
        let text = match rest {
            "" => Section::Full,
            "HEADER" => Section::Header,
            "TEXT" => Section::Text,
            "MIME" if !part.is_empty() => Section::Mime,
            _ => {
                let (not, list) = if let Some(l) = rest.strip_prefix("HEADER.FIELDS.NOT ") {
                    (true, l)
                } else {
                    (false, rest.strip_prefix("HEADER.FIELDS ")?)
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
        Some(SectionSpec { part, text })
    }
}

/// A MIME entity: its header (with the blank line) and its body.
#[derive(Debug, Clone, Copy)]
struct Entity<'a> {
    header: &'a [u8],
    body: &'a [u8],
    /// A whole message (the top level or an encapsulated one), whose
    /// single non-multipart body is its part 1.
    root: bool,
}

impl<'a> Entity<'a> {
    fn message(raw: &'a [u8]) -> Entity<'a> {
        let (header, body) = split_header(raw);
        Entity {
            header,
            body,
            root: true,
        }
    }

    fn content_type(&self) -> (String, String, Vec<(String, String)>) {
        let headers = PartHeader(self.header);
        content_type(headers.value("Content-Type"))
    }

    /// The message a message/rfc822 part carries.
    fn encapsulated(&self) -> Option<Entity<'a>> {
        let (t, s, _) = self.content_type();
        (t == "MESSAGE" && (s == "RFC822" || s == "GLOBAL")).then(|| Entity::message(self.body))
    }

    fn child(&self, n: u32) -> Option<Entity<'a>> {
        let (t, _, params) = self.content_type();
        let children = if t == "MULTIPART" {
            multipart_parts(self.body, &params)
        } else {
            Vec::new()
        };
        if !children.is_empty() {
            // A multipart without parts is read as a leaf, as BODYSTRUCTURE
            // describes it.
            let part = *children.get((n as usize).checked_sub(1)?)?;
            let (header, body) = split_header(part);
            return Some(Entity {
                header,
                body,
                root: false,
            });
        }
        if let Some(inner) = self.encapsulated() {
            return inner.child(n);
        }
        (self.root && n == 1).then_some(Entity {
            root: false,
            ..*self
        })
    }
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

/// The bytes a section names in a CRLF message (empty when the part does
/// not exist, or HEADER/TEXT name a part that is not a message).
pub fn section_bytes(message: &[u8], spec: &SectionSpec) -> Vec<u8> {
    let mut entity = Entity::message(message);
    for &n in &spec.part {
        match entity.child(n) {
            Some(e) => entity = e,
            None => return Vec::new(),
        }
    }
    let whole = spec.part.is_empty();
    match &spec.text {
        Section::Full if whole => message.to_vec(),
        Section::Full => entity.body.to_vec(),
        Section::Mime => entity.header.to_vec(),
        text => {
            // After a part number, HEADER and TEXT are those of the
            // encapsulated message (RFC 3501 §6.4.5).
            let target = if whole {
                Some(entity)
            } else {
                entity.encapsulated()
            };
            let Some(m) = target else {
                return Vec::new();
            };
            match text {
                Section::Header => m.header.to_vec(),
                Section::Text => m.body.to_vec(),
                Section::Fields { names, not } => fields(m.header, names, *not),
                Section::Full | Section::Mime => Vec::new(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(m: &[u8], spec: &str) -> String {
        String::from_utf8(section_bytes(m, &SectionSpec::parse(spec).unwrap())).unwrap()
    }

    /// RFC 3501 §6.4.5's example shape: a multipart/mixed with a text part,
    /// an application part, a message/rfc822 part holding a multipart,
    /// and a nested multipart/alternative.
    const NESTED: &[u8] = b"From: a@b\r\nSubject: outer\r\nContent-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--o\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--o\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\ninner plain\r\n--i\r\nContent-Type: text/html\r\n\r\n<p>inner</p>\r\n--i--\r\n\r\n--o\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n--a\r\n\r\nalt one\r\n--a\r\nContent-Type: text/enriched\r\n\r\nalt two\r\n--a--\r\n--o--\r\n";

    #[test]
    fn numbered_parts_of_a_nested_message() {
        assert_eq!(get(NESTED, "1"), "first");
        assert_eq!(get(NESTED, "1.MIME"), "Content-Type: text/plain\r\n\r\n");
        assert_eq!(get(NESTED, "2"), "AAEC");
        assert!(get(NESTED, "3").starts_with("Subject: inner\r\n"));
        assert_eq!(
            get(NESTED, "3.HEADER"),
            "Subject: inner\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n"
        );
        assert_eq!(
            get(NESTED, "3.HEADER.FIELDS (SUBJECT)"),
            "Subject: inner\r\n\r\n"
        );
        assert!(get(NESTED, "3.TEXT").starts_with("--i\r\n"));
        assert_eq!(get(NESTED, "3.1"), "inner plain");
        assert_eq!(get(NESTED, "3.2"), "<p>inner</p>");
        assert_eq!(get(NESTED, "3.2.MIME"), "Content-Type: text/html\r\n\r\n");
        assert_eq!(get(NESTED, "4.1"), "alt one");
        assert_eq!(get(NESTED, "4.2"), "alt two");
        // Parts that do not exist, HEADER of a part that is no message.
        for missing in ["5", "1.1", "4.3", "2.HEADER", "3.3", "9.9.9"] {
            assert_eq!(get(NESTED, missing), "", "{missing}");
        }
        assert!(get(NESTED, "HEADER").ends_with("boundary=\"o\"\r\n\r\n"));
        assert_eq!(get(NESTED, "").as_bytes(), NESTED);
    }

    #[test]
    fn a_single_part_message_has_part_one() {
        let m = b"Subject: s\r\n\r\nhello\r\n";
        assert_eq!(get(m, "1"), "hello\r\n");
        assert_eq!(get(m, "1.MIME"), "Subject: s\r\n\r\n");
        assert_eq!(get(m, "2"), "");
        assert_eq!(get(m, "TEXT"), "hello\r\n");
    }

    #[test]
    fn malformed_specs_are_refused() {
        for bad in [
            "0",
            "1.",
            ".1",
            "1..2",
            "MIME",
            "1.BOGUS",
            "HEADER.FIELDS X",
        ] {
            assert!(SectionSpec::parse(bad).is_none(), "{bad}");
        }
        let deep = vec!["1"; MAX_PART_DEPTH + 1].join(".");
        assert!(SectionSpec::parse(&deep).is_none());
        assert_eq!(
            SectionSpec::parse("1.2.header.fields.not (To)").unwrap(),
            SectionSpec {
                part: vec![1, 2],
                text: Section::Fields {
                    names: vec!["TO".into()],
                    not: true
                }
            }
        );
    }
}
