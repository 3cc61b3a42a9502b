#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every idguardctl command's --json output, from a real broker on the
# simulated modem, validates against its documented schema
# (data/schema/idguardctl-COMMAND.json, docs/api.md): objects with named
# fields, times ISO 8601 UTC, durations in seconds. Every command of the
# table (userspace/ctl/commands.json) has a schema and is run here. Also:
# a grant without --ttl says it never expires; [broker] default-ttl= gives
# such grants that ttl; the error document has its schema too.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup api-json-schema "$@"
. "$IDG_SRC/tests/api/api-common.sh"
python3 -c 'import jsonschema' 2>/dev/null || idg_fail "python3-jsonschema missing (make deps installs it)"
api_start

J="$T/json"
mkdir -p "$J"
svc() { $NOBODY "$CTL_BIN" --socket "$T/run/api.sock" "$@"; }
# out CMD ARGS...: idguardctl --json CMD ARGS into $J/CMD.json (the last
# run of a command is the one validated; earlier ones keep a suffix)
out() {
  cmd=$1
  [ -f "$J/$cmd.json" ] && mv "$J/$cmd.json" "$J/$cmd.$(date +%s%N).json"
  idg_ctl --json "$@" > "$J/$cmd.json" 2> "$T/$cmd.err" || { cat "$T/$cmd.err" >&2; idg_fail "$* --json failed"; }
}

idg_log "every command with --json"
out status
out ids
out grant --to uid:0 --scope imei,imsi --purpose "schema test" --ttl 1h
TOKEN=$(json_get "$J/grant.json" token)
GRANT=$(json_get "$J/grant.json" id)
printf '%s\n' "$TOKEN" > "$T/token.file"
chmod 600 "$T/token.file"
idg_ctl --json get imei --token-file "$T/token.file" > "$J/get.json.consented" || idg_fail "get --json failed"
out revoke "$GRANT"
out grant --to uid:4242 --scope iccid --purpose "no ttl"
idg_ctl grant --to uid:4243 --scope iccid --purpose "no ttl, text" > "$T/grant-text.out" || idg_fail "grant (text) failed"
out revoke --to uid:4243
svc --json request --scope imsi --purpose "schema request" > "$J/request.json" || idg_fail "request failed"
REQ=$(json_get "$J/request.json" id)
out requests
out approve "$REQ" --ttl 15m
svc --json claim "$REQ" > "$J/claim.json" || idg_fail "claim failed"
svc --json request --scope msisdn --purpose "to be denied" > "$T/req2.json" || idg_fail "request 2 failed"
out deny "$(json_get "$T/req2.json" id)"
out grants
idg_bg "$J/audit-follow.jsonl" "$CTL_BIN" --socket "$T/run/api.sock" --json audit --follow --since 1h
FOLLOW=$LAST_PID
out audit --since 1h
out report
idg_wait_for 10 test -s "$J/audit-follow.jsonl" || idg_fail "audit --follow --json printed nothing"
kill "$FOLLOW"
"$CTL_BIN" --socket "$T/run/nothing.sock" --json status > "$J/error.json" 2> /dev/null && idg_fail "unreachable broker: exit 0"
out reset --factory --yes

idg_log "the documents validate against their schemas"
python3 - "$IDG_SRC" "$J" <<'PY' || idg_fail "a --json document does not match its schema"
import glob, json, os, sys
import jsonschema
src, outdir = sys.argv[1], sys.argv[2]
table = json.load(open(os.path.join(src, "userspace/ctl/commands.json")))
schemas = os.path.join(src, "data/schema")
bad = []

def schema(name):
    with open(os.path.join(schemas, "idguardctl-%s.json" % name)) as f:
        s = json.load(f)
    jsonschema.Draft202012Validator.check_schema(s)
    return jsonschema.Draft202012Validator(s)

def check(name, path, doc):
    errors = sorted(schema(name).iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        bad.append("%s: %s at %s" % (os.path.basename(path), e.message, "/".join(map(str, e.path))))

for cmd in [c["name"] for c in table["commands"]]:
    files = sorted(glob.glob(os.path.join(outdir, cmd + ".*json*")))
    if not files:
        bad.append("%s: never run with --json here" % cmd)
    for path in files:
        if cmd == "audit" and "follow" in path:
            continue
        check(cmd, path, json.load(open(path)))
for line in open(os.path.join(outdir, "audit-follow.jsonl")):
    check("audit-record", "audit-follow.jsonl", json.loads(line))
check("error", "error.json", json.load(open(os.path.join(outdir, "error.json"))))
extra = set(os.path.basename(p)[len("idguardctl-"):-len(".json")] for p in glob.glob(os.path.join(schemas, "idguardctl-*.json")))
extra -= set(c["name"] for c in table["commands"]) | {"audit-record", "error"}
if extra:
    bad.append("schemas for no command: %s" % sorted(extra))
print("\n".join(bad) if bad else "all --json documents match their schemas")
sys.exit(1 if bad else 0)
PY

idg_log "a grant without --ttl says that it never expires"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ttl"] is None and d["expires"] is None, d' \
  "$J/grant.json" || idg_fail "grant without --ttl: ttl/expires not null"
grep -q "^expires  never" "$T/grant-text.out" || { cat "$T/grant-text.out" >&2; idg_fail "grant without --ttl does not say it never expires"; }

idg_log "[broker] default-ttl= gives grants without --ttl that ttl"
kill "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
sed -i 's/^policy=.*/&\ndefault-ttl=2h/' "$T/idguard.conf"
idg_broker
idg_ctl --json grant --to uid:4244 --scope imei --purpose "default ttl" > "$T/grant-default.json" || idg_fail "grant with default-ttl failed"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ttl"] == 7200 and d["expires"], d' \
  "$T/grant-default.json" || idg_fail "default-ttl=2h: the grant does not expire in 7200 s"
idg_ctl --json grant --to uid:4245 --scope imei --purpose "explicit ttl" --ttl 30m > "$T/grant-explicit.json" || idg_fail "grant --ttl 30m failed"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ttl"] == 1800, d' \
  "$T/grant-explicit.json" || idg_fail "an explicit --ttl did not win over default-ttl"
echo "api-json-schema: pass"
