#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Pending requests do not live for ever, and a restart does not revive
# them: with [requests] expire-after=3s, a request made before the broker
# stopped for longer than that is expired as soon as it starts again (its
# creation time is in the store); one made after the restart expires on
# its own timer; both are listed as expired, can no longer be approved or
# claimed, and the broker says how many expired.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup hostile-request-expiry "$@"
. "$IDG_SRC/tests/api/api-common.sh"

idg_broker_config_bare
printf '[requests]\nexpire-after=3s\n' >> "$T/idguard.conf"
idg_broker

svc() { $NOBODY "$CTL_BIN" --socket "$T/run/api.sock" "$@"; }
state_of() {
  idg_ctl --json requests > "$T/requests.json" || idg_fail "requests failed"
  python3 -c 'import json,sys; print([r["state"] for r in json.load(open(sys.argv[1])) if r["id"] == sys.argv[2]][0])' \
    "$T/requests.json" "$1"
}

svc --json request --scope imei --purpose "before the restart" > "$T/a.json" || idg_fail "request failed"
A=$(json_get "$T/a.json" id)
[ "$(state_of "$A")" = pending ] || idg_fail "a new request is not pending"

idg_log "stop the broker for longer than the request lifetime"
kill -TERM "$BROKER_PID"
i=0
while kill -0 "$BROKER_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$BROKER_PID" 2>/dev/null && idg_fail "broker did not stop on SIGTERM"
mv "$T/broker.log" "$T/broker-1.log"
sleep 3.5
idg_broker
[ "$(state_of "$A")" = expired ] || idg_fail "a request older than its lifetime came back as $(state_of "$A") after a restart"
svc --json request --scope imsi --purpose "after the restart" > "$T/b.json" || idg_fail "request failed"
B=$(json_get "$T/b.json" id)
[ "$(state_of "$B")" = pending ] || idg_fail "a new request is not pending"

idg_log "a request made now expires on its own (3 s)"
ok=0
for t in $(seq 1 60); do
  [ "$(state_of "$B")" = expired ] && { ok=1; break; }
  sleep 0.1
done
[ $ok = 1 ] || { cat "$T/requests.json" >&2; idg_fail "the request did not expire: $(state_of "$B")"; }

expect_rc 1 approve-expired idg_ctl approve "$A"
grep -q "expired" "$T/approve-expired.err" || { cat "$T/approve-expired.err" >&2; idg_fail "approving an expired request: unclear error"; }
expect_rc 1 claim-expired svc claim "$B"
idg_expect_contains "$T/broker.log" "request(s) expired undecided" "the expiry logged"
echo "hostile-request-expiry: pass"
