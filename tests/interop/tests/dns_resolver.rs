//! The local DNS server against real peers: `l7 dns resolve` walks a
//! hierarchy of three NSD servers (authoritative servers we did not write)
//! and then answers from its cache with the hierarchy gone; Unbound walks a
//! hierarchy of three `l7 dns serve`; dnspython's resolver and dig use our
//! resolver; a client outside the allowed networks is refused.

use std::net::SocketAddr;

use l7_interop::*;

mod dns_common;
use dns_common::python_peer;

/// The three zones of a small hierarchy: root at .1, test at .2, example.test at .3.
fn write_hierarchy(dir: &Scratch, net: &str) {
    std::fs::write(
        dir.join("root.zone"),
        format!(
            "$ORIGIN .\n$TTL 3600\n@ IN SOA a.root. h.root. 1 2 3 4 300\n@ IN NS a.root.\n\
             a.root. IN A {net}.1\ntest. IN NS ns.test.\nns.test. IN A {net}.2\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("test.zone"),
        format!(
            "$ORIGIN test.\n$TTL 3600\n@ IN SOA ns.test. h.test. 1 2 3 4 300\n@ IN NS ns\nns IN A {net}.2\n\
             example IN NS ns1.example\nns1.example IN A {net}.3\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("example.test.zone"),
        "$ORIGIN example.test.\n$TTL 3600\n@ IN SOA ns1 h 1 2 3 4 300\n@ IN NS ns1\n@ IN MX 10 mail\n\
         ns1 IN A 127.0.0.53\nwww IN A 192.0.2.80\nmail IN A 192.0.2.25\nalias IN CNAME www\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("root.hints"),
        format!(". 3600 NS a.root.\na.root. 3600 A {net}.1\n"),
    )
    .unwrap();
}

/// The hierarchy served by three `l7 dns serve`, on NET.1 to NET.3 at `port`.
fn l7_hierarchy(dir: &Scratch, net: &str, port: u16) -> Vec<Server> {
    [(1, "root.zone"), (2, "test.zone"), (3, "example.test.zone")]
        .into_iter()
        .map(|(host, file)| {
            let z = dir.join(file).display().to_string();
            let listen = format!("{net}.{host}:{port}");
            Server::l7(
                &["dns", "serve", "--zone", &z, "--listen", &listen],
                listen.parse().unwrap(),
                false,
            )
        })
        .collect()
}

fn nsd_at(dir: &Scratch, ip: &str, port: u16, zone: &str, file: &str) -> Server {
    let sub = dir.join(ip);
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::copy(dir.join(file), sub.join(file)).unwrap();
    let d = sub.display();
    let conf = sub.join("nsd.conf");
    std::fs::write(
        &conf,
        format!(
            "server:\n  ip-address: {ip}@{port}\n  port: {port}\n  username: \"\"\n  chroot: \"\"\n  zonesdir: \"{d}\"\n  \
             database: \"\"\n  pidfile: \"{d}/nsd.pid\"\n  xfrdfile: \"{d}/xfrd.state\"\n  zonelistfile: \"{d}/zone.list\"\n  \
             logfile: \"{d}/nsd.log\"\nremote-control:\n  control-enable: no\nzone:\n  name: {zone}\n  zonefile: {file}\n"
        ),
    )
    .unwrap();
    let addr: SocketAddr = format!("{ip}:{port}").parse().unwrap();
    Server::command(
        tool("nsd").args(["-d", "-c", conf.to_str().unwrap()]),
        addr,
        false,
    )
}

fn resolver(dir: &Scratch, port: u16, extra: &[&str]) -> Server {
    let rp = free_port();
    let listen = format!("127.0.0.1:{rp}");
    let hints = dir.join("root.hints").display().to_string();
    let up = port.to_string();
    let mut args = vec![
        "dns",
        "resolve",
        "--listen",
        &listen,
        "--root-hints",
        &hints,
        "--upstream-port",
        &up,
    ];
    args.extend_from_slice(extra);
    Server::l7(&args, SocketAddr::from(([127, 0, 0, 1], rp)), false)
}

fn dig_at(addr: SocketAddr, args: &[&str]) -> String {
    let o = tool("dig")
        .args([
            &format!("@{}", addr.ip()),
            "-p",
            &addr.port().to_string(),
            "+time=5",
            "+tries=1",
        ])
        .args(args)
        .output()
        .unwrap();
    stdout(&o)
}

#[test]
fn l7_resolver_walks_an_nsd_hierarchy_then_answers_from_cache() {
    let dir = Scratch::new("res-nsd");
    let net = "127.0.71";
    write_hierarchy(&dir, net);
    let port = free_port();
    let mut nsds = vec![
        nsd_at(&dir, &format!("{net}.1"), port, ".", "root.zone"),
        nsd_at(&dir, &format!("{net}.2"), port, "test", "test.zone"),
        nsd_at(
            &dir,
            &format!("{net}.3"),
            port,
            "example.test",
            "example.test.zone",
        ),
    ];
    let r = resolver(&dir, port, &[]);
    let a = dig_at(r.addr, &["www.example.test"]);
    assert!(
        a.contains("status: NOERROR") && a.contains("flags: qr rd ra;"),
        "{a}"
    );
    assert!(
        a.contains("www.example.test.\t3600\tIN\tA\t192.0.2.80"),
        "{a}"
    );
    let cname = dig_at(r.addr, &["alias.example.test", "+short"]);
    assert_eq!(cname, "www.example.test.\n192.0.2.80\n");
    let nx = dig_at(r.addr, &["nope.example.test"]);
    assert!(
        nx.contains("status: NXDOMAIN") && nx.contains("IN\tSOA"),
        "{nx}"
    );
    // With every authoritative server gone, the cache still answers.
    for n in &mut nsds {
        let _ = n.child.kill();
    }
    let cached = dig_at(r.addr, &["www.example.test", "+short"]);
    assert_eq!(cached, "192.0.2.80\n");
    // RFC 1035 §7.1: a cached answer's TTL counts down (the UDP loop's
    // wire answers are patched as they leave).
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let aged = dig_at(r.addr, &["www.example.test", "+noall", "+answer"]);
    let ttl: u32 = aged
        .split('\t')
        .nth(1)
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no TTL in {aged:?}"));
    assert!((1..3600).contains(&ttl), "TTL did not count down: {aged}");
    let cached_nx = dig_at(r.addr, &["nope.example.test"]);
    assert!(
        cached_nx.contains("status: NXDOMAIN"),
        "negative answers are cached (RFC 2308): {cached_nx}"
    );
    // l7 dns query reads the same cached answer from our resolver.
    let q = l7(&[
        "dns",
        "query",
        "www.example.test",
        &format!("@{}", r.addr),
        "--short",
    ]);
    assert_eq!(stdout(&q), "192.0.2.80\n", "{}", stderr(&q));
}

#[test]
fn unbound_walks_a_hierarchy_of_l7_servers() {
    let dir = Scratch::new("unbound-l7");
    let net = "127.0.72";
    write_hierarchy(&dir, net);
    // Root hints carry no port: Unbound asks every server on port 53, so
    // ours listen there, each on its own loopback address (needs root, as
    // scripts/test has).
    let _servers = l7_hierarchy(&dir, net, 53);
    let up = free_port();
    let d = dir.0.display();
    let conf = dir.join("unbound.conf");
    std::fs::write(
        &conf,
        format!(
            "server:\n  interface: 127.0.0.1@{up}\n  port: {up}\n  username: \"\"\n  chroot: \"\"\n  directory: \"{d}\"\n  \
             pidfile: \"{d}/unbound.pid\"\n  use-syslog: no\n  logfile: \"\"\n  do-not-query-localhost: no\n  \
             root-hints: \"{d}/root.hints\"\n  module-config: \"iterator\"\n  num-threads: 1\n  \
             qname-minimisation: no\n  harden-referral-path: no\n  do-ip6: no\n  local-zone: \"test.\" nodefault\n\
             remote-control:\n  control-enable: no\n"
        ),
    )
    .unwrap();
    let _unbound = Server::command(
        tool("unbound").args(["-d", "-c", conf.to_str().unwrap()]),
        SocketAddr::from(([127, 0, 0, 1], up)),
        true,
    );
    let at = SocketAddr::from(([127, 0, 0, 1], up));
    std::thread::sleep(std::time::Duration::from_millis(300));
    let a = dig_at(at, &["www.example.test", "+short"]);
    assert_eq!(a, "192.0.2.80\n");
    let mx = l7(&["dns", "query", "example.test", "MX", &format!("@{at}")]);
    let text = stdout(&mx);
    assert!(
        text.contains("flags: qr rd ra") && text.contains("10 mail.example.test."),
        "{text}"
    );
}

#[test]
fn dnspython_and_dig_use_our_resolver_and_strangers_are_refused() {
    let dir = Scratch::new("res-py");
    let net = "127.0.73";
    write_hierarchy(&dir, net);
    let port = free_port();
    let _servers = l7_hierarchy(&dir, net, port);
    let r = resolver(&dir, port, &[]);
    let script = format!(
        "import dns.resolver\nr = dns.resolver.Resolver(configure=False)\nr.nameservers = ['127.0.0.1']\n\
         r.port = {}\nfor rr in r.resolve('example.test', 'MX'):\n    print(rr.preference, rr.exchange)\n\
         print(r.resolve('www.example.test', 'A', tcp=True)[0])\n",
        r.addr.port()
    );
    let out = python_peer().args(["-c", &script]).output().unwrap();
    assert_eq!(
        stdout(&out),
        "10 mail.example.test.\n192.0.2.80\n",
        "{}",
        stderr(&out)
    );
    // Only the allowed networks are served: this is no open resolver.
    let strict = resolver(&dir, port, &["--allow", "127.0.0.99/32"]);
    let refused = dig_at(strict.addr, &["www.example.test"]);
    assert!(refused.contains("status: REFUSED"), "{refused}");
}
