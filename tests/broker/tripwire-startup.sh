#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The QMI and AT doors at start-up. Until the broker has read the modem's
# identifiers it cannot recognise them in an answer no filter knows, so the
# QMI door is given the port only after the first read, and the AT door
# reads no client line before it: a client that opens the door the moment
# the broker starts waits for it. The simulator answers
# every message 300 ms late (fault qmi slow), so the broker's first read
# takes seconds. Three times: start the broker and at once ask the simulator's test-only DMS message 0x5556 (the
# IMSI as text, EF_IMSI as bytes, the ICCID as UTF-16LE; a route no filter
# knows) through the door; no form of the IMSI or ICCID may come back.
# Then three times the same through the AT door with the test-only
# AT+XLEAK (the IMSI in free text, EF_IMSI and EF_ICCID as hex).
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup tripwire-startup "$@"
. "$IDG_SRC/tests/broker/tripwire-forms.sh"

# rounds DOOR CLIENT: three times, the broker started and at once CLIENT
# (a command line) through DOOR; no form of the IMSI or ICCID in its
# answer or the broker's log, and the modem ready by the end. No wait for
# the API: the client is at the door before the broker has read anything
# (it retries until the name is bound).
rounds() {
  for round in 1 2 3; do
    : > "$T/broker.log"
    idg_bg "$T/broker.log" "$BROKER_BIN" --config "$T/idguard.conf" --foreground --debug
    BROKER_PID=$LAST_PID
    idg_wait_for 15 sh -c "$2 > '$T/$1-start-$round.txt' 2> '$T/$1-start-$round.err'" ||
      { cat "$T/$1-start-$round.err" >&2; idg_fail "$1 round $round: no reply"; }
    [ -s "$T/$1-start-$round.txt" ] || idg_fail "$1 round $round: an empty reply"
    hidden "$T/$1-start-$round.txt" "$1 round $round: the reply at start-up"
    idg_ctl status > "$T/$1-status-$round.txt" || idg_fail "$1 round $round: status"
    idg_expect_contains "$T/$1-status-$round.txt" "$1: ready" "$1 round $round: the modem ready"
    kill "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null || true
    hidden "$T/broker.log" "$1 round $round: the broker's log"
  done
}

idg_sim
idg_sim_ctl fault qmi slow || idg_fail "fault qmi slow"
idg_conf "qmi=$T/qmi" -- "qmi-socket=qmi-proxy"
rounds qmi "python3 $IDG_SRC/tests/broker/tripwire-qmi.py qmi-proxy $T/qmi"

idg_sim_ctl fault qmi normal || idg_fail "fault qmi normal"
idg_sim_ctl fault at slow || idg_fail "fault at slow"
idg_conf "at=$T/at" -- "at-socket=idguard-at-startup"
rounds at "python3 $IDG_SRC/tests/at/at-client.py @idguard-at-startup ATE0 AT+XLEAK"
idg_expect_contains "$T/at-start-1.txt" "+XLEAK: " "the AT reply"
idg_log "tripwire-startup: pass"
