#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The value tripwire through a real door. The simulated modem answers a
# test-only vendor command, AT+XLEAK (userspace/sim/sim-at-commands.c), with
# the IMSI inside free text and the hex of EF_IMSI and EF_ICCID: a route no
# filter knows; and a test-only QMI DMS message 0x5556 (sim-qmi.c) with the
# IMSI as text, EF_IMSI as bytes and the ICCID as UTF-16LE. Through the AT
# and QMI doors of the real idguardd, and AT+XLEAK through the MBIM door's
# Intel AT tunnel:
#  - without a grant: no IMSI, no 6-digit run of its MSIN, no EF_IMSI or
#    EF_ICCID hex reaches the client; the reply keeps its shape and length;
#    the audit log has a tripwire record with the door and the route, and
#    no value; status counts the hit;
#  - with a grant for imsi and iccid to the client: the real values pass;
#  - revoked, then a SIM swap: neither the new values nor the old ones pass,
#    right after the swap (before or after the broker read them again) and
#    once it has.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup tripwire-door "$@"

CLIENT="python3 $IDG_SRC/tests/at/at-client.py"
PY_EXE=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')
NAME=idguard-at-tripwire

idg_sim
idg_conf "at=$T/at" "qmi=$T/qmi" "mbim=$T/mbim" -- "at-socket=$NAME" "qmi-socket=qmi-proxy" "mbim-socket=mbim-proxy"
idg_broker
idg_wait_for 15 sh -c "'$CTL_BIN' --socket '$T/run/api.sock' ids | grep -i iccid | grep -qv -i unknown" ||
  idg_fail "the broker did not read the ICCID"

. "$IDG_SRC/tests/broker/tripwire-forms.sh"

# --- no grant ---------------------------------------------------------------
$CLIENT "@$NAME" ATE0 AT+XLEAK AT+CSQ > "$T/nogrant.txt" || { cat "$T/nogrant.txt" >&2; idg_fail "no reply"; }
hidden "$T/nogrant.txt" "+XLEAK without a grant"
idg_expect_contains "$T/nogrant.txt" '+XLEAK: "build 7 ' "the reply's text kept"
idg_expect_contains "$T/nogrant.txt" 'rev 2",1,"08' "the EF_IMSI length byte kept"
idg_expect_contains "$T/nogrant.txt" "+CSQ: " "the next command answered"
len_masked=$(grep -F '+XLEAK' "$T/nogrant.txt" | wc -c)

idg_ctl --json audit > "$T/audit.json" || idg_fail "audit"
python3 - "$T/audit.json" <<'PY' || { cat "$T/audit.json" >&2; idg_fail "no tripwire record with door and route"; }
import json, sys
doc = json.load(open(sys.argv[1]))
rows = doc if isinstance(doc, list) else doc.get("records", doc.get("rows", []))
hits = [r for r in rows if str(r.get("reason", "")).startswith("tripwire ")]
assert any(r.get("door") == "at" and "+XLEAK" in r.get("reason") and r.get("kind") == "imsi"
           and r.get("decision") == "rewrite" for r in hits), hits
assert any(r.get("kind") == "iccid" for r in hits), hits
PY
hidden "$T/audit.json" "the audit records"
idg_ctl status > "$T/status.txt" || idg_fail "status"
hidden "$T/broker.log" "the broker's log"

# the QMI door: the same, in binary
QMI="python3 $IDG_SRC/tests/broker/tripwire-qmi.py qmi-proxy $T/qmi"
$QMI > "$T/qmi-nogrant.txt" || idg_fail "no QMI reply"
hidden "$T/qmi-nogrant.txt" "DMS 0x5556 without a grant"
idg_ctl --json audit > "$T/audit2.json" || idg_fail "audit"
idg_expect_contains "$T/audit2.json" "tripwire 02/5556" "a QMI tripwire record with its route"
idg_expect_contains "$T/audit2.json" "qmi-proxy" "the QMI door in the record"

# the MBIM door: AT+XLEAK in the Intel AT tunnel
MBIM="python3 $IDG_SRC/tests/broker/tripwire-mbim.py mbim-proxy $T/mbim"
$MBIM > "$T/mbim-nogrant.txt" || idg_fail "no MBIM tunnel reply"
hidden "$T/mbim-nogrant.txt" "AT+XLEAK in the MBIM AT tunnel without a grant"
idg_expect_contains "$T/mbim-nogrant.txt" '+XLEAK: "build 7 ' "the tunnelled reply's text kept"
idg_ctl --json audit > "$T/audit3.json" || idg_fail "audit"
idg_expect_contains "$T/audit3.json" "tripwire da138c64/1" "an MBIM tripwire record with its route (tunnel service, CID)"

# --- a grant for imsi and iccid: the values pass ----------------------------
idg_ctl grant --to "uid:0,exe:$PY_EXE" --scope imsi,iccid --purpose "tripwire test" > "$T/grant.txt" ||
  idg_fail "grant"
$CLIENT "@$NAME" ATE0 AT+XLEAK > "$T/granted.consented" || idg_fail "no reply with a grant"
idg_expect_contains "$T/granted.consented" "build 7 $ID_imsi rev 2" "the IMSI with a grant"
[ "$(grep -F '+XLEAK' "$T/granted.consented" | wc -c)" = "$len_masked" ] ||
  idg_fail "the masked reply is not as long as the real one"
$MBIM > "$T/mbim-granted.consented" || idg_fail "no MBIM tunnel reply with a grant"
idg_expect_contains "$T/mbim-granted.consented" "build 7 $ID_imsi rev 2" "the IMSI in the MBIM tunnel with a grant"
$QMI > "$T/qmi-granted.consented" || idg_fail "no QMI reply with a grant"
idg_expect_contains "$T/qmi-granted.consented" "$(printf '%s' "$ID_imsi" | od -An -tx1 | tr -d ' \n')" "the IMSI over QMI with a grant"
[ "$(wc -c < "$T/qmi-granted.consented")" = "$(wc -c < "$T/qmi-nogrant.txt")" ] ||
  idg_fail "the masked QMI reply is not as long as the real one"
idg_ctl revoke --to "uid:0,exe:$PY_EXE" > /dev/null || idg_fail "revoke"

# --- a SIM swap: old and new values hidden, at once and once read -----------
OLD_imsi=$ID_imsi OLD_iccid=$ID_iccid
read_before=$(grep -c 'imsi now ###' "$T/broker.log" || true)
idg_sim_swap || idg_fail "swap"
$CLIENT "@$NAME" ATE0 AT+XLEAK > "$T/swap-now.txt" || idg_fail "no reply after the swap"
hidden "$T/swap-now.txt" "+XLEAK right after the swap"
$QMI > "$T/qmi-swap-now.txt" || idg_fail "no QMI reply after the swap"
hidden "$T/qmi-swap-now.txt" "DMS 0x5556 right after the swap"
# the backend reads the new IMSI (--debug logs "imsi now ###", never a value)
idg_wait_for 20 sh -c "[ \$(grep -c 'imsi now ###' '$T/broker.log') -gt $read_before ]" ||
  idg_fail "the broker did not read the new IMSI"
$CLIENT "@$NAME" ATE0 AT+XLEAK > "$T/swap-later.txt" || idg_fail "no reply after the swap (later)"
hidden "$T/swap-later.txt" "+XLEAK after the swap"
$QMI > "$T/qmi-swap-later.txt" || idg_fail "no QMI reply after the swap (later)"
hidden "$T/qmi-swap-later.txt" "DMS 0x5556 after the swap"
NEW_imsi=$ID_imsi NEW_iccid=$ID_iccid
ID_imsi=$OLD_imsi ID_iccid=$OLD_iccid
hidden "$T/swap-later.txt" "the previous SIM's values after the swap"
hidden "$T/qmi-swap-later.txt" "the previous SIM's values over QMI after the swap"
ID_imsi=$NEW_imsi ID_iccid=$NEW_iccid
hidden "$T/broker.log" "the broker's log"
idg_log "tripwire-door: pass"
