//! `l7 dns serve --rrl` under a flood from dnspython: one client network
//! asking the same question hundreds of times gets a handful of answers
//! and, for every second response dropped, a TC=1 stub (so a real client
//! would retry over TCP); another network and TCP are still answered.
//! Without --rrl the same flood is answered in full.

use l7_interop::*;

mod dns_common;
use dns_common::{fixture, python_peer, serve};

const FLOOD: usize = 200;

/// Sends FLOOD identical queries from `source` as fast as dnspython can,
/// then reads replies until the server has been quiet for 2 s; returns
/// (full answers, truncated stubs).
fn flood(s: &Server, source: &str) -> (usize, usize) {
    let script = format!(
        r#"
import socket, dns.message, dns.flags
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
sock.bind(("{source}", 0))
for i in range({FLOOD}):
    q = dns.message.make_query("www.example.test", "A")
    q.id = i
    sock.sendto(q.to_wire(), ("127.0.0.1", {port}))
sock.settimeout(2.0)
full = tc = 0
try:
    while True:
        r = dns.message.from_wire(sock.recv(4096))
        if r.flags & dns.flags.TC:
            assert not r.answer, r
            tc += 1
        else:
            assert r.answer[0][0].address == "192.0.2.80", r
            full += 1
except socket.timeout:
    pass
print(full, tc)
"#,
        port = s.addr.port()
    );
    let out = python_peer().args(["-c", &script]).output().unwrap();
    let text = stdout(&out);
    let mut n = text.split_whitespace().map(|w| w.parse::<usize>().unwrap());
    match (n.next(), n.next()) {
        (Some(full), Some(tc)) => (full, tc),
        _ => panic!("dnspython flood failed: {text}{}", stderr(&out)),
    }
}

#[test]
fn a_flood_is_capped_with_truncated_slips_and_others_still_answered() {
    let s = serve(&fixture(), &["--rrl", "2", "--rrl-slip", "2"]);
    let (full, tc) = flood(&s, "127.0.0.1");
    // The bucket holds 2 and refills at 2/s: a flood lasting under 10 s
    // (however slow the machine) gets far fewer than FLOOD answers.
    assert!((1..FLOOD / 4).contains(&full), "{full} full answers");
    // Every second dropped response slips out truncated (the count
    // restarts after each answer the refill lets through).
    let dropped = FLOOD - full;
    assert!(
        tc > 0 && tc <= dropped / 2 + 1 && tc + full + 1 >= dropped / 2,
        "{tc} TC of {dropped} dropped"
    );
    // Another /24 has its own bucket; TCP is never limited.
    let (other, _) = flood(&s, "127.0.1.1");
    assert!(other >= 1, "another network got no answer");
    let tcp = tool("dig")
        .args([
            "@127.0.0.1",
            "-p",
            &s.addr.port().to_string(),
            "+tcp",
            "+short",
        ])
        .args(["+time=5", "+tries=1", "www.example.test"])
        .output()
        .unwrap();
    assert_eq!(stdout(&tcp).trim(), "192.0.2.80");
}

#[test]
fn without_rrl_the_same_flood_is_answered_in_full() {
    let s = serve(&fixture(), &[]);
    assert_eq!(flood(&s, "127.0.0.1"), (FLOOD, 0));
}
