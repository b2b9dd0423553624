//! The Set-Cookie header (RFC 6265 §5.2, SameSite from RFC 6265bis):
//! name=value and attributes, parsed the lenient way user agents do.

use super::date::parse_cookie_date;

/// The SameSite attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// Sent only in same-site requests.
    Strict,
    /// Also sent on top-level navigations.
    Lax,
    /// Sent everywhere (requires Secure in browsers).
    None,
}

impl SameSite {
    /// The attribute value as written.
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// A parsed Set-Cookie field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetCookie {
    /// The cookie name (may be empty, §5.2 step 5 as updated by 6265bis).
    pub name: String,
    /// The cookie value.
    pub value: String,
    /// Expires, as Unix seconds.
    pub expires: Option<u64>,
    /// Max-Age in seconds (may be zero or negative: delete).
    pub max_age: Option<i64>,
    /// Domain, lowercased, leading dot removed.
    pub domain: Option<String>,
    /// Path, when it starts with `/`.
    pub path: Option<String>,
    /// Secure.
    pub secure: bool,
    /// HttpOnly.
    pub http_only: bool,
    /// SameSite.
    pub same_site: Option<SameSite>,
}

impl SetCookie {
    /// Parses one Set-Cookie field value (Set-Cookie fields are never
    /// comma-joined: read each with `Headers::get_all`). `None` when the
    /// name-value pair has no `=`, both name and value are empty (§5.2 steps
    /// 2–5), or either holds a control character or tab (RFC 6265bis §5.6,
    /// tab excluded too so the cookie file stays tab-separated).
    pub fn parse(value: &str) -> Option<SetCookie> {
        let mut parts = value.split(';');
        let pair = parts.next()?;
        let (name, val) = pair.split_once('=')?;
        let (name, val) = (name.trim(), val.trim());
        let has_ctl = |s: &str| s.chars().any(|c| c.is_ascii_control());
        if (name.is_empty() && val.is_empty()) || has_ctl(name) || has_ctl(val) {
            return None;
        }
        let mut c = SetCookie {
            name: name.to_string(),
            value: val.to_string(),
            ..SetCookie::default()
        };
        for attr in parts {
            let (key, v) = attr.split_once('=').unwrap_or((attr, ""));
            let (key, v) = (key.trim(), v.trim());
            match key.to_ascii_lowercase().as_str() {
                "expires" => c.expires = parse_cookie_date(v).or(c.expires),
                "max-age" => {
                    // §5.2.2: a leading '-' or DIGIT, then digits only.
                    let digits = v.strip_prefix('-').unwrap_or(v);
                    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                        c.max_age = Some(v.parse::<i64>().unwrap_or(if v.starts_with('-') {
                            i64::MIN
                        } else {
                            i64::MAX
                        }));
                    }
                }
                "domain" => {
                    let d = v.strip_prefix('.').unwrap_or(v).to_ascii_lowercase();
                    c.domain = (!d.is_empty()).then_some(d);
                }
                "path" => c.path = v.starts_with('/').then(|| v.to_string()),
                "secure" => c.secure = true,
                "httponly" => c.http_only = true,
                "samesite" => {
                    c.same_site = match v.to_ascii_lowercase().as_str() {
                        "strict" => Some(SameSite::Strict),
                        "lax" => Some(SameSite::Lax),
                        "none" => Some(SameSite::None),
                        _ => c.same_site,
                    }
                }
                _ => {}
            }
        }
        Some(c)
    }

    /// Writes the field value back (`name=value; Path=/; ...`), as a server
    /// sends it.
    pub fn to_header_value(&self) -> String {
        let mut s = format!("{}={}", self.name, self.value);
        if let Some(e) = self.expires {
            s.push_str(&format!(
                "; Expires={}",
                crate::wire::date::format_http_date(e)
            ));
        }
        if let Some(m) = self.max_age {
            s.push_str(&format!("; Max-Age={m}"));
        }
        if let Some(d) = &self.domain {
            s.push_str(&format!("; Domain={d}"));
        }
        if let Some(p) = &self.path {
            s.push_str(&format!("; Path={p}"));
        }
        if self.secure {
            s.push_str("; Secure");
        }
        if self.http_only {
            s.push_str("; HttpOnly");
        }
        if let Some(ss) = self.same_site {
            s.push_str(&format!("; SameSite={}", ss.as_str()));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6265_examples() {
        // RFC 6265 §3.1 examples.
        let c = SetCookie::parse("SID=31d4d96e407aad42; Path=/; Secure; HttpOnly").unwrap();
        assert_eq!(
            (c.name.as_str(), c.value.as_str()),
            ("SID", "31d4d96e407aad42")
        );
        assert_eq!(c.path.as_deref(), Some("/"));
        assert!(c.secure && c.http_only);
        let c = SetCookie::parse("lang=en-US; Expires=Wed, 09 Jun 2021 10:18:14 GMT").unwrap();
        assert_eq!(c.expires, Some(1_623_233_894));
        let c = SetCookie::parse("SID=31d4; Path=/; Domain=.Example.COM; Max-Age=-5; SameSite=lax")
            .unwrap();
        assert_eq!(c.domain.as_deref(), Some("example.com"));
        assert_eq!(c.max_age, Some(-5));
        assert_eq!(c.same_site, Some(SameSite::Lax));
        let c = SetCookie::parse("a=b; Max-Age=12x; Path=relative; Expires=never").unwrap();
        assert_eq!((c.max_age, c.path, c.expires), (None, None, None));
        assert!(SetCookie::parse("no-equals-sign").is_none());
        assert!(SetCookie::parse("=").is_none());
        assert!(SetCookie::parse("a=b\tc").is_none());
        assert!(SetCookie::parse("a\x01=b").is_none());
    }

    #[test]
    fn round_trip() {
        let c = SetCookie::parse("id=42; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Max-Age=60; Domain=shop.test; Path=/cart; Secure; HttpOnly; SameSite=Strict").unwrap();
        assert_eq!(SetCookie::parse(&c.to_header_value()), Some(c));
    }
}
