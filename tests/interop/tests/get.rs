//! `l7 get` against real servers we did not write: nginx (HTTP/1.1,
//! chunked gzip, redirects, cookies, TLS with HTTP/2 by ALPN, h2c with
//! prior knowledge, a page with 10 images) and Python's http.server
//! (HTTP/1.0 responses).

use std::net::SocketAddr;
use std::process::{Command, Output};

use l7_interop::*;

/// nginx in the foreground with its own prefix, config and ports.
struct Nginx {
    dir: Scratch,
    server: Server,
    http: u16,
    https: u16,
    h2c: u16,
}

fn nginx() -> Nginx {
    let dir = Scratch::new(&format!("get-nginx-{}", free_port()));
    let (http, https, h2c) = (free_port(), free_port(), free_port());
    let root = dir.join("www");
    std::fs::create_dir_all(root.join("img")).unwrap();
    std::fs::write(root.join("a.txt"), "0123456789abcdefghij\n").unwrap();
    std::fs::write(root.join("big.txt"), "line of text\n".repeat(20_000)).unwrap();
    let mut page =
        String::from("<html><head><link rel=stylesheet href=\"style.css\"></head><body>\n");
    for i in 1..=10 {
        std::fs::write(root.join(format!("img/p{i}.jpg")), vec![i as u8; 5000 + i]).unwrap();
        page.push_str(&format!("<img src=\"img/p{i}.jpg\">\n"));
    }
    page.push_str("</body></html>\n");
    std::fs::write(root.join("page.html"), page).unwrap();
    for sub in ["fresh", "stale"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
        std::fs::write(root.join(sub).join("o.txt"), format!("{sub} object\n")).unwrap();
    }
    std::fs::write(root.join("style.css"), "body { margin: 0 }\n").unwrap();
    make_certs(&dir);
    let d = dir.0.display();
    let conf = format!(
        r#"
daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;
  uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;
  types {{ text/html html; text/plain txt; text/css css; image/jpeg jpg; }}
  gzip on; gzip_types text/plain; gzip_min_length 1;
  server {{
    listen 127.0.0.1:{http};
    listen 127.0.0.1:{https} ssl http2;
    listen 127.0.0.1:{h2c} http2;
    ssl_certificate {d}/server.pem;
    ssl_certificate_key {d}/server.key;
    root {d}/www;
    location /fresh/ {{ expires 1h; }}
    location /stale/ {{ add_header Cache-Control "no-cache"; }}
    location = /old {{ return 301 /a.txt; }}
    location = /login {{ add_header Set-Cookie "session=1678; Path=/; Max-Age=3600"; return 200 "welcome\n"; }}
    location = /whoami {{ return 200 "cookie=$http_cookie\n"; }}
  }}
}}
"#
    );
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let server = Server::command(
        tool("nginx").args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")]),
        SocketAddr::from(([127, 0, 0, 1], http)),
        false,
    );
    Nginx {
        dir,
        server,
        http,
        https,
        h2c,
    }
}

/// A private CA and a certificate for 127.0.0.1 and localhost, by openssl.
fn make_certs(dir: &Scratch) {
    let run = |args: &[&str]| {
        let out = tool("openssl")
            .args(args)
            .current_dir(&dir.0)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", stderr(&out));
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=l7 test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
}

fn get(args: &[&str]) -> Output {
    l7(&[&["get", "--timeout", "20s"], args].concat())
}

#[test]
fn nginx_http11_body_head_and_transcript() {
    let n = nginx();
    let url = format!("http://127.0.0.1:{}/a.txt", n.http);
    let out = get(&["-v", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "0123456789abcdefghij\n");
    let err = stderr(&out);
    assert!(err.contains("> GET /a.txt HTTP/1.1\n"), "{err}");
    assert!(
        err.contains(&format!("> Host: 127.0.0.1:{}\n", n.http)),
        "{err}"
    );
    assert!(err.contains("< HTTP/1.1 200 OK\n"), "{err}");
    assert!(err.contains("< Server: nginx"), "{err}");

    let out = get(&["-I", &url]);
    let head = stdout(&out);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("Content-Length: 21\r\n"), "{head}");

    let missing = get(&[&format!("http://127.0.0.1:{}/nope", n.http)]);
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn nginx_chunked_gzip_and_output_file() {
    let n = nginx();
    let file = n.dir.join("big.gz");
    let out = get(&[
        "-v",
        "-H",
        "Accept-Encoding: gzip",
        "-o",
        file.to_str().unwrap(),
        &format!("http://127.0.0.1:{}/big.txt", n.http),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("< Transfer-Encoding: chunked"),
        "{}",
        stderr(&out)
    );
    let plain = Command::new("gzip").arg("-dc").arg(&file).output().unwrap();
    assert!(plain.status.success());
    assert_eq!(plain.stdout, "line of text\n".repeat(20_000).as_bytes());
}

#[test]
fn nginx_redirect_followed_only_with_l() {
    let n = nginx();
    let url = format!("http://127.0.0.1:{}/old", n.http);
    let out = get(&["-v", &url]);
    assert!(stderr(&out).contains("< HTTP/1.1 301 Moved Permanently"));
    assert!(!stdout(&out).contains("0123456789"));
    let out = get(&["-L", "-v", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "0123456789abcdefghij\n");
    // The redirect reused the connection nginx kept open.
    assert_eq!(
        stderr(&out).matches("* connected").count(),
        1,
        "{}",
        stderr(&out)
    );
}

#[test]
fn cookie_jar_round_trip_in_netscape_format() {
    let n = nginx();
    let jar = n.dir.join("cookies.txt");
    let jar_arg = jar.to_str().unwrap();
    let base = format!("http://127.0.0.1:{}", n.http);
    let out = get(&["--cookie-jar", jar_arg, &format!("{base}/whoami")]);
    assert_eq!(stdout(&out), "cookie=\n");
    let out = get(&["--cookie-jar", jar_arg, &format!("{base}/login")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let saved = std::fs::read_to_string(&jar).unwrap();
    assert!(saved.contains("# Netscape HTTP Cookie File"), "{saved}");
    assert!(saved.contains("\tsession\t1678"), "{saved}");
    let out = get(&["-v", "--cookie-jar", jar_arg, &format!("{base}/whoami")]);
    assert_eq!(stdout(&out), "cookie=session=1678\n");
    assert!(stderr(&out).contains("> Cookie: session=1678"));
    // curl reads the same jar.
    let curl = tool("curl")
        .args(["-s", "-b", jar_arg, &format!("{base}/whoami")])
        .output()
        .unwrap();
    assert_eq!(stdout(&curl), "cookie=session=1678\n");
}

#[test]
fn nginx_tls_with_http2_by_alpn_and_http11() {
    let n = nginx();
    let ca = n.dir.join("ca.pem");
    let url = format!("https://localhost:{}/a.txt", n.https);
    let url_ip = format!("https://127.0.0.1:{}/a.txt", n.https);
    let out = get(&["-v", "--http2", "--cacert", ca.to_str().unwrap(), &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "0123456789abcdefghij\n");
    let err = stderr(&out);
    assert!(err.contains("over HTTP/2"), "{err}");
    assert!(err.contains("< HTTP/2 200"), "{err}");
    let out = get(&["-v", "--cacert", ca.to_str().unwrap(), &url_ip]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("< HTTP/1.1 200 OK"));
    // Without the CA the certificate is refused, with advice.
    let out = get(&[&url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--cacert"), "{}", stderr(&out));
}

#[test]
fn nginx_h2c_prior_knowledge() {
    let n = nginx();
    let out = get(&[
        "-v",
        "--http2",
        &format!("http://127.0.0.1:{}/a.txt", n.h2c),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "0123456789abcdefghij\n");
    assert!(stderr(&out).contains("< HTTP/2 200"));
}

#[test]
fn page_with_ten_images_persistent_and_not() {
    let n = nginx();
    let url = format!("http://127.0.0.1:{}/page.html", n.http);
    let out = get(&["--page", "--connections", "non-persistent", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("/img/p10.jpg  200  5010 B"), "{text}");
    assert!(text.contains("12 objects"), "{text}");
    assert!(
        text.contains("over 12 connections (non-persistent"),
        "{text}"
    );
    let out = get(&["--page", &url]);
    assert!(
        stdout(&out).contains("over 1 connections (persistent"),
        "{}",
        stdout(&out)
    );
    let out = get(&["--page", "--parallel", "4", &url]);
    assert!(
        stdout(&out).contains("over 4 connections (persistent, parallel 4)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn python_http_server_http10() {
    let dir = Scratch::new(&format!("get-py-{}", free_port()));
    std::fs::write(dir.join("hello.txt"), "hello from python\n").unwrap();
    let port = free_port();
    let _py = Server::command(
        tool("python3")
            .args([
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                &port.to_string(),
            ])
            .current_dir(&dir.0),
        SocketAddr::from(([127, 0, 0, 1], port)),
        false,
    );
    let out = get(&["-v", &format!("http://127.0.0.1:{port}/hello.txt")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "hello from python\n");
    assert!(stderr(&out).contains("< HTTP/1.0 200 OK"));
}

#[test]
fn private_cache_serves_fresh_and_revalidates_stale() {
    let mut n = nginx();
    let cache = n.dir.join("cache");
    let cache_arg = cache.to_str().unwrap();
    let fresh = format!("http://127.0.0.1:{}/fresh/o.txt", n.http);
    let stale = format!("http://127.0.0.1:{}/stale/o.txt", n.http);
    let run = |url: &str| {
        let out = get(&["-v", "--cache", cache_arg, url]);
        assert!(out.status.success(), "{}", stderr(&out));
        (stdout(&out), stderr(&out))
    };
    let (body, err) = run(&fresh);
    assert_eq!(body, "fresh object\n");
    assert!(err.contains("* stored in the cache"), "{err}");
    let (body, err) = run(&stale);
    assert_eq!(body, "stale object\n");
    assert!(err.contains("* stored in the cache"), "{err}");
    // no-cache: revalidated with the stored validators, answered 304.
    let (body, err) = run(&stale);
    assert_eq!(body, "stale object\n");
    assert!(err.contains("> If-None-Match: \""), "{err}");
    assert!(err.contains("> If-Modified-Since: "), "{err}");
    assert!(err.contains("* origin answered 304 Not Modified"), "{err}");
    // Fresh: served without the network, even with nginx gone.
    n.server.terminate();
    let (body, err) = run(&fresh);
    assert_eq!(body, "fresh object\n");
    assert!(err.contains("* served from the cache (fresh"), "{err}");
    assert!(!err.contains("* connected"), "{err}");
}
