//! The static-file server over a temporary document root: traversal table,
//! symlinks out of the root, index and listings, redirects, validators and
//! the conditional-request matrix end to end, ranges (single, multipart,
//! 416, a thousand ranges), gzip negotiation and precompressed siblings,
//! and uploads.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use l7_http::files::path::safe_path;
use l7_http::files::redirects::Redirects;
use l7_http::files::{Body, CACHE_TTL, FileResponse, FileServer, FilesConfig};
use l7_http::wire::RequestHead;
use l7_wire::Instant;

/// A document root `root/` inside a temporary directory that also holds
/// `l7-secret.txt`, the file every traversal attempt aims at.
struct Site {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
}

impl Site {
    fn path(&self) -> &Path {
        &self.root
    }
}

fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("l7-secret.txt"), "secret").unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("docs/sub")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    std::fs::write(root.join("index.html"), "<h1>home</h1>").unwrap();
    std::fs::write(root.join("docs/a.txt"), "0123456789").unwrap();
    std::fs::write(root.join("docs/b <&>.txt"), "x").unwrap();
    std::fs::write(root.join("style.css"), "body { color: red; } ".repeat(40)).unwrap();
    std::fs::write(root.join("pic.png"), [0x89, b'P', b'N', b'G']).unwrap();
    std::fs::write(root.join("app.js"), "console.log(1)").unwrap();
    std::fs::write(root.join("app.js.gz"), "GZ").unwrap();
    std::fs::write(root.join("app.js.br"), "BR").unwrap();
    Site { _dir: dir, root }
}

fn server(root: &Path, config: FilesConfig) -> FileServer {
    FileServer::new(root, config).unwrap()
}

/// The server's answer to `request`, checked to be the same through the
/// cache ([`FileServer::respond_at`], revalidating, as a server does once
/// an entry's time is up) as without it, for GET and HEAD.
fn get(server: &FileServer, request: &str) -> FileResponse {
    static CLOCK: AtomicU64 = AtomicU64::new(0);
    let wire = format!("{request}\r\n\r\n");
    let (head, _) = RequestHead::parse(wire.as_bytes()).unwrap();
    let r = server.respond(&head);
    if !matches!(head.method.as_ref(), "GET" | "HEAD") {
        return r; // not safe to ask twice
    }
    let ticks = CLOCK.fetch_add(1, Ordering::Relaxed) as u32 + 1;
    let cached = server.respond_at(Instant::ZERO + CACHE_TTL * ticks, &head);
    assert_eq!(
        (
            cached.status,
            &cached.headers,
            cached.body.read_to_vec().ok()
        ),
        (r.status, &r.headers, r.body.read_to_vec().ok()),
        "{request}: cached and uncached answers differ"
    );
    r
}

fn body(r: &FileResponse) -> String {
    String::from_utf8_lossy(&r.body.read_to_vec().unwrap()).into_owned()
}

fn header(r: &FileResponse, name: &str) -> String {
    r.headers.get_str(name).unwrap_or_default().to_string()
}

#[test]
fn traversal_table_is_refused() {
    let dir = site();
    let s = server(dir.path(), FilesConfig::default());
    let attempts = [
        "/../l7-secret.txt",
        "/docs/../../l7-secret.txt",
        "/%2e%2e/l7-secret.txt",
        "/%2E%2E/l7-secret.txt",
        "/.%2e/l7-secret.txt",
        "/docs/%2e%2e%2f%2e%2e%2fl7-secret.txt",
        "/..%2fl7-secret.txt",
        "/..%5cl7-secret.txt",
        "/..\\l7-secret.txt",
        "/docs\\..\\..\\l7-secret.txt",
        "/%2fetc/passwd",
        "/%5cetc/passwd",
        "/docs/%00a.txt",
        "/docs/a.txt%00.html",
        "/C:/Windows/win.ini",
        "/c%3a/Windows/win.ini",
        "/./docs/a.txt",
        "/docs/%2e/a.txt",
        "/%c0%ae%c0%ae/l7-secret.txt",
        "/%zz",
        "/%",
    ];
    for path in attempts {
        assert!(safe_path(path).is_err(), "{path} must be refused");
        let r = get(&s, &format!("GET {path} HTTP/1.1\r\nHost: x"));
        assert!(r.status == 400 || r.status == 404, "{path}: {}", r.status);
        assert!(!body(&r).contains("secret"), "{path}");
    }
    // Double slashes collapse onto the root, they never make an absolute path.
    assert_eq!(get(&s, "GET //docs//a.txt HTTP/1.1\r\nHost: x").status, 200);
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    let dir = site();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("leak.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("leakdir")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("docs/a.txt"), dir.path().join("inside.txt"))
        .unwrap();
    let s = server(
        dir.path(),
        FilesConfig {
            allow_upload: true,
            ..FilesConfig::default()
        },
    );
    assert_eq!(get(&s, "GET /leak.txt HTTP/1.1\r\nHost: x").status, 404);
    assert_eq!(
        get(&s, "GET /leakdir/secret.txt HTTP/1.1\r\nHost: x").status,
        404
    );
    assert_eq!(get(&s, "GET /leakdir/ HTTP/1.1\r\nHost: x").status, 404);
    assert_eq!(
        body(&get(&s, "GET /inside.txt HTTP/1.1\r\nHost: x")),
        "0123456789"
    );
    let (head, _) =
        RequestHead::parse(b"PUT /leakdir/new.txt HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(s.begin_upload(&head).unwrap_err().status, 404);
    assert!(!outside.path().join("new.txt").exists());
}

#[test]
fn index_listing_slash_redirect_and_types() {
    let dir = site();
    let redirects = Redirects::parse("/old.html /index.html\n").unwrap();
    let s = server(
        dir.path(),
        FilesConfig {
            redirects,
            ..FilesConfig::default()
        },
    );
    let r = get(&s, "GET / HTTP/1.1\r\nHost: x");
    assert_eq!((r.status, body(&r).as_str()), (200, "<h1>home</h1>"));
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");

    let r = get(&s, "GET /docs?x=1 HTTP/1.1\r\nHost: x");
    assert_eq!(
        (r.status, header(&r, "location")),
        (301, "/docs/?x=1".to_string())
    );

    let r = get(&s, "GET /docs/ HTTP/1.1\r\nHost: x");
    let html = body(&r);
    assert_eq!(r.status, 200);
    assert!(html.contains("href=\"a.txt\"") && html.contains("href=\"sub/\""));
    assert!(html.contains("b &lt;&amp;&gt;.txt") && html.contains("href=\"b%20%3C%26%3E.txt\""));
    assert!(html.find("a.txt").unwrap() < html.find("sub/").unwrap());

    let no_listing = server(
        dir.path(),
        FilesConfig {
            listings: false,
            ..FilesConfig::default()
        },
    );
    assert_eq!(
        get(&no_listing, "GET /empty/ HTTP/1.1\r\nHost: x").status,
        403
    );

    let r = get(&s, "GET /old.html HTTP/1.1\r\nHost: x");
    assert_eq!(
        (r.status, header(&r, "location")),
        (301, "/index.html".to_string())
    );
    assert_eq!(
        header(&get(&s, "GET /pic.png HTTP/1.1\r\nHost: x"), "content-type"),
        "image/png"
    );
    assert_eq!(get(&s, "GET /missing HTTP/1.1\r\nHost: x").status, 404);
    assert_eq!(get(&s, "GET /docs/a.txt/ HTTP/1.1\r\nHost: x").status, 404);
    assert_eq!(get(&s, "POST /docs/a.txt HTTP/1.1\r\nHost: x").status, 405);
    assert_eq!(
        header(&get(&s, "OPTIONS * HTTP/1.1\r\nHost: x"), "allow"),
        "GET, HEAD, OPTIONS"
    );
    let r = get(&s, "GET http://x/docs/a.txt HTTP/1.1\r\nHost: x");
    assert_eq!(body(&r), "0123456789");
}

#[test]
fn validators_and_conditional_requests() {
    let dir = site();
    let s = server(dir.path(), FilesConfig::default());
    let r = get(&s, "GET /docs/a.txt HTTP/1.1\r\nHost: x");
    let etag = header(&r, "etag");
    let lm = header(&r, "last-modified");
    assert!(etag.starts_with('"') && !etag.starts_with("W/"));
    assert!(lm.ends_with(" GMT"));
    let cases = [
        (format!("If-None-Match: {etag}"), 304),
        (format!("If-None-Match: \"other\", {etag}"), 304),
        ("If-None-Match: \"other\"".to_string(), 200),
        (format!("If-Modified-Since: {lm}"), 304),
        (
            "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT".to_string(),
            200,
        ),
        (format!("If-Match: {etag}"), 200),
        ("If-Match: \"other\"".to_string(), 412),
        (
            "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT".to_string(),
            412,
        ),
        (format!("If-Unmodified-Since: {lm}"), 200),
        (format!("If-Match: \"other\"\r\nIf-None-Match: {etag}"), 412),
    ];
    for (field, status) in cases {
        let r = get(
            &s,
            &format!("GET /docs/a.txt HTTP/1.1\r\nHost: x\r\n{field}"),
        );
        assert_eq!(r.status, status, "{field}");
        if status == 304 {
            assert_eq!(r.body, Body::Empty);
            assert_eq!(header(&r, "etag"), etag);
        }
    }
    // If-Range: a matching validator keeps the range, a stale one gets 200.
    let r = get(
        &s,
        &format!("GET /docs/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nIf-Range: {etag}"),
    );
    assert_eq!((r.status, body(&r).as_str()), (206, "01"));
    let r = get(
        &s,
        "GET /docs/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nIf-Range: \"stale\"",
    );
    assert_eq!((r.status, body(&r).as_str()), (200, "0123456789"));
}

#[test]
fn ranges() {
    let dir = site();
    let s = server(dir.path(), FilesConfig::default());
    let r = get(
        &s,
        "GET /docs/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=2-4",
    );
    assert_eq!(
        (r.status, header(&r, "content-range"), body(&r)),
        (206, "bytes 2-4/10".into(), "234".into())
    );
    let r = get(&s, "GET /docs/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=-3");
    assert_eq!(body(&r), "789");
    let r = get(
        &s,
        "GET /docs/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-0,8-",
    );
    assert_eq!(r.status, 206);
    let ct = header(&r, "content-type");
    let boundary = ct.strip_prefix("multipart/byteranges; boundary=").unwrap();
    let b = body(&r);
    assert_eq!(r.body.len(), b.len() as u64);
    assert!(b.contains(&format!("--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-0/10\r\n\r\n0\r\n")));
    assert!(b.contains("Content-Range: bytes 8-9/10\r\n\r\n89\r\n"));
    assert!(b.ends_with(&format!("--{boundary}--\r\n")));
    let r = get(
        &s,
        "GET /docs/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=10-",
    );
    assert_eq!(
        (r.status, header(&r, "content-range")),
        (416, "bytes */10".to_string())
    );
    // A thousand ranges: bounded work, whole file.
    let many: Vec<String> = (0..1000)
        .map(|i| format!("{}-{}", i % 10, i % 10))
        .collect();
    let r = get(
        &s,
        &format!(
            "GET /docs/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes={}",
            many.join(",")
        ),
    );
    assert_eq!((r.status, body(&r).as_str()), (200, "0123456789"));
    // HEAD gets the same headers; Range is ignored for it.
    let r = get(
        &s,
        "HEAD /docs/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1",
    );
    assert_eq!((r.status, r.body.len()), (200, 10));
}

#[test]
fn compression() {
    let dir = site();
    let s = server(dir.path(), FilesConfig::default());
    let r = get(
        &s,
        "GET /style.css HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, deflate",
    );
    assert_eq!(
        (header(&r, "content-encoding"), header(&r, "vary")),
        ("gzip".into(), "Accept-Encoding".into())
    );
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&r.body.read_to_vec().unwrap()[..])
        .read_to_string(&mut plain)
        .unwrap();
    assert_eq!(
        plain,
        std::fs::read_to_string(dir.path().join("style.css")).unwrap()
    );
    let identity = get(&s, "GET /style.css HTTP/1.1\r\nHost: x");
    assert_eq!(header(&identity, "content-encoding"), "");
    assert_eq!(header(&identity, "vary"), "Accept-Encoding");
    assert_ne!(
        header(&identity, "etag"),
        header(&r, "etag"),
        "variants need distinct tags"
    );
    let r = get(
        &s,
        "GET /style.css HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip;q=0",
    );
    assert_eq!(header(&r, "content-encoding"), "");
    let r = get(
        &s,
        "GET /pic.png HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip",
    );
    assert_eq!(
        (header(&r, "content-encoding"), header(&r, "vary")),
        (String::new(), String::new())
    );
    // Precompressed siblings, brotli preferred when acceptable.
    let r = get(
        &s,
        "GET /app.js HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, br",
    );
    assert_eq!(
        (header(&r, "content-encoding"), body(&r)),
        ("br".into(), "BR".into())
    );
    assert_eq!(header(&r, "content-type"), "text/javascript; charset=utf-8");
    let r = get(
        &s,
        "GET /app.js HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip",
    );
    assert_eq!(body(&r), "GZ");
}

#[test]
fn uploads() {
    let dir = site();
    let s = server(
        dir.path(),
        FilesConfig {
            allow_upload: true,
            ..FilesConfig::default()
        },
    );
    let put = |path: &str, data: &str| {
        let wire = format!("PUT {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        let (head, _) = RequestHead::parse(wire.as_bytes()).unwrap();
        let mut up = s.begin_upload(&head).map_err(|r| r.status)?;
        up.write(data.as_bytes()).unwrap();
        Ok::<u16, u16>(s.finish_upload(up).status)
    };
    assert_eq!(put("/new.txt", "one"), Ok(201));
    assert_eq!(put("/new.txt", "two"), Ok(204));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("new.txt")).unwrap(),
        "two"
    );
    assert_eq!(put("/docs", "x"), Err(409));
    assert_eq!(put("/nodir/x.txt", "x"), Err(404));
    assert_eq!(put("/../escape.txt", "x"), Err(400));
    let leftovers = std::fs::read_dir(dir.path()).unwrap().filter(|e| {
        e.as_ref()
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".l7tmp")
    });
    assert_eq!(leftovers.count(), 0);
    assert_eq!(get(&s, "DELETE /new.txt HTTP/1.1\r\nHost: x").status, 204);
    assert_eq!(get(&s, "DELETE /new.txt HTTP/1.1\r\nHost: x").status, 404);
    assert_eq!(get(&s, "DELETE /docs HTTP/1.1\r\nHost: x").status, 409);

    let read_only = server(dir.path(), FilesConfig::default());
    assert_eq!(
        get(&read_only, "DELETE /index.html HTTP/1.1\r\nHost: x").status,
        405
    );
    let (head, _) = RequestHead::parse(b"PUT /a HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(read_only.begin_upload(&head).unwrap_err().status, 405);
}

#[test]
fn dash_cache_policy_on_200_206_and_304() {
    let dir = site();
    std::fs::write(dir.path().join("manifest.mpd"), "<MPD/>").unwrap();
    std::fs::write(dir.path().join("chunk-0-00001.m4s"), "0123456789").unwrap();
    let s = server(
        dir.path(),
        FilesConfig {
            cache: l7_http::files::cache_policy::CachePolicy::dash(2),
            ..FilesConfig::default()
        },
    );
    let mpd = get(&s, "GET /manifest.mpd HTTP/1.1\r\nHost: x");
    assert_eq!(header(&mpd, "content-type"), "application/dash+xml");
    assert_eq!(header(&mpd, "cache-control"), "public, max-age=2");
    let seg = get(
        &s,
        "GET /chunk-0-00001.m4s HTTP/1.1\r\nHost: x\r\nRange: bytes=2-4",
    );
    assert_eq!(seg.status, 206);
    assert_eq!(header(&seg, "content-type"), "video/mp4");
    assert_eq!(body(&seg), "234");
    let long = "public, max-age=31536000, immutable";
    assert_eq!(header(&seg, "cache-control"), long);
    let etag = header(&seg, "etag");
    let again = get(
        &s,
        &format!("GET /chunk-0-00001.m4s HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}"),
    );
    assert_eq!(again.status, 304);
    assert_eq!(header(&again, "cache-control"), long);
    // The plain file server sends none.
    let plain = server(dir.path(), FilesConfig::default());
    let seg = get(&plain, "GET /chunk-0-00001.m4s HTTP/1.1\r\nHost: x");
    assert_eq!(header(&seg, "cache-control"), "");
}

/// The cache at work: within its time an entry is served without the file
/// system; after it, edits show up and a file that now resolves outside
/// the root (a symlink swapped in) is refused.
#[cfg(unix)]
#[test]
fn cached_entries_are_checked_again_after_their_time() {
    let dir = site();
    let s = server(dir.path(), FilesConfig::default());
    let (head, _) = RequestHead::parse(b"GET /docs/a.txt HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let t0 = Instant::from_millis(1_000);
    let first = s.respond_at(t0, &head);
    assert_eq!(body(&first), "0123456789");
    std::fs::write(dir.path().join("docs/a.txt"), "edited").unwrap();
    let later = s.respond_at(t0 + CACHE_TTL, &head);
    assert_eq!(body(&later), "edited");
    assert_ne!(header(&later, "etag"), header(&first, "etag"));

    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    std::fs::remove_file(dir.path().join("docs/a.txt")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("docs/a.txt"),
    )
    .unwrap();
    let swapped = s.respond_at(t0 + CACHE_TTL * 2, &head);
    assert_eq!(swapped.status, 404);
    assert!(!body(&swapped).contains("secret"));
}
