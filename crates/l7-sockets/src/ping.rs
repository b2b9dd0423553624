//! The UDP pinger lab: the message format and the server's simulated loss.
//!
//! A ping is the datagram `Ping <sequence> <time>`, where time is the
//! sender's wall clock in seconds since the Unix epoch; the server answers
//! with the same text upper-cased (`PING ...`), so the reply still carries the
//! sequence number. [`LossModel`] decides, from a seed, which datagrams the
//! server drops: the same seed drops the same datagrams, every run.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One ping request or reply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ping {
    /// Sequence number, from 1.
    pub seq: u32,
    /// Sender's wall-clock time, seconds since the Unix epoch.
    pub sent_unix: f64,
}

impl Ping {
    /// The request text: `Ping <seq> <time>`.
    pub fn emit(&self) -> Vec<u8> {
        format!("Ping {} {:.6}", self.seq, self.sent_unix).into_bytes()
    }

    /// Reads a request or a reply (`Ping` in any case); `None` if it is not one.
    pub fn parse(datagram: &[u8]) -> Option<Ping> {
        let text = std::str::from_utf8(datagram).ok()?;
        let mut words = text.split_ascii_whitespace();
        if !words.next()?.eq_ignore_ascii_case("ping") {
            return None;
        }
        let seq = words.next()?.parse().ok()?;
        let sent_unix: f64 = words.next()?.parse().ok()?;
        (words.next().is_none() && sent_unix.is_finite()).then_some(Ping { seq, sent_unix })
    }
}

/// Decides which received datagrams the ping server drops.
#[derive(Debug, Clone)]
pub struct LossModel {
    rng: ChaCha8Rng,
    loss: f64,
}

impl LossModel {
    /// Drops each datagram with probability `loss` (0 to 1), drawn from `seed`.
    pub fn new(loss: f64, seed: u64) -> Self {
        LossModel {
            rng: ChaCha8Rng::seed_from_u64(seed),
            loss: loss.clamp(0.0, 1.0),
        }
    }

    /// True if the next datagram is to be dropped. One draw per datagram.
    pub fn drop_next(&mut self) -> bool {
        self.rng.random::<f64>() < self.loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_and_uppercased_reply_parse() {
        let p = Ping {
            seq: 7,
            sent_unix: 1_700_000_000.25,
        };
        let req = p.emit();
        assert_eq!(req, b"Ping 7 1700000000.250000");
        let reply = crate::upper::uppercase(&req);
        assert_eq!(Ping::parse(&reply), Some(p));
        assert_eq!(Ping::parse(b"Pong 1 2"), None);
        assert_eq!(Ping::parse(b"Ping 1 NaN"), None);
        assert_eq!(Ping::parse(b"Ping 1 2 3"), None);
        assert_eq!(Ping::parse(b"\xff"), None);
    }

    #[test]
    fn loss_is_seeded_and_near_its_rate() {
        let a: Vec<bool> = {
            let mut m = LossModel::new(0.3, 42);
            (0..1000).map(|_| m.drop_next()).collect()
        };
        let mut m = LossModel::new(0.3, 42);
        let b: Vec<bool> = (0..1000).map(|_| m.drop_next()).collect();
        assert_eq!(a, b);
        let dropped = a.iter().filter(|d| **d).count();
        assert!((250..=350).contains(&dropped), "{dropped} of 1000 dropped");
        let mut other = LossModel::new(0.3, 43);
        let c: Vec<bool> = (0..1000).map(|_| other.drop_next()).collect();
        assert_ne!(a, c);
        assert!(!LossModel::new(0.0, 1).drop_next());
        assert!(LossModel::new(1.0, 1).drop_next());
    }
}
