//! The HTTP announce response (BEP 3): a bencoded dictionary with `interval`,
//! `min interval`, `complete`, `incomplete` and `peers`, either compact
//! (BEP 23: a string of 6-byte entries, plus BEP 7 `peers6`) or a list of
//! dictionaries (`peer id`, `ip`, `port`); or just `failure reason`.

use std::net::{IpAddr, SocketAddr};

use super::TrackerError;
use crate::bencode::{self, Value};
use crate::compact;

/// Most peers accepted from one response (client side).
pub const MAX_RESPONSE_PEERS: usize = 2000;

/// One peer in a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerEntry {
    /// Where to connect.
    pub addr: SocketAddr,
    /// Its id (dictionary form only).
    pub peer_id: Option<[u8; 20]>,
}

/// A successful announce response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnounceResponse {
    /// Seconds the client should wait before announcing again.
    pub interval: u32,
    /// Seconds the client must wait at least.
    pub min_interval: Option<u32>,
    /// Seeders.
    pub complete: u32,
    /// Leechers.
    pub incomplete: u32,
    /// Peers for the client.
    pub peers: Vec<PeerEntry>,
    /// A non-fatal `warning message`.
    pub warning: Option<String>,
}

/// The bencoded `failure reason` response.
pub fn encode_failure(reason: &str) -> Vec<u8> {
    Value::dict([("failure reason", Value::from(reason))]).to_bytes()
}

fn count(v: Option<&Value>) -> Option<u32> {
    v.and_then(Value::as_int)
        .and_then(|i| u32::try_from(i).ok())
}

impl AnnounceResponse {
    /// Encodes the response, compact (BEP 23, `peers` + `peers6`) or as dictionaries.
    pub fn encode(&self, compact_form: bool) -> Vec<u8> {
        let mut d = vec![
            ("interval", Value::Int(i64::from(self.interval))),
            ("complete", Value::Int(i64::from(self.complete))),
            ("incomplete", Value::Int(i64::from(self.incomplete))),
        ];
        if let Some(m) = self.min_interval {
            d.push(("min interval", Value::Int(i64::from(m))));
        }
        if let Some(w) = &self.warning {
            d.push(("warning message", Value::from(w.as_str())));
        }
        if compact_form {
            let (v4, v6) = compact::split(self.peers.iter().map(|p| p.addr));
            let mut peers = Vec::new();
            compact::encode_v4(&v4, &mut peers);
            d.push(("peers", Value::Bytes(peers)));
            if !v6.is_empty() {
                let mut peers6 = Vec::new();
                compact::encode_v6(&v6, &mut peers6);
                d.push(("peers6", Value::Bytes(peers6)));
            }
        } else {
            let list = self
                .peers
                .iter()
                .map(|p| {
                    let mut e = vec![
                        ("ip", Value::from(p.addr.ip().to_string().as_str())),
                        ("port", Value::Int(i64::from(p.addr.port()))),
                    ];
                    if let Some(id) = p.peer_id {
                        e.push(("peer id", Value::bytes(id)));
                    }
                    Value::dict(e)
                })
                .collect();
            d.push(("peers", Value::List(list)));
        }
        Value::dict(d).to_bytes()
    }

    /// Parses a tracker's response (client side); `failure reason` becomes
    /// [`TrackerError::Failure`].
    pub fn parse(bytes: &[u8]) -> Result<Self, TrackerError> {
        let v = bencode::decode(bytes).map_err(|e| TrackerError::Malformed(e.to_string()))?;
        if let Some(reason) = v.get("failure reason") {
            return Err(TrackerError::Failure(
                String::from_utf8_lossy(reason.as_bytes().unwrap_or_default()).into_owned(),
            ));
        }
        let malformed = |what: &str| TrackerError::Malformed(what.to_string());
        let interval = count(v.get("interval")).ok_or_else(|| malformed("missing interval"))?;
        let mut peers = Vec::new();
        match v.get("peers") {
            Some(Value::Bytes(b)) => peers.extend(
                compact::decode_v4(b)
                    .ok_or_else(|| malformed("compact peers not a multiple of 6"))?
                    .into_iter()
                    .map(|a| PeerEntry {
                        addr: a.into(),
                        peer_id: None,
                    }),
            ),
            Some(Value::List(list)) => {
                for p in list.iter().take(MAX_RESPONSE_PEERS) {
                    let ip: Option<IpAddr> = p
                        .get("ip")
                        .and_then(Value::as_str)
                        .and_then(|s| s.parse().ok());
                    let port = count(p.get("port")).and_then(|p| u16::try_from(p).ok());
                    // Entries with host names or bad ports are skipped, not fatal.
                    if let (Some(ip), Some(port)) = (ip, port) {
                        let peer_id = p
                            .get("peer id")
                            .and_then(Value::as_bytes)
                            .and_then(|b| b.try_into().ok());
                        peers.push(PeerEntry {
                            addr: SocketAddr::new(ip, port),
                            peer_id,
                        });
                    }
                }
            }
            None => {}
            Some(_) => return Err(malformed("peers is neither a string nor a list")),
        }
        if let Some(b) = v.get("peers6").and_then(Value::as_bytes) {
            peers.extend(
                compact::decode_v6(b)
                    .ok_or_else(|| malformed("peers6 not a multiple of 18"))?
                    .into_iter()
                    .map(|a| PeerEntry {
                        addr: a.into(),
                        peer_id: None,
                    }),
            );
        }
        peers.truncate(MAX_RESPONSE_PEERS);
        Ok(AnnounceResponse {
            interval,
            min_interval: count(v.get("min interval")),
            complete: count(v.get("complete")).unwrap_or(0),
            incomplete: count(v.get("incomplete")).unwrap_or(0),
            peers,
            warning: v
                .get("warning message")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bep23_compact_fixture() {
        let r = AnnounceResponse {
            interval: 1800,
            min_interval: Some(60),
            complete: 1,
            incomplete: 2,
            peers: vec![PeerEntry {
                addr: "10.0.0.1:6881".parse().unwrap(),
                peer_id: None,
            }],
            warning: None,
        };
        let bytes = r.encode(true);
        assert_eq!(
            bytes,
            b"d8:completei1e10:incompletei2e8:intervali1800e12:min intervali60e5:peers6:\x0a\x00\x00\x01\x1a\xe1e"
        );
        assert_eq!(AnnounceResponse::parse(&bytes).unwrap(), r);
    }

    #[test]
    fn dictionary_form_and_peers6() {
        let r = AnnounceResponse {
            interval: 30,
            min_interval: None,
            complete: 0,
            incomplete: 0,
            peers: vec![
                PeerEntry {
                    addr: "127.0.0.1:1".parse().unwrap(),
                    peer_id: Some([7; 20]),
                },
                PeerEntry {
                    addr: "[::1]:2".parse().unwrap(),
                    peer_id: Some([8; 20]),
                },
            ],
            warning: Some("hi".into()),
        };
        assert_eq!(AnnounceResponse::parse(&r.encode(false)).unwrap(), r);
        let compact = AnnounceResponse::parse(&r.encode(true)).unwrap();
        assert_eq!(
            compact.peers.iter().map(|p| p.addr).collect::<Vec<_>>(),
            vec![r.peers[0].addr, r.peers[1].addr]
        );
    }

    #[test]
    fn failure_and_malformed() {
        assert_eq!(
            AnnounceResponse::parse(&encode_failure("no such torrent")),
            Err(TrackerError::Failure("no such torrent".into()))
        );
        assert!(matches!(
            AnnounceResponse::parse(b"d5:peers5:abcdee"),
            Err(TrackerError::Malformed(_))
        ));
        assert!(matches!(
            AnnounceResponse::parse(b"d8:intervali5e5:peers5:abcdee"),
            Err(TrackerError::Malformed(_))
        ));
    }
}
