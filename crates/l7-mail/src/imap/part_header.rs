//! Header fields as IMAP's ENVELOPE, BODYSTRUCTURE and section walks read
//! them: tolerant of damage, like the MUAs and servers they talk to. A line
//! that is not a field (no colon, RFC 5322 §2.2) is skipped instead of
//! spoiling the whole header, so one bad line does not turn a multipart
//! into text/plain. Lookups scan the header bytes; the first field wins.

/// The header of a message or MIME part (bytes through the blank line).
#[derive(Debug, Clone, Copy)]
pub struct PartHeader<'a>(pub &'a [u8]);

impl PartHeader<'_> {
    /// The first field called `name` (case-insensitive), unfolded
    /// (RFC 5322 §2.2.3) and trimmed; invalid UTF-8 replaced.
    pub fn value(&self, name: &str) -> Option<String> {
        let mut value: Option<Vec<u8>> = None;
        for line in self.0.split_inclusive(|&b| b == b'\n') {
            let bare = line.strip_suffix(b"\n").unwrap_or(line);
            let bare = bare.strip_suffix(b"\r").unwrap_or(bare);
            if bare.is_empty() {
                break; // the blank line ends the header
            }
            if let Some(v) = value.as_mut() {
                if matches!(bare[0], b' ' | b'\t') {
                    v.extend_from_slice(bare);
                    continue;
                }
                break;
            }
            if let Some(colon) = bare.iter().position(|&b| b == b':')
                && bare[..colon]
                    .trim_ascii_end()
                    .eq_ignore_ascii_case(name.as_bytes())
            {
                value = Some(bare[colon + 1..].to_vec());
            }
        }
        value.map(|v| String::from_utf8_lossy(v.trim_ascii()).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_are_skipped_and_folds_joined() {
        let h = PartHeader(
            b"From a@b without colon\r\nSubject: one\r\n two\r\nContent-Type : text/html\r\n\r\nX-After: no\r\n",
        );
        assert_eq!(h.value("subject").as_deref(), Some("one two"));
        assert_eq!(h.value("Content-Type").as_deref(), Some("text/html"));
        assert_eq!(h.value("X-After"), None);
        assert_eq!(h.value("From"), None);
    }
}
