#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The fast path of api.sock (libidguard's reads, userspace/common/idg-api-frame.h):
# malformed frames end their connection and nothing else, a refused token
# is answered on a connection that stays; libidguard reads through it, and
# a child after fork() through a connection of its own; a client of another
# uid is held to the same per-uid connection budget as
# D-Bus peers.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup api-fast "$@"
. "$IDG_SRC/tests/api/api-common.sh"
READER="$IDG_BUILD/tests/api/api-reader"
api_start
grant_json keep --to uid:0 --scope imei --purpose "fast path test"
grep "^imei=" "$T/ids.consented" | cut -d= -f2 > "$T/expected-imei.consented"

python3 "$IDG_SRC/tests/api/api-fast.py" "$T/run/api.sock" "$IDG_SRC/tests/broker/core-corpus/api-frame" \
  > "$T/fast.log" 2>&1 || { cat "$T/fast.log" >&2; idg_fail "malformed frames"; }
cat "$T/fast.log" >&2
kill -0 "$BROKER_PID" || idg_fail "the broker died"

idg_log "libidguard reads through the fast path"
IDGUARD_SOCKET="$T/run/api.sock" IDGUARD_TOKEN=$TOKEN \
  "$READER" imei "$T/expected-imei.consented" 200 2 > "$T/reader.out" 2>&1 ||
  { cat "$T/reader.out" >&2; idg_fail "reads failed"; }
grep -q "wrong 0 " "$T/reader.out" || idg_fail "a read returned a wrong value"
grep -q "^reads 200 .*failed 0" "$T/reader.out" || { cat "$T/reader.out" >&2; idg_fail "reads failed"; }

idg_log "a child after fork() reads through a connection of its own"
IDGUARD_SOCKET="$T/run/api.sock" IDGUARD_TOKEN=$TOKEN \
  "$IDG_BUILD/tests/api/api-fork" imei "$T/expected-imei.consented" > "$T/fork.out" 2>&1 ||
  { cat "$T/fork.out" >&2; idg_fail "the parent's read failed"; }
idg_wait_for 10 grep -q "^child" "$T/fork.out" || { cat "$T/fork.out" >&2; idg_fail "the child never read"; }
grep -q "^child rc 0 same 1" "$T/fork.out" || { cat "$T/fork.out" >&2; idg_fail "the child's read failed"; }

idg_log "uid 65534 opens 40 fast connections: [api] connections-per-uid (32) holds"
$NOBODY /usr/bin/python3 "$IDG_SRC/tests/api/api-fast.py" "$T/run/api.sock" --hold 40 > "$T/hold.log" 2>&1 ||
  { cat "$T/hold.log" >&2; idg_fail "the hold client failed"; }
cat "$T/hold.log" >&2
grep -q "^held 32 closed 8$" "$T/hold.log" || idg_fail "the per-uid budget does not hold fast connections"

echo "api-fast: pass"
