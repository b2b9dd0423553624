//! `l7 proxy` (reverse-proxy mode) against the HTTP caching conformance
//! suite, npm package `http-cache-tests` (installed by scripts/install-peers
//! into .tools/node): its origin server runs with `npm run server`, its
//! client with `npm run cli --base=PROXY`. Prints the pass counts and fails
//! if a required test listed in data/http-cache-tests-required-passing.txt
//! (the ones that passed when the list was made) fails now.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

use l7_interop::*;

fn package() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../.tools/node/node_modules/http-cache-tests");
    assert!(
        dir.join("package.json").exists(),
        "http-cache-tests is not installed: run scripts/install-peers"
    );
    dir
}

/// The suite's origin server, stopped through the pid file it writes.
struct Origin(PathBuf);

impl Drop for Origin {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.0.join("server.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

#[test]
fn http_cache_tests_required_results_do_not_regress() {
    let pkg = package();
    let origin_port = free_port();
    let status = tool("npm")
        .args(["run", "server", &format!("--port={origin_port}")])
        .current_dir(&pkg)
        .status()
        .unwrap();
    assert!(status.success());
    let _origin = Origin(pkg.clone());
    let origin = SocketAddr::from(([127, 0, 0, 1], origin_port));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(origin).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the suite's server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let cache = Scratch::new(&format!("hct-{origin_port}"));
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let _proxy = Server::l7(
        &[
            "proxy",
            "--listen",
            &listen,
            "--cache-dir",
            cache.join("store").to_str().unwrap(),
            "--origin",
            &format!("http://{origin}"),
        ],
        SocketAddr::from(([127, 0, 0, 1], port)),
        false,
    );
    let out = tool("npm")
        .args(["run", "--silent", "cli", &format!("--base=http://{listen}")])
        .current_dir(&pkg)
        .output()
        .unwrap();
    let results: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("suite output is not JSON ({e}): {}", stderr(&out)));
    let passed = |id: &str| results.get(id) == Some(&serde_json::Value::Bool(true));
    let total = results.as_object().map_or(0, |o| o.len());
    let all_passed = results.as_object().map_or(0, |o| {
        o.values().filter(|v| v.as_bool() == Some(true)).count()
    });
    let listed = include_str!("../data/http-cache-tests-required-passing.txt");
    let required: Vec<&str> = listed.lines().filter(|l| !l.is_empty()).collect();
    let regressed: Vec<&&str> = required.iter().filter(|id| !passed(id)).collect();
    println!(
        "http-cache-tests: {all_passed} of {total} tests pass; {} of {} listed required tests pass",
        required.len() - regressed.len(),
        required.len()
    );
    assert!(
        regressed.is_empty(),
        "required tests that passed before fail now: {regressed:?}"
    );
}
