//! SMTP replies (RFC 5321 §4.2): a three-digit code, an optional enhanced
//! status code (RFC 3463 classes, carried in text per RFC 2034 §4), and one
//! or more text lines, emitted as `250-first` ... `250 last`. The parser is
//! the client side's: it reads one complete, possibly multi-line, reply.

use l7_wire::WireError;
use std::fmt;

/// Longest reply line accepted, CRLF included (RFC 5321 §4.5.3.1.5 says 512;
/// real servers send longer, so we allow the text-line limit).
pub const MAX_REPLY_LINE: usize = 1000;
/// Most lines in one multi-line reply (an EHLO reply has about a dozen).
pub const MAX_REPLY_LINES: usize = 128;

/// An RFC 3463 enhanced status code `class.subject.detail`, e.g. `5.1.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedStatus {
    /// 2 (success), 4 (persistent transient) or 5 (permanent).
    pub class: u8,
    /// The subject: 0 other, 1 addressing, 2 mailbox, 3 mail system, 4 network,
    /// 5 protocol, 6 content, 7 security.
    pub subject: u16,
    /// The detail within the subject.
    pub detail: u16,
}

impl EnhancedStatus {
    /// Builds `class.subject.detail`.
    pub const fn new(class: u8, subject: u16, detail: u16) -> Self {
        EnhancedStatus {
            class,
            subject,
            detail,
        }
    }

    /// Reads `d.ddd.ddd` (RFC 3463 §2: class 1 digit, subject and detail 1-3 digits).
    pub fn parse(s: &str) -> Option<EnhancedStatus> {
        let mut parts = s.split('.');
        let field = |p: Option<&str>, max: usize| {
            p.filter(|p| !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<u16>().ok())
        };
        let class = field(parts.next(), 1)?;
        let subject = field(parts.next(), 3)?;
        let detail = field(parts.next(), 3)?;
        if parts.next().is_some() || !matches!(class, 2 | 4 | 5) {
            return None;
        }
        Some(EnhancedStatus {
            class: class as u8,
            subject,
            detail,
        })
    }
}

impl fmt::Display for EnhancedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// What a reply means to the client (RFC 5321 §4.2.1, first digit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// 2yz: the action succeeded.
    Success,
    /// 3yz: go on (354 after DATA, 334 during AUTH).
    Intermediate,
    /// 4yz: failed this time; try again later.
    Transient,
    /// 5yz: failed; do not repeat the same request.
    Permanent,
}

/// One SMTP reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    code: u16,
    enhanced: Option<EnhancedStatus>,
    lines: Vec<String>,
}

impl Reply {
    /// A one-line reply. `code` must be 200..=599; texts must not hold CR or LF.
    pub fn new(code: u16, enhanced: Option<EnhancedStatus>, text: impl Into<String>) -> Self {
        Reply::multiline(code, enhanced, vec![text.into()])
    }

    /// A reply of several lines (at least one).
    pub fn multiline(code: u16, enhanced: Option<EnhancedStatus>, mut lines: Vec<String>) -> Self {
        debug_assert!((200..600).contains(&code));
        if lines.is_empty() {
            lines.push(String::new());
        }
        for line in &mut lines {
            line.retain(|c| c != '\r' && c != '\n');
        }
        Reply {
            code,
            enhanced,
            lines,
        }
    }

    /// The three-digit reply code.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The enhanced status code, when the reply carries one.
    pub fn enhanced(&self) -> Option<EnhancedStatus> {
        self.enhanced
    }

    /// The text lines, without codes.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The same reply without its enhanced status code (for HELO-mode
    /// sessions: RFC 2034 §4 codes are for clients that sent EHLO).
    pub fn without_enhanced(mut self) -> Self {
        self.enhanced = None;
        self
    }

    /// Success, intermediate, transient or permanent, from the first digit.
    pub fn severity(&self) -> Severity {
        match self.code / 100 {
            2 => Severity::Success,
            3 => Severity::Intermediate,
            4 => Severity::Transient,
            _ => Severity::Permanent,
        }
    }

    /// Appends the reply's wire form.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let last = self.lines.len() - 1;
        for (i, text) in self.lines.iter().enumerate() {
            out.extend_from_slice(self.code.to_string().as_bytes());
            let mut rest = String::new();
            if let Some(e) = self.enhanced {
                rest = e.to_string();
            }
            if !text.is_empty() {
                if !rest.is_empty() {
                    rest.push(' ');
                }
                rest.push_str(text);
            }
            if i != last {
                out.push(b'-');
            } else if !rest.is_empty() {
                out.push(b' ');
            }
            out.extend_from_slice(rest.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }

    /// The wire form as a vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.emit(&mut out);
        out
    }

    /// Reads one complete reply from the front of `buf`; returns it and the
    /// bytes consumed. `Incomplete` until the last line (`code SP`) arrives.
    pub fn parse(buf: &[u8]) -> Result<(Reply, usize), WireError> {
        let mut pos = 0;
        let mut code = None;
        let mut enhanced = None;
        let mut lines = Vec::new();
        loop {
            let rest = &buf[pos..];
            let Some(nl) = rest.iter().take(MAX_REPLY_LINE).position(|&b| b == b'\n') else {
                return Err(if rest.len() >= MAX_REPLY_LINE {
                    WireError::invalid("reply line too long")
                } else {
                    WireError::Incomplete
                });
            };
            let raw = &rest[..nl];
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            pos += nl + 1;
            let line =
                std::str::from_utf8(raw).map_err(|_| WireError::invalid("reply not UTF-8"))?;
            let (digits, tail) = line
                .split_at_checked(3)
                .ok_or(WireError::invalid("short reply line"))?;
            let this: u16 = match digits.parse() {
                Ok(c) if (200..600).contains(&c) && digits.bytes().all(|b| b.is_ascii_digit()) => c,
                _ => return Err(WireError::invalid("bad reply code")),
            };
            if *code.get_or_insert(this) != this {
                return Err(WireError::invalid(
                    "reply code changes within a multi-line reply",
                ));
            }
            let (more, text) = match tail.as_bytes().first() {
                None => (false, ""),
                Some(b' ') => (false, &tail[1..]),
                Some(b'-') => (true, &tail[1..]),
                Some(_) => return Err(WireError::invalid("bad reply separator")),
            };
            let (word, after) = text.split_once(' ').unwrap_or((text, ""));
            let text = match EnhancedStatus::parse(word) {
                Some(e) if lines.is_empty() && u16::from(e.class) == this / 100 => {
                    enhanced = Some(e);
                    after
                }
                Some(e) if enhanced == Some(e) => after,
                _ => text,
            };
            lines.push(text.to_string());
            if !more {
                return Ok((
                    Reply {
                        code: this,
                        enhanced,
                        lines,
                    },
                    pos,
                ));
            }
            if lines.len() >= MAX_REPLY_LINES {
                return Err(WireError::invalid("too many reply lines"));
            }
        }
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(String::from_utf8_lossy(&self.to_bytes()).trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emits_textbook_and_enhanced_forms() {
        let r = Reply::new(250, None, "Hello crepes.fr, pleased to meet you");
        assert_eq!(
            r.to_bytes(),
            b"250 Hello crepes.fr, pleased to meet you\r\n"
        );
        let e = Reply::new(550, Some(EnhancedStatus::new(5, 1, 1)), "unknown user");
        assert_eq!(e.to_bytes(), b"550 5.1.1 unknown user\r\n");
        let m = Reply::multiline(250, None, vec!["hamburger.edu".into(), "PIPELINING".into()]);
        assert_eq!(m.to_bytes(), b"250-hamburger.edu\r\n250 PIPELINING\r\n");
    }

    #[test]
    fn parses_multiline_and_waits_for_the_last_line() {
        let wire = b"250-hamburger.edu\r\n250-SIZE 1000\r\n250 HELP\r\nextra";
        assert_eq!(Reply::parse(&wire[..20]), Err(WireError::Incomplete));
        let (r, n) = Reply::parse(wire).unwrap();
        assert_eq!(n, wire.len() - 5);
        assert_eq!(r.lines(), ["hamburger.edu", "SIZE 1000", "HELP"]);
        let (e, _) = Reply::parse(b"452 4.5.3 Too many recipients\r\n").unwrap();
        assert_eq!(e.enhanced(), Some(EnhancedStatus::new(4, 5, 3)));
        assert_eq!(e.severity(), Severity::Transient);
        let (bare, _) = Reply::parse(b"250\r\n").unwrap();
        assert_eq!(bare.lines(), [""]);
        assert!(Reply::parse(b"250-a\r\n251 b\r\n").is_err());
        assert!(Reply::parse(b"abc\r\n").is_err());
        assert!(Reply::parse(&[b'2'; 2000]).is_err());
    }

    fn text() -> impl Strategy<Value = String> {
        "[A-Za-z][A-Za-z0-9 ,.<>@-]{0,30}"
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn round_trips(code in 200u16..600, e in proptest::option::of((0u16..1000, 0u16..1000)),
                       lines in proptest::collection::vec(text(), 1..5)) {
            let enhanced = e.map(|(s, d)| EnhancedStatus::new((code / 100) as u8, s, d))
                .filter(|e| matches!(e.class, 2 | 4 | 5));
            let r = Reply::multiline(code, enhanced, lines);
            let wire = r.to_bytes();
            prop_assert_eq!(Reply::parse(&wire).unwrap(), (r, wire.len()));
        }

        #[test]
        fn never_panics(buf in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Reply::parse(&buf);
        }
    }
}
