//! `l7 http serve` over HTTP/2, driven by curl and nghttp: cleartext with
//! prior knowledge (h2c), ALPN `h2` over TLS, the same file handler as
//! HTTP/1.1 (conditional requests, ranges, HEAD), and concurrent streams
//! interleaved so small objects finish before a large one sent first.

use l7_interop::*;

struct Site {
    dir: Scratch,
    _server: Server,
    port: u16,
}

/// Serves a directory with a large file and ten small ones; `tls` adds a
/// self-signed certificate for gaia.cs.umass.edu; `extra` more flags.
fn site(tls: bool, extra: &[&str]) -> Site {
    let dir = Scratch::new(&format!("h2-{}", free_port()));
    std::fs::write(dir.join("index.html"), "<h1>gaia over h2</h1>\n").unwrap();
    let big: Vec<u8> = (0..8_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    std::fs::write(dir.join("big.bin"), &big).unwrap();
    for i in 0..10 {
        std::fs::write(
            dir.join(&format!("small{i}.txt")),
            format!("object {i}\n").repeat(50),
        )
        .unwrap();
    }
    let port = free_port();
    let mut args = Vec::new();
    let (cert, key);
    if tls {
        let (c, k) = self_signed_cert(&dir, "gaia.cs.umass.edu");
        (cert, key) = (c.display().to_string(), k.display().to_string());
        args.extend(["--tls-cert", &cert, "--tls-key", &key]);
    }
    args.extend_from_slice(extra);
    let server = http_serve(&dir.0, port, &args);
    Site {
        dir,
        _server: server,
        port,
    }
}

impl Site {
    fn curl(&self, args: &[&str]) -> (String, String) {
        let o = tool("curl")
            .args(["-sS", "--max-time", "20"])
            .args(args)
            .output()
            .unwrap();
        (stdout(&o), stderr(&o))
    }
}

#[test]
fn curl_speaks_h2c_with_prior_knowledge() {
    let s = site(false, &[]);
    let url = format!("http://127.0.0.1:{}/", s.port);
    let (out, err) = s.curl(&["--http2-prior-knowledge", "-w", "\n%{http_version}", &url]);
    assert_eq!(out, "<h1>gaia over h2</h1>\n\n2", "{err}");
    // The same handler: HEAD, validators, ranges.
    let (head, _) = s.curl(&["--http2-prior-knowledge", "-I", &format!("{url}big.bin")]);
    assert!(head.starts_with("HTTP/2 200"), "{head}");
    assert!(head.contains("content-length: 8000000"), "{head}");
    let etag = head
        .lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .expect("an ETag")
        .trim()
        .to_string();
    let (code, _) = s.curl(&[
        "--http2-prior-knowledge",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-H",
        &format!("If-None-Match: {etag}"),
        &format!("{url}big.bin"),
    ]);
    assert_eq!(code, "304");
    let (part, _) = s.curl(&[
        "--http2-prior-knowledge",
        "-r",
        "2-9",
        &format!("{url}small3.txt"),
    ]);
    assert_eq!(part, "ject 3\no");
    // A plain HTTP/1.1 client on the same port is still served.
    let (one, _) = s.curl(&[
        "--http1.1",
        "-w",
        "%{http_version}",
        "-o",
        "/dev/null",
        &url,
    ]);
    assert_eq!(one, "1.1");
    // curl --http2 over cleartext asks for an upgrade, which we decline:
    // it gets its answer over HTTP/1.1.
    let (up, _) = s.curl(&["--http2", &url]);
    assert_eq!(up, "<h1>gaia over h2</h1>\n");
}

#[test]
fn curl_negotiates_h2_over_tls_by_alpn() {
    let s = site(true, &[]);
    let cacert = s.dir.join("cert.pem").display().to_string();
    let resolve = format!("gaia.cs.umass.edu:{}:127.0.0.1", s.port);
    let url = format!("https://gaia.cs.umass.edu:{}/big.bin", s.port);
    let base = [
        "--cacert",
        &cacert,
        "--resolve",
        &resolve,
        "-o",
        "/dev/null",
    ];
    let (v, err) = s.curl(
        &[
            &base[..],
            &["--http2", "-w", "%{http_version} %{size_download}", &url],
        ]
        .concat(),
    );
    assert_eq!(v, "2 8000000", "{err}");
    let (v1, err) = s.curl(
        &[
            &base[..],
            &["--http1.1", "-w", "%{http_version} %{size_download}", &url],
        ]
        .concat(),
    );
    assert_eq!(v1, "1.1 8000000", "{err}");
}

#[test]
fn nghttp_gets_small_objects_before_a_large_one_requested_first() {
    let s = site(false, &[]);
    let mut urls = vec![format!("http://127.0.0.1:{}/big.bin", s.port)];
    urls.extend((0..10).map(|i| format!("http://127.0.0.1:{}/small{i}.txt", s.port)));
    // -s prints the streams sorted by completion; -n discards the bodies.
    let o = tool("nghttp")
        .args(["-n", "-s", "-t", "60"])
        .args(&urls)
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    let done: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(" 200 "))
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    assert_eq!(done.len(), 11, "every stream completed with 200:\n{out}");
    assert_eq!(
        done.last(),
        Some(&"/big.bin"),
        "the large object finishes last:\n{out}"
    );
    // nghttp prints sizes rounded to MiB: 8,000,000 bytes is "7M".
    let size_line = out.lines().find(|l| l.ends_with("/big.bin")).unwrap();
    assert!(size_line.contains(" 7M "), "{size_line}");
}

#[test]
fn uploads_over_h2_are_received_and_limited_like_http1() {
    let s = site(false, &["--allow-upload"]);
    let local = s.dir.join("local.bin");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&local, &data).unwrap();
    let url = format!("http://127.0.0.1:{}/up.bin", s.port);
    let local_s = local.display().to_string();
    let put = |expect: &str| {
        let (code, err) = s.curl(&[
            "--http2-prior-knowledge",
            "-T",
            &local_s,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &url,
        ]);
        assert_eq!(code, expect, "{err}");
    };
    put("201");
    assert_eq!(std::fs::read(s.dir.join("up.bin")).unwrap(), data);
    put("204");
    let (code, _) = s.curl(&[
        "--http2-prior-knowledge",
        "-X",
        "DELETE",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &url,
    ]);
    assert_eq!(code, "204");
    assert!(!s.dir.join("up.bin").exists());
}
