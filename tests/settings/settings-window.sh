#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# idguard-settings in a real window: Xvfb, a session bus with the AT-SPI
# accessibility bus, the broker and the simulated modem on a private system
# bus. A real service (idguardctl as uid 65534 in the cgroup of a system
# unit, chat-sync.service) asks for consent; settings-window.py answers the
# prompt through the accessibility tree (dogtail), the service claims its
# token and reads, a switch on the services page revokes, the agent mode
# prompts alone; screenshots at phone and desktop size land in the test's
# log directory (and, with IDG_SETTINGS_SHOTS=DIR, in DIR).
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup settings-window "$@"
. "$IDG_SRC/tests/api/api-common.sh"

APP="$IDG_BUILD/userspace/settings/idguard-settings"
[ -x "$APP" ] || idg_skip "idguard-settings is not built (meson feature 'settings')"
for tool in Xvfb dbus-daemon setpriv; do
  command -v "$tool" > /dev/null || idg_skip "$tool not installed"
done
# dogtail and PyGObject are Debian's: the system's python3, whatever is on PATH
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$PY" -c 'import dogtail, gi' 2> /dev/null || idg_skip "python3-dogtail not installed"
[ -e /run/idguard/api.sock ] && idg_skip "a system broker's socket exists at /run/idguard/api.sock"

# the service's unit: a cgroup named like a system service, where cgroup v2
# is writable; otherwise the service is known by its program and uid alone.
# The broker names the unit after the leading slices, so a slice of this
# run's own keeps concurrent runs (another checkout's make check) apart.
CG_ROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
UNIT=chat-sync.service
SLICE=
CG=
if [ -n "$CG_ROOT" ] && mkdir -p "$CG_ROOT/idg-settings-$$.slice/$UNIT" 2> /dev/null; then
  SLICE="$CG_ROOT/idg-settings-$$.slice"
  CG="$SLICE/$UNIT"
else
  UNIT=
fi
settings_cleanup() {
  idg_cleanup
  [ -z "$CG" ] || rmdir "$CG" "$SLICE" 2> /dev/null || true
}
trap 'settings_cleanup' EXIT

idg_system_bus "$T" || { cat "$T/dbus.log" >&2; idg_fail "dbus-daemon did not start"; }
chmod 0666 "$T/system_bus_socket"
DBUS_SYSTEM_BUS_ADDRESS=$IDG_BUS_ADDR
export DBUS_SYSTEM_BUS_ADDRESS
unset IDGUARD_SOCKET
api_start

# the service: idguardctl as uid 65534 in the unit's cgroup
cat > "$T/service" <<EOS
#!/bin/sh
[ -z "$CG" ] || echo \$\$ > "$CG/cgroup.procs"
exec setpriv --reuid 65534 --regid 65534 --clear-groups "$CTL_BIN" "\$@"
EOS
chmod 0755 "$T/service"

# a display and a session bus (the accessibility bus is activated on it)
mkdir -p "$T/xdg" "$T/home"
chmod 0700 "$T/xdg"
: > "$T/display"
Xvfb -displayfd 5 -screen 0 1280x800x24 -nolisten tcp 5> "$T/display" > "$T/xvfb.log" 2>&1 &
IDG_PIDS="$IDG_PIDS $!"
idg_wait_for 15 grep -q '[0-9]' "$T/display" || { cat "$T/xvfb.log" >&2; idg_fail "Xvfb did not start"; }
DISPLAY=:$(head -n 1 "$T/display")
# exported before the session bus starts: the accessibility bus it
# activates puts its socket in XDG_RUNTIME_DIR (else in $HOME/.cache, which
# another test run would share)
XDG_RUNTIME_DIR="$T/xdg" HOME="$T/home" GSETTINGS_BACKEND=memory GDK_BACKEND=x11
GTK_A11Y=atspi NO_AT_BRIDGE=0 LANG=C.UTF-8
export DISPLAY XDG_RUNTIME_DIR HOME GSETTINGS_BACKEND GDK_BACKEND GTK_A11Y NO_AT_BRIDGE LANG
idg_bg "$T/session-bus.log" dbus-daemon --session --nofork --nopidfile \
  --address="unix:path=$T/session_bus_socket"
idg_wait_for 10 test -S "$T/session_bus_socket" || idg_fail "session bus did not start"
DBUS_SESSION_BUS_ADDRESS="unix:path=$T/session_bus_socket"
export DBUS_SESSION_BUS_ADDRESS

"$PY" "$IDG_SRC/tests/settings/settings-window.py" "$APP" "$T" "$T/service" "$UNIT" \
  > "$T/window.log" 2>&1 || { cat "$T/window.log" >&2; idg_fail "the window test failed"; }
cat "$T/window.log" >&2
if [ -n "${IDG_SETTINGS_SHOTS:-}" ]; then
  mkdir -p "$IDG_SETTINGS_SHOTS"
  cp "$T"/settings-*.png "$IDG_SETTINGS_SHOTS/"
fi
echo "settings-window: pass"
