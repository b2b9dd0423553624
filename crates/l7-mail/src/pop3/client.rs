//! The reading side of a POP3 client (RFC 1939 §3): status lines and
//! multi-line responses with their dot-stuffing undone, with a bound on how
//! much one response may hold. The driver writes commands and feeds each
//! line it reads (CRLF included) to these types.

/// Longest status line accepted from a server (RFC 2449 §4: 512 octets).
pub const MAX_STATUS_LINE: usize = 512;

/// A status line: `+OK text` or `-ERR text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// `+OK`, with the text after it.
    Ok(String),
    /// `-ERR`, with the text after it.
    Err(String),
}

impl Status {
    /// Parses a status line (with or without CRLF); `None` if it is
    /// neither `+OK` nor `-ERR`.
    pub fn parse(line: &[u8]) -> Option<Status> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = |rest: &[u8]| {
            String::from_utf8_lossy(rest.strip_prefix(b" ").unwrap_or(rest)).into_owned()
        };
        if let Some(rest) = line.strip_prefix(b"+OK") {
            Some(Status::Ok(text(rest)))
        } else {
            line.strip_prefix(b"-ERR")
                .map(|rest| Status::Err(text(rest)))
        }
    }
}

/// A multi-line response body being read, up to a size bound.
#[derive(Debug)]
pub struct Multiline {
    body: Vec<u8>,
    limit: usize,
}

/// The body grew past the bound the reader was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server's response is larger than {0} octets")]
pub struct TooLarge(pub usize);

impl Multiline {
    /// A reader that refuses bodies longer than `limit` octets.
    pub fn new(limit: usize) -> Self {
        Multiline {
            body: Vec::new(),
            limit,
        }
    }

    /// Feeds one line (ending in LF); returns the body once the `.` line
    /// arrives. RFC 1939 §3: a leading `.` of any other line is removed.
    pub fn push_line(&mut self, line: &[u8]) -> Result<Option<Vec<u8>>, TooLarge> {
        if line == b".\r\n" || line == b".\n" {
            return Ok(Some(std::mem::take(&mut self.body)));
        }
        let line = line.strip_prefix(b".").unwrap_or(line);
        if self.body.len() + line.len() > self.limit {
            return Err(TooLarge(self.limit));
        }
        self.body.extend_from_slice(line);
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(
            Status::parse(b"+OK 2 320\r\n"),
            Some(Status::Ok("2 320".into()))
        );
        assert_eq!(Status::parse(b"+OK\r\n"), Some(Status::Ok(String::new())));
        assert_eq!(
            Status::parse(b"-ERR [AUTH] no\r\n"),
            Some(Status::Err("[AUTH] no".into()))
        );
        assert_eq!(Status::parse(b"* OK imap"), None);
    }

    #[test]
    fn unstuffs_and_bounds() {
        let mut m = Multiline::new(100);
        assert_eq!(m.push_line(b"a\r\n"), Ok(None));
        assert_eq!(m.push_line(b"..b\r\n"), Ok(None));
        assert_eq!(m.push_line(b".\r\n"), Ok(Some(b"a\r\n.b\r\n".to_vec())));
        let mut small = Multiline::new(3);
        assert_eq!(small.push_line(b"abcd\r\n"), Err(TooLarge(3)));
    }
}
