#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Socket activation: @qmi-proxy bound by a socket manager (here
# systemd-socket-activate, as the systemd socket unit does from early boot)
# and handed to idguardd, which serves it instead of binding it (binding it
# would fail: the name is taken).
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup qmi-door-activation "$@"
command -v systemd-socket-activate > /dev/null || idg_skip "systemd-socket-activate not installed"

idg_sim
idg_conf "qmi=$T/qmi" -- qmi-socket=qmi-proxy
idg_bg "$T/broker.log" systemd-socket-activate -l @qmi-proxy --fdname=qmi-proxy \
  "$BROKER_BIN" --config "$T/idguard.conf" --foreground --debug
# qmicli spawns the stock qmi-proxy if nobody listens: wait for the name
idg_wait_for 10 grep -q ' @qmi-proxy$' /proc/net/unix || idg_fail "@qmi-proxy not bound by the socket manager"

q() { timeout 30 qmicli -p -d "$T/qmi" --device-open-qmi "$@"; }
idg_wait_for 30 q --dms-get-ids || { cat "$T/broker.log" >&2; idg_fail "activated door never answered"; }
q --dms-get-ids > "$T/ids.out" 2>&1 || idg_fail "--dms-get-ids failed"
idg_expect_contains "$T/ids.out" "IMEI: '" "an IMEI line"
idg_expect_absent "$T/ids.out" "$ID_imei" "ids.out"
idg_expect_absent "$T/broker.log" "already held" "broker.log"
# the backend reads the identifiers beside the door's traffic: ready soon
status_ready() { idg_ctl status > "$T/status.out" 2>&1 && grep -q "qmi: ready" "$T/status.out"; }
idg_wait_for 10 status_ready || true
idg_expect_contains "$T/status.out" "qmi: ready" "the QMI modem ready"
idg_log "pass"
