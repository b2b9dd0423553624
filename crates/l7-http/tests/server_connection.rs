//! The server connection state machine stepped with explicit time:
//! persistence, pipelining, 100-continue, bodies, limit errors, smuggling
//! attempts and read timeouts (slowloris, idle keep-alive).

use std::time::Duration;

use l7_http::server::{ApiError, ServerConfig, ServerConnection, ServerEvent};
use l7_http::wire::framing::BodyFraming;
use l7_http::wire::{Headers, ResponseHead};
use l7_wire::Instant;

const T0: Instant = Instant::ZERO;

fn secs(s: u64) -> Instant {
    Instant::from_millis(s * 1000)
}

fn events(conn: &mut ServerConnection) -> Vec<ServerEvent> {
    std::iter::from_fn(|| conn.poll_event()).collect()
}

fn output(conn: &mut ServerConnection) -> String {
    String::from_utf8_lossy(&conn.poll_transmit().unwrap_or_default()).into_owned()
}

fn targets(evs: &[ServerEvent]) -> Vec<String> {
    evs.iter()
        .filter_map(|e| match e {
            ServerEvent::Request(r) => Some(r.head.target.to_string()),
            _ => None,
        })
        .collect()
}

fn respond(conn: &mut ServerConnection, now: Instant, body: &str) {
    let mut head = ResponseHead::new(200);
    head.headers.append("Content-Type", &b"text/plain"[..]);
    if conn
        .send_response(now, head, Some(body.len() as u64))
        .unwrap()
    {
        conn.send_body(now, body.as_bytes()).unwrap();
    }
}

#[test]
fn persistent_get_and_exact_bytes() {
    let mut conn = ServerConnection::new(T0, ServerConfig::default());
    conn.handle_input(T0, b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    let evs = events(&mut conn);
    assert_eq!(targets(&evs), ["/a"]);
    assert_eq!(evs.last(), Some(&ServerEvent::BodyEnd(Headers::new())));
    respond(&mut conn, T0, "hi");
    assert_eq!(
        output(&mut conn),
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"
    );
    assert!(!conn.is_closing());
    conn.handle_input(secs(1), b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(targets(&events(&mut conn)), ["/b"]);
    assert_eq!(
        conn.send_response(T0, ResponseHead::new(200), None),
        Ok(true)
    );
    conn.send_body(T0, b"abc").unwrap();
    conn.finish_body(T0, &Headers::new()).unwrap();
    assert!(output(&mut conn).ends_with("Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
}

#[test]
fn transmit_into_reuses_the_drivers_buffer() {
    let mut conn = ServerConnection::new(T0, ServerConfig::default());
    let mut buf = Vec::with_capacity(4096);
    assert!(!conn.transmit_into(&mut buf));
    conn.handle_input(
        T0,
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    events(&mut conn);
    respond(&mut conn, T0, "one");
    assert!(conn.transmit_into(&mut buf));
    assert!(buf.ends_with(b"\r\n\r\none"));
    events(&mut conn);
    respond(&mut conn, T0, "two");
    assert!(conn.transmit_into(&mut buf));
    assert!(buf.starts_with(b"HTTP/1.1 200 OK\r\n") && buf.ends_with(b"two"));
}

#[test]
fn connection_close_and_http10() {
    let mut conn = ServerConnection::new(T0, ServerConfig::default());
    conn.handle_input(
        T0,
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    events(&mut conn);
    respond(&mut conn, T0, "");
    assert!(output(&mut conn).contains("Connection: close\r\n"));
    assert!(conn.is_closing());

    let mut conn = ServerConnection::new(T0, ServerConfig::default());
    conn.handle_input(T0, b"GET / HTTP/1.0\r\n\r\n");
    events(&mut conn);
    respond(&mut conn, T0, "x");
    let out = output(&mut conn);
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n") && out.contains("Connection: close"));
    assert!(conn.is_closing());

    let mut conn = ServerConnection::new(T0, ServerConfig::default());
    conn.handle_input(T0, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    events(&mut conn);
    respond(&mut conn, T0, "x");
    assert!(output(&mut conn).contains("Connection: keep-alive\r\n"));
    assert!(!conn.is_closing());
    // HTTP/1.0 cannot take chunked: a streamed body ends with the connection.
    conn.handle_input(T0, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    events(&mut conn);
    conn.send_response(T0, ResponseHead::new(200), None)
        .unwrap();
    conn.send_body(T0, b"stream").unwrap();
    conn.finish_body(T0, &Headers::new()).unwrap();
    let out = output(&mut conn);
    assert!(
        out.contains("Connection: close") && out.ends_with("\r\n\r\nstream"),
        "{out}"
    );
    assert!(conn.is_closing());
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let mut conn = ServerConnection::new(T0, ServerConfig::default());
    conn.handle_input(
        T0,
        b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert_eq!(targets(&events(&mut conn)), ["/1"]);
    respond(&mut conn, T0, "one");
    assert_eq!(targets(&events(&mut conn)), ["/2"]);
    respond(&mut conn, T0, "two");
    assert_eq!(targets(&events(&mut conn)), ["/3"]);
    respond(&mut conn, T0, "three");
    let out = output(&mut conn);
    let (one, two, three) = (
        out.find("one").unwrap(),
        out.find("two").unwrap(),
        out.find("three").unwrap(),
    );
    assert!(one < two && two < three);
    assert_eq!(
        conn.send_response(T0, ResponseHead::new(200), None),
        Err(ApiError::NoRequest)
    );
}

#[test]
fn expect_100_continue() {
    let mut conn = ServerConnection::new(T0, ServerConfig::default());
    conn.handle_input(
        T0,
        b"PUT /f HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n",
    );
    let evs = events(&mut conn);
    let ServerEvent::Request(req) = &evs[0] else {
        panic!("{evs:?}")
    };
    assert!(req.expects_continue);
    assert_eq!(req.framing, BodyFraming::Length(4));
    assert_eq!(
        conn.poll_transmit(),
        None,
        "no 100 before the app wants the body"
    );
    assert_eq!(
        conn.poll_timeout(),
        None,
        "no body timeout while the client waits for 100"
    );
    conn.want_body();
    assert_eq!(output(&mut conn), "HTTP/1.1 100 Continue\r\n\r\n");
    conn.handle_input(T0, b"da");
    conn.handle_input(T0, b"ta");
    assert_eq!(
        events(&mut conn),
        [
            ServerEvent::Body(b"da".to_vec()),
            ServerEvent::Body(b"ta".to_vec()),
            ServerEvent::BodyEnd(Headers::new())
        ]
    );
    respond(&mut conn, T0, "");
    assert!(!conn.is_closing());

    // Rejecting without reading the body closes the connection.
    conn.handle_input(
        T0,
        b"PUT /g HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 9\r\n\r\n",
    );
    events(&mut conn);
    output(&mut conn);
    conn.send_response(T0, ResponseHead::new(413), Some(0))
        .unwrap();
    let out = output(&mut conn);
    assert!(
        !out.contains("100 Continue") && out.contains("Connection: close"),
        "{out}"
    );
    assert!(conn.is_closing());
}

#[test]
fn chunked_request_body_with_trailers() {
    let mut conn = ServerConnection::new(T0, ServerConfig::default());
    conn.handle_input(
        T0,
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
    );
    conn.handle_input(
        T0,
        b"lo\r\n0\r\nX-Sum: 1\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    let evs = events(&mut conn);
    let mut trailers = Headers::new();
    trailers.append("X-Sum", &b"1"[..]);
    assert_eq!(
        evs[1..],
        [
            ServerEvent::Body(b"hel".to_vec()),
            ServerEvent::Body(b"lo".to_vec()),
            ServerEvent::BodyEnd(trailers.clone()),
        ]
    );
    respond(&mut conn, T0, "ok");
    assert_eq!(targets(&events(&mut conn)), ["/next"]);
}

fn first_status_line(request: &[u8], config: ServerConfig) -> String {
    let mut conn = ServerConnection::new(T0, config);
    conn.handle_input(T0, request);
    let evs = events(&mut conn);
    assert!(
        targets(&evs).is_empty(),
        "no request may reach the app: {evs:?}"
    );
    let out = output(&mut conn);
    assert!(out.contains("Connection: close\r\n"), "{out}");
    assert!(conn.is_closing());
    out.lines().next().unwrap_or_default().to_string()
}

#[test]
fn errors_get_their_status_and_close() {
    let c = ServerConfig::default;
    let many = format!("GET / HTTP/1.1\r\n{}\r\n", "X: y\r\n".repeat(200));
    let huge = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "y".repeat(20_000));
    let long_uri = format!("GET /{} HTTP/1.1\r\n", "u".repeat(10_000));
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (many.into_bytes(), "431"),
        (huge.into_bytes(), "431"),
        (long_uri.into_bytes(), "414"),
        (b"GET / HTTP/2.0\r\n\r\n".to_vec(), "505"),
        (b"GET / HTTP/1.1\r\n\r\n".to_vec(), "400"),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n".to_vec(),
            "400",
        ),
        (
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec(),
            "400",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n".to_vec(),
            "413",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n".to_vec(),
            "501",
        ),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n".to_vec(),
            "417",
        ),
    ];
    for (request, status) in cases {
        let line = first_status_line(&request, c());
        assert!(
            line.starts_with(&format!("HTTP/1.1 {status} ")),
            "{status}: {line}"
        );
    }
}

#[test]
fn smuggling_is_refused_and_nothing_behind_it_is_served() {
    for attack in [
        // CL.TE: a front end using Content-Length would forward the rest as a new request.
        &b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        // TE.CL
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nGET /adm\r\n0\r\n\r\n",
        // CL.CL
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n",
        // obfuscated TE
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
    ] {
        assert!(first_status_line(attack, ServerConfig::default()).starts_with("HTTP/1.1 400 "));
    }
    // Safely framed: a chunked body with a bare-LF size line is refused
    // mid-body rather than read two ways.
    let mut conn = ServerConnection::new(T0, ServerConfig::default());
    conn.handle_input(
        T0,
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
    );
    let evs = events(&mut conn);
    assert_eq!(evs.last(), Some(&ServerEvent::BodyAborted));
    assert!(output(&mut conn).starts_with("HTTP/1.1 400 "));
    assert!(conn.is_closing());
}

#[test]
fn slowloris_header_one_byte_at_a_time_times_out() {
    let config = ServerConfig {
        header_timeout: Duration::from_secs(10),
        ..ServerConfig::default()
    };
    let request = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    // First request: the deadline runs from the accept (t=0) and stays at
    // 10 s however the bytes trickle in, one a second from t=1 s.
    let mut conn = ServerConnection::new(T0, config.clone());
    for (i, byte) in request.iter().take(9).enumerate() {
        let now = secs(1 + i as u64);
        conn.handle_input(now, std::slice::from_ref(byte));
        assert_eq!(
            conn.poll_timeout(),
            Some(secs(10)),
            "trickle must not extend the deadline"
        );
        conn.handle_timeout(now);
        assert!(!conn.is_closing());
    }
    conn.handle_timeout(secs(10));
    assert!(output(&mut conn).starts_with("HTTP/1.1 408 Request Timeout\r\n"));
    assert!(conn.is_closing());
    assert!(events(&mut conn).is_empty());

    // A later request on a persistent connection: the deadline runs from
    // its first byte (t=100 s), not from the end of the previous response.
    let mut conn = ServerConnection::new(T0, config.clone());
    conn.handle_input(T0, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    events(&mut conn);
    respond(&mut conn, secs(1), "x");
    output(&mut conn);
    for (i, byte) in request.iter().take(9).enumerate() {
        conn.handle_input(secs(100 + i as u64), std::slice::from_ref(byte));
        assert_eq!(conn.poll_timeout(), Some(secs(110)));
    }
    conn.handle_timeout(secs(110));
    assert!(output(&mut conn).starts_with("HTTP/1.1 408 "));
    assert!(events(&mut conn).is_empty());

    // One byte a minute: timed out after the first one.
    let mut conn = ServerConnection::new(T0, config);
    conn.handle_input(T0, b"G");
    conn.handle_timeout(secs(60));
    assert!(conn.is_closing());
    conn.handle_input(secs(60), b"E");
    assert!(events(&mut conn).is_empty());
}

#[test]
fn silent_and_idle_connections_close_quietly() {
    let config = ServerConfig::default();
    let mut conn = ServerConnection::new(T0, config.clone());
    assert_eq!(conn.poll_timeout(), Some(T0 + config.header_timeout));
    conn.handle_timeout(T0 + config.header_timeout);
    assert!(conn.is_closing());
    assert_eq!(conn.poll_transmit(), None);

    let mut conn = ServerConnection::new(T0, config.clone());
    conn.handle_input(secs(1), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    events(&mut conn);
    assert_eq!(conn.poll_timeout(), None, "the app owns the time to answer");
    respond(&mut conn, secs(5), "x");
    output(&mut conn);
    assert_eq!(conn.poll_timeout(), Some(secs(5) + config.idle_timeout));
    conn.handle_timeout(secs(6));
    assert!(!conn.is_closing());
    conn.handle_timeout(secs(5) + config.idle_timeout);
    assert!(conn.is_closing());
    assert_eq!(conn.poll_transmit(), None);
}

#[test]
fn stalled_body_times_out() {
    let config = ServerConfig::default();
    let mut conn = ServerConnection::new(T0, config.clone());
    conn.handle_input(
        T0,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
    );
    events(&mut conn);
    conn.handle_input(secs(20), b"d");
    assert_eq!(conn.poll_timeout(), Some(secs(20) + config.body_timeout));
    conn.handle_timeout(secs(20) + config.body_timeout);
    assert_eq!(
        events(&mut conn),
        [ServerEvent::Body(b"d".to_vec()), ServerEvent::BodyAborted]
    );
    assert!(output(&mut conn).starts_with("HTTP/1.1 408 "));
}

#[test]
fn head_and_bodiless_statuses() {
    let mut conn = ServerConnection::new(T0, ServerConfig::default());
    conn.handle_input(T0, b"HEAD /f HTTP/1.1\r\nHost: x\r\n\r\n");
    events(&mut conn);
    assert_eq!(
        conn.send_response(T0, ResponseHead::new(200), Some(1234)),
        Ok(false)
    );
    assert_eq!(
        output(&mut conn),
        "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
    );
    conn.handle_input(
        T0,
        b"GET /f HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"a\"\r\n\r\n",
    );
    events(&mut conn);
    let mut head = ResponseHead::new(304);
    head.headers.append("ETag", &b"\"a\""[..]);
    assert_eq!(conn.send_response(T0, head, Some(1234)), Ok(false));
    assert_eq!(
        output(&mut conn),
        "HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n\r\n"
    );
    assert!(!conn.is_closing());
}

#[test]
fn body_overrun_and_early_finish_are_api_errors() {
    let mut conn = ServerConnection::new(T0, ServerConfig::default());
    conn.handle_input(T0, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    events(&mut conn);
    assert_eq!(conn.send_body(T0, b"x"), Err(ApiError::NotStarted));
    conn.send_response(T0, ResponseHead::new(200), Some(2))
        .unwrap();
    assert_eq!(
        conn.finish_body(T0, &Headers::new()),
        Err(ApiError::BodyIncomplete)
    );
    assert_eq!(conn.send_body(T0, b"xyz"), Err(ApiError::BodyOverrun));
    assert_eq!(
        conn.send_response(T0, ResponseHead::new(200), Some(2)),
        Err(ApiError::AlreadyStarted)
    );
}

/// A body the driver writes itself is counted against Content-Length, ends
/// the response (the next pipelined request follows) and is refused for a
/// chunked body, whose framing only the connection can write.
#[test]
fn bodies_written_by_the_driver_are_counted() {
    let mut conn = ServerConnection::new(T0, ServerConfig::default());
    conn.handle_input(
        T0,
        b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert_eq!(targets(&events(&mut conn)), ["/a"]);
    assert_eq!(conn.send_body_direct(T0, 1), Err(ApiError::NotStarted));
    conn.send_response(T0, ResponseHead::new(200), Some(5))
        .unwrap();
    assert!(output(&mut conn).ends_with("Content-Length: 5\r\n\r\n"));
    assert_eq!(conn.send_body_direct(T0, 6), Err(ApiError::BodyOverrun));
    conn.send_body_direct(T0, 2).unwrap();
    assert!(events(&mut conn).is_empty());
    conn.send_body_direct(T0, 3).unwrap();
    assert_eq!(output(&mut conn), "");
    assert_eq!(targets(&events(&mut conn)), ["/b"]);
    conn.send_response(T0, ResponseHead::new(200), None)
        .unwrap();
    assert_eq!(conn.send_body_direct(T0, 1), Err(ApiError::ChunkedBody));
}

#[test]
fn peer_close_mid_body_aborts() {
    let mut conn = ServerConnection::new(T0, ServerConfig::default());
    conn.handle_input(
        T0,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab",
    );
    conn.handle_eof(T0);
    assert_eq!(events(&mut conn).last(), Some(&ServerEvent::BodyAborted));
    assert!(conn.is_closing());
}

#[test]
fn chunked_body_over_the_limit_gets_413() {
    let config = ServerConfig {
        max_body: 8,
        ..ServerConfig::default()
    };
    let mut conn = ServerConnection::new(T0, config);
    conn.handle_input(T0, b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n");
    let evs = events(&mut conn);
    assert_eq!(evs.last(), Some(&ServerEvent::BodyAborted));
    assert!(output(&mut conn).starts_with("HTTP/1.1 413 "));
    assert!(conn.is_closing());
}

#[test]
fn input_is_bounded_while_the_app_answers() {
    let config = ServerConfig::default();
    let mut conn = ServerConnection::new(T0, config.clone());
    conn.handle_input(T0, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    events(&mut conn);
    let flood = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(config.max_buffered_input / 27 + 1);
    conn.handle_input(T0, &flood);
    assert!(!conn.wants_input(), "the driver is told to stop reading");
    conn.handle_input(T0, &flood);
    assert!(
        conn.is_closing(),
        "a driver that ignores it gets the connection closed"
    );
}
