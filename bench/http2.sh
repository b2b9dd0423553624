#!/usr/bin/env bash
# HTTP/2 over cleartext (h2c, prior knowledge): h2load against `l7 http
# serve` and nginx (one worker, `listen ... http2`) fetching the same 1 KiB
# file: 16 connections, 10 concurrent streams each. Server pinned to core 0,
# h2load (one thread) to core 1. Prints requests/s (median of REPEAT runs),
# the server's CPU-µs per request and the ratio l7 / nginx (higher is
# better for l7). Goal (issue 7): >= 1.0.
#   usage: bench/http2.sh [REQUESTS=200000] [REPEAT=3]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
requests=${1:-200000}
repeat=${2:-3}
needs h2load:nghttp2-client nginx:nginx-light taskset:util-linux
build_release

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/www" "$work/nginx"
head -c 1024 /dev/urandom > "$work/www/1k.bin"
port=28443
nginx_static_conf "$work" "127.0.0.1:$port http2" > "$work/nginx/nginx.conf"

# measure PID — prints "requests/s cpu-µs/request"
measure() {
  local pid=$1 before after out rps done hz
  hz=$(getconf CLK_TCK)
  before=$(cpu_ticks "$pid")
  out=$(taskset -c 1 h2load -n "$requests" -c 16 -m 10 -t 1 "http://127.0.0.1:$port/1k.bin")
  after=$(cpu_ticks "$pid")
  rps=$(awk '/^finished in/ {print $4}' <<<"$out")
  done=$(awk '/^status codes:/ {print $3}' <<<"$out")
  if [ "$done" != "$requests" ]; then echo "h2load: not every request got 2xx: $out" >&2; exit 1; fi
  awk -v r="$rps" -v t=$((after - before)) -v n="$requests" -v hz="$hz" \
    'BEGIN { printf "%.0f %.1f\n", r, t / hz * 1e6 / n }'
}

read -r l7_rps l7_cpu ng_rps ng_cpu _ < <(median_runs "$work" "$port" "$repeat" measure)
echo "HTTP/2 h2c, h2load -n $requests -c 16 -m 10 -t 1, 1 KiB, x $repeat (interleaved), server on core 0, h2load on core 1"
echo "  l7 http serve : $l7_rps req/s, $l7_cpu CPU-µs/req"
echo "  nginx         : $ng_rps req/s, $ng_cpu CPU-µs/req"
echo "  ratio l7/nginx: $(ratio "$l7_rps" "$ng_rps")  (higher is better for l7; goal >= 1.0)"
