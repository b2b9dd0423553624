"""A libtorrent (the library inside qBittorrent and Deluge) peer for the
interop tests: loads a torrent, listens on 127.0.0.1:PORT (or on
HOST:PORT, then also dialing from HOST) with DHT, LSD, UPnP, NAT-PMP and
peer exchange off, and either seeds until killed or downloads and exits 0
once every piece is verified (1 after TIMEOUT s).

    usage: libtorrent_peer.py seed|get TORRENT SAVE_DIR [HOST:]PORT [TIMEOUT] [PEER]
"""

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
params.flags |= lt.torrent_flags.disable_pex
handle = session.add_torrent(params)
handle.resume()
if peer:
    host, p = peer.rsplit(":", 1)
    handle.connect_peer((host, int(p)))

deadline = time.time() + timeout
while time.time() < deadline:
    for alert in session.pop_alerts():
        print(alert.message(), flush=True)
    status = handle.status()
    if mode == "get" and status.is_seeding:
        print("complete", flush=True)
        sys.exit(0)
    time.sleep(0.2)
print(f"timed out in state {handle.status().state}", flush=True)
sys.exit(1)
