//! The torrent engine end to end in virtual time: engines connected by
//! in-memory pipes, a driver loop that carries out their events. A leecher
//! downloads from a seeder and ends with identical data; a seeder that
//! serves corrupt blocks is struck, banned and disconnected while the
//! download completes correctly from an honest seeder; a small swarm
//! completes with identical data everywhere; peers learn addresses via PEX,
//! and of a newcomer at the next round; a session's timer fires at its
//! instant between rounds. Some uploaders send blocks the zero-copy way
//! (`block_header`, the block written after the header by the driver).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use l7_p2p::metainfo::{Metainfo, TorrentBuilder, hash_piece};
use l7_p2p::peer_wire::{Bitfield, BlockRef, Handshake, Message};
use l7_p2p::swarm::{Direction, PeerKey, Torrent, TorrentConfig, TorrentEvent};
use l7_wire::Instant;

const PIECE: u64 = 32 * 1024;

struct Node {
    engine: Torrent,
    addr: SocketAddr,
    /// The node's storage: the whole content.
    data: Vec<u8>,
    /// Flip bytes of every block it uploads.
    corrupt: bool,
    /// Upload through `block_header`, writing each block after it.
    zero_copy: bool,
    /// Bytes taken from the engine to send, in order, with the blocks in.
    sent: Vec<(PeerKey, Vec<u8>)>,
    banned: Vec<std::net::IpAddr>,
    discovered: Vec<SocketAddr>,
}

fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 1000) as u8).collect()
}

fn metainfo(data: &[u8]) -> Metainfo {
    let b = TorrentBuilder::single_file("sample.bin", data.len() as u64)
        .unwrap()
        .piece_length(PIECE)
        .unwrap();
    let layout = b.layout();
    let hashes = (0..layout.piece_count())
        .map(|i| {
            let start = (u64::from(i) * PIECE) as usize;
            hash_piece(&data[start..start + layout.piece_size(i) as usize])
        })
        .collect();
    b.build(hashes).unwrap()
}

fn node(m: &Metainfo, id: u8, seed: bool, data: Vec<u8>) -> Node {
    let n = m.info.pieces.len() as u32;
    let have = if seed {
        Bitfield::full(n)
    } else {
        Bitfield::new(n)
    };
    let config = TorrentConfig {
        max_peers: 50,
        peer_id: [id; 20],
        listen_port: Some(6881),
        client_name: "l7 test".into(),
        redundant_have: true,
    };
    Node {
        engine: Torrent::new(m, have, config, Instant::ZERO, u64::from(id)),
        addr: SocketAddr::from(([10, 0, 0, id], 6881)),
        data,
        corrupt: false,
        zero_copy: false,
        sent: Vec::new(),
        banned: Vec::new(),
        discovered: Vec::new(),
    }
}

/// Links: (node index, key on that node) <-> (other node index, key there).
struct Net {
    nodes: Vec<Node>,
    links: BTreeMap<(usize, PeerKey), (usize, PeerKey)>,
    now: Instant,
}

impl Net {
    fn connect(&mut self, a: usize, b: usize) {
        let (addr_a, addr_b) = (self.nodes[a].addr, self.nodes[b].addr);
        let ka = self.nodes[a]
            .engine
            .add_peer(self.now, addr_b, Direction::Outbound)
            .unwrap();
        let kb = self.nodes[b]
            .engine
            .add_peer(self.now, addr_a, Direction::Inbound)
            .unwrap();
        self.links.insert((a, ka), (b, kb));
        self.links.insert((b, kb), (a, ka));
    }

    /// Runs until `done` or the time limit; returns the time taken.
    fn run(&mut self, limit: Duration, done: impl Fn(&Net) -> bool) -> Duration {
        let step = Duration::from_millis(50);
        while !done(self) {
            assert!(
                self.now.since_epoch() < limit,
                "did not finish within {limit:?}"
            );
            for i in 0..self.nodes.len() {
                if self.nodes[i].engine.poll_timeout() <= self.now {
                    self.nodes[i].engine.handle_timeout(self.now);
                }
                self.drain(i);
            }
            self.now = self.now + step;
        }
        self.now.since_epoch()
    }

    fn drain(&mut self, i: usize) {
        loop {
            let mut progressed = false;
            while let Some(event) = self.nodes[i].engine.poll_event() {
                progressed = true;
                let node = &mut self.nodes[i];
                match event {
                    TorrentEvent::ReadBlock { peer, block } => {
                        let start =
                            (u64::from(block.index) * PIECE + u64::from(block.begin)) as usize;
                        let mut data = node.data[start..start + block.length as usize].to_vec();
                        if node.corrupt {
                            data.iter_mut().for_each(|b| *b ^= 0xff);
                        }
                        if !node.zero_copy {
                            node.engine.block_read(self.now, peer, block, &data);
                        } else if node.engine.block_header(self.now, peer, block) {
                            // The block goes right after the bytes sent next.
                            while let Some((key, mut bytes)) = node.engine.poll_transmit() {
                                if key == peer {
                                    bytes.extend_from_slice(&data);
                                }
                                node.sent.push((key, bytes));
                            }
                        }
                    }
                    TorrentEvent::PieceVerified { index, data } => {
                        let start = (u64::from(index) * PIECE) as usize;
                        node.data[start..start + data.len()].copy_from_slice(&data);
                    }
                    TorrentEvent::Disconnect { peer, .. } => {
                        if let Some((j, kj)) = self.links.remove(&(i, peer)) {
                            self.links.remove(&(j, kj));
                            self.nodes[j].engine.peer_disconnected(kj);
                        }
                    }
                    TorrentEvent::Banned(ip) => node.banned.push(ip),
                    TorrentEvent::PeersDiscovered(found) => node.discovered.extend(found),
                    TorrentEvent::PieceFailed { .. } | TorrentEvent::Complete => {}
                }
            }
            let mut sent = std::mem::take(&mut self.nodes[i].sent).into_iter();
            while let Some((key, bytes)) =
                sent.next().or_else(|| self.nodes[i].engine.poll_transmit())
            {
                progressed = true;
                if let Some(&(j, kj)) = self.links.get(&(i, key)) {
                    self.nodes[j].engine.handle_input(self.now, kj, &bytes);
                    self.drain(j);
                }
            }
            if !progressed {
                return;
            }
        }
    }
}

#[test]
fn leecher_downloads_identical_data_from_seeder() {
    let data = content(5 * PIECE as usize + 1234);
    let m = metainfo(&data);
    let mut net = Net {
        nodes: vec![
            node(&m, 1, true, data.clone()),
            node(&m, 2, false, vec![0; data.len()]),
        ],
        links: BTreeMap::new(),
        now: Instant::ZERO,
    };
    assert_eq!(net.nodes[1].engine.stats(net.now).left, data.len() as u64);
    net.connect(0, 1);
    let took = net.run(Duration::from_secs(60), |n| n.nodes[1].engine.is_complete());
    assert_eq!(net.nodes[1].data, data);
    // The seeder has free unchoke slots, so it unchokes the leecher as soon
    // as it is interested, without waiting for the next 10 s round.
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert_eq!(
        net.nodes[0].engine.stats(net.now).uploaded,
        data.len() as u64
    );
    assert_eq!(
        net.nodes[1].engine.stats(net.now).downloaded,
        data.len() as u64
    );
    assert_eq!(net.nodes[1].engine.stats(net.now).left, 0);
    assert!(
        net.nodes[0].engine.peers().next().is_none(),
        "two seeds part"
    );
}

#[test]
fn corrupt_seeder_is_banned_and_download_completes() {
    let data = content(8 * PIECE as usize);
    let m = metainfo(&data);
    let mut bad = node(&m, 3, true, data.clone());
    bad.corrupt = true;
    let mut net = Net {
        nodes: vec![bad, node(&m, 2, false, vec![0; data.len()])],
        links: BTreeMap::new(),
        now: Instant::ZERO,
    };
    net.connect(0, 1);
    // Only the corrupt seeder: the first bad piece (sole sender) gets it banned.
    net.run(Duration::from_secs(30), |n| !n.nodes[1].banned.is_empty());
    assert_eq!(net.nodes[1].banned, vec![net.nodes[0].addr.ip()]);
    assert!(net.links.is_empty(), "the banned peer was disconnected");
    assert_eq!(
        net.nodes[1].engine.have().count(),
        0,
        "no corrupt piece was accepted"
    );
    let bad_addr = net.nodes[0].addr;
    assert!(
        net.nodes[1]
            .engine
            .add_peer(net.now, bad_addr, Direction::Outbound)
            .is_none(),
        "banned address refused"
    );
    // An honest seeder arrives; the download completes with correct data.
    net.nodes.push(node(&m, 4, true, data.clone()));
    net.connect(2, 1);
    net.run(Duration::from_secs(90), |n| n.nodes[1].engine.is_complete());
    assert_eq!(net.nodes[1].data, data);
}

#[test]
fn swarm_completes_with_identical_data_everywhere() {
    let data = content(12 * PIECE as usize + 77);
    let m = metainfo(&data);
    let mut net = Net {
        nodes: vec![
            node(&m, 1, true, data.clone()),
            node(&m, 2, false, vec![0; data.len()]),
            node(&m, 3, false, vec![0; data.len()]),
            node(&m, 4, false, vec![0; data.len()]),
        ],
        links: BTreeMap::new(),
        now: Instant::ZERO,
    };
    // The seeder and leecher 2 upload the zero-copy way.
    net.nodes[0].zero_copy = true;
    net.nodes[2].zero_copy = true;
    // Every leecher dials the seeder; leechers 2 and 3 also trade with each other.
    net.connect(1, 0);
    net.connect(2, 0);
    net.connect(3, 0);
    net.connect(2, 1);
    net.run(Duration::from_secs(120), |n| {
        n.nodes.iter().all(|x| x.engine.is_complete())
    });
    for n in &net.nodes {
        assert_eq!(n.data, data);
    }
    // Seeds have nothing to trade: every connection between them is closed.
    net.run(Duration::from_secs(130), |n| n.links.is_empty());
}

#[test]
fn peers_learn_addresses_through_pex() {
    let data = content(4 * PIECE as usize);
    let m = metainfo(&data);
    // Three leechers with nothing: node 1 is the hub between nodes 0 and 2.
    let mut net = Net {
        nodes: (1..=3)
            .map(|id| node(&m, id, false, vec![0; data.len()]))
            .collect(),
        links: BTreeMap::new(),
        now: Instant::ZERO,
    };
    net.connect(0, 1);
    net.connect(2, 1);
    net.run(Duration::from_secs(59), |n| {
        n.now.since_epoch() >= Duration::from_secs(58)
    });
    assert!(
        net.nodes[0].discovered.is_empty(),
        "nothing before a minute"
    );
    net.run(Duration::from_secs(70), |n| {
        n.now.since_epoch() >= Duration::from_secs(61)
    });
    // The hub tells each side about the other's listening address, never about itself.
    assert_eq!(net.nodes[0].discovered, vec![net.nodes[2].addr]);
    assert_eq!(net.nodes[2].discovered, vec![net.nodes[0].addr]);
    // A fourth node joins the hub: at the next round, peers told the whole
    // list last time hear of the newcomer, and the newcomer of everyone.
    net.nodes.push(node(&m, 4, false, vec![0; data.len()]));
    net.connect(3, 1);
    net.run(Duration::from_secs(130), |n| {
        n.now.since_epoch() >= Duration::from_secs(121)
    });
    let addr = |i: usize| net.nodes[i].addr;
    assert_eq!(net.nodes[0].discovered, vec![addr(2), addr(3)]);
    assert_eq!(net.nodes[2].discovered, vec![addr(0), addr(3)]);
    assert_eq!(net.nodes[3].discovered, vec![addr(0), addr(2)]);
}

/// A hand-driven remote peer: handshake, all pieces, unchoke.
fn hello(m: &Metainfo, id: u8) -> Vec<u8> {
    let mut h = Handshake::new(m.info_hash, [id; 20]);
    h.reserved = [0; 8];
    let mut out = Vec::new();
    h.emit(&mut out);
    Message::Bitfield(
        Bitfield::full(m.info.pieces.len() as u32)
            .as_bytes()
            .to_vec(),
    )
    .emit(&mut out);
    Message::Unchoke.emit(&mut out);
    out
}

#[test]
fn senders_of_a_bad_piece_are_struck_even_after_leaving() {
    let data = content(PIECE as usize); // one piece of two blocks
    let m = metainfo(&data);
    let mut leecher = node(&m, 9, false, vec![0; data.len()]).engine;
    let now = Instant::ZERO;
    let a_addr = SocketAddr::from(([10, 0, 0, 1], 1000));
    let b_addr = SocketAddr::from(([10, 0, 0, 2], 1000));
    let a = leecher.add_peer(now, a_addr, Direction::Outbound).unwrap();
    leecher.handle_input(now, a, &hello(&m, 1));
    let (_, sent) = leecher.poll_transmit().unwrap();
    let first = BlockRef {
        index: 0,
        begin: 0,
        length: 16384,
    };
    assert!(
        sent.ends_with(
            &Message::Request(BlockRef {
                begin: 16384,
                ..first
            })
            .to_bytes()
        )
    );
    // A sends a corrupt first block, then leaves; its second request goes back to the picker.
    let bad = Message::Piece {
        index: 0,
        begin: 0,
        data: vec![0xee; 16384],
    };
    leecher.handle_input(now, a, &bad.to_bytes());
    leecher.peer_disconnected(a);
    // B supplies the second block: the piece completes and fails its hash.
    let b = leecher.add_peer(now, b_addr, Direction::Outbound).unwrap();
    leecher.handle_input(now, b, &hello(&m, 2));
    let (_, sent) = leecher.poll_transmit().unwrap();
    let second = BlockRef {
        begin: 16384,
        ..first
    };
    assert!(
        sent.ends_with(&Message::Request(second).to_bytes()),
        "only the missing block"
    );
    let good = Message::Piece {
        index: 0,
        begin: 16384,
        data: data[16384..].to_vec(),
    };
    leecher.handle_input(now, b, &good.to_bytes());
    let events: Vec<TorrentEvent> = std::iter::from_fn(|| leecher.poll_event()).collect();
    assert_eq!(
        events,
        vec![TorrentEvent::PieceFailed {
            index: 0,
            peers: vec![a, b]
        }]
    );
    assert_eq!(leecher.strikes(a_addr.ip()), 1);
    assert_eq!(leecher.strikes(b_addr.ip()), 1);
    assert_eq!(leecher.have().count(), 0);
    // The piece is fetched again, whole, from B.
    let (to, sent) = leecher.poll_transmit().unwrap();
    assert_eq!(to, b);
    let again = [
        Message::Request(first).to_bytes(),
        Message::Request(second).to_bytes(),
    ]
    .concat();
    assert_eq!(sent, again);
    // B sends the piece again and it passes: A's block differed from the good
    // data, so A is proven corrupt and banned; B, honest, is not.
    let whole = [
        Message::Piece {
            index: 0,
            begin: 0,
            data: data[..16384].to_vec(),
        }
        .to_bytes(),
        good.to_bytes(),
    ]
    .concat();
    leecher.handle_input(now, b, &whole);
    let events: Vec<TorrentEvent> = std::iter::from_fn(|| leecher.poll_event()).collect();
    assert!(
        events.contains(&TorrentEvent::Banned(a_addr.ip())),
        "{events:?}"
    );
    assert!(leecher.is_banned(a_addr.ip()));
    assert!(!leecher.is_banned(b_addr.ip()));
    assert!(leecher.is_complete());
}

/// Session timers fire at their instant, between choking rounds too: a
/// peer that never sends its handshake is dropped exactly
/// `HANDSHAKE_TIMEOUT` after it connected, not at the next round.
#[test]
fn a_timer_between_rounds_fires_at_its_instant() {
    let data = content(64 * 1024);
    let m = metainfo(&data);
    let mut n = node(&m, 1, true, data);
    let t0 = Instant::ZERO + Duration::from_millis(3_300);
    n.engine.handle_timeout(t0);
    let silent = n
        .engine
        .add_peer(
            t0,
            SocketAddr::from(([10, 0, 0, 2], 6881)),
            Direction::Inbound,
        )
        .unwrap();
    let dropped_at = loop {
        let now = n.engine.poll_timeout();
        assert!(now <= t0 + Duration::from_secs(60), "never dropped");
        n.engine.handle_timeout(now);
        let dropped = std::iter::from_fn(|| n.engine.poll_event())
            .any(|e| matches!(e, TorrentEvent::Disconnect { peer, .. } if peer == silent));
        if dropped {
            break now;
        }
    };
    assert_eq!(dropped_at, t0 + l7_p2p::swarm::HANDSHAKE_TIMEOUT);
}
