//! Differential test of the RFC 9111 cache core against the
//! http-cache-semantics crate: generated request/response header sets, the
//! same storable verdict, and the same fresh-or-stale verdict at a later
//! time, for a shared and a private cache. Date equals the response time
//! so both age formulas (§4.2.3 and the oracle's) agree.

use std::time::{Duration, SystemTime};

use http_cache_semantics::{CacheOptions, CachePolicy};
use l7_http::cache::{CacheKind, Exchange, Times, current_age, freshness_lifetime, storable};
use l7_http::wire::Headers;
use l7_http::wire::date::format_http_date;
use proptest::prelude::*;

const T: u64 = 1_700_000_000;

#[derive(Debug, Clone)]
struct Case {
    status: u16,
    directives: Vec<String>,
    expires: Option<Option<i64>>,
    last_modified: Option<u64>,
    age: Option<u64>,
    vary: Option<&'static str>,
    set_cookie: bool,
    pragma: bool,
    authorization: bool,
    request_no_store: bool,
    elapsed: u64,
}

fn case() -> impl Strategy<Value = Case> {
    let directive = prop_oneof![
        (0u64..1000).prop_map(|n| format!("max-age={n}")),
        (0u64..1000).prop_map(|n| format!("s-maxage={n}")),
        Just("no-cache".to_string()),
        Just("no-store".to_string()),
        Just("private".to_string()),
        Just("public".to_string()),
        Just("must-revalidate".to_string()),
        Just("proxy-revalidate".to_string()),
    ];
    let fields = (
        prop::sample::select(vec![
            200u16, 203, 204, 206, 301, 302, 307, 308, 404, 410, 500, 501,
        ]),
        prop::collection::btree_set(directive, 0..4),
        prop::option::of(prop::option::of(-100i64..2000)),
        prop::option::of(0u64..50_000),
        prop::option::of(0u64..500),
        prop::option::of(prop::sample::select(vec!["*", "accept"])),
    );
    let flags = (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0u64..3000,
    );
    (fields, flags).prop_map(
        |(
            (status, directives, expires, last_modified, age, vary),
            (set_cookie, pragma, authorization, request_no_store, elapsed),
        )| {
            // One value per directive name, as the oracle reads repeats as invalid.
            let mut seen = std::collections::HashSet::new();
            let directives = directives
                .into_iter()
                .filter(|d| seen.insert(d.split('=').next().unwrap_or("").to_string()))
                .collect();
            Case {
                status,
                directives,
                expires,
                last_modified,
                age,
                vary,
                set_cookie,
                pragma: pragma && set_cookie,
                authorization,
                request_no_store,
                elapsed,
            }
        },
    )
}

fn response_fields(c: &Case) -> Vec<(String, String)> {
    let mut f = vec![("date".to_string(), format_http_date(T))];
    if !c.directives.is_empty() {
        f.push(("cache-control".into(), c.directives.join(", ")));
    }
    match c.expires {
        Some(Some(d)) => f.push((
            "expires".into(),
            format_http_date(T.saturating_add_signed(d)),
        )),
        Some(None) => f.push(("expires".into(), "0".into())),
        None => {}
    }
    if let Some(d) = c.last_modified {
        f.push(("last-modified".into(), format_http_date(T - d)));
    }
    if let Some(a) = c.age {
        f.push(("age".into(), a.to_string()));
    }
    if let Some(v) = c.vary {
        f.push(("vary".into(), v.into()));
    }
    if c.set_cookie {
        f.push(("set-cookie".into(), "id=1".into()));
    }
    if c.pragma {
        f.push(("pragma".into(), "no-cache".into()));
    }
    f
}

fn request_fields(c: &Case) -> Vec<(String, String)> {
    let mut f = Vec::new();
    if c.authorization {
        f.push(("authorization".to_string(), "Basic eDp5".to_string()));
    }
    if c.request_no_store {
        f.push(("cache-control".into(), "no-store".into()));
    }
    f
}

fn ours(fields: &[(String, String)]) -> Headers<'static> {
    let mut h = Headers::new();
    for (n, v) in fields {
        h.append(n.clone(), v.clone().into_bytes());
    }
    h
}

fn oracle(c: &Case, shared: bool) -> CachePolicy {
    let mut req = http::Request::builder()
        .method("GET")
        .uri("http://example.com/x");
    for (n, v) in request_fields(c) {
        req = req.header(n, v);
    }
    let mut res = http::Response::builder().status(c.status);
    for (n, v) in response_fields(c) {
        res = res.header(n, v);
    }
    let opts = CacheOptions {
        shared,
        ..CacheOptions::default()
    };
    CachePolicy::new_options(
        &req.body(()).unwrap(),
        &res.body(()).unwrap(),
        SystemTime::UNIX_EPOCH + Duration::from_secs(T),
        opts,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn same_verdicts_as_http_cache_semantics(c in case()) {
        let request = ours(&request_fields(&c));
        let response = ours(&response_fields(&c));
        let x = Exchange { method: "GET", request: &request, status: c.status, response: &response };
        for (kind, shared) in [(CacheKind::Shared, true), (CacheKind::Private, false)] {
            let policy = oracle(&c, shared);
            prop_assert_eq!(storable(&x, kind), policy.is_storable(), "storable, {:?}", kind);
            if !policy.is_storable() {
                continue;
            }
            let now = T + c.elapsed;
            let times = Times { request_time: T, response_time: T };
            let fresh = current_age(&response, times, now) < freshness_lifetime(&x, kind, T);
            let oracle_fresh = !policy.is_stale(SystemTime::UNIX_EPOCH + Duration::from_secs(now));
            prop_assert_eq!(fresh, oracle_fresh, "fresh, {:?}", kind);
        }
    }
}
