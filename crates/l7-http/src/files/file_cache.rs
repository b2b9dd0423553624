//! What the file server knows about one regular file ([`FileFacts`]: its
//! canonical path under the root, media type, validators and, for small
//! files, the bytes themselves), and [`FileCache`], a bounded map from
//! request path to those facts so a busy server does not resolve, stat,
//! open and read the same file for every request.
//!
//! An entry is trusted for [`TTL`] after it was checked against the file
//! system; the next request after that resolves the path again (through
//! [`super::path::confine`], so a file outside the root is never served)
//! and compares size, modification time and inode, keeping the cached
//! bytes only when all three are unchanged. Edits therefore show up within
//! a second, as with nginx's `open_file_cache_valid`. Time is passed in.

use std::collections::HashMap;
use std::fs::Metadata;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use l7_wire::Instant;

use super::encoding::Coding;
use super::mime::{content_type, is_compressible};
use super::response::Body;
use super::validators::{Validators, file_etag};
use crate::wire::date::format_http_date;

/// How long a checked entry is served without asking the file system.
pub const TTL: Duration = Duration::from_secs(1);

/// Files up to this size are kept in memory; larger ones are streamed
/// from disk for each request.
pub const MAX_CONTENT: u64 = 256 * 1024;

/// Most entries held; a full cache first drops expired entries, then all.
const MAX_ENTRIES: usize = 4096;

/// Most file bytes held in memory across all entries.
const MAX_CONTENT_TOTAL: u64 = 64 * 1024 * 1024;

/// Request paths longer than this are answered but not cached (each
/// spelling of a path is its own key, so long spellings would let a client
/// fill memory with keys).
const MAX_KEY: usize = 256;

/// The facts about one regular file that shape its responses.
#[derive(Debug)]
pub(super) struct FileFacts {
    /// The canonical path, under the root.
    pub path: PathBuf,
    /// The Content-Type value.
    pub ctype: &'static str,
    /// Size in bytes.
    pub len: u64,
    /// ETag and Last-Modified of the identity representation.
    pub validators: Validators,
    /// Last-Modified formatted as an HTTP-date.
    pub last_modified: String,
    /// Responses vary by Accept-Encoding: the type is compressible or a
    /// precompressed sibling exists.
    pub vary: bool,
    /// The file's bytes, when small enough to keep.
    pub content: Option<Bytes>,
    /// Inode and modification time (ns), which with `len` tell whether the
    /// file changed.
    identity: (u64, u128),
}

impl FileFacts {
    /// Facts about the regular file at `path` (canonical, under the root)
    /// whose metadata is `meta`. The bytes are kept when `keep_content` and
    /// the file is small: taken from `previous` when it describes the same
    /// unchanged file, read from disk otherwise.
    pub(super) fn load(
        path: PathBuf,
        meta: &Metadata,
        previous: Option<&FileFacts>,
        keep_content: bool,
    ) -> FileFacts {
        let len = meta.len();
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .unwrap_or_default();
        let identity = (inode(meta), mtime.as_nanos());
        let ctype = content_type(&path);
        let validators = Validators {
            etag: file_etag(identity.0, len, identity.1),
            last_modified: mtime.as_secs(),
        };
        let content = match previous {
            Some(p) if p.path == path && p.len == len && p.identity == identity => {
                p.content.clone()
            }
            _ => None,
        }
        .or_else(|| (keep_content && len <= MAX_CONTENT).then(|| read_exact(&path, len))?);
        let vary = is_compressible(ctype)
            || sibling(&path, Coding::Gzip).is_some()
            || sibling(&path, Coding::Brotli).is_some();
        FileFacts {
            last_modified: format_http_date(validators.last_modified),
            path,
            ctype,
            len,
            validators,
            vary,
            content,
            identity,
        }
    }

    /// The body for `len` bytes from `offset` (within the file): a slice
    /// of the kept bytes, or a description of the file range to read.
    pub(super) fn body(&self, offset: u64, len: u64) -> Body {
        match &self.content {
            Some(c) => Body::Cached(c.slice(offset as usize..(offset + len) as usize)),
            None => Body::File {
                path: self.path.clone(),
                offset,
                len,
            },
        }
    }

    fn content_len(&self) -> u64 {
        self.content.as_ref().map_or(0, |c| c.len() as u64)
    }
}

/// The whole file when it still has `len` bytes (it may be changing).
fn read_exact(path: &Path, len: u64) -> Option<Bytes> {
    let mut out = Vec::with_capacity(len as usize);
    std::fs::File::open(path)
        .ok()?
        .take(len + 1)
        .read_to_end(&mut out)
        .ok()?;
    (out.len() as u64 == len).then(|| Bytes::from(out))
}

/// The precompressed sibling of `path` for `coding` (`a.css.gz`), when it
/// exists.
pub(super) fn sibling(path: &Path, coding: Coding) -> Option<PathBuf> {
    let mut name = path.file_name()?.to_os_string();
    name.push(coding.file_suffix()?);
    let p = path.with_file_name(name);
    p.is_file().then_some(p)
}

#[cfg(unix)]
fn inode(meta: &Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn inode(_meta: &Metadata) -> u64 {
    0
}

/// What the cache holds for a request path.
pub(super) enum Lookup {
    /// Checked less than [`TTL`] ago: serve it.
    Fresh(Arc<FileFacts>),
    /// Known, but to be checked again (the previous facts, to keep their
    /// bytes if the file did not change).
    Stale(Arc<FileFacts>),
    /// Not known.
    Missing,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, (Instant, Arc<FileFacts>)>,
    content_bytes: u64,
}

/// A bounded map from request path to [`FileFacts`], shared by the
/// server's connections.
#[derive(Debug, Default)]
pub(super) struct FileCache {
    inner: Mutex<Inner>,
}

impl FileCache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The entry for request path `key` at `now`.
    pub(super) fn get(&self, now: Instant, key: &str) -> Lookup {
        match self.lock().entries.get(key) {
            Some((checked, facts)) if now < *checked + TTL => Lookup::Fresh(facts.clone()),
            Some((_, facts)) => Lookup::Stale(facts.clone()),
            None => Lookup::Missing,
        }
    }

    /// Records `facts` for `key`, checked at `now`, within the bounds.
    pub(super) fn insert(&self, now: Instant, key: &str, facts: Arc<FileFacts>) {
        if key.len() > MAX_KEY {
            return;
        }
        let mut inner = self.lock();
        if let Some((_, old)) = inner.entries.remove(key) {
            inner.content_bytes -= old.content_len();
        }
        let add = facts.content_len();
        if inner.entries.len() >= MAX_ENTRIES || inner.content_bytes + add > MAX_CONTENT_TOTAL {
            inner.entries.retain(|_, (checked, _)| now < *checked + TTL);
            inner.content_bytes = inner.entries.values().map(|(_, f)| f.content_len()).sum();
            if inner.entries.len() >= MAX_ENTRIES || inner.content_bytes + add > MAX_CONTENT_TOTAL {
                inner.entries.clear();
                inner.content_bytes = 0;
            }
        }
        if add > MAX_CONTENT_TOTAL {
            return;
        }
        inner.content_bytes += add;
        inner.entries.insert(key.to_string(), (now, facts));
    }

    /// Forgets everything (after this server changed a file).
    pub(super) fn clear(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.content_bytes = 0;
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(dir: &Path, name: &str, data: &[u8]) -> Arc<FileFacts> {
        let path = dir.join(name);
        std::fs::write(&path, data).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        Arc::new(FileFacts::load(path, &meta, None, true))
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileCache::default();
        let t0 = Instant::from_millis(5_000);
        cache.insert(t0, "/a", facts(dir.path(), "a", b"abc"));
        assert!(matches!(cache.get(t0 + TTL / 2, "/a"), Lookup::Fresh(_)));
        assert!(matches!(cache.get(t0 + TTL, "/a"), Lookup::Stale(_)));
        assert!(matches!(cache.get(t0, "/b"), Lookup::Missing));
        cache.clear();
        assert!(matches!(cache.get(t0, "/a"), Lookup::Missing));
    }

    #[test]
    fn content_is_kept_only_while_the_file_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let first = facts(dir.path(), "f.txt", b"first");
        assert_eq!(first.content.as_deref(), Some(&b"first"[..]));
        let path = dir.path().join("f.txt");
        let meta = std::fs::metadata(&path).unwrap();
        let same = FileFacts::load(path.clone(), &meta, Some(&first), true);
        assert_eq!(same.content, first.content);
        assert_eq!(same.validators, first.validators);
        std::fs::write(&path, b"second!").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let changed = FileFacts::load(path, &meta, Some(&first), true);
        assert_eq!(changed.content.as_deref(), Some(&b"second!"[..]));
        assert_ne!(changed.validators.etag, first.validators.etag);
    }

    #[test]
    fn large_files_and_long_keys_stay_out_of_memory() {
        let dir = tempfile::tempdir().unwrap();
        let big = facts(dir.path(), "big", &vec![7u8; MAX_CONTENT as usize + 1]);
        assert_eq!(big.content, None);
        let cache = FileCache::default();
        cache.insert(Instant::ZERO, &"/x".repeat(MAX_KEY), big);
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn the_entry_count_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let f = facts(dir.path(), "f", b"x");
        let cache = FileCache::default();
        for i in 0..MAX_ENTRIES * 2 {
            cache.insert(Instant::ZERO, &format!("/{i}"), f.clone());
            assert!(cache.len() <= MAX_ENTRIES);
        }
    }
}
