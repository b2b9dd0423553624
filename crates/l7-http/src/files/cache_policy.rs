//! Cache-Control chosen by file extension: how long caches (a CDN edge, the
//! browser) may reuse what the file server sends (RFC 9111 §5.2.2). The
//! default policy sends none; the DASH origin's makes segments, which
//! never change once packaged, long-lived and immutable (RFC 8246) and the
//! manifest short-lived.

use std::path::Path;

/// Cache-Control values by file extension; files with no rule get none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CachePolicy {
    rules: Vec<(String, String)>,
}

/// A year, the longest freshness RFC 9111 §5.2.2.1 suggests a server ask for.
const LONG: &str = "public, max-age=31536000, immutable";

impl CachePolicy {
    /// Adds `value` for files ending in `.ext` (case-insensitive).
    pub fn with(mut self, ext: &str, value: &str) -> Self {
        self.rules
            .push((ext.to_ascii_lowercase(), value.to_string()));
        self
    }

    /// A DASH origin's policy: media segments and init segments are
    /// immutable for a year; the MPD may be reused for `manifest_secs`.
    pub fn dash(manifest_secs: u32) -> Self {
        let mut p = CachePolicy::default().with("mpd", &format!("public, max-age={manifest_secs}"));
        for ext in ["m4s", "mp4", "m4v", "m4a", "webm", "ts"] {
            p = p.with(ext, LONG);
        }
        p
    }

    /// The Cache-Control value for `path`, if a rule names its extension.
    pub fn for_path(&self, path: &Path) -> Option<&str> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        self.rules
            .iter()
            .find(|(e, _)| *e == ext)
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_policy() {
        let p = CachePolicy::dash(2);
        assert_eq!(
            p.for_path(Path::new("v/manifest.MPD")),
            Some("public, max-age=2")
        );
        assert_eq!(p.for_path(Path::new("chunk-0-00001.m4s")), Some(LONG));
        assert_eq!(p.for_path(Path::new("index.html")), None);
        assert_eq!(p.for_path(Path::new("README")), None);
        assert_eq!(CachePolicy::default().for_path(Path::new("a.m4s")), None);
    }
}
