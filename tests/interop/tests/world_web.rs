//! The world's web hosts under `l7 up`: www.someschool.edu serves
//! someDepartment/home.index and its 10 JPEGs, gaia.cs.umass.edu the HTTP
//! lab's pages and the cookie demo shop, over HTTP and over HTTPS with
//! certificates from the world's CA (curl --cacert with the CA the state
//! file names; HTTP/2 by ALPN).

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use l7_interop::*;

/// The plain and TLS ports of `host`'s web services, from the state file.
fn web_ports(state: &serde_json::Value, host: &str) -> (u16, u16) {
    let h = state["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == host)
        .unwrap();
    let mut ports: Vec<u16> = h["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["role"] == "web")
        .map(|s| {
            assert!(s["error"].is_null(), "{host}: {s}");
            s["port"].as_u64().unwrap() as u16
        })
        .collect();
    ports.sort_unstable();
    // 80 and 443, or both moved by the same offset: the smaller is HTTP.
    assert_eq!(ports.len(), 2, "{host} runs HTTP and HTTPS: {h}");
    (ports[0], ports[1])
}

#[test]
fn world_web_hosts_serve_the_course_pages_over_http_and_https() {
    let dir = Scratch::new("world-web");
    let state_path = dir.join("world.json");
    let child = Command::new(l7_bin())
        .args([
            "up",
            "--state",
            state_path.to_str().unwrap(),
            "--data",
            dir.join("data").to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let echo: SocketAddr = "127.0.50.1:12000".parse().unwrap();
    let _up = Server::from_child(child, echo, false);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !state_path.exists() {
        assert!(Instant::now() < deadline, "no state file");
        std::thread::sleep(Duration::from_millis(20));
    }
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    let ca = state["ca_cert"]
        .as_str()
        .expect("the state file names the world CA")
        .to_string();
    let curl = |host: &str, addr: &str, port: u16, url: &str, extra: &[&str]| {
        let resolve = format!("{host}:{port}:{addr}");
        let o = tool("curl")
            .args([
                "-sS",
                "--max-time",
                "20",
                "--cacert",
                &ca,
                "--resolve",
                &resolve,
            ])
            .args(extra)
            .arg(url)
            .output()
            .unwrap();
        assert!(o.status.success(), "curl {url}: {}", stderr(&o));
        stdout(&o)
    };

    let school = ("www.someschool.edu", "127.0.10.1");
    let (http, https) = web_ports(&state, school.0);
    for (scheme, port) in [("http", http), ("https", https)] {
        let base = format!("{scheme}://{}:{port}/someDepartment/", school.0);
        let page = curl(school.0, school.1, port, &format!("{base}home.index"), &[]);
        assert!(
            page.contains("<h1>Welcome to someDepartment</h1>"),
            "{page}"
        );
        for n in 1..=10 {
            let url = format!("{base}pic{n}.jpg");
            let got = curl(
                school.0,
                school.1,
                port,
                &url,
                &[
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code} %{content_type} %{http_version}",
                ],
            );
            let version = if scheme == "https" { "2" } else { "1.1" };
            assert_eq!(got, format!("200 image/jpeg {version}"), "{url}");
        }
    }

    let gaia = ("gaia.cs.umass.edu", "127.119.245.12");
    let (http, https) = web_ports(&state, gaia.0);
    let lab = curl(
        gaia.0,
        gaia.1,
        http,
        &format!(
            "http://{}:{http}/wireshark-labs/HTTP-wireshark-file1.html",
            gaia.0
        ),
        &[],
    );
    assert!(lab.contains("Congratulations."), "{lab}");
    // The shop over HTTPS remembers the visitor through curl's cookie jar.
    let jar = dir.join("jar.txt").display().to_string();
    let shop = format!("https://{}:{https}/shop", gaia.0);
    let first = curl(gaia.0, gaia.1, https, &shop, &["-c", &jar, "-b", &jar]);
    assert!(first.contains("You are new here"), "{first}");
    let again = curl(gaia.0, gaia.1, https, &shop, &["-c", &jar, "-b", &jar]);
    assert!(again.contains("Welcome back, visitor"), "{again}");
    // Without the world's CA the certificate is refused: the TLS is real.
    let o = tool("curl")
        .args([
            "-sS",
            "--resolve",
            &format!("{}:{https}:{}", gaia.0, gaia.1),
            &shop,
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(60),
        "curl exit 60: certificate problem"
    );
}
