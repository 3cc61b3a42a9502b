#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The Settings UI signals on a (private) system bus with the shipped bus
# policy: a non-root user in the idguard group (a UI in a user session)
# hears RequestPending and GrantsChanged; a user outside it hears neither;
# hearing them gives the group member no admin method (no polkit on this
# bus: only root is authorized). The host need not have an idguard group:
# the policy's group is mapped to the group of uid 65534 (the only edit),
# and the UI runs as uid 65534, the outsider as uid 1 (daemon).
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup api-bus-signals "$@"
. "$IDG_SRC/tests/api/api-common.sh"
command -v dbus-daemon > /dev/null || idg_skip "dbus-daemon not installed"
[ -e /run/idguard/api.sock ] && idg_skip "a system broker's socket exists at /run/idguard/api.sock"

policy="$IDG_SRC/data/org.idguard.Broker1.conf"
[ "$(grep -c '<policy group="idguard">' "$policy")" = 1 ] ||
  idg_fail "the bus policy has no single <policy group=\"idguard\">"
ui_group=$(getent group 65534 | cut -d: -f1)
[ -n "$ui_group" ] || idg_skip "no group 65534 here"
sed "s|<policy group=\"idguard\">|<policy group=\"$ui_group\">|" "$policy" > "$T/policy.conf"
idg_system_bus "$T" "$T/policy.conf" || { cat "$T/dbus.log" >&2; idg_fail "dbus-daemon did not start"; }
chmod 0666 "$T/system_bus_socket"
chmod 0755 "$T"
DBUS_SYSTEM_BUS_ADDRESS=$IDG_BUS_ADDR
export DBUS_SYSTEM_BUS_ADDRESS
unset IDGUARD_SOCKET

UI="setpriv --reuid 65534 --regid 65534 --init-groups"
OUTSIDER="setpriv --reuid 1 --regid 1 --init-groups"
id -Gn 65534 | tr ' ' '\n' | grep -qx "$ui_group" || idg_skip "uid 65534 is not in $ui_group"
id -Gn 1 | tr ' ' '\n' | grep -qx "$ui_group" && idg_skip "uid 1 is in $ui_group"

api_start
idg_wait_for 10 sh -c "'$CTL_BIN' status > /dev/null" || { cat "$T/broker.log" >&2; idg_fail "broker not on the bus"; }

idg_bg "$T/ui.out" $UI sh -c "$(command -v gdbus) monitor --system --dest org.idguard.Broker1 --object-path /org/idguard/Broker1"
idg_bg "$T/outsider.out" $OUTSIDER sh -c "$(command -v gdbus) monitor --system --dest org.idguard.Broker1 --object-path /org/idguard/Broker1"
idg_wait_for 10 grep -q "Monitoring signals" "$T/ui.out" || { cat "$T/ui.out" >&2; idg_fail "the UI's monitor did not start"; }
idg_wait_for 10 grep -q "Monitoring signals" "$T/outsider.out" || { cat "$T/outsider.out" >&2; idg_fail "the outsider's monitor did not start"; }

# gdbus monitor says it is monitoring before the bus has its match rule:
# a loaded machine can lose the first signal. Up to three requests, each
# heard or not within 5 s; the outsider must hear none of them.
idg_log "a service asks (up to 3 times); root approves"
heard=0
for try in 1 2 3; do
  $NOBODY "$CTL_BIN" --json request --scope imei --purpose "bus signal test" > "$T/req.json" || idg_fail "request over the bus"
  REQ=$(json_get "$T/req.json" id)
  if idg_wait_for 5 grep -q "RequestPending.*'$REQ'" "$T/ui.out"; then heard=1; break; fi
done
[ "$heard" = 1 ] || { cat "$T/ui.out" >&2; idg_fail "the idguard group's UI did not hear RequestPending"; }
"$CTL_BIN" approve "$REQ" > "$T/approve.out" || idg_fail "approve over the bus"
idg_wait_for 10 grep -q "GrantsChanged" "$T/ui.out" ||
  { cat "$T/ui.out" >&2; idg_fail "the idguard group's UI did not hear GrantsChanged"; }
sleep 1
grep -q "RequestPending\|GrantsChanged" "$T/outsider.out" &&
  { cat "$T/outsider.out" >&2; idg_fail "a user outside the idguard group heard the admin signals"; }

idg_log "hearing is not deciding: the group member's admin calls are refused"
expect_rc 1 ui-grants $UI "$CTL_BIN" grants
grep -q "not authorized" "$T/ui-grants.err" || idg_fail "unclear error for the group member's admin call"
$NOBODY "$CTL_BIN" --json request --scope imsi --purpose "second" > "$T/req2.json" || idg_fail "second request"
expect_rc 1 ui-deny $UI "$CTL_BIN" deny "$(json_get "$T/req2.json" id)"
echo "api-bus-signals: pass"
