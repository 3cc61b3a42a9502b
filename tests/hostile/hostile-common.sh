# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers of the hostile-users tests (sourced after tests/tools/lib.sh,
# idg_setup and tests/api/api-common.sh). An attack runs as uid 65534
# ($NOBODY) against a broker with a consented service (uid 0, imei); while
# it runs, the test asserts that the consented read and `idguardctl status`
# still succeed in time and that the broker's resident memory stays
# bounded, and writes its figures to stderr (the test's log) and $T/figures.

ATTACK="$IDG_SRC/tests/hostile/attack.py"
# Under ASan, freed memory waits in a quarantine and reads as growth (as in
# tests/api/api-load.sh): keep it small. No effect on other builds.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
export ASAN_OPTIONS

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$BROKER_PID/status"; }
# the broker's CPU time so far (user + system), in ms
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$BROKER_PID/stat"; }

READER="$IDG_BUILD/tests/api/api-reader"

# hostile_start: simulator and broker (unless the test started its own),
# a grant to uid 0 for the imei, and
# $BASE_MS, the mean latency of a consented read through libidguard (in a
# process of 20 reads: one API connection, handshake included, per process)
# before any attack.
hostile_start() {
  if [ -z "${BROKER_PID:-}" ]; then
    api_start
  else
    idg_wait_for 20 sh -c "'$CTL_BIN' --socket '$T/run/api.sock' --json status | grep -q '\"imei\"'" ||
      { cat "$T/broker.log" >&2; idg_fail "the broker did not read the identifiers"; }
  fi
  grant_json svc --to uid:0 --scope imei --purpose "hostile test"
  grep "^imei=" "$T/ids.consented" | cut -d= -f2 > "$T/expected-imei.consented"
  legit_read before >/dev/null || idg_fail "consented read before the attack failed"
  # the shape of during_attack's reads: a process of 20 reads (libidguard
  # connects once per process, so the connection is part of the mean), 5 times
  _sum=0
  for _r in 1 2 3 4 5; do
    _us=$(reads_mean_us "before-$_r" 20) || idg_fail "consented reads before the attack failed"
    _sum=$((_sum + _us))
  done
  BASE_MS=$((_sum / 5))
  RSS_BEFORE=$(rss_kb)
  figure "read_mean_before_us=$BASE_MS rss_before_kb=$RSS_BEFORE"
}

# reads_mean_us NAME COUNT: COUNT consented reads through libidguard, one
# after the other; prints the mean latency in microseconds; fails unless
# every read returned the right value.
reads_mean_us() {
  _t0=$(date +%s%N)
  IDGUARD_TRANSPORT=broker IDGUARD_SOCKET="$T/run/api.sock" IDGUARD_TOKEN=$TOKEN \
    "$READER" imei "$T/expected-imei.consented" "$2" 1 > "$T/$1.reads" 2>&1 ||
    { cat "$T/$1.reads" >&2; return 1; }
  _t1=$(date +%s%N)
  echo $(( (_t1 - _t0) / 1000 / $2 ))
}

# legit_read NAME: one consented read with idguardctl as uid 0; prints its
# latency in ms, fails unless it returned the right value.
legit_read() {
  _t0=$(now_ms)
  read_as "$1" "$TOKEN" imei || { cat "$T/$1.err" >&2; return 1; }
  _t1=$(now_ms)
  [ "$(cat "$T/$1.consented")" = "$ID_imei" ] || return 1
  echo $((_t1 - _t0))
}

figure() { idg_log "figures: $*"; echo "$*" >> "$T/figures"; }

# rss_watch: samples the broker's VmRSS every 50 ms into $T/rss until
# rss_unwatch; rss_peak prints the highest sample.
rss_watch() {
  CPU_BEFORE=$(cpu_ms)
  WATCH_T0=$(now_ms)
  ( while kill -0 "$BROKER_PID" 2>/dev/null; do rss_kb; sleep 0.05; done > "$T/rss" ) &
  RSS_PID=$!
  IDG_PIDS="$IDG_PIDS $RSS_PID"
}
rss_unwatch() {
  kill "$RSS_PID" 2>/dev/null; wait "$RSS_PID" 2>/dev/null || true
  _cpu=$(( $(cpu_ms) - CPU_BEFORE )) _wall=$(( $(now_ms) - WATCH_T0 ))
  figure "broker_cpu_ms=$_cpu wall_ms=$_wall broker_cpu_share=$(( _cpu * 100 / _wall ))%"
}
rss_peak() { sort -n "$T/rss" | tail -1; }

# during_attack ROUNDS [LIMIT_US]: ROUNDS times, 20 consented reads through
# libidguard and a read with idguardctl and `idguardctl status` as uid 0:
# all must succeed, and the reads' mean stay within LIMIT_US (default: 10
# times $BASE_MS, at least 25 ms for a shared 2-core machine's noise); sets
# $WORST_US.
during_attack() {
  WORST_US=0 _worst_ctl=0
  _limit=${2:-$((BASE_MS * 10))}
  [ $_limit -lt 25000 ] && _limit=25000
  _i=0
  while [ $_i -lt "$1" ]; do
    _us=$(reads_mean_us "during-$_i" 20) || idg_fail "consented reads during the attack failed"
    [ "$_us" -gt "$WORST_US" ] && WORST_US=$_us
    _ms=$(legit_read "during-ctl-$_i") || idg_fail "idguardctl get during the attack failed"
    [ "$_ms" -gt "$_worst_ctl" ] && _worst_ctl=$_ms
    expect_rc 0 "status-$_i" idg_ctl status
    _i=$((_i + 1))
    sleep 0.2
  done
  figure "read_mean_during_worst_us=$WORST_US ratio_to_before=$((WORST_US / BASE_MS)) limit_us=$_limit idguardctl_get_worst_ms=$_worst_ctl rounds=$1"
  [ "$WORST_US" -le "$_limit" ] || idg_fail "consented reads took $WORST_US us each during the attack (limit $_limit)"
}

# rss_check LIMIT_KB: the peak during the attack is at most LIMIT_KB above
# the broker's VmRSS before it.
rss_check() {
  _peak=$(rss_peak)
  figure "rss_peak_kb=$_peak rss_growth_kb=$((_peak - RSS_BEFORE)) limit_kb=$1"
  [ $((_peak - RSS_BEFORE)) -le "$1" ] || idg_fail "broker VmRSS grew by $((_peak - RSS_BEFORE)) kB (limit $1)"
  kill -0 "$BROKER_PID" || idg_fail "the broker died"
}

# socket_attack MODE CONNECTIONS: tests/hostile/attack.py MODE against
# api.sock with CONNECTIONS at a time for 12 s, as uid 65534, with
# during_attack 10 meanwhile; then the broker must have closed more
# connections than the attack holds at a time, logged the refusals, and
# kept its memory within 16 MiB of where it was.
socket_attack() {
  rss_watch
  idg_log "attack: $2 connections, mode $1, as uid 65534"
  idg_bg "$T/attack.log" $NOBODY /usr/bin/python3 "$ATTACK" "$1" "$T/run/api.sock" 12 "$2"
  idg_wait_for 10 grep -q '^ready' "$T/attack.log" || { cat "$T/attack.log" >&2; idg_fail "attack did not start"; }
  sleep 1
  during_attack 10
  idg_wait_for 20 grep -q '^attack ' "$T/attack.log" || idg_fail "attack did not finish"
  rss_unwatch
  figure "$(grep '^attack ' "$T/attack.log")"
  _closed=$(sed -n 's/.* closed_by_broker=\([0-9]*\).*/\1/p' "$T/attack.log")
  [ "${_closed:-0}" -gt "$2" ] || idg_fail "the broker closed only ${_closed:-0} of the attack's connections"
  rss_check 16384
  idg_expect_contains "$T/broker.log" "connection(s) refused over their budget" "refusals logged"
}
