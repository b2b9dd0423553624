//! `l7 proxy` under load and failure, between real clients (curl, headless
//! Chromium) and real origins (nginx, whose access log counts what reached
//! it; `l7 http serve`): concurrent misses of one object make one origin
//! request; stale-while-revalidate answers at once and revalidates once in
//! the background; ranges come from the stored response; a kill -9 during
//! writes leaves a store that loads and never serves a torn object; a flood
//! of distinct URLs keeps the store within --max-size; a browser's
//! second load of a page is served from the cache; a reverse proxy serves
//! HTTPS with HTTP/2 or HTTP/1.1 by ALPN (curl, h2load); a request
//! that loops back to the proxy is answered 508 at once; and the Via sent
//! on names the protocol each request arrived over.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use l7_interop::*;

/// nginx in the foreground, logging `METHOD URI STATUS` per request.
struct Origin {
    dir: Scratch,
    _server: Server,
    port: u16,
}

/// The body of the slow object (40 KiB sent at 8 KiB/s: about 5 s).
fn slow_body() -> String {
    "a slow object's line\n".repeat(2000)
}

fn origin() -> Origin {
    let dir = Scratch::new(&format!("proxy-origin-{}", free_port()));
    let port = free_port();
    let www = dir.join("www");
    for sub in ["slow", "swr", "flood", "private"] {
        std::fs::create_dir_all(www.join(sub)).unwrap();
    }
    std::fs::write(www.join("slow/o.txt"), slow_body()).unwrap();
    std::fs::write(www.join("swr/o.txt"), "swr object\n").unwrap();
    std::fs::write(www.join("a.txt"), "0123456789abcdefghij\n").unwrap();
    std::fs::write(www.join("private/o.txt"), "alice's page\n").unwrap();
    std::fs::write(www.join("blob.bin"), pseudo_random(20_000, 7)).unwrap();
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    let d = dir.0.display();
    let conf = format!(
        r#"
daemon off;
# No master: the Server's SIGKILL at the end of a test then leaves no
# orphaned worker behind.
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 256; }}
http {{
  log_format counts '$request_method $request_uri $status';
  access_log {d}/access.log counts;
  client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;
  uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;
  types {{ text/plain txt; application/octet-stream bin; }}
  server {{
    listen 127.0.0.1:{port};
    root {d}/www;
    location /slow/ {{ limit_rate 8k; expires 1h; }}
    location /swr/ {{ add_header Cache-Control "max-age=1, stale-while-revalidate=600"; }}
    location /flood/ {{ expires 1h; try_files /blob.bin =404; }}
    location /private/ {{ add_header Cache-Control "private, max-age=3600"; }}
    location = /host {{ add_header Cache-Control "max-age=3600"; return 200 "links to $http_x_forwarded_host\n"; }}
    location = /via {{ add_header Cache-Control "no-store"; return 200 "$http_via\n"; }}
    location / {{ expires 1h; }}
  }}
}}
"#
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let server = Server::command(
        tool("nginx").args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")]),
        SocketAddr::from(([127, 0, 0, 1], port)),
        false,
    );
    Origin {
        dir,
        _server: server,
        port,
    }
}

impl Origin {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The access log lines for `path`, as `STATUS`es.
    fn hits(&self, path: &str) -> Vec<String> {
        let log = std::fs::read_to_string(self.dir.join("access.log")).unwrap_or_default();
        log.lines()
            .filter_map(|l| l.strip_prefix(&format!("GET {path} ")))
            .map(str::to_string)
            .collect()
    }
}

/// `l7 proxy` in forward mode with its store in `cache`.
fn proxy(cache: &Path, extra: &[&str]) -> Server {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec![
        "proxy",
        "--listen",
        &listen,
        "--cache-dir",
        cache.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    Server::l7(&args, SocketAddr::from(([127, 0, 0, 1], port)), false)
}

/// curl through the proxy: the head and body as text.
fn curl_via(p: &Server, args: &[&str]) -> String {
    stdout(
        &tool("curl")
            .args(["-s", "-i", "--max-time", "60", "-x"])
            .arg(format!("http://{}", p.addr))
            .args(args)
            .output()
            .unwrap(),
    )
}

fn x_cache(response: &str) -> &str {
    response
        .lines()
        .find_map(|l| l.strip_prefix("X-Cache: "))
        .unwrap_or("none")
}

#[test]
fn concurrent_misses_make_one_origin_request() {
    let o = origin();
    let store = o.dir.join("store");
    let p = proxy(&store, &[]);
    let url = o.url("/slow/o.txt");
    let curls: Vec<_> = (0..8)
        .map(|_| {
            tool("curl")
                .args(["-s", "-i", "--max-time", "120", "-x"])
                .arg(format!("http://{}", p.addr))
                .arg(&url)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut outcomes: Vec<String> = Vec::new();
    for c in curls {
        let out = stdout(&c.wait_with_output().unwrap());
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        assert!(out.ends_with(&slow_body()), "a client got a partial body");
        outcomes.push(x_cache(&out).to_string());
    }
    outcomes.sort();
    assert_eq!(o.hits("/slow/o.txt"), ["200"], "the origin saw one request");
    assert_eq!(
        outcomes.iter().filter(|x| *x == "MISS").count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.iter().filter(|x| *x == "HIT").count(),
        7,
        "{outcomes:?}"
    );
}

#[test]
fn stale_while_revalidate_answers_stale_and_revalidates_in_the_background() {
    let o = origin();
    let p = proxy(&o.dir.join("store"), &[]);
    let url = o.url("/swr/o.txt");
    assert_eq!(x_cache(&curl_via(&p, &[&url])), "MISS");
    // max-age=1: after two seconds the stored response is stale, inside the
    // 600 s stale-while-revalidate window.
    std::thread::sleep(Duration::from_millis(2200));
    for _ in 0..3 {
        let stale = curl_via(&p, &[&url]);
        assert!(stale.ends_with("swr object\n"), "{stale}");
        assert!(
            ["STALE", "HIT"].contains(&x_cache(&stale)),
            "answered at once from the store: {stale}"
        );
    }
    // Background revalidations, conditional, answered 304 by nginx (the
    // freshened response is fresh for a second only, so a slow machine may
    // see one per request, never more).
    let deadline = Instant::now() + Duration::from_secs(30);
    while o.hits("/swr/o.txt").len() < 2 {
        assert!(Instant::now() < deadline, "no background revalidation");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    let seen = o.hits("/swr/o.txt");
    assert_eq!(seen[0], "200");
    assert!(
        seen.len() <= 4 && seen[1..].iter().all(|s| s == "304"),
        "{seen:?}"
    );
}

#[test]
fn ranges_are_served_from_the_stored_response() {
    let o = origin();
    let p = proxy(&o.dir.join("store"), &[]);
    let url = o.url("/a.txt");
    assert_eq!(x_cache(&curl_via(&p, &[&url])), "MISS");
    let one = curl_via(&p, &["-r", "2-5", &url]);
    assert!(one.starts_with("HTTP/1.1 206"), "{one}");
    assert!(one.contains("Content-Range: bytes 2-5/21"), "{one}");
    assert!(one.ends_with("\r\n\r\n2345"), "{one}");
    assert_eq!(x_cache(&one), "HIT");
    let two = curl_via(&p, &["-r", "0-1,-3", &url]);
    assert!(two.starts_with("HTTP/1.1 206"), "{two}");
    assert!(two.contains("multipart/byteranges"), "{two}");
    assert!(
        two.contains("Content-Range: bytes 0-1/21\r\n\r\n01\r\n"),
        "{two}"
    );
    assert!(
        two.contains("Content-Range: bytes 18-20/21\r\n\r\nij\n\r\n"),
        "{two}"
    );
    let none = curl_via(&p, &["-r", "100-", &url]);
    assert!(none.starts_with("HTTP/1.1 416"), "{none}");
    // An If-Range that no longer matches gets the whole response.
    let whole = curl_via(&p, &["-r", "0-1", "-H", "If-Range: \"other\"", &url]);
    assert!(whole.starts_with("HTTP/1.1 200"), "{whole}");
    assert!(whole.ends_with("0123456789abcdefghij\n"), "{whole}");
    assert_eq!(o.hits("/a.txt"), ["200"], "every range came from the store");
}

/// A curl config that fetches each of `paths` from the origin into `out`
/// (numbered files), or nowhere.
fn curl_config(o: &Origin, paths: &[String], out: Option<&Path>) -> String {
    paths
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let to = out.map_or("/dev/null".into(), |d| d.join(i.to_string()));
            format!("url = \"{}\"\noutput = \"{}\"\n", o.url(path), to.display())
        })
        .collect()
}

fn curl_many(p: &Server, config: &str, dir: &Path) -> std::process::Output {
    let file = dir.join(format!("curl-{}.conf", free_port()));
    std::fs::write(&file, config).unwrap();
    tool("curl")
        .args(["-s", "--max-time", "120", "-x"])
        .arg(format!("http://{}", p.addr))
        .arg("-K")
        .arg(&file)
        .output()
        .unwrap()
}

#[test]
fn kill_9_during_writes_leaves_a_store_without_torn_objects() {
    let o = origin();
    let store = o.dir.join("store");
    let blob = pseudo_random(20_000, 7);
    let mut p = proxy(&store, &[]);
    // Five objects stored before the crash.
    let warm: Vec<String> = (0..5).map(|i| format!("/flood/warm{i}")).collect();
    let out = o.dir.join("warm");
    std::fs::create_dir_all(&out).unwrap();
    assert!(
        curl_many(&p, &curl_config(&o, &warm, Some(&out)), &o.dir.0)
            .status
            .success()
    );
    // Four clients write new objects as fast as they can; kill -9 mid-way.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let paths: Vec<String> = (0..2000).map(|i| format!("/flood/w{w}-{i}")).collect();
            let file = o.dir.join(&format!("writer{w}.conf"));
            std::fs::write(&file, curl_config(&o, &paths, None)).unwrap();
            tool("curl")
                .args(["-s", "--max-time", "120", "-x"])
                .arg(format!("http://{}", p.addr))
                .arg("-K")
                .arg(&file)
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while count_lines(&o, "/flood/w") < 60 {
        assert!(Instant::now() < deadline, "the writers made no progress");
        std::thread::sleep(Duration::from_millis(50));
    }
    p.child.kill().unwrap();
    p.child.wait().unwrap();
    for mut w in writers {
        let _ = w.wait();
    }
    // The store loads; every object it serves is whole.
    let p = proxy(&store, &[]);
    let stored: Vec<String> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        stored.iter().all(|n| n.ends_with(".entry")),
        "temporary files were cleaned up: {stored:?}"
    );
    let mut paths = warm.clone();
    paths.extend((0..4).flat_map(|w| (0..40).map(move |i| format!("/flood/w{w}-{i}"))));
    let out = o.dir.join("after");
    std::fs::create_dir_all(&out).unwrap();
    assert!(
        curl_many(&p, &curl_config(&o, &paths, Some(&out)), &o.dir.0)
            .status
            .success()
    );
    for (i, path) in paths.iter().enumerate() {
        let got = std::fs::read(out.join(i.to_string())).unwrap();
        assert!(got == blob, "{path} came back torn ({} bytes)", got.len());
    }
    let status = stdout(
        &tool("curl")
            .args(["-s", &format!("http://{}/l7-proxy-status", p.addr)])
            .output()
            .unwrap(),
    );
    let hits: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("hits "))
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        hits >= 5,
        "the objects stored before the crash are hits: {status}"
    );
}

/// Log lines of requests whose URI starts with `prefix`.
fn count_lines(o: &Origin, prefix: &str) -> usize {
    let log = std::fs::read_to_string(o.dir.join("access.log")).unwrap_or_default();
    log.lines()
        .filter(|l| l.starts_with(&format!("GET {prefix}")))
        .count()
}

#[test]
fn a_flood_of_distinct_urls_keeps_the_store_within_max_size() {
    let o = origin();
    let store = o.dir.join("store");
    let p = proxy(&store, &["--max-size", "1MiB"]);
    let paths: Vec<String> = (0..400).map(|i| format!("/flood/f{i}")).collect();
    let out = o.dir.join("flood");
    std::fs::create_dir_all(&out).unwrap();
    let got = curl_many(&p, &curl_config(&o, &paths, Some(&out)), &o.dir.0);
    assert!(got.status.success(), "{}", stderr(&got));
    assert_eq!(count_lines(&o, "/flood/f"), 400);
    let on_disk: u64 = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(on_disk <= 1 << 20, "{on_disk} bytes on disk");
    assert!(on_disk > 512 << 10, "the store holds what fits: {on_disk}");
    assert!(p.rss_kib() < 200_000, "memory bounded: {} KiB", p.rss_kib());
}

#[test]
fn chromium_loads_a_page_twice_through_the_proxy_the_second_time_from_the_cache() {
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/node/node_modules");
    assert!(
        modules.join("playwright-core").exists(),
        "playwright-core is not installed in .tools/node: run scripts/install-peers"
    );
    let dir = Scratch::new(&format!("proxy-chromium-{}", free_port()));
    // The page's files a day old, so their heuristic freshness is hours.
    let site = dir.join("site");
    let src =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../worlds/textbook/web/www.someschool.edu");
    assert!(
        tool("cp")
            .arg("-r")
            .arg(&src)
            .arg(&site)
            .status()
            .unwrap()
            .success()
    );
    let touched = tool("find")
        .arg(&site)
        .args(["-exec", "touch", "-d", "1 day ago", "{}", "+"])
        .status()
        .unwrap();
    assert!(touched.success());
    let port = free_port();
    let _origin = http_serve(&site, port, &[]);
    let p = proxy(&dir.join("store"), &[]);
    let _ = tool("chromium");
    let base = format!("http://127.0.0.1:{port}/someDepartment/");
    let load = |profile: &str| -> serde_json::Value {
        let o = tool("node")
            .env("NODE_PATH", &modules)
            .arg(peer_script("chromium-page.js"))
            .arg(format!("{base}home.index"))
            .arg(dir.join(profile))
            .arg(dir.join(&format!("{profile}.png")))
            .arg(format!("http://{}", p.addr))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
        serde_json::from_str(stdout(&o).trim()).unwrap()
    };
    let objects = |report: &serde_json::Value| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = report["responses"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == 200)
            .filter_map(|r| {
                let name = r["url"].as_str()?.strip_prefix(&base)?.to_string();
                Some((name, r["x_cache"].as_str().unwrap_or("none").to_string()))
            })
            .collect();
        v.sort();
        v
    };
    let first = load("first");
    assert_eq!(objects(&first).len(), 11, "{first}");
    // A fresh browser profile: nothing in Chromium's own cache.
    let second = load("second");
    let got = objects(&second);
    assert_eq!(got.len(), 11, "{second}");
    for (name, x) in &got {
        assert_eq!(x, "HIT", "{name} on the second load: {second}");
    }
    let colours = second["colours"].as_u64().unwrap();
    assert!(
        colours > 100,
        "the screenshot looks blank: {colours} colours"
    );
}

#[test]
fn clients_speak_http2_with_prior_knowledge() {
    let o = origin();
    let p = proxy(&o.dir.join("store"), &["--origin", &o.url("")]);
    let url = format!("http://{}/a.txt", p.addr);
    let curl_h2 = |extra: &[&str]| {
        stdout(
            &tool("curl")
                .args(["-s", "-i", "--max-time", "60", "--http2-prior-knowledge"])
                .args(extra)
                .arg(&url)
                .output()
                .unwrap(),
        )
    };
    let first = curl_h2(&[]);
    assert!(first.starts_with("HTTP/2 200"), "{first}");
    assert!(first.contains("x-cache: MISS"), "{first}");
    assert!(first.ends_with("0123456789abcdefghij\n"), "{first}");
    let range = curl_h2(&["-r", "0-3"]);
    assert!(range.starts_with("HTTP/2 206"), "{range}");
    assert!(range.contains("x-cache: HIT"), "{range}");
    assert!(range.ends_with("\r\n\r\n0123"), "{range}");
    // h2load: 4 connections, 10 concurrent streams each, every one answered.
    let out = tool("h2load")
        .args(["-n", "400", "-c", "4", "-m", "10", &url])
        .output()
        .unwrap();
    let report = stdout(&out);
    assert!(
        report.contains("400 succeeded, 0 failed, 0 errored"),
        "{report}"
    );
    assert!(report.contains("status codes: 400 2xx"), "{report}");
    assert_eq!(o.hits("/a.txt"), ["200"], "one origin request in all");
}

#[test]
fn one_client_cannot_poison_or_read_another_clients_answers() {
    let o = origin();
    let p = proxy(&o.dir.join("store"), &[]);
    // A response to a request with Authorization is not reused.
    let url = o.url("/a.txt");
    let auth = curl_via(&p, &["-H", "Authorization: Basic YWxpY2U6cw==", &url]);
    assert_eq!(x_cache(&auth), "MISS");
    assert_eq!(x_cache(&curl_via(&p, &[&url])), "MISS");
    assert_eq!(o.hits("/a.txt").len(), 2);
    // Nor is a private one.
    let private = o.url("/private/o.txt");
    assert_eq!(x_cache(&curl_via(&p, &[&private])), "MISS");
    assert_eq!(x_cache(&curl_via(&p, &[&private])), "MISS");
    // An unkeyed X-Forwarded-Host never reaches the origin, so the stored
    // answer is the one every client would get.
    let host = o.url("/host");
    let evil = curl_via(&p, &["-H", "X-Forwarded-Host: evil.example", &host]);
    assert!(!evil.contains("evil"), "{evil}");
    let next = curl_via(&p, &[&host]);
    assert_eq!(x_cache(&next), "HIT");
    assert!(next.ends_with("links to \n"), "{next}");
    // The Host is part of the key: another name is another entry.
    let other = format!("http://localhost:{}/a.txt", o.port);
    assert_eq!(x_cache(&curl_via(&p, &[&other])), "MISS");
}

#[test]
fn a_reverse_proxy_serves_https_with_http2_or_http11_by_alpn() {
    let o = origin();
    let (cert, key) = self_signed_cert(&o.dir, "cdn-stl.kingcdn.com");
    let (c, k) = (cert.display().to_string(), key.display().to_string());
    let origin_url = o.url("");
    let p = proxy(
        &o.dir.join("store"),
        &["--origin", &origin_url, "--tls-cert", &c, "--tls-key", &k],
    );
    let port = p.addr.port();
    let resolve = format!("cdn-stl.kingcdn.com:{port}:127.0.0.1");
    let url = format!("https://cdn-stl.kingcdn.com:{port}/blob.bin");
    let body = o.dir.join("blob.out");
    let curl = |version: &str| {
        let out = tool("curl")
            .args(["-s", "-D", "-", "--max-time", "60", version])
            .args(["--cacert", &c, "--resolve", &resolve, "-o"])
            .arg(&body)
            .arg(&url)
            .output()
            .unwrap();
        assert!(out.status.success(), "curl {version}: {}", stderr(&out));
        assert_eq!(std::fs::read(&body).unwrap(), pseudo_random(20_000, 7));
        stdout(&out)
    };
    let first = curl("--http2");
    assert!(first.starts_with("HTTP/2 200"), "{first}");
    assert!(first.contains("x-cache: MISS"), "{first}");
    let second = curl("--http2");
    assert!(second.starts_with("HTTP/2 200"), "{second}");
    assert!(second.contains("x-cache: HIT"), "{second}");
    let old = curl("--http1.1");
    assert!(old.starts_with("HTTP/1.1 200"), "{old}");
    assert!(old.contains("X-Cache: HIT"), "{old}");
    assert_eq!(o.hits("/blob.bin"), ["200"], "one origin request in all");
    // h2load over TLS (ALPN h2): 2 connections, 10 concurrent streams each.
    let out = tool("h2load")
        .args(["-n", "200", "-c", "2", "-m", "10"])
        .arg(format!("https://127.0.0.1:{port}/a.txt"))
        .output()
        .unwrap();
    let report = stdout(&out);
    assert!(report.contains("Application protocol: h2"), "{report}");
    assert!(
        report.contains("200 succeeded, 0 failed, 0 errored"),
        "{report}"
    );
    assert_eq!(o.hits("/a.txt"), ["200"]);
    // Without trusting the certificate, curl refuses: the TLS is real.
    let untrusted = tool("curl")
        .args(["-s", "--resolve", &resolve, &url])
        .output()
        .unwrap();
    assert_eq!(untrusted.status.code(), Some(60), "certificate problem");
}

#[test]
fn a_request_back_to_the_proxy_itself_is_refused_at_once() {
    let o = origin();
    let p = proxy(&o.dir.join("store"), &[]);
    let port = p.addr.port();
    // Its own address, and a name for it: the second goes round once and
    // comes back with the proxy's own pseudonym in Via.
    for host in ["127.0.0.1", "localhost"] {
        let looped = curl_via(&p, &[&format!("http://{host}:{port}/x")]);
        assert!(looped.starts_with("HTTP/1.1 508"), "{host}: {looped}");
        assert!(looped.contains("proxy loop"), "{looped}");
    }
    // A CONNECT tunnel to itself (its port allowed for tunnels) is refused.
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let store = o.dir.join("tunnels");
    let t = Server::l7(
        &[
            "proxy",
            "--listen",
            &listen,
            "--cache-dir",
            store.to_str().unwrap(),
            "--connect-port",
            &port.to_string(),
        ],
        SocketAddr::from(([127, 0, 0, 1], port)),
        false,
    );
    let out = tool("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_connect}",
            "--max-time",
            "60",
        ])
        .args(["-p", "-x", &format!("http://{}", t.addr)])
        .arg(format!("http://127.0.0.1:{port}/"))
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "508", "{}", stderr(&out));
    // Another l7 proxy behind it (another pseudonym in Via) is no loop.
    let behind = proxy(&o.dir.join("behind"), &["--origin", &o.url("")]);
    let through = curl_via(&p, &[&format!("http://{}/a.txt", behind.addr)]);
    assert!(through.starts_with("HTTP/1.1 200"), "{through}");
    assert!(through.ends_with("0123456789abcdefghij\n"), "{through}");
    let vias: Vec<&str> = through
        .lines()
        .filter_map(|l| l.strip_prefix("Via: 1.1 l7-"))
        .collect();
    assert_eq!(vias.len(), 2, "{through}");
    assert_ne!(vias[0], vias[1], "two proxies, two pseudonyms");
}

#[test]
fn via_names_the_protocol_each_request_arrived_over() {
    let o = origin();
    // RFC 9110 §7.6.3: received-protocol is the client's version, "HTTP/" omitted.
    let forward = proxy(&o.dir.join("forward"), &[]);
    for (flag, version) in [("--http1.0", "1.0"), ("--http1.1", "1.1")] {
        let answer = curl_via(&forward, &[flag, &o.url("/via")]);
        let via = answer.lines().last().unwrap_or_default();
        assert!(
            via.starts_with(&format!("{version} l7-")),
            "{flag}: {answer}"
        );
    }
    let reverse = proxy(&o.dir.join("reverse"), &["--origin", &o.url("")]);
    let out = tool("curl")
        .args(["-s", "--max-time", "60", "--http2-prior-knowledge"])
        .arg(format!("http://{}/via", reverse.addr))
        .output()
        .unwrap();
    assert!(stdout(&out).starts_with("2 l7-"), "{}", stderr(&out));
}
