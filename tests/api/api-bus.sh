#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The API on a (private) system bus: the broker owns org.idguard.Broker1,
# idguardctl and libidguard reach it without --socket, callers are
# identified through the bus's GetConnectionCredentials (a grant to uid 0
# reads, the same token as uid 65534 is refused), and admin methods fail
# closed for non-root callers when polkit is not on the bus.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup api-bus "$@"
. "$IDG_SRC/tests/api/api-common.sh"
command -v dbus-daemon > /dev/null || idg_skip "dbus-daemon not installed"
[ -e /run/idguard/api.sock ] && idg_skip "a system broker's socket exists at /run/idguard/api.sock"

idg_system_bus "$T" || { cat "$T/dbus.log" >&2; idg_fail "dbus-daemon did not start"; }
chmod 0666 "$T/system_bus_socket"
DBUS_SYSTEM_BUS_ADDRESS=$IDG_BUS_ADDR
export DBUS_SYSTEM_BUS_ADDRESS
unset IDGUARD_SOCKET

api_start
bctl() { "$CTL_BIN" "$@"; }

idg_log "the broker owns org.idguard.Broker1 on the bus"
idg_wait_for 10 sh -c "'$CTL_BIN' status > /dev/null" ||
  { "$CTL_BIN" status; cat "$T/broker.log" >&2; idg_fail "idguardctl over the bus: no answer"; }
bctl --json status > "$T/status.json" || idg_fail "status over the bus"

idg_log "grant over the bus; read through libidguard over the bus"
bctl --json grant --to uid:0 --scope imei --purpose "bus test" > "$T/grant.json" || idg_fail "grant over the bus"
TOKEN=$(json_get "$T/grant.json" token)
printf '%s\n' "$TOKEN" | bctl get imei > "$T/bus-read.consented" 2> "$T/bus-read.err" ||
  { cat "$T/bus-read.err" >&2; idg_fail "read over the bus failed"; }
[ "$(cat "$T/bus-read.consented")" = "$ID_imei" ] || idg_fail "read over the bus: wrong value"

idg_log "uid 65534 over the bus: the token is refused, admin methods are not authorized"
printf '%s\n' "$TOKEN" | $NOBODY "$CTL_BIN" get imei > "$T/bus-nobody.consented" 2> "$T/bus-nobody.err"; rc=$?
[ $rc = 1 ] || { cat "$T/bus-nobody.err" >&2; idg_fail "uid 65534 with uid 0's token over the bus: exit $rc"; }
idg_expect_absent "$T/bus-nobody.consented" "$ID_imei" "imei to uid 65534"
expect_rc 1 bus-nobody-grants $NOBODY "$CTL_BIN" grants
grep -q "not authorized" "$T/bus-nobody-grants.err" || idg_fail "unclear error for a non-root admin call"

idg_log "requests over the bus: the requester claims"
$NOBODY "$CTL_BIN" --json request --scope imei --purpose "bus request" > "$T/req.json" || idg_fail "request over the bus"
REQ=$(json_get "$T/req.json" id)
bctl approve "$REQ" > "$T/approve.out" || idg_fail "approve over the bus"
$NOBODY "$CTL_BIN" --json claim "$REQ" > "$T/claim.json" || idg_fail "claim over the bus"
expect_rc 1 bus-claim-root bctl claim "$REQ"
idg_log "a setgid caller over the bus is identified (effective gid, as the kernel reports it)"
W=$(mktemp -d /tmp/idg-api-bus.XXXXXX)
chmod 0755 "$W"
cp "$(command -v gdbus)" "$W/gdbus"
chown root:root "$W/gdbus"
chmod 2755 "$W/gdbus"
$NOBODY "$W/gdbus" call --address "$DBUS_SYSTEM_BUS_ADDRESS" --dest org.idguard.Broker1 --object-path /org/idguard/Broker1 \
  --method org.idguard.Broker1.RequestConsent imei "setgid caller" > "$T/setgid-req.out" 2> "$T/setgid-req.err"; rc=$?
rm -rf "$W"
[ $rc = 0 ] || { cat "$T/setgid-req.err" >&2; idg_fail "a setgid caller over the bus was refused"; }
bctl --json requests > "$T/setgid-reqs.json" || idg_fail "requests over the bus"
grep -q '"setgid caller"' "$T/setgid-reqs.json" || idg_fail "the setgid caller's request is not listed"
echo "api-bus: pass"
