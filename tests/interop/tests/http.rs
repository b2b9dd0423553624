//! `l7 http serve` driven by real HTTP clients (curl, Python's http.client)
//! and by hand-written hostile requests: persistence, HTTP/1.0, ranges,
//! conditional requests, compression, listings, uploads; path traversal,
//! request smuggling, oversized heads and slow senders.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use l7_interop::*;

struct Site {
    dir: Scratch,
    server: Server,
}

fn site(extra: &[&str]) -> Site {
    let dir = Scratch::new(&format!("http-{}", free_port()));
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>gaia</h1>\n").unwrap();
    std::fs::write(dir.join("docs/a.txt"), "0123456789abcdefghij\n").unwrap();
    std::fs::write(
        dir.join("docs/style.css"),
        "body { color: black; }\n".repeat(200),
    )
    .unwrap();
    let big: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    std::fs::write(dir.join("big.bin"), &big).unwrap();
    let server = http_serve(&dir.0, free_port(), extra);
    Site { dir, server }
}

impl Site {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr)
    }
    fn curl(&self, args: &[&str]) -> String {
        stdout(
            &tool("curl")
                .args(["-s", "--max-time", "10"])
                .args(args)
                .output()
                .unwrap(),
        )
    }
    /// Only the status code of `curl ARGS`.
    fn code(&self, args: &[&str]) -> String {
        let mut all = vec!["-o", "/dev/null", "-w", "%{http_code}"];
        all.extend_from_slice(args);
        self.curl(&all)
    }
    /// Sends raw bytes, returns everything the server sent until it closed.
    fn raw(&self, request: &[u8]) -> String {
        let mut s = TcpStream::connect(self.server.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.write_all(request).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

fn status_of(response: &str) -> u16 {
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn curl_gets_pages_files_and_listings_over_one_connection() {
    let s = site(&[]);
    let head = s.curl(&["-i", &s.url("/")]);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains("Content-Type: text/html")
            && head.contains("Date: ")
            && head.ends_with("<h1>gaia</h1>\n"),
        "{head}"
    );
    let got = tool("curl")
        .args(["-s", &s.url("/big.bin")])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(got, std::fs::read(s.dir.join("big.bin")).unwrap());
    // Persistent by default: three URLs, one TCP connection.
    let n = s.curl(&[
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
        "-w",
        "%{num_connects}",
        &s.url("/"),
        &s.url("/docs/a.txt"),
        &s.url("/big.bin"),
    ]);
    assert_eq!(n, "100", "connections opened per transfer: {n}");
    // HTTP/1.0 and HEAD.
    let h10 = s.curl(&["-i", "--http1.0", &s.url("/docs/a.txt")]);
    assert!(
        h10.starts_with("HTTP/1.1 200") && h10.ends_with("0123456789abcdefghij\n"),
        "{h10}"
    );
    let headonly = s.curl(&["-I", &s.url("/big.bin")]);
    assert!(headonly.contains("Content-Length: 1000000"), "{headonly}");
    // Directory: 301 to add the slash, then an escaped, sorted listing.
    let redirect = s.curl(&["-i", &s.url("/docs")]);
    assert!(
        redirect.starts_with("HTTP/1.1 301") && redirect.contains("Location: /docs/"),
        "{redirect}"
    );
    let listing = s.curl(&["-L", &s.url("/docs")]);
    let (a, css) = (
        listing.find("a.txt").unwrap(),
        listing.find("style.css").unwrap(),
    );
    assert!(a < css, "sorted: {listing}");
    assert_eq!(status_of(&s.curl(&["-i", &s.url("/nope.html")])), 404);
}

#[test]
fn ranges_and_conditional_requests() {
    let s = site(&[]);
    assert_eq!(s.curl(&["-r", "2-5", &s.url("/docs/a.txt")]), "2345");
    assert_eq!(s.curl(&["-r", "-3", &s.url("/docs/a.txt")]), "ij\n");
    let multi = s.curl(&["-i", "-r", "0-1,10-11", &s.url("/docs/a.txt")]);
    assert!(
        multi.starts_with("HTTP/1.1 206") && multi.contains("multipart/byteranges; boundary="),
        "{multi}"
    );
    assert!(
        multi.contains("Content-Range: bytes 0-1/21")
            && multi.contains("Content-Range: bytes 10-11/21"),
        "{multi}"
    );
    let bad = s.curl(&["-i", "-r", "500-600", &s.url("/docs/a.txt")]);
    assert!(
        bad.starts_with("HTTP/1.1 416") && bad.contains("Content-Range: bytes */21"),
        "{bad}"
    );
    let headers = s.curl(&["-I", &s.url("/docs/a.txt")]);
    let field = |name: &str| {
        headers
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .trim()
            .to_string()
    };
    let (etag, modified) = (field("ETag: "), field("Last-Modified: "));
    let url = s.url("/docs/a.txt");
    let code = |args: &[&str]| {
        let mut a = args.to_vec();
        a.push(&url);
        s.code(&a)
    };
    assert_eq!(code(&["-H", &format!("If-None-Match: {etag}")]), "304");
    assert_eq!(
        code(&["-H", &format!("If-Modified-Since: {modified}")]),
        "304"
    );
    assert_eq!(code(&["-H", "If-Match: \"something-else\""]), "412");
    assert_eq!(
        code(&["-H", "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT"]),
        "412"
    );
    // RFC 9110 §13.2.2: If-None-Match wins over If-Modified-Since.
    assert_eq!(
        code(&[
            "-H",
            "If-None-Match: \"other\"",
            "-H",
            &format!("If-Modified-Since: {modified}")
        ]),
        "200"
    );
    // If-Range with a stale validator sends the whole file.
    assert_eq!(
        s.curl(&[
            "-r",
            "0-1",
            "-H",
            "If-Range: \"stale\"",
            &s.url("/docs/a.txt")
        ]),
        "0123456789abcdefghij\n"
    );
    let css = s.curl(&["-i", "--compressed", &s.url("/docs/style.css")]);
    assert!(
        css.contains("Content-Encoding: gzip") && css.contains("Vary: Accept-Encoding"),
        "{css}"
    );
    assert!(css.ends_with(&"body { color: black; }\n".repeat(200)));
}

#[test]
fn a_thousand_ranges_cost_bounded_work() {
    let s = site(&[]);
    let ranges: Vec<String> = (0..1000)
        .map(|i| format!("{}-{}", i * 3, i * 3 + 1))
        .collect();
    let started = Instant::now();
    let r = s.curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{size_download}",
        "-r",
        &ranges.join(","),
        &s.url("/big.bin"),
    ]);
    let (code, size) = r.split_once(' ').unwrap();
    assert!(["200", "206", "416"].contains(&code), "{r}");
    assert!(size.parse::<u64>().unwrap() <= 1_100_000, "{r}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn uploads_only_when_allowed() {
    let closed = site(&[]);
    std::fs::write(closed.dir.join("up.txt"), "new").unwrap();
    let up = closed.dir.join("up.txt").display().to_string();
    assert_eq!(closed.code(&["-T", &up, &closed.url("/up.txt")]), "405");
    let open = site(&["--allow-upload"]);
    let body = open.dir.join("body.txt");
    std::fs::write(&body, "uploaded by curl\n").unwrap();
    let b = body.display().to_string();
    assert_eq!(open.code(&["-T", &b, &open.url("/docs/new.txt")]), "201");
    assert_eq!(open.code(&["-T", &b, &open.url("/docs/new.txt")]), "204");
    assert_eq!(
        std::fs::read_to_string(open.dir.join("docs/new.txt")).unwrap(),
        "uploaded by curl\n"
    );
    assert_eq!(
        open.code(&["-X", "DELETE", &open.url("/docs/new.txt")]),
        "204"
    );
    assert!(!open.dir.join("docs/new.txt").exists());
    assert_eq!(
        open.code(&["-T", &b, &open.url("/../escape.txt"), "--path-as-is"]),
        "400"
    );
}

#[test]
fn python_http_client_reuses_its_connection() {
    let s = site(&[]);
    let script = format!(
        "import http.client\nc = http.client.HTTPConnection('127.0.0.1', {})\n\
         for p in ['/', '/docs/a.txt', '/big.bin']:\n    c.request('GET', p)\n    r = c.getresponse()\n    \
         print(r.status, len(r.read()), r.getheader('Content-Type'))\nprint(c.sock is not None)\n",
        s.server.addr.port()
    );
    let out = tool("python3").args(["-c", &script]).output().unwrap();
    assert_eq!(
        stdout(&out),
        "200 14 text/html; charset=utf-8\n200 21 text/plain; charset=utf-8\n200 1000000 application/octet-stream\nTrue\n",
        "{}",
        stderr(&out)
    );
}

#[test]
fn no_path_leaves_the_root() {
    let s = site(&[]);
    std::os::unix::fs::symlink("/etc", s.dir.join("etc-link")).unwrap();
    for path in [
        "/../../../../etc/passwd",
        "/docs/../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/..%2f..%2fetc%2fpasswd",
        "/docs/..%5c..%5cetc%5cpasswd",
        "/..\\..\\etc\\passwd",
        "//etc/passwd",
        "/etc-link/passwd",
        "/%00/etc/passwd",
        "/C:/Windows/win.ini",
    ] {
        let r = s
            .raw(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes());
        let code = status_of(&r);
        assert!([400, 403, 404].contains(&code), "{path}: {r}");
        assert!(!r.contains("root:"), "{path} leaked /etc/passwd");
    }
}

#[test]
fn smuggling_oversized_and_malformed_requests_are_refused() {
    let s = site(&[]);
    let cases: [(&str, &[u16]); 8] = [
        (
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            &[400],
        ),
        (
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
            &[400],
        ),
        (
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n",
            &[400, 501],
        ),
        (
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
            &[400, 501],
        ),
        ("GET / HTTP/1.1\r\nHost: x\r\nFoo : bar\r\n\r\n", &[400]),
        (
            "GET / HTTP/1.1\r\nHost: x\r\nFolded: a\r\n b\r\n\r\n",
            &[400],
        ),
        ("GET / HTTP/3.0\r\nHost: x\r\n\r\n", &[505]),
        ("GARBAGE\r\n\r\n", &[400]),
    ];
    for (req, want) in cases {
        let r = s.raw(req.as_bytes());
        assert!(want.contains(&status_of(&r)), "{req:?} -> {r}");
    }
    let long_uri = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(20_000));
    assert_eq!(status_of(&s.raw(long_uri.as_bytes())), 414);
    let big_header = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "b".repeat(70_000)
    );
    assert_eq!(status_of(&s.raw(big_header.as_bytes())), 431);
    let many: String = (0..500).map(|i| format!("X-{i}: v\r\n")).collect();
    assert_eq!(
        status_of(&s.raw(format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n").as_bytes())),
        431
    );
    // The server is still fine.
    assert_eq!(s.code(&[&s.url("/")]), "200");
}

#[test]
fn a_slow_header_gets_408_while_others_are_served() {
    let s = site(&["--header-timeout", "1s"]);
    let slow = TcpStream::connect(s.server.addr).unwrap();
    let mut reader = slow.try_clone().unwrap();
    reader
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = answered.clone();
    let got = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = reader.read_to_string(&mut out);
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        out
    });
    // A head trickled one byte every 200 ms would take 6 s; the deadline is
    // 1 s from the first byte, and trickling must not extend it.
    let head = b"GET /index.html HTTP/1.1\r\nHost:";
    let mut sent = 0;
    let mut w = slow;
    for b in head.iter() {
        if answered.load(std::sync::atomic::Ordering::SeqCst) || w.write_all(&[*b]).is_err() {
            break;
        }
        sent += 1;
        if sent == 3 {
            // Other clients are served meanwhile.
            assert_eq!(s.code(&[&s.url("/")]), "200");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = got.join().unwrap();
    assert_eq!(status_of(&out), 408, "{out}");
    assert!(
        sent < head.len(),
        "the 408 came only after the whole head was trickled"
    );
}

#[test]
fn curl_over_https_with_the_servers_certificate() {
    let dir = Scratch::new("https");
    let (cert, key) = self_signed_cert(&dir, "gaia.cs.umass.edu");
    std::fs::write(dir.join("index.html"), "<h1>secure</h1>\n").unwrap();
    let port = free_port();
    let (c, k) = (cert.display().to_string(), key.display().to_string());
    let _s = http_serve(&dir.0, port, &["--tls-cert", &c, "--tls-key", &k]);
    let url = format!("https://gaia.cs.umass.edu:{port}/");
    let resolve = format!("gaia.cs.umass.edu:{port}:127.0.0.1");
    let ok = tool("curl")
        .args(["-s", "--cacert", &c, "--resolve", &resolve, &url])
        .output()
        .unwrap();
    assert_eq!(stdout(&ok), "<h1>secure</h1>\n", "{}", stderr(&ok));
    // Without trusting the certificate, curl refuses: the TLS is real.
    let untrusted = tool("curl")
        .args(["-s", "--resolve", &resolve, &url])
        .output()
        .unwrap();
    assert_eq!(
        untrusted.status.code(),
        Some(60),
        "curl exit 60: certificate problem"
    );
    // Plain HTTP to the TLS port is not answered as HTTP.
    let plain = tool("curl")
        .args([
            "-s",
            "--max-time",
            "5",
            &format!("http://127.0.0.1:{port}/"),
        ])
        .output()
        .unwrap();
    assert!(!stdout(&plain).contains("secure"));
}
