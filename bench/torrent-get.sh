#!/usr/bin/env bash
# One seed, one leecher, SIZE MiB on loopback: `l7 torrent get` against
# aria2c, each downloading from the same `l7 torrent seed` (found through
# `l7 tracker serve`), files in /dev/shm. Seeder and tracker pinned to core
# 0, the leecher to core 1. Prints throughput (median of REPEAT runs), the
# ratio l7 / aria2 (higher is better for l7; goal >= 1.0) and each
# leecher's CPU seconds per GiB (lower is better).
#   usage: bench/torrent-get.sh [SIZE_MIB=1024] [REPEAT=3]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
L7="${CARGO_TARGET_DIR:-$bench_root/target}/release/l7"
size=${1:-1024}
repeat=${2:-3}
needs aria2c:aria2 taskset:util-linux
build_release

work=$(mktemp -d /dev/shm/l7-bench-get.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/seed"
head -c "$((size << 20))" /dev/urandom > "$work/seed/data.bin"
tport=26969; sport=26881
"$L7" torrent create "$work/seed/data.bin" -o "$work/t.torrent" --tracker "http://127.0.0.1:$tport/announce" >/dev/null
taskset -c 0 env RUST_LOG=warn "$L7" tracker serve --listen "127.0.0.1:$tport" &
taskset -c 0 env RUST_LOG=warn "$L7" torrent seed "$work/t.torrent" --data "$work/seed" --listen "127.0.0.1:$sport" >/dev/null 2>&1 &
wait_port 127.0.0.1 "$sport"
sleep 2

# timed CMD... — prints "wall cpu" seconds of the command (user + system).
timed() {
  /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >/dev/null 2>&1
  awk '{ printf "%s %.3f\n", $1, $2 + $3 }' "$work/time"
}

l7_wall=(); l7_cpu=(); a_wall=(); a_cpu=()
for _ in $(seq "$repeat"); do
  rm -rf "$work/l7" "$work/aria2"
  read -r w c < <(timed taskset -c 1 env RUST_LOG=warn "$L7" torrent get "$work/t.torrent" -o "$work/l7" --listen 127.0.0.1:0)
  cmp -s "$work/seed/data.bin" "$work/l7/data.bin" || { echo "l7 download differs" >&2; exit 1; }
  l7_wall+=("$w"); l7_cpu+=("$c")
  read -r w c < <(timed taskset -c 1 aria2c --dir="$work/aria2" --seed-time=0 --enable-dht=false \
    --bt-enable-lpd=false --enable-peer-exchange=false --file-allocation=none \
    --listen-port=26890 --summary-interval=0 "$work/t.torrent")
  cmp -s "$work/seed/data.bin" "$work/aria2/data.bin" || { echo "aria2 download differs" >&2; exit 1; }
  a_wall+=("$w"); a_cpu+=("$c")
done
med() { printf '%s\n' "$@" | median; }
lw=$(med "${l7_wall[@]}"); lc=$(med "${l7_cpu[@]}")
aw=$(med "${a_wall[@]}"); ac=$(med "${a_cpu[@]}")
gib=$(awk -v s="$size" 'BEGIN { print s / 1024 }')
lr=$(awk -v s="$size" -v t="$lw" 'BEGIN { printf "%.0f", s / t }')
ar=$(awk -v s="$size" -v t="$aw" 'BEGIN { printf "%.0f", s / t }')
echo "file: $size MiB over loopback from one l7 seeder, median of $repeat"
echo "l7 torrent get: ${lw}s  ${lr} MiB/s  CPU $(awk -v c="$lc" -v g="$gib" 'BEGIN { printf "%.2f", c / g }') s/GiB"
echo "aria2c:         ${aw}s  ${ar} MiB/s  CPU $(awk -v c="$ac" -v g="$gib" 'BEGIN { printf "%.2f", c / g }') s/GiB"
echo "ratio l7/aria2 (throughput, higher is better): $(ratio "$lr" "$ar")"
