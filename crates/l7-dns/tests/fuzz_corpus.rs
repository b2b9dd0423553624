//! Replays the committed fuzz corpora (fuzz/corpus/dns_message and
//! fuzz/corpus/dns_zone) on stable with the same checks as the fuzz
//! targets: nothing panics, what parses re-emits identically, and every
//! response the server writes parses.

use std::net::IpAddr;
use std::path::Path;

use l7_dns::authority::{Authority, Transport};
use l7_dns::wire::{Message, MessageView, Name};
use l7_dns::zone::{NoIncludes, Zone};

/// The zone the dns_message fuzz target serves.
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

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let inputs: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(!inputs.is_empty());
    inputs
}

#[test]
fn dns_message_corpus() {
    let zone = Zone::from_master_file(
        ZONE,
        "fuzz.zone",
        &"example.com".parse().unwrap(),
        &mut NoIncludes,
    )
    .unwrap();
    let server = Authority::new([zone]).with_transfer_acl(|_, _| true);
    let client = IpAddr::from([127, 0, 0, 1]);
    for data in corpus("dns_message") {
        let view = MessageView::parse(&data);
        if let Ok((message, _)) = Message::parse(&data) {
            assert!(view.is_ok());
            let (again, _) = Message::parse(&message.to_bytes()).unwrap();
            assert_eq!(again, message);
            let mut out = Vec::new();
            message.emit_limited(&mut out, 512);
            assert!(Message::parse(&out).is_ok());
        }
        for transport in [Transport::Udp, Transport::Tcp] {
            let mut out = Vec::new();
            server.respond(&data, client, transport, &mut out);
            if !out.is_empty() {
                assert!(Message::parse(&out).is_ok());
            }
        }
    }
}

#[test]
fn dns_zone_corpus() {
    let origin: Name = "fuzz.test".parse().unwrap();
    for data in corpus("dns_zone") {
        if let Ok(zone) = Zone::from_master_file(&data, "fuzz.zone", &origin, &mut NoIncludes) {
            let _ = zone.transfer_records();
        }
    }
}
