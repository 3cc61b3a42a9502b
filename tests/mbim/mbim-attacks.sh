#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 12's attack classes through the real MBIM door, the real simulator
# and idguardd, with fresh random identifiers (tests/mbim/mbim-attack.py):
# one transaction id twice in flight, several AT lines, line editing and
# +CRSM slices in the Intel and Fibocom AT tunnels, two QMUX frames and
# trailing bytes in QMI inside MBIM, EF_IMSI/EF_ICCID read at every offset
# and length and the EF_MSISDN record through MS UICC Low Level Access.
# With policy redact and pseudonym a client without consent gets no
# identifier and no run of one; a consented client on the same door gets
# the real values; mbimcli and qmicli (QMI inside MBIM) keep working beside. Under redact the attacks
# run again after a SIM swap, on the new values.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup mbim-attacks "$@"

# the interpreter itself (a pyenv shim is a script): the grant's executable
PYTHON=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))') || idg_skip "python3 not found"
command -v mbimcli > /dev/null || idg_skip "mbimcli not installed"
ATTACK="$PYTHON $IDG_SRC/tests/mbim/mbim-attack.py"
SCOPES=imei,imeisv,esn,meid,imsi,iccid,eid,msisdn

m() { timeout 30 mbimcli -p -d "$T/mbim" "$@"; }

idg_sim
for policy in redact pseudonym; do
  idg_log "policy $policy"
  idg_broker_config "$policy"
  idg_broker
  idg_wait_for 20 m --query-device-caps || { cat "$T/broker.log" >&2; idg_fail "door never answered"; }

  idg_attack_round "$ATTACK" mbim-proxy "$T/mbim" "$policy"

  if [ "$policy" = redact ]; then
    idg_log "a SIM swap, then the attacks again on the new values"
    idg_sim_swap || idg_fail "swap failed"
    sleep 1
    $ATTACK denied mbim-proxy "$T/mbim" "$T/ids.consented" "$T/attack-swapped.out" "$policy" ||
      idg_fail "after a SIM swap: a client without consent got an identifier or the door misbehaved"
  fi
  # libqmi's own QMI-inside-MBIM client through the door: judged, filtered
  timeout 30 qmicli -p -d "$T/mbim" --device-open-mbim --dms-get-ids > "$T/qmicli-$policy.out" 2>&1 ||
    { cat "$T/qmicli-$policy.out" >&2; idg_fail "$policy: qmicli --device-open-mbim -p failed"; }
  idg_expect_contains "$T/qmicli-$policy.out" "IMEI: '" "an IMEI line"
  idg_expect_absent "$T/qmicli-$policy.out" "$ID_imei" "qmicli through QMI inside MBIM"
  m --query-subscriber-ready-status > "$T/mbimcli-$policy.out" 2>&1 ||
    idg_fail "$policy: mbimcli failed after the attacks"
  idg_expect_absent "$T/mbimcli-$policy.out" "$ID_imsi" "mbimcli after the attacks"
  kill -0 "$BROKER_PID" || idg_fail "idguardd died"
  kill -TERM "$BROKER_PID"
  idg_wait_for 10 sh -c "! kill -0 $BROKER_PID" || idg_fail "idguardd did not stop"
done
idg_log "pass"
