"""A libtorrent (the library inside qBittorrent and Deluge) peer for the
interop tests: loads a torrent, listens on 127.0.0.1:PORT (or on
HOST:PORT, then also dialing from HOST) with DHT, LSD, UPnP, NAT-PMP and
peer exchange off, and either seeds until killed or downloads and exits 0
once every piece is verified (1 after TIMEOUT s). With LT_PEX=1 in the
environment peer exchange (ut_pex) is on, and on exit it prints one line
`pex peer HOST:PORT downloaded N` per peer it learned through ut_pex, with
the most bytes it downloaded from that peer.

    usage: libtorrent_peer.py seed|get TORRENT SAVE_DIR [HOST:]PORT [TIMEOUT] [PEER]
"""

import os
import sys
import time

import libtorrent as lt

mode, torrent, save, listen = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
host, port = listen.rsplit(":", 1) if ":" in listen else ("127.0.0.1", listen)
timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 240
peer = sys.argv[6] if len(sys.argv) > 6 else None

session = lt.session(
    {
        "listen_interfaces": f"{host}:{port}",
        "outgoing_interfaces": host,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        # Every peer of the test shares 127.0.0.1.
        "allow_multiple_connections_per_ip": True,
        # Announce to a tracker on loopback, as the tests' trackers are.
        "announce_to_all_trackers": True,
        "alert_mask": lt.alert.category_t.error_notification
        | lt.alert.category_t.status_notification
        | lt.alert.category_t.tracker_notification,
    }
)
params = lt.add_torrent_params()
params.ti = lt.torrent_info(torrent)
params.save_path = save
params.flags &= ~lt.torrent_flags.auto_managed
pex = os.environ.get("LT_PEX") == "1"
if not pex:
    params.flags |= lt.torrent_flags.disable_pex
handle = session.add_torrent(params)
handle.resume()
if peer:
    host, p = peer.rsplit(":", 1)
    handle.connect_peer((host, int(p)))

# Peers learned through ut_pex: "host:port" -> most bytes downloaded from it.
pex_peers = {}


def report():
    for addr, got in sorted(pex_peers.items()):
        print(f"pex peer {addr} downloaded {got}", flush=True)


deadline = time.time() + timeout
while time.time() < deadline:
    for alert in session.pop_alerts():
        print(alert.message(), flush=True)
    if pex:
        for p in handle.get_peer_info():
            if p.source & lt.peer_info.pex:
                addr = f"{p.ip[0]}:{p.ip[1]}"
                pex_peers[addr] = max(pex_peers.get(addr, 0), p.total_download)
    status = handle.status()
    if mode == "get" and status.is_seeding:
        report()
        print("complete", flush=True)
        sys.exit(0)
    time.sleep(0.2)
report()
print(f"timed out in state {handle.status().state}", flush=True)
sys.exit(1)
