//! [`Request`]: what `l7 get` (and the proxy's upstream side) sends — the
//! request head with the fields a client must add (RFC 9110 §7.2 Host,
//! §8.6 Content-Length), in origin-form to a server or absolute-form to a
//! proxy (RFC 9112 §3.2.2), followed by the body.

use super::Url;
use crate::wire::{Headers, RequestHead, Version};

/// The User-Agent l7's clients send unless told otherwise.
pub const USER_AGENT: &str = concat!("l7/", env!("CARGO_PKG_VERSION"));

/// One request to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method, e.g. `GET`.
    pub method: String,
    /// Where to.
    pub url: Url,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// Fields given by the user; they replace the defaults of the same name.
    pub headers: Headers<'static>,
    /// The body (empty for most GETs).
    pub body: Vec<u8>,
}

impl Request {
    /// A `method` request for `url` over HTTP/1.1 with no extra fields.
    pub fn new(method: &str, url: Url) -> Request {
        Request {
            method: method.to_string(),
            url,
            version: Version::Http11,
            headers: Headers::new(),
            body: Vec::new(),
        }
    }

    /// True when the request asks to keep the connection open (RFC 9112
    /// §9.3): HTTP/1.1 without `Connection: close`.
    pub fn keep_alive(&self) -> bool {
        self.version == Version::Http11 && !self.headers.has_token("connection", "close")
    }

    /// The head as sent: the target in absolute-form when `via_proxy`,
    /// then Host, User-Agent, Accept and Content-Length unless the user
    /// gave them, then the user's fields.
    pub fn head(&self, via_proxy: bool) -> RequestHead<'static> {
        let target = if via_proxy {
            self.url.to_string()
        } else {
            self.url.path_and_query.clone()
        };
        let mut head = RequestHead::new(self.method.clone(), target, self.version);
        let h = &mut head.headers;
        if !self.headers.contains("host") {
            h.append("Host", self.url.authority().into_bytes());
        }
        if !self.headers.contains("user-agent") {
            h.append("User-Agent", USER_AGENT.as_bytes());
        }
        if !self.headers.contains("accept") {
            h.append("Accept", &b"*/*"[..]);
        }
        // §8.6: a body is announced by its length; POST and PUT say 0 too.
        if !self.headers.contains("content-length")
            && (!self.body.is_empty() || matches!(self.method.as_str(), "POST" | "PUT"))
        {
            h.append("Content-Length", self.body.len().to_string().into_bytes());
        }
        for (name, value) in self.headers.iter() {
            h.append(name.to_string(), value.to_vec());
        }
        head
    }

    /// Appends the whole request (head and body) to `out`.
    pub fn emit(&self, via_proxy: bool, out: &mut Vec<u8>) {
        self.head(via_proxy).emit(out);
        out.extend_from_slice(&self.body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emits_origin_and_absolute_form() {
        let mut r = Request::new("GET", Url::parse("http://gaia.cs.umass.edu/a?b").unwrap());
        r.headers.append("Accept-Language", &b"fr"[..]);
        let mut out = Vec::new();
        r.emit(false, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("GET /a?b HTTP/1.1\r\nHost: gaia.cs.umass.edu\r\n"));
        assert!(text.ends_with("Accept: */*\r\nAccept-Language: fr\r\n\r\n"));
        let mut out = Vec::new();
        r.emit(true, &mut out);
        assert!(out.starts_with(b"GET http://gaia.cs.umass.edu/a?b HTTP/1.1\r\n"));
    }

    #[test]
    fn bodies_are_announced_and_user_fields_win() {
        let mut r = Request::new("POST", Url::parse("http://h:8080/").unwrap());
        r.body = b"a=1".to_vec();
        r.headers.append("Host", &b"other"[..]);
        let head = r.head(false);
        assert_eq!(head.headers.get("content-length"), Some(&b"3"[..]));
        assert_eq!(head.headers.get_all("host").count(), 1);
        assert_eq!(head.headers.get("host"), Some(&b"other"[..]));
        assert!(r.keep_alive());
        r.version = Version::Http10;
        assert!(!r.keep_alive());
    }
}
