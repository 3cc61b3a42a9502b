#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The QMI backend alone (the broker's only modem is the simulator's QMI
# port): it reads every identifier; a SIM swap shows the new IMSI/ICCID to a
# consented reader within a second and never the old one again; a modem
# that disappears makes every identifier unknown (never stale) with a
# "retrying" state, and comes back when the port does; so does one that
# answers garbage.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup qmi-backend "$@"

idg_sim
idg_conf "qmi=$T/qmi" -- qmi-socket=qmi-proxy
idg_broker

sim_ctl() {
  python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
print(s.recv(200).decode().strip())' "$T/sim.ctl" "$1"
}
get() { IDGUARD_TOKEN=$TOKEN idg_ctl get "$1" 2>/dev/null; }
is_value() { [ "$(get "$1")" = "$2" ]; }
state_is() { idg_ctl status | grep -q "qmi: $1"; }

idg_wait_for 15 state_is ready || { idg_ctl status >&2; idg_fail "qmi modem never ready"; }
idg_ctl --json grant --to uid:0 --scope all --purpose "qmi backend test" > "$T/grant.json" ||
  idg_fail "grant failed"
TOKEN=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["token"])' "$T/grant.json")

idg_log "every identifier read through QMI"
for k in imei imeisv esn meid imsi iccid eid msisdn; do
  eval want=\$ID_$k
  get "$k" > "$T/get-$k.consented" || idg_fail "$k not known"
  idg_expect_contains "$T/get-$k.consented" "$want" "$k"
done
idg_ctl ids > "$T/ids.out"
idg_expect_contains "$T/ids.out" "qmi" "qmi as the source"

idg_log "SIM swap: the new values within a second, never the old ones"
OLD_IMSI=$ID_imsi OLD_ICCID=$ID_iccid
cp "$T/ids.consented" "$T/ids-before-swap.consented"
python3 "$IDG_SRC/tests/tools/gen-ids.py" > "$T/new-ids.consented"
grep -E '^(imsi|iccid|msisdn)=' "$T/new-ids.consented" > "$T/new-sim"
grep -v -E '^(imsi|iccid|msisdn)=' "$T/ids.consented" >> "$T/new-sim"
mv "$T/new-sim" "$T/ids.consented"
NEW_IMSI=$(sed -n 's/^imsi=//p' "$T/ids.consented")
NEW_ICCID=$(sed -n 's/^iccid=//p' "$T/ids.consented")
[ "$(sim_ctl swap)" = ok ] || idg_fail "swap not accepted"
i=0
while :; do
  imsi=$(get imsi || true)
  iccid=$(get iccid || true)
  [ "$imsi" != "$OLD_IMSI" ] || [ $i -lt 2 ] || idg_fail "old IMSI still served after the swap"
  [ "$imsi" = "$NEW_IMSI" ] && [ "$iccid" = "$NEW_ICCID" ] && break
  i=$((i + 1))
  [ $i -le 10 ] || idg_fail "new IMSI/ICCID not read within a second"
  sleep 0.1
done
for n in 1 2 3 4 5; do
  [ "$(get imsi || true)" != "$OLD_IMSI" ] || idg_fail "old IMSI came back"
  [ "$(get iccid || true)" != "$OLD_ICCID" ] || idg_fail "old ICCID came back"
done

idg_log "modem gone: nothing served, a retrying state"
kill "$SIM_PID"
idg_wait_for 10 state_is retrying || { idg_ctl status >&2; idg_fail "no retrying state"; }
for k in imei imsi iccid; do
  ! get "$k" > /dev/null || idg_fail "$k served while the modem is gone"
done

idg_log "modem back: read again"
idg_sim
idg_wait_for 30 state_is ready || { idg_ctl status >&2; idg_fail "qmi modem not back"; }
is_value imei "$ID_imei" || idg_fail "IMEI not read again"
is_value imsi "$NEW_IMSI" || idg_fail "IMSI not read again"

idg_log "a modem answering garbage: retrying, nothing served; normal again: read"
kill "$BROKER_PID"
idg_wait_for 10 sh -c "! kill -0 $BROKER_PID" || idg_fail "idguardd did not stop"
[ "$(sim_ctl 'fault qmi garbage')" = ok ] || idg_fail "fault not accepted"
idg_bg "$T/broker2.log" "$BROKER_BIN" --config "$T/idguard.conf" --foreground --debug
BROKER_PID=$LAST_PID
idg_wait_for 15 idg_ctl status || idg_fail "broker not up again"
idg_wait_for 40 state_is retrying || { idg_ctl status >&2; idg_fail "garbage did not give a retrying state"; }
! get imei > /dev/null || idg_fail "IMEI served from a modem answering garbage"
[ "$(sim_ctl 'fault qmi normal')" = ok ] || idg_fail "fault not accepted"
idg_wait_for 60 state_is ready || { idg_ctl status >&2; idg_fail "qmi modem not back from garbage"; }
is_value imei "$ID_imei" || idg_fail "IMEI not read after the garbage"
idg_log "pass"
