//! A BitTorrent peer in the simulator: l7-p2p's [`Torrent`] engine and
//! [`UdpTrackerClient`], driven through the simulator's [`Ctx`]. Streams
//! carry the engine's bytes; blocks it is asked to upload are generated
//! ([`content`](super::content)) only when the connection's send buffer
//! has room for them, as a real client reads from disk when its socket is
//! writable, so a connection never queues more than [`SEND_BUFFER`] bytes
//! and a choke or cancel still stops what has not left (the engine queues
//! the PIECE header, and the block follows as a fill of its piece's byte,
//! never made on the sending side: `Ctx::write_with_fill`); verified pieces
//! are dropped (nothing is stored, and the engine never joins their
//! blocks). A free rider runs the same engine but never answers a request.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::rc::Rc;

use l7_p2p::metainfo::Metainfo;
use l7_p2p::peer_wire::{BLOCK_SIZE, Bitfield, BlockRef, PIECE_HEADER_LEN};
use l7_p2p::swarm::{Direction, PeerKey, Torrent, TorrentConfig, TorrentEvent};
use l7_p2p::tracker::{AnnounceRequest, Event, UdpTrackerClient, UdpTrackerOutcome};
use l7_sim::{Ctx, Endpoint, HostId, StreamId, StreamInfo, TimerId};
use l7_wire::Instant;

use super::content::{MemoHasher, piece_byte};
use super::links::Links;

/// Where peers accept connections (and send tracker datagrams from).
pub const PEER_PORT: u16 = 6881;
/// The reference client's connection policy (BitTorrent 3.x, as the
/// protocol's wiki spec describes it under "Tracker Response"): dial new
/// peers only while fewer than this many are connected...
const DIAL_BELOW: usize = 30;
/// ...and refuse connections beyond this many. Every verified piece costs
/// a HAVE to most connected peers, so the control traffic grows with the
/// peer count while the throughput does not.
const MAX_PEERS: usize = 55;
/// Peers asked of the tracker.
const NUMWANT: u32 = 50;
/// A downloading peer with fewer sessions than this asks the tracker again...
const MIN_SESSIONS: usize = 4;
/// ...at most this often.
const REANNOUNCE: std::time::Duration = std::time::Duration::from_secs(60);
/// A PIECE message: its header and a block.
const PIECE_MESSAGE: usize = PIECE_HEADER_LEN + BLOCK_SIZE as usize;
/// Most bytes queued on one connection: the block on the wire and the
/// next, so the flow never idles while requests wait.
const SEND_BUFFER: usize = 2 * PIECE_MESSAGE;

/// What a peer is in the experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Starts with the whole file (the "server" of the course's model).
    Seed,
    /// Downloads and uploads.
    Leecher,
    /// Downloads, never uploads.
    FreeRider,
}

/// Settings shared by every peer of a run.
#[derive(Debug, Clone)]
pub struct PeerSetup {
    /// The torrent.
    pub metainfo: Metainfo,
    /// The tracker's endpoint.
    pub tracker: Endpoint,
    /// Rarest first (true) or random piece selection.
    pub rarest_first: bool,
    /// Leechers still downloading; the run stops when it reaches zero.
    pub remaining: Rc<Cell<usize>>,
}

/// One peer.
#[derive(Debug)]
pub struct PeerApp {
    role: Role,
    peer_id: [u8; 20],
    setup: PeerSetup,
    torrent: Torrent,
    tracker: UdpTrackerClient,
    links: Links,
    /// Hosts connected or being dialed (one session per pair of hosts).
    hosts: BTreeSet<HostId>,
    timer: Option<(TimerId, Instant)>,
    done_at: Option<Instant>,
    /// When we last asked the tracker for peers.
    announced_at: Option<Instant>,
}

impl PeerApp {
    /// A peer with `role`; `seed` drives its engine's random choices.
    pub fn new(role: Role, setup: PeerSetup, host_index: usize, seed: u64) -> Self {
        let pieces = setup.metainfo.info.layout().piece_count();
        let mut have = Bitfield::new(pieces);
        if role == Role::Seed {
            (0..pieces).for_each(|i| have.set(i));
        }
        let mut peer_id = *b"-L7SIM-000000000000\0";
        peer_id[12..20].copy_from_slice(&(host_index as u64).to_be_bytes());
        let config = TorrentConfig {
            max_peers: MAX_PEERS,
            peer_id,
            listen_port: Some(PEER_PORT),
            client_name: "l7-sim".into(),
            // Half a big swarm's HAVEs go to peers that have the piece.
            redundant_have: false,
        };
        let mut torrent = Torrent::new(&setup.metainfo, have, config, Instant::ZERO, seed);
        torrent.set_piece_hasher(MemoHasher::boxed);
        torrent.discard_verified_data();
        torrent.picker_mut().set_rarest_first(setup.rarest_first);
        PeerApp {
            role,
            peer_id,
            tracker: UdpTrackerClient::new(setup.tracker.socket_addr(), seed ^ 0x7472),
            setup,
            torrent,
            links: Links::default(),
            hosts: BTreeSet::new(),
            timer: None,
            done_at: None,
            announced_at: None,
        }
    }

    /// What this peer is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// When the download completed (`None`: not yet, or a seed).
    pub fn done_at(&self) -> Option<Instant> {
        self.done_at
    }

    /// Payload bytes this peer uploaded.
    pub fn uploaded(&self) -> u64 {
        self.torrent.stats(Instant::ZERO).uploaded
    }

    /// Announces to the tracker.
    pub fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        self.announce(ctx.now(), Event::Started);
        self.pump(ctx);
    }

    fn announce(&mut self, now: Instant, event: Event) {
        self.announced_at = Some(now);
        let stats = self.torrent.stats(now);
        self.tracker.announce(
            now,
            AnnounceRequest {
                info_hash: self.setup.metainfo.info_hash,
                peer_id: self.peer_id,
                port: PEER_PORT,
                uploaded: stats.uploaded,
                downloaded: stats.downloaded,
                left: stats.left,
                event,
                compact: true,
                numwant: Some(NUMWANT),
                key: None,
            },
        );
    }

    /// A tracker reply.
    pub fn on_datagram(&mut self, ctx: &mut Ctx<'_>, from: Endpoint, payload: &[u8]) {
        if from == self.setup.tracker {
            self.tracker.handle_datagram(ctx.now(), payload);
            self.pump(ctx);
        }
    }

    /// A connection opened, either way.
    pub fn on_stream_open(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, info: StreamInfo) {
        let direction = if info.initiated_here {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        // `hosts` holds the peer already if we dialed it; an inbound
        // connection from a host we are connected to is refused.
        let fresh = info.initiated_here || self.hosts.insert(info.peer.host);
        match self
            .torrent
            .add_peer(ctx.now(), info.peer.socket_addr(), direction)
            .filter(|_| fresh)
        {
            Some(key) => {
                self.links.insert(stream, key, info.peer.host);
                let _ = ctx.set_stream_tag(stream, Some(key.0));
            }
            None => {
                // A refused connection frees its host's place (an inbound
                // one refused by the engine used to keep it: peers filled
                // `hosts` with dead entries, stopped dialing, and big
                // swarms ended with sessionless peers that never finished).
                if fresh {
                    self.hosts.remove(&info.peer.host);
                }
                let _ = ctx.close(stream);
            }
        }
        self.pump(ctx);
    }

    /// Bytes from a peer.
    pub fn on_stream_data(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, data: &[u8]) {
        if let Some(key) = session(ctx, stream) {
            self.torrent.handle_input(ctx.now(), key, data);
            self.pump(ctx);
        }
    }

    /// The peer hung up.
    pub fn on_stream_closed(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        if let Some(key) = session(ctx, stream) {
            self.torrent.peer_disconnected(key);
            self.unlink(ctx, key);
            self.pump(ctx);
        }
    }

    /// Forgets session `key`'s connection and closes it.
    fn unlink(&mut self, ctx: &mut Ctx<'_>, key: PeerKey) {
        if let Some((stream, host)) = self.links.remove(key) {
            self.hosts.remove(&host);
            let _ = ctx.set_stream_tag(stream, None);
            let _ = ctx.close(stream);
        }
    }

    /// A connection's send buffer has room again.
    pub fn on_stream_writable(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        if let Some(key) = session(ctx, stream) {
            self.upload(ctx, key);
            self.pump(ctx);
        }
    }

    /// Reads requested blocks for `peer` while its connection's send
    /// buffer has room; asks to hear when it drains if some remain.
    fn upload(&mut self, ctx: &mut Ctx<'_>, peer: PeerKey) {
        let now = ctx.now();
        loop {
            let Some(link) = self.links.link(peer) else {
                return;
            };
            let Ok(queued) = ctx.queued(link.stream) else {
                return;
            };
            if queued >= SEND_BUFFER {
                let _ = ctx.notify_writable(link.stream, SEND_BUFFER - PIECE_MESSAGE);
                return;
            }
            let Some(block) = link.to_upload.pop_front() else {
                return;
            };
            let sent = self.torrent.block_header(now, peer, block);
            self.transmit(ctx, Some((peer, block)).filter(|_| sent));
        }
    }

    /// Writes what the engine has for each peer; `body` is a block whose
    /// PIECE header the engine just queued for its peer, and whose bytes
    /// follow it ([`Torrent::block_header`]).
    fn transmit(&mut self, ctx: &mut Ctx<'_>, body: Option<(PeerKey, BlockRef)>) {
        while let Some((peer, bytes)) = self.torrent.poll_transmit() {
            let Some(link) = self.links.link(peer) else {
                continue;
            };
            let _ = match body {
                Some((p, block)) if p == peer => {
                    let (byte, len) = (piece_byte(block.index), block.length as usize);
                    ctx.write_with_fill(link.stream, bytes, byte, len)
                }
                _ => ctx.write(link.stream, bytes),
            };
        }
    }

    /// The engine's or the tracker client's timer.
    pub fn on_timer(&mut self, ctx: &mut Ctx<'_>) {
        self.timer = None;
        let now = ctx.now();
        self.torrent.handle_timeout(now);
        self.tracker.handle_timeout(now);
        self.pump(ctx);
    }

    fn dial(&mut self, ctx: &mut Ctx<'_>, to: Endpoint) {
        if to.host != ctx.host()
            && self.hosts.len() < DIAL_BELOW
            && self.hosts.insert(to.host)
            && ctx.connect(to).is_err()
        {
            self.hosts.remove(&to.host);
        }
    }

    /// Carries out what the engine and the tracker client want.
    fn pump(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        while let Some(event) = self.torrent.poll_event() {
            match event {
                TorrentEvent::ReadBlock { peer, block } => {
                    let link = self
                        .links
                        .link(peer)
                        .filter(|_| self.role != Role::FreeRider);
                    if let Some(link) = link {
                        link.to_upload.push_back(block);
                        if link.to_upload.len() == 1 {
                            self.upload(ctx, peer);
                        }
                    }
                }
                TorrentEvent::Complete => {
                    if self.done_at.is_none() && self.role != Role::Seed {
                        self.done_at = Some(now);
                        let left = self.setup.remaining.get().saturating_sub(1);
                        self.setup.remaining.set(left);
                        if left == 0 {
                            ctx.stop();
                        }
                    }
                }
                TorrentEvent::Disconnect { peer, .. } => self.unlink(ctx, peer),
                TorrentEvent::PeersDiscovered(addrs) => {
                    for a in addrs {
                        if let Some(e) = Endpoint::from_socket_addr(a) {
                            self.dial(ctx, e);
                        }
                    }
                }
                TorrentEvent::PieceVerified { .. }
                | TorrentEvent::PieceFailed { .. }
                | TorrentEvent::Banned(_) => {}
            }
        }
        self.transmit(ctx, None);
        while let Some(d) = self.tracker.poll_transmit() {
            ctx.send_datagram(PEER_PORT, self.setup.tracker, d);
        }
        while let Some(outcome) = self.tracker.poll_outcome() {
            if let UdpTrackerOutcome::Announced(resp) = outcome {
                for p in resp.peers {
                    if let Some(e) = Endpoint::from_socket_addr(p.addr) {
                        self.dial(ctx, e);
                    }
                }
            }
        }
        self.reannounce(ctx);
        self.rearm(ctx);
    }

    /// A downloading peer left with few sessions asks the tracker again,
    /// at most once per [`REANNOUNCE`].
    fn reannounce(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        let due = self
            .announced_at
            .is_none_or(|t| now.saturating_duration_since(t) >= REANNOUNCE);
        if due
            && self.done_at.is_none()
            && self.role != Role::Seed
            && self.hosts.len() < MIN_SESSIONS
            && self.tracker.poll_timeout().is_none()
        {
            self.announce(now, Event::None);
            while let Some(d) = self.tracker.poll_transmit() {
                ctx.send_datagram(PEER_PORT, self.setup.tracker, d);
            }
        }
    }

    fn rearm(&mut self, ctx: &mut Ctx<'_>) {
        let mut next = self.torrent.poll_timeout();
        if let Some(t) = self.tracker.poll_timeout() {
            next = next.min(t);
        }
        // A timer already due no later stays: when it fires early the
        // engine finds nothing due and the timer moves to the real next
        // deadline. (Every block received moves a session's idle deadline
        // later; re-arming each time would queue an event per block.)
        if self.timer.is_some_and(|(_, at)| at <= next) {
            return;
        }
        if let Some((id, _)) = self.timer.take() {
            ctx.cancel_timer(id);
        }
        self.timer = Some((ctx.set_timer(next, 0), next));
    }
}

/// The engine session `stream` carries (its tag, set when it opened).
fn session(ctx: &Ctx<'_>, stream: StreamId) -> Option<PeerKey> {
    ctx.stream_tag(stream).map(PeerKey)
}
