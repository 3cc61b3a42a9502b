# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers shared by the API/CLI/libidguard integration tests (sourced after
# tests/tools/lib.sh and idg_setup).

NOBODY="setpriv --reuid 65534 --regid 65534 --clear-groups"

# expect_rc RC NAME CMD...: runs CMD, output in $T/NAME.out (stdout) and
# $T/NAME.err, fails unless it exits with RC.
expect_rc() {
  want=$1 name=$2; shift 2
  "$@" > "$T/$name.out" 2> "$T/$name.err"
  got=$?
  [ "$got" = "$want" ] || {
    cat "$T/$name.out" "$T/$name.err" >&2
    idg_fail "$name: exit $got, expected $want"
  }
}

# json_get FILE KEY: a top-level string member of a JSON document.
json_get() {
  python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

# api_start: simulator, broker, and every identifier known.
api_start() {
  idg_sim
  idg_broker_config
  idg_broker
  idg_wait_for 20 sh -c "'$CTL_BIN' --socket '$T/run/api.sock' --json status | grep -q '\"msisdn\"'" ||
    { cat "$T/broker.log" >&2; idg_fail "the broker did not read the identifiers"; }
}

# grant_json NAME ARGS...: idguardctl --json grant ARGS into $T/NAME.json;
# sets TOKEN and GRANT. The file holds a token, not an identifier.
grant_json() {
  name=$1; shift
  idg_ctl --json grant "$@" > "$T/$name.json" || idg_fail "grant $* failed"
  TOKEN=$(json_get "$T/$name.json" token)
  GRANT=$(json_get "$T/$name.json" id)
  [ -n "$TOKEN" ] && [ -n "$GRANT" ] || idg_fail "grant $*: no id/token"
}

# read_as NAME TOKEN KIND [RUNNER...]: idguardctl get with the token on
# stdin; output in $T/NAME.consented, exit status returned.
read_as() {
  name=$1 tok=$2 kind=$3; shift 3
  printf '%s\n' "$tok" | "$@" "$CTL_BIN" --socket "$T/run/api.sock" get "$kind" \
    > "$T/$name.consented" 2> "$T/$name.err"
}
