#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The QMI door under policy=pseudonym: a client without consent sees, in
# place of each identifier, a stable value of the same shape (valid Luhn
# digit for the IMEI and ICCID) that is not the real one.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup qmi-door-pseudonym "$@"

idg_sim
idg_broker_config pseudonym
idg_broker

q() { timeout 30 qmicli -p -d "$T/qmi" --device-open-qmi "$@"; }
idg_wait_for 20 q --dms-get-ids || { cat "$T/broker.log" >&2; idg_fail "door never answered"; }

for n in 1 2; do
  q --dms-get-ids > "$T/ids-$n.out" 2>&1 || idg_fail "--dms-get-ids failed"
  q --dms-uim-get-iccid > "$T/iccid-$n.out" 2>&1 || idg_fail "--dms-uim-get-iccid failed"
done
# libqmi's warnings carry a time stamp: compare the answers alone
same() { [ "$(grep -v Warning "$1")" = "$(grep -v Warning "$2")" ]; }
same "$T/ids-1.out" "$T/ids-2.out" || idg_fail "pseudonyms not stable between two reads"
same "$T/iccid-1.out" "$T/iccid-2.out" || idg_fail "pseudonyms not stable between two reads"
for f in "$T"/ids-1.out "$T"/iccid-1.out; do
  for v in "$ID_imei" "$ID_imeisv" "$ID_esn" "$ID_meid" "$ID_iccid"; do
    idg_expect_absent "$f" "$v" "$(basename "$f")"
  done
done
python3 - "$T/ids-1.out" "$T/iccid-1.out" <<'PY' || idg_fail "pseudonyms lack a valid shape"
import re, sys
def luhn_ok(d):
    s = 0
    for i, c in enumerate(reversed(d)):
        n = int(c)
        if i % 2:
            n *= 2
            n -= 9 if n > 9 else 0
        s += n
    return s % 10 == 0
imei = re.search(r"IMEI: '(\d{15})'", open(sys.argv[1]).read()).group(1)
iccid = re.search(r"ICCID: '(\d+)'", open(sys.argv[2]).read()).group(1)
assert luhn_ok(imei), "IMEI check digit"
assert luhn_ok(iccid), "ICCID check digit"
assert iccid.startswith("89"), "ICCID prefix"
PY
idg_log "pass"
