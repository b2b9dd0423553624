//! `--trace` for `l7 torrent get` and `seed`: one line per BitTorrent
//! message on stderr, each way, decoded by l7-p2p's own parsers from the
//! bytes as they cross the socket — `127.0.0.1:6881 < unchoke` received,
//! `127.0.0.1:6881 > request 3:16384+16384` sent. The handshake (BEP 3) is
//! the first 68 bytes each way; length-prefixed messages follow.

use std::net::SocketAddr;

use l7_p2p::peer_wire::{Handshake, Message};

/// Which way the bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// From the peer to us.
    Received,
    /// From us to the peer.
    Sent,
}

/// Splits one direction of a connection into messages and prints them.
#[derive(Debug)]
pub struct WireTrace {
    peer: SocketAddr,
    way: Way,
    /// Bytes of a message not complete yet (at most one message: the
    /// parser bounds its length).
    pending: Vec<u8>,
    handshaken: bool,
    /// Set after bytes that do not parse: the connection is about to end.
    lost: bool,
}

impl WireTrace {
    /// A trace of the bytes going `way` on the connection with `peer`.
    pub fn new(peer: SocketAddr, way: Way) -> Self {
        WireTrace {
            peer,
            way,
            pending: Vec::new(),
            handshaken: false,
            lost: false,
        }
    }

    /// Prints a line for every message `bytes` completes.
    pub fn feed(&mut self, bytes: &[u8]) {
        for line in self.lines(bytes) {
            eprintln!("{line}");
        }
    }

    /// The lines for the messages `bytes` completes.
    pub fn lines(&mut self, bytes: &[u8]) -> Vec<String> {
        if self.lost {
            return Vec::new();
        }
        self.pending.extend_from_slice(bytes);
        let arrow = match self.way {
            Way::Received => '<',
            Way::Sent => '>',
        };
        let mut out = Vec::new();
        let mut at = 0;
        loop {
            let rest = &self.pending[at..];
            let parsed = if self.handshaken {
                Message::parse(rest).map(|(m, n)| (m.to_string(), n))
            } else {
                Handshake::parse(rest).map(|(h, n)| (describe(&h), n))
            };
            match parsed {
                Ok((text, n)) => {
                    out.push(format!("{} {arrow} {text}", self.peer));
                    self.handshaken = true;
                    at += n;
                }
                Err(e) if e.is_incomplete() => break,
                Err(e) => {
                    out.push(format!("{} {arrow} (unparseable: {e})", self.peer));
                    self.lost = true;
                    self.pending = Vec::new();
                    return out;
                }
            }
        }
        self.pending.drain(..at);
        out
    }
}

/// `handshake <info-hash> peer <id> [fast] [extensions]`.
fn describe(h: &Handshake) -> String {
    let id: String = h
        .peer_id
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() {
                char::from(b)
            } else {
                '.'
            }
        })
        .collect();
    let mut s = format!("handshake {} peer {id}", h.info_hash);
    if h.supports_fast() {
        s.push_str(" fast");
    }
    if h.supports_extensions() {
        s.push_str(" extensions");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use l7_p2p::metainfo::InfoHash;

    #[test]
    fn one_line_per_message_across_chunk_boundaries() {
        let mut bytes = Vec::new();
        Handshake::new(InfoHash([0xab; 20]), *b"-L70001-abcdefghijkl").emit(&mut bytes);
        Message::Unchoke.emit(&mut bytes);
        Message::Have(7).emit(&mut bytes);
        let peer: SocketAddr = "127.0.0.1:6881".parse().unwrap();
        let mut t = WireTrace::new(peer, Way::Received);
        let mut lines = Vec::new();
        for chunk in bytes.chunks(5) {
            lines.extend(t.lines(chunk));
        }
        assert_eq!(
            lines,
            [
                format!(
                    "127.0.0.1:6881 < handshake {} peer -L70001-abcdefghijkl fast extensions",
                    "ab".repeat(20)
                ),
                "127.0.0.1:6881 < unchoke".to_string(),
                "127.0.0.1:6881 < have 7".to_string(),
            ]
        );
        let mut sent = WireTrace::new(peer, Way::Sent);
        assert!(sent.lines(b"\x13BitTorrent").is_empty());
        let bad = sent.lines(&[b'x'; 80]);
        assert_eq!(bad.len(), 1);
        assert!(
            bad[0].starts_with("127.0.0.1:6881 > (unparseable"),
            "{bad:?}"
        );
        assert!(sent.lines(&[0, 0, 0, 0]).is_empty());
    }
}
