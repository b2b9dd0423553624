//! Harnesses shared by the fuzz targets (`fuzz/fuzz_targets/http_*.rs`) and
//! the corpus replay test, so both exercise exactly the same code. Each one
//! feeds arbitrary bytes to a parser or state machine and checks invariants
//! that must hold for every input.

use std::time::Duration;

use l7_wire::Instant;

use crate::client::{ClientEvent, ResponseReader};
use crate::server::{ServerConfig, ServerConnection, ServerEvent};
use crate::wire::ResponseHead;
use crate::wire::chunked::{Chunk, ChunkedDecoder};

/// Splits `data` into pieces whose sizes come from its first byte.
fn pieces(data: &[u8]) -> (usize, &[u8]) {
    match data.split_first() {
        Some((&first, rest)) => (usize::from(first % 16) + 1, rest),
        None => (1, data),
    }
}

/// Parses `data` as a request head and runs everything a server derives
/// from one: the semantic checks, body framing, the demo shop's routing
/// and the request-cookie lookup; then the server connection on the same
/// bytes.
pub fn check_request(data: &[u8]) {
    if let Ok((head, used)) = crate::wire::RequestHead::parse(data) {
        assert!(used <= data.len());
        let _ = head.validate();
        let _ = crate::wire::framing::request_framing(&head);
        if let Some(req) = crate::shop::shop_request(&head) {
            assert!(
                req.visitor
                    .as_deref()
                    .is_none_or(crate::shop::is_visitor_id)
            );
        }
        let _ = crate::cookie::request_cookie(&head.headers, crate::shop::COOKIE);
    }
    drive_server(data);
}

/// Feeds `data` to a server connection in pieces, answering every request
/// (its body through the connection or written directly, by turns).
pub fn drive_server(data: &[u8]) {
    let (step, data) = pieces(data);
    let mut conn = ServerConnection::new(Instant::ZERO, ServerConfig::default());
    for (i, piece) in data.chunks(step).enumerate() {
        let now = Instant::from_millis(i as u64 * 10);
        conn.handle_input(now, piece);
        while let Some(event) = conn.poll_event() {
            if let ServerEvent::Request(request) = event {
                conn.want_body();
                let _ = request.head.validate();
                let _ = conn.send_response(now, ResponseHead::new(200), Some(2));
                // Every other request as a driver writing the body itself.
                if i % 2 == 0 {
                    let _ = conn.send_body(now, b"ok");
                } else {
                    let _ = conn.poll_transmit();
                    let _ = conn.send_body_direct(now, 2);
                }
            }
        }
        let _ = conn.poll_transmit();
        conn.handle_timeout(now);
    }
    conn.handle_eof(Instant::from_millis(u64::MAX / 2));
}

/// Feeds `data` to a chunked decoder in pieces; the decoded body can never
/// be longer than the input.
pub fn drive_chunked(data: &[u8]) {
    let (step, data) = pieces(data);
    let mut decoder = ChunkedDecoder::new();
    let mut pending = Vec::new();
    let mut body_len = 0usize;
    for piece in data.chunks(step) {
        pending.extend_from_slice(piece);
        let mut at = 0;
        loop {
            match decoder.decode(&pending[at..]) {
                Ok((used, out)) => {
                    at += used;
                    match out {
                        Some(Chunk::Data(d)) => body_len += d.len(),
                        Some(Chunk::End(_)) | None => break,
                    }
                }
                Err(_) => return,
            }
        }
        pending.drain(..at);
        if decoder.is_done() {
            break;
        }
    }
    assert!(body_len <= data.len());
}

/// Feeds `data` in pieces to response readers for a GET and a HEAD, then
/// closes; the body delivered can never be longer than the input.
pub fn drive_client(data: &[u8]) {
    let (step, data) = pieces(data);
    for method in ["GET", "HEAD"] {
        let mut reader = ResponseReader::new(Instant::ZERO, method, true, Duration::from_secs(30));
        let mut body_len = 0;
        for piece in data.chunks(step) {
            if reader.handle_input(Instant::ZERO, piece).is_err() {
                break;
            }
        }
        let _ = reader.handle_eof();
        while let Some(event) = reader.poll_event() {
            if let ClientEvent::Body(b) = event {
                body_len += b.len();
            }
        }
        assert!(body_len <= data.len());
        let _ = reader.take_leftover();
    }
}

/// Parses `data` as a response head and runs every cache decision on it:
/// Cache-Control, storability, freshness, age, reuse, 304 merge, ranges.
pub fn drive_cache(data: &[u8]) {
    use crate::cache::decide::{freshen, not_modified, reuse, stale_if_error, validates};
    use crate::cache::{
        CacheControl, CacheKind, Entry, Exchange, Times, current_age, secondary_key,
    };
    let Ok((head, _)) = ResponseHead::parse(data) else {
        let mut h = crate::wire::Headers::new();
        h.append("Cache-Control", data.to_vec());
        let _ = CacheControl::parse(&h);
        return;
    };
    let head = head.into_owned();
    let request = head.headers.clone();
    // Ranges (and If-Range) of the input's fields against the input as a stored 200.
    let mut stored = head.clone();
    stored.status = 200;
    if let Some((partial, body)) = crate::cache::ranged::ranged(&stored, data, &request) {
        // Bounded: at most 32 coalesced parts, each a header naming the type.
        assert!(partial.status == 416 || body.len() <= 33 * data.len() + 32 * 160 + 64);
    }
    for kind in [CacheKind::Private, CacheKind::Shared] {
        let x = Exchange {
            method: "GET",
            request: &request,
            status: head.status,
            response: &head.headers,
        };
        let _ = crate::cache::freshness_lifetime(&x, kind, u64::MAX / 2);
        let times = Times {
            request_time: u64::MAX,
            response_time: 0,
        };
        let _ = current_age(&head.headers, times, u64::MAX);
        let mut entry = Entry {
            key: "GET http://a/".into(),
            vary: secondary_key(&head.headers, &request),
            times,
            head: head.clone(),
            body: bytes::Bytes::new(),
        };
        let _ = reuse(&entry, "GET", &request, kind, u64::MAX);
        let _ = stale_if_error(&entry, &request, kind, u64::MAX);
        let _ = not_modified(&entry.head, &request);
        if validates(&entry, &head) {
            freshen(&mut entry, &head, 0, u64::MAX);
        }
    }
}

/// Decodes `data` as a stored cache entry; whatever decodes must encode
/// back to an entry that decodes the same.
pub fn drive_cache_entry(data: &[u8]) {
    if let Ok(entry) = crate::cache::Entry::decode(data) {
        let again = crate::cache::Entry::decode(&entry.encode());
        assert_eq!(again.as_ref(), Ok(&entry), "entry did not round-trip");
    }
}

/// Parses `data` as a URL and as an HTML page; resolves every reference.
pub fn drive_url_and_page(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let base = crate::client::Url::parse(&text)
        .unwrap_or_else(|_| crate::client::Url::parse("http://a/b/c").expect("a valid URL"));
    for r in crate::client::page::references(&text) {
        if let Ok(u) = base.join(&r) {
            assert!(u.path_and_query.starts_with('/'));
        }
    }
}
