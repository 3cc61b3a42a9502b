#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Indications through the QMI door: two clients watch UIM slot status, one
# (root, granted iccid+eid) and one (nobody, no grant). A SIM swap sends a
# Slot Status indication: the granted client sees the new ICCID, the other
# a rewritten one, and neither ever sees a value it may not. The grant is
# then revoked while the watcher stays connected: the next indication it
# gets is rewritten.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup qmi-door-indications "$@"
command -v setpriv > /dev/null || idg_skip "setpriv not installed"

idg_sim
# the watcher without a grant runs as uid 65534: it may connect to the door
idg_broker_config
sed -i '/^\[proxy\]/a clients=uid:0;uid:65534' "$T/idguard.conf"
idg_broker

q() { timeout 30 qmicli -p -d "$T/qmi" --device-open-qmi "$@"; }
sim_ctl() {
  python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
print(s.recv(200).decode().strip())' "$T/sim.ctl" "$1"
}
idg_wait_for 20 q --dms-get-ids || { cat "$T/broker.log" >&2; idg_fail "door never answered"; }
idg_ctl grant --to uid:0 --scope iccid,eid --purpose "indication test" > "$T/grant.out" 2>&1 ||
  { cat "$T/grant.out" >&2; idg_fail "grant failed"; }

timeout 20 qmicli -p -d "$T/qmi" --device-open-qmi --uim-monitor-slot-status > "$T/mon-root.consented" 2>&1 &
MON_ROOT=$!
timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups \
  qmicli -p -d "$T/qmi" --device-open-qmi --uim-monitor-slot-status > "$T/mon-nobody.out" 2>&1 &
MON_NOBODY=$!
IDG_PIDS="$IDG_PIDS $MON_ROOT $MON_NOBODY"
# both registered: two more clients on the door
idg_wait_for 10 sh -c "$CTL_BIN --socket $T/run/api.sock status | grep -q 'qmi-proxy (2 clients)'" ||
  { idg_ctl status >&2; idg_fail "the two watchers did not connect"; }
sleep 1

OLD_ICCID=$ID_iccid
python3 "$IDG_SRC/tests/tools/gen-ids.py" | grep -E '^(imsi|iccid|msisdn)=' > "$T/new-sim"
grep -v -E '^(imsi|iccid|msisdn)=' "$T/ids.consented" >> "$T/new-sim"
cp "$T/ids.consented" "$T/ids-before-swap.consented"
mv "$T/new-sim" "$T/ids.consented"
NEW_ICCID=$(sed -n 's/^iccid=//p' "$T/ids.consented")
[ "$(sim_ctl swap)" = ok ] || idg_fail "swap not accepted"

idg_wait_for 10 grep -q "$NEW_ICCID" "$T/mon-root.consented" ||
  { cat "$T/mon-root.consented" >&2; idg_fail "the granted watcher did not get the new ICCID"; }
idg_wait_for 10 sh -c "grep -c 'ICCID: 89' '$T/mon-nobody.out' | grep -q '^[1-9]'" ||
  { cat "$T/mon-nobody.out" >&2; idg_fail "the other watcher got no slot status indication"; }

idg_log "revoked mid-session: the next indication to the same watcher is rewritten"
idg_ctl revoke --to uid:0 > "$T/revoke.out" 2>&1 || { cat "$T/revoke.out" >&2; idg_fail "revoke failed"; }
cp "$T/ids.consented" "$T/ids-second.consented"
python3 "$IDG_SRC/tests/tools/gen-ids.py" | grep -E '^(imsi|iccid|msisdn)=' > "$T/new-sim"
grep -v -E '^(imsi|iccid|msisdn)=' "$T/ids-second.consented" >> "$T/new-sim"
THIRD_ICCID=$(sed -n 's/^iccid=//p' "$T/new-sim")
mv "$T/new-sim" "$T/ids.consented"
n_before=$(grep -c 'ICCID:' "$T/mon-root.consented")
[ "$(sim_ctl swap)" = ok ] || idg_fail "swap not accepted"
idg_wait_for 10 sh -c "[ \$(grep -c 'ICCID:' '$T/mon-root.consented') -gt $n_before ]" ||
  { cat "$T/mon-root.consented" >&2; idg_fail "no indication after the second swap"; }
idg_expect_absent "$T/mon-root.consented" "$THIRD_ICCID" "mon-root after revoke"
kill "$MON_ROOT" "$MON_NOBODY" 2>/dev/null || true
wait "$MON_ROOT" "$MON_NOBODY" 2>/dev/null || true
for v in "$NEW_ICCID" "$OLD_ICCID" "$ID_eid"; do
  idg_expect_absent "$T/mon-nobody.out" "$v" "mon-nobody.out"
done
idg_log "pass"
