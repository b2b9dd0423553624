//! `l7 get` against real servers we did not write: nginx (HTTP/1.1,
//! chunked gzip, redirects, cookies, TLS with HTTP/2 by ALPN, h2c with
//! prior knowledge, a page with 10 images) and Python's http.server
//! (HTTP/1.0 responses); and `l7 proxy` between real clients (curl -x,
//! Python's http.client) and nginx.

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
    for sub in ["fresh", "stale", "sie"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
        std::fs::write(root.join(sub).join("o.txt"), format!("{sub} object\n")).unwrap();
    }
    std::fs::write(root.join("style.css"), "body { margin: 0 }\n").unwrap();
    make_certs(&dir);
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    // Each port is free when picked, but a parallel test may take one before
    // nginx binds it; nginx then exits, and we try again with new ports.
    for _ in 0..5 {
        let (http, https, h2c) = (free_port(), free_port(), free_port());
        if let Some(server) = start_nginx(&dir, http, https, h2c) {
            return Nginx {
                dir,
                server,
                http,
                https,
                h2c,
            };
        }
    }
    panic!("nginx did not start on free ports five times; see its error.log");
}

/// nginx on these ports with the tests' site, once all three listen; None
/// if it exited (a port was taken in between). One process, no master
/// (`master_process off`): the [`Server`]'s SIGKILL at the end of a test
/// then leaves no orphaned worker behind.
fn start_nginx(dir: &Scratch, http: u16, https: u16, h2c: u16) -> Option<Server> {
    let d = dir.0.display();
    let conf = format!(
        r#"
daemon off;
master_process off;
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
    location /sie/ {{ add_header Cache-Control "max-age=1, stale-if-error=3600"; }}
    location = /old {{ return 301 /a.txt; }}
    location = /login {{ add_header Set-Cookie "session=1678; Path=/; Max-Age=3600"; return 200 "welcome\n"; }}
    location = /whoami {{ return 200 "cookie=$http_cookie\n"; }}
  }}
}}
"#
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let mut child = tool("nginx")
        .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start nginx");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let listening = |port: u16| std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
    while !(listening(http) && listening(https) && listening(h2c)) {
        if let Ok(Some(_)) = child.try_wait() {
            return None;
        }
        assert!(std::time::Instant::now() < deadline, "nginx did not listen");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Some(Server::from_child(
        child,
        SocketAddr::from(([127, 0, 0, 1], http)),
        false,
    ))
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

fn proxy(n: &Nginx, extra: &[&str]) -> Server {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let cache = n.dir.join(&format!("proxy-cache-{port}"));
    let https = n.https.to_string();
    let mut args = vec![
        "proxy",
        "--listen",
        &listen,
        "--cache-dir",
        cache.to_str().unwrap(),
        "--connect-port",
        &https,
    ];
    args.extend_from_slice(extra);
    Server::l7(&args, SocketAddr::from(([127, 0, 0, 1], port)), false)
}

fn curl_via(proxy: &Server, args: &[&str]) -> String {
    let p = format!("http://{}", proxy.addr);
    stdout(
        &tool("curl")
            .args(["-s", "-i", "--max-time", "20", "-x", &p])
            .args(args)
            .output()
            .unwrap(),
    )
}

#[test]
fn proxy_caches_for_curl_and_purges() {
    let n = nginx();
    let p = proxy(&n, &[]);
    let url = format!("http://127.0.0.1:{}/fresh/o.txt", n.http);
    let first = curl_via(&p, &[&url]);
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(first.contains("X-Cache: MISS"), "{first}");
    assert!(first.contains("Via: 1.1 l7"), "{first}");
    assert!(first.ends_with("fresh object\n"), "{first}");
    let second = curl_via(&p, &[&url]);
    assert!(second.contains("X-Cache: HIT"), "{second}");
    assert!(second.contains("Age: "), "{second}");
    assert!(second.ends_with("fresh object\n"), "{second}");
    // no-cache objects are revalidated with the stored validators.
    let stale = format!("http://127.0.0.1:{}/stale/o.txt", n.http);
    assert!(curl_via(&p, &[&stale]).contains("X-Cache: MISS"));
    let again = curl_via(&p, &[&stale]);
    assert!(again.contains("X-Cache: REVALIDATED"), "{again}");
    assert!(again.ends_with("stale object\n"), "{again}");
    // PURGE from loopback (allowed) removes the entry.
    let purged = curl_via(&p, &["-X", "PURGE", &url]);
    assert!(purged.starts_with("HTTP/1.1 200"), "{purged}");
    assert!(curl_via(&p, &[&url]).contains("X-Cache: MISS"));
    // The status page counts.
    let status = stdout(
        &tool("curl")
            .args(["-s", &format!("http://{}/l7-proxy-status", p.addr)])
            .output()
            .unwrap(),
    );
    assert!(status.contains("hits 1\n"), "{status}");
}

#[test]
fn proxy_tunnels_https_only_to_allowed_ports() {
    let n = nginx();
    let p = proxy(&n, &[]);
    let ca = n.dir.join("ca.pem");
    let url = format!("https://localhost:{}/a.txt", n.https);
    let out = curl_via(&p, &["--cacert", ca.to_str().unwrap(), &url]);
    assert!(out.contains("0123456789abcdefghij"), "{out}");
    // l7 get through the same proxy, over the tunnel, with HTTP/2 inside.
    let proxy_url = format!("http://{}", p.addr);
    let got = get(&[
        "-v",
        "--http2",
        "--proxy",
        &proxy_url,
        "--cacert",
        ca.to_str().unwrap(),
        &url,
    ]);
    assert_eq!(stdout(&got), "0123456789abcdefghij\n", "{}", stderr(&got));
    assert!(stderr(&got).contains("< HTTP/2 200"));
    // The plain HTTP port is not an allowed tunnel target.
    let refused = curl_via(&p, &["-p", &format!("http://127.0.0.1:{}/a.txt", n.http)]);
    assert!(refused.contains("403"), "{refused}");
}

#[test]
fn proxy_serves_python_http_client_and_l7_get() {
    let n = nginx();
    let p = proxy(&n, &[]);
    let url = format!("http://127.0.0.1:{}/fresh/o.txt", n.http);
    let script = format!(
        "import http.client\nc = http.client.HTTPConnection('127.0.0.1', {})\nfor i in range(2):\n    c.request('GET', '{url}')\n    r = c.getresponse()\n    print(r.status, r.getheader('X-Cache'), r.read().decode().strip())\n",
        p.addr.port()
    );
    let out = tool("python3").args(["-c", &script]).output().unwrap();
    assert_eq!(
        stdout(&out),
        "200 MISS fresh object\n200 HIT fresh object\n",
        "{}",
        stderr(&out)
    );
    let got = get(&["-v", "--proxy", &format!("http://{}", p.addr), &url]);
    assert_eq!(stdout(&got), "fresh object\n");
    assert!(
        stderr(&got).contains(&format!("> GET {url} HTTP/1.1")),
        "{}",
        stderr(&got)
    );
    assert!(stderr(&got).contains("< X-Cache: HIT"));
}

#[test]
fn reverse_proxy_in_front_of_nginx() {
    let n = nginx();
    let origin = format!("http://127.0.0.1:{}", n.http);
    let p = proxy(&n, &["--origin", &origin]);
    let url = format!("http://{}/fresh/o.txt", p.addr);
    let run = || {
        stdout(
            &tool("curl")
                .args(["-s", "-i", "--max-time", "20", &url])
                .output()
                .unwrap(),
        )
    };
    assert!(run().contains("X-Cache: MISS"));
    let second = run();
    assert!(second.contains("X-Cache: HIT"), "{second}");
    assert!(second.ends_with("fresh object\n"));
}

#[test]
fn proxy_serves_stale_if_error_when_the_origin_is_gone() {
    let mut n = nginx();
    let p = proxy(&n, &[]);
    let url = format!("http://127.0.0.1:{}/sie/o.txt", n.http);
    assert!(curl_via(&p, &[&url]).contains("X-Cache: MISS"));
    n.server.terminate();
    // Let the one-second freshness run out.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let stale = curl_via(&p, &[&url]);
    assert!(stale.starts_with("HTTP/1.1 200"), "{stale}");
    assert!(stale.contains("X-Cache: STALE"), "{stale}");
    assert!(stale.ends_with("sie object\n"), "{stale}");
    // Without stale-if-error the failure shows.
    let fresh_url = format!("http://127.0.0.1:{}/a.txt", n.http);
    assert!(curl_via(&p, &[&fresh_url]).starts_with("HTTP/1.1 502"));
}
