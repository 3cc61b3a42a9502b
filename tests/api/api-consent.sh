#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Consent through the service API and idguardctl, on the real broker and the
# real simulator: refused without a grant (exit 1); the simulator's value
# with a grant and its token; refused for a process the selector does not
# match (another uid, another executable); refused once expired; refused at
# once after revoke; every read audited, never with the value.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup api-consent "$@"
. "$IDG_SRC/tests/api/api-common.sh"
api_start

idg_log "no grant: refused"
grant_json other --to uid:4242 --scope imei --purpose "someone else"
read_as nogrant "$TOKEN" imei; rc=$?
[ $rc = 1 ] || idg_fail "read with another uid's token: exit $rc, expected 1"
idg_expect_absent "$T/nogrant.consented" "$ID_imei" "imei without a grant"
read_as garbage "idg1_0000" imei; rc=$?
[ $rc = 1 ] || idg_fail "read with a bogus token: exit $rc, expected 1"

# audit --follow, as an admin would leave it running
idg_bg "$T/follow.json" "$CTL_BIN" --socket "$T/run/api.sock" --json audit --follow --since now

idg_log "grant to uid 0: the simulator's values"
grant_json root --to uid:0 --scope imei,imsi,iccid,msisdn --purpose "api test" --ttl 1h
for k in imei imsi iccid msisdn; do
  read_as "get-$k" "$TOKEN" "$k" || { cat "$T/get-$k.err" >&2; idg_fail "get $k with grant failed"; }
  eval want=\$ID_$k
  [ "$(cat "$T/get-$k.consented")" = "$want" ] || idg_fail "get $k: wrong value"
done
read_as outscope "$TOKEN" eid; rc=$?
[ $rc = 1 ] || idg_fail "eid is outside the grant's scopes: exit $rc, expected 1"
# the token from the environment and from a file, too
IDGUARD_TOKEN=$TOKEN idg_ctl get imei > "$T/env.consented" || idg_fail "get with \$IDGUARD_TOKEN failed"
[ "$(cat "$T/env.consented")" = "$ID_imei" ] || idg_fail "get with \$IDGUARD_TOKEN: wrong value"
umask 077; printf '%s\n' "$TOKEN" > "$T/token.file"
idg_ctl get imsi --token-file "$T/token.file" > "$T/file.consented" || idg_fail "get --token-file failed"
[ "$(cat "$T/file.consented")" = "$ID_imsi" ] || idg_fail "get --token-file: wrong value"
idg_ctl --json get iccid < "$T/token.file" > "$T/json.consented" || idg_fail "get --json failed"
[ "$(json_get "$T/json.consented" value)" = "$ID_iccid" ] || idg_fail "get --json: wrong value"

idg_log "same token, another uid: refused"
read_as otheruid "$TOKEN" imei $NOBODY; rc=$?
[ $rc = 1 ] || { cat "$T/otheruid.err" >&2; idg_fail "uid 65534 with uid 0's token: exit $rc, expected 1"; }
idg_expect_absent "$T/otheruid.consented" "$ID_imei" "imei to another uid"

idg_log "exe selector: another executable with the right token is refused"
grant_json exe --to "uid:0,exe:$CTL_BIN" --scope imei --purpose "exe test"
cp "$CTL_BIN" "$T/other-idguardctl"
read_as exe-right "$TOKEN" imei || { cat "$T/exe-right.err" >&2; idg_fail "the granted executable was refused"; }
[ "$(cat "$T/exe-right.consented")" = "$ID_imei" ] || idg_fail "exe grant: wrong value"
printf '%s\n' "$TOKEN" | LD_LIBRARY_PATH="$IDG_BUILD/userspace/lib" "$T/other-idguardctl" \
  --socket "$T/run/api.sock" get imei > "$T/exe-other.consented" 2> "$T/exe-other.err"; rc=$?
[ $rc = 1 ] || { cat "$T/exe-other.err" >&2; idg_fail "a copy of the executable: exit $rc, expected 1"; }
idg_expect_absent "$T/exe-other.consented" "$ID_imei" "imei to another executable"

# (4s: expiry counts from the whole second the grant was made in, and on a
# loaded machine the grant, two json_get and the read took 1.5 s)
idg_log "expiry: a 4s grant works, then is refused"
grant_json short --to uid:0 --scope imsi --purpose "short" --ttl 4s
read_as short-ok "$TOKEN" imsi || idg_fail "fresh 4s grant refused"
sleep 5
read_as short-late "$TOKEN" imsi; rc=$?
[ $rc = 1 ] || idg_fail "expired grant: exit $rc, expected 1"
idg_expect_absent "$T/short-late.consented" "$ID_imsi" "imsi after expiry"

idg_log "revoke: refused at once"
grant_json rev --to uid:0 --scope iccid --purpose "revoke me"
read_as rev-ok "$TOKEN" iccid || idg_fail "grant to be revoked refused"
idg_ctl revoke "$GRANT" > "$T/revoke.out" || idg_fail "revoke failed"
read_as rev-late "$TOKEN" iccid; rc=$?
[ $rc = 1 ] || idg_fail "revoked grant: exit $rc, expected 1"
idg_ctl --json grants > "$T/grants.json" || idg_fail "grants failed"
python3 - "$T/grants.json" "$GRANT" <<'PY' || idg_fail "grants does not show the revoked grant as revoked"
import json, sys
g = [x for x in json.load(open(sys.argv[1])) if x["id"] == sys.argv[2]]
assert g and g[0]["state"] == "revoked", g
PY
idg_ctl revoke --to uid:0 > "$T/revoke-to.out" || idg_fail "revoke --to failed"
read_as revto "$(json_get "$T/root.json" token)" imei; rc=$?
[ $rc = 1 ] || idg_fail "grant revoked with --to: exit $rc, expected 1"

idg_log "audit --follow shows the reads as they happen"
idg_wait_for 10 grep -q '"decision" *: *"release"' "$T/follow.json" ||
  { cat "$T/follow.json" >&2; idg_fail "audit --follow printed no release"; }
python3 - "$T/follow.json" <<'PY' || idg_fail "audit --follow --json: not one JSON object per line"
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)
PY

idg_log "audit and report: releases and refusals through door api, no values"
idg_ctl --json audit --since 10m > "$T/audit.json" || idg_fail "audit failed"
idg_ctl audit > "$T/audit.txt" || idg_fail "audit (table) failed"
idg_ctl --json report > "$T/report.json" || idg_fail "report failed"
idg_ctl report > "$T/report.txt" || idg_fail "report (table) failed"
python3 - "$T/audit.json" "$T/report.json" <<'PY' || idg_fail "audit/report incomplete"
import json, sys
recs = json.load(open(sys.argv[1]))
api = [r for r in recs if r["door"] == "api"]
assert any(r["decision"] == "release" and r["kind"] == "imei" for r in api), api
assert any(r["decision"] == "refuse" and r["kind"] == "imei" for r in api), api
assert any(r["decision"] == "refuse" and r.get("reason") for r in api), api
rows = json.load(open(sys.argv[2]))
assert any(r["kind"] == "imei" and r["released"] > 0 and r["refused"] > 0 for r in rows), rows
PY
for k in imei imsi iccid msisdn; do
  eval v=\$ID_$k
  for f in audit.json audit.txt report.json report.txt broker.log; do
    idg_expect_absent "$T/$f" "$v" "$k in $f"
  done
  idg_expect_absent "$T/follow.json" "$v" "$k in audit --follow"
done

idg_log "reset --factory without a terminal: refused without --yes, wipes every grant with it"
grant_json last --to uid:0 --scope imei --purpose "before reset"
read_as before-reset "$TOKEN" imei || idg_fail "read before reset"
expect_rc 2 reset-no-yes idg_ctl reset --factory < /dev/null
grep -q "^idguardctl: reset: .*--yes" "$T/reset-no-yes.err" || { cat "$T/reset-no-yes.err" >&2; idg_fail "reset without --yes: no line naming --yes"; }
read_as after-refused-reset "$TOKEN" imei || idg_fail "reset --factory without --yes wiped the grants"
idg_ctl --json reset --factory --yes < /dev/null > "$T/reset.json" || idg_fail "reset --factory --yes failed"
read_as after-reset "$TOKEN" imei; rc=$?
[ $rc = 1 ] || idg_fail "a grant survived reset --factory: exit $rc"
idg_ctl --json grants > "$T/grants-reset.json" || idg_fail "grants after reset"
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/grants-reset.json")" = 0 ] ||
  idg_fail "grants remain after reset --factory"
expect_rc 2 reset-noflag idg_ctl reset
echo "api-consent: pass"
