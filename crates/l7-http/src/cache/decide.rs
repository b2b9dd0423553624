//! The cache's decisions (RFC 9111 §4): given a request and a stored
//! entry, serve it, revalidate it or forward; given a 304, update the
//! entry (§4.3.4); given an unsafe method's answer, which URLs to
//! invalidate (§4.4). Time is passed in (Unix seconds).

use super::{CacheControl, CacheKind, Entry, Exchange, current_age, freshness_lifetime};
use crate::wire::date::parse_http_date;
use crate::wire::{Headers, ResponseHead};

/// What to do with a stored entry for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reuse {
    /// Serve it as is, with this Age.
    Fresh {
        /// The Age field value to send.
        age: u64,
    },
    /// Serve it only if the origin confirms it: send the request with
    /// these conditional fields (§4.3.1).
    Revalidate(Headers<'static>),
    /// RFC 5861 §3: serve it stale with this Age and revalidate it in the
    /// background with these conditional fields (stale-while-revalidate).
    StaleWhileRevalidate {
        /// The Age field value to send.
        age: u64,
        /// The conditional fields of the background revalidation.
        conditions: Headers<'static>,
    },
}

/// §4: whether `entry` can answer a `method` request with `request` fields at `now`.
pub fn reuse(
    entry: &Entry,
    method: &str,
    request: &Headers<'_>,
    kind: CacheKind,
    now: u64,
) -> Option<Reuse> {
    if !matches!(method, "GET" | "HEAD") || !entry.matches(request) {
        return None;
    }
    let req = request_control(request);
    let res = entry.control();
    let lifetime = stored_lifetime(entry, request, kind);
    let age = current_age(&entry.head.headers, entry.times, now);
    let mut fresh = age < lifetime;
    if let Some(max) = req.max_age {
        fresh &= age <= max;
    }
    if let Some(min) = req.min_fresh {
        fresh &= age.saturating_add(min) < lifetime;
    }
    // §4.2.4: stale is acceptable when the client says so, unless the
    // origin forbids it.
    let forbids_stale = res.must_revalidate
        || res.no_cache
        || (kind == CacheKind::Shared && (res.proxy_revalidate || res.s_maxage.is_some()));
    if !fresh && !forbids_stale && req.max_age.is_none_or(|m| age <= m) {
        fresh = match req.max_stale {
            Some(None) => true,
            Some(Some(s)) => age < lifetime.saturating_add(s),
            None => false,
        };
    }
    if fresh && !req.no_cache && !res.no_cache {
        return Some(Reuse::Fresh { age });
    }
    // RFC 5861 §3: within the stale-while-revalidate window the stale
    // response answers at once, unless the client asked for freshness.
    let asks_fresh = req.no_cache || req.max_age.is_some() || req.min_fresh.is_some();
    if !fresh
        && !asks_fresh
        && !forbids_stale
        && let Some(window) = res.stale_while_revalidate
        && age < lifetime.saturating_add(window)
    {
        return Some(Reuse::StaleWhileRevalidate {
            age,
            conditions: conditional_fields(&entry.head),
        });
    }
    Some(Reuse::Revalidate(conditional_fields(&entry.head)))
}

/// RFC 5861 §4: whether a stale `entry` may answer at `now` because the
/// origin failed (an error or a 5xx), by the response's or the request's
/// `stale-if-error`, unless the response forbids serving it stale.
pub fn stale_if_error(entry: &Entry, request: &Headers<'_>, kind: CacheKind, now: u64) -> bool {
    let res = entry.control();
    let window = res
        .stale_if_error
        .or(request_control(request).stale_if_error);
    let Some(window) = window else { return false };
    if res.must_revalidate || res.no_cache || (kind == CacheKind::Shared && res.proxy_revalidate) {
        return false;
    }
    let lifetime = stored_lifetime(entry, request, kind);
    current_age(&entry.head.headers, entry.times, now) < lifetime.saturating_add(window)
}

/// §4.2.1: the freshness lifetime of the stored response to a GET with
/// `request` fields, for a `kind` cache.
fn stored_lifetime(entry: &Entry, request: &Headers<'_>, kind: CacheKind) -> u64 {
    let x = Exchange {
        method: "GET",
        request,
        status: entry.head.status,
        response: &entry.head.headers,
    };
    freshness_lifetime(&x, kind, entry.times.response_time)
}

/// The request's directives; `Pragma: no-cache` counts as `no-cache` when
/// there is no Cache-Control (§5.4).
pub fn request_control(request: &Headers<'_>) -> CacheControl {
    let mut cc = CacheControl::parse(request);
    if !request.contains("cache-control") && request.has_token("pragma", "no-cache") {
        cc.no_cache = true;
    }
    cc
}

/// §4.3.1: If-None-Match from the ETag, If-Modified-Since from Last-Modified.
pub fn conditional_fields(stored: &ResponseHead<'_>) -> Headers<'static> {
    let mut h = Headers::new();
    if let Some(etag) = stored.headers.get("etag") {
        h.append("If-None-Match", etag.to_vec());
    }
    if let Some(lm) = stored.headers.get("last-modified") {
        h.append("If-Modified-Since", lm.to_vec());
    }
    h
}

/// RFC 9110 §13.1.1, §13.1.3, §13.2.2: whether a client's conditional GET
/// or HEAD is answered 304 by the stored response — If-None-Match (weak
/// comparison, `*`) when present, else If-Modified-Since against the
/// stored Last-Modified.
pub fn not_modified(stored: &ResponseHead<'_>, request: &Headers<'_>) -> bool {
    if request.contains("if-none-match") {
        let Some(etag) = stored.headers.get("etag") else {
            return false;
        };
        let weak = |t: &[u8]| t.strip_prefix(b"W/").unwrap_or(t).to_vec();
        return request
            .list("if-none-match")
            .any(|t| t == b"*" || weak(t) == weak(etag));
    }
    let since = request
        .get_str("if-modified-since")
        .and_then(parse_http_date);
    let modified = stored
        .headers
        .get_str("last-modified")
        .and_then(parse_http_date);
    matches!((since, modified), (Some(s), Some(m)) if m <= s)
}

/// Fields a 304 does not replace: they describe the stored body or
/// identify it (§4.3.4: Content-Length; the validator that selected it;
/// Content-MD5, a digest of the body) or only one connection.
const KEEP_STORED: [&str; 10] = [
    "content-length",
    "content-encoding",
    "content-md5",
    "etag",
    "transfer-encoding",
    "content-range",
    "connection",
    "keep-alive",
    "trailer",
    "upgrade",
];

/// §4.3.4: freshens `entry` with a 304's fields, received for a request
/// sent at `request_time` and answered at `response_time`.
pub fn freshen(
    entry: &mut Entry,
    not_modified: &ResponseHead<'_>,
    request_time: u64,
    response_time: u64,
) {
    for (name, _) in not_modified.headers.iter() {
        if KEEP_STORED.iter().any(|k| name.eq_ignore_ascii_case(k)) {
            continue;
        }
        entry.head.headers.remove(name);
    }
    for (name, value) in not_modified.headers.iter() {
        if !KEEP_STORED.iter().any(|k| name.eq_ignore_ascii_case(k)) {
            entry.head.headers.append(name.to_string(), value.to_vec());
        }
    }
    entry.times = super::Times {
        request_time,
        response_time,
    };
}

/// §4.3.3: whether a 304 with these fields validates `entry` (the strong
/// ETag, or the Last-Modified, agrees when both sides have one).
pub fn validates(entry: &Entry, not_modified: &ResponseHead<'_>) -> bool {
    match (
        not_modified.headers.get("etag"),
        entry.head.headers.get("etag"),
    ) {
        (Some(new), Some(old)) => new == old,
        (Some(_), None) => false,
        (None, _) => match (
            not_modified.headers.get("last-modified"),
            entry.head.headers.get("last-modified"),
        ) {
            (Some(new), Some(old)) => new == old,
            _ => true,
        },
    }
}

/// §4.4: after an unsafe method answered with a non-error status, the
/// target URI and the Location and Content-Location URIs are invalidated;
/// returns the references to invalidate (the caller resolves them against
/// the target and keeps those of the same origin).
pub fn invalidated(method: &str, status: u16, response: &Headers<'_>) -> Option<Vec<String>> {
    let safe = matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE");
    if safe || !(200..400).contains(&status) {
        return None;
    }
    Some(
        ["location", "content-location"]
            .iter()
            .filter_map(|n| response.get_str(n))
            .map(str::to_string)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::Times;
    use super::*;
    use crate::wire::date::format_http_date;

    fn entry(fields: &[(&str, &str)]) -> Entry {
        let mut head = ResponseHead::new(200);
        head.headers
            .append("Date", format_http_date(1000).into_bytes());
        for (n, v) in fields {
            head.headers.append(n.to_string(), v.as_bytes().to_vec());
        }
        Entry {
            key: "GET http://a/".into(),
            vary: Vec::new(),
            times: Times {
                request_time: 1000,
                response_time: 1000,
            },
            head,
            body: bytes::Bytes::from_static(b"x"),
        }
    }

    fn req(fields: &[(&str, &str)]) -> Headers<'static> {
        let mut h = Headers::new();
        for (n, v) in fields {
            h.append(n.to_string(), v.as_bytes().to_vec());
        }
        h
    }

    #[test]
    fn fresh_then_stale_then_revalidated() {
        let e = entry(&[("Cache-Control", "max-age=60"), ("ETag", "\"v1\"")]);
        let none = req(&[]);
        let p = CacheKind::Private;
        assert_eq!(
            reuse(&e, "GET", &none, p, 1030),
            Some(Reuse::Fresh { age: 30 })
        );
        let Some(Reuse::Revalidate(cond)) = reuse(&e, "GET", &none, p, 1060) else {
            panic!("stale must revalidate")
        };
        assert_eq!(cond.get("if-none-match"), Some(&b"\"v1\""[..]));
        // Request directives (§5.2.1), one field each.
        let asked = |e: &Entry, field: &str, value: &str, now: u64| {
            reuse(e, "GET", &req(&[(field, value)]), p, now)
        };
        for (field, value, now) in [
            ("Cache-Control", "no-cache", 1001),
            ("Pragma", "no-cache", 1001),
            ("Cache-Control", "max-age=10", 1030),
            ("Cache-Control", "min-fresh=40", 1030),
        ] {
            assert!(
                matches!(asked(&e, field, value, now), Some(Reuse::Revalidate(_))),
                "{field}: {value}"
            );
        }
        assert!(matches!(
            asked(&e, "Cache-Control", "max-stale=100", 1100),
            Some(Reuse::Fresh { .. })
        ));
        let strict = entry(&[("Cache-Control", "max-age=60, must-revalidate")]);
        assert!(matches!(
            asked(&strict, "Cache-Control", "max-stale", 1100),
            Some(Reuse::Revalidate(_))
        ));
        assert_eq!(reuse(&e, "POST", &none, p, 1001), None);
    }

    #[test]
    fn a_304_freshens_the_stored_response() {
        let mut e = entry(&[
            ("Cache-Control", "max-age=60"),
            ("ETag", "\"v1\""),
            ("Content-Length", "1"),
        ]);
        let mut nm = ResponseHead::new(304);
        nm.headers.append("ETag", &b"\"v1\""[..]);
        nm.headers.append("Cache-Control", &b"max-age=120"[..]);
        nm.headers
            .append("Date", format_http_date(2000).into_bytes());
        nm.headers.append("Content-Length", &b"0"[..]);
        assert!(validates(&e, &nm));
        freshen(&mut e, &nm, 2000, 2000);
        assert_eq!(
            e.head.headers.get("cache-control"),
            Some(&b"max-age=120"[..])
        );
        assert_eq!(e.head.headers.get("content-length"), Some(&b"1"[..]));
        assert_eq!(
            reuse(&e, "GET", &req(&[]), CacheKind::Private, 2100),
            Some(Reuse::Fresh { age: 100 })
        );
        let mut other = ResponseHead::new(304);
        other.headers.append("ETag", &b"\"v2\""[..]);
        other.headers.append("Content-MD5", &b"new"[..]);
        assert!(!validates(&e, &other));
        // The stored validator and body digest survive any 304.
        freshen(&mut e, &other, 2000, 2000);
        assert_eq!(e.head.headers.get("etag"), Some(&b"\"v1\""[..]));
        assert_eq!(e.head.headers.get("content-md5"), None);
    }

    #[test]
    fn client_conditions_against_the_stored_response() {
        let e = entry(&[
            ("ETag", "W/\"v1\""),
            ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ]);
        assert!(not_modified(
            &e.head,
            &req(&[("If-None-Match", "\"v0\", \"v1\"")])
        ));
        assert!(!not_modified(&e.head, &req(&[("If-None-Match", "\"v2\"")])));
        assert!(!not_modified(
            &e.head,
            &req(&[
                ("If-None-Match", "\"v2\""),
                ("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")
            ])
        ));
        assert!(not_modified(
            &e.head,
            &req(&[("If-Modified-Since", "Mon, 07 Nov 1994 08:49:37 GMT")])
        ));
        assert!(!not_modified(
            &e.head,
            &req(&[("If-Modified-Since", "Sat, 05 Nov 1994 08:49:37 GMT")])
        ));
        assert!(!not_modified(&e.head, &req(&[])));
    }

    #[test]
    fn stale_while_revalidate_window() {
        let e = entry(&[
            ("Cache-Control", "max-age=60, stale-while-revalidate=30"),
            ("ETag", "\"v1\""),
        ]);
        let none = req(&[]);
        let s = CacheKind::Shared;
        assert_eq!(
            reuse(&e, "GET", &none, s, 1030),
            Some(Reuse::Fresh { age: 30 })
        );
        let Some(Reuse::StaleWhileRevalidate { age, conditions }) =
            reuse(&e, "GET", &none, s, 1070)
        else {
            panic!("inside the window: serve stale and revalidate")
        };
        assert_eq!(age, 70);
        assert_eq!(conditions.get("if-none-match"), Some(&b"\"v1\""[..]));
        assert!(matches!(
            reuse(&e, "GET", &none, s, 1090),
            Some(Reuse::Revalidate(_))
        ));
        assert!(matches!(
            reuse(&e, "GET", &req(&[("Cache-Control", "max-age=0")]), s, 1070),
            Some(Reuse::Revalidate(_))
        ));
        let strict = entry(&[(
            "Cache-Control",
            "max-age=60, stale-while-revalidate=30, must-revalidate",
        )]);
        assert!(matches!(
            reuse(&strict, "GET", &none, s, 1070),
            Some(Reuse::Revalidate(_))
        ));
    }

    #[test]
    fn stale_if_error_window() {
        let e = entry(&[("Cache-Control", "max-age=60, stale-if-error=100")]);
        let none = req(&[]);
        assert!(stale_if_error(&e, &none, CacheKind::Shared, 1150));
        assert!(!stale_if_error(&e, &none, CacheKind::Shared, 1170));
        let strict = entry(&[(
            "Cache-Control",
            "max-age=60, stale-if-error=100, must-revalidate",
        )]);
        assert!(!stale_if_error(&strict, &none, CacheKind::Shared, 1100));
        let plain = entry(&[("Cache-Control", "max-age=60")]);
        assert!(!stale_if_error(&plain, &none, CacheKind::Shared, 1100));
        assert!(stale_if_error(
            &plain,
            &req(&[("Cache-Control", "stale-if-error=50")]),
            CacheKind::Shared,
            1100
        ));
    }

    #[test]
    fn unsafe_methods_invalidate() {
        let h = req(&[("Location", "/new"), ("Content-Location", "/x")]);
        assert_eq!(
            invalidated("POST", 201, &h),
            Some(vec!["/new".to_string(), "/x".to_string()])
        );
        assert_eq!(invalidated("GET", 200, &h), None);
        assert_eq!(invalidated("DELETE", 500, &h), None);
    }
}
