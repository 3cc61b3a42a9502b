#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 12's attack classes through the real QMI door, the real simulator
# and idguardd, with fresh random identifiers (tests/qmi/qmi-attack.py):
# one transaction id twice in flight, a second frame in one write, trailing
# bytes, EF_IMSI/EF_ICCID read at every offset and length, the EF_MSISDN
# record at every length. With policy redact and pseudonym a client without
# consent gets no identifier and no run of one; a consented client on the
# same door gets the real bytes; qmicli keeps working beside.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup qmi-door-attacks "$@"

# the interpreter itself (a pyenv shim is a script): the grant's executable
PYTHON=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))') || idg_skip "python3 not found"
ATTACK="$PYTHON $IDG_SRC/tests/qmi/qmi-attack.py"
SCOPES=imei,imeisv,esn,meid,imsi,iccid,eid,msisdn

q() { timeout 30 qmicli -p -d "$T/qmi" --device-open-qmi "$@"; }

idg_sim
for policy in redact pseudonym; do
  idg_log "policy $policy"
  idg_broker_config "$policy"
  idg_broker
  idg_wait_for 20 q --dms-get-ids || { cat "$T/broker.log" >&2; idg_fail "door never answered"; }

  idg_attack_round "$ATTACK" qmi-proxy "$T/qmi" "$policy"

  q --uim-read-transparent=0x3F00,0x7FFF,0x6F07 > "$T/qmicli-$policy.out" 2>&1 ||
    idg_fail "$policy: qmicli's EF_IMSI read failed after the attacks"
  kill -0 "$BROKER_PID" || idg_fail "idguardd died"
  kill -TERM "$BROKER_PID"
  idg_wait_for 10 sh -c "! kill -0 $BROKER_PID" || idg_fail "idguardd did not stop"
done
idg_log "pass"
