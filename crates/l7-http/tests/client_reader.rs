//! The client response reader: bodies by Content-Length, chunked and close,
//! HEAD and 304, interim responses, reuse decisions, pipelined leftovers,
//! truncation and the read timeout, stepped with explicit time.

use std::time::Duration;

use l7_http::client::{ClientError, ClientEvent, ResponseReader};
use l7_http::wire::Headers;
use l7_http::wire::framing::BodyFraming;
use l7_wire::Instant;

const T0: Instant = Instant::ZERO;
const TIMEOUT: Duration = Duration::from_secs(30);

/// Feeds `wire` in `step`-byte pieces; returns the status, framing, body and
/// the reusable flag of the End event (None when not ended).
fn read(method: &str, wire: &[u8], step: usize) -> (u16, BodyFraming, Vec<u8>, Option<bool>) {
    let mut r = ResponseReader::new(T0, method, true, TIMEOUT);
    for piece in wire.chunks(step) {
        r.handle_input(T0, piece).unwrap();
    }
    let (mut status, mut framing, mut body, mut end) = (0, BodyFraming::Empty, Vec::new(), None);
    while let Some(e) = r.poll_event() {
        match e {
            ClientEvent::Interim(_) => {}
            ClientEvent::Head(h, f) => (status, framing) = (h.status, f),
            ClientEvent::Body(b) => body.extend(b),
            ClientEvent::End { reusable, .. } => end = Some(reusable),
        }
    }
    (status, framing, body, end)
}

#[test]
fn bodies_by_length_and_chunked() {
    let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    for step in [1, 3, wire.len()] {
        assert_eq!(
            read("GET", wire, step),
            (200, BodyFraming::Length(5), b"hello".to_vec(), Some(true))
        );
    }
    let wire =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n";
    for step in [1, 7, wire.len()] {
        assert_eq!(read("GET", wire, step).2, b"hello!");
        assert_eq!(read("GET", wire, step).3, Some(true));
    }
}

#[test]
fn head_304_204_and_interim() {
    let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    assert_eq!(
        read("HEAD", wire, 4),
        (200, BodyFraming::Empty, vec![], Some(true))
    );
    let wire = b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 1000\r\n\r\n";
    assert_eq!(read("GET", wire, 4).3, Some(true));
    let wire = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
    let mut r = ResponseReader::new(T0, "PUT", true, TIMEOUT);
    r.handle_input(T0, wire).unwrap();
    assert!(matches!(r.poll_event(), Some(ClientEvent::Interim(h)) if h.status == 100));
    assert!(
        matches!(r.poll_event(), Some(ClientEvent::Head(h, BodyFraming::Empty)) if h.status == 204)
    );
    assert!(r.is_done());
}

#[test]
fn read_until_close_and_reuse() {
    let mut r = ResponseReader::new(T0, "GET", true, TIMEOUT);
    r.handle_input(T0, b"HTTP/1.0 200 OK\r\n\r\nsome ").unwrap();
    r.handle_input(T0, b"bytes").unwrap();
    assert!(!r.is_done());
    r.handle_eof().unwrap();
    let events: Vec<_> = std::iter::from_fn(|| r.poll_event()).collect();
    assert_eq!(
        events[1..],
        [
            ClientEvent::Body(b"some ".to_vec()),
            ClientEvent::Body(b"bytes".to_vec()),
            ClientEvent::End {
                trailers: Headers::new(),
                reusable: false
            },
        ]
    );
    let close = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(read("GET", close, 100).3, Some(false));
    let old = b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(read("GET", old, 100).3, Some(false));
    let ambiguous =
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert_eq!(read("GET", ambiguous, 100).3, Some(false));
}

#[test]
fn pipelined_leftover_goes_to_the_next_reader() {
    let mut r = ResponseReader::new(T0, "GET", true, TIMEOUT);
    r.handle_input(T0, b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").unwrap();
    assert!(r.is_done());
    let mut next = ResponseReader::new(T0, "GET", true, TIMEOUT);
    next.handle_input(T0, &r.take_leftover()).unwrap();
    assert!(matches!(next.poll_event(), Some(ClientEvent::Head(h, _)) if h.status == 404));
}

#[test]
fn truncation_errors_and_timeout() {
    let mut r = ResponseReader::new(T0, "GET", true, TIMEOUT);
    r.handle_input(T0, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        .unwrap();
    assert_eq!(r.handle_eof(), Err(ClientError::Closed));

    let mut r = ResponseReader::new(T0, "GET", true, TIMEOUT);
    assert!(matches!(
        r.handle_input(T0, b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n"),
        Err(ClientError::Http(_))
    ));
    assert!(r.handle_input(T0, b"more").is_err(), "errors are sticky");

    let mut r = ResponseReader::new(T0, "GET", true, TIMEOUT);
    r.handle_input(Instant::from_millis(5_000), b"HTTP/1.1 200")
        .unwrap();
    assert_eq!(r.poll_timeout(), Some(Instant::from_millis(35_000)));
    assert_eq!(r.handle_timeout(Instant::from_millis(34_999)), Ok(()));
    assert_eq!(
        r.handle_timeout(Instant::from_millis(35_000)),
        Err(ClientError::Timeout)
    );
}
