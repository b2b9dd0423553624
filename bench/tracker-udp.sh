#!/usr/bin/env bash
# UDP tracker (BEP 15): announces per second answered by `l7 tracker serve`
# and by opentracker, each pinned to core 0 (l7 with one tokio worker and
# its UDP loop's own thread, opentracker with its one UDP worker), both whitelisting the one
# info-hash, under a Rust load generator on core 1 (l7-net's example
# udp_announce_load, std only). Prints both announces/s and the server's
# CPU time per announce (from /proc: user + system ticks over the run, so
# it counts the server's system calls too), their medians over REPEAT
# runs (l7 and opentracker interleaved), the ratios l7 / opentracker for
# announces/s and opentracker / l7 for CPU per announce (both: higher is
# better for l7; goal >= 1.0), and the machine's load before and after.
#   usage: bench/tracker-udp.sh [SECONDS=10] [REPEAT=3]   (quick: 3 1)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
L7="${CARGO_TARGET_DIR:-$bench_root/target}/release/l7"
secs=${1:-10}
repeat=${2:-3}
needs opentracker:opentracker taskset:util-linux
build_release
(cd "$bench_root" && cargo build --release --locked -p l7-net --example udp_announce_load -q)
LOAD="${CARGO_TARGET_DIR:-$bench_root/target}/release/examples/udp_announce_load"

work=$(mktemp -d)
chmod 755 "$work"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
hash=0123456789abcdef0123456789abcdef01234567
echo "$hash" > "$work/whitelist"
port=26970

# measure PID — prints "announces/s cpu_us_per_announce"
measure() {
  local pid=$1 before after rate
  sleep 1
  before=$(cpu_ticks "$pid")
  rate=$(taskset -c 1 "$LOAD" "127.0.0.1:$port" "$hash" "$secs")
  after=$(cpu_ticks "$pid")
  awk -v r="$rate" -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v s="$secs" \
    'BEGIN { printf "%s %.2f\n", r, (r > 0) ? t / hz * 1e6 / (r * s) : 0 }'
}

echo "load before: $(uptime)"
l7_r=(); l7_c=(); ot_r=(); ot_c=()
for _ in $(seq "$repeat"); do
  taskset -c 0 env TOKIO_WORKER_THREADS=1 RUST_LOG=warn "$L7" tracker serve --listen "127.0.0.1:$port" --whitelist "$work/whitelist" &
  pid=$!
  read -r r c < <(measure "$pid")
  l7_r+=("$r"); l7_c+=("$c")
  kill "$pid"; wait "$pid" 2>/dev/null || true

  # opentracker chroots into -d (so -w is a path inside it) and refuses to run as root.
  taskset -c 0 opentracker -i 127.0.0.1 -p "$port" -P "$port" -w /whitelist -u nobody -d "$work" >/dev/null 2>&1 &
  pid=$!
  read -r r c < <(measure "$pid")
  ot_r+=("$r"); ot_c+=("$c")
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
med() { printf '%s\n' "$@" | median; }
lr=$(med "${l7_r[@]}"); lc=$(med "${l7_c[@]}")
orr=$(med "${ot_r[@]}"); oc=$(med "${ot_c[@]}")
echo "UDP announces, one info-hash, 1000 peers, ${secs}s runs, median of $repeat"
echo "l7 tracker:  $lr announces/s  ${lc} us CPU/announce"
echo "opentracker: $orr announces/s  ${oc} us CPU/announce"
echo "ratio l7/opentracker (announces/s, higher is better): $(ratio "$lr" "$orr")"
echo "ratio opentracker/l7 CPU per announce (higher is better for l7): $(ratio "$oc" "$lc")"
echo "load after: $(uptime)"
