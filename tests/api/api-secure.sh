#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# libidguard in a setgid process (secure execution, AT_SECURE): the
# environment belongs to the unprivileged user who started it, so
# $IDGUARD_SOCKET must not send the service's token to a socket of that
# user's choosing. The same reader without setgid does follow the variable
# (so the listener below does see connections when they are made).
# idguardctl takes $IDGUARD_TOKEN out of its environment before it calls
# anyone: what it starts would inherit it, /proc/PID/environ would show it.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup api-secure "$@"
. "$IDG_SRC/tests/api/api-common.sh"
READER="$IDG_BUILD/tests/api/api-reader-static"
[ -x "$READER" ] || idg_fail "no $READER"

# a directory uid 65534 can traverse, outside the build tree
W=$(mktemp -d /tmp/idg-api-secure.XXXXXX)
trap 'rm -rf "$W"; idg_cleanup' EXIT
chmod 0755 "$W"
cp "$READER" "$W/plain"
cp "$READER" "$W/setgid"
chown root:root "$W/setgid"
chmod 2755 "$W/setgid"
mkdir "$W/evil"; chmod 0777 "$W/evil"

# the "broker" of the user: counts the connections it gets
cat > "$T/evil.py" <<'EOP'
import os, socket, sys
path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
os.chmod(path, 0o666)
s.listen(16)
open(log + ".ready", "w").close()
held = []
while True:
    c, _ = s.accept()
    with open(log, "a") as f:
        f.write("connection\n")
    if len(sys.argv) > 3:
        held.append(c)   # "hold": the client waits for an answer
    else:
        c.close()
EOP
idg_bg "$T/evil.log" python3 "$T/evil.py" "$W/evil/sock" "$T/evil.conn"
idg_wait_for 10 test -e "$T/evil.conn.ready" || idg_fail "listener did not start"
echo "unused" > "$W/expected"
chmod 0644 "$W/expected"
FAKE_TOKEN="idg1_$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"

idg_log "without setgid, \$IDGUARD_SOCKET is followed (the listener sees it)"
IDGUARD_SOCKET="$W/evil/sock" IDGUARD_TOKEN="$FAKE_TOKEN" IDGUARD_TRANSPORT=broker \
  $NOBODY "$W/plain" imei "$W/expected" 1 1 > "$T/plain.out" 2>&1
[ -s "$T/evil.conn" ] || { cat "$T/plain.out" >&2; idg_fail "the plain reader did not use \$IDGUARD_SOCKET"; }
rm -f "$T/evil.conn"

idg_log "setgid: \$IDGUARD_SOCKET and \$IDGUARD_TRANSPORT are ignored"
IDGUARD_SOCKET="$W/evil/sock" IDGUARD_TOKEN="$FAKE_TOKEN" IDGUARD_TRANSPORT=broker \
  $NOBODY "$W/setgid" imei "$W/expected" 1 1 > "$T/setgid.out" 2>&1
grep -q "reads 1" "$T/setgid.out" || { cat "$T/setgid.out" >&2; idg_fail "the setgid reader did not run"; }
[ ! -e "$T/evil.conn" ] || idg_fail "a setgid libidguard client sent its call to \$IDGUARD_SOCKET"
idg_log "idguardctl: \$IDGUARD_TOKEN is gone from its environment while it calls"
mkdir "$W/hold"
idg_bg "$T/hold.log" python3 "$T/evil.py" "$W/hold/sock" "$T/hold.conn" hold
idg_wait_for 10 test -e "$T/hold.conn.ready" || idg_fail "holding listener did not start"
IDG_MARKER=present IDGUARD_TOKEN="$FAKE_TOKEN" "$CTL_BIN" --socket "$W/hold/sock" get imei > "$T/hold-get.out" 2>&1 &
CTL_PID=$!
idg_wait_for 10 test -s "$T/hold.conn" || { kill $CTL_PID; idg_fail "idguardctl did not call"; }
tr '\0' '\n' < /proc/$CTL_PID/environ > "$T/ctl-environ"
kill $CTL_PID; wait $CTL_PID 2>/dev/null
grep -q '^IDG_MARKER=present' "$T/ctl-environ" || idg_fail "could not read idguardctl's environment"
! grep -qF "$FAKE_TOKEN" "$T/ctl-environ" || idg_fail "the token is still in idguardctl's environment"
echo "api-secure: pass"
