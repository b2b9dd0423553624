//! UDP tracker packets (BEP 15). Requests: connect (magic protocol id
//! 0x41727101980, action 0), announce (action 1, 98 bytes), scrape (action 2,
//! up to [`MAX_UDP_SCRAPE`] hashes). Responses: connect, announce (6-byte
//! peers over IPv4, 18-byte over IPv6), scrape, error (action 3).

use std::net::SocketAddr;

use l7_wire::{Reader, WireError, WriteExt};

use super::{AnnounceRequest, Event, MAX_NUMWANT, ScrapeStats};
use crate::compact;
use crate::metainfo::InfoHash;

/// BEP 15 magic constant of a connect request.
pub const PROTOCOL_ID: u64 = 0x0417_2710_1980;
/// Most info-hashes in one UDP scrape (BEP 15: about 74 fit in a packet).
pub const MAX_UDP_SCRAPE: usize = 74;

/// Bytes before the peers in an announce response.
pub const ANNOUNCE_HEADER: usize = 20;

const CONNECT: u32 = 0;
const ANNOUNCE: u32 = 1;
const SCRAPE: u32 = 2;
const ERROR: u32 = 3;

/// A BEP 15 announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpAnnounce {
    /// From the connect response.
    pub connection_id: u64,
    /// Echoed by the tracker.
    pub transaction_id: u32,
    /// The announce itself (`compact` is implied; `key` is 4 bytes).
    pub request: AnnounceRequest,
    /// Claimed IPv4 address (0: use the source; trackers ignore others).
    pub ip: u32,
}

/// A packet from client to tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UdpRequest {
    /// Obtain a connection id.
    Connect {
        /// Echoed by the tracker.
        transaction_id: u32,
    },
    /// Announce.
    Announce(UdpAnnounce),
    /// Scrape.
    Scrape {
        /// From the connect response.
        connection_id: u64,
        /// Echoed by the tracker.
        transaction_id: u32,
        /// Torrents to scrape.
        info_hashes: Vec<InfoHash>,
    },
}

/// A packet from tracker to client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UdpResponse {
    /// A connection id for the next two minutes.
    Connect {
        /// Echoed.
        transaction_id: u32,
        /// To put in announces and scrapes.
        connection_id: u64,
    },
    /// Peers and counters.
    Announce {
        /// Echoed.
        transaction_id: u32,
        /// Seconds until the next announce.
        interval: u32,
        /// Leechers.
        leechers: u32,
        /// Seeders.
        seeders: u32,
        /// Peers, all of the request's address family.
        peers: Vec<SocketAddr>,
    },
    /// Counters per requested hash, in order.
    Scrape {
        /// Echoed.
        transaction_id: u32,
        /// One per requested hash.
        stats: Vec<ScrapeStats>,
    },
    /// A failure.
    Error {
        /// Echoed.
        transaction_id: u32,
        /// Human-readable reason.
        message: String,
    },
}

/// An announce response's header (BEP 15: action, transaction id, interval,
/// leechers, seeders); the compact peers follow it.
pub fn announce_header(
    transaction_id: u32,
    interval: u32,
    leechers: u32,
    seeders: u32,
) -> [u8; ANNOUNCE_HEADER] {
    let mut h = [0u8; ANNOUNCE_HEADER];
    for (i, word) in [ANNOUNCE, transaction_id, interval, leechers, seeders]
        .into_iter()
        .enumerate()
    {
        h[4 * i..4 * i + 4].copy_from_slice(&word.to_be_bytes());
    }
    h
}

fn event_code(e: Event) -> u32 {
    match e {
        Event::None => 0,
        Event::Completed => 1,
        Event::Started => 2,
        Event::Stopped => 3,
    }
}

impl UdpRequest {
    /// Parses a whole datagram.
    pub fn parse(buf: &[u8]) -> Result<UdpRequest, WireError> {
        let mut r = Reader::new(buf);
        let connection_id = r.u64()?;
        let action = r.u32()?;
        let transaction_id = r.u32()?;
        let req = match action {
            CONNECT if connection_id == PROTOCOL_ID => UdpRequest::Connect { transaction_id },
            CONNECT => return Err(WireError::invalid("connect without the protocol id")),
            ANNOUNCE => {
                let info_hash = InfoHash(r.array()?);
                let peer_id = r.array()?;
                let downloaded = r.u64()?;
                let left = r.u64()?;
                let uploaded = r.u64()?;
                let event = match r.u32()? {
                    0 => Event::None,
                    1 => Event::Completed,
                    2 => Event::Started,
                    3 => Event::Stopped,
                    _ => return Err(WireError::invalid("unknown announce event")),
                };
                let ip = r.u32()?;
                let key = r.u32()?;
                let num_want = r.u32()? as i32;
                let port = r.u16()?;
                UdpRequest::Announce(UdpAnnounce {
                    connection_id,
                    transaction_id,
                    ip,
                    request: AnnounceRequest {
                        info_hash,
                        peer_id,
                        port,
                        uploaded,
                        downloaded,
                        left,
                        event,
                        compact: true,
                        // -1 (or any negative) means "default".
                        numwant: u32::try_from(num_want).ok().map(|n| n.min(MAX_NUMWANT)),
                        key: Some(key.to_be_bytes().to_vec()),
                    },
                })
            }
            SCRAPE => {
                let n = r.remaining() / 20;
                if !r.remaining().is_multiple_of(20) || n == 0 || n > MAX_UDP_SCRAPE {
                    return Err(WireError::invalid("scrape needs 1..=74 info-hashes"));
                }
                let info_hashes = (0..n)
                    .map(|_| r.array().map(InfoHash))
                    .collect::<Result<_, _>>()?;
                UdpRequest::Scrape {
                    connection_id,
                    transaction_id,
                    info_hashes,
                }
            }
            _ => return Err(WireError::invalid(format!("unknown action {action}"))),
        };
        Ok(req)
    }

    /// Appends the datagram.
    pub fn emit(&self, out: &mut Vec<u8>) {
        match self {
            UdpRequest::Connect { transaction_id } => {
                out.put_u64(PROTOCOL_ID);
                out.put_u32(CONNECT);
                out.put_u32(*transaction_id);
            }
            UdpRequest::Announce(a) => {
                let r = &a.request;
                out.put_u64(a.connection_id);
                out.put_u32(ANNOUNCE);
                out.put_u32(a.transaction_id);
                out.extend_from_slice(&r.info_hash.0);
                out.extend_from_slice(&r.peer_id);
                out.put_u64(r.downloaded);
                out.put_u64(r.left);
                out.put_u64(r.uploaded);
                out.put_u32(event_code(r.event));
                out.put_u32(a.ip);
                let mut key = [0u8; 4];
                if let Some(k) = &r.key {
                    let n = k.len().min(4);
                    key[4 - n..].copy_from_slice(&k[k.len() - n..]);
                }
                out.extend_from_slice(&key);
                out.put_u32(r.numwant.map_or(u32::MAX, |n| n.min(i32::MAX as u32)));
                out.put_u16(r.port);
            }
            UdpRequest::Scrape {
                connection_id,
                transaction_id,
                info_hashes,
            } => {
                out.put_u64(*connection_id);
                out.put_u32(SCRAPE);
                out.put_u32(*transaction_id);
                info_hashes.iter().for_each(|h| out.extend_from_slice(&h.0));
            }
        }
    }
}

impl UdpResponse {
    /// Parses a whole datagram; `ipv6` selects 18-byte peer entries.
    pub fn parse(buf: &[u8], ipv6: bool) -> Result<UdpResponse, WireError> {
        let mut r = Reader::new(buf);
        let action = r.u32()?;
        let transaction_id = r.u32()?;
        Ok(match action {
            CONNECT => UdpResponse::Connect {
                transaction_id,
                connection_id: r.u64()?,
            },
            ANNOUNCE => {
                let interval = r.u32()?;
                let leechers = r.u32()?;
                let seeders = r.u32()?;
                let rest = r.rest();
                let bad = || WireError::invalid("peer list of the wrong length");
                let peers = if ipv6 {
                    compact::decode_v6(rest)
                        .ok_or_else(bad)?
                        .into_iter()
                        .map(SocketAddr::V6)
                        .collect()
                } else {
                    compact::decode_v4(rest)
                        .ok_or_else(bad)?
                        .into_iter()
                        .map(SocketAddr::V4)
                        .collect()
                };
                UdpResponse::Announce {
                    transaction_id,
                    interval,
                    leechers,
                    seeders,
                    peers,
                }
            }
            SCRAPE => {
                if !r.remaining().is_multiple_of(12) {
                    return Err(WireError::invalid("scrape response of the wrong length"));
                }
                let mut stats = Vec::new();
                while !r.is_empty() {
                    let complete = r.u32()?;
                    let downloaded = r.u32()?;
                    let incomplete = r.u32()?;
                    stats.push(ScrapeStats {
                        complete,
                        downloaded,
                        incomplete,
                    });
                }
                UdpResponse::Scrape {
                    transaction_id,
                    stats,
                }
            }
            ERROR => UdpResponse::Error {
                transaction_id,
                message: String::from_utf8_lossy(r.rest()).into_owned(),
            },
            _ => return Err(WireError::invalid(format!("unknown action {action}"))),
        })
    }

    /// Appends the datagram. Announce peers not of one family are written as they come;
    /// the server passes only peers of the requester's family.
    pub fn emit(&self, out: &mut Vec<u8>) {
        match self {
            UdpResponse::Connect {
                transaction_id,
                connection_id,
            } => {
                out.put_u32(CONNECT);
                out.put_u32(*transaction_id);
                out.put_u64(*connection_id);
            }
            UdpResponse::Announce {
                transaction_id,
                interval,
                leechers,
                seeders,
                peers,
            } => {
                out.extend_from_slice(&announce_header(
                    *transaction_id,
                    *interval,
                    *leechers,
                    *seeders,
                ));
                let (v4, v6) = compact::split(peers.iter().copied());
                compact::encode_v4(&v4, out);
                compact::encode_v6(&v6, out);
            }
            UdpResponse::Scrape {
                transaction_id,
                stats,
            } => {
                out.put_u32(SCRAPE);
                out.put_u32(*transaction_id);
                for s in stats {
                    out.put_u32(s.complete);
                    out.put_u32(s.downloaded);
                    out.put_u32(s.incomplete);
                }
            }
            UdpResponse::Error {
                transaction_id,
                message,
            } => {
                out.put_u32(ERROR);
                out.put_u32(*transaction_id);
                out.extend_from_slice(message.as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bep15_connect_fixture() {
        let mut out = Vec::new();
        UdpRequest::Connect {
            transaction_id: 0xdead_beef,
        }
        .emit(&mut out);
        assert_eq!(
            out,
            [
                0, 0, 0x04, 0x17, 0x27, 0x10, 0x19, 0x80, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef
            ]
        );
        assert_eq!(
            UdpRequest::parse(&out).unwrap(),
            UdpRequest::Connect {
                transaction_id: 0xdead_beef
            }
        );
        out[0] = 1;
        assert!(UdpRequest::parse(&out).is_err());
    }

    #[test]
    fn announce_is_98_bytes_and_round_trips() {
        let a = UdpAnnounce {
            connection_id: 42,
            transaction_id: 7,
            ip: 0,
            request: AnnounceRequest {
                info_hash: InfoHash([3; 20]),
                peer_id: [4; 20],
                port: 6881,
                uploaded: 1,
                downloaded: 2,
                left: 3,
                event: Event::Started,
                compact: true,
                numwant: None,
                key: Some(vec![0, 0, 0, 9]),
            },
        };
        let mut out = Vec::new();
        UdpRequest::Announce(a.clone()).emit(&mut out);
        assert_eq!(out.len(), 98);
        assert_eq!(&out[92..96], &[0xff; 4]); // num_want -1
        assert_eq!(UdpRequest::parse(&out).unwrap(), UdpRequest::Announce(a));
        assert_eq!(UdpRequest::parse(&out[..97]), Err(WireError::Incomplete));
    }

    #[test]
    fn responses_round_trip() {
        let cases = [
            (
                UdpResponse::Connect {
                    transaction_id: 1,
                    connection_id: 2,
                },
                false,
            ),
            (
                UdpResponse::Announce {
                    transaction_id: 1,
                    interval: 1800,
                    leechers: 2,
                    seeders: 3,
                    peers: vec!["1.2.3.4:5".parse().unwrap()],
                },
                false,
            ),
            (
                UdpResponse::Announce {
                    transaction_id: 1,
                    interval: 1800,
                    leechers: 2,
                    seeders: 3,
                    peers: vec!["[::1]:5".parse().unwrap()],
                },
                true,
            ),
            (
                UdpResponse::Scrape {
                    transaction_id: 9,
                    stats: vec![ScrapeStats {
                        complete: 1,
                        downloaded: 2,
                        incomplete: 3,
                    }],
                },
                false,
            ),
            (
                UdpResponse::Error {
                    transaction_id: 9,
                    message: "bad connection id".into(),
                },
                false,
            ),
        ];
        for (resp, v6) in cases {
            let mut out = Vec::new();
            resp.emit(&mut out);
            assert_eq!(UdpResponse::parse(&out, v6).unwrap(), resp);
        }
        let scrape = UdpRequest::Scrape {
            connection_id: 5,
            transaction_id: 6,
            info_hashes: vec![InfoHash([1; 20])],
        };
        let mut out = Vec::new();
        scrape.emit(&mut out);
        assert_eq!(UdpRequest::parse(&out).unwrap(), scrape);
        assert!(UdpRequest::parse(&out[..30]).is_err());
    }
}
