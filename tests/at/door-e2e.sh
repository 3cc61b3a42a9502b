#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The AT door of the real idguardd on the simulated modem, with a plain AT
# client (at-client.py) on the abstract socket and on the pty link:
#  - echo per client (ATE0 on one client leaves the other's echo on), the
#    modem's line ends and multi-line layout;
#  - without a grant, no identifier in any reply (+CGSN, ATI, +CIMI, +CNUM,
#    +CRSM of EF_ICCID/EF_IMSI/EF_MSISDN, +CCID, concatenated lines), raw SIM
#    access refused with +CME ERROR, the IMEI write refused;
#  - the pty link: identity unknown, never an identifier;
#  - a client that floods and never reads does not hold up another;
#  - with a grant to the client's executable: the real values; revoked: gone;
#  - a SIM swap the modem keeps quiet about, seen in a client's +CIMI: the
#    broker re-reads (API readers get the new IMSI/ICCID at once);
#  - the modem re-plugged with another SIM: old values gone at once, new ones
#    read; the pty link's client stands for the config's at-link-selector;
#  - a revoke takes effect at the next message of an open connection;
#  - policy=pseudonym: stable, well-formed, never the value;
#  - a squatted abstract name stops idguardd with one clear line.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup at-door "$@"

CLIENT="python3 $IDG_SRC/tests/at/at-client.py"
PY_EXE=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')
NAME=idguard-at-test

idg_sim
idg_conf "at=$T/at" -- "at-socket=$NAME" "at-link=$T/at-door"
idg_broker
idg_wait_for 10 test -e "$T/at-door" || idg_fail "no pty link"
# the backend has read the identifiers (the door answers through the same port)
idg_wait_for 10 sh -c "'$CTL_BIN' --socket '$T/run/api.sock' ids | grep -qi imsi" || true

msisdn_digits=$(echo "$ID_msisdn" | tr -d '+')
iccid_hex=$(python3 -c "import sys; d=sys.argv[1]+'F'*(20-len(sys.argv[1])); print(''.join(d[i+1]+d[i] for i in range(0,20,2)))" "$ID_iccid")
hidden() {
  for v in "$ID_imei" "$ID_imeisv" "$ID_imsi" "$ID_iccid" "$iccid_hex" "$msisdn_digits"; do
    idg_expect_absent "$1" "$v" "$2"
  done
}
ID_CMDS='AT+CGSN AT+CGSN=1 AT+CGSN=2 ATI AT+CIMI AT+CNUM AT+CCID AT^ICCID? AT+QCCID
AT+CRSM=176,12258,0,0,10 AT+CRSM=176,28423,0,0,9 AT+CRSM=178,28480,1,4,28 AT+EGMR=0,7
AT+CGSN;+CIMI at+cgsn AT+CGSN;+CIMI;+CNUM'

# echo: the modem's default (on) per client; ATE0 turns off only that client's
$CLIENT "@$NAME" AT ATE0 AT > "$T/echo-a.txt" || idg_fail "client A"
$CLIENT "@$NAME" AT > "$T/echo-b.txt" || idg_fail "client B"
idg_expect_contains "$T/echo-a.txt" "AT<CR><CR><LF>OK<CR><LF>" "an echo before ATE0"
[ "$(sed -n 3p "$T/echo-a.txt")" = "<CR><LF>OK<CR><LF>" ] || idg_fail "echo after ATE0: $(sed -n 3p "$T/echo-a.txt")"
idg_expect_contains "$T/echo-b.txt" "AT<CR><CR><LF>OK<CR><LF>" "another client's echo untouched by ATE0"

# no grant: every identifier command answers, with nothing real in it
# shellcheck disable=SC2086
$CLIENT "@$NAME" ATE0 $ID_CMDS > "$T/nogrant.txt" || { cat "$T/nogrant.txt" >&2; idg_fail "no grant: a command got no reply"; }
hidden "$T/nogrant.txt" "socket client without a grant"
idg_expect_contains "$T/nogrant.txt" "IMEI: " "the ATI IMEI line (rewritten)"
idg_expect_contains "$T/nogrant.txt" "+CNUM: " "a +CNUM line (rewritten)"
$CLIENT "@$NAME" ATE0 'AT+CSIM=10,"00B0000009"' 'AT+CCHO="A0000000871002"' 'AT+EGMR=1,7,"123456789012345"' \
  > "$T/refused.txt" || idg_fail "refusals"
[ "$(grep -c '+CME ERROR: 3' "$T/refused.txt")" = 3 ] || { cat "$T/refused.txt" >&2; idg_fail "raw SIM / IMEI write not refused"; }
# a terminal user sees each character as typed, before the line ends
python3 - "$NAME" > "$T/typed.txt" <<'PY' || idg_fail "no echo while typing"
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("\0" + sys.argv[1])
s.settimeout(3)
s.sendall(b"AT+CG")
got = b""
while not got.endswith(b"AT+CG"):
    got += s.recv(64)
s.sendall(b"MI\r")
while b"OK\r\n" not in got:
    got += s.recv(256)
print(repr(got))
PY
idg_expect_contains "$T/typed.txt" "AT+CGMI\\r\\r\\n" "the typed line echoed before its reply"

# "ATE" is ATE0; what the shared door cannot serve: numeric results, data mode
$CLIENT "@$NAME" AT ATE ATV0 'ATD*99#' AT+CGDATA AT > "$T/unserved.txt" || idg_fail "unserved commands"
[ "$(grep -c '^<CR><LF>ERROR<CR><LF>$' "$T/unserved.txt")" = 3 ] || { cat "$T/unserved.txt" >&2; idg_fail "V0 / data mode not refused"; }
[ "$(tail -n 1 "$T/unserved.txt")" = "<CR><LF>OK<CR><LF>" ] || { cat "$T/unserved.txt" >&2; idg_fail "ATE (= ATE0) left the echo on"; }

# the pty link: unknown identity
# shellcheck disable=SC2086
$CLIENT "$T/at-door" ATE0 $ID_CMDS > "$T/pty.txt" || { cat "$T/pty.txt" >&2; idg_fail "pty client"; }
hidden "$T/pty.txt" "pty client"
idg_expect_contains "$T/pty.txt" "IMEI: " "the ATI IMEI line through the pty"

# a client that floods and never reads does not hold up another
$CLIENT "@$NAME" ATE0 --flood 500 --hold 8 > "$T/flood.txt" 2>&1 &
FLOOD=$!
sleep 0.5
start=$(date +%s)
$CLIENT "@$NAME" ATE0 AT+CGMI AT+CGSN > "$T/beside-flood.txt" || idg_fail "a client beside a flooding one got no reply"
[ $(($(date +%s) - start)) -le 5 ] || idg_fail "a flooding client held up another"
kill "$FLOOD" 2>/dev/null || true
wait "$FLOOD" 2>/dev/null || true

# a grant to the client's executable: the real values
idg_ctl grant --to "uid:0,exe:$PY_EXE" --scope imei,imeisv,imsi,iccid,msisdn --purpose "AT door test" \
  > "$T/grant.txt" || idg_fail "grant refused"
$CLIENT "@$NAME" ATE0 AT+CGSN ATI AT+CIMI AT+CNUM AT+CCID AT+CGSN=2 > "$T/granted.txt.consented" ||
  idg_fail "granted client"
for v in "$ID_imei" "$ID_imsi" "$msisdn_digits" "$ID_iccid" "$ID_imeisv"; do
  idg_expect_contains "$T/granted.txt.consented" "$v" "a real value with a grant"
done
# the pty's unknown client gets nothing from a grant to someone else
# shellcheck disable=SC2086
$CLIENT "$T/at-door" ATE0 $ID_CMDS > "$T/pty-granted.txt" || idg_fail "pty client after grant"
hidden "$T/pty-granted.txt" "pty client while another holds a grant"

# revoked in the middle of a connection: hidden from the next message on
$CLIENT "@$NAME" ATE0 AT+CGSN "@wait $T/revoked-now" AT+CGSN > "$T/midway.txt" &
MIDWAY=$!
first_reply() { [ "$(wc -l < "$T/midway.txt")" -ge 2 ]; }
idg_wait_for 10 first_reply || idg_fail "mid-connection client did not get its first reply"
idg_ctl revoke --to "uid:0,exe:$PY_EXE" > "$T/revoke.txt" || idg_fail "revoke refused"
touch "$T/revoked-now"
wait "$MIDWAY" || idg_fail "mid-connection client"
sed -n 2p "$T/midway.txt" | grep -qF "$ID_imei" || { cat "$T/midway.txt" >&2; idg_fail "no IMEI before the revoke"; }
sed -n 4p "$T/midway.txt" | grep -qF "$ID_imei" && idg_fail "the IMEI after a revoke on the same connection"
mv "$T/midway.txt" "$T/midway.txt.consented"

# revoked: hidden at the next message
# shellcheck disable=SC2086
$CLIENT "@$NAME" ATE0 $ID_CMDS > "$T/revoked.txt" || idg_fail "client after revoke"
hidden "$T/revoked.txt" "socket client after revoke"

# a SIM swap the modem does not announce on its AT port: the next client
# read of the IMSI shows another SIM, and the broker re-reads at once; a
# consented reader of the broker's API gets the new IMSI, never the old one
sim_ctl() {
  python3 - "$T/sim.ctl" "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
for cmd in sys.argv[2:]:
    s.sendall(cmd.encode() + b"\n")
    reply = b""
    while not reply.endswith(b"\n"):
        reply += s.recv(256)
    if not reply.startswith(b"ok"):
        sys.exit("sim control: " + reply.decode().strip())
PY
}
CTL_EXE=$(readlink -f "$CTL_BIN")
idg_ctl --json grant --to "uid:0,exe:$CTL_EXE" --scope imsi,iccid --purpose "API reader" > "$T/grant-api.json" ||
  idg_fail "grant to idguardctl refused"
IDGUARD_TOKEN=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["token"])' "$T/grant-api.json")
export IDGUARD_TOKEN
idg_ctl get imsi > "$T/get-before.txt.consented" || idg_fail "consented API read refused"
idg_expect_contains "$T/get-before.txt.consented" "$ID_imsi" "the IMSI through the API"
python3 "$IDG_SRC/tests/tools/gen-ids.py" > "$T/ids-swap.consented"
swap_imsi=$(sed -n 's/^imsi=//p' "$T/ids-swap.consented")
swap_iccid=$(sed -n 's/^iccid=//p' "$T/ids-swap.consented")
grep -E '^(imsi|iccid)=' "$T/ids-swap.consented" >> "$T/ids.consented"   # the leak scan looks for them too
sim_ctl "set imsi=$swap_imsi" "set iccid=$swap_iccid" "swap quiet" || idg_fail "SIM swap"
$CLIENT "@$NAME" ATE0 AT+CIMI > "$T/swap-client.txt" || idg_fail "client read after the swap"
idg_expect_absent "$T/swap-client.txt" "$swap_imsi" "the new IMSI to a client without a grant"
got_new() { idg_ctl get imsi > "$T/get-after.txt.consented" 2>&1 && grep -qF "$swap_imsi" "$T/get-after.txt.consented"; }
idg_wait_for 2 got_new || { cat "$T/get-after.txt.consented" >&2; idg_fail "the broker did not pick up the new SIM"; }
idg_expect_absent "$T/get-after.txt.consented" "$ID_imsi" "the old IMSI after the swap"
idg_ctl get iccid > "$T/get-iccid.txt.consented" || idg_fail "ICCID after the swap"
idg_expect_contains "$T/get-iccid.txt.consented" "$swap_iccid" "the new ICCID after the swap"
unset IDGUARD_TOKEN
ID_imsi=$swap_imsi ID_iccid=$swap_iccid
idg_ctl revoke --to "uid:0,exe:$CTL_EXE" > "$T/revoke-api.txt" || idg_fail "revoke of the API grant"

# re-plug: the modem goes away (values gone at once, backend retrying) and
# comes back with another SIM (the new values, never the old)
kill "$SIM_PID"
at_state() { idg_ctl status | grep -q "at: $1"; }
idg_wait_for 10 at_state retrying || { idg_ctl status >&2; idg_fail "backend not retrying after the modem went away"; }
idg_ctl ids > "$T/ids-gone.txt"
grep -q "^imsi" "$T/ids-gone.txt" && idg_fail "identifiers still served after the modem went away"
old_imsi=$ID_imsi old_iccid=$ID_iccid
python3 "$IDG_SRC/tests/tools/gen-ids.py" > "$T/ids2.consented"
cat "$T/ids2.consented" >> "$T/ids.consented"   # the leak scan looks for both sets
eval $(sed 's/^\([a-z]*\)=\(.*\)$/ID_\1="\2"/' "$T/ids2.consented")
idg_bg "$T/sim2.log" "$SIM_BIN" --at "$T/at" --ids "$T/ids2.consented"
idg_wait_for 10 grep -q '^ready' "$T/sim2.log" || idg_fail "second simulator not ready"
idg_wait_for 40 at_state ready || { idg_ctl status >&2; idg_fail "backend did not reopen the modem"; }
idg_ctl grant --to "uid:0,exe:$PY_EXE" --scope imsi,iccid --purpose "AT door re-plug test" > "$T/grant2.txt" ||
  idg_fail "second grant refused"
$CLIENT "@$NAME" ATE0 AT+CIMI AT+CCID > "$T/replugged.txt.consented" || idg_fail "client after re-plug"
idg_expect_contains "$T/replugged.txt.consented" "$ID_imsi" "the new IMSI after re-plug"
idg_expect_contains "$T/replugged.txt.consented" "$ID_iccid" "the new ICCID after re-plug"
idg_expect_absent "$T/replugged.txt.consented" "$old_imsi" "the old IMSI after re-plug"
idg_expect_absent "$T/replugged.txt.consented" "$old_iccid" "the old ICCID after re-plug"
idg_ctl revoke --to "uid:0,exe:$PY_EXE" > "$T/revoke2.txt" || idg_fail "second revoke refused"

# at-link-selector: the pty's client stands for that selector, and a grant
# to exactly that selector reaches it (and nobody else)
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
echo "at-link-selector=uid:4242" >> "$T/idguard.conf"
sed -i 's/^policy=redact$/policy=pseudonym/' "$T/idguard.conf"
idg_broker
idg_wait_for 10 at_state ready || idg_fail "backend not ready after restart"
idg_ctl grant --to uid:4242 --scope imei,imsi --purpose "tty client" > "$T/grant3.txt" || idg_fail "grant to the link selector refused"
$CLIENT "$T/at-door" ATE0 AT+CGSN AT+CIMI AT+CNUM > "$T/pty-selector.txt.consented" || idg_fail "pty client with a selector"
idg_expect_contains "$T/pty-selector.txt.consented" "$ID_imei" "the IMEI for the link's selector"
idg_expect_contains "$T/pty-selector.txt.consented" "$ID_imsi" "the IMSI for the link's selector"
idg_expect_absent "$T/pty-selector.txt.consented" "$(echo "$ID_msisdn" | tr -d +)" "a kind not granted to the link's selector"
# shellcheck disable=SC2086
$CLIENT "@$NAME" ATE0 AT+CGSN AT+CIMI > "$T/socket-beside-selector.txt" || idg_fail "socket client"
idg_expect_absent "$T/socket-beside-selector.txt" "$ID_imei" "a socket client beside the link's grant"
idg_expect_absent "$T/socket-beside-selector.txt" "$ID_imsi" "a socket client beside the link's grant"
# pseudonyms: not the value, not zeros, stable for the same service
$CLIENT "@$NAME" ATE0 AT+CGSN > "$T/pseudonym-again.txt" || idg_fail "socket client"
p1=$(sed -n 2p "$T/socket-beside-selector.txt") p2=$(sed -n 2p "$T/pseudonym-again.txt")
[ "$p1" = "$p2" ] || idg_fail "pseudonym not stable: $p1 / $p2"
echo "$p1" | grep -q '<LF>[0-9]\{15\}<CR>' || idg_fail "pseudonym IMEI not 15 digits: $p1"
echo "$p1" | grep -q '<LF>000000000000000<CR>' && idg_fail "policy=pseudonym gave a redacted IMEI"

# squatting: a second broker on the same abstract name says so and exits
mkdir -p "$T/state2" "$T/run2"
sed -e "s|$T/state|$T/state2|; s|$T/run|$T/run2|; s|^at=.*|at=$T/no-modem|; s|^at-link=.*|at-link=|" "$T/idguard.conf" > "$T/squat.conf"
if "$BROKER_BIN" --config "$T/squat.conf" --foreground > "$T/squat.log" 2>&1; then
  idg_fail "a second idguardd took a held AT door name"
fi
grep -q "$NAME.*already held\|already held.*$NAME" "$T/squat.log" || { cat "$T/squat.log" >&2; idg_fail "no clear line about the squatted name"; }
idg_log "AT door: echo, hidden, refused, pty, flood, grant, revoke, squatting: ok"
