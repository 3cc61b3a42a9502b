#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A door with no modem behind it refuses at once and keeps its name: with
# the shipped config (no [modem] port), the real qmicli -p and mbimcli -p
# fail within seconds (the protocol's own refusal: QMI ACCESS_DENIED on the
# proxy open, MBIM FAILURE on the proxy configuration), not at their
# timeouts, and @qmi-proxy / @mbim-proxy stay held by idguardd, so libqmi
# and libmbim never find the names free (they would spawn the stock root
# proxy, or reach whoever bound them first). The same for the names the
# socket units hand over when the config names no door at all.
set -eu
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup packaging-door-no-modem "$@"

command -v systemd-socket-activate >/dev/null || idg_fail "systemd-socket-activate missing (package systemd)"
command -v ss >/dev/null || idg_fail "ss missing (package iproute2)"

# Elapsed whole seconds of "$@" (its exit status in $rc).
timed() {
  out=$1; shift
  s=$(date +%s)
  rc=0
  timeout 40 "$@" > "$out" 2>&1 || rc=$?
  elapsed=$(( $(date +%s) - s ))
}

# Both clients against whatever holds the names now; each must be refused
# (non-zero) in under 5 s with the door's refusal, not a timeout.
clients_refused() {
  timed "$T/$1-qmicli.out" qmicli -p -d /dev/null --device-open-qmi --dms-get-ids
  cat "$T/$1-qmicli.out"
  [ "$rc" != 0 ] || idg_fail "$1: qmicli -p succeeded through a door without a modem"
  [ "$elapsed" -lt 5 ] || idg_fail "$1: qmicli -p was held ${elapsed}s (rc=$rc) instead of refused"
  grep -qi "access.denied\|AccessDenied" "$T/$1-qmicli.out" ||
    idg_fail "$1: qmicli -p did not get the door's ACCESS_DENIED"
  timed "$T/$1-mbimcli.out" mbimcli -p -d /dev/null --query-device-caps
  cat "$T/$1-mbimcli.out"
  [ "$rc" != 0 ] || idg_fail "$1: mbimcli -p succeeded through a door without a modem"
  [ "$elapsed" -lt 5 ] || idg_fail "$1: mbimcli -p was held ${elapsed}s (rc=$rc) instead of refused"
  grep -qi "failure" "$T/$1-mbimcli.out" || idg_fail "$1: mbimcli -p did not get the door's FAILURE"
  # The names are still ours: neither the stock proxies nor anyone else
  # holds them after the refusals.
  ss -xlp > "$T/$1-ss.out"
  for name in qmi-proxy mbim-proxy; do
    grep -q "@$name .*\"$2\"" "$T/$1-ss.out" ||
      { cat "$T/$1-ss.out"; idg_fail "$1: @$name is not held by $2 after the refusals"; }
  done
  echo "$1: both doors refused at once and kept their names"
}

# 1. The shipped config, idguardd binding the names itself.
sh "$IDG_SRC/tests/packaging/shipped-config.sh" "$T" > "$T/idguard.conf"
mkdir -p "$T/state" "$T/run"; chmod 0700 "$T/state"
grep -q '^qmi=\|^mbim=' "$T/idguard.conf" && idg_fail "the shipped config names a modem port"
idg_bg "$T/broker.log" "$BROKER_BIN" --config "$T/idguard.conf" --foreground
idg_wait_for 10 grep -q "ready" "$T/broker.log" || { cat "$T/broker.log"; idg_fail "idguardd did not start on the shipped config"; }
clients_refused shipped idguardd
idg_cleanup; IDG_PIDS=""

# 2. The socket units' names handed over, the config naming no door: the
# handed-over names are served (refusing) all the same.
grep -v '^qmi-socket=\|^mbim-socket=' "$T/idguard.conf" > "$T/nodoor.conf"
rm -rf "$T/state"/* "$T/run"/*
idg_bg "$T/activate.log" systemd-socket-activate -l @qmi-proxy -l @mbim-proxy \
  --fdname=qmi-proxy:mbim-proxy "$BROKER_BIN" --config "$T/nodoor.conf" --foreground
idg_wait_for 5 grep -q "Listening on" "$T/activate.log" || { cat "$T/activate.log"; idg_fail "systemd-socket-activate not listening"; }
clients_refused handed-over "idguardd\|systemd-socket"
echo "door without a modem: pass"
