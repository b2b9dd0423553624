#!/usr/bin/env bash
# Static files over HTTP/1.1: wrk against `l7 http serve` and nginx (one
# worker, no master, access log off, sendfile on as nginx is usually run)
# serving the same 1 KiB and 100 KiB files. Each server is pinned to core 0,
# wrk (one thread) to core 1. Two modes: 64 keep-alive connections, and a
# new connection per request (`Connection: close`, the course's
# non-persistent HTTP). Prints requests/s (median of REPEAT runs), the
# server's CPU-µs per request, and the ratio l7 / nginx (higher is better
# for l7). Goals (issue 7): >= 1.2 on 1 KiB keep-alive, >= 1.0 otherwise.
# l7 listens with TCP_DEFER_ACCEPT (a connection is accepted with its
# request); nginx does with `listen ... deferred`, off by default: set
# NGINX_DEFERRED=1 to turn it on for nginx too.
#   usage: [NGINX_DEFERRED=1] bench/http-static.sh [SECONDS=10] [REPEAT=3]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
secs=${1:-10}
repeat=${2:-3}
needs wrk:wrk nginx:nginx-light taskset:util-linux /usr/bin/time:time
build_release

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/www" "$work/nginx/logs"
head -c 1024 /dev/urandom > "$work/www/1k.bin"
head -c 102400 /dev/urandom > "$work/www/100k.bin"
port=28080
nginx_static_conf "$work" "127.0.0.1:$port${NGINX_DEFERRED:+ deferred}" > "$work/nginx/nginx.conf"

# measure PID PATH [wrk args...] — prints "requests/s cpu-µs/request
# wrk-cpu-µs/request"
measure() {
  local pid=$1 path=$2
  shift 2
  local before after out reqs rps hz wrk_cpu
  hz=$(getconf CLK_TCK)
  before=$(cpu_ticks "$pid")
  out=$( { /usr/bin/time -f "wrk-cpu %U %S" taskset -c 1 wrk -t1 -c64 -d"${secs}s" "$@" \
    "http://127.0.0.1:$port$path"; } 2>&1)
  after=$(cpu_ticks "$pid")
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  wrk_cpu=$(awk '/^wrk-cpu/ {print $2 + $3}' <<<"$out")
  if grep -q "Non-2xx" <<<"$out"; then echo "wrk saw errors: $out" >&2; exit 1; fi
  awk -v r="$rps" -v t=$((after - before)) -v n="$reqs" -v hz="$hz" -v w="$wrk_cpu" \
    'BEGIN { printf "%.0f %.1f %.1f\n", r, t / hz * 1e6 / n, w * 1e6 / n }'
}

echo "static files, wrk -t1 -c64, ${secs}s x $repeat (l7 and nginx runs interleaved), server on core 0, wrk on core 1"
if [ -n "${NGINX_DEFERRED:-}" ]; then
  echo "nginx listens deferred (TCP_DEFER_ACCEPT), as l7 does"
else
  echo "nginx listens without deferred accept (its default); l7 defers accept (NGINX_DEFERRED=1 evens it)"
fi
printf '%-20s %10s %9s %11s %9s %8s %12s\n' case "l7 req/s" "l7 µs/req" "nginx req/s" "ng µs/req" \
  "l7/nginx" "wrk µs/req"
for mode in keep-alive close; do
  for file in 1k.bin 100k.bin; do
    extra=()
    [ "$mode" = close ] && extra=(-H "Connection: close")
    read -r l7_rps l7_cpu ng_rps ng_cpu l7_wrk ng_wrk < <(median_runs "$work" "$port" "$repeat" \
      measure "/$file" "${extra[@]}")
    printf '%-20s %10s %9s %11s %9s %8s %12s\n' "$file $mode" "$l7_rps" "$l7_cpu" "$ng_rps" "$ng_cpu" \
      "$(ratio "$l7_rps" "$ng_rps")" "$l7_wrk / $ng_wrk"
  done
done
echo "ratio = l7 req/s / nginx req/s (higher is better for l7; goals: 1k keep-alive >= 1.2, others >= 1.0)"
echo "µs/req = the server's CPU per request; wrk µs/req = the load generator's CPU per request against"
echo "l7 / nginx: when 1e6 / (wrk µs/req) is near the req/s, wrk's core is saturated and bounds the rate"
