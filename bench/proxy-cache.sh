#!/usr/bin/env bash
# Cache-hit throughput of a reverse caching proxy: wrk (64 keep-alive
# connections) through `l7 proxy --origin` and through nginx's proxy_cache
# (one worker), both in front of the same nginx origin, for a 1 KiB and a
# 100 KiB object that the origin marks fresh for an hour. Each proxy is
# pinned to core 0, wrk to core 1 (the origin is asked once, to warm the
# cache). Prints requests per second (median of REPEAT runs) and the ratio
# l7 / nginx (higher is better for l7). Goal (issue 8): >= 1.0. On a busy
# machine wrk, not the proxy, bounds the rate: the CPU time each proxy
# spent per request (its process's user + system time over the run) is
# printed too, with the ratio nginx / l7 (higher is better for l7).
#   usage: bench/proxy-cache.sh [SECONDS=10] [REPEAT=3]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
L7="${CARGO_TARGET_DIR:-$bench_root/target}/release/l7"
secs=${1:-10}
repeat=${2:-3}
needs wrk:wrk nginx:nginx taskset:util-linux
build_release

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/www" "$work/tmp" "$work/ncache"
# nginx's worker runs as an unprivileged user when started as root: it must
# read the files and write its cache and temporary files.
chmod 755 "$work" "$work/www"
chmod 777 "$work/tmp" "$work/ncache"
head -c 1024 /dev/urandom > "$work/www/1k.bin"
head -c 102400 /dev/urandom > "$work/www/100k.bin"
origin=28080 l7port=28081 ngport=28082
cat > "$work/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  proxy_cache_path $work/ncache keys_zone=bench:10m;
  server { listen 127.0.0.1:$origin; root $work/www; expires 1h; }
  server {
    listen 127.0.0.1:$ngport;
    location / { proxy_pass http://127.0.0.1:$origin; proxy_cache bench; proxy_http_version 1.1; proxy_set_header Connection ""; add_header X-Cache \$upstream_cache_status; }
  }
}
CONF
# The origin and nginx's proxy are one nginx process pinned to core 0 (its
# proxy does the work during the hit-only runs).
taskset -c 0 nginx -p "$work" -c "$work/nginx.conf" &
nginx_master=$!
wait_port 127.0.0.1 "$origin"
nginx_worker=$(pgrep -P "$nginx_master" | head -1)

run_wrk() { # PORT PATH PID — "REQ/S CPU-µs/REQ", after checking that the
  # proxy answers from its cache; PID is the process doing the proxy's work
  curl -s -o /dev/null "http://127.0.0.1:$1$2"
  local head before rps after
  head=$(curl -s -o /dev/null -D - "http://127.0.0.1:$1$2")
  grep -qi '^x-cache: HIT' <<<"$head" || { echo "port $1 does not answer $2 from its cache" >&2; exit 1; }
  before=$(cpu_ticks "$3")
  rps=$(taskset -c 1 wrk -t1 -c64 -d"${secs}s" "http://127.0.0.1:$1$2" | awk '/Requests\/sec/ {print $2}')
  after=$(cpu_ticks "$3")
  awk -v r="$rps" -v t=$((after - before)) -v s="$secs" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%s %.1f\n", r, t * 1e6 / hz / (r * s) }'
}

taskset -c 0 env TOKIO_WORKER_THREADS=1 RUST_LOG=warn "$L7" proxy --listen "127.0.0.1:$l7port" \
  --cache-dir "$work/l7cache" --origin "http://127.0.0.1:$origin" &
l7_pid=$!
wait_port 127.0.0.1 "$l7port"

echo "cache hits through a reverse proxy, wrk -c64 ${secs}s x $repeat, proxy on one core"
uptime
for obj in 1k 100k; do
  l7=() ng=() l7cpu=() ngcpu=()
  for _ in $(seq "$repeat"); do
    read -r rps cpu < <(run_wrk "$l7port" "/$obj.bin" "$l7_pid")
    l7+=("$rps") l7cpu+=("$cpu")
    read -r rps cpu < <(run_wrk "$ngport" "/$obj.bin" "$nginx_worker")
    ng+=("$rps") ngcpu+=("$cpu")
  done
  l7_med=$(printf '%s\n' "${l7[@]}" | median)
  ng_med=$(printf '%s\n' "${ng[@]}" | median)
  l7_cpu=$(printf '%s\n' "${l7cpu[@]}" | median)
  ng_cpu=$(printf '%s\n' "${ngcpu[@]}" | median)
  echo "  $obj: l7 proxy ${l7[*]} req/s (median $l7_med); nginx proxy_cache ${ng[*]} (median $ng_med); ratio l7/nginx $(ratio "$l7_med" "$ng_med") (higher is better; goal >= 1.0)"
  echo "  $obj: CPU per request: l7 ${l7cpu[*]} µs (median $l7_cpu); nginx ${ngcpu[*]} µs (median $ng_cpu); ratio nginx/l7 $(ratio "$ng_cpu" "$l7_cpu") (higher is better for l7)"
done
uptime
