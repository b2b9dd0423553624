//! The request head: request line and header section (RFC 9112 §3, §5).
//! Parsing borrows from the received bytes; the line parser accepts exactly
//! what the syntax allows, and [`RequestHead::validate`] adds the semantic
//! checks a server applies (target form per method, Host rules, RFC 9112 §3.2).

use std::borrow::Cow;

use super::headers::{ascii_str, parse_fields};
use super::limits::{MAX_HEAD_BYTES, MAX_LEADING_EMPTY_LINES, MAX_METHOD_BYTES, MAX_TARGET_BYTES};
use super::syntax::{is_target_byte, is_tchar};
use super::{Headers, HttpError, Version};

/// A parsed or constructed request line plus header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead<'a> {
    /// The method token, case-sensitive (RFC 9110 §9.1).
    pub method: Cow<'a, str>,
    /// The request-target exactly as sent.
    pub target: Cow<'a, str>,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// The header fields in order.
    pub headers: Headers<'a>,
}

/// The four forms of request-target (RFC 9112 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestTarget<'t> {
    /// `/path?query`: the usual form for an origin server.
    Origin {
        /// The absolute path, still percent-encoded.
        path: &'t str,
        /// The query without `?`, if any.
        query: Option<&'t str>,
    },
    /// `http://host/path?query`: sent to proxies.
    Absolute {
        /// The scheme, e.g. `http`.
        scheme: &'t str,
        /// The authority, e.g. `example.com:8080`.
        authority: &'t str,
        /// The path and query (`/` when the URI had none).
        path_and_query: &'t str,
    },
    /// `host:port`: only for CONNECT.
    Authority(&'t str),
    /// `*`: only for a server-wide OPTIONS.
    Asterisk,
}

impl<'a> RequestHead<'a> {
    /// A request with no header fields.
    pub fn new(
        method: impl Into<Cow<'a, str>>,
        target: impl Into<Cow<'a, str>>,
        version: Version,
    ) -> Self {
        RequestHead {
            method: method.into(),
            target: target.into(),
            version,
            headers: Headers::new(),
        }
    }

    /// Parses a request head from the start of `buf`; returns it and the
    /// number of bytes it took (the body, if any, starts there). Leading
    /// empty lines are skipped (RFC 9112 §2.2).
    pub fn parse(buf: &'a [u8]) -> Result<(Self, usize), HttpError> {
        let window = &buf[..buf.len().min(MAX_HEAD_BYTES)];
        match Self::parse_within(window) {
            Err(HttpError::Incomplete) if buf.len() > MAX_HEAD_BYTES => {
                Err(HttpError::HeaderTooLarge)
            }
            other => other,
        }
    }

    fn parse_within(buf: &'a [u8]) -> Result<(Self, usize), HttpError> {
        let mut pos = skip_empty_lines(buf)?;
        // method SP request-target SP HTTP-version CRLF
        let method_start = pos;
        loop {
            match buf.get(pos) {
                None => return Err(HttpError::Incomplete),
                Some(b' ') if pos > method_start => break,
                Some(&b) if is_tchar(b) => pos += 1,
                Some(_) => return Err(HttpError::Malformed("invalid method")),
            }
            if pos - method_start > MAX_METHOD_BYTES {
                return Err(HttpError::Malformed("method too long"));
            }
        }
        let method = ascii_str(&buf[method_start..pos]);
        pos += 1;
        let target_start = pos;
        loop {
            match buf.get(pos) {
                None => return Err(HttpError::Incomplete),
                Some(b' ') if pos > target_start => break,
                Some(&b) if is_target_byte(b) => pos += 1,
                Some(_) => return Err(HttpError::Malformed("invalid request-target")),
            }
            if pos - target_start > MAX_TARGET_BYTES {
                return Err(HttpError::UriTooLong);
            }
        }
        let target = std::str::from_utf8(&buf[target_start..pos])
            .map_err(|_| HttpError::Malformed("request-target is not UTF-8"))?;
        pos += 1;
        let (version, after_version) = parse_version(buf, pos)?;
        pos = line_end(buf, after_version, "garbage after HTTP-version")?;
        let mut headers = Headers::new();
        let end = parse_fields(buf, pos, &mut headers)?;
        let head = RequestHead {
            method: Cow::Borrowed(method),
            target: Cow::Borrowed(target),
            version,
            headers,
        };
        Ok((head, end))
    }

    /// The semantic checks of RFC 9112 §3.2 and §3.2.2: the target form
    /// must suit the method, and an HTTP/1.1 request carries exactly one
    /// Host field (any HTTP/1.0 Host must also be single). Returns the
    /// classified target.
    pub fn validate(&self) -> Result<RequestTarget<'_>, HttpError> {
        let mut hosts = self.headers.get_all("host");
        match (hosts.next(), hosts.next()) {
            (Some(_), Some(_)) => return Err(HttpError::Malformed("repeated Host")),
            (None, _) if self.version == Version::Http11 => {
                return Err(HttpError::Malformed("missing Host"));
            }
            (Some(host), None) if !host.is_empty() && !authority_form(host) && !is_host(host) => {
                return Err(HttpError::Malformed("invalid Host"));
            }
            _ => {}
        }
        RequestTarget::classify(&self.method, &self.target)
    }

    /// True for a HEAD request, whose response never has a body.
    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }

    /// A copy that owns every string, free of the received buffer.
    pub fn into_owned(self) -> RequestHead<'static> {
        RequestHead {
            method: Cow::Owned(self.method.into_owned()),
            target: Cow::Owned(self.target.into_owned()),
            version: self.version,
            headers: self.headers.into_owned(),
        }
    }

    /// Appends the request line, header fields and the empty line.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.target.as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.version.as_str().as_bytes());
        out.extend_from_slice(b"\r\n");
        self.headers.emit(out);
        out.extend_from_slice(b"\r\n");
    }
}

impl<'t> RequestTarget<'t> {
    /// Classifies `target` for `method` (RFC 9112 §3.2.1–§3.2.4); any other
    /// combination, and any byte outside visible ASCII or a `#`, is malformed.
    pub fn classify(method: &str, target: &'t str) -> Result<Self, HttpError> {
        if !target.bytes().all(|b| b.is_ascii_graphic() && b != b'#') {
            return Err(HttpError::Malformed("invalid byte in request-target"));
        }
        if method == "CONNECT" {
            return authority_form(target.as_bytes())
                .then_some(RequestTarget::Authority(target))
                .ok_or(HttpError::Malformed("CONNECT needs host:port"));
        }
        if target == "*" {
            return if method == "OPTIONS" {
                Ok(RequestTarget::Asterisk)
            } else {
                Err(HttpError::Malformed("asterisk-form is only for OPTIONS"))
            };
        }
        if target.starts_with('/') {
            let (path, query) = match target.split_once('?') {
                Some((p, q)) => (p, Some(q)),
                None => (target, None),
            };
            return Ok(RequestTarget::Origin { path, query });
        }
        let (scheme, rest) = target
            .split_once("://")
            .ok_or(HttpError::Malformed("unknown request-target form"))?;
        let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_and_query) = rest.split_at(split);
        // RFC 9110 §4.2.4: userinfo in an http(s) URI is treated as an error.
        let authority_ok = is_host(authority.as_bytes()) || authority_form(authority.as_bytes());
        if !scheme_ok || !authority_ok {
            return Err(HttpError::Malformed("invalid absolute-form"));
        }
        let path_and_query = if path_and_query.is_empty() {
            "/"
        } else {
            path_and_query
        };
        Ok(RequestTarget::Absolute {
            scheme,
            authority,
            path_and_query,
        })
    }
}

/// RFC 9112 §3.2.3: authority-form is `uri-host ":" port` (also the
/// syntax of a Host value with a port, RFC 9110 §7.2).
fn authority_form(target: &[u8]) -> bool {
    let Some(colon) = target.iter().rposition(|&b| b == b':') else {
        return false;
    };
    let (host, port) = (&target[..colon], &target[colon + 1..]);
    is_host(host) && !port.is_empty() && port.len() <= 5 && port.iter().all(u8::is_ascii_digit)
}

/// RFC 3986 §3.2.2 `uri-host`: an IP literal in brackets, or a reg-name /
/// IPv4 address of unreserved, sub-delims and pct-encoded characters.
fn is_host(host: &[u8]) -> bool {
    if let Some(inner) = host.strip_prefix(b"[") {
        return inner.len() > 1
            && inner.ends_with(b"]")
            && inner[..inner.len() - 1]
                .iter()
                .all(|b| b.is_ascii_hexdigit() || b":.vV".contains(b));
    }
    !host.is_empty()
        && host
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(b))
}

/// Skips up to [`MAX_LEADING_EMPTY_LINES`] empty lines before a start line.
pub(super) fn skip_empty_lines(buf: &[u8]) -> Result<usize, HttpError> {
    let mut pos = 0;
    for _ in 0..=MAX_LEADING_EMPTY_LINES {
        match buf.get(pos) {
            Some(b'\r') => match buf.get(pos + 1) {
                None => return Err(HttpError::Incomplete),
                Some(b'\n') => pos += 2,
                Some(_) => return Err(HttpError::Malformed("CR not followed by LF")),
            },
            Some(b'\n') => pos += 1,
            _ => return Ok(pos),
        }
    }
    Err(HttpError::Malformed(
        "too many empty lines before start line",
    ))
}

/// RFC 9112 §2.3: `HTTP-version = "HTTP" "/" DIGIT "." DIGIT`, read
/// eagerly so a wrong byte is reported before the line is complete.
pub(super) fn parse_version(buf: &[u8], pos: usize) -> Result<(Version, usize), HttpError> {
    const PREFIX: &[u8] = b"HTTP/";
    for (i, &want) in PREFIX.iter().enumerate() {
        match buf.get(pos + i) {
            None => return Err(HttpError::Incomplete),
            Some(&b) if b == want => {}
            Some(_) => return Err(HttpError::Malformed("invalid HTTP-version")),
        }
    }
    let at = |i: usize| buf.get(pos + PREFIX.len() + i).copied();
    match at(0) {
        None => return Err(HttpError::Incomplete),
        Some(b'1') => {}
        Some(b'0'..=b'9') => return Err(HttpError::UnsupportedVersion),
        Some(_) => return Err(HttpError::Malformed("invalid HTTP-version")),
    }
    match at(1) {
        None => return Err(HttpError::Incomplete),
        Some(b'.') => {}
        Some(_) => return Err(HttpError::Malformed("invalid HTTP-version")),
    }
    let version = match at(2) {
        None => return Err(HttpError::Incomplete),
        Some(b'0') => Version::Http10,
        Some(b'1') => Version::Http11,
        Some(b'2'..=b'9') => return Err(HttpError::UnsupportedVersion),
        Some(_) => return Err(HttpError::Malformed("invalid HTTP-version")),
    };
    Ok((version, pos + PREFIX.len() + 3))
}

/// Expects a line ending (CRLF or bare LF) at `pos`; returns the next offset.
pub(super) fn line_end(buf: &[u8], pos: usize, what: &'static str) -> Result<usize, HttpError> {
    match buf.get(pos) {
        None => Err(HttpError::Incomplete),
        Some(b'\n') => Ok(pos + 1),
        Some(b'\r') => match buf.get(pos + 1) {
            None => Err(HttpError::Incomplete),
            Some(b'\n') => Ok(pos + 2),
            Some(_) => Err(HttpError::Malformed("CR not followed by LF")),
        },
        Some(_) => Err(HttpError::Malformed(what)),
    }
}
