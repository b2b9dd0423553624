//! Range requests answered from a complete stored response (RFC 9110 §14,
//! RFC 9111 §3.4's complete responses): the file server's Range evaluation
//! (bounded specs, coalesced ranges) applied to the stored body, If-Range
//! checked against the stored validators (§13.1.5), one range as a 206 with
//! Content-Range, several as multipart/byteranges (§14.6), none satisfiable
//! as a 416. The cost is bounded: the body sent is at most the stored body
//! plus one part header per coalesced range.

use crate::files::range::{Multipart, RangeDecision, evaluate_range};
use crate::files::validators::{Validators, if_range_allows};
use crate::wire::date::parse_http_date;
use crate::wire::{Headers, ResponseHead};

/// The partial answer to `request` from a stored 200 `head` and `body`, or
/// `None` when the whole response should be sent (no Range, an If-Range
/// that does not match, a Range to ignore).
pub fn ranged(
    head: &ResponseHead<'_>,
    body: &[u8],
    request: &Headers<'_>,
) -> Option<(ResponseHead<'static>, Vec<u8>)> {
    let range = request.get_str("range")?;
    if head.status != 200 || !if_range_matches(head, request) {
        return None;
    }
    let total = body.len() as u64;
    let mut out = head.clone().into_owned();
    out.headers.remove("content-length");
    out.headers.remove("content-range");
    match evaluate_range(range, total) {
        RangeDecision::Whole => None,
        RangeDecision::Unsatisfiable => {
            let mut h = ResponseHead::new(416);
            h.headers
                .append("Content-Range", format!("bytes */{total}").into_bytes());
            Some((h, Vec::new()))
        }
        RangeDecision::Partial(ranges) => {
            out.status = 206;
            out.reason = "Partial Content".into();
            let slice = |start: u64, len: u64| &body[start as usize..(start + len) as usize];
            if let [one] = ranges.as_slice() {
                out.headers
                    .set("Content-Range", one.content_range(total).into_bytes());
                return Some((out, slice(one.start, one.len).to_vec()));
            }
            let ctype = head
                .headers
                .get_str("content-type")
                .unwrap_or("application/octet-stream")
                .to_string();
            let layout = Multipart::new("l7-cache-byteranges", &ctype, &ranges, total);
            out.headers
                .set("Content-Type", layout.content_type().into_bytes());
            let mut bytes = Vec::with_capacity(layout.content_length() as usize);
            for part in &layout.parts {
                bytes.extend_from_slice(&part.header);
                bytes.extend_from_slice(slice(part.range.start, part.range.len));
            }
            bytes.extend_from_slice(&layout.closing);
            Some((out, bytes))
        }
    }
}

/// RFC 9110 §13.1.5, by the file server's rule applied to the stored
/// validators (a missing Last-Modified equals no date).
fn if_range_matches(head: &ResponseHead<'_>, request: &Headers<'_>) -> bool {
    let stored = Validators {
        etag: head.headers.get_str("etag").unwrap_or_default().to_string(),
        last_modified: head
            .headers
            .get_str("last-modified")
            .and_then(parse_http_date)
            .unwrap_or(u64::MAX),
    };
    if_range_allows(request, &stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored() -> ResponseHead<'static> {
        let mut h = ResponseHead::new(200);
        h.headers.append("Content-Type", &b"text/plain"[..]);
        h.headers.append("Content-Length", &b"10"[..]);
        h.headers.append("ETag", &b"\"v1\""[..]);
        h.headers
            .append("Last-Modified", &b"Sun, 06 Nov 1994 08:49:37 GMT"[..]);
        h
    }

    fn req(fields: &[(&str, &str)]) -> Headers<'static> {
        let mut h = Headers::new();
        for (n, v) in fields {
            h.append(n.to_string(), v.as_bytes().to_vec());
        }
        h
    }

    #[test]
    fn single_multiple_and_unsatisfiable_ranges() {
        let body = b"0123456789";
        assert!(ranged(&stored(), body, &req(&[])).is_none());
        let (h, b) = ranged(&stored(), body, &req(&[("Range", "bytes=-5")])).unwrap();
        assert_eq!((h.status, &b[..]), (206, &b"56789"[..]));
        assert_eq!(h.headers.get_str("content-range"), Some("bytes 5-9/10"));
        assert_eq!(h.headers.get("content-length"), None);
        let (h, b) = ranged(&stored(), body, &req(&[("Range", "bytes=0-1,8-")])).unwrap();
        assert_eq!(h.status, 206);
        assert!(
            h.headers
                .get_str("content-type")
                .unwrap()
                .starts_with("multipart/byteranges; boundary=")
        );
        let text = String::from_utf8(b).unwrap();
        assert!(
            text.contains("Content-Range: bytes 0-1/10\r\n\r\n01\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Content-Range: bytes 8-9/10\r\n\r\n89\r\n"),
            "{text}"
        );
        let (h, b) = ranged(&stored(), body, &req(&[("Range", "bytes=20-")])).unwrap();
        assert_eq!((h.status, b.len()), (416, 0));
        assert_eq!(h.headers.get_str("content-range"), Some("bytes */10"));
        // Too many specs: the whole response.
        let many = format!("bytes={}", vec!["0-0"; 40].join(","));
        assert!(ranged(&stored(), body, &req(&[("Range", &many)])).is_none());
    }

    #[test]
    fn if_range_against_the_stored_validators() {
        let body = b"0123456789";
        let with = |v: &str| req(&[("Range", "bytes=0-0"), ("If-Range", v)]);
        assert!(ranged(&stored(), body, &with("\"v1\"")).is_some());
        assert!(ranged(&stored(), body, &with("\"v2\"")).is_none());
        assert!(ranged(&stored(), body, &with("W/\"v1\"")).is_none());
        assert!(ranged(&stored(), body, &with("Sun, 06 Nov 1994 08:49:37 GMT")).is_some());
        assert!(ranged(&stored(), body, &with("Mon, 07 Nov 1994 08:49:37 GMT")).is_none());
    }
}
