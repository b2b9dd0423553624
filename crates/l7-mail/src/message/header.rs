//! The header section of an RFC 5322 message (§2.2, §3.6): fields
//! `name ":" value CRLF`, values folded over lines that start with WSP
//! (§2.2.3), ended by an empty line. Parsing is bounded in bytes and fields;
//! line ends may be CRLF or a bare LF (files on disk often use LF).

use l7_wire::WireError;

/// Largest header section accepted.
pub const MAX_HEADER_SECTION: usize = 256 * 1024;
/// Most fields in one header section.
pub const MAX_HEADER_FIELDS: usize = 1000;

/// One header field, value kept as on the wire (folding included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderField {
    name: String,
    raw_value: Vec<u8>,
}

impl HeaderField {
    /// A field with an unfolded value, to be emitted.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        HeaderField {
            name: name.into(),
            raw_value: value.into().into_bytes(),
        }
    }

    /// The field name as written.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value bytes after the colon, folding kept, line end removed.
    pub fn raw_value(&self) -> &[u8] {
        &self.raw_value
    }

    /// The value unfolded (§2.2.3: CRLF before WSP removed) and trimmed,
    /// invalid UTF-8 replaced.
    pub fn value(&self) -> String {
        let unfolded: Vec<u8> = self
            .raw_value
            .iter()
            .copied()
            .filter(|&b| b != b'\r' && b != b'\n')
            .collect();
        String::from_utf8_lossy(&unfolded)
            .trim_matches([' ', '\t'])
            .to_string()
    }

    /// Appends `name: value` CRLF.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.name.as_bytes());
        out.push(b':');
        if !self.raw_value.starts_with(b" ") && !self.raw_value.starts_with(b"\t") {
            out.push(b' ');
        }
        out.extend_from_slice(&self.raw_value);
        out.extend_from_slice(b"\r\n");
    }
}

/// The fields of a header section, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<HeaderField>,
}

/// RFC 5322 §3.6.8: ftext = %d33-57 / %d59-126.
fn is_ftext(b: u8) -> bool {
    matches!(b, 33..=57 | 59..=126)
}

impl Headers {
    /// Parses the header section at the start of a complete message; returns
    /// the fields and the offset of the body (just after the empty line, or
    /// the end of input when there is no body).
    pub fn parse(raw: &[u8]) -> Result<(Headers, usize), WireError> {
        let mut fields: Vec<HeaderField> = Vec::new();
        let mut pos = 0;
        while pos < raw.len() {
            if pos > MAX_HEADER_SECTION {
                return Err(WireError::invalid("header section too large"));
            }
            let rest = &raw[pos..];
            // Look for the line end only within the section's limit.
            let window = &rest[..rest.len().min(MAX_HEADER_SECTION + 1 - pos)];
            let (line, next) = match window.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..i], pos + i + 1),
                None if rest.len() > window.len() => {
                    return Err(WireError::invalid("header section too large"));
                }
                None => (rest, raw.len()),
            };
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                return Ok((Headers { fields }, next));
            }
            if line[0] == b' ' || line[0] == b'\t' {
                // §2.2.3: a continuation line of the previous field.
                let field = fields
                    .last_mut()
                    .ok_or(WireError::invalid("header starts with a continuation line"))?;
                field.raw_value.extend_from_slice(b"\r\n");
                field.raw_value.extend_from_slice(line);
            } else {
                let colon = line
                    .iter()
                    .position(|&b| b == b':')
                    .ok_or(WireError::invalid("header line without colon"))?;
                // obs-optional (§4.5.8): WSP may precede the colon.
                let name = line[..colon].trim_ascii_end();
                if name.is_empty() || !name.iter().all(|&b| is_ftext(b)) {
                    return Err(WireError::invalid("bad header field name"));
                }
                if fields.len() >= MAX_HEADER_FIELDS {
                    return Err(WireError::invalid("too many header fields"));
                }
                fields.push(HeaderField {
                    name: String::from_utf8_lossy(name).into_owned(),
                    raw_value: line[colon + 1..].to_vec(),
                });
            }
            pos = next;
        }
        Ok((Headers { fields }, raw.len()))
    }

    /// The first field called `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&HeaderField> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The unfolded value of the first field called `name`.
    pub fn value(&self, name: &str) -> Option<String> {
        self.get(name).map(HeaderField::value)
    }

    /// Every field called `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a HeaderField> + 'a {
        self.fields
            .iter()
            .filter(move |f| f.name.eq_ignore_ascii_case(name))
    }

    /// All fields in order.
    pub fn fields(&self) -> &[HeaderField] {
        &self.fields
    }

    /// Appends a field at the end.
    pub fn push(&mut self, field: HeaderField) {
        self.fields.push(field);
    }

    /// Appends every field, each ending in CRLF (not the empty line).
    pub fn emit(&self, out: &mut Vec<u8>) {
        for field in &self.fields {
            field.emit(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfolds_and_finds_the_body() {
        // RFC 5322 Appendix A.1.1, with a folded Subject (§2.2.3).
        let msg = b"From: John Doe <jdoe@machine.example>\r\nTo: Mary Smith <mary@example.net>\r\n\
Subject: Saying\r\n Hello\r\nDate: Fri, 21 Nov 1997 09:55:06 -0600\r\n\r\nThis is a message just to say hello.\r\n";
        let (h, body) = Headers::parse(msg).unwrap();
        assert_eq!(h.fields().len(), 4);
        assert_eq!(h.value("subject").unwrap(), "Saying Hello");
        assert_eq!(h.get("SUBJECT").unwrap().raw_value(), b" Saying\r\n Hello");
        assert_eq!(&msg[body..], b"This is a message just to say hello.\r\n");
        let (lf, body) = Headers::parse(b"A: 1\nB : 2\n\nbody").unwrap();
        assert_eq!((lf.value("b").unwrap().as_str(), body), ("2", 12));
        let (none, end) = Headers::parse(b"A: 1").unwrap();
        assert_eq!((none.fields().len(), end), (1, 4));
    }

    #[test]
    fn refuses_broken_sections() {
        assert!(Headers::parse(b" cont\r\n\r\n").is_err());
        assert!(Headers::parse(b"no colon here\r\n\r\n").is_err());
        assert!(Headers::parse(b": empty name\r\n\r\n").is_err());
        let many = "X: 1\r\n".repeat(MAX_HEADER_FIELDS + 1);
        assert!(Headers::parse(many.as_bytes()).is_err());
        let huge = format!("X: {}\r\n\r\n", "x".repeat(MAX_HEADER_SECTION));
        assert_eq!(
            Headers::parse(huge.as_bytes()),
            Err(WireError::invalid("header section too large"))
        );
        let folded = format!("X: 1\r\n{}\r\n", " x\r\n".repeat(MAX_HEADER_SECTION / 4));
        assert!(Headers::parse(folded.as_bytes()).is_err());
        let fits = format!("X: {}\r\n\r\n", "x".repeat(MAX_HEADER_SECTION - 10));
        assert!(Headers::parse(fits.as_bytes()).is_ok());
    }
}
