//! Redirects from a simple config file: one rule a line,
//! `[STATUS] FROM TO`, where STATUS is 301 (default), 302, 307 or 308;
//! a FROM ending in `*` matches any path with that prefix and the rest is
//! appended to TO. Blank lines and `#` comments are ignored.

/// One redirect rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The status code sent.
    pub status: u16,
    /// The request path (or prefix, when `prefix` is set).
    pub from: String,
    /// The Location (or its prefix).
    pub to: String,
    /// True when `from` ended in `*`.
    pub prefix: bool,
}

/// A set of redirect rules, tried in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redirects {
    rules: Vec<Redirect>,
}

impl Redirects {
    /// Parses a config file; the error names the first bad line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut rules = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            let (status, from, to) = match words.as_slice() {
                [from, to] => (301, *from, *to),
                [status, from, to] => match status.parse::<u16>() {
                    Ok(s @ (301 | 302 | 303 | 307 | 308)) => (s, *from, *to),
                    _ => return Err(format!("line {}: unknown redirect status {status}", i + 1)),
                },
                _ => return Err(format!("line {}: expected `[STATUS] FROM TO`", i + 1)),
            };
            if !from.starts_with('/') || to.bytes().any(|b| b.is_ascii_control()) {
                return Err(format!(
                    "line {}: FROM must start with / and TO be printable",
                    i + 1
                ));
            }
            let (from, prefix) = match from.strip_suffix('*') {
                Some(p) => (p, true),
                None => (from, false),
            };
            rules.push(Redirect {
                status,
                from: from.into(),
                to: to.into(),
                prefix,
            });
        }
        Ok(Redirects { rules })
    }

    /// The status and Location for a request path, if a rule matches.
    pub fn lookup(&self, path: &str) -> Option<(u16, String)> {
        self.rules.iter().find_map(|r| {
            if r.prefix {
                let rest = path.strip_prefix(r.from.as_str())?;
                Some((r.status, format!("{}{rest}", r.to)))
            } else {
                (path == r.from).then(|| (r.status, r.to.clone()))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let r = Redirects::parse(
            "# course pages\n/old.html /new.html\n308 /docs/* https://docs.example/\n\n302 /tmp /x # temp\n",
        )
        .unwrap();
        assert_eq!(r.lookup("/old.html"), Some((301, "/new.html".into())));
        assert_eq!(
            r.lookup("/docs/a/b"),
            Some((308, "https://docs.example/a/b".into()))
        );
        assert_eq!(r.lookup("/tmp"), Some((302, "/x".into())));
        assert_eq!(r.lookup("/other"), None);
        assert!(Redirects::parse("999 /a /b").is_err());
        assert!(Redirects::parse("/a").is_err());
        assert!(Redirects::parse("a /b").is_err());
    }
}
