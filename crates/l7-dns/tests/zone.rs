//! Zone-file tests: the corpus under tests/zones (good zones load, bad ones
//! fail with `file:line: what`), `$INCLUDE` through a caller's resolver, and
//! lookups (delegations, wildcards, empty non-terminals, DNAME).

mod common;

use std::collections::HashMap;
use std::path::Path;

use l7_dns::wire::{LowerName, Name, RecordType};
use l7_dns::zone::{Found, NoIncludes, Zone, ZoneError, parse_master_file};
use proptest::prelude::*;

fn load(path: &Path) -> Result<Zone, ZoneError> {
    let origin: Name = path.file_stem().unwrap().to_str().unwrap().parse().unwrap();
    let text = std::fs::read(path).unwrap();
    let file = path.file_name().unwrap().to_str().unwrap();
    Zone::from_master_file(&text, file, &origin, &mut NoIncludes)
}

fn corpus(kind: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/zones")
        .join(kind);
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn good_zones_load() {
    let files = corpus("good");
    assert!(files.len() >= 4);
    for path in files {
        let zone = load(&path).unwrap_or_else(|e| panic!("{e}"));
        // At least the SOA and an NS record.
        assert!(zone.record_count() >= 2, "{}", path.display());
    }
}

#[test]
fn what_bind_only_warns_about_loads_with_a_warning() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/zones/good");
    let out = load(&dir.join("out-of-zone.test.zone")).unwrap();
    let warnings: Vec<String> = out.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("out-of-zone.test.zone:4: www.example.org. is outside the zone")
    );
    assert!(
        out.node(b"\x03www\x07example\x03org\x00").is_none(),
        "out-of-zone data is not served"
    );
    let glue = load(&dir.join("missing-required-glue.test.zone")).unwrap();
    let w = glue.warnings()[0].to_string();
    assert!(w.contains("NS ns.sub.missing-required-glue.test. of sub.missing-required-glue.test. has no address"), "{w}");
}

#[test]
fn bad_zones_fail_with_file_line_and_reason() {
    let expected: HashMap<&str, &str> = [
        ("bad-address.test.zone", "bad-address.test.zone:4: bad IPv4 address"),
        ("cname-and-other.test.zone", "cname-and-other.test.zone:5: CNAME and other data"),
        ("generic-length.test.zone", "generic-length.test.zone:5: \\# says 3 bytes but 2 are given"),
        ("long-label.test.zone", "long-label.test.zone:4: bad domain name"),
        ("missing-glue.test.zone", "missing-glue.test.zone:1: NS ns.missing-glue.test. of missing-glue.test. has no address records"),
        ("no-ns.test.zone", "no-ns.test.zone:1: zone no-ns.test. has no NS records"),
        ("no-soa.test.zone", "no-soa.test.zone:1: zone no-soa.test. has no SOA record"),
        ("two-soa.test.zone", "two-soa.test.zone:3: more than one SOA record"),
        ("unbalanced.test.zone", "unbalanced.test.zone:2: '(' is never closed"),
        ("unknown-type.test.zone", "unknown-type.test.zone:4: unknown record type \"BOGUS\""),
    ]
    .into_iter()
    .collect();
    let files = corpus("bad");
    assert_eq!(files.len(), expected.len());
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let err = load(&path).expect_err(name).to_string();
        assert!(err.starts_with(expected[name]), "{name}: got {err:?}");
    }
}

fn example() -> Zone {
    load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/zones/good/example.com.zone")).unwrap()
}

fn find<'z>(zone: &'z Zone, name: &str) -> Found<'z> {
    zone.find(LowerName::from_name(&name.parse().unwrap()).wire())
}

#[test]
fn lookups_find_data_cuts_wildcards_and_empty_non_terminals() {
    let zone = example();
    assert_eq!(zone.soa_data().minimum, 300);
    assert_eq!(zone.soa_data().refresh, 7200);
    match find(&zone, "WWW.example.com") {
        Found::Node {
            node,
            wildcard: false,
        } => {
            assert!(node.rrset(RecordType::A).is_some() && node.rrset(RecordType::AAAA).is_some())
        }
        other => panic!("{other:?}"),
    }
    for below_cut in [
        "sub.example.com",
        "ns.sub.example.com",
        "a.b.sub.example.com",
    ] {
        assert!(
            matches!(find(&zone, below_cut), Found::Delegation(n) if n.name.to_string() == "sub.example.com.")
        );
    }
    assert!(matches!(
        find(&zone, "x.y.wild.example.com"),
        Found::Node { wildcard: true, .. }
    ));
    // RFC 4592 §2.2.2: `wild` exists (empty non-terminal), so it is NODATA, not a wildcard match.
    assert!(
        matches!(find(&zone, "wild.example.com"), Found::Node { node, wildcard: false } if node.rrsets.is_empty())
    );
    assert!(matches!(
        find(&zone, "_udp.example.com"),
        Found::Node {
            wildcard: false,
            ..
        }
    ));
    assert!(matches!(find(&zone, "nope.example.com"), Found::NxDomain));
    assert!(
        matches!(find(&zone, "a.old.example.com"), Found::Dname(n) if n.name.to_string() == "old.example.com.")
    );
    assert!(matches!(find(&zone, "old.example.com"), Found::Node { .. }));
    assert!(
        matches!(find(&zone, "example.com"), Found::Node { node, .. } if node.rrset(RecordType::SOA).is_some())
    );
    let transfer = zone.transfer_records();
    assert_eq!(transfer.first().unwrap().rtype(), RecordType::SOA);
    assert_eq!(transfer.last().unwrap().rtype(), RecordType::SOA);
    assert_eq!(transfer.len(), zone.record_count() + 1);
}

#[test]
fn includes_go_through_the_callers_resolver() {
    let origin: Name = "inc.test".parse().unwrap();
    let main =
        b"$TTL 60\n@ SOA ns admin 1 2 3 4 5\n@ NS ns\n$INCLUDE hosts.inc sub\nns A 192.0.2.1\n";
    let mut asked = Vec::new();
    let mut resolver = |from: &str, path: &str| {
        asked.push((from.to_string(), path.to_string()));
        Ok(("hosts.inc".to_string(), b"www A 192.0.2.2\n".to_vec()))
    };
    let zone = Zone::from_master_file(main, "inc.test.zone", &origin, &mut resolver).unwrap();
    assert_eq!(
        asked,
        [("inc.test.zone".to_string(), "hosts.inc".to_string())]
    );
    // The include's origin was `sub`; the includer's origin is unchanged after it.
    assert!(matches!(
        find(&zone, "www.sub.inc.test"),
        Found::Node { .. }
    ));
    assert!(matches!(find(&zone, "ns.inc.test"), Found::Node { .. }));

    // An include that includes itself stops at the depth limit, with the location.
    let mut looping =
        |_: &str, _: &str| Ok(("loop.inc".to_string(), b"$INCLUDE loop.inc\n".to_vec()));
    let err = Zone::from_master_file(main, "inc.test.zone", &origin, &mut looping).unwrap_err();
    assert_eq!(err.file, "loop.inc");
    assert!(err.what.contains("nested too deeply"));

    let err = Zone::from_master_file(main, "inc.test.zone", &origin, &mut NoIncludes).unwrap_err();
    assert_eq!((err.file.as_str(), err.line), ("inc.test.zone", 4));
}

#[test]
fn presentation_round_trip_of_a_whole_zone() {
    let zone = example();
    let text: String = zone
        .transfer_records()
        .iter()
        .skip(1)
        .map(|r| format!("{r}\n"))
        .collect();
    let again =
        Zone::from_master_file(text.as_bytes(), "again", zone.apex(), &mut NoIncludes).unwrap();
    let a: Vec<String> = zone
        .transfer_records()
        .iter()
        .map(|r| r.to_string())
        .collect();
    let b: Vec<String> = again
        .transfer_records()
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert_eq!(a, b);
}

#[test]
fn an_omitted_owner_after_origin_is_the_previous_owner() {
    // RFC 1035 §5.1 (BIND only warns here): the previous owner carries over.
    let text =
        b"$TTL 60\n@ SOA ns.x. h.x. 1 2 3 4 5\n  NS ns.x.\n$ORIGIN sub.o.test.\n  TXT \"apex\"\n";
    let zone = Zone::from_master_file(text, "o.zone", &"o.test".parse().unwrap(), &mut NoIncludes)
        .unwrap();
    assert!(
        matches!(find(&zone, "o.test"), Found::Node { node, .. } if node.rrset(RecordType::TXT).is_some())
    );
}

#[test]
fn dnssec_records_may_sit_beside_a_cname() {
    let text = b"$TTL 60\n@ SOA ns.x. h.x. 1 2 3 4 5\n@ NS ns.x.\nwww CNAME @\nwww TYPE46 \\# 2 0102\nftp CNAME @\nftp TYPE99 \\# 1 00\n";
    let err = Zone::from_master_file(text, "d.zone", &"d.test".parse().unwrap(), &mut NoIncludes)
        .unwrap_err();
    assert_eq!(
        (err.line, err.what.as_str()),
        (7, "CNAME and other data at ftp.d.test.")
    );
    let ok = &text[..text.len() - 31];
    assert!(
        Zone::from_master_file(ok, "d.zone", &"d.test".parse().unwrap(), &mut NoIncludes).is_ok()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any record printed in presentation format reads back the same
    /// (escapes in names and strings, generic `\#` data, every type).
    #[test]
    fn records_round_trip_through_presentation_format(records in proptest::collection::vec(common::record(), 1..6)) {
        let text: String = records.iter().map(|r| format!("{r}\n")).collect();
        let parsed = parse_master_file(text.as_bytes(), "gen", &Name::root(), &mut NoIncludes)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let back: Vec<_> = parsed.into_iter().map(|(r, _)| r).collect();
        prop_assert_eq!(back, records);
    }
}
