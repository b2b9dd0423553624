//! Our BitTorrent client with trackers we did not write: opentracker (with
//! the torrent's info-hash whitelisted, as Debian builds it) and npm's
//! bittorrent-tracker (WebTorrent's), each over HTTP and UDP (BEP 15). An
//! `l7 torrent seed` and an `l7 torrent get` find each other only through
//! the tracker, and the download matches the seed.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use l7_interop::*;

mod torrent_common;
use torrent_common::*;

/// A seed and a leecher meeting through the tracker at `port`, which
/// `start` launches once the torrent (announcing to `scheme`) exists.
fn meet_through(name: &str, scheme: &str, start: impl FnOnce(&Setup, u16) -> Server) {
    let port = free_port();
    let url = format!("{scheme}://127.0.0.1:{port}/announce");
    let mut s = Setup::announcing(name, 5 * PIECE + 321, &url);
    s.tracker = Some(start(&s, port));
    let _seeder = s.l7_seeder(&format!("127.0.0.1:{}", free_port()), &[]);
    let last = s.l7_get_to_end("leech", &[]);
    assert_eq!(last["downloaded"], s.data.len());
}

/// opentracker on 127.0.0.1:`port` (TCP and UDP), whitelisting the torrent.
/// It refuses to run as root: it chroots into the scratch directory (so
/// the whitelist path is inside it) and drops to nobody.
fn opentracker(s: &Setup, port: u16) -> Server {
    std::fs::write(s.path("whitelist"), format!("{}\n", s.info_hash_hex())).unwrap();
    set_mode(s.dir.0.as_path(), 0o755);
    set_mode(&s.path("whitelist"), 0o644);
    let p = port.to_string();
    Server::command(
        tool("opentracker")
            .args(["-i", "127.0.0.1", "-p", &p, "-P", &p])
            .args(["-w", "/whitelist", "-u", "nobody", "-d"])
            .arg(&s.dir.0),
        SocketAddr::from(([127, 0, 0, 1], port)),
        false,
    )
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// npm's bittorrent-tracker (installed by scripts/install-peers into
/// .tools/node) serving HTTP and UDP on 127.0.0.1:`port`.
fn bittorrent_tracker(_: &Setup, port: u16) -> Server {
    let server = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.tools/node/node_modules/bittorrent-tracker/server.js");
    assert!(
        server.exists(),
        "npm's bittorrent-tracker is missing: run scripts/install-peers"
    );
    let script = format!(
        "import Server from {server:?};
         const s = new Server({{ udp: true, http: true, ws: false, stats: false }});
         s.on('error', e => {{ console.error(e); process.exit(1) }});
         s.listen({port}, {{ http: '127.0.0.1', udp: '127.0.0.1', udp6: '::1' }});",
        server = server.display().to_string()
    );
    let mut c: Command = tool("node");
    c.args(["--input-type=module", "-e", &script]);
    Server::command(&mut c, SocketAddr::from(([127, 0, 0, 1], port)), false)
}

#[test]
fn we_meet_through_opentracker_over_http() {
    meet_through("tracker-opentracker-http", "http", opentracker);
}

#[test]
fn we_meet_through_opentracker_over_udp() {
    meet_through("tracker-opentracker-udp", "udp", opentracker);
}

#[test]
fn we_meet_through_bittorrent_tracker_over_http() {
    meet_through(
        "tracker-bittorrent-tracker-http",
        "http",
        bittorrent_tracker,
    );
}

#[test]
fn we_meet_through_bittorrent_tracker_over_udp() {
    meet_through("tracker-bittorrent-tracker-udp", "udp", bittorrent_tracker);
}
