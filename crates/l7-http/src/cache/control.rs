//! Cache-Control (RFC 9111 §5.2): the directives of a request or a
//! response, parsed leniently (unknown directives ignored, the first of a
//! repeated directive wins, an invalid delta-seconds counts as 0 so the
//! response is treated as stale, §1.2.2) and with a bound on the work.

use crate::wire::Headers;

/// Most directives looked at in one message.
const MAX_DIRECTIVES: usize = 64;

/// The Cache-Control directives l7's cache acts on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheControl {
    /// `max-age=N` (§5.2.1.1, §5.2.2.1).
    pub max_age: Option<u64>,
    /// `s-maxage=N`, for shared caches (§5.2.2.10).
    pub s_maxage: Option<u64>,
    /// `max-stale[=N]` (§5.2.1.2); `Some(None)` accepts any staleness.
    pub max_stale: Option<Option<u64>>,
    /// `min-fresh=N` (§5.2.1.3).
    pub min_fresh: Option<u64>,
    /// `no-cache` (§5.2.1.4, §5.2.2.4), with or without field names.
    pub no_cache: bool,
    /// `no-store` (§5.2.1.5, §5.2.2.5).
    pub no_store: bool,
    /// `only-if-cached` (§5.2.1.7).
    pub only_if_cached: bool,
    /// `must-revalidate` (§5.2.2.2).
    pub must_revalidate: bool,
    /// `proxy-revalidate` (§5.2.2.8).
    pub proxy_revalidate: bool,
    /// `private` (§5.2.2.7), with or without field names.
    pub private: bool,
    /// `public` (§5.2.2.9).
    pub public: bool,
    /// `must-understand` (§5.2.2.3).
    pub must_understand: bool,
    /// `immutable` (RFC 8246).
    pub immutable: bool,
    /// `stale-if-error=N` (RFC 5861 §4).
    pub stale_if_error: Option<u64>,
    /// `stale-while-revalidate=N` (RFC 5861 §3).
    pub stale_while_revalidate: Option<u64>,
}

impl CacheControl {
    /// The directives of every Cache-Control field in `headers`.
    pub fn parse(headers: &Headers<'_>) -> CacheControl {
        let mut cc = CacheControl::default();
        let mut seen = 0;
        for value in headers.get_all("cache-control") {
            for (name, arg) in directives(value) {
                seen += 1;
                if seen > MAX_DIRECTIVES {
                    return cc;
                }
                cc.apply(&name, arg.as_deref());
            }
        }
        cc
    }

    fn apply(&mut self, name: &str, arg: Option<&str>) {
        let delta = || arg.map_or(0, delta_seconds);
        match name {
            "max-age" => {
                self.max_age.get_or_insert_with(delta);
            }
            "s-maxage" => {
                self.s_maxage.get_or_insert_with(delta);
            }
            "max-stale" => {
                self.max_stale.get_or_insert(arg.map(delta_seconds));
            }
            "min-fresh" => {
                self.min_fresh.get_or_insert_with(delta);
            }
            "no-cache" => self.no_cache = true,
            "no-store" => self.no_store = true,
            "only-if-cached" => self.only_if_cached = true,
            "must-revalidate" => self.must_revalidate = true,
            "proxy-revalidate" => self.proxy_revalidate = true,
            "private" => self.private = true,
            "public" => self.public = true,
            "must-understand" => self.must_understand = true,
            "immutable" => self.immutable = true,
            "stale-if-error" => {
                self.stale_if_error.get_or_insert_with(delta);
            }
            "stale-while-revalidate" => {
                self.stale_while_revalidate.get_or_insert_with(delta);
            }
            _ => {}
        }
    }
}

/// delta-seconds (§1.2.2): digits; too large saturates, invalid is 0.
fn delta_seconds(s: &str) -> u64 {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    s.parse().unwrap_or(u64::from(u32::MAX) * 2)
}

/// Splits a field value into `(lowercase name, unquoted argument)` pairs,
/// honouring commas inside quoted strings.
fn directives(value: &[u8]) -> Vec<(String, Option<String>)> {
    let text = String::from_utf8_lossy(value);
    let mut out = Vec::new();
    let mut rest = text.as_ref();
    while !rest.is_empty() && out.len() < MAX_DIRECTIVES {
        let mut i = 0;
        let mut quoted = false;
        let bytes = rest.as_bytes();
        while i < bytes.len() {
            match bytes[i] {
                b'"' => quoted = !quoted,
                b'\\' if quoted => i += 1,
                b',' if !quoted => break,
                _ => {}
            }
            i += 1;
        }
        let part = &rest[..i.min(rest.len())];
        rest = rest.get(i + 1..).unwrap_or("");
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, arg) = match part.split_once('=') {
            Some((n, a)) => {
                let a = a.trim();
                let a = a
                    .strip_prefix('"')
                    .and_then(|a| a.strip_suffix('"'))
                    .unwrap_or(a);
                (n.trim(), Some(a.replace('\\', "")))
            }
            None => (part, None),
        };
        out.push((name.to_ascii_lowercase(), arg));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(v: &str) -> CacheControl {
        let mut h = Headers::new();
        h.append("Cache-Control", v.as_bytes().to_vec());
        CacheControl::parse(&h)
    }

    #[test]
    fn parses_directives() {
        let c = cc("public, Max-Age=60, s-maxage=\"30\", no-cache=\"Set-Cookie, X\", max-stale");
        assert_eq!(c.max_age, Some(60));
        assert_eq!(c.s_maxage, Some(30));
        assert!(c.public && c.no_cache && !c.no_store);
        assert_eq!(c.max_stale, Some(None));
        assert_eq!(cc("max-age=10, max-age=20").max_age, Some(10));
        assert_eq!(cc("max-age=abc").max_age, Some(0));
        assert_eq!(
            cc("max-age=99999999999999999999999").max_age,
            Some(8589934590)
        );
        assert_eq!(cc("max-stale=5").max_stale, Some(Some(5)));
        assert!(cc(",,private,,").private);
        assert_eq!(cc("stale-if-error=60").stale_if_error, Some(60));
        assert_eq!(
            cc("max-age=1, stale-while-revalidate=30").stale_while_revalidate,
            Some(30)
        );
        assert_eq!(cc(""), CacheControl::default());
    }
}
