#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Consent requests: a service (uid 65534) asks; it cannot claim before a
# decision; an admin approves; another identity cannot claim; the requester
# claims once and reads; a second claim is refused; the approver's token
# stops working at the claim; a denied request cannot be claimed; only an
# admin may list or decide; the exit codes on the way.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup api-requests "$@"
. "$IDG_SRC/tests/api/api-common.sh"
api_start

svc() { $NOBODY "$CTL_BIN" --socket "$T/run/api.sock" "$@"; }

# A Settings UI (root), a Settings UI of a member of the broker's group
# (uid 65534 with that group as a supplementary one) and a curious service
# (uid 65534) listen for the Admin1 signals.
WATCH="$IDG_BUILD/tests/api/api-watch"
idg_bg "$T/signals-admin.out" "$WATCH" "$T/run/api.sock" 20 3
WATCH_ADMIN=$LAST_PID
idg_bg "$T/signals-nobody.out" $NOBODY "$WATCH" "$T/run/api.sock" 6 1
WATCH_NOBODY=$LAST_PID
BROKER_GID=$(awk '/^Gid:/ { print $3 }' "/proc/$BROKER_PID/status")
idg_bg "$T/signals-member.out" setpriv --reuid 65534 --regid 65534 --groups "$BROKER_GID" \
  "$WATCH" "$T/run/api.sock" 20 3
idg_wait_for 10 grep -q ready "$T/signals-member.out" || idg_fail "api-watch (group member) not ready"
idg_wait_for 10 grep -q ready "$T/signals-admin.out" || idg_fail "api-watch (root) not ready"
idg_wait_for 10 grep -q ready "$T/signals-nobody.out" || idg_fail "api-watch (nobody) not ready"

idg_log "a service requests consent"
svc --json request --scope imei,imsi --purpose "carrier activation" > "$T/req.json" ||
  idg_fail "request failed"
REQ=$(json_get "$T/req.json" id)
[ -n "$REQ" ] || idg_fail "request: no id"
idg_ctl --json requests > "$T/requests.json" || idg_fail "requests failed"
python3 - "$T/requests.json" "$REQ" <<'PY' || idg_fail "requests does not list the pending request"
import json, sys
r = [x for x in json.load(open(sys.argv[1])) if x["id"] == sys.argv[2]]
assert r and r[0]["state"] == "pending" and r[0]["purpose"] == "carrier activation", r
assert "uid=65534" in r[0]["requester"], r
PY

idg_wait_for 10 grep -q "^RequestPending $REQ imei,imsi carrier activation" "$T/signals-admin.out" ||
  { cat "$T/signals-admin.out" >&2; idg_fail "no RequestPending signal for the Settings UI"; }

idg_log "not decided yet: the claim is refused"
expect_rc 1 claim-early svc claim "$REQ"
grep -q "not decided" "$T/claim-early.err" || idg_fail "claim before approval: unclear error"

idg_log "only an admin may approve or list"
expect_rc 1 approve-nobody svc approve "$REQ"
expect_rc 1 requests-nobody svc requests
grep -q "not authorized" "$T/requests-nobody.err" || idg_fail "unclear NotAuthorized error"

idg_log "approve; another identity cannot claim; the requester claims once"
idg_ctl --json approve "$REQ" --ttl 1h > "$T/approve.json" || idg_fail "approve failed"
[ -n "$(json_get "$T/approve.json" id)" ] && [ -n "$(json_get "$T/approve.json" token)" ] ||
  idg_fail "approve --json lacks id or token"
ADMIN_TOKEN=$(json_get "$T/approve.json" token)
idg_wait_for 10 grep -q "^GrantsChanged" "$T/signals-admin.out" ||
  { cat "$T/signals-admin.out" >&2; idg_fail "no GrantsChanged signal after approve"; }
idg_wait_for 10 grep -q "^GrantsChanged" "$T/signals-member.out" ||
  { cat "$T/signals-member.out" >&2; idg_fail "the broker's group member heard no GrantsChanged"; }
grep -q "^RequestPending $REQ imei,imsi carrier activation" "$T/signals-member.out" ||
  { cat "$T/signals-member.out" >&2; idg_fail "the broker's group member heard no RequestPending"; }
wait "$WATCH_NOBODY"; rc=$?
[ $rc = 1 ] || { cat "$T/signals-nobody.out" >&2; idg_fail "a non-root peer received admin signals"; }
grep -q "RequestPending" "$T/signals-nobody.out" && idg_fail "a non-root peer saw RequestPending"
expect_rc 1 claim-root idg_ctl claim "$REQ"
svc --json claim "$REQ" > "$T/claim.json" || idg_fail "the requester's claim failed"
TOKEN=$(json_get "$T/claim.json" token)
[ "$(json_get "$T/claim.json" id)" = "$(json_get "$T/approve.json" id)" ] || idg_fail "claim: another grant id"
expect_rc 1 claim-twice svc claim "$REQ"

idg_log "the requester reads with its token; nobody else does"
read_as req-read "$TOKEN" imei $NOBODY || { cat "$T/req-read.err" >&2; idg_fail "requester's read failed"; }
[ "$(cat "$T/req-read.consented")" = "$ID_imei" ] || idg_fail "requester's read: wrong value"
read_as req-root "$TOKEN" imei; rc=$?
[ $rc = 1 ] || idg_fail "root with the requester's token: exit $rc, expected 1"
read_as req-admin-token "$ADMIN_TOKEN" imei $NOBODY; rc=$?
[ $rc = 1 ] || idg_fail "the approver's token after the claim: exit $rc, expected 1"

idg_log "deny: the claim is refused"
svc --json request --scope msisdn --purpose "marketing" > "$T/req2.json" || idg_fail "request 2 failed"
REQ2=$(json_get "$T/req2.json" id)
idg_ctl deny "$REQ2" > "$T/deny.out" || idg_fail "deny failed"
expect_rc 1 claim-denied svc claim "$REQ2"
expect_rc 1 deny-again idg_ctl deny "$REQ2"
expect_rc 1 approve-unknown idg_ctl approve r-0000000000000000
expect_rc 2 request-badscope svc request --scope imei,bogus --purpose x
expect_rc 2 request-nopurpose svc request --scope imei

for k in imei imsi msisdn; do
  eval v=\$ID_$k
  for f in requests.json approve.json claim.json broker.log; do
    idg_expect_absent "$T/$f" "$v" "$k in $f"
  done
done
echo "api-requests: pass"
