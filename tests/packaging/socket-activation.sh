#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The socket units' hand-over, without systemd as PID 1:
# systemd-socket-activate binds @qmi-proxy and @mbim-proxy exactly as
# idguard-qmi-proxy.socket / idguard-mbim-proxy.socket do (ListenStream=,
# FileDescriptorName= read from the units themselves) and starts idguardd on
# the first connection with those fds. The real qmicli -p and mbimcli -p
# then work through the broker and see no real identifier (no grant). Had
# idguardd ignored the fds and bound the names itself, it would find them
# taken (by its own inherited fds) and refuse to start: the clients would
# fail.
set -eu
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup packaging-socket-activation "$@"

command -v systemd-socket-activate >/dev/null || idg_fail "systemd-socket-activate missing (package systemd)"
[ -x "$SIM_BIN" ] || idg_fail "$SIM_BIN not built"

# What the units bind and how they name it.
unit_value() { sed -n "s/^$2=//p" "$IDG_SRC/systemd/$1"; }
qmi_listen=$(unit_value idguard-qmi-proxy.socket ListenStream)
qmi_name=$(unit_value idguard-qmi-proxy.socket FileDescriptorName)
mbim_listen=$(unit_value idguard-mbim-proxy.socket ListenStream)
mbim_name=$(unit_value idguard-mbim-proxy.socket FileDescriptorName)
[ "$qmi_listen" = "@qmi-proxy" ] && [ "$mbim_listen" = "@mbim-proxy" ] ||
  idg_fail "socket units listen on '$qmi_listen' / '$mbim_listen'"

idg_sim
idg_broker_config
# The shipped config's door names must be the fd names (idguardd matches
# them): take them from systemd/idguard.conf, not from lib.sh.
shipped_qmi=$(sed -n 's/^qmi-socket=//p' "$IDG_SRC/systemd/idguard.conf")
shipped_mbim=$(sed -n 's/^mbim-socket=//p' "$IDG_SRC/systemd/idguard.conf")
[ "$shipped_qmi" = "$qmi_name" ] && [ "$shipped_mbim" = "$mbim_name" ] ||
  idg_fail "idguard.conf names the doors '$shipped_qmi'/'$shipped_mbim', the units '$qmi_name'/'$mbim_name'"
sed -i -e "s/^qmi-socket=.*/qmi-socket=$shipped_qmi/" -e "s/^mbim-socket=.*/mbim-socket=$shipped_mbim/" \
  "$T/idguard.conf"

idg_bg "$T/broker.log" systemd-socket-activate \
  -l "$qmi_listen" -l "$mbim_listen" --fdname="$qmi_name:$mbim_name" \
  "$BROKER_BIN" --config "$T/idguard.conf" --foreground --debug
idg_wait_for 5 grep -q "Listening on" "$T/broker.log" || { cat "$T/broker.log"; idg_fail "systemd-socket-activate not listening"; }

# The first connection starts idguardd with the two fds.
rc=0
timeout 30 qmicli -p -d "$T/qmi" --device-open-qmi --dms-get-ids > "$T/qmicli.out" 2>&1 || rc=$?
cat "$T/qmicli.out"
[ "$rc" = 0 ] || { cat "$T/broker.log"; idg_fail "qmicli -p through the handed-over @qmi-proxy failed (rc=$rc)"; }
grep -q "IMEI" "$T/qmicli.out" || idg_fail "qmicli printed no IMEI line"
idg_expect_absent "$T/qmicli.out" "$ID_imei" "real IMEI without a grant"

rc=0
timeout 30 mbimcli -p -d "$T/mbim" --query-device-caps > "$T/mbimcli.out" 2>&1 || rc=$?
cat "$T/mbimcli.out"
[ "$rc" = 0 ] || { cat "$T/broker.log"; idg_fail "mbimcli -p through the handed-over @mbim-proxy failed (rc=$rc)"; }
grep -q "Device ID" "$T/mbimcli.out" || idg_fail "mbimcli printed no Device ID"
idg_expect_absent "$T/mbimcli.out" "$ID_imei" "real IMEI without a grant"

# Both doors were served from the inherited fds (no bind of their own).
grep -q "already held" "$T/broker.log" && idg_fail "idguardd tried to bind a name it was handed"
echo "socket activation: pass"
