#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The D-Bus API itself, spoken by a plain client (dbus-send, peer to peer):
# malformed arguments get named errors with a clear message; admin methods
# refuse a non-root caller (no polkit here: fail closed); the Version
# property; a second broker cannot take the socket; a stale socket left by
# a killed broker is taken over; idguardctl's exit codes for usage and an
# unreachable broker.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup api-dbus "$@"
. "$IDG_SRC/tests/api/api-common.sh"
api_start

ADDR="unix:path=$T/run/api.sock"
dsend() { dbus-send --peer="$ADDR" --print-reply /org/idguard/Broker1 "$@"; }

# expect_error NAME ERROR-NAME TEXT CMD...: CMD fails with that D-Bus error
# and a message containing TEXT.
expect_error() {
  name=$1 err=$2 text=$3; shift 3
  "$@" > "$T/$name.out" 2>&1 && { cat "$T/$name.out" >&2; idg_fail "$name: succeeded"; }
  grep -q "$err" "$T/$name.out" || { cat "$T/$name.out" >&2; idg_fail "$name: not $err"; }
  grep -q -- "$text" "$T/$name.out" || { cat "$T/$name.out" >&2; idg_fail "$name: message lacks '$text'"; }
}

idg_log "malformed arguments"
expect_error wrongtype org.freedesktop.DBus.Error.InvalidArgs "(say)" \
  dsend org.idguard.Broker1.GetIdentifier int32:42
expect_error emptytoken org.idguard.Error.InvalidArgument "token" \
  dsend org.idguard.Broker1.GetIdentifier string:imei array:byte:
expect_error badkind org.idguard.Error.InvalidArgument "unknown identifier kind" \
  dsend org.idguard.Broker1.GetIdentifier string:imeiX array:byte:0x41
expect_error badtoken org.idguard.Error.Refused "" \
  dsend org.idguard.Broker1.GetIdentifier string:imei array:byte:0x41,0x42
expect_error badselector org.idguard.Error.InvalidArgument "selector" \
  dsend org.idguard.Admin1.Grant string:uid:zz string:imei string:x uint64:0
expect_error badscope org.idguard.Error.InvalidArgument "scopes" \
  dsend org.idguard.Admin1.Grant string:uid:0 string:imeiX string:x uint64:0
expect_error emptypurpose org.idguard.Error.InvalidArgument "purpose" \
  dsend org.idguard.Admin1.Grant string:uid:0 string:imei string: uint64:0
# what the deciding user reads must be what was asked: no bidi override
# (U+202E), no C1 control (U+0085), no zero-width joiner (U+200D)
for c in '\342\200\256' '\302\205' '\342\200\215'; do
  expect_error badpurpose org.idguard.Error.InvalidArgument "purpose" \
    dsend org.idguard.Broker1.RequestConsent string:imei "string:carrier $(printf "$c")noitavitca"
done
expect_error longpurpose org.idguard.Error.InvalidArgument "purpose" \
  dsend org.idguard.Broker1.RequestConsent string:imei "string:$(head -c 300 /dev/zero | tr '\0' x)"
expect_error longselector org.idguard.Error.InvalidArgument "selector longer" \
  dsend org.idguard.Admin1.Grant "string:exe:/$(head -c 9000 /dev/zero | tr '\0' a)" string:imei string:x uint64:0
expect_error hugettl org.idguard.Error.InvalidArgument "ttl" \
  dsend org.idguard.Admin1.Grant string:uid:0 string:imei string:x uint64:18446744073709551615
expect_error badid org.idguard.Error.InvalidArgument "malformed" \
  dsend org.idguard.Admin1.Revoke "string:../../etc"
expect_error unknownid org.idguard.Error.NotFound "" \
  dsend org.idguard.Admin1.Revoke string:g-0000000000000000
expect_error pendingbad org.idguard.Error.NotFound "" \
  dsend org.idguard.Broker1.ClaimToken string:r-0000000000000000
expect_error nomethod org.freedesktop.DBus.Error.UnknownMethod "" \
  dsend org.idguard.Admin1.Nope
dsend org.freedesktop.DBus.Properties.Get string:org.idguard.Broker1 string:Version > "$T/version.out" ||
  idg_fail "Version property"
grep -q "uint32 1" "$T/version.out" || idg_fail "Version is not 1"

idg_ctl --json audit > "$T/audit.json" || idg_fail "audit"
python3 - "$T/audit.json" <<'PY' || idg_fail "malformed reads are not audited"
import json, sys
recs = [r for r in json.load(open(sys.argv[1])) if r["door"] == "api" and r["decision"] == "refuse"]
assert any(r["reason"] == "unknown kind" for r in recs), recs
assert any(r["reason"] == "malformed token" for r in recs), recs
PY

idg_log "admin methods: uid 0 only without polkit (fail closed)"
for m in Status ListGrants ListRequests Report ListIdentifiers FactoryReset; do
  expect_error "nobody-$m" org.idguard.Error.NotAuthorized "not authorized" \
    $NOBODY dbus-send --peer="$ADDR" --print-reply /org/idguard/Broker1 org.idguard.Admin1.$m
done
expect_error nobody-grant org.idguard.Error.NotAuthorized "org.idguard.grant" \
  $NOBODY dbus-send --peer="$ADDR" --print-reply /org/idguard/Broker1 org.idguard.Admin1.Grant \
  string:uid:65534 string:all string:self uint64:0
expect_rc 1 ctl-nobody-grant $NOBODY "$CTL_BIN" --socket "$T/run/api.sock" grant --to uid:65534 --scope all --purpose self
idg_ctl --json grants > "$T/grants-after.json" || idg_fail "grants"
grep -q "uid:65534" "$T/grants-after.json" && idg_fail "a non-root caller made a grant"

idg_log "idguardctl exit codes and one-line errors"
expect_rc 2 usage-nocmd idg_ctl
expect_rc 2 usage-unknown idg_ctl frobnicate
expect_rc 2 usage-kind sh -c "echo tok | '$CTL_BIN' --socket '$T/run/api.sock' get bogus"
expect_rc 2 usage-ttl idg_ctl grant --to uid:0 --scope imei --purpose x --ttl 5y
expect_rc 2 usage-selector idg_ctl grant --to user:root --scope imei --purpose x
expect_rc 2 usage-notoken sh -c "'$CTL_BIN' --socket '$T/run/api.sock' get imei < /dev/null"
expect_rc 0 help idg_ctl --help
expect_rc 3 unreachable "$CTL_BIN" --socket "$T/run/nothing.sock" status
expect_rc 3 unreachable-get sh -c "echo tok | '$CTL_BIN' --socket '$T/run/nothing.sock' get imei"
expect_rc 3 unreachable-json "$CTL_BIN" --json --socket "$T/run/nothing.sock" status
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["error"]["exit"] == 3' \
  "$T/unreachable-json.out" || idg_fail "--json error document"
[ "$(wc -l < "$T/unreachable.err")" = 1 ] || idg_fail "error is not one line"
IDGUARD_SOCKET="$T/run/api.sock" "$CTL_BIN" status > "$T/env-socket.out" || idg_fail "\$IDGUARD_SOCKET ignored"

idg_log "a client that connects and never authenticates: others are served, it is cut off"
python3 - "$T/run/api.sock" > "$T/silent.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
t = time.time()
s.settimeout(30)
try:
    data = s.recv(100)
except socket.timeout:
    data = None
print("closed" if data == b"" else "open", int(time.time() - t))
PY
SILENT=$!
sleep 1
idg_ctl status > /dev/null || idg_fail "a silent client blocked the API"
wait $SILENT
grep -q "^closed" "$T/silent.out" || { cat "$T/silent.out" >&2; idg_fail "a silent client was never cut off"; }

idg_log "a second broker cannot take the socket"
mkdir -p "$T/state2"
sed "s|^state-dir=.*|state-dir=$T/state2|; /^\[modem\]/,\$d" "$T/idguard.conf" > "$T/second.conf"
timeout 20 "$BROKER_BIN" --config "$T/second.conf" --foreground > "$T/second.log" 2>&1 && idg_fail "second broker started"
grep -q "api.sock" "$T/second.log" || { cat "$T/second.log" >&2; idg_fail "second broker: unclear error"; }
idg_ctl status > /dev/null || idg_fail "the first broker lost its socket"

idg_log "a broker with no modem: a granted read is 'not known', exit 1"
mkdir -p "$T/state3" "$T/run3"
printf '[broker]\nstate-dir=%s\nruntime-dir=%s\npolicy=redact\n' "$T/state3" "$T/run3" > "$T/nomodem.conf"
idg_bg "$T/nomodem.log" "$BROKER_BIN" --config "$T/nomodem.conf" --foreground
idg_wait_for 15 "$CTL_BIN" --socket "$T/run3/api.sock" status || { cat "$T/nomodem.log" >&2; idg_fail "modemless broker"; }
"$CTL_BIN" --socket "$T/run3/api.sock" --json grant --to uid:0 --scope imei --purpose x > "$T/nomodem-grant.json" ||
  idg_fail "grant on the modemless broker"
printf '%s\n' "$(json_get "$T/nomodem-grant.json" token)" |
  "$CTL_BIN" --socket "$T/run3/api.sock" get imei > "$T/nomodem-get.out" 2> "$T/nomodem-get.err"; rc=$?
[ $rc = 1 ] || idg_fail "read with no modem: exit $rc, expected 1"
grep -q "not known" "$T/nomodem-get.err" || { cat "$T/nomodem-get.err" >&2; idg_fail "read with no modem: unclear error"; }

idg_log "kill -9: the stale socket is taken over by the next broker"
grant_json persist --to uid:0 --scope imsi --purpose "survives kill -9"
kill -9 "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
[ -S "$T/run/api.sock" ] || idg_fail "expected a stale socket after kill -9"
idg_broker
idg_ctl status > /dev/null || idg_fail "restarted broker does not answer"
idg_wait_for 20 sh -c "'$CTL_BIN' --socket '$T/run/api.sock' --json status | grep -q '\"imsi\"'" ||
  idg_fail "restarted broker did not read the modem"
read_as persisted "$TOKEN" imsi || { cat "$T/persisted.err" >&2; idg_fail "an acknowledged grant did not survive kill -9"; }
[ "$(cat "$T/persisted.consented")" = "$ID_imsi" ] || idg_fail "read after restart: wrong value"
echo "api-dbus: pass"
