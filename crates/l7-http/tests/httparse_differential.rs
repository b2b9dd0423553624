//! Differential test of the request- and response-head parsers against
//! `httparse` (the oracle): on the same bytes both give the same verdict —
//! complete (with the same length, method, target or status, and fields),
//! incomplete, or invalid. Inputs are generated messages with random
//! mutations and truncations, plus a table of hand-written edge cases.
//! Inputs stay below this crate's limits, which httparse does not have; the
//! one known difference — status codes below 100, which httparse accepts and
//! RFC 9110 §15 does not define — is excluded.

use l7_http::wire::{HttpError, RequestHead, ResponseHead};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Complete {
        used: usize,
        method: String,
        target: String,
        fields: Vec<(String, Vec<u8>)>,
    },
    Incomplete,
    Invalid,
}

fn ours(input: &[u8]) -> Verdict {
    match RequestHead::parse(input) {
        Ok((head, used)) => Verdict::Complete {
            used,
            method: head.method.to_string(),
            target: head.target.to_string(),
            fields: head
                .headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_vec()))
                .collect(),
        },
        Err(HttpError::Incomplete) => Verdict::Incomplete,
        Err(_) => Verdict::Invalid,
    }
}

fn oracle(input: &[u8]) -> Verdict {
    let mut fields = [httparse::EMPTY_HEADER; 128];
    let mut req = httparse::Request::new(&mut fields);
    match req.parse(input) {
        Ok(httparse::Status::Complete(used)) => Verdict::Complete {
            used,
            method: req.method.unwrap_or_default().to_string(),
            target: req.path.unwrap_or_default().to_string(),
            fields: req
                .headers
                .iter()
                .map(|h| (h.name.to_string(), h.value.to_vec()))
                .collect(),
        },
        Ok(httparse::Status::Partial) => Verdict::Incomplete,
        Err(_) => Verdict::Invalid,
    }
}

fn same_verdict(input: &[u8]) {
    assert_eq!(
        ours(input),
        oracle(input),
        "input {:?}",
        String::from_utf8_lossy(input)
    );
}

#[test]
fn hand_written_cases() {
    let cases: &[&[u8]] = &[
        b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
        b"GET / HTTP/1.1\nHost: example.com\n\n",
        b"\r\nGET / HTTP/1.1\r\n\r\n",
        b"\n\n\nGET / HTTP/1.0\r\n\r\n",
        b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
        b"CONNECT example.com:443 HTTP/1.1\r\n\r\n",
        b"GET http://a.example/x?y HTTP/1.1\r\n\r\n",
        b"GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n",
        b"GET /\xff HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nA:\r\nB: \t \r\n\r\n",
        b"GET / HTTP/1.1\r\nA: x \t\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: \x80\xff\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: b\x7f\r\n\r\n",
        b"GET / HTTP/1.1\r\nA : b\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
        b"GET / HTTP/1.1\r\n A: b\r\n\r\n",
        b"GET / HTTP/1.1\r\n:b\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",
        b"GET / HTTP/1.1\r\r\n",
        b"GET  / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1 \r\n\r\n",
        b"GET / HTTP/1.2\r\n\r\n",
        b"GET / HTTP/2.0\r\n\r\n",
        b"GET / HTTP/1.",
        b"GET / HTTP/1",
        b"GET / HTTP/",
        b"GET / htTP/1.1\r\n\r\n",
        b"GET /\x00 HTTP/1.1\r\n\r\n",
        b"G\x00T / HTTP/1.1\r\n\r\n",
        b"GET",
        b"",
        b"\r",
        b"\r\n",
        b"\rx",
        b"GET / HTTP/1.1\r\nHost: a\r\n\r",
        b"GET / HTTP/1.1\r\nHost: a\r\n",
        b"GET / HTTP/1.1\r\nHo",
        b"GET / HTTP/1.1\r\nHost",
        b"GET / HTTP/1.1\r\nHost:",
        b"GET / HTTP/1.1\r\nHost: a",
        b"POST /form HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
        b"GET / HTTP/1.1\r\nX-\xc3\xa9: v\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: b\r\n\x00\r\n\r\n",
    ];
    for case in cases {
        same_verdict(case);
    }
}

fn request() -> impl Strategy<Value = Vec<u8>> {
    let method = "[A-Z]{1,7}|[a-z!#$%&'*+.^_`|~-]{1,5}";
    let target = "/[!-~]{0,20}|\\*|[a-z]{1,8}://[a-z.]{1,10}(/[!-~]{0,8})?";
    let version = prop_oneof![Just("HTTP/1.1"), Just("HTTP/1.0")];
    let field = ("[A-Za-z0-9-]{1,10}", "[ -~\t]{0,16}");
    let eol = prop_oneof![3 => Just("\r\n"), 1 => Just("\n")];
    (
        0usize..3,
        method,
        target,
        version,
        proptest::collection::vec((field, eol.clone()), 0..6),
        eol,
        proptest::collection::vec(any::<u8>(), 0..4),
    )
        .prop_map(|(empty, m, t, v, fields, last, body)| {
            let mut s = "\r\n".repeat(empty).into_bytes();
            s.extend_from_slice(format!("{m} {t} {v}\r\n").as_bytes());
            for ((name, value), eol) in fields {
                s.extend_from_slice(format!("{name}: {value}{eol}").as_bytes());
            }
            s.extend_from_slice(last.as_bytes());
            s.extend_from_slice(&body);
            s
        })
}

#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop_oneof![
        Just(b' '),
        Just(b'\t'),
        Just(b'\r'),
        Just(b'\n'),
        Just(b':'),
        Just(0u8),
        Just(0x7f),
        Just(0x80),
        Just(0xff),
        Just(b'a'),
        Just(b'/'),
        Just(b'"'),
        Just(b'2'),
        any::<u8>()
    ];
    prop_oneof![
        (any::<usize>(), interesting.clone()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<usize>(), interesting).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match *m {
            Mutation::Replace(i, b) => {
                if let Some(slot) = bytes.get_mut(i % len) {
                    *slot = b;
                }
            }
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Mutation::Delete(i) => {
                if !bytes.is_empty() {
                    bytes.remove(i % len);
                }
            }
            Mutation::Truncate(i) => bytes.truncate(i % (bytes.len() + 1)),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_requests_agree(req in request()) {
        prop_assert_eq!(ours(&req), oracle(&req));
    }

    #[test]
    fn mutated_requests_agree(req in request(), mutations in proptest::collection::vec(mutation(), 1..4)) {
        let input = apply(req, &mutations);
        prop_assert_eq!(ours(&input), oracle(&input), "input {:?}", String::from_utf8_lossy(&input));
    }
}

#[test]
fn mutations_reach_every_verdict() {
    // Guards the generator: a differential test whose inputs are all valid
    // (or all invalid) would compare nothing interesting.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (request(), proptest::collection::vec(mutation(), 1..4));
    let (mut complete, mut incomplete, mut invalid) = (0, 0, 0);
    for _ in 0..600 {
        let (req, mutations) = strategy.new_tree(&mut runner).unwrap().current();
        match oracle(&apply(req, &mutations)) {
            Verdict::Complete { .. } => complete += 1,
            Verdict::Incomplete => incomplete += 1,
            Verdict::Invalid => invalid += 1,
        }
    }
    assert!(
        complete > 50 && incomplete > 50 && invalid > 50,
        "{complete} {incomplete} {invalid}"
    );
}

#[derive(Debug, PartialEq, Eq)]
enum ResponseVerdict {
    Complete {
        used: usize,
        status: u16,
        reason: String,
        fields: Vec<(String, Vec<u8>)>,
    },
    Incomplete,
    Invalid,
}

fn ours_response(input: &[u8]) -> ResponseVerdict {
    match ResponseHead::parse(input) {
        Ok((head, used)) => ResponseVerdict::Complete {
            used,
            status: head.status,
            reason: head.reason.to_string(),
            fields: head
                .headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_vec()))
                .collect(),
        },
        Err(HttpError::Incomplete) => ResponseVerdict::Incomplete,
        Err(_) => ResponseVerdict::Invalid,
    }
}

fn oracle_response(input: &[u8]) -> ResponseVerdict {
    let mut fields = [httparse::EMPTY_HEADER; 128];
    let mut resp = httparse::Response::new(&mut fields);
    match resp.parse(input) {
        Ok(httparse::Status::Complete(used)) => ResponseVerdict::Complete {
            used,
            status: resp.code.unwrap_or_default(),
            reason: resp.reason.unwrap_or_default().to_string(),
            fields: resp
                .headers
                .iter()
                .map(|h| (h.name.to_string(), h.value.to_vec()))
                .collect(),
        },
        Ok(httparse::Status::Partial) => ResponseVerdict::Incomplete,
        Err(_) => ResponseVerdict::Invalid,
    }
}

/// True when httparse has read a status code below 100 (excluded).
fn low_status(input: &[u8]) -> bool {
    let mut fields = [httparse::EMPTY_HEADER; 128];
    let mut resp = httparse::Response::new(&mut fields);
    let _ = resp.parse(input);
    resp.code.is_some_and(|c| c < 100)
}

fn response() -> impl Strategy<Value = Vec<u8>> {
    let version = prop_oneof![Just("HTTP/1.1"), Just("HTTP/1.0")];
    let reason = prop_oneof![Just(" OK".to_string()), Just(String::new()), " [ -~]{0,12}"];
    let field = ("[A-Za-z0-9-]{1,10}", "[ -~\t]{0,16}");
    let eol = prop_oneof![3 => Just("\r\n"), 1 => Just("\n")];
    (
        version,
        100u16..1000,
        reason,
        proptest::collection::vec((field, eol.clone()), 0..6),
        eol,
    )
        .prop_map(|(v, status, reason, fields, last)| {
            let mut s = format!("{v} {status}{reason}\r\n").into_bytes();
            for ((name, value), eol) in fields {
                s.extend_from_slice(format!("{name}: {value}{eol}").as_bytes());
            }
            s.extend_from_slice(last.as_bytes());
            s
        })
}

#[test]
fn hand_written_responses() {
    let cases: &[&[u8]] = &[
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200\r\n\r\n",
        b"HTTP/1.1 200 \r\n\r\n",
        b"HTTP/1.0 404 Not Found\n\n",
        b"HTTP/1.1 200 \xffOK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"HTTP/1.1  200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nA : b\r\n\r\n",
        b"HTTP/1.1 200 O\x00K\r\n\r\n",
        b"HTTP/2 200\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nA: b",
        b"HTTP/1.1 2",
        b"\r\nHTTP/1.1 204 No Content\r\n\r\n",
    ];
    for case in cases {
        assert_eq!(
            ours_response(case),
            oracle_response(case),
            "{:?}",
            String::from_utf8_lossy(case)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn mutated_responses_agree(resp in response(), mutations in proptest::collection::vec(mutation(), 0..4)) {
        let input = apply(resp, &mutations);
        prop_assume!(!low_status(&input));
        prop_assert_eq!(ours_response(&input), oracle_response(&input), "input {:?}", String::from_utf8_lossy(&input));
    }
}
