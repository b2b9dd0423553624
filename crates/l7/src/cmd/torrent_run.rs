//! `l7 torrent get` and `l7 torrent seed`: open the storage (resuming or
//! checking what is on disk), resolve the trackers (world names first),
//! then run l7-net's peer driver and show progress — a bar on a terminal,
//! a JSON line per second with `--json`, a plain line every few seconds
//! otherwise.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use l7_net::p2p::announce::{TrackerTarget, url_host_port};
use l7_net::p2p::swarm::{self, Finish, Progress, SwarmConfig};
use l7_net::tcp::bind_tcp;
use l7_p2p::metainfo::Metainfo;
use l7_p2p::peer_wire::Bitfield;
use l7_p2p::storage::Storage;

use super::shutdown_on_signals;
use super::torrent::{human_bytes, load};
use crate::addr;
use crate::cli::{Global, TorrentGetArgs, TorrentPeerArgs, TorrentSeedArgs};
use crate::output::json_line;

/// Plain progress lines (not a terminal, no --json) come this often.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

pub async fn get(a: TorrentGetArgs, g: &Global) -> anyhow::Result<i32> {
    let m = load(&a.torrent)?;
    std::fs::create_dir_all(&a.output)
        .with_context(|| format!("cannot create {}", a.output.display()))?;
    let resume = resume_path(&a.output, &m);
    let (dir, meta) = (a.output.clone(), m.clone());
    let (storage, have) = tokio::task::spawn_blocking(move || {
        let mut s = Storage::create(&dir, &meta, &resume)?;
        let have = s.recheck()?.clone();
        Ok::<_, std::io::Error>((s, have))
    })
    .await?
    .with_context(|| format!("cannot open the download in {}", a.output.display()))?;
    let code = run(&m, storage, have, &a.peer, a.download_limit, a.seed, g).await?;
    Ok(code)
}

pub async fn seed(a: TorrentSeedArgs, g: &Global) -> anyhow::Result<i32> {
    let m = load(&a.torrent)?;
    let resume = resume_path(&a.data, &m);
    let (dir, meta) = (a.data.clone(), m.clone());
    let (storage, have) = tokio::task::spawn_blocking(move || {
        let mut s = Storage::open_existing(&dir, &meta, &resume)?;
        let have = s.recheck()?.clone();
        Ok::<_, std::io::Error>((s, have))
    })
    .await?
    .with_context(|| {
        format!(
            "cannot seed from {}: it must hold the torrent's files",
            a.data.display()
        )
    })?;
    if !have.is_full() {
        bail!(
            "{} holds only {} of {} pieces of {} — point --data at the complete files, or use `l7 torrent get`",
            a.data.display(),
            have.count(),
            have.len(),
            m.info.name
        );
    }
    run(&m, storage, have, &a.peer, None, true, g).await
}

/// The resume file of `m` in `dir`.
fn resume_path(dir: &Path, m: &Metainfo) -> PathBuf {
    dir.join(format!(".l7-{}.resume", m.info_hash.to_hex()))
}

async fn trackers(m: &Metainfo) -> Vec<TrackerTarget> {
    let mut out = Vec::new();
    for url in m.trackers() {
        let Some((_, authority)) = url_host_port(&url) else {
            tracing::warn!("tracker {url} not used: only http:// and udp:// are supported");
            continue;
        };
        match addr::resolve(authority).await {
            Ok(addr) => out.push(TrackerTarget { url, addr }),
            Err(e) => tracing::warn!("tracker {url} not used: {e:#}"),
        }
    }
    out
}

async fn run(
    m: &Metainfo,
    storage: Storage,
    have: Bitfield,
    p: &TorrentPeerArgs,
    download_limit: Option<u64>,
    seed: bool,
    g: &Global,
) -> anyhow::Result<i32> {
    let listen = addr::listen(&p.listen)?;
    let listener = bind_tcp(listen).await?;
    let mut peers: Vec<SocketAddr> = Vec::new();
    for peer in &p.peers {
        peers.push(addr::resolve(peer).await?);
    }
    let config = SwarmConfig {
        listen,
        max_peers: p.max_peers.max(1),
        upload_limit: p.upload_limit,
        download_limit,
        seed,
        trackers: trackers(m).await,
        peers,
        trace: g.trace,
    };
    if config.trackers.is_empty() && config.peers.is_empty() {
        bail!(
            "{} names no usable tracker: pass --peer HOST:PORT",
            m.info.name
        );
    }
    let total = have.len();
    let have_at_start = have.count();
    let bound = listener.local_addr()?;
    if g.json {
        json_line(&serde_json::json!({
            "event": "start",
            "name": m.info.name,
            "info_hash": m.info_hash.to_hex(),
            "have": have_at_start,
            "pieces": total,
            "listening": bound.to_string(),
        }));
    } else {
        eprintln!(
            "{}: {} of {total} pieces on disk; listening on {bound}",
            m.info.name, have_at_start
        );
    }
    let mut view = View::new(g.json, total, m.info.piece_length);
    let shutdown = shutdown_on_signals()?;
    let finish = swarm::run(
        m,
        storage,
        have,
        listener,
        config,
        |p| view.show(p),
        shutdown,
    )
    .await?;
    view.finish(finish, have_at_start);
    Ok(0)
}

/// The progress display.
struct View {
    json: bool,
    bar: Option<ProgressBar>,
    last_plain: Option<std::time::Instant>,
    last: Option<Progress>,
    piece_length: u64,
}

impl View {
    fn new(json: bool, total: u32, piece_length: u64) -> View {
        let bar = (!json && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::new(u64::from(total));
            b.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} pieces  {msg}  ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        View {
            json,
            bar,
            last_plain: None,
            last: None,
            piece_length,
        }
    }

    fn show(&mut self, p: &Progress) {
        self.last = Some(*p);
        let s = &p.stats;
        let rates = format!(
            "{} peers  down {}/s  up {}/s",
            s.peers,
            human_bytes(s.download_rate as u64),
            human_bytes(s.upload_rate as u64)
        );
        if self.json {
            json_line(&status_json(p));
        } else if let Some(b) = &self.bar {
            b.set_position(u64::from(s.pieces_have));
            b.set_message(rates);
        } else if self.last_plain.is_none_or(|t| t.elapsed() >= PLAIN_EVERY) {
            self.last_plain = Some(std::time::Instant::now());
            eprintln!(
                "{}/{} pieces  {rates}  ({} left)",
                s.pieces_have,
                s.pieces_total,
                human_bytes(s.left)
            );
        }
    }

    fn finish(&mut self, finish: Finish, have_at_start: u32) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        let Some(p) = self.last else { return };
        let what = match finish {
            Finish::Complete => "complete",
            Finish::Stopped => "stopped",
        };
        if self.json {
            let mut v = status_json(&p);
            v["event"] = what.into();
            v["have_at_start"] = have_at_start.into();
            json_line(&v);
        } else {
            let secs = p.elapsed.as_secs_f64().max(1e-3);
            eprintln!(
                "{what}: {}/{} pieces; downloaded {} ({}/s), uploaded {} in {secs:.1}s; {} pieces of {} were already on disk",
                p.stats.pieces_have,
                p.stats.pieces_total,
                human_bytes(p.stats.downloaded),
                human_bytes((p.stats.downloaded as f64 / secs) as u64),
                human_bytes(p.stats.uploaded),
                have_at_start,
                human_bytes(self.piece_length)
            );
        }
    }
}

fn status_json(p: &Progress) -> serde_json::Value {
    let s = &p.stats;
    serde_json::json!({
        "have": s.pieces_have,
        "pieces": s.pieces_total,
        "synced": p.synced,
        "peers": s.peers,
        "download_rate": s.download_rate.max(0.0) as u64,
        "upload_rate": s.upload_rate.max(0.0) as u64,
        "downloaded": s.downloaded,
        "uploaded": s.uploaded,
        "left": s.left,
        "banned": p.banned,
        "seconds": p.elapsed.as_secs_f64(),
    })
}
