//! What the file server knows about one regular file ([`FileFacts`]: its
//! canonical path under the root, media type, validators, for small files
//! the bytes themselves, and for files of [`ZERO_COPY_MIN`] bytes or more
//! an [`OpenFile`] to send from), and [`FileCache`], a bounded map from
//! request path to those facts so a busy server does not resolve, stat,
//! open and read the same file for every request.
//!
//! An entry is trusted for [`TTL`] after it was checked against the file
//! system; the next request after that resolves the path again (through
//! [`super::path::confine`], so a file outside the root is never served)
//! and compares size, modification time and inode, keeping the cached
//! bytes and open file only when all three are unchanged. Edits therefore
//! show up within a second, as with nginx's `open_file_cache_valid`. Time
//! is passed in.

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
use super::open_file::{OpenFile, ZERO_COPY_MIN};
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

/// Most files held open across all entries (each costs a descriptor).
const MAX_OPEN_FILES: usize = 256;

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
    /// The file, held open, when large enough to send by sendfile(2).
    pub open: Option<OpenFile>,
    /// Inode and modification time (ns), which with `len` tell whether the
    /// file changed.
    identity: (u64, u128),
}

impl FileFacts {
    /// Facts about the regular file at `path` (canonical, under the root)
    /// whose metadata is `meta`. The bytes are kept when `keep_content` and
    /// the file is small, and the file held open when `keep_open` and it is
    /// large enough to be sent by sendfile(2): both taken from `previous`
    /// when it describes the same unchanged file, read or opened otherwise.
    pub(super) fn load(
        path: PathBuf,
        meta: &Metadata,
        previous: Option<&FileFacts>,
        keep_content: bool,
        keep_open: bool,
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
        let same = previous.filter(|p| p.path == path && p.len == len && p.identity == identity);
        let content = same
            .and_then(|p| p.content.clone())
            .or_else(|| (keep_content && len <= MAX_CONTENT).then(|| read_exact(&path, len))?);
        let open = same.and_then(|p| p.open.clone()).or_else(|| {
            (keep_open && len >= ZERO_COPY_MIN)
                .then(|| open_unchanged(&path, identity, len, content.clone()))?
        });
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
            open,
            identity,
        }
    }

    /// The body for `len` bytes from `offset` (within the file): a range
    /// of the open file when it is long enough for sendfile(2), else a
    /// slice of the kept bytes, else a description of the range to read.
    pub(super) fn body(&self, offset: u64, len: u64) -> Body {
        match (&self.open, &self.content) {
            (Some(file), _) if len >= ZERO_COPY_MIN => Body::Open {
                file: file.clone(),
                offset,
                len,
            },
            (_, Some(c)) => Body::Cached(c.slice(offset as usize..(offset + len) as usize)),
            (Some(file), None) => Body::Open {
                file: file.clone(),
                offset,
                len,
            },
            (None, None) => Body::File {
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

/// The file at `path` opened, when it is still the file of `identity` and
/// `len` bytes (it may have been replaced since it was looked at).
fn open_unchanged(
    path: &Path,
    identity: (u64, u128),
    len: u64,
    content: Option<Bytes>,
) -> Option<OpenFile> {
    let file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_nanos();
    (meta.is_file() && meta.len() == len && (inode(&meta), mtime) == identity)
        .then(|| OpenFile::new(file, len, content))
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
    open_files: usize,
}

impl Inner {
    /// Recounts the budgets after entries were dropped.
    fn recount(&mut self) {
        self.content_bytes = self.entries.values().map(|(_, f)| f.content_len()).sum();
        self.open_files = self
            .entries
            .values()
            .filter(|(_, f)| f.open.is_some())
            .count();
    }
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

    /// True while another file may be held open (a new entry may keep an
    /// [`OpenFile`]).
    pub(super) fn may_open(&self) -> bool {
        self.lock().open_files < MAX_OPEN_FILES
    }

    /// Records `facts` for `key`, checked at `now`, within the bounds.
    pub(super) fn insert(&self, now: Instant, key: &str, facts: Arc<FileFacts>) {
        if key.len() > MAX_KEY {
            return;
        }
        let mut inner = self.lock();
        if let Some((_, old)) = inner.entries.remove(key) {
            inner.content_bytes -= old.content_len();
            inner.open_files -= usize::from(old.open.is_some());
        }
        let add = facts.content_len();
        let opens = usize::from(facts.open.is_some());
        let over = |i: &Inner| {
            i.entries.len() >= MAX_ENTRIES
                || i.content_bytes + add > MAX_CONTENT_TOTAL
                || i.open_files + opens > MAX_OPEN_FILES
        };
        // A full open-file budget also drops expired entries, so files
        // looked up later may be held open again.
        if over(&inner) || inner.open_files >= MAX_OPEN_FILES {
            inner.entries.retain(|_, (checked, _)| now < *checked + TTL);
            inner.recount();
            if over(&inner) {
                inner.entries.clear();
                inner.recount();
            }
        }
        if add > MAX_CONTENT_TOTAL {
            return;
        }
        inner.content_bytes += add;
        inner.open_files += opens;
        inner.entries.insert(key.to_string(), (now, facts));
    }

    /// Forgets everything (after this server changed a file).
    pub(super) fn clear(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.recount();
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
        Arc::new(FileFacts::load(path, &meta, None, true, true))
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
        let same = FileFacts::load(path.clone(), &meta, Some(&first), true, true);
        assert_eq!(same.content, first.content);
        assert_eq!(same.validators, first.validators);
        std::fs::write(&path, b"second!").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let changed = FileFacts::load(path, &meta, Some(&first), true, true);
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
    fn large_files_are_held_open_while_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let small = facts(dir.path(), "small", &[1u8; 100]);
        assert!(small.open.is_none());
        let data = vec![2u8; ZERO_COPY_MIN as usize * 2];
        let big = facts(dir.path(), "big", &data);
        let open = big.open.clone().expect("held open");
        // Long ranges go by the open file, short ones from memory.
        assert!(matches!(big.body(0, big.len), Body::Open { .. }));
        assert!(big.body(0, big.len).zero_copy().is_some());
        assert!(matches!(big.body(10, 100), Body::Cached(_)));
        let path = dir.path().join("big");
        let meta = std::fs::metadata(&path).unwrap();
        let same = FileFacts::load(path.clone(), &meta, Some(&big), true, true);
        assert_eq!(same.open.as_ref(), Some(&open));
        // Replaced (new inode): opened afresh, never the old file.
        std::fs::write(dir.path().join("new"), vec![3u8; data.len() + 1]).unwrap();
        std::fs::rename(dir.path().join("new"), &path).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let changed = FileFacts::load(path.clone(), &meta, Some(&big), true, true);
        let reopened = changed.open.expect("held open");
        assert_ne!(reopened, open);
        assert_eq!(reopened.read_at(0, 1).unwrap(), [3]);
        // Without leave to open, a large file is described by path.
        let closed = FileFacts::load(path, &meta, None, false, false);
        assert!(matches!(closed.body(0, closed.len), Body::File { .. }));
    }

    #[test]
    fn the_open_file_count_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let f = facts(dir.path(), "f", &vec![0u8; ZERO_COPY_MIN as usize]);
        let cache = FileCache::default();
        for i in 0..MAX_OPEN_FILES * 2 {
            if cache.may_open() {
                cache.insert(Instant::ZERO, &format!("/{i}"), f.clone());
            }
            assert!(cache.lock().open_files <= MAX_OPEN_FILES);
        }
        assert!(!cache.may_open());
        // Once they expire, the next insert makes room again.
        cache.insert(Instant::ZERO + TTL, "/later", f.clone());
        assert!(cache.may_open());
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
