# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the tripwire tests (after tests/tools/lib.sh).
# forms: what must not be in a reply for the current $ID_imsi/$ID_iccid,
# as text (AT) and as hex of the bytes (QMI, printed by tripwire-qmi.py)
forms() {
  python3 - "$ID_imsi" "$ID_iccid" <<'PY'
import sys
imsi, iccid = sys.argv[1], sys.argv[2]
def bcd(d):
    d = d + "F" * (len(d) % 2)
    return "".join(d[i + 1] + d[i] for i in range(0, len(d), 2))
print(imsi)
msin = imsi[5:]
for i in range(len(msin) - 5):
    print(msin[i:i + 6])
print(("08" + bcd(("9" if len(imsi) % 2 else "1") + imsi)).upper())
print(bcd(iccid + "F" * (20 - len(iccid))).lower())
print(iccid[2:])
# the same in the hex a QMI client prints
print(msin.encode().hex())
print(bcd(("9" if len(imsi) % 2 else "1") + imsi)[2:].lower())
print(iccid[2:].encode("utf-16-le").hex())
PY
}
hidden() {
  forms > "$T/forms.consented"
  while read -r f; do
    idg_expect_absent "$1" "$f" "$2"
  done < "$T/forms.consented"
}
