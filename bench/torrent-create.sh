#!/usr/bin/env bash
# Piece hashing: `l7 torrent create` against mktorrent on the same file (in
# /dev/shm, page cache warm, so SHA-1 and reading are what is measured),
# both with the same number of threads (all cores), 256 KiB pieces. Prints
# MiB/s (median of REPEAT runs) and the ratio l7 / mktorrent (higher is
# better for l7). Goal (issue 4): >= 1.0.
#   usage: bench/torrent-create.sh [SIZE_MIB=1024] [REPEAT=5]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
L7="${CARGO_TARGET_DIR:-$bench_root/target}/release/l7"
size=${1:-1024}
repeat=${2:-5}
needs mktorrent:mktorrent
build_release
threads=$(nproc)

work=$(mktemp -d /dev/shm/l7-bench-create.XXXXXX)
trap 'rm -rf "$work"' EXIT
head -c "$((size << 20))" /dev/urandom > "$work/data.bin"

seconds() { # CMD... — wall seconds
  local t0 t1
  t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}

l7_s=(); mk_s=()
for _ in $(seq "$repeat"); do
  rm -f "$work/l7.torrent" "$work/mk.torrent"
  l7_s+=("$(seconds "$L7" torrent create "$work/data.bin" -o "$work/l7.torrent" --threads "$threads")")
  mk_s+=("$(seconds mktorrent -l 18 -t "$threads" -a http://127.0.0.1:6969/announce -o "$work/mk.torrent" "$work/data.bin")")
done
l7_med=$(printf '%s\n' "${l7_s[@]}" | median)
mk_med=$(printf '%s\n' "${mk_s[@]}" | median)
l7_rate=$(awk -v s="$size" -v t="$l7_med" 'BEGIN { printf "%.0f", s / t }')
mk_rate=$(awk -v s="$size" -v t="$mk_med" 'BEGIN { printf "%.0f", s / t }')
echo "file: $size MiB, 256 KiB pieces, $threads threads, median of $repeat"
echo "l7 torrent create: ${l7_med}s  ${l7_rate} MiB/s"
echo "mktorrent:         ${mk_med}s  ${mk_rate} MiB/s"
echo "ratio l7/mktorrent (throughput, higher is better): $(ratio "$l7_rate" "$mk_rate")"
