#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# ModemManager end to end through the AT door: the real ModemManager 1.20
# in test mode, on a private session bus, probes the AT door of the real
# idguardd, which owns the simulated modem's AT port.
#  1. no grant: the modem initialises, enables and registers, and neither
#     the IMEI (+CGSN, ATI), the IMSI, the ICCID nor the own number reaches
#     ModemManager: not its D-Bus properties (mmcli), not its debug log;
#  2. grant to ModemManager's executable: mmcli shows the real values;
#  3. revoke, re-probe (ModemManager restarted): hidden again.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup at-mm "$@"

MM=$(command -v ModemManager) || idg_skip "ModemManager not installed"
MM_EXE=$(readlink -f "$MM")
command -v mmcli >/dev/null || idg_skip "mmcli not installed"
command -v dbus-daemon >/dev/null || idg_skip "dbus-daemon not installed"
DOOR=abstract:idguard-at-$$

idg_sim
idg_conf "at=$T/at" -- "at-socket=$DOOR" "at-link=$T/at-door"
idg_broker

# a private session bus for ModemManager's test mode and mmcli
idg_bg "$T/dbus.log" dbus-daemon --session --nofork --nopidfile --print-address=1
idg_wait_for 10 grep -q '^unix:' "$T/dbus.log" || idg_fail "no session bus"
DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$T/dbus.log")
DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS
export DBUS_SESSION_BUS_ADDRESS DBUS_SYSTEM_BUS_ADDRESS

set_profile() {
  gdbus call --session --dest org.freedesktop.ModemManager1 \
    --object-path /org/freedesktop/ModemManager1 \
    --method org.freedesktop.ModemManager1.Test.SetProfile test0 generic "[\"$DOOR\"]"
}
modem_in() {  # modem_in STATE...: mmcli -m 0 shows one of these states
  s=$(mmcli -m 0 --output-keyvalue 2>/dev/null | sed -n 's/^modem.generic.state *: //p')
  for want in "$@"; do [ "$s" = "$want" ] && return 0; done
  return 1
}

# probe NAME: ModemManager started afresh, the door profile set, the modem
# enabled and registered; mmcli's view saved as $T/mmcli-NAME.txt and its
# debug log as $T/mm-NAME.log (suffix .consented for the consented run).
probe() {
  name=$1 sfx=${2:-}
  log="$T/mm-$name.log$sfx" out="$T/mmcli-$name.txt$sfx"
  idg_bg "$log" "$MM" --test-session --test-enable --test-no-udev --no-auto-scan \
    --test-no-suspend-resume --debug
  MM_PID=$LAST_PID
  idg_wait_for 15 set_profile || { tail -n 20 "$log" >&2; idg_fail "$name: ModemManager test profile not taken"; }
  idg_wait_for 25 modem_in disabled enabled searching registered ||
    { tail -n 30 "$log" >&2; mmcli -m 0 >&2; idg_fail "$name: modem not initialised through the AT door"; }
  mmcli -m 0 -e > "$T/enable-$name.txt" 2>&1 || true
  idg_wait_for 20 modem_in registered ||
    { mmcli -m 0 >&2; idg_fail "$name: modem not registered through the AT door"; }
  # the SIM object appears after the SIM's reads
  idg_wait_for 10 mmcli -i 0 || idg_fail "$name: no SIM object"
  { mmcli -m 0; mmcli -i 0; mmcli -m 0 --output-keyvalue; mmcli -i 0 --output-keyvalue; } > "$out" 2>&1
  kill -TERM "$MM_PID"
  i=0; while kill -0 "$MM_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  idg_log "$name: $(sed -n 's/^modem.generic.state *: //p' "$out" | head -n 1)"
}

msisdn_digits=$(echo "$ID_msisdn" | tr -d '+')
iccid_hex=$(python3 -c "import sys; d=sys.argv[1]+'F'*(20-len(sys.argv[1])); print(''.join(d[i+1]+d[i] for i in range(0,20,2)))" "$ID_iccid")
imei14=$(echo "$ID_imei" | cut -c1-14)

hidden() {  # hidden FILE WHAT: no identifier of the simulator in FILE
  for v in "$ID_imei" "$imei14" "$ID_imeisv" "$ID_imsi" "$ID_iccid" "$iccid_hex" "$msisdn_digits"; do
    idg_expect_absent "$1" "$v" "$2"
  done
}

# 1. no grant
probe nogrant
out="$T/mmcli-nogrant.txt"
idg_expect_contains "$out" "state: registered" "registered modem"
idg_expect_contains "$out" "equipment id:" "an equipment id"
idg_expect_contains "$out" "imsi:" "a SIM imsi"
hidden "$out" "mmcli without a grant"
hidden "$T/mm-nogrant.log" "ModemManager's debug log without a grant"
grep -q "AT+CGSN\|+CGSN" "$T/mm-nogrant.log" || idg_fail "ModemManager's log shows no IMEI read: nothing was tested"
grep -q "ATI" "$T/mm-nogrant.log" || idg_fail "ModemManager's log shows no ATI: nothing was tested"

# 2. grant to ModemManager's executable
idg_ctl grant --to "uid:0,exe:$MM_EXE" --scope imei,imeisv,imsi,iccid,msisdn \
  --purpose "modem management" > "$T/grant.txt" || idg_fail "grant refused"
probe granted .consented
out="$T/mmcli-granted.txt.consented"
idg_expect_contains "$out" "$ID_imei" "the real IMEI with a grant"
idg_expect_contains "$out" "$ID_imsi" "the real IMSI with a grant"
idg_expect_contains "$out" "$ID_iccid" "the real ICCID with a grant"
idg_expect_contains "$out" "$msisdn_digits" "the real own number with a grant"

# 3. revoked, re-probed
idg_ctl revoke --to "uid:0,exe:$MM_EXE" > "$T/revoke.txt" || idg_fail "revoke refused"
probe revoked
out="$T/mmcli-revoked.txt"
idg_expect_contains "$out" "state: registered" "registered modem after revoke"
hidden "$out" "mmcli after revoke"
hidden "$T/mm-revoked.log" "ModemManager's debug log after revoke"

# the audit saw the AT door rewrite for ModemManager
idg_ctl report > "$T/report.txt" 2>&1 || true
idg_ctl audit > "$T/audit.txt" 2>&1 || true
grep -Eq "rewrite +imei +at +exe:$MM_EXE" "$T/audit.txt" || { cat "$T/audit.txt" >&2; idg_fail "no audit record of the AT door's IMEI rewrite for ModemManager"; }
grep -Eq "refuse +raw-sim +at +exe:$MM_EXE" "$T/audit.txt" || idg_fail "no audit record of the AT door's +CSIM refusal"
idg_log "ModemManager through the AT door: hidden, granted, revoked: ok"
