//! From request path to a file under the root, never outside it: the
//! percent-decoded path is checked segment by segment (no `..`, `.`, encoded
//! slashes or backslashes, NUL or other controls, drive letters), and the
//! resolved file is canonicalised and must still lie under the root, so a
//! symlink cannot lead out (GUIDE §7).

use std::io;
use std::path::{Path, PathBuf};

/// Why a request path was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathRefusal {
    /// Not an absolute path, or bad percent-encoding or UTF-8 (400).
    #[error("malformed path")]
    Malformed,
    /// An attempt to climb out of the root or to smuggle a separator (400).
    #[error("path leaves the document root")]
    Traversal,
}

/// A request path made safe: relative segments to join under the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafePath {
    /// The decoded segments, none empty, `.` or `..`.
    pub segments: Vec<String>,
    /// The request path ended in `/` (a directory was asked for).
    pub trailing_slash: bool,
}

impl SafePath {
    /// The path relative to the root.
    pub fn relative(&self) -> PathBuf {
        self.segments.iter().collect()
    }
}

/// Decodes and checks the path part of an origin-form target (no query).
/// Empty segments (`//`) are dropped, so the result is always relative.
pub fn safe_path(path: &str) -> Result<SafePath, PathRefusal> {
    let rest = path.strip_prefix('/').ok_or(PathRefusal::Malformed)?;
    let mut segments = Vec::new();
    for raw in rest.split('/') {
        if raw.is_empty() {
            continue;
        }
        if raw.contains('\\') {
            return Err(PathRefusal::Traversal);
        }
        let decoded = percent_decode(raw).ok_or(PathRefusal::Malformed)?;
        let segment = String::from_utf8(decoded).map_err(|_| PathRefusal::Malformed)?;
        let is_drive = segment.len() >= 2
            && segment.as_bytes()[0].is_ascii_alphabetic()
            && segment.as_bytes()[1] == b':';
        if segment == ".."
            || segment == "."
            || is_drive
            || segment
                .bytes()
                .any(|b| b == b'/' || b == b'\\' || b.is_ascii_control())
        {
            return Err(PathRefusal::Traversal);
        }
        segments.push(segment);
    }
    Ok(SafePath {
        segments,
        trailing_slash: path.ends_with('/') && path.len() > 1,
    })
}

/// Decodes `%XX` escapes; `None` on a truncated or non-hex escape.
pub fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Percent-encodes a path segment or path for use in a URL (everything but
/// unreserved characters and, when `keep_slash`, `/`).
pub fn percent_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Resolves `rel` under the canonical `root` through the file system; an
/// error of kind `NotFound` when it does not exist, `PermissionDenied` when
/// it resolves (through a symlink) outside the root.
pub fn confine(root: &Path, rel: &Path) -> io::Result<PathBuf> {
    let resolved = std::fs::canonicalize(root.join(rel))?;
    if resolved.starts_with(root) {
        Ok(resolved)
    } else {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "path leaves the root",
        ))
    }
}

/// Like [`confine`] for a file that may not exist yet (uploads): its parent
/// directory must exist and lie under the root.
pub fn confine_new(root: &Path, rel: &Path) -> io::Result<PathBuf> {
    let name = rel
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let parent = confine(root, rel.parent().unwrap_or(Path::new("")))?;
    let target = parent.join(name);
    match std::fs::symlink_metadata(&target) {
        Ok(meta) if meta.file_type().is_symlink() => confine(root, rel),
        _ => Ok(target),
    }
}
