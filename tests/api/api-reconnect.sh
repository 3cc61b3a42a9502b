#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# libidguard keeps one connection to the broker per process, shared by its
# threads, and makes it again by itself after a broker restart: a service
# that reads in a loop needs no reconnect code of its own.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup api-reconnect "$@"
. "$IDG_SRC/tests/api/api-common.sh"
READER="$IDG_BUILD/tests/api/api-reader"
api_start
grant_json keep --to uid:0 --scope imei --purpose "reconnect test"
grep "^imei=" "$T/ids.consented" | cut -d= -f2 > "$T/expected-imei.consented"

# sockets_of PID: the unix sockets the process holds
sockets_of() { find "/proc/$1/fd" -lname 'socket:*' 2> /dev/null | wc -l; }

idg_log "4 threads reading every 20 ms across a broker restart"
IDG_READ_PAUSE_MS=20 IDGUARD_SOCKET="$T/run/api.sock" IDGUARD_TOKEN=$TOKEN \
  "$READER" imei "$T/expected-imei.consented" 2000 4 > "$T/reader.out" 2>&1 &
reader=$!
idg_wait_for 10 sh -c "[ \$(find /proc/$reader/fd -lname 'socket:*' 2>/dev/null | wc -l) -ge 1 ]" ||
  idg_fail "the reader never connected"
sleep 1
n=$(sockets_of $reader)
[ "$n" = 1 ] || idg_fail "the reader's 4 threads hold $n sockets, expected 1 (one connection per process)"

kill -TERM "$BROKER_PID"
wait "$BROKER_PID" 2> /dev/null
sleep 0.5
idg_broker
idg_wait_for 20 sh -c "'$CTL_BIN' --socket '$T/run/api.sock' --json status | grep -q '\"imei\"'" ||
  idg_fail "the restarted broker did not read the identifiers"
kill -0 $reader 2> /dev/null || idg_fail "the reader ended before the broker was back: make it read longer"
wait $reader
idg_log "$(cat "$T/reader.out")"
grep -q "wrong 0 " "$T/reader.out" || idg_fail "a read returned a wrong value"
grep -q "last-failed 0" "$T/reader.out" || idg_fail "reads still failed after the broker came back"
grep -q "^reads 2000 " "$T/reader.out" || idg_fail "the reader did not finish its reads"
# reads during the restart fail (broker unreachable, then identifier not
# yet read from the modem); none after it
echo "api-reconnect: pass"
