#!/usr/bin/env bash
# The simulator at scale: `l7 sim p2p` with 1,000 peers distributing a
# 64 MiB file (the course's rates: F/u = 1 hour, u_s = 10u, d = u_s), on
# l7-p2p's real engine in virtual time. Prints the median wall-clock and
# CPU time against the issue's goal (under a minute), and the measured
# distribution time against its anchor, the theoretical bound D_P2P
# (ratio measured / bound: lower is better, 1.00 is the bound itself).
# Usage: bench/sim-p2p.sh [PEERS] [FILE] [RUNS]   (defaults 1000 64MiB 3)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
L7="${CARGO_TARGET_DIR:-$bench_root/target}/release/l7"
peers=${1:-1000}
file=${2:-64MiB}
runs=${3:-3}
needs /usr/bin/time:time jq:jq
build_release

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in $(seq "$runs"); do
  /usr/bin/time -f '%e %U %S %M' -o "$out/time.$i" \
    taskset -c 1 "$L7" sim p2p --peers "$peers" --file "$file" --seed 1 --json > "$out/run.$i.json"
done
wall=$(for i in $(seq "$runs"); do awk '{print $1}' "$out/time.$i"; done | median)
cpu=$(for i in $(seq "$runs"); do awk '{print $2 + $3}' "$out/time.$i"; done | median)
rss=$(for i in $(seq "$runs"); do awk '{print $4 / 1024}' "$out/time.$i"; done | median)
measured=$(jq '.run.measured_s' "$out/run.1.json")
bound=$(jq '.run.bound_p2p_s' "$out/run.1.json")
same=$(for i in $(seq "$runs"); do sha1sum < "$out/run.$i.json"; done | sort -u | wc -l)

echo "l7 sim p2p --peers $peers --file $file (median of $runs, pinned to core 1)"
echo "  wall-clock:         ${wall} s   (goal: under 60 s)"
echo "  CPU (user+sys):     ${cpu} s"
echo "  peak memory:        ${rss} MiB"
echo "  distribution time:  ${measured} s virtual; D_P2P ${bound} s; ratio $(ratio "$measured" "$bound")"
echo "  identical output across runs: $([ "$same" -eq 1 ] && echo yes || echo NO)"
