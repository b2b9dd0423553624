//! Byte fixtures for request and response heads (RFC 9112 §3, §4, §5 and the
//! examples of RFC 9110/9112), limit errors with their status codes, and
//! property tests that parse(emit(x)) == x.

use std::borrow::Cow;

use l7_http::wire::limits::{MAX_HEAD_BYTES, MAX_HEADERS, MAX_TARGET_BYTES};
use l7_http::wire::{Headers, HttpError, RequestHead, RequestTarget, ResponseHead, Version};
use proptest::prelude::*;

#[test]
fn rfc9112_request_example() {
    // RFC 9112 §2.1 example request (curl to www.example.com).
    let wire = b"GET /hello.txt HTTP/1.1\r\nUser-Agent: curl/7.64.1\r\nHost: www.example.com\r\nAccept-Language: en, mi\r\n\r\nextra";
    let (head, used) = RequestHead::parse(wire).unwrap();
    assert_eq!(used, wire.len() - 5);
    assert_eq!(head.method, "GET");
    assert_eq!(head.target, "/hello.txt");
    assert_eq!(head.version, Version::Http11);
    assert_eq!(head.headers.get_str("host"), Some("www.example.com"));
    assert_eq!(head.headers.list("accept-language").count(), 2);
    assert!(
        matches!(head.target, Cow::Borrowed(_)),
        "parsing must borrow"
    );
    assert_eq!(
        head.validate(),
        Ok(RequestTarget::Origin {
            path: "/hello.txt",
            query: None
        })
    );
}

#[test]
fn every_prefix_is_incomplete() {
    let wire = b"POST /a?b=c HTTP/1.0\r\nContent-Length: 3\r\n\r\n";
    for n in 0..wire.len() {
        assert_eq!(
            RequestHead::parse(&wire[..n]).unwrap_err(),
            HttpError::Incomplete,
            "{n}"
        );
    }
    assert!(RequestHead::parse(wire).is_ok());
}

#[test]
fn target_forms() {
    // RFC 9112 §3.2.1–§3.2.4 examples.
    let cases: [(&str, &str, Result<RequestTarget<'_>, ()>); 8] = [
        (
            "GET",
            "/where?q=now",
            Ok(RequestTarget::Origin {
                path: "/where",
                query: Some("q=now"),
            }),
        ),
        (
            "GET",
            "http://www.example.org/pub/WWW/TheProject.html",
            Ok(RequestTarget::Absolute {
                scheme: "http",
                authority: "www.example.org",
                path_and_query: "/pub/WWW/TheProject.html",
            }),
        ),
        (
            "GET",
            "http://example.org?x",
            Ok(RequestTarget::Absolute {
                scheme: "http",
                authority: "example.org",
                path_and_query: "?x",
            }),
        ),
        (
            "CONNECT",
            "www.example.com:80",
            Ok(RequestTarget::Authority("www.example.com:80")),
        ),
        ("OPTIONS", "*", Ok(RequestTarget::Asterisk)),
        ("GET", "*", Err(())),
        ("CONNECT", "/x", Err(())),
        ("GET", "index.html", Err(())),
    ];
    for (method, target, want) in cases {
        let got = RequestTarget::classify(method, target).map_err(|e| assert_eq!(e.status(), 400));
        assert_eq!(got, want, "{method} {target}");
    }
    assert!(RequestTarget::classify("GET", "/a#frag").is_err());
    assert!(RequestTarget::classify("GET", "http://user:pw@example.com/").is_err());
    assert!(RequestTarget::classify("GET", "http:///path").is_err());
    assert!(RequestTarget::classify("GET", "http://[::1]:8080/x").is_ok());
    assert!(RequestTarget::classify("GET", "/caf\u{e9}").is_err());
}

#[test]
fn host_rules() {
    let no_host = RequestHead::parse(b"GET / HTTP/1.1\r\n\r\n").unwrap().0;
    assert_eq!(no_host.validate().unwrap_err().status(), 400);
    let two = RequestHead::parse(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        .unwrap()
        .0;
    assert!(two.validate().is_err());
    let old = RequestHead::parse(b"GET / HTTP/1.0\r\n\r\n").unwrap().0;
    assert!(old.validate().is_ok());
    for (host, ok) in [
        ("www.example.com", true),
        ("www.example.com:8080", true),
        ("127.0.0.1:80", true),
        ("[::1]:8080", true),
        ("", true),
        ("a b", false),
        ("a/b", false),
        ("a@b", false),
        ("host:port", false),
        ("[::1", false),
    ] {
        let wire = format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
        let head = RequestHead::parse(wire.as_bytes()).unwrap().0;
        assert_eq!(head.validate().is_ok(), ok, "Host: {host}");
    }
}

#[test]
fn malformed_requests_are_400() {
    for bad in [
        &b"GET  / HTTP/1.1\r\n\r\n"[..],
        b"GET / HTTP/1.1 \r\n\r\n",
        b"GET /\r\n\r\n",
        b" GET / HTTP/1.1\r\n\r\n",
        b"G(T / HTTP/1.1\r\n\r\n",
        b"GET /\x7f HTTP/1.1\r\n\r\n",
        b"GET / http/1.1\r\n\r\n",
        b"GET / HTTP/1.x\r\n\r\n",
        b"GET / HTTP/1.1\rX\n\r\n",
        b"GET / HTTP/1.1\r\nA\r\n\r\n",
        b"GET / HTTP/1.1\r\nA : b\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n",
        b"\r\r\n",
    ] {
        let err = RequestHead::parse(bad).unwrap_err();
        assert_eq!(
            err.status(),
            400,
            "{:?} gave {err:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn limits_have_their_own_status() {
    assert_eq!(
        RequestHead::parse(b"GET / HTTP/2.0\r\n\r\n")
            .unwrap_err()
            .status(),
        505
    );
    assert_eq!(
        RequestHead::parse(b"GET / HTTP/1.2\r\n\r\n")
            .unwrap_err()
            .status(),
        505
    );
    assert_eq!(
        RequestHead::parse(b"GET / HTTP/3").unwrap_err(),
        HttpError::UnsupportedVersion
    );

    let long_target = format!("GET /{} HTTP/1.1\r\n", "a".repeat(MAX_TARGET_BYTES));
    assert_eq!(
        RequestHead::parse(long_target.as_bytes())
            .unwrap_err()
            .status(),
        414
    );

    let huge_field = format!("GET / HTTP/1.1\r\nX: {}", "v".repeat(MAX_HEAD_BYTES));
    assert_eq!(
        RequestHead::parse(huge_field.as_bytes()).unwrap_err(),
        HttpError::HeaderTooLarge
    );

    let mut many = String::from("GET / HTTP/1.1\r\n");
    for i in 0..=MAX_HEADERS {
        many.push_str(&format!("X-{i}: 1\r\n"));
    }
    many.push_str("\r\n");
    assert_eq!(
        RequestHead::parse(many.as_bytes()).unwrap_err(),
        HttpError::TooManyHeaders
    );
    assert_eq!(HttpError::TooManyHeaders.status(), 431);
}

#[test]
fn leading_empty_lines_and_bare_lf_are_tolerated() {
    // RFC 9112 §2.2: ignore empty lines before the request line; a bare LF
    // may be recognised as a line terminator.
    let (head, used) = RequestHead::parse(b"\r\n\nGET / HTTP/1.1\nHost: a\n\n").unwrap();
    assert_eq!(used, 27);
    assert_eq!(head.headers.get("host"), Some(&b"a"[..]));
}

#[test]
fn response_fixtures() {
    // RFC 9112 §2.1 example response.
    let wire = b"HTTP/1.1 200 OK\r\nDate: Mon, 27 Jul 2009 12:28:53 GMT\r\nServer: Apache\r\nContent-Length: 51\r\n\r\nHello";
    let (head, used) = ResponseHead::parse(wire).unwrap();
    assert_eq!(
        (head.status, head.reason.as_ref(), used),
        (200, "OK", wire.len() - 5)
    );
    assert_eq!(head.headers.get_str("server"), Some("Apache"));

    let (head, _) = ResponseHead::parse(b"HTTP/1.0 404\r\n\r\n").unwrap();
    assert_eq!(
        (head.version, head.status, head.reason.as_ref()),
        (Version::Http10, 404, "")
    );
    let (head, _) = ResponseHead::parse(b"HTTP/1.1 200 \xffk\r\n\r\n").unwrap();
    assert_eq!(head.reason, "");
    for bad in [
        &b"HTTP/1.1 20 OK\r\n\r\n"[..],
        b"HTTP/1.1 200X\r\n\r\n",
        b"HTTP/1.1 099 x\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
    ] {
        assert!(
            matches!(ResponseHead::parse(bad), Err(HttpError::Malformed(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn response_emit() {
    let mut head = ResponseHead::new(404);
    head.headers.append("Content-Length", &b"0"[..]);
    let mut out = Vec::new();
    head.emit(&mut out);
    assert_eq!(out, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
}

fn field_value() -> impl Strategy<Value = Vec<u8>> {
    // field-content: no leading/trailing whitespace, no CTLs.
    proptest::collection::vec(
        prop_oneof![0x21u8..=0x7e, 0x80u8..=0xff, Just(b' '), Just(b'\t')],
        0..20,
    )
    .prop_map(|mut v| {
        while matches!(v.last(), Some(b' ' | b'\t')) {
            v.pop();
        }
        while matches!(v.first(), Some(b' ' | b'\t')) {
            v.remove(0);
        }
        v
    })
}

fn headers() -> impl Strategy<Value = Headers<'static>> {
    proptest::collection::vec((token(), field_value()), 0..8).prop_map(|fields| {
        let mut h = Headers::new();
        for (n, v) in fields {
            h.append(n, v);
        }
        h
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn request_round_trips(method in token(), target in "/[!-~]{0,30}", v11 in any::<bool>(), headers in headers()) {
        let version = if v11 { Version::Http11 } else { Version::Http10 };
        let mut head = RequestHead::new(method, target, version);
        head.headers = headers;
        let mut wire = Vec::new();
        head.emit(&mut wire);
        let (parsed, used) = RequestHead::parse(&wire).unwrap();
        prop_assert_eq!(used, wire.len());
        prop_assert_eq!(parsed, head);
    }

    #[test]
    fn response_round_trips(status in 100u16..1000, reason in "[ -~]{0,20}", headers in headers()) {
        let reason = reason.trim_start().to_string();
        let head = ResponseHead { version: Version::Http11, status, reason: reason.into(), headers };
        let mut wire = Vec::new();
        head.emit(&mut wire);
        let (parsed, used) = ResponseHead::parse(&wire).unwrap();
        prop_assert_eq!(used, wire.len());
        prop_assert_eq!(parsed, head);
    }

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = RequestHead::parse(&bytes);
        let _ = ResponseHead::parse(&bytes);
    }
}
