//! dash.js (npm `dashjs` 5.x) in headless Chromium (Debian's package,
//! driven by playwright-core) plays what `l7 dash package` made for up to
//! 60 s, first from `l7 dash serve`, then through a CDN edge (`l7 proxy`
//! in reverse mode in front of that origin): each time playback advances,
//! dash.js reports no error, and on an unshaped loopback link it rises
//! above the lowest quality (read from its QUALITY_CHANGE_RENDERED and
//! FRAGMENT_LOADING_COMPLETED events). Asked again, the edge answers the
//! segments dash.js played from its cache (X-Cache: HIT).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use l7_interop::*;

/// The npm modules scripts/install-peers put in .tools/node.
fn node_modules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/node/node_modules")
}

/// dash.js in Chromium on `page` for at most 60 s: the report of
/// peers/dashjs-play.js, checked for an error-free playback that advanced
/// and climbed above the lowest rung (235 kbit/s).
fn play_and_check(page: &str, profile: &Path) -> serde_json::Value {
    let o = tool("node")
        .env("NODE_PATH", node_modules())
        .arg(peer_script("dashjs-play.js"))
        .arg(page)
        .arg(profile)
        .arg("60")
        .output()
        .unwrap();
    assert!(o.status.success(), "{page}: {}{}", stdout(&o), stderr(&o));
    let report: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(report["errors"], serde_json::json!([]), "{page}: {report}");
    let position = report["currentTime"].as_f64().unwrap();
    assert!(
        position > 5.0,
        "{page}: playback advanced only to {position} s: {report}"
    );
    assert!(
        report["segments"].as_u64().unwrap() >= 3,
        "{page}: {report}"
    );
    let top = report["qualities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|q| q["bandwidth"].as_u64())
        .max()
        .unwrap_or(0);
    assert!(
        top > 235_000,
        "{page}: dash.js never rose above the lowest quality: {report}"
    );
    report
}

#[test]
fn dash_js_plays_from_the_origin_and_through_a_cdn_edge() {
    let dashjs = node_modules().join("dashjs/dist/modern/umd/dash.all.min.js");
    assert!(
        node_modules().join("playwright-core").exists() && dashjs.exists(),
        "playwright-core and dashjs are not installed in .tools/node: run scripts/install-peers"
    );
    let scratch = Scratch::new(&format!("dash-browser-{}", free_port()));
    let root = scratch.join("video");
    dash_package(&root, "20s", "235k,750k,1750k");
    std::fs::copy(&dashjs, root.join("dash.all.min.js")).unwrap();
    std::fs::copy(peer_script("dashjs-player.html"), root.join("player.html")).unwrap();
    let _ = tool("chromium");

    // From the origin.
    let port = free_port();
    let _origin = dash_serve(&root, port, &[]);
    let origin = format!("http://127.0.0.1:{port}");
    play_and_check(
        &format!("{origin}/player.html?mpd=manifest.mpd"),
        &scratch.join("profile-origin"),
    );

    // Through an edge: a reverse caching proxy in front of the origin.
    let edge_port = free_port();
    let edge_listen = format!("127.0.0.1:{edge_port}");
    let cache_dir = scratch.join("edge-cache").display().to_string();
    let _edge = Server::l7(
        &[
            "proxy",
            "--listen",
            &edge_listen,
            "--origin",
            &origin,
            "--cache-dir",
            &cache_dir,
        ],
        SocketAddr::from(([127, 0, 0, 1], edge_port)),
        false,
    );
    let report = play_and_check(
        &format!("http://{edge_listen}/player.html?mpd=manifest.mpd"),
        &scratch.join("profile-edge"),
    );

    // A second pass over what dash.js played: the edge serves it from its cache.
    let urls = report["segment_urls"].as_array().unwrap();
    assert!(!urls.is_empty(), "{report}");
    for url in urls {
        let url = url.as_str().unwrap();
        assert!(
            url.contains(&edge_listen),
            "{url} did not go through the edge"
        );
        assert_eq!(x_cache(url, &[]), "HIT", "{url}");
    }
}
