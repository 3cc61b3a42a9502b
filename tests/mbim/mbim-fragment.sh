#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fragmented MBIM through the door: the simulator fragments at a 64-byte
# control transfer (the backend's MbimDevice reassembles), a hand-made
# client asks for 64-byte fragments and sends its request in two fragments.
# Without a grant the values are rewritten, with one they are intact.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup mbim-fragment "$@"

MBIMCLI=$(readlink -f "$(command -v mbimcli)") || idg_skip "mbimcli not installed"
ROGUE="python3 $IDG_SRC/tests/mbim/mbim-rogue.py"

idg_sim --mbim-max-control-transfer=64
idg_broker

m() { timeout 30 mbimcli -p -d "$T/mbim" "$@"; }
idg_wait_for 20 m --query-device-caps || { cat "$T/broker.log" >&2; idg_fail "door never answered"; }

idg_log "fragmented both ways, without a grant: rewritten, well-formed"
m --query-device-caps > "$T/denied-caps.out" 2>&1 || idg_fail "--query-device-caps failed"
m --query-subscriber-ready-status > "$T/denied-srs.out" 2>&1 || idg_fail "--query-subscriber-ready-status failed"
$ROGUE frag mbim-proxy "$T/mbim" > "$T/denied-frag.out" 2>&1 || { cat "$T/denied-frag.out" >&2; idg_fail "fragments to the client"; }
for f in "$T"/denied-*.out; do
  for v in "$ID_imei" "$ID_imsi" "$ID_iccid" "${ID_msisdn#+}"; do
    idg_expect_absent "$f" "$v" "$(basename "$f")"
  done
done
idg_expect_contains "$T/denied-caps.out" "Device ID: '" "a Device ID"
idg_expect_contains "$T/denied-srs.out" "SIM ICCID: '89" "an ICCID"
grep -Eq 'deviceid [0-9]{15}$' "$T/denied-frag.out" || { cat "$T/denied-frag.out" >&2; idg_fail "reassembled Device Caps malformed"; }

idg_log "with a grant: intact"
idg_ctl grant --to "uid:0,exe:$MBIMCLI" --scope imei,imsi,iccid,msisdn --purpose "fragment test" \
  > "$T/grant.out" 2>&1 || { cat "$T/grant.out" >&2; idg_fail "grant failed"; }
m --query-device-caps > "$T/granted-caps.consented" 2>&1 || idg_fail "--query-device-caps failed"
m --query-subscriber-ready-status > "$T/granted-srs.consented" 2>&1 || idg_fail "srs failed"
idg_expect_contains "$T/granted-caps.consented" "Device ID: '$ID_imei'" "the IMEI"
idg_expect_contains "$T/granted-srs.consented" "Subscriber ID: '$ID_imsi'" "the IMSI"
idg_expect_contains "$T/granted-srs.consented" "SIM ICCID: '$ID_iccid'" "the ICCID"
kill -0 "$BROKER_PID" || idg_fail "idguardd died"
idg_log "pass"
