# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the integration tests (POSIX sh). Source it with
#   . "$IDG_SRC/tests/tools/lib.sh"; idg_setup NAME "$@"
# idg_setup re-executes the test in a private network namespace (its own
# abstract socket names: @qmi-proxy of one test never meets another's) and
# gives it a fresh directory $T under $IDG_BUILD/test-logs/NAME. Everything
# written there is scanned for identifier leaks by tests/tools/leakscan.sh;
# files a test writes from a consented read must end in .consented.

: "${IDG_BUILD:?IDG_BUILD not set (run through meson test)}"
: "${IDG_SRC:?IDG_SRC not set}"

SIM_BIN="$IDG_BUILD/userspace/sim/idguard-modem-sim"
BROKER_BIN="$IDG_BUILD/userspace/broker/idguardd"
CTL_BIN="$IDG_BUILD/userspace/ctl/idguardctl"
IDG_PIDS=""

idg_log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
idg_fail() { echo "FAIL: $*" >&2; exit 1; }
idg_skip() { echo "SKIP: $*" >&2; exit 77; }

idg_cleanup() {
  for p in $IDG_PIDS; do kill -TERM "$p" 2>/dev/null || true; done
  for p in $IDG_PIDS; do
    i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$p" 2>/dev/null || true
  done
}

idg_setup() {
  name=$1; shift
  if [ -z "${IDG_IN_NETNS:-}" ]; then
    [ "$(id -u)" = 0 ] || idg_skip "needs root for unshare -n"
    IDG_IN_NETNS=1 exec unshare -n sh "$0" "$@"
  fi
  ip link set lo up 2>/dev/null || true
  T="$IDG_BUILD/test-logs/$name"
  rm -rf "$T"; mkdir -p "$T"
  trap 'idg_cleanup' EXIT
  trap 'exit 1' INT TERM
  python3 "$IDG_SRC/tests/tools/gen-ids.py" > "$T/ids.consented"
  # shellcheck disable=SC2046
  eval $(sed 's/^\([a-z]*\)=\(.*\)$/ID_\1="\2"/' "$T/ids.consented")
}

# idg_bg LOGFILE CMD...: start in the background, remember the pid.
idg_bg() {
  log=$1; shift
  "$@" > "$log" 2>&1 &
  IDG_PIDS="$IDG_PIDS $!"
  LAST_PID=$!
}

# idg_wait_for SECONDS CMD...: poll until CMD succeeds.
idg_wait_for() {
  secs=$1; shift
  i=0
  while ! "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -gt $((secs * 10)) ] && return 1
    sleep 0.1
  done
  return 0
}

# idg_sim [extra args]: simulated modem with QMI, MBIM and AT ptys, linked as
# $T/qmi, $T/mbim, $T/at, the ids of $T/ids.consented, control socket
# $T/sim.ctl; waits for its "ready".
idg_sim() {
  : > "$T/sim.log"   # never take an earlier simulator's 'ready' for this one's
  idg_bg "$T/sim.log" "$SIM_BIN" --qmi "$T/qmi" --mbim "$T/mbim" --at "$T/at" \
    --ids "$T/ids.consented" --control "$T/sim.ctl" "$@"
  SIM_PID=$LAST_PID
  idg_wait_for 10 grep -q '^ready' "$T/sim.log" || { cat "$T/sim.log" >&2; idg_fail "simulator not ready"; }
}

# idg_broker_config [policy]: writes $T/idguard.conf for the simulator.
idg_broker_config() {
  mkdir -p "$T/state" "$T/run"
  cat > "$T/idguard.conf" <<EOC
[broker]
state-dir=$T/state
runtime-dir=$T/run
policy=${1:-redact}
[modem]
qmi=$T/qmi
mbim=$T/mbim
at=$T/at
[proxy]
qmi-socket=qmi-proxy
mbim-socket=mbim-proxy
at-socket=idguard-at
at-link=$T/at-door
EOC
}

# idg_broker: start idguardd on $T/idguard.conf, wait for its API socket.
idg_broker() {
  [ -f "$T/idguard.conf" ] || idg_broker_config
  idg_bg "$T/broker.log" "$BROKER_BIN" --config "$T/idguard.conf" --foreground --debug
  BROKER_PID=$LAST_PID
  idg_wait_for 15 idg_ctl status || { cat "$T/broker.log" >&2; idg_fail "broker not up"; }
}

idg_ctl() { "$CTL_BIN" --socket "$T/run/api.sock" "$@"; }

# idg_expect_contains FILE STRING / idg_expect_absent FILE STRING
idg_expect_contains() { grep -qF -- "$2" "$1" || { cat "$1" >&2; idg_fail "$1 lacks '$3'"; }; }
idg_expect_absent() { ! grep -qF -- "$2" "$1" || idg_fail "$1 holds a value it must not ($3)"; }

# idg_sim_ctl COMMAND...: one line to the simulator's control socket
# ($T/sim.ctl); fails unless the reply is "ok" (the reply goes to stderr).
idg_sim_ctl() {
  _r=$(printf '%s\n' "$*" | socat - "UNIX-CONNECT:$T/sim.ctl") || return 1
  [ "$_r" = ok ] || { echo "sim control: $_r" >&2; return 1; }
}

# idg_sim_swap: a SIM swap to fresh random imsi/iccid/msisdn/eid. The new
# lines are appended to $T/ids.consented (the simulator takes the last value
# of a key; leakscan keeps checking the old ones too), "swap" is sent, and
# $ID_imsi, $ID_iccid, $ID_msisdn, $ID_eid take the new values.
idg_sim_swap() {
  python3 "$IDG_SRC/tests/tools/gen-ids.py" | grep '^\(imsi\|iccid\|msisdn\|eid\)=' > "$T/swap-new.consented"
  cat "$T/swap-new.consented" >> "$T/ids.consented"
  # shellcheck disable=SC2046
  eval $(sed 's/^\([a-z]*\)=\(.*\)$/ID_\1="\2"/' "$T/swap-new.consented")
  idg_sim_ctl swap
}

# idg_conf [MODEM_KEY=VALUE...] [-- PROXY_KEY=VALUE...]: writes
# $T/idguard.conf with the test's state and runtime directories ($T/state,
# $T/run, created), policy=${IDG_POLICY:-redact}, and only the [modem] keys
# (e.g. "at=$T/at") and, after "--", the [proxy] keys given: a broker on
# some of the simulator's ports. idg_broker then starts it.
idg_conf() {
  mkdir -p "$T/state" "$T/run"
  {
    printf '[broker]\nstate-dir=%s\nruntime-dir=%s\npolicy=%s\n[modem]\n' \
      "$T/state" "$T/run" "${IDG_POLICY:-redact}"
    for _kv in "$@"; do
      if [ "$_kv" = -- ]; then echo '[proxy]'; else printf '%s\n' "$_kv"; fi
    done
  } > "$T/idguard.conf"
}
# idg_broker_config_bare: $T/idguard.conf with [broker] only (no modem, no
# door), for tests of the consent store and the API alone.
idg_broker_config_bare() {
  mkdir -p "$T/state" "$T/run"
  cat > "$T/idguard.conf" <<EOC
[broker]
state-dir=$T/state
runtime-dir=$T/run
policy=redact
EOC
}

# idg_system_bus DIR: a private dbus-daemon configured as a system bus
# (Debian's default policy plus idguard's own from data/), listening on
# DIR/system_bus_socket; an idg_bg process, so cleanup stops it. Sets
# IDG_BUS_ADDR; non-zero (log in DIR/dbus.log) if it does not come up.
# A second argument names another policy file in place of data/'s.
idg_system_bus() {
  cat > "$1/bus.conf" <<EOC
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$1/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <!-- the default policy of Debian's system.conf -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include>${2:-$IDG_SRC/data/org.idguard.Broker1.conf}</include>
</busconfig>
EOC
  idg_bg "$1/dbus.log" dbus-daemon --config-file="$1/bus.conf" --nofork --nopidfile
  idg_wait_for 10 test -S "$1/system_bus_socket" || return 1
  IDG_BUS_ADDR="unix:path=$1/system_bus_socket"
}

# idg_attack_round ATTACK DOOR PORT POLICY: one policy's round of a door's
# attack client (tests/{qmi,mbim}/*-attack.py, run by $PYTHON): without
# consent it must find no identifier; with a grant of $SCOPES to its
# interpreter, every real value; the grant is revoked again after.
idg_attack_round() {
  $1 denied "$2" "$3" "$T/ids.consented" "$T/attack-$4.out" "$4" ||
    idg_fail "$4: a client without consent got an identifier or the door misbehaved"
  idg_ctl grant --to "uid:0,exe:$PYTHON" --scope "$SCOPES" --purpose "attack test" > "$T/grant-$4.out" 2>&1 ||
    { cat "$T/grant-$4.out" >&2; idg_fail "grant failed"; }
  $1 consented "$2" "$3" "$T/ids.consented" "$T/attack-$4.consented" "$4" ||
    idg_fail "$4: a consented client did not get the real values"
  idg_ctl revoke --to "uid:0,exe:$PYTHON" > "$T/revoke-$4.out" 2>&1 || idg_fail "revoke failed"
}
