#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Who may connect to the protocol doors ([proxy] clients), with the real
# qmicli -p, mbimcli -p and an AT client on the AT socket, as root and as
# uid 65534 (all three doors, here in the QMI area's tests):
#  - no clients key: root is served; uid 65534 is refused by every door at
#    connect time: its client fails, nothing identifying comes back, one
#    log line per door describes the peer, the audit log holds a refuse
#    record (door, kind raw-sim, reason not-a-client) per door;
#  - clients=uid:65534: uid 65534 is served by every door, still without
#    identifiers (no grant), and root, not listed, is refused;
#  - a grant to uid:65534 then shows it the IMEI: connecting and seeing
#    identifiers are separate decisions;
#  - clients=uid:65534,exe:QMICLI: all items must match: uid 65534's qmicli
#    is served, its AT client (python) refused;
#  - an empty list or a bad selector stops idguardd with one clear line.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup door-access-clients "$@"
command -v setpriv > /dev/null || idg_skip "setpriv not installed"
command -v mbimcli > /dev/null || idg_skip "mbimcli not installed"

NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
PY=/usr/bin/python3      # not a per-user shim: uid 65534 runs it as well
AT_CLIENT="$IDG_SRC/tests/at/at-client.py"

# CLIENT: one identifier read through a door (PREFIX: "" or $NOBODY).
qmi_read() { timeout 20 $1 qmicli -p -d "$T/qmi" --device-open-qmi --dms-get-ids; }
# a refused mbimcli is told nothing: it waits for its own timeout
mbim_read() { timeout "${2:-20}" $1 mbimcli -p -d "$T/mbim" --query-device-caps; }
at_read() { timeout 20 $1 $PY "$AT_CLIENT" @idguard-at ATE0 AT+CGSN; }

at_ready() { at_read "" 2> /dev/null | grep -q '[0-9]\{15\}'; }

hidden() {
  for v in "$ID_imei" "$ID_imeisv" "$ID_imsi" "$ID_iccid" "${ID_msisdn#+}"; do
    idg_expect_absent "$1" "$v" "$2"
  done
}

# served WHO DOOR PREFIX: the read succeeds, with a (rewritten) IMEI field
served() {
  "${2}_read" "$3" > "$T/$1-$2.out" 2>&1 || { cat "$T/$1-$2.out" >&2; idg_fail "$1 not served by the $2 door"; }
  hidden "$T/$1-$2.out" "$1 through the $2 door"
}

# refused WHO DOOR PREFIX DOOR-NAME UID: the read fails; the peer is logged
# once and audited
refused() {
  if "${2}_read" "$3" 5 > "$T/$1-$2.out" 2>&1; then
    cat "$T/$1-$2.out" >&2; idg_fail "$1 was served by the $2 door"
  fi
  hidden "$T/$1-$2.out" "$1 refused by the $2 door"
  n=$(grep -c "$4 door: connection refused, not in \[proxy\] clients: uid=$5 " "$T/broker.log")
  [ "$n" = 1 ] || { cat "$T/broker.log" >&2; idg_fail "$4 door: $n log lines for the refused uid $5, expected 1"; }
  idg_wait_for 5 grep -q "\"identity\":\"uid=$5 .*\"door\":\"$4\".*\"decision\":\"refuse\".*\"reason\":\"not-a-client\"" \
    "$T/state/audit.log" || { cat "$T/state/audit.log" >&2; idg_fail "no audit record of the $4 door's refusal of uid $5"; }
}

idg_sim
idg_broker
idg_log "no clients key: root is served, uid 65534 refused"
idg_wait_for 20 qmi_read "" || { cat "$T/broker.log" >&2; idg_fail "QMI door never answered"; }
idg_wait_for 20 at_ready || idg_fail "AT door never answered with an IMEI field"
served root qmi ""
served root mbim ""
served root at ""
idg_expect_contains "$T/root-at.out" "OK" "the AT reply"
refused nobody qmi "$NOBODY" qmi-proxy 65534
refused nobody mbim "$NOBODY" mbim-proxy 65534
refused nobody at "$NOBODY" at 65534
grep -q '"kind":"raw-sim"' "$T/state/audit.log" || idg_fail "refusals not audited as raw-sim"

idg_log "clients=uid:65534: uid 65534 is served (no identifiers without a grant), root refused"
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
mv "$T/broker.log" "$T/broker-default.log"
sed -i '/^\[proxy\]/a clients=uid:65534' "$T/idguard.conf"
idg_broker
idg_wait_for 20 qmi_read "$NOBODY" || { cat "$T/broker.log" >&2; idg_fail "QMI door never answered uid 65534"; }
served nobody qmi "$NOBODY"
served nobody mbim "$NOBODY"
served nobody at "$NOBODY"
idg_expect_contains "$T/nobody-at.out" "OK" "the AT reply"
refused root qmi "" qmi-proxy 0
refused root at "" at 0

idg_log "a grant to uid:65534: its IMEI through the door it may connect to"
idg_ctl grant --to uid:65534 --scope imei --purpose "door access test" > "$T/grant.out" 2>&1 ||
  { cat "$T/grant.out" >&2; idg_fail "grant failed"; }
qmi_read "$NOBODY" > "$T/nobody-granted.consented" 2>&1 ||
  { cat "$T/nobody-granted.consented" >&2; idg_fail "granted read failed"; }
idg_expect_contains "$T/nobody-granted.consented" "$ID_imei" "the granted IMEI"

idg_ctl revoke --to uid:65534 > "$T/revoke.out" 2>&1 || { cat "$T/revoke.out" >&2; idg_fail "revoke failed"; }

idg_log "clients=uid:65534,exe:qmicli: every item of a selector must match"
QMICLI=$(readlink -f "$(command -v qmicli)")
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
mv "$T/broker.log" "$T/broker-uid.log"
sed -i "s|^clients=.*|clients=uid:65534,exe:$QMICLI|" "$T/idguard.conf"
idg_broker
idg_wait_for 20 qmi_read "$NOBODY" || { cat "$T/broker.log" >&2; idg_fail "QMI door never answered uid 65534's qmicli"; }
served nobody-qmicli qmi "$NOBODY"
refused nobody-python at "$NOBODY" at 65534

idg_log "an empty list and a bad selector are refused at start"
for bad in "clients=" "clients=uid:0;uid:nobody"; do
  sed "s|^clients=.*|$bad|" "$T/idguard.conf" > "$T/bad.conf"
  if timeout 10 "$BROKER_BIN" --config "$T/bad.conf" --foreground > "$T/bad.out" 2>&1; then
    idg_fail "idguardd started with '$bad'"
  fi
  [ "$(grep -c . "$T/bad.out")" = 1 ] && grep -q '\[proxy\] clients' "$T/bad.out" ||
    { cat "$T/bad.out" >&2; idg_fail "not one clear line for '$bad'"; }
done
idg_log "pass"
