#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# AT identifier commands on the pty and on the abstract socket, a SIM swap
# announced with +CPIN unsolicited codes, then ModemManager (test mode,
# generic plugin) finds and enables the modem, and takes the +CPIN codes of
# a swap in its stride (re-enabled, registered).
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup sim-at "$@"

idg_sim --at-socket "abstract:idg-sim-at"

at() { python3 "$IDG_SRC/tests/sim/at-client.py" "$@"; }

at "$T/at" ATE0 ATI AT+CGSN 'AT+CGSN=2' AT+CIMI AT+CNUM 'AT+CRSM=176,12258,0,0,10' \
  'AT+CRSM=178,28480,1,4,28' 'AT+CGSN;+CIMI' AT+CCID AT+NOSUCH > "$T/at.consented" ||
  idg_fail "AT client failed"
idg_expect_contains "$T/at.consented" "IMEI: $ID_imei" "ATI IMEI line"
idg_expect_contains "$T/at.consented" "+CGSN: \"$ID_imeisv\"" "IMEISV"
idg_expect_contains "$T/at.consented" "$ID_imsi" "IMSI"
idg_expect_contains "$T/at.consented" "+CNUM: \"\",\"$ID_msisdn\",145" "MSISDN"
iccid_hex=$(python3 -c "import sys; d=sys.argv[1]+'F'; print(''.join(d[i+1]+d[i] for i in range(0,20,2)))" "$ID_iccid")
idg_expect_contains "$T/at.consented" "+CRSM: 144,0,\"$iccid_hex\"" "EF_ICCID"
idg_expect_contains "$T/at.consented" "+CCID: $ID_iccid" "+CCID"
idg_expect_contains "$T/at.consented" "AT+NOSUCH -> ERROR" "unknown command"

at "@abstract:idg-sim-at" AT AT+CIMI > "$T/at-socket.consented" || idg_fail "AT over the abstract socket failed"
idg_expect_contains "$T/at-socket.consented" "$ID_imsi" "IMSI over the socket"

# control socket: a staged value applies at the swap; bad values are refused
# (the ids file still holds the old IMSI: the staged value wins over it)
new_imsi=$(python3 "$IDG_SRC/tests/tools/gen-ids.py" | sed -n 's/^imsi=//p')
echo "$new_imsi" > "$T/staged-imsi.consented"
idg_sim_ctl "set imsi=$new_imsi" || idg_fail "set refused"
at "$T/at" AT+CIMI > "$T/before-swap.consented"
idg_expect_absent "$T/before-swap.consented" "$new_imsi" "staged IMSI before the swap"
idg_sim_ctl "set imsi=12ab" 2> "$T/bad-set.log" && idg_fail "invalid IMSI accepted"
idg_expect_contains "$T/bad-set.log" "error: invalid value for 'imsi'" "refusal names the key"
idg_expect_absent "$T/bad-set.log" "12ab" "refusal shows no value"
idg_sim_ctl swap || idg_fail "swap refused"
at "$T/at" AT+CIMI > "$T/after-swap.consented"
idg_expect_contains "$T/after-swap.consented" "$new_imsi" "IMSI after the swap"
# on record for leakscan (the simulator re-reads the file only at a swap)
echo "imsi=$new_imsi" >> "$T/ids.consented"
ID_imsi=$new_imsi

# a swap is announced on every AT endpoint with +CPIN unsolicited codes, as
# a modem does (here: a connection of the abstract socket); "swap quiet"
# announces nothing
idg_bg "$T/urc.txt" python3 "$IDG_SRC/tests/sim/at-listen.py" "@abstract:idg-sim-at" "$T/listen.ready" "+CPIN: READY"
LISTEN_PID=$LAST_PID
idg_wait_for 5 test -e "$T/listen.ready" || idg_fail "URC listener not connected"
idg_sim_ctl swap quiet || idg_fail "quiet swap refused"
idg_sim_swap || idg_fail "swap refused"
wait "$LISTEN_PID" || { cat "$T/urc.txt" >&2; idg_fail "no +CPIN unsolicited code after the swap"; }
[ "$(cat "$T/urc.txt")" = "<CR><LF>+CPIN: NOT READY<CR><LF><CR><LF>+CPIN: READY<CR><LF>" ] ||
  { cat "$T/urc.txt" >&2; idg_fail "a swap (and a quiet one) should send exactly +CPIN: NOT READY, +CPIN: READY"; }
at "@abstract:idg-sim-at" AT+CIMI > "$T/after-urc.consented" || idg_fail "AT after the announced swap"
idg_expect_contains "$T/after-urc.consented" "$ID_imsi" "the IMSI of the announced swap"

# ModemManager in test mode against the abstract socket
command -v ModemManager >/dev/null || idg_skip "ModemManager not installed"
cat > "$T/mm.sh" <<EOS
ModemManager --test-session --test-enable --test-no-udev --no-auto-scan --test-no-suspend-resume --debug > "$T/mm-log.consented" 2>&1 &
MM=\$!
i=0
until gdbus introspect --session --dest org.freedesktop.ModemManager1 --object-path /org/freedesktop/ModemManager1 >/dev/null 2>&1; do
  i=\$((i+1)); [ \$i -gt 100 ] && exit 3; sleep 0.2
done
gdbus call --session --dest org.freedesktop.ModemManager1 --object-path /org/freedesktop/ModemManager1 \
  --method org.freedesktop.ModemManager1.Test.SetProfile test0 generic '["abstract:idg-sim-at"]' > /dev/null || exit 4
export DBUS_SYSTEM_BUS_ADDRESS=\$DBUS_SESSION_BUS_ADDRESS
i=0
until mmcli -m 0 > "$T/mmcli.consented" 2>&1; do
  i=\$((i+1)); [ \$i -gt 150 ] && exit 5; sleep 0.2
done
mmcli -m 0 --enable > "$T/enable.log" 2>&1
i=0
until mmcli -m 0 > "$T/mmcli.consented" 2>&1 && grep -q "state: .*registered" "$T/mmcli.consented"; do
  i=\$((i+1)); [ \$i -gt 150 ] && break; sleep 0.2
done
mmcli -m 0 > "$T/mmcli.consented" 2>&1
mmcli -i 0 > "$T/mmcli-sim.consented" 2>&1
# a swap announced while ModemManager holds the port (the same card again):
# it has no handler for +CPIN, keeps the codes with the next reply, and
# carries on: disabled, enabled and registered again
printf 'swap\n' | socat - "UNIX-CONNECT:$T/sim.ctl" | grep -qx ok || exit 6
i=0
until grep -q "<-- .*+CPIN: NOT READY" "$T/mm-log.consented"; do
  i=\$((i+1)); [ \$i -gt 50 ] && exit 7; sleep 0.1
done
mmcli -m 0 --disable > "$T/disable-swap.log" 2>&1
mmcli -m 0 --enable > "$T/enable-swap.log" 2>&1
i=0
until mmcli -m 0 > "$T/mmcli-swap.consented" 2>&1 && grep -q "state: .*registered" "$T/mmcli-swap.consented"; do
  i=\$((i+1)); [ \$i -gt 150 ] && break; sleep 0.2
done
kill \$MM
wait \$MM
exit 0
EOS
timeout 120 dbus-run-session -- sh "$T/mm.sh" || { tail -50 "$T/mm-log.consented" >&2; idg_fail "ModemManager session failed ($?)"; }
idg_expect_contains "$T/mmcli.consented" "idguard-modem-sim" "ModemManager sees the model"
idg_expect_contains "$T/mmcli.consented" "$ID_imei" "ModemManager reads the IMEI"
grep -q "state: .*registered" "$T/mmcli.consented" ||
  { cat "$T/mmcli.consented" >&2; idg_fail "modem not registered"; }
idg_expect_contains "$T/mmcli.consented" "$ID_msisdn" "ModemManager reads the own number"
idg_expect_contains "$T/mmcli-sim.consented" "$ID_imsi" "ModemManager reads the IMSI"
idg_expect_contains "$T/mmcli-sim.consented" "$ID_iccid" "ModemManager reads the ICCID (+CRSM EF_ICCID)"
grep -q "state: .*registered" "$T/mmcli-swap.consented" ||
  { cat "$T/mmcli-swap.consented" >&2; idg_fail "ModemManager not registered again after the +CPIN codes of a swap"; }
echo "PASS"
