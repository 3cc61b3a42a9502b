# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run.sh BUILD_DIR: idguard side by side with what users run today.
#
# Everything runs in one private network namespace (its own @qmi-proxy and
# @mbim-proxy), against simulated modems started from the same binary with
# the same identifiers: one modem per path, so that the stock proxies, the
# broker and the direct reference never share a port. Each figure is
# measured ROUNDS times, the paths alternating (direct, stock, idguard, then
# the reverse order) so that drift of this shared machine hits every path
# alike; the median round is reported. Prints one line per figure and
# writes BUILD_DIR/bench.json: a list of {name, value, unit, baseline,
# ratio}, ratio > 1 meaning idguard is better (stock/idguard for times and
# memory, idguard/stock for throughput). Nothing here is a pass/fail
# threshold: a figure that cannot be measured says why instead.
#
# BENCH_QUICK=1: every figure, briefly (the bench-smoke test).
# BENCH_OUT=DIR: write bench.json and the raw samples there instead.
# BENCH_KERNEL=0: leave out the qemu VM (kernel figures).
set -eu

BUILD=$(cd "${1:?usage: bench/run.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)


if [ "${BENCH_QUICK:-0}" = 1 ]; then
  SECS=0.25 ROUNDS=1 IDLE=2 SETTLE=0 HOLD=1 SCALE_SIZES="1000 10000" ID_READS=200
else
  SECS=1 ROUNDS=5 IDLE=20 SETTLE=20 HOLD=2 SCALE_SIZES="1000 10000 100000 1000000" ID_READS=3000
fi
CLIENTS="1 16 64"

SIM_BIN="$BUILD/userspace/sim/idguard-modem-sim"
BROKER_BIN="$BUILD/userspace/broker/idguardd"
CTL_BIN="$BUILD/userspace/ctl/idguardctl"
GEN_QMI="$BUILD/bench/idg-bench-qmi"
GEN_MBIM="$BUILD/bench/idg-bench-mbim"
GEN_IDS="$BUILD/bench/idg-bench-ids"
GEN_STORE="$BUILD/bench/idg-bench-store"
STOCK_QMI=/usr/libexec/qmi-proxy
STOCK_MBIM=/usr/libexec/mbim-proxy
CLK_TCK=$(getconf CLK_TCK)

OUT=${BENCH_OUT:-$BUILD}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
W="$OUT/bench-work"

if [ -z "${IDG_BENCH_NETNS:-}" ]; then
  [ "$(id -u)" = 0 ] || { echo "bench: needs root (unshare -n for private proxy names)" >&2; exit 1; }
  rm -rf "$W"
  mkdir -p "$W"
  # The kernel figures come from the qemu VM of tests/kernel (owned by the
  # kernel area), run first and outside the private namespace: it may need
  # the package archive for the kernel image, and must not share the CPU
  # with the measurements below.
  if [ "${BENCH_KERNEL:-1}" = 1 ] && [ "${BENCH_QUICK:-0}" != 1 ]; then
    echo "bench: kernel figures: booting the qemu VM of tests/kernel (BENCH_KERNEL=0 leaves it out)" >&2
    IDG_KTEST_OUT="$W/kernel" IDG_KTEST_BUILD="$BUILD" timeout 600 sh "$SRC/tests/kernel/run.sh" \
      > "$W/kernel.log" 2>&1 || echo "bench: the kernel tests failed (see $W/kernel.log)" >&2
  fi
  IDG_BENCH_NETNS=1 exec unshare -n sh "$0" "$@"
fi
ip link set lo up 2>/dev/null || true
RAW="$W/raw.txt"         # proto path clients round count errors lost frag secs rps p50 p99 ticks
FIG="$W/figures.txt"     # name|value|unit|baseline|ratio
: > "$RAW"
: > "$FIG"
log() { echo "bench: $*" >&2; }
die() { echo "bench: FAILED: $*" >&2; exit 1; }

# idg_bg (start in the background, pid in LAST_PID), idg_idg_wait_for and
# idg_cleanup (stops every idg_bg process) of the integration tests.
IDG_BUILD=$BUILD IDG_SRC=$SRC
# shellcheck source=tests/tools/lib.sh
. "$SRC/tests/tools/lib.sh"
trap idg_cleanup EXIT
trap 'exit 1' INT TERM

# cpu_ticks PID: utime + stime of the whole process (all threads).
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# rss_kb PID
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# switches PID: voluntary + involuntary context switches of every thread.
switches() {
  cat /proc/"$1"/task/*/status 2>/dev/null |
    awk '/^(non)?voluntary_ctxt_switches:/ { s += $2 } END { print s + 0 }'
}

# fig NAME VALUE UNIT BASELINE RATIO (BASELINE/RATIO may be "null")
fig() {
  echo "$1|$2|$3|$4|$5" >> "$FIG"
  if [ "$4" = null ]; then
    printf '%-56s %12s %-8s (reference, no baseline)\n' "$1" "$2" "$3"
  else
    printf '%-56s %12s %-8s baseline %12s  ratio %s\n' "$1" "$2" "$3" "$4" "$5"
  fi
}
skip() { printf '%-56s skipped: %s\n' "$1" "$2"; }

# ratio A B: A/B to 3 significant digits ("null" when B is 0)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "null"; else printf "%.3g\n", a / b }'; }

# --- the modems, the stock proxies and the broker ---------------------------

python3 "$SRC/tests/tools/gen-ids.py" > "$W/ids.consented"

# sim NAME [extra args]: a simulated modem with QMI and MBIM ports $W/NAME.qmi, $W/NAME.mbim
sim() {
  n=$1; shift
  idg_bg "$W/$n.sim.log" "$SIM_BIN" --qmi "$W/$n.qmi" --mbim "$W/$n.mbim" --ids "$W/ids.consented" "$@"
  eval "SIM_$n=\$LAST_PID"
  idg_wait_for 10 grep -q '^ready' "$W/$n.sim.log" || die "simulator $n not ready"
}
for n in direct stock idg; do
  sim "$n"
  sim "${n}frag" --mbim-max-control-transfer 64
done

# shellcheck source=bench/system-bus.sh
. "$SRC/bench/system-bus.sh"

# broker NAME SIM [BUS]: idguardd on the modem SIM, doors @idg-NAME-qmi /
# @idg-NAME-mbim; with BUS (a D-Bus address) it also owns org.idguard.Broker1 there
broker() {
  mkdir -p "$W/$1/state" "$W/$1/run"
  cat > "$W/$1/idguard.conf" <<EOC
[broker]
state-dir=$W/$1/state
runtime-dir=$W/$1/run
policy=redact
[modem]
qmi=$W/$2.qmi
mbim=$W/$2.mbim
[proxy]
qmi-socket=idg-$1-qmi
mbim-socket=idg-$1-mbim
at-socket=
EOC
  idg_bg "$W/$1/broker.log" env ${3:+"DBUS_SYSTEM_BUS_ADDRESS=$3"} \
    "$BROKER_BIN" --config "$W/$1/idguard.conf" --foreground
  eval "BRK_$1=\$LAST_PID"
  idg_wait_for 20 "$CTL_BIN" --socket "$W/$1/run/api.sock" status || die "broker $1 not up (see $W/$1/broker.log)"
}
broker main idg "$BUS_ADDR"
broker frag idgfrag

idg_bg "$W/qmi-proxy.log" "$STOCK_QMI" --no-exit
QP=$LAST_PID
idg_bg "$W/mbim-proxy.log" "$STOCK_MBIM" --no-exit
MP=$LAST_PID
# shellcheck disable=SC2154
BP=$BRK_main
sleep 0.5

# --- proxy paths -----------------------------------------------------------

# run_gen PROTO PATH CLIENTS ROUND: one measurement, appended to $RAW
run_gen() {
  proto=$1 path=$2 c=$3 r=$4
  load=
  case $proto in
    qmi) gen=$GEN_QMI kind=qmi sfx=; stock_sock=qmi-proxy; stock_pid=$QP ;;
    qmiids) gen=$GEN_QMI kind=qmi sfx=; stock_sock=qmi-proxy; stock_pid=$QP; load=--ids-only ;;
    mbim) gen=$GEN_MBIM kind=mbim sfx=; stock_sock=mbim-proxy; stock_pid=$MP ;;
    mbimids) gen=$GEN_MBIM kind=mbim sfx=; stock_sock=mbim-proxy; stock_pid=$MP; load=--ids-only ;;
    mbimfrag) gen=$GEN_MBIM kind=mbim sfx=frag; stock_sock=mbim-proxy; stock_pid=$MP ;;
  esac
  case $path in
    direct) set -- --direct -d "$W/direct$sfx.$kind"; pid=$(eval echo "\$SIM_direct$sfx") ;;
    stock) set -- -s "$stock_sock" -d "$W/stock$sfx.$kind"; pid=$stock_pid ;;
    idg) b=main; [ -n "$sfx" ] && b=frag
         set -- -s "idg-$b-$kind" -d "$W/idg$sfx.$kind"; pid=$(eval echo "\$BRK_$b") ;;
  esac
  t0=$(cpu_ticks "$pid")
  # shellcheck disable=SC2086 # $load: empty or one word
  out=$(timeout 120 "$gen" "$@" -c "$c" -t "$SECS" $load 2> "$W/gen.err") ||
    die "$proto $path $c clients: $(cat "$W/gen.err")"
  t1=$(cpu_ticks "$pid")
  echo "$proto $path $c $r $(echo "$out" | sed 's/[a-z0-9_]*=//g') $((t1 - t0))" >> "$RAW"
}

# stat PROTO PATH CLIENTS FIELD: median over rounds (fields: rps p50 p99)
stat_of() {
  col=$(case $4 in rps) echo 10 ;; p50) echo 11 ;; p99) echo 12 ;; esac)
  awk -v p="$1" -v q="$2" -v c="$3" -v col="$col" \
    '$1 == p && $2 == q && $3 == c { v[n++] = $col }
     END { if (n == 0) { print "null"; exit }
           for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
           printf "%.1f\n", v[int((n - 1) / 2)] }' "$RAW"
}
# cpu_per_10k PROTO PATH: milliseconds of the process's CPU per 10,000 messages, all rounds
cpu_per_10k() {
  awk -v p="$1" -v q="$2" -v hz="$CLK_TCK" \
    '$1 == p && $2 == q { n += $5; t += $13 } END { if (n == 0) print "null"; else printf "%.1f\n", t * 1000 / hz * 10000 / n }' "$RAW"
}

# proxy_bench PROTO LABEL [CLIENT_COUNTS]
proxy_bench() {
  proto=$1 label=$2 counts=${3:-$CLIENTS}
  r=1
  while [ $r -le $ROUNDS ]; do
    for c in $counts; do
      if [ $((r % 2)) = 1 ]; then order="direct stock idg"; else order="idg stock direct"; fi
      for path in $order; do run_gen "$proto" "$path" "$c" "$r"; done
    done
    r=$((r + 1))
  done
  errs=$(awk -v p="$proto" '$1 == p { e += $6 + $7 } END { print e + 0 }' "$RAW")
  [ "$errs" = 0 ] || log "$label: $errs requests answered with an error or lost (see $RAW)"
  for c in $counts; do
    cn="$c clients"
    [ "$c" = 1 ] && cn="1 client"
    for f in p50 p99; do
      v=$(stat_of "$proto" idg "$c" $f); b=$(stat_of "$proto" stock "$c" $f)
      fig "$label latency $f $cn" "$v" us "$b" "$(ratio "$b" "$v")"
    done
    v=$(stat_of "$proto" idg "$c" rps); b=$(stat_of "$proto" stock "$c" rps)
    fig "$label throughput $cn" "$v" msg/s "$b" "$(ratio "$v" "$b")"
    fig "$label direct-to-simulator throughput $cn" "$(stat_of "$proto" direct "$c" rps)" msg/s null null
    fig "$label direct-to-simulator latency p50 $cn" "$(stat_of "$proto" direct "$c" p50)" us null null
  done
  v=$(cpu_per_10k "$proto" idg); b=$(cpu_per_10k "$proto" stock)
  fig "$label proxy CPU time per 10000 messages" "$v" ms "$b" "$(ratio "$b" "$v")"
}

# --- footprint, idle ---------------------------------------------------------

# After a first client, every process holds its modem open and sits idle.
timeout 30 "$GEN_QMI" -s qmi-proxy -d "$W/stock.qmi" -c 1 -t 0.05 > /dev/null
timeout 30 "$GEN_MBIM" -s mbim-proxy -d "$W/stock.mbim" -c 1 -t 0.05 > /dev/null
timeout 30 "$GEN_QMI" -s idg-main-qmi -d "$W/idg.qmi" -c 1 -t 0.05 > /dev/null
timeout 30 "$GEN_MBIM" -s idg-main-mbim -d "$W/idg.mbim" -c 1 -t 0.05 > /dev/null
sleep 1
v=$(rss_kb "$BP"); b=$(( $(rss_kb "$QP") + $(rss_kb "$MP") ))
# GLib retires idle worker threads (GTask pool) about 15 s after their last
# job: let that happen first, so the window counts steady-state wake-ups.
sleep "$SETTLE"
fig "footprint RSS idle (idguardd vs qmi-proxy+mbim-proxy)" "$v" KiB "$b" "$(ratio "$b" "$v")"

s0=$(switches "$BP"); q0=$(( $(switches "$QP") + $(switches "$MP") ))
sleep "$IDLE"
s1=$(switches "$BP"); q1=$(( $(switches "$QP") + $(switches "$MP") ))
v=$(( (s1 - s0) * 60 / IDLE )); b=$(( (q1 - q0) * 60 / IDLE ))
# +1 on both sides so that zero against zero compares as 1.00
fig "footprint idle wake-ups per minute (context switches)" "$v" 1/min "$b" "$(ratio $((b + 1)) $((v + 1)))"

# --- QMI and MBIM paths ----------------------------------------------------

proxy_bench qmi qmi
proxy_bench mbim mbim
proxy_bench mbimfrag "mbim fragmented"
# the all-identifier loads: every request an identifier read, none consented
# (QMI: DMS Get IDs only; MBIM: Device Caps and Subscriber Ready Status)
# (quick mode, the bench-smoke test: 16 clients only)
ids_counts=$CLIENTS
[ "${BENCH_QUICK:-0}" = 1 ] && ids_counts=16
proxy_bench qmiids "qmi all-identifier" "$ids_counts"
proxy_bench mbimids "mbim all-identifier" "$ids_counts"

# --- footprint with 64 proxy clients (32 QMI + 32 MBIM, held idle) -----------

hold=$((HOLD + 3))
idg_bg "$W/hold1.out" "$GEN_QMI" -s qmi-proxy -d "$W/stock.qmi" -c 32 -t 0.05 --hold "$hold"
idg_bg "$W/hold2.out" "$GEN_MBIM" -s mbim-proxy -d "$W/stock.mbim" -c 32 -t 0.05 --hold "$hold"
idg_bg "$W/hold3.out" "$GEN_QMI" -s idg-main-qmi -d "$W/idg.qmi" -c 32 -t 0.05 --hold "$hold"
idg_bg "$W/hold4.out" "$GEN_MBIM" -s idg-main-mbim -d "$W/idg.mbim" -c 32 -t 0.05 --hold "$hold"
for h in 1 2 3 4; do
  idg_wait_for 30 grep -q holding "$W/hold$h.out" || die "64-client hold: $(cat "$W/hold$h.out")"
done
v=$(rss_kb "$BP"); b=$(( $(rss_kb "$QP") + $(rss_kb "$MP") ))
fig "footprint RSS with 64 proxy clients (32 QMI + 32 MBIM)" "$v" KiB "$b" "$(ratio "$b" "$v")"
for h in 1 2 3 4; do idg_wait_for 30 grep -q '^count=' "$W/hold$h.out" || die "64-client hold did not finish"; done

# --- identifier reads for services -------------------------------------------

# shellcheck source=bench/services.sh
. "$SRC/bench/services.sh"

# --- the value tripwire alone --------------------------------------------------

# shellcheck source=bench/tripwire.sh
. "$SRC/bench/tripwire.sh"

# --- scale: grants in the store ----------------------------------------------

# shellcheck source=bench/scale.sh
. "$SRC/bench/scale.sh"

# --- bench.json --------------------------------------------------------------

awk -F'|' 'BEGIN { print "[" }
  { gsub(/"/, "\\\"", $1)
    printf "%s  {\"name\": \"%s\", \"value\": %s, \"unit\": \"%s\", \"baseline\": %s, \"ratio\": %s}",
           (NR > 1 ? ",\n" : ""), $1, $2, $3, $4, $5 }
  END { print "\n]" }' "$FIG" > "$OUT/bench.json"
log "$(wc -l < "$FIG") figures in $OUT/bench.json (raw samples: $RAW)"
