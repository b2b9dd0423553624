//! The torrent engine: owns the piece picker, the choker and every peer
//! session, and turns their decisions into messages. It verifies each
//! completed piece against its SHA-1 before announcing HAVE; a bad piece is
//! fetched again and the peers that sent it get a strike, even if they
//! disconnected before the piece completed. A peer that sent the whole bad
//! piece alone is banned at once. When several sent blocks of it, the hash of
//! each block is kept: once the piece passes, the peers whose blocks differ
//! from the good data are proven corrupt and banned (libtorrent's "smart
//! ban"), so an honest peer that shared a bad piece with a liar is never banned.
//! Sans-IO: the driver feeds bytes and time and carries out [`TorrentEvent`]s
//! (write verified pieces, read blocks to upload, close connections) in the
//! order they are emitted — a piece's `PieceVerified` always precedes any
//! `ReadBlock` of it.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use l7_wire::Instant;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::assembly::{Assembly, NewPieceHasher, Sha1Hasher};
use super::peer_conn::OUR_UT_PEX_ID;
use super::picker::BlockReceipt;
use super::slots::Slots;
use super::timers::Timers;
use super::{
    Choker, ChokerPeer, PeerConn, PeerError, PeerEvent, PeerKey, PiecePicker, RateEstimator,
};
use crate::metainfo::{InfoHash, Layout, Metainfo, hash_piece};
use crate::peer_wire::{Bitfield, BlockRef, ExtendedHandshake, Message, PexMessage, UT_PEX};

/// Strikes that ban an address: given at once to a peer proven to have sent
/// corrupt data (sole sender of a bad piece, or a block that differed from
/// the piece's good data); a bad piece shared with others adds one.
pub const MAX_STRIKES: u32 = 3;
/// Failed pieces whose block hashes are kept to find the liar (bounds memory).
const MAX_SUSPECT_PIECES: usize = 256;
/// How many departed peers' addresses are remembered, so that a peer that
/// sent bad blocks and left before the piece completed is still struck.
const DEPARTED_MEMORY: usize = 1024;
/// BEP 11: peer exchange messages at most once a minute...
pub const PEX_INTERVAL: Duration = Duration::from_secs(60);
/// ...with at most 50 added and 50 dropped peers each.
pub const MAX_PEX_PEERS: usize = 50;

/// Who opened a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// We dialed the peer: its address is where it listens.
    Outbound,
    /// The peer dialed us: its port is ephemeral.
    Inbound,
}

/// Engine limits.
#[derive(Debug, Clone)]
pub struct TorrentConfig {
    /// Most simultaneous peer sessions.
    pub max_peers: usize,
    /// Our 20-byte peer id.
    pub peer_id: [u8; 20],
    /// Our listening port, told to peers in the BEP 10 handshake.
    pub listen_port: Option<u16>,
    /// Client name for the BEP 10 handshake.
    pub client_name: String,
    /// Send HAVE for a new piece to peers that have it already (BEP 3 sends
    /// it to every peer; libtorrent's `send_redundant_have = false` skips
    /// those, which tell the peer nothing it needs: a simulated swarm of a
    /// thousand peers saves half its HAVE messages that way).
    pub redundant_have: bool,
}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TorrentEvent {
    /// A piece passed its hash check: write it, fsync, then record it as resumable.
    PieceVerified {
        /// Piece index.
        index: u32,
        /// The piece's bytes (none after [`Torrent::discard_verified_data`]).
        data: Vec<u8>,
    },
    /// A piece failed its hash check and will be fetched again.
    PieceFailed {
        /// Piece index.
        index: u32,
        /// Peers that sent its blocks.
        peers: Vec<PeerKey>,
    },
    /// Read this block from storage and pass it to [`Torrent::block_read`].
    ReadBlock {
        /// Who asked.
        peer: PeerKey,
        /// What.
        block: BlockRef,
    },
    /// Close this connection (the session is already gone from the engine).
    Disconnect {
        /// Which.
        peer: PeerKey,
        /// Why.
        reason: String,
    },
    /// An address is banned for sending bad data.
    Banned(IpAddr),
    /// Peers learned through peer exchange (BEP 11), to connect to.
    PeersDiscovered(Vec<SocketAddr>),
    /// Every piece is verified.
    Complete,
}

/// Counters for progress displays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TorrentStats {
    /// Verified pieces.
    pub pieces_have: u32,
    /// All pieces.
    pub pieces_total: u32,
    /// Sessions.
    pub peers: usize,
    /// Payload bytes/s received (sum of peers' rolling rates).
    pub download_rate: f64,
    /// Payload bytes/s sent.
    pub upload_rate: f64,
    /// Payload bytes received and kept since start (for tracker announces).
    pub downloaded: u64,
    /// Payload bytes sent since start (for tracker announces).
    pub uploaded: u64,
    /// Bytes still missing (tracker `left`).
    pub left: u64,
}

#[derive(Debug)]
struct Session {
    conn: PeerConn,
    addr: SocketAddr,
    direction: Direction,
    /// `p` from the peer's BEP 10 handshake.
    listen_port: Option<u16>,
    last_block_at: Option<Instant>,
    /// Addresses this peer has been told about through PEX, sorted.
    pex_sent: Vec<SocketAddr>,
    /// `pex_sent` is the last round's connected list (less this peer's own
    /// address): if the list is unchanged, there is nothing to tell.
    pex_current: bool,
    /// The session's next timer, as filed in [`Torrent::deadlines`]
    /// (`None` while a due timer is being handled, or when it is left to
    /// the next round: see [`file_deadline`]).
    deadline: Option<Instant>,
    /// Queued in [`Torrent::ready`].
    ready: bool,
}

impl Session {
    /// Where the peer accepts connections, if known (for PEX).
    fn listen_addr(&self) -> Option<SocketAddr> {
        match (self.listen_port, self.direction) {
            (Some(p), _) => Some(SocketAddr::new(self.addr.ip(), p)),
            (None, Direction::Outbound) => Some(self.addr),
            (None, Direction::Inbound) => None,
        }
    }
}

/// One torrent's swarm engine.
#[derive(Debug)]
pub struct Torrent {
    info_hash: InfoHash,
    /// BEP 27: private torrents never use peer exchange.
    private: bool,
    piece_hashes: Vec<[u8; 20]>,
    layout: Layout,
    config: TorrentConfig,
    picker: PiecePicker,
    choker: Choker,
    sessions: Slots<Session>,
    /// Every session's next timer, earliest first, so that finding the
    /// next one and the due ones never scans all sessions.
    deadlines: Timers,
    /// Sessions that may have bytes to send (a superset: checked on
    /// poll), in the order they had some; each at most once.
    ready: VecDeque<PeerKey>,
    /// Sessions changed since their deadline and output were last filed.
    touched: Vec<PeerKey>,
    /// The pieces being downloaded, hashed as their blocks arrive.
    assemblies: BTreeMap<u32, Assembly>,
    strikes: BTreeMap<IpAddr, u32>,
    /// Who sent each accepted block of the pieces being downloaded.
    senders: BTreeMap<u32, Vec<(BlockRef, PeerKey)>>,
    /// For failed pieces: each block's sender and the SHA-1 of what it sent.
    suspects: BTreeMap<u32, Vec<(BlockRef, IpAddr, [u8; 20])>>,
    banned: BTreeSet<IpAddr>,
    departed: VecDeque<(PeerKey, IpAddr)>,
    events: VecDeque<TorrentEvent>,
    /// Serial number of the next session's key.
    next_key: u32,
    next_pex: Instant,
    /// The connected peers' listening addresses at the last PEX round, sorted.
    pex_connected: Vec<SocketAddr>,
    downloaded: u64,
    uploaded: u64,
    /// Makes each piece's incremental SHA-1 (a simulator may memoise it).
    new_hasher: NewPieceHasher,
    /// Pieces' bytes are kept until verified and go out in
    /// [`TorrentEvent::PieceVerified`] (false: a driver that stores
    /// nothing, the simulator).
    keep_verified: bool,
}

impl Torrent {
    /// An engine for `metainfo`, already holding the verified pieces `have`
    /// (from storage's resume data), with randomness from `seed`.
    pub fn new(
        metainfo: &Metainfo,
        have: Bitfield,
        config: TorrentConfig,
        now: Instant,
        seed: u64,
    ) -> Self {
        let layout = metainfo.info.layout();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let choker_rng = ChaCha8Rng::seed_from_u64(rng.next_u64());
        Torrent {
            info_hash: metainfo.info_hash,
            private: metainfo.info.private,
            piece_hashes: metainfo.info.pieces.clone(),
            picker: PiecePicker::new(layout.clone(), have, rng),
            choker: Choker::new(now, choker_rng),
            layout,
            config,
            sessions: Slots::default(),
            deadlines: Timers::default(),
            ready: VecDeque::new(),
            touched: Vec::new(),
            assemblies: BTreeMap::new(),
            strikes: BTreeMap::new(),
            senders: BTreeMap::new(),
            suspects: BTreeMap::new(),
            banned: BTreeSet::new(),
            departed: VecDeque::new(),
            events: VecDeque::new(),
            next_key: 1,
            next_pex: now + PEX_INTERVAL,
            pex_connected: Vec::new(),
            downloaded: 0,
            uploaded: 0,
            new_hasher: Sha1Hasher::boxed,
            keep_verified: true,
        }
    }

    /// The torrent's info-hash.
    pub fn info_hash(&self) -> &InfoHash {
        &self.info_hash
    }

    /// Replaces the incremental SHA-1 pieces are verified with; it must
    /// give the true SHA-1 (the simulator passes one memoised over its
    /// synthetic content so a thousand peers do not hash the same bytes
    /// again).
    pub fn set_piece_hasher(&mut self, new_hasher: NewPieceHasher) {
        self.new_hasher = new_hasher;
    }

    /// For a driver that stores nothing (the simulator): pieces are still
    /// verified, block by block as they arrive, but their bytes are not
    /// kept: [`TorrentEvent::PieceVerified`] carries none, and a failed
    /// piece's senders are struck without the later comparison of their
    /// blocks with the good copy (smart ban).
    pub fn discard_verified_data(&mut self) {
        self.keep_verified = false;
    }

    /// The piece picker, to change its policy.
    pub fn picker_mut(&mut self) -> &mut PiecePicker {
        &mut self.picker
    }

    /// Verified pieces.
    pub fn have(&self) -> &Bitfield {
        self.picker.have()
    }

    /// Every piece verified.
    pub fn is_complete(&self) -> bool {
        self.picker.is_complete()
    }

    /// True if `ip` is banned.
    pub fn is_banned(&self, ip: IpAddr) -> bool {
        self.banned.contains(&ip)
    }

    /// Strikes recorded against `ip` for sending bad pieces.
    pub fn strikes(&self, ip: IpAddr) -> u32 {
        self.strikes.get(&ip).copied().unwrap_or(0)
    }

    /// Connected sessions, with their addresses.
    pub fn peers(&self) -> impl Iterator<Item = (PeerKey, SocketAddr)> + '_ {
        self.sessions.iter().map(|(k, s)| (*k, s.addr))
    }

    /// The session of `peer`, for inspection.
    pub fn session(&self, peer: PeerKey) -> Option<&PeerConn> {
        self.sessions.get(&peer).map(|s| &s.conn)
    }

    /// Progress counters at `now`.
    pub fn stats(&self, now: Instant) -> TorrentStats {
        TorrentStats {
            pieces_have: self.have().count(),
            pieces_total: self.layout.piece_count(),
            peers: self.sessions.len(),
            download_rate: self
                .sessions
                .values()
                .map(|s| s.conn.download.rate(now))
                .sum(),
            upload_rate: self
                .sessions
                .values()
                .map(|s| s.conn.upload.rate(now))
                .sum(),
            downloaded: self.downloaded,
            uploaded: self.uploaded,
            left: self.layout.total_length()
                - self
                    .have()
                    .ones()
                    .map(|i| self.layout.piece_size(i))
                    .sum::<u64>(),
        }
    }

    /// Opens a session for a new connection (either direction); `None` if the
    /// address is banned, already connected, or the peer limit is reached.
    pub fn add_peer(
        &mut self,
        now: Instant,
        addr: SocketAddr,
        direction: Direction,
    ) -> Option<PeerKey> {
        if self.banned.contains(&addr.ip())
            || self.sessions.len() >= self.config.max_peers
            || self.sessions.values().any(|s| s.addr == addr)
        {
            return None;
        }
        let serial = self.next_key;
        self.next_key = self.next_key.wrapping_add(1);
        let (info_hash, peer_id) = (self.info_hash, self.config.peer_id);
        let layout = self.layout.clone();
        let key = self.sessions.insert_with(serial, |key| {
            let conn = PeerConn::new(key, info_hash, peer_id, layout, now);
            Session {
                deadline: None,
                conn,
                addr,
                direction,
                listen_port: None,
                last_block_at: None,
                pex_sent: Vec::new(),
                pex_current: false,
                ready: true,
            }
        });
        let horizon = self.round_at();
        file_deadline(
            &mut self.deadlines,
            horizon,
            key,
            self.sessions.get_mut(&key)?,
        );
        self.ready.push_back(key);
        Some(key)
    }

    /// The connection closed (by the driver or the peer).
    pub fn peer_disconnected(&mut self, peer: PeerKey) {
        if let Some(s) = self.sessions.remove(&peer) {
            // Its timer and place in `ready` go stale and are skipped.
            self.deadlines.forget(peer);
            self.prune_deadlines();
            self.picker.peer_removed(peer, &s.conn.bitfield);
            self.choker.peer_removed(peer);
            if self.departed.len() == DEPARTED_MEMORY {
                self.departed.pop_front();
            }
            self.departed.push_back((peer, s.addr.ip()));
        }
    }

    fn drop_peer(&mut self, peer: PeerKey, reason: String) {
        if self.sessions.contains_key(&peer) {
            self.peer_disconnected(peer);
            self.events
                .push_back(TorrentEvent::Disconnect { peer, reason });
        }
    }

    /// Bytes received from `peer`.
    pub fn handle_input(&mut self, now: Instant, peer: PeerKey, bytes: &[u8]) {
        self.input(now, peer, bytes);
        self.settle();
    }

    fn input(&mut self, now: Instant, peer: PeerKey, bytes: &[u8]) {
        let Some(session) = self.session_mut(peer) else {
            return;
        };
        match session.conn.handle_input(now, bytes) {
            Ok(events) => {
                for e in events {
                    // An event may end the session (ban, violation): ignore the rest.
                    if !self.sessions.contains_key(&peer) {
                        return;
                    }
                    self.on_peer_event(now, peer, e);
                }
                self.request_more(now, peer);
            }
            Err(e) => self.drop_peer(peer, e.to_string()),
        }
    }

    /// A session, to change: its timer and output are filed again by
    /// [`Torrent::settle`] before the engine returns to the driver.
    fn session_mut(&mut self, peer: PeerKey) -> Option<&mut Session> {
        let s = self.sessions.get_mut(&peer)?;
        self.touched.push(peer);
        Some(s)
    }

    fn conn(&mut self, peer: PeerKey) -> Option<&mut PeerConn> {
        self.session_mut(peer).map(|s| &mut s.conn)
    }

    /// Files the changed sessions' next timers and pending output.
    fn settle(&mut self) {
        // A session is often touched several times in a row (a message
        // read, then its interest updated): file it once.
        self.touched.dedup();
        let horizon = self.round_at();
        for peer in std::mem::take(&mut self.touched) {
            let Some(s) = self.sessions.get_mut(&peer) else {
                continue;
            };
            file_deadline(&mut self.deadlines, horizon, peer, s);
            if s.conn.has_output() && !s.ready {
                s.ready = true;
                self.ready.push_back(peer);
            }
        }
        self.prune_deadlines();
        let sessions = &self.sessions;
        self.deadlines.compact(sessions.len(), || {
            sessions.iter().filter_map(|(k, s)| Some((s.deadline?, *k)))
        });
    }

    /// Drops the timers of sessions gone or moved from the heap's top.
    fn prune_deadlines(&mut self) {
        let sessions = &self.sessions;
        self.deadlines
            .prune(|k| sessions.get(&k).and_then(|s| s.deadline));
    }

    /// When the next round visits every session (see [`Torrent::timeout`]).
    fn round_at(&self) -> Instant {
        self.choker.poll_timeout().min(self.next_pex)
    }

    fn on_peer_event(&mut self, now: Instant, peer: PeerKey, event: PeerEvent) {
        match event {
            PeerEvent::Handshake(h) => {
                self.greet(now, peer, h.supports_fast(), h.supports_extensions())
            }
            PeerEvent::Bitfield(bits) => {
                self.picker.peer_added(&bits);
                self.update_interest(now, peer);
            }
            PeerEvent::Have(i) => {
                self.picker.peer_has(i);
                self.update_interest(now, peer);
            }
            PeerEvent::Choked(dropped) => {
                dropped
                    .into_iter()
                    .for_each(|b| self.picker.request_failed(peer, b));
            }
            PeerEvent::Rejected(b) => self.picker.request_failed(peer, b),
            PeerEvent::Interested => {
                // Between rounds, a free regular slot goes to the newcomer at once.
                if self.choker.fill_free_slot(peer)
                    && let Some(c) = self.conn(peer)
                {
                    c.send(now, &Message::Unchoke);
                }
            }
            PeerEvent::Unchoked | PeerEvent::NotInterested => {}
            PeerEvent::Extended(h) => {
                if let Some(s) = self.session_mut(peer) {
                    s.listen_port = h.listen_port.filter(|&p| p != 0);
                }
            }
            PeerEvent::Pex(_) if self.private => {}
            PeerEvent::Request(block) => {
                if self.have().get(block.index) {
                    self.events
                        .push_back(TorrentEvent::ReadBlock { peer, block });
                } else {
                    // Asking for a piece we never announced.
                    self.drop_peer(
                        peer,
                        format!("request for piece {} we do not have", block.index),
                    );
                }
            }
            PeerEvent::Block(block, data) => self.on_block(now, peer, block, data),
            PeerEvent::Pex(pex) => {
                let mut found: Vec<SocketAddr> =
                    pex.added.into_iter().map(SocketAddr::V4).collect();
                found.extend(pex.added6.into_iter().map(SocketAddr::V6));
                found.retain(|a| !self.banned.contains(&a.ip()));
                if !found.is_empty() {
                    self.events.push_back(TorrentEvent::PeersDiscovered(found));
                }
            }
        }
    }

    /// After the handshake: our pieces (BEP 6 have all/none when both are fast) and BEP 10 handshake.
    fn greet(&mut self, now: Instant, peer: PeerKey, fast: bool, extensions: bool) {
        let have = self.picker.have().clone();
        let ext = ExtendedHandshake {
            extensions: if self.private {
                BTreeMap::new()
            } else {
                [(UT_PEX.to_string(), OUR_UT_PEX_ID)].into()
            },
            listen_port: self.config.listen_port,
            client: Some(self.config.client_name.clone()),
            request_queue: Some(super::MAX_PIPELINE as u32),
            ..Default::default()
        };
        let Some(c) = self.conn(peer) else { return };
        // BEP 3 / BEP 6: the bitfield (or have all / have none) comes first.
        let msg = match (fast, have.count()) {
            (true, 0) => Some(Message::HaveNone),
            (true, n) if n == have.len() => Some(Message::HaveAll),
            (_, 0) => None,
            _ => Some(Message::Bitfield(have.as_bytes().to_vec())),
        };
        if let Some(m) = msg {
            c.send(now, &m);
        }
        if extensions {
            c.send(
                now,
                &Message::Extended {
                    id: 0,
                    payload: ext.to_bytes(),
                },
            );
        }
    }

    /// Sends INTERESTED / NOT INTERESTED as the peer's pieces and ours
    /// change; two seeds have nothing to trade and part.
    fn update_interest(&mut self, now: Instant, peer: PeerKey) {
        let complete = self.picker.is_complete();
        self.touched.push(peer);
        let Some(s) = self.sessions.get_mut(&peer) else {
            return;
        };
        if !refresh_interest(&self.picker, complete, &mut s.conn, now) {
            self.drop_peer(peer, "both seeds".into());
        }
    }

    fn request_more(&mut self, now: Instant, peer: PeerKey) {
        let Some(s) = self.sessions.get(&peer) else {
            return;
        };
        let slots = s.conn.request_slots(now);
        if slots == 0 {
            return;
        }
        let blocks = self.picker.pick(peer, &s.conn.bitfield, slots);
        if let Some(c) = self.conn(peer) {
            blocks
                .iter()
                .for_each(|b| c.send(now, &Message::Request(*b)));
        }
    }

    fn on_block(&mut self, now: Instant, peer: PeerKey, block: BlockRef, data: Cow<'_, [u8]>) {
        if let Some(s) = self.session_mut(peer) {
            s.last_block_at = Some(now);
        }
        let BlockReceipt::Accepted {
            piece_complete,
            cancel,
        } = self.picker.block_received(peer, block)
        else {
            return;
        };
        self.downloaded += u64::from(block.length);
        self.senders
            .entry(block.index)
            .or_default()
            .push((block, peer));
        for other in cancel {
            if let Some(c) = self.conn(other) {
                c.send(now, &Message::Cancel(block));
            }
        }
        let (new_hasher, keep) = (self.new_hasher, self.keep_verified);
        self.assemblies
            .entry(block.index)
            .or_insert_with(|| Assembly::new(new_hasher(), keep))
            .add(block.begin, data);
        if piece_complete {
            self.verify(now, block.index);
        }
    }

    /// BEP 3: check the piece's SHA-1 before telling anyone we have it.
    fn verify(&mut self, now: Instant, index: u32) {
        let Some(assembly) = self.assemblies.remove(&index) else {
            return;
        };
        let (sha1, data) = assembly.finish();
        let senders = self.senders.remove(&index).unwrap_or_default();
        if self.piece_hashes.get(index as usize) == Some(&sha1) {
            self.picker.piece_passed(index);
            // Smart ban: whoever sent a block that differs from the good data lied.
            for (b, ip, h) in self.suspects.remove(&index).unwrap_or_default() {
                if block_of(data.as_deref(), b).map(hash_piece) != Some(h) {
                    self.strikes.insert(ip, MAX_STRIKES);
                    self.ban(ip);
                }
            }
            self.events.push_back(TorrentEvent::PieceVerified {
                index,
                data: data.unwrap_or_default(),
            });
            // HAVE and interest to every session in one walk; the seeds
            // we now have nothing to trade with part after it.
            let complete = self.picker.is_complete();
            let redundant = self.config.redundant_have;
            let mut parting = Vec::new();
            for (k, s) in self.sessions.iter_mut() {
                self.touched.push(*k);
                let c = &mut s.conn;
                if c.is_established() && (redundant || !c.bitfield.get(index)) {
                    c.send(now, &Message::Have(index));
                }
                if !refresh_interest(&self.picker, complete, c, now) {
                    parting.push(*k);
                }
            }
            for k in parting {
                self.drop_peer(k, "both seeds".into());
            }
            if self.picker.is_complete() {
                self.events.push_back(TorrentEvent::Complete);
            }
        } else {
            let peers = self.picker.piece_failed(index);
            self.events.push_back(TorrentEvent::PieceFailed {
                index,
                peers: peers.clone(),
            });
            let sole_sender = peers.len() == 1;
            for p in peers {
                let Some(ip) = self.ip_of(p) else { continue };
                let strikes = self.strikes.entry(ip).or_insert(0);
                *strikes += if sole_sender { MAX_STRIKES } else { 1 };
                if sole_sender {
                    self.ban(ip);
                }
            }
            if !sole_sender && self.suspects.len() < MAX_SUSPECT_PIECES {
                let kept = senders
                    .into_iter()
                    .filter_map(|(b, p)| {
                        let ip = self.ip_of(p)?;
                        Some((b, ip, hash_piece(block_of(data.as_deref(), b)?)))
                    })
                    .collect();
                self.suspects.insert(index, kept);
            }
        }
    }

    /// The address of a current or recently departed peer.
    fn ip_of(&self, peer: PeerKey) -> Option<IpAddr> {
        self.sessions.get(&peer).map(|s| s.addr.ip()).or_else(|| {
            self.departed
                .iter()
                .find(|(k, _)| *k == peer)
                .map(|(_, ip)| *ip)
        })
    }

    fn ban(&mut self, ip: IpAddr) {
        if !self.banned.insert(ip) {
            return;
        }
        self.events.push_back(TorrentEvent::Banned(ip));
        let victims: Vec<PeerKey> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.addr.ip() == ip)
            .map(|(k, _)| *k)
            .collect();
        for k in victims {
            self.drop_peer(k, "banned: sent corrupt data".into());
        }
    }

    /// The driver read a block that [`TorrentEvent::ReadBlock`] asked for.
    pub fn block_read(&mut self, now: Instant, peer: PeerKey, block: BlockRef, data: &[u8]) {
        if data.len() == block.length as usize
            && let Some(c) = self.take_upload(peer, block)
        {
            c.send_piece(now, block, data);
        }
        self.touched.push(peer);
        self.settle();
    }

    /// [`Torrent::block_read`] for a driver that sends the block's bytes
    /// itself, with no copy (sendfile, or generated content): only the
    /// PIECE message's header is queued. When this returns true, the
    /// driver must send the block's `length` bytes right after the bytes
    /// [`Torrent::poll_transmit`] gives next for `peer`.
    pub fn block_header(&mut self, now: Instant, peer: PeerKey, block: BlockRef) -> bool {
        let sent = self
            .take_upload(peer, block)
            .map(|c| c.send_piece_header(now, block))
            .is_some();
        self.touched.push(peer);
        self.settle();
        sent
    }

    /// `peer`'s session, counting `block` as uploaded, if the block is
    /// still wanted: not cancelled, and the peer not choked since it asked.
    fn take_upload(&mut self, peer: PeerKey, block: BlockRef) -> Option<&mut PeerConn> {
        let c = &mut self.sessions.get_mut(&peer)?.conn;
        if !c.take_incoming(&block) || c.am_choking {
            return None;
        }
        self.uploaded += u64::from(block.length);
        Some(c)
    }

    /// Timers: peer keep-alives and timeouts, request timeouts, and choking rounds.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.timeout(now);
        self.settle();
    }

    fn timeout(&mut self, now: Instant) {
        // A choking round (every 10 s) visits every session, so that each
        // asks for more blocks if it can; between rounds, only due ones.
        let round = now >= self.choker.poll_timeout() || now >= self.next_pex;
        let mut due = Vec::new();
        loop {
            let sessions = &self.sessions;
            let Some(k) = self
                .deadlines
                .pop_due(now, |k| sessions.get(&k).and_then(|s| s.deadline))
            else {
                break;
            };
            // Taken: filed again by `settle` once handled.
            if let Some(s) = self.sessions.get_mut(&k) {
                s.deadline = None;
            }
            due.push(k);
        }
        let keys: Vec<PeerKey> = if round {
            self.sessions.keys().copied().collect()
        } else {
            due.sort_unstable();
            due
        };
        for k in keys {
            let Some(c) = self.conn(k) else { continue };
            match c.handle_timeout(now) {
                Ok(expired) => {
                    expired
                        .into_iter()
                        .for_each(|b| self.picker.request_failed(k, b));
                    self.request_more(now, k);
                }
                Err(PeerError::Idle(d)) => {
                    self.drop_peer(k, format!("silent for {}s", d.as_secs()))
                }
                Err(e) => self.drop_peer(k, e.to_string()),
            }
        }
        if now >= self.next_pex {
            self.next_pex = now + PEX_INTERVAL;
            self.exchange_peers(now);
        }
        if now < self.choker.poll_timeout() {
            return;
        }
        let peers: Vec<ChokerPeer> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.conn.is_established())
            .map(|(k, s)| {
                // Rates rank interested peers only.
                let rate = |r: &RateEstimator| {
                    if s.conn.peer_interested {
                        r.rate(now)
                    } else {
                        0.0
                    }
                };
                ChokerPeer {
                    key: *k,
                    interested: s.conn.peer_interested,
                    download_rate: rate(&s.conn.download),
                    upload_rate: rate(&s.conn.upload),
                    connected_at: s.conn.connected_at,
                    last_block_at: s.last_block_at,
                    am_interested: s.conn.am_interested,
                }
            })
            .collect();
        if let Some(unchoked) = self
            .choker
            .handle_timeout(now, &peers, self.picker.is_complete())
        {
            for p in &peers {
                let Some(c) = self.conn(p.key) else { continue };
                let should_unchoke = unchoked.contains(&p.key);
                if should_unchoke && c.am_choking {
                    c.send(now, &Message::Unchoke);
                } else if !should_unchoke && !c.am_choking {
                    c.send(now, &Message::Choke);
                }
            }
        }
    }

    /// BEP 11: tell each ut_pex peer which peers joined and left since last time.
    fn exchange_peers(&mut self, now: Instant) {
        if self.private {
            return;
        }
        let mut connected: Vec<SocketAddr> = self
            .sessions
            .values()
            .filter(|s| s.conn.is_established())
            .filter_map(Session::listen_addr)
            .collect();
        connected.sort_unstable();
        connected.dedup();
        let unchanged = connected == self.pex_connected;
        for (key, s) in self.sessions.iter_mut() {
            let Some(id) = s.conn.ut_pex_id() else {
                continue;
            };
            if unchanged && s.pex_current {
                continue;
            }
            let own = s.listen_addr();
            let (added, dropped) = pex_delta(&connected, &s.pex_sent, own);
            // Neither list was cut short: after this message the peer
            // knows the whole list.
            s.pex_current = added.len() < MAX_PEX_PEERS && dropped.len() < MAX_PEX_PEERS;
            if added.is_empty() && dropped.is_empty() {
                continue;
            }
            self.touched.push(*key);
            s.pex_sent.retain(|a| dropped.binary_search(a).is_err());
            s.pex_sent.extend_from_slice(&added);
            s.pex_sent.sort_unstable();
            let (added4, added6) = crate::compact::split(added);
            let (dropped4, dropped6) = crate::compact::split(dropped);
            let msg = PexMessage {
                added_flags: vec![0; added4.len()],
                added: added4,
                dropped: dropped4,
                added6,
                dropped6,
            };
            s.conn.send(
                now,
                &Message::Extended {
                    id,
                    payload: msg.to_bytes(),
                },
            );
        }
        self.pex_connected = connected;
    }

    /// When [`Torrent::handle_timeout`] next has work.
    pub fn poll_timeout(&self) -> Instant {
        let next = self.choker.poll_timeout().min(self.next_pex);
        self.deadlines.first().map_or(next, |t| next.min(t))
    }

    /// Bytes to send to a peer.
    pub fn poll_transmit(&mut self) -> Option<(PeerKey, Vec<u8>)> {
        while let Some(k) = self.ready.pop_front() {
            let Some(s) = self.sessions.get_mut(&k) else {
                continue;
            };
            s.ready = false;
            if let Some(b) = s.conn.poll_transmit() {
                return Some((k, b));
            }
        }
        None
    }

    /// The next thing the driver must do.
    pub fn poll_event(&mut self) -> Option<TorrentEvent> {
        self.events.pop_front()
    }
}

/// Files the next timer of `peer`'s session `s` if it falls before
/// `horizon`, the next round: a round visits every session and files
/// those then due before the following one, so a timer still comes at its
/// instant, and the many that a message moves later (keep-alive, idle)
/// cost no heap entry.
fn file_deadline(deadlines: &mut Timers, horizon: Instant, peer: PeerKey, s: &mut Session) {
    let deadline = s.conn.poll_timeout();
    let filed = (deadline < horizon).then_some(deadline);
    if s.deadline != filed {
        match filed {
            Some(at) => deadlines.push(at, peer),
            None => deadlines.forget(peer),
        }
        s.deadline = filed;
    }
}

/// Sends INTERESTED / NOT INTERESTED to `conn` if its pieces and ours
/// (`complete`: all of them) changed what we want; false if both sides
/// are seeds, which have nothing to trade and should part.
fn refresh_interest(
    picker: &PiecePicker,
    complete: bool,
    conn: &mut PeerConn,
    now: Instant,
) -> bool {
    if complete && conn.bitfield.is_full() {
        return false;
    }
    let wants = picker.wants_any(&conn.bitfield);
    if wants != conn.am_interested {
        conn.send(
            now,
            if wants {
                &Message::Interested
            } else {
                &Message::NotInterested
            },
        );
    }
    true
}

/// What peer exchange tells a session (BEP 11): the addresses of sorted
/// `connected` missing from sorted `sent`, except `own`, and those of
/// `sent` no longer connected, in order and at most [`MAX_PEX_PEERS`]
/// each; one merge of the two lists (PEX compares every session's list
/// with the connected set each minute).
fn pex_delta(
    connected: &[SocketAddr],
    sent: &[SocketAddr],
    own: Option<SocketAddr>,
) -> (Vec<SocketAddr>, Vec<SocketAddr>) {
    let (mut added, mut dropped) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    loop {
        match (connected.get(i), sent.get(j)) {
            (Some(c), Some(s)) if c == s => {
                i += 1;
                j += 1;
            }
            (Some(c), s) if s.is_none_or(|s| c < s) => {
                if Some(*c) != own && added.len() < MAX_PEX_PEERS {
                    added.push(*c);
                }
                i += 1;
            }
            (_, Some(s)) => {
                if dropped.len() < MAX_PEX_PEERS {
                    dropped.push(*s);
                }
                j += 1;
            }
            _ => break,
        }
    }
    (added, dropped)
}

/// The bytes of block `b` in its piece's bytes, if kept.
fn block_of(piece: Option<&[u8]>, b: BlockRef) -> Option<&[u8]> {
    let start = b.begin as usize;
    piece?.get(start..start.checked_add(b.length as usize)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pex_delta_merges_both_ways_with_caps() {
        let a = |i: u16| SocketAddr::from(([10, 0, 0, 1], i));
        let connected = [a(1), a(2), a(4), a(5)];
        let sent = [a(2), a(3), a(5), a(6)];
        assert_eq!(
            pex_delta(&connected, &sent, Some(a(4))),
            (vec![a(1)], vec![a(3), a(6)])
        );
        assert_eq!(pex_delta(&connected, &[], None).0, connected.to_vec());
        let many: Vec<SocketAddr> = (0..120).map(a).collect();
        let (added, dropped) = pex_delta(&many, &[], None);
        assert_eq!((added.len(), dropped.len()), (MAX_PEX_PEERS, 0));
        let (added, dropped) = pex_delta(&[], &many, None);
        assert_eq!((added.len(), dropped), (0, many[..MAX_PEX_PEERS].to_vec()));
    }
}
