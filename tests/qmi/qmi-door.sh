#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The QMI door with the real qmicli, the real simulator and the real
# idguardd, in a private network namespace (its own @qmi-proxy):
#  - without a grant every identifier read succeeds and shows no real value;
#  - with a grant to qmicli's executable they show the real values;
#  - after revoke they no longer do;
#  - raw SIM access is refused with a QMI error, other devices are refused;
#  - 16 concurrent clients all get their own answers;
#  - garbage, a 64 KiB frame, half a frame, a client vanishing mid-request,
#    a client that never reads, one hoarding client ids: the others carry
#    on.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup qmi-door "$@"

QMICLI=$(readlink -f "$(command -v qmicli)") || idg_skip "qmicli not installed"
ROGUE="python3 $IDG_SRC/tests/qmi/qmi-rogue.py"
SCOPES=imei,imeisv,esn,meid,imsi,iccid,eid,msisdn

idg_sim
idg_broker

q() { timeout 30 qmicli -p -d "$T/qmi" --device-open-qmi "$@"; }

# Swapped-nibble BCD of a digit string as qmicli prints raw bytes (98:10:...).
bcd_colon() {
  python3 - "$1" <<'EOF'
import sys
d = sys.argv[1]
d += "F" * (len(d) % 2)
print(":".join((d[i + 1] + d[i]).upper() for i in range(0, len(d), 2)))
EOF
}
ICCID_BCD=$(bcd_colon "$ID_iccid")
IMSI_BCD=$(bcd_colon "9$ID_imsi" | cut -d: -f2-)    # EF_IMSI digits after the parity nibble
MSISDN_DIGITS=${ID_msisdn#+}

# reads NAME: every identifier read, outputs in $T/NAME-*.out
reads() {
  q --dms-get-ids > "$T/$1-ids.$2" 2>&1 || idg_fail "$1: --dms-get-ids failed"
  q --dms-uim-get-imsi > "$T/$1-imsi.$2" 2>&1 || idg_fail "$1: --dms-uim-get-imsi failed"
  q --dms-uim-get-iccid > "$T/$1-iccid.$2" 2>&1 || idg_fail "$1: --dms-uim-get-iccid failed"
  q --dms-get-msisdn > "$T/$1-msisdn.$2" 2>&1 || idg_fail "$1: --dms-get-msisdn failed"
  q --uim-read-transparent=0x3F00,0x2FE2 > "$T/$1-ef-iccid.$2" 2>&1 || idg_fail "$1: EF_ICCID read failed"
  q --uim-read-transparent=0x3F00,0x7FFF,0x6F07 > "$T/$1-ef-imsi.$2" 2>&1 || idg_fail "$1: EF_IMSI read failed"
  q --uim-get-slot-status > "$T/$1-slots.$2" 2>&1 || idg_fail "$1: --uim-get-slot-status failed"
}

none_real() {
  for f in "$T/$1"-*.out; do
    for v in "$ID_imei" "$ID_imeisv" "$ID_esn" "$ID_meid" "$ID_imsi" "$ID_iccid" "$ID_eid" \
             "$MSISDN_DIGITS" "$ICCID_BCD" "$IMSI_BCD"; do
      idg_expect_absent "$f" "$v" "$(basename "$f")"
    done
  done
}

# Wait for the door to have the modem (the backend opens it).
idg_wait_for 20 q --dms-get-ids || { cat "$T/broker.log" >&2; idg_fail "door never answered"; }

idg_log "without a grant: the reads succeed and show no real identifier"
reads denied out
none_real denied
idg_expect_contains "$T/denied-ids.out" "IMEI: '" "an IMEI line"
idg_expect_contains "$T/denied-slots.out" "EID: 89" "an EID line"
idg_expect_contains "$T/denied-ef-iccid.out" "98:" "the EF_ICCID bytes"

idg_log "another device than the modem's port: refused"
$ROGUE badpath qmi-proxy "$T/qmi" || idg_fail "proxy open of /dev/null not refused"
! timeout 30 qmicli -p -d /dev/null --device-open-qmi --dms-get-ids > "$T/badpath.out" 2>&1 ||
  idg_fail "qmicli -p -d /dev/null succeeded"

idg_log "raw SIM access without a grant: ACCESS_DENIED from the door"
$ROGUE apdu qmi-proxy "$T/qmi" || idg_fail "Send APDU not refused"

idg_log "grant to $QMICLI: the real values"
idg_ctl grant --to "uid:0,exe:$QMICLI" --scope "$SCOPES" --purpose "qmi door test" > "$T/grant.out" 2>&1 ||
  { cat "$T/grant.out" >&2; idg_fail "grant failed"; }
reads granted consented
idg_expect_contains "$T/granted-ids.consented" "$ID_imei" "the IMEI"
idg_expect_contains "$T/granted-ids.consented" "$ID_esn" "the ESN"
idg_expect_contains "$T/granted-ids.consented" "$ID_meid" "the MEID"
idg_expect_contains "$T/granted-ids.consented" "$ID_imeisv" "the IMEISV"
idg_expect_contains "$T/granted-imsi.consented" "$ID_imsi" "the IMSI"
idg_expect_contains "$T/granted-iccid.consented" "$ID_iccid" "the ICCID"
idg_expect_contains "$T/granted-msisdn.consented" "$MSISDN_DIGITS" "the MSISDN"
idg_expect_contains "$T/granted-ef-iccid.consented" "$ICCID_BCD" "EF_ICCID"
idg_expect_contains "$T/granted-ef-imsi.consented" "$IMSI_BCD" "EF_IMSI"
idg_expect_contains "$T/granted-slots.consented" "$ID_iccid" "the slot ICCID"
idg_expect_contains "$T/granted-slots.consented" "$ID_eid" "the EID"
$ROGUE apdu qmi-proxy "$T/qmi" || idg_fail "python3 holds no grant: its APDU must still be refused"

idg_log "16 concurrent clients, each its own answers"
pids=""
i=0
while [ $i -lt 16 ]; do
  if [ $((i % 2)) = 0 ]; then
    q --dms-get-ids > "$T/conc-$i.consented" 2>&1 &
  else
    q --dms-uim-get-imsi > "$T/conc-$i.consented" 2>&1 &
  fi
  pids="$pids $!"
  i=$((i + 1))
done
for p in $pids; do wait "$p" || idg_fail "a concurrent client failed"; done
i=0
while [ $i -lt 16 ]; do
  if [ $((i % 2)) = 0 ]; then
    idg_expect_contains "$T/conc-$i.consented" "$ID_imei" "client $i: the IMEI"
    idg_expect_absent "$T/conc-$i.consented" "$ID_imsi" "client $i: someone else's answer"
  else
    idg_expect_contains "$T/conc-$i.consented" "$ID_imsi" "client $i: the IMSI"
    idg_expect_absent "$T/conc-$i.consented" "$ID_imei" "client $i: someone else's answer"
  fi
  i=$((i + 1))
done

idg_log "revoke: hidden again at once"
idg_ctl revoke --to "uid:0,exe:$QMICLI" > "$T/revoke.out" 2>&1 || { cat "$T/revoke.out" >&2; idg_fail "revoke failed"; }
reads revoked out
none_real revoked

idg_log "rogue clients beside well-behaved ones"
$ROGUE truncated qmi-proxy "$T/qmi" 8 > "$T/rogue-truncated.out" 2>&1 &
r_trunc=$!
$ROGUE hog qmi-proxy "$T/qmi" 4 > "$T/rogue-hog.out" 2>&1 &
r_hog=$!
$ROGUE cids qmi-proxy "$T/qmi" || idg_fail "client ids cap"
$ROGUE garbage qmi-proxy "$T/qmi" > "$T/rogue-garbage.out" 2>&1 || { cat "$T/rogue-garbage.out" >&2; idg_fail "garbage"; }
$ROGUE big qmi-proxy "$T/qmi" > "$T/rogue-big.out" 2>&1 || { cat "$T/rogue-big.out" >&2; idg_fail "64 KiB frame"; }
i=0
while [ $i -lt 4 ]; do
  $ROGUE vanish qmi-proxy "$T/qmi" || idg_fail "vanishing client"
  q --dms-get-ids > "$T/beside-$i.out" 2>&1 || { cat "$T/beside-$i.out" >&2; idg_fail "a client beside the rogues failed"; }
  idg_expect_contains "$T/beside-$i.out" "IMEI: '" "an answer beside the rogues"
  i=$((i + 1))
done
wait "$r_trunc" || { cat "$T/rogue-truncated.out" >&2; idg_fail "half a frame"; }
wait "$r_hog" || { cat "$T/rogue-hog.out" >&2; idg_fail "hog"; }
grep -q -E "dropped: (output queue full|too many requests in flight)" "$T/broker.log" ||
  idg_fail "the client that never read was not dropped"
q --uim-get-slot-status > "$T/after-rogues.out" 2>&1 || idg_fail "door unusable after the rogues"
none_real beside
kill -0 "$BROKER_PID" || idg_fail "idguardd died"
idg_log "pass"
