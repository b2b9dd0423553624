//! Message body framing (RFC 9112 §6) and connection persistence (§9.3):
//! how long the body after a head is, decided so that a request can never be
//! read two ways (no request smuggling).

use super::{Headers, HttpError, RequestHead, ResponseHead, Version};

/// How the body following a head is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body at all.
    Empty,
    /// Exactly this many bytes (Content-Length).
    Length(u64),
    /// The chunked transfer coding (RFC 9112 §7.1).
    Chunked,
    /// Everything until the connection closes (responses only).
    UntilClose,
}

/// The body length of a request (RFC 9112 §6.3 rules 3–6), strictly:
/// Transfer-Encoding together with Content-Length is rejected, as is any
/// Transfer-Encoding in HTTP/1.0 (§6.1); the codings must be exactly one
/// `chunked` after any others, which this server does not implement (501);
/// anything unusual (`xchunked`, `chunked, chunked`, empty elements that
/// hide codings) is malformed; Content-Length must be one valid number.
pub fn request_framing(head: &RequestHead<'_>) -> Result<BodyFraming, HttpError> {
    let has_te = head.headers.contains("transfer-encoding");
    let length = content_length(&head.headers)?;
    if has_te {
        if length.is_some() {
            return Err(HttpError::Malformed(
                "both Transfer-Encoding and Content-Length",
            ));
        }
        if head.version == Version::Http10 {
            return Err(HttpError::Malformed("Transfer-Encoding in HTTP/1.0"));
        }
        return match strict_codings(&head.headers)? {
            Codings::ChunkedOnly => Ok(BodyFraming::Chunked),
            Codings::OthersThenChunked => Err(HttpError::UnsupportedTransferCoding),
            Codings::NotChunkedLast => Err(HttpError::Malformed("chunked is not the final coding")),
        };
    }
    Ok(match length {
        Some(0) | None => BodyFraming::Empty,
        Some(n) => BodyFraming::Length(n),
    })
}

/// The body length of a response to a request with `request_method`
/// (RFC 9112 §6.3 rules 1–7). Transfer-Encoding overrides Content-Length;
/// a response whose final coding is not chunked, or an HTTP/1.0 response with
/// Transfer-Encoding, is read until the connection closes.
pub fn response_framing(
    request_method: &str,
    head: &ResponseHead<'_>,
) -> Result<BodyFraming, HttpError> {
    let status = head.status;
    // Rule 1: HEAD, 1xx, 204 and 304 responses end at the empty line.
    if request_method == "HEAD" || head.is_informational() || status == 204 || status == 304 {
        return Ok(BodyFraming::Empty);
    }
    // Rule 2: a 2xx answer to CONNECT turns the connection into a tunnel.
    if request_method == "CONNECT" && (200..300).contains(&status) {
        return Ok(BodyFraming::Empty);
    }
    if head.headers.contains("transfer-encoding") {
        let chunked_last = head.version == Version::Http11
            && head
                .headers
                .list("transfer-encoding")
                .last()
                .is_some_and(|c| c.eq_ignore_ascii_case(b"chunked"));
        return Ok(if chunked_last {
            BodyFraming::Chunked
        } else {
            BodyFraming::UntilClose
        });
    }
    Ok(match content_length(&head.headers)? {
        Some(0) => BodyFraming::Empty,
        Some(n) => BodyFraming::Length(n),
        None => BodyFraming::UntilClose,
    })
}

/// True when the connection stays open after this message (RFC 9112 §9.3):
/// HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with
/// `Connection: keep-alive` (RFC 9112 Appendix C.2.2).
pub fn keeps_alive(version: Version, headers: &Headers<'_>) -> bool {
    if headers.has_token("connection", "close") {
        return false;
    }
    match version {
        Version::Http11 => true,
        Version::Http10 => headers.has_token("connection", "keep-alive"),
    }
}

/// Removes the hop-by-hop fields a proxy must not forward (RFC 9110
/// §7.6.1): those named in Connection, Connection itself, and the fields
/// that only describe one connection (Keep-Alive, Proxy-Connection, TE,
/// Transfer-Encoding, Upgrade, Trailer).
pub fn remove_hop_by_hop(headers: &mut Headers<'_>) {
    let named: Vec<String> = headers
        .list("connection")
        .filter_map(|n| std::str::from_utf8(n).ok())
        .map(str::to_string)
        .collect();
    for name in named.iter().map(String::as_str).chain([
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "transfer-encoding",
        "upgrade",
        "trailer",
    ]) {
        headers.remove(name);
    }
}

/// The Content-Length of a message, if present (RFC 9110 §8.6): every field
/// and every list element must be the same run of digits; differing values,
/// signs, spaces inside, empty values or overflow are malformed.
pub fn content_length(headers: &Headers<'_>) -> Result<Option<u64>, HttpError> {
    let mut found = None;
    for value in headers.get_all("content-length") {
        for element in value.split(|&b| b == b',') {
            let n = parse_decimal(super::syntax::trim_ows(element))
                .ok_or(HttpError::Malformed("invalid Content-Length"))?;
            if found.is_some_and(|f| f != n) {
                return Err(HttpError::Malformed("differing Content-Length values"));
            }
            found = Some(n);
        }
    }
    Ok(found)
}

fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &d| {
        d.is_ascii_digit()
            .then(|| acc.checked_mul(10)?.checked_add(u64::from(d - b'0')))
            .flatten()
    })
}

enum Codings {
    ChunkedOnly,
    OthersThenChunked,
    NotChunkedLast,
}

/// Reads the Transfer-Encoding list of a request strictly: every element a
/// token, no empty elements, `chunked` exactly once and last.
fn strict_codings(headers: &Headers<'_>) -> Result<Codings, HttpError> {
    let mut count = 0usize;
    let mut chunked_at = None;
    for value in headers.get_all("transfer-encoding") {
        for element in value.split(|&b| b == b',') {
            let coding = super::syntax::trim_ows(element);
            // Parameters (`;q=`) are not allowed on codings in requests we accept.
            if !super::syntax::is_token(coding) {
                return Err(HttpError::Malformed("invalid transfer coding"));
            }
            if coding.eq_ignore_ascii_case(b"chunked") {
                if chunked_at.is_some() {
                    return Err(HttpError::Malformed("chunked applied twice"));
                }
                chunked_at = Some(count);
            }
            count += 1;
        }
    }
    Ok(match chunked_at {
        Some(i) if i + 1 == count && count == 1 => Codings::ChunkedOnly,
        Some(i) if i + 1 == count => Codings::OthersThenChunked,
        _ => Codings::NotChunkedLast,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(s: &str) -> Result<BodyFraming, HttpError> {
        let (head, _) = RequestHead::parse(s.as_bytes())?;
        request_framing(&head)
    }

    fn resp(method: &str, s: &str) -> BodyFraming {
        let (head, _) = ResponseHead::parse(s.as_bytes()).unwrap();
        response_framing(method, &head).unwrap()
    }

    #[test]
    fn request_bodies() {
        assert_eq!(
            req("GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
            Ok(BodyFraming::Empty)
        );
        assert_eq!(
            req("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"),
            Ok(BodyFraming::Length(5))
        );
        assert_eq!(
            req("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n"),
            Ok(BodyFraming::Length(5))
        );
        assert_eq!(
            req("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"),
            Ok(BodyFraming::Chunked)
        );
        assert_eq!(
            req("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            Err(HttpError::UnsupportedTransferCoding)
        );
    }

    #[test]
    fn smuggling_attempts_are_rejected() {
        for bad in [
            // CL.TE and TE.CL
            "POST / HTTP/1.1\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n",
            // CL.CL with different values
            "POST / HTTP/1.1\r\nContent-Length: 6\r\nContent-Length: 7\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 6, 7\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: +6\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 6 6\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 0x6\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
            // obfuscated Transfer-Encoding
            "POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: \"chunked\"\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked;q=1\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: ,chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunk ed\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            let verdict = req(bad);
            assert!(
                matches!(verdict, Err(HttpError::Malformed(_))),
                "{bad:?} gave {verdict:?}"
            );
        }
        // Header-level obfuscation never reaches framing: the head is malformed.
        for bad in [
            "POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding:\x0bchunked\r\n\r\n",
            "POST / HTTP/1.1\r\nFoo: x\r\n Transfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\rX: y\r\n\r\n",
        ] {
            assert!(matches!(req(bad), Err(HttpError::Malformed(_))), "{bad:?}");
        }
    }

    #[test]
    fn response_bodies() {
        let ok_cl = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n";
        assert_eq!(resp("GET", ok_cl), BodyFraming::Length(3));
        assert_eq!(resp("HEAD", ok_cl), BodyFraming::Empty);
        assert_eq!(
            resp(
                "GET",
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n"
            ),
            BodyFraming::Empty
        );
        assert_eq!(
            resp("GET", "HTTP/1.1 204 No Content\r\n\r\n"),
            BodyFraming::Empty
        );
        assert_eq!(
            resp("GET", "HTTP/1.1 100 Continue\r\n\r\n"),
            BodyFraming::Empty
        );
        assert_eq!(
            resp("GET", "HTTP/1.1 200 OK\r\n\r\n"),
            BodyFraming::UntilClose
        );
        assert_eq!(
            resp(
                "GET",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
            ),
            BodyFraming::Chunked
        );
        assert_eq!(
            resp("GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
            BodyFraming::UntilClose
        );
        assert_eq!(
            resp(
                "GET",
                "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            ),
            BodyFraming::UntilClose
        );
    }

    #[test]
    fn hop_by_hop_fields_are_removed() {
        let (head, _) = RequestHead::parse(
            b"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: 5\r\nTE: trailers\r\nAccept: */*\r\n\r\n",
        )
        .unwrap();
        let mut headers = head.headers;
        remove_hop_by_hop(&mut headers);
        let names: Vec<&str> = headers.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["Host", "Accept"]);
    }

    #[test]
    fn persistence() {
        let mut h = Headers::new();
        assert!(keeps_alive(Version::Http11, &h));
        assert!(!keeps_alive(Version::Http10, &h));
        h.append("Connection", &b"Keep-Alive"[..]);
        assert!(keeps_alive(Version::Http10, &h));
        h.append("Connection", &b"upgrade, close"[..]);
        assert!(!keeps_alive(Version::Http11, &h));
    }
}
