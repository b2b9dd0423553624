#!/usr/bin/env bash
# IMAP fetch time: npm imapflow logs in, SELECTs INBOX and FETCHes the
# ENVELOPE of every message of a 10,000-message Maildir, then every full
# body (BODY.PEEK[]), from `l7 mail serve --imap` and from Dovecot
# (dovecot-imapd, in the foreground with its own config and port) over two
# copies of the same Maildir. Servers on core 0, imapflow on core 1; one
# untimed warm-up session each (Dovecot builds its index there, both fill
# the page cache), then RUNS sessions alternating between the servers.
# Prints the median milliseconds of each phase and the ratio
# (Dovecot time / l7 time: higher is better for l7, ≥ 1.0 means l7 is at
# least as fast).
#
# Usage: bench/imap-fetch.sh [MESSAGES] [RUNS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"

messages=${1:-10000}
runs=${2:-5}
needs dovecot:dovecot-imapd node:nodejs npm:npm taskset:util-linux python3:python3
modules=$bench_root/.tools/node/node_modules
if [ ! -d "$modules/imapflow" ]; then
  (cd "$bench_root" && scripts/install-peers >/dev/null) || true
fi
[ -d "$modules/imapflow" ] || { echo "imapflow missing: run scripts/install-peers" >&2; exit 1; }
build_release

work=$(mktemp -d "${TMPDIR:-/var/tmp}/l7-imap-bench.XXXXXX")
chmod 755 "$work"
l7_port=$((20000 + RANDOM % 20000))
dc_port=$((l7_port + 1))
cleanup() {
  [ -n "${l7_pid:-}" ] && kill "$l7_pid" 2>/dev/null || true
  [ -n "${dc_pid:-}" ] && kill "$dc_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The mailbox: varied plain and multipart messages, 1-6 KB, in cur/.
python3 - "$work/l7/bench.test/bob" "$messages" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
for d in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(root, d), exist_ok=True)
rnd = random.Random(7)
words = "ketchup pickles crepes hamburger network layer packet socket mail fetch".split()
for i in range(n):
    text = "\r\n".join(" ".join(rnd.choice(words) for _ in range(12)) for _ in range(rnd.randint(10, 80)))
    head = (f"From: Alice Lovelace <alice{i % 50}@crepes.fr>\r\nTo: bob@bench.test\r\n"
            f"Cc: carol@x.org, dave@y.org\r\nSubject: message {i} about {rnd.choice(words)}\r\n"
            f"Date: Thu, 03 Dec 2026 10:{i % 60:02d}:00 +0000\r\nMessage-ID: <{i}.bench@crepes.fr>\r\n"
            "MIME-Version: 1.0\r\n")
    if i % 3 == 0:
        body = (head + "Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\n"
                "Content-Type: text/plain\r\n\r\n" + text + "\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>"
                + text + "</p>\r\n--b--\r\n")
    else:
        body = head + "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + text + "\r\n"
    name = f"{1700000000 + i}.M{i}P1.bench.test:2,{'S' if i % 2 else ''}"
    with open(os.path.join(root, "cur", name), "w", newline="") as f:
        f.write(body)
PY
mkdir -p "$work/dc"
cp -a "$work/l7/bench.test/bob" "$work/dc/Maildir"
echo hungry | "$L7" mail user add --users-file "$work/users" bob@bench.test >/dev/null

cat > "$work/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $work/dc/run
state_dir = $work/dc/state
log_path = /dev/null
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 0
passdb {
  driver = static
  args = password=hungry
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$work/dc mail=maildir:$work/dc/Maildir
}
service imap-login {
  inet_listener imap {
    port = $dc_port
  }
  inet_listener imaps {
    port = 0
  }
}
CONF
chown -R 65534:65534 "$work/dc"

taskset -c 0 env TOKIO_WORKER_THREADS=1 RUST_LOG=warn "$L7" mail serve --hostname bench.test \
  --domain bench.test --user bob@bench.test --maildirs "$work/l7" --users-file "$work/users" \
  --listen "127.0.0.1:$((dc_port + 1))" --imap "127.0.0.1:$l7_port" >/dev/null 2>&1 &
l7_pid=$!
taskset -c 0 dovecot -F -c "$work/dovecot.conf" >/dev/null 2>&1 &
dc_pid=$!
wait_port 127.0.0.1 "$l7_port"
wait_port 127.0.0.1 "$dc_port"

# session PORT — prints "envelope_ms body_ms" for one imapflow session.
session() {
  taskset -c 1 env NODE_PATH="$modules" node -e '
const { ImapFlow } = require("imapflow");
(async () => {
  const c = new ImapFlow({ host: "127.0.0.1", port: +process.argv[1], secure: false,
    doSTARTTLS: false, auth: { user: "bob", pass: "hungry" }, logger: false });
  await c.connect();
  const lock = await c.getMailboxLock("INBOX");
  let t = process.hrtime.bigint(), n = 0, bytes = 0;
  for await (const m of c.fetch("1:*", { uid: true, envelope: true })) if (m.envelope.subject) n++;
  const env = Number(process.hrtime.bigint() - t) / 1e6;
  t = process.hrtime.bigint();
  for await (const m of c.fetch("1:*", { uid: true, source: true })) bytes += m.source.length;
  const body = Number(process.hrtime.bigint() - t) / 1e6;
  lock.release();
  await c.logout();
  if (n !== +process.argv[2]) throw new Error(`saw ${n} envelopes`);
  console.log(env.toFixed(1), body.toFixed(1));
})().catch(e => { console.error(e); process.exit(1); });
' "$1" "$messages"
}

session "$l7_port" >/dev/null
session "$dc_port" >/dev/null
le=() lb=() de=() db=()
for _ in $(seq "$runs"); do
  read -r a b < <(session "$l7_port"); le+=("$a"); lb+=("$b")
  read -r a b < <(session "$dc_port"); de+=("$a"); db+=("$b")
done
l7e=$(printf '%s\n' "${le[@]}" | median); l7b=$(printf '%s\n' "${lb[@]}" | median)
dce=$(printf '%s\n' "${de[@]}" | median); dcb=$(printf '%s\n' "${db[@]}" | median)
echo "imapflow FETCH of $messages messages, median of $runs sessions (load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-10s %12s %12s\n' "" "envelopes" "bodies"
printf '%-10s %10s ms %10s ms\n' l7 "$l7e" "$l7b" Dovecot "$dce" "$dcb"
echo "ratio (Dovecot time / l7 time, higher is better for l7): envelopes $(ratio "$dce" "$l7e"), bodies $(ratio "$dcb" "$l7b")"
