#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# An unprivileged user floods the audit (issue 14): uid 65534 runs 3,000
# hard links of one program (tests/hostile/flood-connect), each connecting
# a few times to @qmi-proxy (one worker) or @mbim-proxy (the other), where
# it is refused; every link is a label of its own (exe:PATH). Meanwhile root's
# consented service reads the IMEI through the API (idguardctl get) and
# through the QMI door (qmicli -p). Afterwards:
#  - every release made during the flood is in the audit, counted exactly;
#  - uid 65534's refusals wrote no more records than its rate allows
#    (burst + rate x seconds), and flood records count the rest: every
#    refusal is accounted for, in a record or a flood count;
#  - every audit file is within its size limit, no more files than kept;
#  - the system log copy (stderr here, no journald) holds no more lines
#    than the audit wrote; the door's "refused" log line is per uid, not
#    per link;
#  - every consented read succeeded and the broker's RSS stayed bounded
#    (the reads' latency is written down, not judged here: on a small
#    machine it mostly measures the attacker's share of the CPU).
# Figures (attack rate, records, suppressed counts, latency, RSS) go to the
# test log.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup audit-flood "$@"
command -v setpriv > /dev/null || idg_skip "setpriv not installed"
command -v qmicli > /dev/null || idg_skip "qmicli not installed"

NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
LINKS=3000
ATTACK_SECS=8
WORKERS=2 PER_LINK=10
RATE=5 BURST=50 FLOOD=2 MAX=16384 KEEP=2

idg_sim
idg_broker_config
cat >> "$T/idguard.conf" <<EOC
[audit]
max-size=$MAX
keep=$KEEP
rate=$RATE
burst=$BURST
flood-interval=$FLOOD
EOC
idg_broker
idg_wait_for 20 sh -c "'$CTL_BIN' --socket '$T/run/api.sock' --json status | grep -q '\"imei\"'" ||
  { cat "$T/broker.log" >&2; idg_fail "the broker did not read the IMEI"; }

idg_ctl --json grant --to uid:0 --scope imei --purpose "audit flood test" > "$T/grant.json" ||
  idg_fail "grant failed"
TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$T/grant.json")
umask 077; printf '%s\n' "$TOKEN" > "$T/token"; umask 022

# get NAME: one consented API read; its latency (ms) appended to $T/NAME.ms
get() {
  t0=$(date +%s%N)
  idg_ctl get imei --token-file "$T/token" > "$T/$1.consented" 2> "$T/$1.err" || return 1
  [ "$(cat "$T/$1.consented")" = "$ID_imei" ] || return 1
  echo $(( ($(date +%s%N) - t0) / 1000000 )) >> "$T/$1.ms"
}
qmi_get() {
  timeout 20 qmicli -p -d "$T/qmi" --device-open-qmi --dms-get-ids > "$T/qmi.consented" 2>&1 &&
    grep -q "$ID_imei" "$T/qmi.consented"
}
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$BROKER_PID/status"; }

idg_log "baseline: 20 consented reads"
for i in $(seq 20); do get base || { cat "$T/base.err" >&2; idg_fail "baseline read failed"; }; done
idg_wait_for 20 qmi_get || { cat "$T/qmi.consented" >&2; idg_fail "consented qmicli read failed"; }
RSS0=$(rss_kb)

idg_log "$LINKS hard links of one program, as uid 65534"
mkdir -p "$T/links"
cp "$IDG_BUILD/tests/hostile/flood-connect" "$T/links/s0"
chmod 755 "$T/links" "$T/links/s0"
i=1
while [ $i -lt $LINKS ]; do ln "$T/links/s0" "$T/links/s$i"; i=$((i + 1)); done

# The attacker, as uid 65534: worker W runs links W, W+WORKERS, ... in
# turn until the deadline against DOOR and prints how many connections it
# made.
cat > "$T/worker.sh" <<'EOW'
w=$1 end=$2 workers=$3 links=$4 dir=$5 per=$6 door=$7
n=0 k=0 i=$w
while :; do
  n=$((n + $("$dir/s$i" "$door" "$per")))
  i=$((i + workers)); [ $i -ge $links ] && i=$w
  k=$((k + 1))
  if [ $((k % 20)) = 0 ] && [ "$(date +%s)" -ge "$end" ]; then break; fi
done
echo "$n"
EOW
END=$(( $(date +%s) + ATTACK_SECS ))
START_NS=$(date +%s%N)
w=0 WPIDS=""
while [ $w -lt $WORKERS ]; do
  door=qmi-proxy; [ $((w % 2)) = 1 ] && door=mbim-proxy
  $NOBODY sh "$T/worker.sh" $w $END $WORKERS $LINKS "$T/links" $PER_LINK $door > "$T/attack.$w" &
  WPIDS="$WPIDS $!"
  w=$((w + 1))
done

idg_log "consented reads during the attack"
GETS=0 QMIS=0 FAILED=0 RSS_PEAK=$RSS0
while [ "$(date +%s)" -lt "$END" ]; do
  if get flood; then GETS=$((GETS + 1)); else FAILED=$((FAILED + 1)); fi
  r=$(rss_kb); [ "$r" -gt "$RSS_PEAK" ] && RSS_PEAK=$r
  [ $((GETS % 5)) = 0 ] && qmi_get && QMIS=$((QMIS + 1))
done
for p in $WPIDS; do wait "$p"; done
ATTACK_NS=$(( $(date +%s%N) - START_NS ))
rm -rf "$T/links"   # 3,000 names of one binary: nothing for the leak scan
CONNECTS=$(cat "$T"/attack.* | awk '{ s += $1 } END { print s }')
[ "$CONNECTS" -gt 0 ] || idg_fail "the attack made no connection"
[ "$GETS" -gt 0 ] && [ "$FAILED" = 0 ] ||
  { cat "$T/flood.err" >&2; idg_fail "$FAILED consented reads failed during the attack ($GETS succeeded)"; }

# the broker has taken every queued connection when two audit queries agree
accounted() {
  idg_ctl --json audit > "$T/audit.json" || return 1
  python3 - "$T/audit.json" <<'PY'
import json, sys
n = 0
for r in json.load(open(sys.argv[1])):
    if r["identity"].startswith("uid=65534"):
        n += r["count"] if r["decision"] != "flood" else r["refused"] + r["rewritten"]
print(n)
PY
}
prev=-1
for i in $(seq 30); do
  cur=$(accounted) || idg_fail "audit query failed"
  [ "$cur" = "$prev" ] && [ "$cur" -ge "$CONNECTS" ] && break
  prev=$cur; sleep 0.5
done

idg_log "checking the audit"
python3 - "$T/audit.json" "$T/figures.txt" <<PY || idg_fail "audit check failed"
import json, os, sys
recs = json.load(open(sys.argv[1]))
gets, qmis, connects = $GETS, $QMIS, $CONNECTS
base_gets = 20
attack_s = $ATTACK_NS / 1e9
rate, burst, flood_s = $RATE, $BURST, $FLOOD

# every release of the consented service, counted exactly
api = sum(r["count"] for r in recs if r["decision"] == "release" and r["door"] == "api" and r["kind"] == "imei")
qmi = sum(r["count"] for r in recs if r["decision"] == "release" and r["door"] == "qmi-proxy" and r["kind"] == "imei")
assert api == base_gets + gets, ("api releases", api, base_gets + gets)
assert qmi >= 1 + qmis, ("qmi-proxy releases", qmi, 1 + qmis)

nobody = [r for r in recs if r["identity"].startswith("uid=65534")]
written = [r for r in nobody if r["decision"] != "flood"]
floods = [r for r in nobody if r["decision"] == "flood"]
labels = len({r["service"] for r in written})
refused_written = sum(r["count"] for r in written)
suppressed = sum(r["refused"] + r["rewritten"] for r in floods)
suppressed_records = sum(r["records"] for r in floods)
assert all(r["decision"] == "refuse" for r in written), "uid 65534 got something else than refusals"
assert floods, "no flood record"
assert all(r["service"] == "uid:65534" and r["kind"] == "raw-sim" and
           set(r["door"].split(",")) <= {"qmi-proxy", "mbim-proxy"} for r in floods), floods
assert {d for r in floods for d in r["door"].split(",")} == {"qmi-proxy", "mbim-proxy"}, "a door's refusals are not in the flood records"
# burst + rate per second, over the attack and the wait that followed
budget = burst + rate * (attack_s + 20)
assert len(written) <= budget, ("records written for uid 65534", len(written), budget)
assert len(floods) <= attack_s / flood_s + 20, ("flood records", len(floods))
# nothing vanished: every refusal is in a record or a flood count
assert refused_written + suppressed == connects, ("accounted", refused_written, suppressed, connects)

with open(sys.argv[2], "w") as f:
    print(f"attack: {connects} connections from {$LINKS} links in {attack_s:.1f} s = {connects / attack_s:.0f}/s", file=f)
    print(f"uid 65534: {len(written)} records written ({labels} labels), {len(floods)} flood records, "
          f"{suppressed} refusals suppressed in {suppressed_records} records", file=f)
    print(f"consented: {gets} API reads and {qmis} qmicli reads during the attack; "
          f"{api} API releases, {qmi} qmi-proxy releases in the audit", file=f)
PY

idg_log "idguardctl audit and report show the flood"
idg_ctl audit > "$T/audit.txt" || idg_fail "audit (table) failed"
grep -Eq "flood +raw-sim +(qmi|mbim)-proxy(,mbim-proxy)? +uid:65534" "$T/audit.txt" ||
  { tail -20 "$T/audit.txt" >&2; idg_fail "the audit table shows no flood record for uid 65534"; }
idg_ctl report > "$T/report.txt" || idg_fail "report failed"
grep -Eq "uid:65534 +raw-sim" "$T/report.txt" ||
  { cat "$T/report.txt" >&2; idg_fail "the report does not count uid 65534's suppressed refusals"; }

idg_log "audit files within bounds"
for f in "$T"/state/audit.log* "$T"/state/releases.log*; do
  size=$(stat -c %s "$f")
  [ "$size" -le "$MAX" ] || case "$f" in */releases.log*) [ "$size" -le 1048576 ] ;; *) false ;; esac ||
    idg_fail "$f is $size bytes, over its limit"
done
n=$(ls "$T"/state/audit.log* | wc -l)
[ "$n" -le $((KEEP + 1)) ] || idg_fail "$n audit.log files, keep=$KEEP"

idg_log "the system log copy and the door's log lines"
records=$(cat "$T"/state/audit.log* | grep -c '"identity":"uid=65534')
syslog=$(grep -c "idguard-audit-Message.*audit: .*\(exe:$T/links\|uid:65534\)" "$T/broker.log")
[ "$syslog" -le "$records" ] || idg_fail "the system log has $syslog audit lines for uid 65534, the audit $records"
door=$(grep -c "proxy door: .*refused" "$T/broker.log")
[ "$door" -le $(( (ATTACK_SECS / 10 + 2) * 2 * 2 )) ] ||
  idg_fail "$door refusal log lines for one uid in $ATTACK_SECS s"

idg_log "latency and memory"
MED0=$(median "$T/base.ms")
MED1=$(median "$T/flood.ms")
echo "latency of a consented API read: median ${MED0} ms before, ${MED1} ms during the attack" >> "$T/figures.txt"
echo "broker RSS: ${RSS0} kB before, ${RSS_PEAK} kB peak during the attack" >> "$T/figures.txt"
echo "system log: $syslog audit lines for uid 65534; door log: $door refusal lines" >> "$T/figures.txt"
cat "$T/figures.txt" >&2
[ "$RSS_PEAK" -le $((RSS0 + 16384)) ] || idg_fail "broker RSS grew from $RSS0 to $RSS_PEAK kB"
idg_log "pass"
