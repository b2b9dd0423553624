//! `l7 dns serve` driven by real DNS clients (dig from BIND, kdig from Knot):
//! authoritative answers, referrals with glue, negative answers with the SOA,
//! truncation then TCP, EDNS, zone transfer, several queries on one TCP
//! connection, and reload on SIGHUP.

use l7_interop::*;

mod dns_common;
use dns_common::{fixture, serve};

fn dig(s: &Server, args: &[&str]) -> String {
    let out = tool("dig")
        .args([
            "@127.0.0.1",
            "-p",
            &s.addr.port().to_string(),
            "+time=3",
            "+tries=1",
        ])
        .args(args)
        .output()
        .unwrap();
    stdout(&out)
}

fn short(s: &Server, args: &[&str]) -> Vec<String> {
    let mut a = args.to_vec();
    a.push("+short");
    let mut v: Vec<String> = dig(s, &a).lines().map(str::to_string).collect();
    v.sort();
    v
}

#[test]
fn dig_gets_authoritative_answers() {
    let s = serve(&fixture(), &[]);
    let full = dig(&s, &["www.example.test", "A", "+norec"]);
    assert!(
        full.contains("status: NOERROR") && full.contains("flags: qr aa;"),
        "{full}"
    );
    assert_eq!(short(&s, &["www.example.test", "A"]), ["192.0.2.80"]);
    assert_eq!(short(&s, &["www.example.test", "AAAA"]), ["2001:db8::80"]);
    assert_eq!(
        short(&s, &["example.test", "MX"]),
        ["10 mail.example.test.", "20 backup-mail.example.org."]
    );
    assert_eq!(short(&s, &["txt.example.test", "TXT"]), ["\"v=spf1 -all\""]);
    // CNAME chains inside the zone are followed; wildcards synthesise.
    assert_eq!(
        short(&s, &["chain.example.test", "A"]),
        ["192.0.2.80", "alias.example.test.", "www.example.test."]
    );
    assert_eq!(
        short(&s, &["anything.wild.example.test", "A"]),
        ["192.0.2.99"]
    );
}

#[test]
fn referrals_and_negative_answers_carry_what_resolvers_need() {
    let s = serve(&fixture(), &[]);
    let r = dig(&s, &["host.child.example.test", "A", "+norec"]);
    assert!(
        r.contains("status: NOERROR") && !r.contains(" aa"),
        "a referral is not authoritative: {r}"
    );
    assert!(
        r.contains("child.example.test.\t3600\tIN\tNS\tns.child.example.test."),
        "{r}"
    );
    assert!(
        r.contains("ns.child.example.test.\t3600\tIN\tA\t192.0.2.53"),
        "glue: {r}"
    );
    let nx = dig(&s, &["nope.example.test", "A"]);
    assert!(nx.contains("status: NXDOMAIN") && nx.contains("aa"), "{nx}");
    // RFC 2308 §3: the SOA in authority, with TTL min(SOA TTL, minimum).
    assert!(
        nx.contains("example.test.\t\t300\tIN\tSOA\tns1.example.test."),
        "{nx}"
    );
    let nodata = dig(&s, &["mail.example.test", "AAAA"]);
    assert!(
        nodata.contains("status: NOERROR") && nodata.contains("ANSWER: 0"),
        "{nodata}"
    );
    assert!(nodata.contains("IN\tSOA"), "{nodata}");
    let refused = dig(&s, &["www.example.org", "A"]);
    assert!(refused.contains("status: REFUSED"), "{refused}");
}

#[test]
fn large_answers_truncate_over_udp_and_complete_over_tcp() {
    let s = serve(&fixture(), &[]);
    let udp = dig(&s, &["big.example.test", "TXT", "+ignore", "+bufsize=1232"]);
    assert!(udp.contains("flags: qr aa tc"), "{udp}");
    let retried = dig(&s, &["big.example.test", "TXT"]);
    assert!(
        retried.contains("Truncated, retrying in TCP mode"),
        "{retried}"
    );
    assert!(retried.contains("ANSWER: 30,"), "{retried}");
    let kdig = stdout(
        &tool("kdig")
            .args([
                "@127.0.0.1",
                "-p",
                &s.addr.port().to_string(),
                "+tcp",
                "big.example.test",
                "TXT",
            ])
            .output()
            .unwrap(),
    );
    assert!(
        kdig.contains("ANSWER: 30;") || kdig.contains("ANSWER: 30,"),
        "{kdig}"
    );
}

#[test]
fn edns_is_echoed_and_unknown_versions_get_badvers() {
    let s = serve(&fixture(), &[]);
    let e0 = dig(&s, &["www.example.test", "+edns=0"]);
    assert!(e0.contains("EDNS: version: 0, flags:; udp: 1232"), "{e0}");
    let e1 = dig(&s, &["www.example.test", "+edns=1", "+noednsnegotiation"]);
    assert!(e1.contains("status: BADVERS"), "{e1}");
    let plain = dig(&s, &["www.example.test", "+noedns"]);
    assert!(
        !plain.contains("OPT PSEUDOSECTION") && plain.contains("192.0.2.80"),
        "{plain}"
    );
}

#[test]
fn several_queries_share_one_tcp_connection() {
    let s = serve(&fixture(), &[]);
    let out = stdout(
        &tool("kdig")
            .args([
                "@127.0.0.1",
                "-p",
                &s.addr.port().to_string(),
                "+tcp",
                "+keepopen",
                "+short",
            ])
            .args([
                "www.example.test",
                "A",
                "mail.example.test",
                "A",
                "ns1.example.test",
                "A",
            ])
            .output()
            .unwrap(),
    );
    let got: Vec<&str> = out.lines().collect();
    assert_eq!(got, ["192.0.2.80", "192.0.2.25", "127.0.0.53"], "{out}");
}

#[test]
fn zone_transfer_only_to_allowed_addresses() {
    let open = serve(&fixture(), &["--allow-transfer", "127.0.0.0/8"]);
    let axfr = dig(&open, &["example.test", "AXFR"]);
    let records = axfr
        .lines()
        .filter(|l| !l.starts_with(';') && !l.is_empty())
        .count();
    // SOA + 2 NS/MX... every record of the zone, framed by the SOA twice.
    assert!(
        axfr.lines().filter(|l| l.contains("\tSOA\t")).count() == 2,
        "{axfr}"
    );
    assert!(records >= 45, "{records} records: {axfr}");
    let closed = serve(&fixture(), &[]);
    let refused = dig(&closed, &["example.test", "AXFR"]);
    assert!(
        refused.contains("Transfer failed") || refused.contains("REFUSED"),
        "{refused}"
    );
}

#[test]
fn sighup_reloads_and_a_broken_zone_keeps_the_old_one() {
    let dir = std::env::temp_dir().join(format!("l7-dns-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let zone = dir.join("example.test.zone");
    std::fs::copy(fixture(), &zone).unwrap();
    let s = serve(&zone, &[]);
    assert_eq!(short(&s, &["www.example.test"]), ["192.0.2.80"]);
    let text = std::fs::read_to_string(&zone).unwrap();
    std::fs::write(&zone, text.replace("192.0.2.80", "192.0.2.81")).unwrap();
    let hup = |pid: u32| {
        assert!(
            std::process::Command::new("kill")
                .args(["-HUP", &pid.to_string()])
                .status()
                .unwrap()
                .success()
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    hup(s.child.id());
    assert_eq!(short(&s, &["www.example.test"]), ["192.0.2.81"]);
    std::fs::write(&zone, "this is not a zone\n").unwrap();
    hup(s.child.id());
    assert_eq!(
        short(&s, &["www.example.test"]),
        ["192.0.2.81"],
        "the old zone keeps serving"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_broken_zone_is_rejected_at_start_with_file_and_line() {
    let dir = std::env::temp_dir().join(format!("l7-dns-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let zone = dir.join("bad.zone");
    std::fs::write(
        &zone,
        "$ORIGIN bad.test.\n$TTL 300\n@ IN SOA ns hm 1 2 3 4 5\n@ IN NS ns\nns IN A 999.1.1.1\n",
    )
    .unwrap();
    let o = l7(&[
        "dns",
        "serve",
        "--zone",
        zone.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.zone:5:"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(dir);
}
