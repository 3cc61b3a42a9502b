#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The consent store through the real broker and the real CLI:
#  - grants (and revocations) survive a clean broker restart;
#  - a broker killed with SIGKILL in the middle of 1,000 grant/revoke
#    operations loses no acknowledged grant and resurrects no acknowledged
#    revocation;
#  - reset --factory wipes grants, requests and the pseudonym secret, and
#    that too survives a restart.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup core-persist "$@"

idg_broker_config_bare

restart() {
  kill -TERM "$BROKER_PID" 2>/dev/null
  i=0
  while kill -0 "$BROKER_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  kill -0 "$BROKER_PID" 2>/dev/null && idg_fail "broker did not stop on SIGTERM"
  mv "$T/broker.log" "$T/broker.log.$(date +%s%N)"
  idg_broker
}

grants_json() { idg_ctl --json grants > "$T/$1.json" || idg_fail "grants ($1) failed"; }

# state_of FILE ID: active|revoked|expired|absent
state_of() {
  python3 - "$1" "$2" <<'PY'
import json, sys
g = [x for x in json.load(open(sys.argv[1])) if x["id"] == sys.argv[2]]
print(g[0]["state"] if g else "absent")
PY
}

idg_broker

idg_log "restart: grants and revocations persist"
idg_ctl --json grant --to uid:4242,exe:/usr/bin/keep --scope imei,imsi --purpose "keep me" > "$T/keep.json" ||
  idg_fail "grant failed"
idg_ctl --json grant --to uid:4243 --scope iccid --purpose "revoke me" > "$T/gone.json" ||
  idg_fail "grant failed"
KEEP=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/keep.json")
GONE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/gone.json")
idg_ctl revoke "$GONE" > /dev/null || idg_fail "revoke failed"
restart
grants_json after-restart
[ "$(state_of "$T/after-restart.json" "$KEEP")" = active ] || idg_fail "grant lost over a restart"
[ "$(state_of "$T/after-restart.json" "$GONE")" = revoked ] || idg_fail "revoked grant came back after a restart"
# the token is never on disk, only its hash
TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$T/keep.json")
! grep -rqF "${TOKEN#idg1_}" "$T/state" || idg_fail "a token is stored in the clear"

idg_log "SIGKILL in the middle of 1,000 grant/revoke operations"
KILL_AT=$(python3 -c 'import random; print(random.randint(150, 850))')
# The driver acknowledges an operation in $T/acks only once the CLI said so.
: > "$T/acks"
python3 - "$CTL_BIN" "$T/run/api.sock" "$T/acks" <<'PY' &
import random, subprocess, sys, json
ctl, sock, acks = sys.argv[1:4]
active = []
with open(acks, "w", buffering=1) as out:
    for i in range(1000):
        if active and random.random() < 0.4:
            gid = active.pop(random.randrange(len(active)))
            r = subprocess.run([ctl, "--socket", sock, "revoke", gid],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if r.returncode != 0:
                break
            out.write("R %s\n" % gid)
        else:
            r = subprocess.run([ctl, "--socket", sock, "--json", "grant", "--to",
                                "uid:%d,exe:/usr/bin/svc%d" % (10000 + i, i),
                                "--scope", "imei", "--purpose", "crash test"],
                               capture_output=True, text=True)
            if r.returncode != 0:
                break
            gid = json.loads(r.stdout)["id"]
            active.append(gid)
            out.write("G %s\n" % gid)
PY
DRIVER=$!
i=0
while [ "$(wc -l < "$T/acks" 2>/dev/null || echo 0)" -lt "$KILL_AT" ]; do
  kill -0 "$DRIVER" 2>/dev/null || idg_fail "driver stopped before the kill point"
  sleep 0.05
  i=$((i + 1))
  [ $i -lt 6000 ] || idg_fail "driver too slow"
done
kill -KILL "$BROKER_PID"
wait "$DRIVER" 2>/dev/null
idg_log "killed after $(wc -l < "$T/acks") acknowledged operations (kill point $KILL_AT)"
mv "$T/broker.log" "$T/broker.log.killed"
idg_broker
grants_json after-kill
python3 - "$T/after-kill.json" "$T/acks" <<'PY' || idg_fail "the store lost an acknowledged operation"
import json, sys
grants = {g["id"]: g for g in json.load(open(sys.argv[1]))}
granted, revoked = set(), set()
for line in open(sys.argv[2]):
    op, gid = line.split()
    (granted if op == "G" else revoked).add(gid)
lost = [g for g in granted if g not in grants]
back = [g for g in revoked if grants.get(g, {}).get("state") != "revoked"]
assert not lost, "acknowledged grants lost: %r" % lost[:5]
assert not back, "acknowledged revocations undone: %r" % back[:5]
print("checked %d grants, %d revocations" % (len(granted), len(revoked)))
PY

idg_log "reset --factory wipes grants, requests and the secret"
cp "$T/state/secret" "$T/secret.before"
idg_ctl request --scope imei --purpose "asked before reset" > /dev/null || idg_fail "request failed"
idg_ctl reset --factory --yes > "$T/reset.out" || idg_fail "reset --factory failed"
grants_json after-reset
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/after-reset.json")" = 0 ] ||
  idg_fail "grants left after reset --factory"
cmp -s "$T/secret.before" "$T/state/secret" && idg_fail "pseudonym secret not replaced by reset"
restart
grants_json after-reset-restart
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/after-reset-restart.json")" = 0 ] ||
  idg_fail "grants came back after reset and restart"
idg_ctl --json requests > "$T/requests.json" || idg_fail "requests failed"
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/requests.json")" = 0 ] ||
  idg_fail "requests left after reset --factory"
rm -f "$T/secret.before"
idg_log "PASS"
