#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The MBIM backend alone (the broker with only an MBIM modem), on the real
# simulator and the real idguardd:
#  - a modem answering garbage is not served: a "retrying" state, no values;
#    once it answers properly, ready, the values read;
#  - the modem disappears: state says so at once, values gone (never stale);
#    it comes back: the backend reopens it, the door serves it again;
#  - a SIM swap: a consented reader sees the new IMSI/ICCID within a second,
#    never the old one.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup mbim-modem "$@"

start_sim() {
  idg_bg "$T/sim-$1.log" "$SIM_BIN" --mbim "$T/mbim" --ids "$T/ids.consented" --control "$T/sim.ctl"
  SIM_PID=$LAST_PID
  idg_wait_for 10 grep -q '^ready' "$T/sim-$1.log" || idg_fail "simulator not ready"
}
sim_ctl() {
  python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall("".join(l + "\n" for l in sys.argv[2:]).encode())
s.settimeout(1)
try:
    s.recv(1024)
except socket.timeout:
    pass' "$T/sim.ctl" "$@"
}
mbim_state() { idg_ctl status 2>/dev/null | grep -q "^  mbim: $1"; }
mbim_values() { idg_ctl --json ids 2>/dev/null | grep -q '"source" : "mbim"'; }
no_values() { ! idg_ctl --json ids 2>/dev/null | grep -q '"kind"'; }

start_sim 1
sim_ctl "fault mbim garbage"
idg_broker_config
sed -i -e '/^qmi=/d' -e '/^at=/d' -e 's/^qmi-socket=.*/qmi-socket=/' -e 's/^at-socket=.*/at-socket=/' \
  -e 's/^at-link=.*/at-link=/' "$T/idguard.conf"
idg_broker

idg_log "a modem answering garbage: retrying, nothing served"
idg_wait_for 30 mbim_state retrying || { idg_ctl status >&2; idg_fail "no retrying state for a garbage modem"; }
no_values || { idg_ctl ids >&2; idg_fail "values served from a garbage modem"; }

idg_log "the modem answers properly again: ready, values read"
sim_ctl "fault mbim normal"
idg_wait_for 40 mbim_state ready || { idg_ctl status >&2; idg_fail "never ready"; }
mbim_values || { idg_ctl ids >&2; idg_fail "no values from the mbim backend"; }
timeout 30 mbimcli -p -d "$T/mbim" --query-device-caps > "$T/caps-1.out" 2>&1 || idg_fail "door not serving"

idg_log "SIM swap: a consented reader sees the new IMSI/ICCID, never the old"
CTL_EXE=$(readlink -f "$CTL_BIN")
idg_ctl --json grant --to "uid:0,exe:$CTL_EXE" --scope imsi,iccid --purpose "mbim backend test" > "$T/grant.json" 2>&1 ||
  { cat "$T/grant.json" >&2; idg_fail "grant failed"; }
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$T/grant.json" > "$T/token"
rm -f "$T/grant.json"
get() { IDGUARD_TOKEN=$(cat "$T/token") idg_ctl get "$1" 2>/dev/null; }
[ "$(get imsi)" = "$ID_imsi" ] || idg_fail "consented read does not show the IMSI"
OLD_IMSI=$ID_imsi
OLD_ICCID=$ID_iccid
python3 "$IDG_SRC/tests/tools/gen-ids.py" > "$T/new.ids"
NEW_IMSI=$(sed -n 's/^imsi=//p' "$T/new.ids")
NEW_ICCID=$(sed -n 's/^iccid=//p' "$T/new.ids")
NEW_MSISDN=$(sed -n 's/^msisdn=//p' "$T/new.ids")
rm -f "$T/new.ids"
sed -i -e "s/^imsi=.*/imsi=$NEW_IMSI/" -e "s/^iccid=.*/iccid=$NEW_ICCID/" -e "s/^msisdn=.*/msisdn=$NEW_MSISDN/" \
  "$T/ids.consented"
echo "imsi=$OLD_IMSI" > "$T/old-ids.consented"
echo "iccid=$OLD_ICCID" >> "$T/old-ids.consented"
sim_ctl "set imsi=$NEW_IMSI" "set iccid=$NEW_ICCID" "set msisdn=$NEW_MSISDN" swap
i=0
while :; do
  v=$(get imsi)
  [ "$v" != "$OLD_IMSI" ] || [ $i -lt 10 ] || idg_fail "old IMSI still served a second after the swap"
  [ "$v" = "$NEW_IMSI" ] && break
  i=$((i + 1))
  [ $i -le 10 ] || idg_fail "new IMSI not served within a second"
  sleep 0.1
done
[ "$(get iccid)" = "$NEW_ICCID" ] || idg_fail "new ICCID not served"

idg_log "the modem disappears: state at once, no stale values"
kill "$SIM_PID"
wait "$SIM_PID" 2>/dev/null || true
idg_wait_for 10 mbim_state retrying || { idg_ctl status >&2; idg_fail "gone modem not noticed"; }
no_values || { idg_ctl ids >&2; idg_fail "stale values after the modem left"; }
[ -z "$(get imsi)" ] || idg_fail "a stale IMSI served"

idg_log "it comes back: reopened, served again"
start_sim 2
idg_wait_for 60 mbim_state ready || { idg_ctl status >&2; idg_fail "modem not reopened"; }
idg_wait_for 20 timeout 30 mbimcli -p -d "$T/mbim" --query-device-caps || idg_fail "door not serving the new modem"
[ "$(get imsi)" = "$NEW_IMSI" ] || idg_fail "values not read again"
kill -0 "$BROKER_PID" || idg_fail "idguardd died"
idg_log "pass"
