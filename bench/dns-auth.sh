#!/usr/bin/env bash
# Authoritative DNS: dnsperf against `l7 dns serve` and NSD serving the same
# zone, each server pinned to core 0 with one thread, dnsperf on core 1,
# no loss. Prints queries per second (median of REPEAT runs), each server's
# CPU time per query (NSD's server process is a child: the whole process
# tree is counted) and the ratios (higher is better for l7). Goal (issue 3):
# >= 1.0 in queries per second; dnsperf's one core can be the limit of
# both, which the CPU figure shows.
#   usage: bench/dns-auth.sh [SECONDS=10] [REPEAT=3]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
secs=${1:-10}
repeat=${2:-3}
needs dnsperf:dnsperf nsd:nsd taskset:util-linux
build_release

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
# A zone of 10,000 names; the query list asks for them (and 10% that do not exist).
{
  printf '$ORIGIN bench.test.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 3600 600 604800 300\n@ IN NS ns1\nns1 IN A 127.0.0.53\n'
  for i in $(seq 10000); do printf 'host%d IN A 10.%d.%d.%d\n' "$i" $((i / 65536)) $((i / 256 % 256)) $((i % 256)); done
} > "$work/bench.test.zone"
for i in $(seq 20000); do
  n=$(( (i * 7919) % 11000 ))
  printf 'host%d.bench.test A\n' "$n"
done > "$work/queries"

port=25353
# tree_ticks PID — CPU ticks used so far by PID and its descendants.
tree_ticks() {
  local total child
  total=$(cpu_ticks "$1" 2>/dev/null || echo 0)
  for child in $(pgrep -P "$1"); do total=$((total + $(tree_ticks "$child"))); done
  echo "$total"
}
hz=$(getconf CLK_TCK)
# run_dnsperf PID — prints "qps cpu-µs-per-query" of the server PID.
run_dnsperf() {
  local before after out
  before=$(tree_ticks "$1")
  out=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries" -l "$secs" -c 8 -T 1 -q 200 2>/dev/null)
  after=$(tree_ticks "$1")
  awk -v t=$((after - before)) -v hz="$hz" '
    /Queries completed/ {n = $3}
    /Queries per second/ {q = $4}
    END {printf "%.0f %.2f\n", q, (n > 0) ? t / hz * 1e6 / n : 0}' <<<"$out"
}

mkdir -p "$work/nsd"
cp "$work/bench.test.zone" "$work/nsd/"
cat > "$work/nsd/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$port
  port: $port
  server-count: 1
  # Debian's NSD has response rate limiting on (200/s): off, as in l7's default
  rrl-ratelimit: 0
  username: ""
  chroot: ""
  zonesdir: "$work/nsd"
  database: ""
  pidfile: "$work/nsd/nsd.pid"
  xfrdfile: "$work/nsd/xfrd.state"
  zonelistfile: "$work/nsd/zone.list"
  logfile: "$work/nsd/nsd.log"
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: bench.test.zone
CONF
l7_qps=(); nsd_qps=(); l7_cpu=(); nsd_cpu=()
for _ in $(seq "$repeat"); do  # alternate, so load from elsewhere hits both alike
  taskset -c 0 env TOKIO_WORKER_THREADS=1 RUST_LOG=warn "$L7" dns serve --zone "$work/bench.test.zone" --listen "127.0.0.1:$port" 2>/dev/null &
  pid=$!
  wait_port 127.0.0.1 "$port"
  read -r q c < <(run_dnsperf "$pid"); l7_qps+=("$q"); l7_cpu+=("$c")
  kill "$pid"; wait "$pid" 2>/dev/null || true

  taskset -c 0 nsd -d -c "$work/nsd/nsd.conf" &
  pid=$!
  sleep 1
  read -r q c < <(run_dnsperf "$pid"); nsd_qps+=("$q"); nsd_cpu+=("$c")
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

l7_med=$(printf '%s\n' "${l7_qps[@]}" | median)
nsd_med=$(printf '%s\n' "${nsd_qps[@]}" | median)
l7_cpu_med=$(printf '%s\n' "${l7_cpu[@]}" | median)
nsd_cpu_med=$(printf '%s\n' "${nsd_cpu[@]}" | median)
echo "authoritative DNS, dnsperf, ${secs}s x $repeat, one core each; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  l7 dns serve : ${l7_qps[*]} qps  (median $l7_med)"
echo "  NSD $(nsd -v 2>&1 | head -1 | awk '{print $3}')     : ${nsd_qps[*]} qps  (median $nsd_med)"
echo "  ratio l7/NSD : $(ratio "$l7_med" "$nsd_med")  (higher is better for l7; goal >= 1.0)"
echo "  CPU per query: l7 ${l7_cpu[*]} µs (median $l7_cpu_med), NSD ${nsd_cpu[*]} µs (median $nsd_cpu_med)"
echo "  ratio NSD/l7 CPU per query: $(ratio "$nsd_cpu_med" "$l7_cpu_med")  (higher is better for l7)"
