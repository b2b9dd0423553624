//! [`Url`]: the `http` and `https` URIs a client fetches (RFC 9110 §4.2),
//! and resolving a reference against a base (RFC 3986 §5.2), which redirects
//! (`Location`) and HTML pages (`src`, `href`) need.

use std::fmt;

/// Longest URL accepted (bytes); longer input is refused, not truncated.
pub const MAX_URL_BYTES: usize = 8192;

/// An absolute `http` or `https` URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Url {
    /// True for `https`.
    pub tls: bool,
    /// The host, lowercase; IPv6 literals without brackets.
    pub host: String,
    /// The port (the scheme's default when the URL has none).
    pub port: u16,
    /// The path and query, starting with `/` (the origin-form target).
    pub path_and_query: String,
}

/// Why a string is not a URL l7 can fetch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Another scheme than http and https.
    #[error("unsupported scheme {0:?}: l7 get fetches http:// and https:// URLs")]
    Scheme(String),
    /// Anything else wrong with it.
    #[error("invalid URL: {0}")]
    Invalid(&'static str),
}

impl Url {
    /// Parses an absolute URL; a string without `scheme://` is taken as
    /// `http://` (as curl does).
    pub fn parse(s: &str) -> Result<Url, UrlError> {
        if s.len() > MAX_URL_BYTES {
            return Err(UrlError::Invalid("longer than 8 KiB"));
        }
        if s.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(UrlError::Invalid("contains spaces or control characters"));
        }
        let (scheme, rest) = match s.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => ("http".to_string(), s),
        };
        let tls = match scheme.as_str() {
            "http" => false,
            "https" => true,
            _ => return Err(UrlError::Scheme(scheme)),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        // RFC 9110 §4.2.4: userinfo is deprecated in http(s) URIs; drop it.
        let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = split_host_port(hostport)?;
        let port = port.unwrap_or(if tls { 443 } else { 80 });
        let tail = tail.split('#').next().unwrap_or("");
        let path_and_query = if tail.starts_with('/') {
            tail.to_string()
        } else {
            format!("/{tail}")
        };
        Ok(Url {
            tls,
            host,
            port,
            path_and_query,
        })
    }

    /// The scheme name.
    pub fn scheme(&self) -> &'static str {
        if self.tls { "https" } else { "http" }
    }

    /// The path without the query (for cookie paths).
    pub fn path(&self) -> &str {
        self.path_and_query
            .split('?')
            .next()
            .unwrap_or(&self.path_and_query)
    }

    /// The Host field value: host, plus the port when it is not the default.
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == if self.tls { 443 } else { 80 } {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// `host:port` as a connect target (brackets around IPv6).
    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Resolves `reference` (absolute, scheme-relative, absolute-path or
    /// relative-path, RFC 3986 §5.2.2) against this URL.
    pub fn join(&self, reference: &str) -> Result<Url, UrlError> {
        let reference = reference.trim();
        if let Some((scheme, _)) = reference.split_once("://")
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        {
            return Url::parse(reference);
        }
        if let Some(rest) = reference.strip_prefix("//") {
            return Url::parse(&format!("{}://{rest}", self.scheme()));
        }
        let reference = reference.split('#').next().unwrap_or("");
        let target = if reference.is_empty() {
            self.path_and_query.clone()
        } else if reference.starts_with('/') {
            remove_dot_segments(reference)
        } else if reference.starts_with('?') {
            format!("{}{reference}", self.path())
        } else {
            // §5.2.3: merge with the base path up to its last '/'.
            let base = self.path();
            let dir = &base[..base.rfind('/').map_or(0, |i| i + 1)];
            remove_dot_segments(&format!("{dir}{reference}"))
        };
        if target.len() > MAX_URL_BYTES || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(UrlError::Invalid("bad reference"));
        }
        Ok(Url {
            path_and_query: if target.starts_with('/') {
                target
            } else {
                format!("/{target}")
            },
            ..self.clone()
        })
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}{}",
            self.scheme(),
            self.authority(),
            self.path_and_query
        )
    }
}

fn split_host_port(hostport: &str) -> Result<(String, Option<u16>), UrlError> {
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or(UrlError::Invalid("unclosed '[' in the host"))?;
        (host, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err(UrlError::Invalid("no host"));
    }
    if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._:~%".contains(&b))
    {
        return Err(UrlError::Invalid("invalid character in the host"));
    }
    let port = match port {
        None | Some("") => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or(UrlError::Invalid(
                    "the port is not a number from 1 to 65535",
                ))?,
        ),
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// RFC 3986 §5.2.4 on a path with an optional query.
fn remove_dot_segments(target: &str) -> String {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *seg {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut s = format!("/{}", out.join("/"));
    if let Some(q) = query {
        s.push('?');
        s.push_str(q);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let u =
            Url::parse("http://Gaia.CS.umass.edu/kurose_ross/interactive/index.php?x=1#f").unwrap();
        assert_eq!(u.host, "gaia.cs.umass.edu");
        assert_eq!(u.port, 80);
        assert_eq!(u.path_and_query, "/kurose_ross/interactive/index.php?x=1");
        assert_eq!(u.path(), "/kurose_ross/interactive/index.php");
        let u = Url::parse("https://[::1]:8443").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.tls), ("::1", 8443, true));
        assert_eq!(u.authority(), "[::1]:8443");
        assert_eq!(u.path_and_query, "/");
        assert_eq!(
            Url::parse("127.0.0.1:8080/a").unwrap().to_string(),
            "http://127.0.0.1:8080/a"
        );
        assert!(matches!(Url::parse("ftp://x/"), Err(UrlError::Scheme(_))));
        assert!(Url::parse("http://:80/").is_err());
        assert!(Url::parse("http://a:99999/").is_err());
        assert!(Url::parse("http://a b/").is_err());
    }

    #[test]
    fn joins_references_as_rfc3986_examples() {
        // RFC 3986 §5.4.1 (normal examples) with base http://a/b/c/d;p?q
        let base = Url::parse("http://a/b/c/d;p?q").unwrap();
        for (r, want) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("https://x:8/y", "https://x:8/y"),
        ] {
            assert_eq!(base.join(r).unwrap().to_string(), want, "{r}");
        }
    }
}
