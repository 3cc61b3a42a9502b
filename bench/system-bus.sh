# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by bench/run.sh inside its private namespace: a private
# dbus-daemon configured as a system bus, as tests/api/api-bus.sh sets one
# up (<type>system</type>, Debian's default policy, idguardd's own policy
# from data/), listening on $W/system_bus_socket. Only the main broker is
# started with it (so it owns org.idguard.Broker1 there); the address is
# never exported, so the ModemManager baseline's private session bus
# (dbus-run-session) and everything else stay as they were. The daemon is
# an idg_bg process: idg_cleanup stops it with the rest. Sets BUS_ADDR, or
# leaves it empty when dbus-daemon is not installed.
BUS_ADDR=
if command -v dbus-daemon > /dev/null; then
  cat > "$W/bus.conf" <<EOC
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$W/system_bus_socket</listen>
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
  <include>$SRC/data/org.idguard.Broker1.conf</include>
</busconfig>
EOC
  idg_bg "$W/dbus.log" dbus-daemon --config-file="$W/bus.conf" --nofork --nopidfile
  idg_wait_for 10 test -S "$W/system_bus_socket" || die "private system bus did not start (see $W/dbus.log)"
  BUS_ADDR="unix:path=$W/system_bus_socket"
fi
