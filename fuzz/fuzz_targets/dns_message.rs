//! Fuzzes DNS message parsing (owned and zero-copy view), re-emission of
//! what parsed, and the authoritative server answering it from a small zone
//! with a CNAME, a wildcard, a DNAME and a delegation, then the response
//! through the rate limiter (whose slip stub must parse too), and the
//! resolver's wire answer cache keeping the input and answering it.
#![no_main]

use std::net::IpAddr;
use std::sync::OnceLock;

use l7_dns::authority::{Authority, RateLimiter, RrlConfig, Transport, Verdict};
use l7_dns::resolver::AnswerCache;
use l7_dns::wire::{Message, MessageView};
use l7_dns::zone::{NoIncludes, Zone};
use libfuzzer_sys::fuzz_target;

const ZONE: &[u8] = b"$TTL 300
@ SOA ns hostmaster 1 2 3 4 60
@ NS ns
@ MX 10 mail
ns A 192.0.2.1
mail A 192.0.2.2
www CNAME @
*.wild TXT \"w\"
old DNAME example.net.
sub NS ns.sub
ns.sub A 192.0.2.3
";

fn server() -> &'static Authority {
    static SERVER: OnceLock<Authority> = OnceLock::new();
    SERVER.get_or_init(|| {
        let apex = "example.com".parse().expect("valid apex");
        let zone =
            Zone::from_master_file(ZONE, "fuzz.zone", &apex, &mut NoIncludes).expect("valid zone");
        Authority::new([zone]).with_transfer_acl(|_, _| true)
    })
}

fuzz_target!(|data: &[u8]| {
    let view = MessageView::parse(data);
    if let Ok((message, _)) = Message::parse(data) {
        assert!(
            view.is_ok(),
            "the view rejected what the owned parse accepted"
        );
        let bytes = message.to_bytes();
        let (again, _) = Message::parse(&bytes).expect("our own output parses");
        assert_eq!(again, message);
        let mut out = Vec::new();
        message.emit_limited(&mut out, 512);
        assert!(Message::parse(&out).is_ok(), "truncated output parses");
    }
    let client = IpAddr::from([127, 0, 0, 1]);
    let mut rrl = RateLimiter::new(RrlConfig {
        responses_per_second: 1,
        slip: 1,
        ..RrlConfig::default()
    });
    for transport in [Transport::Udp, Transport::Tcp] {
        let mut out = Vec::new();
        server().respond(data, client, transport, &mut out);
        if !out.is_empty() {
            assert!(Message::parse(&out).is_ok(), "our response parses");
        }
        // The second response to the same network and answer slips as a stub.
        for _ in 0..2 {
            let mut limited = out.clone();
            if rrl.check(l7_wire::Instant::ZERO, client, &mut limited) == Verdict::Slip {
                assert!(Message::parse(&limited).is_ok(), "the TC stub parses");
            }
        }
    }
    // Kept as an answer, then asked as a query (QR cleared): a hit must be
    // a message.
    let mut cache = AnswerCache::new(4);
    cache.insert(l7_wire::Instant::ZERO, data);
    let mut query = data.to_vec();
    if let Some(flags) = query.get_mut(2) {
        *flags &= 0x7F;
    }
    let mut hit = Vec::new();
    if cache.answer(l7_wire::Instant::ZERO, &query, &mut hit) {
        assert!(MessageView::parse(&hit).is_ok(), "a cached answer parses");
    }
});
