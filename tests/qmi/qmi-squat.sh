#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Squatting: when another process already holds @qmi-proxy, idguardd says so
# in one clear line naming it, and exits non-zero, without serving anything.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup qmi-squat "$@"

idg_sim
idg_broker_config
# keep the MBIM and AT doors out of the way: only the QMI name is squatted
sed -i -e 's/^mbim-socket=.*/mbim-socket=/' -e 's/^at-socket=.*/at-socket=/' \
  -e 's/^at-link=.*/at-link=/' "$T/idguard.conf"

python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0qmi-proxy")
s.listen(1)
print("held", flush=True)
time.sleep(60)
' > "$T/squatter.out" 2>&1 &
SQUATTER=$!
IDG_PIDS="$IDG_PIDS $SQUATTER"
idg_wait_for 10 grep -q held "$T/squatter.out" || idg_fail "squatter did not start"

rc=0
timeout 30 "$BROKER_BIN" --config "$T/idguard.conf" --foreground > "$T/broker.out" 2> "$T/broker.err" || rc=$?
cat "$T/broker.err" >&2
[ "$rc" != 0 ] || idg_fail "idguardd started although @qmi-proxy was held"
[ "$rc" != 124 ] || idg_fail "idguardd kept running although @qmi-proxy was held"
idg_expect_contains "$T/broker.err" "@qmi-proxy is already held by another process (pid $SQUATTER); refusing to start" \
  "the squatting line"
[ "$(grep -c 'qmi-proxy' "$T/broker.err")" = 1 ] || idg_fail "not one clear line about @qmi-proxy"
idg_log "pass"
