//! The world's initial BitTorrent seed (seed.bittorrent.test): a sample file
//! of deterministic content, its torrent announced to the world's tracker
//! (by IP, so aria2 and Transmission can use it too), and l7's peer driver
//! seeding it until the world stops. The file and torrent are written once
//! into the host's data directory; the same size always gives the same
//! info-hash.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use l7_net::Shutdown;
use l7_net::p2p::announce::TrackerTarget;
use l7_net::p2p::create::{Source, hash_pieces};
use l7_net::p2p::swarm::{self, SwarmConfig};
use l7_net::tcp::bind_tcp;
use l7_p2p::metainfo::Metainfo;
use l7_p2p::storage::Storage;

/// The torrent file a seed service writes into its data directory.
pub const TORRENT_FILE: &str = "sample.torrent";

/// Byte `i` of the sample: a fixed multiplicative hash, so every world has the same file.
fn sample_byte(i: u64) -> u8 {
    ((i as u32).wrapping_mul(2_654_435_761) >> 13) as u8 ^ (i >> 32) as u8
}

/// Writes `path` with `size` sample bytes unless it is already there at that size.
fn write_sample(path: &Path, size: u64) -> std::io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == size) {
        return Ok(());
    }
    let tmp = path.with_extension("part");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    let mut buf = Vec::with_capacity(1 << 20);
    let mut at = 0u64;
    while at < size {
        let n = (size - at).min(1 << 20);
        buf.clear();
        buf.extend((at..at + n).map(sample_byte));
        f.write_all(&buf)?;
        at += n;
    }
    f.into_inner()?.sync_all()?;
    std::fs::rename(tmp, path)
}

/// Makes (once) the sample and its torrent in `dir`; returns the torrent.
fn prepare(dir: &Path, file: &str, size: u64, announce: &str) -> Result<Metainfo, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let data = dir.join(file);
    write_sample(&data, size).map_err(|e| format!("{}: {e}", data.display()))?;
    let source = Source::scan(&data).map_err(|e| e.to_string())?;
    let builder = source
        .builder()
        .map_err(|e| e.to_string())?
        .tracker(announce)
        .created_by("l7 world");
    let paths: Vec<PathBuf> = vec![data];
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let hashes = hash_pieces(&paths, &builder.layout(), threads).map_err(|e| e.to_string())?;
    let m = builder.build(hashes).map_err(|e| e.to_string())?;
    let torrent = dir.join(TORRENT_FILE);
    std::fs::write(&torrent, m.to_bytes()).map_err(|e| format!("{}: {e}", torrent.display()))?;
    Ok(m)
}

/// Prepares the sample in `dir`, binds `addr`, and returns the seeding task.
pub async fn start(
    dir: PathBuf,
    file: String,
    size: u64,
    addr: SocketAddr,
    tracker: SocketAddr,
    shutdown: Shutdown,
) -> Result<impl std::future::Future<Output = ()> + Send + 'static, String> {
    let announce = format!("http://{tracker}/announce");
    let listener = bind_tcp(addr).await.map_err(|e| e.to_string())?;
    let (dir2, announce2) = (dir.clone(), announce.clone());
    let m = tokio::task::spawn_blocking(move || prepare(&dir2, &file, size, &announce2))
        .await
        .map_err(|e| e.to_string())??;
    let resume = dir.join(format!(".l7-{}.resume", m.info_hash.to_hex()));
    let (storage, have) = {
        let mut s = Storage::open_existing(&dir, &m, &resume).map_err(|e| e.to_string())?;
        let have = s.recheck().map_err(|e| e.to_string())?.clone();
        (s, have)
    };
    let config = SwarmConfig {
        listen: addr,
        max_peers: 50,
        upload_limit: None,
        download_limit: None,
        seed: true,
        trackers: vec![TrackerTarget {
            url: announce,
            addr: tracker,
        }],
        peers: Vec::new(),
        trace: false,
    };
    Ok(async move {
        if let Err(e) = swarm::run(&m, storage, have, listener, config, |_| {}, shutdown).await {
            tracing::warn!("seed: {e}");
        }
    })
}
