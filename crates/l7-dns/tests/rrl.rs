//! Response rate limiting: real responses from an [`Authority`] pass
//! through the limiter with explicit time; floods are capped per client
//! network and answer, and dropped responses slip out as TC=1 stubs.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use l7_dns::authority::{Authority, RateLimiter, Reply, RrlConfig, Transport, Verdict};
use l7_dns::wire::{Message, Question, RecordType};
use l7_dns::zone::{NoIncludes, Zone};
use l7_wire::Instant;

fn server() -> Authority {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/zones/good/example.com.zone");
    let zone = Zone::from_master_file(
        &std::fs::read(path).unwrap(),
        "example.com.zone",
        &"example.com".parse().unwrap(),
        &mut NoIncludes,
    )
    .unwrap();
    Authority::new([zone])
}

fn response(auth: &Authority, name: &str) -> Vec<u8> {
    let q = Message::query(
        7,
        Question::new(name.parse().unwrap(), RecordType::A),
        false,
    );
    let mut out = Vec::new();
    let client: IpAddr = "192.0.2.1".parse().unwrap();
    assert_eq!(
        auth.respond(&q.to_bytes(), client, Transport::Udp, &mut out),
        Reply::Message
    );
    out
}

/// Sends `n` copies of the response to `name` to `client` at `now`;
/// returns (sent in full, slipped).
fn flood(
    rrl: &mut RateLimiter,
    auth: &Authority,
    now: Instant,
    client: &str,
    name: &str,
    n: usize,
) -> (usize, usize) {
    let (mut sent, mut slipped) = (0, 0);
    for _ in 0..n {
        let mut r = response(auth, name);
        match rrl.check(now, client.parse().unwrap(), &mut r) {
            Verdict::Send => sent += 1,
            Verdict::Slip => {
                let (m, _) = Message::parse(&r).unwrap();
                assert!(m.flags.truncated && m.answers.is_empty() && m.authority.is_empty());
                assert_eq!(m.questions[0].name.to_string(), name);
                slipped += 1;
            }
            Verdict::Drop => {}
        }
    }
    (sent, slipped)
}

fn limiter() -> RateLimiter {
    RateLimiter::new(RrlConfig {
        responses_per_second: 5,
        slip: 2,
        max_entries: 1000,
    })
}

#[test]
fn a_flood_is_capped_and_every_second_drop_slips_truncated() {
    let (auth, mut rrl) = (server(), limiter());
    let t0 = Instant::from_millis(1000);
    let (sent, slipped) = flood(&mut rrl, &auth, t0, "192.0.2.1", "www.example.com.", 105);
    assert_eq!((sent, slipped), (5, 50));
    // A second later the bucket has refilled by the rate.
    let t1 = t0 + Duration::from_secs(1);
    assert_eq!(
        flood(&mut rrl, &auth, t1, "192.0.2.1", "www.example.com.", 10),
        (5, 2)
    );
}

#[test]
fn buckets_are_per_network_and_per_answer() {
    let (auth, mut rrl) = (server(), limiter());
    let now = Instant::from_millis(1000);
    flood(&mut rrl, &auth, now, "192.0.2.1", "www.example.com.", 50);
    // Same /24: limited together.
    assert_eq!(
        flood(&mut rrl, &auth, now, "192.0.2.200", "www.example.com.", 1).0,
        0
    );
    // Another /24, or another answer: a fresh bucket.
    assert_eq!(
        flood(&mut rrl, &auth, now, "192.0.3.1", "www.example.com.", 5).0,
        5
    );
    assert_eq!(
        flood(&mut rrl, &auth, now, "192.0.2.1", "mail.example.com.", 5).0,
        5
    );
    // IPv6 clients share a /56.
    flood(
        &mut rrl,
        &auth,
        now,
        "2001:db8:0:100::1",
        "www.example.com.",
        50,
    );
    assert_eq!(
        flood(
            &mut rrl,
            &auth,
            now,
            "2001:db8:0:1ff::9",
            "www.example.com.",
            1
        )
        .0,
        0
    );
    assert_eq!(
        flood(
            &mut rrl,
            &auth,
            now,
            "2001:db8:0:200::1",
            "www.example.com.",
            1
        )
        .0,
        1
    );
}

#[test]
fn random_subdomain_nxdomains_share_one_bucket() {
    let (auth, mut rrl) = (server(), limiter());
    let now = Instant::from_millis(1000);
    let sent: usize = (0..50)
        .map(|i| {
            let name = format!("nx{i}.example.com.");
            flood(&mut rrl, &auth, now, "192.0.2.1", &name, 1).0
        })
        .sum();
    assert_eq!(sent, 5);
}

#[test]
fn memory_stays_bounded_under_spoofed_sources() {
    let auth = server();
    let mut rrl = RateLimiter::new(RrlConfig {
        max_entries: 64,
        ..RrlConfig::default()
    });
    let now = Instant::from_millis(1000);
    for i in 0..10_000u32 {
        let client = std::net::Ipv4Addr::from(i << 8).to_string();
        flood(&mut rrl, &auth, now, &client, "www.example.com.", 1);
        assert!(rrl.len() <= 64);
    }
}

#[test]
fn bytes_that_are_not_a_response_pass_untouched() {
    let mut rrl = limiter();
    for mut junk in [vec![], vec![0u8; 11], vec![0xFF; 40]] {
        let before = junk.clone();
        for _ in 0..20 {
            assert_eq!(
                rrl.check(Instant::ZERO, "192.0.2.1".parse().unwrap(), &mut junk),
                Verdict::Send
            );
        }
        assert_eq!(junk, before);
    }
}
