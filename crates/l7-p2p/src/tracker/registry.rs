//! The tracker's memory: for each info-hash, the peers that announced, with
//! when they were last heard from. Peers are identified by the packet's
//! source IP and the announced port (a claimed `ip=` is never trusted).
//! Silent peers expire; `stopped` removes a peer at once; each response
//! carries a random subset of at most `numwant` other peers (BEP 3).

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::time::Duration;

use l7_wire::Instant;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::peer_set::{PeerRecord, PeerSet};

use super::{
    AnnounceRequest, AnnounceResponse, Event, MAX_NUMWANT, PeerEntry, ScrapeStats, TrackerError,
};
use crate::metainfo::InfoHash;

/// Tracker policy.
#[derive(Debug, Clone)]
pub struct RegistryConfig {
    /// `interval` told to clients.
    pub interval: Duration,
    /// `min interval` told to clients.
    pub min_interval: Duration,
    /// A peer not heard from for this long is dropped (default: two intervals plus a minute).
    pub peer_timeout: Duration,
    /// Peers returned when the client does not say `numwant` (the course: 50).
    pub default_numwant: u32,
    /// Only these torrents are tracked, if set.
    pub whitelist: Option<HashSet<InfoHash>>,
    /// Most torrents tracked at once (memory bound without a whitelist).
    pub max_torrents: usize,
    /// Most peers remembered per torrent; later ones are answered but not stored.
    pub max_peers_per_torrent: usize,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        RegistryConfig {
            interval: Duration::from_secs(1800),
            min_interval: Duration::from_secs(60),
            peer_timeout: Duration::from_secs(2 * 1800 + 60),
            default_numwant: 50,
            whitelist: None,
            max_torrents: 100_000,
            max_peers_per_torrent: 10_000,
        }
    }
}

#[derive(Debug, Default)]
struct Swarm {
    peers: PeerSet,
    downloaded: u32,
}

impl Swarm {
    fn stats(&self) -> ScrapeStats {
        let complete = self.peers.seeds() as u32;
        ScrapeStats {
            complete,
            downloaded: self.downloaded,
            incomplete: self.peers.len() as u32 - complete,
        }
    }
}

/// The counters of an announce reply, without its peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnnounceCounts {
    /// `interval`, seconds.
    pub interval: u32,
    /// `min interval`, seconds.
    pub min_interval: u32,
    /// Seeds in the swarm.
    pub complete: u32,
    /// Leechers in the swarm.
    pub incomplete: u32,
}

/// All swarms a tracker knows.
#[derive(Debug)]
pub struct Registry {
    swarms: BTreeMap<InfoHash, Swarm>,
    config: RegistryConfig,
    rng: ChaCha8Rng,
}

impl Registry {
    /// An empty registry; `seed` drives the random peer subsets.
    pub fn new(config: RegistryConfig, seed: u64) -> Self {
        Registry {
            swarms: BTreeMap::new(),
            config,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Handles an announce that arrived from `source` (its IP is what other
    /// peers will be told; the port is the announced one).
    pub fn announce(
        &mut self,
        now: Instant,
        source: SocketAddr,
        req: &AnnounceRequest,
    ) -> Result<AnnounceResponse, TrackerError> {
        let mut peers = Vec::new();
        let counts = self.announce_each(now, source, req, |addr, peer_id| {
            peers.push(PeerEntry {
                addr,
                peer_id: Some(*peer_id),
            })
        })?;
        Ok(AnnounceResponse {
            interval: counts.interval,
            min_interval: Some(counts.min_interval),
            complete: counts.complete,
            incomplete: counts.incomplete,
            peers,
            warning: None,
        })
    }

    /// [`Registry::announce`] without building a response: `each` is called
    /// on every peer chosen for the reply (address and peer id), so a server
    /// can write them straight into its reply buffer.
    pub fn announce_each(
        &mut self,
        now: Instant,
        source: SocketAddr,
        req: &AnnounceRequest,
        each: impl FnMut(SocketAddr, &[u8; 20]),
    ) -> Result<AnnounceCounts, TrackerError> {
        if let Some(list) = &self.config.whitelist
            && !list.contains(&req.info_hash)
        {
            return Err(TrackerError::NotWhitelisted);
        }
        let addr = SocketAddr::new(source.ip(), req.port);
        if self.swarms.len() >= self.config.max_torrents
            && !self.swarms.contains_key(&req.info_hash)
        {
            return Err(TrackerError::BadRequest("tracker is full".into()));
        }
        let swarm = self.swarms.entry(req.info_hash).or_default();
        let stopped = req.event == Event::Stopped;
        // A seed gains nothing from other seeds.
        let requester_is_seed = req.left == 0;
        if stopped {
            swarm.peers.remove(&addr);
        } else {
            let record = PeerRecord {
                peer_id: req.peer_id,
                last_seen: now,
                seed: requester_is_seed,
            };
            let was_seed = swarm
                .peers
                .refresh(&addr, record, self.config.max_peers_per_torrent);
            if req.event == Event::Completed && !was_seed {
                swarm.downloaded = swarm.downloaded.saturating_add(1);
            }
            let want = req
                .numwant
                .unwrap_or(self.config.default_numwant)
                .min(MAX_NUMWANT) as usize;
            let mut each = each;
            swarm.peers.sample_each(
                &mut self.rng,
                want,
                |a, p| *a != addr && !(requester_is_seed && p.seed),
                |a, p| each(a, &p.peer_id),
            );
        }
        let stats = swarm.stats();
        if swarm.peers.is_empty() {
            self.swarms.remove(&req.info_hash);
        }
        Ok(AnnounceCounts {
            interval: self.config.interval.as_secs() as u32,
            min_interval: self.config.min_interval.as_secs() as u32,
            complete: stats.complete,
            incomplete: stats.incomplete,
        })
    }

    /// Counters for each hash (zeros for unknown torrents).
    pub fn scrape(&self, hashes: &[InfoHash]) -> Vec<(InfoHash, ScrapeStats)> {
        hashes
            .iter()
            .map(|h| (*h, self.swarms.get(h).map(Swarm::stats).unwrap_or_default()))
            .collect()
    }

    /// Drops peers silent for longer than the timeout, and empty swarms.
    pub fn expire(&mut self, now: Instant) {
        let timeout = self.config.peer_timeout;
        for swarm in self.swarms.values_mut() {
            swarm.peers.retain(|p| now - p.last_seen <= timeout);
        }
        self.swarms.retain(|_, s| !s.peers.is_empty());
    }

    /// When [`Registry::expire`] next has work: the oldest last-seen plus the timeout.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.swarms
            .values()
            .flat_map(|s| s.peers.records())
            .map(|p| p.last_seen + self.config.peer_timeout + Duration::from_millis(1))
            .min()
    }

    /// Number of torrents with at least one peer.
    pub fn torrent_count(&self) -> usize {
        self.swarms.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(port: u16, left: u64, event: Event) -> AnnounceRequest {
        AnnounceRequest {
            info_hash: InfoHash([1; 20]),
            peer_id: [port as u8; 20],
            port,
            uploaded: 0,
            downloaded: 0,
            left,
            event,
            compact: true,
            numwant: None,
            key: None,
        }
    }

    fn src(last: u8) -> SocketAddr {
        SocketAddr::from(([10, 0, 0, last], 40000))
    }

    #[test]
    fn counts_subsets_and_source_address() {
        let mut reg = Registry::new(RegistryConfig::default(), 1);
        let t = Instant::ZERO;
        for i in 1..=60u8 {
            reg.announce(
                t,
                src(i),
                &req(
                    6000 + u16::from(i),
                    if i <= 5 { 0 } else { 100 },
                    Event::Started,
                ),
            )
            .unwrap();
        }
        let r = reg
            .announce(t, src(200), &req(7000, 100, Event::Started))
            .unwrap();
        assert_eq!((r.complete, r.incomplete), (5, 56));
        assert_eq!(r.peers.len(), 50, "default numwant");
        assert!(
            r.peers
                .iter()
                .all(|p| p.addr != SocketAddr::from(([10, 0, 0, 200], 7000)))
        );
        // The source IP is used with the announced port.
        assert!(
            r.peers
                .iter()
                .all(|p| p.addr.ip() != std::net::Ipv4Addr::new(6, 6, 6, 6))
        );
        let mut few = req(7000, 100, Event::None);
        few.numwant = Some(3);
        let r = reg.announce(t, src(200), &few).unwrap();
        assert_eq!(r.peers.len(), 3);
        let mut all = req(7000, 100, Event::None);
        all.numwant = Some(1000);
        let r = reg.announce(t, src(200), &all).unwrap();
        assert_eq!(r.peers.len(), 60);
        // A seed is not sent seeds.
        let seed = reg.announce(t, src(1), &req(6001, 0, Event::None)).unwrap();
        assert!(seed.peers.iter().all(|p| p.addr.port() > 6005));
        // stopped removes, completed counts once.
        reg.announce(t, src(200), &req(7000, 0, Event::Completed))
            .unwrap();
        reg.announce(t, src(200), &req(7000, 0, Event::Completed))
            .unwrap();
        let stats = reg.scrape(&[InfoHash([1; 20])])[0].1;
        assert_eq!(
            (stats.complete, stats.downloaded, stats.incomplete),
            (6, 1, 55)
        );
        reg.announce(t, src(200), &req(7000, 0, Event::Stopped))
            .unwrap();
        assert_eq!(reg.scrape(&[InfoHash([1; 20])])[0].1.complete, 5);
    }

    #[test]
    fn silent_peers_expire() {
        let config = RegistryConfig {
            peer_timeout: Duration::from_secs(100),
            ..Default::default()
        };
        let mut reg = Registry::new(config, 1);
        reg.announce(Instant::ZERO, src(1), &req(1, 5, Event::Started))
            .unwrap();
        reg.announce(
            Instant::from_millis(50_000),
            src(2),
            &req(2, 5, Event::Started),
        )
        .unwrap();
        assert_eq!(reg.poll_timeout(), Some(Instant::from_millis(100_001)));
        reg.expire(Instant::from_millis(100_000));
        assert_eq!(reg.scrape(&[InfoHash([1; 20])])[0].1.incomplete, 2);
        reg.expire(Instant::from_millis(100_001));
        assert_eq!(reg.scrape(&[InfoHash([1; 20])])[0].1.incomplete, 1);
        reg.expire(Instant::from_millis(200_000));
        assert_eq!(reg.torrent_count(), 0);
        assert_eq!(reg.poll_timeout(), None);
    }

    #[test]
    fn memory_is_bounded() {
        let config = RegistryConfig {
            max_torrents: 1,
            max_peers_per_torrent: 2,
            ..Default::default()
        };
        let mut reg = Registry::new(config, 1);
        for i in 1..=3u8 {
            reg.announce(Instant::ZERO, src(i), &req(1, 5, Event::Started))
                .unwrap();
        }
        assert_eq!(reg.scrape(&[InfoHash([1; 20])])[0].1.incomplete, 2);
        let mut other = req(1, 5, Event::Started);
        other.info_hash = InfoHash([2; 20]);
        assert!(reg.announce(Instant::ZERO, src(1), &other).is_err());
    }

    #[test]
    fn whitelist() {
        let config = RegistryConfig {
            whitelist: Some([InfoHash([2; 20])].into()),
            ..Default::default()
        };
        let mut reg = Registry::new(config, 1);
        assert_eq!(
            reg.announce(Instant::ZERO, src(1), &req(1, 0, Event::None)),
            Err(TrackerError::NotWhitelisted)
        );
    }
}
