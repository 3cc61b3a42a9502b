#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A release is on disk before the value leaves the broker, and a release
# that cannot be recorded is not made (state directory on a 256 KiB tmpfs
# in a private mount namespace, [audit] window=0 so that every read writes
# a record):
#  - strace: the broker's fdatasync of the release comes before its reply
#    (sendmsg over GDBus, send over api.sock's fast path);
#  - the file system filled by someone else: reads go on into the space
#    kept reserved past releases.log's end, then are refused with a clear
#    error, one warning in the broker's log; the QMI door then shows the
#    consented client a rewritten IMEI, not the real one;
#  - space again: reads are served again within a few seconds;
#  - kill -9 and restart: every read that returned a value is in the audit.
if [ -z "${IDG_IN_MNTNS:-}" ]; then
  [ "$(id -u)" = 0 ] || { echo "SKIP: needs root for unshare -m" >&2; exit 77; }
  IDG_IN_MNTNS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup core-audit-durable "$@"
command -v qmicli > /dev/null || idg_skip "qmicli not installed"

idg_sim
idg_broker_config
printf '[audit]\nwindow=0\n' >> "$T/idguard.conf"
mount -t tmpfs -o size=256k,mode=0700 idg-audit-durable "$T/state" || idg_skip "cannot mount a tmpfs"
idg_broker
idg_wait_for 20 sh -c "'$CTL_BIN' --socket '$T/run/api.sock' --json status | grep -q '\"imei\"'" ||
  { cat "$T/broker.log" >&2; idg_fail "the broker did not read the IMEI"; }
idg_ctl --json grant --to uid:0 --scope imei --purpose "durable audit test" > "$T/grant.json" ||
  idg_fail "grant failed"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$T/grant.json" > "$T/token"
chmod 600 "$T/token"

# get: one consented API read; counts the values handed out in $T/served
get() {
  idg_ctl get imei --token-file "$T/token" > "$T/get.consented" 2> "$T/get.err" || return 1
  [ "$(cat "$T/get.consented")" = "$ID_imei" ] || idg_fail "get: a wrong value"
  echo x >> "$T/served"
}
: > "$T/served"

if command -v strace > /dev/null; then
  idg_log "strace: fdatasync of the release before the reply"
  strace -f -tt -s 1 -e trace=fdatasync,sendmsg,sendto -o "$T/strace.log" -p "$BROKER_PID" 2> "$T/strace.err" &
  STRACE=$!
  idg_wait_for 5 grep -q attached "$T/strace.err" || idg_fail "strace did not attach"
  get || { cat "$T/get.err" >&2; idg_fail "consented read failed"; }
  kill "$STRACE"; wait "$STRACE" 2>/dev/null
  python3 - "$T/strace.log" <<'PY' || { cat "$T/strace.log" >&2; idg_fail "the reply left before the release was flushed"; }
import sys
lines = open(sys.argv[1]).read().splitlines()
sync = [i for i, l in enumerate(lines) if "fdatasync(" in l]
# GDBus replies with sendmsg, the api.sock fast path with send (sendto)
send = [i for i, l in enumerate(lines) if "sendmsg(" in l or "sendto(" in l]
assert sync, "no fdatasync during a consented read"
# the reply is the last message to the client; the flush precedes it
assert send and send[-1] > sync[0], (sync, send)
PY
else
  get || { cat "$T/get.err" >&2; idg_fail "consented read failed"; }
fi

idg_log "someone fills the file system"
dd if=/dev/zero of="$T/state/filler" bs=1k count=1024 2> /dev/null
df -k "$T/state" | tail -1 | awk '{ exit $4 == 0 ? 0 : 1 }' || idg_fail "the tmpfs is not full"
i=0
while [ $i -lt 1000 ] && get; do i=$((i + 1)); done
[ $i -lt 1000 ] || idg_fail "1000 releases recorded on a full file system"
[ $i -gt 50 ] || idg_fail "only $i reads on a full disk: no space was kept for releases"
grep -q "audit log cannot record" "$T/get.err" || { cat "$T/get.err" >&2; idg_fail "unclear error when the release cannot be recorded"; }
idg_expect_absent "$T/get.consented" "$ID_imei" "the IMEI while the audit cannot record it"
n=$(grep -c "cannot write the release log.*consented reads are refused" "$T/broker.log")
[ "$n" = 1 ] || { cat "$T/broker.log" >&2; idg_fail "$n warnings about the release log, expected 1"; }
idg_log "$i reads recorded into the reserve, then refused"
for k in 1 2 3; do ! get || idg_fail "a read was served while its release cannot be recorded"; done
timeout 20 qmicli -p -d "$T/qmi" --device-open-qmi --dms-get-ids > "$T/qmi-full.out" 2>&1 ||
  { cat "$T/qmi-full.out" >&2; idg_fail "the QMI door stopped serving"; }
idg_expect_absent "$T/qmi-full.out" "$ID_imei" "the IMEI through the QMI door while the audit cannot record it"

idg_log "space again: reads are served again"
rm -f "$T/state/filler"
idg_wait_for 5 get || { cat "$T/get.err" >&2; idg_fail "reads not served again once there is space"; }
grep -q "release log.*is written again" "$T/broker.log" || idg_fail "no line saying the release log works again"
get || idg_fail "consented read failed after recovery"

idg_log "kill -9 and restart: every value handed out is in the audit"
kill -KILL "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
mv "$T/broker.log" "$T/broker.log.1"
idg_broker
idg_ctl --json audit > "$T/audit.json" || idg_fail "audit after the restart"
python3 - "$T/audit.json" "$(wc -l < "$T/served")" <<'PY' || idg_fail "releases lost"
import json, sys
recs = json.load(open(sys.argv[1]))
n = sum(r["count"] for r in recs if r["decision"] == "release" and r["door"] == "api" and r["kind"] == "imei")
served = int(sys.argv[2])
assert n == served, (n, served)
print(f"{served} values handed out, {n} releases in the audit after kill -9")
PY
umount "$T/state" 2>/dev/null || true
idg_log "pass"
