//! `l7 torrent create` and `l7 torrent show`: making a .torrent (hashing in
//! l7-net's [`create`] module, building in l7-p2p) and printing one.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use l7_net::p2p::create::{Source, hash_pieces};
use l7_p2p::metainfo::{Metainfo, magnet_link};

use crate::cli::{Global, TorrentCreateArgs, TorrentShowArgs};
use crate::output::json_line;

/// Smallest and largest piece lengths `create` accepts (clients expect a
/// power of two holding whole 16 KiB blocks).
const PIECE_LENGTHS: std::ops::RangeInclusive<u64> = (16 << 10)..=(64 << 20);

/// Reads and parses a .torrent file.
pub fn load(path: &Path) -> anyhow::Result<Metainfo> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Metainfo::parse(&bytes).with_context(|| format!("{} is not a valid torrent", path.display()))
}

pub fn create(a: TorrentCreateArgs, g: &Global) -> anyhow::Result<i32> {
    if !a.piece_length.is_power_of_two() || !PIECE_LENGTHS.contains(&a.piece_length) {
        bail!(
            "--piece-length {} is not a power of two from 16KiB to 64MiB (try 256KiB)",
            a.piece_length
        );
    }
    for t in &a.trackers {
        if !(t.starts_with("http://") || t.starts_with("https://") || t.starts_with("udp://")) {
            bail!("--tracker {t:?} is not an http://, https:// or udp:// announce URL");
        }
    }
    let source = Source::scan(&a.path)?;
    let mut builder = source
        .builder()?
        .piece_length(a.piece_length)?
        .private(a.private)
        .created_by(concat!("l7/", env!("CARGO_PKG_VERSION")))
        .creation_date(chrono::Utc::now().timestamp());
    for t in &a.trackers {
        builder = builder.tracker(t);
    }
    if let Some(c) = &a.comment {
        builder = builder.comment(c);
    }
    let threads = a.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let paths: Vec<PathBuf> = source.files.iter().map(|f| f.0.clone()).collect();
    let started = std::time::Instant::now();
    let hashes = hash_pieces(&paths, &builder.layout(), threads)?;
    let elapsed = started.elapsed();
    let metainfo = builder.build(hashes)?;
    let out = a
        .output
        .unwrap_or_else(|| PathBuf::from(format!("{}.torrent", source.name)));
    std::fs::write(&out, metainfo.to_bytes())
        .with_context(|| format!("cannot write {}", out.display()))?;
    if g.json {
        json_line(&serde_json::json!({
            "torrent": out,
            "info_hash": metainfo.info_hash.to_hex(),
            "bytes": source.total_length(),
            "pieces": metainfo.info.pieces.len(),
            "seconds": elapsed.as_secs_f64(),
        }));
    } else {
        println!(
            "{}: {} in {} pieces of {}, hashed in {:.2}s on {threads} threads",
            out.display(),
            human_bytes(source.total_length()),
            metainfo.info.pieces.len(),
            human_bytes(a.piece_length),
            elapsed.as_secs_f64()
        );
        println!("info-hash {}", metainfo.info_hash.to_hex());
    }
    Ok(0)
}

pub fn show(a: TorrentShowArgs, g: &Global) -> anyhow::Result<i32> {
    let m = load(&a.torrent)?;
    let info = &m.info;
    let files: Vec<(String, u64)> = info
        .file_list()
        .into_iter()
        .map(|(p, len)| (p.join("/"), len))
        .collect();
    if g.json {
        json_line(&serde_json::json!({
            "name": info.name,
            "info_hash": m.info_hash.to_hex(),
            "bytes": info.total_length(),
            "piece_length": info.piece_length,
            "pieces": info.pieces.len(),
            "private": info.private,
            "files": files.iter().map(|(p, l)| serde_json::json!({"path": p, "bytes": l})).collect::<Vec<_>>(),
            "trackers": m.trackers(),
            "comment": m.comment,
            "created_by": m.created_by,
            "creation_date": m.creation_date,
            "magnet": magnet_link(&m),
        }));
        return Ok(0);
    }
    println!("name       {}", info.name);
    println!("info-hash  {}", m.info_hash.to_hex());
    println!(
        "size       {} ({} bytes)",
        human_bytes(info.total_length()),
        info.total_length()
    );
    println!(
        "pieces     {} of {}",
        info.pieces.len(),
        human_bytes(info.piece_length)
    );
    println!("private    {}", if info.private { "yes" } else { "no" });
    for (i, t) in m.trackers().iter().enumerate() {
        println!("{}{t}", if i == 0 { "trackers   " } else { "           " });
    }
    if let Some(c) = &m.comment {
        println!("comment    {c}");
    }
    if let Some(c) = &m.created_by {
        println!("created by {c}");
    }
    println!("files      {}", files.len());
    for (path, len) in &files {
        println!("  {path}  ({})", human_bytes(*len));
    }
    println!("magnet     {}", magnet_link(&m));
    Ok(0)
}

/// `67108864` → `64.0 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
