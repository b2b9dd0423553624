//! [`Headers`]: an ordered list of header fields (RFC 9110 §5) with
//! case-insensitive lookup, repeated fields, and iteration over comma-separated
//! list elements (§5.6.1). Parsed headers borrow from the received bytes;
//! headers built by the application own their strings. Also the parser of a
//! field section, shared by requests, responses and chunked trailers.

use std::borrow::Cow;

use super::HttpError;
use super::limits::MAX_HEADERS;
use super::syntax::{is_field_byte, is_tchar, is_token, trim_ows};

/// An ordered multiset of header fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers<'a> {
    fields: Vec<(Cow<'a, str>, Cow<'a, [u8]>)>,
}

impl<'a> Headers<'a> {
    /// No fields.
    pub fn new() -> Self {
        Headers { fields: Vec::new() }
    }

    /// Number of fields (a repeated name counts each time).
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Adds a field at the end, keeping any others of the same name.
    pub fn append(&mut self, name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, [u8]>>) {
        self.fields.push((name.into(), value.into()));
    }

    /// Replaces every field called `name` with one field holding `value`.
    pub fn set(&mut self, name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, [u8]>>) {
        let name = name.into();
        self.remove(&name);
        self.fields.push((name, value.into()));
    }

    /// Removes every field called `name`; returns how many there were.
    pub fn remove(&mut self, name: &str) -> usize {
        let before = self.fields.len();
        self.fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        before - self.fields.len()
    }

    /// The fields in order, as (name, value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.fields.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
    }

    /// The value of the first field called `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// The value of the first field called `name`, if it is ASCII text.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name)
            .filter(|v| v.is_ascii())
            .and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The values of every field called `name`, in order.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s [u8]> + 's {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// True when some field called `name` exists.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The non-empty comma-separated list elements of every field called
    /// `name` (RFC 9110 §5.6.1), with OWS trimmed; commas inside quoted
    /// strings do not split.
    pub fn list<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s [u8]> + 's {
        self.get_all(name).flat_map(CommaList::new)
    }

    /// True when the list `name` holds `token` (case-insensitive), e.g.
    /// `Connection: keep-alive, close` holds `close`.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.list(name)
            .any(|e| e.eq_ignore_ascii_case(token.as_bytes()))
    }

    /// A copy that owns every string, free of the received buffer.
    pub fn into_owned(self) -> Headers<'static> {
        Headers {
            fields: self
                .fields
                .into_iter()
                .map(|(n, v)| (Cow::Owned(n.into_owned()), Cow::Owned(v.into_owned())))
                .collect(),
        }
    }

    /// Appends each field as `name: value\r\n`. A field whose name is not a
    /// token or whose value holds CR, LF or another control byte is never
    /// written, so no value can split a message (RFC 9110 §5.5).
    pub fn emit(&self, out: &mut Vec<u8>) {
        for (name, value) in self.iter() {
            if !is_valid_field(name, value) {
                continue;
            }
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// True when `name: value` may be sent: a token name, and a value of
/// field-content bytes without leading or trailing whitespace.
pub fn is_valid_field(name: &str, value: &[u8]) -> bool {
    is_token(name.as_bytes())
        && value.iter().all(|&b| is_field_byte(b))
        && trim_ows(value).len() == value.len()
}

/// Iterator over the elements of one comma-separated field value.
#[derive(Debug, Clone)]
pub struct CommaList<'s> {
    rest: &'s [u8],
}

impl<'s> CommaList<'s> {
    /// Starts iterating `value`.
    pub fn new(value: &'s [u8]) -> Self {
        CommaList { rest: value }
    }
}

impl<'s> Iterator for CommaList<'s> {
    type Item = &'s [u8];

    fn next(&mut self) -> Option<&'s [u8]> {
        while !self.rest.is_empty() {
            let mut in_quotes = false;
            let mut escaped = false;
            let mut end = self.rest.len();
            for (i, &b) in self.rest.iter().enumerate() {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' if in_quotes => escaped = true,
                    b'"' => in_quotes = !in_quotes,
                    b',' if !in_quotes => {
                        end = i;
                        break;
                    }
                    _ => {}
                }
            }
            let element = trim_ows(&self.rest[..end]);
            self.rest = self.rest.get(end + 1..).unwrap_or(&[]);
            if !element.is_empty() {
                return Some(element);
            }
        }
        None
    }
}

/// Parses a field section starting at `buf[start..]` up to and including its
/// empty line (RFC 9112 §5), appending the fields to `headers`. Returns the
/// offset just past the empty line. Lines end in CRLF or a bare LF (§2.2);
/// obs-fold (a line starting with whitespace) and whitespace between the
/// name and the colon are rejected (§5.1, §5.2).
pub fn parse_fields<'a>(
    buf: &'a [u8],
    start: usize,
    headers: &mut Headers<'a>,
) -> Result<usize, HttpError> {
    let mut pos = start;
    loop {
        match buf.get(pos) {
            None => return Err(HttpError::Incomplete),
            Some(b'\r') => {
                return match buf.get(pos + 1) {
                    None => Err(HttpError::Incomplete),
                    Some(b'\n') => Ok(pos + 2),
                    Some(_) => Err(HttpError::Malformed("CR not followed by LF")),
                };
            }
            Some(b'\n') => return Ok(pos + 1),
            Some(b' ' | b'\t') => {
                return Err(HttpError::Malformed("obsolete line folding"));
            }
            Some(_) => {}
        }
        // field-name ":" OWS field-value OWS
        let name_start = pos;
        while let Some(&b) = buf.get(pos) {
            if !is_tchar(b) {
                break;
            }
            pos += 1;
        }
        match buf.get(pos) {
            None => return Err(HttpError::Incomplete),
            Some(b':') if pos > name_start => {}
            Some(b' ' | b'\t') => {
                return Err(HttpError::Malformed("whitespace before colon"));
            }
            Some(_) => return Err(HttpError::Malformed("invalid field name")),
        }
        let name = ascii_str(&buf[name_start..pos]);
        pos += 1;
        let (value, next) = field_value(buf, pos)?;
        if headers.len() == MAX_HEADERS {
            return Err(HttpError::TooManyHeaders);
        }
        headers
            .fields
            .push((Cow::Borrowed(name), Cow::Borrowed(value)));
        pos = next;
    }
}

/// Reads a field value and its line ending from `buf[pos..]`; returns the
/// value with OWS trimmed and the offset of the next line.
fn field_value(buf: &[u8], mut pos: usize) -> Result<(&[u8], usize), HttpError> {
    let start = pos;
    loop {
        match buf.get(pos) {
            None => return Err(HttpError::Incomplete),
            Some(b'\r') => {
                return match buf.get(pos + 1) {
                    None => Err(HttpError::Incomplete),
                    Some(b'\n') => Ok((trim_ows(&buf[start..pos]), pos + 2)),
                    Some(_) => Err(HttpError::Malformed("CR not followed by LF")),
                };
            }
            Some(b'\n') => return Ok((trim_ows(&buf[start..pos]), pos + 1)),
            Some(&b) if is_field_byte(b) => pos += 1,
            Some(_) => return Err(HttpError::Malformed("invalid byte in field value")),
        }
    }
}

/// Views bytes already checked to be ASCII tokens as a str.
pub(super) fn ascii_str(bytes: &[u8]) -> &str {
    // Only ever called on token bytes, which are ASCII; an empty string
    // stands in for the impossible failure.
    std::str::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Result<(Headers<'_>, usize), HttpError> {
        let mut h = Headers::new();
        let end = parse_fields(s, 0, &mut h)?;
        Ok((h, end))
    }

    #[test]
    fn lookup_is_case_insensitive_and_ordered() {
        let (h, end) =
            parse(b"Host: a\r\nAccept: x, y\r\naccept:  \"q,r\" ,z \r\n\r\nbody").unwrap();
        assert_eq!(end, 45);
        assert_eq!(h.get("HOST"), Some(&b"a"[..]));
        assert_eq!(h.get_all("Accept").count(), 2);
        let list: Vec<&[u8]> = h.list("accept").collect();
        assert_eq!(list, vec![&b"x"[..], b"y", b"\"q,r\"", b"z"]);
        assert!(h.has_token("accept", "Z"));
        assert!(!h.has_token("accept", "q"));
    }

    #[test]
    fn rejects_folding_space_before_colon_and_ctl() {
        assert_eq!(
            parse(b"A: b\r\n c\r\n\r\n").unwrap_err(),
            HttpError::Malformed("obsolete line folding")
        );
        assert_eq!(
            parse(b"A : b\r\n\r\n").unwrap_err(),
            HttpError::Malformed("whitespace before colon")
        );
        assert!(parse(b"A: b\x00c\r\n\r\n").is_err());
        assert!(parse(b"A: b\rc\r\n\r\n").is_err());
        assert!(parse(b": b\r\n\r\n").is_err());
        assert_eq!(parse(b"A: b\r\n").unwrap_err(), HttpError::Incomplete);
    }

    #[test]
    fn too_many_fields() {
        let mut s = Vec::new();
        for i in 0..=MAX_HEADERS {
            s.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        s.extend_from_slice(b"\r\n");
        assert_eq!(parse(&s).unwrap_err(), HttpError::TooManyHeaders);
    }

    #[test]
    fn emit_skips_fields_that_could_split_a_message() {
        let mut h = Headers::new();
        h.append("Location", &b"/a\r\nSet-Cookie: x=1"[..]);
        h.append("Bad Name", &b"v"[..]);
        h.append("X-Ok", &b"v w"[..]);
        h.set("x-ok", &b"z"[..]);
        let mut out = Vec::new();
        h.emit(&mut out);
        assert_eq!(out, b"x-ok: z\r\n");
    }
}
