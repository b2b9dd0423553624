//! Storing and freshness (RFC 9111 §3, §4.2): whether a response may be
//! stored, how long it stays fresh (s-maxage, max-age, Expires, or 10 % of
//! the time since Last-Modified), and how old a stored response is (§4.2.3).
//! Times are Unix seconds passed in.

use super::CacheControl;
use crate::wire::Headers;
use crate::wire::date::parse_http_date;

/// Statuses whose responses this cache understands (§3; 206 is not
/// stored: partial content is never combined).
const UNDERSTOOD: [u16; 14] = [
    200, 203, 204, 300, 301, 302, 303, 307, 308, 404, 405, 410, 414, 501,
];

/// Statuses cacheable by default (RFC 9110 §15.1), which may get
/// heuristic freshness.
const HEURISTIC: [u16; 12] = [200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501];

/// Whether a cache is shared (a proxy) or private (a browser's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheKind {
    /// One user's cache: `private` responses are stored, `s-maxage` ignored.
    Private,
    /// Serves many users: `private` and authenticated responses are not stored.
    Shared,
}

/// The exchange a cache decides about.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// Request method.
    pub method: &'a str,
    /// Request fields.
    pub request: &'a Headers<'a>,
    /// Response status.
    pub status: u16,
    /// Response fields.
    pub response: &'a Headers<'a>,
}

/// §3: may this response be stored?
pub fn storable(x: &Exchange<'_>, kind: CacheKind) -> bool {
    let req = CacheControl::parse(x.request);
    let res = CacheControl::parse(x.response);
    let shared = kind == CacheKind::Shared;
    let explicit = x.response.contains("expires")
        || res.max_age.is_some()
        || (shared && res.s_maxage.is_some());
    let method_ok = matches!(x.method, "GET" | "HEAD");
    method_ok
        && !req.no_store
        && UNDERSTOOD.contains(&x.status)
        && !res.no_store
        && !(shared && res.private)
        // §3.5: authenticated responses only when the response allows it.
        && !(shared
            && x.request.contains("authorization")
            && !(res.public || res.must_revalidate || res.s_maxage.is_some()))
        && (explicit || res.public || HEURISTIC.contains(&x.status))
}

/// §4.2.1: the freshness lifetime in seconds of a stored response that was
/// received at `response_time` (used when the response has no Date).
pub fn freshness_lifetime(x: &Exchange<'_>, kind: CacheKind, response_time: u64) -> u64 {
    let res = CacheControl::parse(x.response);
    let shared = kind == CacheKind::Shared;
    // §5.4: a response's `Pragma: no-cache` without Cache-Control is
    // taken as no-cache too (as http-cache-semantics does).
    let pragma =
        !x.response.contains("cache-control") && x.response.has_token("pragma", "no-cache");
    if !storable(x, kind) || res.no_cache || pragma {
        return 0;
    }
    // A shared cache does not hand out a cookie to other users unless the
    // origin says the response is public.
    if shared && x.response.contains("set-cookie") && !res.public && !res.immutable {
        return 0;
    }
    if x.response.get_str("vary").map(str::trim) == Some("*") {
        return 0;
    }
    if shared {
        if res.proxy_revalidate {
            return 0;
        }
        if let Some(s) = res.s_maxage {
            return s;
        }
    }
    if let Some(m) = res.max_age {
        return m;
    }
    let date = date_value(x.response).unwrap_or(response_time);
    if let Some(expires) = x.response.get_str("expires") {
        // §5.3: an invalid Expires (e.g. "0") means already expired.
        return parse_http_date(expires).map_or(0, |e| e.saturating_sub(date));
    }
    // §4.2.2: heuristic freshness, 10 % of the time since Last-Modified,
    // for heuristically cacheable statuses and responses marked public.
    if let Some(lm) = x
        .response
        .get_str("last-modified")
        .and_then(parse_http_date)
        && (HEURISTIC.contains(&x.status) || res.public)
    {
        return date.saturating_sub(lm) / 10;
    }
    0
}

/// The times a cache records with a stored response (§4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    /// When the request that got this response was sent.
    pub request_time: u64,
    /// When the response was received.
    pub response_time: u64,
}

/// §4.2.3: the current age in seconds of a stored response at `now`.
pub fn current_age(response: &Headers<'_>, times: Times, now: u64) -> u64 {
    let age_value = response
        .get_str("age")
        .and_then(|a| a.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let date_value = date_value(response).unwrap_or(times.response_time);
    let apparent_age = times.response_time.saturating_sub(date_value);
    let response_delay = times.response_time.saturating_sub(times.request_time);
    let corrected_age_value = age_value.saturating_add(response_delay);
    let corrected_initial_age = apparent_age.max(corrected_age_value);
    let resident_time = now.saturating_sub(times.response_time);
    corrected_initial_age.saturating_add(resident_time)
}

fn date_value(headers: &Headers<'_>) -> Option<u64> {
    headers.get_str("date").and_then(parse_http_date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::date::format_http_date;

    fn headers(fields: &[(&str, String)]) -> Headers<'static> {
        let mut h = Headers::new();
        for (n, v) in fields {
            h.append(n.to_string(), v.clone().into_bytes());
        }
        h
    }

    fn lifetime(kind: CacheKind, status: u16, req: &Headers<'_>, res: &Headers<'_>) -> u64 {
        let x = Exchange {
            method: "GET",
            request: req,
            status,
            response: res,
        };
        freshness_lifetime(&x, kind, 1_000_000)
    }

    #[test]
    fn lifetimes_in_rfc_order() {
        let none = Headers::new();
        let t = 1_000_000;
        let res = headers(&[
            ("Date", format_http_date(t)),
            ("Cache-Control", "max-age=60, s-maxage=30".into()),
            ("Expires", format_http_date(t + 600)),
        ]);
        assert_eq!(lifetime(CacheKind::Shared, 200, &none, &res), 30);
        assert_eq!(lifetime(CacheKind::Private, 200, &none, &res), 60);
        let res = headers(&[
            ("Date", format_http_date(t)),
            ("Expires", format_http_date(t + 600)),
        ]);
        assert_eq!(lifetime(CacheKind::Private, 200, &none, &res), 600);
        let res = headers(&[("Expires", "0".into())]);
        assert_eq!(lifetime(CacheKind::Private, 200, &none, &res), 0);
        let res = headers(&[
            ("Date", format_http_date(t)),
            ("Last-Modified", format_http_date(t - 1000)),
        ]);
        assert_eq!(lifetime(CacheKind::Private, 200, &none, &res), 100);
        assert_eq!(lifetime(CacheKind::Private, 302, &none, &res), 0);
    }

    #[test]
    fn shared_caches_refuse_private_and_authenticated() {
        let none = Headers::new();
        let auth = headers(&[("Authorization", "Basic eA==".into())]);
        let private = headers(&[("Cache-Control", "private, max-age=60".into())]);
        let x = |req, res| Exchange {
            method: "GET",
            request: req,
            status: 200,
            response: res,
        };
        assert!(!storable(&x(&none, &private), CacheKind::Shared));
        assert!(storable(&x(&none, &private), CacheKind::Private));
        let plain = headers(&[("Cache-Control", "max-age=60".into())]);
        assert!(!storable(&x(&auth, &plain), CacheKind::Shared));
        let public = headers(&[("Cache-Control", "public, max-age=60".into())]);
        assert!(storable(&x(&auth, &public), CacheKind::Shared));
        let no_store = headers(&[("Cache-Control", "no-store".into())]);
        assert!(!storable(&x(&none, &no_store), CacheKind::Private));
    }

    #[test]
    fn age_follows_section_4_2_3() {
        let res = headers(&[("Date", format_http_date(100)), ("Age", "5".into())]);
        let times = Times {
            request_time: 108,
            response_time: 110,
        };
        // apparent 10, corrected 5 + 2 = 7 → 10; resident 20.
        assert_eq!(current_age(&res, times, 130), 30);
        let res = headers(&[("Age", "50".into())]);
        assert_eq!(current_age(&res, times, 110), 52);
    }
}
