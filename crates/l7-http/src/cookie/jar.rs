//! The cookie jar (RFC 6265 §5.3 storage model, §5.4 Cookie header): which
//! cookies to keep, which to send to a given host and path, and when they
//! expire. Time is wall-clock Unix seconds passed in by the caller.
//! There is no public-suffix list: a Domain attribute is accepted whenever
//! the request host domain-matches it.

use super::SetCookie;

/// Most cookies kept in one jar; the oldest are evicted beyond it.
pub const MAX_COOKIES: usize = 3000;
/// Most cookies kept for one domain.
pub const MAX_COOKIES_PER_DOMAIN: usize = 50;

/// A stored cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
    /// The domain (lowercase, no leading dot).
    pub domain: String,
    /// True when only the exact host gets it (no Domain attribute).
    pub host_only: bool,
    /// The path.
    pub path: String,
    /// Expiry in Unix seconds; `None` for a session cookie.
    pub expires: Option<u64>,
    /// Only sent over secure connections.
    pub secure: bool,
    /// Not visible to scripts.
    pub http_only: bool,
    /// When it was first stored (orders the Cookie header).
    pub created: u64,
}

/// A set of cookies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CookieJar {
    cookies: Vec<Cookie>,
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> Self {
        CookieJar::default()
    }

    /// The stored cookies, in storage order.
    pub fn cookies(&self) -> &[Cookie] {
        &self.cookies
    }

    /// Stores the cookie of a Set-Cookie field received from `host` for a
    /// request to `request_path` at `now` (§5.3). Returns false when the
    /// cookie was rejected (foreign Domain).
    pub fn store(&mut self, set: &SetCookie, host: &str, request_path: &str, now: u64) -> bool {
        let host = host.to_ascii_lowercase();
        let (domain, host_only) = match &set.domain {
            Some(d) if domain_match(&host, d) => (d.clone(), false),
            Some(_) => return false,
            None => (host, true),
        };
        // §5.3 step 3: Max-Age wins over Expires.
        let expires = match set.max_age {
            Some(age) if age <= 0 => Some(0),
            Some(age) => Some(now.saturating_add(age as u64)),
            None => set.expires,
        };
        let path = set
            .path
            .clone()
            .unwrap_or_else(|| default_path(request_path));
        let mut cookie = Cookie {
            name: set.name.clone(),
            value: set.value.clone(),
            domain,
            host_only,
            path,
            expires,
            secure: set.secure,
            http_only: set.http_only,
            created: now,
        };
        if let Some(i) = self.position(&cookie) {
            // §5.3 step 11: keep the old creation time.
            cookie.created = self.cookies[i].created;
            self.cookies.remove(i);
        }
        if cookie.expires.is_none_or(|e| e > now) {
            self.insert(cookie);
        }
        true
    }

    /// Adds a cookie as is (from a cookie file), replacing any with the
    /// same name, domain and path, within the size bounds.
    pub fn insert(&mut self, cookie: Cookie) {
        if let Some(i) = self.position(&cookie) {
            self.cookies.remove(i);
        }
        let same_domain = self
            .cookies
            .iter()
            .filter(|c| c.domain == cookie.domain)
            .count();
        if same_domain >= MAX_COOKIES_PER_DOMAIN
            && let Some(i) = self.cookies.iter().position(|c| c.domain == cookie.domain)
        {
            self.cookies.remove(i);
        }
        if self.cookies.len() >= MAX_COOKIES {
            self.cookies.remove(0);
        }
        self.cookies.push(cookie);
    }

    fn position(&self, c: &Cookie) -> Option<usize> {
        self.cookies
            .iter()
            .position(|o| o.name == c.name && o.domain == c.domain && o.path == c.path)
    }

    /// Drops every cookie expired at `now`.
    pub fn remove_expired(&mut self, now: u64) {
        self.cookies.retain(|c| c.expires.is_none_or(|e| e > now));
    }

    /// The Cookie header value for a request to `host` and `path` at `now`
    /// (§5.4): matching, unexpired cookies, secure ones only when `secure`,
    /// longer paths first, then older first. `None` when nothing matches.
    pub fn cookie_header(&self, host: &str, path: &str, secure: bool, now: u64) -> Option<String> {
        let host = host.to_ascii_lowercase();
        let mut matching: Vec<&Cookie> = self
            .cookies
            .iter()
            .filter(|c| {
                let domain_ok = if c.host_only {
                    host == c.domain
                } else {
                    domain_match(&host, &c.domain)
                };
                domain_ok
                    && path_match(path, &c.path)
                    && (secure || !c.secure)
                    && c.expires.is_none_or(|e| e > now)
            })
            .collect();
        if matching.is_empty() {
            return None;
        }
        matching.sort_by(|a, b| {
            b.path
                .len()
                .cmp(&a.path.len())
                .then(a.created.cmp(&b.created))
        });
        let pairs: Vec<String> = matching
            .iter()
            .map(|c| {
                if c.name.is_empty() {
                    c.value.clone()
                } else {
                    format!("{}={}", c.name, c.value)
                }
            })
            .collect();
        Some(pairs.join("; "))
    }
}

/// RFC 6265 §5.1.3: `host` equals `domain`, or ends with `.domain` and is
/// not an IP address.
pub fn domain_match(host: &str, domain: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let domain = domain.to_ascii_lowercase();
    if host == domain {
        return true;
    }
    let is_ip = host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[');
    !is_ip
        && host
            .strip_suffix(&domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// RFC 6265 §5.1.4: the cookie path is the request path, or a prefix of it
/// ending at a `/`.
pub fn path_match(request_path: &str, cookie_path: &str) -> bool {
    match request_path.strip_prefix(cookie_path) {
        Some("") => true,
        Some(rest) => cookie_path.ends_with('/') || rest.starts_with('/'),
        None => false,
    }
}

/// RFC 6265 §5.1.4: the default path is the request path up to its last `/`.
fn default_path(request_path: &str) -> String {
    let path = request_path.split(['?', '#']).next().unwrap_or_default();
    if !path.starts_with('/') {
        return "/".into();
    }
    match path.rfind('/') {
        Some(0) | None => "/".into(),
        Some(i) => path[..i].into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> SetCookie {
        SetCookie::parse(s).unwrap()
    }

    #[test]
    fn matching_rules() {
        assert!(domain_match("www.example.com", "example.com"));
        assert!(domain_match("Example.com", "example.COM"));
        assert!(!domain_match("badexample.com", "example.com"));
        assert!(!domain_match("example.com", "www.example.com"));
        assert!(!domain_match("10.0.0.1", "0.0.1"));
        assert!(path_match("/docs/web", "/docs"));
        assert!(path_match("/docs/", "/docs/"));
        assert!(!path_match("/docsy", "/docs"));
        assert!(!path_match("/", "/docs"));
        assert_eq!(default_path("/a/b/c?x"), "/a/b");
        assert_eq!(default_path("/a"), "/");
        assert_eq!(default_path("x"), "/");
    }

    #[test]
    fn jar_cases() {
        let mut jar = CookieJar::new();
        assert!(jar.store(&set("sid=1"), "shop.test", "/cart/add", 100));
        assert!(jar.store(
            &set("lang=fr; Domain=shop.test; Path=/"),
            "www.shop.test",
            "/",
            100
        ));
        assert!(!jar.store(&set("evil=1; Domain=other.test"), "shop.test", "/", 100));
        assert!(jar.store(&set("tmp=1; Max-Age=10"), "shop.test", "/", 100));
        assert!(jar.store(&set("sec=1; Secure; Path=/"), "shop.test", "/", 101));

        // Host-only: not sent to a subdomain; path /cart from the default path.
        assert_eq!(
            jar.cookie_header("www.shop.test", "/cart/x", false, 100)
                .as_deref(),
            Some("lang=fr")
        );
        assert_eq!(
            jar.cookie_header("shop.test", "/cart/x", false, 105)
                .as_deref(),
            Some("sid=1; lang=fr; tmp=1")
        );
        assert_eq!(
            jar.cookie_header("shop.test", "/", true, 105).as_deref(),
            Some("lang=fr; tmp=1; sec=1")
        );
        // Expiry by passed-in time.
        assert_eq!(
            jar.cookie_header("shop.test", "/", false, 110).as_deref(),
            Some("lang=fr")
        );
        jar.remove_expired(110);
        assert_eq!(jar.cookies().len(), 3);
        // Replacement keeps creation time; Max-Age=0 deletes.
        assert!(jar.store(&set("sid=2; Path=/cart"), "shop.test", "/", 200));
        let sid = jar.cookies().iter().find(|c| c.name == "sid").unwrap();
        assert_eq!((sid.value.as_str(), sid.created), ("2", 100));
        assert!(jar.store(&set("sid=x; Max-Age=0; Path=/cart"), "shop.test", "/", 200));
        assert!(jar.cookies().iter().all(|c| c.name != "sid"));
        assert_eq!(jar.cookie_header("elsewhere.test", "/", true, 0), None);
    }

    #[test]
    fn bounded() {
        let mut jar = CookieJar::new();
        for i in 0..(MAX_COOKIES_PER_DOMAIN + 10) {
            jar.store(&set(&format!("c{i}=v")), "flood.test", "/", 0);
        }
        assert_eq!(jar.cookies().len(), MAX_COOKIES_PER_DOMAIN);
        assert!(
            jar.cookies()
                .iter()
                .any(|c| c.name == format!("c{}", MAX_COOKIES_PER_DOMAIN + 9))
        );
    }
}
