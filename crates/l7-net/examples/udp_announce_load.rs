//! UDP tracker load generator (BEP 15) for bench/tracker-udp.sh, in Rust so
//! that the tracker, not the generator, is what runs out of CPU: obtains a
//! connection id, then keeps WINDOW announces in flight for SECONDS,
//! cycling through 1000 peer ids and ports on one info-hash (numwant 50),
//! and prints the announces answered per second.
//!
//! usage: udp_announce_load HOST:PORT INFO_HASH_HEX SECONDS [WINDOW=64]
#![forbid(unsafe_code)]

use std::net::UdpSocket;
use std::time::{Duration, Instant};

/// BEP 15 magic constant of a connect request.
const PROTOCOL_ID: u64 = 0x0417_2710_1980;
const PEERS: u32 = 1000;

fn announce(cid: u64, n: u32, info_hash: &[u8; 20]) -> [u8; 98] {
    let mut p = [0u8; 98];
    p[0..8].copy_from_slice(&cid.to_be_bytes());
    p[8..12].copy_from_slice(&1u32.to_be_bytes()); // action: announce
    p[12..16].copy_from_slice(&n.to_be_bytes()); // transaction id
    p[16..36].copy_from_slice(info_hash);
    let peer = n % PEERS;
    p[36..56].copy_from_slice(format!("-LD0001-{peer:012}").as_bytes());
    // downloaded 0, left 1000, uploaded 0, event none, ip 0.
    p[64..72].copy_from_slice(&1000u64.to_be_bytes());
    p[88..92].copy_from_slice(&n.to_be_bytes()); // key
    p[92..96].copy_from_slice(&50u32.to_be_bytes()); // numwant
    p[96..98].copy_from_slice(&(10_000 + peer as u16).to_be_bytes());
    p
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: udp_announce_load HOST:PORT INFO_HASH_HEX SECONDS [WINDOW=64]");
        std::process::exit(2);
    }
    let mut info_hash = [0u8; 20];
    for (i, b) in info_hash.iter_mut().enumerate() {
        *b = u8::from_str_radix(args[2].get(2 * i..2 * i + 2).unwrap_or("zz"), 16)
            .expect("INFO_HASH_HEX is 40 hex digits");
    }
    let secs: f64 = args[3].parse().expect("SECONDS is a number");
    let window: u32 = args
        .get(4)
        .map_or(64, |w| w.parse().expect("WINDOW is a count"));
    let s = UdpSocket::bind("0.0.0.0:0")?;
    s.connect(&args[1])?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut connect = [0u8; 16];
    connect[0..8].copy_from_slice(&PROTOCOL_ID.to_be_bytes());
    connect[12..16].copy_from_slice(&0x5eed_u32.to_be_bytes());
    s.send(&connect)?;
    let mut buf = [0u8; 2048];
    let n = s.recv(&mut buf)?;
    if n < 16 || buf[0..4] != [0, 0, 0, 0] || buf[4..8] != 0x5eed_u32.to_be_bytes() {
        eprintln!("the tracker did not answer the connect request");
        std::process::exit(1);
    }
    let cid = u64::from_be_bytes(buf[8..16].try_into().expect("8 bytes"));
    s.set_read_timeout(Some(Duration::from_millis(500)))?;
    let (mut answered, mut inflight, mut n) = (0u64, 0u32, 0u32);
    let end = Instant::now() + Duration::from_secs_f64(secs);
    while Instant::now() < end {
        while inflight < window {
            n = n.wrapping_add(1);
            s.send(&announce(cid, n, &info_hash))?;
            inflight += 1;
        }
        match s.recv(&mut buf) {
            Ok(got) => {
                answered += u64::from(got >= 4 && buf[0..4] == [0, 0, 0, 1]);
                inflight -= 1;
            }
            Err(_) => inflight = 0,
        }
    }
    println!("{:.0}", answered as f64 / secs);
    Ok(())
}
