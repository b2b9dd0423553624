//! Differential test against dnspython (the second oracle, beside
//! hickory-proto): a corpus generated with a fixed seed (messages of every
//! type we know, cut short, and with one byte changed, plus hand-made edge
//! cases) is parsed by us and by `dns.message.from_wire`; the verdicts
//! (accepted or rejected) and, when both accept, the header, questions,
//! RRsets (dnspython merges records into sets, TTL the smallest) and EDNS
//! fields must be the same. Needs python3 with dnspython in .tools/python
//! (scripts/install-peers puts it there).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::process::Command;

use l7_dns::wire::{EdnsOption, Message, Opcode, RData, Record};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// dnspython's reading of each hex line of its input, in the same form as [`summary`].
const ORACLE: &str = r#"
import sys, dns.message
def hexw(b): return b.hex()
for line in sys.stdin:
    wire = bytes.fromhex(line.strip())
    try:
        m = dns.message.from_wire(wire)
    except Exception:
        print("ERR"); continue
    out = ["id=%d flags=%04x opcode=%d rcode=%d" % (m.id, m.flags & 0x87B0, m.opcode(), m.rcode())]
    out.append("q=" + ",".join(sorted("%s/%d/%d" % (hexw(r.name.canonicalize().to_wire()), r.rdtype, r.rdclass) for r in m.question)))
    for tag, sec in (("an", m.answer), ("ns", m.authority), ("ar", m.additional)):
        lines = set()
        for rr in sec:
            for rd in rr:
                lines.add("%s/%d/%d/%d/%s" % (hexw(rr.name.canonicalize().to_wire()), rr.rdtype, rr.rdclass, rr.ttl, rd.to_wire().lower().hex()))
        out.append(tag + "=" + ",".join(sorted(lines)))
    if m.edns < 0:
        out.append("edns=none")
    else:
        out.append("edns=%d/%d/%d" % (m.edns, max(m.payload, 512), 1 if m.ednsflags & 0x8000 else 0))
    print(" ".join(out))
"#;

/// Our reading of `bytes`, summarised as the oracle script prints it.
fn summary(bytes: &[u8]) -> String {
    let Ok((m, _)) = Message::parse(bytes) else {
        return "ERR".into();
    };
    let f = &m.flags;
    let bits = [
        (f.response, 0x8000),
        (f.authoritative, 0x0400),
        (f.truncated, 0x0200),
        (f.recursion_desired, 0x0100),
        (f.recursion_available, 0x0080),
        (f.authentic_data, 0x0020),
        (f.checking_disabled, 0x0010),
    ];
    let flags: u16 = bits.iter().filter(|(on, _)| *on).map(|(_, b)| b).sum();
    let mut out = format!(
        "id={} flags={flags:04x} opcode={} rcode={}",
        m.id, m.opcode.0, m.rcode.0
    );
    let q: BTreeSet<String> = m
        .questions
        .iter()
        .map(|q| format!("{}/{}/{}", hex(&q.name.lower_wire()), q.qtype.0, q.qclass.0))
        .collect();
    write!(out, " q={}", join(q)).unwrap();
    for (tag, section) in [
        ("an", &m.answers),
        ("ns", &m.authority),
        ("ar", &m.additional),
    ] {
        write!(out, " {tag}={}", join(rrsets(section))).unwrap();
    }
    match &m.edns {
        None => out.push_str(" edns=none"),
        Some(e) => write!(
            out,
            " edns={}/{}/{}",
            e.version,
            e.udp_size.max(512),
            u8::from(e.dnssec_ok)
        )
        .unwrap(),
    }
    out
}

/// An RRset's owner (lowercase wire form), type and class.
type SetKey = (Vec<u8>, u16, u16);

/// Records as dnspython keeps them: merged into sets by owner, type and
/// class, duplicates dropped, each set's TTL the smallest of its records.
fn rrsets(records: &[Record]) -> BTreeSet<String> {
    let mut sets: BTreeMap<SetKey, (u32, BTreeSet<Vec<u8>>)> = BTreeMap::new();
    for r in records {
        let set = sets
            .entry((r.name.lower_wire(), r.rtype().0, r.class.0))
            .or_insert((r.ttl, BTreeSet::new()));
        set.0 = set.0.min(r.ttl);
        if SINGLETONS.contains(&r.rtype().0) {
            set.1.clear(); // dnspython keeps the last of a singleton type
        }
        set.1.insert(r.rdata.to_wire().to_ascii_lowercase());
    }
    sets.into_iter()
        .flat_map(|((owner, rtype, class), (ttl, rdatas))| {
            rdatas
                .into_iter()
                .map(move |rd| format!("{}/{rtype}/{class}/{ttl}/{}", hex(&owner), hex(&rd)))
        })
        .collect()
}

/// Types dnspython holds one record of per owner (SOA, NXT, DNAME, NSEC, CNAME).
const SINGLETONS: [u16; 5] = [6, 30, 39, 47, 5];

/// Where a verdict may differ on purpose: dnspython reads UPDATE messages
/// by RFC 2136's rules, and checks the contents of record types and EDNS
/// options we keep opaque (RFC 3597; RFC 6891 §6.1.2).
fn known_difference(bytes: &[u8], theirs: &str) -> bool {
    let Ok((m, _)) = Message::parse(bytes) else {
        return false;
    };
    let opaque_record = m
        .answers
        .iter()
        .chain(&m.authority)
        .chain(&m.additional)
        .any(|r| matches!(r.rdata, RData::Unknown { .. }));
    let opaque_option = m
        .edns
        .iter()
        .flat_map(|e| &e.options)
        .any(|o| matches!(o, EdnsOption::Other { .. }));
    m.opcode == Opcode::UPDATE || (theirs == "ERR" && (opaque_record || opaque_option))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn join(set: BTreeSet<String>) -> String {
    set.into_iter().collect::<Vec<_>>().join(",")
}

/// Hand-made cases: the two found by an earlier differential run, and the
/// hostile messages of issue 3.
fn edge_cases() -> Vec<Vec<u8>> {
    let header = |qd: u16, an: u16| {
        let mut h = vec![0x12, 0x34, 0x81, 0x80];
        for n in [qd, an, 0, 0] {
            h.extend_from_slice(&n.to_be_bytes());
        }
        h
    };
    let question = [&[3u8, b'w', b'w', b'w', 0][..], &[0, 1, 0, 1]].concat();
    let record = |rtype: u16, ttl: u32, rdata: &[u8]| {
        let mut r = vec![0xC0, 12];
        r.extend_from_slice(&rtype.to_be_bytes());
        r.extend_from_slice(&[0, 1]);
        r.extend_from_slice(&ttl.to_be_bytes());
        r.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        r.extend_from_slice(rdata);
        r
    };
    vec![
        // RFC 2181 §8: a TTL with the top bit set reads as 0.
        [
            header(1, 1),
            question.clone(),
            record(1, 0x8000_0001, &[192, 0, 2, 1]),
        ]
        .concat(),
        [
            header(1, 1),
            question.clone(),
            record(1, 0x7FFF_FFFF, &[192, 0, 2, 1]),
        ]
        .concat(),
        // RFC 1035 §3.3.14: TXT holds at least one character-string.
        [header(1, 1), question.clone(), record(16, 60, &[])].concat(),
        [header(1, 1), question.clone(), record(16, 60, &[0])].concat(),
        // A compression pointer to itself, an over-long name, 65535 claimed records.
        [header(1, 0), vec![0xC0, 12, 0, 1, 0, 1]].concat(),
        [
            header(1, 0),
            [&[63u8][..], &[b'a'; 63]].concat().repeat(5),
            vec![0, 0, 1, 0, 1],
        ]
        .concat(),
        [header(1, 0xFFFF), question.clone()].concat(),
    ]
}

fn corpus() -> Vec<Vec<u8>> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[3; 32]),
    );
    let mut seed = ChaCha8Rng::seed_from_u64(9);
    let mut out = edge_cases();
    for _ in 0..400 {
        let bytes = common::message()
            .new_tree(&mut runner)
            .unwrap()
            .current()
            .to_bytes();
        let cut = seed.next_u32() as usize % bytes.len();
        out.push(bytes[..cut].to_vec());
        for _ in 0..3 {
            let mut m = bytes.clone();
            let at = seed.next_u32() as usize % m.len();
            m[at] = seed.next_u32() as u8;
            out.push(m);
        }
        out.push(bytes);
    }
    out
}

fn dnspython(corpus: &[Vec<u8>]) -> Vec<String> {
    let tools = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.tools/python");
    let input: String = corpus.iter().map(|b| hex(b) + "\n").collect();
    let mut child = Command::new("python3")
        .args(["-c", ORACLE])
        .env("PYTHONPATH", tools)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is needed: install it, then run scripts/install-peers for dnspython");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(input.as_bytes()).unwrap();
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(
        out.status.success(),
        "dnspython missing? run scripts/install-peers: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn dnspython_and_we_read_the_same_bytes_the_same_way() {
    let corpus = corpus();
    let theirs = dnspython(&corpus);
    assert_eq!(theirs.len(), corpus.len());
    let mut differences = Vec::new();
    for (bytes, theirs) in corpus.iter().zip(&theirs) {
        let ours = summary(bytes);
        if ours != *theirs && !known_difference(bytes, theirs) {
            differences.push(format!(
                "{}\n  ours:   {ours}\n  theirs: {theirs}",
                hex(bytes)
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} differ:\n{}",
        differences.len(),
        corpus.len(),
        differences.join("\n")
    );
    // The edge cases: the top-bit TTL reads as 0; empty TXT and the hostile three are rejected.
    let edges: Vec<String> = edge_cases().iter().map(|b| summary(b)).collect();
    assert!(edges[0].contains("/1/1/0/c0000201"), "{}", edges[0]);
    assert_eq!(edges[2..].iter().filter(|s| *s == "ERR").count(), 4);
}
