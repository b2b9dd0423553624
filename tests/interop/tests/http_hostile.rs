//! Hostile clients against `l7 http serve`: slowloris by slowhttptest
//! while a real client is still served; a table of request-smuggling
//! framings (CL.TE, TE.CL, CL.CL, obfuscated Transfer-Encoding), each
//! either refused with the connection closed or framed exactly as RFC 9112
//! §6 says (the request after it is answered as its own request); and
//! traversal over HTTP/2 as well as HTTP/1.1.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Stdio;
use std::time::Duration;

use l7_interop::*;

fn serve(dir: &Scratch, extra: &[&str]) -> Server {
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>hostile</h1>\n").unwrap();
    std::fs::write(dir.join("docs/a.txt"), "the a file\n").unwrap();
    http_serve(&dir.0, free_port(), extra)
}

fn raw(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Status codes of every response in `out`, in order.
fn statuses(out: &str) -> Vec<u16> {
    out.match_indices("HTTP/1.1 ")
        .filter_map(|(i, _)| out[i + 9..].get(..3)?.parse().ok())
        .collect()
}

#[test]
fn slowloris_by_slowhttptest_does_not_starve_other_clients() {
    let dir = Scratch::new(&format!("slowloris-{}", free_port()));
    let server = serve(&dir, &["--header-timeout", "2s"]);
    let url = format!("http://{}/index.html", server.addr);
    // 300 connections that send a header line every second and never finish.
    let attack = tool("slowhttptest")
        .args([
            "-H", "-c", "300", "-r", "100", "-i", "1", "-x", "10", "-l", "15", "-p", "3",
        ])
        .args(["-u", &url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    for _ in 0..5 {
        let o = tool("curl")
            .args(["-sS", "--max-time", "10", &url])
            .output()
            .unwrap();
        assert_eq!(
            stdout(&o),
            "<h1>hostile</h1>\n",
            "served during the attack: {}",
            stderr(&o)
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let out = attack.wait_with_output().unwrap();
    // Strip the terminal colours slowhttptest prints.
    let text: String = String::from_utf8_lossy(&out.stdout)
        .split('\x1b')
        .map(|s| s.split_once('m').map_or(s, |(_, rest)| rest))
        .collect();
    let closed: u32 = text
        .lines()
        .rev()
        .filter_map(|l| l.trim().strip_prefix("closed:"))
        .find_map(|n| n.trim().parse().ok())
        .expect("slowhttptest reports closed connections");
    assert!(
        closed > 0,
        "the header timeout closed the slow connections:\n{text}"
    );
    assert!(!text.contains("service available:   NO"), "{text}");
}

#[test]
fn smuggling_table_is_refused_or_framed_by_the_rfc() {
    let dir = Scratch::new(&format!("smuggle-{}", free_port()));
    let server = serve(&dir, &[]);
    let next = "GET /docs/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    // (name, request head + body, Some(refusals) or None when it must be
    // framed and the next request answered on its own).
    let refused: &[u16] = &[400, 501];
    let table: &[(&str, &str, Option<&[u16]>)] = &[
        (
            "CL.TE",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
            Some(&[400]),
        ),
        (
            "TE.CL",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n",
            Some(&[400]),
        ),
        (
            "CL.CL",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\nContent-Length: 7\r\n\r\n12345678",
            Some(&[400]),
        ),
        (
            "CL list",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nabcdef",
            Some(&[400]),
        ),
        (
            "CL sign",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nabcde",
            Some(&[400]),
        ),
        (
            "CL hex",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\nabcde",
            Some(&[400]),
        ),
        (
            "TE space before colon",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
            Some(&[400]),
        ),
        (
            "TE folded",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
            Some(&[400]),
        ),
        (
            "TE vertical tab",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n",
            Some(refused),
        ),
        (
            "TE unknown",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
            Some(refused),
        ),
        (
            "TE chunked twice",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
            Some(refused),
        ),
        (
            "TE chunked not last",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n",
            Some(refused),
        ),
        (
            "TE in HTTP/1.0",
            "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            Some(refused),
        ),
        (
            "chunk size overflow",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF1\r\nx\r\n0\r\n\r\n",
            Some(&[400, 413]),
        ),
        // Valid framings: the body is consumed exactly, and the next
        // request on the connection is answered as itself.
        (
            "TE mixed case",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ChUnKeD\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            None,
        ),
        (
            "TE tab",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked\t\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            None,
        ),
        (
            "chunk extension",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=\"GET /\"\r\nhello\r\n0\r\n\r\n",
            None,
        ),
        (
            "trailer",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Trailer: GET /\r\n\r\n",
            None,
        ),
        // RFC 9112 §2.2: a recipient may take a bare LF as a line end.
        (
            "bare LF line",
            "POST / HTTP/1.1\r\nHost: x\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            None,
        ),
        (
            "CL exact",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
            None,
        ),
    ];
    for (name, request, want) in table {
        let out = raw(server.addr, format!("{request}{next}").as_bytes());
        let got = statuses(&out);
        match want {
            Some(codes) => {
                assert_eq!(got.len(), 1, "{name}: one refusal, then close:\n{out}");
                assert!(codes.contains(&got[0]), "{name}: {got:?}\n{out}");
                assert!(
                    !out.contains("the a file"),
                    "{name}: smuggled request answered"
                );
            }
            None => {
                assert_eq!(got.len(), 2, "{name}: two framed requests:\n{out}");
                assert_eq!(got[1], 200, "{name}\n{out}");
                assert!(out.ends_with("the a file\n"), "{name}:\n{out}");
            }
        }
    }
    let o = tool("curl")
        .args(["-sS", &format!("http://{}/", server.addr)])
        .output()
        .unwrap();
    assert_eq!(stdout(&o), "<h1>hostile</h1>\n", "still serving");
}

#[test]
fn traversal_is_refused_over_http2_too() {
    let dir = Scratch::new(&format!("h2-traversal-{}", free_port()));
    let server = serve(&dir, &[]);
    std::os::unix::fs::symlink("/etc", dir.join("etc-link")).unwrap();
    for path in [
        "/../../../../etc/passwd",
        "/docs/../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "/docs/..%5c..%5cetc%5cpasswd",
        "//etc/passwd",
        "/etc-link/passwd",
        "/%00/etc/passwd",
    ] {
        let url = format!("http://{}{path}", server.addr);
        let o = tool("curl")
            .args([
                "-sS",
                "--path-as-is",
                "--http2-prior-knowledge",
                "-w",
                "\n%{http_code} %{http_version}",
                &url,
            ])
            .output()
            .unwrap();
        let out = stdout(&o);
        assert!(!out.contains("root:"), "{path} leaked /etc/passwd");
        let tail = out.lines().last().unwrap_or_default();
        assert!(
            ["400 2", "403 2", "404 2"].contains(&tail),
            "{path}: {out}{}",
            stderr(&o)
        );
    }
}
