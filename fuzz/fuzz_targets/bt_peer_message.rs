//! Fuzzes the peer wire parsers (handshake, messages, extended payloads,
//! bitfield validation) and the peer session fed with the same bytes after
//! a valid handshake (whole, and split across two reads): never panics, never reads past the input, and every
//! parsed message re-encodes to the bytes it came from.
#![no_main]
use l7_p2p::metainfo::{InfoHash, Layout};
use l7_p2p::peer_wire::{Bitfield, ExtendedHandshake, Handshake, Message, PexMessage};
use l7_p2p::swarm::{PeerConn, PeerKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Handshake::parse(data);
    let mut rest = data;
    while let Ok((m, n)) = Message::parse(rest) {
        assert!(n <= rest.len());
        assert_eq!(m.to_bytes(), &rest[..n]);
        match &m {
            Message::Bitfield(bits) => {
                let _ = Bitfield::from_bytes(bits, (bits.len() * 8) as u32);
            }
            Message::Extended { id: 0, payload } => {
                let _ = ExtendedHandshake::parse(payload);
            }
            Message::Extended { payload, .. } => {
                let _ = PexMessage::parse(payload);
            }
            _ => {}
        }
        rest = &rest[n..];
    }
    // The session: a 3-piece torrent, a fast + extension handshake, then the
    // input (time stays at the epoch: `Default::default()` is `Instant::ZERO`).
    let hash = InfoHash([7; 20]);
    let session = || {
        let mut conn = PeerConn::new(
            PeerKey(1),
            hash,
            [1; 20],
            Layout::new(vec![40_000], 16_384),
            Default::default(),
        );
        let mut hello = Vec::new();
        Handshake::new(hash, [2; 20]).emit(&mut hello);
        conn.handle_input(Default::default(), &hello).is_ok().then_some(conn)
    };
    // Read whole (blocks borrowed from the input)...
    if let Some(mut conn) = session() {
        let _ = conn.handle_input(Default::default(), data);
        let _ = conn.handle_timeout(Default::default());
        let _ = conn.poll_transmit();
    }
    // ...and split across two reads (the joined buffer's blocks owned).
    if let Some(mut conn) = session() {
        let (a, b) = data.split_at(data.len() / 2);
        if conn.handle_input(Default::default(), a).is_ok() {
            let _ = conn.handle_input(Default::default(), b);
        }
    }
});
