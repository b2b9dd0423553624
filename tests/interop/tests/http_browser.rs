//! Headless Chromium (Debian's package, driven by playwright-core from npm)
//! loads www.someschool.edu's someDepartment/home.index from `l7 http
//! serve`: the base file and all 10 JPEGs arrive with 200, every image
//! decodes at its size, and the screenshot is not blank.

use std::path::Path;

use l7_interop::*;

#[test]
fn chromium_loads_the_ten_image_page() {
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/node/node_modules");
    assert!(
        modules.join("playwright-core").exists(),
        "playwright-core is not installed in .tools/node: run scripts/install-peers"
    );
    let site =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../worlds/textbook/web/www.someschool.edu");
    let dir = Scratch::new(&format!("chromium-{}", free_port()));
    let port = free_port();
    let _server = http_serve(&site, port, &[]);
    let _ = tool("chromium");
    let base = format!("http://127.0.0.1:{port}/someDepartment/");
    let o = tool("node")
        .env("NODE_PATH", &modules)
        .arg(peer_script("chromium-page.js"))
        .arg(format!("{base}home.index"))
        .arg(dir.join("profile"))
        .arg(dir.join("shot.png"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let report: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let mut arrived: Vec<String> = report["responses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == 200)
        .filter_map(|r| r["url"].as_str()?.strip_prefix(&base).map(str::to_string))
        .collect();
    arrived.sort();
    let mut want: Vec<String> = (1..=10).map(|n| format!("pic{n}.jpg")).collect();
    want.push("home.index".into());
    want.sort();
    assert_eq!(arrived, want, "every object arrived with 200: {report}");
    let images = report["images"].as_array().unwrap();
    assert_eq!(images.len(), 10);
    for img in images {
        assert_eq!(
            (img["width"].as_u64(), img["height"].as_u64()),
            (Some(160), Some(120)),
            "{img}"
        );
    }
    // A blank page has one colour; ten gradients have hundreds.
    let colours = report["colours"].as_u64().unwrap();
    assert!(
        colours > 100,
        "the screenshot looks blank: {colours} colours"
    );
}
