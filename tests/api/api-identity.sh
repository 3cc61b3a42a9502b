#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Identity that cannot be borrowed (docs/threat-model.md, "What each
# selector item protects against"):
#  - a grant stored with exe: alone (before that was refused) loads, is
#    shown inert with a warning in `grants` and `status` (and --json), and
#    matches no one: not with its token, not through the QMI door; an old
#    request with such a selector cannot be approved;
#  - a new exe:-only grant is refused, by idguardctl and by the D-Bus API;
#    `grant --uid USER` completes it;
#  - uid 65534 holding a stolen token of a uid:0,exe:/usr/bin/qmicli grant
#    is refused when it runs the real qmicli with LD_PRELOAD of its own
#    library, and when it points its /proc/self/exe at qmicli with
#    PR_SET_MM_MAP in a user namespace of its own (api-borrow-exe), whose
#    audit record then does not name qmicli;
#  - with a token of a uid:65534,exe:/usr/bin/qmicli grant the user
#    namespace trick is refused too: the broker does not believe the exe
#    of a process in another user namespace, on the API nor on the QMI
#    door (the real qmicli run in a user namespace is redacted).
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup api-identity "$@"
. "$IDG_SRC/tests/api/api-common.sh"
QMICLI=$(readlink -f "$(command -v qmicli)") || idg_skip "qmicli not installed"
CTL_EXE=$(readlink -f "$CTL_BIN")

# the attacker's tools where uid 65534 can read them
W=$(mktemp -d /tmp/idg-api-identity.XXXXXX)
trap 'rm -rf "$W"; idg_cleanup' EXIT
chmod 0755 "$W"
cp "$IDG_BUILD/tests/api/api-borrow-exe" "$IDG_BUILD/tests/api/libapi-preload.so" "$W/"
chmod 0755 "$W/api-borrow-exe" "$W/libapi-preload.so"

# --- a store from before the rule: grants with exe: alone ---------------
OLD_TOKEN="idg1_$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
OLD_HASH=$(printf %s "$OLD_TOKEN" | sha256sum | cut -d' ' -f1)
NOW=$(date +%s)
mkdir -p "$T/state"
chmod 0700 "$T/state"
cat > "$T/state/store.json" <<EOS
{"version":1,"generation":1,"grants":[
{"id":"g-00000000000000e1","selector":"exe:$CTL_EXE","scopes":"imei,imsi","purpose":"stored before the rule","created":$NOW,"expires":0,"revoked":false,"revoked-at":0,"token-hash":"$OLD_HASH","request":null},
{"id":"g-00000000000000e2","selector":"exe:$QMICLI","scopes":"imei","purpose":"stored before the rule","created":$NOW,"expires":0,"revoked":false,"revoked-at":0,"token-hash":null,"request":null}],
"requests":[
{"id":"r-00000000000000e3","selector":"exe:/usr/bin/old","requester":"uid=0","service":"exe:/usr/bin/old","scopes":"imei","purpose":"old request","state":"pending","created":$NOW,"decided":0,"grant":null}]}
EOS
chmod 0600 "$T/state/store.json"
api_start

idg_log "stored exe:-only grants: inert, with a warning in grants and status"
idg_ctl grants > "$T/grants.out" 2> "$T/grants.err" || idg_fail "grants failed"
grep -q "g-00000000000000e1 *inert" "$T/grants.out" || { cat "$T/grants.out" >&2; idg_fail "stored exe:-only grant not shown inert"; }
grep -q "warning: grant g-00000000000000e1: .*matches no one" "$T/grants.err" ||
  { cat "$T/grants.err" >&2; idg_fail "grants: no warning for the exe:-only grant"; }
grep -q "warning: grant g-00000000000000e2" "$T/grants.err" || idg_fail "grants: second exe:-only grant not warned about"
idg_ctl --json grants > "$T/grants.json" || idg_fail "grants --json failed"
python3 - "$T/grants.json" <<'PY' || idg_fail "grants --json: warning field"
import json, sys
rows = {r["id"]: r for r in json.load(open(sys.argv[1]))}
assert rows["g-00000000000000e1"]["state"] == "inert", rows
assert "matches no one" in rows["g-00000000000000e1"]["warning"], rows
assert "matches no one" in rows["g-00000000000000e2"]["warning"], rows
PY
idg_ctl status > "$T/status.out" || idg_fail "status failed"
grep -q "^grants-exe-alone: 2$" "$T/status.out" || { cat "$T/status.out" >&2; idg_fail "status: no count of exe:-only grants"; }
grep -q "^warning: 2 grant(s) inert" "$T/status.out" || { cat "$T/status.out" >&2; idg_fail "status: no warning"; }
grep -q "^grants-active: 0$" "$T/status.out" || idg_fail "status counts an inert grant as active"
idg_ctl --json status > "$T/status.json" || idg_fail "status --json failed"
python3 - "$T/status.json" <<'PY' || idg_fail "status --json: grants-exe-alone / warning"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["grants-exe-alone"] == 2, s
assert "inert" in s["warning"], s
PY

idg_log "a stored exe:-only grant matches no one: its token, the QMI door"
read_as old-token "$OLD_TOKEN" imei; rc=$?
[ $rc = 1 ] || idg_fail "the token of an exe:-only grant read the IMEI (exit $rc)"
q() { timeout 30 qmicli -p -d "$T/qmi" --device-open-qmi --dms-get-ids; }
q > "$T/door-old.out" 2>&1 || { cat "$T/door-old.out" >&2; idg_fail "qmicli -p failed"; }
grep -q "IMEI" "$T/door-old.out" || { cat "$T/door-old.out" >&2; idg_fail "qmicli printed no IMEI line"; }
idg_expect_absent "$T/door-old.out" "$ID_imei" "the IMEI to qmicli under an exe:-only grant"
expect_rc 2 approve-old idg_ctl approve r-00000000000000e3
grep -q "exe: without uid:.*deny it" "$T/approve-old.err" || { cat "$T/approve-old.err" >&2; idg_fail "approve of an exe:-only request: message does not say what is wrong"; }
expect_rc 0 revoke-old idg_ctl revoke --to "exe:$CTL_EXE"
grep -q "revoked: 1" "$T/revoke-old.out" || idg_fail "revoke --to exe: of the stored grant"

idg_log "a new exe:-only grant is refused: idguardctl and D-Bus"
expect_rc 2 grant-exe idg_ctl grant --to "exe:$QMICLI" --scope imei --purpose "exe alone"
grep -q "exe: item alone is refused.*LD_PRELOAD.*--uid USER" "$T/grant-exe.err" ||
  { cat "$T/grant-exe.err" >&2; idg_fail "grant --to exe: alone: the message does not say why"; }
dbus-send --peer="unix:path=$T/run/api.sock" --print-reply /org/idguard/Broker1 \
  org.idguard.Admin1.Grant "string:exe:$QMICLI" string:imei string:x uint64:0 > "$T/dbus-exe.out" 2>&1 &&
  idg_fail "D-Bus Grant with exe: alone succeeded"
grep -q "org.idguard.Error.InvalidArgument" "$T/dbus-exe.out" && grep -q "uid:" "$T/dbus-exe.out" ||
  { cat "$T/dbus-exe.out" >&2; idg_fail "D-Bus Grant with exe: alone: not InvalidArgument naming uid:"; }
dbus-send --peer="unix:path=$T/run/api.sock" --print-reply /org/idguard/Broker1 \
  org.idguard.Admin1.Grant "string:exe:$QMICLI,cgroup:/" string:imei string:x uint64:0 > "$T/dbus-exe-cg.out" 2>&1 &&
  idg_fail "D-Bus Grant with exe: and cgroup: only succeeded"
idg_ctl --json grants > "$T/grants-after.json"
python3 - "$T/grants-after.json" <<'PY' || idg_fail "a refused grant was stored"
import json, sys
assert all(r["id"].startswith("g-00000000000000e") for r in json.load(open(sys.argv[1])))
PY

idg_log "grant --uid root completes it; the QMI door then releases to qmicli"
grant_json t1 --to "exe:$QMICLI" --uid root --scope imei,imsi,iccid,msisdn --purpose "qmicli as root"
T1=$TOKEN
idg_ctl --json grants > "$T/grants-t1.json"
python3 - "$T/grants-t1.json" "$GRANT" "$QMICLI" <<'PY' || idg_fail "--uid root: selector"
import json, sys
rows = {r["id"]: r for r in json.load(open(sys.argv[1]))}
assert rows[sys.argv[2]]["selector"] == "uid:0,exe:" + sys.argv[3], rows[sys.argv[2]]
assert rows[sys.argv[2]]["state"] == "active" and rows[sys.argv[2]]["warning"] is None
PY
q > "$T/door-t1.consented" 2>&1 || idg_fail "qmicli -p failed"
idg_expect_contains "$T/door-t1.consented" "$ID_imei" "the IMEI to qmicli under uid:0,exe:qmicli"
# the same qmicli, started in a user namespace of its own (root mapped to
# root: same uid, and the real binary): its exe is unknown to the door too
unshare --user --map-root-user sh -c 'exec timeout 30 qmicli -p -d "$1" --device-open-qmi --dms-get-ids' \
  sh "$T/qmi" > "$T/door-userns.out" 2>&1 || { cat "$T/door-userns.out" >&2; idg_fail "qmicli -p in a user namespace failed"; }
grep -q "IMEI" "$T/door-userns.out" || { cat "$T/door-userns.out" >&2; idg_fail "qmicli in a user namespace printed no IMEI line"; }
idg_expect_absent "$T/door-userns.out" "$ID_imei" "the IMEI to qmicli in another user namespace"
grant_json t2 --to "uid:65534,exe:$QMICLI" --scope imei,imsi,iccid,msisdn --purpose "qmicli as nobody"
T2=$TOKEN

env_api() { env IDGUARD_SOCKET="$T/run/api.sock" IDGUARD_TRANSPORT=broker "$@"; }

idg_log "uid 65534, stolen uid:0 token, PR_SET_MM_MAP in a new user namespace: refused"
env_api IDGUARD_TOKEN="$T1" $NOBODY "$W/api-borrow-exe" unshare "$QMICLI" imsi > "$T/mm-t1.out" 2> "$T/mm-t1.err"; rc=$?
[ $rc = 77 ] && idg_skip "the kernel does not let uid 65534 change its exe here: $(cat "$T/mm-t1.err")"
grep -q "^exe $QMICLI\$" "$T/mm-t1.out" || { cat "$T/mm-t1.out" "$T/mm-t1.err" >&2; idg_fail "the helper's exe does not read as qmicli: nothing was tested"; }
[ $rc = 1 ] && grep -q "^get -1$" "$T/mm-t1.out" ||
  { cat "$T/mm-t1.out" "$T/mm-t1.err" >&2; idg_fail "borrowed exe with a uid:0 token: not refused by the broker (exit $rc)"; }
PID_MM1=$(sed -n 's/^pid //p' "$T/mm-t1.out")

idg_log "the same with a uid:65534,exe:qmicli token: refused (exe of another user namespace is unknown)"
env_api IDGUARD_TOKEN="$T2" $NOBODY "$W/api-borrow-exe" unshare "$QMICLI" msisdn > "$T/mm-t2.out" 2> "$T/mm-t2.err"; rc=$?
grep -q "^exe $QMICLI\$" "$T/mm-t2.out" || { cat "$T/mm-t2.out" "$T/mm-t2.err" >&2; idg_fail "the helper's exe does not read as qmicli"; }
[ $rc = 1 ] && grep -q "^get -1$" "$T/mm-t2.out" ||
  { cat "$T/mm-t2.out" "$T/mm-t2.err" >&2; idg_fail "borrowed exe in a user namespace vs a uid:65534,exe:qmicli grant: not refused by the broker (exit $rc)"; }
PID_MM2=$(sed -n 's/^pid //p' "$T/mm-t2.out")

idg_log "clone(CLONE_VM|CLONE_NEWUSER): the exe is changed for a process that stays; the uid still refuses"
env_api IDGUARD_TOKEN="$T1" $NOBODY "$W/api-borrow-exe" clone-vm "$QMICLI" iccid > "$T/vm-t1.out" 2> "$T/vm-t1.err"; rc=$?
grep -q "^exe $QMICLI\$" "$T/vm-t1.out" || { cat "$T/vm-t1.out" "$T/vm-t1.err" >&2; idg_fail "clone-vm: the exe does not read as qmicli"; }
[ $rc = 1 ] && grep -q "^get -1$" "$T/vm-t1.out" ||
  { cat "$T/vm-t1.out" "$T/vm-t1.err" >&2; idg_fail "clone-vm with a uid:0 token: not refused by the broker (exit $rc)"; }

idg_log "uid 65534 runs the real qmicli with LD_PRELOAD and the uid:0 token: refused"
# (set for qmicli alone: setpriv would run the library first, as root)
env_api IDGUARD_TOKEN="$T1" IDG_PRELOAD_KIND=imei \
  $NOBODY env LD_PRELOAD="$W/libapi-preload.so" "$QMICLI" --version > "$T/preload-t1.out" 2> "$T/preload-t1.err"; rc=$?
grep -q "^preload get " "$T/preload-t1.err" || { cat "$T/preload-t1.err" >&2; idg_fail "the preloaded library did not run in qmicli"; }
[ $rc = 1 ] && grep -q "^preload get -1$" "$T/preload-t1.err" ||
  { cat "$T/preload-t1.err" >&2; idg_fail "LD_PRELOAD into qmicli as uid 65534 with a uid:0 token: not refused by the broker (exit $rc)"; }
# the same library in root's qmicli does read it: the token and the
# library work, only the uid differs
env_api IDGUARD_TOKEN="$T1" IDG_PRELOAD_KIND=imei LD_PRELOAD="$W/libapi-preload.so" \
  "$QMICLI" --version > "$T/preload-root.out" 2> "$T/preload-root.err"; rc=$?
[ $rc = 0 ] || { cat "$T/preload-root.err" >&2; idg_fail "control: the preloaded library in root's qmicli was refused (exit $rc)"; }

idg_log "audit: the user namespace process is not recorded as qmicli"
idg_ctl --json audit --since 10m > "$T/audit.json" || idg_fail "audit failed"
python3 - "$T/audit.json" "$PID_MM1" "$PID_MM2" "$QMICLI" <<'PY' || idg_fail "audit of the borrowed exe"
import json, sys
recs, pids, qmicli = json.load(open(sys.argv[1])), sys.argv[2:4], sys.argv[4]
for pid in pids:
    mine = [r for r in recs if "pid=%s " % pid in r["identity"] + " "]
    assert mine, ("no audit record for pid", pid, recs)
    for r in mine:
        assert r["decision"] == "refuse", r
        assert qmicli not in r["identity"] and qmicli not in r["service"], r
        assert "userns=other" in r["identity"], r
        assert "uid=65534" in r["identity"], r
# the LD_PRELOAD read is qmicli's, as uid 65534, and refused
assert any(r["kind"] == "imei" and r["decision"] == "refuse" and "uid=65534" in r["identity"]
           and qmicli in r["identity"] for r in recs), recs
PY
for k in imei imsi iccid msisdn; do
  eval v=\$ID_$k
  for f in audit.json broker.log mm-t1.out mm-t2.out vm-t1.out preload-t1.err preload-root.err; do
    idg_expect_absent "$T/$f" "$v" "$k in $f"
  done
done
echo "api-identity: pass"
