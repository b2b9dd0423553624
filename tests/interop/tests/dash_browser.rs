//! dash.js (npm `dashjs` 5.x) in headless Chromium (Debian's package,
//! driven by playwright-core) plays what `l7 dash package` made, from `l7
//! dash serve`, for up to 60 s: playback advances, dash.js reports no
//! error, and on an unshaped loopback link it rises above the lowest
//! quality (read from its QUALITY_CHANGE_RENDERED and
//! FRAGMENT_LOADING_COMPLETED events).

use std::path::Path;

use l7_interop::*;

#[test]
fn dash_js_plays_the_origin_s_video_and_climbs_the_ladder() {
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/node/node_modules");
    let dashjs = modules.join("dashjs/dist/modern/umd/dash.all.min.js");
    assert!(
        modules.join("playwright-core").exists() && dashjs.exists(),
        "playwright-core and dashjs are not installed in .tools/node: run scripts/install-peers"
    );
    let scratch = Scratch::new(&format!("dash-browser-{}", free_port()));
    let root = scratch.join("video");
    dash_package(&root, "20s", "235k,750k,1750k");
    std::fs::copy(&dashjs, root.join("dash.all.min.js")).unwrap();
    std::fs::copy(peer_script("dashjs-player.html"), root.join("player.html")).unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let _origin = dash_serve(&root, port, &[]);
    let _ = tool("chromium");
    let o = tool("node")
        .env("NODE_PATH", &modules)
        .arg(peer_script("dashjs-play.js"))
        .arg(format!("http://{listen}/player.html?mpd=manifest.mpd"))
        .arg(scratch.join("profile"))
        .arg("60")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let report: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
    let position = report["currentTime"].as_f64().unwrap();
    assert!(
        position > 5.0,
        "playback advanced only to {position} s: {report}"
    );
    assert!(report["segments"].as_u64().unwrap() >= 3, "{report}");
    let top = report["qualities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|q| q["bandwidth"].as_u64())
        .max()
        .unwrap_or(0);
    assert!(
        top > 235_000,
        "dash.js never rose above the lowest quality: {report}"
    );
}
