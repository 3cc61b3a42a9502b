#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make demo: the whole story on the simulated modem, in a private network
# namespace (its own @qmi-proxy), with fresh random identifiers:
#   status; a service reads without consent: refused; it asks, an admin
#   approves, it claims its token and reads; qmicli through the proxy sees
#   redacted values, then the real ones once granted; revoked: refused again;
#   the audit log and the per-service report.
#   sh tests/demo.sh BUILD_DIR
set -u
if [ -z "${IDG_IN_NETNS:-}" ]; then
  build=${1:-build}
  IDG_BUILD=$(cd "$build" && pwd) || { echo "demo: no build directory '$build'" >&2; exit 2; }
  IDG_SRC=$(cd "$(dirname "$0")/.." && pwd)
  export IDG_BUILD IDG_SRC
fi
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup demo "$@"

[ -x "$SIM_BIN" ] || idg_fail "no simulator at $SIM_BIN (build first)"

SERVICE="setpriv --reuid 65534 --regid 65534 --clear-groups"
step=0
heading() {
  step=$((step + 1))
  printf '\n== %d. %s ==\n' "$step" "$*"
}
# show CMD...: prints the command as a user would type it, then runs it.
show() {
  line=""
  for a in "$@"; do
    case "$a" in
      *" "*) line="$line '$a'" ;;
      *) line="$line $a" ;;
    esac
  done
  printf '$%s\n' "$line" | sed -e "s|^\\$ ctl |\$ idguardctl |" \
    -e "s|^\\$ $SERVICE $CTL_BIN --socket $T/run/api.sock|[the service]\$ idguardctl|" \
    -e "s|^\\$ $CTL_BIN --socket $T/run/api.sock|\$ idguardctl|" -e "s|$T/|\$DEMO/|g" >&2
  "$@"
}
ctl() { "$CTL_BIN" --socket "$T/run/api.sock" "$@"; }
json_get() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

echo "idguard demo: a simulated modem, the idguardd broker, a service running as"
echo "uid 65534 (nobody) and an admin (root). Files: $T (\$DEMO)."

heading "The simulated modem and the broker"
idg_sim
idg_broker_config
idg_broker
idg_wait_for 20 sh -c "'$CTL_BIN' --socket '$T/run/api.sock' --json status | grep -q '\"imsi\"'" ||
  { cat "$T/broker.log" >&2; idg_fail "the broker did not read the modem"; }
show ctl status
echo "(identifiers the broker knows, masked: it never shows them)"
show ctl ids

heading "A service reads the IMEI without consent: refused"
echo "not-a-token" > "$T/bogus.token"
chmod 644 "$T/bogus.token"
show $SERVICE "$CTL_BIN" --socket "$T/run/api.sock" get imei --token-file "$T/bogus.token"
echo "exit status $? (1: refused)"

heading "The service asks for consent; an admin approves"
show $SERVICE "$CTL_BIN" --socket "$T/run/api.sock" --json request --scope imei,imsi \
  --purpose "carrier activation" | tee "$T/request.json"
REQ=$(json_get "$T/request.json" id)
show ctl requests
show ctl approve "$REQ" --ttl 1h > "$T/approve.out"
echo "approved: grant $(sed -n 's/^grant *//p' "$T/approve.out")"

heading "The service claims its token (once) and reads"
$SERVICE "$CTL_BIN" --socket "$T/run/api.sock" --json claim "$REQ" > "$T/claim.json" ||
  idg_fail "claim failed"
TOKEN=$(json_get "$T/claim.json" token)
echo "\$ idguardctl claim $REQ    (as the service: token saved to its own file)"
(umask 077; printf '%s\n' "$TOKEN" > "$T/service.token")
chown 65534:65534 "$T/service.token"
show $SERVICE "$CTL_BIN" --socket "$T/run/api.sock" get imei --token-file "$T/service.token" |
  tee "$T/read.consented"
[ "$(cat "$T/read.consented")" = "$ID_imei" ] || idg_fail "the consented read did not return the modem's IMEI"
echo "(the simulator's IMEI: $ID_imei)"
echo "Another uid with the same token:"
show "$CTL_BIN" --socket "$T/run/api.sock" get imei --token-file "$T/service.token"
echo "exit status $? (1: the token is worth nothing to a process the grant does not name)"

if command -v qmicli > /dev/null 2>&1 && ctl status | grep -q "qmi-proxy:"; then
  heading "An unmodified client through the proxy: qmicli -p"
  QMICLI=$(readlink -f "$(command -v qmicli)")
  q() { timeout 30 qmicli -p -d "$T/qmi" --device-open-qmi --dms-get-ids; }
  echo "\$ qmicli -p -d \$DEMO/qmi --device-open-qmi --dms-get-ids    (no grant: redacted)"
  q > "$T/qmicli-redacted.out" 2>&1 || { cat "$T/qmicli-redacted.out"; idg_fail "qmicli -p failed"; }
  cat "$T/qmicli-redacted.out"
  grep -q "$ID_imei" "$T/qmicli-redacted.out" && idg_fail "qmicli saw the IMEI without a grant"
  show ctl grant --to "exe:$QMICLI" --uid root --scope imei,imeisv,esn,meid --purpose "demo: qmicli" > "$T/qmicli-grant.out"
  echo "granted: $(sed -n 's/^grant *//p' "$T/qmicli-grant.out")"
  echo "\$ qmicli -p -d \$DEMO/qmi --device-open-qmi --dms-get-ids    (granted: revealed)"
  q > "$T/qmicli-revealed.consented" 2>&1 || { cat "$T/qmicli-revealed.consented"; idg_fail "qmicli -p failed"; }
  cat "$T/qmicli-revealed.consented"
  grep -q "$ID_imei" "$T/qmicli-revealed.consented" || idg_fail "qmicli did not see the IMEI with a grant"
  show ctl revoke --to "uid:0,exe:$QMICLI"
fi

heading "The admin revokes; the service is refused again, at once"
GRANT=$(json_get "$T/claim.json" id)
show ctl revoke "$GRANT"
show $SERVICE "$CTL_BIN" --socket "$T/run/api.sock" get imei --token-file "$T/service.token"
rc=$?
echo "exit status $rc (1: refused)"
[ $rc = 1 ] || idg_fail "a revoked grant still read"
show ctl grants

heading "The audit log and the per-service report (never a value)"
show ctl audit --since 10m
show ctl report

printf '\nidguard demo: done\n'
exit 0
