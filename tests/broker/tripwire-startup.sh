#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The QMI door at start-up. Until the broker has read the modem's
# identifiers it cannot recognise them in an answer no filter knows, so the
# door is given the port only after the first read: a client that opens
# the door the moment the broker starts waits for it. The simulator answers
# every message 300 ms late (fault qmi slow), so the broker's first read
# takes seconds. Three times: start the broker and at once ask the simulator's test-only DMS message 0x5556 (the
# IMSI as text, EF_IMSI as bytes, the ICCID as UTF-16LE; a route no filter
# knows) through the door; no form of the IMSI or ICCID may come back.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup tripwire-startup "$@"
. "$IDG_SRC/tests/broker/tripwire-forms.sh"

QMI="python3 $IDG_SRC/tests/broker/tripwire-qmi.py qmi-proxy $T/qmi"

idg_sim
idg_sim_ctl fault qmi slow || idg_fail "fault qmi slow"
idg_conf "qmi=$T/qmi" -- "qmi-socket=qmi-proxy"
for round in 1 2 3; do
  : > "$T/broker.log"
  idg_bg "$T/broker.log" "$BROKER_BIN" --config "$T/idguard.conf" --foreground --debug
  BROKER_PID=$LAST_PID
  # no wait for the API: the client is at the door before the broker has
  # read anything (it retries until the name is bound)
  idg_wait_for 15 sh -c "$QMI > '$T/start-$round.txt' 2> '$T/start-$round.err'" ||
    { cat "$T/start-$round.err" >&2; idg_fail "round $round: no QMI reply"; }
  hidden "$T/start-$round.txt" "round $round: DMS 0x5556 at start-up"
  idg_ctl status > "$T/status-$round.txt" || idg_fail "round $round: status"
  idg_expect_contains "$T/status-$round.txt" "qmi: ready" "round $round: the QMI modem ready"
  kill "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null || true
  hidden "$T/broker.log" "round $round: the broker's log"
done
idg_log "tripwire-startup: pass"
