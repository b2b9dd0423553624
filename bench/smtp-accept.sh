#!/usr/bin/env bash
# SMTP accept rate: Postfix's smtp-source (20 sessions, 20,000 small
# messages) into `l7 mail serve` and into Postfix, both with a durable queue
# on the same disk (every 250 only after the message is fsynced), servers
# pinned to core 0 and the load generator to core 1, repeated; prints the
# median messages per second of each and the ratio (l7 / Postfix, higher is
# better for l7).
#
# Usage: bench/smtp-accept.sh [MESSAGES] [SESSIONS] [RUNS]
# Postfix runs in the foreground (start-fg) with its own config directory,
# queue and port; it delivers to discard: so it only accepts, while l7 also
# delivers every message into a Maildir (more work for l7, not less).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
L7="${CARGO_TARGET_DIR:-$bench_root/target}/release/l7"

messages=${1:-20000}
sessions=${2:-20}
runs=${3:-3}
needs smtp-source:postfix taskset:util-linux script:bsdutils
build_release

work=$(mktemp -d "${TMPDIR:-/var/tmp}/l7-smtp-bench.XXXXXX")
chmod 755 "$work" # Postfix's daemons run as user postfix
pf_port=$((20000 + RANDOM % 20000))
l7_port=$((pf_port + 1))
cleanup() {
  [ -n "${l7_pid:-}" ] && kill "$l7_pid" 2>/dev/null || true
  [ -d "$work/pf/conf" ] && postfix -c "$work/pf/conf" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# rate PORT — seconds for smtp-source to get every message accepted, as msg/s
rate() {
  local start end
  start=$(date +%s.%N)
  taskset -c 1 smtp-source -s "$sessions" -m "$messages" -f alice@crepes.fr -t bob@bench.test "127.0.0.1:$1"
  end=$(date +%s.%N)
  awk -v n="$messages" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f\n", n / (e - s) }'
}

postfix_setup() {
  local d=$work/pf
  mkdir -p "$d/conf" "$d/queue" "$d/data"
  chown postfix "$d/data"
  cat > "$d/conf/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
myhostname = bench.test
mydestination = bench.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
local_recipient_maps =
local_transport = discard:
default_transport = discard:
maillog_file = $d/maillog
maillog_file_prefixes = $d
mynetworks = 127.0.0.0/8
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
default_process_limit = 100
alternate_config_directories = $d/conf
shlib_directory = /usr/lib/postfix
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
command_directory = /usr/sbin
CF
  cat > "$d/conf/master.cf" <<CF
127.0.0.1:$pf_port inet n - n - - smtpd
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
smtp      unix  - - n -    - smtp
showq     unix  n - n -    - showq
error     unix  - - n -    - error
discard   unix  - - n -    - discard
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
CF
  postfix -c "$d/conf" check
}

postfix_setup
# Postfix prints its fatal errors only to a terminal: give it one.
taskset -c 0 script -qc "postfix -c $work/pf/conf start-fg" /dev/null > "$work/pf/fg.log" 2>&1 &
wait_port 127.0.0.1 "$pf_port" || { tail -5 "$work/pf/maillog"; exit 1; }

taskset -c 0 env RUST_LOG=warn "$L7" mail serve --hostname bench.test --catch-all \
  --maildir "$work/l7/caught" --queue "$work/l7/queue" --listen "127.0.0.1:$l7_port" &
l7_pid=$!
wait_port 127.0.0.1 "$l7_port"

echo "smtp-source: $sessions sessions, $messages messages, $runs runs each; queues in $work"
l7_rates=() pf_rates=()
for run in $(seq "$runs"); do
  l7_rates+=("$(rate "$l7_port")")
  pf_rates+=("$(rate "$pf_port")")
  echo "run $run: l7 ${l7_rates[-1]} msg/s, postfix ${pf_rates[-1]} msg/s"
done
l7_med=$(printf '%s\n' "${l7_rates[@]}" | median)
pf_med=$(printf '%s\n' "${pf_rates[@]}" | median)
echo "median: l7 $l7_med msg/s, postfix $pf_med msg/s"
echo "ratio l7/postfix: $(ratio "$l7_med" "$pf_med") (higher is better for l7; goal >= 2)"
