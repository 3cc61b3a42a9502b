#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Squatting: another process holds @mbim-proxy before idguardd starts; the
# broker says so in one clear line and exits non-zero.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup mbim-squat "$@"

idg_sim
idg_broker_config
idg_bg "$T/squatter.log" python3 -c '
import socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0mbim-proxy"); s.listen(1); print("bound", flush=True); time.sleep(60)'
idg_wait_for 10 grep -q bound "$T/squatter.log" || idg_fail "squatter did not bind"
rc=0
timeout 20 "$BROKER_BIN" --config "$T/idguard.conf" --foreground > "$T/broker.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || idg_fail "idguardd ran although @mbim-proxy was taken"
[ "$rc" != 124 ] || idg_fail "idguardd did not exit"
idg_expect_contains "$T/broker.log" "@mbim-proxy is already held by another process" "the squatting message"
idg_log "pass (exit $rc)"
