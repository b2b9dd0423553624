//! Response rate limiting (RRL), sans-IO: a token bucket per client
//! network and answer, so the server cannot be used to amplify a flood
//! of spoofed UDP queries at a victim (the scheme of BIND's and NSD's RRL,
//! see the "DNS Response Rate Limiting" technical note by Vixie and
//! Schryver).
//!
//! - Clients are grouped by network: an IPv4 /24 or an IPv6 /56, since a
//!   spoofing attacker may vary the low bits.
//! - Answers are grouped by what they say: a positive or NODATA answer by
//!   its question (name and type), every NXDOMAIN to one network by the
//!   zone's SOA owner in the authority section (a random-subdomain flood
//!   shares one bucket), every error to one network in one bucket.
//! - Over the rate, responses are dropped, but every `slip`-th dropped one
//!   goes out as a truncated stub (TC=1, question only): a real client
//!   behind a spoofed flood retries over TCP, which cannot be spoofed.
//!
//! Time is passed in; memory is bounded by `max_entries` buckets.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::IpAddr;
use std::time::Duration;

use l7_wire::Instant;

use crate::wire::walk_labels;

/// RRL settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RrlConfig {
    /// Responses per second allowed per network and answer (also the burst).
    pub responses_per_second: u32,
    /// Every `slip`-th dropped response is sent truncated instead; 0 never,
    /// 1 always.
    pub slip: u32,
    /// Most buckets kept; idle ones are forgotten first.
    pub max_entries: usize,
}

impl Default for RrlConfig {
    fn default() -> RrlConfig {
        RrlConfig {
            responses_per_second: 5,
            slip: 2,
            max_entries: 65_536,
        }
    }
}

/// What to do with one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the rate: send it as it is.
    Send,
    /// Over the rate: the response was cut to a TC=1 stub; send that.
    Slip,
    /// Over the rate: send nothing.
    Drop,
}

/// One bucket's state: tokens in nanoseconds' worth of credit.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    credit: Duration,
    last: Instant,
    dropped: u32,
}

/// The rate limiter for one server's UDP responses.
#[derive(Debug)]
pub struct RateLimiter {
    config: RrlConfig,
    buckets: HashMap<(u128, u64), Bucket>,
}

/// Time one response costs: a second shared out at the configured rate.
fn cost(rate: u32) -> Duration {
    Duration::from_secs(1) / rate.max(1)
}

impl RateLimiter {
    /// A limiter with `config`.
    pub fn new(config: RrlConfig) -> RateLimiter {
        RateLimiter {
            config,
            buckets: HashMap::new(),
        }
    }

    /// Buckets currently kept.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// True when no bucket is kept.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// Decides whether `response` (about to go to `client` over UDP at
    /// `now`) may be sent; on [`Verdict::Slip`] it has been cut to a stub.
    pub fn check(&mut self, now: Instant, client: IpAddr, response: &mut Vec<u8>) -> Verdict {
        let Some((key, question_end)) = answer_key(response) else {
            return Verdict::Send; // not a response we wrote: nothing to limit
        };
        let network = network(client);
        let burst = Duration::from_secs(1);
        let cost = cost(self.config.responses_per_second);
        if !self.buckets.contains_key(&(network, key))
            && self.buckets.len() >= self.config.max_entries
        {
            self.evict(now);
        }
        let bucket = self.buckets.entry((network, key)).or_insert(Bucket {
            credit: burst,
            last: now,
            dropped: 0,
        });
        bucket.credit = (bucket.credit + (now - bucket.last)).min(burst);
        bucket.last = now;
        if bucket.credit >= cost {
            bucket.credit -= cost;
            bucket.dropped = 0;
            return Verdict::Send;
        }
        bucket.dropped = bucket.dropped.wrapping_add(1);
        let slip = self.config.slip;
        if slip > 0 && bucket.dropped.is_multiple_of(slip) {
            truncate_to_stub(response, question_end);
            Verdict::Slip
        } else {
            Verdict::Drop
        }
    }

    /// Forgets buckets whose credit is full again (they limit nothing);
    /// if every bucket is busy, forgets them all, keeping memory bounded.
    fn evict(&mut self, now: Instant) {
        let burst = Duration::from_secs(1);
        self.buckets
            .retain(|_, b| b.credit + (now - b.last) < burst);
        if self.buckets.len() >= self.config.max_entries {
            self.buckets.clear();
        }
    }
}

/// The client's network: IPv4 /24, IPv6 /56, as one number.
fn network(client: IpAddr) -> u128 {
    match client {
        IpAddr::V4(a) => u128::from(u32::from(a) & 0xFFFF_FF00),
        // The low bit marks IPv6 (a /56 keeps the top 56 bits only).
        IpAddr::V6(a) => (u128::from(a) & !((1u128 << 72) - 1)) | 1,
    }
}

/// What a response says, as a digest, and where its question ends;
/// `None` when the bytes are not a response with one question.
fn answer_key(response: &[u8]) -> Option<(u64, usize)> {
    let header = response.get(..12)?;
    if header[2] & 0x80 == 0 || u16::from_be_bytes([header[4], header[5]]) != 1 {
        return None;
    }
    let rcode = header[3] & 0x0F;
    let name_end = walk_labels(response, 12, |_| ()).ok()?;
    let question_end = name_end + 4;
    let qtype = response.get(name_end..question_end)?;
    let mut h = DefaultHasher::new();
    rcode.hash(&mut h);
    match rcode {
        // RFC 1035 §4.1.1 NOERROR: per question (answers, NODATA, referrals).
        0 => {
            hash_name(response, 12, &mut h)?;
            qtype.hash(&mut h);
        }
        // NXDOMAIN: per zone, named by the SOA's owner in the authority section.
        3 if u16::from_be_bytes([header[6], header[7]]) == 0
            && u16::from_be_bytes([header[8], header[9]]) > 0 =>
        {
            hash_name(response, question_end, &mut h)?;
        }
        // Errors and the rest: one bucket per network.
        _ => {}
    }
    Some((h.finish(), question_end))
}

/// Hashes the name at `at` (compression followed), lowercased.
fn hash_name(msg: &[u8], at: usize, h: &mut DefaultHasher) -> Option<()> {
    walk_labels(msg, at, |label| {
        for b in label {
            h.write_u8(b.to_ascii_lowercase());
        }
        h.write_u8(b'.');
    })
    .ok()
    .map(|_| ())
}

/// Cuts a response to its header and question, with TC=1 and no records
/// (RFC 1035 §4.1.1 TC; the client asks again over TCP).
fn truncate_to_stub(response: &mut Vec<u8>, question_end: usize) {
    response.truncate(question_end);
    response[2] |= 0x02;
    response[6..12].fill(0);
}
