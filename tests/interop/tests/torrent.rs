//! `l7 torrent` with real BitTorrent tools: torrents made by mktorrent load
//! in l7 with the same info-hash, and torrents made by l7 load in aria2 and
//! transmission-show with the same info-hash (and match mktorrent's bit for
//! bit in the info dictionary).

use std::path::Path;

use l7_interop::*;

/// Deterministic, incompressible-looking bytes.
fn sample(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_add(seed).wrapping_mul(2654435761) >> 13) as u8)
        .collect()
}

/// A directory with nested files, an empty one included.
fn sample_tree(root: &Path) {
    std::fs::create_dir_all(root.join("sub/deeper")).unwrap();
    std::fs::write(root.join("a.bin"), sample(300_000, 1)).unwrap();
    std::fs::write(root.join("sub/b.txt"), sample(5_000, 2)).unwrap();
    std::fs::write(root.join("sub/deeper/c.bin"), sample(700_001, 3)).unwrap();
    std::fs::write(root.join("sub/empty"), b"").unwrap();
}

fn l7_show(torrent: &Path) -> serde_json::Value {
    let out = l7(&["torrent", "show", "--json", torrent.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("JSON from l7 torrent show")
}

fn l7_create(path: &Path, torrent: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "torrent",
        "create",
        "--json",
        path.to_str().unwrap(),
        "-o",
        torrent.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = l7(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["info_hash"].as_str().unwrap().to_string()
}

/// The info-hash aria2 computes (`aria2c -S`).
fn aria2_hash(torrent: &Path) -> String {
    let out = tool("aria2c").arg("-S").arg(torrent).output().unwrap();
    assert!(out.status.success(), "{}", stdout(&out));
    let text = stdout(&out);
    text.lines()
        .find_map(|l| l.strip_prefix("Info Hash: "))
        .unwrap_or_else(|| panic!("no Info Hash in aria2c -S output:\n{text}"))
        .trim()
        .to_lowercase()
}

/// The info-hash Transmission computes (`transmission-show`).
fn transmission_hash(torrent: &Path) -> String {
    let out = tool("transmission-show").arg(torrent).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Hash: "))
        .unwrap_or_else(|| panic!("no Hash in transmission-show output:\n{text}"))
        .trim()
        .to_lowercase()
}

fn mktorrent(path: &Path, torrent: &Path, announce: &str) {
    let out = tool("mktorrent")
        .args(["-l", "18", "-a", announce, "-o"])
        .arg(torrent)
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

fn same_hash_everywhere(path: &Path, dir: &Scratch) -> serde_json::Value {
    let announce = "http://127.0.0.1:6969/announce";
    let theirs = dir.join("mk.torrent");
    let ours = dir.join("l7.torrent");
    mktorrent(path, &theirs, announce);
    let reference = aria2_hash(&theirs);
    // mktorrent's torrent, read by l7.
    let shown = l7_show(&theirs);
    assert_eq!(shown["info_hash"], reference.as_str());
    // l7's torrent of the same data: the same info dictionary, so the same hash,
    // and aria2 and Transmission agree.
    let made = l7_create(
        path,
        &ours,
        &["--piece-length", "256KiB", "--tracker", announce],
    );
    assert_eq!(made, reference);
    assert_eq!(aria2_hash(&ours), reference);
    assert_eq!(transmission_hash(&ours), reference);
    let shown = l7_show(&ours);
    assert_eq!(shown["info_hash"], reference.as_str());
    assert_eq!(shown["trackers"][0], announce);
    assert!(
        shown["magnet"]
            .as_str()
            .unwrap()
            .starts_with(&format!("magnet:?xt=urn:btih:{reference}"))
    );
    shown
}

#[test]
fn single_file_torrents_agree_with_mktorrent_aria2_and_transmission() {
    let dir = Scratch::new("torrent-single");
    let file = dir.join("sample.bin");
    std::fs::write(&file, sample(1_000_003, 7)).unwrap();
    let shown = same_hash_everywhere(&file, &dir);
    assert_eq!(shown["name"], "sample.bin");
    assert_eq!(shown["bytes"], 1_000_003);
    assert_eq!(shown["pieces"], 4);
}

#[test]
fn multi_file_torrents_agree_with_mktorrent_aria2_and_transmission() {
    let dir = Scratch::new("torrent-multi");
    let root = dir.join("tree");
    sample_tree(&root);
    let shown = same_hash_everywhere(&root, &dir);
    assert_eq!(shown["name"], "tree");
    let paths: Vec<&str> = shown["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "tree/a.bin",
            "tree/sub/b.txt",
            "tree/sub/deeper/c.bin",
            "tree/sub/empty"
        ]
    );
}

#[test]
fn bad_piece_lengths_and_trackers_are_refused_with_advice() {
    let dir = Scratch::new("torrent-bad-args");
    let file = dir.join("x.bin");
    std::fs::write(&file, b"hello").unwrap();
    let out = l7(&[
        "torrent",
        "create",
        file.to_str().unwrap(),
        "--piece-length",
        "1000",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("power of two"), "{}", stderr(&out));
    let out = l7(&[
        "torrent",
        "create",
        file.to_str().unwrap(),
        "--tracker",
        "ftp://x",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let out = l7(&["torrent", "show", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not a valid torrent"));
}
