# Shared helpers for bench/ scripts: install what a benchmark needs, build
# l7 in release mode, pin processes to cores, take medians and print ratios.
# Sourced, not run.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
L7="${CARGO_TARGET_DIR:-$bench_root/target}/release/l7"

# needs CMD:PACKAGE... — installs missing Debian packages (root) or says how.
needs() {
  local missing=() entry
  for entry in "$@"; do
    command -v "${entry%%:*}" >/dev/null 2>&1 || missing+=("${entry#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${missing[*]} — install with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

build_release() {
  (cd "$bench_root" && cargo build --release --locked --bin l7 -q)
}

# median of numbers on stdin
median() {
  sort -g | awk '{a[NR]=$1} END {if (NR==0) exit 1; m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; print m}'
}

# ratio A B — A/B with two decimals
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f\n", a / b }'
}

# wait_port HOST PORT — until something answers TCP there (10 s at most)
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on $1:$2" >&2
  return 1
}

# nginx_static_conf WORK LISTEN — an nginx.conf for one worker (no master,
# in the foreground, access log off, sendfile on) serving WORK/www on
# LISTEN (e.g. "127.0.0.1:8080" or "127.0.0.1:8080 http2"), its files
# under WORK/nginx.
nginx_static_conf() {
  local work=$1 listen=$2
  mkdir -p "$work/nginx/logs"
  cat <<CONF
worker_processes 1;
master_process off;
daemon off;
error_log $work/nginx/logs/error.log crit;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen $listen;
    root $work/www;
  }
}
CONF
}

# cpu_ticks PID — user + system clock ticks the process has used
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

# start_static l7|nginx WORK PORT — starts the server on core 0 serving
# WORK/www on 127.0.0.1:PORT (nginx from WORK/nginx/nginx.conf); sets $pid.
start_static() {
  if [ "$1" = l7 ]; then
    taskset -c 0 env RUST_LOG=warn "$L7" --threads 1 http serve --root "$2/www" \
      --listen "127.0.0.1:$3" --access-log off >/dev/null 2>&1 &
  else
    taskset -c 0 nginx -p "$2/nginx" -c "$2/nginx/nginx.conf" >/dev/null 2>&1 &
  fi
  pid=$!
}

# median_runs WORK PORT REPEAT FN ARGS... — REPEAT rounds, each starting
# l7 then nginx (interleaved, so a drift in the machine's speed hits both
# alike), running `FN PID ARGS...` (which prints "rate cpu [client-cpu]")
# and stopping the server; prints the medians
# "l7-rate l7-cpu nginx-rate nginx-cpu l7-client-cpu nginx-client-cpu".
median_runs() {
  local work=$1 port=$2 repeat=$3 fn=$4 server a b c
  shift 4
  declare -A r=() u=() g=()
  for _ in $(seq "$repeat"); do
    for server in l7 nginx; do
      start_static "$server" "$work" "$port"
      wait_port 127.0.0.1 "$port"
      read -r a b c < <("$fn" "$pid" "$@")
      r[$server]+="$a "; u[$server]+="$b "; g[$server]+="${c:-0} "
      kill "$pid"; wait "$pid" 2>/dev/null || true
    done
  done
  local out=() key
  for key in "r[l7]" "u[l7]" "r[nginx]" "u[nginx]" "g[l7]" "g[nginx]"; do
    out+=("$(tr ' ' '\n' <<<"${!key}" | grep . | median)")
  done
  echo "${out[*]}"
}
