#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The simulator's SIM swap announcement, as the broker's AT backend sees
# it: an AT-only idguardd (no QMI, no MBIM) on the simulated modem; after a
# swap (announced with +CPIN unsolicited codes, nobody reading through a
# door), a consented API reader gets the new IMSI within two seconds and
# never the old one.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup sim-at-broker "$@"

idg_sim
idg_conf "at=$T/at"
idg_broker
at_ready() { idg_ctl status | grep -q "at: ready"; }
idg_wait_for 10 at_ready || { idg_ctl status >&2; idg_fail "AT backend not ready"; }

CTL_EXE=$(readlink -f "$CTL_BIN")
idg_ctl --json grant --to "uid:0,exe:$CTL_EXE" --scope imsi --purpose "SIM swap reader" > "$T/grant.json" ||
  idg_fail "grant to idguardctl refused"
IDGUARD_TOKEN=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["token"])' "$T/grant.json")
export IDGUARD_TOKEN
idg_ctl get imsi > "$T/before.consented" || idg_fail "consented read refused"
idg_expect_contains "$T/before.consented" "$ID_imsi" "the IMSI before the swap"

old_imsi=$ID_imsi
idg_sim_swap || idg_fail "swap refused"
[ "$ID_imsi" != "$old_imsi" ] || idg_fail "the swap kept the IMSI"
# poll: every answer is kept; none may show the old IMSI
n=0
got_new() {
  n=$((n + 1))
  idg_ctl get imsi > "$T/poll-$n.consented" 2>&1 && grep -qF "$ID_imsi" "$T/poll-$n.consented"
}
idg_wait_for 2 got_new || { cat "$T/poll-$n.consented" >&2; idg_fail "the new IMSI not served 2 s after the swap"; }
if grep -lF "$old_imsi" "$T"/poll-*.consented > "$T/stale.txt"; then
  idg_fail "the old IMSI served after the swap ($(wc -l < "$T/stale.txt") of $n reads)"
fi
grep -q "SIM change" "$T/broker.log" || idg_fail "the backend did not take the unsolicited code for a SIM change"
echo "PASS ($n reads)"
