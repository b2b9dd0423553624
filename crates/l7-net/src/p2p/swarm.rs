//! The peer driver: one task owns l7-p2p's [`Torrent`] engine and carries out
//! what it asks — connections in and out ([`peer_io`](super::peer_io)),
//! storage on a blocking thread ([`disk`](super::disk)), announces to the
//! trackers ([`announce`](super::announce)), timers (choking rounds,
//! keep-alives, request timeouts) and a progress report every second.
//! `get` ends once every piece is verified and synced (unless it seeds);
//! `seed` runs until shutdown. Both announce `stopped` on the way out.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use l7_p2p::metainfo::Metainfo;
use l7_p2p::peer_wire::Bitfield;
use l7_p2p::storage::Storage;
use l7_p2p::swarm::{Direction, PeerKey, Torrent, TorrentConfig, TorrentEvent, TorrentStats};
use l7_p2p::tracker::{AnnounceRequest, AnnounceResponse, Event};
use l7_wire::Instant;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::announce::{TrackerTarget, announce};
use super::disk::{self, DiskDone, DiskJob};
use super::limit::RateLimit;
use super::peer_io::{Limits, PeerInput, PeerIo, dial};
use super::trace::{Way, WireTrace};
use crate::{NetError, Shutdown};

/// How often storage is synced and progress reported.
const TICK: Duration = Duration::from_secs(1);
/// A failed address is not dialed again for this long.
const REDIAL_AFTER: Duration = Duration::from_secs(30);
/// Peers given on the command line are dialed again this often while not connected.
const STATIC_REDIAL: Duration = Duration::from_secs(10);
/// Re-announce this soon while downloading with few peers.
const HUNGRY_ANNOUNCE: Duration = Duration::from_secs(20);
/// "Few peers".
const HUNGRY_BELOW: usize = 5;
/// How long an announce may take.
const ANNOUNCE_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the `stopped` announce may delay exit.
const STOPPED_TIMEOUT: Duration = Duration::from_secs(3);
/// Peers asked of the tracker.
const NUMWANT: u32 = 50;

/// How to run a torrent.
#[derive(Debug, Clone)]
pub struct SwarmConfig {
    /// Where to accept peers (its IP is also the source of outgoing connections).
    pub listen: SocketAddr,
    /// Most connections.
    pub max_peers: usize,
    /// Bytes per second sent (`None`: unlimited).
    pub upload_limit: Option<u64>,
    /// Bytes per second received.
    pub download_limit: Option<u64>,
    /// Keep running once complete.
    pub seed: bool,
    /// Trackers, tried in order.
    pub trackers: Vec<TrackerTarget>,
    /// Peers to dial besides those the trackers give.
    pub peers: Vec<SocketAddr>,
    /// Print every peer-wire message on stderr (`--trace`).
    pub trace: bool,
}

/// A progress report.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// The engine's counters.
    pub stats: TorrentStats,
    /// Pieces durable on disk.
    pub synced: u32,
    /// Time since start.
    pub elapsed: Duration,
    /// Addresses banned for corrupt data so far.
    pub banned: usize,
}

/// Why [`run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Every piece verified and synced.
    Complete,
    /// Shutdown (SIGINT/SIGTERM).
    Stopped,
}

enum Input {
    Peer(PeerInput),
    Disk(DiskDone),
    Dialed(SocketAddr, std::io::Result<TcpStream>),
    Announced(Result<AnnounceResponse, String>),
}

/// Runs `metainfo` with `storage` (whose verified pieces are `have`) on
/// `listener` until complete (or, seeding, until shutdown).
pub async fn run(
    metainfo: &Metainfo,
    storage: Storage,
    have: Bitfield,
    listener: TcpListener,
    config: SwarmConfig,
    mut on_progress: impl FnMut(&Progress),
    shutdown: Shutdown,
) -> Result<Finish, NetError> {
    let listen = listener.local_addr().map_err(|e| NetError::Io {
        what: "reading the listening address".into(),
        source: e,
    })?;
    let (tx, mut rx) = mpsc::channel::<Input>(1024);
    let disk_tx = tx.clone();
    let synced_at_start = have.count();
    let mut e = Engine::new(metainfo, have, listen, &config, tx);
    e.disk = Some(disk::spawn(storage, move |d| {
        let _ = disk_tx.blocking_send(Input::Disk(d));
    }));
    e.synced = synced_at_start;
    e.static_peers.clone_from(&config.peers);
    e.candidates.extend(config.peers.iter().copied());
    e.announce(Event::Started);
    e.dial_more();
    let mut next_tick = tokio::time::Instant::now() + TICK;
    let finish = loop {
        let wake = e.tokio_instant(e.torrent.poll_timeout()).min(next_tick);
        tokio::select! {
            _ = shutdown.wait() => break Finish::Stopped,
            Some(input) = rx.recv() => e.on_input(input)?,
            accepted = listener.accept() => {
                if let Ok((stream, addr)) = accepted {
                    e.connected(stream, addr, Direction::Inbound);
                }
            }
            _ = tokio::time::sleep_until(wake) => {
                e.torrent.handle_timeout(e.now());
                if tokio::time::Instant::now() >= next_tick {
                    next_tick += TICK;
                    e.tick(&mut on_progress);
                }
            }
        }
        e.flush();
        if e.done() && !config.seed {
            break Finish::Complete;
        }
    };
    on_progress(&e.progress());
    // Stop the storage thread after a last sync, and say goodbye to the trackers.
    e.peers.clear();
    e.traces = None;
    e.disk = None;
    let req = e.request(Event::Stopped);
    for t in &e.trackers {
        if announce(t, &req, e.listen.ip(), STOPPED_TIMEOUT)
            .await
            .is_ok()
        {
            break;
        }
    }
    Ok(finish)
}

struct Engine {
    torrent: Torrent,
    epoch: tokio::time::Instant,
    peer_id: [u8; 20],
    listen: SocketAddr,
    max_peers: usize,
    trackers: Vec<TrackerTarget>,
    tx: mpsc::Sender<Input>,
    disk: Option<std::sync::mpsc::Sender<DiskJob>>,
    peers: HashMap<PeerKey, PeerIo>,
    /// With `--trace`: each connection's received and sent messages.
    traces: Option<HashMap<PeerKey, [WireTrace; 2]>>,
    limits: Limits,
    candidates: VecDeque<SocketAddr>,
    /// Peers from the command line: dialed again whenever not connected.
    static_peers: Vec<SocketAddr>,
    next_static_dial: tokio::time::Instant,
    dialing: HashSet<SocketAddr>,
    failed: BTreeMap<SocketAddr, tokio::time::Instant>,
    ourselves: HashSet<SocketAddr>,
    announcing: bool,
    next_announce: tokio::time::Instant,
    started_complete: bool,
    completed_sent: bool,
    synced: u32,
    banned: usize,
    total: u32,
}

impl Engine {
    fn new(
        metainfo: &Metainfo,
        have: Bitfield,
        listen: SocketAddr,
        config: &SwarmConfig,
        tx: mpsc::Sender<Input>,
    ) -> Engine {
        let mut peer_id = *b"-L70100-000000000000";
        let alphabet = b"0123456789abcdefghijklmnopqrstuvwxyz";
        peer_id[8..]
            .iter_mut()
            .for_each(|b| *b = alphabet[rand::random_range(0..alphabet.len())]);
        let started_complete = have.is_full();
        let total = have.len();
        let torrent = Torrent::new(
            metainfo,
            have,
            TorrentConfig {
                max_peers: config.max_peers,
                peer_id,
                listen_port: Some(listen.port()),
                client_name: concat!("l7 ", env!("CARGO_PKG_VERSION")).into(),
                redundant_have: true,
            },
            Instant::ZERO,
            rand::random(),
        );
        let mut ourselves = HashSet::from([listen]);
        if listen.ip().is_unspecified() {
            ourselves.insert(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), listen.port()));
        }
        Engine {
            torrent,
            epoch: tokio::time::Instant::now(),
            peer_id,
            listen,
            max_peers: config.max_peers,
            trackers: config.trackers.clone(),
            tx,
            disk: None,
            peers: HashMap::new(),
            traces: config.trace.then(HashMap::new),
            limits: Limits {
                up: Arc::new(RateLimit::new(config.upload_limit)),
                down: Arc::new(RateLimit::new(config.download_limit)),
            },
            candidates: VecDeque::new(),
            static_peers: Vec::new(),
            next_static_dial: tokio::time::Instant::now() + STATIC_REDIAL,
            dialing: HashSet::new(),
            failed: BTreeMap::new(),
            ourselves,
            announcing: false,
            next_announce: tokio::time::Instant::now(),
            started_complete,
            completed_sent: started_complete,
            synced: 0,
            banned: 0,
            total,
        }
    }

    fn now(&self) -> Instant {
        Instant::from_epoch(self.epoch.elapsed())
    }

    fn tokio_instant(&self, t: Instant) -> tokio::time::Instant {
        self.epoch + t.since_epoch()
    }

    fn done(&self) -> bool {
        self.torrent.is_complete() && self.synced == self.total
    }

    fn progress(&self) -> Progress {
        Progress {
            stats: self.torrent.stats(self.now()),
            synced: self.synced,
            elapsed: self.epoch.elapsed(),
            banned: self.banned,
        }
    }

    fn disk(&self, job: DiskJob) {
        if let Some(d) = &self.disk {
            let _ = d.send(job);
        }
    }

    fn on_input(&mut self, input: Input) -> Result<(), NetError> {
        let now = self.now();
        match input {
            Input::Peer(PeerInput::Bytes(key, bytes)) => {
                if let Some(t) = self.traces.as_mut().and_then(|t| t.get_mut(&key)) {
                    t[0].feed(&bytes);
                }
                self.torrent.handle_input(now, key, &bytes);
                self.drop_if_ourselves(key);
            }
            Input::Peer(PeerInput::Closed(key, reason)) => {
                tracing::debug!("peer {key:?} closed: {reason}");
                self.torrent.peer_disconnected(key);
                self.forget(key);
            }
            Input::Disk(DiskDone::Read(key, block, data)) => {
                self.torrent.block_read(now, key, block, &data)
            }
            Input::Disk(DiskDone::Synced(n)) => self.synced = n,
            Input::Disk(DiskDone::Failed(what)) => {
                return Err(NetError::Io {
                    what,
                    source: std::io::Error::other("storage"),
                });
            }
            Input::Dialed(addr, result) => {
                self.dialing.remove(&addr);
                match result {
                    Ok(stream) => self.connected(stream, addr, Direction::Outbound),
                    Err(e) => {
                        tracing::debug!("cannot connect to {addr}: {e}");
                        self.failed.insert(addr, tokio::time::Instant::now());
                    }
                }
            }
            Input::Announced(result) => {
                self.announcing = false;
                let hungry = !self.torrent.is_complete() && self.peers.len() < HUNGRY_BELOW;
                let wait = match result {
                    Ok(r) => {
                        let interval = Duration::from_secs(u64::from(r.interval).clamp(15, 1800));
                        let min = Duration::from_secs(u64::from(r.min_interval.unwrap_or(0)));
                        self.candidates.extend(r.peers.iter().map(|p| p.addr));
                        self.dial_more();
                        if hungry {
                            HUNGRY_ANNOUNCE.max(min).min(interval)
                        } else {
                            interval
                        }
                    }
                    Err(e) => {
                        tracing::warn!("announce failed: {e}");
                        HUNGRY_ANNOUNCE
                    }
                };
                self.next_announce = tokio::time::Instant::now() + wait;
            }
        }
        Ok(())
    }

    /// A connection we made to our own listener (through a tracker's list).
    fn drop_if_ourselves(&mut self, key: PeerKey) {
        let mirror = self
            .torrent
            .session(key)
            .and_then(|s| s.remote())
            .is_some_and(|h| h.peer_id == self.peer_id);
        if mirror {
            if let Some((_, addr)) = self.torrent.peers().find(|(k, _)| *k == key) {
                self.ourselves.insert(addr);
            }
            self.torrent.peer_disconnected(key);
            self.forget(key);
        }
    }

    /// Closes the connection `key` (its tasks end with the [`PeerIo`]).
    fn forget(&mut self, key: PeerKey) {
        self.peers.remove(&key);
        if let Some(t) = &mut self.traces {
            t.remove(&key);
        }
    }

    fn connected(&mut self, stream: TcpStream, addr: SocketAddr, direction: Direction) {
        let now = self.now();
        if let Some(key) = self.torrent.add_peer(now, addr, direction) {
            let io = PeerIo::start(key, stream, &self.limits, self.tx.clone(), Input::Peer);
            self.peers.insert(key, io);
            if let Some(t) = &mut self.traces {
                let ways = [
                    WireTrace::new(addr, Way::Received),
                    WireTrace::new(addr, Way::Sent),
                ];
                t.insert(key, ways);
            }
        }
    }

    fn dial_more(&mut self) {
        let now = tokio::time::Instant::now();
        let connected: HashSet<SocketAddr> = self.torrent.peers().map(|(_, a)| a).collect();
        while self.peers.len() + self.dialing.len() < self.max_peers {
            let Some(addr) = self.candidates.pop_front() else {
                break;
            };
            if self.ourselves.contains(&addr)
                || connected.contains(&addr)
                || self.dialing.contains(&addr)
                || self.torrent.is_banned(addr.ip())
                || self
                    .failed
                    .get(&addr)
                    .is_some_and(|t| now.duration_since(*t) < REDIAL_AFTER)
            {
                continue;
            }
            self.dialing.insert(addr);
            let tx = self.tx.clone();
            let local = self.listen.ip();
            tokio::spawn(async move {
                let r = dial(addr, local).await;
                let _ = tx.send(Input::Dialed(addr, r)).await;
            });
        }
        self.candidates.clear();
    }

    fn request(&self, event: Event) -> AnnounceRequest {
        let s = self.torrent.stats(self.now());
        AnnounceRequest {
            info_hash: *self.torrent.info_hash(),
            peer_id: self.peer_id,
            port: self.listen.port(),
            uploaded: s.uploaded,
            downloaded: s.downloaded,
            left: s.left,
            event,
            compact: true,
            numwant: Some(NUMWANT),
            key: None,
        }
    }

    fn announce(&mut self, event: Event) {
        if self.trackers.is_empty() || self.announcing {
            return;
        }
        self.announcing = true;
        let req = self.request(event);
        let trackers = self.trackers.clone();
        let local: IpAddr = self.listen.ip();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let mut last = Err("no tracker".to_string());
            for t in &trackers {
                last = announce(t, &req, local, ANNOUNCE_TIMEOUT).await;
                if last.is_ok() {
                    break;
                }
            }
            let _ = tx.send(Input::Announced(last)).await;
        });
    }

    fn tick(&mut self, on_progress: &mut impl FnMut(&Progress)) {
        self.disk(DiskJob::Sync);
        if self.torrent.is_complete() && !self.completed_sent && !self.announcing {
            self.completed_sent = true;
            self.announce(Event::Completed);
        } else if tokio::time::Instant::now() >= self.next_announce {
            self.announce(Event::None);
        }
        self.failed.retain(|_, t| t.elapsed() < REDIAL_AFTER * 2);
        if tokio::time::Instant::now() >= self.next_static_dial {
            self.next_static_dial += STATIC_REDIAL;
            for p in &self.static_peers {
                // A static peer that refused is tried again on this schedule.
                self.failed.remove(p);
            }
            self.candidates.extend(self.static_peers.iter().copied());
            self.dial_more();
        }
        on_progress(&self.progress());
    }

    /// Carries out the engine's events and sends its bytes.
    fn flush(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(event) = self.torrent.poll_event() {
                progressed = true;
                self.on_event(event);
            }
            while let Some((key, bytes)) = self.torrent.poll_transmit() {
                progressed = true;
                if let Some(t) = self.traces.as_mut().and_then(|t| t.get_mut(&key)) {
                    t[1].feed(&bytes);
                }
                if let Some(p) = self.peers.get(&key) {
                    p.send(bytes);
                }
            }
            if !progressed {
                return;
            }
        }
    }

    fn on_event(&mut self, event: TorrentEvent) {
        match event {
            TorrentEvent::PieceVerified { index, data } => self.disk(DiskJob::Write(index, data)),
            TorrentEvent::PieceFailed { index, peers } => {
                tracing::warn!(
                    "piece {index} failed its hash check (from {peers:?}); fetching it again"
                )
            }
            TorrentEvent::ReadBlock { peer, block } => self.disk(DiskJob::Read(peer, block)),
            TorrentEvent::Disconnect { peer, reason } => {
                tracing::debug!("dropping peer {peer:?}: {reason}");
                self.forget(peer);
            }
            TorrentEvent::Banned(ip) => {
                self.banned += 1;
                tracing::warn!("banned {ip}: it sent corrupt data");
            }
            TorrentEvent::PeersDiscovered(found) => {
                self.candidates.extend(found);
                self.dial_more();
            }
            TorrentEvent::Complete => {
                self.disk(DiskJob::Sync);
                tracing::info!(
                    "download complete{}",
                    if self.started_complete {
                        " (already on disk)"
                    } else {
                        ""
                    }
                );
            }
        }
    }
}
