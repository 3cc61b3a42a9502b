#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The protocol doors' per-uid budget: uid 65534, which [proxy] clients
# admits, holds 300 idle connections to @qmi-proxy, reopening each one the
# broker closes, for 12 s. It keeps at most [proxy] clients-per-uid (16)
# at a time; root's qmicli -p (granted) still reads the real IMEI through
# the door, root's consented API reads and `idguardctl status` succeed, and
# the broker's memory stays bounded.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup hostile-door-flood "$@"
. "$IDG_SRC/tests/api/api-common.sh"
. "$IDG_SRC/tests/hostile/hostile-common.sh"
QMICLI=$(readlink -f "$(command -v qmicli)") || idg_skip "qmicli not installed"

idg_sim
idg_broker_config
echo "clients=uid:0;uid:65534" >> "$T/idguard.conf"   # the [proxy] group is last
idg_broker
hostile_start
idg_ctl grant --to "uid:0,exe:$QMICLI" --scope imei --purpose "door flood test" > "$T/grant.out" 2>&1 ||
  { cat "$T/grant.out" >&2; idg_fail "grant failed"; }
q() { timeout 20 qmicli -p -d "$T/qmi" --device-open-qmi --dms-get-ids; }
idg_wait_for 20 q || { cat "$T/broker.log" >&2; idg_fail "the QMI door never answered"; }
_t0=$(now_ms); q > "$T/qmi-before.consented" 2>&1; _t1=$(now_ms)
figure "qmicli_before_ms=$((_t1 - _t0))"

rss_watch
idg_log "attack: 300 idle connections to @qmi-proxy, as uid 65534"
idg_bg "$T/attack.log" $NOBODY /usr/bin/python3 "$ATTACK" idle @qmi-proxy 12 300
idg_wait_for 10 grep -q '^ready' "$T/attack.log" || { cat "$T/attack.log" >&2; idg_fail "attack did not start"; }
sleep 1
# what the door holds for uid 65534: the broker's connected sockets on
# @qmi-proxy whose peer is the attack, from the broker's side
held_max=0
for k in 1 2 3 4 5; do
  n=$(ss -xpn state established 2>/dev/null | awk -v pid="pid=$BROKER_PID," '$0 ~ pid && $4 ~ /^@qmi-proxy$/' | wc -l)
  [ "$n" -gt "$held_max" ] && held_max=$n
  sleep 0.2
done
_t0=$(now_ms)
q > "$T/qmi-during.consented" 2>&1 || { cat "$T/qmi-during.consented" >&2; idg_fail "qmicli -p failed during the attack"; }
_t1=$(now_ms)
idg_expect_contains "$T/qmi-during.consented" "$ID_imei" "root's granted IMEI through the door"
figure "qmicli_during_ms=$((_t1 - _t0))"
during_attack 5
idg_wait_for 20 grep -q '^attack ' "$T/attack.log" || idg_fail "attack did not finish"
rss_unwatch
figure "$(grep '^attack ' "$T/attack.log")"
closed=$(sed -n 's/.* closed_by_broker=\([0-9]*\).*/\1/p' "$T/attack.log")
figure "door_connections_held_max=$held_max"
[ "${closed:-0}" -gt 300 ] || idg_fail "the door closed only ${closed:-0} of the attack's connections"
[ "$held_max" -ge 1 ] || idg_fail "no connection of the attack seen at the door: the count means nothing"
[ "$held_max" -le 16 ] || idg_fail "the door held $held_max connections of uid 65534 (budget 16)"
rss_check 16384
idg_expect_contains "$T/broker.log" "clients-per-uid" "the refusals logged"
echo "hostile-door-flood: pass"
