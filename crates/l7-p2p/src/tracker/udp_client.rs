//! The client side of the UDP tracker protocol (BEP 15) as a sans-IO state
//! machine: obtain a connection id (valid one minute), then send the
//! announce or scrape; match replies by transaction id; retransmit after
//! 15 · 2ⁿ seconds (n = 0..=8), giving up after the last; a tracker error
//! ends the exchange. The driver owns the socket: it sends what
//! [`UdpTrackerClient::poll_transmit`] yields and feeds back datagrams from
//! the tracker's address only.

use std::net::SocketAddr;
use std::time::Duration;

use l7_wire::Instant;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{
    AnnounceRequest, AnnounceResponse, PeerEntry, ScrapeStats, UdpAnnounce, UdpRequest, UdpResponse,
};
use crate::metainfo::InfoHash;

/// BEP 15: a client may use a connection id for one minute.
pub const CONNECTION_ID_LIFETIME: Duration = Duration::from_secs(60);
/// BEP 15: n in 15 · 2ⁿ goes up to 8.
pub const MAX_RETRANSMISSIONS: u32 = 8;

/// What the exchange produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UdpTrackerOutcome {
    /// Peers and counters.
    Announced(AnnounceResponse),
    /// Counters per requested hash.
    Scraped(Vec<(InfoHash, ScrapeStats)>),
    /// The tracker answered with an error, or never answered.
    Failed(String),
}

#[derive(Debug, Clone)]
enum Query {
    Announce(AnnounceRequest),
    Scrape(Vec<InfoHash>),
}

/// One UDP tracker, one query at a time.
#[derive(Debug)]
pub struct UdpTrackerClient {
    tracker: SocketAddr,
    connection: Option<(u64, Instant)>,
    query: Option<Query>,
    transaction_id: u32,
    /// Retransmissions of the current packet so far.
    attempt: u32,
    deadline: Option<Instant>,
    outgoing: Option<Vec<u8>>,
    outcome: Option<UdpTrackerOutcome>,
    rng: ChaCha8Rng,
}

fn retransmit_after(attempt: u32) -> Duration {
    Duration::from_secs(15 << attempt)
}

impl UdpTrackerClient {
    /// A client for the tracker at `tracker`; transaction ids come from `seed`.
    pub fn new(tracker: SocketAddr, seed: u64) -> Self {
        UdpTrackerClient {
            tracker,
            connection: None,
            query: None,
            transaction_id: 0,
            attempt: 0,
            deadline: None,
            outgoing: None,
            outcome: None,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The tracker's address.
    pub fn tracker(&self) -> SocketAddr {
        self.tracker
    }

    /// Starts an announce (replacing any query in progress).
    pub fn announce(&mut self, now: Instant, req: AnnounceRequest) {
        self.start(now, Query::Announce(req));
    }

    /// Starts a scrape of up to 74 torrents.
    pub fn scrape(&mut self, now: Instant, hashes: Vec<InfoHash>) {
        self.start(now, Query::Scrape(hashes));
    }

    fn start(&mut self, now: Instant, query: Query) {
        self.query = Some(query);
        self.attempt = 0;
        self.send_next(now);
    }

    /// Builds the next packet: connect if our id is missing or stale, else the query.
    fn send_next(&mut self, now: Instant) {
        let Some(query) = &self.query else { return };
        self.transaction_id = self.rng.random();
        let transaction_id = self.transaction_id;
        let live_id = self
            .connection
            .filter(|(_, at)| now - *at < CONNECTION_ID_LIFETIME)
            .map(|(id, _)| id);
        let packet = match (live_id, query) {
            (None, _) => UdpRequest::Connect { transaction_id },
            (Some(connection_id), Query::Announce(req)) => UdpRequest::Announce(UdpAnnounce {
                connection_id,
                transaction_id,
                request: req.clone(),
                ip: 0,
            }),
            (Some(connection_id), Query::Scrape(info_hashes)) => UdpRequest::Scrape {
                connection_id,
                transaction_id,
                info_hashes: info_hashes.clone(),
            },
        };
        let mut out = Vec::new();
        packet.emit(&mut out);
        self.outgoing = Some(out);
        self.deadline = Some(now + retransmit_after(self.attempt));
    }

    /// A datagram to send to the tracker, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.outgoing.take()
    }

    /// A datagram from the tracker's address.
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        let Ok(resp) = UdpResponse::parse(datagram, self.tracker.is_ipv6()) else {
            return;
        };
        let Some(query) = self.query.clone() else {
            return;
        };
        let tid = match &resp {
            UdpResponse::Connect { transaction_id, .. }
            | UdpResponse::Announce { transaction_id, .. }
            | UdpResponse::Scrape { transaction_id, .. }
            | UdpResponse::Error { transaction_id, .. } => *transaction_id,
        };
        // BEP 15: ignore replies whose transaction id is not ours.
        if tid != self.transaction_id {
            return;
        }
        match resp {
            UdpResponse::Connect { connection_id, .. } => {
                self.connection = Some((connection_id, now));
                self.attempt = 0;
                self.send_next(now);
            }
            UdpResponse::Announce {
                interval,
                leechers,
                seeders,
                peers,
                ..
            } => {
                self.finish(UdpTrackerOutcome::Announced(AnnounceResponse {
                    interval,
                    min_interval: None,
                    complete: seeders,
                    incomplete: leechers,
                    peers: peers
                        .into_iter()
                        .map(|addr| PeerEntry {
                            addr,
                            peer_id: None,
                        })
                        .collect(),
                    warning: None,
                }));
            }
            UdpResponse::Scrape { stats, .. } => {
                let Query::Scrape(hashes) = query else { return };
                self.finish(UdpTrackerOutcome::Scraped(
                    hashes.into_iter().zip(stats).collect(),
                ));
            }
            UdpResponse::Error { message, .. } => {
                // The id may be what the tracker disliked: get a fresh one next time.
                self.connection = None;
                self.finish(UdpTrackerOutcome::Failed(message));
            }
        }
    }

    fn finish(&mut self, outcome: UdpTrackerOutcome) {
        self.query = None;
        self.deadline = None;
        self.outgoing = None;
        self.outcome = Some(outcome);
    }

    /// Retransmits (or gives up) when the deadline passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.deadline.is_none_or(|d| now < d) {
            return;
        }
        if self.attempt >= MAX_RETRANSMISSIONS {
            self.finish(UdpTrackerOutcome::Failed("tracker did not answer".into()));
            return;
        }
        self.attempt += 1;
        self.send_next(now);
    }

    /// When [`UdpTrackerClient::handle_timeout`] next has work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    /// The result of the finished exchange.
    pub fn poll_outcome(&mut self) -> Option<UdpTrackerOutcome> {
        self.outcome.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::{ConnectionIds, Event, Registry, RegistryConfig, udp_datagram};

    fn req(port: u16) -> AnnounceRequest {
        AnnounceRequest {
            info_hash: InfoHash([4; 20]),
            peer_id: [port as u8; 20],
            port,
            uploaded: 0,
            downloaded: 0,
            left: 1,
            event: Event::Started,
            compact: true,
            numwant: None,
            key: None,
        }
    }

    #[test]
    fn announces_through_our_tracker_and_reuses_the_connection_id() {
        let tracker: SocketAddr = "127.0.30.1:6969".parse().unwrap();
        let me: SocketAddr = "127.0.0.9:40000".parse().unwrap();
        let mut reg = Registry::new(RegistryConfig::default(), 1);
        let ids = ConnectionIds::new([3; 16]);
        // Another peer, registered directly.
        reg.announce(Instant::ZERO, "127.0.0.8:1".parse().unwrap(), &req(7000))
            .unwrap();

        let mut client = UdpTrackerClient::new(tracker, 5);
        let mut exchange = |client: &mut UdpTrackerClient, now: Instant| {
            let mut packets = 0;
            while let Some(packet) = client.poll_transmit() {
                packets += 1;
                let reply = udp_datagram(&mut reg, &ids, now, me, &packet).unwrap();
                client.handle_datagram(now, &reply);
            }
            packets
        };
        client.announce(Instant::ZERO, req(6881));
        assert_eq!(
            exchange(&mut client, Instant::ZERO),
            2,
            "connect, then announce"
        );
        let Some(UdpTrackerOutcome::Announced(r)) = client.poll_outcome() else {
            panic!("no announce")
        };
        assert_eq!(r.peers.len(), 1);
        assert_eq!(r.peers[0].addr, "127.0.0.8:7000".parse().unwrap());
        assert_eq!(client.poll_timeout(), None);
        // Within a minute the id is reused: one packet.
        client.scrape(Instant::from_millis(30_000), vec![InfoHash([4; 20])]);
        assert_eq!(exchange(&mut client, Instant::from_millis(30_000)), 1);
        let Some(UdpTrackerOutcome::Scraped(s)) = client.poll_outcome() else {
            panic!("no scrape")
        };
        assert_eq!(s[0].1.incomplete, 2);
        // After a minute it reconnects.
        client.announce(Instant::from_millis(61_000), req(6881));
        assert_eq!(exchange(&mut client, Instant::from_millis(61_000)), 2);
    }

    #[test]
    fn retransmits_with_backoff_and_ignores_foreign_replies() {
        let mut client = UdpTrackerClient::new("127.0.30.1:6969".parse().unwrap(), 5);
        client.announce(Instant::ZERO, req(6881));
        let first = client.poll_transmit().unwrap();
        // A reply with another transaction id is ignored.
        let mut foreign = Vec::new();
        UdpResponse::Connect {
            transaction_id: 0xdead,
            connection_id: 1,
        }
        .emit(&mut foreign);
        client.handle_datagram(Instant::ZERO, &foreign);
        assert_eq!(client.poll_transmit(), None);
        let mut t = Duration::ZERO;
        for n in 0..=MAX_RETRANSMISSIONS {
            t += retransmit_after(n);
            assert_eq!(
                client.poll_timeout(),
                Some(Instant::from_epoch(t)),
                "n = {n}"
            );
            client.handle_timeout(Instant::from_epoch(t));
            if n < MAX_RETRANSMISSIONS {
                assert_eq!(client.poll_transmit().unwrap().len(), first.len());
            }
        }
        assert_eq!(t, Duration::from_secs(15 * 511));
        assert!(matches!(
            client.poll_outcome(),
            Some(UdpTrackerOutcome::Failed(_))
        ));
    }

    #[test]
    fn tracker_errors_end_the_exchange() {
        let mut client = UdpTrackerClient::new("127.0.30.1:6969".parse().unwrap(), 5);
        client.announce(Instant::ZERO, req(6881));
        let packet = client.poll_transmit().unwrap();
        let UdpRequest::Connect { transaction_id } = UdpRequest::parse(&packet).unwrap() else {
            panic!()
        };
        let mut err = Vec::new();
        UdpResponse::Error {
            transaction_id,
            message: "go away".into(),
        }
        .emit(&mut err);
        client.handle_datagram(Instant::ZERO, &err);
        assert_eq!(
            client.poll_outcome(),
            Some(UdpTrackerOutcome::Failed("go away".into()))
        );
    }
}
