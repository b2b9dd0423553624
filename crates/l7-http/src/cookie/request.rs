//! The server's side of cookies: finding a cookie in the request's Cookie
//! field(s) (RFC 6265 §4.2.1: `name=value` pairs separated by "; ").

use crate::wire::Headers;

/// The value of the cookie `name` sent with a request, if any (the first
/// one when a client sends the name twice, the most specific path first,
/// as §5.4 orders them).
pub fn request_cookie<'h>(headers: &'h Headers<'_>, name: &str) -> Option<&'h str> {
    headers
        .get_all("cookie")
        .filter_map(|v| std::str::from_utf8(v).ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_several_fields_and_pairs() {
        let mut h = Headers::new();
        h.append("Cookie", &b"theme=dark; l7shop=1678"[..]);
        h.append("cookie", &b"other=1"[..]);
        assert_eq!(request_cookie(&h, "l7shop"), Some("1678"));
        assert_eq!(request_cookie(&h, "other"), Some("1"));
        assert_eq!(request_cookie(&h, "shop"), None);
        let mut q = Headers::new();
        q.append("Cookie", &b"a=\"quoted\";broken;b="[..]);
        assert_eq!(request_cookie(&q, "a"), Some("quoted"));
        assert_eq!(request_cookie(&q, "b"), Some(""));
    }
}
