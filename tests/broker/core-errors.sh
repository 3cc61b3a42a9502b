#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# idguardd refuses to run half-configured: a bad config, a corrupt or
# unreadable consent store, a state dir others can write or another broker
# holds, and a proxy
# name someone else holds each give one clear "idguardd: ..." line on stderr,
# a non-zero exit, no API socket, and leave the store untouched.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup core-errors "$@"

mkdir -p "$T/state" "$T/run"
base() {
  cat <<EOC
[broker]
state-dir=$T/state
runtime-dir=$T/run
policy=redact
EOC
}

# refused NAME PATTERN: run idguardd on $T/NAME.conf; expect failure with one
# idguardd line matching PATTERN, no api.sock left behind.
refused() {
  name=$1 pattern=$2
  rm -f "$T/run/api.sock"
  timeout 20 "$BROKER_BIN" --config "$T/$name.conf" --foreground > "$T/$name.out" 2> "$T/$name.err"
  rc=$?
  [ $rc -ne 0 ] && [ $rc -ne 124 ] || { cat "$T/$name.err" >&2; idg_fail "$name: exit $rc, expected a refusal"; }
  n=$(grep -c '^idguardd: ' "$T/$name.err")
  [ "$n" = 1 ] || { cat "$T/$name.err" >&2; idg_fail "$name: $n error lines, expected one"; }
  grep '^idguardd: ' "$T/$name.err" | grep -qE "$pattern" ||
    { cat "$T/$name.err" >&2; idg_fail "$name: error does not say '$pattern'"; }
  [ ! -e "$T/run/api.sock" ] || idg_fail "$name: api.sock exists after a refusal"
  idg_log "$name: exit $rc: $(grep '^idguardd: ' "$T/$name.err")"
}

idg_log "bad configs"
{ base; echo "polcy=redact"; } > "$T/unknown-key.conf"
refused unknown-key "unknown key 'polcy'"
{ base; printf '[modems]\nqmi=/dev/x\n'; } > "$T/unknown-group.conf"
refused unknown-group "unknown group \\[modems\\]"
{ base | sed 's/policy=redact/policy=allow-all/'; } > "$T/bad-policy.conf"
refused bad-policy "policy must be redact or pseudonym"
{ base | sed "s|state-dir=.*|state-dir=$T/missing|"; } > "$T/missing-dir.conf"
refused missing-dir "is not a directory"
{ base; printf '[proxy]\nat-link-selector=everyone\n'; } > "$T/bad-selector.conf"
refused bad-selector "at-link-selector"
{ base; printf '[audit]\nmax-size=lots\n'; } > "$T/bad-size.conf"
refused bad-size "max-size"
"$BROKER_BIN" > "$T/no-config.out" 2> "$T/no-config.err" && idg_fail "started without --config"

idg_log "corrupt and unreadable store"
base > "$T/good.conf"
printf '{"version":1,"grants":[{"id":"g-0000000000000001",' > "$T/state/store.json"
cp "$T/state/store.json" "$T/store.before"
refused good "corrupt"
cmp -s "$T/store.before" "$T/state/store.json" || idg_fail "the corrupt store was rewritten"
rm -f "$T/state/store.json"
mkdir "$T/state/store.json"
refused good "consent store unreadable"
rmdir "$T/state/store.json"
printf 'short' > "$T/state/secret"
refused good "device secret"
rm -f "$T/state/secret"
chmod 0777 "$T/state"
refused good "writable by no one else"
chmod 0755 "$T/state"

idg_log "a second broker on the same state dir"
cp "$T/good.conf" "$T/idguard.conf"
idg_broker
mkdir -p "$T/run2"
sed "s|runtime-dir=.*|runtime-dir=$T/run2|" "$T/good.conf" > "$T/second.conf"
timeout 20 "$BROKER_BIN" --config "$T/second.conf" --foreground > "$T/second.out" 2> "$T/second.err" &&
  idg_fail "a second broker started on the same store"
grep -q '^idguardd: .*in use by another broker' "$T/second.err" || { cat "$T/second.err" >&2; idg_fail "second broker: unclear error"; }
idg_ctl status > "$T/status-after-second.out" || idg_fail "the first broker stopped serving"
kill -TERM "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null

idg_log "a proxy name someone else holds"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0qmi-proxy"); s.listen(1)
print("bound", flush=True)
time.sleep(60)' > "$T/squatter.log" 2>&1 &
SQUATTER=$!
IDG_PIDS="$IDG_PIDS $SQUATTER"
idg_wait_for 10 grep -q bound "$T/squatter.log" || idg_fail "squatter did not bind"
{ base; printf '[modem]\nqmi=%s/qmi\n[proxy]\nqmi-socket=qmi-proxy\n' "$T"; } > "$T/taken.conf"
refused taken "qmi-proxy"
kill "$SQUATTER"
idg_log "PASS"
