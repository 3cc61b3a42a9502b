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
  idg_system_bus "$W" || die "private system bus did not start (see $W/dbus.log)"
  BUS_ADDR=$IDG_BUS_ADDR
fi
