//! The response head: status line and header section (RFC 9112 §4, §5),
//! parsed borrowing from the received bytes and emitted by servers.

use std::borrow::Cow;
use std::io::Write;

use super::headers::parse_fields;
use super::limits::MAX_HEAD_BYTES;
use super::request::{line_end, parse_version, skip_empty_lines};
use super::{Headers, HttpError, Version};

/// A parsed or constructed status line plus header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead<'a> {
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// The three-digit status code, 100..=999.
    pub status: u16,
    /// The reason phrase (may be empty; empty when it held obs-text).
    pub reason: Cow<'a, str>,
    /// The header fields in order.
    pub headers: Headers<'a>,
}

impl<'a> ResponseHead<'a> {
    /// An HTTP/1.1 response with the standard reason phrase and no fields.
    pub fn new(status: u16) -> Self {
        ResponseHead {
            version: Version::Http11,
            status,
            reason: Cow::Borrowed(reason_phrase(status)),
            headers: Headers::new(),
        }
    }

    /// Parses a response head from the start of `buf`; returns it and the
    /// number of bytes it took.
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
        // status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF
        let start = skip_empty_lines(buf)?;
        let (version, mut pos) = parse_version(buf, start)?;
        match buf.get(pos) {
            None => return Err(HttpError::Incomplete),
            Some(b' ') => pos += 1,
            Some(_) => return Err(HttpError::Malformed("invalid status line")),
        }
        let mut status: u16 = 0;
        for _ in 0..3 {
            match buf.get(pos) {
                None => return Err(HttpError::Incomplete),
                Some(&d @ b'0'..=b'9') => status = status * 10 + u16::from(d - b'0'),
                Some(_) => return Err(HttpError::Malformed("invalid status code")),
            }
            pos += 1;
        }
        if status < 100 {
            return Err(HttpError::Malformed("invalid status code"));
        }
        // Like most clients, a missing SP before an empty reason is tolerated.
        let has_reason = buf.get(pos) == Some(&b' ');
        let reason_start = if has_reason { pos + 1 } else { pos };
        let mut end = reason_start;
        while let Some(&b) = buf.get(end).filter(|_| has_reason) {
            if !(b == b'\t' || b == b' ' || b.is_ascii_graphic() || b >= 0x80) {
                break;
            }
            end += 1;
        }
        let reason = std::str::from_utf8(&buf[reason_start..end])
            .ok()
            .filter(|r| r.is_ascii())
            .unwrap_or("");
        pos = line_end(buf, end, "invalid reason phrase")?;
        let mut headers = Headers::new();
        let end = parse_fields(buf, pos, &mut headers)?;
        let head = ResponseHead {
            version,
            status,
            reason: Cow::Borrowed(reason),
            headers,
        };
        Ok((head, end))
    }

    /// True for 1xx responses, which precede the final one (RFC 9110 §15.2).
    pub fn is_informational(&self) -> bool {
        (100..200).contains(&self.status)
    }

    /// A copy that owns every string, free of the received buffer.
    pub fn into_owned(self) -> ResponseHead<'static> {
        ResponseHead {
            version: self.version,
            status: self.status,
            reason: Cow::Owned(self.reason.into_owned()),
            headers: self.headers.into_owned(),
        }
    }

    /// Appends the status line, header fields and the empty line.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let reason = if self
            .reason
            .bytes()
            .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
        {
            &self.reason
        } else {
            ""
        };
        // Writing into a Vec cannot fail.
        let _ = write!(out, "{} {:03} {}\r\n", self.version, self.status, reason);
        self.headers.emit(out);
        out.extend_from_slice(b"\r\n");
    }
}

/// The reason phrase RFC 9110 §15 gives a status code ("" when unknown).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}
