//! l7's DNS against NSD, an authoritative server we did not write: NSD
//! loads our zone by AXFR as a secondary, and `l7 dns query` (plain and
//! `--trace`) reads NSD's answers. NSD runs in the foreground with its own
//! configuration, addresses and ports.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use l7_interop::*;

fn nsd(dir: &Scratch, port: u16, zones: &str) -> Server {
    let conf = dir.join("nsd.conf");
    let d = dir.0.display();
    std::fs::write(
        &conf,
        format!(
            "server:\n  ip-address: 127.0.0.1@{port}\n  port: {port}\n  username: \"\"\n  chroot: \"\"\n  \
             zonesdir: \"{d}\"\n  database: \"\"\n  pidfile: \"{d}/nsd.pid\"\n  xfrdfile: \"{d}/xfrd.state\"\n  \
             zonelistfile: \"{d}/zone.list\"\n  logfile: \"{d}/nsd.log\"\n  verbosity: 2\n\
             remote-control:\n  control-enable: no\n{zones}"
        ),
    )
    .unwrap();
    Server::command(
        tool("nsd").args(["-d", "-c", conf.to_str().unwrap()]),
        SocketAddr::from(([127, 0, 0, 1], port)),
        false,
    )
}

/// NSD as a secondary for example.test, transferring it from our server on `primary`.
fn nsd_secondary(dir: &Scratch, port: u16, primary: u16) -> Server {
    nsd(
        dir,
        port,
        &format!(
            "zone:\n  name: example.test\n  zonefile: secondary.zone\n  \
             request-xfr: AXFR 127.0.0.1@{primary} NOKEY\n  allow-notify: 127.0.0.1 NOKEY\n"
        ),
    )
}

/// Waits (20 s at most) until the server at `at` answers www.example.test with `want`.
fn wait_for_www(dir: &Scratch, at: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let o = l7(&["dns", "query", "www.example.test", at, "--short"]);
        if stdout(&o) == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "NSD never served {want:?}, it says {:?}; log:\n{}",
            stdout(&o),
            std::fs::read_to_string(dir.join("nsd.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn fixture() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/dns/example.test.zone")
        .display()
        .to_string()
}

#[test]
fn nsd_loads_our_zone_by_axfr() {
    let dir = Scratch::new("nsd-axfr");
    let ours = free_port();
    let listen = format!("127.0.0.1:{ours}");
    let _l7 = Server::l7(
        &[
            "dns",
            "serve",
            "--zone",
            &fixture(),
            "--listen",
            &listen,
            "--allow-transfer",
            "127.0.0.1",
        ],
        SocketAddr::from(([127, 0, 0, 1], ours)),
        false,
    );
    let port = free_port();
    let _nsd = nsd_secondary(&dir, port, ours);
    let at = format!("@127.0.0.1:{port}");
    wait_for_www(&dir, &at, "192.0.2.80\n");
    // Every record came across: the big RRset too, over TCP after truncation.
    let o = l7(&["--json", "dns", "query", "big.example.test", "TXT", &at]);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["answer"].as_array().unwrap().len(), 30, "{v}");
    assert_eq!(
        v["tcp"], true,
        "a 30-record TXT set does not fit 1232 bytes: {v}"
    );
}

#[test]
fn l7_dns_query_reads_nsd_answers_and_walks_its_delegations() {
    let dir = Scratch::new("nsd-query");
    std::fs::write(
        dir.join("root.zone"),
        "$ORIGIN .\n$TTL 3600\n@ IN SOA a.root. h.root. 1 2 3 4 300\n@ IN NS a.root.\n\
         a.root. IN A 127.0.0.1\ntest. IN NS a.root.\n",
    )
    .unwrap();
    std::fs::copy(fixture(), dir.join("example.test.zone")).unwrap();
    std::fs::write(
        dir.join("test.zone"),
        "$ORIGIN test.\n$TTL 3600\n@ IN SOA a.root. h.root. 1 2 3 4 300\n@ IN NS a.root.\n\
         example IN NS ns1.example.test.\nns1.example IN A 127.0.0.1\n",
    )
    .unwrap();
    let port = free_port();
    let _nsd = nsd(
        &dir,
        port,
        "zone:\n  name: .\n  zonefile: root.zone\nzone:\n  name: test\n  zonefile: test.zone\n\
         zone:\n  name: example.test\n  zonefile: example.test.zone\n",
    );
    let at = format!("@127.0.0.1:{port}");
    let o = l7(&["dns", "query", "example.test", "MX", &at]);
    let text = stdout(&o);
    assert!(
        text.contains("status: NOERROR") && text.contains("flags: qr aa"),
        "{text}"
    );
    assert!(
        text.contains("example.test.\t3600\tIN\tMX\t10 mail.example.test."),
        "{text}"
    );
    let nx = l7(&["dns", "query", "nope.example.test", &at]);
    assert!(stdout(&nx).contains("status: NXDOMAIN"), "{}", stdout(&nx));
    // NSD serves all three zones on one address, so the walk asks it three
    // times and must land on the answer.
    let root = format!("127.0.0.1:{port}");
    let t = l7(&[
        "--trace",
        "dns",
        "query",
        "www.example.test",
        "--root",
        &root,
    ]);
    let walk = stdout(&t);
    assert!(t.status.success(), "{walk}{}", stderr(&t));
    assert!(
        walk.contains("www.example.test.\t3600\tIN\tA\t192.0.2.80"),
        "{walk}"
    );
    assert!(walk.matches(";; asking 127.0.0.1#").count() >= 1, "{walk}");
}

#[test]
fn a_reload_notifies_nsd_which_transfers_the_new_zone() {
    let dir = Scratch::new("nsd-notify");
    let zone = dir.join("example.test.zone");
    std::fs::copy(fixture(), &zone).unwrap();
    let (ours, port) = (free_port(), free_port());
    let listen = format!("127.0.0.1:{ours}");
    let secondary = format!("127.0.0.1:{port}");
    let primary = Server::l7(
        &[
            "dns",
            "serve",
            "--zone",
            zone.to_str().unwrap(),
            "--listen",
            &listen,
            "--allow-transfer",
            "127.0.0.1",
            "--notify",
            &secondary,
        ],
        SocketAddr::from(([127, 0, 0, 1], ours)),
        false,
    );
    let nsd_dir = Scratch::new("nsd-notify-secondary");
    let _nsd = nsd_secondary(&nsd_dir, port, ours);
    let at = format!("@{secondary}");
    wait_for_www(&nsd_dir, &at, "192.0.2.80\n");
    // A new serial and address; SIGHUP reloads and NOTIFYs NSD, which
    // transfers at once (its refresh timer is an hour).
    let text = std::fs::read_to_string(&zone).unwrap();
    std::fs::write(
        &zone,
        text.replace("2026112201", "2026112202")
            .replace("192.0.2.80", "192.0.2.81"),
    )
    .unwrap();
    let pid = primary.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success()
    );
    wait_for_www(&nsd_dir, &at, "192.0.2.81\n");
}
