//! [`FileServer`]: the decisions of a static-file origin server for one
//! request — redirect, listing, file, range, coding, conditional response
//! or error — returned as a [`FileResponse`].

use std::fs::Metadata;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use l7_wire::Instant;

use super::cache_policy::CachePolicy;
use super::encoding::{Coding, gzip, negotiate};
use super::file_cache::{FileCache, FileFacts, Lookup, sibling};
use super::listing::{read_entries, render_listing};
use super::mime::is_compressible;
use super::path::{confine, safe_path};
use super::range::{Multipart, RangeDecision, evaluate_range};
use super::redirects::Redirects;
use super::response::{Body, FileResponse};
use super::upload::{self, Upload};
use super::validators::{Precondition, Validators, evaluate_preconditions, if_range_allows};
use crate::wire::{Headers, RequestHead, RequestTarget};

/// How the file server behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesConfig {
    /// The file served for a directory (`index.html`).
    pub index: String,
    /// Render HTML listings of directories without an index.
    pub listings: bool,
    /// Compress compressible files with gzip when the client accepts it.
    pub gzip: bool,
    /// Largest file compressed on the fly (it is compressed in memory).
    pub max_gzip_bytes: u64,
    /// Accept PUT and DELETE.
    pub allow_upload: bool,
    /// Redirect rules, checked before the file system.
    pub redirects: Redirects,
    /// Cache-Control sent with files, by extension (none by default).
    pub cache: CachePolicy,
}

impl Default for FilesConfig {
    fn default() -> Self {
        FilesConfig {
            index: "index.html".into(),
            listings: true,
            gzip: true,
            max_gzip_bytes: 4 * 1024 * 1024,
            allow_upload: false,
            redirects: Redirects::default(),
            cache: CachePolicy::default(),
        }
    }
}

/// A static-file server over one document root. Clones share one
/// [`FileCache`].
#[derive(Debug, Clone)]
pub struct FileServer {
    root: PathBuf,
    config: FilesConfig,
    cache: Arc<FileCache>,
}

/// What a GET of a path selects.
enum Located {
    /// A regular file (canonical path under the root) and its metadata.
    File(PathBuf, Metadata),
    /// A directory without an index (canonical path, URL path with `/`).
    Listing(PathBuf, String),
    /// No file: a redirect or an error.
    Answer(FileResponse),
}

impl FileServer {
    /// Serves files under `root` (canonicalised here; it must exist).
    pub fn new(root: &Path, config: FilesConfig) -> io::Result<Self> {
        Ok(FileServer {
            root: std::fs::canonicalize(root)?,
            config,
            cache: Arc::default(),
        })
    }

    /// The canonical document root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn allow(&self) -> &'static str {
        if self.config.allow_upload {
            "GET, HEAD, OPTIONS, PUT, DELETE"
        } else {
            "GET, HEAD, OPTIONS"
        }
    }

    /// Answers GET, HEAD, OPTIONS and (with uploads) DELETE; any other
    /// method gets 405. PUT bodies go through [`Self::begin_upload`]. Every
    /// request asks the file system afresh; servers use [`Self::respond_at`].
    pub fn respond(&self, request: &RequestHead<'_>) -> FileResponse {
        self.answer(None, request)
    }

    /// Like [`Self::respond`], at `now`: what was learnt about a file
    /// (resolved path, metadata, small files' bytes) is reused for a short
    /// while (see [`super::CACHE_TTL`]), then checked again.
    pub fn respond_at(&self, now: Instant, request: &RequestHead<'_>) -> FileResponse {
        self.answer(Some(now), request)
    }

    fn answer(&self, now: Option<Instant>, request: &RequestHead<'_>) -> FileResponse {
        let (path, query) = match request.validate() {
            Ok(RequestTarget::Origin { path, query }) => (path, query),
            Ok(RequestTarget::Absolute { path_and_query, .. }) => {
                match path_and_query.split_once('?') {
                    Some((p, q)) => (p, Some(q)),
                    None => (path_and_query, None),
                }
            }
            Ok(RequestTarget::Asterisk) => return self.options(),
            _ => return FileResponse::error(400),
        };
        if let Some((status, location)) = self.config.redirects.lookup(path) {
            return FileResponse::redirect(status, &location);
        }
        let method = request.method.as_ref();
        match method {
            "GET" | "HEAD" => {}
            "OPTIONS" => return self.options(),
            "DELETE" if self.config.allow_upload => return self.delete(path),
            _ => {
                let mut r = FileResponse::error(405);
                r.headers.append("Allow", self.allow().as_bytes());
                return r;
            }
        }
        let Some(now) = now else {
            return match self.locate(path, query) {
                Located::File(file, meta) => {
                    self.file(request, &FileFacts::load(file, &meta, None, false, false))
                }
                Located::Listing(dir, url_path) => self.listing(&dir, &url_path),
                Located::Answer(r) => r,
            };
        };
        let previous = match self.cache.get(now, path) {
            Lookup::Fresh(facts) => return self.file(request, &facts),
            Lookup::Stale(facts) => Some(facts),
            Lookup::Missing => None,
        };
        match self.locate(path, query) {
            Located::File(file, meta) => {
                let keep_open = self.cache.may_open();
                let facts = FileFacts::load(file, &meta, previous.as_deref(), true, keep_open);
                let facts = Arc::new(facts);
                self.cache.insert(now, path, facts.clone());
                self.file(request, &facts)
            }
            Located::Listing(dir, url_path) => self.listing(&dir, &url_path),
            Located::Answer(r) => r,
        }
    }

    fn options(&self) -> FileResponse {
        let mut r = FileResponse::new(204);
        r.headers.append("Allow", self.allow().as_bytes());
        r
    }

    /// Finds what a GET of `path` selects: a regular file under the root
    /// (a directory's index), a directory to list, or an answer without one.
    fn locate(&self, path: &str, query: Option<&str>) -> Located {
        let safe = match safe_path(path) {
            Ok(s) => s,
            Err(_) => return Located::Answer(FileResponse::error(400)),
        };
        let resolved = match confine(&self.root, &safe.relative()) {
            Ok(p) => p,
            Err(e) => return Located::Answer(io_error(&e)),
        };
        let meta = match std::fs::metadata(&resolved) {
            Ok(m) => m,
            Err(e) => return Located::Answer(io_error(&e)),
        };
        if !meta.is_dir() {
            if safe.trailing_slash {
                return Located::Answer(FileResponse::error(404));
            }
            return Located::File(resolved, meta);
        }
        if !safe.trailing_slash && !safe.segments.is_empty() {
            // Relative links in the index only work under a trailing slash.
            let location = match query {
                Some(q) => format!("{path}/?{q}"),
                None => format!("{path}/"),
            };
            return Located::Answer(FileResponse::redirect(301, &location));
        }
        let index = resolved.join(&self.config.index);
        if let Ok(index) = confine(&self.root, &index)
            && let Ok(meta) = std::fs::metadata(&index)
            && meta.is_file()
        {
            return Located::File(index, meta);
        }
        if !self.config.listings {
            return Located::Answer(FileResponse::error(403));
        }
        let mut url_path = String::from("/");
        for s in &safe.segments {
            url_path.push_str(s);
            url_path.push('/');
        }
        Located::Listing(resolved, url_path)
    }

    fn listing(&self, dir: &Path, url_path: &str) -> FileResponse {
        let entries = match read_entries(dir) {
            Ok(e) => e,
            Err(e) => return io_error(&e),
        };
        let mut r = FileResponse::new(200);
        r.headers
            .append("Content-Type", &b"text/html; charset=utf-8"[..]);
        r.body = Body::Bytes(render_listing(url_path, entries).into_bytes());
        r
    }

    fn file(&self, request: &RequestHead<'_>, facts: &FileFacts) -> FileResponse {
        let headers = &request.headers;
        let (path, ctype, len) = (facts.path.as_path(), facts.ctype, facts.len);
        let identity = &facts.validators;
        let ranged = request.method == "GET" && headers.contains("range");
        let variant = if ranged {
            None
        } else {
            self.encoded_variant(headers, path, ctype, len)
        };
        let coded;
        let (validators, last_modified) = match &variant {
            Some((coding, _)) => {
                coded = Validators {
                    etag: format!(
                        "{}-{}\"",
                        identity.etag.trim_end_matches('"'),
                        coding.name()
                    ),
                    last_modified: identity.last_modified,
                };
                (&coded, &facts.last_modified)
            }
            None => (identity, &facts.last_modified),
        };
        let mut common = Headers::new();
        common.append("ETag", validators.etag.clone().into_bytes());
        common.append("Last-Modified", last_modified.clone().into_bytes());
        if facts.vary {
            common.append("Vary", &b"Accept-Encoding"[..]);
        }
        // RFC 9110 §15.4.5: a 304 carries the Cache-Control a 200 would.
        if let Some(cc) = self.config.cache.for_path(path) {
            common.append("Cache-Control", cc.as_bytes().to_vec());
        }
        match evaluate_preconditions(&request.method, headers, validators) {
            Precondition::Proceed => {}
            Precondition::NotModified => {
                return FileResponse {
                    status: 304,
                    headers: common,
                    body: Body::Empty,
                };
            }
            Precondition::Failed => return FileResponse::error(412),
        }
        let mut r = FileResponse::new(200);
        r.headers = common;
        if let Some((coding, body)) = variant {
            r.headers.append("Content-Type", ctype.as_bytes());
            r.headers
                .append("Content-Encoding", coding.name().as_bytes());
            r.body = body;
            return r;
        }
        r.headers.append("Accept-Ranges", &b"bytes"[..]);
        let decision = match headers.get_str("range") {
            Some(range) if ranged && if_range_allows(headers, validators) => {
                evaluate_range(range, len)
            }
            _ => RangeDecision::Whole,
        };
        match decision {
            RangeDecision::Whole => {
                r.headers.append("Content-Type", ctype.as_bytes());
                r.body = facts.body(0, len);
            }
            RangeDecision::Unsatisfiable => {
                let mut e = FileResponse::error(416);
                e.headers
                    .append("Content-Range", format!("bytes */{len}").into_bytes());
                return e;
            }
            RangeDecision::Partial(ranges) => {
                r.status = 206;
                if let [single] = ranges.as_slice() {
                    r.headers.append("Content-Type", ctype.as_bytes());
                    r.headers
                        .append("Content-Range", single.content_range(len).into_bytes());
                    r.body = facts.body(single.start, single.len);
                } else {
                    let boundary = format!("l7-{}", validators.etag.trim_matches('"'));
                    let layout = Multipart::new(&boundary, ctype, &ranges, len);
                    r.headers
                        .append("Content-Type", layout.content_type().into_bytes());
                    r.body = Body::Multipart {
                        path: path.to_path_buf(),
                        layout,
                    };
                }
            }
        }
        r
    }

    /// The content-coded variant to send, if the client accepts one:
    /// a precompressed `.br`/`.gz` sibling, else gzip made on the fly for
    /// compressible types up to `max_gzip_bytes`.
    fn encoded_variant(
        &self,
        headers: &Headers<'_>,
        path: &Path,
        ctype: &str,
        len: u64,
    ) -> Option<(Coding, Body)> {
        // A client that accepts no coding we could offer gets identity:
        // spare it the file-system lookups of precompressed siblings.
        if negotiate(headers, &[Coding::Brotli, Coding::Gzip]) == Coding::Identity {
            return None;
        }
        let siblings: Vec<(Coding, PathBuf, u64)> = [Coding::Brotli, Coding::Gzip]
            .into_iter()
            .filter_map(|c| {
                let p = sibling(path, c)?;
                let p = confine(&self.root, &p).ok()?;
                let m = std::fs::metadata(&p).ok().filter(|m| m.is_file())?;
                Some((c, p, m.len()))
            })
            .collect();
        let on_the_fly =
            self.config.gzip && is_compressible(ctype) && len <= self.config.max_gzip_bytes;
        let mut offered: Vec<Coding> = siblings.iter().map(|(c, _, _)| *c).collect();
        if on_the_fly && !offered.contains(&Coding::Gzip) {
            offered.push(Coding::Gzip);
        }
        let chosen = negotiate(headers, &offered);
        if chosen == Coding::Identity {
            return None;
        }
        if let Some((c, p, l)) = siblings.into_iter().find(|(c, _, _)| *c == chosen) {
            return Some((
                c,
                Body::File {
                    path: p,
                    offset: 0,
                    len: l,
                },
            ));
        }
        let data = std::fs::read(path).ok()?;
        Some((Coding::Gzip, Body::Bytes(gzip(&data))))
    }

    /// Starts a PUT: checks the method is allowed and the path is safe.
    /// On refusal, the response to send instead.
    pub fn begin_upload(&self, request: &RequestHead<'_>) -> Result<Upload, Box<FileResponse>> {
        if !self.config.allow_upload {
            let mut r = FileResponse::error(405);
            r.headers.append("Allow", self.allow().as_bytes());
            return Err(Box::new(r));
        }
        let Ok(RequestTarget::Origin { path, .. }) = request.validate() else {
            return Err(Box::new(FileResponse::error(400)));
        };
        let safe = safe_path(path).map_err(|_| FileResponse::error(400))?;
        Upload::begin(&self.root, &safe).map_err(|e| {
            Box::new(match e.kind() {
                io::ErrorKind::IsADirectory => FileResponse::error(409),
                _ => io_error(&e),
            })
        })
    }

    /// Completes a PUT: 201 Created or 204 No Content.
    pub fn finish_upload(&self, upload: Upload) -> FileResponse {
        self.cache.clear();
        match upload.commit() {
            Ok(status) => FileResponse::new(status),
            Err(e) => io_error(&e),
        }
    }

    fn delete(&self, path: &str) -> FileResponse {
        let Ok(safe) = safe_path(path) else {
            return FileResponse::error(400);
        };
        self.cache.clear();
        match upload::delete(&self.root, &safe) {
            Ok(()) => FileResponse::new(204),
            Err(e) if e.kind() == io::ErrorKind::IsADirectory => FileResponse::error(409),
            Err(e) => io_error(&e),
        }
    }
}

/// Maps a file-system error to a status: missing or outside the root → 404,
/// not permitted → 403, anything else → 500.
fn io_error(e: &io::Error) -> FileResponse {
    FileResponse::error(match e.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied => 404,
        io::ErrorKind::NotADirectory | io::ErrorKind::InvalidInput => 404,
        _ => 500,
    })
}
