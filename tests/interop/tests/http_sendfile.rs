//! The zero-copy path of `l7 http serve`: file bodies of 16 KiB and more
//! on plain TCP go by sendfile(2) from a file the server holds open, the
//! head before them with MSG_MORE. curl fetches whole files, single ranges
//! and heads of files on both sides of the threshold, over one persistent
//! connection, and every byte is compared with the file; a pipelined HEAD
//! then GET checks that no body bytes leak after a head.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use l7_interop::*;

/// Sizes on both sides of the 16 KiB threshold, kept in memory or not
/// (256 KiB), and longer than one sendfile step (1 MiB).
const FILES: [(&str, usize); 5] = [
    ("small.bin", 1000),
    ("16k.bin", 16 * 1024),
    ("100k.bin", 100 * 1024),
    ("1m.bin", 1_000_003),
    ("3m.bin", 3 * 1024 * 1024 + 7),
];

/// Bytes that differ at every offset a wrong seek could land on.
fn pattern(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_add(seed).wrapping_mul(2654435761) >> 24) as u8)
        .collect()
}

fn curl(args: &[&str]) -> std::process::Output {
    let out = tool("curl")
        .args(["-s", "-S", "--max-time", "30"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "curl {args:?}: {}", stderr(&out));
    out
}

#[test]
fn curl_gets_whole_files_ranges_and_heads_byte_for_byte() {
    let dir = Scratch::new(&format!("http-sendfile-{}", free_port()));
    let root = dir.join("www");
    std::fs::create_dir_all(&root).unwrap();
    let mut contents = Vec::new();
    for (i, (name, len)) in FILES.iter().enumerate() {
        let data = pattern(*len, i as u32);
        std::fs::write(root.join(name), &data).unwrap();
        contents.push(data);
    }
    let server = http_serve(&root, free_port(), &[]);
    let url = |name: &str| format!("http://{}/{name}", server.addr);

    // Whole files, twice each (the second from the held-open file), all
    // over one connection.
    let mut args: Vec<String> = Vec::new();
    for round in 0..2 {
        for (name, _) in FILES {
            args.extend([
                "-o".into(),
                dir.join(&format!("{round}-{name}")).display().to_string(),
            ]);
            args.push(url(name));
        }
    }
    args.extend(["-w".into(), "%{num_connects}".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let connects = stdout(&curl(&args));
    assert_eq!(
        connects.chars().filter(|c| *c == '1').count(),
        1,
        "{connects}"
    );
    for round in 0..2 {
        for ((name, _), want) in FILES.iter().zip(&contents) {
            let got = std::fs::read(dir.join(&format!("{round}-{name}"))).unwrap();
            assert!(
                got == *want,
                "{name} (round {round}): {} bytes differ",
                got.len()
            );
        }
    }

    // Single ranges: inside, across the end, suffix, from an offset.
    for ((name, len), want) in FILES.iter().zip(&contents) {
        let len = *len;
        let specs = [
            (
                format!("{}-{}", len / 3, len / 3 + len / 2),
                len / 3,
                len / 3 + len / 2 + 1,
            ),
            (
                format!("{}-", len - 17_000.min(len - 1)),
                len - 17_000.min(len - 1),
                len,
            ),
            (format!("-{}", 20_000.min(len)), len - 20_000.min(len), len),
            ("1-".to_string(), 1, len),
        ];
        for (spec, from, to) in specs {
            let out = curl(&["-r", &spec, "-w", "%{http_code}", "-o", "-", &url(name)]);
            let (body, code) = out.stdout.split_at(out.stdout.len() - 3);
            assert_eq!(code, b"206", "{name} {spec}");
            assert!(body == &want[from..to], "{name} range {spec}: wrong bytes");
        }
    }

    // HEAD: the length, no body; a GET pipelined behind it on the same
    // connection gets exactly the file, so nothing leaked after the head.
    for ((name, len), want) in FILES.iter().zip(&contents) {
        let head = stdout(&curl(&["-I", &url(name)]));
        assert!(
            head.contains(&format!("Content-Length: {len}\r\n")),
            "{head}"
        );
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let req = format!(
            "HEAD /{name} HTTP/1.1\r\nHost: x\r\n\r\nGET /{name} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes()).unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        let heads: Vec<usize> = got
            .windows(4)
            .enumerate()
            .filter(|(_, w)| *w == b"\r\n\r\n")
            .map(|(i, _)| i + 4)
            .take(2)
            .collect();
        let second_head = std::str::from_utf8(&got[heads[0]..heads[1]]).unwrap();
        assert!(
            second_head.starts_with("HTTP/1.1 200 OK\r\n"),
            "{second_head}"
        );
        assert!(
            got[heads[1]..] == want[..],
            "{name}: pipelined GET after HEAD"
        );
    }
}

/// A connection's last response is held back to leave with the FIN (one
/// segment instead of two): it must still arrive whole when the client
/// has pipelined more requests behind it that the server never reads,
/// where closing the socket at once would reset the connection and
/// discard what was held. Both ways out: from memory and by sendfile;
/// the server runs on the one-thread runtime (`--threads 1`).
#[test]
fn last_response_arrives_whole_despite_unread_pipelined_requests() {
    let dir = Scratch::new(&format!("http-last-{}", free_port()));
    let root = dir.join("www");
    std::fs::create_dir_all(&root).unwrap();
    let server_files = [("small.bin", 1000), ("100k.bin", 100 * 1024)];
    for (i, (name, len)) in server_files.iter().enumerate() {
        std::fs::write(root.join(name), pattern(*len, i as u32)).unwrap();
    }
    let server = http_serve(&root, free_port(), &["--threads", "1"]);
    for (i, (name, len)) in server_files.iter().enumerate() {
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut req = format!("GET /{name} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        // 64 KiB of requests the server will not read after the first.
        while req.len() < 64 * 1024 {
            req.push_str(&format!("GET /{name} HTTP/1.1\r\nHost: x\r\n\r\n"));
        }
        s.write_all(req.as_bytes()).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        // Read until EOF, or until the reset that follows the FIN.
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        let end = got
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|i| i + 4)
            .unwrap_or_else(|| panic!("{name}: no response head in {} bytes", got.len()));
        let head = std::str::from_utf8(&got[..end]).unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(head.contains("Connection: close\r\n"), "{head}");
        assert_eq!(got.len() - end, *len, "{name}: body length");
        assert!(
            got[end..] == pattern(*len, i as u32)[..],
            "{name}: body bytes"
        );
    }
}
