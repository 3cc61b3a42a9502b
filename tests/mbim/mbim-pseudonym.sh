#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The MBIM door under policy=pseudonym: a client without consent gets a
# stable per-service stand-in with valid check digits, never the real value.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup mbim-pseudonym "$@"

idg_sim
idg_broker_config pseudonym
idg_broker

m() { timeout 30 mbimcli -p -d "$T/mbim" "$@"; }
idg_wait_for 20 m --query-device-caps || { cat "$T/broker.log" >&2; idg_fail "door never answered"; }

for i in 1 2; do
  m --query-device-caps > "$T/caps-$i.out" 2>&1 || idg_fail "--query-device-caps failed"
  m --query-subscriber-ready-status > "$T/srs-$i.out" 2>&1 || idg_fail "--query-subscriber-ready-status failed"
done
for f in "$T"/caps-*.out "$T"/srs-*.out; do
  for v in "$ID_imei" "$ID_imsi" "$ID_iccid" "${ID_msisdn#+}"; do
    idg_expect_absent "$f" "$v" "$(basename "$f")"
  done
done
cmp -s "$T/caps-1.out" "$T/caps-2.out" || idg_fail "the pseudonymous IMEI is not stable"
cmp -s "$T/srs-1.out" "$T/srs-2.out" || idg_fail "the pseudonymous SIM values are not stable"
python3 - "$T/caps-1.out" "$T/srs-1.out" <<'PY' || idg_fail "pseudonyms without valid check digits"
import re, sys
def luhn_ok(d):
    total = 0
    for i, ch in enumerate(reversed(d)):
        n = int(ch)
        if i % 2:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0
imei = re.search(r"Device ID: '(\d+)'", open(sys.argv[1]).read()).group(1)
iccid = re.search(r"SIM ICCID: '(\d+)'", open(sys.argv[2]).read()).group(1)
assert len(imei) == 15 and luhn_ok(imei), "imei"
assert iccid.startswith("89") and luhn_ok(iccid), "iccid"
assert set(imei) != {"0"}, "a redaction, not a pseudonym"
PY
idg_log "pass"
