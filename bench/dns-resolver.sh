#!/usr/bin/env bash
# The local DNS server, against Unbound (one thread), over the same
# hierarchy of authoritative servers (l7 dns serve: a root, four TLDs, and
# one server holding 40 second-level zones of 5 names: 200 names), each
# resolver pinned to core 0, load on core 1.
#  1. cold: resolve the 200 names from an empty cache; report the time and
#     the upstream queries (counted by the authoritative servers).
#     Goal (issue 3): no more upstream queries than Unbound.
#  2. warm: dnsperf against the warm cache for SECONDS, l7 and Unbound in
#     turns, REPEAT times each; queries per second, and the resolver's CPU
#     time per query (what a loaded machine distorts least).
#     Goal: l7 / Unbound >= 1.0.
# Needs root: resolvers ask authoritative servers on port 53 (here on
# 127.0.74.x). Unbound runs with qname-minimisation off, as l7 does not
# minimise, so the counts compare like with like.
#   usage: bench/dns-resolver.sh [SECONDS=10] [REPEAT=3]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
secs=${1:-10}
repeat=${2:-3}
needs dnsperf:dnsperf unbound:unbound taskset:util-linux
[ "$(id -u)" -eq 0 ] || { echo "run as root: the hierarchy listens on port 53" >&2; exit 1; }
build_release

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
net=127.0.74
soa() { printf '$TTL 3600\n@ IN SOA ns hostmaster 1 3600 600 604800 300\n'; }
{ printf '$ORIGIN .\n'; soa; printf '@ IN NS a.root.\na.root. IN A %s.1\n' $net
  for t in 1 2 3 4; do printf 't%d. IN NS ns.t%d.\nns.t%d. IN A %s.%d\n' $t $t $t $net $((t + 1)); done; } > "$work/root.zone"
: > "$work/names"
for t in 1 2 3 4; do
  { printf '$ORIGIN t%d.\n' $t; soa; printf '@ IN NS ns\nns IN A %s.%d\n' $net $((t + 1))
    for d in $(seq 10); do printf 'd%d IN NS ns.auth.t1.\n' $d; done
    [ $t -eq 1 ] && printf 'ns.auth IN A %s.6\n' $net; } > "$work/t$t.zone"
  for d in $(seq 10); do
    { printf '$ORIGIN d%d.t%d.\n' $d $t; soa; printf '@ IN NS ns.auth.t1.\n'
      for h in $(seq 5); do printf 'h%d IN A 10.%d.%d.%d\n' $h $t $d $h; echo "h$h.d$d.t$t A" >> "$work/names"; done; } > "$work/d$d.t$t.zone"
  done
done

hierarchy=()
start_hierarchy() {  # the authoritative servers share core 1 with dnsperf
  taskset -c 1 "$L7" dns serve --zone "$work/root.zone" --listen $net.1:53 2>"$work/s1.log" &
  hierarchy=($!)
  for t in 1 2 3 4; do
    taskset -c 1 "$L7" dns serve --zone "$work/t$t.zone" --listen $net.$((t + 1)):53 2>"$work/s$((t + 1)).log" &
    hierarchy+=($!)
  done
  args=(); for f in "$work"/d*.zone; do args+=(--zone "$f"); done
  taskset -c 1 "$L7" dns serve "${args[@]}" --listen $net.6:53 2>"$work/s6.log" &
  hierarchy+=($!)
  for i in 1 2 3 4 5 6; do wait_port $net.$i 53; done
}
stop_hierarchy() {  # stops only the servers started above; prints the upstream queries they answered
  kill -TERM "${hierarchy[@]}" 2>/dev/null || true
  while kill -0 "${hierarchy[@]}" 2>/dev/null; do sleep 0.1; done
  cat "$work"/s*.log | awk '/answered [0-9]+ UDP queries/ {n += $2} END {print n + 0}'
}

cold() {  # PORT -> "seconds upstream": resolve the 200 names once, then stop the hierarchy
  local t0 t1
  t0=$(date +%s.%N)
  taskset -c 1 dnsperf -s 127.0.0.1 -p "$1" -d "$work/names" -n 1 -c 1 -q 20 -t 10 >/dev/null 2>&1
  t1=$(date +%s.%N)
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}') $(stop_hierarchy)"
}

warm() {  # PID PORT -> "qps cpu-us-per-query": dnsperf for SECONDS against a warm cache
  local before after out
  before=$(cpu_ticks "$1")
  out=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$2" -d "$work/names" -l "$secs" -c 8 -T 1 -q 200 2>/dev/null)
  after=$(cpu_ticks "$1")
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    /Queries completed/ {n = $3} /Queries per second/ {q = $4}
    END {printf "%.0f %.2f\n", q, (n ? t * 1e6 / hz / n : 0)}' <<< "$out"
}

# Both resolvers run side by side on core 0 (one idle while the other is
# measured), each warmed over its own fresh hierarchy, then measured in
# turns, so a change in the machine's load touches both alike.
l7_port=25300 ub_port=25301
start_hierarchy
printf '. 3600 NS a.root.\na.root. 3600 A %s.1\n' $net > "$work/root.hints"
taskset -c 0 env TOKIO_WORKER_THREADS=1 RUST_LOG=warn "$L7" dns resolve --listen 127.0.0.1:$l7_port --root-hints "$work/root.hints" &
rpid=$!; wait_port 127.0.0.1 $l7_port
read -r l7_cold l7_up <<< "$(cold $l7_port)"

start_hierarchy
cat > "$work/unbound.conf" <<CONF
server:
  interface: 127.0.0.1@$ub_port
  port: $ub_port
  num-threads: 1
  username: ""
  chroot: ""
  directory: "$work"
  pidfile: "$work/unbound.pid"
  use-syslog: no
  logfile: ""
  do-not-query-localhost: no
  root-hints: "$work/root.hints"
  module-config: "iterator"
  qname-minimisation: no
  prefetch: no
  do-ip6: no
remote-control:
  control-enable: no
CONF
taskset -c 0 unbound -d -c "$work/unbound.conf" &
upid=$!; wait_port 127.0.0.1 $ub_port
read -r ub_cold ub_up <<< "$(cold $ub_port)"

l7_q=() l7_c=() ub_q=() ub_c=()
for _ in $(seq "$repeat"); do
  read -r q c <<< "$(warm $rpid $l7_port)"; l7_q+=("$q"); l7_c+=("$c")
  read -r q c <<< "$(warm $upid $ub_port)"; ub_q+=("$q"); ub_c+=("$c")
done
kill $rpid $upid; wait $rpid $upid 2>/dev/null || true
med() { printf '%s\n' "$@" | median; }
l7_qps=$(med "${l7_q[@]}") ub_qps=$(med "${ub_q[@]}")
l7_cpu=$(med "${l7_c[@]}") ub_cpu=$(med "${ub_c[@]}")

echo "resolver: 200 names over a root, 4 TLDs and 40 zones; one core each; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  cold  l7: ${l7_cold}s, $l7_up upstream queries   Unbound: ${ub_cold}s, $ub_up upstream queries"
echo "        upstream queries l7/Unbound: $(ratio "$l7_up" "$ub_up") (lower is better for l7; goal <= 1.0)"
echo "  warm  l7: $l7_qps qps (${l7_q[*]}), $l7_cpu CPU-us/query (${l7_c[*]})"
echo "        Unbound: $ub_qps qps (${ub_q[*]}), $ub_cpu CPU-us/query (${ub_c[*]})"
echo "        ratio l7/Unbound: $(ratio "$l7_qps" "$ub_qps") qps (higher is better for l7; goal >= 1.0)"
echo "        CPU per query Unbound/l7: $(ratio "$ub_cpu" "$l7_cpu") (higher is better for l7)"
