#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The MBIM door with the real mbimcli, the real simulator and the real
# idguardd, in a private network namespace (its own @mbim-proxy):
#  - without a grant Device Caps and Subscriber Ready Status succeed and show
#    no real identifier; with a grant to mbimcli's executable they show the
#    real values; after revoke they no longer do;
#  - a SIM swap: the Subscriber Ready Status indication reaches a subscribed
#    client without consent rewritten and a consented one intact;
#  - a client whose subscribe list lacks Subscriber Ready Status does not
#    get it;
#  - raw SIM access refused, other devices refused;
#  - garbage, oversized, lying-length, truncated and hogging clients: the
#    others carry on.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup mbim-door "$@"

MBIMCLI=$(readlink -f "$(command -v mbimcli)") || idg_skip "mbimcli not installed"
WATCH="$IDG_BUILD/tests/mbim/mbim-watch"
ROGUE="python3 $IDG_SRC/tests/mbim/mbim-rogue.py"

idg_sim
idg_broker

m() { timeout 30 mbimcli -p -d "$T/mbim" "$@"; }

# reads NAME EXT: both identifier reads
reads() {
  m --query-device-caps > "$T/$1-caps.$2" 2>&1 || { cat "$T/$1-caps.$2" >&2; idg_fail "$1: --query-device-caps failed"; }
  m --query-subscriber-ready-status > "$T/$1-srs.$2" 2>&1 ||
    { cat "$T/$1-srs.$2" >&2; idg_fail "$1: --query-subscriber-ready-status failed"; }
}

# none_real FILE...: no real identifier of the current SIM (nor the first)
none_real() {
  for f in "$@"; do
    for v in "$ID_imei" "$ID_imsi" "$ID_iccid" "${ID_msisdn#+}" $OLD_VALUES; do
      idg_expect_absent "$f" "$v" "$(basename "$f")"
    done
  done
}
OLD_VALUES=""

idg_wait_for 20 m --query-device-caps || { cat "$T/broker.log" >&2; idg_fail "door never answered"; }

idg_log "without a grant: the reads succeed and show no real identifier"
reads denied out
none_real "$T"/denied-*.out
idg_expect_contains "$T/denied-caps.out" "Device ID: '" "a Device ID line"
idg_expect_contains "$T/denied-srs.out" "Subscriber ID: '" "a Subscriber ID line"
idg_expect_contains "$T/denied-srs.out" "SIM ICCID: '89" "an ICCID line"
idg_expect_contains "$T/denied-srs.out" "Telephone numbers: (1) '+" "a number"

idg_log "another device than the modem's port, raw SIM access: refused"
$ROGUE badpath mbim-proxy "$T/mbim" || idg_fail "proxy configuration with /dev/null not refused"
! timeout 30 mbimcli -p -d /dev/null --query-device-caps > "$T/badpath.out" 2>&1 ||
  idg_fail "mbimcli -p -d /dev/null succeeded"
$ROGUE apdu mbim-proxy "$T/mbim" > "$T/apdu.out" 2>&1 || { cat "$T/apdu.out" >&2; idg_fail "APDU not refused"; }

idg_log "grant to $MBIMCLI: the real values"
idg_ctl grant --to "uid:0,exe:$MBIMCLI" --scope imei,imsi,iccid,msisdn --purpose "mbim door test" \
  > "$T/grant.out" 2>&1 || { cat "$T/grant.out" >&2; idg_fail "grant failed"; }
reads granted consented
idg_expect_contains "$T/granted-caps.consented" "Device ID: '$ID_imei'" "the IMEI"
idg_expect_contains "$T/granted-srs.consented" "Subscriber ID: '$ID_imsi'" "the IMSI"
idg_expect_contains "$T/granted-srs.consented" "SIM ICCID: '$ID_iccid'" "the ICCID"
idg_expect_contains "$T/granted-srs.consented" "'$ID_msisdn'" "the MSISDN"

idg_log "revoke: hidden again at once"
idg_ctl revoke --to "uid:0,exe:$MBIMCLI" > "$T/revoke.out" 2>&1 || { cat "$T/revoke.out" >&2; idg_fail "revoke failed"; }
reads revoked out
none_real "$T"/revoked-*.out

idg_log "SIM swap: the indication, rewritten for one subscriber, intact for the other"
cp "$WATCH" "$T/mbim-watch-consented"
WATCH_OK=$(readlink -f "$T/mbim-watch-consented")
idg_ctl grant --to "uid:0,exe:$WATCH_OK" --scope imsi,iccid,msisdn --purpose "mbim watch" \
  > "$T/grant-watch.out" 2>&1 || { cat "$T/grant-watch.out" >&2; idg_fail "grant failed"; }
"$WATCH" "$T/mbim" 20 > "$T/watch-denied.out" 2>&1 &
w1=$!
"$T/mbim-watch-consented" "$T/mbim" 20 > "$T/watch-granted.consented" 2>&1 &
w2=$!
$ROGUE subscribe mbim-proxy "$T/mbim" 12 > "$T/watch-signal-only.out" 2>&1 &
w3=$!
idg_wait_for 15 grep -q '^subscribed status 0' "$T/watch-signal-only.out" ||
  { cat "$T/watch-signal-only.out" >&2; idg_fail "subscribe list not accepted"; }
idg_wait_for 15 grep -q '^ready' "$T/watch-denied.out" || { cat "$T/watch-denied.out" >&2; idg_fail "watcher not ready"; }
idg_wait_for 15 grep -q '^ready' "$T/watch-granted.consented" || idg_fail "consented watcher not ready"
OLD_VALUES="$ID_imsi $ID_iccid ${ID_msisdn#+}"
cp "$T/ids.consented" "$T/ids-before-swap.consented"
python3 "$IDG_SRC/tests/tools/gen-ids.py" > "$T/new-ids"
grep -v '^imei\|^imeisv\|^esn\|^meid' "$T/new-ids" > "$T/new-sim"
grep '^imei\|^imeisv\|^esn\|^meid' "$T/ids.consented" >> "$T/new-sim"
mv "$T/new-sim" "$T/ids.consented"
rm -f "$T/new-ids"
# shellcheck disable=SC2046
eval $(sed 's/^\([a-z]*\)=\(.*\)$/ID_\1="\2"/' "$T/ids.consented")
echo swap | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1]); s.sendall(b"swap\n"); s.settimeout(5)
try:
    print(s.recv(256).decode().strip())
except socket.timeout:
    pass
' "$T/sim.ctl" > "$T/swap.out" 2>&1 || { cat "$T/swap.out" >&2; idg_fail "swap failed"; }
idg_wait_for 10 grep -q "imsi=$ID_imsi" "$T/watch-granted.consented" ||
  { cat "$T/watch-granted.consented" >&2; idg_fail "the consented subscriber did not get the new IMSI"; }
idg_wait_for 10 grep -q '^srs imsi=' "$T/watch-denied.out" ||
  { cat "$T/watch-denied.out" >&2; idg_fail "the subscriber without consent got no indication"; }
idg_expect_contains "$T/watch-granted.consented" "iccid=$ID_iccid" "the new ICCID"
idg_expect_contains "$T/watch-granted.consented" "msisdn=$ID_msisdn" "the new MSISDN"
none_real "$T/watch-denied.out"
kill "$w1" "$w2" 2>/dev/null || true
wait "$w1" "$w2" 2>/dev/null || true
wait "$w3" || { cat "$T/watch-signal-only.out" >&2; idg_fail "subscriber to Signal State only"; }
! grep -q '^indication cid 2$' "$T/watch-signal-only.out" ||
  idg_fail "a client that unsubscribed from Subscriber Ready Status still got it"

idg_log "rogue clients beside well-behaved ones"
$ROGUE truncated mbim-proxy "$T/mbim" 6 > "$T/rogue-truncated.out" 2>&1 &
r_trunc=$!
$ROGUE hog mbim-proxy "$T/mbim" 40 > "$T/rogue-hog.out" 2>&1 &
r_hog=$!
for mode in garbage oversized lying; do
  $ROGUE $mode mbim-proxy "$T/mbim" > "$T/rogue-$mode.out" 2>&1 || { cat "$T/rogue-$mode.out" >&2; idg_fail "$mode"; }
  m --query-device-caps > "$T/beside-$mode.out" 2>&1 ||
    { cat "$T/beside-$mode.out" >&2; idg_fail "a client beside the $mode client failed"; }
  idg_expect_contains "$T/beside-$mode.out" "Device ID: '" "an answer beside $mode"
done
wait "$r_trunc" || { cat "$T/rogue-truncated.out" >&2; idg_fail "half a message"; }
wait "$r_hog" || { cat "$T/rogue-hog.out" >&2; idg_fail "hog"; }
reads after out
none_real "$T"/beside-*.out "$T"/after-*.out
kill -0 "$BROKER_PID" || idg_fail "idguardd died"
idg_log "pass"
