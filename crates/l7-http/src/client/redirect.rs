//! Following redirects (RFC 9110 §15.4): which statuses redirect, which
//! method and body the next request keeps, and how many hops are allowed.

use super::{Request, Url};

/// Most redirects followed for one fetch.
pub const MAX_REDIRECTS: usize = 10;

/// The request to send after a redirect response, or `None` when `status`
/// is not a redirect to follow or `location` is missing or unusable.
///
/// 303 turns every method but HEAD into a body-less GET (§15.4.4); 301 and
/// 302 do so for POST, as user agents have always done (§15.4.2, §15.4.3);
/// 307 and 308 keep the method and the body (§15.4.8, §15.4.9). Fields
/// that carry credentials are dropped when the origin changes.
pub fn next_request(prev: &Request, status: u16, location: Option<&str>) -> Option<Request> {
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let url = prev.url.join(location?).ok()?;
    let mut next = prev.clone();
    let to_get = match status {
        303 => prev.method != "HEAD",
        301 | 302 => prev.method == "POST",
        _ => false,
    };
    if to_get {
        next.method = "GET".to_string();
        next.body.clear();
        next.headers.remove("content-length");
        next.headers.remove("content-type");
    }
    if !same_origin(&prev.url, &url) {
        next.headers.remove("authorization");
        next.headers.remove("cookie");
        next.headers.remove("host");
    }
    next.url = url;
    Some(next)
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.tls == b.tls && a.host == b.host && a.port == b.port
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post() -> Request {
        let mut r = Request::new("POST", Url::parse("http://a/form").unwrap());
        r.body = b"x=1".to_vec();
        r.headers.append("Authorization", &b"Basic eA=="[..]);
        r.headers.append("Content-Type", &b"text/plain"[..]);
        r
    }

    #[test]
    fn methods_after_each_redirect_status() {
        for (status, method, body) in [
            (301, "GET", ""),
            (302, "GET", ""),
            (303, "GET", ""),
            (307, "POST", "x=1"),
            (308, "POST", "x=1"),
        ] {
            let n = next_request(&post(), status, Some("/done")).unwrap();
            assert_eq!(n.method, method, "{status}");
            assert_eq!(n.body, body.as_bytes(), "{status}");
            assert_eq!(n.url.to_string(), "http://a/done");
            assert!(n.headers.contains("authorization"));
        }
        assert!(next_request(&post(), 200, Some("/x")).is_none());
        assert!(next_request(&post(), 301, None).is_none());
        let mut head = post();
        head.method = "HEAD".into();
        assert_eq!(next_request(&head, 303, Some("/")).unwrap().method, "HEAD");
    }

    #[test]
    fn credentials_do_not_cross_origins() {
        let n = next_request(&post(), 307, Some("https://b/")).unwrap();
        assert!(!n.headers.contains("authorization"));
        assert_eq!(n.url.to_string(), "https://b/");
    }
}
