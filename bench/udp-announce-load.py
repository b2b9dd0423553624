#!/usr/bin/env python3
"""UDP tracker load generator (BEP 15) for bench/tracker-udp.sh: obtains a
connection id, then keeps WINDOW announces in flight for SECONDS, cycling
through 1000 peer ids on one info-hash (numwant 50), and prints the
announces answered per second.
usage: udp-announce-load.py HOST PORT INFO_HASH_HEX SECONDS [WINDOW]"""
import random
import socket
import struct
import sys
import time

PROTOCOL_ID = 0x41727101980


def main():
    host, port, info_hash, secs = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3]), float(sys.argv[4])
    window = int(sys.argv[5]) if len(sys.argv) > 5 else 64
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    s.settimeout(2)
    tid = random.getrandbits(32)
    s.send(struct.pack(">QII", PROTOCOL_ID, 0, tid))
    action, got_tid, cid = struct.unpack(">IIQ", s.recv(2048)[:16])
    if action != 0 or got_tid != tid:
        sys.exit("tracker did not answer the connect request")
    peers = [(b"-LD0001-" + b"%012d" % i, 10000 + i) for i in range(1000)]
    s.settimeout(0.5)
    answered = inflight = n = 0
    end = time.monotonic() + secs
    while time.monotonic() < end:
        while inflight < window:
            peer_id, peer_port = peers[n % len(peers)]
            n += 1
            s.send(struct.pack(">QII20s20sQQQIIIiH", cid, 1, n & 0xFFFFFFFF, info_hash, peer_id,
                               0, 1000, 0, 0, 0, n & 0xFFFFFFFF, 50, peer_port))
            inflight += 1
        try:
            if struct.unpack(">I", s.recv(2048)[:4])[0] == 1:
                answered += 1
            inflight -= 1
        except socket.timeout:
            inflight = 0
    print(f"{answered / secs:.0f}")


if __name__ == "__main__":
    main()
