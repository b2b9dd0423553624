//! Mailbox and path syntax of RFC 5321 §4.1.2 (with the UTF-8 extension of
//! RFC 6531 §3.3): `Local-part "@" (Domain / address-literal)`, the
//! reverse-path (which may be the null path `<>`), and the forward-path
//! (which may be the bare `<postmaster>`). Length limits are §4.5.3.1.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// RFC 5321 §4.5.3.1.1: at most 64 octets of local-part.
pub const MAX_LOCAL_PART: usize = 64;
/// RFC 5321 §4.5.3.1.2: at most 255 octets of domain.
pub const MAX_DOMAIN: usize = 255;
/// RFC 5321 §4.5.3.1.3: at most 256 octets of path, brackets included.
pub const MAX_PATH: usize = 256;

/// Why a mailbox or path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The text does not match the RFC 5321 grammar.
    #[error("syntax error in address: {0}")]
    Syntax(&'static str),
    /// A part exceeds the limits of RFC 5321 §4.5.3.1.
    #[error("address too long: {0}")]
    TooLong(&'static str),
}

/// An address `local@domain`, both parts kept as they appear on the wire
/// (a quoted local-part keeps its quotes; an address literal its brackets).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mailbox {
    local: String,
    domain: String,
}

/// `MAIL FROM:` argument: a mailbox, or the null path `<>` of bounces (§4.5.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReversePath {
    /// `<>`: no bounce may be sent for this message.
    Null,
    /// An ordinary sender.
    Mailbox(Mailbox),
}

/// `RCPT TO:` argument: a mailbox, or the bare `<Postmaster>` (§4.1.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ForwardPath {
    /// `<postmaster>` without a domain: the server's own postmaster.
    Postmaster,
    /// An ordinary recipient.
    Mailbox(Mailbox),
}

fn is_atext(c: char) -> bool {
    // RFC 5322 §3.2.3 atext, extended by RFC 6531 §3.3 with UTF8-non-ascii.
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii()
}

fn check_dot_string(s: &str) -> Result<(), AddressError> {
    if s.split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(is_atext))
    {
        Ok(())
    } else {
        Err(AddressError::Syntax("local-part is not a dot-string"))
    }
}

fn check_quoted_string(s: &str) -> Result<(), AddressError> {
    // RFC 5321 §4.1.2: Quoted-string = DQUOTE *QcontentSMTP DQUOTE.
    let inner = s
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or(AddressError::Syntax("unterminated quoted string"))?;
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(' '..='~') => {}
                _ => return Err(AddressError::Syntax("bad quoted-pair")),
            },
            '"' => return Err(AddressError::Syntax("bare quote in quoted string")),
            ' '..='~' => {}
            c if !c.is_ascii() => {}
            _ => return Err(AddressError::Syntax("control character in quoted string")),
        }
    }
    Ok(())
}

fn check_local_part(s: &str) -> Result<(), AddressError> {
    if s.len() > MAX_LOCAL_PART {
        return Err(AddressError::TooLong("local-part over 64 octets"));
    }
    if s.starts_with('"') {
        check_quoted_string(s)
    } else {
        check_dot_string(s)
    }
}

/// Checks `Domain = sub-domain *("." sub-domain)` (RFC 5321 §4.1.2), where a
/// sub-domain is a letter-digit-hyphen label (or a U-label, RFC 6531).
pub fn check_domain(s: &str) -> Result<(), AddressError> {
    if s.is_empty() {
        return Err(AddressError::Syntax("empty domain"));
    }
    if s.len() > MAX_DOMAIN {
        return Err(AddressError::TooLong("domain over 255 octets"));
    }
    for label in s.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii());
        if !ok {
            return Err(AddressError::Syntax("bad domain label"));
        }
    }
    Ok(())
}

fn check_address_literal(s: &str) -> Result<(), AddressError> {
    // RFC 5321 §4.1.3: IPv4, "IPv6:" and general address literals.
    let inner = s
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .ok_or(AddressError::Syntax("unterminated address literal"))?;
    if inner.parse::<Ipv4Addr>().is_ok() {
        return Ok(());
    }
    let (tag, content) = inner
        .split_once(':')
        .ok_or(AddressError::Syntax("bad address literal"))?;
    if tag.eq_ignore_ascii_case("IPv6") {
        return content
            .parse::<Ipv6Addr>()
            .map(|_| ())
            .map_err(|_| AddressError::Syntax("bad IPv6 address literal"));
    }
    // General-address-literal = Standardized-tag ":" 1*dcontent.
    let tag_ok = !tag.is_empty()
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !tag.ends_with('-');
    let content_ok =
        !content.is_empty() && content.bytes().all(|b| matches!(b, 33..=90 | 94..=126));
    if tag_ok && content_ok {
        Ok(())
    } else {
        Err(AddressError::Syntax("bad general address literal"))
    }
}

/// Checks a domain or an address literal, as EHLO and mailboxes allow.
pub fn check_domain_or_literal(s: &str) -> Result<(), AddressError> {
    if s.starts_with('[') {
        check_address_literal(s)
    } else {
        check_domain(s)
    }
}

/// Index of the `@` separating local-part and domain: the last `@` outside
/// a quoted local-part.
fn split_at_sign(s: &str) -> Option<usize> {
    if s.starts_with('"') {
        let mut escaped = false;
        for (i, c) in s.char_indices().skip(1) {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => return s[i + 1..].starts_with('@').then_some(i + 1),
                _ => {}
            }
        }
        None
    } else {
        s.rfind('@')
    }
}

impl Mailbox {
    /// Parses `local@domain` (no angle brackets).
    pub fn parse(s: &str) -> Result<Mailbox, AddressError> {
        let at = split_at_sign(s).ok_or(AddressError::Syntax("missing @"))?;
        let (local, domain) = (&s[..at], &s[at + 1..]);
        check_local_part(local)?;
        check_domain_or_literal(domain)?;
        Ok(Mailbox {
            local: local.to_string(),
            domain: domain.to_string(),
        })
    }

    /// The local-part as written (quotes kept).
    pub fn local_part(&self) -> &str {
        &self.local
    }

    /// The domain or address literal as written.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// True when the mailbox has non-ASCII characters (needs SMTPUTF8, RFC 6531).
    pub fn is_utf8(&self) -> bool {
        !self.local.is_ascii() || !self.domain.is_ascii()
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

/// Strips `<...>` and an optional source route (`@a,@b:`), which RFC 5321
/// §4.1.1.3 and Appendix C say servers MUST accept and SHOULD ignore.
fn path_inner(s: &str) -> Result<&str, AddressError> {
    if s.len() > MAX_PATH {
        return Err(AddressError::TooLong("path over 256 octets"));
    }
    let inner = s
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .ok_or(AddressError::Syntax("path must be enclosed in <>"))?;
    if inner.starts_with('@') {
        let colon = inner
            .find(':')
            .ok_or(AddressError::Syntax("bad source route"))?;
        for hop in inner[..colon].split(',') {
            let domain = hop
                .strip_prefix('@')
                .ok_or(AddressError::Syntax("bad source route"))?;
            check_domain(domain)?;
        }
        return Ok(&inner[colon + 1..]);
    }
    Ok(inner)
}

impl ReversePath {
    /// Parses `<>` or `<mailbox>`.
    pub fn parse(s: &str) -> Result<ReversePath, AddressError> {
        match path_inner(s)? {
            "" => Ok(ReversePath::Null),
            inner => Mailbox::parse(inner).map(ReversePath::Mailbox),
        }
    }

    /// The sender mailbox, unless this is the null path.
    pub fn mailbox(&self) -> Option<&Mailbox> {
        match self {
            ReversePath::Null => None,
            ReversePath::Mailbox(m) => Some(m),
        }
    }
}

impl fmt::Display for ReversePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReversePath::Null => f.write_str("<>"),
            ReversePath::Mailbox(m) => write!(f, "<{m}>"),
        }
    }
}

impl ForwardPath {
    /// Parses `<postmaster>` (any case) or `<mailbox>`.
    pub fn parse(s: &str) -> Result<ForwardPath, AddressError> {
        let inner = path_inner(s)?;
        if inner.eq_ignore_ascii_case("postmaster") {
            return Ok(ForwardPath::Postmaster);
        }
        Mailbox::parse(inner).map(ForwardPath::Mailbox)
    }
}

impl fmt::Display for ForwardPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForwardPath::Postmaster => f.write_str("<Postmaster>"),
            ForwardPath::Mailbox(m) => write!(f, "<{m}>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_rfc5321_forms() {
        let m = Mailbox::parse("alice@crepes.fr").unwrap();
        assert_eq!((m.local_part(), m.domain()), ("alice", "crepes.fr"));
        let q = Mailbox::parse(r#""john \"doe\"@x"@example.com"#).unwrap();
        assert_eq!(q.domain(), "example.com");
        assert!(Mailbox::parse("bob@[127.0.20.2]").is_ok());
        assert!(Mailbox::parse("bob@[IPv6:::1]").is_ok());
        assert!(Mailbox::parse("bob@[x-tag:stuff]").is_ok());
        assert!(
            Mailbox::parse("δοκιμή@παράδειγμα.δοκιμή")
                .unwrap()
                .is_utf8()
        );
        assert_eq!(ReversePath::parse("<>").unwrap(), ReversePath::Null);
        assert_eq!(
            ForwardPath::parse("<POSTMASTER>").unwrap(),
            ForwardPath::Postmaster
        );
        // Source routes are accepted and ignored (RFC 5321 Appendix C).
        assert_eq!(
            ForwardPath::parse("<@a.example,@b.example:bob@hamburger.edu>")
                .unwrap()
                .to_string(),
            "<bob@hamburger.edu>"
        );
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in [
            "alice",
            "@crepes.fr",
            "alice@",
            "a..b@x",
            ".a@x",
            "a@-x.fr",
            "a@x..fr",
            "a b@x",
            "\"a@x",
            "a@[1.2.3]",
            "a@[IPv6:zz]",
            "a@x_y.fr",
            "\"a\u{1}\"@x",
        ] {
            assert!(Mailbox::parse(bad).is_err(), "{bad}");
        }
        assert!(ReversePath::parse("alice@crepes.fr").is_err());
        assert!(ReversePath::parse("<alice@crepes.fr").is_err());
        let long = format!("{}@x.fr", "a".repeat(65));
        assert_eq!(
            Mailbox::parse(&long),
            Err(AddressError::TooLong("local-part over 64 octets"))
        );
    }
}
