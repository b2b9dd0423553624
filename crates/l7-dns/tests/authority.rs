//! Authoritative answers, end to end through bytes: queries built as a
//! client would, responses parsed back (and by hickory-proto as a check).

use std::net::IpAddr;
use std::path::Path;

use l7_dns::authority::{Authority, Reply, Transport, notify};
use l7_dns::wire::{Edns, Message, Name, Opcode, Question, RData, Rcode, RecordType};
use l7_dns::zone::{NoIncludes, Zone};

const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn example_zone() -> Zone {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/zones/good/example.com.zone");
    let text = std::fs::read(path).unwrap();
    let mut zone_text = text.clone();
    // A large RRset to force truncation over UDP.
    for i in 0..12 {
        zone_text.extend_from_slice(format!("big TXT \"{}\"\n", "x".repeat(60 + i)).as_bytes());
    }
    Zone::from_master_file(
        &zone_text,
        "example.com.zone",
        &"example.com".parse().unwrap(),
        &mut NoIncludes,
    )
    .unwrap()
}

fn server() -> Authority {
    Authority::new([example_zone()]).with_transfer_acl(|addr, _| addr.is_loopback())
}

fn ask_with(server: &Authority, query: &Message, transport: Transport) -> Message {
    let mut out = Vec::new();
    assert_eq!(
        server.respond(&query.to_bytes(), CLIENT, transport, &mut out),
        Reply::Message
    );
    hickory_proto::op::Message::from_vec(&out).expect("hickory reads our response");
    Message::parse(&out).unwrap().0
}

fn ask(name: &str, qtype: RecordType) -> Message {
    let q = Message::query(42, Question::new(name.parse().unwrap(), qtype), false);
    ask_with(&server(), &q, Transport::Udp)
}

fn texts(records: &[l7_dns::wire::Record]) -> Vec<String> {
    records.iter().map(|r| r.to_string()).collect()
}

#[test]
fn answers_with_aa_and_echoes_the_question_case() {
    let r = ask("WWW.Example.COM", RecordType::A);
    assert_eq!((r.id, r.rcode), (42, Rcode::NOERROR));
    assert!(r.flags.response && r.flags.authoritative && !r.flags.recursion_available);
    assert_eq!(r.questions[0].name.to_string(), "WWW.Example.COM.");
    // The owner is compressed to the question's name, so it takes its case.
    assert_eq!(
        texts(&r.answers),
        ["WWW.Example.COM.\t3600\tIN\tA\t192.0.2.80"]
    );
}

#[test]
fn follows_cname_chains_and_adds_mx_addresses() {
    let r = ask("ftp.example.com", RecordType::A);
    assert_eq!(
        texts(&r.answers),
        [
            "ftp.example.com.\t3600\tIN\tCNAME\twww.example.com.",
            "www.example.com.\t3600\tIN\tA\t192.0.2.80"
        ]
    );
    let mx = ask("example.com", RecordType::MX);
    assert_eq!(
        texts(&mx.answers),
        ["example.com.\t3600\tIN\tMX\t10 mail.example.com."]
    );
    assert_eq!(
        texts(&mx.additional),
        ["mail.example.com.\t3600\tIN\tA\t192.0.2.25"]
    );
}

#[test]
fn wildcards_synthesise_the_asked_name() {
    let r = ask("host.wild.example.com", RecordType::A);
    assert!(r.flags.authoritative);
    assert_eq!(
        texts(&r.answers),
        ["host.wild.example.com.\t3600\tIN\tA\t192.0.2.99"]
    );
}

#[test]
fn negative_answers_carry_the_soa_with_the_negative_ttl() {
    let nx = ask("nothing.example.com", RecordType::A);
    assert_eq!(nx.rcode, Rcode::NXDOMAIN);
    assert!(nx.flags.authoritative && nx.answers.is_empty());
    assert_eq!(nx.authority.len(), 1);
    // RFC 2308 §3: min(SOA TTL 3600, MINIMUM 300).
    assert_eq!(
        (nx.authority[0].rtype(), nx.authority[0].ttl),
        (RecordType::SOA, 300)
    );
    let nodata = ask("www.example.com", RecordType::MX);
    assert_eq!((nodata.rcode, nodata.answers.len()), (Rcode::NOERROR, 0));
    assert_eq!(nodata.authority[0].rtype(), RecordType::SOA);
}

#[test]
fn delegations_get_referrals_with_glue_and_no_aa() {
    let r = ask("www.sub.example.com", RecordType::A);
    assert_eq!(r.rcode, Rcode::NOERROR);
    assert!(!r.flags.authoritative && r.answers.is_empty());
    assert_eq!(
        texts(&r.authority),
        ["sub.example.com.\t3600\tIN\tNS\tns.sub.example.com."]
    );
    assert_eq!(
        texts(&r.additional),
        ["ns.sub.example.com.\t3600\tIN\tA\t192.0.2.54"]
    );
}

#[test]
fn dname_redirects_with_a_synthesised_cname() {
    let r = ask("a.b.old.example.com", RecordType::A);
    assert_eq!(
        texts(&r.answers),
        [
            "old.example.com.\t3600\tIN\tDNAME\tnew.example.net.",
            "a.b.old.example.com.\t3600\tIN\tCNAME\ta.b.new.example.net."
        ]
    );
}

#[test]
fn status_codes_for_what_is_not_served() {
    assert_eq!(ask("example.org", RecordType::A).rcode, Rcode::REFUSED);
    let mut q = Message::query(
        9,
        Question::new("example.com".parse().unwrap(), RecordType::SOA),
        false,
    );
    q.opcode = Opcode::UPDATE;
    let r = ask_with(&server(), &q, Transport::Udp);
    assert_eq!((r.id, r.rcode), (9, Rcode::NOTIMP));
    q.opcode = Opcode::QUERY;
    q.questions.push(q.questions[0].clone());
    assert_eq!(
        ask_with(&server(), &q, Transport::Udp).rcode,
        Rcode::FORMERR
    );
    // A compression loop in the question: FORMERR with the query's ID.
    let mut broken = vec![0xBE, 0xEF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    broken.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01");
    let mut out = Vec::new();
    assert_eq!(
        server().respond(&broken, CLIENT, Transport::Udp, &mut out),
        Reply::Message
    );
    let (r, _) = Message::parse(&out).unwrap();
    assert_eq!(
        (r.id, r.rcode, r.questions.len()),
        (0xBEEF, Rcode::FORMERR, 0)
    );
    // 65535 claimed answers: FORMERR, not an allocation.
    let mut claimed = vec![0, 1, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
    claimed.extend_from_slice(b"\x00\x00\x01\x00\x01");
    out.clear();
    server().respond(&claimed, CLIENT, Transport::Udp, &mut out);
    assert_eq!(Message::parse(&out).unwrap().0.rcode, Rcode::FORMERR);
    // Responses and scraps are not answered.
    out.clear();
    assert_eq!(
        server().respond(&[1, 2, 3], CLIENT, Transport::Udp, &mut out),
        Reply::Nothing
    );
    let mut response = q.to_bytes();
    response[2] |= 0x80;
    assert_eq!(
        server().respond(&response, CLIENT, Transport::Udp, &mut out),
        Reply::Nothing
    );
    assert!(out.is_empty());
}

#[test]
fn any_gets_one_rrset() {
    let r = ask("example.com", RecordType::ANY);
    assert_eq!(r.answers.len(), 1);
    assert!(r.flags.authoritative);
}

#[test]
fn edns_is_echoed_and_bad_versions_refused() {
    let mut q = Message::query(
        5,
        Question::new("www.example.com".parse().unwrap(), RecordType::A),
        false,
    );
    q.edns = Some(Edns {
        udp_size: 4096,
        dnssec_ok: true,
        ..Edns::default()
    });
    let r = ask_with(&server(), &q, Transport::Udp);
    let e = r.edns.unwrap();
    assert_eq!((e.udp_size, e.dnssec_ok, e.version), (1232, true, 0));
    q.edns.as_mut().unwrap().version = 1;
    let r = ask_with(&server(), &q, Transport::Udp);
    assert_eq!(r.rcode, Rcode::BADVERS);
    assert!(r.edns.is_some() && r.answers.is_empty());
}

#[test]
fn big_answers_truncate_over_udp_and_fit_over_tcp() {
    let q = Message::query(
        6,
        Question::new("big.example.com".parse().unwrap(), RecordType::TXT),
        false,
    );
    let udp = ask_with(&server(), &q, Transport::Udp);
    assert!(udp.flags.truncated && udp.answers.is_empty());
    let tcp = ask_with(&server(), &q, Transport::Tcp);
    assert!(!tcp.flags.truncated);
    assert_eq!(tcp.answers.len(), 12);
}

#[test]
fn axfr_streams_the_zone_to_allowed_clients_only() {
    let q = Message::query(
        77,
        Question::new("example.com".parse().unwrap(), RecordType::AXFR),
        false,
    );
    let bytes = q.to_bytes();
    let mut out = Vec::new();
    let Reply::Transfer(messages) = server().respond(&bytes, CLIENT, Transport::Tcp, &mut out)
    else {
        panic!("no transfer")
    };
    let records: Vec<_> = messages
        .iter()
        .flat_map(|m| {
            let (m, _) = Message::parse(m).unwrap();
            assert!(m.id == 77 && m.flags.authoritative && !m.flags.truncated);
            m.answers
        })
        .collect();
    assert_eq!(records.first().unwrap().rtype(), RecordType::SOA);
    assert_eq!(records.last().unwrap().rtype(), RecordType::SOA);
    assert_eq!(records.len(), example_zone().record_count() + 1);
    let stranger: IpAddr = "192.0.2.200".parse().unwrap();
    assert_eq!(
        server().respond(&bytes, stranger, Transport::Tcp, &mut out),
        Reply::Message
    );
    assert_eq!(Message::parse(&out).unwrap().0.rcode, Rcode::REFUSED);
    out.clear();
    server().respond(&bytes, CLIENT, Transport::Udp, &mut out);
    assert_eq!(Message::parse(&out).unwrap().0.rcode, Rcode::NOTIMP);
}

#[test]
fn notify_names_the_zone_and_its_soa() {
    let zone = example_zone();
    let (m, _) = Message::parse(&notify(3, &zone)).unwrap();
    assert_eq!(m.opcode, Opcode::NOTIFY);
    assert!(m.flags.authoritative);
    assert_eq!(
        m.questions[0],
        Question::new("example.com".parse::<Name>().unwrap(), RecordType::SOA)
    );
    assert!(matches!(&m.answers[0].rdata, RData::Soa(s) if s.serial == 2024010101));
}
