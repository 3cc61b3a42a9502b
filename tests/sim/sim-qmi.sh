#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The real qmicli reads every identifier the simulator was given, directly
# (--device-open-qmi) and through the stock qmi-proxy (-p), before and after
# a SIM swap, and gets the slot status indication of the swap.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup sim-qmi "$@"

idg_sim

# qmicli_read NAME ARGS...: one read, output in $T/NAME.consented
qmicli_read() {
  name=$1; shift
  timeout 30 qmicli -d "$T/qmi" "$@" > "$T/$name.consented" 2>&1 ||
    { cat "$T/$name.consented" >&2; idg_fail "qmicli $* failed"; }
}

# bcd DIGITS: swapped-nibble BCD as qmicli prints it (XX:XX:..), F padded
bcd() {
  python3 - "$1" "$2" <<'EOP'
import sys
d, n = sys.argv[1], int(sys.argv[2])
d = d + "F" * (2 * n - len(d))
print(":".join((d[i + 1] + d[i]).upper() for i in range(0, 2 * n, 2)))
EOP
}

# ef_imsi IMSI: EF_IMSI bytes as qmicli prints them
ef_imsi() {
  python3 - "$1" <<'EOP'
import sys
imsi = sys.argv[1]
digits = ("9" if len(imsi) % 2 else "1") + imsi
digits += "F" * (16 - len(digits))
b = ["%02X" % ((len(digits.rstrip("F")) + 1) // 2)]
b += [(digits[i + 1] + digits[i]) for i in range(0, 16, 2)]
print(":".join(b))
EOP
}

check_all() {
  tag=$1; shift
  qmicli_read "$tag-ids" --device-open-qmi --dms-get-ids "$@"
  idg_expect_contains "$T/$tag-ids.consented" "IMEI: '$ID_imei'" "IMEI"
  idg_expect_contains "$T/$tag-ids.consented" "ESN: '$ID_esn'" "ESN"
  idg_expect_contains "$T/$tag-ids.consented" "MEID: '$ID_meid'" "MEID"
  idg_expect_contains "$T/$tag-ids.consented" "IMEI SV: '$ID_imeisv'" "IMEISV"
  qmicli_read "$tag-imsi" --device-open-qmi --dms-uim-get-imsi "$@"
  idg_expect_contains "$T/$tag-imsi.consented" "IMSI: '$ID_imsi'" "IMSI"
  qmicli_read "$tag-iccid" --device-open-qmi --dms-uim-get-iccid "$@"
  idg_expect_contains "$T/$tag-iccid.consented" "ICCID: '$ID_iccid'" "ICCID"
  qmicli_read "$tag-msisdn" --device-open-qmi --dms-get-msisdn "$@"
  idg_expect_contains "$T/$tag-msisdn.consented" "MSISDN: '$ID_msisdn'" "MSISDN"
  qmicli_read "$tag-ef-iccid" --device-open-qmi --uim-read-transparent=0x3F00,0x2FE2 "$@"
  idg_expect_contains "$T/$tag-ef-iccid.consented" "$(bcd "$ID_iccid" 10)" "EF_ICCID"
  qmicli_read "$tag-ef-imsi" --device-open-qmi --uim-read-transparent=0x3F00,0x7FFF,0x6F07 "$@"
  idg_expect_contains "$T/$tag-ef-imsi.consented" "$(ef_imsi "$ID_imsi")" "EF_IMSI"
  qmicli_read "$tag-slots" --device-open-qmi --uim-get-slot-status "$@"
  idg_expect_contains "$T/$tag-slots.consented" "ICCID: $ID_iccid" "slot ICCID"
  idg_expect_contains "$T/$tag-slots.consented" "EID: $ID_eid" "slot EID"
  qmicli_read "$tag-card" --device-open-qmi --uim-get-card-status "$@"
  idg_expect_contains "$T/$tag-card.consented" "Card state: 'present'" "card state"
}

check_all direct
check_all proxy -p
idg_log "direct and proxied reads ok"

# A client waiting for the slot status indication while the SIM is swapped.
timeout 30 qmicli -d "$T/qmi" --device-open-qmi --uim-monitor-slot-status > "$T/monitor.consented" 2>&1 &
MON=$!
IDG_PIDS="$IDG_PIDS $MON"
old_imsi=$ID_imsi old_iccid=$ID_iccid
# The monitor may not have registered for events yet: swap again until it
# reports a new ICCID (each swap gives fresh values).
got=no
for attempt in 1 2 3 4 5; do
  idg_sim_swap || idg_fail "swap refused"
  if idg_wait_for 4 grep -q "ICCID: $ID_iccid" "$T/monitor.consented"; then got=yes; break; fi
done
[ $got = yes ] || { cat "$T/monitor.consented" >&2; idg_fail "no slot status indication with the new ICCID"; }
[ "$ID_imsi" != "$old_imsi" ] && [ "$ID_iccid" != "$old_iccid" ] || idg_fail "gen-ids gave the same values"
# the monitor reads the same pty: let it be gone before the next reads,
# or it may take their answers
kill "$MON" 2>/dev/null || true
wait "$MON" 2>/dev/null || true

check_all swapped
check_all swapped-proxy -p
idg_log "after the swap the new values are read"

# SIGUSR1 re-reads the file too (the last value of a key wins)
python3 "$IDG_SRC/tests/tools/gen-ids.py" | grep '^imsi=' > "$T/imsi3.consented"
cat "$T/imsi3.consented" >> "$T/ids.consented"
eval $(sed 's/^imsi=\(.*\)$/ID_imsi="\1"/' "$T/imsi3.consented")
kill -USR1 "$SIM_PID"
idg_wait_for 10 sh -c "qmicli -d '$T/qmi' --device-open-qmi --dms-uim-get-imsi 2>/dev/null | grep -q \"'$ID_imsi'\"" ||
  idg_fail "SIGUSR1 did not swap the IMSI"
kill -0 "$SIM_PID" || idg_fail "simulator died"

# Two QMI ports of one simulator (e.g. a direct reader next to a proxy):
# each answers on its own, concurrently, with the same identifiers.
idg_bg "$T/sim2.log" "$SIM_BIN" --qmi "$T/qmi-a" --qmi "$T/qmi-b" --ids "$T/ids.consented"
idg_wait_for 10 grep -q '^ready' "$T/sim2.log" || idg_fail "second simulator not ready"
timeout 30 qmicli -d "$T/qmi-a" --device-open-qmi --dms-uim-get-imsi > "$T/port-a.consented" 2>&1 &
A=$!
timeout 30 qmicli -d "$T/qmi-b" --device-open-qmi --dms-uim-get-imsi > "$T/port-b.consented" 2>&1 &
B=$!
wait $A || idg_fail "port a failed"
wait $B || idg_fail "port b failed"
idg_expect_contains "$T/port-a.consented" "IMSI: '$ID_imsi'" "IMSI on port a"
idg_expect_contains "$T/port-b.consented" "IMSI: '$ID_imsi'" "IMSI on port b"
echo "PASS"
