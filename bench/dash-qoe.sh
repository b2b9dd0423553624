#!/usr/bin/env bash
# Streaming QoE: `l7 play --abr hybrid` against dash.js 5 with its default
# ABR (in headless Chromium, tests/interop/peers/dashjs-*), playing the same
# video (`l7 dash package --synthetic`, the default 6-rung ladder
# 235k..4300k in 4 s segments) through the same origin (`l7 dash serve
# --shape TRACE`, restarted per run so the trace starts with each player's
# first byte) on each shipped trace (worlds/textbook/traces/*.trace). The
# page and dash.js come from a separate unshaped server, so only the MPD
# and segments cross the shaped link, as for l7 play. Origin pinned to
# core 0, players to core 1.
#
# Prints per trace, for both players: QoE_lin (Σ Mbit/s − 4.3 × rebuffer s
# − Σ |Δ Mbit/s|), rebuffering seconds and mean bitrate (medians of REPEAT
# runs), then the means over the traces and the ratio of mean QoE
# l7 / dash.js (higher is better for l7), and whether the goal (issue 5:
# ≥ 1.1 with no more rebuffering than dash.js) is met. Both players fetch
# the audio track too; QoE counts the video bitrate. The machine's load
# (uptime) is printed before and after.
#   usage: bench/dash-qoe.sh [VIDEO_SECONDS=180] [REPEAT=1]
#   The issue's run is 3 minutes of video per trace (about 35 minutes in
#   all); `bench/dash-qoe.sh 30` is a quick run (about 8 minutes).
#   L7_BIN=path/to/l7 uses that binary instead of building a release one
#   (the players are not CPU-bound).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
length=${1:-180}
repeat=${2:-1}
needs ffmpeg:ffmpeg chromium:chromium node:nodejs taskset:util-linux python3:python3
modules="$bench_root/.tools/node/node_modules"
[ -d "$modules/dashjs" ] && [ -d "$modules/playwright-core" ] || (cd "$bench_root" && scripts/install-peers)
if [ -n "${L7_BIN:-}" ]; then L7=$L7_BIN; else build_release; fi

work=$(mktemp -d /tmp/l7-dash-qoe.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
field() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); d=d.get("summary", d); print(d[sys.argv[1]])' "$1"; }

echo "packaging ${length} s of synthetic video (6 rungs) ..." >&2
"$L7" dash package --synthetic "${length}s" -o "$work/video" >/dev/null
mkdir -p "$work/page"
cp "$modules/dashjs/dist/modern/umd/dash.all.min.js" "$work/page/"
cp "$bench_root/tests/interop/peers/dashjs-player.html" "$work/page/player.html"
page=$(free_port)
"$L7" http serve --root "$work/page" --listen "127.0.0.1:$page" --access-log off 2>/dev/null &
wait_port 127.0.0.1 "$page"

# shaped_origin TRACE — starts a shaped origin on core 0 (sets $pid, $port)
shaped_origin() {
  port=$(free_port)
  taskset -c 0 "$L7" dash serve --root "$work/video" --listen "127.0.0.1:$port" \
    --shape "$1" --access-log off 2>/dev/null &
  pid=$!
  wait_port 127.0.0.1 "$port"
}

echo "load before: $(uptime)"
printf '%-12s %9s %9s %9s   %9s %9s %9s   %6s\n' trace l7_qoe l7_rebuf l7_kbps \
  djs_qoe djs_rebuf djs_kbps ratio
: > "$work/all"
for trace in "$bench_root"/worlds/textbook/traces/*.trace; do
  name=$(basename "$trace" .trace)
  : > "$work/l7" ; : > "$work/djs"
  for _ in $(seq "$repeat"); do
    shaped_origin "$trace"
    out=$(taskset -c 1 "$L7" play "http://127.0.0.1:$port/manifest.mpd" --abr hybrid --json)
    echo "$(field qoe_lin <<<"$out") $(field rebuffer_s <<<"$out") $(field mean_bitrate_bps <<<"$out")" >> "$work/l7"
    kill "$pid"; wait "$pid" 2>/dev/null || true

    shaped_origin "$trace"
    rm -rf "$work/profile"
    out=$(NODE_PATH="$modules" taskset -c 1 node "$bench_root/tests/interop/peers/dashjs-play.js" \
      "http://127.0.0.1:$page/player.html?mpd=http://127.0.0.1:$port/manifest.mpd" \
      "$work/profile" "$((length + 120))")
    echo "$(field qoe_lin <<<"$out") $(field rebuffer_s <<<"$out") $(field mean_bitrate_bps <<<"$out")" >> "$work/djs"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  col() { awk -v c="$2" '{print $c}' "$work/$1" | median; }
  lq=$(col l7 1) lr=$(col l7 2) lb=$(col l7 3) dq=$(col djs 1) dr=$(col djs 2) db=$(col djs 3)
  echo "$lq $lr $lb $dq $dr $db" >> "$work/all"
  printf '%-12s %9.2f %9.2f %9.0f   %9.2f %9.2f %9.0f   %6s\n' "$name" "$lq" "$lr" \
    "$(awk -v b="$lb" 'BEGIN{print b/1000}')" "$dq" "$dr" \
    "$(awk -v b="$db" 'BEGIN{print b/1000}')" "$(ratio "$lq" "$dq")"
done
read -r lq lr lb dq dr db < <(awk '{for(i=1;i<=6;i++) s[i]+=$i} END {for(i=1;i<=6;i++) printf "%f ", s[i]/NR; print ""}' "$work/all")
printf '%-12s %9.2f %9.2f %9.0f   %9.2f %9.2f %9.0f   %6s\n' mean "$lq" "$lr" \
  "$(awk -v b="$lb" 'BEGIN{print b/1000}')" "$dq" "$dr" \
  "$(awk -v b="$db" 'BEGIN{print b/1000}')" "$(ratio "$lq" "$dq")"
echo "QoE ratio l7 / dash.js (mean QoE_lin over the traces, higher is better for l7): $(ratio "$lq" "$dq")"
echo "rebuffering, mean s per session: l7 $lr, dash.js $dr"
verdict=$(awk -v lq="$lq" -v dq="$dq" -v lr="$lr" -v dr="$dr" 'BEGIN {
  ok = (dq > 0 ? lq >= 1.1 * dq : lq > dq) && lr <= dr + 0.005
  print ok ? "met" : "not met" }')
echo "goal (QoE ≥ 1.1 × dash.js, no more rebuffering): $verdict"
echo "load after: $(uptime)"
